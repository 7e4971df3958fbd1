"""Whole power system sized in one call: eclipse season -> battery -> array
requirement -> array area and mass at end of life -> budget.

Sizing condition of the array: end-of-life fluence, the operating temperature
from the array's energy balance with the caller's environment (front/back
incident fluxes at the hot case), the lowest solar irradiance of the year
(aphelion) unless given, and the sunlit arc of the orbit with the longest
eclipse.  Battery: longest eclipse of the year, DoD limit from the number of
eclipse cycles over the mission.

References
----------
- Wertz & Larson, *Space Mission Analysis and Design*, 3rd ed. (1999), sec. 11.4.
- Patel, *Spacecraft Power Systems* (2005), ch. 3-4.
"""
from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax.numpy as jnp

import orbit
from orbit.validation import check_range

from .array import ArrayDesign, ArrayThermal, IncidentFlux, array_temperature, sun_facing_flux
from .battery import BatterySizing, BatteryTech, EclipseSeason, max_dod_from_cycles, size_battery, sso_eclipse_season
from .budget import Loads, PowerBudget, eclipse_budget, sunlit_budget
from .cells import SolarCell
from .sizing import ArrayRequirement, ArraySizing, PathEfficiencies, required_array_power_w, size_array


class PowerSystem(NamedTuple):
    season: EclipseSeason
    eclipse_s: jnp.ndarray
    sunlit_s: jnp.ndarray
    n_cycles: jnp.ndarray
    battery: BatterySizing
    requirement: ArrayRequirement
    thermal: ArrayThermal
    array: ArraySizing
    solar_flux_w_m2: jnp.ndarray
    sunlit: PowerBudget
    eclipse: PowerBudget


def size_sso_power_system(loads: Loads, cell: SolarCell, design: ArrayDesign, altitude_m, ltan_hours,
                          start_julian_date, mission_years, eol_fluence_cm2,
                          front: IncidentFlux | None = None, back: IncidentFlux | None = None,
                          solar_flux_w_m2=None, path: PathEfficiencies = PathEfficiencies(),
                          tech: BatteryTech = BatteryTech(), n_season_samples: int = 730,
                          penumbra: bool = False) -> PowerSystem:
    """Size array and battery of a sun-synchronous satellite (sun-tracking array).

    Parameters
    ----------
    loads : :class:`power.budget.Loads` (eclipse throttling inside).
    cell, design : the array (``design.area_m2`` is replaced by the sized area).
    altitude_m, ltan_hours : the SSO.
    start_julian_date : mission start [JD]; the eclipse season is sampled over
        the following year.
    mission_years : mission length [years] (cycle count for the DoD limit).
    eol_fluence_cm2 : end-of-life 1-MeV-equivalent fluence behind the coverglass
        [e/cm^2] (radiation package).
    front, back : incident fluxes for the array temperature at the sizing case
        [W/m^2]; default: the Sun on the front only (no Earth fluxes), with the
        sizing irradiance.
    solar_flux_w_m2 : sizing irradiance [W/m^2]; default the year's minimum.
    """
    check_range("mission_years", mission_years, 0.0, 50.0, lo_inclusive=False, units="yr")
    check_range("eol_fluence_cm2", eol_fluence_cm2, 0.0, 1e18, units="e/cm^2")
    season = sso_eclipse_season(altitude_m, ltan_hours, start_julian_date, n_season_samples, penumbra)
    t_e = season.max_eclipse_s
    t_d = season.period_s - t_e
    n_cycles = jnp.maximum(season.eclipse_orbits_per_year * mission_years, 1.0)
    dod = max_dod_from_cycles(n_cycles)
    batt = size_battery(loads.total_w(True), t_e, t_d, dod, tech, path.distribution)
    req = required_array_power_w(loads.total_w(False), loads.total_w(True), t_d, t_e, path, tech)
    if solar_flux_w_m2 is None:
        solar_flux_w_m2 = jnp.min(orbit.solar_flux_w_m2(orbit.sun_position(season.julian_date).distance_au))
    if front is None or back is None:
        front, back = sun_facing_flux(solar_flux_w_m2)
    th = array_temperature(cell, design, front, back, eol_fluence_cm2)
    # never size on an unconverged temperature (works under jit: equinox runtime error)
    t_checked = eqx.error_if(th.temperature_k, ~th.converged, "power: array temperature solve did not converge")
    th = th._replace(temperature_k=t_checked)
    arr = size_array(req.array_power_w, cell, design, th.temperature_k, eol_fluence_cm2, solar_flux_w_m2)
    absorbed = th.absorbed_w_m2 * arr.area_m2
    sun_b = sunlit_budget(loads, req.array_power_w, absorbed, batt.recharge_bus_power_w, path, tech)
    ecl_b = eclipse_budget(loads, path, tech)
    return PowerSystem(season, t_e, t_d, n_cycles, batt, req, th, arr, jnp.asarray(solar_flux_w_m2), sun_b, ecl_b)
