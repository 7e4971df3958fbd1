"""Cold case and freeze protection of the pumped loop: freezing points, margins, bypass, heaters, antifreeze.

A water loop running through ~150 m^2 of radiator facing a ~180-250 K sink freezes when the
payload is throttled or off (safe mode) unless something stops it.  The controls a real loop
uses, each a design choice with a mass and a power:

* **radiator bypass**: a mixing valve sends a fraction ``b`` of the flow around the radiator and
  holds the supply set-point (:func:`bypass_fraction_needed`); mass of the valve, its actuator
  and controller (:data:`BYPASS_VALVE_MASS_KG`, :data:`BYPASS_CONTROL_POWER_W`).  The radiator
  still sees its coldest wall at a lower temperature than the mixed supply, so its freeze margin
  is reported on the radiator (:func:`freeze_margin_k` over the whole orbit);
* **heaters**: thermostatic heaters make up the heat the radiator loses below the hold
  temperature (:func:`heater_power_needed_w`); film heaters, thermostats and harness
  (:func:`heater_mass_kg`), and their power goes to the power budget;
* **antifreeze coolant**: propylene glycol / water lowers the freezing point
  (:func:`freeze_point_k`, :func:`glycol_mass_fraction_for`) at a property penalty that the loop
  solvers take from :mod:`thermal.loop.coolant`.

Steady cold-case solves use the lumped network of :mod:`thermal.loop.transient` under constant
loads (pass the eclipse environment for the conservative case, :func:`eclipse_loads`): the
control variable and the network temperatures are one Newton solve (``optimistix``, implicit
gradients), so every output is differentiable for the optimiser.

References
----------
.. [1] J. A. Dean (ed.), *Lange's Handbook of Chemistry*, 15th ed., McGraw-Hill 1999, Table 5.13
   "Compositions of aqueous antifreeze solutions": freezing points of propylene glycol-water
   mixtures versus volume per cent with the specific gravity at 15.6 C (read second-hand from the
   yumpu.com page image of the handbook; converted to mass fraction here, see ``_PG_TABLE``).
.. [2] A. Melinder, *Properties of Secondary Working Fluids for Indirect Systems*, 2nd ed., IIR
   2010 (the independent check of [1] in the tests, via :mod:`thermal.loop.coolant`).
.. [3] NIST Chemistry WebBook, SRD 69, ammonia: triple point 195.4 K; water freezing point
   273.15 K at 1 atm.
.. [4] D. G. Gilmore (ed.), *Spacecraft Thermal Control Handbook*, Vol. I, 2nd ed., Aerospace
   Press 2002, ch. 7 (heaters, thermostats) and ch. 12 (pumped loops, radiator bypass valves).
.. [5] F. P. Incropera et al., *Fundamentals of Heat and Mass Transfer*, 6th ed., Wiley 2007,
   eq. 8.42b (isothermal-sink effectiveness) -- the bypass closed form in the tests.
"""
from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx

from orbit.solvers import Convergence, root_find
from orbit.validation import check_range

from . import transient as lt
from .coolant import Coolant

__all__ = ["WATER_FREEZE_K", "AMMONIA_FREEZE_K", "PG_FREEZE_TABLE", "BYPASS_VALVE_MASS_KG", "BYPASS_CONTROL_POWER_W",
           "HEATER_FIXED_MASS_KG", "HEATER_MASS_PER_W_KG", "FREEZE_PROTECTION_CHOICES", "pg_freeze_point_k",
           "freeze_point_k", "glycol_mass_fraction_for", "freeze_margin_k", "smooth_min_k", "coldest_sample_index",
           "eclipse_loads",
           "heater_power_needed_w", "bypass_fraction_needed", "heater_mass_kg", "bypass_mass_kg",
           "ControlSolution"]

WATER_FREEZE_K = 273.15
"""Freezing point of water at 1 atm [K]."""
AMMONIA_FREEZE_K = 195.4
"""Triple point of ammonia [K] (NIST WebBook)."""

