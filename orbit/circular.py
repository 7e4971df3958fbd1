"""Circular orbits about a spherical Earth with J2 secular node precession.

All functions are pure ``jax.numpy`` and differentiable in their arguments.

References
----------
- Vallado, D. A., *Fundamentals of Astrodynamics and Applications*, 4th ed.
  (2013), ch. 9 (general perturbations): secular J2 rate of the ascending node,
  dOmega/dt = -3/2 n J2 (R/p)^2 cos(i), p = a for a circular orbit.
- Wertz, J. R. & Larson, W. J. (eds.), *Space Mission Analysis and Design*,
  3rd ed. (1999), ch. 6: sun-synchronous orbits (node rate 0.9856 deg/day).
"""
from __future__ import annotations

import jax.numpy as jnp

from .constants import J2_EARTH, MU_EARTH_M3_S2, R_EARTH_M, SSO_NODE_RATE_RAD_S
from .validation import check_range

MIN_ALTITUDE_M = 150e3
MAX_ALTITUDE_M = 40000e3


def _check_altitude(altitude_m):
    check_range("altitude_m", altitude_m, MIN_ALTITUDE_M, MAX_ALTITUDE_M, units="m")


def semi_major_axis_m(altitude_m):
    """Orbit radius a = R_E + h [m] for a circular orbit of altitude ``altitude_m`` [m]."""
    return R_EARTH_M + jnp.asarray(altitude_m)


def mean_motion_rad_s(altitude_m):
    """Keplerian mean motion n = sqrt(mu / a^3) [rad/s]."""
    _check_altitude(altitude_m)
    a = semi_major_axis_m(altitude_m)
    return jnp.sqrt(MU_EARTH_M3_S2 / a**3)


def period_s(altitude_m):
    """Keplerian period T = 2 pi sqrt(a^3/mu) [s] of a circular orbit.

    Parameters
    ----------
    altitude_m : altitude above the spherical Earth [m], 150 km .. 40 000 km.
    """
    return 2.0 * jnp.pi / mean_motion_rad_s(altitude_m)


def node_precession_rad_s(altitude_m, inclination_rad):
    """Secular J2 drift of the right ascension of the ascending node [rad/s].

    dOmega/dt = -(3/2) n J2 (R_E/a)^2 cos(i)   (Vallado 2013, e = 0).
    Negative (westward) for prograde orbits.
    """
    a = semi_major_axis_m(altitude_m)
    n = mean_motion_rad_s(altitude_m)
    return -1.5 * n * J2_EARTH * (R_EARTH_M / a) ** 2 * jnp.cos(inclination_rad)


def sso_inclination_rad(altitude_m):
    """Sun-synchronous inclination [rad] of a circular orbit at ``altitude_m``.

    Solves dOmega/dt = 2 pi / tropical year (~0.9856 deg/day eastward) for i:
    cos(i) = -(2/3) Omega_dot_sso / (n J2 (R_E/a)^2).  About 97.8 deg at 600 km.
    Sun-synchronous circular orbits exist below about 5970 km altitude.
    """
    a = semi_major_axis_m(altitude_m)
    n = mean_motion_rad_s(altitude_m)
    cos_i = -(2.0 / 3.0) * SSO_NODE_RATE_RAD_S / (n * J2_EARTH * (R_EARTH_M / a) ** 2)
    check_range("cos(sso inclination) at this altitude_m", cos_i, -1.0, 1.0)
    return jnp.arccos(cos_i)
