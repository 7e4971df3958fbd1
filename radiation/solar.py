"""Solar energetic protons: mission fluence at a confidence level, geomagnetic shielding.

Mission fluence: the JPL-model form (Poisson number of events per solar-active year,
log-normal event fluences above 10, 30, 60 and 100 MeV), Monte-Carlo quantiles
tabulated by ``data/scripts/make_solar_proton_fluence.py``; interpolated here with
monotone cubics in log10(active years) and confidence, and in log-log energy (power-law
extrapolation from the end intervals to 1 MeV and 1 GeV -- a stated simplification:
real event spectra flatten below ~10 MeV, so low-energy fluences are conservative).

Geomagnetic shielding: over the torus of orbit phase x node longitude that a precessing
circular orbit fills (J2 drift against the Earth's rotation; see
:func:`orbit_positions_ecef_m`), a proton of rigidity R reaches the spacecraft where R exceeds the
Stoermer vertical cut-off of a tilted centred dipole,
R_c = R_c0 cos^4(lambda_m) / (r/R_E)^2, R_c0 = c B0 R_E / 4 = 14.2 GV (IGRF-13 2020
dipole).  A logistic step in ln R of width 0.1 smooths the penumbra so that the
orbit-averaged transmission is differentiable in altitude and inclination.  The solid
Earth's shadow (the fraction of the sky it blocks) is applied optionally.

References
----------
- Feynman, J. et al., "Interplanetary proton fluence model: JPL 1991", J. Geophys. Res.
  98 (1993) 13281; Feynman, J. et al., J. Spacecraft Rockets 27 (1990) 403.
- ECSS-E-ST-10-04C (2008), Space environment, Annex I.2.3 (JPL model form) and clause 9
  (7 solar-active years per 11-year cycle).
- Smart, D. F. & Shea, M. A., "A review of geomagnetic cutoff rigidities for earth-
  orbiting spacecraft", Adv. Space Res. 36 (2005) 2012 (Stoermer vertical cut-off).
- Alken, P. et al., "International Geomagnetic Reference Field: the thirteenth
  generation", Earth Planets Space 73 (2021) 49 (2020 dipole coefficients).
- Stassinopoulos, E. G. & King, J. H., IEEE Trans. Aerosp. Electron. Syst. AES-10 (1974)
  442 (geomagnetic and Earth-shadow attenuation of solar protons).
"""
from __future__ import annotations

import functools
import math

import jax.numpy as jnp
import numpy as np

from orbit.constants import R_EARTH_M
from orbit.validation import check_range

from . import _tables
from .interp import pchip_eval, pchip_eval_with_derivative

PROTON_REST_ENERGY_MEV = 938.27208816
"""Proton rest energy [MeV] (CODATA 2018)."""
C_M_S = 299792458.0
IGRF2020_G10_NT, IGRF2020_G11_NT, IGRF2020_H11_NT = -29404.8, -1450.9, 4652.5
"""IGRF-13 degree-1 Gauss coefficients at epoch 2020.0 [nT] (Alken et al. 2021)."""
IGRF_REFERENCE_RADIUS_M = 6371200.0
SOLAR_ACTIVE_FRACTION = 7.0 / 11.0
"""Fraction of an 11-year cycle counted as solar-active (ECSS-E-ST-10-04C)."""
SPECTRUM_ENERGY_RANGE_MEV = (1.0, 1000.0)


def _dipole():
    g10, g11, h11 = IGRF2020_G10_NT, IGRF2020_G11_NT, IGRF2020_H11_NT
    b0 = math.sqrt(g10**2 + g11**2 + h11**2) * 1e-9
    # unit vector of the dipole axis pointing to the geomagnetic NORTH pole (ECEF)
    m = -np.array([g11, h11, g10]) / math.sqrt(g10**2 + g11**2 + h11**2)
    rc0_gv = C_M_S * b0 * IGRF_REFERENCE_RADIUS_M / 4.0 / 1e9
    return m, rc0_gv


DIPOLE_AXIS_ECEF, STORMER_RC0_GV = _dipole()


def rigidity_gv(energy_mev):
    """Proton magnetic rigidity [GV] for kinetic energy [MeV]."""
    e = jnp.asarray(energy_mev)
    return jnp.sqrt(e * (e + 2.0 * PROTON_REST_ENERGY_MEV)) / 1000.0


def orbit_positions_ecef_m(altitude_m, inclination_rad, n_phase: int = 72, n_node: int = 40):
    """Earth-fixed positions [m] (n_phase * n_node, 3) covering a circular orbit's torus.

    A circular orbit whose period and node drift (J2 precession against the Earth's
    rotation) are not resonant fills, over the mission, the torus of (argument of
    latitude u, longitude of the node relative to the rotating Earth) uniformly.  The
    long-time average of any Earth-fixed field (here the geomagnetic cut-off) is the
    average over that torus; sampling it on a fixed (u, node-longitude) grid makes the
    average a smooth function of altitude and inclination (a time grid would not: the
    phase of a late sample moves by many radians per km of altitude).
    """
    alt = jnp.asarray(altitude_m)
    inc = jnp.asarray(inclination_rad)
    a = R_EARTH_M + alt
    u = 2.0 * jnp.pi * (jnp.arange(n_phase) + 0.5) / n_phase
    lam = 2.0 * jnp.pi * jnp.arange(n_node) / n_node
    u, lam = (g.ravel() for g in jnp.meshgrid(u, lam, indexing="ij"))
    ci, si = jnp.cos(inc), jnp.sin(inc)
    x = jnp.cos(lam) * jnp.cos(u) - jnp.sin(lam) * jnp.sin(u) * ci
    y = jnp.sin(lam) * jnp.cos(u) + jnp.cos(lam) * jnp.sin(u) * ci
    z = jnp.sin(u) * si
    return a * jnp.stack([x, y, z], axis=-1)


