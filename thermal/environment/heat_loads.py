"""Orbital heat loads on flat plates: direct Sun, Earth albedo and Earth infrared.

A plate (radiator panel, solar array) has two faces, A and B, with outward
normals n_A and n_B = -n_A.  For each face and each orbit sample this module
returns the *incident* environmental fluxes (before absorptivity) as a
:class:`FaceFlux`; :func:`absorbed_flux_w_m2` applies the coatings.

Models
------
* Earth infrared: q_IR = OLR * F(h, tilt), the exact view factor from a plate
  element to a sphere (:func:`earth_view_factor`).
* Albedo (``albedo_model="cap"``, default): integral over the visible Earth cap of
  a Lambertian Earth lit by the Sun,
  q_alb = a S * int cos(zeta_sun)+ cos(theta_plate)+ cos(theta_earth) / (pi d^2) dA,
  by Gauss-Legendre (polar) x trapezoid (azimuth) quadrature.  The illuminated
  part of the cap seen from the satellite sets the albedo along the orbit; it is
  zero deep in eclipse and small (not exactly zero) just inside the shadow, where
  the sunlit limb is still visible.  ``albedo_model="cosine"`` is the classic
  engineering approximation q_alb = a S F(h, tilt) cos(psi)+, zeroed in eclipse,
  psi being the angle between the Sun and the local zenith of the satellite.
* Direct Sun: S * (visible solar-disk fraction) * max(n . s, 0).

References
----------
- Howell, J. R., *A Catalog of Radiation Heat Transfer Configuration Factors*,
  3rd ed., factor "differential planar element to sphere, element tilted"
  (the closed form of :func:`earth_view_factor`).
- Gilmore, D. G. (ed.), *Spacecraft Thermal Control Handbook*, Vol. I, 2nd ed.
  (2002), ch. 2 (environment: albedo 0.30, OLR ~237 W/m^2 orbit-average values).
- Kopp & Lean (2011) for the solar constant 1361 W/m^2.
"""
from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

import orbit
from orbit.autodiff import dense_jacobian_jvp
from orbit.constants import R_EARTH_M, SOLAR_CONSTANT_1AU_W_M2, STEFAN_BOLTZMANN_W_M2_K4
from orbit.validation import check_range

DEFAULT_ALBEDO = 0.30
"""Orbit-average Earth albedo [-] (Gilmore 2002, ch. 2)."""
DEFAULT_OLR_W_M2 = 237.0
"""Orbit-average outgoing longwave radiation [W/m^2] (Gilmore 2002, ch. 2)."""

ATTITUDES = ("nadir", "sun_edge_on", "inertial", "sun_facing")

CAP_POLAR_POINTS = 24
"""Gauss-Legendre points in the central angle of the albedo-cap quadrature (:func:`albedo_cap_factor`)."""
CAP_AZIMUTH_POINTS = 48
"""Trapezoid points in azimuth of the albedo-cap quadrature (about 1e-3 relative with the polar points)."""


class FaceFlux(NamedTuple):
    """Incident environmental fluxes on one face [W/m^2], shape (..., n_time)."""

    solar_w_m2: jnp.ndarray
    albedo_w_m2: jnp.ndarray
    earth_ir_w_m2: jnp.ndarray

    @property
    def shortwave_w_m2(self):
        """Solar + albedo (absorbed with the solar absorptivity)."""
        return self.solar_w_m2 + self.albedo_w_m2

    @property
    def longwave_w_m2(self):
        """Earth infrared (absorbed with the infrared emissivity)."""
        return self.earth_ir_w_m2

    def orbit_average(self) -> "FaceFlux":
        """Mean over the last (time) axis of equally spaced samples."""
        return FaceFlux(*(jnp.mean(x, axis=-1) for x in self))


