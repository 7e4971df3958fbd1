"""Tridiagonal systems by the Thomas algorithm (LU without pivoting), batched, jit/vmap friendly.

Used by the fast preconditioners of the radiator panel (one tridiagonal system along y per x
mode, :func:`thermal.radiator.preconditioners.line_preconditioner`) and of the chip package (one
system through the thickness per lateral mode, :meth:`thermal.chip.ChipModel`), each factorised
once per preconditioner and applied at every Krylov step.

The factorisation is a forward ``lax.scan`` along axis 0, the solve a forward and a backward
scan; every other axis is a batch of independent systems.  It is a direct solve (no iteration,
nothing to converge), exact to round-off for the diagonally dominant and symmetric
positive-definite systems it is used for (no pivoting); autodiff through the scans is exact.

References
----------
- Golub, G. H. & Van Loan, C. F. (2013), *Matrix Computations*, 4th ed., Johns Hopkins,
  sec. 4.3 (tridiagonal LU, the Thomas algorithm).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

__all__ = ["thomas_factor", "thomas_solve"]


def thomas_factor(sub, diag, sup):
    """LU factors of tridiagonal systems along axis 0 (batched over the other axes).

    Parameters
    ----------
    sub : ``sub[j]`` multiplies ``u[j-1]`` (``sub[0]`` is ignored).
    diag : the diagonal.
    sup : ``sup[j]`` multiplies ``u[j+1]`` (``sup[-1]`` is ignored).

    Returns
    -------
    Factors for :func:`thomas_solve`: ``(sub with sub[0] = 0, c', 1 / pivot)``.
    """
    sub = sub.at[0].set(0)

    def fwd(cp_prev, el):
        a, b, c = el
        inv = 1.0 / (b - a * cp_prev)
        cp = c * inv
        return cp, (cp, inv)

    _, (cp, inv) = jax.lax.scan(fwd, jnp.zeros_like(diag[0]), (sub, diag, sup))
    return sub, cp, inv


def thomas_solve(factors, rhs):
    """Solve with :func:`thomas_factor` factors; ``rhs`` has the factors' shape."""
    sub, cp, inv = factors

    def fwd(d_prev, el):
        a, iv, r = el
        d = (r - a * d_prev) * iv
        return d, d

    _, d = jax.lax.scan(fwd, jnp.zeros_like(rhs[0]), (sub, inv, rhs))

    def bwd(x_next, el):
        c, di = el
        x = di - c * x_next
        return x, x

    _, x = jax.lax.scan(bwd, jnp.zeros_like(rhs[0]), (cp, d), reverse=True)
    return x
