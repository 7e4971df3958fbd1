"""Benchmark: layered chip solver (PCG + DCT/tridiagonal preconditioner) vs scipy sparse direct.

Cases: the HotSpot EV6 example stack and the H100-class accelerator preset at
64^2, 128^2 and 256^2 lateral cells (the same discretisation is assembled as a
scipy CSR matrix and solved with ``scipy.sparse.linalg.spsolve``, SuperLU); and a
``vmap`` batch of 64 different chips (different cold-plate htc and powers), one
full-width ``vmap`` and ``ChipModel.steady_batch`` (``vmap`` in chunks of
``--chunk`` chips under ``lax.map``), vs 64 sequential jitted solves.  Compile time
is reported separately; timings are the best of ``--repeat`` runs after compilation.

Usage: ``python benchmarks/chip.py [--sizes 64 128 256] [--batch 64] [--batch-size 64] [--chunk 4] [--x32]``
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import jax

ROOT = Path(__file__).resolve().parents[1]


def best_of(fn, repeat):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        jax.block_until_ready(out)
        best = min(best, time.perf_counter() - t)
    return best, out


def ev6_case(n):
    from thermal.chip import ChipModel, hotspot_package
    from thermal.chip.floorplan import read_flp, read_hotspot_config, read_materials, read_ptrace
    d = ROOT / "tests" / "data" / "hotspot-ev6"
    cfg, mats = read_hotspot_config(d / "example.config"), read_materials(d / "example.materials")
    fp = read_flp(d / "ev6.flp")
    names, trace = read_ptrace(d / "gcc.ptrace")
    layers, htc, amb, origin, _ = hotspot_package(cfg, mats, fp, n_sublayers=(2, 1, 2, 3))
    m = ChipModel(layers, fp, n, n, die_origin_m=origin)
    p = m.default_params(bottom_htc_w_m2_k=htc, coolant_temperature_k=amb)
    return m, p, trace.mean(axis=0)[[names.index(b) for b in m.block_names]]


def accel_case(n, silicon_k_of_t=False):
    from thermal.chip.accelerators import accelerator_package
    m, pw = accelerator_package("h100-sxm", nx=n, ny=n, silicon_k_of_t=silicon_k_of_t)
    p = m.default_params(bottom_htc_w_m2_k=3e4, coolant_temperature_k=305.0)
    return m, p, pw


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256])
    ap.add_argument("--batch", type=int, default=64, help="chips in the vmap batch")
    ap.add_argument("--batch-size", type=int, default=64, help="lateral cells of the batch chips")
    ap.add_argument("--chunk", type=int, default=4, help="chips per vmap chunk in steady_batch")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--x32", action="store_true", help="float32 (default float64)")
    a = ap.parse_args(argv)
    if not a.x32:
        jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import numpy as np
    import scipy.sparse.linalg as spla

    dtype = jnp.float32 if a.x32 else jnp.float64
    print(f"backend {jax.default_backend()}, devices {jax.devices()}, dtype {jnp.dtype(dtype).name}")
    print(f"{'case':<10}{'n':>5}{'cells':>10}{'compile s':>11}{'jax s':>10}{'iters':>7}"
          f"{'scipy s':>10}{'speedup':>9}{'max|dT| K':>11}")
    for name, make in (("ev6", ev6_case), ("h100", accel_case)):
        for n in a.sizes:
            m, p, pw = make(n)
            p = jax.tree_util.tree_map(lambda x: x.astype(dtype), p)
            pw = jnp.asarray(pw, dtype)
            t0 = time.perf_counter()
            jax.block_until_ready(m.steady(p, pw).temperature_k)
            t_compile = time.perf_counter() - t0
            t_jax, sol = best_of(lambda: m.steady(p, pw).temperature_k, a.repeat)
            s = m.steady(p, pw)
            A, gb, gt = m.assemble_sparse(p)
            b = m.sparse_rhs(p, pw, gb, gt)
            Acsc = A.tocsc()
            t_sp, x = best_of(lambda: spla.spsolve(Acsc, b), max(1, a.repeat - 1))
            x = x.reshape(m.nz, m.ny, m.nx)
            err = float(np.max(np.abs(np.asarray(sol)[m.mask] - x[m.mask])))
            print(f"{name:<10}{n:>5}{m.nz * m.ny * m.nx:>10}{t_compile:>11.2f}{t_jax:>10.4f}{int(s.iterations):>7}"
                  f"{t_sp:>10.4f}{t_sp / t_jax:>9.1f}{err:>11.2e}", flush=True)

    # temperature-dependent silicon conductivity: Picard fixed point vs the constant-k solve
    n = min(a.sizes)
    for kt in (False, True):
        m, p, pw = accel_case(n, silicon_k_of_t=kt)
        p = jax.tree_util.tree_map(lambda x: x.astype(dtype), p)
        pw = jnp.asarray(pw, dtype)
        f = jax.jit(lambda q, w: m.steady(q, w).temperature_k)
        jax.block_until_ready(f(p, pw))
        t, _ = best_of(lambda: f(p, pw), a.repeat)
        s = m.steady(p, pw)
        if not kt:
            t_lin = t
        print(f"h100 {n}^2 {'k(T) Picard' if kt else 'constant k '}: {t:.4f} s, "
              f"{int(s.iterations)} {'Picard steps' if kt else 'CG iterations'}, max Tj {float(s.max_junction_k):.3f} K"
              + (f"; {t / t_lin:.2f}x the constant-k solve" if kt else ""), flush=True)

    # batch of different chips
    m, p, pw = ev6_case(a.batch_size)
    p = jax.tree_util.tree_map(lambda x: x.astype(dtype), p)
    rng = np.random.default_rng(0)
    nb = a.batch
    hs = jnp.asarray(float(p.bottom_htc_w_m2_k) * rng.uniform(0.5, 2.0, nb), dtype)
    powers = jnp.asarray(pw[None, :] * rng.uniform(0.5, 1.5, (nb, len(pw))), dtype)
    ps = jax.tree_util.tree_map(lambda x: jnp.broadcast_to(x, (nb,) + x.shape), p)
    ps = ps.__class__(**{**{f: getattr(ps, f) for f in ps.__dataclass_fields__}, "bottom_htc_w_m2_k": hs})
    batched = jax.jit(jax.vmap(lambda q, w: m.steady(q, w).max_junction_k))
    single = jax.jit(lambda q, w: m.steady(q, w).max_junction_k)
    t0 = time.perf_counter()
    jax.block_until_ready(batched(ps, powers))
    tc_b = time.perf_counter() - t0
    q0 = jax.tree_util.tree_map(lambda x: x[0], ps)
    t0 = time.perf_counter()
    jax.block_until_ready(single(q0, powers[0]))
    tc_s = time.perf_counter() - t0
    t_b, tb = best_of(lambda: batched(ps, powers), a.repeat)
    chunked = jax.jit(lambda q, w: m.steady_batch(q, w, chunk_size=a.chunk).max_junction_k)
    t0 = time.perf_counter()
    jax.block_until_ready(chunked(ps, powers))
    tc_c = time.perf_counter() - t0
    t_c, tcb = best_of(lambda: chunked(ps, powers), a.repeat)

    # per-chip arguments sliced before timing, so the sequential baseline is pure solves
    args = [(jax.tree_util.tree_map(lambda x: x[i], ps), powers[i]) for i in range(nb)]
    jax.block_until_ready(args)

    def seq():
        return [single(q, w) for q, w in args]
    t_s, ts = best_of(seq, max(1, a.repeat - 1))
    err = float(np.max(np.abs(np.asarray(tb) - np.asarray(ts))))
    err_c = float(np.max(np.abs(np.asarray(tcb) - np.asarray(ts))))
    print(f"\nbatch of {nb} EV6 chips at {a.batch_size}^2: compile vmap {tc_b:.2f} s, "
          f"chunked {tc_c:.2f} s, single {tc_s:.2f} s")
    print(f"{nb} sequential solves   {t_s:.4f} s ({nb / t_s:.1f} chips/s)")
    print(f"one vmap of {nb}        {t_b:.4f} s ({nb / t_b:.1f} chips/s); speedup {t_s / t_b:.2f}x; "
          f"max |dTj| {err:.2e} K")
    print(f"steady_batch chunk {a.chunk:<3} {t_c:.4f} s ({nb / t_c:.1f} chips/s); speedup {t_s / t_c:.2f}x; "
          f"max |dTj| {err_c:.2e} K")


if __name__ == "__main__":
    main()