class PlateEnvironment(NamedTuple):
    """Incident fluxes on both faces of a plate along one orbit."""

    face_a: FaceFlux
    face_b: FaceFlux
    samples: orbit.OrbitSamples
    normal_a: jnp.ndarray
    """Unit normal of face A along the orbit, shape (..., n, 3)."""


def earth_view_factor(altitude_m, tilt_rad):
    """Exact view factor from one face of a flat plate element to a spherical Earth.

    Parameters
    ----------
    altitude_m : altitude [m] above the spherical Earth (R = 6378.137 km).
    tilt_rad : angle [rad] between the face normal and nadir, 0 .. pi
        (0 = facing the Earth, pi/2 = edge-on, pi = facing away).

    Returns
    -------
    F [-]: cos(tilt)/H^2 when the whole visible Earth lies in front of the face
    (tilt <= pi/2 - rho, sin rho = 1/H, H = (R + h)/R), Howell's closed form in the
    partly visible range, 0 when tilt >= pi/2 + rho.  Differentiable everywhere
    except at the two range boundaries, where it is C1.

    References
    ----------
    Howell, *Catalog of Radiation Heat Transfer Configuration Factors*, planar
    element to sphere with tilted element.
    """
    check_range("altitude_m", altitude_m, orbit.MIN_ALTITUDE_M, orbit.MAX_ALTITUDE_M, units="m")
    check_range("tilt_rad", tilt_rad, 0.0, np.pi, units="rad")
    return earth_view_factor_cos(altitude_m, jnp.cos(jnp.asarray(tilt_rad)))


def earth_view_factor_cos(altitude_m, cos_tilt):
    """:func:`earth_view_factor` as a function of the cosine of the tilt, ``cos_tilt`` in [-1, 1].

    The same closed form, written without the angle: where the face looks straight at or away
    from the Earth (cos_tilt = +-1) the angle arccos(cos_tilt) has an infinite derivative, and a
    forward-mode tangent of zero through it is 0 * inf = NaN (a plate facing the Sun at beta = 0
    looks straight down at the subsolar point).  Here the full-view branch is cos_tilt / H^2 and
    the partial branch only evaluates sin(tilt) = sqrt(1 - cos_tilt^2) inside the band
    |cos_tilt| < 1/H, where it is bounded away from 0, so every derivative is finite.
    """
    check_range("altitude_m", altitude_m, orbit.MIN_ALTITUDE_M, orbit.MAX_ALTITUDE_M, units="m")
    check_range("cos_tilt", cos_tilt, -1.0, 1.0, units="1")
    h = jnp.asarray(altitude_m)
    c = jnp.asarray(cos_tilt)
    H = (R_EARTH_M + h) / R_EARTH_M
    sin_rho = 1.0 / H                   # tilt = pi/2 -+ rho  <=>  cos_tilt = +-sin(rho)
    full = c / H**2
    partial_mask = jnp.abs(c) < sin_rho
    # Keep the partial branch's arguments in their domain everywhere (safe where).
    cos_l = jnp.where(partial_mask, c, 0.0)
    sin_l = jnp.sqrt(1.0 - cos_l**2)
    x = jnp.sqrt(H * H - 1.0)
    y = jnp.clip(-x * cos_l / sin_l, -1.0, 1.0)
    root = jnp.sqrt(jnp.clip(1.0 - H * H * cos_l**2, 0.0, None))
    partial = (
        0.5
        - jnp.arcsin(jnp.clip(x / (H * sin_l), -1.0, 1.0)) / jnp.pi
        + (cos_l * jnp.arccos(y) - x * root) / (jnp.pi * H * H)
    )
    return jnp.where(c >= sin_rho, full, jnp.where(partial_mask, partial, 0.0))


def _normalize(v, fallback):
    norm = jnp.linalg.norm(v, axis=-1, keepdims=True)
    ok = norm > 1e-9
    return jnp.where(ok, v / jnp.where(ok, norm, 1.0), fallback)


