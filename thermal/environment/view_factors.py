"""Exact diffuse view factors between rectangles, and a Monte Carlo check.

Closed forms (all differentiable in JAX with respect to sizes and positions):

* :func:`parallel_equal_rectangles` -- two directly opposed, parallel, equal
  rectangles (Howell catalogue configuration C-11).
* :func:`perpendicular_shared_edge` -- two perpendicular rectangles sharing a
  common edge (Howell C-14).
* :func:`parallel_rectangles` -- two rectangles in parallel planes with aligned
  edges at any in-plane offset (Howell C-12; Gross, Spindler & Hahne 1981).
* :func:`perpendicular_rectangles` -- two rectangles in perpendicular planes with
  edges parallel/perpendicular to the planes' line of intersection, at any offset
  (Howell C-16/C-17 general form; Gross et al. 1981; Ehlert & Smith 1993).
* :func:`face_view_factor` -- view factor from one FACE of a rectangle placed in
  3-D (centre, two in-plane unit axes, side lengths) to one face of another,
  dispatching to the two general forms above.  The parts of each rectangle behind
  the other face's plane are clipped off (they see its back face), so rectangles
  that straddle each other's planes are handled exactly.

The general forms are the contour-integral results written as the superposition
sum  A1 F12 = sum_{i,j,k,l} (-1)^{i+j+k+l} G(...)  over the corner coordinates.
No third-surface obstruction is modelled: two faces are assumed to see each other
wherever their planes allow it.

:func:`monte_carlo_view_factor` (numpy, seeded) traces cosine-weighted rays from
uniform points on face 1 to face 2; it handles any relative orientation and is
the independent check used by the tests.

Precision: the superposition sums cancel large terms when the rectangles are far
apart compared with their size; use float64 (the default of the tests and the
CLI) for geometry studies.  Orientation vectors are host-side (static) data; the
centres and side lengths may be traced, so gradients with respect to sizes, gaps
and distances flow through :func:`face_view_factor`.

References
----------
- Howell, J. R., *A Catalog of Radiation Heat Transfer Configuration Factors*,
  3rd ed. (2010, online at thermalradiation.net): C-11 (directly opposed parallel
  rectangles), C-12 (parallel rectangles, general position), C-14 (perpendicular
  rectangles with a common edge), C-16/C-17 (perpendicular rectangles, general).
- Gross, U., Spindler, K. & Hahne, E., "Shapefactor-equations for radiation heat
  transfer between plane rectangular surfaces of arbitrary position and size with
  parallel boundaries", Lett. Heat Mass Transfer 8 (1981) 219-227.
- Ehlert, J. R. & Smith, T. F., "View factors for perpendicular and parallel
  rectangular plates", J. Thermophys. Heat Transfer 7 (1993) 173-175.
"""
from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from orbit.validation import check_positive, check_range

_ALIGN_TOL = 1e-9


def _safe_sqrt(x2):
    """sqrt with a finite (zero) gradient at 0: returns (sqrt, mask of x2 > 0)."""
    pos = x2 > 0.0
    return jnp.where(pos, jnp.sqrt(jnp.where(pos, x2, 1.0)), 0.0), pos


def _b_atan(a, b2):
    """b * atan(a / b) with b = sqrt(b2) >= 0; 0 where b = 0 (its limit)."""
    b, pos = _safe_sqrt(b2)
    return jnp.where(pos, b * jnp.arctan2(a, jnp.where(pos, b, 1.0)), 0.0)


def _c_log(c, r2):
    """c * ln(r2), 0 where r2 = 0 (there |c| <= r2, so the product's limit is 0)."""
    pos = r2 > 0.0
    return jnp.where(pos, c * jnp.log(jnp.where(pos, r2, 1.0)), 0.0)


def _g_parallel(dx, dy, z):
    """Corner function of two parallel rectangles a distance z apart (Howell C-12)."""
    z2 = z * z
    return (dy * _b_atan(dy, dx * dx + z2) + dx * _b_atan(dx, dy * dy + z2)
            - 0.5 * _c_log(z2, dx * dx + dy * dy + z2)) / (2.0 * jnp.pi)


