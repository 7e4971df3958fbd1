"""Generate orbit-averaged AE8/AP8 trapped-particle spectra for circular orbits.

Method (no time stepping, so nothing can alias with the orbital period)
----------------------------------------------------------------------
A circular orbit whose period and node drift (J2 precession against the Earth's
rotation) are not resonant fills, over a mission, the torus of (argument of latitude u,
longitude of the ascending node relative to the rotating Earth lambda) uniformly, with
u advancing uniformly in time.  At fixed u, varying lambda only rotates the point in
longitude at the geocentric latitude phi = asin(sin u sin i).  The long-time orbit
average of any Earth-fixed field F (here the AE8/AP8 integral flux at the orbit radius)
is therefore

    <F>(h, i) = (1/2 pi) integral_0^{2 pi} Z(h, asin(sin u sin i)) du,

where Z(h, phi) is the ZONAL MEAN of F (average over longitude at geocentric latitude
phi on the sphere of radius R_E + h).  The script

1. evaluates the four models (AE8 MIN/MAX, AP8 MIN/MAX) with ``aep8`` on a
   latitude x longitude grid at every altitude (``LAT_STEP_DEG`` x ``LON_STEP_DEG``;
   (B/B0, L) on the models' own epoch fields: Jensen-Cain 1960 for AE8MIN/AE8MAX/AP8MIN,
   GSFC 12/66 updated to 1970 for AP8MAX -- never a modern IGRF, which would move the
   SAA and inflate LEO proton fluxes several-fold);  NaN model values (outside the
   trapped region) count as zero flux;
2. averages over longitude (periodic trapezoid = sample mean) -> Z(h, phi, E);
3. for every inclination node integrates over u with ``N_U`` midpoint nodes, Z
   interpolated linearly in latitude.

Inclinations above 90 deg need no model calls: the orbit of inclination 180 - i is the
one of inclination i flown backwards, so it covers the same torus and has the same
average; the formula above depends on i only through sin i.

The orbit radius is R_E + h (spherical Earth, as in ``orbit``).  The grid is refined
where the fluxes change fastest (low altitudes; the inclinations that cross the SAA
latitudes).  Convergence in the latitude/longitude steps and N_U, and the comparison
with a fine direct time-stepped aep8 propagation, are in data/README.md and the tests.

Run:  python data/scripts/make_trapped_environment.py [--tiny] [--out PATH]
      (full grid ~12 CPU-minutes; ``--tiny`` regenerates 1 altitude x 2 inclinations, 20 and
      30 deg, evaluating only the latitudes those orbits reach)
"""
from __future__ import annotations

import argparse
import datetime as _dt
import sys
import time
from pathlib import Path

import h5py
import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

DEFAULT_OUT = REPO / "data" / "radiation_trapped_ae8ap8.h5"
ALTITUDES_KM = np.array([300, 350, 400, 450, 500, 550, 600, 650, 700, 800, 900, 1000, 1100, 1200, 1300, 1400,
                         1500, 1600, 1800, 2000], float)
INCLINATIONS_DEG = np.concatenate([np.arange(0.0, 60.0, 2.5), np.arange(60.0, 110.01, 5.0)])
PROTON_ENERGIES_MEV = np.append(10.0 ** (np.arange(-20, 53) / 20.0), 400.0)  # 0.1 .. 400 MeV
ELECTRON_ENERGIES_MEV = 10.0 ** (np.arange(-26, 17) / 20.0)  # 0.05 .. ~6.3 MeV (aep8: NaN below 0.05)
ELECTRON_ENERGIES_MEV[0] = 0.05
ELECTRON_ENERGIES_MEV = np.append(ELECTRON_ENERGIES_MEV, 7.0)
LAT_STEP_DEG = 0.5
LON_STEP_DEG = 2.0
N_U = 7200
EPOCH = "2000-01-01T00:00:00"  # irrelevant to the epoch-field models; recorded for provenance
MODELS = (("e", "min"), ("e", "max"), ("p", "min"), ("p", "max"))
FIELD_OF = {("e", "min"): "jensen_cain_1960", ("e", "max"): "jensen_cain_1960",
            ("p", "min"): "jensen_cain_1960", ("p", "max"): "gsfc_1266"}
FIELD_MODEL = {"jensen_cain_1960": ("p", "min"), "gsfc_1266": ("p", "max")}

TINY_ALTITUDES_KM = np.array([500.0])
TINY_INCLINATIONS_DEG = np.array([20.0, 30.0])


def _energies(particle: str) -> np.ndarray:
    return PROTON_ENERGIES_MEV if particle == "p" else ELECTRON_ENERGIES_MEV


def _flux(key, L, B, energies_mev):
    """Integral flux [1/(cm2 s)] (n, k) of model ``key`` at (L, B/B0); NaN -> 0."""
    import aep8
    from astropy import units as u

    with np.errstate(invalid="ignore"):
        f = aep8.model(*key).integral_flux_for_geomagnetic_coordinates(
            np.asarray(L)[:, None], np.asarray(B)[:, None], np.asarray(energies_mev) * u.MeV
        ).to_value(u.cm**-2 * u.s**-1)
    return np.where(np.isfinite(f), f, 0.0)


