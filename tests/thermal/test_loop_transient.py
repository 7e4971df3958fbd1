"""Time-resolved pumped loop (thermal.loop.transient): steady limit, energy, order, closed form, gradients.

Compiled functions are shared: every adaptive run (steps_per_orbit=None, n_save=2) is one
compile, every fixed-step run (n_save=2, max_substeps=MAXSUB) another, the periodic solve and
its gradient two more.  Parameters are traced, so changing them does not recompile.
"""
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import optimize

from orbit.constants import STEFAN_BOLTZMANN_W_M2_K4 as SIGMA
from thermal.loop import transient as lt

N_SEG = 6
PERIOD = 5676.0
N_SAMPLES = 48
ADAPTIVE = lt.LoopNumerics(n_segments=N_SEG, steps_per_orbit=None, rtol=1e-9, atol=1e-9)
MAXSUB = 6144


def _loads():
    th = 2 * np.pi * np.arange(N_SAMPLES) / N_SAMPLES
    sunlit = (np.cos(th) > -0.35).astype(float)             # ~38 % of the orbit in eclipse
    sw = 200.0 * np.maximum(np.cos(th), 0.0) * sunlit        # albedo-like shortwave on both faces
    lw = 90.0 + 20.0 * np.cos(th)                            # Earth IR
    return lt.OrbitLoads(jnp.stack([sw, 0.5 * sw], -1), jnp.stack([lw, lw], -1), jnp.asarray(sunlit),
                         jnp.asarray(PERIOD))


def _params(**kw):
    base = dict(n_chips=150.0, chip_heat_capacity_j_k=800.0, coldplate_conductance_w_k=300.0,
                junction_resistance_k_w=0.03, mass_flow_kg_s=3.5, coolant_cp_j_kg_k=4180.0,
                supply_inventory_kg=30.0, return_inventory_kg=30.0, radiator_area_m2=160.0,
                radiator_heat_capacity_j_m2_k=2500.0, tube_conductance_w_k=1.0e5,
                emissivity=jnp.array([0.91, 0.88]), absorptivity=jnp.array([0.15, 0.2]), fin_efficiency=0.8,
                coolant_heat_w=2000.0)
    base.update(kw)
    return lt.LoopTransientParams(**{k: jnp.asarray(v, float) for k, v in base.items()})


LOADS = _loads()
SCHED = lt.PowerSchedule(jnp.asarray(1000.0), jnp.asarray(0.5))


# ----------------------------------------------------------------------------- independent steady network


def numpy_steady(p, sw, lw, power_w, n_seg, guess=300.0):
    """The same network's steady state written independently in numpy, solved by scipy (hybrd).
    Segment-by-segment marching of the coolant; radiation full T^4 or linearised about T0."""
    g = {k: np.asarray(getattr(p, k), float) for k in p.__dataclass_fields__}
    cp, m, n = g["coolant_cp_j_kg_k"], g["mass_flow_kg_s"], g["n_chips"]
    mb = m / n
    b = g["bypass_fraction"]
    mr = (1 - b) * m
    absorbed = float(np.sum(g["absorptivity"] * sw + g["emissivity"] * lw))
    t0 = float(g["linearize_radiation_about_k"])

    def emit(t):
        return t ** 4 if t0 <= 0 else t0 ** 4 + 4 * t0 ** 3 * (t - t0)

    def res(x):
        tc, ts, tr, seg = x[0], x[1], x[2], x[3:]
        q_cp = mb * cp * (1 - np.exp(-g["coldplate_conductance_w_k"] / (mb * cp))) * (tc - ts)
        out = [power_w - q_cp]
        t_cp_out = ts + q_cp / (mb * cp)
        t_in = tr
        r_seg = []
        for tw in seg:
            t_out = tw + (t_in - tw) * np.exp(-g["tube_conductance_w_k"] / n_seg / (mr * cp))
            q_rad = g["fin_efficiency"] * g["radiator_area_m2"] / n_seg * (
                np.sum(g["emissivity"]) * SIGMA * emit(tw) - absorbed)
            r_seg.append(mr * cp * (t_in - t_out) - q_rad)
            t_in = t_out
        t_mix = (1 - b) * t_in + b * tr
        out += [m * cp * (t_mix - ts), m * cp * (t_cp_out - tr) + g["coolant_heat_w"]]
        return np.array(out + r_seg) / 1e3

    x, info, ier, msg = optimize.fsolve(res, np.full(n_seg + 3, guess), full_output=True, xtol=1e-13)
    assert ier == 1, msg
    return x


