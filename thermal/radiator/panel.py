"""Radiator-panel finite-difference solver: steady and transient, coolant tubes,
implicit gradients.

Model
-----
A rectangular conducting sheet (length L along x, the tube direction; width W
along y) of thickness t (uniform or a cell field) and conductivity k (constant or
k(T) = k0 + k1 (T - 300 K)), two faces (A = index 0, B = index 1) each with its
own emissivity eps_f and absorptivity alpha_f:

    rho c_p t dT/dt = div(k t grad T) + sum_f [alpha_f S_f + eps_f L_f - eps_f sigma T^4]
                      + q_source + (tube line sources)

S_f, L_f are the INCIDENT shortwave (solar + albedo) and longwave (Earth IR)
fluxes on face f [W/m^2] (see ``thermal.environment.heat_loads``); the sheet radiates to
deep space (0 K).  Edges are insulated.  Heat enters through

* pumped tubes (:class:`Coolant`): N lines y_k = W/2 + (k - (N-1)/2) p along x,
  with mdot c_p dT_f/dx = -q'(x), q' = h' (T_f - T_sheet) per unit length,
  arranged 'parallel', 'counterflow' (alternate directions, common inlet) or
  'serpentine' (one circuit, tube k's outlet feeds tube k+1); the fluid is
  quasi-steady (its heat capacity is neglected in transients);
* heat pipes (:class:`HeatPipes`): isothermal lines at a given temperature, or
  at the common temperature that carries a given total heat;
* a fin base (:func:`solve_fin`): the x = 0 edge held at a fixed temperature.

Numerics
--------
Cell-centred conservative finite differences (second order; see
:mod:`thermal.radiator.operators`), coolant recurrence eliminated exactly per tube by
an associative scan.  Steady: damped Newton with matrix-free Jacobian-vector
products (``jax.linearize``) and right-preconditioned GMRES (:mod:`thermal.numerics.krylov`); the preconditioner
is the exact inverse, by 2-D DCT, of the constant-coefficient Neumann operator
-<k t> Laplacian + <dF/dT>, so the cost per Krylov iteration is O(N log N) and the
iteration count is nearly independent of the grid.  GMRES rather than CG because
the coolant coupling makes the Jacobian nonsymmetric.  Gradients: implicit
function theorem via :func:`orbit.solvers.implicit_root` (``jax.lax.custom_root`` +
``jax.lax.custom_linear_solve``: one adjoint GMRES solve with the transposed Jacobian per
reverse pass).  Transient: BDF2 with a backward-Euler first step, one Newton solve per step
(differentiable through the steps, each step implicit), and an orbit-periodic
option solved by Newton-Krylov shooting on T(0) = T(P)
(:func:`thermal.numerics.periodic.periodic_state`).

References
----------
- Gilmore, D. G. (ed.), *Spacecraft Thermal Control Handbook*, Vol. I, 2nd ed.
  (2002), ch. 6 (radiators, fin efficiency).
- Karlekar, B. V. & Chao, B. T. (1963), "Mass minimization of radiating
  trapezoidal fins with negligible base cylinder interaction", Int. J. Heat Mass
  Transfer 6, 33-48 (conduction-radiation parameter of radiating fins).
- Kelley, C. T. (2003), *Solving Nonlinear Equations with Newton's Method*, SIAM
  (Newton-Krylov, backtracking).
- Hairer, E. & Wanner, G. (1996), *Solving ODEs II*, Springer (BDF2, A-stability).
"""
from __future__ import annotations

import math
from typing import Optional

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from orbit.constants import STEFAN_BOLTZMANN_W_M2_K4 as SIGMA
from orbit.solvers import Convergence, implicit_root
from orbit.validation import check_finite, check_positive, check_range, is_concrete

from ..numerics.krylov import gmres
from ..numerics.periodic import NewtonKrylov, periodic_state
from . import operators as core
from .preconditioners import line_preconditioner, poisson_dct_inverse

ARRANGEMENTS = ("parallel", "counterflow", "serpentine")
PRECONDITIONERS = ("line", "dct")

__all__ = [
    "RadiatorPanel",
    "Coolant",
    "HeatPipes",
    "Numerics",
    "RadiatorResult",
    "TransientResult",
    "solve_steady",
    "solve_fin",
    "solve_transient",
    "solve_periodic",
    "cell_centres_m",
    "tube_positions_m",
    "ARRANGEMENTS",
]


# ----------------------------------------------------------------------------- data


class RadiatorPanel(eqx.Module):
    """Radiator panel design (a pytree; every array leaf is a differentiable input).

    Parameters
    ----------
    length_m : panel length along the tubes [m], > 0.
    width_m : panel width across the tubes [m], > 0.
    thickness_m : sheet thickness [m], > 0; scalar or a cell field broadcastable to
        (ny, nx) (e.g. (nx,) for a taper along the tubes); see
        :mod:`thermal.radiator.thickness` for zone maps and minimum-mass design.
    conductivity_w_m_k : sheet conductivity k0 at 300 K [W/(m K)], > 0.
    emissivity : infrared emissivity of faces A and B, shape (2,), each in (0, 1].
    absorptivity : solar absorptivity of faces A and B, shape (2,), each in [0, 1].
    tube_pitch_m : centre-to-centre tube spacing [m] (tubes centred on the width).
    tube_conductance_w_m_k : tube-to-sheet conductance per unit tube length
        [W/(m K)], > 0 (bond + wall + film).
    conductivity_slope_w_m_k2 : dk/dT [W/(m K^2)]; k(T) = k0 + slope (T - 300 K).
    density_kg_m3, specific_heat_j_kg_k : sheet rho [kg/m^3], c_p [J/(kg K)]
        (transients only).
    heat_source_w_m2 : internal heat source per planform area [W/m^2], scalar or
        a field broadcastable to (ny, nx) (e.g. equipment mounted on the panel).
    n_tubes : number of tubes / heat pipes (static), >= 0.
    """

    length_m: jax.Array
    width_m: jax.Array
    thickness_m: jax.Array
    conductivity_w_m_k: jax.Array
    emissivity: jax.Array
    absorptivity: jax.Array
    tube_pitch_m: jax.Array = 0.1
    tube_conductance_w_m_k: jax.Array = 200.0
    conductivity_slope_w_m_k2: jax.Array = 0.0
    density_kg_m3: jax.Array = 2700.0
    specific_heat_j_kg_k: jax.Array = 900.0
    heat_source_w_m2: jax.Array = 0.0
    n_tubes: int = eqx.field(static=True, default=0)


