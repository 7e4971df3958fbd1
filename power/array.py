"""Solar array: power with every loss factor reported, operating temperature from
the array's own energy balance, and array mass.

Power of an array of planform area A [m^2] at Sun-distance irradiance S [W/m^2]
and incidence cosine cos(theta):

    P = S cos(theta) A * eta_BOL * F_pack * F_T * F_rad * F_cg * F_uv
        * F_mismatch * F_wiring * F_diode

with F_T = 1 + gamma (T - 28 C), F_rad = 1 - C log10(1 + Phi/Phi_x) (see
:mod:`power.cells`), F_cg the coverglass transmission
tau_0 exp(-k t_cg) relative to the bare cell of the datasheet.  The factors are
returned one by one in :class:`PowerFactors`.

Temperature: the array is an isothermal plate (cells, substrate and coverglass
at one temperature) in steady state with its environment,

    alpha_f (G_sun,f + G_alb,f) + eps_f G_IR,f + alpha_b (G_sun,b + G_alb,b) + eps_b G_IR,b
        = P_el(T)/A + (eps_f + eps_b) sigma T^4,

where P_el/A = G_sun,f * eta_array(T) is the electricity taken out (albedo is
not counted as electricity, a conservative simplification).  The incident fluxes
per face are arguments (the caller passes thermal.environment.heat_loads' FaceFlux fields or
plain arrays); this package never imports thermal.  Solved by Newton iteration
inside :func:`orbit.solvers.implicit_root` (``jax.lax.custom_root``: implicit
differentiation, the tangent one division by the balance's temperature slope).

Default loss factors are typical design values (arguments, not facts about a
particular array): packing 0.90, UV/contamination 0.98, mismatch 0.98, wiring
0.98, diode 0.99 (the ranges discussed by Patel 2005, ch. 4, and Wertz & Larson
1999, sec. 11.4).  Default optical properties (see :class:`ArrayDesign`): cell
side absorptance 0.91 / emittance 0.85, back face 0.90 / 0.85.

References
----------
- Patel, M. R., *Spacecraft Power Systems*, CRC Press (2005), ch. 4-5: array
  loss factors, temperature effects, array sizing.
- Wertz, J. R. & Larson, W. J., *Space Mission Analysis and Design*, 3rd ed.
  (1999), sec. 11.4: inherent degradation, lifetime degradation, array sizing.
- Gilmore, D. G. (ed.), *Spacecraft Thermal Control Handbook*, Vol. I, 2nd ed.
  (2002): optical properties of solar cells and array back faces.
- Mikulas, M., Pappa, R., Warren, J., Rose, G., "Telescoping solar array concept
  for achieving high packaging efficiency", AIAA SciTech 2015 (NASA NTRS
  20150006022): state-of-the-art 30-50 kW flexible blanket arrays ~150 W/kg.
- "A high specific power solar array for low to mid-power spacecraft"
  (UltraFlex, AEC-Able Engineering), NASA Space Photovoltaic Research and
  Technology conference (1993): EOL specific power up to 150 W/kg.
"""
from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp

from orbit.constants import SOLAR_CONSTANT_1AU_W_M2, STEFAN_BOLTZMANN_W_M2_K4
from orbit.solvers import Convergence, implicit_root
from orbit.validation import check_range

from .cells import T_REF_K, SolarCell, get_cell, remaining_factor, validate_cell

TRACKING_MODES = ("sun", "one_axis", "fixed")


class IncidentFlux(NamedTuple):
    """Incident environmental fluxes on one face [W/m^2] (same fields as
    ``thermal.environment.heat_loads.FaceFlux``, so either can be passed)."""

    solar_w_m2: jnp.ndarray
    albedo_w_m2: jnp.ndarray
    earth_ir_w_m2: jnp.ndarray


class LossFactors(eqx.Module):
    """Multiplicative array loss factors [-], each in (0, 1].

    packing : cell area / array planform area.
    uv_contamination : UV darkening of cover adhesive and contamination films.
    mismatch : cell-to-cell and string-to-string I-V mismatch.
    wiring : ohmic loss of the array harness up to the array output.
    diode : blocking/bypass diode drop.
    """

    packing: jnp.ndarray = eqx.field(default_factory=lambda: jnp.asarray(0.90))
    uv_contamination: jnp.ndarray = eqx.field(default_factory=lambda: jnp.asarray(0.98))
    mismatch: jnp.ndarray = eqx.field(default_factory=lambda: jnp.asarray(0.98))
    wiring: jnp.ndarray = eqx.field(default_factory=lambda: jnp.asarray(0.98))
    diode: jnp.ndarray = eqx.field(default_factory=lambda: jnp.asarray(0.99))


