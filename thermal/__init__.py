"""thermal: orbital heat loads, radiator and chip solvers, coolant loop.

Grouped by what is modelled; this module re-exports the public API of the sub-packages:

- :mod:`thermal.environment`: heat loads (:func:`earth_view_factor` (:func:`earth_view_factor_cos`),
  :func:`plate_environment`, :func:`absorbed_flux_w_m2`, :func:`sink_temperature_k`,
  :class:`FaceFlux`), rectangle view factors (:func:`face_view_factor`, :func:`make_face`,
  :func:`monte_carlo_view_factor`, catalogue closed forms), satellite layout and radiator-array
  exchange (:func:`default_layout`, :func:`radiator_exchange`, :func:`view_factor_matrix`; figure
  :func:`thermal.environment.plot_layout`, matplotlib imported on use), coatings
  (:func:`coating`, :func:`coating_properties`, :func:`bol_eol_properties`, :data:`COATING_NAMES`)
- :mod:`thermal.radiator`: level-0 isothermal panel (:func:`isothermal_panel_area_m2`,
  :func:`isothermal_panel_temperature_k`, :func:`panel_sink_temperature_k`); the
  finite-difference panel (:class:`RadiatorPanel`, :class:`RadiatorCoolant`
  (= ``thermal.radiator.Coolant``), :class:`HeatPipes`, :class:`RadiatorNumerics`
  (= ``thermal.radiator.Numerics``), :func:`solve_steady`, :func:`solve_fin`,
  :func:`solve_transient`, :func:`solve_periodic`); minimum-mass sheet thickness
  (:mod:`thermal.radiator.thickness`); coolant-tube puncture by micrometeoroids and debris
  (single-wall ballistic limit, expected perforations, loop/section reliability, armour mass)
- :mod:`thermal.chip`: the chip package model (:class:`ChipModel`), HotSpot files and
  floorplans, the accelerator preset, and the HotSpot 7 replica (``sunsink hotspot``,
  :mod:`thermal.chip.hotspot`: configuration and package periphery, grid and block models,
  the converged counterpart)
- :mod:`thermal.loop`: the coupled pumped loop (:func:`solve_loop`), cold plates, coolants
  (the coolant class exported as :class:`LoopCoolant`), the lumped loop over an orbit
  (:func:`simulate_loop`, :func:`periodic_loop`, :func:`steady_loop`) and freeze protection
- :mod:`thermal.numerics`: the Krylov, tridiagonal and periodic-shooting solvers shared by the
  radiator, chip and loop solvers (nonlinear roots and fixed points: :mod:`orbit.solvers`)
"""
from .environment import (
    ATTITUDES,
    DEFAULT_ALBEDO,
    DEFAULT_OLR_W_M2,
    COATING_NAMES,
    Coating,
    CoatingProperties,
    Face,
    FaceFlux,
    Layout,
    Panel,
    PlateEnvironment,
    RadiatorExchange,
    absorbed_flux_w_m2,
    albedo_cap_factor,
    bol_eol_properties,
    coating,
    coating_properties,
    default_layout,
    earth_view_factor,
    earth_view_factor_cos,
    face_normals,
    face_view_factor,
    make_face,
    make_panel,
    monte_carlo_view_factor,
    parallel_equal_rectangles,
    parallel_rectangles,
    perpendicular_rectangles,
    perpendicular_shared_edge,
    plate_environment,
    radiator_exchange,
    sink_temperature_k,
    view_factor_matrix,
)
from .chip import (ACCELERATORS, Block, ChipModel, ChipSolution, ConvergedSteady, Floorplan, HotSpotBlock,
                   HotSpotConfig, HotSpotError, HotSpotGrid, LayerSpec, LcfLayer, PackageParams, TransientSolution,
                   accelerator_package, converged_steady, hotspot_config, hotspot_package, overlap_weights,
                   package_rc, read_flp, read_hotspot_config, read_lcf, read_materials, read_ptrace,
                   read_temperature_file, spreading_series_mean_temperature, write_flp, write_grid_temperatures,
                   write_lcf, write_ptrace, write_temperature_file, write_temperature_trace)
from .loop import (AMMONIA, WATER, ColdPlate, ColdPlatePerformance, ControlSolution, CoolantProperties, LoopDesign,
                   LoopHistory, LoopNumerics, LoopSolution, LoopTransientParams, OrbitLoads, PeriodicLoop,
                   PowerSchedule, bypass_fraction_needed, bypass_mass_kg, channel_nusselt_friction,
                   check_coolant_state, coldplate_performance, constant_loads, coolant_properties, eclipse_loads,
                   fd_panel_pressure_drop, fd_panel_radiator, freeze_margin_k, freeze_point_k,
                   glycol_mass_fraction_for, gnielinski_nusselt, heater_mass_kg, heater_power_needed_w,
                   isothermal_sink_radiator, laminar_rectangular_duct, loop_params, orbit_loads, periodic_loop,
                   petukhov_darcy_friction, pg_freeze_point_k, pipe_darcy_friction, propylene_glycol_water,
                   radiator_heat_capacity_j_m2_k, saturation_pressure_pa, saturation_temperature_k, simulate_loop, smooth_min_k, solve_loop,
                   steady_loop, temperature_budget, tube_bank_pressure_drop_pa)
from .loop import Coolant as LoopCoolant
from .radiator import (AL6061_T6, HeatPipes, PenetrationRates, RadiatorPanel, RadiatorResult, TransientResult,
                       WallMaterial, armour_mass_kg, ballistic_limit_diameter_m, expected_penetrations,
                       fish_summers_thickness_m, isothermal_panel_area_m2, isothermal_panel_temperature_k,
                       loop_delivery_probability, min_sections_required, net_rejection_w_m2, no_puncture_probability,
                       panel_sink_temperature_k, penetration_rates, solve_fin, solve_periodic, solve_steady,
                       solve_transient, tube_exposed_area_m2)
from .radiator import Coolant as RadiatorCoolant
from .radiator import Numerics as RadiatorNumerics

__all__ = [
    "ACCELERATORS", "AMMONIA", "WATER", "Block", "ChipModel", "ChipSolution", "ColdPlate", "ColdPlatePerformance",
    "CoolantProperties", "Floorplan", "LayerSpec", "LcfLayer", "LoopCoolant", "LoopDesign", "LoopSolution",
    "PackageParams", "TransientSolution", "accelerator_package", "channel_nusselt_friction", "check_coolant_state",
    "coldplate_performance", "coolant_properties", "fd_panel_pressure_drop", "fd_panel_radiator", "gnielinski_nusselt", "hotspot_package",
    "isothermal_sink_radiator", "laminar_rectangular_duct", "overlap_weights", "petukhov_darcy_friction",
    "pipe_darcy_friction", "propylene_glycol_water", "read_flp", "read_hotspot_config", "read_lcf",
    "read_materials", "read_ptrace", "saturation_pressure_pa", "saturation_temperature_k", "solve_loop", "tube_bank_pressure_drop_pa", "spreading_series_mean_temperature",
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