class Coolant(eqx.Module):
    """Pumped single-phase coolant in the panel tubes.

    Parameters
    ----------
    mass_flow_kg_s : mass flow per tube [kg/s], > 0 (the whole circuit's flow for
        'serpentine').
    specific_heat_j_kg_k : coolant c_p [J/(kg K)], > 0.
    inlet_temperature_k : inlet temperature [K], > 0 (scalar; a (n_t,) series in
        :func:`solve_transient`).
    arrangement : 'parallel' | 'counterflow' | 'serpentine' (static).
    """

    mass_flow_kg_s: jax.Array
    specific_heat_j_kg_k: jax.Array
    inlet_temperature_k: jax.Array
    arrangement: str = eqx.field(static=True, default="parallel")


class HeatPipes(eqx.Module):
    """Heat pipes as isothermal lines: give exactly one of ``temperature_k`` [K]
    (the vapour temperature) or ``total_heat_w`` [W] (the heat all pipes carry into
    the sheet together; their common temperature is then solved for)."""

    temperature_k: Optional[jax.Array] = None
    total_heat_w: Optional[jax.Array] = None


class Numerics(eqx.Module):
    """Grid and solver choices (all static: changing them recompiles).

    nx, ny : cells along the length and the width.
    rtol : Newton stop, ||F||_2 <= rtol sqrt(N) sigma sum(eps) T_ref^4
        (default 1e-10 in float64, 2e-5 in float32).
    max_newton : Newton iteration cap.
    newton_krylov_rtol : relative GMRES tolerance inside Newton (inexact Newton).
    adjoint_rtol : relative GMRES tolerance of tangent/adjoint solves
        (default 1e-12 float64, 1e-5 float32).
    krylov_restart, krylov_max_iters : GMRES(m) restart length and total cap per solve.
    radiation_linearized_about_k : if set, emission eps sigma (T0^4 + 4 T0^3 (T - T0))
        (the linear-fin validation mode).
    throw : raise (``equinox.error_if``) when the solve does not converge.
    periodic_rtol : shooting stop for :func:`solve_periodic`, on ||T(P) - T(0)||_rms / T_ref.
    preconditioner : 'line' (default: DCT/DST along x + tridiagonal solves along y of the
        x-averaged Jacobian, which sees the tube lines, k t(y) and the radiation/mass
        diagonal per row) or 'dct' (2-D DCT inverse of -<k t> Laplacian + <dF/dT>).
    """

    nx: int = eqx.field(static=True, default=64)
    ny: int = eqx.field(static=True, default=32)
    rtol: Optional[float] = eqx.field(static=True, default=None)
    max_newton: int = eqx.field(static=True, default=40)
    newton_krylov_rtol: float = eqx.field(static=True, default=1e-3)
    adjoint_rtol: Optional[float] = eqx.field(static=True, default=None)
    krylov_restart: int = eqx.field(static=True, default=30)
    krylov_max_iters: int = eqx.field(static=True, default=600)
    radiation_linearized_about_k: Optional[float] = eqx.field(static=True, default=None)
    throw: bool = eqx.field(static=True, default=False)
    periodic_rtol: Optional[float] = eqx.field(static=True, default=None)
    preconditioner: str = eqx.field(static=True, default="line")


class RadiatorResult(eqx.Module):
    """Steady solution and its diagnostics (powers in W over the whole panel).

    temperature_k : sheet temperature (ny, nx) [K] at the cell centres.
    coolant_temperature_k : fluid temperature on the nx+1 cell faces along each
        tube's flow direction (n_tubes, nx+1) [K] (heat-pipe temperature for pipes).
    tube_heat_w : heat each tube gives the sheet (n_tubes,) [W].
    outlet_temperature_k : panel coolant outlet (mixed for parallel/counterflow).
    heat_pipe_temperature_k : heat-pipe temperature (NaN for pumped tubes / fin).
    emitted_face_w, absorbed_face_w : per face (2,) [W].
    heat_rejected_face_w : emitted - absorbed per face (2,) [W].
    heat_rejected_w : total net rejection [W].
    heat_input_w : heat from tubes / heat pipes / fin base into the sheet [W].
    fin_efficiency : heat_rejected / (A sigma T_ref^4 sum eps - absorbed), T_ref the
        mean coolant (or heat-pipe, or base) temperature.
    energy_residual_w : heat_input + internal sources - heat_rejected [W].
    relative_residual : final ||F|| / (sqrt(N) sigma sum(eps) T_ref^4).
    converged, newton_iterations, krylov_iterations.
    convergence : the Newton solve's :class:`orbit.solvers.Convergence` (``converged``,
        ``residual`` = ``relative_residual``, ``iterations`` = ``newton_iterations``).
    """

    temperature_k: jax.Array
    coolant_temperature_k: jax.Array
    tube_heat_w: jax.Array
    outlet_temperature_k: jax.Array
    heat_pipe_temperature_k: jax.Array
    emitted_face_w: jax.Array
    absorbed_face_w: jax.Array
    heat_rejected_face_w: jax.Array
    heat_rejected_w: jax.Array
    heat_input_w: jax.Array
    fin_efficiency: jax.Array
    max_temperature_k: jax.Array
    min_temperature_k: jax.Array
    mean_temperature_k: jax.Array
    energy_residual_w: jax.Array
    relative_residual: jax.Array
    converged: jax.Array
    newton_iterations: jax.Array
    krylov_iterations: jax.Array
    convergence: Convergence


class TransientResult(eqx.Module):
    """Transient history (index n = state after step n, at t = (n+1) dt from the start).

    temperature_k : final field (ny, nx) [K]; ``fields_k`` (n_steps, ny, nx) when stored.
    mean/max/min_temperature_k, outlet_temperature_k, heat_rejected_w,
    heat_input_w : (n_steps,) histories.
    converged : all steps converged; newton_iterations, krylov_iterations : totals.
    periodicity_error_k : rms |T(P) - T(0)| for periodic solves (0 otherwise).
    convergence : :class:`orbit.solvers.Convergence` of the steps together (all converged, the
        largest relative residual, the total Newton iterations); for :func:`solve_periodic`, of
        the shooting (``residual`` = ||T(P) - T(0)||_2 [K] over the cells at the shooting's last
        iterate, ``iterations`` its Newton steps; ``converged`` also requires every step's).
    """

    times_s: jax.Array
    temperature_k: jax.Array
    initial_temperature_k: jax.Array
    fields_k: Optional[jax.Array]
    mean_temperature_k: jax.Array
    max_temperature_k: jax.Array
    min_temperature_k: jax.Array
    outlet_temperature_k: jax.Array
    heat_rejected_w: jax.Array
    heat_input_w: jax.Array
    converged: jax.Array
    newton_iterations: jax.Array
    krylov_iterations: jax.Array
    periodicity_error_k: jax.Array
    convergence: Convergence


