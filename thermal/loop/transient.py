"""Time-resolved pumped coolant loop over an orbit: lumped thermal network, diffrax, periodic solve.

Network (one representative chip standing for ``n_chips`` identical parallel branches)
--------------------------------------------------------------------------------------
Flow path: supply line -> cold plates (``n_chips`` in parallel, branch flow ``m / n_chips``)
-> return line -> radiator (fraction ``1 - b`` of the flow, ``b`` the bypass fraction) and
bypass -> mixing valve -> supply line.  States (temperatures [K]):

* ``T_c``: package + cold plate of one chip, capacitance ``C_c`` [J/K].  The cold plate is a
  quasi-steady exchanger with an isothermal wall at ``T_c``: the coolant leaves it at
  ``T_c + (T_s - T_c) exp(-UA_cp / (m_b c_p))`` (Incropera et al. 2007, eq. 8.42b);
  ``C_c dT_c/dt = P(t) - m_b c_p (1 - exp(-UA_cp/(m_b c_p))) (T_c - T_s)``.  The junction is
  estimated quasi-steadily as ``T_j = T_c + P R_jc`` (``R_jc`` from the steady chip model).
* ``T_s``, ``T_r``: supply and return coolant inventories (pipes, manifolds, accumulator) as
  well-mixed volumes of mass ``M_s``, ``M_r``:
  ``M_r c_p dT_r/dt = m c_p (T_cp,out - T_r) + Q_pump``;
  ``M_s c_p dT_s/dt = m c_p (T_mix - T_s) + Q_heater``,
  ``T_mix = (1 - b) T_rad,out + b T_r``.
* ``T_i``, i = 1..N: radiator segments along the tube flow (sheet + tubes + the coolant in
  them, areal capacitance ``c_A`` [J/(m^2 K)], area ``A/N``).  The coolant crosses segment i
  as a quasi-steady exchanger with wall ``T_i`` and conductance ``G/N`` (tube-to-sheet
  conductance): ``T_out,i = T_i + (T_in,i - T_i) exp(-G/(N m_r c_p))``, and
  ``c_A A/N dT_i/dt = m_r c_p (T_in,i - T_out,i) - eta (A/N) sum_f [eps_f sigma T_i^4 - q_f(t)]``
  with ``q_f = alpha_f S_f(t) + eps_f L_f(t)`` the absorbed environmental flux on face f
  (:func:`thermal.environment.heat_loads.plate_environment`) and ``eta`` the fin efficiency (the
  convention of :class:`thermal.radiator.RadiatorResult`: efficiency on the net rejection).

Two more states integrate the dissipated (chips, pump heat, heaters) and the rejected
(net radiated) energy, so stored + rejected = dissipated is checked to solver tolerance.
Coolant properties are taken at one reference temperature (constant ``c_p``), which keeps the
advected enthalpy exactly conservative; evaluate them with :mod:`thermal.loop.coolant` at the
loop's mean temperature (:func:`loop_params`).  At steady state with linearised radiation the
segments converge to the continuous isothermal-sink exchanger of
:func:`thermal.isothermal_sink_radiator` with ``UA = G H / (G + H)``: at second order in 1/N
once the per-segment tube NTU ``G / (N m_r c_p)`` is below ~1, at first order (each segment then
acts like a backward-Euler step) while segments are thermally long.  Choose
``n_segments >= 2 G / (m_r c_p)``: the baseline loop (G ~ 2e5 W/K, m c_p ~ 1.5e4 W/K) needs ~30.

Time integration
----------------
Fixed steps (``steps_per_orbit``, the default; periodic solves and gradients): ROS2, the
two-stage L-stable second-order Rosenbrock W-method of Verwer et al. (1999), in a ``lax.scan``.
It is linearly implicit (one LU of ``I - gamma h J`` per step, no Newton iterations), so it
differentiates cleanly in forward and reverse mode, keeps the linear energy invariant exactly,
and copes with the stiffness of the network (chip and line time constants of seconds, an orbit
of an hour and a half).  Adaptive steps (``steps_per_orbit=None``): diffrax ``diffeqsolve`` with
TR-BDF2 (Bank et al. 1985; Hosea & Shampine 1996) written as a diffrax ESDIRK tableau
(:class:`TRBDF2`: trapezoid stage to ``t + gamma h``, BDF2 stage to ``t + h``,
``gamma = 2 - sqrt(2)``, L-stable, embedded first-order error estimate) and a PID controller:
the choice for long transients.  The orbit-periodic state is the root of ``y0 -> y(P; y0) - y0``
(shooting, :func:`thermal.numerics.periodic.periodic_state`) found with ``optimistix.Newton``;
its gradient comes from ``optimistix.ImplicitAdjoint`` (one adjoint linear solve with the
monodromy matrix), never from differentiating the Newton iterations.

References
----------
.. [1] F. P. Incropera, D. P. DeWitt, T. L. Bergman, A. S. Lavine, *Fundamentals of Heat and
   Mass Transfer*, 6th ed., Wiley 2007, ch. 8 (internal flow, isothermal-wall exchanger) and
   ch. 11 (effectiveness-NTU).
.. [2] R. E. Bank, W. M. Coughran, W. Fichtner, E. H. Grosse, D. J. Rose, R. K. Smith,
   "Transient simulation of silicon devices and circuits", IEEE Trans. CAD 4(4), 436-451 (1985)
   (TR-BDF2).
.. [3] M. E. Hosea and L. F. Shampine, "Analysis and implementation of TR-BDF2", Appl. Numer.
   Math. 20, 21-37 (1996) (TR-BDF2 as an ESDIRK, embedded error estimate).
.. [6] J. G. Verwer, E. J. Spee, J. G. Blom, W. Hundsdorfer, "A second-order Rosenbrock method
   applied to photochemical dispersion problems", SIAM J. Sci. Comput. 20(4), 1456-1480 (1999)
   (ROS2).
.. [4] D. G. Gilmore (ed.), *Spacecraft Thermal Control Handbook*, Vol. I, 2nd ed., Aerospace
   Press 2002, ch. 6 (radiators, fin efficiency) and ch. 12 (pumped loops).
.. [5] W. M. Haynes (ed.), *CRC Handbook of Chemistry and Physics*, 95th ed., CRC Press 2014,
   "Heat capacity of the elements at 25 C": Al 0.897, Cu 0.385, Si 0.705 J/(g K).
"""
from __future__ import annotations