def _g_perpendicular(x, z, dy):
    """Corner function of two perpendicular rectangles (Gross et al. 1981):
    x, z distances from the planes' intersection line, dy = y - eta along it."""
    s2 = x * x + z * z
    return (dy * _b_atan(dy, s2) - 0.25 * _c_log(s2 - dy * dy, s2 + dy * dy)) / (2.0 * jnp.pi)


def _superpose(g, a, b, c, d):
    """sum_{ijkl} (-1)^(i+j+k+l) g(a_i, b_j, c_k, d_l) for (lo, hi) scalar bounds,
    evaluated once on the broadcast 2x2x2x2 corner grid (use vmap for batches)."""
    sign = np.array([1.0, -1.0])
    grid = []
    for axis, bounds in enumerate((a, b, c, d)):
        shape = [1, 1, 1, 1]
        shape[axis] = 2
        grid.append(jnp.stack([jnp.asarray(bounds[0]), jnp.asarray(bounds[1])]).reshape(shape))
    signs = sign[:, None, None, None] * sign[None, :, None, None] * sign[None, None, :, None] * sign[None, None, None, :]
    return jnp.sum(signs * g(*grid))


def parallel_rectangles(x1, y1, xi, eta, z):
    """A1 F12 [m^2] between rectangles in parallel planes a distance ``z`` apart.

    Parameters
    ----------
    x1, y1 : (lo, hi) extents [m] of rectangle 1 along two in-plane axes.
    xi, eta : (lo, hi) extents [m] of rectangle 2 along the same two axes.
    z : separation of the planes [m], > 0.  The faces are those facing each other.

    Returns
    -------
    A1 F12 = A2 F21 [m^2] (reciprocity holds by construction).  Divide by the area
    of rectangle 1 for F12.

    References
    ----------
    Howell catalogue C-12; Gross, Spindler & Hahne (1981).
    """
    def g(x, y, e, s):
        return _g_parallel(x - s, y - e, z)

    return _superpose(g, x1, y1, eta, xi)


def perpendicular_rectangles(x, y, z, eta):
    """A1 F12 [m^2] between rectangles in perpendicular planes with aligned edges.

    Parameters
    ----------
    x : (lo, hi) [m] of rectangle 1 measured in its plane from the line where the
        two planes meet, >= 0 (rectangle 1 lies on the front side of face 2).
    y : (lo, hi) [m] of rectangle 1 along that line.
    z : (lo, hi) [m] of rectangle 2 measured in its plane from the line, >= 0.
    eta : (lo, hi) [m] of rectangle 2 along the line.

    Returns
    -------
    A1 F12 [m^2].

    References
    ----------
    Howell catalogue C-16/C-17; Gross et al. (1981); Ehlert & Smith (1993).
    """
    def g(xx, yy, ee, zz):
        return _g_perpendicular(xx, zz, yy - ee)

    return _superpose(g, x, y, eta, z)


def parallel_equal_rectangles(a_m, b_m, c_m):
    """F12 [-] between directly opposed parallel equal rectangles a x b, c apart.

    Howell catalogue C-11: X = a/c, Y = b/c,
    F = 2/(pi X Y) { ln sqrt[(1+X^2)(1+Y^2)/(1+X^2+Y^2)] + X sqrt(1+Y^2) atan(X/sqrt(1+Y^2))
    + Y sqrt(1+X^2) atan(Y/sqrt(1+X^2)) - X atan X - Y atan Y }.
    """
    for name, v in (("a_m", a_m), ("b_m", b_m), ("c_m", c_m)):
        check_positive(name, v, "m")
    x = jnp.asarray(a_m) / c_m
    y = jnp.asarray(b_m) / c_m
    x2, y2 = x * x, y * y
    sy = jnp.sqrt(1.0 + y2)
    sx = jnp.sqrt(1.0 + x2)
    return 2.0 / (jnp.pi * x * y) * (
        0.5 * jnp.log((1.0 + x2) * (1.0 + y2) / (1.0 + x2 + y2))
        + x * sy * jnp.arctan(x / sy) + y * sx * jnp.arctan(y / sx)
        - x * jnp.arctan(x) - y * jnp.arctan(y))


