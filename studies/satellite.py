"""Whole-satellite study: config -> Mission/Numerics/variables -> evaluate, optimise,
check, sensitivities, life, constellation, Pareto fronts.

Host-side steps (validation, mission geometry, post-checks, tables) live here;
the physics is :func:`studies.model.evaluate`.
"""
from __future__ import annotations

import logging
import math
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

import orbit
import power
from orbit.constants import TROPICAL_YEAR_S

from . import constellation as cst
from .config import ConfigError
from .design import SatelliteDesign, VariableSet, variable_set
from .mass_model import mass_parameters_from_mapping
from .model import CONSTRAINT_NAMES, Mission, Numerics, evaluate
from .radiator_study import beta_candidates_rad, orbit_inclination_rad

log = logging.getLogger("sunsink")

MISSION_ARRAY_FIELDS = (
    "payload_power_w", "life_years", "junction_limit_k", "hbm_limit_k", "tid_tolerance_si_gy", "tid_margin",
    "availability_target", "see_recovery_s", "launch_cost_usd_per_kg", "bus_power_w", "isl_terminal_count",
    "isl_terminal_w", "eclipse_payload_fraction", "loop_pressure_pa", "pump_efficiency",
    "coolant_reference_temperature_k", "radiator_conductivity_w_m_k", "tube_conductance_w_m_k",
)


def mission_geometry(orb, hot_beta_rad: float) -> dict:
    """Host-side orbit geometry for the coupled model (fixed during an optimisation).

    ``eclipse_beta_rad``: the beta angle with the longest eclipse over the year
    (smallest |beta|); ``eclipse_orbits_fraction``: fraction of the year's orbits that
    have an eclipse (battery cycles).  Computed at the configured altitude.
    """
    h = orb.altitude_m
    inc = orbit_inclination_rad(orb)
    jd0 = orbit.julian_date(orb.year, 1, 1, 0.0)
    if orb.family == "sso":
        season = power.sso_eclipse_season(h, orb.ltan_hours, jd0, n_samples=365)
    else:
        season = power.eclipse_season(h, inc, 0.0, jd0, n_samples=730)
    beta = np.asarray(season.beta_rad)
    ecl_beta = float(beta[np.argmin(np.abs(beta))])
    per_year = TROPICAL_YEAR_S / float(orbit.period_s(h))
    frac = float(season.eclipse_orbits_per_year) / per_year
    return {"hot_beta_rad": hot_beta_rad, "eclipse_beta_rad": ecl_beta, "eclipse_orbits_fraction": max(frac, 1e-3),
            "inclination_rad": inc, "sso": 1.0 if orb.family == "sso" else 0.0,
            "max_eclipse_s": float(season.max_eclipse_s)}


def build_mission(cfg, geometry: dict) -> Mission:
    m = cfg.mission
    try:
        mass = mass_parameters_from_mapping(dict(cfg.mass))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"mass: {exc}") from None
    arrays = {k: jnp.asarray(float(getattr(m, k))) for k in MISSION_ARRAY_FIELDS}
    geo = {k: jnp.asarray(float(geometry[k])) for k in
           ("hot_beta_rad", "eclipse_beta_rad", "eclipse_orbits_fraction", "inclination_rad", "sso")}
    return Mission(**arrays, **geo, n_chips=m.n_chips, chip=m.chip, coolant=m.coolant, cell=m.cell,
                   objective=m.objective, mass=mass)


def build_numerics(cfg) -> Numerics:
    n = cfg.numerics
    return Numerics(radiator_nx=n.radiator_nx, radiator_ny=n.radiator_ny, n_tubes_per_panel=n.n_tubes_per_panel,
                    panel_length_m=n.panel_length_m, chip_nx=n.chip_nx, chip_ny=n.chip_ny,
                    chip_silicon_k_of_t=n.chip_silicon_k_of_t, n_orbit_samples=n.model_orbit_samples)


