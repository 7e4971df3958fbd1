"""From one optimised satellite to a constellation: count, mass, launches and cost.

Cost per kW-year of compute infrastructure (the chips themselves are excluded on
both sides of the comparison, since the same accelerators fly or sit on the ground):

space:       (launch $/kg x total mass + manufacturing $/kg x non-payload mass) / (P_kW x life_years)
terrestrial: capex $/kW / life_years + electricity $/kWh x PUE x 8766 h/yr

All inputs are parameters with documented defaults (see ``ConstellationParameters``);
change them in the study config.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

HOURS_PER_YEAR = 8766.0


@dataclass(frozen=True)
class ConstellationParameters:
    capacity_w: float = 1e9
    """Constellation compute capacity [W] of payload power (1 GW default)."""
    launch_payload_kg: float = 100e3
    """Payload to LEO per launch [kg]; Starship-class ~100 t (SpaceX, Starship user material)."""
    launch_cost_usd_per_kg: float = 500.0
    """Launch price [$/kg] (assumption between Falcon 9 list ~2,700 $/kg and Starship targets ~100-200 $/kg)."""
    manufacturing_usd_per_kg: float = 1000.0
    """Satellite (non-payload) recurring manufacturing cost [$/kg] (assumption: mass-produced LEO
    constellation class, public estimates of Starlink-class satellites are of order $1,000/kg)."""
    terrestrial_capex_usd_per_kw: float = 11700.0
    """Terrestrial data-centre construction cost [$/kW of critical IT load]: average of 19 US markets,
    $11.7M per MW (Cushman & Wakefield, Data Center Development Cost Guide 2025)."""
    terrestrial_life_years: float = 15.0
    """Depreciation life of the terrestrial facility [yr]."""
    electricity_usd_per_kwh: float = 0.08
    """Industrial electricity price [$/kWh] (US EIA annual average, ~8 c/kWh)."""
    pue: float = 1.3
    """Terrestrial power usage effectiveness [-] (industry average ~1.3-1.6)."""


def constellation(total_mass_kg: float, payload_mass_kg: float, payload_power_w: float, life_years: float,
                  p: ConstellationParameters) -> dict:
    """Scale one satellite to the constellation capacity and cost it."""
    n_sat = math.ceil(p.capacity_w / payload_power_w)
    total = n_sat * total_mass_kg
    launches = math.ceil(total / p.launch_payload_kg)
    launch_cost = total * p.launch_cost_usd_per_kg
    build_cost = n_sat * (total_mass_kg - payload_mass_kg) * p.manufacturing_usd_per_kg
    kw_years = n_sat * payload_power_w / 1e3 * life_years
    space = (launch_cost + build_cost) / kw_years
    ground = terrestrial_cost_per_kw_year(p)
    return {
        "n_satellites": n_sat, "total_mass_kg": total, "n_launches": launches, "launch_cost_usd": launch_cost,
        "manufacturing_cost_usd": build_cost, "space_usd_per_kw_year": space, "terrestrial_usd_per_kw_year": ground,
        "break_even_launch_usd_per_kg": break_even_launch_price(total_mass_kg, payload_mass_kg, payload_power_w,
                                                                life_years, p),
    }


def terrestrial_cost_per_kw_year(p: ConstellationParameters) -> float:
    return p.terrestrial_capex_usd_per_kw / p.terrestrial_life_years + p.electricity_usd_per_kwh * p.pue * HOURS_PER_YEAR


def space_cost_per_kw_year(launch_usd_per_kg, total_mass_kg, payload_mass_kg, payload_power_w, life_years,
                           p: ConstellationParameters):
    launch_usd_per_kg = np.asarray(launch_usd_per_kg, dtype=float)
    per_sat = launch_usd_per_kg * total_mass_kg + p.manufacturing_usd_per_kg * (total_mass_kg - payload_mass_kg)
    return per_sat / (payload_power_w / 1e3 * life_years)


def break_even_launch_price(total_mass_kg, payload_mass_kg, payload_power_w, life_years, p) -> float:
    """Launch price [$/kg] at which space equals the terrestrial cost per kW-year (may be negative: never)."""
    ground = terrestrial_cost_per_kw_year(p) * payload_power_w / 1e3 * life_years
    return (ground - p.manufacturing_usd_per_kg * (total_mass_kg - payload_mass_kg)) / total_mass_kg
