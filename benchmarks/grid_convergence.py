"""Grid convergence of the coupled model: time against discretisation error for each grid choice.

At one design -- the optimum stored in a study archive (``--archive``, with its KKT multipliers) or the
configured design of ``--config`` -- the coupled model is evaluated on the configured grids and on the radiator
and chip grids refined 2x and 4x (radiator 3x, 9x for an odd count per pitch; studies.analysis.discretisation).
Prints, per grid: the run time after compilation and its ratio to the configured grid, the first call (compile
+ run), and each headline quantity with its error against the Richardson extrapolate; then the Richardson table
(observed orders, error of the configured grid against its tolerance).

Further grid choices (``--candidate RNX,CPP,CNX,CNY``: radiator cells along the tubes and across a pitch, chip
cells) are timed and compared with the same extrapolate (the objective row, which needs the multipliers, is
left out for them).

Usage::

    python benchmarks/grid_convergence.py [--config tests/golden/small_satellite.toml]
                                          [--archive tests/golden/small_satellite.h5]
                                          [--candidate 16,8,48,36 ...]
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import os
import time

import jax

jax.config.update("jax_enable_x64", True)  # the benchmark is a script, not library code

import numpy as np  # noqa: E402

import studies.archive as ar  # noqa: E402
from studies.analysis import build  # noqa: E402
from studies.analysis.discretisation import discretisation_check  # noqa: E402
from studies.analysis.optimize import OBJECTIVE_REF  # noqa: E402
from studies.analysis.radiator_study import run_radiator_study, slug  # noqa: E402
from studies.analysis.study import _np, kernels_for  # noqa: E402
from studies.config import load_config  # noqa: E402
from studies.io.report import discretisation_table  # noqa: E402
from studies.model import SatelliteDesign  # noqa: E402


def design_from_archive(path, key, vs):
    """(design, multipliers, hot-case beta [deg]) of orbit ``key`` in a study archive."""
    tree = ar.read_archive(path)
    g = tree["satellite"][key]
    names = [str(n) for n in np.asarray(g["design"]["variable"]["data"]).astype(str)]
    final = dict(zip(names, np.asarray(g["design"]["final"]["data"], float)))
    cons = g["constraints"]
    cn = [str(c) for c in np.asarray(cons["constraint"]["data"]).astype(str)]
    lam = np.asarray(cons["multiplier"]["data"], float) if "multiplier" in cons else np.zeros(len(cn))
    act = np.asarray(cons["active"]["data"]) if "active" in cons else np.zeros(len(cn))
    multipliers = {c.removeprefix("g_"): float(m) for c, m, a in zip(cn, lam, act) if a} if "multiplier" in cons \
        else None
    beta = float(tree["orbits"][key]["beta_design_deg"]["data"])
    return SatelliteDesign(*[np.float64(final[v.name]) for v in vs.variables]), multipliers, beta


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="tests/golden/small_satellite.toml")
    ap.add_argument("--archive", default=None, help="study archive holding the optimum (default: configured design)")
    ap.add_argument("--candidate", action="append", default=[], metavar="RNX,CPP,CNX,CNY",
                    help="a further grid choice (radiator_nx, radiator_cells_per_pitch, chip_nx, chip_ny) timed and "
                         "compared with the extrapolate; repeatable")
    args = ap.parse_args(argv)
    print(f"jax {jax.__version__} on {jax.devices()[0].platform}, load average {os.getloadavg()[0]:.2f}")
    cfg, _ = load_config(args.config)
    orb = cfg.orbits[0]
    vs = build.build_variables(cfg, orb)
    if args.archive:
        design, multipliers, beta = design_from_archive(args.archive, slug(orb.name), vs)
    else:
        beta = float(run_radiator_study(cfg)[slug(orb.name)]["beta_design_deg"])
        design, multipliers = vs.baseline(), None
    mission = build.build_mission(cfg, build.mission_geometry(orb, math.radians(beta)))
    numerics = build.build_numerics(cfg)

    def evaluate_at(n):
        return _np(kernels_for(vs, mission, n).evaluate(design, mission))

    t0 = time.perf_counter()
    chk = discretisation_check(evaluate_at, numerics, multipliers, mission.objective, OBJECTIVE_REF[mission.objective])
    print(f"config {args.config}, orbit {orb.name!r}, design from {args.archive or 'the config'}; "
          f"{time.perf_counter() - t0:.0f} s in all")
    base = chk.grids[0].run_s
    print(f"{'grid':<12} {'radiator':>9} {'chip':>7} {'first s':>8} {'run s':>7} {'x cfg':>6}  "
          + "  ".join(f"{q.headline.name} (err)" for q in chk.quantities))
    for i, g in enumerate(chk.grids):
        cells = "  ".join(f"{q_value(chk, q, i):.6g} ({q_value(chk, q, i) - q.extrapolated:+.3g})"
                          for q in chk.quantities)
        print(f"{g.label:<12} {g.radiator_nx:>4}x{g.radiator_ny:<4} {g.chip_nx:>3}x{g.chip_ny:<3} "
              f"{g.first_call_s:>8.1f} {g.run_s:>7.2f} {g.run_s / base:>6.1f}  {cells}"
              + ("" if g.converged else "  NOT CONVERGED"))
    for text in args.candidate:
        rnx, cpp, cnx, cny = (int(x) for x in text.split(","))
        n = dataclasses.replace(numerics, radiator_nx=rnx, radiator_cells_per_pitch=cpp, chip_nx=cnx, chip_ny=cny)
        t0 = time.perf_counter()
        m = evaluate_at(n)
        t1 = time.perf_counter()
        evaluate_at(n)
        run = time.perf_counter() - t1
        cells = "  ".join(f"{float(m[q.headline.metric]):.6g} ({float(m[q.headline.metric]) - q.extrapolated:+.3g})"
                          for q in chk.quantities if q.headline.metric is not None)
        print(f"{'candidate':<12} {n.radiator_nx:>4}x{n.radiator_ny:<4} {n.chip_nx:>3}x{n.chip_ny:<3} "
              f"{t1 - t0:>8.1f} {run:>7.2f} {run / base:>6.1f}  {cells}"
              + ("" if float(m["converged"]) > 0.5 else "  NOT CONVERGED"))
    print()
    print("\n".join(discretisation_table(chk)))
    return 0


def q_value(chk, q, i) -> float:
    """Quantity ``q`` on grid ``i`` of the check (0 configured, 1-2 radiator x2 x4, 3-4 chip x2 x4)."""
    return q.value if i == 0 else (q.radiator.values[i] if i <= 2 else q.chip.values[i - 2])


if __name__ == "__main__":
    raise SystemExit(main())
