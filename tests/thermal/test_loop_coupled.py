"""Coupled chips + loop + radiator steady state: closed form, energy balance, gradients, bad inputs."""
import dataclasses

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from thermal.chip import ChipModel, LayerSpec
from thermal.chip.floorplan import Block, Floorplan
from thermal.loop import LoopDesign, isothermal_sink_radiator, solve_loop, temperature_budget
from thermal.loop.coldplate import ColdPlate
from thermal.loop.coolant import WATER, Coolant, coolant_properties

DIE = (0.004, 0.004, 0.014, 0.014)
FP = Floorplan((Block("core", 0.006, 0.006, 0.002, 0.002), Block("hbm", 0.002, 0.010, 0.008, 0.0)))
NB, NS = 2, 2


@pytest.fixture(scope="module")
def setup():
    layers = [LayerSpec("die", 5e-4, 150.0, 1.6e6, DIE), LayerSpec("tim", 5e-5, 5.0, 2e6, DIE),
              LayerSpec("lid", 2e-3, 390.0, 3.4e6, (0.0, 0.0, 0.018, 0.018), n_sublayers=2)]
    m = ChipModel(layers, FP, 10, 10)
    p = jax.tree_util.tree_map(lambda a: jnp.stack([a] * NB * NS), m.default_params())
    plate = ColdPlate(*[jnp.asarray(v) for v in (3e-4, 2e-3, 2e-4, 0.018, 0.018, 390.0)])
    design = LoopDesign(*[jnp.asarray(v) for v in (0.02, 300.0, 3e5, 0.5, 2.0, 0.01, 5.0, 2.0, 1e4)])
    pw = jnp.array([[60.0, 20.0], [50.0, 10.0], [70.0, 20.0], [40.0, 5.0]])
    rad = (jnp.asarray(20.0), jnp.asarray(280.0))
    return m, p, plate, design, pw, rad


def run(setup, design=None, rad=None, **kw):
    m, p, plate, d, pw, r = setup
    return solve_loop(m, p, pw, plate, d if design is None else design, kw.pop("coolant", WATER), NB, NS,
                      radiator=isothermal_sink_radiator, radiator_params=r if rad is None else rad, **kw)


def test_closed_form_loop_and_energy_balance(setup):
    m, p, plate, d, pw, rad = setup
    s = run(setup)
    assert bool(s.converged)
    q = float(jnp.sum(pw)) + float(s.hydraulic_power_w)
    np.testing.assert_allclose(float(s.heat_rejected_w), q, rtol=1e-9)
    assert abs(float(s.energy_residual_w)) < 1e-8 * q
    # isothermal-sink radiator closed form at cp(T_supply)
    cp = float(coolant_properties(WATER, s.supply_temperature_k).cp_j_kg_k)
    ntu = float(rad[0]) / (float(d.mass_flow_kg_s) * cp)
    t_sup = float(rad[1]) + q / (float(d.mass_flow_kg_s) * cp) * np.exp(-ntu) / (1 - np.exp(-ntu))
    np.testing.assert_allclose(float(s.supply_temperature_k), t_sup, rtol=1e-10)
    # series chips: second plate inlet = first plate outlet; coolant rise = P / (m_b cp)
    np.testing.assert_allclose(np.asarray(s.coolant_in_k[:, 1]), np.asarray(s.coolant_out_k[:, 0]), rtol=1e-12)
    rise = np.asarray(s.coolant_out_k - s.coolant_in_k)
    np.testing.assert_allclose(rise, np.asarray(s.chip_power_w) / (float(d.mass_flow_kg_s) / NB * cp), rtol=1e-10)
    # pump power = dp Q / eta
    rho = float(coolant_properties(WATER, s.supply_temperature_k).density_kg_m3)
    np.testing.assert_allclose(float(s.pump_power_w),
                               float(s.pressure_drop_pa) * float(d.mass_flow_kg_s) / rho / float(d.pump_efficiency),
                               rtol=1e-10)
    b = temperature_budget(s)
    chain = (b["junction_to_case_k"] + b["case_to_coldplate_k"] + b["coldplate_to_coolant_k"] + b["coolant_rise_k"])
    np.testing.assert_allclose(float(chain), float(b["junction_k"] - b["supply_k"]), rtol=1e-12)
    assert all(float(b[k]) > 0 for k in ("junction_to_case_k", "case_to_coldplate_k", "coldplate_to_coolant_k"))