# ----------------------------------------------------------------------------- helpers


def _dtype_of(*trees):
    leaves = [x for t in trees for x in jax.tree_util.tree_leaves(t)]
    dt = jnp.result_type(*leaves) if leaves else jnp.result_type(float)
    if not jnp.issubdtype(dt, jnp.floating):
        dt = jnp.result_type(float)
    return dt


def _defaults(numerics: Numerics, dtype):
    f64 = jnp.finfo(dtype).eps < 1e-10
    rtol = numerics.rtol if numerics.rtol is not None else (1e-10 if f64 else 2e-5)
    artol = numerics.adjoint_rtol if numerics.adjoint_rtol is not None else (1e-12 if f64 else 1e-5)
    prtol = numerics.periodic_rtol if numerics.periodic_rtol is not None else (1e-9 if f64 else 1e-4)
    return rtol, artol, prtol


def _as_arrays(*trees):
    """Every numeric leaf -> an array of the common floating dtype of all inputs.

    Python numbers become traced arrays (``filter_jit`` would otherwise treat each
    distinct value as static and recompile), and weakly/strongly typed leaves of the
    same dtype get one signature, so there is one compile per grid and configuration,
    not per parameter value or per way of writing it.  The solver casts everything to
    this dtype anyway.
    """
    dtype = _dtype_of(*trees)

    def conv(v):
        if isinstance(v, bool) or v is None:
            return v
        if isinstance(v, (float, int)) or (hasattr(v, "dtype") and (
                jnp.issubdtype(v.dtype, jnp.floating) or jnp.issubdtype(v.dtype, jnp.integer))):
            return jnp.asarray(v, dtype)
        return v

    out = tuple(jax.tree_util.tree_map(conv, t) for t in trees)
    return out if len(out) > 1 else out[0]


def cell_centres_m(panel: RadiatorPanel, numerics: Numerics):
    """Cell-centre coordinates (x (nx,), y (ny,)) [m] of the panel grid."""
    dx = panel.length_m / numerics.nx
    dy = panel.width_m / numerics.ny
    return (jnp.arange(numerics.nx) + 0.5) * dx, (jnp.arange(numerics.ny) + 0.5) * dy


def tube_positions_m(panel: RadiatorPanel):
    """Tube centre-line positions y_k [m] (n_tubes,)."""
    return core.tube_positions_m(jnp.asarray(panel.width_m), jnp.asarray(panel.tube_pitch_m), panel.n_tubes,
                                 _dtype_of(panel))


def _validate(panel, flow, shortwave, longwave, numerics, *, base_temperature_k=None, transient=False,
              n_t=None):
    """Host-side checks (concrete inputs only) -> ValueError naming key, value and range."""
    if not isinstance(numerics, Numerics):
        raise ValueError(f"numerics must be a thermal.radiator.Numerics, got {type(numerics).__name__}")
    for name, v in (("numerics.nx", numerics.nx), ("numerics.ny", numerics.ny)):
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} = {v!r} must be an integer >= 1")
    if numerics.nx < 2:
        raise ValueError(f"numerics.nx = {numerics.nx} is outside the allowed range [2, inf)")
    if numerics.preconditioner not in PRECONDITIONERS:
        raise ValueError(f"numerics.preconditioner = {numerics.preconditioner!r} is not one of {PRECONDITIONERS}")
    if numerics.krylov_restart < 1 or numerics.max_newton < 1:
        raise ValueError("numerics.krylov_restart and numerics.max_newton must be >= 1")
    p = panel
    check_positive("panel.length_m", p.length_m, "m")
    check_positive("panel.width_m", p.width_m, "m")
    check_positive("panel.thickness_m", p.thickness_m, "m")
    check_positive("panel.conductivity_w_m_k", p.conductivity_w_m_k, "W/(m K)")
    check_finite("panel.conductivity_slope_w_m_k2", p.conductivity_slope_w_m_k2)
    check_range("panel.emissivity", p.emissivity, 0.0, 1.0, lo_inclusive=False)
    check_range("panel.absorptivity", p.absorptivity, 0.0, 1.0)
    check_positive("panel.density_kg_m3", p.density_kg_m3, "kg/m^3")
    check_positive("panel.specific_heat_j_kg_k", p.specific_heat_j_kg_k, "J/(kg K)")
    check_finite("panel.heat_source_w_m2", p.heat_source_w_m2)
    if is_concrete(p):
        for name, v in (("panel.emissivity", p.emissivity), ("panel.absorptivity", p.absorptivity)):
            if np.shape(v) != (2,):
                raise ValueError(f"{name} must have shape (2,) (faces A, B), got shape {np.shape(v)}")
        for name, v in (("panel.thickness_m", p.thickness_m), ("panel.heat_source_w_m2", p.heat_source_w_m2)):
            grid = (numerics.ny, numerics.nx)
            try:
                fits = np.ndim(v) <= 2 and np.broadcast_shapes(np.shape(v), grid) == grid
            except ValueError:
                fits = False
            if not fits:
                raise ValueError(
                    f"{name} must be a scalar or a field broadcastable to (ny, nx) = ({numerics.ny}, "
                    f"{numerics.nx}) (e.g. (nx,) for a taper along the tubes, (ny, 1) across them), "
                    f"got shape {np.shape(v)}")
        if not isinstance(p.n_tubes, (int, np.integer)) or p.n_tubes < 0:
            raise ValueError(f"panel.n_tubes = {p.n_tubes!r} must be an integer >= 0")
        if not (np.all(np.isfinite(np.asarray(p.conductivity_w_m_k, float)))):
            raise ValueError("panel.conductivity_w_m_k must be finite")
    if p.n_tubes > 0 and base_temperature_k is None:
        check_positive("panel.tube_pitch_m", p.tube_pitch_m, "m")
        check_positive("panel.tube_conductance_w_m_k", p.tube_conductance_w_m_k, "W/(m K)")
        if is_concrete(p):
            W = float(np.asarray(p.width_m))
            pitch = float(np.asarray(p.tube_pitch_m))
            dy = W / numerics.ny
            if p.n_tubes > 1 and pitch < 2.0 * dy:
                raise ValueError(
                    f"panel.tube_pitch_m = {pitch:g} m is too fine for the grid: need pitch >= 2 dy = "
                    f"{2 * dy:g} m (increase numerics.ny to at least {math.ceil(2 * W / pitch)})")
            half_span = 0.5 * (p.n_tubes - 1) * pitch
            if 0.5 * W - half_span < 0.5 * dy - 1e-12 * W:
                raise ValueError(
                    f"panel.tube_pitch_m = {pitch:g} m puts the outer tubes outside the panel: need "
                    f"(n_tubes - 1) pitch <= width - dy, i.e. pitch in (0, {(W - dy) / max(p.n_tubes - 1, 1):g}] m")
            if numerics.ny < 2:
                raise ValueError(f"numerics.ny = {numerics.ny} is too coarse for tubes: need ny >= 2")
    if base_temperature_k is not None:
        check_positive("base_temperature_k", base_temperature_k, "K")
    elif p.n_tubes > 0:
        if isinstance(flow, Coolant):
            check_positive("coolant.mass_flow_kg_s", flow.mass_flow_kg_s, "kg/s")
            check_positive("coolant.specific_heat_j_kg_k", flow.specific_heat_j_kg_k, "J/(kg K)")
            check_positive("coolant.inlet_temperature_k", flow.inlet_temperature_k, "K")
            if flow.arrangement not in ARRANGEMENTS:
                raise ValueError(f"coolant.arrangement = {flow.arrangement!r} is not one of {ARRANGEMENTS}")
            if is_concrete(flow) and np.ndim(flow.inlet_temperature_k) != 0 and not (
                    transient and np.shape(flow.inlet_temperature_k) == (n_t,)):
                raise ValueError(
                    f"coolant.inlet_temperature_k must be a scalar{' or an (n_t,) series' if transient else ''}, "
                    f"got shape {np.shape(flow.inlet_temperature_k)}")
        elif isinstance(flow, HeatPipes):
            if (flow.temperature_k is None) == (flow.total_heat_w is None):
                raise ValueError("HeatPipes needs exactly one of temperature_k or total_heat_w")
            if flow.temperature_k is not None:
                check_positive("heat_pipes.temperature_k", flow.temperature_k, "K")
            else:
                check_finite("heat_pipes.total_heat_w", flow.total_heat_w)
        else:
            raise ValueError(
                f"panel.n_tubes = {p.n_tubes} needs a Coolant or HeatPipes flow, got {type(flow).__name__}")
    shape = (n_t, 2) if transient else (2,)
    for name, v in (("shortwave_w_m2", shortwave), ("longwave_w_m2", longwave)):
        check_range(name, v, 0.0, 1e5, units="W/m^2")
        if is_concrete(v) and np.shape(v) != shape:
            raise ValueError(f"{name} must have shape {shape} (time, face A/B), got {np.shape(v)}")


