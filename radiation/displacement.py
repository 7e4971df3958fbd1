"""Displacement damage in GaAs-based solar cells: NIEL, relative damage coefficients
behind coverglass, and the 1-MeV-equivalent electron fluence that :mod:`power` consumes.

NIEL (run time: published tables, ``data/niel/``)
------------------------------------------------
* GaAs: the NRL tables (Summers, Messenger, Walters et al.) used by the NRL SCREAM
  code -- protons 2e-4..1000 MeV with Coulomb, nuclear elastic and nuclear inelastic
  contributions, electrons 0.28..100 MeV;
* Si: SR-NIEL (Boschini, Rancoita et al.; screened relativistic Coulomb plus nuclear),
  protons 0.01..1e4 MeV, electrons 0.25..1000 MeV (E_d = 21 eV).
:func:`niel_mev_cm2_g` interpolates them (monotone cubic in log-log).  The first-
principles Coulomb models (:func:`proton_coulomb_niel_mev_cm2_g`, relativistic
Rutherford; :func:`electron_niel_mckinley_feshbach_mev_cm2_g`) are kept as independent
cross-checks: the proton Coulomb NIEL is within 3 % of the NRL table at 1-3 MeV and falls
below it above ~10 MeV where nuclear reactions take over (tested).

Relative damage coefficients (NRL displacement-damage-dose form)
---------------------------------------------------------------
Normal incidence, relative to 1 MeV electrons / 10 MeV protons:

* electrons: RDC_e(E) = (NIEL_e(E) / NIEL_e(1 MeV))^n, n = 1.7 (p-type GaAs/Ge cells;
  Messenger et al. 2001; also the least-squares value against the JPL handbook's
  normal-incidence electron RDCs, 0.6-10 MeV);
* protons: RDC_p(E) = g(E, d) / (NIEL_p(10 MeV) d), where g(E, L) is the displacement
  energy a proton deposits in the first L g/cm^2 of the cell (CSDA slowing in GaAs, with
  PSTAR germanium ranges as the GaAs stand-in): NIEL(E) L for penetrating protons, the
  whole end-of-track damage for protons that stop within the active depth
  d = :data:`DEFAULT_ACTIVE_DEPTH_G_CM2` (1 um of GaAs: the depth of the junction region,
  chosen so that the normal-incidence RDC peaks near 0.1 MeV as in the handbook).

Behind a coverglass of areal density t (omnidirectional, isotropic flux on the front
face, rear shielded), the JPL handbook's angular average (Anspaugh 1996, ch. 3):

    RDC_omni(E, t) = (1/2) int_0^1 mu * g(E_c, d/mu) / (N_ref d) dmu,
    E_c: R_glass(E_c) = R_glass(E) - t/mu   (NIST CSDA ranges of the coverglass)

(for electrons, which always traverse the thin active layer, mu g / (N_ref d) is
RDC_e(E_c)).  Bare cells give RDC_omni = RDC_normal / 2 for penetrating particles.

1-MeV-equivalent fluence (JPL EQFLUX form)
------------------------------------------
    Phi_eq = int phi_e RDC_omni,e dE + D_pe int phi_p RDC_omni,p dE,

with the proton-to-electron damage equivalence D_pe (10 MeV protons -> 1 MeV electrons):
:data:`DEFAULT_PROTON_TO_ELECTRON_EQUIVALENCE` = 2000 for GaAs/Ge Pmax, derived in this
work from the handbook's 1 MeV electron and 9.5 MeV proton Pmax degradation curves
(fluence ratio at equal remaining factor 0.75-0.85: 2020-2080; 1590 at 0.9).  In DDD
terms D_pe = R_ep NIEL_p(10 MeV) / NIEL_e(1 MeV) with R_ep = 7.2.

References
----------
- Anspaugh, B. E., "GaAs Solar Cell Radiation Handbook", JPL Publication 96-9 (1996):
  relative damage coefficients, angular averaging through coverglass, EQFLUX.
- Messenger, S. R., Summers, G. P., Burke, E. A., Walters, R. J. & Xapsos, M. A.,
  "Modeling solar cell degradation in space: a comparison of the NRL displacement damage
  dose and the JPL equivalent fluence approaches", Prog. Photovolt. 9 (2001) 103-121.
- Summers, G. P. et al., "Damage correlations in semiconductors exposed to gamma,
  electron and proton radiations", IEEE Trans. Nucl. Sci. 40 (1993) 1372.
- Boschini, M. J., Rancoita, P. G. et al., SR-NIEL calculator, https://www.sr-niel.org.
- McKinley, W. A. & Feshbach, H., Phys. Rev. 74 (1948) 1759; Lindhard et al. (1963) /
  Robinson (1970) partition as parametrised by Akkerman et al., Radiat. Phys. Chem. 62
  (2001) 301 (the first-principles cross-check models).
"""
from __future__ import annotations

