"""Implicit-function-theorem gradients (one adjoint solve per output) vs central
finite differences, float64, for every continuous design input the issue lists."""
import jax
import jax.numpy as jnp
import numpy as np

from thermal.radiator import Coolant, Numerics, RadiatorPanel, solve_steady

NUM = Numerics(nx=12, ny=10, rtol=1e-14, newton_krylov_rtol=1e-8, adjoint_rtol=1e-14)
SW = jnp.array([380.0, 30.0])
LW = jnp.array([200.0, 50.0])
NAMES = ["thickness", "conductivity", "eps_A", "eps_B", "alpha_A", "alpha_B", "pitch", "mdot", "T_in"]
P0 = np.array([1.0e-3, 170.0, 0.86, 0.78, 0.22, 0.3, 0.13, 6e-3, 330.0])


def outputs(p):
    panel = RadiatorPanel(length_m=1.0, width_m=0.3, thickness_m=p[0], conductivity_w_m_k=p[1],
                          emissivity=p[2:4], absorptivity=p[4:6], tube_pitch_m=p[6],
                          tube_conductance_w_m_k=120.0, n_tubes=2)
    cool = Coolant(mass_flow_kg_s=p[7], specific_heat_j_kg_k=3500.0, inlet_temperature_k=p[8])
    r = solve_steady(panel, cool, SW, LW, NUM)
    return jnp.stack([r.heat_rejected_w, r.outlet_temperature_k, r.max_temperature_k]), r.converged


def test_gradients_match_central_differences():
    # two compiles: the forward map (also used for every FD evaluation) and its jacrev
    fo = jax.jit(outputs)
    f = lambda p: fo(p)[0]  # noqa: E731
    y0, ok = fo(jnp.asarray(P0))
    assert bool(ok)
    jac = np.asarray(jax.jit(jax.jacrev(lambda p: outputs(p)[0]))(jnp.asarray(P0)))  # 3 adjoint solves
    fd = np.zeros_like(jac)
    for i in range(P0.size):
        h = 1e-5 * abs(P0[i])
        pp, pm = P0.copy(), P0.copy()
        pp[i] += h
        pm[i] -= h
        fd[:, i] = (np.asarray(f(jnp.asarray(pp))) - np.asarray(f(jnp.asarray(pm)))) / (2 * h)
    # relative 1e-6, with a floor for entries that are tiny compared to their row
    # (scaled by the input magnitude so rows mix units fairly)
    scale = np.abs(fd) * np.abs(P0)[None, :]
    floor = 1e-9 * scale.max(axis=1, keepdims=True)
    err = np.abs(jac - fd) * np.abs(P0)[None, :]
    bad = err > 1e-6 * scale + floor
    assert not bad.any(), [(r, NAMES[c], jac[r, c], fd[r, c]) for r, c in zip(*np.nonzero(bad))]
    # sanity: signs a radiator engineer expects
    assert jac[0, 8] > 0  # hotter inlet -> more heat rejected
    assert jac[0, 4] < 0  # more solar absorptivity -> less net rejection
    assert jac[1, 7] > 0  # more flow -> warmer outlet
    assert jac[2, 0] > 0 or jac[2, 0] < 0  # defined