import math
from typing import ClassVar, Optional

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx
from diffrax._local_interpolation import ThirdOrderHermitePolynomialInterpolation

from orbit.constants import STEFAN_BOLTZMANN_W_M2_K4 as SIGMA
from orbit.solvers import Convergence, root_find
from orbit.validation import check_positive, check_range, is_concrete

from ..numerics.periodic import DenseNewton, periodic_state

__all__ = ["ALUMINIUM_SPECIFIC_HEAT_J_KG_K", "COPPER_SPECIFIC_HEAT_J_KG_K", "SILICON_SPECIFIC_HEAT_J_KG_K",
           "TRBDF2", "LoopTransientParams", "LoopNumerics", "OrbitLoads", "PowerSchedule", "LoopHistory",
           "PeriodicLoop", "orbit_loads", "constant_loads", "loop_params", "radiator_heat_capacity_j_m2_k",
           "simulate_loop", "periodic_loop", "steady_loop", "n_state"]

ALUMINIUM_SPECIFIC_HEAT_J_KG_K = 897.0
"""Aluminium specific heat at 25 C [J/(kg K)] (CRC Handbook, ref. [5])."""
COPPER_SPECIFIC_HEAT_J_KG_K = 385.0
"""Copper specific heat at 25 C [J/(kg K)] (CRC Handbook, ref. [5])."""
SILICON_SPECIFIC_HEAT_J_KG_K = 705.0
"""Silicon specific heat at 25 C [J/(kg K)] (CRC Handbook, ref. [5])."""

ENERGY_SCALE_J = 1.0e6
"""Energy integrals are carried in MJ so that they share the ODE tolerances with temperatures."""


# ----------------------------------------------------------------------------- TR-BDF2

_G = 2.0 - math.sqrt(2.0)
_D = _G / 2.0
_W = math.sqrt(2.0) / 4.0
_B_HAT = np.array([(1.0 - _W) / 3.0, (3.0 * _W + 1.0) / 3.0, _D / 3.0])
_TRBDF2_TABLEAU = diffrax.ButcherTableau(
    c=np.array([_G, 1.0]),
    a_lower=(np.array([_D]), np.array([_W, _W])),
    a_diagonal=np.array([0.0, _D, _D]),
    a_predictor=(np.array([1.0]), np.array([0.0, 1.0])),
    b_sol=np.array([_W, _W, _D]),
    b_error=np.array([_W, _W, _D]) - _B_HAT,
)


class TRBDF2(diffrax.AbstractESDIRK):
    """TR-BDF2: second-order, L-stable, stiffly accurate ESDIRK with an embedded error estimate
    (Bank et al. 1985; Hosea & Shampine 1996).  Stage equations are solved by ``root_finder``
    (default: Newton to 1e-10 relative, 1e-8 absolute)."""

    tableau: ClassVar[diffrax.ButcherTableau] = _TRBDF2_TABLEAU
    interpolation_cls: ClassVar = ThirdOrderHermitePolynomialInterpolation.from_k
    root_finder: optx.AbstractRootFinder = optx.Newton(rtol=1e-10, atol=1e-8)
    root_find_max_steps: int = 20

    def order(self, terms):
        del terms
        return 2


# ----------------------------------------------------------------------------- data


class LoopTransientParams(eqx.Module):
    """Differentiable parameters of the lumped loop (a pytree of arrays; SI units).

    Attributes
    ----------
    n_chips : identical chips in parallel branches [-] (multiplicity of the representative chip).
    chip_heat_capacity_j_k : package + cold plate of one chip [J/K] (:func:`loop_params` builds it
        from masses and cited specific heats).
    coldplate_conductance_w_k : cold-plate wall-to-coolant conductance of one chip ``h A`` [W/K].
    junction_resistance_k_w : junction-to-cold-plate resistance of one chip [K/W] (quasi-steady
        junction estimate; take it from the steady chip solve).
    mass_flow_kg_s : total pump flow [kg/s].
    coolant_cp_j_kg_k : coolant specific heat at the reference temperature [J/(kg K)].
    supply_inventory_kg, return_inventory_kg : coolant mass in the supply / return lines [kg].
    radiator_area_m2 : radiator planform area (all panels; both faces radiate) [m^2].
    radiator_heat_capacity_j_m2_k : sheet + tubes + tube coolant per planform area [J/(m^2 K)].
    tube_conductance_w_k : coolant-to-sheet conductance of all tubes together [W/K]
        (per-length bond conductance x total tube length).
    emissivity, absorptivity : faces A, B, shape (2,).
    fin_efficiency : radiator fin efficiency on the net rejection [-] in (0, 1].
    bypass_fraction : fraction of the flow bypassing the radiator [-] in [0, 0.999].
    coolant_heat_w : heat entering the return line besides the chips (pump, point-of-load) [W].
    heater_max_w : thermostatic heater power on the supply line at full demand [W].
    heater_setpoint_k, heater_band_k : the heater gives ``heater_max_w (1 + tanh((T_set - T_s)/band))/2``.
    linearize_radiation_about_k : > 0 replaces ``T^4`` by ``T0^4 + 4 T0^3 (T - T0)`` about this
        temperature (validation mode); 0 keeps the full law.
    """

    n_chips: jax.Array
    chip_heat_capacity_j_k: jax.Array
    coldplate_conductance_w_k: jax.Array
    junction_resistance_k_w: jax.Array
    mass_flow_kg_s: jax.Array
    coolant_cp_j_kg_k: jax.Array
    supply_inventory_kg: jax.Array
    return_inventory_kg: jax.Array
    radiator_area_m2: jax.Array
    radiator_heat_capacity_j_m2_k: jax.Array
    tube_conductance_w_k: jax.Array
    emissivity: jax.Array
    absorptivity: jax.Array
    fin_efficiency: jax.Array = 1.0
    bypass_fraction: jax.Array = 0.0
    coolant_heat_w: jax.Array = 0.0
    heater_max_w: jax.Array = 0.0
    heater_setpoint_k: jax.Array = 278.15
    heater_band_k: jax.Array = 1.0
    linearize_radiation_about_k: jax.Array = 0.0

    def validate(self) -> None:
        """Host-side checks (concrete values): ValueError naming the field, value and range."""
        for name in ("n_chips", "chip_heat_capacity_j_k", "coldplate_conductance_w_k", "mass_flow_kg_s",
                     "coolant_cp_j_kg_k", "supply_inventory_kg", "return_inventory_kg", "radiator_area_m2",
                     "radiator_heat_capacity_j_m2_k", "tube_conductance_w_k", "heater_band_k"):
            check_positive(f"params.{name}", getattr(self, name))
        for name in ("junction_resistance_k_w", "coolant_heat_w", "heater_max_w", "linearize_radiation_about_k"):
            check_range(f"params.{name}", getattr(self, name), 0.0)
        check_range("params.emissivity", self.emissivity, 0.0, 1.0, lo_inclusive=False)
        check_range("params.absorptivity", self.absorptivity, 0.0, 1.0)
        check_range("params.fin_efficiency", self.fin_efficiency, 0.0, 1.0, lo_inclusive=False)
        check_range("params.bypass_fraction", self.bypass_fraction, 0.0, 0.999)
        check_positive("params.heater_setpoint_k", self.heater_setpoint_k, "K")
        if is_concrete(self):
            for name in ("emissivity", "absorptivity"):
                if np.shape(getattr(self, name)) != (2,):
                    raise ValueError(f"params.{name} must have shape (2,) (faces A, B), "
                                     f"got {np.shape(getattr(self, name))}")


