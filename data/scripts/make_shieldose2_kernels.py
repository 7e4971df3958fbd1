"""Generate the SHIELDOSE-2 dose kernels used by :mod:`radiation.shielding`.

Method (Seltzer 1994, NISTIR 5477; re-implemented here in numpy, not translated): the
dose per unit omnidirectional fluence of a monoenergetic particle of energy T at depth z
of an aluminium shield is built from SHIELDOSE-2's base data (read from spacepy's IRBEM
build by ``_sd2_base``) exactly as the published method prescribes:

* protons:   k = (RADCON/4) T/r0(T) * exp(S_x[ln D_Al(T, .) + ln R_det(T, .)](z/r0)),
  r0 = CSDA range (natural cubic spline in log-log), the depth-dose (natural spline in
  ln T per reduced-depth node, then natural spline in reduced depth x = z/r0 in [0, 1]);
* electrons: k = (RADCON/4) T A(T)/r_s * exp(S_b[ln D_e](z/r_s)) * S_x[R_det](z/r0),
  r_s = r0 * RS(T), with the depth-dose and detector ratios linear in ln T (as SHIELDOSE-2);
* bremsstrahlung: k = (RADCON/4) T Y(T)/r0 * exp(L[ln D_b](ln(z/r0))) * L[R_det](ln z).

The 1/4 converts omnidirectional fluence to the planar fluence incident on a slab from an
isotropic half-space.  Geometries: semi-infinite slab, finite slab (electrons and
bremsstrahlung only differ) and SHIELDOSE-2's "spherical" column
D_sph = D - z dD/dz (Seltzer's transform, applied per energy with the analytic derivative
of the interpolants).  D_sph is half the dose at the centre of a shielding sphere in an
isotropic field; the runtime multiplies by 2 for ``solid_sphere_centre``.

Tables are written in reduced form so that the proton end-of-range cut-off is exact at
any energy: protons and electrons on (ln T, reduced depth), bremsstrahlung on
(ln T, ln z).  Run:  python data/scripts/make_shieldose2_kernels.py [--tiny] [--out PATH]
"""
from __future__ import annotations

import argparse
import datetime as _dt
import sys
import time
from pathlib import Path

import h5py
import numpy as np
from scipy.interpolate import CubicSpline

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _sd2_base as base  # noqa: E402

DATA_DIR = Path(__file__).resolve().parents[1]
DEFAULT_OUT = DATA_DIR / "radiation_shieldose2_kernels.h5"
RADCON = base.RADCON_RAD_G_PER_MEV
RAD_TO_GY = 0.01
Q = RADCON * RAD_TO_GY / 4.0  # MeV/g -> Gy, times the 1/4 planar-fluence factor

PER_DECADE = 24
PROTON_K = (-48, 3 * PER_DECADE + 8)  # 10**(k/24): 0.01 .. ~2154 MeV
ELECTRON_K = (-48, 25)  # 0.01 .. ~11 MeV
N_X = 201
BREMS_LOGZ_PER_DECADE = 20
BREMS_Z_K = (-120, 60)  # 1e-6 .. 1e3 g/cm2 at 20 per decade


def _nat(x, y):
    return CubicSpline(x, y, bc_type="natural", extrapolate=True)


def _lin_ext(xq, x, y):
    """Linear interpolation with linear extrapolation from the end segments."""
    xq = np.asarray(xq, dtype=float)
    out = np.interp(xq, x, y)
    lo = xq < x[0]
    hi = xq > x[-1]
    if np.any(lo):
        s = (y[1] - y[0]) / (x[1] - x[0])
        out[lo] = y[0] + s * (xq[lo] - x[0])
    if np.any(hi):
        s = (y[-1] - y[-2]) / (x[-1] - x[-2])
        out[hi] = y[-1] + s * (xq[hi] - x[-1])
    return out


def _lin_ext_slope(xq, x, y):
    xq = np.asarray(xq, dtype=float)
    i = np.clip(np.searchsorted(x, xq, side="right") - 1, 0, len(x) - 2)
    return (y[i + 1] - y[i]) / (x[i + 1] - x[i])


def _clamped_lnT_interp(lnT, lnTgrid, table):
    """SHIELDOSE-2 energy interpolation: end values outside the grid, linear inside."""
    lnT = np.clip(lnT, lnTgrid[0], lnTgrid[-1])
    return np.array([np.interp(lnT, lnTgrid, table[:, j]) for j in range(table.shape[1])])


