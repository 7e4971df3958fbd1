"""Thermospheric mass density over a solar cycle, from an NRLMSIS 2.1 table.

The table ``data/atmosphere_msis_density.npz`` (made once by
``data/scripts/make_atmosphere_density.py`` with :func:`msis_global_mean_density_kg_m3`)
holds the *global-mean* total mass density of NRLMSIS 2.1 -- area-weighted over latitude,
uniform over longitude (all local times at one universal time) and averaged over four
seasons (equinoxes and solstices) -- on a grid of altitude x F10.7 x Ap.  At run time
:func:`density_kg_m3` interpolates ``log(rho)`` -- a cubic Hermite in altitude (continuous
slope) and linear in F10.7 and Ap: pure ``jax.numpy``, differentiable in altitude and in the
activity indices.

Solar activity over a mission follows :func:`solar_cycle_f107`, a raised-cosine 11-year
cycle between a long-term low and high F10.7, and :func:`mission_mean_density_kg_m3`
averages the density over the mission (the time average of the density, not the density
at the average activity: the density is convex in F10.7).

F10.7 and F10.7a (81-day mean) are set equal in the table (long-term averages, as
ECSS-E-ST-10-04C clause 7.2.1.2c prescribes for analysis periods beyond a week).

Limits: the global mean hides the diurnal bulge (day/night ratio ~2 at 500 km) and the
latitude weighting of a particular inclination; a sun-synchronous orbit at a fixed local
time sees a density that differs from the global mean by tens of per cent (dawn-dusk
lower, noon higher).  Empirical thermosphere models themselves carry ~15-20 % (1 sigma)
errors (Bowman et al. 2008, AIAA 2008-6438).

References
----------
- Emmert, J. T. et al. (2021), "NRLMSIS 2.0: A whole-atmosphere empirical model of
  temperature and neutral species densities", Earth and Space Science 8, e2020EA001321;
  NRLMSIS 2.1: Emmert et al. (2022), GRL 49, e2022GL099654.  Run through ``pymsis``
  0.13 (SWxTREC, MIT licence) with explicit F10.7/F10.7a/Ap (no space-weather download).
- ECSS-E-ST-10-04C (2008), Space environment, clause 6 Table 6-3 (long-term solar and
  geomagnetic activity: low F10.7 = 65, Ap = 0; moderate 140, 15; high 250, 45) and
  clause 7.2.1.2.
- Hathaway, D. H. (2015), "The solar cycle", Living Rev. Solar Phys. 12, 4: mean cycle
  period ~11 yr.
- NOAA/NASA Solar Cycle 25 Prediction Panel (15 Sept 2020): solar minimum December 2019.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from .validation import check_positive, check_range

TABLE_FILE = "atmosphere_msis_density.npz"

F107_LOW_SFU = 65.0
"""ECSS-E-ST-10-04C Table 6-3 long-term low solar activity F10.7 [sfu]."""
F107_HIGH_SFU = 250.0
"""ECSS-E-ST-10-04C Table 6-3 long-term high solar activity F10.7 [sfu]."""
AP_MODERATE = 15.0
"""ECSS-E-ST-10-04C Table 6-3 moderate geomagnetic activity Ap [-] (used with all cycle phases)."""
SOLAR_CYCLE_PERIOD_YEARS = 11.0
"""Mean solar-cycle period [yr] (Hathaway 2015)."""
SOLAR_MINIMUM_YEAR = 2019.96
"""Start of cycle 25 (December 2019), NOAA/NASA Solar Cycle 25 Prediction Panel (2020)."""

MSIS_VERSION = 2.1
_SEASON_DATES = ("2021-03-20T12:00", "2021-06-21T12:00", "2021-09-22T12:00", "2021-12-21T12:00")


def _data_dir() -> Path:
    env = os.environ.get("SUNSINK_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "data"


@functools.lru_cache(maxsize=None)
def density_table(path: str | None = None) -> dict:
    """The density table as numpy arrays (host side, cached).

    Keys: ``altitude_m`` (n_h,), ``f107_sfu`` (n_f,), ``ap`` (n_a,), ``log_density``
    (n_h, n_f, n_a) = ln(rho [kg/m^3]).
    """
    p = Path(path) if path else _data_dir() / TABLE_FILE
    if not p.exists():
        raise FileNotFoundError(f"density table {p} not found; run data/scripts/make_atmosphere_density.py "
                                "or set SUNSINK_DATA_DIR")
    with np.load(p) as z:
        return {k: np.asarray(z[k]) for k in ("altitude_m", "f107_sfu", "ap", "log_density")}


def msis_global_mean_density_kg_m3(altitude_m, f107_sfu, ap, *, n_lat: int = 36, n_lon: int = 24):
    """Global-mean NRLMSIS 2.1 mass density [kg/m^3] (host side, numpy; calls pymsis).

    Averages over latitude (cos-weighted cell centres), longitude (= local time at one
    universal time) and the four season dates; F10.7 = F10.7a = ``f107_sfu``, daily Ap =
    ``ap``.  The indices are always passed explicitly, so pymsis never reads or downloads
    space-weather files.

    Parameters
    ----------
    altitude_m : 1-D array of altitudes [m] (geodetic), 0-1000 km is MSIS's fitted range
        (the model extrapolates above).
    f107_sfu, ap : scalars, solar 10.7 cm flux [sfu] and daily Ap [-].

    Returns
    -------
    numpy array, shape of ``altitude_m``.
    """
    from pymsis import msis  # host-only dependency (generator and tests)

    alts_km = np.atleast_1d(np.asarray(altitude_m, dtype=float)) / 1e3
    check_range("altitude_m", alts_km * 1e3, 0.0, 2.5e6, units="m")
    check_range("f107_sfu", f107_sfu, 0.0, 500.0, lo_inclusive=False, units="sfu")
    check_range("ap", ap, 0.0, 400.0)
    dates = np.array(_SEASON_DATES, dtype="datetime64[m]")
    lats = -90.0 + (np.arange(n_lat) + 0.5) * 180.0 / n_lat
    lons = (np.arange(n_lon) + 0.5) * 360.0 / n_lon
    nd = len(dates)
    out = msis.calculate(dates, lons, lats, alts_km, f107s=[float(f107_sfu)] * nd, f107as=[float(f107_sfu)] * nd,
                         aps=[[float(ap)] * 7] * nd, version=MSIS_VERSION)
    rho = np.asarray(out[..., 0]).reshape(nd, n_lon, n_lat, len(alts_km))
    w = np.cos(np.radians(lats))
    return (rho * w[None, None, :, None]).sum(axis=2).mean(axis=(0, 1)) / w.sum()


def _interp_weights(grid, x):
    """Index of the lower node and the linear weight for x in a 1-D increasing grid (clipped)."""
    g = jnp.asarray(grid, dtype=jnp.result_type(x, float))
    x = jnp.clip(x, g[0], g[-1])
    i = jnp.clip(jnp.searchsorted(g, x, side="right") - 1, 0, g.shape[0] - 2)
    w = (x - g[i]) / (g[i + 1] - g[i])
    return i, w


def _slopes(t: dict):
    return np.gradient(t["log_density"], t["altitude_m"], axis=0, edge_order=2)


@functools.lru_cache(maxsize=4)
def _shipped_arrays(dtype):
    """The shipped table as numpy arrays of ``dtype`` (cached per precision; numpy, so no
    tracer is ever cached)."""
    t = density_table()
    return tuple(np.asarray(a, dtype=dtype) for a in (t["altitude_m"], t["f107_sfu"], t["ap"], t["log_density"],
                                                        _slopes(t)))


def _table_arrays(table: dict | None):
    dtype = jax.dtypes.canonicalize_dtype(jnp.float64)  # float32 when x64 is off
    if table is None:
        return _shipped_arrays(dtype)
    return tuple(np.asarray(a, dtype=dtype) for a in (table["altitude_m"], table["f107_sfu"], table["ap"],
                                                        table["log_density"], _slopes(table)))


def density_kg_m3(altitude_m, f107_sfu, ap=AP_MODERATE, *, table: dict | None = None):
    """Global-mean thermospheric mass density [kg/m^3] from the NRLMSIS 2.1 table.

    ``ln(rho)`` is a cubic Hermite in altitude (node slopes by second-order finite
    differences), so the density and its altitude derivative are continuous (an optimiser
    over altitude sees no kinks at the nodes), and linear in F10.7 and Ap.

    Parameters
    ----------
    altitude_m : altitude [m], table range 250-1500 km.
    f107_sfu : F10.7 (= F10.7a) [sfu], table range 60-300.
    ap : daily Ap [-], table range 0-50 (default 15, ECSS moderate).
    table : a dict as returned by :func:`density_table` (default: the shipped table).

    Returns
    -------
    Density [kg/m^3], broadcast shape of the inputs; differentiable in all three.
    Interpolation error vs. the direct global-mean MSIS call at cell centres < 1.5 %
    (tests/orbit/test_atmosphere_drag.py).
    """
    t = density_table() if table is None else table
    h, f, a = t["altitude_m"], t["f107_sfu"], t["ap"]
    check_range("altitude_m", altitude_m, float(h[0]), float(h[-1]), units="m")
    check_range("f107_sfu", f107_sfu, float(f[0]), float(f[-1]), units="sfu")
    check_range("ap", ap, float(a[0]), float(a[-1]))
    return _density_core(altitude_m, f107_sfu, ap, *_table_arrays(table))


@jax.jit
def _density_core(altitude_m, f107_sfu, ap, h, f, a, log_density, slopes):
    altitude_m, f107_sfu, ap = jnp.broadcast_arrays(*(jnp.asarray(v, dtype=jnp.result_type(float, v))
                                                      for v in (altitude_m, f107_sfu, ap)))
    dt = altitude_m.dtype
    lr = jnp.asarray(log_density, dtype=dt)
    dlr = jnp.asarray(slopes, dtype=dt)
    hg = jnp.asarray(h, dtype=dt)
    ih, s = _interp_weights(hg, altitude_m)
    step = hg[ih + 1] - hg[ih]
    h00 = (1 + 2 * s) * (1 - s) ** 2
    h10 = s * (1 - s) ** 2
    h01 = s * s * (3 - 2 * s)
    h11 = s * s * (s - 1)
    jf, wf = _interp_weights(f, f107_sfu)
    ka, wa = _interp_weights(a, ap)
    acc = 0.0
    for df, cf in ((0, 1 - wf), (1, wf)):
        for da, ca in ((0, 1 - wa), (1, wa)):
            j, k = jf + df, ka + da
            y = (h00 * lr[ih, j, k] + h01 * lr[ih + 1, j, k]
                 + step * (h10 * dlr[ih, j, k] + h11 * dlr[ih + 1, j, k]))
            acc = acc + cf * ca * y
    return jnp.exp(acc)


def solar_cycle_f107(year, f107_min_sfu=F107_LOW_SFU, f107_max_sfu=F107_HIGH_SFU,
                     minimum_year=SOLAR_MINIMUM_YEAR, period_years=SOLAR_CYCLE_PERIOD_YEARS):
    """Long-term (81-day-mean) F10.7 [sfu] of a raised-cosine solar cycle.

    F(t) = F_min + (F_max - F_min) (1 - cos(2 pi (t - t_min)/P)) / 2, a smooth cycle from the
    ECSS long-term low (65) at the minimum (December 2019 for cycle 25) to the long-term
    high (250) half a period later.  Real cycles rise faster than they fall and their
    amplitudes differ (cycle 24 peaked near a smoothed F10.7 of 130); the defaults bound
    the activity conservatively for drag design.

    Parameters
    ----------
    year : decimal calendar year [yr].
    f107_min_sfu, f107_max_sfu : activity at minimum and maximum [sfu].
    minimum_year : epoch of a solar minimum [yr]; period_years : cycle period [yr].
    """
    check_positive("period_years", period_years, units="yr")
    phase = 2.0 * jnp.pi * (jnp.asarray(year) - minimum_year) / period_years
    return f107_min_sfu + (f107_max_sfu - f107_min_sfu) * 0.5 * (1.0 - jnp.cos(phase))


def mission_mean_density_kg_m3(altitude_m, launch_year, life_years, *, ap=AP_MODERATE,
                               f107_min_sfu=F107_LOW_SFU, f107_max_sfu=F107_HIGH_SFU,
                               minimum_year=SOLAR_MINIMUM_YEAR, period_years=SOLAR_CYCLE_PERIOD_YEARS,
                               n_samples: int = 128, table: dict | None = None):
    """Time-averaged density [kg/m^3] over a mission from ``launch_year`` for ``life_years``.

    Midpoint rule with ``n_samples`` (static) equal steps over the life; the integrand is
    smooth (period 11 yr), so 128 samples are converged to < 1e-4 for lives up to 30 yr.
    Differentiable in altitude, launch year, life and the cycle parameters.

    Parameters
    ----------
    altitude_m : altitude [m]; launch_year : decimal year [yr]; life_years : mission life [yr].
    ap, f107_min_sfu, f107_max_sfu, minimum_year, period_years : see :func:`solar_cycle_f107`.

    Returns
    -------
    Mean density [kg/m^3], shape of ``altitude_m`` broadcast with the other inputs.
    """
    check_range("life_years", life_years, 0.0, 100.0, lo_inclusive=False, units="yr")
    check_range("launch_year", launch_year, 1950.0, 2200.0, units="yr")
    t = density_table() if table is None else table
    check_range("ap", ap, float(t["ap"][0]), float(t["ap"][-1]))
    f_lo, f_hi = float(t["f107_sfu"][0]), float(t["f107_sfu"][-1])
    check_range("f107_min_sfu", f107_min_sfu, f_lo, f_hi, units="sfu")
    check_range("f107_max_sfu", f107_max_sfu, f_lo, f_hi, units="sfu")
    check_range("altitude_m", altitude_m, float(t["altitude_m"][0]), float(t["altitude_m"][-1]), units="m")
    return _mission_mean_core(altitude_m, launch_year, life_years, ap, f107_min_sfu, f107_max_sfu, minimum_year,
                              period_years, n_samples, *_table_arrays(table))


@functools.partial(jax.jit, static_argnums=(8,))
def _mission_mean_core(altitude_m, launch_year, life_years, ap, f107_min_sfu, f107_max_sfu, minimum_year,
                       period_years, n_samples, h, f, a, log_density, slopes):
    s = (jnp.arange(n_samples) + 0.5) / n_samples
    years = jnp.asarray(launch_year)[..., None] + jnp.asarray(life_years)[..., None] * s
    fs = f107_min_sfu + (f107_max_sfu - f107_min_sfu) * 0.5 * (
        1.0 - jnp.cos(2.0 * jnp.pi * (years - minimum_year) / period_years))
    rho = _density_core(jnp.asarray(altitude_m)[..., None], fs, ap, h, f, a, log_density, slopes)
    return jnp.mean(rho, axis=-1)
