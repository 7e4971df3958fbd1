"""Manufactured solution for the full nonlinear 2-D operator: variable thickness,
k(T), two-sided radiation with absorbed loads, and a pumped tube whose line source
puts a kink in T.  Observed order of accuracy ~2 for the sheet field and the outlet."""
import jax
import jax.numpy as jnp
import numpy as np

from orbit.constants import STEFAN_BOLTZMANN_W_M2_K4 as SIGMA
from thermal.radiator import Coolant, Numerics, RadiatorPanel, solve_steady

L, W = 1.0, 0.4
T0_M, K0, K1 = 1.5e-3, 150.0, 0.2
Q0_W_M, CM_W_K, H_W_MK, T_IN = 150.0, 40.0, 60.0, 320.0
EPS = np.array([0.85, 0.75])
ALPHA = np.array([0.25, 0.15])
SW = np.array([300.0, 50.0])
LW = np.array([150.0, 120.0])
C_K = 3.0


def thick(x, y):
    return T0_M * (1 + 0.25 * jnp.cos(jnp.pi * x / L)) * (1 + 0.2 * jnp.cos(2 * jnp.pi * y / W))


def kcond(T):
    return K0 + K1 * (T - 300.0)


def qline(x):
    return Q0_W_M * jnp.sin(jnp.pi * x / L) ** 2


def t_fluid(x):
    return T_IN - Q0_W_M / CM_W_K * (x / 2 - L / (4 * jnp.pi) * jnp.sin(2 * jnp.pi * x / L))


def t_line(x):
    return t_fluid(x) - qline(x) / H_W_MK


def t_exact(x, y):
    ts = t_line(x)
    B = -qline(x) / (2 * kcond(ts) * thick(x, W / 2))  # slope jump k t [T_y] = -q'
    phi = (W / jnp.pi) * jnp.sin(jnp.pi * jnp.abs(y - W / 2) / W)
    return ts + B * phi + C_K * jnp.cos(jnp.pi * x / L) * (1 + jnp.cos(2 * jnp.pi * y / W))


def source(x, y):
    """q_src = -div(k t grad T) + sum eps sigma T^4 - absorbed (away from the tube line)."""
    def flux(x, y):
        T = t_exact(x, y)
        kt = kcond(T) * thick(x, y)
        return kt * jax.grad(t_exact, 0)(x, y), kt * jax.grad(t_exact, 1)(x, y)

    div = jax.grad(lambda x: flux(x, y)[0])(x) + jax.grad(lambda y: flux(x, y)[1])(y)
    T = t_exact(x, y)
    return -div + np.sum(EPS) * SIGMA * T**4 - float(np.sum(ALPHA * SW + EPS * LW))


_source_points = jax.jit(jax.vmap(source))
_exact_points = jax.jit(jax.vmap(t_exact))
GRIDS = [(16, 8), (32, 16), (64, 32)]


def _grid(nx, ny):
    xc = (jnp.arange(nx) + 0.5) * L / nx
    yc = (jnp.arange(ny) + 0.5) * W / ny
    return jnp.meshgrid(xc, yc)


def _on_all_grids(fn):
    """Evaluate a pointwise function on every grid of GRIDS with ONE compiled call."""
    pts = [_grid(nx, ny) for nx, ny in GRIDS]
    vals = fn(jnp.concatenate([X.ravel() for X, _ in pts]), jnp.concatenate([Y.ravel() for _, Y in pts]))
    out, i = [], 0
    for nx, ny in GRIDS:
        out.append(vals[i:i + nx * ny].reshape(ny, nx))
        i += nx * ny
    return out


def run(nx, ny, q_src, t_ex):
    num = Numerics(nx=nx, ny=ny, rtol=1e-12)
    X, Y = _grid(nx, ny)
    panel = RadiatorPanel(length_m=L, width_m=W, thickness_m=thick(X, Y), conductivity_w_m_k=K0,
                          conductivity_slope_w_m_k2=K1, emissivity=jnp.asarray(EPS),
                          absorptivity=jnp.asarray(ALPHA), tube_pitch_m=0.1, tube_conductance_w_m_k=H_W_MK,
                          heat_source_w_m2=q_src, n_tubes=1)
    cool = Coolant(mass_flow_kg_s=CM_W_K / 4000.0, specific_heat_j_kg_k=4000.0, inlet_temperature_k=T_IN)
    r = solve_steady(panel, cool, jnp.asarray(SW), jnp.asarray(LW), num)
    assert bool(r.converged)
    err_field = float(jnp.max(jnp.abs(r.temperature_k - t_ex)))
    err_out = abs(float(r.outlet_temperature_k - t_fluid(L)))
    return err_field, err_out, r


def test_manufactured_solution_second_order():
    sources = _on_all_grids(_source_points)
    exacts = _on_all_grids(_exact_points)
    results = [run(nx, ny, q, te) for (nx, ny), q, te in zip(GRIDS, sources, exacts)]
    ef = np.array([e[0] for e in results])
    eo = np.array([e[1] for e in results])
    of = np.log2(ef[:-1] / ef[1:])
    oo = np.log2(eo[:-1] / eo[1:])
    assert np.all(of > 1.8) and np.all(of < 2.3), (ef, of)
    assert np.all(oo > 1.7) and np.all(oo < 2.5), (eo, oo)
    # discrete energy balance holds exactly on every grid
    for _, _, r in results:
        assert abs(float(r.energy_residual_w)) < 1e-8 * float(jnp.sum(r.emitted_face_w))