class _Setup:
    """Everything the residual needs, as arrays of one dtype (built inside the trace)."""

    def __init__(self, panel, flow, sw, lw, numerics, base_temperature_k, dtype):
        a = lambda v: jnp.asarray(v, dtype)  # noqa: E731
        self.numerics = numerics
        self.dtype = dtype
        ny, nx = numerics.ny, numerics.nx
        self.ny, self.nx, self.n = ny, nx, ny * nx
        self.L, self.W = a(panel.length_m), a(panel.width_m)
        self.dx, self.dy = self.L / nx, self.W / ny
        self.area = self.L * self.W
        self.cell_area = self.dx * self.dy
        self.k0, self.k1 = a(panel.conductivity_w_m_k), a(panel.conductivity_slope_w_m_k2)
        self.thick = jnp.broadcast_to(a(panel.thickness_m), (ny, nx))
        self.eps, self.alpha = a(panel.emissivity), a(panel.absorptivity)
        self.absorbed_face = self.alpha * a(sw) + self.eps * a(lw)  # (2,) W/m^2
        self.q_src = jnp.broadcast_to(a(panel.heat_source_w_m2), (ny, nx))
        self.heat_capacity = a(panel.density_kg_m3) * a(panel.specific_heat_j_kg_k) * self.thick
        self.base = None if base_temperature_k is None else a(base_temperature_k)
        self.n_tubes = 0 if base_temperature_k is not None else panel.n_tubes
        self.flow = flow
        self.pumped = isinstance(flow, Coolant) and self.n_tubes > 0
        self.pipe_heat_mode = isinstance(flow, HeatPipes) and self.n_tubes > 0 and flow.total_heat_w is not None
        self.n_extra = 1 if self.pipe_heat_mode else 0
        if self.n_tubes > 0:
            self.w, self.kink = core.tube_weights(self.W, a(panel.tube_pitch_m), self.n_tubes, ny, dtype)
            self.h_tube = a(panel.tube_conductance_w_m_k)
        self.lin = numerics.radiation_linearized_about_k

    # --- physics
    def balance(self, T, t_hp=None, tin=None, theta=None, t_ref=None):
        """Return the field residual F (ny, nx) [W/m^2] and diagnostics.

        With ``theta = T - t_ref`` given, differences are formed from theta (smaller
        round-off than differencing T itself)."""
        kt = core.sheet_conductance(self.k0, self.k1, self.thick, T)
        emit = core.emission_w_m2(T, self.eps, self.lin)
        if theta is None:
            negdiv, base_heat = core.neg_divergence(T, kt, self.dx, self.dy, self.base)
            F = negdiv + jnp.sum(emit, axis=0)
        else:
            # inside the Newton/Krylov solves: the operator with the hand-written JVP
            has_base = self.base is not None
            base = self.base - t_ref if has_base else jnp.zeros((), self.dtype)
            F = core.sheet_residual(theta, jnp.asarray(t_ref, self.dtype), self.k0, self.k1, self.thick, self.dx,
                                    self.dy, base, jnp.sum(self.eps), self.lin, has_base)
            base_heat = (-kt[:, 0] * (theta[:, 0] - base) / (0.5 * self.dx)) if has_base else jnp.zeros(
                (self.ny,), self.dtype)
        F = F - jnp.sum(self.absorbed_face) - self.q_src
        diag = dict(emit=emit, base_heat_w_m=base_heat)
        nan = jnp.asarray(jnp.nan, self.dtype)
        if self.n_tubes > 0:
            ts = self.w @ T
            kt_tube = self.w @ kt
            h_eff = 1.0 / (1.0 / self.h_tube + self.kink[:, None] / kt_tube)
            if self.pumped:
                mc = jnp.asarray(self.flow.mass_flow_kg_s, self.dtype) * jnp.asarray(
                    self.flow.specific_heat_j_kg_k, self.dtype)
                tin = jnp.asarray(self.flow.inlet_temperature_k if tin is None else tin, self.dtype)
                tf, q, outlets, outlet = core.coolant_network(ts, h_eff, self.dx, mc, tin, self.flow.arrangement)
                diag.update(tf=tf, q=q, outlet=outlet, t_hp=nan, tf_mean=jnp.mean(0.5 * (tf[:, 1:] + tf[:, :-1])))
            else:
                q = h_eff * (t_hp - ts)
                tf = jnp.broadcast_to(t_hp, (self.n_tubes, self.nx + 1))
                diag.update(tf=tf, q=q, outlet=nan, t_hp=t_hp, tf_mean=t_hp)
            F = F - (self.w.T @ q) / self.dy
        else:
            diag.update(tf=jnp.zeros((0, self.nx + 1), self.dtype), q=jnp.zeros((0, self.nx), self.dtype),
                        outlet=nan, t_hp=nan, tf_mean=self.base if self.base is not None else nan)
        return F, diag

    def scale(self, t_ref):
        """Flux scale [W/m^2] used for the relative residual."""
        return SIGMA * jnp.sum(self.eps) * t_ref**4

    def guess(self):
        """Scalar isothermal estimate of the sheet temperature [K] (no gradient)."""
        q_abs = jnp.sum(self.absorbed_face) + jnp.mean(self.q_src)
        esum = jnp.sum(self.eps)
        t_sink = jnp.maximum(q_abs / (SIGMA * esum), 1.0) ** 0.25
        if self.base is not None:
            return self.base
        if self.n_tubes == 0:
            return t_sink
        if self.pumped:
            mc = jnp.asarray(self.flow.mass_flow_kg_s, self.dtype) * jnp.asarray(
                self.flow.specific_heat_j_kg_k, self.dtype)
            tin = jnp.asarray(self.flow.inlet_temperature_k, self.dtype)
            ntu = self.h_tube * self.L / mc
            if self.flow.arrangement == "serpentine":
                ua = mc * (1.0 - jnp.exp(-ntu * self.n_tubes))
            else:
                ua = self.n_tubes * mc * (1.0 - jnp.exp(-ntu))
            t_hot = tin
        else:
            ua = self.n_tubes * self.h_tube * self.L
            if self.pipe_heat_mode:
                qh = jnp.asarray(self.flow.total_heat_w, self.dtype)
                return ((qh / self.area + q_abs) / (SIGMA * esum)) ** 0.25
            t_hot = jnp.asarray(self.flow.temperature_k, self.dtype)

        def g(T):  # net rejection minus heat in; increasing in T
            return self.area * (SIGMA * esum * T**4 - q_abs) - ua * (t_hot - T)

        def body(_, T):
            dg = self.area * 4.0 * SIGMA * esum * T**3 + ua
            return jnp.maximum(T - g(T) / dg, 0.5 * T)

        t0 = jnp.maximum(t_hot, t_sink) + 1.0
        return jax.lax.fori_loop(0, 30, body, t0)


