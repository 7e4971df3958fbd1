"""thermal.loop: the pumped coolant loop.

- coupled steady state of chips, cold plates, pump and radiator (:mod:`thermal.loop.coupled`):
  :func:`solve_loop`, the FD-panel radiator adapter, pressure drops, the temperature budget
- time-resolved lumped loop over an orbit and its periodic state (:mod:`thermal.loop.transient`)
- cold-plate channel correlations (:mod:`thermal.loop.coldplate`)
- coolant properties (:mod:`thermal.loop.coolant`; the class is exported by ``thermal`` as
  ``LoopCoolant``)
- cold-case freeze protection: heaters, radiator bypass, glycol (:mod:`thermal.loop.freeze_protection`)
"""
from .coupled import (LoopDesign, LoopSolution, fd_panel_pressure_drop, fd_panel_radiator, isothermal_sink_radiator,
                      pipe_darcy_friction, solve_loop, temperature_budget, tube_bank_pressure_drop_pa)
from .transient import (ALUMINIUM_SPECIFIC_HEAT_J_KG_K, COPPER_SPECIFIC_HEAT_J_KG_K, SILICON_SPECIFIC_HEAT_J_KG_K,
                        TRBDF2, LoopHistory, LoopNumerics, LoopTransientParams, OrbitLoads, PeriodicLoop,
                        PowerSchedule, constant_loads, loop_params, n_state, orbit_loads, periodic_loop,
                        radiator_heat_capacity_j_m2_k, simulate_loop, steady_loop)
from .coldplate import (ColdPlate, ColdPlatePerformance, channel_nusselt_friction, coldplate_performance,
                        gnielinski_nusselt, laminar_rectangular_duct, petukhov_darcy_friction)
from .coolant import (AMMONIA, WATER, Coolant, CoolantProperties, check_coolant_state, coolant_properties,
                      propylene_glycol_water, saturation_pressure_pa, saturation_temperature_k)
from .freeze_protection import (AMMONIA_FREEZE_K, BYPASS_CONTROL_POWER_W, BYPASS_VALVE_MASS_KG,
                                FREEZE_PROTECTION_CHOICES, HEATER_FIXED_MASS_KG, HEATER_MASS_PER_W_KG, PG_FREEZE_TABLE,
                                WATER_FREEZE_K, ControlSolution, bypass_fraction_needed, bypass_mass_kg,
                                coldest_sample_index, eclipse_loads, freeze_margin_k, freeze_point_k,
                                glycol_mass_fraction_for, heater_mass_kg, heater_power_needed_w, pg_freeze_point_k,
                                smooth_min_k)

__all__ = [
    # coupled steady state
    "LoopDesign", "LoopSolution", "fd_panel_pressure_drop", "fd_panel_radiator", "isothermal_sink_radiator",
    "pipe_darcy_friction", "solve_loop", "temperature_budget", "tube_bank_pressure_drop_pa",
    # transients
    "ALUMINIUM_SPECIFIC_HEAT_J_KG_K", "COPPER_SPECIFIC_HEAT_J_KG_K", "SILICON_SPECIFIC_HEAT_J_KG_K", "TRBDF2",
    "LoopHistory", "LoopNumerics", "LoopTransientParams", "OrbitLoads", "PeriodicLoop", "PowerSchedule",
    "constant_loads", "loop_params", "n_state", "orbit_loads", "periodic_loop", "radiator_heat_capacity_j_m2_k",
    "simulate_loop", "steady_loop",
    # cold plates and coolants
    "ColdPlate", "ColdPlatePerformance", "channel_nusselt_friction", "coldplate_performance", "gnielinski_nusselt",
    "laminar_rectangular_duct", "petukhov_darcy_friction",
    "AMMONIA", "WATER", "Coolant", "CoolantProperties", "check_coolant_state", "coolant_properties",
    "propylene_glycol_water", "saturation_pressure_pa", "saturation_temperature_k",
    # freeze protection
    "AMMONIA_FREEZE_K", "BYPASS_CONTROL_POWER_W", "BYPASS_VALVE_MASS_KG", "FREEZE_PROTECTION_CHOICES",
    "HEATER_FIXED_MASS_KG", "HEATER_MASS_PER_W_KG", "PG_FREEZE_TABLE", "WATER_FREEZE_K", "ControlSolution",
    "bypass_fraction_needed", "bypass_mass_kg", "coldest_sample_index", "eclipse_loads", "freeze_margin_k",
    "freeze_point_k", "glycol_mass_fraction_for", "heater_mass_kg", "heater_power_needed_w", "pg_freeze_point_k",
    "smooth_min_k",
]