def build_variables(cfg, orb) -> VariableSet:
    overrides = {k: dict(v) for k, v in dict(cfg.design).items()}
    alt = overrides.setdefault("altitude_m", {})
    alt.setdefault("value", orb.altitude_m)
    if orb.family != "sso":
        alt.setdefault("fixed", True)  # an inclined orbit's altitude is part of its definition here
    alt.setdefault("lo", min(400e3, orb.altitude_m))
    try:
        return variable_set(overrides)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


# ------------------------------------------------------------------------------------------------
# jitted kernels (compiled once per (mission statics, numerics))
# ------------------------------------------------------------------------------------------------

class Kernels:
    """Jitted evaluate and [objective, constraints] with its Jacobian.

    The compiled functions act on the FULL vector of design variables scaled by
    their reference values (the references are an argument, not a constant), so
    one compilation serves every choice of free variables, bounds and mission
    values; only the mission's static fields and the numerics recompile.
    """

    def __init__(self, vs: VariableSet, mission: Mission, numerics: Numerics):
        self.vs, self.mission, self.numerics = vs, mission, numerics

        def vector(x_full, refs, mission):
            d = SatelliteDesign(*[x_full[i] * refs[i] for i in range(len(refs))])
            out = evaluate(d, mission, numerics)
            conv = jax.lax.stop_gradient(out["converged"].astype(out["objective"].dtype))
            return jnp.concatenate([(out["objective"] / OBJECTIVE_REF[mission.objective])[None],
                                    jnp.stack([out[f"g_{c}"] for c in CONSTRAINT_NAMES]), conv[None]])

        self._vector = jax.jit(vector)
        self._jac = jax.jit(jax.jacrev(vector))
        self.evaluate = jax.jit(lambda d, m: evaluate(d, m, numerics))

    def _full(self, x_free, base: SatelliteDesign):
        vs = self.vs
        refs = np.array([v.ref for v in vs.variables])
        full = np.array([float(getattr(base, v.name)) for v in vs.variables]) / refs
        idx = [i for i, v in enumerate(vs.variables) if not v.fixed]
        full[idx] = x_free
        return full, refs, idx

    def value_and_jacobian(self, x_free, base: SatelliteDesign):
        full, refs, idx = self._full(np.asarray(x_free, dtype=np.float64), base)
        v = np.asarray(self._vector(jnp.asarray(full), jnp.asarray(refs), self.mission), dtype=np.float64)
        j = np.asarray(self._jac(jnp.asarray(full), jnp.asarray(refs), self.mission), dtype=np.float64)
        return v, j[:, idx]

    def value(self, x_free, base: SatelliteDesign):
        full, refs, _ = self._full(np.asarray(x_free, dtype=np.float64), base)
        return np.asarray(self._vector(jnp.asarray(full), jnp.asarray(refs), self.mission), dtype=np.float64)

    def problem(self, base: SatelliteDesign) -> "HostProblem":
        vs = self.vs
        cache: dict = {}

        vcache: dict = {}

        def both(x):
            key = np.asarray(x, dtype=np.float64).tobytes()
            if key not in cache:
                cache.clear()
                cache[key] = self.value_and_jacobian(x, base)
            return cache[key]

        def value(x):
            # Line searches need values only: one evaluation, not evaluation + Jacobian (~9x dearer).
            key = np.asarray(x, dtype=np.float64).tobytes()
            if key in cache:
                return cache[key][0]
            if key not in vcache:
                vcache.clear()
                vcache[key] = self.value(x, base)
            return vcache[key]

        lo, hi = vs.bounds_scaled()
        return HostProblem(names=vs.free_names, x0=vs.to_scaled(base), lower=lo, upper=hi,
                           constraint_names=list(CONSTRAINT_NAMES), both=both, value=value)


OBJECTIVE_REF = {"mass": 1000.0, "cost": 100.0}
"""Scale of the objective seen by the optimiser (kg or $/kW-yr)."""


class HostProblem:
    """Scaled problem whose values and Jacobians come from one cached jitted call.

    ``both(x) -> (v, J)`` with v = [objective/ref, g_1..g_m] and J its Jacobian.
    """

    def __init__(self, names, x0, lower, upper, constraint_names, both, value=None):
        self.names, self.x0, self.lower, self.upper = list(names), x0, lower, upper
        self.constraint_names = list(constraint_names)
        self.both = both
        self.value = value if value is not None else (lambda x: both(x)[0])


