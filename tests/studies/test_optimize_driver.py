"""Optimiser driver on problems with known optima (closed-form KKT points)."""
import io

import jax.numpy as jnp
import numpy as np
import pytest

from studies.optimize import Problem, ks_max, post_check, run_optimizer


def _circle_problem():
    # min x0 + x1  s.t.  1 - x0^2 - x1^2 >= 0:  optimum (-1/sqrt2, -1/sqrt2), lambda = 1/sqrt2.
    return Problem(
        names=["x0", "x1"], x0=np.array([0.3, 0.2]), lower=np.array([-2.0, -2.0]), upper=np.array([2.0, 2.0]),
        objective=lambda x: x[0] + x[1], constraints=lambda x: jnp.array([1.0 - x[0] ** 2 - x[1] ** 2]),
        constraint_names=["inside unit circle"],
    )


@pytest.mark.parametrize("method", ["SLSQP", "trust-constr"])
def test_known_optimum_and_multiplier(method):
    p = _circle_problem()
    stream = io.StringIO()
    res = run_optimizer(p, method=method, maxiter=200, stream=stream)
    np.testing.assert_allclose(res.x, [-2**-0.5, -2**-0.5], atol=1e-5)
    chk = post_check(p, res.x)
    assert chk.feasible and chk.active == ["inside unit circle"]
    assert chk.multipliers["inside unit circle"] == pytest.approx(2**-0.5, rel=1e-4)
    assert chk.kkt_residual < 1e-4
    assert "objective" in stream.getvalue() and len(res.history) >= 2


def test_active_bound_reported():
    p = Problem(names=["a"], x0=np.array([0.5]), lower=np.array([0.2]), upper=np.array([1.0]),
                objective=lambda x: (x[0] + 1.0) ** 2, constraints=lambda x: jnp.array([2.0 - x[0]]),
                constraint_names=["cap"])
    res = run_optimizer(p, stream=io.StringIO())
    chk = post_check(p, res.x)
    assert res.x[0] == pytest.approx(0.2, abs=1e-8)
    assert chk.active_bounds == ["a at lower bound"] and chk.active == []


def test_post_check_detects_infeasible_point():
    p = _circle_problem()
    chk = post_check(p, np.array([1.5, 1.5]))
    assert not chk.feasible and "inside unit circle" in chk.violations


def test_ks_bounds_the_max():
    v = jnp.array([1.0, 3.0, 2.5, 2.9])
    ks = float(ks_max(v, rho=50.0))
    assert 3.0 <= ks <= 3.0 + np.log(4) / 50.0


def test_bad_method():
    with pytest.raises(ValueError, match="method"):
        run_optimizer(_circle_problem(), method="nelder")