def _coords(pos_m: np.ndarray) -> dict:
    """(L, B/B0) at ECEF positions [m] for both epoch fields (the expensive part)."""
    import aep8
    from astropy import units as u
    from astropy.coordinates import EarthLocation
    from astropy.time import Time

    loc = EarthLocation.from_geocentric(pos_m[:, 0], pos_m[:, 1], pos_m[:, 2], unit=u.m)
    out = {}
    for field, key in FIELD_MODEL.items():
        L, B = aep8.model(*key).geomagnetic_coordinates(loc, Time(EPOCH))
        out[field] = (np.asarray(L), np.asarray(B))
    return out


def latitude_grid_deg(step_deg: float = LAT_STEP_DEG, max_abs_deg: float = 90.0) -> np.ndarray:
    """Latitude nodes [deg] of the global grid with |phi| <= max_abs_deg (+ one node margin)."""
    n = int(round(180.0 / step_deg))
    lat = np.linspace(-90.0, 90.0, n + 1)
    return lat[np.abs(lat) <= max_abs_deg + step_deg * (1.0 + 1e-9)]


def zonal_mean_flux(altitude_m: float, lat_step_deg: float = LAT_STEP_DEG, lon_step_deg: float = LON_STEP_DEG,
                    models=MODELS, max_abs_lat_deg: float = 90.0) -> tuple[np.ndarray, dict]:
    """Zonal-mean integral flux Z(phi, E) [1/(cm2 s)] of each model at one altitude.

    Only the latitudes an orbit of inclination <= ``max_abs_lat_deg`` reaches are evaluated
    (the same nodes as the global grid, so a restricted run reproduces the full one).
    Returns (latitudes_deg (n_lat,), {model_key: (n_lat, n_E)}).
    """
    from orbit.constants import R_EARTH_M

    lat = latitude_grid_deg(lat_step_deg, max_abs_lat_deg)
    n_lon = int(round(360.0 / lon_step_deg))
    lon = (np.arange(n_lon) + 0.5) * (360.0 / n_lon)
    la, lo = np.meshgrid(np.radians(lat), np.radians(lon), indexing="ij")
    r = R_EARTH_M + altitude_m
    pos = r * np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1).reshape(-1, 3)
    c = _coords(pos)
    out = {}
    for key in models:
        L, B = c[FIELD_OF[key]]
        f = _flux(key, L, B, _energies(key[0]))
        out[key] = f.reshape(len(lat), n_lon, -1).mean(axis=1)
    return lat, out


def orbit_average_from_zonal(lat_deg: np.ndarray, zonal: np.ndarray, inclination_deg, n_u: int = N_U) -> np.ndarray:
    """<F>(i) = mean over u of Z(asin(sin u sin i)) (midpoint rule in u, Z linear in latitude).

    zonal : (n_lat, n_E).  Returns (n_inc, n_E) for the inclinations given.
    """
    inc = np.atleast_1d(np.asarray(inclination_deg, float))
    u = 2.0 * np.pi * (np.arange(n_u) + 0.5) / n_u
    out = np.empty((len(inc), zonal.shape[1]))
    step = lat_deg[1] - lat_deg[0]
    for k, i in enumerate(inc):
        phi = np.degrees(np.arcsin(np.clip(np.sin(u) * np.sin(np.radians(i)), -1.0, 1.0)))
        x = (phi - lat_deg[0]) / step
        j = np.clip(np.floor(x).astype(int), 0, len(lat_deg) - 2)
        t = (x - j)[:, None]
        out[k] = ((1.0 - t) * zonal[j] + t * zonal[j + 1]).mean(axis=0)
    return out


def orbit_positions_ecef_m(altitude_m: float, inclination_rad: float, n_samples: int, days: float,
                           raan0_rad: float = 0.0):
    """Earth-fixed positions [m] (n, 3) at equal time steps along a precessing circular orbit
    (for the direct time-stepped check; the table itself does not use time steps)."""
    import jax

    import orbit
    from orbit.constants import OMEGA_EARTH_RAD_S, R_EARTH_M, SECONDS_PER_DAY

    jax.config.update("jax_enable_x64", True)  # reproducible orbit arithmetic
    a = R_EARTH_M + altitude_m
    n_rad_s = 2.0 * np.pi / float(orbit.period_s(altitude_m))
    raan_dot = float(orbit.node_precession_rad_s(altitude_m, inclination_rad))
    t = np.arange(n_samples) * (days * SECONDS_PER_DAY / n_samples)
    u = n_rad_s * t
    raan = raan0_rad + raan_dot * t
    ci, si = np.cos(inclination_rad), np.sin(inclination_rad)
    x = np.cos(raan) * np.cos(u) - np.sin(raan) * np.sin(u) * ci
    y = np.sin(raan) * np.cos(u) + np.cos(raan) * np.sin(u) * ci
    z = np.sin(u) * si
    theta = OMEGA_EARTH_RAD_S * t  # Earth rotation angle since the start
    xe = np.cos(theta) * x + np.sin(theta) * y
    ye = -np.sin(theta) * x + np.cos(theta) * y
    return a * np.stack([xe, ye, z], axis=-1)


