"""SHIELDOSE-2 kernels: published examples, direct SHIELDOSE-2, the 2x sphere factor,
stopping powers, monotonicity, gradients, jit/vmap, bad inputs."""
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.interpolate import CubicSpline

from radiation import shielding as sh
from radiation import stopping as st

SCRIPTS = Path(__file__).resolve().parents[2] / "data" / "scripts"
MEV_G_TO_GY = 1.602176634e-10
YEAR_S = 3.1536e7


def _sd2_quadrature_dose(e_pts, flux_per_kev, depths, eminu, emaxu, npts=1001):
    """Integrate OUR kernel with SHIELDOSE-2's own spectral quadrature.

    SHIELDOSE-2 v2.10 puts NPTSP log-spaced nodes on [EMINU, EMAXU], picks the nodes
    nearest to the spectrum's end energies (EINDEX rounding), interpolates the spectrum
    with a natural cubic spline in log-log (extrapolating at the ends) and applies its
    INTEG Simpson rule in ln E.  The published examples were produced that way, so we
    reproduce them with our kernel and their quadrature.
    """
    dep = np.log(emaxu / eminu) / (npts - 1)
    nf = int(np.log(e_pts[0] / eminu) / dep + 0.5) + 1
    nl = min(int(np.log(e_pts[-1] / eminu) / dep + 0.5) + 1, npts)
    idx = np.arange(nf, nl + 1)
    tl = np.log(eminu) + (idx - 1) * dep
    t = np.exp(tl)
    spl = CubicSpline(np.log(e_pts), np.log(1000.0 * np.asarray(flux_per_kev)), bc_type="natural")
    g_spec = t * np.exp(spl(tl))
    n = len(idx)
    w = np.full(n, 2.0)
    w[1:-1:2] = 4.0
    w[0] = w[-1] = 1.0
    assert n % 2 == 1, "example grids give an odd node count (plain Simpson)"
    k = np.asarray(sh.kernel_gy_cm2(jnp.asarray(t), jnp.asarray(depths)[:, None], "trapped_proton",
                                    "semi_infinite_slab", "aluminium"))
    return (dep / 3.0) * (k * (w * g_spec)).sum(axis=1) * YEAR_S * 100.0  # rad(Al)


def test_published_example_1_to_5_mev():
    """2.690e7 rad(Al) at 0.05 g/cm2, semi-infinite slab (SHIELDOSE-2 example)."""
    e = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    f = np.array([1e9, 1e8, 1e7, 1e6, 1e5])
    d = _sd2_quadrature_dose(e, f, [0.05], 0.1, 1.0e4)
    assert d[0] == pytest.approx(2.690e7, rel=0.02)


def test_published_example_low_energy_protons():
    """4.872e8 .. 6.710e6 rad(Al) at 1e-4 .. 3e-3 g/cm2 and zero from 4e-3 g/cm2.

    The 1e-4 g/cm2 value is reproduced by neither the IRBEM SHIELDOSE-2 v2.10 code nor
    us (both give 5.76e8, +18%); the other depths agree to 0.5%.  Documented in the note.
    """
    e = np.array([0.01, 0.03, 0.1, 0.3, 1.0])
    f = np.array([3e5, 1e5, 3e4, 1e4, 3e3])
    depths = [1e-4, 5e-4, 1e-3, 2e-3, 3e-3, 4e-3, 6e-3]
    d = _sd2_quadrature_dose(e, f, depths, 0.01, 100.0)
    pub = np.array([4.872e8, 2.110e8, 1.077e8, 3.361e7, 6.710e6])
    np.testing.assert_allclose(d[1:5], pub[1:], rtol=0.01)
    assert d[0] == pytest.approx(5.76e8, rel=0.02)  # IRBEM code value, see docstring
    assert d[5] == 0.0 and d[6] == 0.0