class ArrayDesign(eqx.Module):
    """Design of a solar array (a pytree; ``tracking`` is static).

    Attributes
    ----------
    area_m2 : planform area [m^2], > 0.
    coverglass_thickness_m : coverglass thickness [m], 0 .. 1 mm.
    losses : :class:`LossFactors`.
    front_absorptance, front_emittance : cell side [-] (Gilmore 2002: covered
        triple-junction cells alpha ~0.9, eps ~0.85).
    back_absorptance, back_emittance : back face [-] (black-painted / graphite
        composite back face, alpha ~0.9, eps ~0.85 assumed).
    support_areal_mass_kg_m2 : substrate, blanket, harness and structure per
        planform area [kg/m^2] (see :func:`support_areal_mass_for_class`).
    coverglass_density_kg_m3 : ceria-doped borosilicate ~2550 kg/m^3 (approximate).
    coverglass_transmission0 : thickness-independent transmission (reflection) [-]
        relative to the bare cell, assumed 0.99.
    coverglass_absorption_per_m : bulk absorption coefficient [1/m], assumed 100
        (1 % per 100 um); the coverglass's shielding effect enters through the
        fluence argument (computed by the radiation package behind this glass).
    tracking : "sun" (two-axis), "one_axis" (about the orbit normal) or "fixed".
    """

    area_m2: jnp.ndarray
    coverglass_thickness_m: jnp.ndarray
    losses: LossFactors = eqx.field(default_factory=LossFactors)
    front_absorptance: jnp.ndarray = eqx.field(default_factory=lambda: jnp.asarray(0.91))
    front_emittance: jnp.ndarray = eqx.field(default_factory=lambda: jnp.asarray(0.85))
    back_absorptance: jnp.ndarray = eqx.field(default_factory=lambda: jnp.asarray(0.90))
    back_emittance: jnp.ndarray = eqx.field(default_factory=lambda: jnp.asarray(0.85))
    support_areal_mass_kg_m2: jnp.ndarray = eqx.field(default_factory=lambda: jnp.asarray(1.2))
    coverglass_density_kg_m3: jnp.ndarray = eqx.field(default_factory=lambda: jnp.asarray(2550.0))
    coverglass_transmission0: jnp.ndarray = eqx.field(default_factory=lambda: jnp.asarray(0.99))
    coverglass_absorption_per_m: jnp.ndarray = eqx.field(default_factory=lambda: jnp.asarray(100.0))
    tracking: str = eqx.field(static=True, default="sun")


def validate_design(design: ArrayDesign) -> None:
    """Host-side range checks of an :class:`ArrayDesign` (raises ValueError)."""
    if design.tracking not in TRACKING_MODES:
        raise ValueError(f"design.tracking = {design.tracking!r} is not one of {TRACKING_MODES}")
    check_range("design.area_m2", design.area_m2, 0.0, 1e6, lo_inclusive=False, units="m^2")
    check_range("design.coverglass_thickness_m", design.coverglass_thickness_m, 0.0, 1e-3, units="m")
    for name in ("packing", "uv_contamination", "mismatch", "wiring", "diode"):
        check_range(f"design.losses.{name}", getattr(design.losses, name), 0.0, 1.0, lo_inclusive=False)
    for name in ("front_absorptance", "front_emittance", "back_absorptance", "back_emittance",
                 "coverglass_transmission0"):
        check_range(f"design.{name}", getattr(design, name), 0.0, 1.0, lo_inclusive=False)
    check_range("design.support_areal_mass_kg_m2", design.support_areal_mass_kg_m2, 0.0, 50.0, units="kg/m^2")
    check_range("design.coverglass_density_kg_m3", design.coverglass_density_kg_m3, 0.0, 1e4,
                lo_inclusive=False, units="kg/m^3")
    check_range("design.coverglass_absorption_per_m", design.coverglass_absorption_per_m, 0.0, 1e5, units="1/m")