def proton_tables(detector: str, energies_mev: np.ndarray, x: np.ndarray, nuclear_attenuation=True):
    pb = base.proton_base(detector, nuclear_attenuation)
    range_spl = _nat(np.log(pb.ep_mev), np.log(pb.rp_g_cm2))
    lnTp = np.log(pb.tp_mev)
    log_d = np.log(pb.dalp)
    r0 = np.exp(range_spl(np.log(energies_mev)))
    h_slab = np.zeros((len(energies_mev), len(x)))
    h_sph = np.zeros_like(h_slab)
    dh_slab = np.zeros_like(h_slab)
    h_end = np.zeros(len(energies_mev))
    for j, T in enumerate(energies_mev):
        lt = np.log(T)
        if lt >= lnTp[-1]:
            din = log_d[-1] + np.log(pb.dratp[-1])
        elif lt <= lnTp[0]:
            din = log_d[0] + np.log(pb.dratp[0])
        else:
            dl = np.array([_nat(lnTp, log_d[:, l])(lt) for l in range(len(pb.zrp))])
            if detector == "aluminium":
                ratio = np.ones_like(dl)
            else:
                ratio = np.array([_nat(lnTp, pb.dratp[:, l])(lt) for l in range(len(pb.zrp))])
            din = dl + np.log(ratio)
        s = _nat(pb.zrp, din)
        # values on [0, 1] including the LEFT limit at x = 1 (the runtime zeroes x >= 1)
        h = np.exp(s(x))
        h_slab[j] = h
        dh_slab[j] = h * s(x, 1)  # d h / d x, for cubic Hermite interpolation in x
        h_sph[j] = h * (1.0 - x * s(x, 1))
        # the depth-dose of one energy drops to zero at x = 1 from h(1-) > 0: a jump whose
        # z-derivative is a delta function; the runtime adds it analytically for spheres
        h_end[j] = np.exp(s(pb.zrp[-1]))
    # dose per unit fluence [Gy cm2] = Q * T / r0 * h(x)
    return dict(r0_g_cm2=r0, h_semi_infinite=h_slab, h_finite=h_slab.copy(), h_sphere=h_sph, h_end=h_end,
                dhdx_semi_infinite=dh_slab, tag=pb.tag)


def electron_tables(detector: str, energies_mev: np.ndarray, xs: np.ndarray):
    """Electron kernels on the reduced depth xs = z / r_s (r_s = RS(T) r0(T)), 0..2."""
    eb = base.electron_base(detector)
    lnEE = np.log(eb.ee_mev)
    lnTE = np.log(eb.te_mev)
    rspl = _nat(lnEE, np.log(eb.re_g_cm2))
    rs_spl = _nat(lnTE, np.log(eb.rs))
    ar_spl = _nat(lnTE, np.log(eb.ar))
    out = {g: np.zeros((len(energies_mev), len(xs))) for g in ("semi_infinite", "finite", "sphere")}
    r0_all = np.exp(rspl(np.log(energies_mev)))
    rs_all = r0_all * np.exp(rs_spl(np.log(energies_mev)))
    amp = np.exp(ar_spl(np.log(energies_mev)))
    log_dale = np.log(eb.dale)
    for j, T in enumerate(energies_mev):
        lt = np.log(T)
        din = _clamped_lnT_interp(lt, lnTE, log_dale)
        s1 = _nat(eb.bs, din)
        inside = xs < eb.bs[-1]
        base_h = np.where(inside, np.exp(s1(xs)), 0.0)
        dbase = np.where(inside, base_h * s1(xs, 1), 0.0)  # d/dxs
        xr = xs * rs_all[j] / r0_all[j]  # z / r0
        for m, geom in ((0, "semi_infinite"), (1, "finite")):
            if detector == "aluminium" and m == 0:
                ratio = np.ones_like(xs)
                dratio = np.zeros_like(xs)
            else:
                drin = np.maximum(_clamped_lnT_interp(lt, lnTE, eb.drate[:, :, m]), 0.0)
                s2 = _nat(eb.zre, drin)
                beyond = xr >= eb.zre[-1]
                ratio = np.where(beyond, drin[-1], np.maximum(s2(xr), 0.0))
                dratio = np.where(beyond | (s2(xr) < 0), 0.0, s2(xr, 1))
            out[geom][j] = base_h * ratio
            if m == 0:
                # sphere: D - z dD/dz with z = xs r_s  ->  h - xs dh/dxs
                dh = dbase * ratio + base_h * dratio * (rs_all[j] / r0_all[j])
                out["sphere"][j] = base_h * ratio - xs * dh
    # dose per unit fluence [Gy cm2] = Q * T * A / r_s * h(xs)
    return dict(r0_g_cm2=r0_all, rs_g_cm2=rs_all, amplitude=amp, tag=eb.tag, **{f"h_{k}": v for k, v in out.items()})


