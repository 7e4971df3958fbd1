"""Orbit-averaged trapped-particle spectra (AE8/AP8) for circular orbits.

Reads the table written by ``data/scripts/make_trapped_environment.py`` (orbit-averaged
AE8/AP8 integral fluxes J(>E) on an altitude x inclination grid, computed with the
models' epoch geomagnetic fields as exact torus averages -- zonal means integrated over
the argument of latitude, so no time step can alias with the orbital period) and
interpolates it smoothly:

* in altitude and inclination: monotone cubic Hermite (PCHIP, C1) in ln(J + J_floor),
  tensor product, so spectra are differentiable in both orbit parameters;
* in energy: PCHIP of ln J vs ln E; the differential flux is -dJ/dE of that interpolant
  on a refined energy grid (non-negative by monotonicity).

Outside the table (altitude 300-2000 km, inclination 0-110 deg: sun-synchronous orbits
up to 2000 km need 104.9 deg) a ValueError names the range.  Runtime code needs only the HDF5 table, never aep8.

References
----------
- Sawyer, D. M. & Vette, J. I., "AP-8 trapped proton environment for solar maximum and
  solar minimum", NSSDC/WDC-A-R&S 76-06 (1976).
- Vette, J. I., "The AE-8 trapped electron model environment", NSSDC/WDC-A-R&S 91-24
  (1991).
- Heynderickx, D., "Comparison between methods to compensate for the secular motion of
  the South Atlantic Anomaly", Radiat. Meas. 26 (1996) 369: the models must be run on
  their epoch fields (Jensen-Cain 1960 / GSFC 12/66) -- a modern field inflates LEO
  proton fluxes.
- Boscher, D. et al., IRBEM library (AE8/AP8 implementation used through ``aep8``).
"""
from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from orbit.validation import check_range

from . import _tables
from .interp import pchip_eval, pchip_eval_with_derivative

SOLAR_CYCLE_PHASES = ("min", "max")
TRAPPED_PARTICLES = ("proton", "electron")
FLUX_FLOOR_CM2_S = 1.0e-8
"""Integral-flux floor [1/(cm^2 s)] added before taking logs (zero flux -> ln floor)."""


def _check_name(kind, value, allowed):
    if value not in allowed:
        raise ValueError(f"{kind} = {value!r} is not one of {', '.join(map(repr, allowed))}")


@functools.lru_cache(maxsize=None)
def _table(path: str | None = None) -> dict:
    return _tables.load(_tables.TRAPPED_FILE, path)


def trapped_table_ranges() -> dict:
    """Altitude [m] and inclination [rad] ranges covered by the trapped-particle table."""
    t = _table()
    a, i = t["altitude_km"], t["inclination_deg"]
    return {"altitude_m": (float(a[0]) * 1e3, float(a[-1]) * 1e3),
            "inclination_rad": (math.radians(float(i[0])), math.radians(float(i[-1])))}


def check_orbit_in_table(altitude_m, inclination_rad) -> None:
    """Raise ValueError naming the table range if the orbit is outside it."""
    r = trapped_table_ranges()
    lo, hi = r["altitude_m"]
    check_range("altitude_m (AE8/AP8 table range)", altitude_m, lo, hi, units="m")
    lo, hi = r["inclination_rad"]
    check_range("inclination_rad (AE8/AP8 table range)", inclination_rad, lo, hi, units="rad")


def energy_grid_mev(particle: str = "proton") -> np.ndarray:
    """Energies [MeV] of the tabulated integral fluxes."""
    _check_name("particle", particle, TRAPPED_PARTICLES)
    return np.asarray(_table()[f"{particle}_energy_mev"])


def _log_table(particle, solar_cycle, dtype):
    _check_name("particle", particle, TRAPPED_PARTICLES)
    _check_name("solar_cycle", solar_cycle, SOLAR_CYCLE_PHASES)
    t = _table()
    j = t[f"{particle}_{solar_cycle}_integral_flux_cm2_s"]
    return jnp.asarray(np.log(j + FLUX_FLOOR_CM2_S), dtype=dtype)


def _interp_orbit(y, altitude_m, inclination_rad):
    t = _table()
    dt = y.dtype
    return _interp_orbit_jit(y, jnp.asarray(altitude_m, dtype=dt), jnp.asarray(inclination_rad, dtype=dt),
                             jnp.asarray(t["altitude_km"], dtype=dt), jnp.asarray(t["inclination_deg"], dtype=dt))


