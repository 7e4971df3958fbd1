"""Pumped single-phase coolant loop: chips on cold plates, pump, radiator; coupled steady state.

Topology (direct loop): the pump drives the total mass flow ``m`` through
``n_branches`` identical parallel branches (equal split, ``m_b = m / n_branches``);
each branch carries ``n_series`` cold plates in series, each under one chip; the
branches merge and the coolant passes through the radiator (any differentiable
callable), returning to the pump.

Energy: chip ``j`` heats its branch stream by ``P_j / (m_b c_p)``; the coolant
temperature under a cold plate rises linearly along the flow direction (+x of
the chip grid) from the plate's inlet to its outlet temperature; the pump's
hydraulic power ``dp Q`` is dissipated in the coolant by friction, so the
radiator rejects ``sum P_j + dp Q`` at steady state.  Pump electrical power is
``dp Q / eta``.

Pressure drop: cold-plate channel friction (thermal.loop.coldplate) plus per-plate
fitting losses ``K rho V_ch^2/2`` (n_series per branch), main-line pipe friction
(Darcy, laminar 64/Re, turbulent Petukhov, Gnielinski-style transition blend)
plus main-line fittings ``K rho V^2/2``, plus the radiator's pressure drop.

Coupled steady state: the unknowns are the radiator outlet (= loop supply)
temperature and, when a temperature-dependent leakage power is modelled, each
chip's leakage power ``L_j = sum_b L_ref,b exp(beta (T_b - T_ref))`` evaluated
with its block temperatures (exponential leakage form of Liao, He & Lepak
2005).  Their residuals are solved together by Newton's method
(:func:`orbit.solvers.root_find`: ``optimistix.Newton``, ``ImplicitAdjoint``), every chip field being a
preconditioned-CG solve inside ``jax.lax.custom_linear_solve`` -- so the whole
chips + loop + radiator state is one differentiable solve whose gradient costs
adjoint solves, not backpropagation through iterations.  Without leakage, and with a
radiator that exposes its panel state (:func:`fd_panel_radiator`), the supply temperature
and the panel solution come from one implicit rule (``_closed_loop``): a batch of tangents
then costs one batched panel tangent solve plus one shared solve for d/d(supply
temperature), instead of a panel tangent solve in the root find and another for the
returned panel.

The radiator is passed in as
``radiator(inlet_temperature_k, mass_flow_kg_s, cp_j_kg_k, params) ->
(outlet_temperature_k, heat_rejected_w)``; :func:`isothermal_sink_radiator` is a
closed-form example (effectiveness of a stream exchanging with an isothermal
sink).

References
----------
.. [1] F. P. Incropera et al., *Fundamentals of Heat and Mass Transfer*, 6th ed.,
   Wiley 2007, ch. 8 (energy balance of internal flow; isothermal-surface
   effectiveness ``1 - exp(-UA/(m c_p))``) and ch. 11 (effectiveness-NTU).
.. [2] I. E. Idelchik, *Handbook of Hydraulic Resistance*, 3rd ed., Begell 1996
   (fitting loss coefficients K).
.. [3] B. S. Petukhov, Adv. Heat Transfer 6, 503-564 (1970) (friction factor).
.. [4] W. Liao, L. He and K. M. Lepak, "Temperature and supply voltage aware
   performance and power modeling at microarchitecture level", IEEE Trans. CAD
   24(7), 1042-1053 (2005) (exponential temperature dependence of leakage).
"""
from __future__ import annotations

import dataclasses
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx

from orbit.solvers import Convergence, root_find
from orbit.validation import check_positive, check_range, is_concrete

from ..chip.package import ChipModel, PackageParams, default_rtol
from .coldplate import ColdPlate, coldplate_performance, petukhov_darcy_friction
from .coolant import Coolant, check_coolant_state, coolant_properties

__all__ = ["LoopDesign", "LoopSolution", "pipe_darcy_friction", "tube_bank_pressure_drop_pa",
           "isothermal_sink_radiator", "fd_panel_radiator", "fd_panel_pressure_drop", "solve_loop",
           "temperature_budget"]


class LoopDesign(eqx.Module):
    """Differentiable loop parameters.

    Attributes
    ----------
    mass_flow_kg_s : total pump mass flow [kg/s], > 0.
    supply_temperature_k : loop supply (radiator outlet) temperature [K]; used
        only when no radiator is given (open loop with a fixed supply).
    pressure_pa : static loop pressure [Pa] (accumulator set point), checked
        against boiling and the coolant's pressure limit.
    pump_efficiency : wire-to-water pump efficiency in (0, 1].
    pipe_length_m, pipe_diameter_m : main line (pump -> manifolds -> radiator) [m].
    pipe_fittings_k : sum of main-line loss coefficients [-].
    coldplate_fittings_k : loss coefficient per cold plate (manifold/ports) on the
        channel velocity [-].
    radiator_pressure_drop_pa : radiator (tubes + headers) pressure drop [Pa].
    """

    mass_flow_kg_s: jax.Array
    supply_temperature_k: jax.Array
    pressure_pa: jax.Array
    pump_efficiency: jax.Array
    pipe_length_m: jax.Array
    pipe_diameter_m: jax.Array
    pipe_fittings_k: jax.Array
    coldplate_fittings_k: jax.Array
    radiator_pressure_drop_pa: jax.Array


