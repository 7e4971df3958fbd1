"""A fair audit of a published design, and what it would take to close at its claim.

A publication states some of a design and leaves the rest out.  Judging the rest at sunsink's defaults
(what ``sunsink evaluate`` does) makes a design fail on parts its authors never specified.  The audit
instead

1. holds what the design publishes: the design variables and inputs its config lists in
   ``[published] stated``;
2. sizes every design variable it does not publish, by minimising mass subject to every constraint
   (the study's optimiser on the compiled model); where what is published leaves no design that meets
   every constraint, it sizes for the least violation and then the least mass (:func:`least_violation`),
   so an unpublished subsystem still meets what it can meet alone;
3. chooses among the discrete options the publication leaves open (:data:`OPEN_CHOICES`: freeze
   protection none / bypass / heaters, coolant, array hardware class), evaluating each and keeping the
   lightest design that closes -- or, when none closes, the one that fails least (:func:`preferred`);
4. for a design that does not close, or closes above its claimed mass, finds the smallest changes to
   declared technology inputs (:data:`TECHNOLOGY_INPUTS`: payload kg/kW, array support or specific
   power, radiator areal mass, junction limit, emissivity, cell efficiency, battery Wh/kg) that make it
   close at the claimed mass: each input alone (the value it would need, or "cannot close alone"), and
   the joint change of least norm in log space -- both as one constrained problem on the model's own
   gradients (:func:`what_it_would_take`).

Every alternative is reported with its mass and verdict (:mod:`studies.model.verdict`).
"""
from __future__ import annotations

import logging
import math
import sys
from dataclasses import dataclass

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

import power

from ..declare import ConfigError
from ..model import CONSTRAINT_NAMES, Mission, SatelliteDesign, VariableSet, variable_set, verdict
from . import build
from .kernels import strong_types
from .optimize import (NO_ANSWER_ERRORS, OBJECTIVE_REF, HostProblem, minimize_guarded, optimize_design,
                       penalty_path)
from .study import kernels_for, release_kernels

__all__ = ["OPEN_CHOICES", "TECHNOLOGY_INPUTS", "Alternative", "TechnologyInput", "audit_orbit",
           "what_it_would_take", "audited_variables", "least_violation", "preferred"]

log = logging.getLogger("sunsink")

OPEN_CHOICES: dict[str, tuple] = {
    "cold_case.freeze_protection": ("none", "bypass", "heaters"),
    "mission.coolant": ("water", "mpg30", "ammonia"),
    "mass.array_class": (None, "flexible_blanket", "ultraflex"),
}
"""Discrete options an audit chooses among when the publication leaves them open (config key: options,
lightest hardware first).  The array classes set the array's support areal mass (a continuous input: no
recompilation); a freeze protection or coolant is a different compiled program."""


@dataclass(frozen=True)
class TechnologyInput:
    """A declared continuous input whose change can close a design: ``label``, the config keys it moves
    together (with the same relative change) and, where a config may leave it unset, the keys of the
    alternative that then carries the quantity."""

    label: str
    keys: tuple
    fallback: tuple = ()


TECHNOLOGY_INPUTS = (
    TechnologyInput("payload mass per kW", ("mass.payload_mass_per_kw_kg",), ("mass.payload_mass_per_chip_kg",)),
    TechnologyInput("array specific power", ("mass.array_specific_power_w_kg",),
                    ("mass.array_support_areal_mass_kg_m2",)),
    TechnologyInput("radiator areal mass", ("mass.radiator_areal_density_kg_m2",),
                    ("mass.radiator_support_areal_mass_kg_m2",)),
    TechnologyInput("junction limit", ("mission.junction_limit_k",)),
    TechnologyInput("radiator emissivity", ("radiator.face_a.emissivity", "radiator.face_b.emissivity")),
    TechnologyInput("cell efficiency", ("mission.cell_efficiency_bol",)),
    TechnologyInput("battery specific energy", ("mass.battery_specific_energy_wh_kg",)),
)
"""The technology inputs of "what it would take", each a declared continuous input of the model."""