@pytest.fixture(scope="module")
def const_loads():
    return lt.constant_loads([120.0, 60.0], [100.0, 100.0], PERIOD)


def _sim_adaptive(p, loads, sched, t1, y0):
    return lt.simulate_loop(p, loads, sched, (0.0, t1), y0, ADAPTIVE, n_save=2, check=True)


def _sim_fixed(p, sched, steps, t1, y0):
    num = lt.LoopNumerics(n_segments=N_SEG, steps_per_orbit=steps)
    return lt.simulate_loop(p, LOADS, sched, (0.0, t1), y0, num, n_save=2, check=True, max_substeps=MAXSUB)


# ----------------------------------------------------------------------------- (a) steady limit


def test_long_transient_reaches_independent_steady_state(const_loads):
    """(a) 40 000 s (~70 slowest time constants) of constant loads from 290 K land on the steady
    state of the same network found by an independent numpy/scipy root find: 1e-6 K (the
    adaptive integration tolerance is 1e-9; the remaining transient is e^-70)."""
    p = _params()
    h = _sim_adaptive(p, const_loads, lt.PowerSchedule(jnp.asarray(1000.0)), 40000.0, 290.0)
    ref = numpy_steady(p, np.array([120.0, 60.0]), np.array([100.0, 100.0]), 1000.0, N_SEG)
    np.testing.assert_allclose(np.asarray(h.state[-1, :-2]), ref, atol=1e-6, rtol=0)
    # the library's own steady Newton agrees too
    temps, ok = lt.steady_loop(p, const_loads, lt.PowerSchedule(jnp.asarray(1000.0)), ADAPTIVE)
    assert bool(ok)
    np.testing.assert_allclose(np.asarray(temps), ref, atol=1e-8, rtol=0)
    assert 300.0 < ref[1] < ref[0] and ref[3] > ref[-1]   # chip above supply; radiator cools along the flow


