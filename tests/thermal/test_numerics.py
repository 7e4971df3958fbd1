"""thermal.numerics: Krylov and tridiagonal solves against numpy/scipy, periodic shooting against a
closed-form periodic state, implicit derivatives against analytic ones and central differences, and
convergence reporting when the iteration caps are too small."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.linalg import solve_banded

from thermal.numerics.krylov import cg, gmres, linear_solve
from thermal.numerics.periodic import DenseNewton, NewtonKrylov, periodic_state
from thermal.numerics.tridiagonal import thomas_factor, thomas_solve

RNG = np.random.default_rng(7)
N = 40


def _nonsymmetric(n=N):
    a = RNG.standard_normal((n, n)) / np.sqrt(n)
    return a + 4.0 * np.eye(n)


def _spd(n=N):
    a = RNG.standard_normal((n, n))
    return a @ a.T / n + np.eye(n)


# ----------------------------------------------------------------------------- Krylov


def test_gmres_matches_numpy_with_restarts_and_preconditioner():
    a = _nonsymmetric()
    b = RNG.standard_normal(N)
    A = jnp.asarray(a)
    dinv = 1.0 / jnp.diag(A)
    x, conv = gmres(lambda v: A @ v, jnp.asarray(b), lambda r: dinv * r, jnp.zeros(N), rtol=1e-12, atol=0.0,
                    restart=8, max_iters=400)
    ref = np.linalg.solve(a, b)
    np.testing.assert_allclose(x, ref, rtol=1e-10, atol=1e-12)
    assert bool(conv.converged) and 8 < int(conv.iterations) < 400
    true_res = np.linalg.norm(b - a @ np.asarray(x))
    assert float(conv.residual) <= 1e-12 * np.linalg.norm(b)
    assert true_res == pytest.approx(float(conv.residual), rel=1e-2, abs=1e-13)


def test_cg_matches_numpy():
    a = _spd()
    b = RNG.standard_normal(N)
    A = jnp.asarray(a)
    x, conv = cg(lambda v: A @ v, jnp.asarray(b), lambda r: r, jnp.zeros(N), 1e-12, 500)
    np.testing.assert_allclose(x, np.linalg.solve(a, b), rtol=1e-9, atol=1e-11)
    assert bool(conv.converged) and float(conv.residual) <= 1e-12
    rel = np.linalg.norm(b - a @ np.asarray(x)) / np.linalg.norm(b)
    assert rel == pytest.approx(float(conv.residual), rel=1e-2, abs=1e-14)


def test_krylov_solvers_report_running_out_of_iterations():
    a, b = _nonsymmetric(), RNG.standard_normal(N)
    A = jnp.asarray(a)
    _, g = gmres(lambda v: A @ v, jnp.asarray(b), lambda r: r, jnp.zeros(N), rtol=1e-12, atol=0.0, restart=5,
                 max_iters=3)
    assert not bool(g.converged) and int(g.iterations) == 3 and float(g.residual) > 1e-3
    S = jnp.asarray(_spd())
    _, c = cg(lambda v: S @ v, jnp.asarray(b), lambda r: r, jnp.zeros(N), 1e-12, 2)
    assert not bool(c.converged) and int(c.iterations) == 2 and float(c.residual) > 1e-3


def test_linear_solve_is_differentiated_implicitly():
    """d/dp of x = A(p)^-1 b(p): forward and reverse mode against the closed form
    dx = A^-1 (db - dA x) and central differences; the symmetric and warm-started forms."""
    a0, a1 = _spd(8), _spd(8)
    b0, b1 = RNG.standard_normal(8), RNG.standard_normal(8)

    def solve(p, warm=False):
        A = jnp.asarray(a0) + p * jnp.asarray(a1)
        b = jnp.asarray(b0) + p * jnp.asarray(b1)
        cold = lambda mv, r: cg(mv, r, lambda v: v, jnp.zeros_like(r), 1e-14, 200)  # noqa: E731
        if not warm:
            return linear_solve(lambda v: A @ v, b, cold, symmetric=True)[0]
        x0 = jnp.asarray(np.linalg.solve(a0, b0))
        warm_solve = lambda mv, r: cg(mv, r, lambda v: v, x0, 1e-14, 200)  # noqa: E731
        return linear_solve(lambda v: A @ v, b, warm_solve, transpose_solve=cold)[0]

    p = 0.3
    A, b = a0 + p * a1, b0 + p * b1
    x = np.linalg.solve(A, b)
    exact = np.linalg.solve(A, b1 - a1 @ x)
    for warm in (False, True):
        fwd = jax.jacfwd(lambda q: solve(q, warm))(jnp.asarray(p))
        rev = jax.jacrev(lambda q: solve(q, warm))(jnp.asarray(p))
        np.testing.assert_allclose(fwd, exact, rtol=1e-9)
        np.testing.assert_allclose(rev, exact, rtol=1e-9)
    cd = (np.asarray(solve(jnp.asarray(p + 1e-6))) - np.asarray(solve(jnp.asarray(p - 1e-6)))) / 2e-6
    np.testing.assert_allclose(exact, cd, rtol=1e-6)


# ----------------------------------------------------------------------------- tridiagonal


def test_thomas_matches_scipy_banded_batched():
    n, batch = 17, 5
    sub = RNG.uniform(-1, 1, (n, batch))
    sup = RNG.uniform(-1, 1, (n, batch))
    diag = 3.0 + RNG.uniform(0, 1, (n, batch))
    rhs = RNG.standard_normal((n, batch))
    x = thomas_solve(thomas_factor(jnp.asarray(sub), jnp.asarray(diag), jnp.asarray(sup)), jnp.asarray(rhs))
    for k in range(batch):
        ab = np.zeros((3, n))
        ab[0, 1:] = sup[:-1, k]
        ab[1] = diag[:, k]
        ab[2, :-1] = sub[1:, k]
        np.testing.assert_allclose(x[:, k], solve_banded((1, 1), ab, rhs[:, k]), rtol=1e-13, atol=1e-14)


def test_thomas_ignores_the_unused_corners():
    n = 6
    sub, diag, sup = (RNG.uniform(-1, 1, n), 4.0 + RNG.uniform(0, 1, n), RNG.uniform(-1, 1, n))
    rhs = RNG.standard_normal(n)
    x = thomas_solve(thomas_factor(jnp.asarray(sub), jnp.asarray(diag), jnp.asarray(sup)), jnp.asarray(rhs))
    sub2, sup2 = sub.copy(), sup.copy()
    sub2[0], sup2[-1] = 1e3, -1e3
    x2 = thomas_solve(thomas_factor(jnp.asarray(sub2), jnp.asarray(diag), jnp.asarray(sup2)), jnp.asarray(rhs))
    np.testing.assert_array_equal(x, x2)


# ----------------------------------------------------------------------------- periodic shooting

OMEGA = 2.0 * np.pi      # period 1 s
K = np.array([0.5, 2.0, 7.0])


def _orbit_map(y0, p):
    """One period of y' = -k (y - s0 - s1 sin(w t)) per component, exactly (matrix exponential of the
    forced system with the forcing as extra states)."""
    s0, s1 = p

    def one(k, y):
        m = jnp.array([[-k, k * s1, 0.0, k * s0],
                       [0.0, 0.0, OMEGA, 0.0],
                       [0.0, -OMEGA, 0.0, 0.0],
                       [0.0, 0.0, 0.0, 0.0]])
        return (jax.scipy.linalg.expm(m) @ jnp.array([y, 0.0, 1.0, 1.0]))[0]

    return jax.vmap(one)(jnp.asarray(K), y0)


def _exact(s0, s1):
    return s0 - s1 * K * OMEGA / (K**2 + OMEGA**2)


METHODS = {
    "dense": DenseNewton(rtol=1e-12, atol=1e-12, max_steps=20),
    "krylov": lambda: NewtonKrylov(tol=jnp.asarray(1e-11), adjoint_rtol=1e-13, restart=10),
}


@pytest.mark.parametrize("name", sorted(METHODS))
def test_periodic_state_matches_the_closed_form(name):
    method = METHODS[name]() if callable(METHODS[name]) else METHODS[name]
    p = (jnp.asarray(300.0), jnp.asarray(20.0))
    y, conv = periodic_state(_orbit_map, jnp.full(3, 280.0), p, method=method)
    np.testing.assert_allclose(y, _exact(300.0, 20.0), rtol=1e-12)
    assert bool(conv.converged) and 1 <= int(conv.iterations) <= 3
    # the closed form checks the orbit map too
    np.testing.assert_allclose(_orbit_map(jnp.asarray(_exact(300.0, 20.0)), p), _exact(300.0, 20.0), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_periodic_state_derivatives(name):
    """dy*/ds1 = -k w / (k^2 + w^2) and dy*/ds0 = 1, by forward and reverse mode."""
    method = METHODS[name]() if callable(METHODS[name]) else METHODS[name]

    def state(s):
        return periodic_state(_orbit_map, jnp.full(3, 280.0), (s[0], s[1]), method=method)[0]

    s = jnp.array([300.0, 20.0])
    exact = np.stack([np.ones(3), -K * OMEGA / (K**2 + OMEGA**2)], axis=1)
    np.testing.assert_allclose(jax.jacfwd(state)(s), exact, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(jax.jacrev(state)(s), exact, rtol=1e-9, atol=1e-12)
    cd = (np.asarray(state(s + jnp.array([0.0, 1e-3]))) - np.asarray(state(s - jnp.array([0.0, 1e-3])))) / 2e-3
    np.testing.assert_allclose(exact[:, 1], cd, rtol=1e-6)


def _nonlinear_map(y0, p):
    """A cooling plate over one period: y' = q(t) - e y^4, 400 explicit midpoint steps (a map, not an
    exact solution: the two methods must agree on its fixed point)."""
    e, q0 = p
    h = 1.0 / 400

    def f(t, y):
        return q0 * (1.0 + 0.5 * jnp.sin(OMEGA * t)) - e * y**4

    def step(y, i):
        t = i * h
        return y + h * f(t + 0.5 * h, y + 0.5 * h * f(t, y)), None

    return jax.lax.scan(step, y0, jnp.arange(400))[0]


def test_periodic_methods_agree_on_a_nonlinear_map_and_report_caps():
    p = (jnp.asarray(1e-8), jnp.array([50.0, 80.0]))
    dense, cd = periodic_state(_nonlinear_map, jnp.full(2, 200.0), p,
                               method=DenseNewton(rtol=1e-12, atol=1e-10, max_steps=30))
    kry, ck = periodic_state(_nonlinear_map, jnp.full(2, 200.0), p,
                             method=NewtonKrylov(tol=jnp.asarray(1e-10), adjoint_rtol=1e-13, restart=4))
    assert bool(cd.converged) and bool(ck.converged)
    np.testing.assert_allclose(dense, kry, rtol=1e-11)
    np.testing.assert_allclose(_nonlinear_map(dense, p), dense, rtol=1e-12)
    gd = jax.grad(lambda e: jnp.sum(periodic_state(_nonlinear_map, jnp.full(2, 200.0), (e, p[1]),
                                                   method=DenseNewton(1e-12, 1e-10, 30))[0]))(p[0])
    fd = (np.sum(periodic_state(_nonlinear_map, jnp.full(2, 200.0), (p[0] * (1 + 1e-6), p[1]),
                                method=DenseNewton(1e-12, 1e-10, 30))[0])
          - np.sum(periodic_state(_nonlinear_map, jnp.full(2, 200.0), (p[0] * (1 - 1e-6), p[1]),
                                  method=DenseNewton(1e-12, 1e-10, 30))[0])) / (2e-6 * float(p[0]))
    assert float(gd) == pytest.approx(float(fd), rel=1e-6)
    # caps too small: reported, not raised
    _, c1 = periodic_state(_nonlinear_map, jnp.full(2, 200.0), p, method=DenseNewton(1e-12, 1e-10, 1))
    _, c2 = periodic_state(_nonlinear_map, jnp.full(2, 200.0), p,
                           method=NewtonKrylov(tol=jnp.asarray(1e-10), adjoint_rtol=1e-13, restart=4, max_steps=1))
    for c in (c1, c2):
        assert not bool(c.converged) and int(c.iterations) == 1 and float(c.residual) > 1e-3
