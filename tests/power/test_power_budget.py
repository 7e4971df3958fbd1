"""Power/heat budget conservation and the whole-system sizing chain."""
import io

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import orbit
from power import (
    HEAT_DESTINATIONS,
    ArrayDesign,
    BatteryTech,
    Loads,
    PathEfficiencies,
    budget_table,
    eclipse_budget,
    get_cell,
    plot_power_vs_mission_time,
    size_sso_power_system,
    sunlit_budget,
    support_areal_mass_for_class,
)

PATH = PathEfficiencies()
TECH = BatteryTech()


def _loads(throttle=0.25):
    return Loads(payload_compute_w=jnp.asarray(150e3), bus_avionics_w=jnp.asarray(2500.0),
                 isl_terminal_count=jnp.asarray(4.0), isl_terminal_w=jnp.asarray(120.0),
                 pumps_w=jnp.asarray(1800.0), eclipse_payload_fraction=jnp.asarray(throttle))


def test_sunlit_heat_equals_absorbed_minus_stored():
    loads = _loads()
    absorbed, recharge = 9.0e5, 8.0e3
    need = (loads.total_w() / PATH.distribution + recharge) / PATH.regulator
    out = need * 1.05  # 5 % surplus is shunted on the array
    b = sunlit_budget(loads, out, absorbed, recharge, PATH, TECH)
    total_heat = sum(float(v) for v in b.heat_by_item_w.values())
    assert abs(total_heat - (absorbed - float(b.battery_stored_w))) < 1e-6
    assert abs(sum(float(v) for v in b.heat_by_destination_w.values()) - total_heat) < 1e-6
    assert float(b.heat_by_item_w["shunt"]) > 0
    pay = 150e3 / 0.92 + 1800.0
    assert abs(float(b.heat_by_destination_w["payload_radiator"]) - pay) < 1e-6
    assert set(b.heat_by_destination_w) == set(HEAT_DESTINATIONS.values())
    assert "payload_radiator" in budget_table(b)


def test_eclipse_heat_equals_battery_release_and_throttling():
    b = eclipse_budget(_loads(0.25), PATH, TECH)
    total_heat = sum(float(v) for v in b.heat_by_item_w.values())
    assert abs(total_heat + float(b.battery_stored_w)) < 1e-6
    assert abs(float(b.loads_w["payload_compute"]) - 0.25 * 150e3) < 1e-9
    full = eclipse_budget(_loads(1.0), PATH, TECH)
    assert float(full.load_total_w) > float(b.load_total_w)


@pytest.fixture(scope="module")
def system():
    cell = get_cell("azur_4g32c")
    sup = support_areal_mass_for_class("flexible_blanket")
    design = ArrayDesign(area_m2=jnp.asarray(1.0), coverglass_thickness_m=jnp.asarray(100e-6),
                         support_areal_mass_kg_m2=jnp.asarray(sup))
    jd = orbit.julian_date(2030, 1, 1)
    out = {}
    for thr in (0.2, 1.0):
        out[thr] = size_sso_power_system(_loads(thr), cell, design, 800e3, 6.0, jd, 5.0, 1e15,
                                         n_season_samples=365)
    return out, cell, design


def test_system_sizing_chain_is_consistent(system):
    out, cell, design = system
    ps = out[0.2]
    assert bool(ps.thermal.converged)
    # array delivers exactly the requirement at EOL: nothing shunted, battery refilled
    assert abs(float(ps.sunlit.heat_by_item_w["shunt"])) < 1e-6 * float(ps.requirement.array_power_w)
    assert abs(float(ps.array.area_m2 * ps.array.areal_power_eol_w_m2 / ps.requirement.array_power_w) - 1) < 1e-12
    assert 0.3 <= float(ps.battery.depth_of_discharge) <= 0.9
    # throttling compute in eclipse shrinks the battery and the recharge power
    assert float(out[1.0].battery.mass_kg) > 2.0 * float(ps.battery.mass_kg)
    assert float(out[1.0].requirement.recharge_w) > float(ps.requirement.recharge_w)
    # the heat on the array is what it absorbs minus what it delivers
    arr_heat = float(ps.sunlit.heat_by_destination_w["solar_array"])
    assert abs(arr_heat - float(ps.thermal.absorbed_w_m2 * ps.array.area_m2 - ps.requirement.array_power_w)) < 1e-3


def test_power_vs_mission_time_figure(system):
    out, cell, design = system
    ps = out[0.2]
    d = eqx.tree_at(lambda x: x.area_m2, design, ps.array.area_m2)
    fig = plot_power_vs_mission_time(cell, d, ps.thermal.temperature_k, 1e15, 5.0, ps.solar_flux_w_m2,
                                     ps.requirement.array_power_w)
    ax = fig.axes[0]
    y = ax.lines[0].get_ydata()
    assert y[0] > y[-1]  # degradation
    assert abs(y[-1] * 1e3 / float(ps.requirement.array_power_w) - 1.0) < 1e-9  # EOL meets requirement
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    assert buf.getbuffer().nbytes > 1000