def perpendicular_shared_edge(width_m, height_m, edge_m):
    """F12 [-] from rectangle 1 (width w) to a perpendicular rectangle 2 (height h)
    sharing an edge of length l (Howell catalogue C-14).

    With W = w/l, H = h/l:
    F12 = 1/(pi W) { W atan(1/W) + H atan(1/H) - sqrt(H^2+W^2) atan(1/sqrt(H^2+W^2))
    + 1/4 ln( (1+W^2)(1+H^2)/(1+W^2+H^2) * [W^2(1+W^2+H^2)/((1+W^2)(W^2+H^2))]^(W^2)
    * [H^2(1+H^2+W^2)/((1+H^2)(H^2+W^2))]^(H^2) ) }.  Unit squares: 0.20004.
    """
    for name, v in (("width_m", width_m), ("height_m", height_m), ("edge_m", edge_m)):
        check_positive(name, v, "m")
    w = jnp.asarray(width_m) / edge_m
    h = jnp.asarray(height_m) / edge_m
    w2, h2 = w * w, h * h
    r = jnp.sqrt(w2 + h2)
    log_term = (jnp.log((1.0 + w2) * (1.0 + h2) / (1.0 + w2 + h2))
                + w2 * jnp.log(w2 * (1.0 + w2 + h2) / ((1.0 + w2) * (w2 + h2)))
                + h2 * jnp.log(h2 * (1.0 + h2 + w2) / ((1.0 + h2) * (h2 + w2))))
    return (w * jnp.arctan(1.0 / w) + h * jnp.arctan(1.0 / h) - r * jnp.arctan(1.0 / r)
            + 0.25 * log_term) / (jnp.pi * w)


# ---------------------------------------------------------------------------------------
# rectangles placed in 3-D
# ---------------------------------------------------------------------------------------

class Face(NamedTuple):
    """One face of a rectangle in 3-D.

    Attributes
    ----------
    center_m : (3,) centre [m] (may be traced).
    u_axis, v_axis : (3,) in-plane unit axes (host-side numpy; u perpendicular to v).
    length_u_m, length_v_m : side lengths [m] along u and v (may be traced), > 0.
    side : +1 for the face whose outward normal is u x v, -1 for the other one.
    """

    center_m: object
    u_axis: np.ndarray
    v_axis: np.ndarray
    length_u_m: object
    length_v_m: object
    side: int = 1

    @property
    def normal(self) -> np.ndarray:
        return self.side * np.cross(self.u_axis, self.v_axis)

    @property
    def area_m2(self):
        return self.length_u_m * self.length_v_m


def _unit(v, name):
    v = np.asarray(v, dtype=float)
    if v.shape != (3,):
        raise ValueError(f"{name} must be a 3-vector, got shape {v.shape}")
    n = np.linalg.norm(v)
    if not n > 0:
        raise ValueError(f"{name} = {v.tolist()} has zero length")
    return v / n


def make_face(center_m, u_axis, v_axis, length_u_m, length_v_m, side: int = 1) -> Face:
    """A :class:`Face` with validated, normalised axes (u and v must be perpendicular)."""
    u = _unit(u_axis, "u_axis")
    v = _unit(v_axis, "v_axis")
    if abs(float(u @ v)) > 1e-9:
        raise ValueError(f"u_axis and v_axis must be perpendicular (u.v = {float(u @ v):g})")
    if side not in (1, -1):
        raise ValueError(f"side = {side!r} is not one of (1, -1)")
    check_positive("length_u_m", length_u_m, "m")
    check_positive("length_v_m", length_v_m, "m")
    return Face(jnp.asarray(center_m), u, v, length_u_m, length_v_m, side)