class LoopNumerics(eqx.Module):
    """Static numerical choices (changing them recompiles).

    n_segments : radiator segments along the flow (>= 1).
    steps_per_orbit : fixed ROS2 steps per ``period`` (an int), or None for adaptive diffrax
        TR-BDF2 steps with the PID controller at ``rtol``/``atol``.  Error of the periodic orbit
        ~0.1 K at 96, ~0.03 K at 192 steps for the baseline-like network of the tests.
    rtol, atol : adaptive-step tolerances (atol in K and MJ).
    max_steps : step cap of one integration.
    newton_rtol, newton_atol, max_newton : periodic shooting Newton (atol in K).
    """

    n_segments: int = eqx.field(static=True, default=8)
    steps_per_orbit: Optional[int] = eqx.field(static=True, default=192)
    rtol: float = eqx.field(static=True, default=1e-7)
    atol: float = eqx.field(static=True, default=1e-6)
    max_steps: int = eqx.field(static=True, default=100_000)
    newton_rtol: float = eqx.field(static=True, default=1e-10)
    newton_atol: float = eqx.field(static=True, default=1e-7)
    max_newton: int = eqx.field(static=True, default=20)

    def validate(self) -> None:
        if not isinstance(self.n_segments, (int, np.integer)) or self.n_segments < 1:
            raise ValueError(f"numerics.n_segments = {self.n_segments!r} must be an integer >= 1")
        if self.steps_per_orbit is not None and (not isinstance(self.steps_per_orbit, (int, np.integer))
                                                 or self.steps_per_orbit < 2):
            raise ValueError(f"numerics.steps_per_orbit = {self.steps_per_orbit!r} must be an integer >= 2 or None")
        if self.max_newton < 1 or self.max_steps < 1:
            raise ValueError("numerics.max_newton and numerics.max_steps must be >= 1")


class OrbitLoads(eqx.Module):
    """Incident environmental fluxes over one orbit, equally spaced from orbit noon, periodic.

    shortwave_w_m2, longwave_w_m2 : (n, 2) incident solar + albedo and Earth IR on faces A, B [W/m^2].
    sunlit : (n,) visible solar-disk fraction (drives eclipse throttling of the payload).
    period_s : orbit period [s].
    Values between samples are linear in time (periodic wrap).
    """

    shortwave_w_m2: jax.Array
    longwave_w_m2: jax.Array
    sunlit: jax.Array
    period_s: jax.Array

    def at(self, t):
        """(shortwave (2,), longwave (2,), sunlit) at time ``t`` [s] (periodic linear interpolation)."""
        n = self.sunlit.shape[0]
        x = jnp.mod(t, self.period_s) / self.period_s * n
        i0 = jnp.clip(jnp.floor(x).astype(jnp.int32), 0, n - 1)
        w = x - i0
        i1 = jnp.mod(i0 + 1, n)

        def lerp(a):
            return (1.0 - w) * a[i0] + w * a[i1]
        return lerp(self.shortwave_w_m2), lerp(self.longwave_w_m2), lerp(self.sunlit)


class PowerSchedule(eqx.Module):
    """Payload power of one chip versus time [W]:
    ``chip_power_w * (eclipse_fraction + (1 - eclipse_fraction) * sunlit(t))``.

    chip_power_w : sunlit power of one chip [W] (safe mode: the minimum power, e.g. 0).
    eclipse_fraction : power in eclipse / sunlit power [-] in [0, 1] (1: no throttling).
    """

    chip_power_w: jax.Array
    eclipse_fraction: jax.Array = 1.0

    def power_w(self, sunlit):
        return self.chip_power_w * (self.eclipse_fraction + (1.0 - self.eclipse_fraction) * sunlit)


