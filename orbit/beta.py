"""Solar beta angle and the node of sun-synchronous orbits.

The beta angle is the angle between the Sun vector and the orbit plane,
positive on the side of the orbit normal h = r x v.

References
----------
- Rickman, S. L., "Introduction to Orbital Mechanics and Spacecraft Attitudes for
  Thermal Engineers", NASA JSC TFAWS short course (2014): beta = asin(s . h).
- Wertz & Larson, *Space Mission Analysis and Design*, 3rd ed. (1999): sun-synchronous
  orbits and the local time of the ascending node.
"""
from __future__ import annotations

import jax.numpy as jnp

from .sun import sun_position
from .validation import check_range


def orbit_normal_eci(inclination_rad, raan_rad):
    """Unit orbit normal h in the equatorial frame, shape (..., 3)."""
    si = jnp.sin(inclination_rad)
    return jnp.stack(
        [si * jnp.sin(raan_rad), -si * jnp.cos(raan_rad), jnp.cos(inclination_rad) * jnp.ones_like(si)],
        axis=-1,
    )


def beta_angle_rad(inclination_rad, raan_rad, sun_right_ascension_rad, sun_declination_rad):
    """Solar beta angle [rad] from the orbit's inclination and node and the Sun's RA/Dec.

    sin(beta) = cos(dec) sin(i) sin(Omega - RA) + sin(dec) cos(i).
    """
    s = (
        jnp.cos(sun_declination_rad) * jnp.sin(inclination_rad) * jnp.sin(raan_rad - sun_right_ascension_rad)
        + jnp.sin(sun_declination_rad) * jnp.cos(inclination_rad)
    )
    return jnp.arcsin(jnp.clip(s, -1.0, 1.0))


def raan_from_ltan_rad(ltan_hours, sun_right_ascension_rad):
    """Right ascension of the ascending node [rad] for a local time of ascending node.

    Omega = RA_sun + (LTAN - 12 h) * 15 deg/h (apparent Sun; the equation of time,
    at most ~4 deg, is neglected, as is usual for mission design).
    """
    check_range("ltan_hours", ltan_hours, 0.0, 24.0, units="h")
    return sun_right_ascension_rad + (jnp.asarray(ltan_hours) - 12.0) * (jnp.pi / 12.0)


def beta_angle_on_date_rad(inclination_rad, raan_rad, julian_date_ut):
    """Beta angle [rad] for an orbit node fixed in inertial space, on a Julian date."""
    sun = sun_position(julian_date_ut)
    return beta_angle_rad(inclination_rad, raan_rad, sun.right_ascension_rad, sun.declination_rad)


def sso_beta_angle_rad(inclination_rad, ltan_hours, julian_date_ut):
    """Beta angle [rad] of a sun-synchronous orbit with a given LTAN on a Julian date.

    The node follows the Sun, so only the Sun's declination (season) changes beta.
    """
    sun = sun_position(julian_date_ut)
    raan = raan_from_ltan_rad(ltan_hours, sun.right_ascension_rad)
    return beta_angle_rad(inclination_rad, raan, sun.right_ascension_rad, sun.declination_rad)
