"""Every thermal solver result carries the common convergence record (orbit.solvers.Convergence),
consistent with the result's own fields, and reports a solve cut short as not converged."""
import jax
import jax.numpy as jnp
import numpy as np

from orbit.solvers import Convergence
from thermal.chip import ChipModel, LayerSpec
from thermal.chip.floorplan import Block, Floorplan
from thermal.loop import LoopDesign, isothermal_sink_radiator, solve_loop
from thermal.loop import freeze_protection as fp
from thermal.loop import transient as lt
from thermal.loop.coldplate import ColdPlate
from thermal.loop.coolant import WATER
from thermal.radiator import Coolant, Numerics, RadiatorPanel, solve_periodic, solve_steady, solve_transient

from test_loop_transient import _params as _loop_params

SW = jnp.array([350.0, 40.0])
LW = jnp.array([180.0, 60.0])
PANEL = RadiatorPanel(length_m=1.0, width_m=0.4, thickness_m=1e-3, conductivity_w_m_k=180.0,
                      emissivity=jnp.array([0.88, 0.8]), absorptivity=jnp.array([0.2, 0.25]), tube_pitch_m=0.2,
                      tube_conductance_w_m_k=150.0, n_tubes=2)
COOL = Coolant(mass_flow_kg_s=8e-3, specific_heat_j_kg_k=3600.0, inlet_temperature_k=335.0)
NUM = Numerics(nx=12, ny=8)


def _same(conv: Convergence, converged, residual, iterations):
    assert isinstance(conv, Convergence)
    np.testing.assert_array_equal(conv.converged, converged)
    np.testing.assert_array_equal(conv.residual, residual)
    np.testing.assert_array_equal(conv.iterations, iterations)


def test_radiator_steady_record_and_a_cut_short_newton():
    r = solve_steady(PANEL, COOL, SW, LW, NUM)
    _same(r.convergence, r.converged, r.relative_residual, r.newton_iterations)
    assert bool(r.converged) and float(r.relative_residual) <= 1e-10
    cut = solve_steady(PANEL, COOL, SW, LW, Numerics(nx=12, ny=8, max_newton=1))
    assert not bool(cut.convergence.converged) and int(cut.convergence.iterations) == 1
    assert float(cut.convergence.residual) > 1e-10


def test_radiator_transient_and_periodic_records():
    sw = jnp.stack([SW, 0.5 * SW, 0.2 * SW, 0.6 * SW])
    lw = jnp.stack([LW] * 4)
    tr = solve_transient(PANEL, COOL, sw, lw, 300.0, 320.0, NUM)
    assert bool(tr.convergence.converged) == bool(tr.converged) is True
    assert int(tr.convergence.iterations) == int(tr.newton_iterations) > 0
    assert float(tr.convergence.residual) <= 1e-10
    per = solve_periodic(PANEL, COOL, sw, lw, 1200.0, NUM)
    assert bool(per.convergence.converged) == bool(per.converged) is True
    assert 1 <= int(per.convergence.iterations) <= 20
    # the shooting residual ||T(P) - T(0)||_2 over the cells bounds the rms periodicity error
    assert float(per.periodicity_error_k) <= float(per.convergence.residual) / np.sqrt(12 * 8) + 1e-9


def _chip(k_exponent=0.0):
    die = (0.002, 0.002, 0.008, 0.008)
    fpl = Floorplan((Block("core", 0.004, 0.004, 0.001, 0.001),))
    layers = [LayerSpec("die", 5e-4, 150.0, 1.6e6, die, conductivity_exponent=k_exponent),
              LayerSpec("lid", 2e-3, 390.0, 3.4e6, (0.0, 0.0, 0.01, 0.01))]
    return ChipModel(layers, fpl, 8, 8)


def test_chip_records_linear_and_kt():
    for n in (0.0, 1.4):
        m = _chip(n)
        p = m.default_params()
        s = m.steady(p, jnp.array([40.0]))
        _same(s.convergence, s.converged, s.residual, s.iterations)
        assert bool(s.converged)
    m = _chip()
    cut = m.steady(m.default_params(), jnp.array([40.0]), maxiter=1)
    assert not bool(cut.convergence.converged) and int(cut.convergence.iterations) == 1
    tr = m.transient(m.default_params(), jnp.full((3, 1), 40.0), 1e-3)
    _same(tr.convergence, tr.converged, tr.residual, tr.convergence.iterations)
    assert bool(tr.converged) and int(tr.convergence.iterations) > 3


def test_loop_records():
    m = _chip()
    p = jax.tree_util.tree_map(lambda a: jnp.stack([a] * 2), m.default_params())
    plate = ColdPlate(*[jnp.asarray(v) for v in (3e-4, 2e-3, 2e-4, 0.01, 0.01, 390.0)])
    design = LoopDesign(*[jnp.asarray(v) for v in (0.02, 300.0, 3e5, 0.5, 2.0, 0.01, 5.0, 2.0, 1e4)])
    sol = solve_loop(m, p, jnp.array([[40.0], [30.0]]), plate, design, WATER, 2, 1,
                     radiator=isothermal_sink_radiator, radiator_params=(jnp.asarray(20.0), jnp.asarray(280.0)))
    assert bool(sol.convergence.converged) and int(sol.convergence.iterations) >= 1
    assert float(sol.convergence.residual) <= 1e-10
    assert sol.chip_convergence.converged.shape == (2,)
    assert bool(sol.converged) == bool(sol.convergence.converged & jnp.all(sol.chip_convergence.converged))
    np.testing.assert_array_equal(jnp.max(sol.chip_convergence.residual), sol.chip_residual)


def test_lumped_loop_records():
    p = _loop_params(fin_efficiency=1.0, coolant_heat_w=500.0)
    loads = lt.constant_loads([50.0, 50.0], [80.0, 80.0], 5676.0)
    sched = lt.PowerSchedule(jnp.asarray(300.0))
    num = lt.LoopNumerics(n_segments=4, steps_per_orbit=48)
    per = lt.periodic_loop(p, loads, sched, num, n_save=13)
    _same(per.convergence, per.converged, per.convergence.residual, per.newton_steps)
    assert bool(per.converged) and float(per.convergence.residual) <= 1e-6
    heat = fp.heater_power_needed_w(p, loads, lt.PowerSchedule(jnp.asarray(0.0)), 285.0, num)
    assert bool(heat.convergence.converged) == bool(heat.converged) is True
    assert int(heat.convergence.iterations) >= 1
    byp = fp.bypass_fraction_needed(p, loads, lt.PowerSchedule(jnp.asarray(0.0)), 290.0, num)
    assert bool(byp.convergence.converged) == bool(byp.converged) is True
