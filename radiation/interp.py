"""Smooth, differentiable 1-D interpolation helpers (monotone cubic Hermite, PCHIP).

Piecewise cubic Hermite interpolation with Fritsch-Carlson/Butland slopes: C1, shape
preserving (no overshoot between monotone data), and differentiable in the query point
(and in the data) with JAX.  Used for log-flux tables over altitude, inclination and
energy.

References
----------
- Fritsch, F. N. & Carlson, R. E., "Monotone piecewise cubic interpolation", SIAM J.
  Numer. Anal. 17 (1980) 238-246.
- Fritsch, F. N. & Butland, J., "A method for constructing local monotone piecewise
  cubic interpolants", SIAM J. Sci. Stat. Comput. 5 (1984) 300-304 (weighted harmonic
  mean slopes used here).
"""
from __future__ import annotations

import jax.numpy as jnp


def pchip_slopes(x, y):
    """Node slopes dy/dx of the monotone cubic interpolant along axis 0 of ``y``.

    x : (n,) strictly increasing nodes; y : (n, ...) values.
    """
    x = jnp.asarray(x)
    y = jnp.asarray(y)
    h = jnp.diff(x)
    hb = h.reshape((-1,) + (1,) * (y.ndim - 1))
    delta = jnp.diff(y, axis=0) / hb
    if x.shape[0] == 2:
        return jnp.concatenate([delta, delta], axis=0)
    h0, h1 = hb[:-1], hb[1:]
    d0, d1 = delta[:-1], delta[1:]
    w1 = 2.0 * h1 + h0
    w2 = h1 + 2.0 * h0
    same = (d0 * d1) > 0
    safe0 = jnp.where(same, d0, 1.0)
    safe1 = jnp.where(same, d1, 1.0)
    interior = jnp.where(same, (w1 + w2) / (w1 / safe0 + w2 / safe1), 0.0)
    # end slopes: one-sided three-point formula, limited to keep monotonicity
    def end(hA, hB, dA, dB):
        s = ((2.0 * hA + hB) * dA - hA * dB) / (hA + hB)
        s = jnp.where(s * dA <= 0, 0.0, s)
        s = jnp.where((dA * dB <= 0) & (jnp.abs(s) > jnp.abs(3.0 * dA)), 3.0 * dA, s)
        return s
    first = end(hb[0], hb[1], delta[0], delta[1])[None]
    last = end(hb[-1], hb[-2], delta[-1], delta[-2])[None]
    return jnp.concatenate([first, interior, last], axis=0)


def pchip_eval(x, y, xq, slopes=None):
    """Evaluate the monotone cubic interpolant of (x, y) along axis 0 at scalar ``xq``.

    Returns an array of shape y.shape[1:].  Outside [x0, xn] the end cubic is used
    (callers validate ranges first).
    """
    x = jnp.asarray(x)
    y = jnp.asarray(y)
    d = pchip_slopes(x, y) if slopes is None else slopes
    i = jnp.clip(jnp.searchsorted(x, xq, side="right") - 1, 0, x.shape[0] - 2)
    h = x[i + 1] - x[i]
    t = (xq - x[i]) / h
    t2 = t * t
    t3 = t2 * t
    h00 = 2 * t3 - 3 * t2 + 1
    h10 = t3 - 2 * t2 + t
    h01 = -2 * t3 + 3 * t2
    h11 = t3 - t2
    return h00 * y[i] + h10 * h * d[i] + h01 * y[i + 1] + h11 * h * d[i + 1]


def pchip_eval_with_derivative(x, y, xq):
    """Value and d/dxq of the monotone cubic interpolant along axis 0 at points ``xq`` (m,).

    Returns (values, derivatives), each of shape (m,) + y.shape[1:].
    """
    x = jnp.asarray(x)
    y = jnp.asarray(y)
    d = pchip_slopes(x, y)
    xq = jnp.asarray(xq)
    i = jnp.clip(jnp.searchsorted(x, xq, side="right") - 1, 0, x.shape[0] - 2)
    h = (x[i + 1] - x[i]).reshape(xq.shape + (1,) * (y.ndim - 1))
    t = ((xq - x[i]) / (x[i + 1] - x[i])).reshape(h.shape)
    t2 = t * t
    t3 = t2 * t
    v = ((2 * t3 - 3 * t2 + 1) * y[i] + (t3 - 2 * t2 + t) * h * d[i]
         + (-2 * t3 + 3 * t2) * y[i + 1] + (t3 - t2) * h * d[i + 1])
    dv = ((6 * t2 - 6 * t) * y[i] / h + (3 * t2 - 4 * t + 1) * d[i]
          + (-6 * t2 + 6 * t) * y[i + 1] / h + (3 * t2 - 2 * t) * d[i + 1])
    return v, dv
