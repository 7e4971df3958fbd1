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

from ..declare import quantity

HOURS_PER_YEAR = 8766.0


def _param(default, units, long_name, lo, hi, source="assumption"):
    return quantity(default, units, long_name, section="constellation", lo=lo, hi=hi, source=source)


@dataclass(frozen=True)
class ConstellationParameters:
    """Constellation economics (``[constellation]``), each input declared once; the launch price is the
    mission's (``mission.launch_cost_usd_per_kg``, one input per quantity), not configured here."""

    capacity_w: float = _param(1e9, "W", "constellation payload power", 1e3, 1e13)
    launch_payload_kg: float = _param(100e3, "kg", "payload to the operating orbit per launch", 100.0, 1e7,
                                      source="Starship-class ~100 t (SpaceX, Starship user material)")
    launch_cost_usd_per_kg: float = quantity(500.0, "USD kg-1", "launch price to the operating orbit", lo=0.0,
                                             hi=1e6, source="mission.launch_cost_usd_per_kg")
    manufacturing_usd_per_kg: float = _param(
        1000.0, "USD kg-1", "satellite (non-payload) recurring manufacturing cost", 0.0, 1e7,
        source="assumption: mass-produced LEO constellation class, public estimates of Starlink-class satellites "
               "are of order $1,000/kg")
    terrestrial_capex_usd_per_kw: float = _param(
        11700.0, "USD kW-1", "terrestrial data-centre construction cost per kW of critical IT load", 0.0, 1e7,
        source="average of 19 US markets, $11.7M per MW (Cushman & Wakefield, Data Center Development Cost Guide "
               "2025)")
    terrestrial_life_years: float = _param(15.0, "yr", "depreciation life of the terrestrial facility", 0.5, 100.0)
    electricity_usd_per_kwh: float = _param(0.08, "USD kWh-1", "industrial electricity price", 0.0, 10.0,
                                            source="US EIA annual average, ~8 c/kWh")
    pue: float = _param(1.3, "1", "terrestrial power usage effectiveness", 1.0, 5.0,
                        source="industry average ~1.3-1.6")


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