import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from orbit.constants import SECONDS_PER_JULIAN_YEAR
from orbit.validation import check_range

from . import environment, shielding, solar
from . import stopping as _stopping

GAAS_Z = 32.0
GAAS_A_G_MOL = 72.32
GAAS_DISPLACEMENT_THRESHOLD_EV = 10.0
"""Displacement threshold used for GaAs NIEL (Summers et al. 1993)."""
AVOGADRO = 6.02214076e23
R_E_CM = 2.8179403262e-13
ALPHA = 1.0 / 137.035999084
ELECTRON_REST_MEV = 0.51099895
PROTON_REST_MEV = 938.27208816
AMU_MEV = 931.49410242
COULOMB_E2_MEV_CM = 1.43996448e-13
FUSED_SILICA_DENSITY_G_CM3 = 2.20

DEFAULT_ELECTRON_EXPONENT_N = 1.7
"""NIEL exponent n of the electron damage effectiveness of p-type GaAs/Ge cells (Messenger
et al. 2001: n ~ 1.7 for p-type, ~1 for n-type); 1.70 is also the least-squares fit to the
JPL handbook's normal-incidence electron RDCs (0.6-10 MeV, max deviation 15 %)."""
DEFAULT_PROTON_TO_ELECTRON_EQUIVALENCE = 2000.0
"""10 MeV protons -> 1 MeV electrons damage equivalence for GaAs/Ge Pmax, derived from the
JPL handbook's Pmax degradation data (see the module docstring)."""
NIEL_E_1MEV_GAAS_MEV_CM2_G = 2.66e-5
NIEL_P_10MEV_GAAS_MEV_CM2_G = 7.42e-3
"""NRL table values at the normalisation energies [MeV cm^2/g]."""
DEFAULT_R_EP = DEFAULT_PROTON_TO_ELECTRON_EQUIVALENCE * NIEL_E_1MEV_GAAS_MEV_CM2_G / NIEL_P_10MEV_GAAS_MEV_CM2_G
"""Proton-to-electron DDD effectiveness ratio R_ep (= 7.17): D_pe = R_ep NIEL_p(10)/NIEL_e(1)."""
DEFAULT_ACTIVE_DEPTH_G_CM2 = 1.0e-4 * 5.32
"""Active (junction-region) depth of the cell for end-of-track proton damage: 1 um of GaAs
(5.32 g/cm^3)."""
COVERGLASS_MATERIAL = "silicon_dioxide"
"""Coverglass stopping material (NIST SiO2: fused silica; ceria-doped borosilicate CMG has
~3 % longer mass ranges)."""


def _lindhard_fraction(t_mev):
    """Non-ionising fraction of a GaAs self-recoil of energy T (Lindhard-Robinson)."""
    z, a = GAAS_Z, GAAS_A_G_MOL
    e_l_ev = 30.724 * z * z * math.sqrt(2.0 * z ** (2.0 / 3.0)) * 2.0
    k_l = 0.1337 * z ** (1.0 / 6.0) * math.sqrt(z / a)
    eps = t_mev * 1e6 / e_l_ev
    g = eps + 0.40244 * eps**0.75 + 3.4008 * eps ** (1.0 / 6.0)
    return 1.0 / (1.0 + k_l * g)


_GL_X, _GL_W = np.polynomial.legendre.leggauss(48)


