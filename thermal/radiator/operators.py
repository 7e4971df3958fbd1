"""Discrete operators of the radiator-panel finite-difference model (private).

Grid: ``ny x nx`` cells, cell-centred, x along the panel length (the tube
direction), y across its width.  Cell (j, i) has centre ((i+1/2) dx, (j+1/2) dy).

Sheet balance per unit planform area [W/m^2] (written with the sign that makes
the sheet part of the Jacobian symmetric positive definite):

    F(T) = -div(k t grad T) + sum_f eps_f sigma T^4 - sum_f (alpha_f S_f + eps_f L_f)
           - q_source - (1/dy) sum_k w_k(y) q'_k(x)  = 0

with face conductances the harmonic mean of the two cells' k t (conservative,
second order for smooth k t), insulated edges, and optionally a Dirichlet
"fin base" on the x = 0 edge.

Tubes are lines y = y_k along x.  Each tube couples to the sheet through hat
(linear-interpolation) weights w_k(y_j) = max(0, 1 - |y_j - y_k| / dy): the
sheet temperature seen by the tube is the interpolant sum_j w_kj T_j and the
tube's heat per length q'_k is spread back with the same weights (adjoint
pair, so the coupling is symmetric and continuous in the tube position).
The interpolant of a temperature field with a kink under the line source
under-reads the peak by (q' / k t) dy w_j w_{j+1}; this local sheet
resistance is added in series with the tube-to-sheet conductance, which keeps
the scheme second order (verified by the manufactured-solution test):

    1 / h_eff = 1 / h' + dy w_j w_{j+1} / (k t)_tube.

Pumped coolant (quasi-steady, no fluid heat capacity): per cell along the flow,
mdot c_p (T_{f,i+1/2} - T_{f,i-1/2}) = -q'_i dx,
q'_i = h_eff ((T_{f,i-1/2} + T_{f,i+1/2}) / 2 - T_{s,i})
(the trapezoidal/midpoint rule, second order).  The recurrence is linear in the
sheet temperature and is eliminated exactly by a parallel prefix (associative)
scan, so the Newton unknowns are the sheet temperatures only.

References
----------
- Patankar, S. V. (1980), *Numerical Heat Transfer and Fluid Flow*, ch. 4
  (harmonic-mean interface conductances, conservative cell-centred FV).
- Peskin, C. S. (2002), "The immersed boundary method", Acta Numerica 11,
  479-517 (spreading/interpolation with one discrete delta kernel).
- Blelloch, G. E. (1990), "Prefix sums and their applications", CMU-CS-90-190
  (associative scan of first-order linear recurrences).
"""
from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp

from orbit.constants import STEFAN_BOLTZMANN_W_M2_K4 as SIGMA

K_REFERENCE_TEMPERATURE_K = 300.0
"""Temperature [K] at which ``conductivity_w_m_k`` is given when k(T) is linear."""


def harmonic(a, b):
    return 2.0 * a * b / (a + b)


def sheet_conductance(k0, k1, thickness_m, T):
    """Cell conductance k(T) t [W/K], shape of T."""
    k = k0 + k1 * (T - K_REFERENCE_TEMPERATURE_K)
    return k * thickness_m


def neg_divergence(T, kt, dx, dy, base_temperature_k=None):
    """-div(k t grad T) per unit area [W/m^2], insulated edges except an optional
    Dirichlet base on the x = 0 edge; also returns the heat entering at the base [W/m of width]."""
    qx = harmonic(kt[:, 1:], kt[:, :-1]) * (T[:, 1:] - T[:, :-1]) / dx  # k t dT/dx on interior x faces
    qy = harmonic(kt[1:, :], kt[:-1, :]) * (T[1:, :] - T[:-1, :]) / dy
    ny, nx = T.shape
    zx = jnp.zeros((ny, 1), T.dtype)
    zy = jnp.zeros((1, nx), T.dtype)
    if base_temperature_k is None:
        west = zx
    else:
        west = kt[:, :1] * (T[:, :1] - base_temperature_k) / (0.5 * dx)
    qx_all = jnp.concatenate([west, qx, zx], axis=1)
    qy_all = jnp.concatenate([zy, qy, zy], axis=0)
    div = (qx_all[:, 1:] - qx_all[:, :-1]) / dx + (qy_all[1:, :] - qy_all[:-1, :]) / dy
    base_heat_w_m = -west[:, 0]  # heat flowing into the sheet through the base, per unit width
    return -div, base_heat_w_m