class LoopSolution(eqx.Module):
    """Coupled loop steady state (per-chip arrays are (n_branches, n_series)).

    Attributes
    ----------
    supply_temperature_k : radiator outlet = cold-plate supply [K].
    return_temperature_k : mixed branch outlet = radiator inlet [K].
    coolant_in_k, coolant_out_k : each cold plate's inlet/outlet temperature [K].
    chip_power_w : total power of each chip incl. leakage [W].
    max_junction_k : hottest junction cell of each chip [K].
    block_temperature_k : (n_branches, n_series, n_blocks) block-average temperatures [K].
    block_max_k : (n_branches, n_series, n_blocks) hottest cell per block [K].
    overall_max_junction_k : max over chips [K]; ``ks_junction_k``: KS smooth max over chips [K].
    chip_ks_junction_k : (n_branches, n_series) KS smooth maximum over each chip's junction
        cells [K] (the differentiable bound an optimiser constrains).
    junction_k : (n_branches, n_series, ny, nx) junction-layer temperature maps [K] (NaN off the die).
    case_k, coldplate_base_k : per chip, max temperature of the case layer's top
        sub-layer and of the cold-plate layer's bottom sub-layer [K].
    htc_w_m2_k : cold-plate effective footprint heat-transfer coefficient [W/(m^2 K)].
    reynolds : cold-plate channel Reynolds number.
    pressure_drop_pa : total loop pressure drop [Pa].
    pump_power_w : pump electrical power [W]; ``hydraulic_power_w`` = dp Q [W].
    heat_rejected_w : radiator heat rejection [W].
    energy_residual_w : heat rejected - heat carried (chips + branch heat + pump heat) [W].
    converged : loop root find and all chip solves converged; ``chip_residual``: worst CG residual.
    convergence : the loop root find's :class:`orbit.solvers.Convergence` (``residual``: max |r| of
        its residuals at the last Newton iterate, the supply balance in units of 10 K and, with
        leakage, each chip's leakage-scale change); ``chip_convergence``: each chip solve's
        (leading axis: chip, branch-major).
    radiator_solution : the radiator's own solution at the converged inlet temperature when the
        radiator callable offers one (``radiator.solution``, e.g. :func:`fd_panel_radiator`), else None.
    """

    supply_temperature_k: jax.Array
    return_temperature_k: jax.Array
    coolant_in_k: jax.Array
    coolant_out_k: jax.Array
    chip_power_w: jax.Array
    max_junction_k: jax.Array
    block_temperature_k: jax.Array
    block_max_k: jax.Array
    overall_max_junction_k: jax.Array
    ks_junction_k: jax.Array
    chip_ks_junction_k: jax.Array
    junction_k: jax.Array
    case_k: jax.Array
    coldplate_base_k: jax.Array
    htc_w_m2_k: jax.Array
    reynolds: jax.Array
    pressure_drop_pa: jax.Array
    pump_power_w: jax.Array
    hydraulic_power_w: jax.Array
    heat_rejected_w: jax.Array
    energy_residual_w: jax.Array
    chip_residual: jax.Array
    converged: jax.Array
    radiator_solution: Any = None
    convergence: Convergence = None
    chip_convergence: Convergence = None


LOOP_MAX_NEWTON_STEPS = 50
"""Newton steps of the coupled loop root find before it reports non-convergence."""


def pipe_darcy_friction(reynolds):
    """Round-pipe Darcy friction: 64/Re (Re <= 2300), Petukhov (Re >= 1e4), linear blend between."""
    re_l = jnp.minimum(reynolds, 2300.0)
    re_t = jnp.maximum(reynolds, 1.0e4)
    g = jnp.clip((reynolds - 2300.0) / (1.0e4 - 2300.0), 0.0, 1.0)
    blend = (1 - g) * 64 / 2300.0 + g * petukhov_darcy_friction(1.0e4)
    return jnp.where(reynolds <= 2300.0, 64 / re_l,
                     jnp.where(reynolds >= 1.0e4, petukhov_darcy_friction(re_t), blend))


def isothermal_sink_radiator(inlet_temperature_k, mass_flow_kg_s, cp_j_kg_k, params):
    """Closed-form radiator: a stream exchanging with an isothermal sink.

    ``params = (ua_w_k, sink_temperature_k)``;
    ``T_out = T_s + (T_in - T_s) exp(-UA / (m c_p))``, ``Q = m c_p (T_in - T_out)``
    (Incropera et al. 2007, eq. 8.42b).
    """
    ua, ts = params
    t_out = ts + (inlet_temperature_k - ts) * jnp.exp(-ua / (mass_flow_kg_s * cp_j_kg_k))
    return t_out, mass_flow_kg_s * cp_j_kg_k * (inlet_temperature_k - t_out)


