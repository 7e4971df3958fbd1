"""Benchmark: steady radiator panel, sunsink (JAX Newton-GMRES + line preconditioner)
vs Newton + scipy sparse direct (splu) and Newton + pyamg-preconditioned Krylov.

All three solve the SAME discrete equations (the baselines assemble the coupled
sheet + coolant Jacobian explicitly, with the fluid temperatures as extra unknowns)
to the same relative residual ||F||_2 <= rtol sqrt(N) sigma sum(eps) T_ref^4.
The coolant coupling makes the Jacobian nonsymmetric, so the pyamg baseline runs
GMRES (not CG) with a block-triangular preconditioner: exact bidiagonal solve for
the fluid block, one smoothed-aggregation V-cycle for the (SPD) sheet block.

Usage:  python benchmarks/radiator.py [--sizes 256 512 1024] [--rtol 1e-8]
        [--direct-max 512] [--amg-max 1024] [--x32] [--precond line|dct]

The load average of the machine is printed before and after every size (the
timings are only comparable on an otherwise idle machine).
"""
from __future__ import annotations

import argparse
import os
import time

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
import scipy.sparse.linalg as spla  # noqa: E402

from orbit.constants import STEFAN_BOLTZMANN_W_M2_K4 as SIGMA  # noqa: E402
from thermal import radiator_core as core  # noqa: E402
from thermal.radiator import Coolant, Numerics, RadiatorPanel, solve_steady  # noqa: E402

# A 150 kW-class radiator wing is ~10 such panels: 6 m x 2.4 m, 8 pumped tubes.
L_M, W_M, T_M, K = 6.0, 2.4, 1.5e-3, 200.0
EPS, ALPHA = np.array([0.88, 0.88]), np.array([0.2, 0.2])
SW, LW = np.array([250.0, 40.0]), np.array([220.0, 60.0])
N_TUBES, PITCH, H_TUBE = 8, 0.3, 300.0
MDOT, CP, T_IN = 0.05, 3500.0, 340.0


def problem(dtype=jnp.float64):
    a = lambda v: jnp.asarray(v, dtype)  # noqa: E731
    panel = RadiatorPanel(length_m=a(L_M), width_m=a(W_M), thickness_m=a(T_M), conductivity_w_m_k=a(K),
                          emissivity=a(EPS), absorptivity=a(ALPHA), tube_pitch_m=a(PITCH),
                          tube_conductance_w_m_k=a(H_TUBE), n_tubes=N_TUBES)
    cool = Coolant(mass_flow_kg_s=a(MDOT), specific_heat_j_kg_k=a(CP), inlet_temperature_k=a(T_IN))
    return panel, cool, a(SW), a(LW)


# ------------------------------------------------------------------ assembled baseline


class Assembled:
    """Coupled sheet + fluid residual and sparse Jacobian (parallel tubes, constant k)."""

    def __init__(self, n):
        self.nx = self.ny = n
        self.dx, self.dy = L_M / n, W_M / n
        kt = K * T_M
        ex = np.ones(n)
        d2 = lambda m, h: sp.diags([ex[:-1], -2 * ex, ex[:-1]], [-1, 0, 1], format="lil") / h**2  # noqa: E731
        Dx, Dy = d2(n, self.dx), d2(n, self.dy)
        for D, h in ((Dx, self.dx), (Dy, self.dy)):
            D[0, 0] = -1.0 / h**2
            D[n - 1, n - 1] = -1.0 / h**2
        I = sp.identity(n)
        self.Lap = (-kt * (sp.kron(I, Dx.tocsr()) + sp.kron(Dy.tocsr(), I))).tocsr()  # -div(kt grad), cell (j,i)
        w, kink = core.tube_weights(W_M, PITCH, N_TUBES, n, np.float64)
        self.w = np.asarray(w)
        self.h = 1.0 / (1.0 / H_TUBE + np.asarray(kink) / kt)  # (n_tubes,)
        # interpolation operator Ts = Wop @ T : (n_tubes*nx, ny*nx)
        self.Wop = sp.kron(sp.csr_matrix(self.w), sp.identity(n)).tocsr()
        self.mc = MDOT * CP
        self.absorbed = float(np.sum(ALPHA * SW + EPS * LW))
        self.esum = float(np.sum(EPS))
        # fluid: Tf faces 1..nx per tube, Tf_0 = T_IN
        nt = N_TUBES
        Hd = sp.diags(np.repeat(self.h, n))
        B = sp.diags([np.ones(n), np.ones(n - 1)], [0, -1])  # (Tf_i + Tf_{i-1}) pattern, i = faces 1..n
        Dm = sp.diags([np.ones(n), -np.ones(n - 1)], [0, -1])
        self.Avg = sp.kron(sp.identity(nt), 0.5 * B).tocsr()
        self.Dif = sp.kron(sp.identity(nt), Dm).tocsr()
        self.Hd = Hd.tocsr()
        e0 = np.zeros(n)
        e0[0] = 1.0
        self.first = np.tile(e0, nt)

    def residual(self, T, Tf):
        tf_avg = self.Avg @ Tf + 0.5 * T_IN * self.first
        ts = self.Wop @ T
        q = self.Hd @ (tf_avg - ts)
        spread = (self.Wop.T @ q) / self.dy
        Fs = self.Lap @ T + self.esum * SIGMA * T**4 - self.absorbed - spread
        Ff = (self.mc * (self.Dif @ Tf - T_IN * self.first) + q * self.dx) / self.dx  # W/m
        return Fs, Ff

    def jacobian(self, T):
        n_s = T.size
        Ass = self.Lap + sp.diags(4 * self.esum * SIGMA * T**3) + (self.Wop.T @ self.Hd @ self.Wop) / self.dy
        Asf = -(self.Wop.T @ self.Hd @ self.Avg) / self.dy
        Afs = -(self.Hd @ self.Wop)
        Aff = self.mc * self.Dif / self.dx + self.Hd @ self.Avg
        return Ass.tocsr(), Asf.tocsr(), Afs.tocsr(), Aff.tocsr(), n_s


