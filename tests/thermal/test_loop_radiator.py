"""Chips + loop coupled to the FD radiator panel solver (thermal.radiator) in one solve."""
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from thermal.chip import ChipModel, LayerSpec
from thermal.chip.floorplan import Block, Floorplan
from thermal.loop import LoopDesign, fd_panel_radiator, solve_loop
from thermal.loop.coldplate import ColdPlate
from thermal.loop.coolant import WATER

rad = pytest.importorskip("thermal.radiator")


def _small_loop():
    fp = Floorplan((Block("core", 0.006, 0.006, 0.0, 0.0),))
    m = ChipModel([LayerSpec("die", 5e-4, 150.0, 1.6e6, (0.003, 0.003, 0.009, 0.009)),
                   LayerSpec("lid", 2e-3, 390.0, 3.4e6, (0.0, 0.0, 0.012, 0.012))], fp, 6, 6)
    p = jax.tree_util.tree_map(lambda a: a[None], m.default_params())
    plate = ColdPlate(*[jnp.asarray(v) for v in (3e-4, 2e-3, 2e-4, 0.012, 0.012, 390.0)])
    design = LoopDesign(*[jnp.asarray(v) for v in (0.01, 300.0, 3e5, 0.5, 1.0, 0.01, 2.0, 2.0, 5e3)])
    num = rad.Numerics(nx=8, ny=6, rtol=1e-13, newton_krylov_rtol=1e-8, adjoint_rtol=1e-13)
    return m, p, plate, design, num



def _panel(thickness_m):
    """The 1 m x 0.3 m two-tube aluminium test panel, sheet ``thickness_m`` thick."""
    return rad.RadiatorPanel(length_m=1.0, width_m=0.3, thickness_m=thickness_m, conductivity_w_m_k=170.0,
                             emissivity=jnp.array([0.85, 0.85]), absorptivity=jnp.array([0.2, 0.2]),
                             tube_pitch_m=0.15, tube_conductance_w_m_k=120.0, n_tubes=2)

@pytest.mark.slow
def test_loop_with_fd_radiator():
    m, p, plate, design, num = _small_loop()
    panel = _panel(1e-3)
    sw, lw = jnp.array([0.0, 0.0]), jnp.array([0.0, 0.0])
    radiator = fd_panel_radiator(1, num)
    pw = jnp.array([[400.0]])

    def run(flow, check=True):
        d = eqx.tree_at(lambda x: x.mass_flow_kg_s, design, flow)
        return solve_loop(m, p, pw, plate, d, WATER, 1, 1, radiator=radiator, radiator_params=(panel, sw, lw),
                          check=check)

    s = run(jnp.asarray(0.01))
    assert bool(s.converged)
    q = 400.0 + float(s.hydraulic_power_w)
    np.testing.assert_allclose(float(s.heat_rejected_w), q, rtol=1e-8)
    # the radiator, fed the loop's return temperature, gives back the supply temperature
    cp = 4180.0
    direct = rad.solve_steady(panel, rad.Coolant(mass_flow_kg_s=0.005, specific_heat_j_kg_k=cp,
                                                 inlet_temperature_k=s.return_temperature_k), sw, lw, num)
    assert bool(direct.converged)
    np.testing.assert_allclose(float(direct.heat_rejected_w), q, rtol=2e-3)   # cp differs slightly


def test_closed_loop_tangents_match_central_differences():
    """The loop closed on an FD panel (one implicit rule for the supply temperature and the panel
    field, thermal.loop.coupled._closed_loop): forward-mode derivatives of the supply temperature, the
    rejected heat, the panel's mean temperature and the junction with respect to the flow, the
    panel thickness, the absorbed sunlight and the chip power match central differences.
    (Dropping the rule's shared d/dt_sup term from the panel field fails it.  Reverse mode
    through the rule is checked on the whole model: tests/studies/test_satellite.py.)"""
    m, p, plate, design, num = _small_loop()
    radiator = fd_panel_radiator(1, num)

    def run(x):
        flow, thick, sun, power = x
        panel = _panel(thick)
        d = eqx.tree_at(lambda q: q.mass_flow_kg_s, design, flow)
        s = solve_loop(m, p, power[None, None], plate, d, WATER, 1, 1, radiator=radiator,
                       radiator_params=(panel, jnp.stack([sun, 0.0]), jnp.array([0.0, 0.0])), check=False)
        return jnp.stack([s.supply_temperature_k, s.heat_rejected_w / 400.0,
                          jnp.mean(s.radiator_solution.temperature_k), s.overall_max_junction_k])

    x0 = jnp.array([0.01, 1e-3, 300.0, 400.0])
    # one compiled program: values and the four tangents (its values give the differences too)
    value_and_jac = jax.jit(lambda x: jax.vmap(lambda t: jax.jvp(run, (x,), (t,)))(jnp.eye(4)))
    f = lambda x: value_and_jac(x)[0][0]  # noqa: E731
    jac = np.asarray(value_and_jac(x0)[1]).T
    for j in range(4):
        h = 1e-5 * float(x0[j])
        e = jnp.zeros(4).at[j].set(h)
        fd = (np.asarray(f(x0 + e)) - np.asarray(f(x0 - e))) / (2 * h)
        np.testing.assert_allclose(jac[:, j], fd, rtol=2e-5, atol=1e-9 * np.abs(fd).max())


def test_radiator_guess_sweeps_are_one_loop(monkeypatch):
    """The supply-temperature guess sweeps the FD panel in a loop: the traced program holds the same
    number of panel solves for 2 sweeps as for 20 (unrolled, each sweep added a whole Newton-Krylov
    panel solve to the program, and compile time with it)."""
    from jax.extend import core as jcore

    import thermal.loop.coupled as loop

    m, p, plate, design, num = _small_loop()
    panel = _panel(1e-3)
    params = (panel, jnp.zeros(2), jnp.zeros(2))

    def panel_solves(jaxpr):
        n = 0
        for e in jaxpr.eqns:
            n += e.params.get("name") == "_steady_impl"
            for v in e.params.values():
                for q in (v if isinstance(v, (tuple, list)) else [v]):
                    if isinstance(q, (jcore.ClosedJaxpr, jcore.Jaxpr)):
                        n += panel_solves(getattr(q, "jaxpr", q))
        return n

    counts = []
    for sweeps in (2, 20):
        monkeypatch.setattr(loop, "RADIATOR_GUESS_SWEEPS", sweeps)
        jaxpr = jax.make_jaxpr(lambda pw: solve_loop(m, p, pw, plate, design, WATER, 1, 1,
                                                     radiator=fd_panel_radiator(1, num), radiator_params=params,
                                                     check=False).supply_temperature_k)(jnp.array([[400.0]]))
        counts.append(panel_solves(jaxpr.jaxpr))
    assert counts[0] == counts[1] > 0, counts
