"""Fast separable solvers used as preconditioners of the radiator-panel Krylov solves.

1. ``poisson_dct_inverse``: constant-coefficient cell-centred Poisson operator with
   homogeneous Neumann edges, inverted by a 2-D DCT-II (the original preconditioner).
2. ``line_preconditioner``: "x-transform + y-line" solver.  The operator

       P u = -kt(y) D_xx u + K_y u

   with ``kt(y)`` a per-row sheet conductance and ``K_y`` ANY tridiagonal operator
   acting along y (conduction across the tubes with the true face conductances,
   radiation/mass diagonal, the tube-to-sheet coupling through the hat weights and
   the x-averaged coolant feedback) is diagonalised along x by a DCT-II (Neumann
   edges) or a DST-IV (Dirichlet fin base at x = 0, Neumann at x = L).  Per x mode m
   it leaves one tridiagonal system along y,  (K_y + kt(y) lambda_m) u_m = r_m,
   solved by the Thomas algorithm (:mod:`thermal.numerics.tridiagonal`, factorised once
   per preconditioner, O(N) per application).  It is the exact inverse of the x-invariant part of the
   radiator Jacobian, so it sees the tube lines exactly (the DCT-Poisson one only
   sees their mean).

On a cell-centred grid of ``ny x nx`` cells with spacings ``dy``, ``dx`` the 5-point
operator  P u = -kt (D_xx + D_yy) u + c u  with insulated (zero-flux) edges is
diagonalised by the type-II discrete cosine transform; its eigenvalues are

    lambda_{m,n} = kt [(2 - 2 cos(pi n / nx)) / dx^2 + (2 - 2 cos(pi m / ny)) / dy^2] + c.

Applying P^{-1} therefore costs two 2-D DCTs, O(N log N) for N cells.

References
----------
- Strang, G. (1999), "The discrete cosine transform", SIAM Review 41(1), 135-147
  (DCT-II as the eigenbasis of the Neumann second-difference matrix; DST-IV for
  the Dirichlet-Neumann one).
- Swarztrauber, P. N. (1977), "The methods of cyclic reduction, Fourier analysis and
  the FACR algorithm for the discrete solution of Poisson's equation on a
  rectangle", SIAM Review 19(3), 490-501 (Fourier transform in one direction,
  tridiagonal solves in the other).
- Makhoul, J. (1980), "A fast cosine transform in one and two dimensions", IEEE
  Trans. ASSP 28(1), 27-34 (DCT-II by one real FFT of a permuted sequence).
- Golub, G. H. & Van Loan, C. F. (2013), *Matrix Computations*, 4th ed., sec. 4.3
  (tridiagonal LU / Thomas algorithm).
"""
from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from ..numerics.tridiagonal import thomas_factor, thomas_solve

DENSE_MAX_FLOPS = 1 << 22
"""Grids with nx ny (nx + ny) up to this use dense orthonormal DCT matrices
(cheaper to compile than the FFT path and as fast at these sizes)."""


def _dct_matrix(n: int):
    k = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    c = np.sqrt(2.0 / n) * np.cos(np.pi * k * (2 * j + 1) / (2 * n))
    c[0] *= np.sqrt(0.5)
    return c


