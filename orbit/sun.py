"""Apparent position of the Sun and the solar irradiance on a date.

Low-precision solar coordinates (about 0.01 deg between 1950 and 2050).

References
----------
- *The Astronomical Almanac*, Section C, "Low precision formulas for the Sun"
  (US Naval Observatory / HM Nautical Almanac Office).
- Meeus, J., *Astronomical Algorithms*, 2nd ed. (1998), ch. 7 (Julian day).
"""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from .constants import SOLAR_CONSTANT_1AU_W_M2
from .validation import check_range

J2000_JD = 2451545.0


def julian_date(year: int, month: int, day: int, hour: float = 0.0) -> float:
    """Julian date of a Gregorian calendar date and UT hour (Meeus 1998, ch. 7).

    Host-side helper (plain Python numbers).
    """
    check_range("month", month, 1, 12)
    check_range("day", day, 1, 31)
    check_range("hour", hour, 0.0, 24.0)
    y, m = (year - 1, month + 12) if month <= 2 else (year, month)
    a = y // 100
    b = 2 - a + a // 4
    return (
        int(365.25 * (y + 4716)) + int(30.6001 * (m + 1)) + day + b - 1524.5 + hour / 24.0
    )


class SunPosition(NamedTuple):
    """Geocentric apparent Sun (equatorial frame of date)."""

    unit_eci: jnp.ndarray
    """Unit vector to the Sun in the equatorial frame, shape (..., 3)."""
    distance_au: jnp.ndarray
    """Sun-Earth distance [AU]."""
    right_ascension_rad: jnp.ndarray
    declination_rad: jnp.ndarray
    ecliptic_longitude_rad: jnp.ndarray
    obliquity_rad: jnp.ndarray


def sun_position(julian_date_ut):
    """Sun direction and distance for a Julian date (Astronomical Almanac low precision).

    Parameters
    ----------
    julian_date_ut : Julian date [days] (UT; the TT-UT difference is negligible here).

    Returns
    -------
    SunPosition
    """
    n = jnp.asarray(julian_date_ut) - J2000_JD
    deg = jnp.pi / 180.0
    mean_long = (280.460 + 0.9856474 * n) * deg
    mean_anom = (357.528 + 0.9856003 * n) * deg
    lam = mean_long + (1.915 * jnp.sin(mean_anom) + 0.020 * jnp.sin(2.0 * mean_anom)) * deg
    eps = (23.439 - 4.0e-7 * n) * deg
    r_au = 1.00014 - 0.01671 * jnp.cos(mean_anom) - 0.00014 * jnp.cos(2.0 * mean_anom)
    x = jnp.cos(lam)
    y = jnp.cos(eps) * jnp.sin(lam)
    z = jnp.sin(eps) * jnp.sin(lam)
    ra = jnp.arctan2(y, x)
    dec = jnp.arcsin(z)
    unit = jnp.stack([x, y, z], axis=-1)
    return SunPosition(unit, r_au, ra, dec, jnp.mod(lam, 2 * jnp.pi), eps)


def solar_flux_w_m2(distance_au, solar_constant_w_m2=SOLAR_CONSTANT_1AU_W_M2):
    """Direct solar irradiance [W/m^2] at ``distance_au`` from the Sun (inverse square)."""
    return solar_constant_w_m2 / jnp.asarray(distance_au) ** 2
