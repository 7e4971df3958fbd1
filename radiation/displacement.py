"""Displacement damage in GaAs solar cells: NIEL, displacement damage dose, and the
1-MeV-equivalent electron fluence that :mod:`power` consumes.

Method (the NRL displacement-damage-dose approach, Messenger/Summers/Walters):

* NIEL of electrons and protons in GaAs from first principles: Coulomb scattering on the
  lattice nuclei (McKinley-Feshbach approximation of the Mott cross-section for
  electrons; relativistic Rutherford for protons), recoil energies from the displacement
  threshold T_d to T_max, each weighted by its non-ionising (Lindhard-Robinson) fraction.
  GaAs is treated as one element of the mean Z = 32, A = 72.32.  Nuclear elastic and
  inelastic proton interactions (important above ~20 MeV) are NOT included: the Coulomb
  NIEL is a lower bound there; cells behind thin coverglass are damaged mostly by protons
  of a few MeV, where Coulomb scattering dominates.
* Spectra behind the coverglass: isotropic (omnidirectional) flux on the front face,
  slowed down straight-ahead (CSDA) along the slant path t/mu, with the aluminium CSDA
  range tables of SHIELDOSE-2 scaled to fused silica by the mass-range approximation (a
  stated simplification, poorer for electrons, which scatter).  The rear is taken as
  infinitely shielded (a half-space of incidence), so the track-length fluence through the
  active layer is Phi_omni/2 averaged uniformly over mu.
* Displacement damage dose D_p = integral phi_p NIEL_p,  effective electron dose
  D_e = integral phi_e NIEL_e (NIEL_e/NIEL_e(1 MeV))^(n-1);  the 1-MeV-electron
  equivalent fluence is Phi_eq = (D_e + R_ep D_p) / NIEL_e(1 MeV), with the
  electron-to-proton damage-effectiveness ratio R_ep and the exponent n from the cell's
  ground tests (defaults below are assumptions to be replaced by the cell's data).

References
----------
- Messenger, S. R. et al., "Modeling solar cell degradation in space: a comparison of the
  NRL displacement damage dose and the JPL equivalent fluence approaches", Prog.
  Photovolt. 9 (2001) 103-121.
- Summers, G. P. et al., "Damage correlations in semiconductors exposed to gamma,
  electron and proton radiations", IEEE Trans. Nucl. Sci. 40 (1993) 1372 (NIEL; T_d(GaAs)
  ~ 10 eV).
- McKinley, W. A. & Feshbach, H., Phys. Rev. 74 (1948) 1759 (electron-nucleus scattering).
- Lindhard, J. et al. (1963) / Robinson, M. T. (1970): partition of recoil energy,
  as parametrised by Akkerman, A. et al., Radiat. Phys. Chem. 62 (2001) 301.
- Anspaugh, B. E., "GaAs Solar Cell Radiation Handbook", JPL Publication 96-9 (1996):
  the JPL equivalent-fluence (EQFLUX) method the 1-MeV-equivalent output is compatible with.
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
"""NIEL exponent n for the electron damage effectiveness of p-type GaAs-based cells
(Messenger et al. 2001 report n ~ 1.7 for p-type, ~1 for n-type GaAs).  Assumption."""
DEFAULT_R_EP = 1.0
"""Electron-to-proton DDD effectiveness ratio R_ep.  Cell-specific; 1.0 is a neutral
placeholder to be replaced by the cell's ground-test value."""


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


def electron_niel_mev_cm2_g(energy_mev):
    """Electron NIEL in GaAs [MeV cm^2/g] (McKinley-Feshbach, Lindhard partition)."""
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


def _slowed_spectrum(energy_mev, phi, path_g_cm2, particle):
    """Straight-ahead CSDA spectrum after a path (Al mass-range tables as the proxy)."""
    fam = "trapped_proton" if particle == "proton" else "electron"
    tab = shielding._kernel_tables()["proton" if particle == "proton" else "electron"]
    le_t = jnp.asarray(np.log(tab["energy_mev"]))
    lr_t = jnp.asarray(np.log(tab["aluminium"]["r0_g_cm2"]))
    del fam
    slope = jnp.diff(lr_t) / jnp.diff(le_t)
    mid = 0.5 * (le_t[1:] + le_t[:-1])
    e = jnp.asarray(energy_mev)
    le = jnp.log(e)
    r_out = jnp.exp(jnp.interp(le, le_t, lr_t))
    r_in = r_out + path_g_cm2
    le_in = jnp.interp(jnp.log(r_in), lr_t, le_t)
    e_in = jnp.exp(le_in)
    s_out = e / (r_out * jnp.interp(le, mid, slope))
    s_in = e_in / (r_in * jnp.interp(le_in, mid, slope))
    return jnp.interp(le_in, le, phi, right=0.0) * s_in / s_out


_MU_X, _MU_W = np.polynomial.legendre.leggauss(16)