def test_steady_limit_matches_solve_loop_isothermal_sink(const_loads):
    """(a) With radiation linearised about T0 the radiator is a stream exchanging with an isothermal
    sink through the series conductance G H / (G + H): thermal.solve_loop with
    isothermal_sink_radiator is the continuous limit.  The N-segment network converges to it at
    second order in 1/N (each segment's exchanger matches exp(-NTU) to O(NTU^3)): the gap halves
    twice per doubling of N (independent numpy steady solves at N = 6, 12, 24), and the transient
    at N = 6 lands on its own steady state (measured 9e-11 K).  Tolerance on the N = 6 supply
    temperature against solve_loop: 5e-3 K (measured gap 8.4e-4 K, then 2.1e-4 and 5.3e-5 K at
    N = 12, 24: ratios 4.0000)."""
    from thermal.chip import ChipModel, LayerSpec
    from thermal.chip.floorplan import Block, Floorplan
    from thermal.loop import LoopDesign, isothermal_sink_radiator, solve_loop
    from thermal.loop.coldplate import ColdPlate
    from thermal.loop.coolant import WATER, coolant_properties

    die = (0.004, 0.004, 0.014, 0.014)
    fp = Floorplan((Block("core", 0.006, 0.006, 0.002, 0.002),))
    model = ChipModel([LayerSpec("die", 5e-4, 150.0, 1.6e6, die), LayerSpec("lid", 2e-3, 390.0, 3.4e6,
                                                                            (0.0, 0.0, 0.018, 0.018))], fp, 6, 6)
    cparams = jax.tree_util.tree_map(lambda a: a[None], model.default_params())
    plate = ColdPlate(*[jnp.asarray(v) for v in (3e-4, 2e-3, 2e-4, 0.018, 0.018, 390.0)])
    n_chips, chip_w, flow = 8, 100.0, 0.05
    design = LoopDesign(*[jnp.asarray(v) for v in (flow, 300.0, 3e5, 0.5, 2.0, 0.01, 5.0, 2.0, 0.0)])
    area, eps, t0 = 2.0, np.array([0.9, 0.9]), 300.0
    sw, lw = np.array([120.0, 60.0]), np.array([100.0, 100.0])
    absorbed = float(np.sum(0.15 * sw + eps * lw))
    h_rad = area * 4 * SIGMA * t0 ** 3 * eps.sum()
    t_sink = t0 - (eps.sum() * SIGMA * t0 ** 4 - absorbed) / (4 * SIGMA * t0 ** 3 * eps.sum())
    g_tube = 1.5 * h_rad
    ua = g_tube * h_rad / (g_tube + h_rad)
    sol = solve_loop(model, cparams, jnp.full((1, 1), chip_w), plate, design, WATER, 1, 1,
                     radiator=isothermal_sink_radiator, radiator_params=(jnp.asarray(ua), jnp.asarray(t_sink)),
                     check=False, branch_multiplicity=n_chips)
    assert bool(sol.converged)
    cp = float(coolant_properties(WATER, sol.supply_temperature_k).cp_j_kg_k)
    p = _params(n_chips=n_chips, mass_flow_kg_s=flow, coolant_cp_j_kg_k=cp, supply_inventory_kg=1.0,
                return_inventory_kg=1.0, radiator_area_m2=area, tube_conductance_w_k=g_tube, emissivity=eps,
                absorptivity=np.array([0.15, 0.15]), fin_efficiency=1.0, chip_heat_capacity_j_k=100.0,
                coolant_heat_w=float(sol.hydraulic_power_w), linearize_radiation_about_k=t0)
    sup, ret = float(sol.supply_temperature_k), float(sol.return_temperature_k)
    gaps = []
    for n in (6, 12, 24):
        x = numpy_steady(p, sw, lw, chip_w, n)
        gaps.append(x[1] - sup)
        np.testing.assert_allclose(x[2] - x[1], ret - sup, rtol=1e-9)   # same heat, same m cp
    ratios = gaps[0] / gaps[1], gaps[1] / gaps[2]
    assert all(3.6 < r < 4.4 for r in ratios), (gaps, ratios)
    assert abs(gaps[0]) < 5e-3
    h = _sim_adaptive(p, const_loads, lt.PowerSchedule(jnp.asarray(chip_w)), 60000.0, 300.0)
    x6 = numpy_steady(p, sw, lw, chip_w, 6)
    np.testing.assert_allclose(np.asarray(h.state[-1, :-2]), x6, atol=1e-6, rtol=0)
    assert abs(float(h.supply_k[-1]) - sup) < 5e-3 and abs(float(h.return_k[-1]) - ret) < 5e-3


# ----------------------------------------------------------------------------- (b) energy, (c) order