def test_gradients_vs_central_differences(setup):
    """d(max junction)/d(flow, radiator UA, sink T, TIM k) through the coupled root find."""
    m, p, plate, d, pw, rad = setup

    def f(flow, ua, ts, ktim):
        dd = eqx.tree_at(lambda x: x.mass_flow_kg_s, d, flow)
        pp = eqx.tree_at(lambda x: x.conductivity_w_m_k, p, p.conductivity_w_m_k.at[:, 1].set(ktim))
        return solve_loop(m, pp, pw, plate, dd, WATER, NB, NS, radiator=isothermal_sink_radiator,
                          radiator_params=(ua, ts), check=False).overall_max_junction_k

    x0 = [jnp.asarray(v) for v in (0.02, 20.0, 280.0, 5.0)]
    g = jax.grad(f, argnums=(0, 1, 2, 3))(*x0)
    for i in range(4):
        h = 1e-4 * float(x0[i])
        xp = list(x0)
        xm = list(x0)
        xp[i] = x0[i] + h
        xm[i] = x0[i] - h
        fd = (float(f(*xp)) - float(f(*xm))) / (2 * h)
        np.testing.assert_allclose(float(g[i]), fd, rtol=1e-5, err_msg=f"argument {i}")


def test_silicon_k_of_t_in_the_coupled_loop(setup):
    """A k(T) die inside the coupled root find: converged, energy closes, hotter than constant k,
    and d(max junction)/d(flow, sink T) match central differences (Newton + Picard, both implicit)."""
    from thermal.chip import SILICON_CONDUCTIVITY_EXPONENT

    m, p, plate, d, pw, rad = setup
    layers = [dataclasses.replace(m.layers[0], conductivity_exponent=SILICON_CONDUCTIVITY_EXPONENT)]
    mk = ChipModel(layers + list(m.layers[1:]), FP, 10, 10)
    assert mk.nonlinear

    def f(flow, ts, model=mk):
        dd = eqx.tree_at(lambda x: x.mass_flow_kg_s, d, flow)
        return solve_loop(model, p, pw, plate, dd, WATER, NB, NS, radiator=isothermal_sink_radiator,
                          radiator_params=(rad[0], ts), check=False)

    s, s0 = f(d.mass_flow_kg_s, rad[1]), f(d.mass_flow_kg_s, rad[1], m)
    q = float(jnp.sum(pw)) + float(s.hydraulic_power_w)
    assert bool(s.converged) and abs(float(s.energy_residual_w)) < 1e-8 * q
    assert float(s.overall_max_junction_k) > float(s0.overall_max_junction_k) + 0.3     # measured +0.75 K
    x0 = (jnp.asarray(0.02), jnp.asarray(280.0))
    g = jax.grad(lambda a, b: f(a, b).overall_max_junction_k, argnums=(0, 1))(*x0)
    for i, h in enumerate((2e-6, 0.02)):
        xp, xm = list(x0), list(x0)
        xp[i], xm[i] = x0[i] + h, x0[i] - h
        fd = (float(f(*xp).overall_max_junction_k) - float(f(*xm).overall_max_junction_k)) / (2 * h)
        np.testing.assert_allclose(float(g[i]), fd, rtol=1e-5, err_msg=f"argument {i}")


def test_open_loop_supply_temperature_gradient(setup):
    """Without a radiator the supply temperature is a design input: dTj/dT_supply ~ 1 (+ property effects)."""
    m, p, plate, d, pw, _ = setup

    def f(ts, flow):
        dd = eqx.tree_at(lambda x: (x.supply_temperature_k, x.mass_flow_kg_s), d, (ts, flow))
        return solve_loop(m, p, pw, plate, dd, WATER, NB, NS, check=False).overall_max_junction_k

    g = jax.grad(f, argnums=(0, 1))(jnp.asarray(300.0), jnp.asarray(0.02))
    for i, (x, h) in enumerate(((300.0, 0.01), (0.02, 1e-6))):
        args_p = [jnp.asarray(300.0), jnp.asarray(0.02)]
        args_m = list(args_p)
        args_p[i] = args_p[i] + h
        args_m[i] = args_m[i] - h
        fd = (float(f(*args_p)) - float(f(*args_m))) / (2 * h)
        np.testing.assert_allclose(float(g[i]), fd, rtol=1e-5)
    assert 0.8 < float(g[0]) < 1.2


