"""thermal: orbital heat loads, radiator and chip solvers, coolant loop.

Public API (implementation in modules named for what they model):

- heat loads: :func:`earth_view_factor`, :func:`plate_environment`,
  :func:`absorbed_flux_w_m2`, :func:`sink_temperature_k`, :class:`FaceFlux`
- level-0 radiator: :func:`isothermal_panel_area_m2`,
  :func:`isothermal_panel_temperature_k`, :func:`panel_sink_temperature_k`
- finite-difference radiator panel (:mod:`thermal.radiator`): :class:`RadiatorPanel`,
  :class:`RadiatorCoolant` (= ``thermal.radiator.Coolant``), :class:`HeatPipes`,
  :class:`RadiatorNumerics` (= ``thermal.radiator.Numerics``), :func:`solve_steady`,
  :func:`solve_fin`, :func:`solve_transient`, :func:`solve_periodic`
"""
from .heat_loads import (
    ATTITUDES,
    DEFAULT_ALBEDO,
    DEFAULT_OLR_W_M2,
    FaceFlux,
    PlateEnvironment,
    absorbed_flux_w_m2,
    albedo_cap_factor,
    earth_view_factor,
    face_normals,
    plate_environment,
    sink_temperature_k,
)
from .radiator import Coolant as RadiatorCoolant
from .radiator import HeatPipes, RadiatorPanel, RadiatorResult, TransientResult
from .radiator import Numerics as RadiatorNumerics
from .radiator import solve_fin, solve_periodic, solve_steady, solve_transient
from .isothermal_panel import (
    isothermal_panel_area_m2,
    isothermal_panel_temperature_k,
    net_rejection_w_m2,
    panel_sink_temperature_k,
)

__all__ = [
    "ATTITUDES",
    "DEFAULT_ALBEDO",
    "DEFAULT_OLR_W_M2",
    "FaceFlux",
    "HeatPipes",
    "RadiatorCoolant",
    "RadiatorNumerics",
    "RadiatorPanel",
    "RadiatorResult",
    "TransientResult",
    "solve_fin",
    "solve_periodic",
    "solve_steady",
    "solve_transient",
    "PlateEnvironment",
    "absorbed_flux_w_m2",
    "albedo_cap_factor",
    "earth_view_factor",
    "face_normals",
    "isothermal_panel_area_m2",
    "isothermal_panel_temperature_k",
    "net_rejection_w_m2",
    "panel_sink_temperature_k",
    "plate_environment",
    "sink_temperature_k",
]