class LoopHistory(eqx.Module):
    """Time series of a loop integration (leading axis: save times).

    time_s ; chip_k (cold-plate/package node) ; junction_k (``chip_k + P R_jc``) ;
    supply_k, return_k (coolant inventories) ; radiator_outlet_k (mixed, before the bypass
    mix) ; segment_k (n_t, N) ; radiator_min_k / radiator_max_k (over segments) ;
    min_coolant_k (coldest coolant node: supply, return or a segment) ; chip_power_w (one chip) ;
    heater_w ; stored_energy_j (change since the start), rejected_energy_j, dissipated_energy_j,
    energy_residual_j (= stored + rejected - dissipated) ; state (n_t, n_state) ;
    converged (integration finished successfully).
    """

    time_s: jax.Array
    chip_k: jax.Array
    junction_k: jax.Array
    supply_k: jax.Array
    return_k: jax.Array
    radiator_outlet_k: jax.Array
    segment_k: jax.Array
    radiator_min_k: jax.Array
    radiator_max_k: jax.Array
    min_coolant_k: jax.Array
    chip_power_w: jax.Array
    heater_w: jax.Array
    stored_energy_j: jax.Array
    rejected_energy_j: jax.Array
    dissipated_energy_j: jax.Array
    energy_residual_j: jax.Array
    state: jax.Array
    converged: jax.Array


class PeriodicLoop(eqx.Module):
    """Orbit-periodic loop: the state at orbit noon ``initial_state``, the orbit ``history``,
    summary values (NaN when not converged), ``periodicity_error_k`` (max |y(P) - y(0)|),
    ``newton_steps`` and ``converged``; ``convergence``, the shooting's
    :class:`orbit.solvers.Convergence` (``residual``: max |y(P) - y(0)| [K] at the last Newton
    iterate, ``iterations`` = ``newton_steps``; ``converged`` = ``converged``)."""

    initial_state: jax.Array
    history: LoopHistory
    min_coolant_k: jax.Array
    min_radiator_k: jax.Array
    max_junction_k: jax.Array
    mean_heater_w: jax.Array
    periodicity_error_k: jax.Array
    newton_steps: jax.Array
    converged: jax.Array
    convergence: Convergence


def n_state(numerics: LoopNumerics) -> int:
    """Length of the state vector: chip, supply, return, N segments, 2 energy integrals."""
    return numerics.n_segments + 5


# ----------------------------------------------------------------------------- builders


def orbit_loads(environment, period_s) -> OrbitLoads:
    """:class:`OrbitLoads` from a :class:`thermal.environment.heat_loads.PlateEnvironment` (one orbit of samples)
    and the orbit period [s] (``orbit.period_s(altitude_m)``)."""
    a, b = environment.face_a, environment.face_b
    sw = jnp.stack([a.shortwave_w_m2, b.shortwave_w_m2], axis=-1)
    lw = jnp.stack([a.longwave_w_m2, b.longwave_w_m2], axis=-1)
    return OrbitLoads(sw, lw, jnp.asarray(environment.samples.sunlit, sw.dtype), jnp.asarray(period_s, sw.dtype))


def constant_loads(shortwave_w_m2, longwave_w_m2, period_s, sunlit=1.0) -> OrbitLoads:
    """Time-independent incident fluxes (faces A, B) [W/m^2] as :class:`OrbitLoads`."""
    sw = jnp.asarray(shortwave_w_m2, float)
    lw = jnp.asarray(longwave_w_m2, float)
    return OrbitLoads(jnp.stack([sw, sw]), jnp.stack([lw, lw]), jnp.full((2,), sunlit, sw.dtype),
                      jnp.asarray(period_s, sw.dtype))


def radiator_heat_capacity_j_m2_k(sheet_thickness_m, tube_pitch_m, tube_mass_per_length_kg_m,
                                  tube_inner_diameter_m, coolant_density_kg_m3, coolant_cp_j_kg_k,
                                  sheet_density_kg_m3=2700.0, sheet_specific_heat_j_kg_k=ALUMINIUM_SPECIFIC_HEAT_J_KG_K,
                                  tube_specific_heat_j_kg_k=ALUMINIUM_SPECIFIC_HEAT_J_KG_K):
    """Areal heat capacity of a tube-and-fin radiator [J/(m^2 K)]: sheet + tubes + the coolant in
    the tubes (tube length per planform area = 1 / pitch).  Honeycomb/support structure is left
    out (weakly coupled to the tubes); aluminium 897 J/(kg K) (CRC Handbook)."""
    sheet = sheet_thickness_m * sheet_density_kg_m3 * sheet_specific_heat_j_kg_k
    tubes = tube_mass_per_length_kg_m / tube_pitch_m * tube_specific_heat_j_kg_k
    fluid = (jnp.pi * tube_inner_diameter_m ** 2 / 4.0 / tube_pitch_m) * coolant_density_kg_m3 * coolant_cp_j_kg_k
    return sheet + tubes + fluid


def loop_params(*, n_chips, chip_package_mass_kg, coldplate_mass_kg, coldplate_conductance_w_k,
                junction_resistance_k_w, mass_flow_kg_s, coolant, reference_temperature_k, loop_inventory_kg,
                radiator_area_m2, radiator_heat_capacity_j_m2_k, tube_conductance_w_k, emissivity, absorptivity,
                fin_efficiency=1.0, coolant_heat_w=0.0, radiator_inventory_kg=0.0,
                package_specific_heat_j_kg_k=SILICON_SPECIFIC_HEAT_J_KG_K,
                coldplate_specific_heat_j_kg_k=COPPER_SPECIFIC_HEAT_J_KG_K, **extra) -> LoopTransientParams:
    """:class:`LoopTransientParams` from engineering inputs.

    The chip node is ``package mass x c_p(package) + cold-plate mass x c_p(copper)``; the coolant
    ``c_p`` is :func:`thermal.loop.coolant.coolant_properties` at ``reference_temperature_k``; the loop
    inventory outside the radiator tubes (``loop_inventory_kg - radiator_inventory_kg``) is split
    equally between supply and return lines.  ``extra`` sets the optional fields (bypass, heater,
    linearisation).
    """
    from .coolant import coolant_properties

    cp = coolant_properties(coolant, reference_temperature_k).cp_j_kg_k
    lines = jnp.maximum(jnp.asarray(loop_inventory_kg) - radiator_inventory_kg, 1e-3)
    return LoopTransientParams(
        n_chips=jnp.asarray(n_chips, float),
        chip_heat_capacity_j_k=chip_package_mass_kg * package_specific_heat_j_kg_k
        + coldplate_mass_kg * coldplate_specific_heat_j_kg_k,
        coldplate_conductance_w_k=jnp.asarray(coldplate_conductance_w_k, float),
        junction_resistance_k_w=jnp.asarray(junction_resistance_k_w, float),
        mass_flow_kg_s=jnp.asarray(mass_flow_kg_s, float), coolant_cp_j_kg_k=cp,
        supply_inventory_kg=0.5 * lines, return_inventory_kg=0.5 * lines,
        radiator_area_m2=jnp.asarray(radiator_area_m2, float),
        radiator_heat_capacity_j_m2_k=jnp.asarray(radiator_heat_capacity_j_m2_k, float),
        tube_conductance_w_k=jnp.asarray(tube_conductance_w_k, float),
        emissivity=jnp.asarray(emissivity, float), absorptivity=jnp.asarray(absorptivity, float),
        fin_efficiency=jnp.asarray(fin_efficiency, float), coolant_heat_w=jnp.asarray(coolant_heat_w, float),
        **{k: jnp.asarray(v, float) for k, v in extra.items()})