def _niel_integral(tmax_mev, kernel):
    """(N_A/A) * integral_{Td}^{Tmax} T xi(T) dsigma/dT dT, in ln T with Gauss-Legendre."""
    td = GAAS_DISPLACEMENT_THRESHOLD_EV * 1e-6
    lo = math.log(td)
    hi = jnp.log(jnp.maximum(tmax_mev, td * (1 + 1e-9)))
    u = 0.5 * (hi - lo)[..., None] * _GL_X + 0.5 * (hi + lo)[..., None]
    t = jnp.exp(u)
    integrand = t * t * _lindhard_fraction(t) * kernel(t)  # dT = T du
    val = 0.5 * (hi - lo) * jnp.sum(_GL_W * integrand, axis=-1)
    return jnp.where(tmax_mev > td, val, 0.0) * AVOGADRO / GAAS_A_G_MOL


def electron_niel_mckinley_feshbach_mev_cm2_g(energy_mev):
    """Electron NIEL in GaAs [MeV cm^2/g], first-principles model (McKinley-Feshbach, Lindhard
    partition, one mean element Z 32, T_d 10 eV): about 18 % below the NRL table at 1 MeV
    (a cross-check only; :func:`electron_niel_mev_cm2_g` is the table)."""
    e = jnp.asarray(energy_mev)
    gamma = 1.0 + e / ELECTRON_REST_MEV
    b2 = 1.0 - 1.0 / gamma**2
    m_nuc = GAAS_A_G_MOL * AMU_MEV
    tmax = 2.0 * e * (e + 2.0 * ELECTRON_REST_MEV) / m_nuc
    beta = jnp.sqrt(b2)
    pref = math.pi * (GAAS_Z * R_E_CM) ** 2 * (1.0 - b2) / b2**2

    def dsig_dt(t):
        tm = tmax[..., None]
        x = t / tm
        mf = 1.0 - b2[..., None] * x + math.pi * ALPHA * GAAS_Z * beta[..., None] * (jnp.sqrt(x) - x)
        return pref[..., None] * tm / t**2 * mf

    return _niel_integral(tmax, dsig_dt)


def proton_coulomb_niel_mev_cm2_g(energy_mev):
    """Proton Coulomb NIEL in GaAs [MeV cm^2/g] (Rutherford with relativistic kinematics).

    Lower bound above ~20 MeV (nuclear elastic/inelastic contributions not included).
    """
    e = jnp.asarray(energy_mev)
    m1 = PROTON_REST_MEV
    m2 = GAAS_A_G_MOL * AMU_MEV
    gamma = 1.0 + e / m1
    b2 = 1.0 - 1.0 / gamma**2
    p2 = e * (e + 2.0 * m1)  # (pc)^2
    tmax = 2.0 * p2 * m2 / (m1**2 + m2**2 + 2.0 * m2 * (e + m1))
    # Rutherford in recoil energy for a heavy target (valid relativistically with the
    # projectile speed beta c): dsigma/dT = 2 pi (Z1 Z2 e^2)^2 / (M2 c^2 beta^2 T^2)
    pref = 2.0 * math.pi * (GAAS_Z * COULOMB_E2_MEV_CM) ** 2 / (m2 * b2)

    def dsig_dt(t):
        return pref[..., None] / t**2

    return _niel_integral(tmax, dsig_dt)


NIEL_MATERIALS = ("gaas", "silicon")
_NIEL_FILES = {("gaas", "proton"): "gaas_proton_nrl_scream.csv", ("gaas", "electron"): "gaas_electron_nrl_scream.csv",
               ("silicon", "proton"): "si_proton_srniel.csv", ("silicon", "electron"): "si_electron_srniel.csv"}


@functools.lru_cache(maxsize=None)
def _niel_table(material: str, particle: str) -> np.ndarray:
    if particle not in ("proton", "electron"):
        raise ValueError(f"particle = {particle!r} is not one of ('proton', 'electron')")
    if material not in NIEL_MATERIALS:
        raise ValueError(f"material = {material!r} is not one of {NIEL_MATERIALS}")
    from . import _tables

    return np.loadtxt(_tables.data_dir() / "niel" / _NIEL_FILES[(material, particle)], delimiter=",", comments="#")