def _extent_along(face: Face, axis: np.ndarray):
    """(centre coordinate, length) of the face along a unit axis parallel to u or v."""
    if abs(abs(float(face.u_axis @ axis)) - 1.0) < _ALIGN_TOL:
        length = face.length_u_m
    elif abs(abs(float(face.v_axis @ axis)) - 1.0) < _ALIGN_TOL:
        length = face.length_v_m
    else:
        raise ValueError("face edges are not aligned with the axis: only rectangles with parallel or "
                         "perpendicular edges have closed forms here (use monte_carlo_view_factor)")
    return jnp.dot(face.center_m, axis), length


def _bounds(c, length):
    return (c - 0.5 * length, c + 0.5 * length)


def configuration(face1: Face, face2: Face) -> str:
    """'parallel', 'perpendicular' or 'general' (host-side, from the normals)."""
    c = abs(float(face1.normal @ face2.normal))
    if abs(c - 1.0) < _ALIGN_TOL:
        return "parallel"
    if c < _ALIGN_TOL:
        return "perpendicular"
    return "general"


def _pair_setup(face1: Face, face2: Face):
    """Static classification and corner bounds of a face pair: None when the faces
    cannot see each other for a static reason, else (kind, bounds pytree)."""
    n1, n2 = face1.normal, face2.normal
    kind = configuration(face1, face2)
    if kind == "parallel":
        if float(n1 @ n2) > 0.0:          # both face the same way: never see each other's faces
            return None
        e1, e2 = face1.u_axis, face1.v_axis
        sep = jnp.dot(face2.center_m - face1.center_m, n1)
        return kind, (_bounds(*_extent_along(face1, e1)), _bounds(*_extent_along(face1, e2)),
                      _bounds(*_extent_along(face2, e1)), _bounds(*_extent_along(face2, e2)), sep)
    if kind == "perpendicular":
        axis = np.cross(n1, n2)
        axis = axis / np.linalg.norm(axis)
        # Face 1 lies in a plane containing n2: its distance coordinate from face 2's plane.
        c1, l1 = _extent_along(face1, n2)
        c1 = c1 - jnp.dot(face2.center_m, n2)
        c2, l2 = _extent_along(face2, n1)
        c2 = c2 - jnp.dot(face1.center_m, n1)
        lo1, hi1 = _bounds(c1, l1)
        lo2, hi2 = _bounds(c2, l2)
        x = (jnp.maximum(lo1, 0.0), jnp.maximum(hi1, 0.0))   # clip to face 2's front half-space
        z = (jnp.maximum(lo2, 0.0), jnp.maximum(hi2, 0.0))   # clip to face 1's front half-space
        return kind, (x, _bounds(*_extent_along(face1, axis)), z, _bounds(*_extent_along(face2, axis)))
    raise ValueError("faces are neither parallel nor perpendicular: no closed form here "
                     "(use monte_carlo_view_factor)")


def _evaluate(kind: str, bounds):
    """A1 F12 [m^2] of one classified pair (scalar bounds; vmap for batches)."""
    if kind == "parallel":
        x1, y1, xi, eta, sep = bounds
        sep_safe = jnp.where(sep > 0.0, sep, 1.0)
        value = jnp.where(sep > 0.0, parallel_rectangles(x1, y1, xi, eta, sep_safe), 0.0)
    else:
        value = perpendicular_rectangles(*bounds)
    # clip the round-off (~1e-18) of configurations whose clipped extent is empty
    return jnp.maximum(value, 0.0)


def face_area_view_factor_m2(face1: Face, face2: Face):
    """A1 F12 [m^2] from face 1 to face 2 (closed form; differentiable in centres and lengths).

    Zero when the faces cannot see each other (face 2 wholly behind face 1 or facing
    away).  Raises ValueError for relative orientations other than parallel or
    perpendicular planes with aligned edges.
    """
    dtype = jnp.result_type(face1.center_m, face2.center_m, face1.length_u_m, face2.length_u_m, float)
    setup = _pair_setup(face1, face2)
    if setup is None:
        return jnp.zeros((), dtype)
    return jnp.asarray(_evaluate(*setup), dtype)


@functools.partial(jax.jit, static_argnums=0)
def _batched_evaluate(kind: str, bounds):
    """_evaluate over a leading batch axis (one compiled kernel per kind and batch size)."""
    return jax.vmap(lambda b: _evaluate(kind, b))(bounds)