def face_normals(samples: orbit.OrbitSamples, attitude: str, inertial_normal=None):
    """Unit normal of face A along the orbit for a named attitude (face B is its negative).

    Attitudes
    ---------
    ``"nadir"``: face A faces the Earth (normal = nadir), face B faces zenith.
    ``"sun_edge_on"``: the plate plane contains the Sun vector and the nadir vector
        (normal = s x r / |s x r|, the usual radiator attitude: edge-on to the Sun and
        to the Earth centre; both faces see the same Earth); orbit normal at the
        degenerate points of beta = 0.
    ``"inertial"``: fixed normal ``inertial_normal`` (3,) in the beta frame.
    ``"sun_facing"``: face A normal points at the Sun (a sun-tracking array).
    """
    if attitude not in ATTITUDES:
        raise ValueError(f"attitude = {attitude!r} is not one of {ATTITUDES}")
    nadir = samples.nadir_unit
    sun = samples.sun_unit
    if attitude == "nadir":
        return nadir
    if attitude == "sun_facing":
        return sun
    if attitude == "sun_edge_on":
        return _normalize(jnp.cross(sun, -nadir), samples.orbit_normal_unit)
    if inertial_normal is None:
        raise ValueError("attitude = 'inertial' needs inertial_normal (a 3-vector in the beta frame)")
    n = jnp.asarray(inertial_normal, dtype=nadir.dtype)
    n = n / jnp.linalg.norm(n)
    return jnp.broadcast_to(n, nadir.shape)


def _cap_quadrature(n_polar: int, n_azimuth: int):
    x, w = np.polynomial.legendre.leggauss(n_polar)
    u = 0.5 * (x + 1.0)  # in (0, 1), mapped to the central angle below
    phi = 2.0 * np.pi * (np.arange(n_azimuth) + 0.5) / n_azimuth
    return u, 0.5 * w, phi


def albedo_cap_factor(altitude_m, normal_unit, nadir_unit, sun_unit=None, n_polar: int = CAP_POLAR_POINTS,
                      n_azimuth: int = CAP_AZIMUTH_POINTS):
    """Albedo factor: int cos(zeta_sun)+ cos(theta_plate)+ cos(theta_earth)/(pi d^2) dA
    over the visible Earth cap [-].  Multiplied by a*S it gives the albedo flux.
    ``altitude_m`` is a scalar (use ``jax.vmap`` for batches of orbits).

    With ``sun_unit=None`` the Sun factor is 1 and the integral is the Earth view
    factor (a check of the quadrature against :func:`earth_view_factor`).
    Shapes: vectors (..., 3).  The plate cosine is clipped at the face's horizon,
    so for partly visible Earth the quadrature converges algebraically (about
    1e-3 relative at the default 24 x 48 points).
    """
    return _cap_factors(altitude_m, normal_unit, nadir_unit, sun_unit, n_polar, n_azimuth)[0]


