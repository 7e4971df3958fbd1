"""orbit.solvers: the shared implicit-solve wrappers against closed forms, their implicit derivatives
against analytic ones and central differences, and their convergence reporting."""
import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx
import pytest
from scipy.optimize import brentq

from orbit.solvers import Convergence, fixed_point, implicit_root, max_norm, root_find


def _cd(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


# ----------------------------------------------------------------------------- root_find


def _cube_root(a, solver=None, max_steps=50):
    solver = solver or optx.Newton(rtol=1e-12, atol=1e-12)
    return root_find(lambda y, p: y**3 - p, jnp.asarray(1.0), a, solver=solver, max_steps=max_steps)


def test_root_find_newton_closed_form_and_record():
    y, conv = _cube_root(jnp.asarray(5.0))
    assert float(y) == pytest.approx(5.0 ** (1 / 3), rel=1e-14)
    assert bool(conv.converged) and 1 < int(conv.iterations) < 50
    # the residual of the last iterate Newton tested, within its atol
    assert 0.0 <= float(conv.residual) < 1e-12


def test_root_find_implicit_derivative_matches_closed_form_and_cd():
    a = 5.0
    exact = 1.0 / (3.0 * a ** (2 / 3))
    g = jax.grad(lambda p: _cube_root(p)[0])(jnp.asarray(a))
    fwd = jax.jvp(lambda p: _cube_root(p)[0], (jnp.asarray(a),), (jnp.asarray(1.0),))[1]
    cd = _cd(lambda p: float(_cube_root(jnp.asarray(p))[0]), a, 1e-5)
    assert float(g) == pytest.approx(exact, rel=1e-12)
    assert float(fwd) == pytest.approx(exact, rel=1e-12)
    assert float(g) == pytest.approx(cd, rel=1e-8)


def test_root_find_bisection_and_aux():
    def fn(y, p):
        return jnp.tanh(y) - p, 2.0 * y

    y, aux, conv = root_find(fn, jnp.asarray(0.0), jnp.asarray(0.3), solver=optx.Bisection(rtol=1e-13, atol=1e-13),
                             options=dict(lower=jnp.asarray(-2.0), upper=jnp.asarray(2.0)), max_steps=200,
                             has_aux=True)
    assert float(y) == pytest.approx(np.arctanh(0.3), abs=1e-12)
    assert bool(conv.converged) and float(conv.residual) < 1e-12
    assert float(aux) == pytest.approx(2.0 * float(y), abs=1e-11)   # aux of the last iterate


def test_root_find_reports_running_out_of_steps():
    y, conv = _cube_root(jnp.asarray(5.0), max_steps=2)
    assert not bool(conv.converged)
    assert int(conv.iterations) == 2
    assert float(conv.residual) > 1e-3          # far from the root after two Newton steps from 1


# ----------------------------------------------------------------------------- implicit_root


def _newton_solve(max_steps):
    def solve(f, x0):
        def body(_, x):
            val, slope = jax.jvp(f, (x,), (jnp.ones_like(x),))
            return x - val / slope

        x = jax.lax.fori_loop(0, max_steps, body, x0)
        res = jnp.abs(f(x))
        return x, Convergence(res <= 1e-12, res, max_steps)
    return solve


def _implicit_cube_root(a, max_steps=40):
    return implicit_root(lambda y: y**3 - a, jnp.ones_like(a), _newton_solve(max_steps),
                         lambda g, b: b / g(jnp.ones_like(b)))


def test_implicit_root_value_derivatives_and_batching():
    a = jnp.array([2.0, 5.0, 27.0])
    y, conv = _implicit_cube_root(a)
    np.testing.assert_allclose(y, np.cbrt(np.asarray(a)), rtol=1e-14)
    assert conv.converged.shape == (3,) and bool(jnp.all(conv.converged))
    exact = 1.0 / (3.0 * np.asarray(a) ** (2 / 3))
    jac = jax.jacfwd(lambda p: _implicit_cube_root(p)[0])(a)
    np.testing.assert_allclose(np.diag(jac), exact, rtol=1e-12)
    np.testing.assert_allclose(jac - np.diag(np.diag(jac)), 0.0, atol=0.0)
    g = jax.grad(lambda p: jnp.sum(_implicit_cube_root(p)[0]))(a)
    np.testing.assert_allclose(g, exact, rtol=1e-12)
    cd = _cd(lambda p: float(_implicit_cube_root(jnp.asarray(p))[0]), 5.0, 1e-5)
    assert float(g[1]) == pytest.approx(cd, rel=1e-8)


def test_implicit_root_with_aux_and_a_krylov_style_tangent_solve():
    """A 2-unknown system with a dense tangent solve (and its transpose for reverse mode)."""
    def residual_of(p):
        return lambda x: jnp.array([x[0] ** 2 + x[1] - p[0], x[0] - x[1] ** 3 - p[1]])

    def solve(f, x0):
        def body(_, x):
            return x - jnp.linalg.solve(jax.jacfwd(f)(x), f(x))
        x = jax.lax.fori_loop(0, 30, body, x0)
        r = max_norm(f(x))
        return x, Convergence(r < 1e-13, r, 30), jnp.asarray(7.0)

    def dense(mv, b):
        return jnp.linalg.solve(jax.jacfwd(mv)(jnp.zeros_like(b)), b)

    def run(p):
        return implicit_root(residual_of(p), jnp.array([1.0, 0.5]), solve, dense, has_aux=True)

    p = jnp.array([3.0, 0.2])
    x, conv, aux = run(p)
    assert bool(conv.converged) and float(aux) == 7.0
    np.testing.assert_allclose(residual_of(p)(x), 0.0, atol=1e-13)
    jac = jax.jacfwd(lambda q: run(q)[0])(p)
    jrev = jax.jacrev(lambda q: run(q)[0])(p)
    cd = np.stack([_cd(lambda h: np.asarray(run(p + h * e)[0]), 0.0, 1e-6) for e in np.eye(2)], axis=1)
    np.testing.assert_allclose(jac, cd, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(jrev, jac, rtol=1e-12, atol=1e-14)


def test_implicit_root_reports_running_out_of_steps():
    y, conv = _implicit_cube_root(jnp.asarray(27.0), max_steps=3)
    assert not bool(conv.converged)
    assert int(conv.iterations) == 3 and float(conv.residual) > 1.0


# ----------------------------------------------------------------------------- fixed_point


def _dottie(a, max_steps=200):
    return fixed_point(lambda y, p: p * jnp.cos(y), jnp.asarray(0.0), a,
                       solver=optx.FixedPointIteration(rtol=1e-13, atol=1e-13), max_steps=max_steps)


def test_fixed_point_value_derivative_and_record():
    y, conv = _dottie(jnp.asarray(1.0))
    ref = brentq(lambda t: t - np.cos(t), 0.0, 1.0, xtol=1e-15)
    assert float(y) == pytest.approx(ref, rel=1e-12)
    assert bool(conv.converged) and float(conv.residual) < 1e-12 and int(conv.iterations) > 10
    # y = a cos y: dy/da = cos y / (1 + a sin y)
    exact = np.cos(ref) / (1.0 + np.sin(ref))
    g = jax.grad(lambda a: _dottie(a)[0])(jnp.asarray(1.0))
    assert float(g) == pytest.approx(exact, rel=1e-10)
    cd = _cd(lambda a: float(_dottie(jnp.asarray(a))[0]), 1.0, 1e-5)
    assert float(g) == pytest.approx(cd, rel=1e-7)


def test_fixed_point_reports_running_out_of_steps():
    y, conv = _dottie(jnp.asarray(1.0), max_steps=5)
    assert not bool(conv.converged)
    assert int(conv.iterations) == 5 and float(conv.residual) > 1e-4


# ----------------------------------------------------------------------------- the record


def test_convergence_reduce_and_float_round_trip():
    c = Convergence(jnp.array([True, True, False]), jnp.array([1e-3, 2e-2, 5e-4]), jnp.array([3, 4, 5]))
    r = c.reduce()
    assert not bool(r.converged) and float(r.residual) == 2e-2 and int(r.iterations) == 12
    assert bool(Convergence(jnp.array([True, True]), jnp.zeros(2), jnp.ones(2, int)).reduce().converged)
    back = Convergence.from_floats(c.as_floats(jnp.float64))
    np.testing.assert_array_equal(back.converged, c.converged)
    np.testing.assert_array_equal(back.residual, c.residual)
    np.testing.assert_array_equal(back.iterations, c.iterations)
