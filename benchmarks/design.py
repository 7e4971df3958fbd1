"""Benchmark of the coupled whole-satellite model and its optimiser.

Prints, for one study configuration (default: the baseline's grid sizes):

0. compile time of the [objective, constraints] value and of its Jacobian in a fresh process,
   cold (empty persistent compilation cache) and warm (a second process reading the cache the
   first one wrote, as a second ``sunsink run`` does); each figure is the first call: trace,
   lower, compile or load, and one run;
1. evaluation cost: the jitted ``studies.evaluate`` and the [objective, constraints]
   vector per second, and the cost of their Jacobian with respect to the free variables
   (forward mode, what the optimiser takes) over one
   evaluation;
2. the same optimisation with scipy SLSQP fed by finite-difference gradients (scipy's
   2-point differences of the jitted value, no autodiff) beside SLSQP and trust-constr fed
   by our jitted autodiff Jacobians: iterations, model evaluations, wall time, final
   objective and constraint violation;
3. sweep throughput: points per second of the chunked ``run_sweep`` over a Latin hypercube,
   vmapped and mapped, beside a loop of single jitted evaluations of the same points;
4. the adjoint showcase (``studies.analysis.thickness_study``): one value + gradient of the 1024-zone
   thickness design against one panel solve, and what finite differences would cost.

Everything is timed after compilation (each compiled function is called once first).
Usage::

    python benchmarks/design.py [--config studies/baseline_150kw.toml] [--maxiter 60]
                                [--sweep-points 64] [--skip-fd] [--skip-compile] [--skip-showcase]
"""
from __future__ import annotations

import argparse
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import jax

jax.config.update("jax_enable_x64", True)  # the benchmark is a script, not library code

import equinox as eqx  # noqa: E402
import numpy as np  # noqa: E402
from scipy import optimize as so  # noqa: E402

from studies.analysis import build, optimize

from studies.analysis.kernels import Kernels

from studies.config import load_config  # noqa: E402
from studies.model import CONSTRAINT_NAMES  # noqa: E402
from studies.model import evaluate  # noqa: E402
from studies.analysis.radiator_study import run_radiator_study, slug  # noqa: E402
from studies.analysis.sweep import latin_hypercube, run_sweep  # noqa: E402


def best_of(fn, repeats: int) -> float:
    """Best wall time of ``repeats`` calls [s] (fn blocks until ready)."""
    best = math.inf
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def setup(config: str):
    cfg, _ = load_config(config)
    orb = cfg.orbits[0]
    level0 = run_radiator_study(cfg)
    geo = build.mission_geometry(orb, math.radians(float(level0[slug(orb.name)]["beta_design_deg"])))
    mission = build.build_mission(cfg, geo)
    numerics = build.build_numerics(cfg)
    vs = build.build_variables(cfg, orb)
    return cfg, orb, mission, numerics, vs, Kernels(vs, mission, numerics)


def compile_child(config: str, cache_dir: str) -> int:
    """Child process of :func:`bench_compile`: the first value and Jacobian calls with the persistent
    cache in ``cache_dir``; prints one JSON line."""
    from studies.cli import enable_compilation_cache

    enable_compilation_cache(cache_dir)
    t0 = time.perf_counter()
    cfg, orb, mission, numerics, vs, k = setup(config)
    base = vs.baseline()
    x0 = k.vs.to_scaled(base)
    full, _, _ = k._full(x0, base)
    t = time.perf_counter()
    k.value(x0, base)
    t_value = time.perf_counter() - t
    t = time.perf_counter()
    k.jacobian(full, k.mission)
    t_jac = time.perf_counter() - t
    print(json.dumps({"value_s": t_value, "jacobian_s": t_jac, "process_s": time.perf_counter() - t0}))
    return 0