def niel_mev_cm2_g(energy_mev, particle: str = "proton", material: str = "gaas"):
    """Non-ionising energy loss [MeV cm^2/g] from the published tables (see module docstring).

    Monotone cubic interpolation in log-log between the positive table values; between the
    displacement threshold (the table's zero row) and the first positive value a linear
    ramp; zero below the threshold.

    Parameters
    ----------
    energy_mev : kinetic energy [MeV] (any shape), >= 0 and <= the table's last energy
        (GaAs: protons 1000, electrons 100 MeV; Si: 1e4 / 1000 MeV).  Protons below the
        table's first energy are evaluated there.
    particle : ``"proton"`` or ``"electron"``.
    material : ``"gaas"`` or ``"silicon"``.
    """
    tab = _niel_table(material, particle)
    check_range(f"energy_mev ({material} {particle} NIEL table range)", energy_mev, 0.0, float(tab[-1, 0]),
                units="MeV")
    pos = tab[tab[:, 1] > 0]
    zero = tab[tab[:, 1] <= 0]
    e = jnp.asarray(energy_mev)
    dt = jnp.result_type(e, float)
    e0 = float(pos[0, 0])
    v = _stopping._loglog(pos[:, 0], pos[:, 1], jnp.maximum(e, e0).astype(dt))
    if zero.shape[0]:
        eth = float(zero[-1, 0])
        ramp = float(pos[0, 1]) * jnp.clip((e - eth) / (e0 - eth), 0.0, 1.0)
        v = jnp.where(e >= e0, v, ramp)
    return v


def proton_niel_mev_cm2_g(energy_mev, material: str = "gaas"):
    """Proton NIEL [MeV cm^2/g] with nuclear elastic and inelastic contributions (tables)."""
    return niel_mev_cm2_g(energy_mev, "proton", material)


def electron_niel_mev_cm2_g(energy_mev, material: str = "gaas"):
    """Electron NIEL [MeV cm^2/g] (tables; zero below the displacement threshold)."""
    return niel_mev_cm2_g(energy_mev, "electron", material)


@functools.lru_cache(maxsize=None)
def _proton_damage_energy_table():
    """(E [MeV], G(E) [MeV cm^2/g x g/cm^2]): the displacement (damage) energy a proton of
    energy E deposits over its whole track in GaAs, G(E) = int_0^E NIEL(E')/S(E') dE'
    (host-side numpy, cached; S: PSTAR germanium total stopping power)."""
    from scipy.interpolate import PchipInterpolator

    tab = _stopping._nist("pstar", "germanium")
    niel_tab = _niel_table("gaas", "proton")
    e = np.geomspace(float(tab[0, 0]), 1000.0, 2000)
    s = np.exp(PchipInterpolator(np.log(tab[:, 0]), np.log(tab[:, 1] + tab[:, 2]))(np.log(e)))
    niel = np.exp(PchipInterpolator(np.log(niel_tab[:, 0]), np.log(niel_tab[:, 1]))(np.log(e)))
    f = niel / s * e  # integrand in ln E
    g = np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(np.log(e)))]) + f[0]
    return e, g


def _proton_track_damage(e_mev, path_g_cm2):
    """Displacement energy [MeV cm^2/g x g/cm^2] a proton of energy E deposits over the first
    ``path`` g/cm^2 of GaAs (CSDA, PSTAR germanium ranges as the GaAs stand-in)."""
    te, tg = _proton_damage_energy_table()
    tab = _stopping._nist("pstar", "germanium")
    dt = jnp.result_type(e_mev, path_g_cm2, float)
    e = jnp.clip(e_mev, float(tab[0, 0]), 1000.0).astype(dt)
    r = _stopping._loglog(tab[:, 0], tab[:, 3], e)
    r_out = r - path_g_cm2
    stopped = r_out <= float(tab[0, 3])
    e_out = _stopping._loglog(tab[:, 3], tab[:, 0], jnp.where(stopped, float(tab[0, 3]) * 2.0, r_out))
    g_in = _stopping._loglog(te, tg, e)
    g_out = jnp.where(stopped, 0.0, _stopping._loglog(te, tg, e_out))
    return jnp.where(e_mev > float(tab[0, 0]), g_in - g_out, 0.0)


