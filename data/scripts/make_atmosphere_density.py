"""Generate data/atmosphere_msis_density.npz: global-mean NRLMSIS 2.1 density table.

ln(rho [kg/m^3]) on altitude (250-1500 km, 25 km steps) x F10.7 (= F10.7a; 60-300 sfu)
x daily Ap (0-50), each value the global mean of orbit.atmosphere.msis_global_mean_density_kg_m3
(cos-latitude-weighted 36 latitudes x 24 longitudes/local times x 4 season dates of 2021).
pymsis 0.13 runs NRLMSIS 2.1 with the indices passed explicitly (no space-weather download).

Run:  python data/scripts/make_atmosphere_density.py [--out PATH]   (about 10 s)
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from orbit.atmosphere import MSIS_VERSION, msis_global_mean_density_kg_m3  # noqa: E402

ALTITUDE_M = np.arange(250e3, 1500e3 + 1.0, 25e3)
F107_SFU = np.array([60.0, 65.0, 70.0, 80.0, 90.0, 100.0, 115.0, 130.0, 145.0, 160.0, 180.0, 200.0, 225.0,
                     250.0, 275.0, 300.0])
AP = np.array([0.0, 4.0, 7.0, 15.0, 27.0, 50.0])


def build() -> dict:
    logd = np.empty((len(ALTITUDE_M), len(F107_SFU), len(AP)))
    for j, f in enumerate(F107_SFU):
        for k, a in enumerate(AP):
            logd[:, j, k] = np.log(msis_global_mean_density_kg_m3(ALTITUDE_M, f, a))
    return {"altitude_m": ALTITUDE_M, "f107_sfu": F107_SFU, "ap": AP, "log_density": logd,
            "msis_version": np.array(MSIS_VERSION)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default=str(ROOT / "data" / "atmosphere_msis_density.npz"))
    args = ap.parse_args()
    t0 = time.time()
    tab = build()
    np.savez_compressed(args.out, **tab)
    print(f"wrote {args.out} {tab['log_density'].shape} in {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()
