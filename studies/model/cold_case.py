"""Stage 5, cold case: the steady coldest orbit sample held for ever with the freeze protection sized.

The beta angle of the longest eclipse, aphelion Sun, the colder of beginning- and end-of-life coatings
for each property, the payload at its minimum power (``[cold_case] payload_fraction``; 0 is a
safe-mode day with the payload off), the arrays' infrared at their eclipse temperature, and the
configured freeze protection (``[cold_case] freeze_protection``: none, a radiator bypass holding the
supply set-point, or thermostatic heaters; an antifreeze is a coolant choice).  Holding the coldest
sample for ever is an eclipse that never ends: a lower bound of the periodic minimum, exact for a
safe-mode day in the Earth's shadow side of a knife-edge radiator.  The heaters are sized to hold the
radiator outlet at the freezing point plus margin (installed with :data:`HEATER_MARGIN`), or the
bypass fraction is; the freeze margin is what the ``coolant_freeze`` constraint bounds.  The lumped
network comes from the design's steady hot-case solution (:func:`studies.model.cases.loop_network`).

References
----------
- Gilmore, D. G. (ed.), *Spacecraft Thermal Control Handbook*, Vol. I, 2nd ed. (2002), ch. 2 (design
  cases), ch. 7 (heaters) and ch. 12 (pumped loops, bypass).
"""
from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from thermal.loop import freeze_protection as fp
from thermal.loop import transient as lt

from ..declare import UNIT_INTERVAL, output
from .array import Array
from .cases import CASE_NUMERICS, HEATER_MARGIN, array_infrared, case_loads, case_schedule, loop_network
from .hot_loop import HotLoop
from .inputs import coolant_of
from .radiation import Radiation

__all__ = ["ColdCase", "run"]


def _out(units, long_name, **spec):
    return output(units, long_name, "thermal", **spec)


class ColdCase(eqx.Module):
    """Steady cold case and its freeze protection (stage 5 of :func:`studies.model.evaluate`)."""

    coolant_freeze_limit_k: jax.Array = _out("K", "lowest allowed coolant temperature (freezing point + margin)")
    cold_freeze_point_k: jax.Array = _out("K", "freezing point of the coolant")
    cold_hold_k: jax.Array = _out("K", "temperature the freeze protection holds (freezing point + margin)")
    cold_min_coolant_k: jax.Array = _out("K", "coldest coolant-wetted temperature, steady cold case (radiator "
                                              "walls, supply, return)")
    cold_supply_k: jax.Array = _out("K", "coolant supply temperature, steady cold case")
    cold_radiator_array_ir_w_m2: jax.Array = _out("W m-2", "infrared from the eclipsed arrays incident on a radiator "
                                                           "face in the cold case, mean of the faces")
    heater_power_w: jax.Array = _out("W", "freeze-protection heater power installed (cold case)")
    bypass_fraction: jax.Array = _out("1", "radiator bypass fraction in the cold case", **UNIT_INTERVAL)
    freeze_protection_kg: jax.Array = _out("kg", "mass of the freeze protection (heaters or bypass valve)")
    freeze_protection_power_w: jax.Array = _out("W", "freeze-protection electrical power in the cold-case eclipse")
    cold_control_feasible: jax.Array = _out("1", "1 when the freeze protection can hold its target",
                                                **UNIT_INTERVAL)
    cold_converged: jax.Array = output("1", "steady cold-case (freeze protection) solve converged", "convergence",
                                            **UNIT_INTERVAL)


def run(design, mission, numerics, rad: Radiation, arr: Array, hot: HotLoop) -> ColdCase:
    """Stage 5: the steady cold case under the coldest orbit sample held for ever, with the configured
    freeze protection sized to hold the freezing point plus margin (traceable)."""
    cool_freeze = fp.freeze_point_k(coolant_of(mission))
    hold = cool_freeze + mission.coolant_freeze_margin_k
    net = loop_network(design, mission, hot, "cold", hot.radiator_heat_rejected_w - hot.loop_energy_residual_w)
    orbit_loads = case_loads(design, mission, numerics, "cold")
    if arr.coupling_w_m2_k4 is not None:
        lw_array, _ = array_infrared(design, mission, numerics, "cold", arr.coupling_w_m2_k4,
                                     rad.cell_fluence_1mev_cm2)
        orbit_loads = lt.OrbitLoads(orbit_loads.shortwave_w_m2, orbit_loads.longwave_w_m2 + lw_array,
                                    orbit_loads.sunlit, orbit_loads.period_s)
        cold_array_ir = jnp.mean(lw_array[fp.coldest_sample_index(orbit_loads)])
    else:
        cold_array_ir = jnp.zeros_like(rad.cell_fluence_1mev_cm2)
    loads = fp.eclipse_loads(orbit_loads)
    sched = case_schedule(mission, "cold")
    choice = mission.freeze_protection
    zero = jnp.zeros_like(hold)
    if choice == "heaters":
        sol = fp.heater_power_needed_w(net, loads, sched, hold, CASE_NUMERICS, smooth_w=10.0)
        heater, bypass = HEATER_MARGIN * sol.control, zero
        mass = fp.heater_mass_kg(heater)
        power_w = heater
    elif choice == "bypass":
        sol = fp.bypass_fraction_needed(net, loads, sched, hold, CASE_NUMERICS)
        heater, bypass = zero, sol.control
        mass = fp.bypass_mass_kg(bypass)
        power_w = jnp.where(bypass > 0.0, fp.BYPASS_CONTROL_POWER_W, 0.0)
    else:   # no control: the uncontrolled steady state of the cold sample (one Newton solve)
        temps, converged = lt.steady_loop(net, loads, sched, CASE_NUMERICS)
        heater = bypass = mass = power_w = zero
    if choice != "none":
        temps, converged = sol.temperatures_k, sol.converged
    feasible = sol.feasible.astype(hold.dtype) if choice != "none" else jnp.ones_like(hold)
    coldest = jnp.minimum(jnp.min(temps[3:]), jnp.minimum(temps[1], temps[2]))
    return ColdCase(coolant_freeze_limit_k=hold, cold_freeze_point_k=cool_freeze, cold_hold_k=hold,
                    cold_min_coolant_k=coldest, cold_supply_k=temps[1], cold_radiator_array_ir_w_m2=cold_array_ir,
                    heater_power_w=heater, bypass_fraction=bypass, freeze_protection_kg=mass,
                    freeze_protection_power_w=power_w, cold_control_feasible=feasible, cold_converged=converged)