def geomagnetic_transmission(energy_mev, altitude_m, inclination_rad, earth_shadow: bool = True,
                             penumbra_width: float = 0.1):
    """Orbit-averaged fraction of the interplanetary solar-proton flux reaching the orbit.

    Parameters
    ----------
    energy_mev : (m,) proton energies [MeV].
    altitude_m : circular-orbit altitude [m], 150 km..40 000 km.
    inclination_rad : inclination [rad], 0..pi.
    earth_shadow : also remove the part of the sky blocked by the solid Earth,
        factor (1 + cos(theta_E))/2 with sin(theta_E) = R_E / r.
    penumbra_width : logistic width in ln R smoothing the cut-off (dimensionless).

    Returns
    -------
    Transmission (m,) in [0, 1].
    """
    check_range("inclination_rad", inclination_rad, 0.0, math.pi, units="rad")
    pos = orbit_positions_ecef_m(altitude_m, inclination_rad)
    r = jnp.linalg.norm(pos, axis=-1)
    sin_lat_m = pos @ jnp.asarray(DIPOLE_AXIS_ECEF, dtype=pos.dtype) / r
    cos2 = 1.0 - sin_lat_m**2
    rc = STORMER_RC0_GV * cos2**2 / (r / IGRF_REFERENCE_RADIUS_M) ** 2
    lr = jnp.log(rigidity_gv(energy_mev))[:, None]
    frac = jnp.mean(1.0 / (1.0 + jnp.exp(-(lr - jnp.log(rc)[None, :]) / penumbra_width)), axis=-1)
    if earth_shadow:
        rr = R_EARTH_M + jnp.asarray(altitude_m)
        cos_t = jnp.sqrt(1.0 - (R_EARTH_M / rr) ** 2)
        frac = frac * 0.5 * (1.0 + cos_t)
    return frac


@functools.lru_cache(maxsize=None)
def _table(path: str | None = None) -> dict:
    return _tables.load(_tables.SOLAR_FILE, path)


def active_years_range() -> tuple[float, float]:
    """Range of solar-active mission years [yr] covered by the fluence table."""
    y = _table()["active_years"]
    return float(y[0]), float(y[-1])


def _check_mission(active_years, confidence):
    t = _table()
    y, c = t["active_years"], t["confidence"]
    check_range("solar active_years (JPL table range)", active_years, float(y[0]), float(y[-1]), units="yr")
    check_range("confidence (JPL table range)", confidence, float(c[0]), float(c[-1]))


def _log10_threshold_fluence(active_years, confidence, dtype):
    t = _table()
    q = jnp.asarray(t["log10_fluence_cm2"], dtype=dtype)  # (n_th, n_years, n_conf)
    ly = jnp.asarray(np.log10(t["active_years"]), dtype=dtype)
    cg = jnp.asarray(t["confidence"], dtype=dtype)
    qy = pchip_eval(ly, jnp.moveaxis(q, 1, 0), jnp.log10(jnp.asarray(active_years, dtype=dtype)))  # (n_th, n_conf)
    return pchip_eval(cg, jnp.moveaxis(qy, 1, 0), jnp.asarray(confidence, dtype=dtype))  # (n_th,)


def solar_proton_integral_fluence_cm2(active_years, confidence=0.95):
    """Mission integral fluence F(>E) [1/cm^2] at 1 AU at the table thresholds.

    Parameters
    ----------
    active_years : solar-active years in the mission [yr], 0.25..20.
    confidence : probability that the mission fluence is NOT exceeded, 0.5..0.99.

    Returns
    -------
    (threshold_mev (4,) numpy, fluence (4,)).
    """
    _check_mission(active_years, confidence)
    dt = jnp.result_type(jnp.asarray(active_years), jnp.asarray(confidence), float)
    return np.asarray(_table()["threshold_mev"]), 10.0 ** _log10_threshold_fluence(active_years, confidence, dt)


def solar_proton_differential_fluence(active_years, confidence=0.95, points_per_decade: int = 40):
    """Mission differential fluence [1/(cm^2 MeV)] at 1 AU on a log grid 1..1000 MeV.

    log10 F(>E) is interpolated in log10 E between the thresholds with a monotone cubic
    and extended linearly (power law) from the end intervals; phi = -dF/dE.
    """
    _check_mission(active_years, confidence)
    dt = jnp.result_type(jnp.asarray(active_years), jnp.asarray(confidence), float)
    lq = _log10_threshold_fluence(active_years, confidence, dt)
    th = np.log10(_table()["threshold_mev"])
    lo, hi = np.log10(SPECTRUM_ENERGY_RANGE_MEV)
    n = int(round((hi - lo) * points_per_decade)) + 1
    le = np.linspace(lo, hi, n)
    # extend the nodes with power-law end segments so the cubic extrapolates linearly
    s0 = (lq[1] - lq[0]) / (th[1] - th[0])
    s1 = (lq[-1] - lq[-2]) / (th[-1] - th[-2])
    x = np.concatenate([[lo], th, [hi]])
    y = jnp.concatenate([(lq[0] + s0 * (lo - th[0]))[None], lq, (lq[-1] + s1 * (hi - th[-1]))[None]])
    v, dv = pchip_eval_with_derivative(jnp.asarray(x, dtype=dt), y, jnp.asarray(le, dtype=dt))
    e = 10.0 ** le
    phi = jnp.maximum(-(10.0**v) * dv / jnp.asarray(e, dtype=dt), 0.0)
    return e, phi