def pair_area_view_factors_m2(pairs):
    """A_i F_ij [m^2] for a list of (face_i, face_j) pairs, evaluated in one batched
    call per configuration (small graphs: cheap to compile and differentiate).

    Returns an array of shape (len(pairs),).
    """
    setups = [_pair_setup(f1, f2) for f1, f2 in pairs]
    dtypes = [jnp.result_type(f1.center_m, f1.length_u_m, f2.center_m, f2.length_u_m, float) for f1, f2 in pairs]
    dtype = jnp.result_type(*dtypes) if dtypes else jnp.result_type(float)
    out = jnp.zeros((len(pairs),), dtype)
    for kind in ("parallel", "perpendicular"):
        idx = [k for k, s in enumerate(setups) if s is not None and s[0] == kind]
        if not idx:
            continue
        stacked = jax.tree_util.tree_map(lambda *xs: jnp.stack([jnp.asarray(x, dtype) for x in xs]),
                                         *[setups[k][1] for k in idx])
        values = _batched_evaluate(kind, stacked)
        out = out.at[np.asarray(idx)].set(values)
    return out


def face_view_factor(face1: Face, face2: Face):
    """F12 [-] from face 1 to face 2 (per unit area of face 1); see
    :func:`face_area_view_factor_m2`."""
    return face_area_view_factor_m2(face1, face2) / face1.area_m2


# ---------------------------------------------------------------------------------------
# Monte Carlo (numpy): the independent check
# ---------------------------------------------------------------------------------------

class MonteCarloResult(NamedTuple):
    view_factor: float
    standard_error: float
    n_rays: int


def monte_carlo_view_factor(face1: Face, face2: Face, n_rays: int = 200_000, seed: int = 0) -> MonteCarloResult:
    """F12 by ray tracing: uniform points on face 1, cosine-weighted (Lambertian)
    directions about its normal, counted when the ray hits the front of face 2.

    Works for any relative orientation (no obstruction by other surfaces).  The
    standard error is sqrt(F (1 - F) / n_rays) (binomial).  Host-side numpy only.
    """
    check_range("n_rays", n_rays, 1, 1e9)
    rng = np.random.default_rng(seed)
    c1 = np.asarray(face1.center_m, dtype=float)
    c2 = np.asarray(face2.center_m, dtype=float)
    lu1, lv1 = float(face1.length_u_m), float(face1.length_v_m)
    lu2, lv2 = float(face2.length_u_m), float(face2.length_v_m)
    n1, n2 = face1.normal, face2.normal
    s, t = rng.uniform(-0.5, 0.5, (2, n_rays))
    origin = c1 + np.outer(s * lu1, face1.u_axis) + np.outer(t * lv1, face1.v_axis)
    # Cosine-weighted hemisphere (Malley's method): uniform point on the unit disk, lifted.
    r = np.sqrt(rng.uniform(0.0, 1.0, n_rays))
    phi = rng.uniform(0.0, 2.0 * np.pi, n_rays)
    a, b = r * np.cos(phi), r * np.sin(phi)
    w = np.sqrt(np.maximum(1.0 - a * a - b * b, 0.0))
    direction = (np.outer(a, face1.u_axis) + np.outer(b, face1.v_axis) + np.outer(w, n1))
    denom = direction @ n2
    facing = denom < 0.0                     # the ray meets the front of face 2
    with np.errstate(divide="ignore", invalid="ignore"):
        dist = ((c2 - origin) @ n2) / denom
    ok = facing & (dist > 0.0)
    hit = origin + dist[:, None] * direction
    rel = hit - c2
    pu = rel @ face2.u_axis
    pv = rel @ face2.v_axis
    ok &= (np.abs(pu) <= 0.5 * lu2) & (np.abs(pv) <= 0.5 * lv2)
    f = float(np.count_nonzero(ok)) / n_rays
    return MonteCarloResult(f, float(np.sqrt(max(f * (1.0 - f), 1.0 / n_rays) / n_rays)), int(n_rays))