@jax.jit
def _interp_orbit_jit(y, altitude_m, inclination_rad, xa, xi):
    alt_km = altitude_m / 1e3
    inc_deg = jnp.rad2deg(inclination_rad)

    def one(a, i):
        ya = pchip_eval(xa, y, a)  # (n_inc, n_e)
        return pchip_eval(xi, ya, i)  # (n_e,)

    return jnp.vectorize(one, signature="(),()->(n)")(alt_km, inc_deg)


def trapped_integral_flux_cm2_s(altitude_m, inclination_rad, particle: str = "proton", solar_cycle: str = "min",
                                threshold_mev=None):
    """Orbit-averaged integral flux J(>E) [1/(cm^2 s)].

    Parameters
    ----------
    altitude_m : circular-orbit altitude [m], 300e3..2000e3 (table range).
    inclination_rad : inclination [rad], 0..110 deg (retrograde sun-synchronous included).
    particle : ``"proton"`` (AP8) or ``"electron"`` (AE8).
    solar_cycle : ``"min"`` or ``"max"`` model epoch.
    threshold_mev : optional energy threshold(s) E [MeV] (any shape) inside the table's
        energy range (protons 0.1..400, electrons 0.05..7 MeV).

    Returns
    -------
    Without ``threshold_mev``: (energy_mev (k,) numpy, J (..., k)) at the table energies,
    leading axes from broadcast(altitude, inclination).  With it: J(>threshold) of shape
    broadcast(altitude, inclination) + threshold.shape (monotone cubic in ln E of ln J,
    the same interpolant :func:`trapped_differential_flux` differentiates); traceable and
    differentiable in orbit and threshold.
    """
    check_orbit_in_table(altitude_m, inclination_rad)
    dt = jnp.result_type(jnp.asarray(altitude_m), jnp.asarray(inclination_rad), float)
    y = _log_table(particle, solar_cycle, dt)
    yq = _interp_orbit(y, altitude_m, inclination_rad)
    e = energy_grid_mev(particle)
    if threshold_mev is None:
        return e, jnp.maximum(jnp.exp(yq) - FLUX_FLOOR_CM2_S, 0.0)
    check_range(f"threshold_mev ({particle} table energy range)", threshold_mev, float(e[0]), float(e[-1]), units="MeV")
    th = jnp.asarray(threshold_mev, dtype=dt)
    lq = jnp.log(th).ravel()
    v = _threshold_jit(yq, jnp.asarray(np.log(e), dtype=dt), lq)  # (..., m)
    return jnp.maximum(jnp.exp(v) - FLUX_FLOOR_CM2_S, 0.0).reshape(yq.shape[:-1] + th.shape)


@jax.jit
def _threshold_jit(yq, lej, lq):
    def one(ylog):
        v, _ = pchip_eval_with_derivative(lej, ylog, lq)
        return v

    return jnp.vectorize(one, signature="(k)->(m)")(yq)


def trapped_differential_flux(altitude_m, inclination_rad, particle: str = "proton", solar_cycle: str = "min",
                              refine: int = 4):
    """Orbit-averaged differential flux [1/(cm^2 s MeV)] on a refined energy grid.

    phi(E) = -dJ/dE of the monotone cubic interpolant of ln J vs ln E, evaluated at
    ``refine`` points per table interval.  Its integral over the grid reproduces
    J(E_min) - J(E_max) to the quadrature accuracy (tested).

    Returns
    -------
    (energy_mev (m,) numpy, phi (..., m)).
    """
    check_orbit_in_table(altitude_m, inclination_rad)
    dt = jnp.result_type(jnp.asarray(altitude_m), jnp.asarray(inclination_rad), float)
    y = _log_table(particle, solar_cycle, dt)
    yq = _interp_orbit(y, altitude_m, inclination_rad)  # (..., k)
    e = energy_grid_mev(particle)
    le = np.log(e)
    fine = np.concatenate([np.linspace(le[k], le[k + 1], refine, endpoint=False) for k in range(len(le) - 1)]
                          + [le[-1:]])
    phi = _differential_jit(yq, jnp.asarray(le, dtype=dt), jnp.asarray(fine, dtype=dt))
    return np.exp(fine), phi


@jax.jit
def _differential_jit(yq, lej, fine):
    def one(ylog):
        v, dv = pchip_eval_with_derivative(lej, ylog, fine)
        return jnp.maximum(-jnp.exp(v) * dv / jnp.exp(fine), 0.0)

    return jnp.vectorize(one, signature="(k)->(m)")(yq)