def _newton(f, x0, make_precond, tol_abs, numerics, n_field, t_ref):
    """Damped inexact Newton-GMRES; returns x and (converged, iters, krylov iters, ||F||)."""
    dtype = x0.dtype

    def cond(s):
        it, x, F, nF, kry, done = s
        return (~done) & (it < numerics.max_newton)

    def body(s):
        # F(x) comes from the linearisation itself (no separate residual call site: the
        # start residual is checked here, so an already converged x0 takes no step)
        it, x, _, _, kry, _ = s
        F, jvp = jax.linearize(f, x)
        nF = jnp.linalg.norm(F)
        already = nF <= tol_abs
        P = make_precond(jvp)
        dx, inner = gmres(jvp, -F, P, jnp.zeros_like(x), rtol=numerics.newton_krylov_rtol,
                            atol=0.1 * tol_abs, restart=numerics.krylov_restart,
                            max_iters=numerics.krylov_max_iters)
        # keep the temperature positive: never step below half the current minimum
        T = x[:n_field] + t_ref
        dT = dx[:n_field]
        worst = jnp.max(-dT / (0.5 * T))
        lam0 = jnp.where(worst > 1.0, 1.0 / worst, 1.0).astype(dtype)

        # backtracking: the full (limited) step first, then up to 12 halvings (one f site)
        def ls_cond(c):
            lam, F1, n1, k = c
            return (k == 0) | ((~(n1 <= (1.0 - 1e-4 * lam) * nF)) & (k < 13))

        def ls_body(c):
            lam, F1, n1, k = c
            lam = jnp.where(k == 0, lam0, 0.5 * lam)
            F1 = f(x + lam * dx)
            return lam, F1, jnp.linalg.norm(F1), k + 1

        lam, F1, n1, _ = jax.lax.while_loop(ls_cond, ls_body, (lam0, F, jnp.asarray(jnp.inf, dtype), 0))
        x = jnp.where(already, x, x + lam * dx)
        F1 = jnp.where(already, F, F1)
        n1 = jnp.where(already, nF, n1)
        return (it + jnp.where(already, 0, 1).astype(jnp.int32), x, F1, n1,
                kry + jnp.where(already, 0, inner.iterations).astype(jnp.int32), already | (n1 <= tol_abs))

    nx0 = x0.shape[0]
    it, x, F, nF, kry, done = jax.lax.while_loop(
        cond, body, (jnp.int32(0), x0, jnp.zeros((nx0,), dtype), jnp.asarray(jnp.inf, dtype), jnp.int32(0),
                     jnp.bool_(False)))
    return x, (done, it, kry, nF)


