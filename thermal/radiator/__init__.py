"""thermal.radiator: the radiator panel, from the isothermal estimate to the FD field.

- level-0 isothermal two-sided panel (:mod:`thermal.radiator.isothermal`)
- finite-difference panel (:mod:`thermal.radiator.panel`): steady, fin, transient and
  orbit-periodic solves with pumped tubes or heat pipes, implicit gradients; its discrete
  operators (:mod:`thermal.radiator.operators`) and fast preconditioners
  (:mod:`thermal.radiator.preconditioners`) are private to it
- minimum-mass sheet thickness (:mod:`thermal.radiator.thickness`): zone maps with adjoint
  gradients, radiating-fin optima
- coolant-tube puncture by micrometeoroids and debris (:mod:`thermal.radiator.puncture`):
  ballistic limit, expected perforations, section reliability, armour mass

``Coolant`` and ``Numerics`` here are the panel's (``thermal.RadiatorCoolant``,
``thermal.RadiatorNumerics``).
"""
from .panel import (ARRANGEMENTS, Coolant, HeatPipes, Numerics, RadiatorPanel, RadiatorResult, TransientResult,
                    cell_centres_m, solve_fin, solve_periodic, solve_steady, solve_transient, tube_positions_m)
from .isothermal import (isothermal_panel_area_m2, isothermal_panel_temperature_k, net_rejection_w_m2,
                         panel_sink_temperature_k)
from .thickness import (RECTANGULAR_FIN_OPTIMUM_ETA, RECTANGULAR_FIN_OPTIMUM_NC, ThicknessDesign, ThicknessResult,
                        fin_numerics, optimize_rectangular_fin, optimize_tapered_fin, optimize_thickness,
                        rectangular_fin_optimum_reference, sheet_mass_kg, thickness_gradients, thickness_responses,
                        zone_field)
from .puncture import (AL6061_T6, DEBRIS_DENSITY_KG_M3, K_PERFORATION, PenetrationRates, WallMaterial, armour_mass_kg,
                       ballistic_limit_diameter_m, expected_penetrations, fish_summers_thickness_m,
                       loop_delivery_probability, min_sections_required, no_puncture_probability, penetration_rates,
                       tube_exposed_area_m2)

__all__ = [
    # FD panel
    "ARRANGEMENTS", "Coolant", "HeatPipes", "Numerics", "RadiatorPanel", "RadiatorResult", "TransientResult",
    "cell_centres_m", "solve_fin", "solve_periodic", "solve_steady", "solve_transient", "tube_positions_m",
    # isothermal panel
    "isothermal_panel_area_m2", "isothermal_panel_temperature_k", "net_rejection_w_m2", "panel_sink_temperature_k",
    # thickness design
    "RECTANGULAR_FIN_OPTIMUM_ETA", "RECTANGULAR_FIN_OPTIMUM_NC", "ThicknessDesign", "ThicknessResult", "fin_numerics",
    "optimize_rectangular_fin", "optimize_tapered_fin", "optimize_thickness", "rectangular_fin_optimum_reference",
    "sheet_mass_kg", "thickness_gradients", "thickness_responses", "zone_field",
    # tube puncture
    "AL6061_T6", "DEBRIS_DENSITY_KG_M3", "K_PERFORATION", "PenetrationRates", "WallMaterial", "armour_mass_kg",
    "ballistic_limit_diameter_m", "expected_penetrations", "fish_summers_thickness_m", "loop_delivery_probability",
    "min_sections_required", "no_puncture_probability", "penetration_rates", "tube_exposed_area_m2",
]
