"""Implicit solves shared by every package: one wrapper per kind, one convergence record.

Every implicit solve in sunsink reports how it ended with the same small record,
:class:`Convergence` (``converged``, ``residual``, ``iterations``), and is differentiated by
the implicit function theorem: the derivative of a converged solve costs one tangent (or
adjoint) linear solve with the Jacobian at the solution, never backpropagation through the
iterations.  The wrappers are thin layers over the libraries that do the work:

* :func:`root_find`: a nonlinear root with an ``optimistix`` root finder (``Newton``,
  ``Bisection``, ...), differentiated by ``optimistix.ImplicitAdjoint`` (a linear solve with
  the Jacobian, through ``lineax``);
* :func:`implicit_root`: a nonlinear root found by the caller's own iteration (a matrix-free
  Newton-Krylov on a temperature field, a Picard iteration, a few Newton steps on a spline),
  with the derivative attached by ``jax.lax.custom_root`` and the tangent system solved by the
  caller's linear solver inside ``jax.lax.custom_linear_solve`` (so reverse mode solves the
  transposed system with it too);
* :func:`fixed_point`: ``y = F(y)`` with an ``optimistix`` fixed-point solver, differentiated by
  ``optimistix.ImplicitAdjoint`` (a linear solve with ``I - dF/dy``).

``thermal`` adds its own field solvers on top of these (Krylov and tridiagonal linear solves,
periodic shooting: :mod:`thermal.numerics`); ``thermal``, ``power`` and ``radiation`` all import
this module, which is why it lives in ``orbit`` (the dependency rule lets them share only
``orbit``).

What ``residual`` means
-----------------------
The size of the residual the solver *last evaluated*, in the norm and scaling of the function it
was given (each result type says which).  Loops that test the residual after each update (the
hand-written Newton-Krylov, Krylov solves, Picard) report the residual of the value they return;
``optimistix``'s Newton tests ``|f(y_k)|`` and then takes one more update, so :func:`root_find`
reports ``max |f(y_k)|`` of that last tested iterate (the returned value is one Newton step
further, its residual smaller still) and costs no extra evaluation of ``f``.

References
----------
- Kidger, P. et al., optimistix and lineax (2023-2024), https://github.com/patrick-kidger/optimistix
  (root finding and fixed points with implicit adjoints).
- Blondel, M. et al. (2022), "Efficient and modular implicit differentiation", NeurIPS 35
  (the implicit function theorem for solver outputs; ``jax.lax.custom_root``).
"""
from __future__ import annotations

from typing import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import optimistix as optx

__all__ = ["Convergence", "root_find", "implicit_root", "fixed_point", "max_norm"]


class Convergence(eqx.Module):
    """How an implicit solve ended (arrays: batched solves give batched records).

    Attributes
    ----------
    converged : bool array, the solver's own test passed within its iteration cap.
    residual : float array, size of the residual the solver last evaluated (the solve's result
        type says in which norm and scaling; see the module docstring).
    iterations : integer array, iterations taken (Newton steps, Krylov steps, Picard steps...).
    """

    converged: jax.Array
    residual: jax.Array
    iterations: jax.Array

    def __init__(self, converged, residual, iterations):
        self.converged = jnp.asarray(converged, bool)
        self.residual = jnp.asarray(residual)
        self.iterations = jnp.asarray(iterations)

    def reduce(self, axis=None) -> "Convergence":
        """One record for a batch of solves (over ``axis`` of a batched record, all axes with ``None``):
        converged when every solve is, the largest residual, the total iterations.  Meant for solves
        of one kind whose residuals share a scaling (the steps of a transient, a batch of chips)."""
        return Convergence(jnp.all(self.converged, axis=axis), jnp.max(self.residual, axis=axis),
                           jnp.sum(self.iterations, axis=axis))

    def as_floats(self, dtype) -> jax.Array:
        """This record as one float array, fields stacked on a new leading axis (for ``custom_root``
        aux, whose JVP rule mishandles integer and boolean aux tangents)."""
        fields = (self.converged, self.residual, self.iterations)
        shape = jnp.broadcast_shapes(*(jnp.shape(f) for f in fields))
        return jnp.stack([jnp.broadcast_to(jnp.asarray(f).astype(dtype), shape) for f in fields])

    @staticmethod
    def from_floats(aux) -> "Convergence":
        """Inverse of :meth:`as_floats`."""
        aux = jax.lax.stop_gradient(aux)
        return Convergence(aux[0] > 0.5, aux[1], aux[2].astype(jnp.int32))


def max_norm(tree) -> jax.Array:
    """Largest absolute entry of a pytree of arrays (0 for an empty one)."""
    leaves = [jnp.max(jnp.abs(x)) for x in jax.tree_util.tree_leaves(tree) if jnp.size(x)]
    return jnp.max(jnp.stack(leaves)) if leaves else jnp.zeros(())