FREEZE_PROTECTION_CHOICES = ("none", "bypass", "heaters", "glycol")

# Lange's Handbook Table 5.13 (Dean 1999): % glycol by volume, specific gravity at 15.6 C,
# freezing point [C].  Mass fraction w = v rho_PG / (SG rho_water) with rho_PG / rho_water =
# 1.038 (propylene glycol specific gravity 60/60 F, same handbook).
_PG_VOL = np.array([0.0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50]) / 100.0
_PG_SG = np.array([1.000, 1.004, 1.006, 1.012, 1.017, 1.020, 1.024, 1.028, 1.032, 1.037, 1.040])
_PG_TF_C = np.array([0.0, -1.1, -2.2, -3.9, -6.7, -8.9, -12.8, -16.1, -20.6, -26.7, -33.3])
PG_FREEZE_TABLE = np.stack([_PG_VOL * 1.038 / _PG_SG, _PG_TF_C + 273.15], axis=1)
"""(mass fraction, freezing point [K]) of propylene glycol / water, Lange's Table 5.13 converted."""

BYPASS_VALVE_MASS_KG = 4.0
"""Radiator bypass: 3-way mixing valve with stepper actuator (~2.5 kg for a 50 mm line), controller
card (~1 kg) and two temperature sensors with harness (~0.5 kg) -- engineering estimate in the
class of flight thermal-control valves (Gilmore 2002, ch. 12); no public per-unit mass found."""
BYPASS_CONTROL_POWER_W = 5.0
"""Mean electrical power of the bypass valve actuator and controller [W] (engineering estimate)."""
HEATER_FIXED_MASS_KG = 1.0
"""Heater thermostats/controller and harness trunk (engineering estimate; Gilmore 2002, ch. 7)."""
HEATER_MASS_PER_W_KG = 1.0e-3
"""Film heaters and their harness per watt of installed heater power [kg/W] (engineering estimate:
polyimide film heaters are ~0.1 kg/m^2 at ~1-2 kW/m^2; harness sized with the current)."""


# ----------------------------------------------------------------------------- freezing points


def pg_freeze_point_k(mass_fraction):
    """Freezing point [K] of propylene glycol / water at glycol ``mass_fraction`` in [0, 0.5]
    (Lange's Table 5.13, piecewise-linear in mass fraction; differentiable almost everywhere; the
    table ends at 0.499, held constant to 0.5)."""
    check_range("mass_fraction", mass_fraction, 0.0, 0.5)
    return jnp.interp(jnp.asarray(mass_fraction, float), jnp.asarray(PG_FREEZE_TABLE[:, 0]),
                      jnp.asarray(PG_FREEZE_TABLE[:, 1]))


def freeze_point_k(coolant: Coolant):
    """Freezing point [K] of a :class:`thermal.loop.coolant.Coolant`: water 273.15 K, ammonia 195.4 K,
    ``"mpg"`` from :func:`pg_freeze_point_k` (mass fraction <= 0.5, the table's range)."""
    if coolant.name == "water":
        return jnp.asarray(WATER_FREEZE_K)
    if coolant.name == "ammonia":
        return jnp.asarray(AMMONIA_FREEZE_K)
    if coolant.name == "mpg":
        return pg_freeze_point_k(coolant.mass_fraction)
    raise ValueError(f"coolant.name = {coolant.name!r} is not one of ('water', 'ammonia', 'mpg')")


def glycol_mass_fraction_for(freeze_limit_k):
    """Smallest propylene glycol mass fraction whose freezing point is at or below
    ``freeze_limit_k`` [K] (inverse of :func:`pg_freeze_point_k`; range 239.85-273.15 K)."""
    lo, hi = float(PG_FREEZE_TABLE[-1, 1]), float(PG_FREEZE_TABLE[0, 1])
    check_range("freeze_limit_k", freeze_limit_k, lo, hi, units="K")
    return jnp.interp(jnp.asarray(freeze_limit_k, float), jnp.asarray(PG_FREEZE_TABLE[::-1, 1]),
                      jnp.asarray(PG_FREEZE_TABLE[::-1, 0]))


