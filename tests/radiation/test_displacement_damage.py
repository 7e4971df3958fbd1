"""GaAs NIEL and the 1-MeV-equivalent electron fluence for solar cells."""
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from radiation import displacement as dd


def test_electron_niel_threshold_from_kinematics():
    """The NRL table's displacement threshold (between its last zero and first positive
    energy) brackets the kinematic threshold for T_d = 10 eV on a mean GaAs nucleus, and the
    McKinley-Feshbach model is zero below it."""
    m2 = dd.GAAS_A_G_MOL * dd.AMU_MEV
    td = dd.GAAS_DISPLACEMENT_THRESHOLD_EV * 1e-6
    m = dd.ELECTRON_REST_MEV
    # 2 E (E + 2m) / M2 = Td  ->  E = -m + sqrt(m^2 + Td M2 / 2)
    e_th = -m + math.sqrt(m * m + td * m2 / 2.0)
    tab = dd._niel_table("gaas", "electron")
    last_zero = tab[tab[:, 1] <= 0, 0].max()
    first_pos = tab[tab[:, 1] > 0, 0].min()
    assert last_zero < e_th < first_pos
    n = np.asarray(dd.electron_niel_mev_cm2_g(np.array([0.2, last_zero, 0.3, 1.0, 3.0])))
    assert n[0] == 0.0 and n[1] == 0.0 and 0 < n[2] < n[3] < n[4]
    nm = np.asarray(dd.electron_niel_mckinley_feshbach_mev_cm2_g(np.array([0.98 * e_th, 1.05 * e_th])))
    assert nm[0] == 0.0 and nm[1] > 0


def test_proton_niel_rutherford_scaling():
    """Non-relativistic Rutherford NIEL without partition ~ ln(Tmax/Td)/E: check the
    1/E-like fall between 5 and 20 MeV within the partition's few-percent effect."""
    n5, n20 = (float(v) for v in dd.proton_coulomb_niel_mev_cm2_g(np.array([5.0, 20.0])))
    m1, m2 = dd.PROTON_REST_MEV, dd.GAAS_A_G_MOL * dd.AMU_MEV
    td = dd.GAAS_DISPLACEMENT_THRESHOLD_EV * 1e-6

    def bare(e):
        tmax = 4 * m1 * m2 * e / (m1 + m2) ** 2
        return math.log(tmax / td) / e

    ratio = n5 / n20
    assert ratio == pytest.approx(bare(5.0) / bare(20.0), rel=0.1)
    assert ratio > 3.0


def test_one_mev_electrons_without_coverglass_give_half_the_omni_fluence():
    """Isotropic 1 MeV electrons on a front face (rear shielded): track fluence = Phi/2,
    and 1 MeV electrons are by definition their own equivalent."""
    e = np.geomspace(0.8, 1.25, 401)
    sigma = 0.03
    phi = np.exp(-0.5 * ((e - 1.0) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi)) * 1e12
    ep = np.geomspace(1.0, 100.0, 50)
    out = dd.cell_fluence_from_spectra(ep, np.zeros_like(ep), e, phi, 0.0)
    # exact: 0.5 x int phi RDC_n (RDC_n = 1 at 1 MeV, curvature of NIEL^1.7 over the peak)
    rdc = np.asarray(dd.normal_incidence_rdc(e, "electron"))
    expected = 0.5 * np.trapezoid(phi * rdc, e)
    assert expected == pytest.approx(0.5e12, rel=0.01)
    assert float(out.one_mev_electron_equivalent_cm2) == pytest.approx(expected, rel=0.01)


def test_coverglass_reduces_damage_and_is_differentiable():
    ep = np.geomspace(0.1, 400.0, 300)
    phi_p = 1e10 * ep**-2.0
    ee = np.geomspace(0.05, 7.0, 200)
    phi_e = 1e13 * np.exp(-ee / 0.5)

    def f(t):
        return dd.cell_fluence_from_spectra(ep, phi_p, ee, phi_e, t).one_mev_electron_equivalent_cm2

    vals = [float(f(t)) for t in (0.005, 0.022, 0.1)]
    assert vals[0] > vals[1] > vals[2] > 0
    g = float(jax.grad(f)(0.022))
    fd = (float(f(0.0221)) - float(f(0.0219))) / 2e-4
    assert g == pytest.approx(fd, rel=2e-2)


def test_mission_entry_point_and_bad_inputs():
    import orbit

    inc = float(orbit.sso_inclination_rad(650e3))
    r = dd.one_mev_equivalent_fluence_cm2(650e3, inc, 5.0, 0.022)
    r10 = dd.one_mev_equivalent_fluence_cm2(650e3, inc, 10.0, 0.022)
    assert 0 < float(r.one_mev_electron_equivalent_cm2) < float(r10.one_mev_electron_equivalent_cm2)
    with pytest.raises(ValueError, match="coverglass_g_cm2"):
        dd.one_mev_equivalent_fluence_cm2(650e3, inc, 5.0, -0.1)
    with pytest.raises(ValueError, match="mission_years"):
        dd.one_mev_equivalent_fluence_cm2(650e3, inc, -1.0, 0.02)
    with pytest.raises(ValueError, match="particle"):
        dd.behind_coverglass_track_fluence(np.array([1.0, 2.0]), np.array([1.0, 1.0]), 0.01, "alpha")


def test_trapped_flux_scale_scales_only_the_trapped_part():
    """The 1-MeV fluence is linear in the fluxes: scaling the trapped fluxes by m gives
    m x (trapped-only fluence) + (solar part), the solar part being (full - trapped-only) at m = 1."""
    import orbit

    inc = float(orbit.sso_inclination_rad(650e3))

    def f(scale, solar):
        return float(dd.one_mev_equivalent_fluence_cm2(650e3, inc, 5.0, 0.022, include_solar=solar,
                                                       trapped_flux_scale=scale).one_mev_electron_equivalent_cm2)

    trapped, full = f(1.0, False), f(1.0, True)
    assert f(2.5, False) == pytest.approx(2.5 * trapped, rel=1e-6)
    assert f(2.5, True) == pytest.approx(2.5 * trapped + (full - trapped), rel=1e-6)
    with pytest.raises(ValueError, match="trapped_flux_scale"):
        dd.one_mev_equivalent_fluence_cm2(650e3, inc, 5.0, 0.022, trapped_flux_scale=-1.0)



def test_fluence_tangents_match_differences():
    """Forward-mode tangents of the mission fluence (as the optimiser's Jacobian takes them) against
    central differences in the coverglass and the mission length.  The fluence interpolates stopping and
    range tables piecewise linearly, so differences across their kinks scatter by ~1e-4 (in the
    coverglass: -2.98229e14, -2.98194e14, -2.98189e14 and -2.98207e14 per g/cm^2 at steps 1e-4 .. 1e-7,
    the derivative -2.98207e14): the bound is 2e-4."""
    args = jnp.asarray([650e3, 0.9, 5.0, 0.022, 0.95, 1.7, 1.0, 0.6, 1.0])
    g = jax.jit(lambda x: dd._one_mev_core(*x, solar_cycle="worst", include_solar=True).one_mev_electron_equivalent_cm2)
    tangents = jax.jit(jax.vmap(lambda t: jax.jvp(g, (args,), (t,))[1]))(jnp.asarray(np.eye(9)[[3, 2]]))
    for tan, i, h in ((tangents[0], 3, 1e-5), (tangents[1], 2, 1e-4)):
        e = jnp.zeros(9).at[i].set(h)
        fd = (g(args + e) - g(args - e)) / (2 * h)
        assert float(tan) == pytest.approx(float(fd), rel=2e-4)