def tube_positions_m(width_m, pitch_m, n_tubes: int, dtype):
    k = jnp.arange(n_tubes, dtype=dtype)
    return 0.5 * width_m + (k - 0.5 * (n_tubes - 1)) * pitch_m


def tube_weights(width_m, pitch_m, n_tubes: int, ny: int, dtype):
    """Hat weights (n_tubes, ny) and the local kink factor dy * sum_j w_j w_{j+1} [m]."""
    dy = width_m / ny
    yc = (jnp.arange(ny, dtype=dtype) + 0.5) * dy
    yk = tube_positions_m(width_m, pitch_m, n_tubes, dtype)
    w = jnp.clip(1.0 - jnp.abs(yc[None, :] - yk[:, None]) / dy, 0.0, None)
    kink_m = dy * jnp.sum(w[:, :-1] * w[:, 1:], axis=1)
    return w, kink_m


def affine_scan(a, b, x0):
    """x_{i+1} = a_i x_i + b_i along the last axis; returns x_1..x_n (same shape as a).

    Blocked two-level scan: the sequence is cut into ~sqrt(n) blocks, each block's
    local prefix maps are built by one short sequential scan vectorised over the
    blocks, the block-start values by a second short scan, so the sequential depth
    is ~2 sqrt(n) and the work O(n).
    """
    n = a.shape[-1]
    bs = max(1, int(math.ceil(math.sqrt(n))))
    nb = -(-n // bs)
    pad = nb * bs - n
    lead = a.shape[:-1]
    if pad:
        a = jnp.concatenate([a, jnp.ones(lead + (pad,), a.dtype)], axis=-1)
        b = jnp.concatenate([b, jnp.zeros(lead + (pad,), b.dtype)], axis=-1)
    ab = jnp.moveaxis(a.reshape(lead + (nb, bs)), -1, 0)  # (bs, ..., nb)
    bb = jnp.moveaxis(b.reshape(lead + (nb, bs)), -1, 0)

    def local(carry, el):
        A, B = carry
        ai, bi = el
        A, B = ai * A, ai * B + bi
        return (A, B), (A, B)

    init = (jnp.ones(lead + (nb,), a.dtype), jnp.zeros(lead + (nb,), a.dtype))
    _, (A, B) = jax.lax.scan(local, init, (ab, bb))  # (bs, ..., nb)

    def across(x, el):
        Aend, Bend = el
        return Aend * x + Bend, x

    _, x_start = jax.lax.scan(across, x0, (jnp.moveaxis(A[-1], -1, 0), jnp.moveaxis(B[-1], -1, 0)))
    x_start = jnp.moveaxis(x_start, 0, -1)  # (..., nb)
    x = A * x_start[None] + B  # (bs, ..., nb)
    x = jnp.moveaxis(x, 0, -1).reshape(lead + (nb * bs,))
    return x[..., :n]


def pumped_tube(ts_flow, h_eff_flow, dx, mdot_cp, t_in):
    """Fluid temperatures on the n+1 cell faces along the flow and heat per length q' [W/m].

    ts_flow, h_eff_flow : (..., n) in flow order; mdot_cp, t_in : (...,).
    """
    beta = h_eff_flow * dx / mdot_cp[..., None]
    den = 1.0 + 0.5 * beta
    a = (1.0 - 0.5 * beta) / den
    b = beta * ts_flow / den
    tf_tail = affine_scan(a, b, t_in)
    tf = jnp.concatenate([t_in[..., None], tf_tail], axis=-1)
    q = h_eff_flow * (0.5 * (tf[..., 1:] + tf[..., :-1]) - ts_flow)
    return tf, q


def coolant_network(ts, h_eff, dx, mdot_cp, t_in, arrangement: str):
    """Solve all pumped tubes given the sheet temperature under them.

    ts, h_eff : (n_tubes, nx) in x order.  mdot_cp [W/K] per tube, t_in [K] scalars.
    arrangement : 'parallel' (all +x, same inlet), 'counterflow' (alternate
    directions, same inlet), 'serpentine' (one circuit: tube k's outlet feeds
    tube k+1, alternate directions).

    Returns
    -------
    tf (n_tubes, nx+1) along each tube's flow; q' (n_tubes, nx) [W/m] in x order;
    outlet temperature per tube (n_tubes,); the panel outlet temperature (mixed
    for parallel/counterflow, the last tube for serpentine).
    """
    n = ts.shape[0]
    reverse = jnp.asarray([(k % 2 == 1) and arrangement != "parallel" for k in range(n)])
    if arrangement in ("parallel", "counterflow"):
        ts_f = jnp.where(reverse[:, None], ts[:, ::-1], ts)
        h_f = jnp.where(reverse[:, None], h_eff[:, ::-1], h_eff)
        tin = jnp.broadcast_to(t_in, (n,)).astype(ts.dtype)
        mc = jnp.broadcast_to(mdot_cp, (n,)).astype(ts.dtype)
        tf, q_f = pumped_tube(ts_f, h_f, dx, mc, tin)
        q = jnp.where(reverse[:, None], q_f[:, ::-1], q_f)
        outlets = tf[:, -1]
        return tf, q, outlets, jnp.mean(outlets)
    # serpentine: one recurrence along the whole circuit (tube k+1 continues tube k)
    nx = ts.shape[1]
    flip = lambda v, k: v[::-1] if k % 2 == 1 else v  # noqa: E731
    ts_f = jnp.concatenate([flip(ts[k], k) for k in range(n)])
    h_f = jnp.concatenate([flip(h_eff[k], k) for k in range(n)])
    tin = jnp.asarray(t_in, ts.dtype)
    mc = jnp.asarray(mdot_cp, ts.dtype)
    tf_all, q_all = pumped_tube(ts_f, h_f, dx, mc, tin)
    q_f = q_all.reshape(n, nx)
    q = jnp.stack([flip(q_f[k], k) for k in range(n)])
    faces = tf_all[1:].reshape(n, nx)
    starts = jnp.concatenate([tin[None], faces[:-1, -1]])
    tf = jnp.concatenate([starts[:, None], faces], axis=1)
    return tf, q, tf[:, -1], tf[-1, -1]


def emission_w_m2(T, emissivity, linearize_about_k=None):
    """Emitted flux per face (2, ny, nx) [W/m^2]; optionally linearised about a temperature."""
    if linearize_about_k is None:
        t4 = T**4
    else:
        tl = jnp.asarray(linearize_about_k, T.dtype)
        t4 = tl**4 + 4.0 * tl**3 * (T - tl)
    return emissivity[:, None, None] * SIGMA * t4[None]


# ----------------------------------------------------------------------------- fast sheet operator
# The sheet part of the residual, -div(k(T) t grad T) + (sum_f eps_f) sigma T^4, carries
# a hand-written JVP: its tangent is a variable-coefficient 5-point stencil plus a
# diagonal, with all coefficients (face conductances, their k(T) derivative terms and
# 4 sigma eps T^3) computed once per linearisation point.  jax.linearize then stores
# those few coefficient fields and each Jacobian-vector product is one fused stencil
# pass (about 8x cheaper than the automatically linearised graph of the same residual).
# Tangents with respect to the design parameters fall back to ordinary autodiff.


def _t4(T, linearize_about_k):
    if linearize_about_k is None:
        return T**4
    tl = jnp.asarray(linearize_about_k, T.dtype)
    return tl**4 + 4.0 * tl**3 * (T - tl)


def _dt4(T, linearize_about_k):
    if linearize_about_k is None:
        return 4.0 * T**3
    tl = jnp.asarray(linearize_about_k, T.dtype)
    return jnp.broadcast_to(4.0 * tl**3, T.shape)


def _sheet_plain(theta, t_ref, k0, k1, thick, dx, dy, base_theta, emis_coef, linearize_about_k, has_base):
    T = theta + t_ref
    kt = sheet_conductance(k0, k1, thick, T)
    negdiv, _ = neg_divergence(theta, kt, dx, dy, base_theta if has_base else None)
    return negdiv + emis_coef * SIGMA * _t4(T, linearize_about_k)


@functools.partial(jax.custom_jvp, nondiff_argnums=(9, 10))
def sheet_residual(theta, t_ref, k0, k1, thick, dx, dy, base_theta, emis_coef, linearize_about_k, has_base):
    """-div(k t grad T) + emis_coef sigma T^4 [W/m^2] with T = theta + t_ref (differences
    taken from theta); ``base_theta`` is the Dirichlet base (minus t_ref) when ``has_base``."""
    return _sheet_plain(theta, t_ref, k0, k1, thick, dx, dy, base_theta, emis_coef, linearize_about_k, has_base)


def _sheet_tangent(theta, t_ref, k0, k1, thick, dx, dy, base_theta, emis_coef, linearize_about_k, has_base, v):
    T = theta + t_ref
    kt = sheet_conductance(k0, k1, thick, T)
    ktp = jnp.broadcast_to(k1 * thick, T.shape)  # d(k t)/dT

    def face(kl, kr, pl, pr, gl, gr, h):
        s = kl + kr
        H = 2.0 * kl * kr / s
        grad = (gr - gl) / h
        cl = 2.0 * kr * kr / (s * s) * pl * grad  # dH/dk_l k'_l dT/dn
        cr = 2.0 * kl * kl / (s * s) * pr * grad
        return H / h, cl, cr

    Hx, clx, crx = face(kt[:, :-1], kt[:, 1:], ktp[:, :-1], ktp[:, 1:], theta[:, :-1], theta[:, 1:], dx)
    Hy, cly, cry = face(kt[:-1, :], kt[1:, :], ktp[:-1, :], ktp[1:, :], theta[:-1, :], theta[1:, :], dy)
    qx = Hx * (v[:, 1:] - v[:, :-1]) + clx * v[:, :-1] + crx * v[:, 1:]
    qy = Hy * (v[1:, :] - v[:-1, :]) + cly * v[:-1, :] + cry * v[1:, :]
    qx = jnp.pad(qx, ((0, 0), (1, 1)))
    qy = jnp.pad(qy, ((1, 1), (0, 0)))
    div = (qx[:, 1:] - qx[:, :-1]) / dx + (qy[1:, :] - qy[:-1, :]) / dy
    if has_base:
        # west Dirichlet face: flux k t (theta_0 - base) / (dx/2) leaves cell 0 through x = 0
        wcoef = (kt[:, :1] + ktp[:, :1] * (theta[:, :1] - base_theta)) / (0.5 * dx * dx)
        div = div.at[:, :1].add(-wcoef * v[:, :1])
    return -div + emis_coef * SIGMA * _dt4(T, linearize_about_k) * v


def _sheet_jvp(linearize_about_k, has_base, primals, tangents):
    from jax.custom_derivatives import SymbolicZero

    out = sheet_residual(*primals, linearize_about_k, has_base)
    dth, *dp = tangents
    tan = None
    if not isinstance(dth, SymbolicZero):
        tan = _sheet_tangent(*primals, linearize_about_k, has_base, dth)
    if any(not isinstance(t, SymbolicZero) for t in dp):
        params = primals[1:]
        dpi = [jnp.zeros_like(p) if isinstance(t, SymbolicZero) else t for p, t in zip(params, dp)]
        theta = primals[0]
        _, tp = jax.jvp(lambda *p: _sheet_plain(theta, *p, linearize_about_k, has_base), tuple(params), tuple(dpi))
        tan = tp if tan is None else tan + tp
    if tan is None:
        tan = jnp.zeros_like(out)
    return out, tan


sheet_residual.defjvp(_sheet_jvp, symbolic_zeros=True)
