"""GPU runs agree with the CPU (marked ``gpu``: skipped where no GPU is present).

Run on a GPU machine with ``pytest -m gpu``.  The radiator panel and the accelerator
chip stack are solved on the GPU and on the CPU in float64; fields must agree to solver
tolerance.
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from thermal import accelerator_package
from thermal.radiator import Coolant, Numerics, RadiatorPanel, solve_steady

pytestmark = pytest.mark.gpu


def _devices():
    return jax.devices("cpu")[0], jax.devices("gpu")[0]


def test_radiator_panel_gpu_matches_cpu():
    panel = RadiatorPanel(length_m=2.0, width_m=0.8, thickness_m=1.0e-3, conductivity_w_m_k=180.0,
                          emissivity=jnp.array([0.9, 0.9]), absorptivity=jnp.array([0.15, 0.15]),
                          tube_pitch_m=0.2, tube_conductance_w_m_k=150.0, n_tubes=4)
    cool = Coolant(mass_flow_kg_s=0.02, specific_heat_j_kg_k=4180.0, inlet_temperature_k=340.0)
    sw, lw = jnp.array([60.0, 60.0]), jnp.array([150.0, 150.0])
    out = []
    for dev in _devices():
        with jax.default_device(dev):
            r = solve_steady(panel, cool, sw, lw, Numerics(nx=128, ny=64))
            assert bool(r.converged)
            out.append((np.asarray(r.temperature_k), float(r.heat_rejected_w)))
    np.testing.assert_allclose(out[1][0], out[0][0], atol=1e-6)
    assert out[1][1] == pytest.approx(out[0][1], rel=1e-9)


def test_chip_stack_gpu_matches_cpu():
    out = []
    for dev in _devices():
        with jax.default_device(dev):
            model, power = accelerator_package("h100-sxm", nx=64, ny=48)
            sol = model.steady(model.default_params(), power)
            assert bool(sol.converged)
            out.append(np.asarray(sol.temperature_k))
    np.testing.assert_allclose(out[1], out[0], atol=1e-6)
