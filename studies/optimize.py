"""Gradient-based design optimisation over a scaled flat vector.

The optimiser (scipy SLSQP or trust-constr) sees x_scaled = value / ref for the
free design variables only, bounded by [lo/ref, hi/ref].  Objective and
constraint values and their gradients come from jitted JAX functions (one
``value_and_grad`` for the objective, one ``jacrev`` for the constraints), never
from finite differences.  Constraints are normalised ``g = (limit - value)/ref >= 0``.

After the optimiser stops, :func:`post_check` re-evaluates the design, checks
every constraint and convergence flag itself (an optimiser's "success" is not
trusted), finds the active constraints and estimates their Lagrange multipliers
from the KKT stationarity condition by non-negative least squares.

References
----------
- Kraft, D. (1988), "A software package for sequential quadratic programming",
  DFVLR-FB 88-28 (SLSQP).
- Kreisselmeier, G. & Steinhauser, R. (1979), "Systematic control design by
  optimizing a vector performance index", IFAC Proc. 12(7): the KS aggregate.
- Martins, J. R. R. A. & Ning, A., *Engineering Design Optimization*, CUP (2021),
  ch. 5 (KKT conditions) and sec. 5.7 (constraint aggregation).
"""
from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from scipy import optimize as so

log = logging.getLogger("sunsink")


def ks_max(values, rho=50.0):
    """Kreisselmeier-Steinhauser smooth maximum of ``values`` (last axis).

    An upper bound on max(values): max <= KS <= max + log(n)/rho.
    Differentiable; use it for constraints over many chips, and report the exact max.
    """
    v = jnp.asarray(values)
    m = jax.lax.stop_gradient(jnp.max(v, axis=-1, keepdims=True))
    return (m + jnp.log(jnp.sum(jnp.exp(rho * (v - m)), axis=-1, keepdims=True)) / rho)[..., 0]


@dataclass
class Problem:
    """A scaled optimisation problem (all arrays numpy float64, scaled units).

    ``objective(x) -> scalar`` and ``constraints(x) -> (m,)`` act on the scaled vector
    of free variables; both must be JAX-traceable.
    """

    names: Sequence[str]
    x0: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    objective: Callable
    constraints: Callable
    constraint_names: Sequence[str]


@dataclass
class IterationRecord:
    iteration: int
    objective: float
    max_violation: float
    x: np.ndarray
    wall_s: float


@dataclass
class OptimizationResult:
    x: np.ndarray
    objective: float
    constraints: np.ndarray
    success: bool
    message: str
    n_iterations: int
    n_function_evals: int
    n_gradient_evals: int
    history: list = field(default_factory=list)
    method: str = "SLSQP"


class _Evaluator:
    """Caches jitted objective/constraint values and gradients by x."""

    def __init__(self, problem: Problem):
        self.p = problem
        self._f = jax.jit(jax.value_and_grad(problem.objective))
        self._c = jax.jit(problem.constraints)
        self._jc = jax.jit(jax.jacrev(problem.constraints))
        self._cache: dict = {}
        self.n_f = 0
        self.n_g = 0

    def _key(self, x):
        return np.asarray(x, dtype=np.float64).tobytes()

    def f_and_g(self, x):
        k = ("f", self._key(x))
        if k not in self._cache:
            v, g = self._f(jnp.asarray(x))
            self.n_f += 1
            self.n_g += 1
            self._cache[k] = (float(v), np.asarray(g, dtype=np.float64))
        return self._cache[k]

    def fun(self, x):
        return self.f_and_g(x)[0]

    # The optimisers get copies: scipy's SLSQP (1.17) modifies the arrays it is given in place,
    # which silently corrupted a cached gradient/Jacobian reused at the same x.
    def jac(self, x):
        return self.f_and_g(x)[1].copy()

    def cons(self, x):
        k = ("c", self._key(x))
        if k not in self._cache:
            self._cache[k] = np.asarray(self._c(jnp.asarray(x)), dtype=np.float64)
        return self._cache[k].copy()

    def cons_jac(self, x):
        k = ("jc", self._key(x))
        if k not in self._cache:
            self._cache[k] = np.asarray(self._jc(jnp.asarray(x)), dtype=np.float64)
        return self._cache[k].copy()