def tube_bank_pressure_drop_pa(mass_flow_kg_s, n_tubes, length_m, diameter_m, fittings_k, density_kg_m3,
                               viscosity_pa_s):
    """Pressure drop [Pa] of ``n_tubes`` identical parallel round tubes sharing ``mass_flow_kg_s``:
    Darcy friction (:func:`pipe_darcy_friction`) over ``length_m`` plus ``fittings_k`` velocity heads
    (inlet, outlet and header losses, Idelchik 1996)."""
    v = mass_flow_kg_s / n_tubes / (density_kg_m3 * jnp.pi * diameter_m ** 2 / 4)
    re = density_kg_m3 * v * diameter_m / viscosity_pa_s
    return (pipe_darcy_friction(re) * length_m / diameter_m + fittings_k) * 0.5 * density_kg_m3 * v ** 2


def _hydraulics(design: LoopDesign, plate: ColdPlate, props, n_branches, n_series, radiator_dp_pa=0.0):
    m_b = design.mass_flow_kg_s / n_branches
    cp_perf = coldplate_performance(plate, m_b, props.density_kg_m3, props.viscosity_pa_s,
                                    props.conductivity_w_m_k, props.prandtl)
    rho = props.density_kg_m3
    dp_plates = n_series * (cp_perf.pressure_drop_pa
                            + design.coldplate_fittings_k * 0.5 * rho * cp_perf.velocity_m_s ** 2)
    area = jnp.pi * design.pipe_diameter_m ** 2 / 4
    v = design.mass_flow_kg_s / (rho * area)
    re = rho * v * design.pipe_diameter_m / props.viscosity_pa_s
    dp_pipe = (pipe_darcy_friction(re) * design.pipe_length_m / design.pipe_diameter_m
               + design.pipe_fittings_k) * 0.5 * rho * v ** 2
    dp = dp_plates + dp_pipe + design.radiator_pressure_drop_pa + radiator_dp_pa
    q_vol = design.mass_flow_kg_s / rho
    return cp_perf, dp, dp * q_vol


class _LoopLayout(eqx.Module):
    """The loop's static layout and callables (what a closed-loop solve does not differentiate).

    Inside the closed-loop rule the callables are closure-converted (``jax.closure_convert``):
    whatever they close over (a mission's traced fitting losses) travels as explicit
    arguments, ``state[-2:]``.
    """

    radiator_solution: Any = eqx.field(static=True)
    radiator_dp: Any = eqx.field(static=True)
    n_branches: int = eqx.field(static=True)
    n_series: int = eqx.field(static=True)
    multiplicity: int = eqx.field(static=True)
    canned_pump: bool = eqx.field(static=True)


def _hydraulic_state(t_sup, design, plate, coolant, radiator_params, layout: _LoopLayout, dp_consts=()):
    """Coolant properties at the supply temperature, cold plate, pressure drop, hydraulic power."""
    props = coolant_properties(coolant, t_sup)
    extra = (0.0 if layout.radiator_dp is None
             else layout.radiator_dp(design.mass_flow_kg_s, props, radiator_params, *dp_consts))
    cp_perf, dp, hyd = _hydraulics(design, plate, props, layout.n_branches * layout.multiplicity, layout.n_series,
                                   extra)
    return props, cp_perf, dp, hyd


def _loop_heat_w(chip_power_sum_w, branch_heat, hyd, design, layout: _LoopLayout):
    """Heat the coolant carries to the radiator: chips, branch heat, pump [W]."""
    pump_heat = hyd / design.pump_efficiency if layout.canned_pump else hyd
    return layout.multiplicity * (chip_power_sum_w + layout.n_branches * branch_heat) + pump_heat


def _panel_balance(t_sup, state, layout: _LoopLayout):
    """(supply residual [10 K], radiator panel solution) at supply temperature ``t_sup`` without leakage.

    ``state = (design, plate, coolant, radiator_params, dyn_w, branch_heat, dp_consts, solution_consts)``.
    """
    design, plate, coolant, radiator_params, dyn_w, branch_heat, dp_consts, sol_consts = state
    props, _, _, hyd = _hydraulic_state(t_sup, design, plate, coolant, radiator_params, layout, dp_consts)
    m, cp = design.mass_flow_kg_s, props.cp_j_kg_k
    t_ret = t_sup + _loop_heat_w(jnp.sum(dyn_w), branch_heat, hyd, design, layout) / (m * cp)
    sol = layout.radiator_solution(t_ret, m, cp, radiator_params, *sol_consts)
    return (sol.outlet_temperature_k - t_sup) / 10.0, sol


