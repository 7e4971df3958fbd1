"""Power and heat budget: where every watt drawn on board ends up as heat.

Loads (at the load terminals): payload compute behind its point-of-load
converters, bus avionics, optical inter-satellite link (ISL) terminals, coolant
pumps.  Conversion: array regulator, bus distribution (PCDU outputs and
harness), payload point-of-load conversion, battery charge/discharge.

Heat destinations (:data:`HEAT_DESTINATIONS`):

* ``payload_radiator``: compute power, its point-of-load conversion loss (both
  on the cold plates) and the pumps (their shaft and motor losses heat the
  coolant);
* ``bus_radiator``: bus avionics, ISL terminals (the emitted optical power,
  watts, is neglected), distribution and regulator losses, battery losses;
* ``solar_array``: the array's own waste heat (absorbed sunlight and Earth
  fluxes less the electricity taken out, incl. wiring and diode losses) and the
  shunted surplus of a sequential-shunt regulator.

Conservation: heat to all destinations = absorbed environment on the array +
battery energy released in eclipse - battery energy stored in sunlight (checked
in the tests).

References
----------
- Patel, M. R., *Spacecraft Power Systems* (2005), ch. 6-7: power conditioning
  and distribution losses.
- Wertz & Larson, *Space Mission Analysis and Design*, 3rd ed. (1999), sec. 11.4.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import equinox as eqx
import jax.numpy as jnp

from orbit.validation import check_range

from .battery import BatteryTech
from .sizing import PathEfficiencies

HEAT_DESTINATIONS = {
    "payload_compute": "payload_radiator",
    "payload_conversion": "payload_radiator",
    "pumps": "payload_radiator",
    "bus_avionics": "bus_radiator",
    "isl_terminals": "bus_radiator",
    "propulsion": "bus_radiator",   # conservative: the jet power (~half) leaves in the plume
    "heaters": "payload_radiator",  # heaters on the coolant lines
    "distribution": "bus_radiator",
    "regulator": "bus_radiator",
    "battery": "bus_radiator",
    "array_waste": "solar_array",
    "shunt": "solar_array",
}
"""Item -> surface that rejects its heat."""


class Loads(eqx.Module):
    """On-board loads (pytree).

    payload_compute_w : power into the accelerators at their rails [W].
    payload_conversion_efficiency : point-of-load conversion (bus -> chip rails) (0, 1].
    bus_avionics_w : avionics, attitude control, comms other than ISL, heaters [W].
    isl_terminal_count : number of optical ISL terminals [-].
    isl_terminal_w : electrical power per ISL terminal [W].
    pumps_w : coolant pump electrical power [W] (from the thermal loop model).
    eclipse_payload_fraction : compute power in eclipse / sunlit compute power,
        0 (off) .. 1 (not throttled): a design choice.
    propulsion_w : electric propulsion (station keeping) input power, budgeted in sunlight and
        in eclipse alike (the thrusters may fire anywhere on the orbit) [W].
    heaters_w : freeze-protection heater power, drawn in eclipse only (the cold case) [W].
    """

    payload_compute_w: jnp.ndarray
    bus_avionics_w: jnp.ndarray
    isl_terminal_count: jnp.ndarray
    isl_terminal_w: jnp.ndarray
    pumps_w: jnp.ndarray
    payload_conversion_efficiency: jnp.ndarray = eqx.field(default_factory=lambda: jnp.asarray(0.92))
    eclipse_payload_fraction: jnp.ndarray = eqx.field(default_factory=lambda: jnp.asarray(1.0))
    propulsion_w: jnp.ndarray = 0.0
    heaters_w: jnp.ndarray = 0.0

    def terminal_w(self, eclipse: bool = False):
        """Load at the load terminals [W] by item (dict)."""
        frac = self.eclipse_payload_fraction if eclipse else 1.0
        pay = self.payload_compute_w * frac
        return {
            "payload_compute": pay,
            "payload_conversion": pay * (1.0 / self.payload_conversion_efficiency - 1.0),
            "pumps": self.pumps_w,
            "bus_avionics": self.bus_avionics_w,
            "isl_terminals": self.isl_terminal_count * self.isl_terminal_w,
            "propulsion": self.propulsion_w,
            "heaters": self.heaters_w if eclipse else 0.0 * self.heaters_w,
        }

    def total_w(self, eclipse: bool = False):
        return sum(self.terminal_w(eclipse).values())


def validate_loads(loads: Loads) -> None:
    for name in ("payload_compute_w", "bus_avionics_w", "isl_terminal_count", "isl_terminal_w", "pumps_w",
                 "propulsion_w", "heaters_w"):
        check_range(f"loads.{name}", getattr(loads, name), 0.0, math.inf)
    check_range("loads.payload_conversion_efficiency", loads.payload_conversion_efficiency, 0.0, 1.0,
                lo_inclusive=False)
    check_range("loads.eclipse_payload_fraction", loads.eclipse_payload_fraction, 0.0, 1.0)


class PowerBudget(NamedTuple):
    """Budget of one phase (sunlight or eclipse); powers [W]."""

    loads_w: dict
    """Power at the load terminals by item."""
    load_total_w: jnp.ndarray
    bus_w: jnp.ndarray
    """Power the bus delivers to the distribution (loads / eta_dist)."""
    array_output_w: jnp.ndarray
    battery_bus_w: jnp.ndarray
    """Bus power into (+, charging) or out of (-, discharging) the battery."""
    battery_stored_w: jnp.ndarray
    """Rate of change of stored energy [W]."""
    heat_by_item_w: dict
    heat_by_destination_w: dict


def _destinations(items):
    out = {}
    for k, v in items.items():
        d = HEAT_DESTINATIONS[k]
        out[d] = out.get(d, 0.0) + v
    return out


def sunlit_budget(loads: Loads, array_output_w, array_absorbed_w, recharge_bus_w,
                  path: PathEfficiencies = PathEfficiencies(), tech: BatteryTech = BatteryTech()) -> PowerBudget:
    """Budget in sunlight.

    Parameters
    ----------
    loads : :class:`Loads`.
    array_output_w : array electrical output [W] (>= what loads and recharge need).
    array_absorbed_w : environmental power absorbed by the whole array [W]
        (area x ``ArrayThermal.absorbed_w_m2``).
    recharge_bus_w : bus power into the battery charger [W].
    """
    validate_loads(loads)
    items = dict(loads.terminal_w(False))
    total = loads.total_w(False)
    bus = total / path.distribution
    need = (bus + recharge_bus_w) / path.regulator
    shunt = (array_output_w - need) * path.regulator
    items["distribution"] = bus - total
    items["regulator"] = array_output_w * (1.0 - path.regulator)
    items["battery"] = recharge_bus_w * (1.0 - tech.charge_efficiency)
    items["array_waste"] = array_absorbed_w - array_output_w
    items["shunt"] = shunt  # a sequential shunt dissipates the surplus on the array
    return PowerBudget(dict(loads.terminal_w(False)), total, bus, array_output_w, recharge_bus_w,
                       recharge_bus_w * tech.charge_efficiency, items, _destinations(items))


def eclipse_budget(loads: Loads, path: PathEfficiencies = PathEfficiencies(),
                   tech: BatteryTech = BatteryTech()) -> PowerBudget:
    """Budget in eclipse: the battery supplies the (possibly throttled) loads."""
    validate_loads(loads)
    items = dict(loads.terminal_w(True))
    total = loads.total_w(True)
    bus = total / path.distribution
    items["distribution"] = bus - total
    items["regulator"] = jnp.zeros_like(jnp.asarray(bus))
    items["battery"] = bus * (1.0 / tech.discharge_efficiency - 1.0)
    items["array_waste"] = jnp.zeros_like(jnp.asarray(bus))
    items["shunt"] = jnp.zeros_like(jnp.asarray(bus))
    return PowerBudget(dict(loads.terminal_w(True)), total, bus, jnp.zeros_like(jnp.asarray(bus)), -bus,
                       -bus / tech.discharge_efficiency, items, _destinations(items))


def budget_table(budget: PowerBudget) -> str:
    """Plain-text table of a budget (host-side, for reports)."""
    lines = [f"{'item':<22}{'power [W]':>14}{'heat [W]':>14}  destination"]
    for k, h in budget.heat_by_item_w.items():
        p = budget.loads_w.get(k, None)
        ps = f"{float(p):14.1f}" if p is not None else f"{'':>14}"
        lines.append(f"{k:<22}{ps}{float(h):14.1f}  {HEAT_DESTINATIONS[k]}")
    lines.append(f"{'loads total':<22}{float(budget.load_total_w):14.1f}")
    for d, h in budget.heat_by_destination_w.items():
        lines.append(f"{'heat -> ' + d:<36}{float(h):14.1f}")
    return "\n".join(lines)