@dataclass
class Alternative:
    """One sized design of the audit: the open choices it takes, the design, its metrics and verdict."""

    choices: dict
    design: SatelliteDesign
    mission: Mission
    metrics: dict
    verdict: object
    optimizer_message: str

    @property
    def mass_kg(self) -> float:
        return float(self.metrics["total_mass_kg"])

    @property
    def closes(self) -> bool:
        return self.verdict.converged and self.verdict.feasible


def audited_variables(cfg, orb, published: set) -> VariableSet:
    """The design variables of one orbit for the audit: a published variable is held at its configured
    value; every other is free within its bounds (widened to include the configured start)."""
    overrides = {}
    for v in build.build_variables(cfg, orb).variables:
        key = "orbits.altitude_m" if v.name == "altitude_m" else f"design.{v.name}"
        held = key in published
        overrides[v.name] = {"value": v.default, "fixed": held, "lo": min(v.lo, v.default), "hi": max(v.hi, v.default),
                             "ref": v.ref}
    try:
        return variable_set(overrides)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _support_for_class(array_class, mission: Mission) -> float:
    """Support areal mass of an array class (None: power.ArrayDesign's default) [kg/m^2]."""
    if array_class is None:
        return float(power.ArrayDesign(area_m2=jnp.asarray(1.0),
                                       coverglass_thickness_m=jnp.asarray(1e-4)).support_areal_mass_kg_m2)
    return float(power.support_areal_mass_for_class(array_class, mission.cell))


def _with_choice(mission: Mission, key: str, option) -> Mission:
    """``mission`` with one open choice set."""
    if key == "mass.array_class":   # a continuous support mass: the compiled program is reused
        return build.set_inputs(mission, {("mass", "array_class"): None,
                                          ("mass", "array_support_areal_mass_kg_m2"):
                                              jnp.asarray(_support_for_class(option, mission))})
    path = build.mission_inputs()[key][0]
    return build.set_inputs(mission, {path: option})


def least_violation(p: HostProblem, x_start, maxiter: int, ftol: float = 1e-9, stream=sys.stderr):
    """Elastic sizing for choices under which no design meets every constraint (the published parts
    forbid it): first the free variables that minimise the violation, ``1/2 sum_i min(0, g_i)^2`` of
    the normalised constraints within the bounds (L-BFGS-B on the model's gradients); then minimum mass
    with no constraint allowed worse than it is there (SLSQP on the constraints shifted by their least
    violation, ``g_i - min(0, g_i*) >= 0``).  A constraint an unpublished subsystem can meet on its own
    (the shield for TID, the armour for puncture) is then met, and only what the publication forces
    fails -- where a plain SLSQP stops at the first incompatible linearisation with every constraint
    left as it was.  This is the elastic mode of SQP solvers (Gill, Murray & Saunders 2005, SIAM Rev.
    47(1), sec. 6 of SNOPT's paper) done as two stages.  Returns ``(x, message)`` (scaled variables)."""
    x1 = penalty_path(p, x_start, [(0.0, 1.0)], maxiter)
    c1 = np.asarray(p.value(x1)[1:-1], np.float64)
    shift = np.concatenate([[0.0], np.minimum(c1, 0.0), [0.0]])   # [objective, g..., converged flag]

    def shifted_both(x):
        v, j = p.both(x)
        return v - shift, j

    shifted = HostProblem(p.names, x1, p.lower, p.upper, p.constraint_names, shifted_both,
                          value=lambda x: p.value(x) - shift)
    print("elastic: no design of these choices meets every constraint; least violation, then minimum mass "
          "with no constraint worse", file=stream)
    x, note = x1, "the minimum-mass stage failed: least violation only"
    try:   # SLSQP, or where it steps to a point without an answer the quadratic-penalty path
        x2, message = minimize_guarded(shifted, maxiter, ftol, stream=stream)
        v2 = np.asarray(p.value(x2), np.float64)
        if v2[-1] > 0.5 and np.all(v2[1:-1] >= np.minimum(c1, 0.0) - 1e-6):   # never worse than the least violation
            x, note = x2, f"then minimum mass: {message}"
    except NO_ANSWER_ERRORS as exc:
        log.warning("least-violation sizing: the minimum-mass stage failed (%s); the least-violation point is kept", exc)
    failed = [n for n, c in zip(p.constraint_names, np.asarray(p.value(x)[1:-1])) if c < -1e-6]
    return x, f"least violation ({', '.join(failed)} cannot be met), {note}"


