"""Stage 7, electrical budget: the loads in sunlight and eclipse, the array output they require, the
battery the longest eclipse requires, and the bus/PMAD heat with its radiator.

Now every load is known: the payload, bus and terminals (the mission), the pump (hot loop), the
station-keeping thrusters (life) and the freeze-protection heaters (cold case).  The battery carries
the worse eclipse: nominal operations, or the cold case with the payload at its minimum and the
heaters on.  The budgets in sunlight and eclipse (:func:`power.sunlit_budget`,
:func:`power.eclipse_budget`) send each item's heat to its surface (:data:`power.HEAT_DESTINATIONS`);
the bus radiator is a level-0 isothermal two-sided panel with the payload radiator's coatings and
environment.
"""
from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

import power
import thermal

from ..declare import COUNT, UNIT_INTERVAL, output
from .array import Array
from .cold_case import ColdCase
from .environment import Environment
from .hot_loop import HotLoop
from .inputs import SECONDS_PER_YEAR, mission_loads
from .life import Life

__all__ = ["Budget", "run"]


def _out(units, long_name, **spec):
    return output(units, long_name, "power", **spec)


class Budget(eqx.Module):
    """Loads, required array output, battery and bus heat (stage 7 of :func:`studies.model.evaluate`)."""

    sunlit_load_w: jax.Array = _out("W", "load in sunlight at the load terminals")
    eclipse_load_w: jax.Array = _out("W", "load in eclipse at the load terminals (the worse of nominal operations "
                                          "and the cold case)")
    nominal_eclipse_load_w: jax.Array = _out("W", "load in eclipse at the load terminals, nominal operations")
    array_required_w: jax.Array = _out("W", "array output required (loads + recharge)")
    battery_capacity_j: jax.Array = _out("J", "battery nameplate energy (design)")
    battery_required_j: jax.Array = _out("J", "battery capacity required for the longest eclipse")
    battery_recharge_w: jax.Array = _out("W", "array output that recharges the battery in sunlight")
    battery_dod: jax.Array = _out("1", "depth-of-discharge limit", **UNIT_INTERVAL)
    battery_cycles: jax.Array = _out("1", "eclipse cycles over the mission", **COUNT)
    cold_eclipse_load_w: jax.Array = output("W", "eclipse load of the cold case (payload at its minimum, heaters on)",
                                            "thermal")
    bus_radiator_heat_w: jax.Array = output("W", "bus and power-conditioning heat on the bus radiator (worse of sun "
                                                 "and eclipse)", "thermal")
    bus_radiator_area_m2: jax.Array = output("m2", "planform area of the isothermal two-sided bus radiator",
                                             "thermal")
    sunlit: power.PowerBudget               # the budget in sunlight (loads, heat per item and destination)
    eclipse: power.PowerBudget              # the budget in eclipse


def run(design, mission, env: Environment, arr: Array, hot: HotLoop, cold: ColdCase, life: Life) -> Budget:
    """Stage 7: the electrical budget of ``design`` with every load known."""
    dtype = design.altitude_m.dtype
    loads = mission_loads(mission, hot.pump_power_w, life.thruster_firing_power_w)
    # the cold case's eclipse: payload at its minimum, heaters (or bypass actuator) on
    cold_loads = eqx.tree_at(lambda ld: (ld.payload_compute_w, ld.heaters_w),
                             mission_loads(mission, hot.pump_power_w, life.thruster_firing_power_w),
                             (mission.payload_power_w * mission.cold_payload_fraction,
                              cold.freeze_protection_power_w))
    ecl_s, sun_s = env.eclipse_s, env.sunlit_s
    sunlit_load = loads.total_w(eclipse=False)
    # the battery carries the worse eclipse: nominal operations or the cold case with its heaters
    nominal_eclipse = loads.total_w(eclipse=True)
    eclipse_load = jnp.maximum(nominal_eclipse, cold_loads.total_w(eclipse=True))
    req = power.required_array_power_w(sunlit_load, eclipse_load, sun_s, ecl_s)
    n_cycles = mission.life_years * SECONDS_PER_YEAR / env.period_s * mission.eclipse_orbits_fraction
    dod = (power.max_dod_from_cycles(jnp.maximum(n_cycles, 1.0)) if mission.battery_dod_limit is None
           else jnp.asarray(mission.battery_dod_limit, dtype))
    bat = power.size_battery(eclipse_load, ecl_s, sun_s, dod)
    tech = power.BatteryTech()
    # bus / PMAD heat (power.HEAT_DESTINATIONS "bus_radiator"), worse of sunlight and eclipse
    path = power.PathEfficiencies()
    sun_budget = power.sunlit_budget(loads, arr.array_eol_w, arr.array_absorbed_w, req.recharge_w * path.regulator,
                                     path, tech)
    ecl_budget = power.eclipse_budget(loads, path, tech)
    bus_heat = jnp.maximum(sun_budget.heat_by_destination_w["bus_radiator"],
                           ecl_budget.heat_by_destination_w["bus_radiator"])
    # level-0 isothermal two-sided panel with the payload radiator's coatings and environment
    bus_area = bus_heat / thermal.net_rejection_w_m2(mission.mass.bus_radiator_temperature_k, hot.radiator_emissivity,
                                                     hot.radiator_absorbed_faces_w_m2)
    return Budget(
        sunlit_load_w=sunlit_load, eclipse_load_w=eclipse_load, nominal_eclipse_load_w=nominal_eclipse,
        array_required_w=req.array_power_w,
        battery_capacity_j=design.battery_capacity_j, battery_required_j=bat.capacity_wh * 3600.0,
        battery_recharge_w=req.recharge_w, battery_dod=dod, battery_cycles=n_cycles,
        cold_eclipse_load_w=cold_loads.total_w(eclipse=True), bus_radiator_heat_w=bus_heat,
        bus_radiator_area_m2=bus_area, sunlit=sun_budget, eclipse=ecl_budget)