# ----------------------------------------------------------------------------- margins


def smooth_min_k(temperatures_k, rho_per_k=2.0, axis=None):
    """Kreisselmeier-Steinhauser smooth minimum [K] (a lower bound within ``log(n)/rho`` of the
    exact minimum): the differentiable aggregate an optimiser constrains."""
    t = jnp.asarray(temperatures_k)
    tmin = jax.lax.stop_gradient(jnp.min(t, axis=axis, keepdims=True))
    out = tmin - jnp.log(jnp.sum(jnp.exp(-rho_per_k * (t - tmin)), axis=axis, keepdims=True)) / rho_per_k
    return jnp.squeeze(out, axis=axis) if axis is not None else out.reshape(())


def freeze_margin_k(history: lt.LoopHistory, coolant: Coolant, required_margin_k=0.0, rho_per_k=None):
    """Freeze margin [K]: coldest coolant-wetted temperature over the history (supply, return and
    every radiator segment wall) minus the coolant's freezing point minus ``required_margin_k``.
    ``>= 0`` is safe.  ``rho_per_k`` set: the KS smooth minimum (conservative, differentiable)."""
    temps = jnp.concatenate([history.segment_k, history.supply_k[:, None], history.return_k[:, None]], axis=1)
    tmin = jnp.min(temps) if rho_per_k is None else smooth_min_k(temps, rho_per_k)
    return tmin - freeze_point_k(coolant) - required_margin_k


def coldest_sample_index(loads: lt.OrbitLoads):
    """Index of the coldest sample of ``loads``: least incident shortwave on both faces (in
    eclipse), then least longwave."""
    return jnp.argmin(jnp.sum(loads.shortwave_w_m2, axis=1) + 1e-3 * jnp.sum(loads.longwave_w_m2, axis=1))


def eclipse_loads(loads: lt.OrbitLoads) -> lt.OrbitLoads:
    """Constant loads equal to the coldest sample of ``loads`` (:func:`coldest_sample_index`, e.g.
    in eclipse) for a conservative steady cold case; ``sunlit`` is that sample's."""
    i = coldest_sample_index(loads)

    def pick(x):
        return jnp.broadcast_to(x[i], (2,) + x.shape[1:])
    return lt.OrbitLoads(pick(loads.shortwave_w_m2), pick(loads.longwave_w_m2), pick(loads.sunlit), loads.period_s)


# ----------------------------------------------------------------------------- steady controls


class ControlSolution(eqx.Module):
    """Steady cold-case control solve: ``control`` (heater power [W] or bypass fraction [-]),
    the network ``temperatures_k`` (N+3: chip, supply, return, segments), ``radiator_min_k``
    (coldest segment wall), ``supply_k``, ``feasible`` (the control can meet the target within
    its range) and ``converged``; ``convergence``, the :class:`orbit.solvers.Convergence` of the
    solve that fixed the control (heaters: the Newton solve of temperatures and heater power;
    bypass: the bisection on the bypass fraction, or the steady solve at the fraction used when none
    was needed or none suffices), whose ``converged`` is ``converged``."""

    control: jax.Array
    temperatures_k: jax.Array
    radiator_min_k: jax.Array
    supply_k: jax.Array
    feasible: jax.Array
    converged: jax.Array
    convergence: Convergence


def _steady_with(p, loads, schedule, n_seg, guess):
    """Steady network temperatures and their Convergence."""
    return lt._steady(p, loads, schedule, n_seg, guess)