# ----------------------------------------------------------------------------- the network


def _as_float_tree(tree, dtype):
    return jax.tree_util.tree_map(lambda v: jnp.asarray(v, dtype), tree)


def _capacities(p: LoopTransientParams, n_seg):
    """Heat capacity of every temperature state [J/K] (the chip node counts n_chips times)."""
    seg = p.radiator_heat_capacity_j_m2_k * p.radiator_area_m2 / n_seg
    return jnp.concatenate([jnp.stack([p.n_chips * p.chip_heat_capacity_j_k,
                                       p.supply_inventory_kg * p.coolant_cp_j_kg_k,
                                       p.return_inventory_kg * p.coolant_cp_j_kg_k]),
                            jnp.broadcast_to(seg, (n_seg,))])


def _fluxes(t, temps, p: LoopTransientParams, loads: OrbitLoads, schedule: PowerSchedule):
    """Node heat flows [W] (capacity x dT/dt) and the diagnostics at one time."""
    n_seg = temps.shape[0] - 3
    tc, ts, tr, tseg = temps[0], temps[1], temps[2], temps[3:]
    sw, lw, sunlit = loads.at(t)
    power = schedule.power_w(sunlit)
    cp = p.coolant_cp_j_kg_k
    m = p.mass_flow_kg_s
    mb_cp = m * cp / p.n_chips
    # cold plate: isothermal-wall exchanger
    q_cp = mb_cp * (-jnp.expm1(-p.coldplate_conductance_w_k / mb_cp)) * (tc - ts)
    t_cp_out = ts + q_cp / mb_cp
    # radiator segments along the flow: exact exchanger per segment, sequential along the flow
    mr_cp = (1.0 - p.bypass_fraction) * m * cp
    decay = jnp.exp(-p.tube_conductance_w_k / n_seg / mr_cp)
    # coolant entering segment k: T_in,k = d^k T_r + sum_{j<k} (1 - d) d^(k-1-j) T_j (closed-form recurrence)
    k = np.arange(n_seg)
    lag = k[:, None] - 1 - k[None, :]
    powers = decay ** jnp.asarray(np.maximum(lag, 0), tseg.dtype)
    mix = jnp.where(jnp.asarray(lag >= 0), (1.0 - decay) * powers, 0.0)
    t_in = decay ** jnp.asarray(k, tseg.dtype) * tr + mix @ tseg
    t_out = tseg + (t_in - tseg) * decay
    q_in = mr_cp * (t_in - t_out)
    t_rad_out = t_out[-1]
    area = p.radiator_area_m2 / n_seg
    t0 = p.linearize_radiation_about_k
    linear = t0 > 0
    t0s = jnp.where(linear, t0, 1.0)
    t4 = jnp.where(linear, t0s ** 4 + 4.0 * t0s ** 3 * (tseg - t0s), tseg ** 4)
    absorbed = jnp.sum(p.absorptivity * sw + p.emissivity * lw)
    q_rad = p.fin_efficiency * area * (jnp.sum(p.emissivity) * SIGMA * t4 - absorbed)
    heater = p.heater_max_w * 0.5 * (1.0 + jnp.tanh((p.heater_setpoint_k - ts) / p.heater_band_k))
    t_mix = (1.0 - p.bypass_fraction) * t_rad_out + p.bypass_fraction * tr
    flows = jnp.concatenate([
        jnp.stack([p.n_chips * (power - q_cp),
                   m * cp * (t_mix - ts) + heater,
                   m * cp * (t_cp_out - tr) + p.coolant_heat_w]),
        q_in - q_rad])
    dissipated = p.n_chips * power + p.coolant_heat_w + heater
    return flows, dissipated, jnp.sum(q_rad), dict(power=power, heater=heater, t_rad_out=t_rad_out)


def _vector_field(t, y, args):
    p, loads, schedule = args
    temps = y[:-2]
    flows, diss, rej, _ = _fluxes(t, temps, p, loads, schedule)
    cap = _capacities(p, temps.shape[0] - 3)
    return jnp.concatenate([flows / cap, jnp.stack([diss, rej]) / ENERGY_SCALE_J])


