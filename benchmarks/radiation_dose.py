"""Benchmark: SHIELDOSE-2 kernel dose (JAX, after compilation) vs the original Fortran
SHIELDOSE-2 (IRBEM via spacepy, ctypes) on the same spectra and depths, plus the whole
mission-TID evaluation and its gradient.

Run:  .venv/bin/python benchmarks/radiation_dose.py (needs spacepy for the baseline)
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "data" / "scripts"))

import orbit  # noqa: E402
from radiation import displacement, mission, shielding  # noqa: E402


def best_of(fn, n=5):
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        jax.block_until_ready(fn())
        ts.append(time.perf_counter() - t0)
    return min(ts)


def main():
    import _sd2_base

    ep = np.geomspace(0.1, 400.0, 300)
    fp = 1e5 * np.exp(-ep / 30.0)
    ee = np.geomspace(0.05, 7.0, 300)
    fe = 1e8 * np.exp(-ee / 0.4)
    z = np.geomspace(0.05, 10.0, 71)
    zj = jnp.asarray(z)

    def ours():
        return (shielding.dose_from_spectrum_gy(ep, fp, zj, "trapped_proton", "shieldose2_sphere"),
                shielding.dose_from_spectrum_gy(ee, fe, zj, "electron", "shieldose2_sphere"),
                shielding.dose_from_spectrum_gy(ee, fe, zj, "bremsstrahlung", "shieldose2_sphere"))

    def fortran():
        return _sd2_base.run_shieldose2("silicon", z, electrons=(ee, fe), trapped_protons=(ep, fp), inuc=2)

    ours()
    t_ours = best_of(ours)
    t_f = best_of(fortran)
    ref = fortran()
    o = ours()
    def rel(ours_rad, r):
        ok = r > 1e-6 * r.max()
        ok[-2:] = False  # SHIELDOSE-2's spline end conditions
        return np.max(np.abs(ours_rad[ok] / r[ok] - 1))

    err = max(rel(np.asarray(o[0]) * 100, ref["trapped"][:, 2]), rel(np.asarray(o[1]) * 100, ref["electron"][:, 2]),
              rel(np.asarray(o[2]) * 100, ref["brems"][:, 2]))
    print(f"SHIELDOSE-2 sphere, 71 depths, p+e+brems: ours {t_ours * 1e3:.2f} ms, "
          f"Fortran SHIELDOSE-2 {t_f * 1e3:.2f} ms, ratio {t_f / t_ours:.1f}x, max rel diff {err:.3%}")

    inc = float(orbit.sso_inclination_rad(650e3))
    f = lambda a, i, zz, y: mission.mission_tid_si_gy(a, i, zz, y).total_gy  # noqa: E731
    g = jax.jit(jax.grad(lambda a, i, zz, y: mission._mission_core(
        a, i, zz, y, 0.95, 2.0, 7 / 11, solar_cycle="worst", geometry="solid_sphere_centre",
        include_solar=True).total_gy, argnums=(0, 1, 2, 3)))
    f(650e3, inc, 1.0, 5.0)
    g(650e3, inc, 1.0, 5.0)
    t_val = best_of(lambda: f(650e3, inc, 1.0, 5.0))
    t_grad = best_of(lambda: g(650e3, inc, 1.0, 5.0))
    print(f"mission TID (trapped p/e/brems + solar, 650 km SSO): value {t_val * 1e3:.2f} ms, "
          f"value+4 gradients {t_grad * 1e3:.2f} ms (ratio {t_grad / t_val:.1f})")

    depths = jnp.asarray(shielding.al_thickness_m_to_g_cm2(np.array([0.5, 1, 2, 3, 5, 7.5, 10, 15, 20]) * 1e-3))
    md = lambda: mission.mission_dose(650e3, inc, depths, 5.0).total_with_margin_si_gy  # noqa: E731
    md()
    print(f"mission_dose dose-depth table (9 depths, all components): {best_of(md) * 1e3:.2f} ms")

    cf = jax.jit(lambda t: displacement.one_mev_equivalent_fluence_cm2(650e3, inc, 5.0, t).one_mev_electron_equivalent_cm2)
    cg = jax.jit(jax.grad(lambda t: displacement._one_mev_core(
        650e3, inc, 5.0, t, 0.95, displacement.DEFAULT_ELECTRON_EXPONENT_N, displacement.DEFAULT_R_EP, 7 / 11,
        solar_cycle="worst", include_solar=True).one_mev_electron_equivalent_cm2))
    cf(0.0255)
    cg(0.0255)
    print(f"1-MeV-equivalent cell fluence (EQFLUX/DDD, trapped + solar, coverglass RDC): value "
          f"{best_of(lambda: cf(0.0255)) * 1e3:.2f} ms, d/d(coverglass) {best_of(lambda: cg(0.0255)) * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