def _loop_newton(dtype) -> optx.Newton:
    """The loop's Newton solver (tolerance by precision)."""
    tol = 1e-10 if dtype == jnp.float64 else 1e-5
    return optx.Newton(rtol=tol, atol=tol)


def _supply_root(state, t_guess, layout: _LoopLayout):
    """Newton on the supply temperature (value only): (t_sup, Convergence)."""
    z, conv = root_find(lambda z, _: _panel_balance(z[0], state, layout)[0][None], t_guess[None],
                        solver=_loop_newton(t_guess.dtype), max_steps=LOOP_MAX_NEWTON_STEPS)
    return z[0], conv


@eqx.filter_custom_jvp
def _closed_loop(state, t_guess, *, layout: _LoopLayout):
    """Supply temperature and radiator panel solution of the loop closed on the radiator (no leakage).

    Returns ``(t_sup, panel solution, Convergence of the root find)``.  Derivatives come from the implicit function
    theorem on the scalar balance ``r(t_sup, p) = (T_out(T_ret(t_sup, p), p) - t_sup) / 10``: the
    rule linearises the panel solve once at the converged state, so a batch of tangents costs one
    batched panel tangent solve (at fixed ``t_sup``) plus one unbatched solve for ``d/dt_sup``,
    shared by the supply temperature and the returned panel field.  (Differentiating the root find
    and the final panel solve separately solves the panel's tangent system twice per tangent.)

    This is the one hand-written implicit rule left beside :mod:`orbit.solvers`: the root find
    itself is :func:`orbit.solvers.root_find`, but its implicit derivative (through
    ``optimistix.ImplicitAdjoint``) covers ``t_sup`` only, and the panel field returned with it
    would then be differentiated a second time through the panel's own implicit solve.
    """
    t_sup, conv = _supply_root(state, t_guess, layout)
    return t_sup, _panel_balance(t_sup, state, layout)[1], conv


@_closed_loop.def_jvp
def _closed_loop_jvp(primals, tangents, *, layout: _LoopLayout):
    state, t_guess = primals
    t_state = tangents[0]
    t_sup, conv = _supply_root(state, t_guess, layout)
    diff, rest = eqx.partition(state, eqx.is_inexact_array)
    if t_state is None:
        t_state = jax.tree.map(lambda _: None, diff, is_leaf=lambda x: x is None)
    t_diff = jax.tree.map(lambda p, t: None if p is None else (jnp.zeros_like(p) if t is None else t),
                          diff, t_state, is_leaf=lambda x: x is None)
    zeros = jax.tree.map(jnp.zeros_like, diff)
    (_, sol), lin = jax.linearize(lambda t, d: _panel_balance(t, eqx.combine(d, rest), layout), t_sup, diff)
    r_p, s_p = lin(jnp.zeros_like(t_sup), t_diff)       # at fixed t_sup: batched over tangents
    r_t, s_t = lin(jnp.ones_like(t_sup), zeros)         # d/dt_sup: one solve, shared
    dt_sup = -r_p / r_t
    d_sol = jax.tree.map(lambda a, b: a + dt_sup * b if jnp.issubdtype(a.dtype, jnp.inexact) else None, s_p, s_t)
    return (t_sup, sol, conv), (dt_sup, d_sol, jax.tree.map(lambda _: None, conv))


def _validate(model, chip_params, block_power_w, plate, design, coolant, n_branches, n_series):
    for name in ("n_branches", "n_series"):
        v = {"n_branches": n_branches, "n_series": n_series}[name]
        if int(v) != v or v < 1:
            raise ValueError(f"{name} = {v!r} must be an integer >= 1")
    check_positive("design.mass_flow_kg_s", design.mass_flow_kg_s, "kg/s")
    check_range("design.pump_efficiency", design.pump_efficiency, 0.0, 1.0, lo_inclusive=False)
    for name in ("pipe_length_m", "pipe_diameter_m", "pressure_pa"):
        check_positive(f"design.{name}", getattr(design, name))
    for name in ("pipe_fittings_k", "coldplate_fittings_k", "radiator_pressure_drop_pa"):
        check_range(f"design.{name}", getattr(design, name), 0.0)
    plate.validate()
    lo, hi = coolant.temperature_range_k
    check_range("design.supply_temperature_k", design.supply_temperature_k, lo, hi, units="K")
    if is_concrete(block_power_w):
        p = np.asarray(block_power_w, float)
        if p.shape != (n_branches * n_series, model.n_blocks):
            raise ValueError(f"block_power_w has shape {p.shape}, expected "
                             f"({n_branches * n_series}, {model.n_blocks}) = (chips, blocks)")
        check_range("block_power_w", p, 0.0, units="W")
    model.validate(jax.tree_util.tree_map(lambda a: a[0], chip_params))


