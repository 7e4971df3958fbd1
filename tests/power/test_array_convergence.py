"""The array temperature solve reports convergence in the common form (orbit.solvers.Convergence),
consistent with ArrayThermal's own fields, per element of a batch; a solve cut short is reported."""
import jax.numpy as jnp
import numpy as np

from orbit.solvers import Convergence
from power import ArrayDesign, IncidentFlux, array_temperature, get_cell

CELL = get_cell("spectrolab_xtj")


def _env(n=None):
    s = jnp.asarray(1361.0) if n is None else jnp.linspace(400.0, 1361.0, n)
    return (IncidentFlux(s, jnp.zeros_like(s) + 20.0, jnp.zeros_like(s) + 10.0),
            IncidentFlux(jnp.zeros_like(s), jnp.zeros_like(s) + 120.0, jnp.zeros_like(s) + 150.0))


def _design():
    return ArrayDesign(area_m2=jnp.asarray(50.0), coverglass_thickness_m=jnp.asarray(100e-6))


def test_array_record_matches_its_fields_batched():
    th = array_temperature(CELL, _design(), *_env(5), 1e15)
    assert isinstance(th.convergence, Convergence) and th.convergence.converged.shape == (5,)
    np.testing.assert_array_equal(th.convergence.converged, th.converged)
    np.testing.assert_allclose(th.convergence.residual, np.abs(th.residual_w_m2), rtol=0, atol=1e-9)
    assert bool(np.all(th.converged))
    np.testing.assert_array_equal(th.convergence.iterations, 40)


def test_array_record_reports_a_solve_cut_short():
    th = array_temperature(CELL, _design(), *_env(), 1e15, n_newton=1)
    assert not bool(th.convergence.converged) and not bool(th.converged)
    assert int(th.convergence.iterations) == 1 and float(th.convergence.residual) > 1.0