def _control_solve(p, loads, schedule, n_seg, apply, target, u0):
    """Newton on (temperatures, control): steady residuals + target(temperatures) = 0."""
    def residual(z, args):
        pp, ll, ss = args
        temps, u = z[:-1], z[-1]
        q = apply(pp, u)
        r = lt._steady_residual(temps, (q, ll, ss))
        return jnp.concatenate([r, target(temps)[None]])

    guess = lt._initial_guess(apply(p, u0), loads, schedule)
    temps0, _ = _steady_with(apply(p, u0), loads, schedule, n_seg, guess)
    z0 = jax.lax.stop_gradient(jnp.concatenate([temps0, jnp.asarray(u0, temps0.dtype)[None]]))
    z, conv = root_find(residual, z0, (p, loads, schedule), solver=optx.Newton(rtol=1e-11, atol=1e-8),
                        max_steps=60)
    return z[:-1], z[-1], conv


@eqx.filter_jit
def _heater_impl(p, loads, schedule, n_seg, hold_k):
    avg = lt._average_loads(loads)

    def apply(pp, u):
        return eqx.tree_at(lambda x: x.coolant_heat_w, pp, pp.coolant_heat_w + u)

    temps, u, conv = _control_solve(p, avg, schedule, n_seg, apply, lambda t: (t[-1] - hold_k) / 10.0,
                                    jnp.zeros((), hold_k.dtype))
    return ControlSolution(control=u, temperatures_k=temps, radiator_min_k=jnp.min(temps[3:]), supply_k=temps[1],
                           feasible=jnp.asarray(True), converged=conv.converged, convergence=conv)


def heater_power_needed_w(params: lt.LoopTransientParams, loads: lt.OrbitLoads, schedule: lt.PowerSchedule,
                          hold_temperature_k, numerics: lt.LoopNumerics = lt.LoopNumerics(),
                          smooth_w=None) -> ControlSolution:
    """Heater power [W] that holds the coldest radiator wall (the outlet segment) at
    ``hold_temperature_k`` (freezing point + margin) in steady state under the orbit-average of
    ``loads`` (pass :func:`eclipse_loads` for the conservative eclipse case) with the payload on
    ``schedule`` (minimum power).  In steady state the radiator outlet depends only on the total
    heat the loop carries, so the heater's position in the loop does not matter; it is added to
    ``params.coolant_heat_w``.

    ``control`` is the signed heat balance (negative: no heater needed, the loop has that much
    surplus); with ``smooth_w`` it is ``smooth_w * softplus(Q / smooth_w)`` (>= 0, differentiable),
    else ``max(Q, 0)`` in ``control`` and the signed value is recoverable from the temperatures.
    """
    lt._validate_inputs(params, loads, schedule, numerics)
    check_range("hold_temperature_k", hold_temperature_k, 1.0, 1000.0, units="K")
    dtype = jnp.result_type(params.mass_flow_kg_s, float)
    p, loads, schedule = (lt._as_float_tree(x, dtype) for x in (params, loads, schedule))
    sol = _heater_impl(p, loads, schedule, numerics.n_segments, jnp.asarray(hold_temperature_k, dtype))
    q = sol.control
    q = jnp.maximum(q, 0.0) if smooth_w is None else smooth_w * jax.nn.softplus(q / smooth_w)
    return eqx.tree_at(lambda s: s.control, sol, q)


MAX_BYPASS = 0.99
"""Largest bypass fraction the valve is credited with (leakage through a closed port)."""