def normal_incidence_rdc(energy_mev, particle: str = "proton", electron_exponent_n=DEFAULT_ELECTRON_EXPONENT_N,
                         active_depth_g_cm2=DEFAULT_ACTIVE_DEPTH_G_CM2):
    """Relative damage coefficient of a bare GaAs cell at normal incidence (NRL DDD form).

    Electrons: (NIEL_e(E)/NIEL_e(1 MeV))^n (1 at 1 MeV); protons: damage energy deposited in
    the active depth over that of a 10 MeV proton (1 at 10 MeV).  See the module docstring.
    """
    if particle == "electron":
        return (electron_niel_mev_cm2_g(energy_mev) / NIEL_E_1MEV_GAAS_MEV_CM2_G) ** electron_exponent_n
    if particle == "proton":
        return _proton_track_damage(jnp.asarray(energy_mev), active_depth_g_cm2) / (
            NIEL_P_10MEV_GAAS_MEV_CM2_G * active_depth_g_cm2)
    raise ValueError(f"particle = {particle!r} is not one of ('proton', 'electron')")


_MU_S, _MU_W = np.polynomial.legendre.leggauss(48)


def relative_damage_coefficient(energy_mev, coverglass_g_cm2, particle: str = "proton",
                                electron_exponent_n=DEFAULT_ELECTRON_EXPONENT_N,
                                active_depth_g_cm2=DEFAULT_ACTIVE_DEPTH_G_CM2, glass: str = COVERGLASS_MATERIAL,
                                normal_rdc=None):
    """Omnidirectional relative damage coefficient behind a coverglass (JPL angular average).

    RDC_omni(E, t) = (1/2) int_0^1 mu g(E_c, d/mu)/(N_ref d) dmu with the coverglass slowing
    E -> E_c along t/mu (NIST CSDA ranges of ``glass``); see the module docstring.

    Parameters
    ----------
    energy_mev : incident energies [MeV] (any shape; protons 0.01..1000, electrons 0.01..100).
    coverglass_g_cm2 : coverglass areal density [g/cm^2], 0..10 (fused silica:
        100 um = 0.0220; 6 mil = 152.4 um).
    particle : ``"proton"`` (relative to 10 MeV protons at normal incidence) or
        ``"electron"`` (relative to 1 MeV electrons).
    electron_exponent_n, active_depth_g_cm2 : cell parameters (module docstring).
    glass : NIST material of the coverglass (``"silicon_dioxide"``).
    normal_rdc : optional callable E [MeV] -> normal-incidence RDC replacing the NRL model
        (e.g. a cell's own ground-test curve); particles are then treated as traversing
        the active layer (no end-of-track term).

    Returns
    -------
    RDC [-], shape of ``energy_mev`` broadcast with ``coverglass_g_cm2``.  Traceable and
    differentiable in the coverglass thickness.
    """
    if particle not in ("proton", "electron"):
        raise ValueError(f"particle = {particle!r} is not one of ('proton', 'electron')")
    check_range("coverglass_g_cm2", coverglass_g_cm2, 0.0, 10.0, units="g/cm^2")
    kind = "pstar" if particle == "proton" else "estar"
    tab = _stopping._nist(kind, glass)
    e = jnp.asarray(energy_mev)
    t = jnp.asarray(coverglass_g_cm2)
    dt = jnp.result_type(e, t, float)
    e, t = jnp.broadcast_arrays(e.astype(dt), t.astype(dt))
    r0 = float(tab[0, 3])
    r = _stopping._loglog(tab[:, 0], tab[:, 3], jnp.clip(e, float(tab[0, 0]), float(tab[-1, 0])))
    # mu from the cut-off mu_c = t / (R - R0) (slower particles stop in the glass) to 1,
    # nodes clustered at the cut-off where the emerging spectrum is softest
    mu_c = jnp.clip(t / jnp.maximum(r - r0, 1e-30), 0.0, 1.0)[..., None]
    sq = jnp.asarray(0.5 * (_MU_S + 1.0), dtype=dt)
    w = jnp.asarray(0.5 * _MU_W, dtype=dt) * 2.0 * sq
    mu = mu_c + (1.0 - mu_c) * sq**2
    wmu = (1.0 - mu_c) * w
    r_out = jnp.maximum(r[..., None] - t[..., None] / mu, r0 * 1.0000001)
    e_c = _stopping._loglog(tab[:, 3], tab[:, 0], r_out)
    if normal_rdc is not None:
        f = normal_rdc(e_c)
    elif particle == "electron":
        f = (electron_niel_mev_cm2_g(jnp.minimum(e_c, 100.0)) / NIEL_E_1MEV_GAAS_MEV_CM2_G) ** electron_exponent_n
    else:
        d = active_depth_g_cm2
        f = mu * _proton_track_damage(e_c, d / mu) / (NIEL_P_10MEV_GAAS_MEV_CM2_G * d)
    return 0.5 * jnp.sum(wmu * f, axis=-1)