def _history(ts, ys, p, loads, schedule, converged, y_start):
    n_seg = ys.shape[1] - 5
    temps = ys[:, :-2]

    def diag(t, tt):
        _, _, _, d = _fluxes(t, tt, p, loads, schedule)
        return d["power"], d["heater"], d["t_rad_out"]
    power, heater, t_out = jax.vmap(diag)(ts, temps)
    cap = _capacities(p, n_seg)
    stored = (temps - y_start[:-2]) @ cap
    diss = (ys[:, -2] - y_start[-2]) * ENERGY_SCALE_J
    rej = (ys[:, -1] - y_start[-1]) * ENERGY_SCALE_J
    seg = temps[:, 3:]
    return LoopHistory(
        time_s=ts, chip_k=temps[:, 0], junction_k=temps[:, 0] + power * p.junction_resistance_k_w,
        supply_k=temps[:, 1], return_k=temps[:, 2], radiator_outlet_k=t_out, segment_k=seg,
        radiator_min_k=jnp.min(seg, axis=1), radiator_max_k=jnp.max(seg, axis=1),
        min_coolant_k=jnp.minimum(jnp.min(temps[:, 1:3], axis=1), jnp.min(seg, axis=1)),
        chip_power_w=power, heater_w=heater, stored_energy_j=stored, rejected_energy_j=rej,
        dissipated_energy_j=diss, energy_residual_j=stored + rej - diss, state=ys, converged=converged)


_ROS2_GAMMA = 1.0 + 1.0 / math.sqrt(2.0)


def _ros2_step(t, y, h, args):
    """One ROS2 step (Verwer et al. 1999): a two-stage, L-stable, second-order Rosenbrock
    W-method.  ``W = I - gamma h J`` with ``J = df/dy`` at ``y_n`` (second order for any ``J``,
    so the explicit time dependence of the loads needs no Jacobian):
    ``W k1 = f(t_n, y_n)``, ``W k2 = f(t_n + h, y_n + h k1) - 2 k1``,
    ``y_{n+1} = y_n + h (3 k1 + k2) / 2``.  Linearly implicit: no Newton iterations, so the step
    is differentiable in forward and reverse mode as it stands, and linear invariants (the energy
    balance) are kept exactly.  Returns ``(y_{n+1}, 0)``."""
    f0 = _vector_field(t, y, args)
    jac = jax.jacfwd(lambda z: _vector_field(t, z, args))(y)
    lu = jax.scipy.linalg.lu_factor(jnp.eye(y.shape[0], dtype=y.dtype) - _ROS2_GAMMA * h * jac)
    k1 = jax.scipy.linalg.lu_solve(lu, f0)
    k2 = jax.scipy.linalg.lu_solve(lu, _vector_field(t + h, y + h * k1, args) - 2.0 * k1)
    return y + h * (1.5 * k1 + 0.5 * k2), jnp.zeros((), y.dtype)


def _march(args, t0, h, y0, n_out: int, substeps: int, active=None):
    """Fixed-step ROS2 from ``t0``: ``n_out`` saved states, each after ``substeps`` steps of ``h``
    (only the first ``active`` of them when given: a traced count, so one compiled scan serves
    several step sizes).  Returns (times (n_out+1,), states (n_out+1, n), worst stage residual).
    A ``lax.scan``: forward and reverse differentiable."""
    def inner(carry, j):
        y, res, k = carry
        t = t0 + (k * (substeps if active is None else active) + j) * h
        if active is None:
            y, r = _ros2_step(t, y, h, args)
        else:
            y, r = jax.lax.cond(j < active, lambda yy: _ros2_step(t, yy, h, args),
                                lambda yy: (yy, jnp.zeros((), yy.dtype)), y)
        return (y, jnp.maximum(res, r), k), None

    def outer(carry, k):
        y, res = carry
        (y, res, _), _ = jax.lax.scan(inner, (y, res, k), jnp.arange(substeps))
        return (y, res), y

    (_, res), ys = jax.lax.scan(outer, (y0, jnp.zeros((), y0.dtype)), jnp.arange(n_out))
    n_sub = substeps if active is None else active
    ts = t0 + h * n_sub * jnp.arange(n_out + 1, dtype=y0.dtype)
    return ts, jnp.concatenate([y0[None], ys]), res


STAGE_TOL = 1e-10
"""Stage-residual bound of a fixed-step march (ROS2 is linearly implicit: its residual is 0; a
fixed-step integration then counts as converged when every state is finite)."""


def _integrate_adaptive(p, loads, schedule, t0, t1, y0, numerics, ts):
    """diffrax ``diffeqsolve`` with the :class:`TRBDF2` tableau and a PID step-size controller."""
    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(_vector_field), TRBDF2(), t0, t1, jnp.asarray(1.0, y0.dtype), y0, args=(p, loads, schedule),
        saveat=diffrax.SaveAt(ts=ts), stepsize_controller=diffrax.PIDController(rtol=numerics.rtol,
                                                                                 atol=numerics.atol),
        max_steps=numerics.max_steps, throw=False)
    return sol.ys, sol.result == diffrax.RESULTS.successful


def _full_state(y0, n_seg, dtype):
    y0 = jnp.asarray(y0, dtype)
    if y0.ndim == 0:
        y0 = jnp.full((n_seg + 3,), y0)
    if y0.shape[0] == n_seg + 3:
        y0 = jnp.concatenate([y0, jnp.zeros((2,), dtype)])
    return y0


def _validate_inputs(params, loads, schedule, numerics):
    if not isinstance(numerics, LoopNumerics):
        raise ValueError(f"numerics must be a LoopNumerics, got {type(numerics).__name__}")
    numerics.validate()
    params.validate()
    check_positive("loads.period_s", loads.period_s, "s")
    check_range("loads.shortwave_w_m2", loads.shortwave_w_m2, 0.0, 1e5, units="W/m^2")
    check_range("loads.longwave_w_m2", loads.longwave_w_m2, 0.0, 1e5, units="W/m^2")
    check_range("loads.sunlit", loads.sunlit, 0.0, 1.0)
    check_range("schedule.chip_power_w", schedule.chip_power_w, 0.0, units="W")
    check_range("schedule.eclipse_fraction", schedule.eclipse_fraction, 0.0, 1.0)
    if is_concrete(loads):
        n = np.shape(loads.sunlit)
        if np.ndim(loads.sunlit) != 1 or np.shape(loads.shortwave_w_m2) != n + (2,) or \
                np.shape(loads.longwave_w_m2) != n + (2,):
            raise ValueError(f"loads arrays must be sunlit (n,), shortwave/longwave (n, 2); got "
                             f"{np.shape(loads.sunlit)}, {np.shape(loads.shortwave_w_m2)}, "
                             f"{np.shape(loads.longwave_w_m2)}")


