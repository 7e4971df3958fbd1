"""Benchmark: `sunsink hotspot` (HotSpot 7 replica) vs the HotSpot 7 binary on the same EV6 case.

Steady grid model at 16^2 .. 256^2 cells, and a 100-row transient, on HotSpot's
EV6 example (tests/data/hotspot-ev6).  Ours is timed in-process
(``studies.hotspot_cli.run``: reading the files, building and factorising the
network, solving, writing the outputs) after one warm-up run at the same size;
HotSpot is timed as a subprocess, both best of ``--repeat``.  HotSpot binaries are
optional: ``--hotspot`` / env ``HOTSPOT`` (default build: multigrid steady, RK4
transient) and ``--hotspot-slu`` / env ``HOTSPOT_SLU`` (``make SUPERLU=1``: direct
steady, backward-Euler transient); a missing binary leaves its column as "-".
The transient compares like with like: our ``-transient_solver be`` against the
SuperLU build, our ``rk4`` against the default build.

Usage: ``python benchmarks/hotspot.py [--sizes 16 32 64 128 256] [--transient-grid 32] [--rows 100]
[--hotspot PATH] [--hotspot-slu PATH] [--repeat 3]``
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EV6 = ROOT / "tests" / "data" / "hotspot-ev6"


def args_for(n, ptrace, out_dir, extra=()):
    return ["-c", str(EV6 / "example.config"), "-f", str(EV6 / "ev6.flp"), "-materials_file",
            str(EV6 / "example.materials"), "-p", str(ptrace), "-model_type", "grid", "-grid_rows", str(n),
            "-grid_cols", str(n), "-steady_file", str(Path(out_dir) / "out.steady"), *extra]


def time_ours(argv, repeat):
    from studies.hotspot_cli import run

    best = float("inf")
    for _ in range(repeat + 1):          # the first run warms up imports and caches
        t = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            rc = run(list(argv))
        assert rc == 0
        best = min(best, time.perf_counter() - t)
    return best


def time_binary(binary, argv, repeat, cwd):
    if not binary or not Path(binary).exists():
        return None
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run([binary, *argv], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - t)
    return best


def fmt(t):
    return "-" if t is None else f"{t:9.3f}"


def ratio(a, b):
    return "-" if (a is None or b is None) else f"{a / b:6.2f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[16, 32, 64, 128, 256])
    ap.add_argument("--transient-grid", type=int, default=32)
    ap.add_argument("--rows", type=int, default=100, help="power-trace rows of the transient")
    ap.add_argument("--hotspot", default=os.environ.get("HOTSPOT"))
    ap.add_argument("--hotspot-slu", default=os.environ.get("HOTSPOT_SLU"))
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    import jax

    jax.config.update("jax_enable_x64", True)
    print(f"HotSpot default build: {a.hotspot or 'not given'}; SuperLU build: {a.hotspot_slu or 'not given'}")
    with tempfile.TemporaryDirectory() as tmp:
        lines = (EV6 / "gcc.ptrace").read_text().splitlines()
        rows = [lines[0]] + [lines[1 + i % (len(lines) - 1)] for i in range(a.rows)]
        ptrace = Path(tmp) / "trace.ptrace"
        ptrace.write_text("\n".join(rows) + "\n")
        print("\nsteady state, EV6 grid model (wall time [s], best of %d)" % a.repeat)
        head = (f"{'grid':>8} {'ours':>9} {'HotSpot SLU':>11} {'HotSpot mg':>10} {'SLU/ours':>8} "
                f"{'mg/ours':>8}")
        print(head)
        print("-" * len(head))
        for n in a.sizes:
            argv_n = args_for(n, EV6 / "gcc.ptrace", tmp)
            ours = time_ours(argv_n, a.repeat)
            slu = time_binary(a.hotspot_slu, argv_n, a.repeat, tmp)
            mg = time_binary(a.hotspot, argv_n, a.repeat, tmp) if n & (n - 1) == 0 else None
            print(f"{n:>4}x{n:<3} {fmt(ours)} {fmt(slu):>11} {fmt(mg):>10} {ratio(slu, ours):>8} "
                  f"{ratio(mg, ours):>8}")
        n = a.transient_grid
        print(f"\ntransient, {a.rows} rows of 10 ms, {n}x{n} grid, from the steady state (wall time [s])")
        init = Path(tmp) / "init.steady"
        from studies.hotspot_cli import run

        with contextlib.redirect_stdout(io.StringIO()):
            run(args_for(n, ptrace, tmp)[:-2] + ["-steady_file", str(init)])
        tr = ["-init_file", str(init), "-o", str(Path(tmp) / "out.ttrace")]
        be = time_ours(args_for(n, ptrace, tmp, tr + ["-transient_solver", "be"]), 1)
        slu = time_binary(a.hotspot_slu, args_for(n, ptrace, tmp, tr), 1, tmp)
        print(f"backward Euler: ours {be:.2f}, HotSpot SuperLU build {fmt(slu).strip()}, ratio {ratio(slu, be)}")
        rk = time_ours(args_for(n, ptrace, tmp, tr + ["-transient_solver", "rk4"]), 1)
        mg = time_binary(a.hotspot, args_for(n, ptrace, tmp, tr), 1, tmp)
        print(f"adaptive RK4:   ours {rk:.2f}, HotSpot default build {fmt(mg).strip()}, ratio {ratio(mg, rk)}")
        print("\nratios > 1: sunsink hotspot is faster (HotSpot time / ours).")


if __name__ == "__main__":
    main()