@eqx.filter_jit
def _bypass_impl(p, loads, schedule, n_seg, setpoint_k):
    avg = lt._average_loads(loads)
    dtype = setpoint_k.dtype

    def steady_at(b, pp):
        q = eqx.tree_at(lambda x: x.bypass_fraction, pp, b)
        return _steady_with(q, avg, schedule, n_seg, lt._initial_guess(q, avg, schedule))

    t_open, conv0 = steady_at(jnp.zeros((), dtype), p)
    t_max, convm = steady_at(jnp.asarray(MAX_BYPASS, dtype), p)
    need = t_open[1] < setpoint_k
    feasible = ~need | (t_max[1] >= setpoint_k)
    active = jax.lax.stop_gradient(need & feasible)

    def residual(b, pp):   # a dummy bracketed root when no bypass solve is needed
        return jnp.where(active, (steady_at(b, pp)[0][1] - setpoint_k) / 10.0, b - 0.5)
    # supply temperature rises monotonically with the bypass: bracketed root (implicit gradient)
    b_root, bisect = root_find(residual, jnp.asarray(0.5, dtype), p, solver=optx.Bisection(rtol=1e-13, atol=1e-13),
                               options=dict(lower=jnp.zeros((), dtype), upper=jnp.asarray(MAX_BYPASS, dtype)),
                               max_steps=200)
    temps, conv_root = steady_at(b_root, p)
    ok, ok0, okm = conv_root.converged, conv0.converged, convm.converged
    b = jnp.where(need, jnp.where(feasible, b_root, MAX_BYPASS), 0.0)
    temps = jnp.where(need, jnp.where(feasible, temps, t_max), t_open)
    converged = jnp.where(need, jnp.where(feasible, ok & bisect.converged, okm), ok0)
    pick = jnp.where(need, jnp.where(feasible, 0, 1), 2)
    conv = jax.tree.map(lambda *v: jnp.stack([jnp.asarray(x) for x in v])[pick], bisect, convm, conv0)
    conv = Convergence(converged, conv.residual, conv.iterations)
    return ControlSolution(control=b, temperatures_k=temps, radiator_min_k=jnp.min(temps[3:]), supply_k=temps[1],
                           feasible=feasible, converged=converged, convergence=conv)


def bypass_fraction_needed(params: lt.LoopTransientParams, loads: lt.OrbitLoads, schedule: lt.PowerSchedule,
                           supply_setpoint_k, numerics: lt.LoopNumerics = lt.LoopNumerics()) -> ControlSolution:
    """Bypass fraction [-] of the flow sent around the radiator that holds the supply (mixed)
    temperature at ``supply_setpoint_k`` in steady state under the orbit-average of ``loads``
    with the payload on ``schedule``.  0 when the radiator alone keeps the supply above the
    set-point; ``feasible`` is False when even ``MAX_BYPASS`` cannot (then use heaters too).
    The radiator's own coldest wall is ``radiator_min_k``: with most of the flow bypassed it runs
    far below the supply, and it is that temperature the freeze margin must cover.
    """
    lt._validate_inputs(params, loads, schedule, numerics)
    check_range("supply_setpoint_k", supply_setpoint_k, 1.0, 1000.0, units="K")
    dtype = jnp.result_type(params.mass_flow_kg_s, float)
    p, loads, schedule = (lt._as_float_tree(x, dtype) for x in (params, loads, schedule))
    return _bypass_impl(p, loads, schedule, numerics.n_segments, jnp.asarray(supply_setpoint_k, dtype))


# ----------------------------------------------------------------------------- masses


def heater_mass_kg(installed_power_w):
    """Heater system mass [kg]: fixed thermostats/controller plus film heaters and harness per
    installed watt (engineering estimates :data:`HEATER_FIXED_MASS_KG`,
    :data:`HEATER_MASS_PER_W_KG`); zero when no heater power is installed (smooth above 1 W)."""
    q = jnp.asarray(installed_power_w, float)
    on = jnp.clip(q, 0.0, 1.0)
    return on * HEATER_FIXED_MASS_KG + HEATER_MASS_PER_W_KG * jnp.maximum(q, 0.0)


def bypass_mass_kg(bypass_fraction):
    """Bypass valve, actuator and controller mass [kg] when a bypass is needed (> 0), else 0."""
    return jnp.where(jnp.asarray(bypass_fraction) > 0.0, BYPASS_VALVE_MASS_KG, 0.0)