def behind_coverglass_track_fluence(energy_mev, omni_fluence_per_mev_cm2, coverglass_g_cm2, particle: str):
    """Track-length fluence spectrum [1/(cm^2 MeV)] in the cell behind a coverglass.

    Isotropic omnidirectional fluence on the front hemisphere only (rear infinitely
    shielded): (1/2) * mean over mu in (0, 1] of the spectrum slowed along t/mu.
    """
    if particle not in ("proton", "electron"):
        raise ValueError(f"particle = {particle!r} is not one of ('proton', 'electron')")
    check_range("coverglass_g_cm2", coverglass_g_cm2, 0.0, 10.0, units="g/cm^2")
    dt = jnp.result_type(jnp.asarray(omni_fluence_per_mev_cm2), float)
    mu = jnp.asarray(0.5 * (_MU_X + 1.0), dtype=dt)
    w = jnp.asarray(0.5 * _MU_W, dtype=dt)
    path = jnp.asarray(coverglass_g_cm2, dtype=dt) / mu[:, None]  # (n_mu, 1): broadcast over energies
    slowed = _slowed_spectrum(energy_mev, omni_fluence_per_mev_cm2, path, particle)  # (n_mu, n)
    return 0.5 * jnp.sum(w[:, None] * slowed, axis=0)


class CellFluence(NamedTuple):
    """Displacement damage results for a GaAs-based cell behind its coverglass."""

    one_mev_electron_equivalent_cm2: jnp.ndarray
    """1-MeV-electron equivalent fluence [e/cm^2] (the input of :mod:`power`)."""
    proton_ddd_mev_g: jnp.ndarray
    """Proton displacement damage dose [MeV/g]."""
    electron_effective_ddd_mev_g: jnp.ndarray
    """Electron effective displacement damage dose [MeV/g] (n-weighted)."""


def cell_fluence_from_spectra(e_p, phi_p, e_e, phi_e, coverglass_g_cm2, electron_exponent_n=DEFAULT_ELECTRON_EXPONENT_N,
                              r_ep=DEFAULT_R_EP) -> CellFluence:
    """1-MeV-equivalent fluence from omnidirectional proton and electron fluence spectra.

    Parameters
    ----------
    e_p, phi_p : proton energies [MeV] (n,) and omnidirectional fluence [1/(cm^2 MeV)].
    e_e, phi_e : electron energies [MeV] (m,) and omnidirectional fluence.
    coverglass_g_cm2 : coverglass areal density [g/cm^2], 0..10.
    electron_exponent_n, r_ep : NRL-method cell parameters.
    """
    check_range("coverglass_g_cm2", coverglass_g_cm2, 0.0, 10.0, units="g/cm^2")
    return _cell_fluence_jit(jnp.asarray(e_p), jnp.asarray(phi_p), jnp.asarray(e_e), jnp.asarray(phi_e),
                             jnp.asarray(coverglass_g_cm2), jnp.asarray(electron_exponent_n), jnp.asarray(r_ep))


@jax.jit
def _cell_fluence_jit(e_p, phi_p, e_e, phi_e, coverglass_g_cm2, electron_exponent_n, r_ep):
    wp = shielding.trapezoid_log_weights(jnp.asarray(e_p))
    we = shielding.trapezoid_log_weights(jnp.asarray(e_e))
    tp = behind_coverglass_track_fluence(e_p, phi_p, coverglass_g_cm2, "proton")
    te = behind_coverglass_track_fluence(e_e, phi_e, coverglass_g_cm2, "electron")
    d_p = jnp.sum(wp * tp * proton_coulomb_niel_mev_cm2_g(jnp.asarray(e_p)), axis=-1)
    n_e = electron_niel_mev_cm2_g(jnp.asarray(e_e))
    n_1 = electron_niel_mev_cm2_g(1.0)
    d_e = jnp.sum(we * te * n_e * (n_e / n_1) ** (electron_exponent_n - 1.0), axis=-1)
    phi_eq = (d_e + r_ep * d_p) / n_1
    return CellFluence(phi_eq, d_p, d_e)


def one_mev_equivalent_fluence_cm2(altitude_m, inclination_rad, mission_years, coverglass_g_cm2,
                                   solar_cycle: str = "worst", confidence=0.95,
                                   electron_exponent_n=DEFAULT_ELECTRON_EXPONENT_N, r_ep=DEFAULT_R_EP,
                                   solar_active_fraction=solar.SOLAR_ACTIVE_FRACTION,
                                   include_solar: bool = True) -> CellFluence:
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

    Returns
    -------
    :class:`CellFluence`; ``one_mev_electron_equivalent_cm2`` is what
    ``power.cells.remaining_factor`` takes as ``fluence_cm2``.
    """
    check_range("mission_years", mission_years, 0.0, 100.0, lo_inclusive=False, units="yr")
    check_range("coverglass_g_cm2", coverglass_g_cm2, 0.0, 10.0, units="g/cm^2")
    check_range("confidence", confidence, 0.5, 0.99)
    environment.check_orbit_in_table(altitude_m, inclination_rad)
    if solar_cycle not in ("min", "max", "worst"):
        raise ValueError(f"solar_cycle = {solar_cycle!r} is not one of ('min', 'max', 'worst')")
    return _one_mev_core(*(jnp.asarray(v) for v in (altitude_m, inclination_rad, mission_years, coverglass_g_cm2,
                                                     confidence, electron_exponent_n, r_ep, solar_active_fraction)),
                         solar_cycle=solar_cycle, include_solar=include_solar)


@functools.partial(jax.jit, static_argnames=("solar_cycle", "include_solar"))
def _one_mev_core(altitude_m, inclination_rad, mission_years, coverglass_g_cm2, confidence, electron_exponent_n, r_ep,
                  solar_active_fraction, solar_cycle, include_solar):
    p_cycle, e_cycle = ("min", "max") if solar_cycle == "worst" else (solar_cycle, solar_cycle)
    ep, fp = environment.trapped_differential_flux(altitude_m, inclination_rad, "proton", p_cycle)
    ee, fe = environment.trapped_differential_flux(altitude_m, inclination_rad, "electron", e_cycle)
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
