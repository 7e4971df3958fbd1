"""Orbit-resolved energy simulation: conservation, closed-form sizing, limits, gradients."""
import io

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import orbit
from power import (
    BatteryTech,
    PathEfficiencies,
    orbit_power_profile,
    plot_soc_day,
    required_array_power_w,
    simulate_energy,
    size_battery,
    square_wave_profile,
    sso_eclipse_season,
)

PATH = PathEfficiencies()
TECH = BatteryTech()
PERIOD, ECLIPSE = 6000.0, 1800.0
P_SUN, P_ECL = 160e3, 40e3
DOD = 0.5


def _closed_form(n_per_orbit=400):
    dt, n_e, _, _ = square_wave_profile(PERIOD, ECLIPSE, 1.0, 0.0, 0.0, 1, n_per_orbit)
    t_e = n_e * dt
    t_d = PERIOD - t_e
    req = required_array_power_w(P_SUN, P_ECL, t_d, t_e, PATH, TECH)
    batt = size_battery(P_ECL, t_e, t_d, DOD, TECH, PATH.distribution)
    return dt, n_e, req, batt


def test_square_wave_matches_closed_form_sizing():
    """Array and battery sized in closed form: SOC dips to exactly 1 - DoD and returns
    to exactly full at the end of each sunlit arc, with nothing shunted."""
    dt, n_e, req, batt = _closed_form()
    _, _, pa, pl = square_wave_profile(PERIOD, ECLIPSE, req.array_power_w, P_SUN, P_ECL, 3)
    sim = simulate_energy(pa, pl, dt, batt.capacity_wh * 3600.0, 1.0, PATH, TECH)
    assert abs(float(sim.soc_min) - (1.0 - DOD)) < 1e-12
    ends = np.asarray(sim.soc)[399::400]
    assert np.allclose(ends, 1.0, atol=1e-12)
    assert float(sim.ledger.shunt_j) < 1e-6 * float(sim.ledger.array_j)
    assert abs(float(sim.ledger.residual_j)) < 1e-12 * float(sim.ledger.array_j)
    # a 1 % smaller array no longer refills the battery: the check can fail
    sim_small = simulate_energy(pa * 0.99, pl, dt, batt.capacity_wh * 3600.0, 1.0, PATH, TECH)
    assert float(sim_small.soc[-1]) < 1.0 - 1e-3
    # a 1 % smaller battery goes below the DoD limit
    sim_b = simulate_energy(pa, pl, dt, 0.99 * batt.capacity_wh * 3600.0, 1.0, PATH, TECH)
    assert float(sim_b.soc_min) < 1.0 - DOD - 1e-3


def test_energy_conserved_with_shunting_and_random_powers():
    rng = np.random.default_rng(1)
    pa = jnp.asarray(rng.uniform(0.0, 2e5, 500))
    pl = jnp.asarray(rng.uniform(2e4, 1.5e5, 500))
    sim = simulate_energy(pa, pl, 10.0, 3.6e9, 0.6, PATH, TECH, max_charge_power_w=5e4)
    led = sim.ledger
    assert float(led.shunt_j) > 0  # charger limit and full battery both shunt
    assert abs(float(led.residual_j)) < 1e-12 * float(led.array_j)
    # stored energy never exceeds capacity
    assert float(sim.soc_max) <= 1.0 + 1e-12


def test_jit_and_gradient_of_min_soc_vs_fd():
    dt, n_e, req, batt = _closed_form()
    _, _, pa, pl = square_wave_profile(PERIOD, ECLIPSE, req.array_power_w, P_SUN, P_ECL, 2)

    def f(cap_j, scale):
        # an undersized array: the battery never refills, so no kink is active
        return simulate_energy(pa * scale, pl, dt, cap_j, 1.0, PATH, TECH).soc_min

    cap0 = float(batt.capacity_wh) * 3600.0
    s0 = 0.97
    jf = jax.jit(f)
    assert abs(float(jf(cap0, s0)) - float(f(cap0, s0))) < 1e-14
    g = jax.grad(f, argnums=(0, 1))(cap0, s0)
    h0, h1 = cap0 * 1e-6, 1e-6
    fd0 = (f(cap0 + h0, s0) - f(cap0 - h0, s0)) / (2 * h0)
    fd1 = (f(cap0, s0 + h1) - f(cap0, s0 - h1)) / (2 * h1)
    assert abs(float(g[0]) / float(fd0) - 1.0) < 1e-6
    assert abs(float(g[1]) / float(fd1) - 1.0) < 1e-6


