"""Eclipse (Earth shadow) of circular orbits.

Two shadow models:

* cylindrical: the umbra is a cylinder of Earth radius behind the Earth; closed
  form in the beta angle, exact for that model;
* penumbra (``penumbra=True``): the Sun is a disk of finite angular size and the
  Earth a disk seen from the satellite; the visible fraction of the solar disk is
  the disk-overlap area, averaged over the orbit numerically.

References
----------
- Rickman, S. L. (2014), NASA TFAWS "Introduction to Orbital Mechanics and
  Spacecraft Attitudes for Thermal Engineers": eclipse fraction
  f_E = (1/pi) acos( sqrt(h^2 + 2 R h) / ((R + h) cos beta) ) for |beta| < beta*,
  beta* = asin(R / (R + h)).
- Montenbruck, O. & Gill, E., *Satellite Orbits* (2000), Sec. 3.4.2: conical
  shadow with the occultation of the solar disk by the Earth's disk.
"""
from __future__ import annotations

import jax.numpy as jnp

from .circular import semi_major_axis_m, _check_altitude
from .constants import AU_M, R_EARTH_M, R_SUN_M


def beta_critical_rad(altitude_m):
    """Beta angle [rad] above which a circular orbit has no (cylindrical) eclipse."""
    return jnp.arcsin(R_EARTH_M / semi_major_axis_m(altitude_m))


def _cylindrical_fraction(altitude_m, beta_rad):
    h = jnp.asarray(altitude_m)
    a = semi_major_axis_m(h)
    cosb = jnp.cos(beta_rad)
    arg = jnp.sqrt(h * h + 2.0 * R_EARTH_M * h) / (a * cosb)
    in_range = arg < 1.0
    safe = jnp.where(in_range, arg, 0.5)
    return jnp.where(in_range, jnp.arccos(safe) / jnp.pi, 0.0)


def disk_visible_fraction(sep_rad, sun_radius_rad, earth_radius_rad):
    """Visible fraction of the solar disk of angular radius ``sun_radius_rad`` whose
    centre is ``sep_rad`` from the centre of an occulting Earth disk of angular radius
    ``earth_radius_rad`` (flat-disk overlap geometry).  1 = fully sunlit, 0 = umbra.
    """
    a, b, c = sun_radius_rad, earth_radius_rad, sep_rad
    # Overlap area of two circles (radii a, b, centre distance c).
    c_safe = jnp.maximum(c, 1e-12)
    x = (c_safe**2 + a**2 - b**2) / (2.0 * c_safe)
    y2 = jnp.maximum(a**2 - x**2, 0.0)
    y = jnp.sqrt(y2 + 1e-300) * (y2 > 0)
    alpha = jnp.arccos(jnp.clip(x / a, -1.0, 1.0))
    beta = jnp.arccos(jnp.clip((c_safe - x) / b, -1.0, 1.0))
    partial = a**2 * alpha + b**2 * beta - c_safe * y
    full_overlap = jnp.pi * jnp.minimum(a, b) ** 2
    overlap = jnp.where(c >= a + b, 0.0, jnp.where(c <= jnp.abs(b - a), full_overlap, partial))
    return 1.0 - overlap / (jnp.pi * a**2)


def eclipse_fraction(altitude_m, beta_rad, penumbra: bool = False, n_samples: int = 4096):
    """Fraction of a circular orbit spent in the Earth's shadow.

    Parameters
    ----------
    altitude_m : altitude [m], 150 km .. 40 000 km.
    beta_rad : solar beta angle [rad].
    penumbra : False for the cylindrical umbra (closed form); True to count the
        partial occultation of the finite solar disk, so that the result is the
        orbit-average *loss of sunlight* (1 - mean visible solar-disk fraction).
    n_samples : orbit samples for the penumbra average (static).

    Returns
    -------
    Fraction of the period in shadow [-], 0 .. 0.5.  Differentiable except at
    |beta| = beta* (the kink where eclipses begin) for the cylindrical model.
    """
    _check_altitude(altitude_m)
    if not penumbra:
        return _cylindrical_fraction(altitude_m, beta_rad)
    return 1.0 - jnp.mean(sunlit_fraction_along_orbit(altitude_m, beta_rad, n_samples, penumbra=True), axis=-1)


def sunlit_fraction_along_orbit(altitude_m, beta_rad, n_samples: int, penumbra: bool = False,
                                sun_distance_m=AU_M):
    """Visible fraction of the Sun (0..1) at ``n_samples`` equally spaced orbit angles
    theta = 2 pi k / n from orbit noon (the point nearest the Sun).

    Returns shape (..., n_samples).
    """
    a = semi_major_axis_m(altitude_m)[..., None]
    beta = jnp.asarray(beta_rad)[..., None]
    theta = 2.0 * jnp.pi * jnp.arange(n_samples) / n_samples
    # Angle between the satellite position and the Sun direction: cos psi = cos(beta) cos(theta).
    cos_psi = jnp.cos(beta) * jnp.cos(theta)
    if not penumbra:
        perp2 = a**2 * (1.0 - cos_psi**2)
        return jnp.where((cos_psi < 0.0) & (perp2 < R_EARTH_M**2), 0.0, 1.0)
    # Seen from the satellite the Earth's centre is at -r, the Sun at +s:
    # their angular separation is pi - psi.
    psi = jnp.arccos(jnp.clip(cos_psi, -1.0, 1.0))
    sep = jnp.pi - psi
    earth_r = jnp.arcsin(R_EARTH_M / a)
    sun_r = jnp.arcsin(R_SUN_M / sun_distance_m)
    return disk_visible_fraction(sep, sun_r, earth_r)