def test_narrow_beam_thin_depth_gives_fluence_times_stopping_power():
    """The 2x sphere factor: centre of a thin spherical shell, isotropic fluence F,
    gives dose F*S; SHIELDOSE-2's sphere column gives half of it."""
    for t in (15.0, 20.0, 30.0):
        s_si = float(st.proton_stopping_power_mev_cm2_g(t, "silicon"))
        centre = float(sh.kernel_gy_cm2(t, 1e-5, "trapped_proton", "solid_sphere_centre")) / MEV_G_TO_GY
        column = float(sh.kernel_gy_cm2(t, 1e-5, "trapped_proton", "shieldose2_sphere")) / MEV_G_TO_GY
        slab = float(sh.kernel_gy_cm2(t, 1e-5, "trapped_proton", "semi_infinite_slab")) / MEV_G_TO_GY
        assert centre == pytest.approx(s_si, rel=0.02)
        assert column == pytest.approx(0.5 * s_si, rel=0.02)
        assert slab == pytest.approx(0.5 * s_si, rel=0.02)  # half-space: half the directions


def _smooth_spectra():
    ee = np.geomspace(0.05, 7.0, 300)
    fe = 1e8 * np.exp(-ee / 0.4)
    ep = np.geomspace(0.1, 400.0, 300)
    fp = 1e5 * np.exp(-ep / 30.0)
    return ee, fe, ep, fp


@pytest.mark.reference
def test_kernel_dose_matches_direct_shieldose2():
    """Kernel x spectrum vs IRBEM's SHIELDOSE-2 on the same spectra (<= 2%)."""
    sys.path.insert(0, str(SCRIPTS))
    import _sd2_base

    ee, fe, ep, fp = _smooth_spectra()
    zz = np.geomspace(0.05, 10.0, 71)
    ref = _sd2_base.run_shieldose2("silicon", zz, electrons=(ee, fe), trapped_protons=(ep, fp), inuc=2)
    cases = [("electron", "electron", ee, fe), ("bremsstrahlung", "brems", ee, fe),
             ("trapped_proton", "trapped", ep, fp)]
    worst = {}
    for part, key, e, f in cases:
        for col, geom in enumerate(("semi_infinite_slab", "finite_slab", "shieldose2_sphere")):
            ours = np.asarray(sh.dose_from_spectrum_gy(e, f, jnp.asarray(zz), part, geom)) * 100.0
            r = ref[key][:, col]
            ok = r > 1e-6 * r.max()  # where the dose has not vanished
            if geom == "shieldose2_sphere":
                ok[-2:] = False  # SHIELDOSE-2 differentiates a natural spline: end effects
            err = np.abs(ours[ok] / r[ok] - 1.0)
            worst[(part, geom)] = err.max()
    # slabs: tight; sphere: SHIELDOSE-2 differentiates its 71-depth result numerically
    for (part, geom), e in worst.items():
        tol = 0.02
        assert e < tol, (part, geom, e)


def test_proton_stopping_power_and_range_vs_icru49():
    """Bethe (ours) vs ICRU-49 (= PSTAR) Al range table in SHIELDOSE-2's base data."""
    ref = sh._kernel_tables()["reference"]
    e, r = ref["proton_csda_energy_mev"], ref["proton_csda_range_al_g_cm2"]
    spl = CubicSpline(np.log(e), np.log(r))
    t = np.array([20.0, 30.0, 50.0, 100.0, 200.0, 500.0, 1000.0])
    s_icru = t / (np.exp(spl(np.log(t))) * spl(np.log(t), 1))
    s_ours = np.asarray(st.proton_stopping_power_mev_cm2_g(t, "aluminium"))
    np.testing.assert_allclose(s_ours, s_icru, rtol=0.02)
    # silicon: ICRU-49 Si/Al ratio (SHIELDOSE-2 detector ratio at zero depth)
    ratio = np.interp(np.log(t), np.log(ref["proton_ratio_energy_mev"]), ref["proton_si_to_al_surface_dose_ratio"])
    np.testing.assert_allclose(np.asarray(st.proton_stopping_power_mev_cm2_g(t, "silicon")), s_icru * ratio, rtol=0.02)
    # CSDA range anchored at 10 MeV
    r10 = float(np.exp(spl(np.log(10.0))))
    r_ours = np.asarray(st.csda_range_g_cm2(t, 10.0, r10, "proton", "aluminium"))
    np.testing.assert_allclose(r_ours, np.exp(spl(np.log(t))), rtol=0.02)
    # and the kernel's own range column reproduces the table
    np.testing.assert_allclose(np.asarray(sh.csda_range_al_g_cm2(t)), np.exp(spl(np.log(t))), rtol=2e-3)