def behind_coverglass_track_fluence(energy_mev, omni_fluence_per_mev_cm2, coverglass_g_cm2, particle: str):
    """Track-length fluence spectrum [1/(cm^2 MeV)] in the cell behind a coverglass.

    Isotropic omnidirectional fluence on the front hemisphere only (rear infinitely
    shielded): (1/2) * mean over mu in (0, 1] of the spectrum slowed straight-ahead along
    t/mu (NIST CSDA ranges of SiO2).
    """
    if particle not in ("proton", "electron"):
        raise ValueError(f"particle = {particle!r} is not one of ('proton', 'electron')")
    check_range("coverglass_g_cm2", coverglass_g_cm2, 0.0, 10.0, units="g/cm^2")
    tab = _stopping._nist("pstar" if particle == "proton" else "estar", COVERGLASS_MATERIAL)
    phi = jnp.asarray(omni_fluence_per_mev_cm2)
    dt = jnp.result_type(phi, float)
    e = jnp.asarray(energy_mev, dtype=dt)
    mu = jnp.asarray(0.5 * (_MU_S + 1.0), dtype=dt)[:, None]
    w = jnp.asarray(0.5 * _MU_W, dtype=dt)[:, None]
    path = jnp.asarray(coverglass_g_cm2, dtype=dt) / mu
    le_t, lr_t = jnp.asarray(np.log(tab[:, 0]), dtype=dt), jnp.asarray(np.log(tab[:, 3]), dtype=dt)
    lstop = jnp.log(jnp.asarray(tab[:, 1] + tab[:, 2], dtype=dt))
    r_out = jnp.exp(jnp.interp(jnp.log(e), le_t, lr_t))
    e_in = jnp.exp(jnp.interp(jnp.log(r_out + path), lr_t, le_t))
    s_ratio = jnp.exp(jnp.interp(jnp.log(e_in), le_t, lstop) - jnp.interp(jnp.log(e), le_t, lstop))
    slowed = jnp.interp(jnp.log(e_in), jnp.log(e), phi, right=0.0) * s_ratio
    return 0.5 * jnp.sum(w * slowed, axis=0)


class CellFluence(NamedTuple):
    """Displacement damage results for a GaAs-based cell behind its coverglass."""

    one_mev_electron_equivalent_cm2: jnp.ndarray
    """1-MeV-electron equivalent fluence [e/cm^2] (the input of :mod:`power`)."""
    proton_ddd_mev_g: jnp.ndarray
    """Proton displacement damage dose [MeV/g] (as 10 MeV protons: NIEL_p(10) x
    int phi_p RDC_p)."""
    electron_effective_ddd_mev_g: jnp.ndarray
    """Electron effective displacement damage dose [MeV/g] (NIEL_e(1) x int phi_e RDC_e)."""


def cell_fluence_from_spectra(e_p, phi_p, e_e, phi_e, coverglass_g_cm2, electron_exponent_n=DEFAULT_ELECTRON_EXPONENT_N,
                              r_ep=DEFAULT_R_EP) -> CellFluence:
    """1-MeV-equivalent fluence from omnidirectional proton and electron fluence spectra.

    Phi_eq = int phi_e RDC_omni,e dE + D_pe int phi_p RDC_omni,p dE with
    D_pe = r_ep NIEL_p(10 MeV)/NIEL_e(1 MeV) (the default gives D_pe = 2000).

    Parameters
    ----------
    e_p, phi_p : proton energies [MeV] (n,), 0.01..1000, and omnidirectional fluence [1/(cm^2 MeV)].
    e_e, phi_e : electron energies [MeV] (m,), 0.01..100, and omnidirectional fluence.
    coverglass_g_cm2 : coverglass areal density [g/cm^2], 0..10.
    electron_exponent_n, r_ep : NRL-method cell parameters (module docstring).
    """
    check_range("coverglass_g_cm2", coverglass_g_cm2, 0.0, 10.0, units="g/cm^2")
    return _cell_fluence_jit(jnp.asarray(e_p), jnp.asarray(phi_p), jnp.asarray(e_e), jnp.asarray(phi_e),
                             jnp.asarray(coverglass_g_cm2), jnp.asarray(electron_exponent_n), jnp.asarray(r_ep))


