"""Read the SHIELDOSE-2 base data (Seltzer 1994) from spacepy's IRBEM build.

SHIELDOSE-2 ships its dose-depth base data (ICRU-49 proton data, ICRU-37 electron and
bremsstrahlung data, Monte-Carlo depth-dose distributions in aluminium and the detector
ratio tables) as DATA statements compiled into IRBEM (``protbas2``/``elbrbas2``), which
spacepy bundles as ``libirbem.so``.  This module calls those two loaders through ctypes
and copies the COMMON blocks they fill into numpy arrays.  Generation-time only: runtime
code never imports this.

References
----------
- Seltzer, S. M., "Updated calculations for routine space-shielding radiation dose
  estimates: SHIELDOSE-2", NISTIR 5477, NIST (1994).
- IRBEM library, source/shieldose2.f and source/prot_and_elbr_bas2.f (via spacepy 0.7).
"""
from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DETECTORS = {"aluminium": 1, "silicon": 3}
"""SHIELDOSE-2 detector codes used here (IDET)."""

RADCON_RAD_G_PER_MEV = 1.6021892e-08
"""1 MeV/g expressed in rad (SHIELDOSE-2 constant RADCON)."""

_I4 = ctypes.c_int32


def _lib():
    import spacepy.irbempy as ib

    path = Path(ib.__path__[0]) / "libirbem.so"
    return ctypes.CDLL(str(path))


@dataclass
class ProtonBase:
    tag: str
    ep_mev: np.ndarray  # energies of the CSDA range table
    rp_g_cm2: np.ndarray  # CSDA range in Al
    tp_mev: np.ndarray  # energies of the depth-dose table
    zrp: np.ndarray  # reduced depth z / r0, 0..1
    dalp: np.ndarray  # (n_tp, n_zrp) normalised depth-dose in Al
    dratp: np.ndarray  # (n_tp, n_zrp) detector/Al dose ratio


@dataclass
class ElectronBase:
    tag: str
    ee_mev: np.ndarray
    re_g_cm2: np.ndarray  # electron CSDA range in Al
    ye: np.ndarray  # bremsstrahlung yield
    te_mev: np.ndarray
    ar: np.ndarray
    rs: np.ndarray
    bs: np.ndarray  # reduced depth z / (rs * r0), 0..2 (34 nodes incl. the appended 2.0)
    zre: np.ndarray  # reduced depth z / r0 for the detector ratios
    zs: np.ndarray  # reduced depth z / r0 for bremsstrahlung (log-spaced)
    zb: np.ndarray  # absolute depth [g/cm2] for bremsstrahlung ratios
    dale: np.ndarray  # (n_te, 34)
    dalb: np.ndarray  # (n_te, 37)
    drate: np.ndarray  # (n_te, 51, 2)  [..., 0] semi-infinite, [..., 1] finite slab
    dratb: np.ndarray  # (n_te, 47, 2)


def proton_base(detector: str, nuclear_attenuation: bool = True) -> ProtonBase:
    lib = _lib()
    tag = ctypes.create_string_buffer(81)
    inatt = 2 if nuclear_attenuation else 1
    lib.protbas2_(ctypes.byref(_I4(inatt)), ctypes.byref(_I4(DETECTORS[detector])), tag, ctypes.c_long(81))
    mmax, kmax, nmax, lmax, _ = np.ctypeslib.as_array((_I4 * 5).in_dll(lib, "sd2pro_"))
    sizes = [133, 133, 30, 30, 49, 51, 49 * 51, 49 * 51]
    tab = np.ctypeslib.as_array((ctypes.c_double * sum(sizes)).in_dll(lib, "sd2protab_")).copy()
    parts = np.split(tab, np.cumsum(sizes)[:-1])
    ep, rp, _tepn, _fepn, tp, zrp, dalp, dratp = parts
    return ProtonBase(
        tag=tag.value.decode().strip(),
        ep_mev=ep[:mmax], rp_g_cm2=rp[:mmax], tp_mev=tp[:nmax], zrp=zrp[:lmax],
        dalp=dalp.reshape(49, 51, order="F")[:nmax, :lmax],
        dratp=dratp.reshape(49, 51, order="F")[:nmax, :lmax],
    )