@pytest.fixture(scope="module")
def worst_day():
    """Dawn-dusk 800 km SSO on its longest-eclipse day (orbit geometry sampled by
    orbit.orbit_samples), sized in closed form for the eclipse as sampled."""
    h = 800e3
    season = sso_eclipse_season(h, 6.0, orbit.julian_date(2030, 1, 1), n_samples=365)
    beta = season.beta_rad[int(np.argmax(np.asarray(season.eclipse_s)))]
    n_orbits = int(np.ceil(86400.0 / float(season.period_s)))
    dt, _, _, lit = orbit_power_profile(h, beta, 1.0, 0.0, 0.0, 1, 720)
    t_e = float(jnp.sum(1.0 - lit)) * dt
    # sampled shadow vs the closed-form eclipse of that day: within one step
    assert abs(t_e - float(season.max_eclipse_s)) <= dt
    t_d = float(season.period_s) - t_e
    req = required_array_power_w(P_SUN, P_ECL, t_d, t_e, PATH, TECH)
    batt = size_battery(P_ECL, t_e, t_d, DOD, TECH, PATH.distribution)
    dt, pa, pl, lit = orbit_power_profile(h, beta, req.array_power_w, P_SUN, P_ECL, n_orbits, 720)
    sim = simulate_energy(pa, pl, dt, batt.capacity_wh * 3600.0, 1.0, PATH, TECH)
    return sim, lit, dt, batt


def test_soc_stays_within_limits_over_worst_day(worst_day):
    sim, lit, dt, batt = worst_day
    assert float(sim.soc_min) >= 1.0 - DOD - 1e-10
    assert abs(float(sim.soc_min) - (1.0 - DOD)) < 1e-10  # the limit is reached, not missed
    assert float(sim.soc_max) <= 1.0 + 1e-12
    assert abs(float(sim.ledger.residual_j)) < 1e-12 * float(sim.ledger.array_j)
    ends = np.asarray(sim.soc)[719::720]
    assert np.allclose(ends, 1.0, atol=1e-10)


def test_soc_figure(worst_day):
    sim, lit, dt, batt = worst_day
    fig = plot_soc_day(sim.time_s, sim.soc, 1.0 - DOD, 1.0 - lit, title="worst eclipse-season day")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    assert buf.getbuffer().nbytes > 1000


def test_bad_inputs():
    with pytest.raises(ValueError, match="capacity_j"):
        simulate_energy(jnp.ones(3), 1.0, 1.0, -5.0)
    with pytest.raises(ValueError, match="soc0 = 1.5"):
        simulate_energy(jnp.ones(3), 1.0, 1.0, 5.0, soc0=1.5)
    with pytest.raises(ValueError, match="array_power_w"):
        simulate_energy(-jnp.ones(3), 1.0, 1.0, 5.0)


def test_float32_square_wave():
    with jax.enable_x64(False):
        path, tech = PathEfficiencies(), BatteryTech()  # float32 leaves
        dt, n_e, _, _ = square_wave_profile(PERIOD, ECLIPSE, 1.0, 0.0, 0.0, 1, 400)
        t_e = n_e * dt
        req = required_array_power_w(P_SUN, P_ECL, PERIOD - t_e, t_e, path, tech)
        batt = size_battery(P_ECL, t_e, PERIOD - t_e, DOD, tech, path.distribution)
        _, _, pa, pl = square_wave_profile(PERIOD, ECLIPSE, req.array_power_w, P_SUN, P_ECL, 2)
        sim = simulate_energy(pa, pl, dt, batt.capacity_wh * 3600.0, 1.0, path, tech)
        assert sim.soc.dtype == jnp.float32
        eps = float(jnp.finfo(jnp.float32).eps)
        assert abs(float(sim.soc_min) - (1.0 - DOD)) < 1e3 * eps
        assert abs(float(sim.ledger.residual_j)) < 1e3 * eps * float(sim.ledger.array_j)