def _cap_factors(altitude_m, normal_unit, nadir_unit, sun_unit, n_polar: int, n_azimuth: int):
    """:func:`albedo_cap_factor` of the two faces of a plate, normals ``+normal_unit`` and
    ``-normal_unit``, in one pass.

    The cap points are laid out in the frame (e1, e2, zenith) of the sub-satellite point, where their
    positions, distances, Earth-side cosines and quadrature weights depend on the altitude alone: they
    are computed once (n_polar x n_azimuth), and each orbit sample only rotates its Sun and plate
    normal into that frame (two 3-vector products per point; cos_B = max(-n . d, 0)).
    """
    dtype = jnp.result_type(normal_unit)
    u, w, phi = _cap_quadrature(n_polar, n_azimuth)
    u = jnp.asarray(u, dtype)
    w = jnp.asarray(w, dtype)
    phi = jnp.asarray(phi, dtype)
    a = R_EARTH_M + jnp.asarray(altitude_m, dtype)
    gmax = jnp.arccos(R_EARTH_M / a)
    g = gmax * u  # (n_polar,)
    sg, cg = jnp.sin(g)[:, None], jnp.cos(g)[:, None]
    # Unit vector to the surface point P and the satellite-to-P direction in the local frame,
    # shape (n_polar, n_azimuth, 3).
    p_loc = jnp.stack([sg * jnp.cos(phi)[None, :], sg * jnp.sin(phi)[None, :],
                       jnp.broadcast_to(cg, (n_polar, n_azimuth))], axis=-1)
    d = R_EARTH_M * p_loc - a * jnp.asarray([0.0, 0.0, 1.0], dtype)
    dist2 = jnp.sum(d * d, axis=-1)
    d_hat = d / jnp.sqrt(dist2)[..., None]
    cos_earth = jnp.maximum(-jnp.sum(d_hat * p_loc, axis=-1), 0.0)
    # dA = R^2 sin(g) dg dphi with g = gmax * u, so dg = gmax du.
    weight = (cos_earth / (jnp.pi * dist2) * R_EARTH_M**2 * sg * w[:, None]) * gmax * (2.0 * jnp.pi / n_azimuth)
    # Orthonormal frame (e1, e2, zen) at each sub-satellite point.
    zen = -nadir_unit
    ez = jnp.array([0.0, 0.0, 1.0], dtype)
    ex = jnp.array([1.0, 0.0, 0.0], dtype)
    trial = jnp.where(jnp.abs(zen[..., 2:3]) < 0.9, ez, ex)
    e1 = _normalize(jnp.cross(trial, zen), trial)
    e2 = jnp.cross(zen, e1)
    frame = jnp.stack([e1, e2, zen], axis=-2)   # (..., 3, 3), rows
    n_dot_d = jnp.einsum("pqk,...k->...pq", d_hat, jnp.einsum("...jk,...k->...j", frame, normal_unit))
    if sun_unit is None:
        kernel = weight
    else:
        s_loc = jnp.einsum("...jk,...k->...j", frame, sun_unit)
        kernel = weight * jnp.maximum(jnp.einsum("pqk,...k->...pq", p_loc, s_loc), 0.0)
    return (jnp.sum(kernel * jnp.maximum(n_dot_d, 0.0), axis=(-2, -1)),
            jnp.sum(kernel * jnp.maximum(-n_dot_d, 0.0), axis=(-2, -1)))


def _orbit_factors(altitude_m, beta_rad, inertial_normal, attitude, n_samples, penumbra, albedo_model):
    """The orbit samples, face A's normal along them and, per unit source, for faces A and B (leading
    axis 2): the direct-Sun factor (visible solar-disk fraction x cos+), the Earth view factor and the
    albedo factor."""
    samples = orbit.orbit_samples(altitude_m, beta_rad, n_samples, penumbra=penumbra)
    n = face_normals(samples, attitude, inertial_normal)
    h = samples.altitude_m
    n_dot_s = jnp.sum(n * samples.sun_unit, axis=-1)
    solar = samples.sunlit * jnp.stack([jnp.maximum(n_dot_s, 0.0), jnp.maximum(-n_dot_s, 0.0)])
    cos_tilt = jnp.clip(jnp.sum(n * samples.nadir_unit, axis=-1), -1.0, 1.0)
    view = jnp.stack([earth_view_factor_cos(h, cos_tilt), earth_view_factor_cos(h, -cos_tilt)])
    if albedo_model == "cap":
        albedo = jnp.stack(_cap_factors(h, n, samples.nadir_unit, samples.sun_unit, CAP_POLAR_POINTS,
                                        CAP_AZIMUTH_POINTS))
    else:
        cos_psi = jnp.maximum(-jnp.sum(samples.nadir_unit * samples.sun_unit, axis=-1), 0.0)
        albedo = view * cos_psi * samples.sunlit
    return samples, n, solar, view, albedo


