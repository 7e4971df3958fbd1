"""Chips + loop coupled to the FD radiator panel solver (thermal.radiator) in one solve."""
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from thermal.chip import ChipModel, LayerSpec
from thermal.coldplate import ColdPlate
from thermal.coolant import WATER
from thermal.floorplan import Block, Floorplan
from thermal.loop import LoopDesign, fd_panel_radiator, solve_loop

rad = pytest.importorskip("thermal.radiator")


@pytest.mark.slow
def test_loop_with_fd_radiator():
    fp = Floorplan((Block("core", 0.006, 0.006, 0.0, 0.0),))
    m = ChipModel([LayerSpec("die", 5e-4, 150.0, 1.6e6, (0.003, 0.003, 0.009, 0.009)),
                   LayerSpec("lid", 2e-3, 390.0, 3.4e6, (0.0, 0.0, 0.012, 0.012))], fp, 6, 6)
    p = jax.tree_util.tree_map(lambda a: a[None], m.default_params())
    plate = ColdPlate(*[jnp.asarray(v) for v in (3e-4, 2e-3, 2e-4, 0.012, 0.012, 390.0)])
    design = LoopDesign(*[jnp.asarray(v) for v in (0.01, 300.0, 3e5, 0.5, 1.0, 0.01, 2.0, 2.0, 5e3)])
    panel = rad.RadiatorPanel(length_m=1.0, width_m=0.3, thickness_m=1e-3, conductivity_w_m_k=170.0,
                              emissivity=jnp.array([0.85, 0.85]), absorptivity=jnp.array([0.2, 0.2]),
                              tube_pitch_m=0.15, tube_conductance_w_m_k=120.0, n_tubes=2)
    num = rad.Numerics(nx=8, ny=6, rtol=1e-13, newton_krylov_rtol=1e-8, adjoint_rtol=1e-13)
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
