"""thermal.numerics: linear-algebra kernels shared by the thermal solvers.

- right-preconditioned restarted GMRES (:mod:`thermal.numerics.krylov`), used by the radiator
  panel's Newton-Krylov solves and the chip's k(T) tangent solves
"""
from .krylov import gmres

__all__ = ["gmres"]