# Everything above depends on at most five numbers (altitude, beta, an inertial normal), while a caller
# may push many tangents through it (an optimiser's Jacobian pushes one per design variable and mission
# input): its Jacobian takes as many forward passes as inputs (2 unless inertial), and each tangent is a
# product with it.  With the albedo quadrature (orbit samples x 24 x 48 cap points), 12 tangents of a
# 180-sample orbit took 200 ms before, 30x a value.
_orbit_factors_jvp = dense_jacobian_jvp(_orbit_factors, nondiff_argnums=(3, 4, 5, 6))


def plate_environment(
    altitude_m,
    beta_rad,
    attitude: str = "sun_edge_on",
    n_samples: int = 180,
    *,
    albedo=DEFAULT_ALBEDO,
    olr_w_m2=DEFAULT_OLR_W_M2,
    solar_flux_w_m2=SOLAR_CONSTANT_1AU_W_M2,
    inertial_normal=None,
    penumbra: bool = False,
    albedo_model: str = "cap",
) -> PlateEnvironment:
    """Incident solar, albedo and Earth-IR flux on both faces of a plate along one orbit.

    Parameters
    ----------
    altitude_m : altitude [m], 150 km .. 40 000 km.
    beta_rad : solar beta angle [rad].
    attitude : one of ``"nadir"``, ``"sun_edge_on"``, ``"inertial"``, ``"sun_facing"``
        (see :func:`face_normals`).
    n_samples : orbit samples (static).
    albedo : Earth albedo [-], 0 .. 1 (default 0.30).
    olr_w_m2 : outgoing longwave radiation [W/m^2] (default 237).
    solar_flux_w_m2 : direct solar irradiance [W/m^2]; pass
        ``orbit.solar_flux_w_m2(sun.distance_au)`` for a date (default 1361, 1 AU).
    penumbra : finite solar disk in the shadow model.
    albedo_model : ``"cap"`` (default, illuminated-cap quadrature) or ``"cosine"``.

    Altitude and beta are scalars; use ``jax.vmap`` for batches of orbits.

    Returns
    -------
    PlateEnvironment with ``face_a`` and ``face_b`` :class:`FaceFlux` time series.
    """
    check_range("albedo", albedo, 0.0, 1.0)
    check_range("olr_w_m2", olr_w_m2, 0.0, 1000.0, units="W/m^2")
    check_range("solar_flux_w_m2", solar_flux_w_m2, 0.0, 2000.0, units="W/m^2")
    check_range("beta_rad", beta_rad, -np.pi / 2, np.pi / 2, units="rad")
    if albedo_model not in ("cap", "cosine"):
        raise ValueError(f"albedo_model = {albedo_model!r} is not one of ('cap', 'cosine')")
    samples, n_a, solar, view, albedo_factor = _orbit_factors_jvp(
        altitude_m, beta_rad, inertial_normal if attitude == "inertial" else None, attitude, int(n_samples),
        bool(penumbra), albedo_model)
    faces = [FaceFlux(solar_flux_w_m2 * solar[i], albedo * solar_flux_w_m2 * albedo_factor[i], olr_w_m2 * view[i])
             for i in range(2)]
    return PlateEnvironment(faces[0], faces[1], samples, n_a)


def absorbed_flux_w_m2(face_flux: FaceFlux, absorptivity, emissivity):
    """Absorbed environmental flux [W/m^2] = alpha (solar + albedo) + eps * Earth IR."""
    return absorptivity * face_flux.shortwave_w_m2 + emissivity * face_flux.longwave_w_m2


def sink_temperature_k(absorbed_w_m2, emissivity):
    """Radiative sink temperature [K] of a face: eps sigma T_s^4 = absorbed flux."""
    return (jnp.asarray(absorbed_w_m2) / (emissivity * STEFAN_BOLTZMANN_W_M2_K4)) ** 0.25
