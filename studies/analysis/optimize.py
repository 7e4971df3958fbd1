"""The optimiser driver: scipy SLSQP / trust-constr on a scaled problem, and an independent KKT check.

The optimiser sees ``x = value / ref`` of the free design variables, bounded by
``[lo/ref, hi/ref]``.  Values and Jacobians of ``[objective, constraints]`` come from one
cached jitted JAX call per point (:class:`HostProblem`), never from finite differences;
constraints are normalised ``g >= 0`` (:mod:`studies.model.constraints`).  After the optimiser
stops, :func:`kkt_check` re-evaluates the point, checks every constraint and convergence
flag itself (an optimiser's "success" is not trusted), finds the active constraints and
bounds and estimates their Lagrange multipliers from the KKT stationarity condition by
non-negative least squares.  Where SLSQP steps to a point at which the model has no answer (its loop
does not converge there), :func:`minimize_guarded` follows a quadratic-penalty path instead
(:func:`penalty_path`) and polishes with SLSQP.

References
----------
- Kraft, D. (1988), "A software package for sequential quadratic programming",
  DFVLR-FB 88-28 (SLSQP).
- Byrd, Hribar & Nocedal (1999), SIAM J. Optim. 9(4) (the trust-region interior point of
  scipy's trust-constr).
- Martins, J. R. R. A. & Ning, A., *Engineering Design Optimization*, CUP (2021),
  ch. 5 (KKT conditions).
"""
from __future__ import annotations

import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
from scipy import optimize as so

__all__ = ["HostProblem", "OBJECTIVE_REF", "METHODS", "NO_ANSWER_ERRORS", "minimize", "minimize_guarded", "penalty_path",
           "kkt_check", "optimize_design"]

METHODS = ("SLSQP", "trust-constr", "trust-constr+SLSQP")

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


def minimize(p: "HostProblem", method="SLSQP", maxiter=60, ftol=1e-7, on_iteration=None, stream=sys.stderr,
             bounds_scaled=None):
    """SLSQP / trust-constr (or trust-constr then SLSQP) on a :class:`HostProblem`; prints an
    iteration table to ``stream`` and returns ``(scipy result, history)``.

    ``bounds_scaled``: optional (lower, upper) replacing the problem's scaled bounds
    (e.g. pinning one variable for an epsilon-constraint front) without recompiling.
    """
    if method not in METHODS:
        raise ValueError(f"method = {method!r} is not one of {METHODS}")
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
    return res, history


NO_ANSWER_ERRORS = (ArithmeticError, jax.errors.JaxRuntimeError)
"""What the coupled model raises at a point where it has no answer (a Jacobian that is not finite, a
linear solve given non-finite input)."""


def penalty_path(p: HostProblem, x0, stages, maxiter=100):
    """L-BFGS-B on ``w f + rho/2 sum_i min(0, g_i)^2`` within the bounds, for each ``(w, rho)`` of
    ``stages`` in turn from the previous stage's point (a quadratic-penalty continuation, Nocedal & Wright
    2006, sec. 17.1; ``[(0, 1)]`` is the least violation alone).  Where the model has no answer (it raises,
    or its loop did not converge) the function is a steep bowl about the last point that had one, so the
    line search backs off instead of stopping.  Returns the best point with an answer (scaled variables);
    raises ArithmeticError where the start has none."""
    good, best = {}, {}

    def penalised(x, w, rho):
        try:
            v, j = p.both(x)
            v, j = np.asarray(v, np.float64), np.asarray(j, np.float64)
            ok = v[-1] > 0.5 and np.all(np.isfinite(v)) and np.all(np.isfinite(j))
        except NO_ANSWER_ERRORS:
            ok = False
        if not ok:
            if not good:
                raise ArithmeticError("the coupled model has no answer at the starting point")
            d = np.asarray(x, np.float64) - good["x"]
            return good["f"] + 1e6 * (1.0 + float(d @ d)), 2e6 * d
        r = np.minimum(v[1:-1], 0.0)
        f = float(w * v[0] + 0.5 * rho * (r @ r))
        good.update(x=np.array(x, np.float64), f=f)
        if not best or f < best["f"]:
            best.update(x=np.array(x, np.float64), f=f)
        return f, w * j[0] + rho * (r @ j[1:-1])

    x = np.clip(np.asarray(x0, np.float64), p.lower, p.upper)
    for w, rho in stages:
        best.clear()
        penalised(x, w, rho)
        so.minimize(penalised, x, args=(w, rho), jac=True, method="L-BFGS-B", bounds=so.Bounds(p.lower, p.upper),
                    options={"maxiter": maxiter, "ftol": 1e-15, "gtol": 1e-12})
        x = best["x"]
    return x


def minimize_guarded(p: HostProblem, maxiter=100, ftol=1e-10, stream=sys.stderr, penalties=(1e2, 1e4, 1e6, 1e8)):
    """SLSQP (:func:`minimize`); where its steps reach a point at which the model has no answer (SLSQP
    jumps to the bounds in its first iterations and cannot back off from an error), a quadratic-penalty
    continuation instead -- L-BFGS-B on ``f + rho/2 sum_i min(0, g_i)^2`` for increasing ``rho``, whose
    line search backs off from points without an answer (Nocedal & Wright 2006, sec. 17.1) -- then an SLSQP
    polish from the nearly feasible point it reaches (kept only when it has an answer and is no worse).
    Returns ``(x, message)``; raises the model's error only where not even the penalty path has an answer.
    """
    try:
        res, _ = minimize(p, "SLSQP", maxiter, ftol, stream=stream)
        return np.asarray(res.x, np.float64), str(res.message)
    except NO_ANSWER_ERRORS as exc:
        print(f"SLSQP stepped where the model has no answer ({str(exc)[:80]}...): quadratic-penalty path",
              file=stream)
    x = penalty_path(p, p.x0, [(1.0, rho) for rho in penalties], maxiter)
    message = "quadratic-penalty path"
    try:
        polish, _ = minimize(HostProblem(p.names, x, p.lower, p.upper, p.constraint_names, p.both, p.value),
                             "SLSQP", maxiter, ftol, stream=stream)
        xp = np.asarray(polish.x, np.float64)
        vp, v0 = np.asarray(p.value(xp), np.float64), np.asarray(p.value(x), np.float64)
        if vp[-1] > 0.5 and np.min(vp[1:-1]) >= min(np.min(v0[1:-1]), 0.0) - 1e-9:
            x, message = xp, f"quadratic-penalty path, SLSQP polish: {polish.message}"
    except NO_ANSWER_ERRORS:
        message = "quadratic-penalty path (the SLSQP polish had no answer)"
    return x, message


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


def optimize_design(kernels, base, method="SLSQP", maxiter=60, ftol=1e-7,
                    on_iteration=None, stream=sys.stderr, bounds_scaled=None):
    """Optimise the free variables of ``kernels.vs`` from ``base`` (:func:`minimize`);
    returns ``(design, scipy result, history, problem)``."""
    p = kernels.problem(base)
    res, history = minimize(p, method, maxiter, ftol, on_iteration=on_iteration, stream=stream,
                            bounds_scaled=bounds_scaled)
    return kernels.vs.from_scaled(jnp.asarray(res.x), base), res, history, p