def _check_inputs(cell, design, fluence_cm2=None, temperature_k=None):
    validate_cell(cell)
    validate_design(design)
    if fluence_cm2 is not None:
        check_range("fluence_cm2", fluence_cm2, 0.0, 1e18, units="e/cm^2")
    if temperature_k is not None:
        check_range("temperature_k", temperature_k, 3.0, 600.0, units="K")


class PowerFactors(NamedTuple):
    """Every multiplicative factor between incident sunlight and array output [-]."""

    efficiency_bol: jnp.ndarray
    packing: jnp.ndarray
    temperature: jnp.ndarray
    radiation: jnp.ndarray
    coverglass: jnp.ndarray
    uv_contamination: jnp.ndarray
    mismatch: jnp.ndarray
    wiring: jnp.ndarray
    diode: jnp.ndarray

    @property
    def total(self):
        """Product of all factors: array output per incident solar power [-]."""
        out = self[0]
        for f in self[1:]:
            out = out * f
        return out

    @property
    def degradation_only(self):
        """Product of all loss factors except the BOL cell efficiency [-]."""
        return self.total / self.efficiency_bol


def coverglass_transmission(design: ArrayDesign):
    """Coverglass transmission relative to the bare cell, tau_0 exp(-k t) [-]."""
    return design.coverglass_transmission0 * jnp.exp(
        -design.coverglass_absorption_per_m * design.coverglass_thickness_m
    )


def temperature_factor(cell: SolarCell, temperature_k):
    """F_T = 1 + gamma (T - 28 C) [-], linear about the datasheet point."""
    return 1.0 + cell.temp_coeff_per_k * (jnp.asarray(temperature_k) - T_REF_K)


def power_factors(cell: SolarCell, design: ArrayDesign, temperature_k, fluence_cm2,
                  degradation_scale=1.0) -> PowerFactors:
    """All loss factors of the array at a temperature [K] and fluence [e/cm^2].

    ``degradation_scale`` multiplies the radiation power loss, ``1 - remaining_factor`` (the
    uncertainty of the cell's damage-coefficient fit; 1: the fitted curve), clipped to [0, 1]."""
    ls = design.losses
    loss = 1.0 - remaining_factor(fluence_cm2, cell.degradation_c, cell.degradation_phi_x_cm2)
    return PowerFactors(
        efficiency_bol=cell.efficiency_bol,
        packing=ls.packing,
        temperature=temperature_factor(cell, temperature_k),
        radiation=jnp.clip(1.0 - degradation_scale * loss, 0.0, 1.0),
        coverglass=coverglass_transmission(design),
        uv_contamination=ls.uv_contamination,
        mismatch=ls.mismatch,
        wiring=ls.wiring,
        diode=ls.diode,
    )


class ArrayPower(NamedTuple):
    """Array output and its breakdown."""

    power_w: jnp.ndarray
    """Electrical power at the array output [W]."""
    incident_w: jnp.ndarray
    """Sunlight incident on the planform [W]."""
    factors: PowerFactors
    areal_power_w_m2: jnp.ndarray
    """power_w / area [W/m^2]."""


def array_power(cell: SolarCell, design: ArrayDesign, temperature_k, fluence_cm2,
                solar_flux_w_m2=SOLAR_CONSTANT_1AU_W_M2, cos_incidence=1.0, degradation_scale=1.0) -> ArrayPower:
    """Electrical output of the array [W] with every loss factor.

    Parameters
    ----------
    cell : :class:`power.cells.SolarCell`.
    design : :class:`ArrayDesign`.
    temperature_k : cell temperature [K] (3 .. 600).
    fluence_cm2 : 1-MeV-equivalent electron fluence behind the coverglass
        [e/cm^2], >= 0 (computed by the radiation package).
    solar_flux_w_m2 : irradiance [W/m^2] (``orbit.solar_flux_w_m2`` of the date).
    cos_incidence : cosine of the Sun incidence angle (clipped at 0).
    degradation_scale : multiplier on the radiation power loss (see :func:`power_factors`), 0 .. 10.

    References
    ----------
    Patel (2005) ch. 4; Wertz & Larson (1999) sec. 11.4.
    """
    _check_inputs(cell, design, fluence_cm2, temperature_k)
    check_range("degradation_scale", degradation_scale, 0.0, 10.0)
    f = power_factors(cell, design, temperature_k, fluence_cm2, degradation_scale)
    incident = jnp.asarray(solar_flux_w_m2) * jnp.maximum(jnp.asarray(cos_incidence), 0.0) * design.area_m2
    p = incident * f.total
    return ArrayPower(p, incident, f, p / design.area_m2)


