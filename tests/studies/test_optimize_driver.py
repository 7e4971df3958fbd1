"""The one optimiser driver (studies.analysis.optimize) on problems with known optima (closed-form KKT points)."""
import io

import numpy as np
import pytest

from studies.analysis.optimize import HostProblem, kkt_check, minimize


def _circle_problem():
    """min x0 + x1 s.t. 1 - x0^2 - x1^2 >= 0, bounds [-2, 2]: optimum -(1, 1)/sqrt 2, lambda = 1/sqrt 2."""
    def both(x):
        v = np.array([x[0] + x[1], 1.0 - x[0] ** 2 - x[1] ** 2, 1.0])
        j = np.array([[1.0, 1.0], [-2 * x[0], -2 * x[1]], [0.0, 0.0]])
        return v, j
    return HostProblem(["x0", "x1"], np.array([0.3, 0.2]), -2 * np.ones(2), 2 * np.ones(2), ["inside unit circle"],
                       both)


@pytest.mark.parametrize("method", ["SLSQP", "trust-constr", "trust-constr+SLSQP"])
def test_known_optimum_and_multiplier(method):
    p = _circle_problem()
    stream = io.StringIO()
    res, history = minimize(p, method=method, maxiter=200, ftol=1e-12, stream=stream)
    np.testing.assert_allclose(res.x, [-2**-0.5, -2**-0.5], atol=1e-4)
    chk = kkt_check(p, res.x)
    assert chk["feasible"] and chk["active"] == ["inside unit circle"]
    assert chk["multipliers"]["inside unit circle"] == pytest.approx(2**-0.5, rel=1e-3)
    assert chk["kkt_residual"] < 1e-3
    assert "objective" in stream.getvalue() and len(history) >= 2


def test_active_bound_reported():
    def both(x):
        return np.array([(x[0] + 1.0) ** 2, 2.0 - x[0], 1.0]), np.array([[2 * (x[0] + 1.0)], [-1.0], [0.0]])
    p = HostProblem(["a"], np.array([0.5]), np.array([0.2]), np.array([1.0]), ["cap"], both)
    res, _ = minimize(p, "SLSQP", stream=io.StringIO())
    chk = kkt_check(p, res.x)
    assert res.x[0] == pytest.approx(0.2, abs=1e-8)
    assert chk["active_bounds"] == ["a at lower bound"] and chk["active"] == []


def test_kkt_check_detects_infeasible_point():
    chk = kkt_check(_circle_problem(), np.array([1.5, 1.5]))
    assert not chk["feasible"] and "inside unit circle" in chk["violations"]


def test_bad_method():
    with pytest.raises(ValueError, match="method"):
        minimize(_circle_problem(), method="nelder", stream=io.StringIO())