def _implicit_solve(S: _Setup, x0_field, t_ref, mass=None, tin=None):
    """Solve F(T) (+ mass term) = 0 with implicit differentiation.

    mass : None or (coef, hist) -> adds C (coef T - hist) [W/m^2] (coef in 1/s).
    Returns the temperature field, heat-pipe temperature (or None) and the aux tuple.
    """
    numerics = S.numerics
    rtol, adj_rtol, _ = _defaults(numerics, S.dtype)
    t_ref = jax.lax.stop_gradient(t_ref)
    n, ny, nx = S.n, S.ny, S.nx
    fscale = S.scale(t_ref)
    tol_abs = rtol * jnp.sqrt(jnp.asarray(n, S.dtype)) * fscale

    def unpack(x):
        T = x[:n].reshape(ny, nx) + t_ref
        t_hp = x[n] + t_ref if S.pipe_heat_mode else (
            jnp.asarray(S.flow.temperature_k, S.dtype) if (S.n_tubes > 0 and not S.pumped) else None)
        return T, t_hp

    def f(x):
        T, t_hp = unpack(x)
        F, diag = S.balance(T, t_hp, tin, theta=x[:n].reshape(ny, nx), t_ref=t_ref)
        if mass is not None:
            coef, hist = mass
            F = F + S.heat_capacity * (coef * T - hist)
        out = [F.ravel()]
        if S.pipe_heat_mode:
            q_total = jnp.sum(diag["q"]) * S.dx
            out.append(((q_total - jnp.asarray(S.flow.total_heat_w, S.dtype)) / S.area)[None])
        return jnp.concatenate(out)

    kt_field = jax.lax.stop_gradient(core.sheet_conductance(S.k0, S.k1, S.thick, t_ref))
    kt_bar = jnp.mean(kt_field)
    col_mask = jnp.ones((ny, nx), S.dtype)
    if S.base is not None and nx > 1:
        col_mask = col_mask.at[:, 0].set(0.0)
    cmin = 1e-12 * kt_bar / (S.L * S.L + S.W * S.W)
    line = numerics.preconditioner == "line"
    if line:
        # probing vectors: x-constant rows coloured j mod 3 (K_y is tridiagonal in y)
        rows = jnp.arange(ny) % 3
        probes = jnp.stack([jnp.broadcast_to((rows == c).astype(S.dtype)[:, None], (ny, nx)).ravel()
                            for c in range(3)])
        if S.n_extra:
            probes = jnp.concatenate([probes, jnp.zeros((3, S.n_extra), S.dtype)], axis=1)
        kt_y = jnp.mean(kt_field, axis=1)
        jrow = jnp.arange(ny)

    def make_precond(op):
        pad = jnp.zeros((S.n_extra,), S.dtype)
        if line:
            # x-averaged response of the linear operator to each colour -> tridiagonal K_y
            out = jax.vmap(op)(probes)[:, :n].reshape(3, ny, nx)
            resp = jnp.sum(out * col_mask, axis=2) / jnp.sum(col_mask[0])  # (3, ny): colour c, equation row j
            diag_y = resp[jrow % 3, jrow] + cmin
            sub_y = jnp.where(jrow > 0, resp[(jrow - 1) % 3, jrow], 0.0)
            sup_y = jnp.where(jrow < ny - 1, resp[(jrow + 1) % 3, jrow], 0.0)
            solve_field = line_preconditioner(sub_y, diag_y, sup_y, kt_y, nx, S.dx, S.base is not None)
        else:
            ones = jnp.concatenate([jnp.ones((n,), S.dtype), pad])
            c_bar = jnp.sum(op(ones)[:n] * col_mask.ravel()) / jnp.sum(col_mask)
            c_bar = jnp.maximum(c_bar, cmin)

            def solve_field(r):
                return poisson_dct_inverse(r, kt_bar, c_bar, S.dx, S.dy)

        if not S.pipe_heat_mode:
            return lambda r: solve_field(r.reshape(ny, nx)).ravel()
        # heat pipes carrying a given heat: the common pipe temperature is one extra unknown
        # coupled to every tube cell.  Eliminate it exactly (block LU with the field block
        # approximated by solve_field):  [[A, b], [c^T, d]],  s = d - c^T A~^{-1} b.
        col = op(jnp.zeros((n + 1,), S.dtype).at[n].set(1.0))
        if not line:  # the original diagonal scaling of the extra unknown
            d_extra = jnp.where(jnp.abs(col[n]) > 0, col[n], 1.0)
            return lambda r: jnp.concatenate([solve_field(r[:n].reshape(ny, nx)).ravel(), (r[n] / d_extra)[None]])
        g = solve_field(col[:n].reshape(ny, nx)).ravel()
        row = lambda v: op(jnp.concatenate([v, jnp.zeros((1,), S.dtype)]))[n]  # noqa: E731  c^T v
        schur = col[n] - row(g)
        schur = jnp.where(jnp.abs(schur) > 0, schur, jnp.where(jnp.abs(col[n]) > 0, col[n], 1.0))

        def P(r):
            z0 = solve_field(r[:n].reshape(ny, nx)).ravel()
            ze = (r[n] - row(z0)) / schur
            return jnp.concatenate([z0 - g * ze, ze[None]])

        return P

    def solve(f_, x0):
        x, (done, it, kry, nF) = _newton(f_, x0, make_precond, tol_abs, numerics, n, t_ref)
        rel = nF / (jnp.sqrt(jnp.asarray(n, S.dtype)) * fscale)
        return x, Convergence(done, rel, it), kry.astype(S.dtype)

    def lin_solve(mv, b):
        x, _ = gmres(mv, b, make_precond(mv), jnp.zeros_like(b), rtol=adj_rtol, atol=0.0,
                     restart=numerics.krylov_restart, max_iters=numerics.krylov_max_iters * 2)
        return x

    x0 = [jnp.ravel(x0_field - t_ref)]
    if S.pipe_heat_mode:
        x0.append(jnp.zeros((1,), S.dtype))
    x0 = jax.lax.stop_gradient(jnp.concatenate(x0))
    x, conv, kry = implicit_root(f, x0, solve, lin_solve, has_aux=True)
    T, t_hp = unpack(x)
    if numerics.throw:
        T = eqx.error_if(T, ~conv.converged, "radiator solve did not converge (see RadiatorResult.relative_residual)")
    return T, t_hp, (conv, kry.astype(jnp.int32))


def _result(S: _Setup, T, t_hp, aux):
    conv, kry = aux
    F, d = S.balance(T, t_hp)
    emitted_face = jnp.sum(d["emit"], axis=(1, 2)) * S.cell_area
    absorbed_face = S.absorbed_face * S.area
    net_face = emitted_face - absorbed_face
    net = jnp.sum(net_face)
    tube_heat = jnp.sum(d["q"], axis=1) * S.dx
    base_heat = jnp.sum(d["base_heat_w_m"]) * S.dy
    heat_in = jnp.sum(tube_heat) + base_heat
    source = jnp.sum(S.q_src) * S.cell_area
    t_ref = d["tf_mean"]
    ideal = S.area * SIGMA * jnp.sum(S.eps) * t_ref**4 - jnp.sum(absorbed_face)
    return RadiatorResult(
        temperature_k=T,
        coolant_temperature_k=d["tf"],
        tube_heat_w=tube_heat,
        outlet_temperature_k=d["outlet"],
        heat_pipe_temperature_k=d["t_hp"],
        emitted_face_w=emitted_face,
        absorbed_face_w=absorbed_face,
        heat_rejected_face_w=net_face,
        heat_rejected_w=net,
        heat_input_w=heat_in,
        fin_efficiency=net / ideal,
        max_temperature_k=jnp.max(T),
        min_temperature_k=jnp.min(T),
        mean_temperature_k=jnp.mean(T),
        energy_residual_w=heat_in + source - net,
        relative_residual=conv.residual,
        converged=conv.converged,
        newton_iterations=conv.iterations,
        krylov_iterations=kry,
        convergence=conv,
    )