def optimize_design(kernels: Kernels, base: SatelliteDesign, method="SLSQP", maxiter=60, ftol=1e-7,
                    on_iteration=None, stream=sys.stderr, bounds_scaled=None):
    """SLSQP / trust-constr on the scaled free variables with jitted JAX Jacobians.

    ``bounds_scaled``: optional (lower, upper) replacing the variables' scaled bounds
    (e.g. pinning one variable for an epsilon-constraint front) without recompiling.
    """
    from scipy import optimize as so

    p = kernels.problem(base)
    if bounds_scaled is not None:
        p.lower, p.upper = (np.asarray(b, dtype=np.float64) for b in bounds_scaled)
    history = []
    t0 = time.perf_counter()
    print(f"{'iter':>5} {'objective':>14} {'max viol':>10} {'wall s':>8}  worst constraint", file=stream)

    def record(xk):
        v = p.value(xk)
        c = v[1:-1]
        viol = float(max(0.0, -c.min()))
        worst = p.constraint_names[int(np.argmin(c))]
        rec = {"iteration": len(history), "objective": float(v[0]), "max_violation": viol,
               "x": np.array(xk, dtype=np.float64), "wall_s": time.perf_counter() - t0,
               "converged": bool(v[-1] > 0.5)}
        history.append(rec)
        print(f"{rec['iteration']:>5d} {rec['objective']:>14.6g} {viol:>10.3g} {rec['wall_s']:>8.2f}"
              f"  {worst if viol > 0 else '':<14} {'' if rec['converged'] else 'NOT CONVERGED'}",
              file=stream, flush=True)
        if on_iteration is not None:
            on_iteration(rec)

    x0 = np.clip(p.x0, p.lower, p.upper)
    record(x0)
    # Copies, never views of the cached arrays: scipy's SLSQP (1.17) modifies the Jacobian it is
    # given in place, which corrupted the cache and made SLSQP stall after its first step.
    fun = lambda x: float(p.value(x)[0])  # noqa: E731
    jac = lambda x: np.array(p.both(x)[1][0], copy=True)  # noqa: E731
    con = lambda x: np.array(p.value(x)[1:-1], copy=True)  # noqa: E731
    cjac = lambda x: np.array(p.both(x)[1][1:-1], copy=True)  # noqa: E731
    bounds = so.Bounds(p.lower, p.upper)

    def slsqp(x_start, n):
        return so.minimize(fun, x_start, jac=jac, method="SLSQP", bounds=bounds,
                           constraints=[{"type": "ineq", "fun": con, "jac": cjac}],
                           options={"maxiter": n, "ftol": ftol}, callback=record)

    def trust(x_start, n):
        return so.minimize(fun, x_start, jac=jac, method="trust-constr", bounds=bounds,
                           constraints=[so.NonlinearConstraint(con, 0.0, np.inf, jac=cjac)],
                           options={"maxiter": n, "gtol": 1e-6, "xtol": 1e-9},
                           callback=lambda xk, *a: record(xk))

    if method == "SLSQP":
        res = slsqp(x0, maxiter)
    elif method == "trust-constr":
        res = trust(x0, maxiter)
    else:  # "trust-constr+SLSQP": globalise with the trust region, then SQP to a sharp KKT point
        first = trust(x0, maxiter)
        print(f"trust-constr: {first.message} -> SLSQP polish", file=stream)
        res = slsqp(np.clip(first.x, p.lower, p.upper), maxiter)
        res.nit = int(getattr(first, "nit", 0)) + int(getattr(res, "nit", 0))
    x = np.asarray(res.x, dtype=np.float64)
    if not np.array_equal(history[-1]["x"], x):
        record(x)
    design = kernels.vs.from_scaled(jnp.asarray(x), base)
    return design, res, history, p