def bench_compile(config: str) -> dict:
    """Cold and warm first-call times in two fresh processes sharing one new cache directory."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="sunsink-bench-cache-") as d:
        for label in ("cold", "warm"):
            r = subprocess.run([sys.executable, os.path.abspath(__file__), "--config", config, "--compile-child", d],
                               capture_output=True, text=True, check=True)
            out[label] = json.loads(r.stdout.strip().splitlines()[-1])
    return out


def bench_showcase(repeats: int) -> dict:
    """Value + gradient of the 1024-zone thickness design against one solve (studies.analysis.thickness_study)."""
    from studies.analysis.thickness_study import run_thickness_design

    out = run_thickness_design(grid=(64, 64), zones=(32, 32), fin_check=False, maxiter=1,
                               timing_repeats=repeats)
    return {k: out[k] for k in ("n_vars", "solve_time_s", "gradient_time_s", "gradient_over_solve",
                                "fd_cost_estimate_s")}


def bench_evaluation(k: Kernels, base, repeats: int) -> dict:
    x0 = k.vs.to_scaled(base)
    full, _, _ = k._full(x0, base)
    value = lambda: k.value(x0, base)  # noqa: E731  (one evaluation, the vector read on the host)
    jac = lambda: k.jacobian(full, k.mission)  # noqa: E731  (host copy: blocks)
    ev = lambda: jax.block_until_ready(k.evaluate(base, k.mission))  # noqa: E731
    t = time.perf_counter()
    value()
    t_compile_value = time.perf_counter() - t
    t = time.perf_counter()
    jac()
    t_compile_jac = time.perf_counter() - t
    ev()
    t_value, t_jac, t_eval = best_of(value, repeats), best_of(jac, repeats), best_of(ev, repeats)
    n_out, n_in = jac().shape
    return {"compile_value_s": t_compile_value, "compile_jacobian_s": t_compile_jac, "value_s": t_value,
            "jacobian_s": t_jac, "evaluate_s": t_eval, "jacobian_shape": (n_out, n_in)}


class Counter:
    """Cached objective/constraint callbacks that count distinct model evaluations."""

    def __init__(self, fn):
        self.fn, self.n, self._key, self._val = fn, 0, None, None

    def __call__(self, x):
        key = np.asarray(x, dtype=np.float64).tobytes()
        if key != self._key:
            self._key, self._val = key, self.fn(x)
            self.n += 1
        return self._val


def summarise(k: Kernels, base, x) -> tuple[float, float, bool]:
    v = k.value(np.asarray(x), base)
    return float(v[0]) * optimize.OBJECTIVE_REF[k.mission.objective], float(max(0.0, -v[1:-1].min())), bool(v[-1] > 0.5)


def run_fd_slsqp(k: Kernels, base, maxiter: int, ftol: float) -> dict:
    """scipy SLSQP with its own 2-point finite differences of the jitted value."""
    p = k.problem(base)
    val = Counter(lambda x: k.value(x, base))
    x0 = np.clip(p.x0, p.lower, p.upper)
    nit = [0]
    t = time.perf_counter()
    res = so.minimize(lambda x: val(x)[0], x0, method="SLSQP", bounds=so.Bounds(p.lower, p.upper),
                      constraints=[{"type": "ineq", "fun": lambda x: val(x)[1:-1]}],
                      options={"maxiter": maxiter, "ftol": ftol},
                      callback=lambda xk: nit.__setitem__(0, nit[0] + 1))
    wall = time.perf_counter() - t
    obj, viol, conv = summarise(k, base, res.x)
    return {"method": "SLSQP, FD gradients", "iterations": int(res.nit), "evaluations": val.n, "jacobians": 0,
            "wall_s": wall, "objective": obj, "violation": viol, "converged": conv, "message": str(res.message)}


def run_ad(k: Kernels, base, method: str, maxiter: int, ftol: float) -> dict:
    calls = {"jac": 0, "value": 0}
    inner_jac, inner_value = k.value_and_jacobian, k.value

    def counted_jac(x, b):
        calls["jac"] += 1
        return inner_jac(x, b)

    def counted_value(x, b):
        calls["value"] += 1
        return inner_value(x, b)

    k.value_and_jacobian, k.value = counted_jac, counted_value
    try:
        t = time.perf_counter()
        design, res, hist, _ = optimize.optimize_design(k, base, method, maxiter, ftol, stream=io.StringIO())
        wall = time.perf_counter() - t
    finally:
        del k.value_and_jacobian, k.value
    obj, viol, conv = summarise(k, base, res.x)
    return {"method": f"{method}, autodiff", "iterations": int(res.nit),
            "evaluations": calls["value"] + calls["jac"], "jacobians": calls["jac"], "wall_s": wall,
            "objective": obj, "violation": viol, "converged": conv, "message": str(res.message)}


def bench_sweep(k: Kernels, base, mission, numerics, vs, n_points: int, chunk: int) -> dict | None:
    if n_points <= 0:
        return None
    names = [v.name for v in vs.free][:3]
    bounds = {v.name: (v.lo, v.hi) for v in vs.free if v.name in names}
    # Stay near the design so that every point is a meaningful (converging) design.
    b0 = {n: float(getattr(base, n)) for n in names}
    bounds = {n: (max(lo, 0.8 * b0[n]), min(hi, 1.25 * b0[n])) for n, (lo, hi) in bounds.items()}
    points = latin_hypercube(bounds, n_points, seed=1)

    def fn(p):
        d = eqx.tree_at(lambda d: [getattr(d, n) for n in names], base, [p[n] for n in names])
        o = evaluate(d, mission, numerics)
        return {"total_mass_kg": o["total_mass_kg"], "junction_max_k": o["junction_max_k"],
                "converged": o["converged"].astype(o["total_mass_kg"].dtype)}

    warm = {n: v[:chunk] for n, v in points.items()}
    t_modes, res = {}, None
    for mode in ("vmap", "map"):
        run_sweep(fn, warm, chunk_size=chunk, progress=None, vectorize=mode)  # compile
        t = time.perf_counter()
        r = run_sweep(fn, points, chunk_size=chunk, progress=None, vectorize=mode)
        t_modes[mode] = time.perf_counter() - t
        if res is None:
            res = r
        else:
            np.testing.assert_allclose(r["total_mass_kg"], res["total_mass_kg"], rtol=1e-10)
    single = jax.jit(fn)
    single({n: v[0] for n, v in points.items()})["total_mass_kg"].block_until_ready()
    t = time.perf_counter()
    loop = [single({n: v[i] for n, v in points.items()}) for i in range(n_points)]
    jax.block_until_ready(loop)
    t_loop = time.perf_counter() - t
    agree = max(abs(float(loop[i]["total_mass_kg"]) - float(res["total_mass_kg"][i])) / float(res["total_mass_kg"][i])
                for i in range(n_points))
    return {"variables": names, "points": n_points, "chunk": chunk, "vmap_s": t_modes["vmap"],
            "map_s": t_modes["map"], "loop_s": t_loop,
            "converged": int(np.sum(res["converged"] > 0.5)), "max_rel_diff": agree,
            "devices": len(jax.local_devices())}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="studies/baseline_150kw.toml")
    ap.add_argument("--maxiter", type=int, default=60)
    ap.add_argument("--ftol", type=float, default=1e-7)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--sweep-points", type=int, default=64)
    ap.add_argument("--chunk", type=int, default=16)
    ap.add_argument("--skip-fd", action="store_true", help="skip the finite-difference SLSQP run")
    ap.add_argument("--only-sweep", action="store_true", help="run part 3 only")
    ap.add_argument("--skip-compile", action="store_true", help="skip part 0 (two fresh processes)")
    ap.add_argument("--skip-showcase", action="store_true", help="skip part 4 (thickness design)")
    ap.add_argument("--compile-child", metavar="CACHE_DIR", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.compile_child:
        return compile_child(args.config, args.compile_child)

    print(f"jax {jax.__version__} on {jax.devices()[0].platform} ({len(jax.devices())} device(s)), "
          f"load average {os.getloadavg()[0]:.2f}")
    cfg, orb, mission, numerics, vs, k = setup(args.config)
    base = vs.baseline()
    print(f"config {args.config}: orbit {orb.name!r}, radiator {numerics.radiator_nx}x{numerics.radiator_ny}, "
          f"chip {numerics.chip_nx}x{numerics.chip_ny}, {len(vs.free)} free variables, "
          f"{len(CONSTRAINT_NAMES)} constraints")

    if args.only_sweep:
        return print_sweep(bench_sweep(k, base, mission, numerics, vs, args.sweep_points, args.chunk))
    if not args.skip_compile:
        c = bench_compile(args.config)
        print("\n0. compilation, first call in a fresh process (trace + lower + compile or cache load + one run)")
        for label in ("cold", "warm"):
            print(f"   {label:<5} cache: value {c[label]['value_s']:7.1f} s   Jacobian {c[label]['jacobian_s']:7.1f} s   "
                  f"whole process to here {c[label]['process_s']:7.1f} s")
        print(f"   the warm process compiles {(c['cold']['value_s'] + c['cold']['jacobian_s']) / max(c['warm']['value_s'] + c['warm']['jacobian_s'], 1e-9):.1f}x faster")
    e = bench_evaluation(k, base, args.repeats)
    n_out, n_in = e["jacobian_shape"]
    print("\n1. evaluation (best of %d, after compilation)" % args.repeats)
    print(f"   compile: value {e['compile_value_s']:.1f} s, Jacobian {e['compile_jacobian_s']:.1f} s")
    print(f"   evaluate (all metrics)        {e['evaluate_s'] * 1e3:9.2f} ms   {1 / e['evaluate_s']:8.1f} evals/s")
    print(f"   [objective, constraints]      {e['value_s'] * 1e3:9.2f} ms   {1 / e['value_s']:8.1f} evals/s")
    print(f"   Jacobian ({n_out}x{n_in} free, forward) {e['jacobian_s'] * 1e3:8.2f} ms   "
          f"= {e['jacobian_s'] / e['value_s']:.2f} x one evaluation "
          f"(central FD of the free variables would cost {2 * len(vs.free)} evaluations)")

    print(f"\n2. optimisation from the configured start (maxiter {args.maxiter}, ftol {args.ftol:g})")
    rows = [run_ad(k, base, "SLSQP", args.maxiter, args.ftol),
            run_ad(k, base, "trust-constr", args.maxiter, args.ftol)]
    if not args.skip_fd:
        rows.append(run_fd_slsqp(k, base, args.maxiter, args.ftol))
    print(f"   {'method':<24} {'iter':>5} {'evals':>6} {'jacs':>5} {'wall s':>8} {'objective':>12} "
          f"{'max viol':>9} {'conv':>5}  message")
    for r in rows:
        print(f"   {r['method']:<24} {r['iterations']:>5d} {r['evaluations']:>6d} {r['jacobians']:>5d} "
              f"{r['wall_s']:>8.1f} {r['objective']:>12.2f} {r['violation']:>9.1e} {str(r['converged']):>5}  "
              f"{r['message'][:60]}")

    print_sweep(bench_sweep(k, base, mission, numerics, vs, args.sweep_points, args.chunk))
    if not args.skip_showcase:
        sc = bench_showcase(args.repeats)
        print(f"\n4. adjoint showcase: thickness design with {sc['n_vars']} zone thicknesses (64x64 panel)")
        print(f"   solve {sc['solve_time_s'] * 1e3:.1f} ms, value + gradient {sc['gradient_time_s'] * 1e3:.1f} ms "
              f"= {sc['gradient_over_solve']:.2f} solves; finite differences {sc['n_vars'] + 1} solves = "
              f"{sc['fd_cost_estimate_s']:.1f} s ({sc['fd_cost_estimate_s'] / sc['gradient_time_s']:.0f}x the adjoint)")
    return 0


def print_sweep(s: dict | None) -> int:
    if s is None:   # --sweep-points 0
        return 0
    print(f"\n3. sweep over {s['variables']} (Latin hypercube, {s['points']} points, chunks of {s['chunk']}, "
          f"{s['devices']} device(s))")
    print(f"   run_sweep vectorize='vmap' {s['vmap_s']:8.2f} s   {s['points'] / s['vmap_s']:8.2f} points/s   "
          f"{s['loop_s'] / s['vmap_s']:.2f}x the loop")
    print(f"   run_sweep vectorize='map'  {s['map_s']:8.2f} s   {s['points'] / s['map_s']:8.2f} points/s   "
          f"{s['loop_s'] / s['map_s']:.2f}x the loop")
    print(f"   loop of jitted calls       {s['loop_s']:8.2f} s   {s['points'] / s['loop_s']:8.2f} points/s")
    print(f"   {s['converged']}/{s['points']} converged; max relative difference sweep vs loop {s['max_rel_diff']:.1e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