def test_leakage_coupling(setup):
    """Temperature-dependent leakage: converged fixed point, more power, hotter, energy balanced."""
    s0 = run(setup)
    s = run(setup, leakage_ref_w=jnp.array([10.0, 2.0]), leakage_beta_per_k=0.02)
    assert bool(s.converged)
    assert np.all(np.asarray(s.chip_power_w) > np.asarray(s0.chip_power_w))
    assert float(s.overall_max_junction_k) > float(s0.overall_max_junction_k)
    assert abs(float(s.energy_residual_w)) < 1e-8 * float(s.heat_rejected_w)
    # self-consistency: each chip's leakage equals the model at its converged block temperatures
    leak = np.asarray(s.chip_power_w).reshape(-1) - np.asarray(setup[4]).sum(axis=1)
    np.testing.assert_array_less(0, leak)


def test_bad_inputs(setup):
    m, p, plate, d, pw, rad = setup
    with pytest.raises(ValueError, match="mass_flow_kg_s"):
        run(setup, design=eqx.tree_at(lambda x: x.mass_flow_kg_s, d, jnp.asarray(0.0)))
    with pytest.raises(ValueError, match="temperature_k"):          # water would freeze at a 200 K sink
        run(setup, rad=(jnp.asarray(20.0), jnp.asarray(200.0)))
    with pytest.raises(ValueError, match="pressure"):               # ammonia loop hot above its rating
        run(setup, coolant=Coolant("ammonia", max_pressure_pa=1.5e6), rad=(jnp.asarray(20.0), jnp.asarray(330.0)))
    with pytest.raises(ValueError, match="block_power_w"):
        solve_loop(m, p, pw[:3], plate, d, WATER, NB, NS)
    with pytest.raises(ValueError, match="n_series"):
        solve_loop(m, p, pw, plate, d, WATER, NB, 0)


def test_branch_multiplicity_equals_explicit_identical_branches(setup):
    """One modelled branch standing for two identical ones (branch_multiplicity=2) gives the same
    loop and chip state as two explicit identical branches; branch heat and a canned pump close
    the energy balance."""
    m, p, plate, d, pw, r = setup
    row = pw[:2]                                    # one branch of two chips in series
    p1 = jax.tree_util.tree_map(lambda a: a[:2], p)
    explicit = solve_loop(m, p, jnp.concatenate([row, row]), plate, d, WATER, 2, 2,
                          radiator=isothermal_sink_radiator, radiator_params=r, branch_heat_w=7.0,
                          canned_pump=True)
    lumped = solve_loop(m, p1, row, plate, d, WATER, 1, 2, radiator=isothermal_sink_radiator, radiator_params=r,
                        branch_multiplicity=2, branch_heat_w=7.0, canned_pump=True)
    for name in ("supply_temperature_k", "return_temperature_k", "pressure_drop_pa", "pump_power_w",
                 "heat_rejected_w"):
        np.testing.assert_allclose(getattr(lumped, name), getattr(explicit, name), rtol=1e-10, err_msg=name)
    np.testing.assert_allclose(lumped.max_junction_k[0], explicit.max_junction_k[0], rtol=1e-10)
    heat = 2 * (float(jnp.sum(row)) + 7.0) + float(lumped.pump_power_w)   # all pump power in the coolant
    assert float(lumped.heat_rejected_w) == pytest.approx(heat, rel=1e-9)
    assert abs(float(lumped.energy_residual_w)) < 1e-6 * heat


def test_tube_bank_pressure_drop_is_hagen_poiseuille_when_laminar():
    from thermal.loop import tube_bank_pressure_drop_pa

    mu, rho, d, length, n = 1e-3, 1000.0, 4e-3, 2.0, 10
    m = 0.01                                   # Re = 4 m / (n pi d mu) = 318: laminar
    q = m / rho / n
    expected = 128 * mu * length * q / (np.pi * d ** 4)
    got = float(tube_bank_pressure_drop_pa(m, n, length, d, 0.0, rho, mu))
    assert got == pytest.approx(expected, rel=1e-12)