def test_bad_loads():
    bad = eqx.tree_at(lambda x: x.eclipse_payload_fraction, _loads(), jnp.asarray(1.5))
    with pytest.raises(ValueError, match="eclipse_payload_fraction = 1.5"):
        eclipse_budget(bad)
    bad = eqx.tree_at(lambda x: x.pumps_w, _loads(), jnp.asarray(-3.0))
    with pytest.raises(ValueError, match="loads.pumps_w = -3"):
        sunlit_budget(bad, 2e5, 1e6, 0.0)


def test_system_total_mass_jit_and_gradients_vs_fd(system):
    """Array + battery mass of the whole sizing chain: jit agrees, and its gradients
    w.r.t. coverglass thickness, EOL fluence and cell efficiency match central FD."""
    _, cell, design = system
    jd = orbit.julian_date(2030, 1, 1)

    def total_mass(cg, fl, eff):
        c = eqx.tree_at(lambda x: x.efficiency_bol, cell, eff)
        d = eqx.tree_at(lambda x: x.coverglass_thickness_m, design, cg)
        ps = size_sso_power_system(_loads(0.2), c, d, 800e3, 6.0, jd, 5.0, fl, n_season_samples=73)
        return ps.array.mass_kg + ps.battery.mass_kg

    x0 = (jnp.asarray(100e-6), jnp.asarray(1e15), jnp.asarray(0.32))
    jm = jax.jit(total_mass)
    assert abs(float(jm(*x0)) / float(total_mass(*x0)) - 1.0) < 1e-12
    grads = jax.jit(jax.grad(total_mass, argnums=(0, 1, 2)))(*x0)
    for i, h in enumerate((1e-8, 1e11, 1e-6)):
        xp = list(x0); xp[i] = x0[i] + h
        xm = list(x0); xm[i] = x0[i] - h
        fd = (jm(*xp) - jm(*xm)) / (2 * h)
        assert abs(float(grads[i]) / float(fd) - 1.0) < 1e-5, (i, float(grads[i]), float(fd))
    assert float(grads[0]) > 0 and float(grads[1]) > 0 and float(grads[2]) < 0


def test_sized_system_keeps_soc_within_limits_on_worst_day(system):
    """Closed-form sizing (cylindrical eclipse) + 1 % array margin: the orbit-resolved
    simulation of the longest-eclipse day never goes below 1 - DoD by more than the
    energy of one time step and refills every orbit."""
    from power import sso_worst_day_simulation

    out, cell, design = system
    ps = out[0.2]
    loads = _loads(0.2)
    sim, dark, beta = sso_worst_day_simulation(800e3, 6.0, orbit.julian_date(2030, 1, 1),
                                               1.01 * ps.requirement.array_power_w, loads.total_w(False),
                                               loads.total_w(True), ps.battery.capacity_wh * 3600.0)
    dt = float(sim.time_s[0])
    cap = float(ps.battery.capacity_wh) * 3600.0
    step_soc = float(loads.total_w(True)) / (0.97 * 0.95) * dt / cap
    dod = float(ps.battery.depth_of_discharge)
    assert float(sim.soc_min) >= 1.0 - dod - step_soc
    assert float(sim.soc_min) <= 1.0 - dod + step_soc
    assert float(sim.soc_max) <= 1.0 + 1e-12
    assert np.allclose(np.asarray(sim.soc)[719::720], 1.0, atol=1e-12)
    assert abs(float(sim.ledger.residual_j)) < 1e-12 * float(sim.ledger.array_j)
    # the simulated day is the season's longest-eclipse date
    assert float(beta) == float(ps.season.beta_rad[int(np.argmax(np.asarray(ps.season.eclipse_s)))])


def test_power_vs_mission_time_with_temperature_resolved(system):
    from power import sun_facing_flux

    out, cell, design = system
    front, back = sun_facing_flux(1361.0, back_earth_ir_w_m2=60.0)
    d = eqx.tree_at(lambda x: x.area_m2, design, jnp.asarray(100.0))
    fig = plot_power_vs_mission_time(cell, d, None, 1e15, 5.0, 1361.0, front=front, back=back, n_points=11)
    y = fig.axes[0].lines[0].get_ydata()
    assert np.all(np.diff(y) < 0)
    with pytest.raises(ValueError, match="temperature_k or both"):
        plot_power_vs_mission_time(cell, d, None, 1e15, 5.0)