_EC_PROTON = np.geomspace(0.0105, 999.0, 401)
_EC_ELECTRON = np.geomspace(0.26, 99.0, 241)
_MU_FLUENCE_S, _MU_FLUENCE_W = np.polynomial.legendre.leggauss(24)


def _emergent_damage_sum(e_src, phi_src, coverglass_g_cm2, particle, electron_exponent_n, active_depth_g_cm2):
    """int phi(E) RDC_omni(E, t) dE evaluated in the EMERGENT energy E_c (fixed grid):
    (1/2) sum_mu w_mu int phi(E_in) S(E_in)/S(E_c) f(E_c, mu) dE_c with R(E_in) = R(E_c) + t/mu.

    Same quantity as integrating :func:`relative_damage_coefficient` over the incident
    spectrum, but smooth in the coverglass thickness (the steep rise of the RDC just above
    the glass cut-off is not sampled by the source grid)."""
    kind = "pstar" if particle == "proton" else "estar"
    tab = _stopping._nist(kind, COVERGLASS_MATERIAL)
    dt = jnp.result_type(phi_src, coverglass_g_cm2, float)
    ec = jnp.asarray(_EC_PROTON if particle == "proton" else _EC_ELECTRON, dtype=dt)
    mu = jnp.asarray(0.5 * (_MU_FLUENCE_S + 1.0), dtype=dt)[:, None]
    wmu = jnp.asarray(0.5 * _MU_FLUENCE_W, dtype=dt)[:, None]
    le_t = jnp.asarray(np.log(tab[:, 0]), dtype=dt)
    lr_t = jnp.asarray(np.log(tab[:, 3]), dtype=dt)
    ls_t = jnp.log(jnp.asarray(tab[:, 1] + tab[:, 2], dtype=dt))
    lec = jnp.log(ec)
    r_c = jnp.exp(jnp.interp(lec, le_t, lr_t))
    lr_in = jnp.log(r_c[None, :] + coverglass_g_cm2 / mu)
    le_in = jnp.interp(lr_in, lr_t, le_t, right=jnp.inf)
    jac = jnp.exp(jnp.interp(le_in, le_t, ls_t) - jnp.interp(lec, le_t, ls_t)[None, :])
    phi_in = jnp.interp(le_in, jnp.log(e_src), phi_src, left=0.0, right=0.0)
    if particle == "electron":
        f = (electron_niel_mev_cm2_g(ec) / NIEL_E_1MEV_GAAS_MEV_CM2_G) ** electron_exponent_n
        f = jnp.broadcast_to(f, phi_in.shape)
    else:
        d = active_depth_g_cm2
        f = mu * _proton_track_damage(jnp.broadcast_to(ec, phi_in.shape), d / mu) / (NIEL_P_10MEV_GAAS_MEV_CM2_G * d)
    w_e = shielding.trapezoid_log_weights(ec)
    return 0.5 * jnp.sum(wmu * jnp.sum(w_e * phi_in * jac * f, axis=-1, keepdims=True))


@jax.jit
def _cell_fluence_jit(e_p, phi_p, e_e, phi_e, coverglass_g_cm2, electron_exponent_n, r_ep):
    fp = _emergent_damage_sum(e_p, phi_p, coverglass_g_cm2, "proton", electron_exponent_n,
                              DEFAULT_ACTIVE_DEPTH_G_CM2)  # 10-MeV-proton equivalent fluence
    fe = _emergent_damage_sum(e_e, phi_e, coverglass_g_cm2, "electron", electron_exponent_n,
                              DEFAULT_ACTIVE_DEPTH_G_CM2)  # 1-MeV-electron equivalent fluence of electrons
    d_pe = r_ep * NIEL_P_10MEV_GAAS_MEV_CM2_G / NIEL_E_1MEV_GAAS_MEV_CM2_G
    return CellFluence(fe + d_pe * fp, NIEL_P_10MEV_GAAS_MEV_CM2_G * fp, NIEL_E_1MEV_GAAS_MEV_CM2_G * fe)