def solve_loop(model: ChipModel, chip_params: PackageParams, block_power_w, plate: ColdPlate,
               design: LoopDesign, coolant: Coolant, n_branches: int, n_series: int,
               radiator=None, radiator_params=None, leakage_ref_w=None, leakage_beta_per_k=0.0,
               leakage_ref_temperature_k=358.15, case_layer: int = 1, ks_rho_per_k=5.0,
               rtol=None, check=True, branch_multiplicity: int = 1,
               radiator_pressure_drop=None, supply_guess_k=None, branch_heat_w=0.0,
               canned_pump: bool = False) -> LoopSolution:
    """Coupled steady state of ``n_branches x n_series`` chips, the loop and the radiator.

    Parameters
    ----------
    model : chip geometry shared by all chips; its last layer is the cold-plate base.
    chip_params : :class:`PackageParams` with a leading axis of length
        ``n_branches * n_series`` (branch-major); their ``bottom_htc_w_m2_k`` and
        ``coolant_temperature_k`` are replaced by the loop's values.  The cold plate's
        footprint conductance ``h A_plate`` is applied over the model's footprint
        (``h A_plate / (lx ly)``), so a plate larger or smaller than the chip grid keeps
        its conductance.
    block_power_w : (n_chips, n_blocks) dynamic block powers [W].
    plate : cold-plate geometry (one per chip, identical).
    design : :class:`LoopDesign`.
    coolant : :class:`thermal.loop.coolant.Coolant`.
    radiator : ``radiator(T_in, m, cp, radiator_params) -> (T_out, Q)`` or ``None`` for a
        fixed supply temperature ``design.supply_temperature_k``.
    leakage_ref_w : optional (n_blocks,) or (n_chips, n_blocks) leakage [W] at
        ``leakage_ref_temperature_k``; ``leakage_beta_per_k`` its exponential slope [1/K].
    case_layer : index of the layer whose top sub-layer is reported as the case.
    check : when inputs are concrete, raise ``ValueError`` if the converged coolant
        leaves its liquid range or pressure limits.
    branch_multiplicity : each modelled branch stands for this many identical branches
        (static, >= 1): the pump flow is split over ``n_branches * branch_multiplicity``
        branches and the radiator carries all of their heat.  A payload of N identical
        chips in parallel is ``n_branches = n_series = 1, branch_multiplicity = N``:
        exact, because identical branches see the same supply and flow.
    radiator_pressure_drop : optional ``f(mass_flow_kg_s, props, radiator_params) -> dp [Pa]``
        (e.g. :func:`fd_panel_pressure_drop`), added to ``design.radiator_pressure_drop_pa``
        with the coolant properties at the supply temperature.
    branch_heat_w : heat added to each branch's stream downstream of its chips [W] (e.g.
        point-of-load regulators on the cold plates); it reaches the radiator, not the chips.
    canned_pump : the pump's whole electrical power ``dp Q / eta`` ends up in the coolant (a
        canned/wet-rotor pump); default: only its hydraulic power ``dp Q`` (friction).
    supply_guess_k : optional start of the supply-temperature Newton iteration [K] (e.g. a
        level-0 isothermal-panel estimate); default: 20 fixed-point sweeps of the radiator.

    Without leakage the chips do not feed back on the loop (their power does not depend
    on temperature), so the root find closes the loop energy balance alone and each chip
    is solved once at the converged coolant temperatures; with leakage chips and loop
    are one Newton solve (:func:`orbit.solvers.root_find`).  Either way gradients come from the
    implicit function theorem (``optimistix.ImplicitAdjoint``, or the one rule of the loop closed on
    an FD panel), never from backpropagation through iterations.

    Returns
    -------
    LoopSolution.
    """
    _validate(model, chip_params, block_power_w, plate, design, coolant, n_branches, n_series)
    if int(branch_multiplicity) != branch_multiplicity or branch_multiplicity < 1:
        raise ValueError(f"branch_multiplicity = {branch_multiplicity!r} must be an integer >= 1")
    if radiator is not None and radiator_params is None:
        raise ValueError("radiator_params is required with a radiator callable")
    dtype = chip_params.thickness_m.dtype
    n_chips = n_branches * n_series
    no_leak = leakage_ref_w is None
    if no_leak:
        leakage_ref_w = np.zeros((n_chips, model.n_blocks))
    leak = jnp.broadcast_to(jnp.asarray(leakage_ref_w, dtype), (n_chips, model.n_blocks))
    has_leak = not no_leak and (not is_concrete(leak) or bool(np.any(np.asarray(leak) > 0)))
    sol = _solve_loop(model, chip_params, jnp.asarray(block_power_w, dtype), plate, design, coolant,
                      int(n_branches), int(n_series), radiator, radiator_params, leak,
                      jnp.asarray(leakage_beta_per_k, dtype), jnp.asarray(leakage_ref_temperature_k, dtype),
                      int(case_layer), float(ks_rho_per_k), rtol, has_leak, int(branch_multiplicity),
                      radiator_pressure_drop, supply_guess_k, jnp.asarray(branch_heat_w, dtype), bool(canned_pump))
    if check and is_concrete(sol.supply_temperature_k):
        temps = np.array([float(sol.supply_temperature_k), float(sol.return_temperature_k),
                          float(np.max(sol.coolant_out_k)), float(np.min(sol.coolant_in_k))])
        check_coolant_state(coolant, temps, float(design.pressure_pa) + np.array([0.0, float(sol.pressure_drop_pa)]))
    return sol


