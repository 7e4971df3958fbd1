"""sunsink power package: solar array (temperature, radiation degradation, mass),
eclipse battery, orbit-resolved energy simulation, power and heat budget.

Imports only :mod:`orbit`; radiation fluence and thermal environment fluxes come
in as arguments.
"""
from .array import (
    ARRAY_CLASSES,
    TRACKING_MODES,
    ArrayClass,
    ArrayDesign,
    ArrayPower,
    ArrayThermal,
    IncidentFlux,
    LossFactors,
    PowerFactors,
    absorbed_flux_w_m2,
    array_areal_mass_kg_m2,
    array_mass_kg,
    array_power,
    array_temperature,
    coverglass_transmission,
    incidence_cosine,
    orbit_array_power,
    power_factors,
    sun_facing_flux,
    support_areal_mass_for_class,
    temperature_factor,
    validate_design,
)
from .battery import (
    BatterySizing,
    BatteryTech,
    EclipseSeason,
    eclipse_season,
    max_dod_from_cycles,
    size_battery,
    sso_eclipse_season,
)
from .budget import HEAT_DESTINATIONS, Loads, PowerBudget, budget_table, eclipse_budget, sunlit_budget
from .cells import (
    CELL_DATA,
    CELL_FIT_RESIDUALS,
    CELLS,
    T_REF_K,
    SolarCell,
    equivalent_fluence_from_ddd_cm2,
    fit_degradation_parameters,
    get_cell,
    remaining_factor,
    validate_cell,
)
from .figures import plot_power_vs_mission_time, plot_soc_day
from .simulation import (
    EnergyLedger,
    EnergySimulation,
    orbit_power_profile,
    simulate_energy,
    square_wave_profile,
    sso_worst_day_simulation,
)
from .sizing import (
    ArrayRequirement,
    ArraySizing,
    PathEfficiencies,
    power_for_area_w,
    required_array_power_w,
    size_array,
)
from .system import PowerSystem, size_sso_power_system

__all__ = [
    "ARRAY_CLASSES", "TRACKING_MODES", "ArrayClass", "ArrayDesign", "ArrayPower", "ArrayThermal",
    "IncidentFlux", "LossFactors", "PowerFactors", "absorbed_flux_w_m2", "array_areal_mass_kg_m2",
    "array_mass_kg", "array_power", "array_temperature", "coverglass_transmission", "incidence_cosine", "orbit_array_power",
    "power_factors", "sun_facing_flux", "support_areal_mass_for_class", "temperature_factor",
    "validate_design",
    "BatterySizing", "BatteryTech", "EclipseSeason", "eclipse_season", "max_dod_from_cycles",
    "size_battery", "sso_eclipse_season",
    "HEAT_DESTINATIONS", "Loads", "PowerBudget", "budget_table", "eclipse_budget", "sunlit_budget",
    "CELL_DATA", "CELL_FIT_RESIDUALS", "CELLS", "T_REF_K", "SolarCell", "equivalent_fluence_from_ddd_cm2", "fit_degradation_parameters",
    "get_cell", "remaining_factor", "validate_cell",
    "plot_power_vs_mission_time", "plot_soc_day",
    "EnergyLedger", "EnergySimulation", "orbit_power_profile", "simulate_energy", "square_wave_profile",
    "sso_worst_day_simulation",
    "ArrayRequirement", "ArraySizing", "PathEfficiencies", "power_for_area_w", "required_array_power_w",
    "size_array",
    "PowerSystem", "size_sso_power_system",
]