def test_energy_balance_over_an_orbit():
    """(b) stored + rejected = dissipated over one orbit with eclipse throttling (the integrals are
    ODE states; the linearly implicit ROS2 step keeps this linear invariant to round-off)."""
    p = _params()
    h = _sim_fixed(p, SCHED, 96, PERIOD, 300.0)
    diss = float(h.dissipated_energy_j[-1])
    # dissipated energy against the quadrature of the schedule (trapezoid on the interpolant is exact)
    s = np.asarray(LOADS.sunlit)
    power = 1000.0 * (0.5 + 0.5 * s)
    expected = 150.0 * np.mean(power) * PERIOD + 2000.0 * PERIOD
    np.testing.assert_allclose(diss, expected, rtol=1e-10)
    assert abs(float(h.energy_residual_j[-1])) < 1e-9 * diss
    assert float(h.rejected_energy_j[-1]) > 0.5 * diss
    # a thermostatic heater on the supply line (set-point above the loop): its energy is counted too
    hh = _sim_fixed(_params(heater_max_w=5000.0, heater_setpoint_k=400.0), SCHED, 96, PERIOD, 300.0)
    diss_h = float(hh.dissipated_energy_j[-1])
    np.testing.assert_allclose(diss_h - diss, 5000.0 * PERIOD, rtol=1e-6)    # tanh((400 - T)/1 K) = 1
    assert abs(float(hh.energy_residual_j[-1])) < 1e-9 * diss_h


def test_second_order_in_time():
    """(c) Fixed-step ROS2 over one orbit (eclipse throttling, steps aligned with the load
    samples): halving the step divides the error against a 6144-step reference by ~4
    (measured 3.67 and 3.88 for 192 -> 384 -> 768 steps; 3.1 and 3.4 from 48 steps, pre-asymptotic)."""
    p = _params()
    y0 = jnp.asarray(lt.steady_loop(p, LOADS, SCHED, ADAPTIVE)[0])
    ref = np.asarray(_sim_fixed(p, SCHED, MAXSUB, PERIOD, y0).state[-1, :-2])
    errs = [np.max(np.abs(np.asarray(_sim_fixed(p, SCHED, n, PERIOD, y0).state[-1, :-2]) - ref))
            for n in (192, 384, 768)]
    ratios = errs[0] / errs[1], errs[1] / errs[2]
    assert all(3.5 < r < 4.5 for r in ratios), (errs, ratios)


# ----------------------------------------------------------------------------- (d) closed form


def test_lumped_mass_linearised_radiation_time_constant():
    """(d) With radiation linearised about T0 and identical segments, the loop's total energy
    obeys dE/dt = -H (T_rad - T_s); with the chip and coolant capacities small (1e-2 of the
    total) and tightly coupled, the capacity-weighted mean temperature is one lumped mass:
    T(t) = T_s + (T(0) - T_s) exp(-t / tau), tau = C / (4 sigma T0^3 A sum(eps)), T_s from the
    absorbed flux.  Checked at t = tau and 3 tau to 1e-6 of the swing."""
    t0, area = 300.0, 1.0
    eps = np.array([0.9, 0.8])
    p = _params(n_chips=1.0, chip_heat_capacity_j_k=10.0, coldplate_conductance_w_k=1e4, mass_flow_kg_s=10.0,
                supply_inventory_kg=0.1, return_inventory_kg=0.1, radiator_area_m2=area,
                radiator_heat_capacity_j_m2_k=1e5, tube_conductance_w_k=1e6, emissivity=eps,
                fin_efficiency=1.0, coolant_heat_w=0.0, linearize_radiation_about_k=t0)
    loads = lt.constant_loads([50.0, 50.0], [80.0, 80.0], PERIOD)
    absorbed = float(np.sum(np.asarray(p.absorptivity) * 50.0 + eps * 80.0))
    t_sink = t0 - (eps.sum() * SIGMA * t0 ** 4 - absorbed) / (4 * SIGMA * t0 ** 3 * eps.sum())
    c_total = 10.0 + 2 * 0.1 * 4180.0 + 1e5 * area
    tau = c_total / (4 * SIGMA * t0 ** 3 * area * eps.sum())
    zero = lt.PowerSchedule(jnp.asarray(0.0))
    for k in (1.0, 3.0):
        h = _sim_adaptive(p, loads, zero, k * tau, 330.0)
        mean_k = 330.0 + float(h.stored_energy_j[-1]) / c_total
        expect = t_sink + (330.0 - t_sink) * np.exp(-k)
        assert abs(mean_k - expect) < 1e-6 * (330.0 - t_sink), (mean_k, expect)
        assert abs(float(h.radiator_min_k[-1]) - expect) < 0.05    # the radiator itself is near-isothermal