def _size(vs: VariableSet, mission: Mission, numerics, start: SatelliteDesign, maxiter: int, stream):
    """Minimum-mass sizing of the free variables of ``vs`` (SLSQP on the compiled model); where the
    result violates a constraint, :func:`least_violation` sizes it instead.  Returns
    (design, metrics, message)."""
    k = kernels_for(vs, mission, numerics)
    if vs.free:
        try:
            try:
                design, res, _, p = optimize_design(k, start, "SLSQP", maxiter, 1e-9, stream=stream)
                message, x = str(res.message), np.asarray(res.x, np.float64)
                v = np.asarray(p.value(x), np.float64)
            except NO_ANSWER_ERRORS as exc:   # SLSQP stepped where the model has no answer
                print(f"SLSQP stepped where the model has no answer ({str(exc)[:80]}...)", file=stream)
                p = k.problem(start)
                x, v = p.x0, None
            if v is None or v[-1] < 0.5 or float(np.min(v[1:-1])) < -1e-6:   # infeasible, or no answer
                x, message = least_violation(p, x if v is not None and v[-1] > 0.5 else p.x0, maxiter, stream=stream)
                design = vs.from_scaled(jnp.asarray(x), start)
        except NO_ANSWER_ERRORS as exc:   # not even the least violation has an answer
            log.warning("sizing failed (%s): the alternative is reported as not converged", exc)
            metrics = {n: np.asarray(v) for n, v in k.evaluate(start, mission).items()}
            metrics["converged"] = np.asarray(0.0)   # never a verdict on a design the sizing did not reach
            return start, metrics, f"sizing failed: {exc}"
    else:
        design, message = start, "nothing to size"
    return design, {n: np.asarray(v) for n, v in k.evaluate(design, mission).items()}, message


def preferred(alternatives):
    """The alternative an audit keeps: the lightest that closes; when none closes, the one that fails
    least -- fewest failed constraints, then the largest (least negative) normalised margin of its
    limiting constraint, then the lightest -- so that a choice which cannot work (no freeze protection
    where the coolant freezes) is never kept only for being light.  Alternatives whose sizing did not
    converge are kept only when no other has an answer."""
    closing = [a for a in alternatives if a.closes]
    if closing:
        return min(closing, key=lambda a: a.mass_kg)
    answered = [a for a in alternatives if a.verdict.converged] or list(alternatives)
    # margins compared as printed (3 decimals): two alternatives failing alike differ in mass, not in round-off
    return min(answered, key=lambda a: (len(a.verdict.failed), -round(float(a.verdict.ranked[0].normalised_margin), 3),
                                        a.mass_kg))


