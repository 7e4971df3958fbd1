"""Temperature-dependent conductivity k(T) in the package solver (thermal.chip).

References: the 1-D Kirchhoff-transform closed form (order of accuracy), an independent
Newton-Krylov solve of the same nonlinear discretisation (scipy), central finite
differences of the implicit-adjoint gradients, the nonlinear steady state as the
long-time limit of the transient, and the silicon table the exponent was fitted to.
"""
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.optimize as so

from thermal.chip import (SILICON_CONDUCTIVITY_EXPONENT, SILICON_CONDUCTIVITY_TABLE_W_M_K, ChipModel,
                          LayerSpec)
from thermal.chip.accelerators import accelerator_package
from thermal.chip.floorplan import Block, Floorplan

N_SI = SILICON_CONDUCTIVITY_EXPONENT


def test_silicon_exponent_against_table():
    """The power law passes through the 300 K and 400 K table values and stays within
    1.5 % at 200 K; at 600 K (outside the stated 250-450 K range) it is 9-10 % low."""
    k300 = dict(SILICON_CONDUCTIVITY_TABLE_W_M_K)[300.0]
    law = lambda t: k300 * (t / 300.0) ** (-N_SI)  # noqa: E731
    table = dict(SILICON_CONDUCTIVITY_TABLE_W_M_K)
    assert math.isclose(law(400.0), table[400.0], rel_tol=1e-12)
    assert abs(law(200.0) / table[200.0] - 1) < 0.015
    assert -0.10 < law(600.0) / table[600.0] - 1 < -0.08


