"""Minimum-mass radiator sheet thickness: a zone map of thousands of design variables
with adjoint gradients, and the radiating-fin optima it is checked against.

Design problem (panel)
----------------------
The sheet thickness is piecewise constant on ``nzy x nzx`` zones (each zone a block
of cells of the FD panel of :mod:`thermal.radiator`).  With the coolant inlet, flow
and environment fixed,

    minimise    m(t) = rho sum_ij t_ij dx dy                       (sheet mass [kg])
    subject to  Q(t) >= Q_req                                     (net heat rejected [W])
                KS_rho(T(t)) <= T_max                             (smooth max temperature [K])
                t_min <= t_ij <= t_max_thickness

Q and KS are outputs of one steady solve; their gradients with respect to every
zone thickness come from one adjoint (transposed-Jacobian GMRES) solve each,
through the implicit function theorem in :func:`thermal.radiator.solve_steady`,
so a gradient costs about two solves whatever the number of zones, where central
(one-sided) finite differences would cost 2 n (n + 1) solves.  The mass is linear
in t (gradient in closed form).  SLSQP (Kraft 1988) solves the problem in scaled
variables t / t_ref with the bounds; after it stops, the first-order KKT conditions
are checked on the returned point with its multipliers.

Checks (radiating fin, 1-D limit)
---------------------------------
:func:`optimize_rectangular_fin` minimises the mass rho t L of a constant-thickness
longitudinal fin (base at T_b, adiabatic tip, both faces radiating to a 0 K sink)
at a given heat per unit width, over thickness and length, with the same FD solver
(:func:`thermal.radiator.solve_fin`).  The published optimum (Bartas & Sellers
1960; Lieblein 1959) has profile number N_c = 2 eps sigma T_b^3 L^2 / (k t) = 0.846
(the fin equation theta'' = N_c theta^4 with theta = T/T_b, x/L in [0, 1]) and fin
efficiency eta = 0.565.  :func:`optimize_tapered_fin` frees the thickness of every
zone along the fin (and the length) and reports the mass saved against that
rectangular optimum at equal heat rejection (the minimum-mass profile problem of
Wilkins 1960).

References
----------
- Bartas, J. G. & Sellers, W. H. (1960), "Radiation fin effectiveness", J. Heat
  Transfer 82(1), 73-75.
- Lieblein, S. (1959), "Analysis of temperature distribution and radiant heat
  transfer along a rectangular fin of constant thickness", NASA TN D-196.
- Wilkins, J. E. (1960), "Minimum mass thin fins for space radiators", Proc. 1960
  Heat Transfer and Fluid Mechanics Institute, Stanford Univ. Press, 229-243.
- Karlekar, B. V. & Chao, B. T. (1963), "Mass minimization of radiating trapezoidal
  fins with negligible base cylinder interaction", Int. J. Heat Mass Transfer 6, 33-48.
- Kreisselmeier, G. & Steinhauser, R. (1979), "Systematic control design by
  optimizing a vector performance index", IFAC Proc. 12(7), 113-117 (KS smooth max).
- Kraft, D. (1988), "A software package for sequential quadratic programming",
  DFVLR-FB 88-28 (SLSQP, as in scipy.optimize).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Optional

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import scipy.optimize as sopt

from orbit.constants import STEFAN_BOLTZMANN_W_M2_K4 as SIGMA
from orbit.validation import check_positive
from ..chip.package import ks_max
from .panel import Numerics, RadiatorPanel, solve_fin, solve_steady

__all__ = [
    "zone_field",
    "sheet_mass_kg",
    "ThicknessDesign",
    "ThicknessResult",
    "thickness_responses",
    "thickness_gradients",
    "optimize_thickness",
    "optimize_rectangular_fin",
    "optimize_tapered_fin",
    "fin_numerics",
    "rectangular_fin_optimum_reference",
    "RECTANGULAR_FIN_OPTIMUM_NC",
    "RECTANGULAR_FIN_OPTIMUM_ETA",
]

RECTANGULAR_FIN_OPTIMUM_NC = 0.846
"""Published optimum profile number of the minimum-mass rectangular radiating fin
(both faces, 0 K sink, adiabatic tip): N_c = 2 eps sigma T_b^3 L^2 / (k t)
(Bartas & Sellers 1960; Lieblein 1959, NASA TN D-196; as quoted in issue 17)."""

RECTANGULAR_FIN_OPTIMUM_ETA = 0.565
"""Fin efficiency at that optimum (same sources)."""


# ----------------------------------------------------------------------------- maps


def zone_field(zone_thickness_m, ny: int, nx: int):
    """Cell field (ny, nx) from a piecewise-constant zone map (nzy, nzx) [m].

    Each zone covers a (ny/nzy) x (nx/nzx) block of cells; the grid must be a whole
    multiple of the zone map.  A 1-D map (nzx,) gives a taper along x (nx cells).
    """
    z = jnp.asarray(zone_thickness_m)
    if z.ndim == 1:
        z = z[None, :]
    nzy, nzx = z.shape
    if ny % nzy or nx % nzx:
        raise ValueError(f"zone map shape {(nzy, nzx)} must divide the grid (ny, nx) = {(ny, nx)}")
    return jnp.repeat(jnp.repeat(z, ny // nzy, axis=0), nx // nzx, axis=1)


def sheet_mass_kg(panel: RadiatorPanel, numerics: Numerics):
    """Sheet mass rho sum t dx dy [kg] of the panel on the numerics grid."""
    ny, nx = numerics.ny, numerics.nx
    t = jnp.broadcast_to(jnp.asarray(panel.thickness_m), (ny, nx))
    return panel.density_kg_m3 * jnp.sum(t) * (panel.length_m / nx) * (panel.width_m / ny)


# ----------------------------------------------------------------------------- panel design


@dataclass(frozen=True)
class ThicknessDesign:
    """Minimum-mass thickness problem on a panel (see the module docstring).

    Parameters
    ----------
    panel : :class:`thermal.radiator.RadiatorPanel` (its thickness is replaced).
    flow : Coolant or HeatPipes of the panel.
    shortwave_w_m2, longwave_w_m2 : incident fluxes on faces A, B (2,) [W/m^2].
    numerics : :class:`thermal.radiator.Numerics` (grid a multiple of ``zones``).
    zones : (nzy, nzx) zone map shape; nzy * nzx design variables.
    heat_required_w : Q_req [W], > 0.
    max_temperature_k : T_max [K] on the KS smooth maximum of the sheet temperature.
    thickness_bounds_m : (t_min, t_max) [m], 0 < t_min < t_max.
    ks_rho_per_k : KS aggregation parameter [1/K] (KS is within log(N)/rho K above the max).
    """

    panel: RadiatorPanel
    flow: object
    shortwave_w_m2: object
    longwave_w_m2: object
    numerics: Numerics
    zones: tuple = (32, 32)
    heat_required_w: float = 1.0e4
    max_temperature_k: float = 400.0
    thickness_bounds_m: tuple = (1.0e-4, 5.0e-3)
    ks_rho_per_k: float = 2.0

    def __post_init__(self):
        nzy, nzx = self.zones
        ny, nx = self.numerics.ny, self.numerics.nx
        if nzy < 1 or nzx < 1 or ny % nzy or nx % nzx:
            raise ValueError(f"zones = {self.zones} must be positive and divide the grid (ny, nx) = {(ny, nx)}")
        check_positive("heat_required_w", self.heat_required_w, "W")
        check_positive("max_temperature_k", self.max_temperature_k, "K")
        check_positive("ks_rho_per_k", self.ks_rho_per_k, "1/K")
        lo, hi = self.thickness_bounds_m
        if not (0.0 < lo < hi):
            raise ValueError(f"thickness_bounds_m = {self.thickness_bounds_m} must satisfy 0 < t_min < t_max [m]")


def _panel_with(panel, zone_thickness_m, numerics):
    t = zone_field(zone_thickness_m, numerics.ny, numerics.nx)
    return eqx.tree_at(lambda p: p.thickness_m, panel, t)


def _responses(z, panel, flow, sw, lw, numerics, ks_rho):
    panel = _panel_with(panel, z, numerics)
    r = solve_steady(panel, flow, sw, lw, numerics)
    ks = ks_max(r.temperature_k, rho=ks_rho)
    return jnp.stack([r.heat_rejected_w, ks]), (sheet_mass_kg(panel, numerics),
                                                (r.max_temperature_k, r.converged, r.relative_residual))


@eqx.filter_jit
def _forward_impl(z, panel, flow, sw, lw, numerics, ks_rho):
    y, (m, aux) = _responses(z, panel, flow, sw, lw, numerics, ks_rho)
    return m, y, aux


@eqx.filter_jit
def _with_grad_impl(z, panel, flow, sw, lw, numerics, ks_rho):
    """Forward solve once, then one adjoint solve per constrained function (``vmap`` of
    the pullback over the two cotangents: both transposed GMRES solves run side by
    side); the mass gradient is analytic (linear in t)."""
    f = lambda zz: _responses(zz, panel, flow, sw, lw, numerics, ks_rho)  # noqa: E731
    y, pull, (m, aux) = jax.vjp(f, z, has_aux=True)
    (jac,) = jax.vmap(pull)(jnp.eye(2, dtype=y.dtype))
    dm = jax.grad(lambda zz: sheet_mass_kg(_panel_with(panel, zz, numerics), numerics))(z)
    return m, y, aux, dm, jac


def _args(design: ThicknessDesign):
    from .panel import _as_arrays

    panel, flow, sw, lw = _as_arrays(design.panel, design.flow, design.shortwave_w_m2, design.longwave_w_m2)
    return panel, flow, sw, lw, design.numerics, float(design.ks_rho_per_k)


def thickness_responses(design: ThicknessDesign, zone_thickness_m):
    """Mass [kg], (Q [W], KS temperature [K]) and (max T [K], converged, relative residual)
    of a zone map (nzy, nzx) [m] (one steady solve; compiled once per grid and zone shape)."""
    args = _args(design)
    return _forward_impl(_z(zone_thickness_m, args[0]), *args)


def thickness_gradients(design: ThicknessDesign, zone_thickness_m):
    """As :func:`thickness_responses`, plus d mass / d z (nzy, nzx) [kg/m] and the Jacobian
    of (Q, KS) (2, nzy, nzx) [W/m, K/m]: one forward and two adjoint solves."""
    args = _args(design)
    return _with_grad_impl(_z(zone_thickness_m, args[0]), *args)


def _z(zone_thickness_m, panel):
    """Zone map as a strongly typed array of the panel's dtype (a weakly typed one, e.g.
    from ``jnp.full(shape, python_float)``, would be a second compiled signature)."""
    return jnp.asarray(np.asarray(zone_thickness_m), dtype=jnp.result_type(panel.length_m))


def _compiled(design: ThicknessDesign):
    args = _args(design)
    return (lambda z: _forward_impl(_z(z, args[0]), *args)), (lambda z: _with_grad_impl(_z(z, args[0]), *args))


@dataclass
class ThicknessResult:
    """Outcome of :func:`optimize_thickness` (SI units).

    zone_thickness_m : optimal zone map (nzy, nzx) [m]; thickness_m : cell field.
    mass_kg, heat_rejected_w, ks_temperature_k, max_temperature_k : at the optimum.
    reference_mass_kg : mass of the uniform sheet that rejects exactly Q_req (the
        constant-thickness optimum under the heat constraint alone) and satisfies T_max;
        mass_saving : 1 - mass / reference_mass.
    success, message, iterations, n_solves, n_gradients : optimiser record.
    kkt_residual : ||projected gradient of the Lagrangian||_inf / ||grad m||_inf on the
        variables off their bounds; multipliers : (lambda_Q, lambda_T) [kg/W, kg/K].
    constraint_violation : max(0, (Q_req - Q)/Q_req, (KS - T_max)/T_max).
    solve_time_s, gradient_time_s : minimum wall time of one forward solve and one
        value-and-gradient (forward + adjoint solves), after compilation.
    fd_cost_estimate_s : (n_vars + 1) x solve_time_s (one-sided finite differences).
    converged : every forward solve converged.
    history : list of (mass, Q, KS) per function evaluation.
    """

    zone_thickness_m: np.ndarray
    thickness_m: np.ndarray
    mass_kg: float
    heat_rejected_w: float
    ks_temperature_k: float
    max_temperature_k: float
    reference_mass_kg: float
    reference_thickness_m: float
    mass_saving: float
    success: bool
    message: str
    iterations: int
    n_solves: int
    n_gradients: int
    kkt_residual: float
    multipliers: np.ndarray
    constraint_violation: float
    solve_time_s: float
    gradient_time_s: float
    fd_cost_estimate_s: float
    n_vars: int
    converged: bool
    history: list = field(default_factory=list)


def _uniform_reference(with_grad, design, nz, t_lo, t_hi):
    """Uniform thickness that just meets Q_req: safeguarded Newton on log t (Q grows
    with t), then raised by bisection if KS > T_max there; returns (t, mass)."""
    def ev(t):
        m, y, aux, dm, jac = with_grad(jnp.full(nz, t))
        if not bool(aux[1]):
            raise ValueError(f"radiator solve did not converge at a uniform thickness of {t:g} m")
        return float(m), float(y[0]), float(y[1]), float(np.sum(np.asarray(jac[0]))) * t

    q_req, t_max = design.heat_required_w, design.max_temperature_k
    _, qh, ksh, _ = ev(t_hi)
    if qh < q_req or ksh > t_max:
        raise ValueError(f"heat_required_w = {q_req:g} W / max_temperature_k = {t_max:g} K are not reachable: "
                         f"the thickest allowed sheet ({t_hi:g} m) rejects {qh:g} W at KS {ksh:g} K")
    lo, hi = np.log(t_lo), np.log(t_hi)
    u = np.log(np.sqrt(t_lo * t_hi))
    for _ in range(60):
        m, q, ks, dq_du = ev(float(np.exp(u)))
        if q >= q_req:
            hi = u
        else:
            lo = u
        if abs(q - q_req) <= 1e-10 * q_req or hi - lo < 1e-12:
            break
        step = u + (q_req - q) / dq_du if dq_du > 0 else 0.5 * (lo + hi)
        u = step if lo < step < hi else 0.5 * (lo + hi)
    if q < q_req and abs(q - q_req) > 1e-10 * q_req:   # not met within tolerance: take the bracket's top
        u = hi
    for _ in range(60):  # the temperature limit, if it binds first
        m, q, ks, _ = ev(float(np.exp(u)))
        if ks <= t_max:
            break
        u = 0.5 * (u + np.log(t_hi))
    return float(np.exp(u)), m


def optimize_thickness(design: ThicknessDesign, initial_zone_thickness_m=None, *, maxiter: int = 200,
                       ftol: float = 1e-9, timing_repeats: int = 2) -> ThicknessResult:
    """Minimum-mass zone thickness map by SLSQP with adjoint gradients.

    Parameters
    ----------
    design : :class:`ThicknessDesign`.
    initial_zone_thickness_m : start (nzy, nzx) [m]; default the uniform reference.
    maxiter, ftol : SLSQP iteration cap and tolerance (on the scaled mass).
    timing_repeats : repetitions of the solve / gradient timing (minimum reported; 0
        skips the timing and the compilation of the forward-only program).

    Returns
    -------
    :class:`ThicknessResult`.

    Raises
    ------
    ValueError : unreachable Q_req, or a forward solve that did not converge at the optimum.
    """
    forward, with_grad = _compiled(design)
    nz = design.zones
    n = nz[0] * nz[1]
    t_lo, t_hi = design.thickness_bounds_m
    t_ref, m_ref = _uniform_reference(with_grad, design, nz, t_lo, t_hi)
    z0 = np.full(nz, t_ref) if initial_zone_thickness_m is None else np.broadcast_to(
        np.asarray(initial_zone_thickness_m, float), nz).copy()
    scale_t = t_ref
    q_req, t_max = design.heat_required_w, design.max_temperature_k
    cache = {}
    counts = dict(solves=0, grads=0)
    history = []

    def evaluate(x, need_grad):
        key = x.tobytes()
        hit = cache.get(key)
        if hit is not None and (hit["grad"] is not None or not need_grad):
            return hit
        z = jnp.asarray(x.reshape(nz) * scale_t)
        # always with the gradient: one compiled program, and SLSQP asks for the
        # gradient at almost every point whose values it asks for
        m, y, aux, dm, jac = with_grad(z)
        counts["grads"] += 1
        g = (np.asarray(dm).ravel() * scale_t, np.asarray(jac).reshape(2, n) * scale_t)
        if not bool(aux[1]):
            raise ValueError(f"radiator solve did not converge in the thickness optimisation "
                             f"(relative residual {float(aux[2]):.3g})")
        hit = dict(m=float(m), q=float(y[0]), ks=float(y[1]), tmax=float(aux[0]), grad=g)
        cache.clear()
        cache[key] = hit
        history.append((hit["m"], hit["q"], hit["ks"]))
        return hit

    def fun(x):
        return evaluate(x, False)["m"] / m_ref

    def jac(x):
        return evaluate(x, True)["grad"][0] / m_ref

    def cfun(x):
        h = evaluate(x, False)
        return np.array([(h["q"] - q_req) / q_req, (t_max - h["ks"]) / t_max])

    def cjac(x):
        g = evaluate(x, True)["grad"][1]
        return np.stack([g[0] / q_req, -g[1] / t_max])

    bounds = [(t_lo / scale_t, t_hi / scale_t)] * n
    x0 = z0.ravel() / scale_t
    res = sopt.minimize(fun, x0, jac=jac, method="SLSQP", bounds=bounds,
                        constraints=[dict(type="ineq", fun=cfun, jac=cjac)],
                        options=dict(maxiter=maxiter, ftol=ftol))
    x = np.clip(res.x, t_lo / scale_t, t_hi / scale_t)
    h = evaluate(x, True)
    gm, gc = h["grad"][0] / m_ref, np.stack([h["grad"][1][0] / q_req, -h["grad"][1][1] / t_max])
    c = np.array([(h["q"] - q_req) / q_req, (t_max - h["ks"]) / t_max])
    lam = np.asarray(getattr(res, "multipliers", None) if getattr(res, "multipliers", None) is not None
                     else np.zeros(2), float)[:2]
    # KKT: grad m - sum lam_i grad c_i = mu_lo - mu_hi with mu >= 0 at active bounds only
    r = gm - lam @ gc
    at_lo = x <= t_lo / scale_t * (1 + 1e-6)
    at_hi = x >= t_hi / scale_t * (1 - 1e-6)
    r_proj = np.where(at_lo, np.minimum(r, 0.0), np.where(at_hi, np.maximum(r, 0.0), r))
    kkt = float(np.max(np.abs(r_proj)) / max(np.max(np.abs(gm)), 1e-300))
    viol = float(max(0.0, -c[0], -c[1]))

    # costs, after compilation (min of repeats): one solve, one value + gradient
    z = jnp.asarray(x.reshape(nz) * scale_t)
    ts, tg = [], []
    if timing_repeats:
        jax.block_until_ready(forward(z))  # compile the forward-only program first
    for _ in range(timing_repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(forward(z))
        ts.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        jax.block_until_ready(with_grad(z))
        tg.append(time.perf_counter() - t0)
    zopt = x.reshape(nz) * scale_t
    tfield = np.asarray(zone_field(zopt, design.numerics.ny, design.numerics.nx))
    lam_si = lam * np.array([m_ref / q_req, m_ref / t_max])
    return ThicknessResult(
        zone_thickness_m=zopt, thickness_m=tfield, mass_kg=h["m"], heat_rejected_w=h["q"],
        ks_temperature_k=h["ks"], max_temperature_k=h["tmax"], reference_mass_kg=m_ref,
        reference_thickness_m=t_ref, mass_saving=1.0 - h["m"] / m_ref, success=bool(res.success),
        message=str(res.message), iterations=int(res.nit), n_solves=counts["solves"],
        n_gradients=counts["grads"], kkt_residual=kkt, multipliers=lam_si, constraint_violation=viol,
        solve_time_s=min(ts, default=np.nan), gradient_time_s=min(tg, default=np.nan),
        fd_cost_estimate_s=(n + 1) * min(ts, default=np.nan), n_vars=n,
        converged=True, history=history)


# ----------------------------------------------------------------------------- radiating fin checks


def rectangular_fin_optimum_reference(n_nodes: int = 2001):
    """Independent optimum of the rectangular radiating fin: maximise N eta(N)^3
    (mass at fixed heat per width scales as 1 / (N eta^3)) with eta(N) from
    ``scipy.integrate.solve_bvp`` on theta'' = N theta^4, theta(0) = 1, theta'(1) = 0.
    Returns (N_c, eta)."""
    from scipy.integrate import solve_bvp

    def eta(N):
        x = np.linspace(0.0, 1.0, n_nodes)
        sol = solve_bvp(lambda x, y: np.vstack([y[1], N * y[0] ** 4]), lambda a, b: np.array([a[0] - 1.0, b[1]]),
                        x, np.vstack([np.ones_like(x), np.zeros_like(x)]), tol=1e-10, max_nodes=200000)
        if not sol.success:
            raise RuntimeError(f"solve_bvp failed at N = {N}")
        return -sol.sol(0.0)[1] / N

    r = sopt.minimize_scalar(lambda N: -N * eta(N) ** 3, bounds=(0.2, 5.0), method="bounded",
                             options=dict(xatol=1e-9))
    return float(r.x), float(eta(r.x))


@dataclass
class FinOptimum:
    """Minimum-mass radiating fin (per unit width).

    thickness_m : (nzx,) zone thicknesses (one value for the rectangular fin) [m].
    length_m [m], mass_kg_m [kg per m of width], heat_w_m [W per m of width],
    profile_number : N_c = 2 eps sigma T_b^3 L^2 / (k t_mean), fin_efficiency,
    success, iterations, kkt_residual, n_solves, n_gradients.
    """

    thickness_m: np.ndarray
    length_m: float
    mass_kg_m: float
    heat_w_m: float
    profile_number: float
    fin_efficiency: float
    success: bool
    iterations: int
    kkt_residual: float
    n_solves: int
    n_gradients: int


def fin_numerics(nx: int) -> Numerics:
    """Numerics for the 1-D fin optimisations: the line preconditioner of a 1-D grid is
    a constant-coefficient inverse along x, which a strongly tapered fin (k t over three
    decades) defeats, so GMRES gets a long restart and a high cap instead; default
    Newton tolerance (1e-12 meets round-off on fine 1-D grids)."""
    return Numerics(nx=nx, ny=1, krylov_restart=min(nx, 100), krylov_max_iters=4000, max_newton=80)


@eqx.filter_jit
def _fin_value_and_jac(x_full, base_temperature_k, emissivity, conductivity_w_m_k, density_kg_m3, numerics):
    """Fin of zone thicknesses x_full[:-1] [m] and length x_full[-1] [m], per metre of
    width: (mass [kg/m], Q [W/m]), (converged, efficiency) and their Jacobian (2, n+1),
    from one forward solve and one adjoint per output.  One compiled program per
    (numerics, number of zones), shared by the rectangular and tapered fins."""
    zeros = jnp.zeros(2, x_full.dtype)

    def responses(x):
        t, L = x[:-1], x[-1]
        p = RadiatorPanel(length_m=L, width_m=jnp.ones((), x.dtype), thickness_m=zone_field(t, 1, numerics.nx)[0],
                          conductivity_w_m_k=conductivity_w_m_k, emissivity=jnp.full((2,), emissivity),
                          absorptivity=zeros, density_kg_m3=density_kg_m3)
        r = solve_fin(p, base_temperature_k, zeros, zeros, numerics)
        mass = density_kg_m3 * jnp.mean(t) * L  # equal zones: mean over zones = mean over cells
        return jnp.stack([mass, r.heat_rejected_w]), (r.converged, r.fin_efficiency)

    y, pull, aux = jax.vjp(responses, x_full, has_aux=True)
    (jac,) = jax.vmap(pull)(jnp.eye(2, dtype=y.dtype))
    return y, aux, jac


def _fin_optimize(x0, to_full, heat_w_m, base_temperature_k, emissivity, conductivity_w_m_k, density_kg_m3,
                  numerics, bounds, maxiter, ftol):
    """SLSQP on scaled fin variables x; ``to_full(x) -> (x_full, d x_full / d x)``;
    minimise mass subject to Q >= heat_w_m."""
    consts = tuple(jnp.asarray(float(v)) for v in (base_temperature_k, emissivity, conductivity_w_m_k,
                                                   density_kg_m3))
    counts = dict(grads=0)
    cache = {}

    def ev(x):
        key = np.asarray(x).tobytes()
        if key not in cache:
            counts["grads"] += 1
            xf, E = to_full(np.asarray(x, float))
            y, aux, jac = _fin_value_and_jac(jnp.asarray(xf, consts[0].dtype), *consts, numerics)
            if not bool(aux[0]):
                raise ValueError("fin solve did not converge during the optimisation")
            cache.clear()
            cache[key] = (np.asarray(y), float(aux[1]), np.asarray(jac) @ E, xf)
        return cache[key]

    m0 = float(ev(x0)[0][0])
    res = sopt.minimize(lambda x: ev(x)[0][0] / m0, x0, jac=lambda x: ev(x)[2][0] / m0, method="SLSQP",
                        bounds=bounds,
                        constraints=[dict(type="ineq", fun=lambda x: np.array([ev(x)[0][1] / heat_w_m - 1.0]),
                                          jac=lambda x: ev(x)[2][1:2] / heat_w_m)],
                        options=dict(maxiter=maxiter, ftol=ftol))
    x = res.x
    y, eta, Jx, xf = ev(x)
    mult = getattr(res, "multipliers", None)
    lam = float(np.asarray(mult)[0]) if mult is not None else 0.0
    r = Jx[0] / m0 - lam * Jx[1] / heat_w_m
    lo = np.array([b[0] for b in bounds])
    hi = np.array([b[1] for b in bounds])
    r = np.where(x <= lo + 1e-9 * np.abs(lo), np.minimum(r, 0), np.where(x >= hi - 1e-9 * np.abs(hi),
                                                                      np.maximum(r, 0), r))
    kkt = float(np.max(np.abs(r)) / np.max(np.abs(Jx[0] / m0)))
    t, L = xf[:-1], float(xf[-1])
    nc = 2.0 * emissivity * SIGMA * base_temperature_k**3 * L**2 / (conductivity_w_m_k * float(np.mean(t)))
    return FinOptimum(thickness_m=t, length_m=L, mass_kg_m=float(y[0]), heat_w_m=float(y[1]),
                      profile_number=nc, fin_efficiency=float(eta), success=bool(res.success),
                      iterations=int(res.nit), kkt_residual=kkt, n_solves=counts["grads"],
                      n_gradients=counts["grads"])


def optimize_rectangular_fin(heat_w_m: float = 100.0, base_temperature_k: float = 350.0, emissivity: float = 0.85,
                             conductivity_w_m_k: float = 200.0, density_kg_m3: float = 2700.0,
                             numerics: Numerics = fin_numerics(256), *, n_zones: int = 32,
                             maxiter: int = 100, ftol: float = 1e-12) -> FinOptimum:
    """Minimum-mass constant-thickness radiating fin rejecting ``heat_w_m`` [W per m of
    width] from a base at ``base_temperature_k`` [K] (both faces of emissivity
    ``emissivity``, 0 K sink, adiabatic tip), over thickness and length, with the FD fin
    and adjoint gradients.  Expected: profile number 0.846 and efficiency 0.565
    (Bartas & Sellers 1960).  ``n_zones`` only selects the compiled program shared with
    :func:`optimize_tapered_fin` (all zones are tied to one thickness)."""
    check_positive("heat_w_m", heat_w_m, "W/m")
    check_positive("base_temperature_k", base_temperature_k, "K")
    if numerics.nx % n_zones:
        raise ValueError(f"numerics.nx = {numerics.nx} must be a multiple of n_zones = {n_zones}")
    # start from a fin at N_c = 2 (off the optimum) that rejects about heat_w_m
    L0 = heat_w_m / (2 * emissivity * SIGMA * base_temperature_k**4 * 0.45)
    t0 = 2 * emissivity * SIGMA * base_temperature_k**3 * L0**2 / (conductivity_w_m_k * 2.0)

    def to_full(x):
        t, L = t0 * np.exp(x[0]), L0 * np.exp(x[1])
        E = np.zeros((n_zones + 1, 2))
        E[:n_zones, 0] = t
        E[n_zones, 1] = L
        return np.concatenate([np.full(n_zones, t), [L]]), E

    out = _fin_optimize(np.zeros(2), to_full, heat_w_m, base_temperature_k, emissivity, conductivity_w_m_k,
                        density_kg_m3, numerics, [(-5.0, 5.0), (-5.0, 5.0)], maxiter, ftol)
    out.thickness_m = out.thickness_m[:1]
    return out


def optimize_tapered_fin(rectangular: FinOptimum, n_zones: int = 32, base_temperature_k: float = 350.0,
                         emissivity: float = 0.85, conductivity_w_m_k: float = 200.0,
                         density_kg_m3: float = 2700.0, numerics: Numerics = fin_numerics(256),
                         *, min_thickness_fraction: float = 1e-3, maxiter: int = 300,
                         ftol: float = 1e-12) -> FinOptimum:
    """Minimum-mass fin profile: ``n_zones`` thicknesses along x and the length free,
    same heat per width as ``rectangular`` (start: the rectangular optimum; thickness
    bounds [min_thickness_fraction, 10] x the rectangular one).  The mass saving
    against the rectangular optimum is ``1 - taper.mass_kg_m / rectangular.mass_kg_m``."""
    if numerics.nx % n_zones:
        raise ValueError(f"numerics.nx = {numerics.nx} must be a multiple of n_zones = {n_zones}")
    t_r, L_r = float(rectangular.thickness_m[0]), rectangular.length_m

    def to_full(x):
        L = L_r * np.exp(x[n_zones])
        E = np.diag(np.concatenate([np.full(n_zones, t_r), [L]]))
        return np.concatenate([t_r * x[:n_zones], [L]]), E

    x0 = np.concatenate([np.ones(n_zones), [0.0]])
    bounds = [(min_thickness_fraction, 10.0)] * n_zones + [(-3.0, 3.0)]
    return _fin_optimize(x0, to_full, rectangular.heat_w_m, base_temperature_k, emissivity, conductivity_w_m_k,
                         density_kg_m3, numerics, bounds, maxiter, ftol)
