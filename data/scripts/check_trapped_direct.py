"""Check the shipped AE8/AP8 orbit-average table against a fine direct aep8 propagation.

For each orbit the direct reference is the time average over many short equal steps
(default 200 000 steps over 60 days: 26 s, a duration not commensurate with the period;
J2 node precession and Earth rotation from ``orbit``), evaluated with aep8 on the epoch
fields exactly as the table generator does; the table value is the run-time interpolation
(:func:`radiation.environment.trapped_integral_flux_cm2_s` with a threshold).  Prints the
relative differences; used to write data/README.md and by the reference test.

Run:  python data/scripts/check_trapped_direct.py [--samples N] [--days D]
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

CASES = (  # (altitude km, inclination deg, particle, cycle, threshold energies MeV)
    (450.0, 51.6, "p", "min", (1.0, 10.0, 50.0)),
    (650.0, 97.99, "e", "max", (0.5, 1.0, 2.0)),
    (1200.0, 53.0, "e", "max", (0.5, 1.0, 2.0)),
    (1200.0, 53.0, "p", "min", (1.0, 10.0, 50.0)),
    (1750.0, 75.0, "p", "min", (1.0, 10.0, 50.0)),
    (2000.0, 104.9, "e", "max", (0.5, 1.0, 2.0)),
)


def compare(cases=CASES, n_samples=200_000, days=60.0, verbose=True):
    import jax

    jax.config.update("jax_enable_x64", True)
    import make_trapped_environment as mte

    from radiation import environment as env

    out = []
    for alt, inc, p, cyc, energies in cases:
        t0 = time.perf_counter()
        direct = mte.orbit_average_integral_flux(alt * 1e3, math.radians(inc), np.asarray(energies), p, cyc,
                                                 n_samples, days)
        table = np.asarray(env.trapped_integral_flux_cm2_s(alt * 1e3, math.radians(inc),
                                                           {"p": "proton", "e": "electron"}[p], cyc,
                                                           threshold_mev=np.asarray(energies)))
        rel = table / direct - 1.0
        out.append((alt, inc, p, cyc, energies, direct, table, rel))
        if verbose:
            print(f"{alt:6.0f} km {inc:6.2f} deg {p} {cyc}: " + ", ".join(
                f">{e:g} MeV {d:.4g} vs {t:.4g} ({r:+.2%})" for e, d, t, r in zip(energies, direct, table, rel))
                  + f"  [{time.perf_counter() - t0:.0f} s]", flush=True)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=200_000)
    ap.add_argument("--days", type=float, default=60.0)
    a = ap.parse_args(argv)
    compare(n_samples=a.samples, days=a.days)


if __name__ == "__main__":
    main()