def audit_orbit(cfg, orb, mission: Mission, numerics, stream=sys.stderr, maxiter: int = 100) -> dict:
    """The audit of one orbit of a published design's config (see the module docstring).

    Returns ``{"published", "sized", "held_defaults", "alternatives", "best", "as_published"}``:
    the published keys, the variables sized, the inputs held at sunsink's defaults, every alternative
    tried (:class:`Alternative`), the lightest that closes (or, when none closes, the lightest) and the
    configured design evaluated as published.
    """
    published = set(cfg.published.stated)
    vs_config = build.build_variables(cfg, orb)
    base = vs_config.baseline()
    k0 = kernels_for(vs_config, mission, numerics)
    m0 = {n: np.asarray(v) for n, v in k0.evaluate(base, mission).items()}
    as_published = Alternative({}, base, mission, m0, verdict(m0), "evaluated as configured")
    vs = audited_variables(cfg, orb, published)
    open_keys = [k for k in OPEN_CHOICES if k not in published]
    if mission.mass.array_specific_power_w_kg is not None or "mass.array_support_areal_mass_kg_m2" in published:
        open_keys = [k for k in open_keys if k != "mass.array_class"]   # the array's mass is stated another way
    current = {k: (None if k == "mass.array_class" and build.get_input(mission, ("mass", "array_class")) is None
                   else build.get_input(mission, build.mission_inputs()[k][0])) for k in OPEN_CHOICES}
    alternatives: list[Alternative] = []
    best_mission, best_choices = mission, {k: current[k] for k in open_keys}
    # one open choice at a time (freeze protection, then coolant, then array class), each with the best so far
    for key in open_keys:
        tried = []
        for option in OPEN_CHOICES[key]:
            choices = dict(best_choices, **{key: option})
            again = next((a for a in alternatives if a.choices == choices), None)
            if again is not None:   # the best so far, tried in the previous step: not sized twice
                tried.append(again)
                continue
            m = _with_choice(best_mission, key, option)
            log.info("audit %s: %s", orb.name, ", ".join(f"{k} = {v}" for k, v in choices.items()))
            design, metrics, message = _size(vs, m, numerics, base, maxiter, stream)
            alt = Alternative(choices, design, m, metrics, verdict(metrics), message)
            alternatives.append(alt)
            tried.append(alt)
            release_kernels()   # each static choice is a model of its own: free it before the next
        pick = preferred(tried)
        best_mission, best_choices = pick.mission, pick.choices
    if not open_keys:
        design, metrics, message = _size(vs, mission, numerics, base, maxiter, stream)
        alternatives.append(Alternative({}, design, mission, metrics, verdict(metrics), message))
    best = preferred(alternatives)
    held = sorted(k for k, (_, q, static) in build.mission_inputs().items()
                  if not static and q.section is not None and k not in published
                  and build.get_input(mission, build.mission_inputs()[k][0]) is not None)
    return {"published": sorted(published), "sized": vs.free_names, "held_defaults": held,
            "alternatives": alternatives, "best": best, "as_published": as_published, "variables": vs}


# ------------------------------------------------------------------------------------------------------
# what it would take
# ------------------------------------------------------------------------------------------------------

def _technology_paths(mission: Mission) -> list[tuple[str, list]]:
    """(label, [paths]) of every technology input, the set alternative where a config leaves one unset."""
    inputs = build.mission_inputs()
    out = []
    for t in TECHNOLOGY_INPUTS:
        keys = t.keys
        if build.get_input(mission, inputs[keys[0]][0]) is None:
            if t.fallback and build.get_input(mission, inputs[t.fallback[0]][0]) is not None:
                keys = t.fallback
        out.append((t.label, [inputs[k][0] for k in keys], keys))
    return out


def _explicit(mission: Mission) -> Mission:
    """``mission`` with every technology input that a config may leave unset given its effective value
    (the cell preset's efficiency, power.BatteryTech's pack energy, the array design's support mass), so
    that each one is an input the model's gradients reach.  The numbers of the model do not change."""
    mp = mission.mass
    values = {}
    if mission.cell_efficiency_bol is None:
        values[("mission", "cell_efficiency_bol")] = jnp.asarray(float(power.get_cell(mission.cell).efficiency_bol))
    if mp.battery_specific_energy_wh_kg is None:
        values[("mass", "battery_specific_energy_wh_kg")] = jnp.asarray(
            float(power.BatteryTech().pack_specific_energy_wh_kg))
    if mp.array_specific_power_w_kg is None and mp.array_support_areal_mass_kg_m2 is None:
        values[("mass", "array_support_areal_mass_kg_m2")] = jnp.asarray(_support_for_class(mp.array_class, mission))
        values[("mass", "array_class")] = None
    return build.set_inputs(mission, values)