def test_electron_stopping_power_and_range_vs_icru37():
    ref = sh._kernel_tables()["reference"]
    e, r = ref["electron_csda_energy_mev"], ref["electron_csda_range_al_g_cm2"]
    spl = CubicSpline(np.log(e), np.log(r))
    t = np.array([0.05, 0.1, 0.3, 1.0, 3.0, 10.0])
    s_icru = t / (np.exp(spl(np.log(t))) * spl(np.log(t), 1))
    np.testing.assert_allclose(np.asarray(st.electron_total_stopping_power_mev_cm2_g(t, "aluminium")), s_icru, rtol=0.02)
    low = t <= 1.0
    ratio = np.interp(np.log(t[low]), np.log(ref["electron_ratio_energy_mev"]), ref["electron_si_to_al_surface_dose_ratio"])
    np.testing.assert_allclose(np.asarray(st.electron_total_stopping_power_mev_cm2_g(t[low], "silicon")),
                               s_icru[low] * ratio, rtol=0.02)
    r0 = float(np.exp(spl(np.log(0.05))))
    np.testing.assert_allclose(np.asarray(st.csda_range_g_cm2(t[1:], 0.05, r0, "electron", "aluminium")),
                               np.exp(spl(np.log(t[1:]))), rtol=0.02)


@pytest.mark.parametrize("particle,geometry", [("trapped_proton", "semi_infinite_slab"),
                                               ("trapped_proton", "solid_sphere_centre"),
                                               ("electron", "solid_sphere_centre"),
                                               ("bremsstrahlung", "solid_sphere_centre")])
def test_dose_monotone_in_thickness(particle, geometry):
    ee, fe, ep, fp = _smooth_spectra()
    e, f = (ep, fp) if particle == "trapped_proton" else (ee, fe)
    # bremsstrahlung builds up in thin shields (the shield makes the photons): from 0.1
    z = jnp.geomspace(0.1 if particle == "bremsstrahlung" else 0.01, 20.0, 200)
    d = np.asarray(sh.dose_from_spectrum_gy(e, f, z, particle, geometry))
    assert np.all(np.diff(d) <= 1e-12 * d.max())


@pytest.mark.parametrize("particle", ["trapped_proton", "electron", "bremsstrahlung"])
def test_gradient_in_depth_matches_central_difference(particle):
    ee, fe, ep, fp = _smooth_spectra()
    e, f = (ep, fp) if particle == "trapped_proton" else (ee, fe)
    fun = jax.jit(lambda z: sh.dose_from_spectrum_gy(e, f, z, particle, "solid_sphere_centre"))
    for z in (0.3, 1.0, 3.0):
        g = float(jax.grad(fun)(z))
        h = 1e-3 * z
        fd = (float(fun(z + h)) - float(fun(z - h))) / (2 * h)
        assert g == pytest.approx(fd, rel=2e-2)


def test_jit_vmap_plain_agree():
    ee, fe, ep, fp = _smooth_spectra()
    z = jnp.array([0.1, 0.5, 2.0])
    plain = sh.dose_from_spectrum_gy(ep, fp, z, "trapped_proton", "semi_infinite_slab")
    jitted = jax.jit(lambda zz: sh.dose_from_spectrum_gy(ep, fp, zz, "trapped_proton", "semi_infinite_slab"))(z)
    vm = jax.vmap(lambda zz: sh.dose_from_spectrum_gy(ep, fp, zz, "trapped_proton", "semi_infinite_slab"))(z)
    np.testing.assert_allclose(jitted, plain, rtol=1e-12)
    np.testing.assert_allclose(vm, plain, rtol=1e-12)


def test_float32_path_runs():
    ee, fe, ep, fp = _smooth_spectra()
    d32 = sh.dose_from_spectrum_gy(np.float32(ee), jnp.asarray(fe, jnp.float32), jnp.float32(1.0), "electron")
    d64 = sh.dose_from_spectrum_gy(ee, fe, 1.0, "electron")
    assert d32.dtype == jnp.float32
    assert float(d32) == pytest.approx(float(d64), rel=1e-4)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="depth_g_cm2"):
        sh.kernel_gy_cm2(10.0, -1.0, "trapped_proton")
    with pytest.raises(ValueError, match="particle"):
        sh.kernel_gy_cm2(10.0, 1.0, "neutron")
    with pytest.raises(ValueError, match="geometry"):
        sh.kernel_gy_cm2(10.0, 1.0, "trapped_proton", "cylinder")
    with pytest.raises(ValueError, match="detector"):
        sh.kernel_gy_cm2(10.0, 1.0, "trapped_proton", "solid_sphere_centre", "water")
    with pytest.raises(ValueError, match="energy_mev"):
        sh.kernel_gy_cm2(50.0, 1.0, "electron")