def dct2_ortho(x):
    """Orthonormal DCT-II along the last axis via one real FFT (Makhoul 1980).

    (``jax.scipy.fft.dct`` is an order of magnitude slower on the CPU.)"""
    n = x.shape[-1]
    v = jnp.concatenate([x[..., 0::2], x[..., 1::2][..., ::-1]], axis=-1)
    k = jnp.arange(n // 2 + 1, dtype=x.dtype)
    W = jnp.fft.rfft(v, axis=-1) * jnp.exp(-0.5j * jnp.pi * k / n)
    y = jnp.concatenate([W.real, -W.imag[..., 1:(n + 1) // 2][..., ::-1]], axis=-1)
    scale = jnp.full((n,), math.sqrt(2.0 / n), x.dtype).at[0].set(math.sqrt(1.0 / n))
    return y * scale


def idct2_ortho(y):
    """Inverse of :func:`dct2_ortho` (orthonormal DCT-III) along the last axis."""
    n = y.shape[-1]
    scale = jnp.full((n,), math.sqrt(2.0 / n), y.dtype).at[0].set(math.sqrt(1.0 / n))
    Y = y / scale
    k = jnp.arange(n // 2 + 1)
    Yr = jnp.concatenate([jnp.zeros(Y.shape[:-1] + (1,), Y.dtype), Y[..., ::-1]], axis=-1)  # Yr[k] = Y[n-k]
    W = Y[..., : n // 2 + 1] - 1j * Yr[..., : n // 2 + 1]
    V = W * jnp.exp(0.5j * jnp.pi * k.astype(y.dtype) / n)
    v = jnp.fft.irfft(V, n=n, axis=-1)
    h = (n + 1) // 2
    even, odd = v[..., :h], v[..., h:][..., ::-1]
    if n % 2:
        odd = jnp.concatenate([odd, jnp.zeros(odd.shape[:-1] + (1,), odd.dtype)], axis=-1)
    return jnp.stack([even, odd], axis=-1).reshape(v.shape[:-1] + (2 * h,))[..., :n]


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
    rh = dct2_ortho(dct2_ortho(r).T).T
    return idct2_ortho(idct2_ortho(rh / denom).T).T


DENSE_1D_MAX = 128
"""Transforms along x of length up to this use a dense orthonormal matrix."""


def _dst4_matrix(n: int):
    k = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    return np.sqrt(2.0 / n) * np.sin(np.pi * (2 * k + 1) * (2 * j + 1) / (4 * n))


def x_transform(nx: int, dx_m, dtype, dirichlet_west: bool):
    """Orthonormal transform along x (last axis) that diagonalises -D_xx.

    Returns (forward, inverse, eigenvalues [1/m^2] (nx,)).  Neumann at both ends:
    DCT-II; Dirichlet at the x = 0 face and Neumann at x = L: DST-IV (dense).
    """
    m = jnp.arange(nx, dtype=dtype)
    if dirichlet_west:
        theta = jnp.pi * (m + 0.5) / nx
        lam = (2.0 - 2.0 * jnp.cos(theta)) / (dx_m * dx_m)
        S = jnp.asarray(_dst4_matrix(nx), dtype)  # symmetric and orthogonal
        return (lambda r: r @ S), (lambda u: u @ S), lam
    lam = neumann_eigenvalues(nx, dx_m, dtype)
    if nx <= DENSE_1D_MAX:
        C = jnp.asarray(_dct_matrix(nx), dtype)
        return (lambda r: r @ C.T), (lambda u: u @ C), lam
    return dct2_ortho, idct2_ortho, lam


def line_preconditioner(sub_y, diag_y, sup_y, kt_y, nx: int, dx_m, dirichlet_west: bool):
    """Build u = P^{-1} r for P = -kt(y) D_xx + K_y (see the module docstring).

    Parameters
    ----------
    sub_y, diag_y, sup_y : (ny,) the tridiagonal y operator K_y [W/(m^2 K)]
        (sub_y[j] couples row j to row j-1, sup_y[j] to row j+1).
    kt_y : (ny,) sheet conductance per row [W/K].
    nx : cells along x.
    dx_m : cell length along x [m].
    dirichlet_west : the x = 0 edge is a Dirichlet (fin base) edge.

    Returns
    -------
    A function (ny, nx) [W/m^2] -> (ny, nx) [K]; the Thomas factors of all nx
    mode systems are computed once, here.
    """
    fwd, inv, lam = x_transform(nx, dx_m, diag_y.dtype, dirichlet_west)
    d = diag_y[:, None] + kt_y[:, None] * lam[None, :]
    a = jnp.broadcast_to(sub_y[:, None], d.shape)
    c = jnp.broadcast_to(sup_y[:, None], d.shape)
    factors = thomas_factor(a, d, c)

    def apply(r):
        return inv(thomas_solve(factors, fwd(r)))

    return apply