def one_mev_equivalent_fluence_cm2(altitude_m, inclination_rad, mission_years, coverglass_g_cm2,
                                   solar_cycle: str = "worst", confidence=0.95,
                                   electron_exponent_n=DEFAULT_ELECTRON_EXPONENT_N, r_ep=DEFAULT_R_EP,
                                   solar_active_fraction=solar.SOLAR_ACTIVE_FRACTION,
                                   include_solar: bool = True, trapped_flux_scale=1.0) -> CellFluence:
    """Mission 1-MeV-electron-equivalent fluence [e/cm^2] for a GaAs-based cell.

    Parameters
    ----------
    altitude_m, inclination_rad : circular orbit (AE8/AP8 table range).
    mission_years : mission length [yr], > 0.
    coverglass_g_cm2 : coverglass areal density [g/cm^2] (fused silica: 100 um = 0.022).
    solar_cycle : ``"min"``, ``"max"`` or ``"worst"`` (AP8 MIN + AE8 MAX).
    confidence : solar-proton fluence confidence level, 0.5..0.99.
    electron_exponent_n, r_ep : NRL-method cell parameters (see module docstring).
    solar_active_fraction : fraction of the mission in solar-active years.
    include_solar : add geomagnetically attenuated solar protons.
    trapped_flux_scale : multiplier on the AE8/AP8 trapped proton and electron fluxes (their
        model uncertainty, about a factor of 2 per ECSS-E-ST-10-04C), 0 .. 100; solar protons
        are not scaled.

    Returns
    -------
    :class:`CellFluence`; ``one_mev_electron_equivalent_cm2`` is what
    ``power.cells.remaining_factor`` takes as ``fluence_cm2``.
    """
    check_range("mission_years", mission_years, 0.0, 100.0, lo_inclusive=False, units="yr")
    check_range("coverglass_g_cm2", coverglass_g_cm2, 0.0, 10.0, units="g/cm^2")
    check_range("confidence", confidence, 0.5, 0.99)
    check_range("trapped_flux_scale", trapped_flux_scale, 0.0, 100.0)
    environment.check_orbit_in_table(altitude_m, inclination_rad)
    if solar_cycle not in ("min", "max", "worst"):
        raise ValueError(f"solar_cycle = {solar_cycle!r} is not one of ('min', 'max', 'worst')")
    return _one_mev_core(*(jnp.asarray(v) for v in (altitude_m, inclination_rad, mission_years, coverglass_g_cm2,
                                                     confidence, electron_exponent_n, r_ep, solar_active_fraction,
                                                     trapped_flux_scale)),
                         solar_cycle=solar_cycle, include_solar=include_solar)


@functools.partial(jax.jit, static_argnames=("solar_cycle", "include_solar"))
def _one_mev_core(altitude_m, inclination_rad, mission_years, coverglass_g_cm2, confidence, electron_exponent_n, r_ep,
                  solar_active_fraction, trapped_flux_scale, solar_cycle, include_solar):
    p_cycle, e_cycle = ("min", "max") if solar_cycle == "worst" else (solar_cycle, solar_cycle)
    ep, fp = environment.trapped_differential_flux(altitude_m, inclination_rad, "proton", p_cycle)
    ee, fe = environment.trapped_differential_flux(altitude_m, inclination_rad, "electron", e_cycle)
    fp, fe = trapped_flux_scale * fp, trapped_flux_scale * fe
    seconds = jnp.asarray(mission_years) * SECONDS_PER_JULIAN_YEAR
    phi_p = fp * seconds
    if include_solar:
        es, fs = solar.solar_proton_differential_fluence(jnp.asarray(mission_years) * solar_active_fraction, confidence)
        ts = solar.geomagnetic_transmission(es, altitude_m, inclination_rad)
        # put both proton spectra on one grid (the union is not needed: interpolate solar onto trapped+solar range)
        e_all = np.unique(np.concatenate([ep, es]))
        phi_p = (jnp.interp(jnp.log(e_all), jnp.log(ep), phi_p, right=0.0)
                 + jnp.interp(jnp.log(e_all), jnp.log(es), fs * ts, left=0.0, right=0.0))
        ep = e_all
    return _cell_fluence_jit(jnp.asarray(ep), phi_p, jnp.asarray(ee), fe * seconds, coverglass_g_cm2,
                             electron_exponent_n, r_ep)