def test_unit_conversions():
    assert float(sh.al_thickness_m_to_g_cm2(0.01)) == pytest.approx(2.7)
    assert float(sh.al_areal_density_g_cm2_to_m(2.7)) == pytest.approx(0.01)


@pytest.mark.reference
def test_generation_script_tiny_grid_matches_shipped_table(tmp_path):
    sys.path.insert(0, str(SCRIPTS))
    import h5py
    import make_shieldose2_kernels as mk

    out = mk.build(tmp_path / "k.h5", tiny=True)
    shipped = sh._kernel_tables()
    with h5py.File(out) as f:
        e_t = f["proton/energy_mev"][()]
        x_t = f["proton/x_reduced"][()]
        ie = np.searchsorted(shipped["proton"]["energy_mev"], e_t)
        ix = np.searchsorted(shipped["proton"]["x_reduced"], x_t - 1e-12)
        np.testing.assert_allclose(shipped["proton"]["energy_mev"][ie], e_t, rtol=1e-12)
        for det in ("silicon", "aluminium"):
            for g in ("semi_infinite", "sphere"):
                np.testing.assert_allclose(f[f"proton/{det}/h_{g}"][()],
                                           shipped["proton"][det][f"h_{g}"][np.ix_(ie, ix)], rtol=1e-6, atol=1e-12)
            ee = f["electron/energy_mev"][()]
            je = np.searchsorted(shipped["electron"]["energy_mev"], ee)
            zb = f["bremsstrahlung/depth_g_cm2"][()]
            jz = np.searchsorted(shipped["bremsstrahlung"]["depth_g_cm2"], zb * (1 - 1e-12))
            np.testing.assert_allclose(f[f"bremsstrahlung/{det}/k_semi_infinite"][()],
                                       shipped["bremsstrahlung"][det]["k_semi_infinite"][np.ix_(je, jz)], rtol=1e-6)


def test_spectrum_edge_inside_bragg_window_is_resolved():
    """Example 1 with exact spectrum limits: only 4.9-5.0 MeV protons reach 0.05 g/cm2.
    The production quadrature must agree with a brute-force 40 001-point trapezoid of the
    same kernel over that band (and, measured, with IRBEM's code on a fine grid, -1.3 %)."""
    e = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    f = np.array([1e9, 1e8, 1e7, 1e6, 1e5])
    spl = CubicSpline(np.log(e), np.log(f), bc_type="natural")
    fine = np.geomspace(4.85, 5.0, 40001)
    k = np.asarray(sh.kernel_gy_cm2(jnp.asarray(fine), 0.05, "trapped_proton", "semi_infinite_slab", "aluminium"))
    truth = np.trapezoid(np.exp(spl(np.log(fine))) * 1000.0 * k, fine)
    grid = np.geomspace(1.0, 5.0, 401)
    ours = float(sh.dose_from_spectrum_gy(grid, np.exp(spl(np.log(grid))) * 1000.0, 0.05, "trapped_proton",
                                          "semi_infinite_slab", "aluminium"))
    assert ours == pytest.approx(truth, rel=0.01)


def test_range_fit_follows_the_table_and_inverts_exactly():
    """The smooth proton range-energy fit stays within 5e-4 of the tabulated ln r0 (the
    table scatters by ~1e-4), its inverse is exact and its derivative is 1 / slope."""
    lne, ln_r0 = (sh._range_spline("aluminium")[k] for k in (4, 5))
    fit, slope = sh._proton_ln_range(jnp.asarray(lne), "aluminium")
    assert np.abs(np.asarray(fit) - ln_r0).max() < 5e-4
    back = sh._proton_ln_energy(fit, "aluminium")
    np.testing.assert_allclose(np.asarray(back), lne, rtol=0, atol=1e-12)
    d_inv = jax.vmap(jax.grad(lambda r: sh._proton_ln_energy(r, "aluminium")))(fit)
    np.testing.assert_allclose(np.asarray(d_inv), 1.0 / np.asarray(slope), rtol=1e-12)
    # second derivative (the Jacobian of a sphere dose needs it) against differences
    g = jax.grad(lambda r: sh._proton_ln_energy(r, "aluminium"))
    r0, h = 1.3, 1e-5
    fd = (float(g(r0 + h)) - float(g(r0 - h))) / (2 * h)
    assert float(jax.grad(g)(r0)) == pytest.approx(fd, rel=1e-5)


