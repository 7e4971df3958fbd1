"""Transient: radiative cooling of a thin isothermal plate vs its closed form (second
order in time), long transient -> steady, orbit-periodic solution."""
import jax
import jax.numpy as jnp
import numpy as np

from orbit.constants import STEFAN_BOLTZMANN_W_M2_K4 as SIGMA
from thermal.radiator import (Coolant, Numerics, RadiatorPanel, solve_periodic, solve_steady,
                              solve_transient)

EPS = np.array([0.9, 0.7])
RHO, CP, TH = 2700.0, 900.0, 1e-3
NUM = Numerics(nx=4, ny=3)
N_STEPS = 80


def plate():
    return RadiatorPanel(length_m=0.5, width_m=0.4, thickness_m=TH, conductivity_w_m_k=100.0,
                         emissivity=jnp.asarray(EPS), absorptivity=jnp.array([0.2, 0.2]),
                         density_kg_m3=RHO, specific_heat_j_kg_k=CP)


def test_plate_cooling_closed_form_second_order_in_time():
    """rho c t dT/dt = -sum(eps) sigma T^4  ->  T(t) = (T0^-3 + 3 sum(eps) sigma t / (rho c t))^(-1/3).

    One compiled march of N_STEPS steps; dt = 20, 10, 5 s reach t = 400 s at steps
    20, 40, 80 (BE first step, then BDF2).  The cooling time scale at 400 K is ~100 s."""
    t0, t_end = 400.0, 400.0
    zeros = jnp.zeros((N_STEPS + 1, 2))
    exact = (t0**-3 + 3.0 * np.sum(EPS) * SIGMA * t_end / (RHO * CP * TH)) ** (-1.0 / 3.0)
    errs = []
    for dt in (20.0, 10.0, 5.0):
        r = solve_transient(plate(), None, zeros, zeros, dt, t0, NUM)
        assert bool(r.converged)
        assert float(jnp.max(r.temperature_k) - jnp.min(r.temperature_k)) < 1e-9  # stays isothermal
        k = int(round(t_end / dt)) - 1
        assert abs(float(r.times_s[k]) - t_end) < 1e-9
        errs.append(abs(float(r.mean_temperature_k[k]) - exact))
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(orders > 1.85) and np.all(orders < 2.3), (errs, orders)


def tube_panel():
    return RadiatorPanel(length_m=0.8, width_m=0.3, thickness_m=1e-3, conductivity_w_m_k=150.0,
                         emissivity=jnp.array([0.85, 0.8]), absorptivity=jnp.array([0.2, 0.3]),
                         tube_pitch_m=0.12, tube_conductance_w_m_k=100.0, n_tubes=2,
                         density_kg_m3=2700.0, specific_heat_j_kg_k=900.0)


NUM_T = Numerics(nx=10, ny=8)
COOL = Coolant(mass_flow_kg_s=5e-3, specific_heat_j_kg_k=3500.0, inlet_temperature_k=320.0)


N_ORBIT = 24
N_MARCH = 6 * N_ORBIT + 1  # six orbits; the long constant-load march uses the same length (one compile)


def test_long_transient_reaches_steady():
    sw, lw = jnp.array([300.0, 20.0]), jnp.array([150.0, 40.0])
    # 144 steps of 250 s = 36 000 s, ~150 thermal time constants of this panel
    steady = solve_steady(tube_panel(), COOL, sw, lw, NUM_T)
    r = solve_transient(tube_panel(), COOL, jnp.tile(sw, (N_MARCH, 1)), jnp.tile(lw, (N_MARCH, 1)), 250.0, 250.0,
                        NUM_T)
    assert bool(r.converged)
    np.testing.assert_allclose(np.asarray(r.temperature_k), np.asarray(steady.temperature_k), atol=1e-6)
    assert abs(float(r.heat_rejected_w[-1] - steady.heat_rejected_w)) < 1e-5 * float(steady.heat_rejected_w)


def test_orbit_periodic_solution():
    period = 5400.0
    n_t = N_ORBIT
    t = np.arange(n_t) * period / n_t
    sun = np.where(np.cos(2 * np.pi * t / period) > -0.3, 1.0, 0.0)  # eclipse for part of the orbit
    sw = jnp.asarray(np.stack([400.0 * sun, 30.0 * sun], axis=1))
    lw = jnp.asarray(np.tile([180.0, 60.0], (n_t, 1)))
    r = solve_periodic(tube_panel(), COOL, sw, lw, period, NUM_T)
    assert bool(r.converged)
    assert float(r.periodicity_error_k) < 1e-6
    # a plain march started from the periodic state stays on the orbit; one started far off
    # converges to it after a few orbits
    loads_sw = jnp.concatenate([sw[1:], sw[:1]] * 6)
    loads_lw = jnp.concatenate([lw[1:], lw[:1]] * 6)
    sw_m = jnp.concatenate([sw[:1], loads_sw])
    lw_m = jnp.concatenate([lw[:1], loads_lw])
    assert sw_m.shape[0] == N_MARCH
    far = solve_transient(tube_panel(), COOL, sw_m, lw_m, period / n_t, 290.0, NUM_T)
    assert float(jnp.max(jnp.abs(far.temperature_k - r.temperature_k))) < 0.05
    # the orbit swings and its mean heat rejection sits near the steady value under mean loads
    assert float(jnp.max(r.mean_temperature_k) - jnp.min(r.mean_temperature_k)) > 0.5
    steady = solve_steady(tube_panel(), COOL, jnp.mean(sw, 0), jnp.mean(lw, 0), NUM_T)
    assert abs(float(jnp.mean(r.heat_input_w)) / float(steady.heat_input_w) - 1.0) < 0.05


def test_transient_is_differentiable():
    sw, lw = jnp.tile(jnp.array([300.0, 20.0]), (6, 1)), jnp.tile(jnp.array([150.0, 40.0]), (6, 1))

    def final_mean(eps_a):
        p = RadiatorPanel(length_m=0.5, width_m=0.4, thickness_m=TH, conductivity_w_m_k=100.0,
                          emissivity=jnp.stack([eps_a, 0.7]), absorptivity=jnp.array([0.2, 0.2]))
        return solve_transient(p, None, sw, lw, 200.0, 330.0, NUM).mean_temperature_k[-1]

    vg = jax.jit(jax.value_and_grad(final_mean))  # one compile, also used for the FD values
    g = vg(0.9)[1]
    h = 1e-6
    fd = (vg(0.9 + h)[0] - vg(0.9 - h)[0]) / (2 * h)
    assert abs(float(g) - float(fd)) < 1e-6 * abs(float(fd))
