"""Stage 9, constraints: every declared bound as a normalised margin ``g >= 0``, and convergence.

Each constraint is declared once, as a field of :class:`Constraints` whose
:class:`studies.declare.Quantity` carries a :class:`studies.declare.Bound`: the metric it bounds,
the metric that holds its limit, the sense, the normalisation and the reason the verdict gives when
it fails.  The optimiser sees ``g = (limit - value) / scale`` for an upper bound (``value - limit``
for a lower one), >= 0 when met, from the smooth metric ``value``; the verdict judges the exact
metric ``judged`` (e.g. the true maximum junction temperature, not its KS bound): :func:`judge`.
"""
from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from ..declare import Bound, declared, output

__all__ = ["Constraints", "CONSTRAINTS", "CONSTRAINT_NAMES", "FEASIBILITY_TOLERANCE", "constraint_values", "judge",
           "run"]


def _relative(limit):
    return jnp.abs(limit)


def _kelvin(ref_k):
    return lambda limit: ref_k


def _constraint(statement: str, value: str, limit: str, sense: str, scale, reason: str, judged: str | None = None):
    return output("1", f"normalised constraint: {statement} (>= 0 met)", "constraints",
                  bound=Bound(statement, value, limit, sense, scale, reason, judged))


class Constraints(eqx.Module):
    """Normalised constraints and the overall convergence flag (stage 9 of :func:`studies.model.evaluate`)."""

    g_junction: jax.Array = _constraint(
        "hottest junction below its limit", "junction_ks_k", "junction_limit_k", "max", _kelvin(10.0),
        "the radiator, loop and cold plate cannot hold the junction limit", judged="junction_max_k")
    g_hbm: jax.Array = _constraint(
        "hottest HBM stack below its limit", "hbm_ks_k", "hbm_limit_k", "max", _kelvin(10.0),
        "the HBM stacks run above their limit", judged="hbm_max_k")
    g_power: jax.Array = _constraint(
        "end-of-life array output covers the loads and battery recharge", "array_eol_w", "array_required_w", "min",
        _relative, "the array is too small for the loads and the eclipse recharge at end of life")
    g_battery: jax.Array = _constraint(
        "battery covers the longest eclipse within its depth-of-discharge limit", "battery_capacity_j",
        "battery_required_j", "min", _relative,
        "the battery cannot carry the longest eclipse within its depth-of-discharge limit")
    g_tid: jax.Array = _constraint(
        "mission dose x margin within the payload's tolerance", "tid_with_margin_si_gy", "tid_tolerance_si_gy", "max",
        _relative, "the shield lets through more dose (with margin) than the payload tolerates")
    g_coolant_freeze: jax.Array = _constraint(
        "coldest coolant in the cold case (with its freeze protection) above freezing plus margin",
        "cold_min_coolant_k", "coolant_freeze_limit_k", "min", _kelvin(10.0),
        "the coolant freezes in the cold case: add or enlarge the freeze protection (heaters, bypass, antifreeze) or "
        "keep more payload power on")
    g_coolant_boil: jax.Array = _constraint(
        "coolant below its saturation pressure everywhere in the loop", "coolant_saturation_pressure_pa",
        "loop_pressure_pa", "max", _relative, "the coolant would boil at the loop pressure")
    g_thrust: jax.Array = _constraint(
        "thrusters can cancel the mission-mean drag (duty cycle within its limit)", "thruster_duty_cycle",
        "thruster_duty_limit", "max", lambda limit: 1.0,
        "the thrusters cannot keep up with the drag at this altitude and area")
    g_puncture: jax.Array = _constraint(
        "enough radiator sections survive micrometeoroids and debris", "log_loop_survival",
        "log_puncture_reliability", "min", _relative,
        "micrometeoroids and debris puncture too many radiator sections (armour or sections too few)")
    g_availability: jax.Array = _constraint(
        "payload availability after single-event outages meets the target", "availability", "availability_target",
        "min", lambda limit: 1.0 - limit,
        "single-event outages take the payload below its availability target")
    converged: jax.Array = output("1", "all solves converged (1 = yes)", "convergence")


CONSTRAINTS: dict[str, Bound] = {f.name[2:]: q.bound for f, q in declared(Constraints) if q.bound is not None}
"""{name: bound} of every declared constraint, in order (derived from :class:`Constraints`)."""
CONSTRAINT_NAMES = tuple(CONSTRAINTS)

FEASIBILITY_TOLERANCE = 1e-6
"""A constraint passes when its normalised margin is >= -this (solver tolerance at an active bound)."""


def constraint_values(metrics: dict) -> dict:
    """``{"g_<name>": g}`` for every declared constraint (traceable; >= 0 when met)."""
    out = {}
    for name, b in CONSTRAINTS.items():
        v, lim = metrics[b.value], metrics[b.limit]
        diff = lim - v if b.sense == "max" else v - lim
        out[f"g_{name}"] = diff / b.scale(lim)
    return out


def run(metrics: dict, converged) -> Constraints:
    """Stage 9: the normalised constraints of the metrics of stages 1-8, and the overall convergence flag."""
    return Constraints(**constraint_values(metrics), converged=converged)


def judge(metrics: dict, units: dict) -> list[dict]:
    """Host-side verdict rows, one per constraint: value (exact), limit, margin (in the metric's units,
    positive when met), normalised g and PASS/FAIL; ``units``: {metric: unit string}."""
    rows = []
    for name, b in CONSTRAINTS.items():
        v = float(metrics[b.judged_metric])
        lim = float(metrics[b.limit])
        margin = lim - v if b.sense == "max" else v - lim
        normalised = margin / float(b.scale(lim))
        rows.append({"name": name, "value": v, "limit": lim, "margin": margin, "normalised_margin": normalised,
                     "units": units[b.judged_metric], "sense": b.sense, "g": float(metrics[f"g_{name}"]),
                     "passed": normalised >= -FEASIBILITY_TOLERANCE, "reason": b.reason,
                     "long_name": b.statement, "metric": b.judged_metric})
    return rows