def test_proton_sphere_dose_is_continuous_in_depth():
    """The sphere dose is D - z dD/dz of the slab dose, so a step in the slab dose's slope
    is a jump in the sphere dose (and in a TID constraint).  The slab dose is built to be
    C1.  With a smooth spectrum the sphere dose's change over 1500 short depth steps must
    equal the trapezoid integral of its own derivative: measured 4.7e-6 of the dose at
    worst (the kernel is only C1 in depth, so the sphere dose's slope has small steps);
    before the range fit and the blended quadrature, 1.1e-3."""
    _, _, e, f = _smooth_spectra()
    fun = jax.jit(lambda z: sh.dose_from_spectrum_gy(e, f, z, "trapped_proton", "solid_sphere_centre"))
    z = np.geomspace(0.2, 5.0, 1501)
    d, g = np.asarray(fun(jnp.asarray(z))), np.asarray(jax.jit(jax.vmap(jax.grad(fun)))(jnp.asarray(z)))
    assert np.all(np.diff(d) < 0)
    resid = (np.diff(d) - 0.5 * np.diff(z) * (g[1:] + g[:-1])) / d[1:]
    assert np.abs(resid).max() < 2e-5


def test_mission_sphere_dose_has_no_step_where_slsqp_cycled():
    """AP8 MIN at 630 km, 97.9 deg, and the shield where SLSQP once cycled (8.074 mm Al):
    over a 5e-8 g/cm2 step the sphere dose must change by its slope times the step (it
    jumped by 1.2e-5 of the dose, 1400 times that change), and it must fall monotonically
    with depth.  (The AP8 spectrum is only C0 in energy, at the AP8 table energies, so
    the sphere dose's slope has steps there; the dose itself does not.)"""
    from radiation import environment

    e, f = environment.trapped_differential_flux(630e3, np.deg2rad(97.9), "proton", "min")
    fun = jax.jit(lambda z: sh.dose_from_spectrum_gy(e, f, z, "trapped_proton", "solid_sphere_centre"))
    grad = jax.jit(jax.vmap(jax.grad(fun)))
    pair = jnp.asarray([2.17998561, 2.17998566])
    d, g = np.asarray(fun(pair)), np.asarray(grad(pair))
    step = 5e-8 * 0.5 * (g[0] + g[1])
    assert abs((d[1] - d[0]) - step) < 1e-3 * abs(step)
    z = np.geomspace(0.2, 5.0, 3001)
    assert np.all(np.diff(np.asarray(fun(jnp.asarray(z)))) < 0)


def test_deep_shield_sphere_dose_matches_a_brute_force_quadrature():
    """An AP8 spectrum ends abruptly (600 km SSO: the flux falls from 0.07 to 1e-4 between 290
    and 298 MeV, then zero): behind 20-30 g/cm2 that edge lies inside the Bragg-region window,
    where it once cost the sphere dose 11 %.  Against a 100 001-point trapezoid of the same
    kernel (spectrum linear between its nodes) with the sphere transform by central
    differences, the production quadrature agrees to -0.05 % and -0.07 % (bound 0.5 %)."""
    from radiation import environment

    e, f = environment.trapped_differential_flux(600e3, np.deg2rad(97.8), "proton", "min")
    e, f = np.asarray(e), np.asarray(f)
    fine = np.geomspace(e[0], e[-1], 100001)
    phi = np.interp(np.log(fine), np.log(e), f)
    kernel = jax.jit(lambda z: sh.kernel_gy_cm2(jnp.asarray(fine), z, "trapped_proton", "semi_infinite_slab"))

    def slab(z):
        return np.trapezoid(phi * np.asarray(kernel(z)), fine)

    for z in (20.0, 30.0):
        h = 1e-3 * z
        brute = 2.0 * (slab(z) - z * (slab(z + h) - slab(z - h)) / (2 * h))
        ours = float(sh.dose_from_spectrum_gy(e, f, z, "trapped_proton", "solid_sphere_centre"))
        assert ours == pytest.approx(brute, rel=5e-3), z
