"""Generate orbit-averaged AE8/AP8 trapped-particle spectra for circular orbits.

For every (altitude, inclination) node the script samples positions along a circular
orbit at equal time steps over ``DAYS`` days: argument of latitude advancing at the
Keplerian mean motion, the ascending node drifting at the J2 rate (both from ``orbit``),
and the Earth rotating underneath at its sidereal rate, so the ground track covers the
longitudes (and the South Atlantic Anomaly) evenly.  At each sample the NASA AE8/AP8
MIN/MAX models are evaluated with the ``aep8`` package, which computes (B/B0, L) on the
models' own epoch fields (Jensen-Cain 1960 for AE8MIN/AE8MAX/AP8MIN, GSFC 12/66 updated
to 1970 for AP8MAX, via IRBEM) -- never a modern IGRF, which would move the SAA and
inflate LEO proton fluxes several-fold.  Samples where the model returns no value (NaN:
outside the trapped region) count as zero flux.  The integral flux J(>E) is averaged
over the samples and written with provenance to HDF5.

Run:  python data/scripts/make_trapped_environment.py [--tiny] [--out PATH]
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
ALTITUDES_KM = np.array([300, 400, 500, 600, 700, 800, 900, 1000, 1200, 1400, 1600, 1800, 2000], float)
INCLINATIONS_DEG = np.array([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], float)
PROTON_ENERGIES_MEV = np.append(10.0 ** (np.arange(-20, 53) / 20.0), 400.0)  # 0.1 .. 400 MeV
ELECTRON_ENERGIES_MEV = 10.0 ** (np.arange(-26, 17) / 20.0)  # 0.05 .. ~6.3 MeV (aep8: NaN below 0.05)
ELECTRON_ENERGIES_MEV[0] = 0.05
ELECTRON_ENERGIES_MEV = np.append(ELECTRON_ENERGIES_MEV, 7.0)
N_SAMPLES = 3000
DAYS = 12.0
EPOCH = "2000-01-01T00:00:00"  # irrelevant to the epoch-field models; recorded for provenance
MODELS = (("e", "min"), ("e", "max"), ("p", "min"), ("p", "max"))

TINY_ALTITUDES_KM = np.array([500.0])
TINY_INCLINATIONS_DEG = np.array([30.0, 90.0])


def _x64():
    """Orbit arithmetic in float64 whatever the caller's JAX precision (reproducible tables)."""
    import jax

    jax.config.update("jax_enable_x64", True)


def orbit_positions_ecef_m(altitude_m: float, inclination_rad: float, n_samples: int = N_SAMPLES,
                           days: float = DAYS, raan0_rad: float = 0.0):
    """Earth-fixed positions [m] (n, 3) at equal time steps along a precessing circular orbit."""
    import orbit
    from orbit.constants import OMEGA_EARTH_RAD_S, R_EARTH_M, SECONDS_PER_DAY

    _x64()

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
                                n_samples=N_SAMPLES, days=DAYS):
    """Orbit-averaged AE8/AP8 integral flux J(>E) [1/(cm2 s)] by direct aep8 calls."""
    import aep8
    from astropy import units as u
    from astropy.coordinates import EarthLocation
    from astropy.time import Time

    pos = orbit_positions_ecef_m(altitude_m, inclination_rad, n_samples, days)
    loc = EarthLocation.from_geocentric(pos[:, 0], pos[:, 1], pos[:, 2], unit=u.m)
    m = aep8.model(particle, solar)
    L, B = m.geomagnetic_coordinates(loc, Time(EPOCH))
    f = m.integral_flux_for_geomagnetic_coordinates(
        np.asarray(L)[:, None], np.asarray(B)[:, None], np.asarray(energies_mev) * u.MeV
    ).to_value(u.cm**-2 * u.s**-1)
    f = np.where(np.isfinite(f), f, 0.0)
    return f.mean(axis=0)


def _coords(altitude_m, inclination_rad, n_samples, days):
    """(L, B/B0) along the orbit for both epoch fields (the expensive part, done once)."""
    import aep8
    from astropy import units as u
    from astropy.coordinates import EarthLocation
    from astropy.time import Time

    pos = orbit_positions_ecef_m(altitude_m, inclination_rad, n_samples, days)
    loc = EarthLocation.from_geocentric(pos[:, 0], pos[:, 1], pos[:, 2], unit=u.m)
    out = {}
    for field, key in (("jensen_cain_1960", ("p", "min")), ("gsfc_1266", ("p", "max"))):
        L, B = aep8.model(*key).geomagnetic_coordinates(loc, Time(EPOCH))
        out[field] = (np.asarray(L), np.asarray(B))
    return out


def build(out: Path, tiny: bool = False, n_samples: int = N_SAMPLES, days: float = DAYS) -> Path:
    import aep8
    import astropy
    from astropy import units as u

    t0 = time.perf_counter()
    alts = TINY_ALTITUDES_KM if tiny else ALTITUDES_KM
    incs = TINY_INCLINATIONS_DEG if tiny else INCLINATIONS_DEG
    res = {k: np.zeros((len(alts), len(incs), len(PROTON_ENERGIES_MEV if k[0] == "p" else ELECTRON_ENERGIES_MEV)))
           for k in MODELS}
    field_of = {("e", "min"): "jensen_cain_1960", ("e", "max"): "jensen_cain_1960",
                ("p", "min"): "jensen_cain_1960", ("p", "max"): "gsfc_1266"}
    for ia, alt in enumerate(alts):
        for ii, inc in enumerate(incs):
            c = _coords(alt * 1e3, np.radians(inc), n_samples, days)
            for key in MODELS:
                L, B = c[field_of[key]]
                np.seterr(invalid="ignore")
                en = PROTON_ENERGIES_MEV if key[0] == "p" else ELECTRON_ENERGIES_MEV
                f = aep8.model(*key).integral_flux_for_geomagnetic_coordinates(
                    L[:, None], B[:, None], en * u.MeV).to_value(u.cm**-2 * u.s**-1)
                res[key][ia, ii] = np.where(np.isfinite(f), f, 0.0).mean(axis=0)
    tmp = Path(str(out) + ".tmp")
    with h5py.File(tmp, "w") as f:
        f.attrs["title"] = "Orbit-averaged AE8/AP8 integral fluxes J(>E) for circular orbits"
        f.attrs["model"] = "NASA AE8MIN/AE8MAX/AP8MIN/AP8MAX via aep8 (IRBEM), epoch geomagnetic fields"
        f.attrs["aep8_version"] = aep8.__version__
        f.attrs["astropy_version"] = astropy.__version__
        f.attrs["numpy_version"] = np.__version__
        f.attrs["sampling"] = (f"{n_samples} equal time steps over {days} days per orbit; J2 node precession "
                               "and Earth rotation (orbit package); NaN model values counted as zero flux")
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
    ap.add_argument("--samples", type=int, default=N_SAMPLES)
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    path = build(a.out, a.tiny, a.samples)
    print(f"wrote {path} in {time.perf_counter() - t0:.1f} s ({path.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
