"""Benchmark: minimum-mass radiator thickness map with adjoint gradients (issue 17, part 4).

1. Radiating-fin checks: the minimum-mass rectangular fin (profile number and
   efficiency vs the published 0.846 / 0.565 and an independent solve_bvp optimum)
   and the tapered minimum-mass profile (mass saved vs that rectangular fin) at
   several zone counts (convergence of the saving).
2. The panel design (the benchmarks/radiator.py panel: 6 m x 2.4 m, 8 tubes) on a
   zone map of nzy x nzx thicknesses: SLSQP iterations, KKT residual, mass saving
   vs the uniform sheet that rejects the same heat, and the cost of one gradient
   (forward + two adjoint solves) against one solve, and what finite differences
   would cost ((n_vars + 1) solves).

Usage:  python benchmarks/radiator_thickness.py [--grid 64 64] [--zones 32 32]
        [--fin-zones 16 32 64] [--figure thickness_map.png] [--skip-fin] [--skip-panel]
"""
from __future__ import annotations

import argparse
import os
import time

import jax

jax.config.update("jax_enable_x64", True)

from studies.analysis.thickness_study import run_thickness_design  # noqa: E402
from studies.io import plots  # noqa: E402
from thermal.radiator.thickness import (  # noqa: E402
    RECTANGULAR_FIN_OPTIMUM_ETA,
    RECTANGULAR_FIN_OPTIMUM_NC,
    fin_numerics,
    optimize_rectangular_fin,
    optimize_tapered_fin,
    rectangular_fin_optimum_reference,
)


def fin_checks(fin_zones, cells_per_zone=8):
    t0 = time.perf_counter()
    nc_ref, eta_ref = rectangular_fin_optimum_reference()
    print(f"independent rectangular optimum (solve_bvp, max N eta^3): N_c = {nc_ref:.5f}, eta = {eta_ref:.5f} "
          f"(published {RECTANGULAR_FIN_OPTIMUM_NC}, {RECTANGULAR_FIN_OPTIMUM_ETA}) [{time.perf_counter() - t0:.1f} s]")
    for nz in fin_zones:
        num = fin_numerics(cells_per_zone * nz)
        t0 = time.perf_counter()
        rect = optimize_rectangular_fin(heat_w_m=100.0, numerics=num, n_zones=nz)
        t1 = time.perf_counter()
        taper = optimize_tapered_fin(rect, n_zones=nz, numerics=num)
        t2 = time.perf_counter()
        print(f"fin nx={num.nx}: rectangular N_c = {rect.profile_number:.5f} ({100 * (rect.profile_number / nc_ref - 1):+.3f} %"
              f" vs solve_bvp), eta = {rect.fin_efficiency:.5f}, KKT {rect.kkt_residual:.1e}, {rect.iterations} its "
              f"[{t1 - t0:.1f} s incl. compile]")
        print(f"   tapered {nz} zones + length: mass saving {100 * (1 - taper.mass_kg_m / rect.mass_kg_m):.2f} % at "
              f"Q = {taper.heat_w_m:.6g} W/m, length {taper.length_m / rect.length_m:.3f} x rectangular, "
              f"base/rect thickness {taper.thickness_m[0] / rect.thickness_m[0]:.3f}, KKT {taper.kkt_residual:.1e}, "
              f"{taper.iterations} its, success {taper.success} [{t2 - t1:.1f} s]", flush=True)


def panel(grid, zones, figure, maxiter):
    t0 = time.perf_counter()
    out = run_thickness_design(grid=tuple(grid), zones=tuple(zones), fin_check=False, maxiter=maxiter,
                               timing_repeats=3)
    if figure:
        length_m, width_m, n_tubes, pitch_m = 6.0, 2.4, 8, 0.3   # run_thickness_design's default panel
        plots.save(plots.thickness_figure(dict(out, panel_length_m=length_m, panel_width_m=width_m, n_tubes=n_tubes,
                                               tube_pitch_m=pitch_m), "minimum-mass sheet thickness"), figure)
    el = time.perf_counter() - t0
    print(f"panel grid {grid[0]}x{grid[1]}, {out['n_vars']} zone thicknesses: Q_req {out['heat_required_w']:.1f} W "
          f"(uniform {1e3 * out['reference_thickness_m']:.4f} mm, {out['reference_mass_kg']:.3f} kg)")
    print(f"   optimum {out['mass_kg']:.3f} kg (saving {100 * out['mass_saving']:.2f} %), Q {out['heat_rejected_w']:.2f} W, "
          f"max T {out['max_temperature_k']:.2f} K (KS {out['ks_temperature_k']:.2f} K, limit "
          f"{out['max_temperature_limit_k']:.1f} K)")
    print(f"   SLSQP: success {out['success']} ({out['message']}), {out['iterations']} iterations, "
          f"{out['n_gradients']} value+gradient evaluations, KKT residual {out['kkt_residual']:.2e}, "
          f"violation {out['constraint_violation']:.1e}, multipliers {out['multipliers']}")
    print(f"   cost: solve {out['solve_time_s']:.4f} s, value + gradient of (mass, Q, KS) {out['gradient_time_s']:.4f} s "
          f"= {out['gradient_over_solve']:.2f} solves; finite differences would need {out['n_vars'] + 1} solves = "
          f"{out['fd_cost_estimate_s']:.1f} s per gradient ({out['fd_cost_estimate_s'] / out['gradient_time_s']:.0f}x)")
    print(f"   total {el:.1f} s incl. compilation; figure {figure}", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--grid", type=int, nargs=2, default=[64, 64], help="panel cells (ny nx)")
    ap.add_argument("--zones", type=int, nargs=2, default=[32, 32], help="design zones (nzy nzx)")
    ap.add_argument("--fin-zones", type=int, nargs="+", default=[16, 32, 64])
    ap.add_argument("--figure", default="thickness_map.png")
    ap.add_argument("--maxiter", type=int, default=200)
    ap.add_argument("--skip-fin", action="store_true")
    ap.add_argument("--skip-panel", action="store_true")
    args = ap.parse_args(argv)
    print(f"jax {jax.__version__} backend={jax.default_backend()} float64; load {os.getloadavg()[0]:.1f}")
    if not args.skip_fin:
        fin_checks(args.fin_zones)
    if not args.skip_panel:
        panel(args.grid, args.zones, args.figure, args.maxiter)
    print(f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
