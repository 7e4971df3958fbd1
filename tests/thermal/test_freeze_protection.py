"""Cold case and freeze protection (thermal.loop.freeze_protection): freezing points against a second
source, heater power against the isothermal-panel balance, bypass fraction against the
effectiveness-NTU closed form."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import optimize

from orbit.constants import STEFAN_BOLTZMANN_W_M2_K4 as SIGMA
from thermal.loop import freeze_protection as fp
from thermal.loop import transient as lt
from thermal.loop.coolant import AMMONIA, WATER, Coolant, propylene_glycol_water

from test_loop_transient import _params as _loop_params

NUM = lt.LoopNumerics(n_segments=6, steps_per_orbit=None)
PERIOD = 5676.0


def _params(**kw):
    """The loop of test_loop_transient with fin efficiency 1 and 500 W of pump heat."""
    return _loop_params(**{"fin_efficiency": 1.0, "coolant_heat_w": 500.0, **kw})


# ----------------------------------------------------------------------------- freezing points


def test_glycol_freezing_points_against_melinder():
    """Lange's Table 5.13 (volume % converted to mass fraction) against Melinder (2010) as fitted
    in thermal.loop.coolant (the liquid range starts 0.5 K above the Melinder freezing curve): the two
    sources agree within 1.5 K over 5-50 % glycol (largest difference 1.3 K, at 50 %)."""
    for w, tf in fp.PG_FREEZE_TABLE[1:]:
        melinder = Coolant("mpg", float(w)).temperature_range_k[0] - 0.5
        assert abs(float(fp.pg_freeze_point_k(w)) - melinder) < 1.5, (w, tf, melinder)
        np.testing.assert_allclose(float(fp.pg_freeze_point_k(w)), tf, rtol=1e-12)
    assert float(fp.freeze_point_k(WATER)) == 273.15
    assert abs(float(fp.freeze_point_k(AMMONIA)) - 195.4) < 1e-9
    # 30 % by mass freezes near -13 C (both sources), 50 % near -33 C
    assert abs(float(fp.freeze_point_k(propylene_glycol_water(0.3))) - 260.3) < 0.6
    # inverse: the smallest fraction for a freezing point
    x = fp.glycol_mass_fraction_for(253.15)
    np.testing.assert_allclose(float(fp.pg_freeze_point_k(x)), 253.15, atol=1e-9)
    assert 0.38 < float(x) < 0.41
    with pytest.raises(ValueError, match="mass_fraction"):
        fp.pg_freeze_point_k(0.7)
    with pytest.raises(ValueError, match="freeze_limit_k"):
        fp.glycol_mass_fraction_for(200.0)


def test_freeze_margin_of_a_history():
    """The margin is the coldest wetted temperature (segments, supply, return) minus the freezing
    point minus the required margin; the smooth version is a lower bound within log(n)/rho."""
    class History:   # the fields freeze_margin_k reads
        segment_k = jnp.array([[290.0, 280.0], [285.0, 276.0]])
        supply_k = jnp.array([282.0, 277.0])
        return_k = jnp.array([295.0, 290.0])
    m = fp.freeze_margin_k(History, WATER, 2.0)
    np.testing.assert_allclose(float(m), 276.0 - 273.15 - 2.0, rtol=1e-12)
    ms = fp.freeze_margin_k(History, propylene_glycol_water(0.3), 0.0, rho_per_k=4.0)
    exact = 276.0 - float(fp.pg_freeze_point_k(0.3))
    assert exact - np.log(8) / 4.0 <= float(ms) <= exact


def test_smooth_min_and_margin():
    t = jnp.array([[280.0, 275.0, 290.0], [279.0, 276.0, 300.0]])
    s = fp.smooth_min_k(t, 2.0)
    assert float(s) <= 275.0 and 275.0 - float(s) <= np.log(t.size) / 2.0
    g = jax.grad(lambda x: fp.smooth_min_k(x, 2.0))(t)
    np.testing.assert_allclose(float(jnp.sum(g)), 1.0, rtol=1e-12)    # a weighted mean of the entries


# ----------------------------------------------------------------------------- heaters


def test_heater_power_isothermal_panel_closed_form():
    """In the isothermal limit (huge flow and tube conductance, fin efficiency 1) the heater that
    holds the coldest wall at T_hold makes up Q = A [sum(eps) sigma T_hold^4 - absorbed] minus
    the loop's own heat (payload at minimum power + pump).  Residual non-isothermality: the
    radiator cools the stream by Q/(m c_p) = 1.8 mK, so its mean sits ~0.9 mK above T_hold, a
    1.3e-5 relative excess of emission; tolerance 5e-5."""
    sw, lw = np.array([20.0, 10.0]), np.array([60.0, 60.0])
    loads = lt.constant_loads(sw, lw, PERIOD, sunlit=0.0)
    p = _params(mass_flow_kg_s=1.0e4, tube_conductance_w_k=1e11, coldplate_conductance_w_k=1e8)
    sched = lt.PowerSchedule(jnp.asarray(20.0))       # safe mode: 20 W per chip
    hold = 278.15
    sol = fp.heater_power_needed_w(p, loads, sched, hold, NUM)
    assert bool(sol.converged)
    eps, alpha = np.asarray(p.emissivity), np.asarray(p.absorptivity)
    absorbed = float(np.sum(alpha * sw + eps * lw))
    t_sink = (absorbed / (eps.sum() * SIGMA)) ** 0.25
    q = 160.0 * eps.sum() * SIGMA * (hold ** 4 - t_sink ** 4) - 150 * 20.0 - 500.0
    assert q > 1e4
    np.testing.assert_allclose(float(sol.control), q, rtol=5e-5)
    np.testing.assert_allclose(float(sol.radiator_min_k), hold, atol=1e-8)
    # a realistic loop (finite flow): the radiator runs warmer upstream, so it needs more heater
    real = fp.heater_power_needed_w(_params(), loads, sched, hold, NUM)
    assert float(real.control) > float(sol.control)
    # a warm case needs none (surplus), and the smooth version is positive and differentiable
    full = fp.heater_power_needed_w(_params(), loads, lt.PowerSchedule(jnp.asarray(1000.0)), hold, NUM)
    assert float(full.control) == 0.0
    smooth = fp.heater_power_needed_w(_params(), loads, sched, hold, NUM, smooth_w=10.0)
    np.testing.assert_allclose(float(smooth.control), float(real.control), rtol=1e-6)
    assert float(fp.heater_mass_kg(smooth.control)) > fp.HEATER_FIXED_MASS_KG


# ----------------------------------------------------------------------------- bypass


def test_bypass_fraction_effectiveness_ntu_closed_form():
    """Radiation linearised about T0: each radiator element rejects H (T - T_s) through the tube
    conductance G in series, so the radiator is an isothermal-sink exchanger with
    UA = G H / (G + H) (Incropera eq. 8.42b).  The bypass b holding the mixed supply at T_set
    solves (1 - b)(T_in - T_s)(1 - exp(-UA / ((1 - b) m c_p))) = Q / (m c_p), T_in = T_set +
    Q/(m c_p) (scipy brentq).  The 6-segment network converges to it at second order in 1/N
    while the per-segment tube NTU G / (N (1-b) m c_p) stays below ~1 (here 0.65): tolerance 2 %
    on the radiator flow fraction 1 - b (measured 0.9 %, b = 0.9293 vs 0.9299)."""
    t0 = 280.0
    sw, lw = np.array([0.0, 0.0]), np.array([60.0, 60.0])
    loads = lt.constant_loads(sw, lw, PERIOD, sunlit=0.0)
    p = _params(linearize_radiation_about_k=t0, tube_conductance_w_k=4.0e3)
    sched = lt.PowerSchedule(jnp.asarray(300.0))      # cold case: 30 % payload
    t_set = 288.15
    sol = fp.bypass_fraction_needed(p, loads, sched, t_set, NUM)
    assert bool(sol.converged) and bool(sol.feasible)
    eps = np.asarray(p.emissivity)
    absorbed = float(np.sum(eps * lw))
    area, m, cp = 160.0, 3.5, 4180.0
    h = area * 4 * SIGMA * t0 ** 3 * eps.sum()
    t_sink = t0 - (eps.sum() * SIGMA * t0 ** 4 - absorbed) / (4 * SIGMA * t0 ** 3 * eps.sum())
    ua = 4.0e3 * h / (4.0e3 + h)
    q = 150 * 300.0 + 500.0
    t_in = t_set + q / (m * cp)

    def f(b):
        return (1 - b) * (t_in - t_sink) * (1 - np.exp(-ua / ((1 - b) * m * cp))) - q / (m * cp)
    b_ref = optimize.brentq(f, 0.0, 0.999, xtol=1e-14)
    assert 0.85 < b_ref < 0.99
    assert abs((1 - float(sol.control)) / (1 - b_ref) - 1) < 0.02, (float(sol.control), b_ref)
    np.testing.assert_allclose(float(sol.supply_k), t_set, atol=1e-7)
    # with most of the flow bypassed the radiator outlet wall runs well below the supply
    assert float(sol.radiator_min_k) < t_set - 5.0
    # hot case: no bypass needed
    hot = fp.bypass_fraction_needed(p, loads, lt.PowerSchedule(jnp.asarray(1000.0)), 250.0, NUM)
    assert float(hot.control) == 0.0 and bool(hot.feasible)
    assert float(fp.bypass_mass_kg(sol.control)) == fp.BYPASS_VALVE_MASS_KG


def test_loop_params_builder():
    """Capacities from masses and the cited specific heats (CRC: Si 705, Cu 385, Al 897 J/(kg K)),
    c_p of the coolant at the reference temperature, line inventory split in two."""
    from thermal.loop.coolant import coolant_properties
    p = lt.loop_params(n_chips=150, chip_package_mass_kg=0.3, coldplate_mass_kg=0.5, coldplate_conductance_w_k=500.0,
                       junction_resistance_k_w=0.02, mass_flow_kg_s=3.5, coolant=WATER, reference_temperature_k=300.0,
                       loop_inventory_kg=64.0, radiator_inventory_kg=32.0, radiator_area_m2=160.0,
                       radiator_heat_capacity_j_m2_k=2400.0, tube_conductance_w_k=2e5, emissivity=[0.91, 0.91],
                       absorptivity=[0.15, 0.15], heater_max_w=100.0)
    np.testing.assert_allclose(float(p.chip_heat_capacity_j_k), 0.3 * 705.0 + 0.5 * 385.0, rtol=1e-12)
    np.testing.assert_allclose(float(p.coolant_cp_j_kg_k), float(coolant_properties(WATER, 300.0).cp_j_kg_k))
    assert float(p.supply_inventory_kg) == float(p.return_inventory_kg) == 16.0
    assert float(p.heater_max_w) == 100.0
    # sheet 0.5 mm Al + 0.05 kg/m tubes at 0.14 m pitch + water in 6 mm bores
    c = lt.radiator_heat_capacity_j_m2_k(0.5e-3, 0.14, 0.05, 6e-3, 1000.0, 4180.0)
    expect = 0.5e-3 * 2700 * 897 + 0.05 / 0.14 * 897 + np.pi * 0.006 ** 2 / 4 / 0.14 * 1000 * 4180
    np.testing.assert_allclose(float(c), expect, rtol=1e-12)