def root_find(fn: Callable, y0, args=None, *, solver: optx.AbstractRootFinder, max_steps: int, options=None,
              has_aux: bool = False):
    """Root of ``fn(y, args) = 0`` with an ``optimistix`` root finder; implicit derivatives.

    Parameters
    ----------
    fn : ``fn(y, args) -> residual`` (same structure as ``y``), or ``(residual, aux)`` with
        ``has_aux``.
    y0 : start (not differentiated).
    args : differentiable parameters (``fn`` may also close over traced values).
    solver : e.g. ``optimistix.Newton(rtol, atol)`` or ``optimistix.Bisection(rtol, atol)``.
    max_steps : iteration cap; running into it is reported, never raised.
    options : solver options (``lower``/``upper`` for ``Bisection``).

    Returns
    -------
    ``(y, Convergence)`` (``(y, aux, Convergence)`` with ``has_aux``; ``aux`` of the last
    iterate evaluated).  ``residual`` is ``max |fn|`` at the last iterate the solver evaluated.
    Gradients: ``optimistix.ImplicitAdjoint`` (one linear solve with ``d fn / dy`` at the root).
    """
    def wrapped(y, a):
        out = fn(y, a)
        f, aux = out if has_aux else (out, None)
        return f, (aux, max_norm(f))

    sol = optx.root_find(wrapped, solver, y0, args, options=options, has_aux=True, max_steps=max_steps,
                         throw=False)
    aux, last = sol.aux
    conv = Convergence(sol.result == optx.RESULTS.successful, jax.lax.stop_gradient(last), sol.stats["num_steps"])
    return (sol.value, aux, conv) if has_aux else (sol.value, conv)


def fixed_point(fn: Callable, y0, args=None, *, solver: optx.AbstractFixedPointSolver, max_steps: int):
    """Fixed point ``y = fn(y, args)`` with an ``optimistix`` fixed-point solver.

    Returns ``(y, Convergence)``; ``residual`` is ``max |fn(y) - y|`` at the last iterate evaluated
    (the size of the last update).  Gradients: ``optimistix.ImplicitAdjoint`` (one linear solve with
    ``I - d fn / dy``); a caller whose fixed point is better differentiated through another
    equation with the same solution attaches that with :func:`implicit_root` (the chip's k(T)
    Picard iteration does).
    """
    def wrapped(y, a):
        out = fn(y, a)
        return out, max_norm(jax.tree_util.tree_map(lambda u, v: u - v, out, y))

    sol = optx.fixed_point(wrapped, solver, y0, args, has_aux=True, max_steps=max_steps, throw=False)
    conv = Convergence(sol.result == optx.RESULTS.successful, jax.lax.stop_gradient(sol.aux),
                       sol.stats["num_steps"])
    return sol.value, conv


def implicit_root(residual: Callable, x0, solve: Callable, linear_solve: Callable, *,
                  transpose_solve: Callable | None = None, has_aux: bool = False):
    """Root of ``residual(x) = 0`` found by the caller's ``solve``, differentiated implicitly.

    Parameters
    ----------
    residual : ``x -> r`` (same shape as ``x``); it closes over the differentiable parameters.
    x0 : start of ``solve`` (not differentiated).
    solve : ``solve(residual, x0) -> (x, Convergence)`` (one record, or one per element of an
        elementwise problem), or
        ``(x, Convergence, aux)`` with ``has_aux`` (``aux`` a float array of counts or
        diagnostics, not differentiated): any iteration, never differentiated.
    linear_solve : ``linear_solve(matvec, b) -> x`` with ``matvec`` the Jacobian
        ``d residual / dx`` at the root: the tangent system of forward mode.
    transpose_solve : the same for the transposed Jacobian (reverse mode); default
        ``linear_solve`` (a Krylov solver that only sees ``matvec`` serves both).

    Returns
    -------
    ``(x, Convergence)`` (``(x, Convergence, aux)`` with ``has_aux``).  The derivative of ``x``
    costs one ``linear_solve`` per tangent (one ``transpose_solve`` per cotangent), by
    ``jax.lax.custom_root`` with the tangent system inside ``jax.lax.custom_linear_solve``.
    """
    def solve_aux(f, x_start):
        out = solve(f, x_start)
        x, conv = out[0], out[1]
        floats = conv.as_floats(jnp.result_type(x))
        return x, ((floats, out[2]) if has_aux else floats)

    tsolve = linear_solve if transpose_solve is None else transpose_solve
    x, aux = jax.lax.custom_root(residual, x0, solve_aux,
                                 lambda g, y: jax.lax.custom_linear_solve(g, y, linear_solve, tsolve),
                                 has_aux=True)
    if has_aux:
        return x, Convergence.from_floats(aux[0]), jax.lax.stop_gradient(aux[1])
    return x, Convergence.from_floats(aux)