def electric_fraction_linear(cell, design, fluence_cm2):
    """eta_array(T) = a + b (T - T_ref): returns (a, b) [-], [1/K]."""
    f = power_factors(cell, design, T_REF_K, fluence_cm2)
    a = f.total
    b = a * cell.temp_coeff_per_k
    return a, b


class ArrayThermal(NamedTuple):
    """Steady energy balance of the array per unit planform area."""

    temperature_k: jnp.ndarray
    absorbed_w_m2: jnp.ndarray
    """Environmental power absorbed by both faces [W/m^2]."""
    electric_w_m2: jnp.ndarray
    """Electricity taken out at the array output [W/m^2]."""
    emitted_w_m2: jnp.ndarray
    """Thermal emission of both faces [W/m^2]."""
    residual_w_m2: jnp.ndarray
    """absorbed - electric - emitted at the returned temperature [W/m^2]."""
    converged: jnp.ndarray
    convergence: Convergence = None
    """The Newton solve's :class:`orbit.solvers.Convergence` (per element): ``residual`` =
    ``|residual_w_m2|``, ``converged`` = ``converged``, ``iterations`` = the Newton steps taken."""


def _face(flux):
    return (jnp.asarray(flux.solar_w_m2), jnp.asarray(flux.albedo_w_m2), jnp.asarray(flux.earth_ir_w_m2))


def absorbed_flux_w_m2(design: ArrayDesign, front, back):
    """Absorbed environmental flux of both faces [W/m^2] (per planform area)."""
    sf, af, irf = _face(front)
    sb, ab, irb = _face(back)
    return (design.front_absorptance * (sf + af) + design.front_emittance * irf
            + design.back_absorptance * (sb + ab) + design.back_emittance * irb)


def array_temperature(cell: SolarCell, design: ArrayDesign, front, back, fluence_cm2,
                      electricity_drawn: bool = True, n_newton: int = 40) -> ArrayThermal:
    """Operating temperature of the array from its steady energy balance.

    Parameters
    ----------
    front, back : incident fluxes on the cell side and the back
        (:class:`IncidentFlux`, ``thermal.environment.heat_loads.FaceFlux`` or any object with
        ``solar_w_m2``, ``albedo_w_m2``, ``earth_ir_w_m2`` arrays) [W/m^2].
    fluence_cm2 : 1-MeV-equivalent electron fluence [e/cm^2].
    electricity_drawn : False when the array is open-circuit/shunted so that no
        electricity leaves it (all absorbed power is re-emitted).
    n_newton : Newton iterations (static); the solve is differentiated
        implicitly (:func:`orbit.solvers.implicit_root`).

    Returns
    -------
    :class:`ArrayThermal`; ``converged`` is True when the relative residual is
    below 1e-6 (float64) / 1e-4 (float32).  Valid 3 .. 600 K.

    References
    ----------
    Gilmore (2002), ch. 2 and 4: flat-plate energy balance.
    """
    _check_inputs(cell, design, fluence_cm2)
    q_abs = absorbed_flux_w_m2(design, front, back)
    g_sun = jnp.asarray(front.solar_w_m2)
    a, b = electric_fraction_linear(cell, design, fluence_cm2)
    if not electricity_drawn:
        a = a * 0.0
        b = b * 0.0
    eps = design.front_emittance + design.back_emittance
    sigma = STEFAN_BOLTZMANN_W_M2_K4

    def residual(t, q, g, a_, b_, e_):
        return q - g * jnp.maximum(a_ + b_ * (t - T_REF_K), 0.0) - e_ * sigma * t**4

    def solve(q, g, a_, b_, e_):
        def f(t):
            return residual(t, q, g, a_, b_, e_)

        def newton(func, t0):
            def body(_, t):
                val, slope = jax.jvp(func, (t,), (jnp.ones_like(t),))
                t_new = t - val / slope
                return jnp.clip(t_new, 3.0, 1000.0)

            t = jax.lax.fori_loop(0, n_newton, body, t0)
            res = jnp.abs(func(t))
            tol = 1e-6 if t.dtype == jnp.float64 else 1e-4
            return t, Convergence(res <= tol * jnp.maximum(q, 1.0), res, n_newton)

        def tangent_solve(g_lin, y):
            return y / g_lin(jnp.ones_like(y))

        t0 = jnp.maximum(q / (e_ * sigma), 1.0) ** 0.25
        return implicit_root(f, t0, newton, tangent_solve)

    shape = jnp.broadcast_shapes(jnp.shape(q_abs), jnp.shape(g_sun), jnp.shape(a), jnp.shape(eps))
    args = [jnp.broadcast_to(x, shape) for x in (q_abs, g_sun, a, b, eps)]
    solver = solve
    for _ in range(len(shape)):
        solver = jax.vmap(solver)
    t, conv = solver(*args)
    electric = g_sun * jnp.maximum(a + b * (t - T_REF_K), 0.0)
    emitted = eps * sigma * t**4
    res = q_abs - electric - emitted
    tol = 1e-6 if jnp.asarray(t).dtype == jnp.float64 else 1e-4
    converged = jnp.abs(res) <= tol * jnp.maximum(q_abs, 1.0)
    return ArrayThermal(t, q_abs, electric, emitted, res, converged, conv)