# ----------------------------------------------------------------------------- (e) periodic + gradients


PERIODIC = lt.LoopNumerics(n_segments=N_SEG, steps_per_orbit=96)


@pytest.fixture(scope="module")
def periodic():
    def run(area, flow):
        p = _params(radiator_area_m2=area, mass_flow_kg_s=flow)
        return lt.periodic_loop(p, LOADS, SCHED, PERIODIC, n_save=49)
    return run


def test_periodic_solution_is_periodic_and_matches_long_run(periodic):
    r = periodic(160.0, 3.5)
    assert bool(r.converged) and float(r.periodicity_error_k) < 1e-7
    h = r.history
    # one orbit from the periodic state returns to it, and its energy balance closes
    assert abs(float(h.energy_residual_j[-1])) < 1e-9 * float(h.dissipated_energy_j[-1])
    assert abs(float(h.stored_energy_j[-1])) < 1e-6 * float(h.dissipated_energy_j[-1])
    # eclipse throttling makes the loop swing: coolant minimum in eclipse below the orbit mean
    assert float(r.min_coolant_k) < float(jnp.mean(h.supply_k)) - 1.0
    assert float(r.max_junction_k) > float(jnp.max(h.chip_k))


@pytest.mark.slow
def test_periodic_gradients_match_central_differences(periodic):
    """(e) d(min coolant temperature over the periodic orbit)/d(radiator area, flow): implicit
    adjoint of the shooting Newton + reverse mode through the last orbit, against central
    differences of converged periodic solves (relative 1e-6; measured 5e-8 and 8e-8)."""
    def f(area, flow):
        return periodic(area, flow).min_coolant_k

    g = jax.grad(f, argnums=(0, 1))(jnp.asarray(160.0), jnp.asarray(3.5))
    for i, (x0, h) in enumerate(((160.0, 0.05), (3.5, 1e-3))):
        args_p = [160.0, 3.5]
        args_m = [160.0, 3.5]
        args_p[i] += h
        args_m[i] -= h
        fd = (float(f(*args_p)) - float(f(*args_m))) / (2 * h)
        np.testing.assert_allclose(float(g[i]), fd, rtol=1e-6)
    assert float(g[0]) < 0.0   # more radiator, colder coolant


# ----------------------------------------------------------------------------- bad inputs


def test_bad_inputs_raise():
    p = _params()
    with pytest.raises(ValueError, match="radiator_area_m2"):
        lt.simulate_loop(eqx.tree_at(lambda q: q.radiator_area_m2, p, jnp.asarray(-1.0)), LOADS, SCHED,
                         (0.0, 10.0), 300.0, ADAPTIVE)
    with pytest.raises(ValueError, match="emissivity"):
        lt.simulate_loop(eqx.tree_at(lambda q: q.emissivity, p, jnp.asarray([0.9, 0.9, 0.9])), LOADS, SCHED,
                         (0.0, 10.0), 300.0, ADAPTIVE)
    with pytest.raises(ValueError, match="bypass_fraction"):
        lt.simulate_loop(eqx.tree_at(lambda q: q.bypass_fraction, p, jnp.asarray(1.0)), LOADS, SCHED,
                         (0.0, 10.0), 300.0, ADAPTIVE)
    with pytest.raises(ValueError, match="t_span"):
        lt.simulate_loop(p, LOADS, SCHED, (10.0, 0.0), 300.0, ADAPTIVE)
    with pytest.raises(ValueError, match="steps_per_orbit"):
        lt.periodic_loop(p, LOADS, SCHED, lt.LoopNumerics(steps_per_orbit=100), n_save=49)
    with pytest.raises(ValueError, match="y0"):
        lt.simulate_loop(p, LOADS, SCHED, (0.0, 10.0), jnp.ones(4), ADAPTIVE)