def orbit_average_integral_flux(altitude_m, inclination_rad, energies_mev, particle, solar,
                                n_samples=200_000, days=60.0):
    """Direct time-stepped orbit average of J(>E) [1/(cm2 s)] with aep8 (the independent check).

    Default: 200 000 equal steps over 60 days (26 s steps, ~4-5 per degree of argument of
    latitude... many short steps over a duration not commensurate with the period).
    """
    key = (particle, solar)
    pos = orbit_positions_ecef_m(altitude_m, inclination_rad, n_samples, days)
    L, B = _coords_one(pos, FIELD_OF[key])
    return _flux(key, L, B, energies_mev).mean(axis=0)


def _coords_one(pos_m, field):
    import aep8
    from astropy import units as u
    from astropy.coordinates import EarthLocation
    from astropy.time import Time

    loc = EarthLocation.from_geocentric(pos_m[:, 0], pos_m[:, 1], pos_m[:, 2], unit=u.m)
    L, B = aep8.model(*FIELD_MODEL[field]).geomagnetic_coordinates(loc, Time(EPOCH))
    return np.asarray(L), np.asarray(B)


def build(out: Path, tiny: bool = False, lat_step_deg: float = LAT_STEP_DEG, lon_step_deg: float = LON_STEP_DEG,
          n_u: int = N_U, verbose: bool = False) -> Path:
    import aep8
    import astropy

    t0 = time.perf_counter()
    alts = TINY_ALTITUDES_KM if tiny else ALTITUDES_KM
    incs = TINY_INCLINATIONS_DEG if tiny else INCLINATIONS_DEG
    res = {k: np.zeros((len(alts), len(incs), len(_energies(k[0])))) for k in MODELS}
    # inclinations above 90 deg are their supplements' (same torus)
    inc_eff = np.where(incs > 90.0, 180.0 - incs, incs)
    for ia, alt in enumerate(alts):
        lat, zonal = zonal_mean_flux(alt * 1e3, lat_step_deg, lon_step_deg, max_abs_lat_deg=float(inc_eff.max()))
        for key in MODELS:
            res[key][ia] = orbit_average_from_zonal(lat, zonal[key], inc_eff, n_u)
        if verbose:
            print(f"  {alt:6.0f} km done at {time.perf_counter() - t0:6.1f} s", flush=True)
    tmp = Path(str(out) + ".tmp")
    with h5py.File(tmp, "w") as f:
        f.attrs["title"] = "Orbit-averaged AE8/AP8 integral fluxes J(>E) for circular orbits"
        f.attrs["model"] = "NASA AE8MIN/AE8MAX/AP8MIN/AP8MAX via aep8 (IRBEM), epoch geomagnetic fields"
        f.attrs["aep8_version"] = aep8.__version__
        f.attrs["astropy_version"] = astropy.__version__
        f.attrs["numpy_version"] = np.__version__
        f.attrs["sampling"] = (f"torus average: zonal means on a {lat_step_deg} deg (latitude) x {lon_step_deg} deg "
                               f"(longitude) grid at radius R_E + h, then mean over {n_u} midpoint nodes of the "
                               "argument of latitude u with phi = asin(sin u sin i) (no time steps, no aliasing); "
                               "inclinations > 90 deg = their supplements; NaN model values counted as zero flux")
        f.attrs["fields"] = "AE8MIN/AE8MAX/AP8MIN: Jensen & Cain 1960; AP8MAX: GSFC 12/66 updated to 1970"
        f.attrs["created_utc"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        f.attrs["script"] = "data/scripts/make_trapped_environment.py" + (" --tiny" if tiny else "")
        f.attrs["units"] = "integral flux 1/(cm2 s); energies MeV; altitude km; inclination deg"
        f.create_dataset("altitude_km", data=alts)
        f.create_dataset("inclination_deg", data=incs)
        f.create_dataset("proton_energy_mev", data=PROTON_ENERGIES_MEV)
        f.create_dataset("electron_energy_mev", data=ELECTRON_ENERGIES_MEV)
        for (p, s), v in res.items():
            name = {"p": "proton", "e": "electron"}[p]
            f.create_dataset(f"{name}_{s}_integral_flux_cm2_s", data=v)
        f.attrs["generation_seconds"] = time.perf_counter() - t0
    tmp.replace(out)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny", action="store_true", help="1 x 2 orbit grid at shipped nodes (CI)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--lat-step", type=float, default=LAT_STEP_DEG)
    ap.add_argument("--lon-step", type=float, default=LON_STEP_DEG)
    ap.add_argument("--n-u", type=int, default=N_U)
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    path = build(a.out, a.tiny, a.lat_step, a.lon_step, a.n_u, verbose=True)
    print(f"wrote {path} in {time.perf_counter() - t0:.1f} s ({path.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
