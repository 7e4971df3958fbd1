"""Straight radiating fin: solver vs an independent solve_bvp reference, the linear
fin vs its cosh closed form (with observed order), 1-D vs 2-D agreement."""
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import solve_bvp

from orbit.constants import STEFAN_BOLTZMANN_W_M2_K4 as SIGMA
from thermal.radiator import Numerics, RadiatorPanel, solve_fin

L_M = 0.3
T_M = 2e-3
TB_K = 350.0
EPS = np.array([0.85, 0.7])


def fin_panel(nc_total, width_m=0.05):
    """Fin whose conduction-radiation parameter summed over both faces is nc_total."""
    k = np.sum(EPS) * SIGMA * TB_K**3 * L_M**2 / (nc_total * T_M)
    return RadiatorPanel(length_m=L_M, width_m=width_m, thickness_m=T_M, conductivity_w_m_k=k,
                         emissivity=jnp.asarray(EPS), absorptivity=jnp.array([0.3, 0.1]))


def bvp_efficiency(nc_total, theta_sink):
    """theta'' = Nc (theta^4 - theta_s^4), theta(0)=1, theta'(1)=0; eta = -theta'(0)/(Nc (1-theta_s^4))."""
    def rhs(x, y):
        return np.vstack([y[1], nc_total * (y[0] ** 4 - theta_sink**4)])

    def bc(ya, yb):
        return np.array([ya[0] - 1.0, yb[1]])

    x = np.linspace(0.0, 1.0, 2001)
    y0 = np.vstack([np.ones_like(x), np.zeros_like(x)])
    sol = solve_bvp(rhs, bc, x, y0, tol=1e-10, max_nodes=200000)
    assert sol.success
    return -sol.sol(0.0)[1] / (nc_total * (1.0 - theta_sink**4)), sol


NUM_1D = Numerics(nx=400, ny=1)


@pytest.mark.parametrize("nc_face", [0.01, 0.1, 1.0, 10.0, 100.0])
@pytest.mark.parametrize("t_sink_k", [0.0, 220.0])
def test_fin_efficiency_vs_solve_bvp(nc_face, t_sink_k):
    nc_total = 2.0 * nc_face  # N_c per face (mean emissivity) times two faces
    panel = fin_panel(nc_total)
    # a sink temperature T_s means each face absorbs eps sigma T_s^4 of longwave
    lw = jnp.full((2,), SIGMA * t_sink_k**4)
    r = solve_fin(panel, TB_K, jnp.zeros(2), lw, NUM_1D)
    assert bool(r.converged)
    eta_ref, sol = bvp_efficiency(nc_total, t_sink_k / TB_K)
    tol = 1e-4 if nc_face <= 1.0 else 2e-3  # O(dx^2 / delta^2) with the boundary layer delta at large N_c
    assert abs(float(r.fin_efficiency) - eta_ref) <= tol * eta_ref
    # the whole profile, too
    x = (np.arange(NUM_1D.nx) + 0.5) / NUM_1D.nx
    theta = np.asarray(r.temperature_k[0]) / TB_K
    assert np.max(np.abs(theta - sol.sol(x)[0])) < 5 * tol
    # heat in through the base equals net rejection
    assert abs(float(r.energy_residual_w)) <= 1e-8 * float(r.heat_rejected_w) + 1e-12


def test_fin_2d_equals_1d():
    # the 1-D run reuses the compiled NUM_1D solve of the sweep above
    panel = fin_panel(2.0)
    r1 = solve_fin(panel, TB_K, jnp.zeros(2), jnp.zeros(2), NUM_1D)
    r2 = solve_fin(panel, TB_K, jnp.zeros(2), jnp.zeros(2), Numerics(nx=NUM_1D.nx, ny=4))
    np.testing.assert_allclose(np.asarray(r2.temperature_k), np.broadcast_to(r1.temperature_k, (4, NUM_1D.nx)),
                               rtol=1e-11)
    np.testing.assert_allclose(float(r2.fin_efficiency), float(r1.fin_efficiency), rtol=1e-11)


def test_linear_fin_cosh_closed_form_second_order():
    """Radiation linearised about T0: theta = theta_b cosh(m (L-x)) / cosh(m L)."""
    t_lin = 300.0
    panel = fin_panel(3.0)
    k = float(panel.conductivity_w_m_k)
    sw = jnp.array([400.0, 0.0])
    lw = jnp.array([100.0, 200.0])
    absorbed = float(np.sum(np.asarray(panel.absorptivity) * np.asarray(sw) + EPS * np.asarray(lw)))
    esum = float(np.sum(EPS))
    h = 4.0 * esum * SIGMA * t_lin**3
    # eps sigma (T0^4 + 4 T0^3 (T - T0)) summed = absorbed  ->  T_inf
    t_inf = t_lin + (absorbed - esum * SIGMA * t_lin**4) / h
    m = np.sqrt(h / (k * T_M))
    errs, eta_errs = [], []
    for nx in (20, 40, 80):
        num = Numerics(nx=nx, ny=1, radiation_linearized_about_k=t_lin)
        r = solve_fin(panel, TB_K, sw, lw, num)
        x = (np.arange(nx) + 0.5) * L_M / nx
        exact = t_inf + (TB_K - t_inf) * np.cosh(m * (L_M - x)) / np.cosh(m * L_M)
        errs.append(np.max(np.abs(np.asarray(r.temperature_k[0]) - exact)))
        q_exact = k * T_M * m * (TB_K - t_inf) * np.tanh(m * L_M) * float(panel.width_m)
        eta_errs.append(abs(float(r.heat_input_w) - q_exact) / q_exact)
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(orders > 1.85) and np.all(orders < 2.2), orders
    assert eta_errs[-1] < 1e-3 and eta_errs[0] / eta_errs[-1] > 12.0
