"""NIEL tables, relative damage coefficients behind coverglass and the proton-to-electron
damage equivalence, against published references:

* NIEL: the NRL GaAs tables (Summers/Messenger, as used by NRL SCREAM) vs the independent
  SR-NIEL GaAs proton table; the first-principles Coulomb model where Coulomb scattering
  dominates;
* RDC: the JPL GaAs Solar Cell Radiation Handbook (Anspaugh 1996) tables, read from
  /work/shared/reference/jpl_gaas_handbook/ (a third-party digitisation, not shipped with the
  project: those tests skip without it); closed-form limits otherwise.
"""
import math
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from radiation import displacement as dd
from radiation import stopping as st

HANDBOOK = Path("/work/shared/reference/jpl_gaas_handbook")
MILS = (0, 1, 3, 6, 12, 20, 30, 60)
FUSED_SILICA_G_CM3 = 2.20


def _handbook(name):
    p = HANDBOOK / name
    if not p.exists():
        pytest.skip("JPL handbook digitised tables not available (see tests docstring)")
    return np.loadtxt(p, delimiter=",")


# --- NIEL ---------------------------------------------------------------------------------------

def test_gaas_proton_niel_nrl_vs_independent_srniel_table():
    """Two published GaAs proton NIEL tables (NRL, used at run time; SR-NIEL, independent):
    the nuclear-dominated part agrees within 3 % from 30 MeV to 1 GeV; in the Coulomb regime
    (1-20 MeV) NRL is 5-9 % higher (measured +8.7 % at 2 MeV): the spread of the references."""
    sr = np.loadtxt(Path(dd.__file__).resolve().parents[1] / "data" / "niel" / "gaas_proton_srniel.csv",
                    delimiter=",", comments="#")
    sel = sr[:, 0] >= 1.0
    ours = np.asarray(dd.proton_niel_mev_cm2_g(sr[sel, 0]))
    err = np.abs(ours / sr[sel, 1] - 1.0)
    assert err.max() < 0.09, err.max()
    assert err[sr[sel, 0] >= 30.0].max() < 0.03


def test_proton_coulomb_model_vs_table_and_the_nuclear_part():
    """Rutherford NIEL (ours) agrees with the NRL table where Coulomb scattering dominates
    (1-3 MeV, within 3 %) and falls below it as nuclear reactions take over."""
    e = np.array([1.0, 2.0, 3.0, 10.0, 30.0, 100.0])
    ratio = np.asarray(dd.proton_coulomb_niel_mev_cm2_g(e) / dd.proton_niel_mev_cm2_g(e))
    assert np.all(np.abs(ratio[:3] - 1.0) < 0.03), ratio
    assert 0.85 < ratio[3] < 0.95 and ratio[4] < 0.6 and ratio[5] < 0.3, ratio


@pytest.mark.parametrize("material, particle, lo, hi", [("gaas", "proton", 1.0, 300.0), ("gaas", "electron", 0.5, 10.0),
                                                        ("silicon", "proton", 1.0, 300.0),
                                                        ("silicon", "electron", 0.5, 10.0)])
def test_niel_interpolation_between_nodes(material, particle, lo, hi):
    """Leave every other node out: the interpolant of the rest reproduces the dropped
    published values within 5 % (bounds the error between the full table's nodes)."""
    tab = dd._niel_table(material, particle)
    tab = tab[tab[:, 1] > 0]
    keep, drop = tab[::2], tab[1::2]
    sel = (drop[:, 0] >= lo) & (drop[:, 0] <= hi)
    v = np.asarray(st._loglog(keep[:, 0], keep[:, 1], drop[sel, 0]))
    assert np.abs(v / drop[sel, 1] - 1.0).max() < 0.05


def test_niel_range_and_names():
    with pytest.raises(ValueError, match="NIEL table range"):
        dd.proton_niel_mev_cm2_g(2000.0)
    with pytest.raises(ValueError, match="material"):
        dd.niel_mev_cm2_g(1.0, "proton", "inp")
    with pytest.raises(ValueError, match="particle"):
        dd.niel_mev_cm2_g(1.0, "neutron")


# --- relative damage coefficients -----------------------------------------------------------

def test_bare_cell_omni_is_half_normal_for_penetrating_particles():
    """Closed form: an isotropic omnidirectional fluence on the front face of a bare cell has
    half the track length per unit volume of the same normal fluence."""
    e = np.array([1.0, 3.0, 10.0])
    np.testing.assert_allclose(np.asarray(dd.relative_damage_coefficient(e, 0.0, "electron")),
                               0.5 * np.asarray(dd.normal_incidence_rdc(e, "electron")), rtol=1e-6)
    ep = np.array([20.0, 50.0, 100.0])
    np.testing.assert_allclose(np.asarray(dd.relative_damage_coefficient(ep, 0.0, "proton")),
                               0.5 * np.asarray(dd.normal_incidence_rdc(ep, "proton")), rtol=2e-3)
    assert float(dd.normal_incidence_rdc(1.0, "electron")) == pytest.approx(1.0)
    assert float(dd.normal_incidence_rdc(10.0, "proton")) == pytest.approx(1.0, rel=2e-3)


