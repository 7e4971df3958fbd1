"""Fast cell-centred Poisson solve with homogeneous Neumann edges (DCT-II), used as
the preconditioner of the radiator-panel Krylov solves.

On a cell-centred grid of ``ny x nx`` cells with spacings ``dy``, ``dx`` the 5-point
operator  P u = -kt (D_xx + D_yy) u + c u  with insulated (zero-flux) edges is
diagonalised by the type-II discrete cosine transform; its eigenvalues are

    lambda_{m,n} = kt [(2 - 2 cos(pi n / nx)) / dx^2 + (2 - 2 cos(pi m / ny)) / dy^2] + c.

Applying P^{-1} therefore costs two 2-D DCTs, O(N log N) for N cells.

References
----------
- Strang, G. (1999), "The discrete cosine transform", SIAM Review 41(1), 135-147
  (DCT-II as the eigenbasis of the Neumann second-difference matrix).
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jax.scipy.fft import dctn, idctn

DENSE_MAX_FLOPS = 1 << 22
"""Grids with nx ny (nx + ny) up to this use dense orthonormal DCT matrices
(cheaper to compile than the FFT path and as fast at these sizes)."""


def _dct_matrix(n: int):
    k = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    c = np.sqrt(2.0 / n) * np.cos(np.pi * k * (2 * j + 1) / (2 * n))
    c[0] *= np.sqrt(0.5)
    return c


def neumann_eigenvalues(n: int, h, dtype):
    """Eigenvalues [1/m^2] of the 1-D cell-centred Neumann second difference -D_hh."""
    m = jnp.arange(n, dtype=dtype)
    return (2.0 - 2.0 * jnp.cos(jnp.pi * m / n)) / (h * h)


def poisson_dct_inverse(r, kt_w_k, shift_w_m2_k, dx_m, dy_m):
    """Apply (-kt Laplacian_h + c)^{-1} with Neumann edges to the field ``r`` (ny, nx).

    Parameters
    ----------
    r : right-hand side (ny, nx) [W/m^2].
    kt_w_k : sheet conductance k t [W/K], a positive scalar.
    shift_w_m2_k : diagonal shift c [W/(m^2 K)], a positive scalar.
    dx_m, dy_m : cell sizes [m].

    Returns
    -------
    u (ny, nx) [K] with P u = r.
    """
    ny, nx = r.shape
    lx = neumann_eigenvalues(nx, dx_m, r.dtype)
    ly = neumann_eigenvalues(ny, dy_m, r.dtype)
    denom = kt_w_k * (ly[:, None] + lx[None, :]) + shift_w_m2_k
    if nx * ny * (nx + ny) <= DENSE_MAX_FLOPS:
        cx = jnp.asarray(_dct_matrix(nx), r.dtype)
        cy = jnp.asarray(_dct_matrix(ny), r.dtype)
        rh = cy @ r @ cx.T
        return cy.T @ (rh / denom) @ cx
    rh = dctn(r, type=2, norm="ortho")
    return idctn(rh / denom, type=2, norm="ortho")