@eqx.filter_jit
def _solve_loop(model, chip_params, dyn_w, plate, design, coolant, n_branches, n_series, radiator,
                radiator_params, leak_ref, beta, t_leak_ref, case_layer, ks_rho, rtol, has_leak, multiplicity,
                radiator_dp, supply_guess_k, branch_heat, canned_pump):
    dtype = chip_params.thickness_m.dtype
    n_chips = n_branches * n_series
    rtol_chip = default_rtol(dtype) if rtol is None else rtol
    m = design.mass_flow_kg_s
    n_parallel = n_branches * multiplicity
    m_b = m / n_parallel
    x_frac = jnp.asarray((np.arange(model.nx) + 0.5) / model.nx, dtype)[None, :]
    leak_w = jnp.asarray(leak_ref, dtype)
    footprint = plate.length_m * plate.width_m / (model.lx_m * model.ly_m)

    layout = _LoopLayout(radiator_solution=getattr(radiator, "solution", None), radiator_dp=radiator_dp,
                         n_branches=n_branches, n_series=n_series, multiplicity=multiplicity, canned_pump=canned_pump)

    def hydraulics(t_sup):
        return _hydraulic_state(t_sup, design, plate, coolant, radiator_params, layout)

    def loop_heat(p_chip, hyd):
        return _loop_heat_w(jnp.sum(p_chip), branch_heat, hyd, design, layout)

    def loop_temperatures(t_sup, p_chip, cp, hyd):
        rise = p_chip / (m_b * cp)
        t_in = t_sup + jnp.cumsum(rise, axis=1) - rise
        # radiator inlet: mixed branch outlets (chips + branch heat) + pump heat
        t_ret = t_sup + loop_heat(p_chip, hyd) / (m * cp)
        return rise, t_in, t_in + rise, t_ret

    def chips(t_sup, leak_scale):
        props, cp_perf, dp, hyd = hydraulics(t_sup)
        block_w = dyn_w + leak_w * leak_scale[:, None]
        p_chip = jnp.sum(block_w, axis=1).reshape(n_branches, n_series)
        rise, t_in, t_out, t_ret = loop_temperatures(t_sup, p_chip, props.cp_j_kg_k, hyd)
        cool_map = (t_in.reshape(-1)[:, None, None] + rise.reshape(-1)[:, None, None] * x_frac[None])
        cool_map = jnp.broadcast_to(cool_map, (n_chips, model.ny, model.nx))
        params = eqx.tree_at(lambda p: (p.bottom_htc_w_m2_k, p.coolant_temperature_k), chip_params,
                             (jnp.broadcast_to(cp_perf.htc_w_m2_k * footprint, (n_chips,)), cool_map))
        sols = jax.vmap(lambda p, w: model._steady(p, w, jnp.zeros((model.nz, model.ny, model.nx), dtype),
                                                   rtol_chip, 2000, ks_rho))(params, block_w)
        return props, cp_perf, dp, hyd, p_chip, t_in, t_out, t_ret, sols

    def new_leak_scale(sols):
        return jnp.exp(beta * (sols.block_temperature_k - t_leak_ref))     # (n_chips, n_blocks)

    def supply_residual(t_sup, t_ret, cp):
        if radiator is not None:
            t_back, _ = radiator(t_ret, m, cp, radiator_params)
            return ((t_back - t_sup) / 10.0)[None]
        return ((design.supply_temperature_k - t_sup) / 10.0)[None]

    def residual(z, _):
        t_sup = z[0]
        if not has_leak:   # the chips do not feed back: close the loop energy balance alone
            props, _, _, hyd = hydraulics(t_sup)
            p_chip = jnp.sum(dyn_w, axis=1).reshape(n_branches, n_series)
            t_ret = loop_temperatures(t_sup, p_chip, props.cp_j_kg_k, hyd)[3]
            return supply_residual(t_sup, t_ret, props.cp_j_kg_k)
        scale_guess = z[1:]
        props, _, _, _, _, _, _, t_ret, sols = chips(t_sup, scale_guess)
        # leak scale per chip: leakage-weighted mean of exp(beta (T_b - T_ref))
        wsum = jnp.maximum(jnp.sum(leak_w, axis=1), jnp.finfo(dtype).tiny)
        s_new = jnp.sum(leak_w * new_leak_scale(sols), axis=1) / wsum
        return jnp.concatenate([supply_residual(t_sup, t_ret, props.cp_j_kg_k), scale_guess - s_new])

    # leakage is parameterised as one scale per chip (all of a chip's blocks share it):
    # exact when the chip's leakage-weighted block temperatures are near-uniform, and
    # documented as such.
    z0 = [design.supply_temperature_k[None] if radiator is None else
          jnp.asarray(coolant.temperature_range_k[0] + 30.0, dtype)[None]]
    if radiator is not None:
        guess = (radiator_guess(radiator, radiator_params, design, coolant, dyn_w * multiplicity, dtype)
                 if supply_guess_k is None else jax.lax.stop_gradient(jnp.asarray(supply_guess_k, dtype)))
        z0 = [jnp.maximum(guess, coolant.temperature_range_k[0] + 1.0)[None]]
    if has_leak:
        z0.append(jnp.ones((n_chips,), dtype))
    z0 = jnp.concatenate(z0).astype(dtype)
    radiator_solution = None
    if radiator is not None and hasattr(radiator, "solution") and not has_leak:
        # one implicit rule for the supply temperature and the panel state (see _closed_loop)
        props0 = coolant_properties(coolant, z0[0])
        dp_fn, dp_consts = (None, []) if radiator_dp is None else jax.closure_convert(
            radiator_dp, m, props0, radiator_params)
        sol_fn, sol_consts = jax.closure_convert(radiator.solution, z0[0], m, props0.cp_j_kg_k, radiator_params)
        t_sup, radiator_solution, loop_conv = _closed_loop(
            (design, plate, coolant, radiator_params, dyn_w, branch_heat, dp_consts, sol_consts), z0[0],
            layout=dataclasses.replace(layout, radiator_solution=sol_fn, radiator_dp=dp_fn))
        scale = jnp.zeros((n_chips,), dtype)
    else:
        z, loop_conv = root_find(residual, z0, solver=_loop_newton(dtype), max_steps=LOOP_MAX_NEWTON_STEPS)
        t_sup = z[0]
        scale = z[1:] if has_leak else jnp.zeros((n_chips,), dtype)
    props, cp_perf, dp, hyd, p_chip, t_in, t_out, t_ret, sols = chips(t_sup, scale)
    if radiator is not None and hasattr(radiator, "solution"):   # keep the radiator's own state
        if radiator_solution is None:
            radiator_solution = radiator.solution(t_ret, m, props.cp_j_kg_k, radiator_params)
        q_rej = m * props.cp_j_kg_k * (t_ret - radiator_solution.outlet_temperature_k)
    elif radiator is not None:
        t_back, q_rej = radiator(t_ret, m, props.cp_j_kg_k, radiator_params)
    else:
        q_rej = m * props.cp_j_kg_k * (t_ret - t_sup)
    energy_res = q_rej - loop_heat(p_chip, hyd)
    tj = sols.max_junction_k.reshape(n_branches, n_series)
    ci = int(np.argmax(model.sub_layer == case_layer))
    mask = jnp.asarray(model.mask, dtype)
    case_k = jnp.max(jnp.where(mask[ci] > 0, sols.temperature_k[:, ci], -jnp.inf), axis=(1, 2))
    base_k = jnp.max(jnp.where(mask[-1] > 0, sols.temperature_k[:, -1], -jnp.inf), axis=(1, 2))
    from ..chip.package import ks_max
    chip_res = jnp.max(sols.residual)
    converged = loop_conv.converged & jnp.all(sols.converged)
    nb = model.n_blocks
    return LoopSolution(
        supply_temperature_k=t_sup, return_temperature_k=t_ret, coolant_in_k=t_in, coolant_out_k=t_out,
        chip_power_w=p_chip, max_junction_k=tj,
        block_temperature_k=sols.block_temperature_k.reshape(n_branches, n_series, nb),
        block_max_k=sols.block_max_k.reshape(n_branches, n_series, nb),
        overall_max_junction_k=jnp.max(tj), ks_junction_k=ks_max(tj.reshape(-1), None, ks_rho),
        chip_ks_junction_k=sols.ks_junction_k.reshape(n_branches, n_series),
        junction_k=sols.junction_k.reshape(n_branches, n_series, model.ny, model.nx),
        case_k=case_k.reshape(n_branches, n_series), coldplate_base_k=base_k.reshape(n_branches, n_series),
        htc_w_m2_k=cp_perf.htc_w_m2_k, reynolds=cp_perf.reynolds, pressure_drop_pa=dp,
        pump_power_w=hyd / design.pump_efficiency, hydraulic_power_w=hyd, heat_rejected_w=q_rej,
        energy_residual_w=energy_res, chip_residual=chip_res, converged=converged,
        radiator_solution=radiator_solution, convergence=loop_conv, chip_convergence=sols.convergence)