def kkt_check(p: HostProblem, x, feasibility_tol=1e-6, active_tol=1e-4, near_tol=1e-2) -> dict:
    """Independent post-optimisation check: feasibility, active set, NNLS multipliers.

    Constraints within ``near_tol`` of their bound (normalised values; bounds within
    ``near_tol`` of the variable's range) are candidates; NNLS gives their multipliers
    from stationarity grad f = sum lambda_i grad g_i.  An interior-point optimiser stops
    a little inside the feasible set (g ~ 1e-4..1e-3 where the multiplier is not zero), so
    the residual reported is the larger of the relative stationarity residual and the
    relative complementarity max_i lambda_i g_i / |grad f|.  Reported as active: candidates
    with g <= ``active_tol`` or a multiplier above 1e-6 |grad f|.
    """
    from scipy import optimize as so

    x = np.asarray(x, dtype=np.float64)
    v, j = p.both(x)
    g, c, jc = j[0], v[1:-1], j[1:-1]
    gnorm = max(float(np.linalg.norm(g)), 1e-300)
    names = list(p.constraint_names)
    violations = {names[i]: float(c[i]) for i in range(len(c)) if c[i] < -feasibility_tol}
    near = [i for i in range(len(c)) if c[i] <= near_tol]
    span = p.upper - p.lower
    lo_slack, hi_slack = (x - p.lower) / span, (p.upper - x) / span
    at_lo = [k for k in range(len(x)) if lo_slack[k] <= near_tol]
    at_hi = [k for k in range(len(x)) if hi_slack[k] <= near_tol]
    cols = [jc[i] for i in near] + [np.eye(len(x))[k] for k in at_lo] + [-np.eye(len(x))[k] for k in at_hi]
    slack = np.array([max(c[i], 0.0) for i in near] + [lo_slack[k] * span[k] for k in at_lo]
                     + [hi_slack[k] * span[k] for k in at_hi])
    if cols:
        lam, resid = so.nnls(np.stack(cols, axis=1), g)
    else:
        lam, resid = np.zeros(0), gnorm
    stationarity = float(resid) / gnorm
    complementarity = float(np.max(lam * slack)) / gnorm if lam.size else 0.0
    big = 1e-6 * gnorm
    nc, nl = len(near), len(at_lo)
    active = [k for k, i in enumerate(near) if c[i] <= active_tol or lam[k] > big]
    act_lo = [k for m, k in enumerate(at_lo) if lo_slack[k] <= active_tol or lam[nc + m] > big]
    act_hi = [k for m, k in enumerate(at_hi) if hi_slack[k] <= active_tol or lam[nc + nl + m] > big]
    return {
        "feasible": not violations, "violations": violations, "active": [names[near[k]] for k in active],
        "multipliers": {names[near[k]]: float(lam[k]) for k in active},
        "active_bounds": [f"{p.names[k]} at lower bound" for k in act_lo] + [f"{p.names[k]} at upper bound" for k in act_hi],
        "kkt_residual": max(stationarity, complementarity),
        "stationarity": stationarity,
        "complementarity": complementarity,
        "constraints": {names[i]: float(c[i]) for i in range(len(c))},
        "converged": bool(v[-1] > 0.5),
    }


def sensitivities(kernels: Kernels, design: SatelliteDesign, mission: Mission) -> dict[str, float]:
    """d(objective)/d(every design field and every continuous mission parameter), labelled.

    Reported as elasticities too (d ln J / d ln p) so that parameters of different units
    rank together.
    """
    numerics = kernels.numerics
    f = jax.jit(jax.grad(lambda d, m: evaluate(d, m, numerics)["objective"], argnums=(0, 1)))
    gd, gm = f(design, mission)
    out = {}
    for name in design.to_dict():
        out[f"design.{name}"] = float(getattr(gd, name))
    for name in MISSION_ARRAY_FIELDS:
        out[f"mission.{name}"] = float(getattr(gm, name))
    return out