def brems_tables(detector: str, energies_mev: np.ndarray, depth_g_cm2: np.ndarray):
    """Bremsstrahlung kernel [Gy cm2] on an absolute depth grid."""
    eb = base.electron_base(detector)
    lnEE = np.log(eb.ee_mev)
    lnTE = np.log(eb.te_mev)
    rspl = _nat(lnEE, np.log(eb.re_g_cm2))
    yspl = _nat(lnEE, np.log(eb.ye))
    lzs = np.log(eb.zs)
    lzb = np.log(eb.zb)
    lz = np.log(depth_g_cm2)
    out = {g: np.zeros((len(energies_mev), len(depth_g_cm2))) for g in ("semi_infinite", "finite", "sphere")}
    log_dalb = np.log(eb.dalb)
    for j, T in enumerate(energies_mev):
        lt = np.log(T)
        r0 = np.exp(rspl(lt))
        yld = np.exp(yspl(lt))
        din = _clamped_lnT_interp(lt, lnTE, log_dalb)
        u = lz - np.log(r0)
        base_k = Q * T * yld / r0 * np.exp(_lin_ext(u, lzs, din))
        dlog_base = _lin_ext_slope(u, lzs, din)  # d ln(base)/d ln z
        for m, geom in ((0, "semi_infinite"), (1, "finite")):
            if detector == "aluminium" and m == 0:
                ratio = np.ones_like(lz)
                dratio = np.zeros_like(lz)
            else:
                drin = np.maximum(_clamped_lnT_interp(lt, lnTE, eb.dratb[:, :, m]), 0.0)
                raw = _lin_ext(lz, lzb, drin)
                beyond = lz >= lzb[-1]
                ratio = np.where(beyond, drin[-1], np.maximum(raw, 0.0))
                dratio = np.where(beyond | (raw < 0), 0.0, _lin_ext_slope(lz, lzb, drin))
            out[geom][j] = base_k * ratio
        # sphere column D - dD/dln z, with the derivative of a natural cubic spline of
        # ln D over ln z (as SHIELDOSE-2 differentiates its depth-dose), per energy
        sl = _nat(lz, np.log(np.maximum(out["semi_infinite"][j], 1e-300)))
        out["sphere"][j] = out["semi_infinite"][j] * (1.0 - sl(lz, 1))
    slopes = {}
    for geom, v in out.items():  # dK/dln z for cubic Hermite interpolation at run time
        slopes[geom] = np.array([_nat(lz, row)(lz, 1) for row in v])
    return dict(tag=eb.tag, **{f"k_{k}": v for k, v in out.items()}, **{f"dk_dlnz_{k}": v for k, v in slopes.items()})


def grids(tiny: bool):
    step = 8 if tiny else 1
    kp = np.arange(PROTON_K[0], PROTON_K[1] + 1, step)
    ke = np.arange(ELECTRON_K[0], ELECTRON_K[1] + 1, step)
    kz = np.arange(BREMS_Z_K[0], BREMS_Z_K[1] + 1, 10 * step if tiny else 1)
    x_step = 40 if tiny else 1
    x = np.linspace(0.0, 1.0, N_X)[::x_step]
    xs = np.linspace(0.0, 2.0, N_X)[::x_step]
    return (10.0 ** (kp / PER_DECADE), 10.0 ** (ke / PER_DECADE), 10.0 ** (kz / BREMS_LOGZ_PER_DECADE), x, xs)


