"""Generate mission-integrated solar-proton fluence quantiles (JPL-model form).

Model (Feynman et al. 1990/1993, "JPL" approach, as described in ECSS-E-ST-10-04C
Annex I.2.3): during solar-active years, solar proton events occur as a Poisson process
with mean rate ``w`` per active year; each event's fluence above a threshold energy is
log-normal with mean ``mu`` and standard deviation ``sigma`` of log10(fluence).  The
mission fluence is the sum over events.  The distribution of the sum has no closed form,
so it is sampled by Monte Carlo here (seeded, reproducible) and the quantiles (confidence
levels) are tabulated vs active mission years.  One standard-normal deviate per event is
shared by all thresholds (a fully correlated spectrum per event), so every sampled
mission has a monotone spectrum.

Parameters (data/radiation_solar_proton_params.csv, with their sources in data/README.md).

Run:  python data/scripts/make_solar_proton_fluence.py [--tiny] [--out PATH]
"""
from __future__ import annotations

import argparse
import csv
import datetime as _dt
import time
from pathlib import Path

import h5py
import numpy as np

DATA = Path(__file__).resolve().parents[1]
DEFAULT_OUT = DATA / "radiation_solar_protons_jpl.h5"
PARAMS = DATA / "radiation_solar_proton_params.csv"
YEARS = np.array([0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 7.0, 10.0, 15.0, 20.0])
CONFIDENCE = np.array([0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99])
N_MISSIONS = 40000
SEED = 20261124
FLOOR_CM2 = 1.0  # fluence floor before log10 (no event -> 1 /cm2)


def read_params(path: Path = PARAMS):
    rows = [r for r in csv.DictReader(l for l in path.open() if not l.startswith("#"))]
    th = np.array([float(r["threshold_mev"]) for r in rows])
    mu = np.array([float(r["mu_log10_fluence_cm2"]) for r in rows])
    sig = np.array([float(r["sigma_log10"]) for r in rows])
    w = float(rows[0]["events_per_active_year"])
    return th, mu, sig, w


def sample_quantiles(years, confidence, n_missions, seed, params=None):
    th, mu, sig, w = params if params is not None else read_params()
    out = np.zeros((len(th), len(years), len(confidence)))
    for iy, T in enumerate(years):
        rng = np.random.default_rng([seed, int(round(T * 1000))])  # per duration: tiny == full
        n_ev = rng.poisson(w * T, size=n_missions)
        total = int(n_ev.sum())
        z = rng.standard_normal(total)
        owner = np.repeat(np.arange(n_missions), n_ev)
        for k in range(len(th)):
            f = np.bincount(owner, weights=10.0 ** (mu[k] + sig[k] * z), minlength=n_missions)
            out[k, iy] = np.log10(np.quantile(f, confidence) + FLOOR_CM2)
    return out


def build(out: Path, tiny: bool = False) -> Path:
    t0 = time.perf_counter()
    th, mu, sig, w = read_params()
    years = YEARS[[2, 6]] if tiny else YEARS
    q = sample_quantiles(years, CONFIDENCE, N_MISSIONS, SEED, (th, mu, sig, w))
    tmp = Path(str(out) + ".tmp")
    with h5py.File(tmp, "w") as f:
        f.attrs["title"] = "Mission solar-proton integral fluence quantiles, JPL-model form (Poisson x log-normal)"
        f.attrs["method"] = (f"Monte Carlo, {N_MISSIONS} missions per duration, seed {SEED}; per-event "
                             "log-normal fluences fully correlated across thresholds; 1 AU, no geomagnetic shielding")
        f.attrs["numpy_version"] = np.__version__
        f.attrs["created_utc"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        f.attrs["script"] = "data/scripts/make_solar_proton_fluence.py" + (" --tiny" if tiny else "")
        f.attrs["units"] = "log10 of integral fluence (>E) in 1/cm2 (+1 floor); energies MeV; active years"
        f.attrs["events_per_active_year"] = w
        f.create_dataset("threshold_mev", data=th)
        f.create_dataset("mu_log10", data=mu)
        f.create_dataset("sigma_log10", data=sig)
        f.create_dataset("active_years", data=years)
        f.create_dataset("confidence", data=CONFIDENCE)
        f.create_dataset("log10_fluence_cm2", data=q)
        f.attrs["generation_seconds"] = time.perf_counter() - t0
    tmp.replace(out)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny", action="store_true", help="two durations only (CI)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    p = build(a.out, a.tiny)
    print(f"wrote {p} in {time.perf_counter() - t0:.1f} s ({p.stat().st_size / 1e6:.3f} MB)")


if __name__ == "__main__":
    main()