def _stack_1d(nsub, exponent=N_SI):
    a = 0.01
    layers = [LayerSpec("die", 0.8e-3, 148.0, 1.66e6, n_sublayers=nsub, conductivity_exponent=exponent),
              LayerSpec("tim", 0.2e-3, 4.0, 2e6, n_sublayers=max(1, nsub // 4)),
              LayerSpec("cu", 2e-3, 400.0, 3.4e6, n_sublayers=max(1, nsub // 2))]
    return ChipModel(layers, Floorplan((Block("all", a, a, 0.0, 0.0),)), 3, 3, domain_m=(a, a))


def _kirchhoff_1d(ztop_m, q_w_m2, htc, t_cool, n=N_SI, k0=148.0, t0=300.0):
    """Closed form: flux q enters the die at depth ztop and crosses tim, copper and the film.

    Silicon with k = k0 (T/t0)^-n: Phi(T) = k0 t0 (T/t0)^(1-n) / (1-n) is linear in depth.
    """
    t = t_cool + q_w_m2 / htc + q_w_m2 * 2e-3 / 400.0 + q_w_m2 * 0.2e-3 / 4.0
    phi = lambda x: k0 * t0 / (1 - n) * (x / t0) ** (1 - n)  # noqa: E731
    # Phi is increasing in T (dPhi/dT = k > 0): Phi(T_top) = Phi(T_die_bottom) + q L
    f = phi(t) + q_w_m2 * (0.8e-3 - ztop_m)
    return t0 * (f * (1 - n) / (k0 * t0)) ** (1 / (1 - n))


def test_one_dimensional_closed_form_second_order():
    """Junction temperature vs the Kirchhoff closed form at the junction cell centre:
    second-order convergence through the thickness, and the k(T) effect is resolved."""
    p_w, htc, tc = 100.0, 5e4, 330.0
    q = p_w / 1e-4
    errs = []
    for nsub in (2, 4, 8):
        m = _stack_1d(nsub)
        p = m.default_params(bottom_htc_w_m2_k=htc, coolant_temperature_k=tc)
        s = m.steady(p, jnp.array([p_w]))
        assert bool(s.converged)
        assert abs(float(s.heat_out_w) - p_w) < 1e-8 * p_w
        exact = _kirchhoff_1d(0.8e-3 / nsub / 2, q, htc, tc)
        errs.append(abs(float(s.max_junction_k) - exact))
    orders = [math.log2(errs[i] / errs[i + 1]) for i in range(2)]
    assert all(1.9 < o < 2.1 for o in orders), (errs, orders)
    assert errs[-1] < 1e-3
    # the same stack with constant k is > 1 K cooler: the test resolves k(T)
    m0 = _stack_1d(8, exponent=0.0)
    s0 = m0.steady(m0.default_params(bottom_htc_w_m2_k=htc, coolant_temperature_k=tc), jnp.array([p_w]))
    assert float(s.max_junction_k) - float(s0.max_junction_k) > 1.0


@pytest.fixture(scope="module")
def b200():
    m, bp = accelerator_package("b200", nx=24, ny=18, n_sublayers=(2, 1, 1, 1, 1), silicon_k_of_t=True)
    p = m.default_params(bottom_htc_w_m2_k=2e4, coolant_temperature_k=330.0)
    return m, p, jnp.asarray(bp)


def test_matches_newton_krylov_of_the_same_discretisation(b200):
    """Picard + PCG equals scipy's Newton-Krylov root of A(k(T)) T = b(k(T)) on the preset."""
    m, p, bp = b200
    s = m.steady(p, bp)
    assert bool(s.converged) and float(s.residual) < 1e-9
    assert abs(float(s.heat_out_w - s.heat_in_w)) < 1e-8 * float(s.heat_in_w)

    shape = (m.nz, m.ny, m.nx)

    def residual(t_flat):
        t = t_flat.reshape(shape)
        kf = np.asarray(m.conductivity_factor(jnp.asarray(t)))
        a, gb, gt = m.assemble_sparse(p, kf)
        return a @ t_flat - m.sparse_rhs(p, np.asarray(bp), gb, gt)

    t0 = np.full(m.nz * m.ny * m.nx, 330.0)
    ref = so.newton_krylov(residual, t0, f_tol=1e-9, method="lgmres")
    assert np.max(np.abs(np.asarray(s.temperature_k).ravel() - ref)) < 1e-6
    # k(T) matters here: the die runs hotter than with k fixed at 300 K
    mc, _ = accelerator_package("b200", nx=24, ny=18, n_sublayers=(2, 1, 1, 1, 1))
    sc = mc.steady(mc.default_params(bottom_htc_w_m2_k=2e4, coolant_temperature_k=330.0), bp)
    assert float(s.max_junction_k) - float(sc.max_junction_k) > 0.3


def test_gradients_vs_central_differences(b200):
    """Implicit-adjoint gradients of the max junction temperature through the Picard fixed point:
    TIM1 k, silicon k(300 K), die thickness, htc, coolant temperature."""
    m, p, bp = b200
    zeros = jnp.zeros((m.nz, m.ny, m.nx))

    def f(x):
        q = eqx.tree_at(lambda p: (p.conductivity_w_m_k, p.bottom_htc_w_m2_k, p.coolant_temperature_k,
                                   p.thickness_m), p,
                        (p.conductivity_w_m_k.at[1].set(x[0]).at[0].set(x[1]), x[3], x[4],
                         p.thickness_m.at[0].set(x[2])))
        return m._steady(q, bp, zeros, None, 2000, 5.0).max_junction_k

    x0 = jnp.array([81.8, 148.0, 775e-6, 2e4, 330.0])
    g = np.asarray(jax.grad(f)(x0))
    for i in range(5):
        h = 1e-5 * float(abs(x0[i]))
        e = jnp.zeros(5).at[i].set(h)
        fd = float(f(x0 + e) - f(x0 - e)) / (2 * h)
        np.testing.assert_allclose(g[i], fd, rtol=1e-6, err_msg=f"component {i}")
    # silicon conductivity falls with temperature: dTj/dTcoolant > 1
    assert g[4] > 1.005


def test_float32_and_vmap(b200):
    m, p, bp = b200
    s64 = m.steady(p, bp)
    p32 = jax.tree.map(lambda v: v.astype(jnp.float32), p)
    s32 = m.steady(p32, bp.astype(jnp.float32))
    assert s32.temperature_k.dtype == jnp.float32 and bool(s32.converged)
    np.testing.assert_allclose(float(s32.max_junction_k), float(s64.max_junction_k), rtol=2e-5)
    hs = jnp.array([1e4, 4e4])
    ps = jax.vmap(lambda h: eqx.tree_at(lambda q: q.bottom_htc_w_m2_k, p, h))(hs)
    zeros = jnp.zeros((m.nz, m.ny, m.nx))
    sv = jax.vmap(lambda q: m._steady(q, bp, zeros, None, 2000, 5.0))(ps)
    for i, h in enumerate(hs):
        one = m.steady(eqx.tree_at(lambda q: q.bottom_htc_w_m2_k, p, h), bp)
        np.testing.assert_allclose(float(sv.max_junction_k[i]), float(one.max_junction_k), rtol=1e-10)


def test_transient_second_order_and_steady_limit(b200):
    """Linearly implicit BDF2 (k at the extrapolated temperature): step-halving differences
    fall by ~4, and a long run reaches the nonlinear steady state."""
    m, p, bp = b200
    ends = []
    for n in (8, 16, 32):
        tr = m.transient(p, jnp.tile(bp, (n, 1)), 0.5 / n)
        assert bool(tr.converged)
        ends.append(float(tr.max_junction_k[-1]))
    ratio = (ends[1] - ends[0]) / (ends[2] - ends[1])
    assert 3.5 < ratio < 4.7, (ends, ratio)
    long = m.transient(p, jnp.tile(bp, (200, 1)), 0.5)
    s = m.steady(p, bp)
    assert float(jnp.max(jnp.abs(long.temperature_k - s.temperature_k))) < 1e-8


def test_bad_exponent_rejected():
    fp = Floorplan((Block("a", 0.01, 0.01, 0.0, 0.0),))
    with pytest.raises(ValueError, match="conductivity_exponent"):
        ChipModel([LayerSpec("die", 1e-3, 148.0, 1.6e6, conductivity_exponent=9.0)], fp, 3, 3,
                  domain_m=(0.01, 0.01))
    with pytest.raises(ValueError, match="reference_temperature_k"):
        ChipModel([LayerSpec("die", 1e-3, 148.0, 1.6e6, reference_temperature_k=0.0)], fp, 3, 3,
                  domain_m=(0.01, 0.01))


def test_non_convergence_is_flagged(b200):
    """An unreachable tolerance ends the Picard loop at its step cap: the solution says so."""
    m, p, bp = b200
    s = m._steady(p, bp, jnp.zeros((m.nz, m.ny, m.nx)), 1e-18, 5, 5.0)
    assert not bool(s.converged)
    assert int(s.iterations) == 100


def test_forward_mode_matches_reverse_mode(b200):
    """Tangents (jvp, the optimiser's forward-mode Jacobian) through the k(T) steady state equal the
    reverse-mode gradient: both are one preconditioned GMRES solve with dR/dtheta or its transpose."""
    m, p, bp = b200
    zeros = jnp.zeros((m.nz, m.ny, m.nx))

    def f(x):
        q = eqx.tree_at(lambda p: (p.bottom_htc_w_m2_k, p.coolant_temperature_k, p.conductivity_w_m_k), p,
                        (x[0], x[1], p.conductivity_w_m_k.at[1].set(x[2])))
        s = m._steady(q, bp * x[3], zeros, None, 2000, 5.0)
        return s.ks_junction_k

    x0 = jnp.array([2e4, 330.0, 81.8, 1.0])
    g = np.asarray(jax.grad(f)(x0))
    jac = np.asarray(jax.vmap(lambda t: jax.jvp(f, (x0,), (t,))[1])(jnp.eye(4)))
    np.testing.assert_allclose(jac, g, rtol=1e-8)


def test_unconverged_tangent_solve_is_nan(b200):
    """A tangent solve that cannot reach its tolerance returns NaN, not a rough derivative.  A zero
    tolerance is unreachable (the preconditioner is so close to exact on this stack that 1e-19
    is still met), so GMRES runs to its step cap."""
    m, p, bp = b200
    zeros = jnp.zeros((m.nz, m.ny, m.nx))
    f = lambda h: m._steady(eqx.tree_at(lambda q: q.bottom_htc_w_m2_k, p, h), bp, zeros, 0.0, 5,  # noqa: E731
                            5.0).max_junction_k
    assert np.isnan(float(jax.jvp(f, (jnp.asarray(2e4),), (jnp.asarray(1.0),))[1]))
    ok = lambda h: m._steady(eqx.tree_at(lambda q: q.bottom_htc_w_m2_k, p, h), bp, zeros, None, 2000,  # noqa: E731
                             5.0).max_junction_k
    assert np.isfinite(float(jax.jvp(ok, (jnp.asarray(2e4),), (jnp.asarray(1.0),))[1]))