# ----------------------------------------------------------------------------- steady


@eqx.filter_jit
def _steady_impl(panel, flow, sw, lw, numerics, base_temperature_k, initial_temperature_k):
    dtype = _dtype_of(panel, flow, sw, lw, base_temperature_k)
    S = _Setup(panel, flow, sw, lw, numerics, base_temperature_k, dtype)
    if initial_temperature_k is None:
        t0 = jax.lax.stop_gradient(S.guess())
        x0 = jnp.full((S.ny, S.nx), t0, dtype)
    else:
        x0 = jnp.broadcast_to(jnp.asarray(initial_temperature_k, dtype), (S.ny, S.nx))
        t0 = jnp.mean(x0)
    T, t_hp, aux = _implicit_solve(S, x0, t0)
    return _result(S, T, t_hp, aux)


def solve_steady(panel: RadiatorPanel, flow, shortwave_w_m2, longwave_w_m2, numerics: Numerics = Numerics(),
                 initial_temperature_k=None) -> RadiatorResult:
    """Steady temperature field of a radiator panel with pumped tubes or heat pipes.

    Parameters
    ----------
    panel : :class:`RadiatorPanel`.
    flow : :class:`Coolant` (pumped tubes) or :class:`HeatPipes`; ignored (may be
        None) when ``panel.n_tubes == 0``.
    shortwave_w_m2 : incident solar + albedo flux on faces A, B, shape (2,) [W/m^2]
        (orbit averages), in [0, 1e5].
    longwave_w_m2 : incident Earth-IR flux on faces A, B, shape (2,) [W/m^2].
    numerics : :class:`Numerics` (static).
    initial_temperature_k : optional Newton start, scalar or (ny, nx) [K].

    Returns
    -------
    :class:`RadiatorResult`.  Differentiable (``jax.grad``/``jvp``) with respect to
    every array leaf of ``panel``, ``flow`` and the loads through the implicit
    function theorem; ``jit``/``vmap``-able over designs.

    Raises
    ------
    ValueError : bad input (checked on the host before compiling).
    """
    _validate(panel, flow, shortwave_w_m2, longwave_w_m2, numerics)
    return _steady_impl(*_as_arrays(panel, flow, shortwave_w_m2, longwave_w_m2), numerics, None,
                        _as_arrays(initial_temperature_k))


def solve_fin(panel: RadiatorPanel, base_temperature_k, shortwave_w_m2, longwave_w_m2,
              numerics: Numerics = Numerics(ny=1)) -> RadiatorResult:
    """Straight radiating fin: the x = 0 edge held at ``base_temperature_k`` [K], the
    other edges insulated, both faces radiating (1-D with ``numerics.ny = 1``, 2-D
    otherwise).  Tubes of ``panel`` are ignored.  ``fin_efficiency`` is
    Q_base / (A sigma T_b^4 sum eps - absorbed), i.e. relative to an isothermal fin
    at the base temperature (sink set by the absorbed fluxes).

    The conduction-radiation parameter per face is N_c = eps sigma T_b^3 L^2 / (k t).

    References
    ----------
    Gilmore (2002), ch. 6; Karlekar & Chao (1963).
    """
    _validate(panel, None, shortwave_w_m2, longwave_w_m2, numerics, base_temperature_k=base_temperature_k)
    panel, sw, lw, tb = _as_arrays(panel, shortwave_w_m2, longwave_w_m2, base_temperature_k)
    return _steady_impl(panel, None, sw, lw, numerics, tb, None)


# ----------------------------------------------------------------------------- transient


def _flow_at(flow, k, n_t):
    """Flow with its time series (if any) sampled at index k."""
    if isinstance(flow, Coolant):
        tin = jnp.asarray(flow.inlet_temperature_k)
        if tin.ndim == 1:
            return eqx.tree_at(lambda c: c.inlet_temperature_k, flow, tin[k])
    if isinstance(flow, HeatPipes):
        if flow.temperature_k is not None and jnp.ndim(flow.temperature_k) == 1:
            return eqx.tree_at(lambda c: c.temperature_k, flow, jnp.asarray(flow.temperature_k)[k])
        if flow.total_heat_w is not None and jnp.ndim(flow.total_heat_w) == 1:
            return eqx.tree_at(lambda c: c.total_heat_w, flow, jnp.asarray(flow.total_heat_w)[k])
    return flow


def _march(panel, flow, sw, lw, dt, T0, numerics, store_fields, periodic):
    """BDF2 march (BE first step) over the load samples.

    Non-periodic: steps to samples 1..n_t-1.  Periodic: n_t steps to samples
    1..n_t-1, 0 (the loads wrap).
    """
    dtype = _dtype_of(panel, flow, sw, lw)
    n_t = sw.shape[0]
    idx = jnp.arange(1, n_t + 1) % n_t if periodic else jnp.arange(1, n_t)
    dt = jnp.asarray(dt, dtype)

    def step(carry, k_and_i):
        Tn, Tnm1 = carry
        i, k = k_and_i
        fl = _flow_at(flow, k, n_t)
        S = _Setup(panel, fl, sw[k], lw[k], numerics, None, dtype)
        first = i == 0
        coef = jnp.where(first, 1.0, 1.5) / dt
        hist = jnp.where(first, Tn, 2.0 * Tn - 0.5 * Tnm1) / dt
        T, t_hp, aux = _implicit_solve(S, Tn, jnp.mean(Tn), mass=(coef, hist))
        r = _result(S, T, t_hp, aux)
        out = (jnp.mean(T), jnp.max(T), jnp.min(T), r.outlet_temperature_k, r.heat_rejected_w, r.heat_input_w,
               r.convergence, r.krylov_iterations, T if store_fields else jnp.zeros((0,), dtype))
        return (T, Tn), out

    T0 = jnp.broadcast_to(jnp.asarray(T0, dtype), (numerics.ny, numerics.nx))
    (T, _), outs = jax.lax.scan(step, (T0, T0), (jnp.arange(idx.shape[0]), idx))
    return T, outs


