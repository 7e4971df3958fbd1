"""thermal.numerics: the linear and periodic solvers shared by the thermal field solvers.

One module per kind of solve, each reporting how it ended with :class:`orbit.solvers.Convergence`
(the nonlinear-root and fixed-point wrappers that ``power`` and ``radiation`` share live in
:mod:`orbit.solvers`):

- Krylov linear solves (:mod:`thermal.numerics.krylov`): right-preconditioned restarted GMRES,
  preconditioned CG, and :func:`linear_solve` (either as a differentiable linear solve)
- tridiagonal systems by the Thomas algorithm (:mod:`thermal.numerics.tridiagonal`), the core of
  the radiator's and the chip's fast preconditioners
- periodic steady state by shooting (:mod:`thermal.numerics.periodic`): dense or matrix-free
  Newton on ``y(P; y0) - y0``, differentiated implicitly (the lumped loop's and the FD panel's
  orbit-periodic solves)
"""
from .krylov import cg, gmres, linear_solve
from .periodic import DenseNewton, NewtonKrylov, periodic_state
from .tridiagonal import thomas_factor, thomas_solve

__all__ = ["cg", "gmres", "linear_solve", "DenseNewton", "NewtonKrylov", "periodic_state", "thomas_factor",
           "thomas_solve"]
