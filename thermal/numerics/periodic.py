"""Periodic steady state by shooting: the start state an orbit maps back onto itself.

An orbit map ``Phi(y0) = y(P; y0)`` (one period of a time integration from ``y0``) has a periodic
state where ``G(y0) = Phi(y0) - y0 = 0``.  :func:`periodic_state` finds it by Newton's method on
``G`` and differentiates it implicitly: a tangent costs one linear solve with ``dPhi/dy0 - I``
(the monodromy matrix less the identity), never backpropagation through the Newton iterations.
How the Newton systems are solved is the one choice, by the size of the state:

* :class:`DenseNewton`: ``optimistix.Newton``, the monodromy matrix formed column by column
  (forward mode through the march) and factorised; the implicit derivative through
  ``optimistix.ImplicitAdjoint``.  For a few states (the lumped loop of
  :func:`thermal.loop.periodic_loop`).
* :class:`NewtonKrylov`: matrix-free Newton-GMRES (one ``jax.linearize`` of the orbit map per
  Newton step, GMRES on its Jacobian-vector products, :func:`thermal.numerics.krylov.gmres`);
  the implicit derivative through :func:`orbit.solvers.implicit_root` with GMRES on the tangent
  system.  For a field (the FD radiator panel of :func:`thermal.radiator.solve_periodic`).

Both return the :class:`orbit.solvers.Convergence` record of the shooting: ``residual`` is
``max |G|`` at the last Newton iterate evaluated (:class:`DenseNewton`) or ``||G||_2`` at the
returned state (:class:`NewtonKrylov`).

References
----------
- Keller, H. B. (1968), *Numerical Methods for Two-Point Boundary-Value Problems*, Blaisdell
  (shooting).
- Kelley, C. T. (2003), *Solving Nonlinear Equations with Newton's Method*, SIAM (Newton-Krylov).
"""
from __future__ import annotations

from typing import Callable, Optional

import equinox as eqx
import jax
import jax.numpy as jnp
import optimistix as optx

from orbit.solvers import Convergence, implicit_root, root_find

from .krylov import gmres

__all__ = ["DenseNewton", "NewtonKrylov", "periodic_state"]


class DenseNewton(eqx.Module):
    """Newton with the dense monodromy matrix (``optimistix.Newton``): stop when the last update
    is within ``atol + rtol |y|`` and ``max |G| <= atol``; at most ``max_steps`` steps."""

    rtol: float = eqx.field(static=True)
    atol: float = eqx.field(static=True)
    max_steps: int = eqx.field(static=True)


class NewtonKrylov(eqx.Module):
    """Matrix-free Newton-GMRES: stop when ``||G||_2 <= tol`` (``tol`` may be traced); at most
    ``max_steps`` Newton steps.  Each step solves its system by unpreconditioned GMRES to
    ``krylov_rtol`` relative (``krylov_atol`` absolute) within ``krylov_max_iters`` steps; tangent
    and adjoint systems to ``adjoint_rtol`` within ``adjoint_max_iters``; ``restart`` is the GMRES
    cycle length."""

    tol: jax.Array
    adjoint_rtol: float
    restart: int = eqx.field(static=True)
    max_steps: int = eqx.field(static=True, default=20)
    krylov_rtol: float = 1e-3
    krylov_atol: Optional[jax.Array] = None
    krylov_max_iters: int = eqx.field(static=True, default=100)
    adjoint_max_iters: int = eqx.field(static=True, default=200)


def _newton_krylov(method: NewtonKrylov, g, x0):
    """Newton-GMRES on ``g`` from ``x0``: (x, Convergence(||g||_2 <= tol, ||g(x)||_2, steps))."""
    dtype = x0.dtype
    tol = method.tol
    atol = 0.1 * tol if method.krylov_atol is None else method.krylov_atol

    def cond(s):
        it, x, r, nr, kry = s
        return (nr > tol) & (it < method.max_steps)

    def body(s):
        it, x, r, nr, kry = s
        _, jv = jax.linearize(g, x)
        dx, inner = gmres(jv, -r, lambda v: v, jnp.zeros_like(x), rtol=method.krylov_rtol * jnp.ones((), dtype),
                          atol=atol, restart=method.restart, max_iters=method.krylov_max_iters)
        x = x + dx
        r = g(x)
        return it + 1, x, r, jnp.linalg.norm(r), kry + inner.iterations

    r0 = g(x0)
    it, x, r, nr, kry = jax.lax.while_loop(cond, body, (jnp.int32(0), x0, r0, jnp.linalg.norm(r0), 0))
    return x, Convergence(nr <= tol, nr, it)


def periodic_state(orbit_map: Callable, y0, args=None, *, method):
    """Periodic state ``y`` with ``orbit_map(y, args) = y``, by shooting (see the module docstring).

    Parameters
    ----------
    orbit_map : ``(y0, args) -> y(P)``, one period of the integration (same shape as ``y0``).
    y0 : Newton start (not differentiated).
    args : differentiable parameters (``orbit_map`` may also close over traced values).
    method : :class:`DenseNewton` or :class:`NewtonKrylov`.

    Returns
    -------
    ``(y, Convergence)``; ``y`` is differentiable with respect to ``args`` and whatever
    ``orbit_map`` closes over (implicit function theorem).
    """
    def shoot(y, a):
        return orbit_map(y, a) - y

    if isinstance(method, DenseNewton):
        return root_find(shoot, y0, args, solver=optx.Newton(rtol=method.rtol, atol=method.atol),
                         max_steps=method.max_steps)
    if not isinstance(method, NewtonKrylov):
        raise TypeError(f"method must be DenseNewton or NewtonKrylov, got {type(method).__name__}")

    def lin(mv, b):
        return gmres(mv, b, lambda v: v, jnp.zeros_like(b), rtol=method.adjoint_rtol, atol=0.0,
                     restart=method.restart, max_iters=method.adjoint_max_iters)[0]

    return implicit_root(lambda y: shoot(y, args), y0, lambda g, x0: _newton_krylov(method, g, x0), lin)
