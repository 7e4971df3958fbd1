"""Panel with pumped tubes / heat pipes: energy balance, isothermal (level-0) limit,
jit/vmap/plain agreement, float32, and bad-input errors raised before compiling."""
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.optimize import brentq

from orbit.constants import STEFAN_BOLTZMANN_W_M2_K4 as SIGMA
from thermal.radiator import panel as radiator
from thermal.radiator import Coolant, HeatPipes, Numerics, RadiatorPanel, solve_steady

NUM = Numerics(nx=24, ny=16)
SW = jnp.array([350.0, 40.0])
LW = jnp.array([180.0, 60.0])


def make_panel(**kw):
    base = dict(length_m=1.2, width_m=0.5, thickness_m=1.2e-3, conductivity_w_m_k=180.0,
                emissivity=jnp.array([0.88, 0.8]), absorptivity=jnp.array([0.2, 0.25]),
                tube_pitch_m=0.13, tube_conductance_w_m_k=150.0, n_tubes=3)
    base.update(kw)
    return RadiatorPanel(**base)


COOL = Coolant(mass_flow_kg_s=8e-3, specific_heat_j_kg_k=3600.0, inlet_temperature_k=335.0)


@pytest.mark.parametrize("arrangement", ["parallel", "counterflow", "serpentine"])
def test_energy_balance_pumped(arrangement):
    cool = Coolant(mass_flow_kg_s=8e-3, specific_heat_j_kg_k=3600.0, inlet_temperature_k=335.0,
                   arrangement=arrangement)
    r = solve_steady(make_panel(), cool, SW, LW, NUM)
    assert bool(r.converged)
    # coolant enthalpy drop (inlet - outlet, from the fluid temperatures) = net rejection
    mc = 8e-3 * 3600.0
    if arrangement == "serpentine":
        q_fluid = mc * (335.0 - float(r.outlet_temperature_k))
    else:
        q_fluid = float(jnp.sum(mc * (335.0 - r.coolant_temperature_k[:, -1])))
    net = float(jnp.sum(r.emitted_face_w) - jnp.sum(r.absorbed_face_w))
    assert net > 0
    assert abs(q_fluid - net) <= 1e-9 * net
    assert abs(float(r.energy_residual_w)) <= 1e-9 * net
    # fluid cools monotonically along each tube, sheet colder than the fluid
    d = np.diff(np.asarray(r.coolant_temperature_k), axis=1)
    assert np.all(d < 0)
    assert float(r.max_temperature_k) < 335.0
    assert 0.0 < float(r.fin_efficiency) < 1.0


@pytest.mark.parametrize("flow", [HeatPipes(temperature_k=330.0), HeatPipes(total_heat_w=250.0)])
def test_energy_balance_heat_pipes(flow):
    r = solve_steady(make_panel(), flow, SW, LW, NUM)
    assert bool(r.converged)
    net = float(r.heat_rejected_w)
    assert abs(float(r.heat_input_w) - net) <= 1e-9 * abs(net)
    if flow.total_heat_w is not None:
        assert abs(net - 250.0) <= 1e-8 * 250.0
        assert float(r.heat_pipe_temperature_k) > float(r.max_temperature_k)


def test_isothermal_limit_of_very_conductive_sheet():
    """k -> large and h' -> large: the sheet is isothermal at the level-0 temperature
    solving  sum_f eps_f sigma A T^4 - absorbed A = Q  with Q from the heat-pipe load."""
    q_w = 400.0
    panel = make_panel(conductivity_w_m_k=4e6, tube_conductance_w_m_k=1e7)
    r = solve_steady(panel, HeatPipes(total_heat_w=q_w), SW, LW, NUM)
    assert bool(r.converged)
    area = 1.2 * 0.5
    eps = np.array([0.88, 0.8])
    absorbed = float(np.sum(np.array([0.2, 0.25]) * np.asarray(SW) + eps * np.asarray(LW))) * area

    def balance(T):
        return np.sum(eps) * SIGMA * area * T**4 - absorbed - q_w

    t_iso = brentq(balance, 100.0, 1000.0, xtol=1e-12)
    spread = float(r.max_temperature_k - r.min_temperature_k)
    assert spread < 5e-3
    assert abs(float(r.mean_temperature_k) - t_iso) < 5e-3
    assert float(r.fin_efficiency) == pytest.approx(1.0, abs=1e-4)
    # and the fin efficiency falls as the sheet gets thinner/less conductive
    r2 = solve_steady(make_panel(conductivity_w_m_k=50.0), HeatPipes(total_heat_w=q_w), SW, LW, NUM)
    assert float(r2.fin_efficiency) < float(r.fin_efficiency)
    assert float(r2.max_temperature_k - r2.min_temperature_k) > 100 * spread