@eqx.filter_jit
def _simulate_fixed(p, loads, schedule, t0, t1, y0, n_out, substeps, active):
    n_sub = substeps if active is None else active
    h = (t1 - t0) / (n_out * n_sub)
    ts, ys, res = _march((p, loads, schedule), t0, h, y0, n_out, substeps, active)
    ok = jnp.all(jnp.isfinite(ys)) & (res < STAGE_TOL)
    return _history(ts, ys, p, loads, schedule, ok, y0)


@eqx.filter_jit
def _simulate_adaptive(p, loads, schedule, t0, t1, y0, numerics, n_save):
    ts = t0 + (t1 - t0) * jnp.linspace(0.0, 1.0, n_save, dtype=y0.dtype)
    ys, ok = _integrate_adaptive(p, loads, schedule, t0, t1, y0, numerics, ts)
    return _history(ts, ys, p, loads, schedule, ok, y0)


def simulate_loop(params: LoopTransientParams, loads: OrbitLoads, schedule: PowerSchedule, t_span, y0,
                  numerics: LoopNumerics = LoopNumerics(), n_save: int = 97, check: bool = False,
                  max_substeps: int | None = None) -> LoopHistory:
    """Integrate the loop from ``t_span[0]`` to ``t_span[1]`` [s] (time from orbit noon).

    Parameters
    ----------
    params : :class:`LoopTransientParams`.
    loads : :class:`OrbitLoads` (environment along the orbit, periodic).
    schedule : :class:`PowerSchedule` (one chip).
    t_span : (t0, t1) [s], t1 > t0, concrete (the step count is static).
    y0 : initial temperatures: a scalar [K] (uniform), the N + 3 temperatures
        (chip, supply, return, segments), or a full state of length N + 5.
    numerics : :class:`LoopNumerics`.  Fixed steps (``steps_per_orbit``): ROS2 with
        ``(n_save - 1) * substeps`` equal steps no longer than ``period / steps_per_orbit``
        (a ``lax.scan``, differentiable in forward and reverse mode).  ``steps_per_orbit=None``:
        diffrax ``diffeqsolve`` with the :class:`TRBDF2` tableau and a PID controller.
    n_save : equally spaced save times including both ends (static), >= 2.
    check : raise ``RuntimeError`` when the integration did not converge (concrete inputs).
    max_substeps : fixed steps only: compile the scan for this many steps per save interval and
        run only the needed ones (one compiled function for several step sizes, e.g. a
        step-halving study); default: exactly the needed count.

    Returns
    -------
    LoopHistory (energies relative to the start).
    """
    _validate_inputs(params, loads, schedule, numerics)
    if int(n_save) != n_save or n_save < 2:
        raise ValueError(f"n_save = {n_save!r} must be an integer >= 2")
    if not is_concrete(t_span):
        raise ValueError("t_span must be concrete (host numbers): the step count is static")
    t0, t1 = (float(v) for v in t_span)
    if not t1 > t0:
        raise ValueError(f"t_span = ({t0}, {t1}) must have t1 > t0")
    dtype = jnp.result_type(params.mass_flow_kg_s, float)
    p, loads, schedule = (_as_float_tree(x, dtype) for x in (params, loads, schedule))
    y0 = _full_state(y0, numerics.n_segments, dtype)
    if y0.shape != (n_state(numerics),):
        raise ValueError(f"y0 has shape {y0.shape}; expected a scalar, ({numerics.n_segments + 3},) or "
                         f"({n_state(numerics)},)")
    t0a, t1a = jnp.asarray(t0, dtype), jnp.asarray(t1, dtype)
    if numerics.steps_per_orbit is None:
        h = _simulate_adaptive(p, loads, schedule, t0a, t1a, y0, numerics, int(n_save))
    else:
        dt_max = float(loads.period_s) / numerics.steps_per_orbit
        substeps = max(1, math.ceil((t1 - t0) / dt_max / (n_save - 1) - 1e-9))
        if max_substeps is None:
            h = _simulate_fixed(p, loads, schedule, t0a, t1a, y0, int(n_save) - 1, int(substeps), None)
        else:
            if substeps > max_substeps:
                raise ValueError(f"max_substeps = {max_substeps} is below the {substeps} steps per save "
                                 f"interval this t_span and numerics.steps_per_orbit need")
            h = _simulate_fixed(p, loads, schedule, t0a, t1a, y0, int(n_save) - 1, int(max_substeps),
                                jnp.asarray(substeps))
    if check and is_concrete(h.converged) and not bool(h.converged):
        raise RuntimeError("loop integration did not converge (a stage solve failed or max_steps was reached)")
    return h


# ----------------------------------------------------------------------------- steady and periodic


def _steady_residual(temps, args):
    p, loads, schedule = args
    flows, _, _, _ = _fluxes(jnp.zeros((), temps.dtype), temps, p, loads, schedule)
    return flows / _capacities(p, temps.shape[0] - 3) * 100.0   # K per 100 s


def _average_loads(loads: OrbitLoads) -> OrbitLoads:
    def mean(x):
        return jnp.broadcast_to(jnp.mean(x, axis=0), (2,) + x.shape[1:])
    return OrbitLoads(mean(loads.shortwave_w_m2), mean(loads.longwave_w_m2), mean(loads.sunlit), loads.period_s)


def _steady(p, loads, schedule, n_seg, guess_k):
    """Steady network temperatures by Newton: ``(temperatures, Convergence)`` (``residual``: max |dT/dt|
    [K per 100 s] at the last iterate)."""
    z0 = jnp.full((n_seg + 3,), guess_k)
    return root_find(_steady_residual, z0, (p, loads, schedule), solver=optx.Newton(rtol=1e-12, atol=1e-9),
                     max_steps=100)