def _pack_transient(T0, T, outs, dt, store_fields, perr, convergence=None):
    """TransientResult of a march; ``convergence``: the record to report (default: the steps')."""
    mean, mx, mn, outlet, rej, heat_in, steps, kry, fields = outs
    n = mean.shape[0]
    conv = steps.reduce() if convergence is None else convergence
    return TransientResult(
        times_s=(jnp.arange(1, n + 1)) * dt,
        temperature_k=T,
        initial_temperature_k=T0,
        fields_k=fields if store_fields else None,
        mean_temperature_k=mean,
        max_temperature_k=mx,
        min_temperature_k=mn,
        outlet_temperature_k=outlet,
        heat_rejected_w=rej,
        heat_input_w=heat_in,
        converged=conv.converged,
        newton_iterations=jnp.sum(steps.iterations),
        krylov_iterations=jnp.sum(kry),
        periodicity_error_k=perr,
        convergence=conv,
    )


@eqx.filter_jit
def _transient_impl(panel, flow, sw, lw, dt, T0, numerics, store_fields):
    dtype = _dtype_of(panel, flow, sw, lw)
    T0 = jnp.broadcast_to(jnp.asarray(T0, dtype), (numerics.ny, numerics.nx))
    T, outs = _march(panel, flow, sw, lw, dt, T0, numerics, store_fields, periodic=False)
    return _pack_transient(T0, T, outs, dt, store_fields, jnp.zeros((), dtype))


def _validate_transient(panel, flow, sw, lw, numerics, dt):
    check_positive("time_step_s", dt, "s")
    n_t = np.shape(sw)[0] if np.ndim(sw) == 2 else None
    if n_t is None or n_t < 2:
        raise ValueError(f"shortwave_w_m2 must have shape (n_t, 2) with n_t >= 2, got {np.shape(sw)}")
    _validate(panel, flow, sw, lw, numerics, transient=True, n_t=n_t)


def solve_transient(panel: RadiatorPanel, flow, shortwave_w_m2, longwave_w_m2, time_step_s,
                    initial_temperature_k, numerics: Numerics = Numerics(),
                    store_fields: bool = False) -> TransientResult:
    """March the panel in time with BDF2 (backward-Euler first step).

    Parameters
    ----------
    shortwave_w_m2, longwave_w_m2 : incident fluxes at equally spaced times
        t_n = n dt, shape (n_t, 2) [W/m^2]; sample 0 is the initial time and
        steps n = 1 .. n_t-1 use the loads of sample n (implicit).
    time_step_s : dt [s], > 0.
    initial_temperature_k : T(0), scalar or (ny, nx) [K].
    flow : :class:`Coolant` (``inlet_temperature_k`` scalar or an (n_t,) series) or
        :class:`HeatPipes` (scalar or (n_t,) series), or None without tubes.
    store_fields : keep every field (n_t-1, ny, nx) (static).

    Areal heat capacity rho c_p t; the coolant is quasi-steady.  Each step is one
    implicit Newton solve differentiated by the implicit function theorem, so the
    whole march is differentiable.

    References
    ----------
    Hairer & Wanner (1996), BDF2; Gilmore (2002), ch. 6.
    """
    _validate_transient(panel, flow, shortwave_w_m2, longwave_w_m2, numerics, time_step_s)
    check_positive("initial_temperature_k", initial_temperature_k, "K")
    return _transient_impl(*_as_arrays(panel, flow, shortwave_w_m2, longwave_w_m2, time_step_s, initial_temperature_k),
                           numerics, store_fields)


@eqx.filter_jit
def _periodic_impl(panel, flow, sw, lw, period_s, numerics, store_fields, T_guess):
    dtype = _dtype_of(panel, flow, sw, lw)
    n_t = sw.shape[0]
    dt = jnp.asarray(period_s, dtype) / n_t
    _, _, prtol = _defaults(numerics, dtype)
    if T_guess is None:
        flow0 = jax.tree_util.tree_map(lambda v: jnp.mean(v) if jnp.ndim(v) == 1 else v, flow)
        S0 = _Setup(panel, flow0, jnp.mean(sw, 0), jnp.mean(lw, 0), numerics, None, dtype)
        t0 = jax.lax.stop_gradient(S0.guess())
        T_guess, _, _ = _implicit_solve(S0, jnp.full((S0.ny, S0.nx), t0, dtype), t0)
    T_guess = jax.lax.stop_gradient(jnp.broadcast_to(jnp.asarray(T_guess, dtype), (numerics.ny, numerics.nx)))
    t_ref = jnp.mean(T_guess)
    shape = (numerics.ny, numerics.nx)

    def orbit_map(x, _):
        T, _ = _march(panel, flow, sw, lw, dt, x.reshape(shape) + t_ref, numerics, False, True)
        return T.ravel() - t_ref

    n = numerics.ny * numerics.nx
    tol = prtol * t_ref * jnp.sqrt(jnp.asarray(n, dtype))
    method = NewtonKrylov(tol=tol, adjoint_rtol=_defaults(numerics, dtype)[1], restart=numerics.krylov_restart)
    x, shooting = periodic_state(orbit_map, jnp.zeros((n,), dtype), method=method)
    T0 = x.reshape(shape) + t_ref
    T, outs = _march(panel, flow, sw, lw, dt, T0, numerics, store_fields, periodic=True)
    perr = jnp.sqrt(jnp.mean((T - T0) ** 2))
    steps = outs[6].reduce()
    conv = Convergence(steps.converged & shooting.converged, shooting.residual, shooting.iterations)
    return _pack_transient(T0, T, outs, dt, store_fields, perr, conv)


def solve_periodic(panel: RadiatorPanel, flow, shortwave_w_m2, longwave_w_m2, period_s,
                   numerics: Numerics = Numerics(), store_fields: bool = False,
                   initial_guess_k=None) -> TransientResult:
    """Orbit-periodic solution: T(0) = T(P) under loads sampled at t_n = n P / n_t,
    n = 0 .. n_t-1 (shape (n_t, 2), wrapping).  Solved by Newton-Krylov shooting on
    the one-orbit map (BE first step, then BDF2); differentiable through the
    implicit function theorem.  Returned histories are the n_t states after each
    step of the periodic orbit (the last equals ``initial_temperature_k``)."""
    check_positive("period_s", period_s, "s")
    n_t = np.shape(shortwave_w_m2)[0] if np.ndim(shortwave_w_m2) == 2 else 0
    _validate_transient(panel, flow, shortwave_w_m2, longwave_w_m2, numerics, 1.0)
    del n_t
    return _periodic_impl(*_as_arrays(panel, flow, shortwave_w_m2, longwave_w_m2, period_s), numerics, store_fields,
                          initial_guess_k)