def test_jit_vmap_plain_agree():
    """Plain calls (each one the library's own compiled solve, shared with the energy-balance
    test) vs ONE outer-jit + vmap over whole stacked design pytrees."""
    thicknesses = jnp.array([0.8e-3, 1.2e-3, 2.0e-3])
    plain = [solve_steady(make_panel(thickness_m=t), COOL, SW, LW, NUM) for t in thicknesses]
    panels = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *[make_panel(thickness_m=t) for t in thicknesses])
    batched = eqx.filter_jit(eqx.filter_vmap(lambda p: solve_steady(p, COOL, SW, LW, NUM)))(panels)
    for i in range(thicknesses.size):
        ref = float(plain[i].outlet_temperature_k)
        assert float(batched.outlet_temperature_k[i]) == pytest.approx(ref, rel=1e-11)
        np.testing.assert_allclose(np.asarray(batched.temperature_k[i]), np.asarray(plain[i].temperature_k),
                                   rtol=1e-11)
        assert float(batched.heat_rejected_w[i]) == pytest.approx(float(plain[i].heat_rejected_w), rel=1e-11)
    assert bool(jnp.all(batched.converged))
    # the design really changes the answer (so the agreement is not trivial)
    assert float(plain[2].outlet_temperature_k) < float(plain[0].outlet_temperature_k) - 0.1


def test_float32_matches_float64():
    f32 = lambda v: jnp.asarray(v, jnp.float32)  # noqa: E731
    p64 = make_panel()
    p32 = jax.tree_util.tree_map(f32, p64)
    c32 = jax.tree_util.tree_map(f32, COOL)
    r64 = solve_steady(p64, COOL, SW, LW, NUM)
    r32 = solve_steady(p32, c32, f32(SW), f32(LW), NUM)
    assert r32.temperature_k.dtype == jnp.float32
    assert bool(r32.converged)
    np.testing.assert_allclose(np.asarray(r32.temperature_k), np.asarray(r64.temperature_k), rtol=2e-5)
    assert float(r32.heat_rejected_w) == pytest.approx(float(r64.heat_rejected_w), rel=2e-3)


BAD = [
    (dict(thickness_m=0.0), COOL, NUM, "thickness_m"),
    (dict(thickness_m=-1e-3), COOL, NUM, "thickness_m"),
    (dict(conductivity_w_m_k=-5.0), COOL, NUM, "conductivity_w_m_k"),
    (dict(conductivity_w_m_k=float("nan")), COOL, NUM, "conductivity_w_m_k"),
    (dict(emissivity=jnp.array([0.0, 0.8])), COOL, NUM, "emissivity"),
    (dict(emissivity=jnp.array([1.2, 0.8])), COOL, NUM, "emissivity"),
    (dict(absorptivity=jnp.array([0.2, float("inf")])), COOL, NUM, "absorptivity"),
    (dict(), Coolant(mass_flow_kg_s=0.0, specific_heat_j_kg_k=3600.0, inlet_temperature_k=335.0), NUM,
     "mass_flow_kg_s"),
    (dict(), Coolant(mass_flow_kg_s=1e-3, specific_heat_j_kg_k=3600.0, inlet_temperature_k=335.0,
                     arrangement="zigzag"), NUM, "arrangement"),
    (dict(tube_pitch_m=0.04), COOL, NUM, "tube_pitch_m"),  # pitch < 2 dy: grid too coarse for the pitch
    (dict(tube_pitch_m=0.3), COOL, NUM, "tube_pitch_m"),  # tubes outside the panel
    (dict(thickness_m=jnp.ones((3, 3)) * 1e-3), COOL, NUM, "thickness_m"),
    (dict(), COOL, Numerics(nx=1, ny=16), "numerics.nx"),
]


@pytest.mark.parametrize("kw,flow,num,key", BAD)
def test_bad_inputs_raise_before_compiling(kw, flow, num, key, monkeypatch):
    def boom(*a, **k):
        raise AssertionError("compiled/ran the solver on bad input")

    monkeypatch.setattr(radiator, "_steady_impl", boom)
    with pytest.raises(ValueError, match=key.replace("(", r"\(")):
        solve_steady(make_panel(**kw), flow, SW, LW, num)


def test_bad_loads_raise():
    with pytest.raises(ValueError, match="shortwave_w_m2"):
        solve_steady(make_panel(), COOL, jnp.array([-1.0, 0.0]), LW, NUM)
    with pytest.raises(ValueError, match="longwave_w_m2"):
        solve_steady(make_panel(), COOL, SW, jnp.array([1.0, 2.0, 3.0]), NUM)
    with pytest.raises(ValueError, match="base_temperature_k"):
        radiator.solve_fin(make_panel(), -3.0, SW, LW, Numerics(nx=10, ny=1))