def _initial_guess(p, loads, schedule):
    """Isothermal estimate: the radiator at the temperature that rejects the mean heat."""
    avg = _average_loads(loads)
    sw, lw, sunlit = avg.at(0.0)
    q = p.n_chips * schedule.power_w(sunlit) + p.coolant_heat_w + p.heater_max_w * 0.5
    absorbed = jnp.sum(p.absorptivity * sw + p.emissivity * lw)
    flux = q / (p.fin_efficiency * p.radiator_area_m2 * (1.0 - p.bypass_fraction)) + absorbed
    return jax.lax.stop_gradient((flux / (jnp.sum(p.emissivity) * SIGMA)) ** 0.25)


@eqx.filter_jit
def _steady_impl(p, loads, schedule, n_seg):
    temps, conv = _steady(p, _average_loads(loads), schedule, n_seg, _initial_guess(p, loads, schedule))
    return temps, conv.converged


def steady_loop(params: LoopTransientParams, loads: OrbitLoads, schedule: PowerSchedule,
                numerics: LoopNumerics = LoopNumerics()):
    """Steady state of the network under orbit-averaged loads (power at the orbit-mean sunlit
    fraction): ``(temperatures (N+3,) [K], converged)`` by Newton (``optimistix``, implicit
    gradients).  Also the start of :func:`periodic_loop`."""
    _validate_inputs(params, loads, schedule, numerics)
    dtype = jnp.result_type(params.mass_flow_kg_s, float)
    p, loads, schedule = (_as_float_tree(x, dtype) for x in (params, loads, schedule))
    return _steady_impl(p, loads, schedule, numerics.n_segments)


@eqx.filter_jit
def _periodic_impl(p, loads, schedule, numerics, n_out, substeps, guess):
    n_seg = numerics.n_segments
    dtype = guess.dtype
    zero = jnp.zeros((), dtype)

    def march(temps, args):
        y0 = jnp.concatenate([temps, jnp.zeros((2,), dtype)])
        h = args[1].period_s / (n_out * substeps)
        return _march(args, zero, h, y0, n_out, substeps)

    def orbit_map(temps, args):
        return march(temps, args)[1][-1, :-2]

    steady = _steady(p, _average_loads(loads), schedule, n_seg, _initial_guess(p, loads, schedule))[0]
    start = jax.lax.stop_gradient(jnp.where(jnp.all(jnp.isfinite(guess)), guess, steady))
    newton = DenseNewton(rtol=numerics.newton_rtol, atol=numerics.newton_atol, max_steps=numerics.max_newton)
    temps, shooting = periodic_state(orbit_map, start, (p, loads, schedule), method=newton)
    ts, ys, res = march(temps, (p, loads, schedule))
    ok = jnp.all(jnp.isfinite(ys)) & (res < STAGE_TOL)
    hist = _history(ts, ys, p, loads, schedule, ok, ys[0])
    perr = jnp.max(jnp.abs(ys[-1, :-2] - temps))
    tol = numerics.newton_atol + numerics.newton_rtol * jnp.max(jnp.abs(temps))
    converged = shooting.converged & ok & (perr <= 10.0 * tol)
    nan = jnp.asarray(jnp.nan, dtype)

    def out(v):
        return jnp.where(converged, v, nan)
    return PeriodicLoop(initial_state=temps, history=hist, min_coolant_k=out(jnp.min(hist.min_coolant_k)),
                        min_radiator_k=out(jnp.min(hist.radiator_min_k)), max_junction_k=out(jnp.max(hist.junction_k)),
                        mean_heater_w=out(jnp.mean(hist.heater_w[:-1])), periodicity_error_k=perr,
                        newton_steps=shooting.iterations, converged=converged,
                        convergence=Convergence(converged, shooting.residual, shooting.iterations))


def periodic_loop(params: LoopTransientParams, loads: OrbitLoads, schedule: PowerSchedule,
                  numerics: LoopNumerics = LoopNumerics(), n_save: int = 97, guess=None,
                  check: bool = False) -> PeriodicLoop:
    """Orbit-periodic state of the loop: the root of ``y0 -> y(P; y0) - y0`` (temperatures only).

    Shooting with Newton's method (:func:`thermal.numerics.periodic.periodic_state`,
    ``optimistix.Newton``; the Jacobian is the monodromy matrix,
    forward-mode through the fixed-step ROS2 march) from the steady state under orbit-averaged
    loads, or from ``guess`` ((N+3,) temperatures [K]).  Gradients of every output with respect
    to ``params``, ``loads`` and ``schedule`` come from the implicit function theorem at the
    periodic state (``optimistix.ImplicitAdjoint``: one adjoint solve with ``dPhi/dy0 - I``)
    plus reverse mode through the march of the final orbit, never from differentiating the
    Newton iterations.

    The period is ``loads.period_s``; ``numerics.steps_per_orbit`` fixed steps (must be a
    multiple of ``n_save - 1``).  Summary outputs are NaN and ``converged`` is False when the
    shooting did not converge (``check=True`` raises ``RuntimeError`` instead).

    Returns
    -------
    PeriodicLoop (``history`` over one orbit from orbit noon, ``n_save`` samples).
    """
    _validate_inputs(params, loads, schedule, numerics)
    steps = numerics.steps_per_orbit
    if steps is None or int(n_save) < 2 or steps % (int(n_save) - 1):
        raise ValueError(f"periodic_loop needs fixed steps: numerics.steps_per_orbit = {steps!r} must be a "
                         f"multiple of n_save - 1 = {int(n_save) - 1}")
    dtype = jnp.result_type(params.mass_flow_kg_s, float)
    p, loads, schedule = (_as_float_tree(x, dtype) for x in (params, loads, schedule))
    g = jnp.full((numerics.n_segments + 3,), jnp.nan, dtype) if guess is None else jnp.asarray(guess, dtype)
    res = _periodic_impl(p, loads, schedule, numerics, int(n_save) - 1, steps // (int(n_save) - 1), g)
    if check and is_concrete(res.converged) and not bool(res.converged):
        raise RuntimeError(f"periodic loop solve did not converge: periodicity error "
                           f"{float(res.periodicity_error_k):.3g} K after {int(res.newton_steps)} Newton steps")
    return res