def run_optimizer(problem: Problem, method: str = "SLSQP", maxiter: int = 100, ftol: float = 1e-9,
                  on_iteration: Callable[[IterationRecord], None] | None = None,
                  stream=sys.stderr) -> OptimizationResult:
    """Run scipy's SLSQP or trust-constr with JAX gradients; print an iteration table to ``stream``."""
    if method not in ("SLSQP", "trust-constr"):
        raise ValueError(f"method = {method!r} is not one of ('SLSQP', 'trust-constr')")
    ev = _Evaluator(problem)
    bounds = so.Bounds(problem.lower, problem.upper)
    history: list[IterationRecord] = []
    t0 = time.perf_counter()
    print(f"{'iter':>5} {'objective':>14} {'max viol':>10} {'wall s':>8}", file=stream)

    def record(xk):
        c = ev.cons(xk)
        rec = IterationRecord(len(history), ev.fun(xk), float(max(0.0, -c.min())) if c.size else 0.0,
                              np.array(xk, dtype=np.float64), time.perf_counter() - t0)
        history.append(rec)
        print(f"{rec.iteration:>5d} {rec.objective:>14.6g} {rec.max_violation:>10.3g} {rec.wall_s:>8.2f}",
              file=stream, flush=True)
        if on_iteration is not None:
            on_iteration(rec)

    x0 = np.clip(np.asarray(problem.x0, dtype=np.float64), problem.lower, problem.upper)
    record(x0)
    if method == "SLSQP":
        res = so.minimize(ev.fun, x0, jac=ev.jac, method="SLSQP", bounds=bounds,
                          constraints=[{"type": "ineq", "fun": ev.cons, "jac": ev.cons_jac}],
                          options={"maxiter": maxiter, "ftol": ftol},
                          callback=lambda xk: record(xk))
    else:
        nlc = so.NonlinearConstraint(ev.cons, 0.0, np.inf, jac=ev.cons_jac)
        res = so.minimize(ev.fun, x0, jac=ev.jac, method="trust-constr", bounds=bounds, constraints=[nlc],
                          options={"maxiter": maxiter, "gtol": 1e-8, "xtol": 1e-10},
                          callback=lambda xk, state=None: record(xk))
    x = np.asarray(res.x, dtype=np.float64)
    if not history or not np.array_equal(history[-1].x, x):
        record(x)
    return OptimizationResult(
        x=x, objective=ev.fun(x), constraints=ev.cons(x), success=bool(res.success), message=str(res.message),
        n_iterations=int(getattr(res, "nit", len(history))), n_function_evals=ev.n_f,
        n_gradient_evals=ev.n_g, history=history, method=method,
    )


@dataclass
class PostCheck:
    feasible: bool
    violations: dict
    active: list
    multipliers: dict
    active_bounds: list
    kkt_residual: float


def post_check(problem: Problem, x, *, feasibility_tol: float = 1e-6, active_tol: float = 1e-4) -> PostCheck:
    """Re-evaluate at ``x``: feasibility, active constraints/bounds and KKT multipliers.

    Multipliers lambda >= 0 solve min || grad f - sum_i lambda_i grad g_i - bound terms ||
    over the active set (non-negative least squares), so they are reported the same
    way whatever optimiser produced ``x``.
    """
    x = np.asarray(x, dtype=np.float64)
    c = np.asarray(jax.jit(problem.constraints)(jnp.asarray(x)), dtype=np.float64)
    g = np.asarray(jax.grad(problem.objective)(jnp.asarray(x)), dtype=np.float64)
    jc = np.asarray(jax.jacrev(problem.constraints)(jnp.asarray(x)), dtype=np.float64)
    names = list(problem.constraint_names)
    violations = {names[i]: float(c[i]) for i in range(len(c)) if c[i] < -feasibility_tol}
    active = [i for i in range(len(c)) if abs(c[i]) <= active_tol]
    span = np.maximum(problem.upper - problem.lower, 1e-300)
    at_lo = [j for j in range(len(x)) if (x[j] - problem.lower[j]) <= active_tol * span[j]]
    at_hi = [j for j in range(len(x)) if (problem.upper[j] - x[j]) <= active_tol * span[j]]
    columns = [jc[i] for i in active] + [np.eye(len(x))[j] for j in at_lo] + [-np.eye(len(x))[j] for j in at_hi]
    if columns:
        A = np.stack(columns, axis=1)
        lam, resid = so.nnls(A, g)
    else:
        lam, resid = np.zeros(0), float(np.linalg.norm(g))
    mult = {names[i]: float(lam[k]) for k, i in enumerate(active)}
    bounds = [f"{problem.names[j]} at lower bound" for j in at_lo] + [f"{problem.names[j]} at upper bound" for j in at_hi]
    return PostCheck(not violations, violations, [names[i] for i in active], mult, bounds,
                     float(resid) / max(float(np.linalg.norm(g)), 1e-300))