RADIATOR_GUESS_SWEEPS = 20
"""Fixed-point sweeps of :func:`radiator_guess`."""


def radiator_guess(radiator, radiator_params, design, coolant, dyn_w, dtype):
    """Initial supply temperature: RADIATOR_GUESS_SWEEPS fixed-point sweeps of the radiator at
    constant cp.

    The sweeps are one ``fori_loop`` around a single radiator call.  Unrolled, an FD panel
    radiator put 20 copies of its Newton-Krylov solve into the program: ``solve_loop`` with an
    8 x 6 panel had 39,695 jaxpr equations (now 11,994), and its first call took 21.8 s (now
    7.3 s, XLA at -O0 as in the tests), with bit-identical results.
    """
    lo, hi = coolant.temperature_range_k
    t = jnp.asarray(0.5 * (lo + hi), dtype)
    cp = coolant_properties(coolant, t).cp_j_kg_k
    q = jnp.sum(dyn_w)
    m = design.mass_flow_kg_s

    def sweep(_, t):
        t_back, _ = radiator(t + q / (m * cp), m, cp, radiator_params)
        return jnp.clip(t_back, lo + 1.0, hi - 1.0).astype(dtype)

    return jax.lax.stop_gradient(jax.lax.fori_loop(0, RADIATOR_GUESS_SWEEPS, sweep, t))