def newton_baseline(n, rtol, method, t_guess):
    A = Assembled(n)
    T = np.full(n * n, t_guess)
    Tf = np.full(N_TUBES * n, T_IN)
    scale = np.sqrt(n * n) * SIGMA * A.esum * t_guess**4
    it, kry = 0, 0
    t0 = time.perf_counter()
    while True:
        Fs, Ff = A.residual(T, Tf)
        if (np.linalg.norm(Fs) <= rtol * scale and np.linalg.norm(Ff) <= rtol * scale * A.dy) or it >= 30:
            break
        Ass, Asf, Afs, Aff, n_s = A.jacobian(T)
        J = sp.bmat([[Ass, Asf], [Afs, Aff]], format="csc")
        rhs = -np.concatenate([Fs, Ff])
        if method == "direct":
            d = spla.splu(J).solve(rhs)
        else:
            import pyamg

            ml = pyamg.smoothed_aggregation_solver(Ass, symmetry="symmetric")
            amg = ml.aspreconditioner(cycle="V")
            lu_f = spla.splu(Aff.tocsc())  # lower bidiagonal: O(n) factorisation

            def prec(r):
                yf = lu_f.solve(r[n_s:])
                ys = amg @ (r[:n_s] - Asf @ yf)
                return np.concatenate([ys, yf])

            M = spla.LinearOperator(J.shape, prec)
            count = [0]
            d, info = spla.gmres(J, rhs, M=M, rtol=1e-3, restart=30, maxiter=50,
                                 callback=lambda _: count.__setitem__(0, count[0] + 1), callback_type="pr_norm")
            kry += count[0]
        T = T + d[: n * n]
        Tf = Tf + d[n * n:]
        it += 1
    elapsed = time.perf_counter() - t0
    Fs, _ = A.residual(T, Tf)
    return elapsed, it, kry, T.reshape(n, n), np.linalg.norm(Fs) / scale


# ------------------------------------------------------------------ ours