def sun_facing_flux(solar_flux_w_m2=SOLAR_CONSTANT_1AU_W_M2, albedo_w_m2=0.0, earth_ir_w_m2=0.0,
                    back_albedo_w_m2=None, back_earth_ir_w_m2=None):
    """Convenience: (front, back) :class:`IncidentFlux` of a Sun-pointed array with
    optional Earth fluxes; by default Earth fluxes hit the back face only."""
    z = jnp.zeros_like(jnp.asarray(solar_flux_w_m2, dtype=float))
    front = IncidentFlux(jnp.asarray(solar_flux_w_m2) + z, jnp.asarray(albedo_w_m2) + z, jnp.asarray(earth_ir_w_m2) + z)
    back = IncidentFlux(z, z + (0.0 if back_albedo_w_m2 is None else back_albedo_w_m2),
                        z + (0.0 if back_earth_ir_w_m2 is None else back_earth_ir_w_m2))
    return front, back


# ---------------------------------------------------------------------------
# Mass and array classes


def array_areal_mass_kg_m2(cell: SolarCell, design: ArrayDesign):
    """Array mass per planform area [kg/m^2]:
    packing * (cell + coverglass) + support (substrate, harness, structure)."""
    cg = design.coverglass_density_kg_m3 * design.coverglass_thickness_m
    return design.losses.packing * (cell.areal_mass_kg_m2 + cg) + design.support_areal_mass_kg_m2


def array_mass_kg(cell: SolarCell, design: ArrayDesign):
    """Array mass [kg] = area * areal mass."""
    _check_inputs(cell, design)
    return design.area_m2 * array_areal_mass_kg_m2(cell, design)


class ArrayClass(NamedTuple):
    """A class of current array hardware, by its cited specific power."""

    name: str
    specific_power_w_kg: float
    """Specific power of the class at the reference condition [W/kg]."""
    basis: str
    source: str


ARRAY_CLASSES = {
    "flexible_blanket": ArrayClass(
        "flexible_blanket", 150.0, "BOL",
        "Mikulas et al. 2015 (NASA NTRS 20150006022): state-of-the-art 30-50 kW flexible "
        "blanket arrays ~150 W/kg"),
    "ultraflex": ArrayClass(
        "ultraflex", 150.0, "EOL",
        "UltraFlex (AEC-Able), 'A high specific power solar array for low to mid-power "
        "spacecraft' (1993): EOL specific power up to 150 W/kg"),
}
"""Current array classes with their cited specific power."""

REFERENCE_COVERGLASS_M = 100e-6
"""Coverglass thickness used to calibrate the class support mass [m] (assumed)."""