def temperature_budget(sol: LoopSolution) -> dict:
    """Temperature budget chain of the hottest chip [K]: junction -> case -> cold-plate base ->
    coolant (plate outlet) -> loop supply, with each link's drop and the supply temperature."""
    idx = jnp.unravel_index(jnp.argmax(sol.max_junction_k), sol.max_junction_k.shape)
    tj, tc, tb = sol.max_junction_k[idx], sol.case_k[idx], sol.coldplate_base_k[idx]
    tco = sol.coolant_out_k[idx]
    return {
        "junction_k": tj, "case_k": tc, "coldplate_base_k": tb, "coolant_out_k": tco,
        "supply_k": sol.supply_temperature_k, "return_k": sol.return_temperature_k,
        "junction_to_case_k": tj - tc, "case_to_coldplate_k": tc - tb,
        "coldplate_to_coolant_k": tb - tco, "coolant_rise_k": tco - sol.supply_temperature_k,
        "hottest_chip": idx,
    }


def fd_panel_radiator(n_panels: int | None, numerics, arrangement: str = "parallel"):
    """Adapter: the FD radiator panel solver (``thermal.radiator.solve_steady``) as a loop radiator.

    The loop flow is split equally over ``n_panels`` identical panels and their
    ``panel.n_tubes`` parallel tubes.  The returned callable has the loop's
    signature ``radiator(T_in, m, cp, params)`` with
    ``params = (panel, shortwave_w_m2, longwave_w_m2)`` (see
    :func:`thermal.radiator.solve_steady`), or, with ``n_panels=None``,
    ``params = (panel, shortwave_w_m2, longwave_w_m2, n_panels)`` where the panel count
    is a (differentiable, possibly fractional) array: a design whose radiator area is a
    variable.  It returns the mixed outlet temperature and ``m cp (T_in - T_out)`` [W].
    Differentiable through the radiator's implicit solve.  ``radiator.solution(T_in, m,
    cp, params)`` returns the panel's full :class:`thermal.radiator.RadiatorResult`.
    """
    from ..radiator import panel as _rad

    if n_panels is not None and (int(n_panels) != n_panels or n_panels < 1):
        raise ValueError(f"n_panels = {n_panels!r} must be an integer >= 1 (or None: from the params)")

    def solution(inlet_temperature_k, mass_flow_kg_s, cp_j_kg_k, params):
        panel, sw, lw = params[:3]
        count = n_panels if n_panels is not None else params[3]
        m_tube = mass_flow_kg_s / (count * panel.n_tubes)
        cool = _rad.Coolant(mass_flow_kg_s=m_tube, specific_heat_j_kg_k=cp_j_kg_k,
                            inlet_temperature_k=inlet_temperature_k, arrangement=arrangement)
        return _rad.solve_steady(panel, cool, sw, lw, numerics)

    def radiator(inlet_temperature_k, mass_flow_kg_s, cp_j_kg_k, params):
        t_out = solution(inlet_temperature_k, mass_flow_kg_s, cp_j_kg_k, params).outlet_temperature_k
        return t_out, mass_flow_kg_s * cp_j_kg_k * (inlet_temperature_k - t_out)

    radiator.solution = solution
    return radiator


def fd_panel_pressure_drop(n_panels: int | None, tube_inner_diameter_m, fittings_k):
    """The tube-bank pressure drop of the panels of :func:`fd_panel_radiator` (same ``params``), as
    ``solve_loop(radiator_pressure_drop=...)`` takes it: the loop flow over ``n_panels x panel.n_tubes``
    round tubes of the panel length (:func:`tube_bank_pressure_drop_pa`)."""

    def pressure_drop(mass_flow_kg_s, props, params):
        panel = params[0]
        count = n_panels if n_panels is not None else params[3]
        return tube_bank_pressure_drop_pa(mass_flow_kg_s, count * panel.n_tubes, panel.length_m,
                                          tube_inner_diameter_m, fittings_k, props.density_kg_m3,
                                          props.viscosity_pa_s)

    return pressure_drop
