"""Sampled positions, attitude frames and Sun vectors along one circular orbit.

The samples live in the *beta frame*: the orbit lies in the x-y plane, its normal
h = +z, and the Sun direction is fixed over one orbit at
s = (cos beta, 0, sin beta).  The orbit angle theta is measured from orbit noon
(the point nearest the Sun) in the direction of motion.  Every quantity that a
thermal or power model needs along one orbit (nadir, velocity, Sun vector,
shadow) is a function of (altitude, beta) only, so orbit-averages are
differentiable in both.

References
----------
- Gilmore, D. G. (ed.), *Spacecraft Thermal Control Handbook*, Vol. I, 2nd ed.
  (2002), ch. 2: beta-angle description of orbital heating.
"""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from .circular import period_s, semi_major_axis_m
from .eclipse import sunlit_fraction_along_orbit


class OrbitSamples(NamedTuple):
    """Quantities at equally spaced times over one orbit (leading axes broadcast)."""

    time_s: jnp.ndarray
    """Time since orbit noon [s], shape (..., n)."""
    theta_rad: jnp.ndarray
    """Orbit angle from orbit noon [rad], shape (..., n)."""
    position_m: jnp.ndarray
    """Position from the Earth's centre [m], beta frame, shape (..., n, 3)."""
    nadir_unit: jnp.ndarray
    """Unit vector to the Earth's centre, shape (..., n, 3)."""
    velocity_unit: jnp.ndarray
    """Unit vector along the velocity (ram), shape (..., n, 3)."""
    orbit_normal_unit: jnp.ndarray
    """Unit orbit normal h = +z, shape (..., n, 3)."""
    sun_unit: jnp.ndarray
    """Unit vector to the Sun, shape (..., n, 3)."""
    sunlit: jnp.ndarray
    """Visible fraction of the solar disk, 0 (shadow) .. 1 (sunlit), shape (..., n)."""
    altitude_m: jnp.ndarray
    beta_rad: jnp.ndarray


def orbit_samples(altitude_m, beta_rad, n_samples: int = 360, penumbra: bool = False) -> OrbitSamples:
    """Sample one circular orbit at ``n_samples`` equal time steps.

    Parameters
    ----------
    altitude_m : altitude [m].
    beta_rad : solar beta angle [rad], -pi/2 .. pi/2.
    n_samples : number of samples (static); averages over the samples are the
        periodic trapezoidal rule, spectrally accurate for smooth integrands.
    penumbra : shadow model of the ``sunlit`` factor (see :func:`orbit.eclipse_fraction`).
    """
    altitude_m = jnp.asarray(altitude_m)
    beta_rad = jnp.asarray(beta_rad)
    a = semi_major_axis_m(altitude_m)[..., None]
    theta = 2.0 * jnp.pi * jnp.arange(n_samples) / n_samples
    theta = jnp.broadcast_to(theta, a.shape[:-1] + (n_samples,))
    c, s = jnp.cos(theta), jnp.sin(theta)
    zeros = jnp.zeros_like(theta)
    ones = jnp.ones_like(theta)
    # Orbit noon at +x rotated so the Sun sits at (cos b, 0, sin b): position at theta=0
    # is along +x, the projection of the Sun onto the orbit plane.
    r_hat = jnp.stack([c, s, zeros], axis=-1)
    v_hat = jnp.stack([-s, c, zeros], axis=-1)
    h_hat = jnp.stack([zeros, zeros, ones], axis=-1)
    b = beta_rad[..., None]
    sun = jnp.stack([jnp.cos(b) * ones, zeros, jnp.sin(b) * ones], axis=-1)
    sunlit = sunlit_fraction_along_orbit(altitude_m, beta_rad, n_samples, penumbra=penumbra)
    t = theta / (2.0 * jnp.pi) * period_s(altitude_m)[..., None]
    return OrbitSamples(
        time_s=t,
        theta_rad=theta,
        position_m=r_hat * a[..., None],
        nadir_unit=-r_hat,
        velocity_unit=v_hat,
        orbit_normal_unit=h_hat,
        sun_unit=sun,
        sunlit=sunlit,
        altitude_m=altitude_m,
        beta_rad=beta_rad,
    )