def support_areal_mass_for_class(array_class: str, cell_name: str = "spectrolab_xtj",
                                 fluence_for_eol_cm2: float = 1e15) -> float:
    """Support areal mass [kg/m^2] that reproduces a class's cited specific power.

    The class specific power is matched at AM0 1361 W/m^2, normal incidence,
    28 C, default loss factors and 100 um coverglass, with the named cell at BOL
    (basis "BOL") or after ``fluence_for_eol_cm2`` (basis "EOL").  The calibrated
    support mass then lets array mass follow coverglass thickness and cell mass
    (host-side helper).
    """
    if array_class not in ARRAY_CLASSES:
        raise ValueError(f"array_class = {array_class!r} is not one of {sorted(ARRAY_CLASSES)}")
    cls = ARRAY_CLASSES[array_class]
    cell = get_cell(cell_name)
    design = ArrayDesign(area_m2=jnp.asarray(1.0), coverglass_thickness_m=jnp.asarray(REFERENCE_COVERGLASS_M),
                         support_areal_mass_kg_m2=jnp.asarray(0.0))
    fl = 0.0 if cls.basis == "BOL" else fluence_for_eol_cm2
    p = float(array_power(cell, design, T_REF_K, fl).areal_power_w_m2)
    total = p / cls.specific_power_w_kg
    support = total - float(array_areal_mass_kg_m2(cell, design))
    if support <= 0.0:
        raise ValueError(f"array_class {array_class!r}: cell+coverglass alone exceed the class mass")
    return support


# ---------------------------------------------------------------------------
# Geometry


def orbit_array_power(cell: SolarCell, design: ArrayDesign, samples, temperature_k, fluence_cm2,
                      julian_date=None, normal_unit=None) -> ArrayPower:
    """Array output [W] at each sample of an orbit (``orbit.orbit_samples``).

    Incidence from the orbit's Sun geometry and ``design.tracking``; the
    irradiance is 1361 W/m^2 scaled by the Sun distance on ``julian_date``
    (1 AU when None) times the visible solar-disk fraction (shadow, penumbra).

    Parameters
    ----------
    samples : :class:`orbit.OrbitSamples`.
    temperature_k : cell temperature [K], scalar or per sample.
    fluence_cm2 : 1-MeV-equivalent fluence [e/cm^2].
    julian_date : date for the Sun distance [JD] or None.
    normal_unit : array normal for ``tracking="fixed"`` in the samples' frame,
        shape (3,) (inertially fixed, e.g. the orbit normal (0, 0, 1)) or
        (..., n, 3) (body-fixed, e.g. ``-samples.nadir_unit`` for zenith-facing).
    """
    if julian_date is None:
        s = SOLAR_CONSTANT_1AU_W_M2
    else:
        from orbit import solar_flux_w_m2, sun_position

        s = solar_flux_w_m2(sun_position(julian_date).distance_au)
    cosi = incidence_cosine(samples.sun_unit, samples.orbit_normal_unit, design.tracking, normal_unit)
    return array_power(cell, design, temperature_k, fluence_cm2, jnp.asarray(s)[..., None] * samples.sunlit, cosi)


def incidence_cosine(sun_unit, orbit_normal_unit=None, tracking: str = "sun", normal_unit=None):
    """Cosine of the Sun incidence angle on the array (clipped at 0).

    Parameters
    ----------
    sun_unit : unit vector to the Sun, shape (..., 3).
    orbit_normal_unit : unit orbit normal, shape (..., 3) (for "one_axis").
    tracking : "sun" (two-axis tracking, cos = 1), "one_axis" (rotation axis
        along the orbit normal: cos = sqrt(1 - (s.h)^2) = cos beta), "fixed"
        (``normal_unit`` fixed in the same frame as ``sun_unit``).
    """
    s = jnp.asarray(sun_unit)
    if tracking == "sun":
        return jnp.ones(s.shape[:-1], dtype=s.dtype)
    if tracking == "one_axis":
        if orbit_normal_unit is None:
            raise ValueError("incidence_cosine: tracking='one_axis' needs orbit_normal_unit")
        sh = jnp.sum(s * jnp.asarray(orbit_normal_unit), axis=-1)
        return jnp.sqrt(jnp.maximum(1.0 - sh**2, 0.0))
    if tracking == "fixed":
        if normal_unit is None:
            raise ValueError("incidence_cosine: tracking='fixed' needs normal_unit")
        return jnp.maximum(jnp.sum(s * jnp.asarray(normal_unit), axis=-1), 0.0)
    raise ValueError(f"tracking = {tracking!r} is not one of {TRACKING_MODES}")