def test_protons_stopped_by_the_glass_do_no_damage_and_gradient():
    t = 0.0335  # 6 mil of fused silica
    e_cut = float(st.csda_energy_from_range_mev(t, "proton", "silicon_dioxide"))
    r = np.asarray(dd.relative_damage_coefficient(np.array([0.9 * e_cut, 1.2 * e_cut, 10.0]), t, "proton"))
    assert r[0] == 0.0 and r[1] > 0 and r[2] > 0
    f = jax.jit(lambda tt: dd.relative_damage_coefficient(1.5, tt, "electron"))
    g = float(jax.grad(f)(t))
    fd = (float(f(t + 1e-4)) - float(f(t - 1e-4))) / 2e-4
    assert g < 0 and g == pytest.approx(fd, rel=1e-3)


def test_proton_to_electron_equivalence_default():
    """D_pe = R_ep NIEL_p(10)/NIEL_e(1) = 2000 (derived from the handbook's Pmax data) and the
    EQFLUX sum: an omnidirectional fluence F of 10 MeV protons on a bare cell counts as
    F/2 x 2000 one-MeV electrons."""
    d_pe = dd.DEFAULT_R_EP * dd.NIEL_P_10MEV_GAAS_MEV_CM2_G / dd.NIEL_E_1MEV_GAAS_MEV_CM2_G
    assert d_pe == pytest.approx(2000.0)
    ep = np.geomspace(8.5, 11.7, 401)
    sig = 0.3
    phi = np.exp(-0.5 * ((ep - 10.0) / sig) ** 2) / (sig * math.sqrt(2 * math.pi)) * 1e9
    ee = np.geomspace(0.5, 5.0, 20)
    out = dd.cell_fluence_from_spectra(ep, phi, ee, np.zeros_like(ee), 0.0)
    expected = 0.5 * 2000.0 * np.trapezoid(phi * np.asarray(dd.normal_incidence_rdc(ep, "proton")), ep)
    assert expected == pytest.approx(0.5e9 * 2000.0, rel=0.01)
    assert float(out.one_mev_electron_equivalent_cm2) == pytest.approx(expected, rel=0.01)


def _interp_rdc(d):
    pos = d[:, 1] > 0
    le, lr = jnp.log(d[pos, 0]), jnp.log(d[pos, 1])
    e0 = float(d[pos, 0][0])
    return lambda e: jnp.where(e >= e0, jnp.exp(jnp.interp(jnp.log(jnp.maximum(e, e0)), le, lr)), 0.0)


@pytest.mark.parametrize("mil", MILS[1:])
def test_coverglass_transport_reproduces_handbook_electron_rdcs(mil):
    """Our angular average through fused silica (NIST SiO2 ranges, 2.20 g/cm^3), fed with the
    handbook's own normal-incidence electron RDCs, vs the handbook's shielded omnidirectional
    RDCs, 1-40 MeV.  Measured: median 0.2-0.5 %, max <= 4 % (1-60 mil).  The handbook row at
    2.5 MeV is left out: its own bare omni value (1.3) is not half its normal value (2.8)."""
    d = _handbook("rdc_electrons_pmax.csv")
    t = mil * 2.54e-3 * FUSED_SILICA_G_CM3
    k = MILS.index(mil)
    ours = np.asarray(dd.relative_damage_coefficient(d[:, 0], t, "electron", normal_rdc=_interp_rdc(d)))
    ref = d[:, 2 + k]
    rng = np.asarray(st.electron_csda_range_g_cm2(d[:, 0], "silicon_dioxide"))
    ok = (ref > 0) & (d[:, 0] >= 1.0) & (rng > 3 * t) & (d[:, 0] != 2.5)
    err = np.abs(ours[ok] / ref[ok] - 1.0)
    assert np.median(err) < 0.01 and err.max() < 0.045, (np.median(err), err.max())


@pytest.mark.parametrize("mil", (3, 6, 12, 20, 30, 60))
def test_coverglass_transport_reproduces_handbook_proton_rdcs(mil):
    """Same for protons above 3x the glass cut-off range (penetrating protons): median
    <= 1.5 %, max <= 8 % (the handbook's glass is CMG with its own range table)."""
    d = _handbook("rdc_protons_pmax_voc.csv")
    t = mil * 2.54e-3 * FUSED_SILICA_G_CM3
    k = MILS.index(mil)
    ours = np.asarray(dd.relative_damage_coefficient(d[:, 0], t, "proton", normal_rdc=_interp_rdc(d)))
    ref = d[:, 2 + k]
    rng = np.asarray(st.proton_csda_range_g_cm2(d[:, 0], "silicon_dioxide"))
    ok = (ref > 0) & (rng > 3 * t)
    err = np.abs(ours[ok] / ref[ok] - 1.0)
    assert np.median(err) < 0.015 and err.max() < 0.08, (np.median(err), err.max())


def test_nrl_model_rdcs_vs_handbook():
    """The NRL-DDD normal-incidence RDCs (NIEL tables, n = 1.7) vs the handbook's measured
    ones: protons 1-100 MeV within -14 %/+2 %; electrons 0.6-10 MeV within 15 %."""
    dp = _handbook("rdc_protons_pmax_voc.csv")
    sel = (dp[:, 0] >= 1.0) & (dp[:, 0] <= 100.0)
    rp = np.asarray(dd.normal_incidence_rdc(dp[sel, 0], "proton")) / dp[sel, 1]
    assert rp.min() > 0.86 and rp.max() < 1.02, (rp.min(), rp.max())
    de = _handbook("rdc_electrons_pmax.csv")
    sel = (de[:, 0] >= 0.6) & (de[:, 0] <= 10.0)
    re = np.asarray(dd.normal_incidence_rdc(de[sel, 0], "electron")) / de[sel, 1]
    assert np.abs(re - 1.0).max() < 0.16, re
