"""Coolant property fits (vs independent references) and cold-plate correlations."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from thermal.loop.coldplate import (ColdPlate, channel_nusselt_friction, coldplate_performance, gnielinski_nusselt,
                               laminar_rectangular_duct)
from thermal.loop.coolant import (AMMONIA, WATER, Coolant, check_coolant_state, coolant_properties,
                             propylene_glycol_water, saturation_pressure_pa,
                             saturation_temperature_k)


def test_water_against_independent_formulas():
    """Kell (1975) density, Ramires et al. (1995) conductivity, Vogel viscosity, 100 C boiling at 1 atm."""
    t = np.linspace(275.0, 370.0, 12)
    tc = t - 273.15
    kell = ((999.83952 + 16.945176 * tc - 7.9870401e-3 * tc ** 2 - 46.170461e-6 * tc ** 3
             + 105.56302e-9 * tc ** 4 - 280.54253e-12 * tc ** 5) / (1 + 16.879850e-3 * tc))
    p = coolant_properties(WATER, jnp.asarray(t))
    np.testing.assert_allclose(p.density_kg_m3, kell, rtol=3e-4)
    tr = t / 298.15
    ramires = 0.6065 * (-1.48445 + 4.12292 * tr - 1.63866 * tr ** 2)
    np.testing.assert_allclose(p.conductivity_w_m_k, ramires, rtol=1e-2)
    vogel = 2.414e-5 * 10 ** (247.8 / (t - 140.0))
    np.testing.assert_allclose(p.viscosity_pa_s, vogel, rtol=3e-2)
    np.testing.assert_allclose(float(saturation_pressure_pa(WATER, 373.124)), 101325.0, rtol=1e-3)
    assert np.all(np.diff(np.asarray(p.viscosity_pa_s)) < 0)


def test_against_coolprop_if_installed():
    CP = pytest.importorskip("CoolProp.CoolProp")
    for c, fluid in ((WATER, "Water"), (AMMONIA, "Ammonia")):
        lo, hi = c.temperature_range_k
        for t in np.linspace(lo + 1, hi - 1, 7):
            p = coolant_properties(c, t)
            for val, key, tol in ((p.density_kg_m3, "D", 2e-4), (p.cp_j_kg_k, "C", 5e-3),
                                  (p.conductivity_w_m_k, "L", 1e-3), (p.viscosity_pa_s, "V", 1e-3)):
                np.testing.assert_allclose(float(val), CP.PropsSI(key, "T", t, "Q", 0, fluid), rtol=tol)
            np.testing.assert_allclose(float(saturation_pressure_pa(c, t)), CP.PropsSI("P", "T", t, "Q", 0, fluid),
                                       rtol=1e-4)
    for x in (0.2, 0.5):
        c = propylene_glycol_water(x)
        for t in np.linspace(c.temperature_range_k[0] + 1, 370.0, 5):
            p = coolant_properties(c, t)
            f = f"INCOMP::MPG[{x}]"
            np.testing.assert_allclose(float(p.density_kg_m3), CP.PropsSI("D", "T", t, "P", 5e5, f), rtol=1e-3)
            np.testing.assert_allclose(float(p.cp_j_kg_k), CP.PropsSI("C", "T", t, "P", 5e5, f), rtol=2e-3)
            np.testing.assert_allclose(float(p.viscosity_pa_s), CP.PropsSI("V", "T", t, "P", 5e5, f), rtol=3e-2)


def test_glycol_trends_and_gradients():
    c30, c50 = propylene_glycol_water(0.3), propylene_glycol_water(0.5)
    assert c50.temperature_range_k[0] < c30.temperature_range_k[0] < 273.15   # antifreeze
    p30, p50 = coolant_properties(c30, 300.0), coolant_properties(c50, 300.0)
    assert p50.viscosity_pa_s > p30.viscosity_pa_s and p50.cp_j_kg_k < p30.cp_j_kg_k
    g = jax.grad(lambda t: coolant_properties(WATER, t).density_kg_m3)(330.0)
    fd = (coolant_properties(WATER, 330.01).density_kg_m3 - coolant_properties(WATER, 329.99).density_kg_m3) / 0.02
    np.testing.assert_allclose(float(g), float(fd), rtol=1e-6)


def test_liquid_range_and_pressure_limits():
    with pytest.raises(ValueError, match="temperature_k"):
        coolant_properties(WATER, 260.0)
    with pytest.raises(ValueError, match="temperature_k"):
        coolant_properties(propylene_glycol_water(0.3), 250.0)
    # ammonia at 360 K: saturation 3.5 MPa above a 2 MPa rated loop
    with pytest.raises(ValueError, match="pressure limit"):
        check_coolant_state(Coolant("ammonia", max_pressure_pa=2.0e6), 360.0, 1.9e6)
    with pytest.raises(ValueError, match="boil"):
        check_coolant_state(AMMONIA, 300.0, 5.0e5)           # p_sat(300 K) ~ 1.06 MPa
    check_coolant_state(AMMONIA, 300.0, 1.5e6)
    with pytest.raises(ValueError, match="boil"):
        check_coolant_state(WATER, 380.0, 1.0e5)
    with pytest.raises(ValueError, match="mass_fraction"):
        propylene_glycol_water(0.8)
    with pytest.raises(ValueError, match="coolant name"):
        Coolant("oil")


def test_duct_correlations():
    """Shah & London tabulated limits, Gnielinski vs Dittus-Boelter, laminar/turbulent continuity."""
    nu_sq, fre_sq = laminar_rectangular_duct(1.0)
    np.testing.assert_allclose(float(fre_sq), 14.227, rtol=2e-3)      # square duct, Shah & London table
    np.testing.assert_allclose(float(nu_sq), 3.608, rtol=5e-3)
    nu_pp, fre_pp = laminar_rectangular_duct(1e-6)
    np.testing.assert_allclose((float(nu_pp), float(fre_pp)), (8.235, 24.0), rtol=1e-4)  # parallel plates
    re, pr = 3e4, 5.0
    db = 0.023 * re ** 0.8 * pr ** 0.4
    assert abs(float(gnielinski_nusselt(re, pr)) / db - 1) < 0.15
    eps = 1e-6
    for re0 in (2300.0, 1.0e4):
        lo = channel_nusselt_friction(re0 - eps, 5.0, 0.3)
        hi = channel_nusselt_friction(re0 + eps, 5.0, 0.3)
        np.testing.assert_allclose(np.array(lo), np.array(hi), rtol=1e-6)


def test_microchannel_coldplate():
    plate = ColdPlate(*[jnp.asarray(v) for v in (3e-4, 2e-3, 2e-4, 0.05, 0.05, 390.0)])
    p = coolant_properties(WATER, 300.0)
    perf = coldplate_performance(plate, 0.02, p.density_kg_m3, p.viscosity_pa_s, p.conductivity_w_m_k, p.prandtl)
    assert float(perf.reynolds) < 2300
    nu, _ = laminar_rectangular_duct(0.15)
    dh = 2 * 3e-4 * 2e-3 / 2.3e-3
    np.testing.assert_allclose(float(perf.channel_htc_w_m2_k), float(nu) * float(p.conductivity_w_m_k) / dh,
                               rtol=1e-10)
    assert 0 < float(perf.fin_efficiency) < 1
    assert float(perf.htc_w_m2_k) > float(perf.channel_htc_w_m2_k)      # fins multiply the area
    # laminar dp is linear in flow (f ~ 1/Re, V ~ m)
    perf2 = coldplate_performance(plate, 0.04, p.density_kg_m3, p.viscosity_pa_s, p.conductivity_w_m_k, p.prandtl)
    np.testing.assert_allclose(float(perf2.pressure_drop_pa) / float(perf.pressure_drop_pa), 2.0, rtol=1e-10)
    with pytest.raises(ValueError, match="mass_flow_kg_s"):
        coldplate_performance(plate, 0.0, p.density_kg_m3, p.viscosity_pa_s, p.conductivity_w_m_k, p.prandtl)


def test_boiling_point_at_pressure_matches_the_steam_and_ammonia_tables():
    """Inverse of the vapour-pressure fit against published saturation temperatures: water 373.124 K at
    101.325 kPa (ITS-90 normal boiling point, IAPWS-95) and 406.67 K at 0.3 MPa (IAPWS-IF97 steam tables,
    133.52 C); ammonia 239.82 K at 101.325 kPa (normal boiling point -33.33 C, Tillner-Roth et al. 1993).
    The implicit derivative matches a central difference; pressures beyond the fit hold the range's end."""
    for c, p, t_ref in ((WATER, 101325.0, 373.124), (WATER, 3e5, 406.67), (AMMONIA, 101325.0, 239.82),
                        (propylene_glycol_water(0.3), 3e5, 406.67)):
        t, conv = saturation_temperature_k(c, p)
        assert bool(conv.converged)
        np.testing.assert_allclose(float(t), t_ref, atol=0.02)
    dt = float(jax.grad(lambda p: saturation_temperature_k(WATER, p)[0])(3e5))
    fd = (float(saturation_temperature_k(WATER, 3e5 + 10.0)[0]) - float(saturation_temperature_k(WATER, 3e5 - 10.0)[0])) / 20.0
    np.testing.assert_allclose(dt, fd, rtol=1e-5)
    assert float(saturation_temperature_k(WATER, 1e8)[0]) == pytest.approx(WATER.temperature_range_k[1])
    assert float(saturation_temperature_k(WATER, 10.0)[0]) == pytest.approx(WATER.temperature_range_k[0])
    t32, conv32 = saturation_temperature_k(WATER, jnp.float32(3e5))   # float32 (sunsink --x32) converges too
    assert bool(conv32.converged) and t32.dtype == jnp.float32 and abs(float(t32) - 406.67) < 0.02
