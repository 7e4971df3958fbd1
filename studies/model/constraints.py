"""Stage 9, constraints: every declared bound as a normalised margin ``g >= 0``, and convergence.

Each constraint is declared once, as a field of :class:`Constraints` whose
:class:`studies.declare.Quantity` carries a :class:`studies.declare.Bound`: the metric it bounds,
the metric that holds its limit, the sense, the normalisation and the reason the verdict gives when
it fails.  The optimiser sees ``g = (limit - value) / scale`` for an upper bound (``value - limit``
for a lower one), >= 0 when met, from the smooth metric ``value``; the verdict judges the exact
metric ``judged`` (e.g. the true maximum junction temperature, not its KS bound): :mod:`studies.model.verdict`.
"""
from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from ..declare import UNIT_INTERVAL, Bound, declared, output

__all__ = ["Constraints", "CONSTRAINTS", "CONSTRAINT_NAMES", "FEASIBILITY_TOLERANCE", "constraint_values", "run"]


def _relative(limit):
    return jnp.abs(limit)


def _kelvin(ref_k):
    return lambda limit: ref_k


def _constraint(statement: str, value: str, limit: str, sense: str, scale, reason: str, **bound):
    return output("1", f"normalised constraint: {statement} (>= 0 met)", "constraints",
                  bound=Bound(statement, value, limit, sense, scale, reason, **bound))


_ECLIPSE = ("eclipse load {eclipse_load_w} for {eclipse_s} (nominal {nominal_eclipse_load_w}; cold case "
            "{cold_eclipse_load_w}, of which freeze protection {freeze_protection_power_w})")


class Constraints(eqx.Module):
    """Normalised constraints and the overall convergence flag (stage 9 of :func:`studies.model.evaluate`)."""

    g_junction: jax.Array = _constraint(
        "hottest junction below its limit", "junction_ks_k", "junction_limit_k", "max", _kelvin(10.0),
        "the radiator, loop and cold plate cannot hold the junction limit", judged="junction_max_k",
        margin="radiative",
        drivers="junction {junction_max_k} vs {junction_limit_k}: cold plate {coldplate_base_k}, coolant in the "
                "plate {chip_coolant_k}, radiator mean {radiator_mean_k} (return {radiator_inlet_k}, supply "
                "{coolant_supply_k}), {radiator_heat_flux_w_m2} rejected")
    g_hbm: jax.Array = _constraint(
        "hottest HBM stack below its limit", "hbm_ks_k", "hbm_limit_k", "max", _kelvin(10.0),
        "the HBM stacks run above their limit", judged="hbm_max_k", margin="radiative",
        drivers="HBM {hbm_max_k} vs {hbm_limit_k}: junction {junction_max_k}, cold plate {coldplate_base_k}, "
                "supply {coolant_supply_k}")
    g_power: jax.Array = _constraint(
        "end-of-life array output covers the loads and battery recharge", "array_eol_w", "array_required_w", "min",
        _relative, "the array is too small for the loads and the eclipse recharge at end of life",
        drivers="array {array_eol_w} at end of life ({array_eol_w_m2}, radiation factor {array_radiation_factor}) "
                "vs {array_required_w} required: sunlit load {sunlit_load_w}, recharge {battery_recharge_w}; "
                + _ECLIPSE)
    g_battery: jax.Array = _constraint(
        "battery covers the longest eclipse within its depth-of-discharge limit", "battery_capacity_j",
        "battery_required_j", "min", _relative,
        "the battery cannot carry the longest eclipse within its depth-of-discharge limit",
        drivers="battery {battery_capacity_j} vs {battery_required_j} required at depth of discharge "
                "{battery_dod}: " + _ECLIPSE)
    g_tid: jax.Array = _constraint(
        "mission dose x margin within the payload's tolerance", "tid_with_margin_si_gy", "tid_tolerance_si_gy", "max",
        _relative, "the shield lets through more dose (with margin) than the payload tolerates",
        drivers="dose x margin {tid_with_margin_si_gy} vs tolerance {tid_tolerance_si_gy}: trapped protons "
                "{tid_trapped_proton_si_gy}, trapped electrons {tid_trapped_electron_si_gy}, solar protons "
                "{tid_solar_proton_si_gy} behind the shield")
    g_coolant_freeze: jax.Array = _constraint(
        "coldest coolant in the cold case (with its freeze protection) above freezing plus margin",
        "cold_min_coolant_k", "coolant_freeze_limit_k", "min", _kelvin(10.0),
        "the coolant freezes in the cold case: add or enlarge the freeze protection (heaters, bypass, antifreeze) or "
        "keep more payload power on", margin="radiative",
        drivers="coldest coolant {cold_min_coolant_k} vs {coolant_freeze_limit_k}: freeze protection "
                "{freeze_protection_power_w} (bypass fraction {bypass_fraction}), cold-case supply {cold_supply_k}")
    g_coolant_boil: jax.Array = _constraint(
        "hottest coolant below its boiling point at the loop pressure", "coolant_hottest_k", "coolant_boiling_k",
        "max", _kelvin(10.0), "the coolant would boil at the loop pressure: raise the loop pressure or run it cooler",
        margin="radiative",
        drivers="hottest coolant {coolant_hottest_k} vs boiling point {coolant_boiling_k} at the loop pressure "
                "{loop_pressure_pa} (saturation pressure at the hottest point {coolant_saturation_pressure_pa}), "
                "return {coolant_return_k}")
    g_thrust: jax.Array = _constraint(
        "thrusters can cancel the mission-mean drag (duty cycle within its limit)", "thruster_duty_cycle",
        "thruster_duty_limit", "max", lambda limit: 1.0,
        "the thrusters cannot keep up with the drag at this altitude and area",
        drivers="duty cycle {thruster_duty_cycle}: mean drag {mean_drag_n} on {drag_area_m2} at density "
                "{mean_density_kg_m3}")
    g_puncture: jax.Array = _constraint(
        "enough radiator sections survive micrometeoroids and debris", "log_loop_survival",
        "log_puncture_reliability", "min", _relative,
        "micrometeoroids and debris puncture too many radiator sections (armour or sections too few)",
        judged="loop_survival_probability", judged_limit="puncture_reliability",
        drivers="P(enough sections survive) {loop_survival_probability} vs {puncture_reliability}: "
                "{tube_perforations} expected perforations (meteoroids {tube_perforations_meteoroid}, debris "
                "{tube_perforations_debris}), armour {armour_kg}")
    g_availability: jax.Array = _constraint(
        "payload availability after single-event outages meets the target", "availability", "availability_target",
        "min", lambda limit: 1.0 - limit,
        "single-event outages take the payload below its availability target",
        drivers="availability {availability} vs {availability_target}: {see_outages_per_payload_day} chip outages")
    converged: jax.Array = output("1", "all solves converged (1 = yes)", "convergence", **UNIT_INTERVAL)


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