def build(out: Path, tiny: bool = False) -> Path:
    t0 = time.perf_counter()
    ep, ee, zb, x, xs = grids(tiny)
    tmp = Path(str(out) + ".tmp")
    with h5py.File(tmp, "w") as f:
        f.attrs["title"] = "SHIELDOSE-2 dose kernels (Al shield), dose per unit omnidirectional fluence"
        f.attrs["method"] = "Seltzer (1994) NISTIR 5477 SHIELDOSE-2 v2.10 method re-implemented in numpy"
        f.attrs["base_data"] = "SHIELDOSE-2 base data (ICRU-49 protons, ICRU-37 electrons) from spacepy IRBEM"
        import spacepy

        f.attrs["spacepy_version"] = spacepy.__version__
        f.attrs["numpy_version"] = np.__version__
        f.attrs["created_utc"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        f.attrs["script"] = "data/scripts/make_shieldose2_kernels.py" + (" --tiny" if tiny else "")
        f.attrs["nuclear_attenuation"] = "INUC=2: nuclear attenuation, local charged-secondary deposition"
        f.attrs["units"] = "kernels: Gy(detector) cm2 per particle; energies MeV; depths g/cm2 Al"
        f.create_dataset("proton/energy_mev", data=ep)
        f.create_dataset("proton/x_reduced", data=x)
        f.create_dataset("electron/energy_mev", data=ee)
        f.create_dataset("electron/xs_reduced", data=xs)
        f.create_dataset("bremsstrahlung/energy_mev", data=ee)
        f.create_dataset("bremsstrahlung/depth_g_cm2", data=zb)
        for det in ("aluminium", "silicon"):
            p = proton_tables(det, ep, x)
            g = f.require_group(f"proton/{det}")
            g.attrs["base_tag"] = p["tag"]
            g.create_dataset("r0_g_cm2", data=p["r0_g_cm2"])
            g.create_dataset("h_end", data=p["h_end"])
            g.create_dataset("dhdx_semi_infinite", data=p["dhdx_semi_infinite"].astype(np.float32), compression="gzip")
            for geom in ("semi_infinite", "finite", "sphere"):
                g.create_dataset(f"h_{geom}", data=p[f"h_{geom}"].astype(np.float32), compression="gzip")
            e = electron_tables(det, ee, xs)
            g = f.require_group(f"electron/{det}")
            g.attrs["base_tag"] = e["tag"]
            for k in ("r0_g_cm2", "rs_g_cm2", "amplitude"):
                g.create_dataset(k, data=e[k])
            for geom in ("semi_infinite", "finite", "sphere"):
                g.create_dataset(f"h_{geom}", data=e[f"h_{geom}"].astype(np.float32), compression="gzip")
            b = brems_tables(det, ee, zb)
            g = f.require_group(f"bremsstrahlung/{det}")
            for geom in ("semi_infinite", "finite", "sphere"):
                g.create_dataset(f"k_{geom}", data=b[f"k_{geom}"].astype(np.float32), compression="gzip")
                g.create_dataset(f"dk_dlnz_{geom}", data=b[f"dk_dlnz_{geom}"].astype(np.float32), compression="gzip")
        # reference stopping data (ICRU-49 / ICRU-37 via SHIELDOSE-2 base data) for tests
        pa = base.proton_base("aluminium")
        ps = base.proton_base("silicon")
        ea = base.electron_base("aluminium")
        es = base.electron_base("silicon")
        r = f.require_group("reference")
        r.create_dataset("proton_csda_energy_mev", data=pa.ep_mev)
        r.create_dataset("proton_csda_range_al_g_cm2", data=pa.rp_g_cm2)
        r.create_dataset("proton_ratio_energy_mev", data=ps.tp_mev)
        r.create_dataset("proton_si_to_al_surface_dose_ratio", data=ps.dratp[:, 0])
        r.create_dataset("electron_csda_energy_mev", data=ea.ee_mev)
        r.create_dataset("electron_csda_range_al_g_cm2", data=ea.re_g_cm2)
        r.create_dataset("electron_ratio_energy_mev", data=es.te_mev)
        r.create_dataset("electron_si_to_al_surface_dose_ratio", data=es.drate[:, 0, 0])
        f.attrs["generation_seconds"] = time.perf_counter() - t0
    tmp.replace(out)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny", action="store_true", help="every 8th energy node, coarse depth grids (CI)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    path = build(a.out, a.tiny)
    print(f"wrote {path} in {time.perf_counter() - t0:.1f} s ({path.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