def ours(n, rtol, dtype, precond="line"):
    panel, cool, sw, lw = problem(dtype)
    num = Numerics(nx=n, ny=n, rtol=rtol, newton_krylov_rtol=1e-3, preconditioner=precond)
    solve = jax.jit(lambda p: solve_steady(p, cool, sw, lw, num))
    t0 = time.perf_counter()
    comp = solve.lower(panel).compile()
    t_compile = time.perf_counter() - t0
    r = comp(panel)
    jax.block_until_ready(r)
    times = []
    for _ in range(2):
        t0 = time.perf_counter()
        r = comp(panel)
        jax.block_until_ready(r)
        times.append(time.perf_counter() - t0)
    t_solve = min(times)

    def q(thickness):
        p = RadiatorPanel(length_m=panel.length_m, width_m=panel.width_m, thickness_m=thickness,
                          conductivity_w_m_k=panel.conductivity_w_m_k, emissivity=panel.emissivity,
                          absorptivity=panel.absorptivity, tube_pitch_m=panel.tube_pitch_m,
                          tube_conductance_w_m_k=panel.tube_conductance_w_m_k, n_tubes=N_TUBES)
        return solve_steady(p, cool, sw, lw, num).heat_rejected_w

    vg = jax.jit(jax.value_and_grad(q))
    t0 = time.perf_counter()
    vgc = vg.lower(panel.thickness_m).compile()
    t_compile_grad = time.perf_counter() - t0
    jax.block_until_ready(vgc(panel.thickness_m))
    t0 = time.perf_counter()
    jax.block_until_ready(vgc(panel.thickness_m))
    t_grad = time.perf_counter() - t0
    return dict(compile=t_compile, solve=t_solve, grad=t_grad, compile_grad=t_compile_grad,
                newton=int(r.newton_iterations), krylov=int(r.krylov_iterations), res=float(r.relative_residual),
                T=np.asarray(r.temperature_k), converged=bool(r.converged), q=float(r.heat_rejected_w),
                guess=float(r.mean_temperature_k))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024])
    ap.add_argument("--rtol", type=float, default=1e-8)
    ap.add_argument("--direct-max", type=int, default=512, help="skip the sparse-direct baseline above this n")
    ap.add_argument("--amg-max", type=int, default=1024, help="skip the pyamg baseline above this n")
    ap.add_argument("--x32", action="store_true", help="our solver in float32 (baselines stay float64)")
    ap.add_argument("--precond", default="line", choices=["line", "dct"], help="our Krylov preconditioner")
    args = ap.parse_args(argv)
    dtype = jnp.float32 if args.x32 else jnp.float64
    print(f"jax {jax.__version__} backend={jax.default_backend()} devices={jax.devices()} "
          f"dtype={jnp.dtype(dtype).name} rtol={args.rtol:g}")
    print(f"panel {L_M} m x {W_M} m, t={T_M * 1e3} mm, k={K}, {N_TUBES} tubes pitch {PITCH} m, "
          f"mdot={MDOT} kg/s/tube, T_in={T_IN} K, preconditioner={args.precond}")
    rows = []
    for n in args.sizes:
        load0 = os.getloadavg()[0]
        o = ours(n, args.rtol, dtype, args.precond)
        row = dict(n=n, **{k: v for k, v in o.items() if k != "T"})
        t_guess = 0.5 * (T_IN + o["guess"])
        for name, cap in (("direct", args.direct_max), ("amg", args.amg_max)):
            if n > cap:
                row[name] = None
                continue
            el, it, kry, T, res = newton_baseline(n, args.rtol, name, t_guess)
            row[name] = dict(time=el, newton=it, krylov=kry, res=res, dT=float(np.max(np.abs(T - o["T"]))))
        row["load"] = (load0, os.getloadavg()[0])
        rows.append(row)
        print_row(row, flush=True)
    print()
    print("summary (times in s; ratio = baseline / ours)")
    hdr = (f"{'n':>6} {'cells':>9} {'compile':>8} {'ours':>8} {'N/K its':>8} {'grad/solve':>10} "
           f"{'direct':>8} {'N':>3} {'ratio':>7} {'amg+gmres':>9} {'N/K':>7} {'ratio':>7} {'max|dT| K':>10} {'load':>9}")
    print(hdr)
    for r in rows:
        d, a = r["direct"], r["amg"]
        ds = f"{d['time']:8.2f} {d['newton']:3d} {d['time'] / r['solve']:7.1f}" if d else f"{'skip':>8} {'':>3} {'':>7}"
        as_ = (f"{a['time']:9.2f} {a['newton']:>3d}/{a['krylov']:<3d} {a['time'] / r['solve']:7.1f}" if a
               else f"{'skip':>9} {'':>7} {'':>7}")
        dT = max([x["dT"] for x in (d, a) if x] or [float("nan")])
        print(f"{r['n']:>6} {r['n'] ** 2:>9} {r['compile']:8.2f} {r['solve']:8.3f} "
              f"{r['newton']:>3d}/{r['krylov']:<4d} {r['grad'] / r['solve']:10.2f} {ds} {as_} {dT:10.2e} "
              f"{r['load'][0]:4.1f}/{r['load'][1]:<4.1f}")


def print_row(r, flush=False):
    print(f"n={r['n']}: ours compile {r['compile']:.2f} s, solve {r['solve']:.3f} s, newton {r['newton']}, "
          f"krylov {r['krylov']}, rel.res {r['res']:.2e}, converged {r['converged']}, Q {r['q']:.1f} W, "
          f"value+grad {r['grad']:.3f} s (compile {r['compile_grad']:.1f} s)", flush=flush)
    for name in ("direct", "amg"):
        b = r[name]
        if b:
            print(f"   {name}: {b['time']:.2f} s, newton {b['newton']}, krylov {b['krylov']}, rel.res {b['res']:.2e}, "
                  f"max|T - ours| {b['dT']:.2e} K", flush=flush)
        else:
            print(f"   {name}: skipped (size cap)", flush=flush)


if __name__ == "__main__":
    main()