def electron_base(detector: str) -> ElectronBase:
    lib = _lib()
    tag = ctypes.create_string_buffer(81)
    lib.elbrbas2_(ctypes.byref(_I4(DETECTORS[detector])), tag, ctypes.c_long(81))
    mmax, nmax, lmaxs, lmaxe, lmaxt, lmaxb, _ = np.ctypeslib.as_array((_I4 * 7).in_dll(lib, "sd2elbr_"))
    sizes = [81, 81, 81, 14, 14, 14, 34, 51, 37, 47, 14 * 34, 14 * 37, 14 * 51 * 2, 14 * 47 * 2]
    tab = np.ctypeslib.as_array((ctypes.c_double * sum(sizes)).in_dll(lib, "sd2elbrtab_")).copy()
    ee, re, ye, te, ar, rs, bs, zre, zs, zb, dale, dalb, drate, dratb = np.split(tab, np.cumsum(sizes)[:-1])
    ls = lmaxs + 1  # SHIELDOSE-2 appends the node BS = 2.0 with DALE = 1e-7
    return ElectronBase(
        tag=tag.value.decode().strip(),
        ee_mev=ee[:mmax], re_g_cm2=re[:mmax], ye=ye[:mmax], te_mev=te[:nmax], ar=ar[:nmax], rs=rs[:nmax],
        bs=bs[:ls], zre=zre[:lmaxe], zs=zs[:lmaxt], zb=zb[:lmaxb],
        dale=dale.reshape(14, 34, order="F")[:nmax, :ls],
        dalb=dalb.reshape(14, 37, order="F")[:nmax, :lmaxt],
        drate=drate.reshape(14, 51, 2, order="F")[:nmax, :lmaxe],
        dratb=dratb.reshape(14, 47, 2, order="F")[:nmax, :lmaxb],
    )


def run_shieldose2(
    detector: str,
    depths_g_cm2,
    trapped_protons=None,
    solar_protons=None,
    electrons=None,
    *,
    inuc: int = 2,
    eunit: float = 1.0,
    duration: float = 1.0,
    n_points: int = 1001,
):
    """Call IRBEM's original SHIELDOSE-2 routine directly (reference evaluations).

    Each spectrum is ``(energy_mev, differential_flux)`` or None; ``eunit`` converts the
    flux's per-energy unit to per-MeV (1000 for per keV); ``duration`` multiplies the
    trapped spectra (the solar spectrum is a fluence).  ``n_points`` integration nodes
    (<= 1001) are used for both the proton and the electron quadratures.

    Returns a dict of arrays (n_depth, 3) in rad(detector), columns = semi-infinite slab,
    finite slab, SHIELDOSE-2 sphere: ``solar``, ``trapped``, ``electron``, ``brems``.
    """
    lib = _lib()
    imaxi, jmaxi = 71, 301
    z = np.zeros(imaxi)
    depths = np.atleast_1d(np.asarray(depths_g_cm2, dtype=float))
    nd = len(depths)
    if nd > imaxi:
        raise ValueError("at most 71 depths")
    z[:nd] = depths
    arrays = {}
    bounds = {}
    for name, spec in (("s", solar_protons), ("p", trapped_protons), ("e", electrons)):
        e = np.zeros(jmaxi)
        f = np.zeros(jmaxi)
        if spec is None:
            n = 0
            lo, hi = (1.0, 10.0) if name != "e" else (0.1, 1.0)
        else:
            en, fl = (np.asarray(a, dtype=float) for a in spec)
            n = len(en)
            e[:n] = en
            f[:n] = fl
            lo, hi = en[0], en[-1]
        arrays[name] = (e, f, n)
        bounds[name] = (lo, hi)
    d = ctypes.c_double
    outs = [np.zeros((imaxi, 3), order="F") for _ in range(5)]
    args = [
        ctypes.byref(_I4(DETECTORS[detector])), ctypes.byref(_I4(inuc)), ctypes.byref(_I4(nd)), ctypes.byref(_I4(2)),
        z.ctypes.data_as(ctypes.c_void_p),
        ctypes.byref(d(bounds["s"][0])), ctypes.byref(d(bounds["s"][1])),
        ctypes.byref(d(bounds["p"][0])), ctypes.byref(d(bounds["p"][1])), ctypes.byref(_I4(n_points)),
        ctypes.byref(d(bounds["e"][0])), ctypes.byref(d(bounds["e"][1])), ctypes.byref(_I4(n_points)),
        ctypes.byref(_I4(arrays["s"][2])), ctypes.byref(_I4(arrays["p"][2])), ctypes.byref(_I4(arrays["e"][2])),
        ctypes.byref(d(eunit)), ctypes.byref(d(duration)),
    ]
    for name in ("s", "p", "e"):
        args += [arrays[name][0].ctypes.data_as(ctypes.c_void_p), arrays[name][1].ctypes.data_as(ctypes.c_void_p)]
    args += [o.ctypes.data_as(ctypes.c_void_p) for o in outs]
    lib.shieldose2_(*args)
    sol, prot, elec, brem, _tot = (o[:nd].copy() for o in outs)
    return {"solar": sol, "trapped": prot, "electron": elec, "brems": brem}
