"""thermal: orbital heat loads, radiator and chip solvers, coolant loop.

Public API (implementation in modules named for what they model):

- heat loads: :func:`earth_view_factor` (:func:`earth_view_factor_cos`), :func:`plate_environment`,
  :func:`absorbed_flux_w_m2`, :func:`sink_temperature_k`, :class:`FaceFlux`
- level-0 radiator: :func:`isothermal_panel_area_m2`,
  :func:`isothermal_panel_temperature_k`, :func:`panel_sink_temperature_k`
- finite-difference radiator panel (:mod:`thermal.radiator`): :class:`RadiatorPanel`,
  :class:`RadiatorCoolant` (= ``thermal.radiator.Coolant``), :class:`HeatPipes`,
  :class:`RadiatorNumerics` (= ``thermal.radiator.Numerics``), :func:`solve_steady`,
  :func:`solve_fin`, :func:`solve_transient`, :func:`solve_periodic`
- chip/package solver (:mod:`thermal.chip`), HotSpot files (:mod:`thermal.floorplan`),
  cold plates (:mod:`thermal.coldplate`), coolants (:mod:`thermal.coolant`, the coolant
  class exported as :class:`LoopCoolant`), the pumped loop (:mod:`thermal.loop`) and the
  accelerator preset (:mod:`thermal.accelerators`)
- radiator-tube puncture by micrometeoroids and debris (:mod:`thermal.puncture`): single-wall
  ballistic limit, expected perforations, loop/section reliability, armour mass
- HotSpot 7 replica (``sunsink hotspot``): configuration and package periphery
  (:mod:`thermal.hotspot_rc`), grid model (:mod:`thermal.hotspot_grid`), block model
  (:mod:`thermal.hotspot_block`), the converged counterpart (:mod:`thermal.hotspot_converged`);
  HotSpot's output files (:mod:`thermal.floorplan`)
- coatings (:mod:`thermal.coatings`): :func:`coating`, :func:`coating_properties`,
  :func:`bol_eol_properties`, :data:`COATING_NAMES`
- rectangle view factors (:mod:`thermal.view_factors`): :func:`face_view_factor`,
  :func:`make_face`, :func:`monte_carlo_view_factor`, catalogue closed forms
- satellite layout and radiator-array exchange (:mod:`thermal.satellite_geometry`):
  :func:`default_layout`, :func:`radiator_exchange`, :func:`view_factor_matrix`;
  figure :func:`plot_layout` (:mod:`thermal.geometry_figures`, imported on use)
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
    earth_view_factor_cos,
    face_normals,
    plate_environment,
    sink_temperature_k,
)
from .accelerators import ACCELERATORS, accelerator_package
from .chip import (ChipModel, ChipSolution, LayerSpec, PackageParams, TransientSolution, hotspot_package,
                   spreading_series_mean_temperature)
from .coldplate import (ColdPlate, ColdPlatePerformance, channel_nusselt_friction, coldplate_performance,
                        gnielinski_nusselt, laminar_rectangular_duct, petukhov_darcy_friction)
from .coolant import AMMONIA, WATER, CoolantProperties, check_coolant_state, coolant_properties
from .coolant import Coolant as LoopCoolant
from .coolant import propylene_glycol_water, saturation_pressure_pa
from .floorplan import (Block, Floorplan, LcfLayer, overlap_weights, read_flp, read_hotspot_config, read_lcf,
                        read_materials, read_ptrace, read_temperature_file, write_flp, write_grid_temperatures,
                        write_lcf, write_ptrace, write_temperature_file, write_temperature_trace)
from .hotspot_block import HotSpotBlock
from .hotspot_converged import ConvergedSteady, converged_steady
from .hotspot_grid import HotSpotGrid
from .hotspot_rc import HotSpotConfig, HotSpotError, hotspot_config, package_rc
from .loop import (LoopDesign, LoopSolution, fd_panel_pressure_drop, fd_panel_radiator, isothermal_sink_radiator,
                   pipe_darcy_friction, solve_loop, temperature_budget, tube_bank_pressure_drop_pa)
from .radiator import Coolant as RadiatorCoolant
from .radiator import HeatPipes, RadiatorPanel, RadiatorResult, TransientResult
from .radiator import Numerics as RadiatorNumerics
from .radiator import solve_fin, solve_periodic, solve_steady, solve_transient
from .coatings import COATING_NAMES, Coating, CoatingProperties, bol_eol_properties, coating, coating_properties
from .view_factors import (Face, face_view_factor, make_face, monte_carlo_view_factor, parallel_equal_rectangles,
                           parallel_rectangles, perpendicular_rectangles, perpendicular_shared_edge)
from .satellite_geometry import (Layout, Panel, RadiatorExchange, default_layout, make_panel, radiator_exchange,
                                 view_factor_matrix)
from .puncture import (AL6061_T6, PenetrationRates, WallMaterial, armour_mass_kg, ballistic_limit_diameter_m,
                       expected_penetrations, fish_summers_thickness_m, loop_delivery_probability,
                       min_sections_required, no_puncture_probability, penetration_rates, tube_exposed_area_m2)
from .loop_transient import (LoopHistory, LoopNumerics, LoopTransientParams, OrbitLoads, PeriodicLoop, PowerSchedule,
                             constant_loads, loop_params, orbit_loads, periodic_loop, radiator_heat_capacity_j_m2_k,
                             simulate_loop, steady_loop)
from .freeze_protection import (ControlSolution, bypass_fraction_needed, bypass_mass_kg, eclipse_loads, freeze_margin_k,
                                freeze_point_k, glycol_mass_fraction_for, heater_mass_kg, heater_power_needed_w,
                                pg_freeze_point_k, smooth_min_k)
from .isothermal_panel import (
    isothermal_panel_area_m2,
    isothermal_panel_temperature_k,
    net_rejection_w_m2,
    panel_sink_temperature_k,
)

__all__ = [
    "ACCELERATORS", "AMMONIA", "WATER", "Block", "ChipModel", "ChipSolution", "ColdPlate", "ColdPlatePerformance",
    "CoolantProperties", "Floorplan", "LayerSpec", "LcfLayer", "LoopCoolant", "LoopDesign", "LoopSolution",
    "PackageParams", "TransientSolution", "accelerator_package", "channel_nusselt_friction", "check_coolant_state",
    "coldplate_performance", "coolant_properties", "fd_panel_pressure_drop", "fd_panel_radiator", "gnielinski_nusselt", "hotspot_package",
    "isothermal_sink_radiator", "laminar_rectangular_duct", "overlap_weights", "petukhov_darcy_friction",
    "pipe_darcy_friction", "propylene_glycol_water", "read_flp", "read_hotspot_config", "read_lcf",
    "read_materials", "read_ptrace", "saturation_pressure_pa", "solve_loop", "tube_bank_pressure_drop_pa", "spreading_series_mean_temperature",
    "temperature_budget", "write_flp", "write_lcf", "write_ptrace",
    "HotSpotBlock", "HotSpotConfig", "HotSpotError", "HotSpotGrid", "hotspot_config", "package_rc",
    "ConvergedSteady", "converged_steady",
    "read_temperature_file", "write_grid_temperatures", "write_temperature_file", "write_temperature_trace",
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
    "earth_view_factor_cos",
    "face_normals",
    "isothermal_panel_area_m2",
    "isothermal_panel_temperature_k",
    "net_rejection_w_m2",
    "panel_sink_temperature_k",
    "plate_environment",
    "sink_temperature_k",
    "COATING_NAMES", "Coating", "CoatingProperties", "bol_eol_properties", "coating", "coating_properties",
    "Face", "face_view_factor", "make_face", "monte_carlo_view_factor", "parallel_equal_rectangles",
    "parallel_rectangles", "perpendicular_rectangles", "perpendicular_shared_edge",
    "Layout", "Panel", "RadiatorExchange", "default_layout", "make_panel", "radiator_exchange", "view_factor_matrix",
    "AL6061_T6", "PenetrationRates", "WallMaterial", "armour_mass_kg", "ballistic_limit_diameter_m",
    "expected_penetrations", "fish_summers_thickness_m", "loop_delivery_probability", "min_sections_required",
    "no_puncture_probability", "penetration_rates", "tube_exposed_area_m2",
    "LoopHistory", "LoopNumerics", "LoopTransientParams", "OrbitLoads", "PeriodicLoop", "PowerSchedule",
    "constant_loads", "loop_params", "orbit_loads", "periodic_loop", "radiator_heat_capacity_j_m2_k", "simulate_loop",
    "steady_loop", "ControlSolution", "bypass_fraction_needed", "bypass_mass_kg", "eclipse_loads", "freeze_margin_k",
    "freeze_point_k", "glycol_mass_fraction_for", "heater_mass_kg", "heater_power_needed_w", "pg_freeze_point_k",
    "smooth_min_k",
]