def check_gradients(kernels: Kernels, base: SatelliteDesign, rel_step=(1e-5, 1e-6)) -> dict[str, float]:
    """Worst relative error of autodiff vs central differences per free variable, over the
    objective and all constraints (the ``sunsink check`` report).

    ``rel_step`` may be one relative step or several: central differences carry a
    truncation error ~h^2 and a round-off/solver-tolerance error ~tol/h, so no single
    step suits every variable (a strongly curved response such as the shield's wants a
    small step, a weakly coupled one such as the cold-plate enhancement a larger one).
    With several steps each variable reports the best of them, the usual practice.
    """
    steps = np.atleast_1d(np.asarray(rel_step, dtype=np.float64))
    x0 = kernels.vs.to_scaled(base)
    _, jad = kernels.value_and_jacobian(x0, base)
    out = {}
    for k, name in enumerate(kernels.vs.free_names):
        ad = jad[:-1, k]
        best = np.inf
        for step in steps:
            h = float(step) * max(abs(x0[k]), 1.0)
            xp, xm = x0.copy(), x0.copy()
            xp[k] += h
            xm[k] -= h
            fd = (kernels.value(xp, base) - kernels.value(xm, base))[:-1] / (2 * h)
            scale = np.maximum(np.abs(fd), 1e-6 * np.max(np.abs(ad)) + 1e-12)
            best = min(best, float(np.max(np.abs(ad - fd) / scale)))
        out[name] = best
    return out


def life_limits(kernels: Kernels, design: SatelliteDesign, mission: Mission, years=None) -> dict:
    """Years each subsystem supports: TID with margin, EOL power, battery cycles."""
    years = np.linspace(0.5, 30.0, 60) if years is None else np.asarray(years)
    ev = kernels.evaluate

    def at(y):
        m = eqx_replace(mission, life_years=jnp.asarray(y))
        o = ev(design, m)
        return (float(o["g_tid"]), float(o["g_power"]), float(o["g_battery"]), float(o["array_eol_w"]),
                float(o["array_required_w"]), float(o["tid_si_gy"]))

    rows = np.array([at(y) for y in years])
    g = rows[:, :3]
    out = {}
    for k, name in enumerate(("tid", "power", "battery")):
        bad = np.nonzero(g[:, k] < 0)[0]
        if len(bad) == 0:
            out[name] = float(years[-1])
            continue
        i = bad[0]
        if i == 0:
            out[name] = float(years[0])
        else:  # linear interpolation of the crossing
            y0, y1, g0, g1 = years[i - 1], years[i], g[i - 1, k], g[i, k]
            out[name] = float(y0 + (y1 - y0) * g0 / (g0 - g1))
    out["limiting"] = min(("tid", "power", "battery"), key=lambda k: out[k])
    out["years"] = years
    out["g"] = g
    out["array_eol_w"], out["array_required_w"], out["tid_si_gy"] = rows[:, 3], rows[:, 4], rows[:, 5]
    return out


def eqx_replace(module, **changes):
    import equinox as eqx

    names = list(changes)
    return eqx.tree_at(lambda m: [getattr(m, n) for n in names], module, [changes[n] for n in names])


def constellation_report(cfg, metrics: dict, mission: Mission) -> dict:
    c = cfg.constellation
    p = cst.ConstellationParameters(
        capacity_w=c.capacity_w, launch_payload_kg=c.launch_payload_kg, launch_cost_usd_per_kg=c.launch_cost_usd_per_kg,
        manufacturing_usd_per_kg=c.manufacturing_usd_per_kg, terrestrial_capex_usd_per_kw=c.terrestrial_capex_usd_per_kw,
        terrestrial_life_years=c.terrestrial_life_years, electricity_usd_per_kwh=c.electricity_usd_per_kwh, pue=c.pue)
    total = float(metrics["total_mass_kg"])
    payload = float(metrics["mass_payload_kg"])
    pw = float(mission.payload_power_w)
    life = float(mission.life_years)
    rep = cst.constellation(total, payload, pw, life, p)
    prices = np.geomspace(20.0, 20000.0, 60)
    rep["sweep_launch_usd_per_kg"] = prices
    rep["sweep_space_usd_per_kw_year"] = np.asarray(cst.space_cost_per_kw_year(prices, total, payload, pw, life, p))
    return rep