def _tangent_rows(mission: Mission, paths_per_input: list[list]) -> np.ndarray:
    """(n_inputs, P) tangents in the mission's flattened float inputs: each row moves every path of one
    input by that path's value (a relative change ``d ln p`` of the input)."""
    diff = eqx.filter(strong_types(mission), eqx.is_inexact_array)
    zeros = jax.tree_util.tree_map(jnp.zeros_like, diff)
    rows = []
    for paths in paths_per_input:
        t = zeros
        for path in paths:
            t = eqx.tree_at(lambda m, p=path: build.get_input(m, p), t, jnp.asarray(build.get_input(diff, path)))
        rows.append(np.asarray(ravel_pytree(t)[0]))
    return np.array(rows)


def what_it_would_take(vs: VariableSet, mission: Mission, numerics, design: SatelliteDesign,
                       claimed_mass_kg: float | None, stream=sys.stderr, maxiter: int = 100,
                       inputs: list[str] | None = None) -> dict:
    """The smallest changes to the technology inputs that make the design close at its claimed mass.

    The design variables free in ``vs`` are sized together with the inputs.  For each input alone and
    for all of them together, one constrained problem: minimise ``sum(d_i^2)`` over the design and
    ``d_i = ln(p_i / p_i0)`` subject to every constraint ``g >= 0`` and, with a claim, ``mass <=
    claimed_mass_kg``; the inputs stay inside their declared ranges.  The derivatives with respect to
    the inputs come from the compiled derivative program (forward mode on the mission's inputs).

    Returns ``{"alone": {label: row}, "joint": row, "claimed_mass_kg"}`` where a row holds the input
    values needed (``values``: {config key: value}), the relative changes, whether it closes, the mass
    reached and the optimiser's message; ``alone[label]["closes"] = False`` is "cannot close alone".
    """
    mission = _explicit(mission)
    tech = [t for t in _technology_paths(mission) if inputs is None or t[0] in inputs]
    k = kernels_for(vs, mission, numerics)
    inputs_decl = build.mission_inputs()
    p0 = [[float(build.get_input(mission, p)) for p in paths] for _, paths, _ in tech]
    ranges = []
    for (_, paths, keys), vals in zip(tech, p0):
        lo, hi = -math.inf, math.inf
        for key, v in zip(keys, vals):
            q = inputs_decl[key][1]
            qlo = q.lo if q.lo > 0 else v * 1e-3
            lo, hi = max(lo, math.log(max(qlo, 1e-300) / v)), min(hi, math.log(q.hi / v) if math.isfinite(q.hi) else 5.0)
        ranges.append((max(lo, -5.0), min(hi, 5.0)))
    n_free = len(vs.free)
    ref = OBJECTIVE_REF["mass"]
    if mission.objective != "mass":
        raise ConfigError(f"mission.objective = {mission.objective!r}: what it would take sizes at a claimed mass "
                          "and needs the mass objective")
    claim = None if claimed_mass_kg is None else float(claimed_mass_kg) / ref

    def solve(which: list[int]) -> dict:
        def mission_at(d):
            return build.set_inputs(mission, {path: jnp.asarray(v * math.exp(float(d[j])))
                                              for j, i in enumerate(which) for path, v in zip(tech[i][1], p0[i])})

        cache = {}

        def both(z):
            key = np.asarray(z).tobytes()
            if key not in cache:
                x, d = z[:n_free], z[n_free:]
                m = mission_at(d)
                k.mission = m
                v, jx = k.value_and_jacobian(x, design)      # [obj/ref, g..., converged] and d/dx (scaled)
                full, _, _ = k._full(np.asarray(x, dtype=np.float64), design)
                # d/d(ln p_i): tangents that move each input by its current value
                rows = _tangent_rows(m, [tech[i][1] for i in which])
                jd = k.pushforward(full, m, np.zeros((len(which), len(full))), rows).T   # (1 + n_con, n)
                cons = v[1:-1]
                mass_con = [] if claim is None else [claim - v[0]]
                value = np.concatenate([[float(np.sum(np.asarray(d) ** 2))], cons, mass_con, [v[-1]]])
                jac = np.zeros((len(value), len(z)))
                jac[0, n_free:] = 2.0 * np.asarray(d)
                jac[1:1 + len(cons), :n_free] = jx[1:-1]
                jac[1:1 + len(cons), n_free:] = jd[1:]
                if claim is not None:
                    jac[1 + len(cons), :n_free] = -jx[0]
                    jac[1 + len(cons), n_free:] = -jd[0]
                cache.clear()
                cache[key] = (value, jac)
            return cache[key]

        lo_x, hi_x = vs.bounds_scaled()
        lower = np.concatenate([lo_x, [ranges[i][0] for i in which]])
        upper = np.concatenate([hi_x, [ranges[i][1] for i in which]])
        names = vs.free_names + [tech[i][0] for i in which]
        problem = HostProblem(names, np.concatenate([vs.to_scaled(design), np.zeros(len(which))]), lower, upper,
                              list(CONSTRAINT_NAMES) + ([] if claim is None else ["claimed_mass"]), both)
        z, message = minimize_guarded(problem, maxiter, 1e-10, stream=stream)
        value, _ = both(z)
        d = z[n_free:]
        k.mission = mission_at(d)
        mass = float(k.value(z[:n_free], design)[0] * ref)
        values = {key: v * math.exp(float(d[j])) for j, i in enumerate(which) for key, v in zip(tech[i][2], p0[i])}
        return {"values": values, "relative_change": {tech[i][0]: math.expm1(float(d[j])) for j, i in enumerate(which)},
                "closes": bool(np.all(value[1:-1] >= -1e-6) and value[-1] > 0.5), "mass_kg": mass,
                "message": message, "norm": float(np.sqrt(np.sum(d ** 2))),
                "design": vs.from_scaled(jnp.asarray(z[:n_free]), design)}

    def answered(which: list[int]) -> dict:
        """``solve(which)``, or a row saying it has no answer when the solve failed (a Jacobian that is not
        finite on the way): never 'cannot close', which would be a finding it did not make."""
        try:
            row = solve(which)
        except NO_ANSWER_ERRORS as exc:
            log.warning("what it would take: the solve failed (%s)", exc)
            return {"values": {}, "relative_change": {tech[i][0]: math.nan for i in which}, "closes": False,
                    "mass_kg": math.nan, "message": f"solve failed: {exc}", "norm": math.nan, "design": design,
                    "failed": f"solve failed: {exc}"}
        if not row["closes"] and row["message"].startswith("quadratic-penalty path"):
            # a penalty path that ends infeasible shows no infeasibility: SLSQP had stepped where the model has no
            # answer, and the path stops where its line search can go no further
            return dict(row, failed="the solve ended infeasible on its quadratic-penalty path (SLSQP had stepped "
                                    "where the model has no answer); that no change closes is not shown")
        return dict(row, failed=None)

    alone = {}
    for i, (label, _, keys) in enumerate(tech):
        log.info("what it would take: %s alone", label)
        alone[label] = answered([i])
        alone[label]["from"] = {key: v for key, v in zip(keys, p0[i])}
    log.info("what it would take: every input together")
    joint = answered(list(range(len(tech))))
    joint["from"] = {key: v for (_, _, keys), vals in zip(tech, p0) for key, v in zip(keys, vals)}
    k.mission = mission
    return {"alone": alone, "joint": joint, "claimed_mass_kg": claimed_mass_kg}
