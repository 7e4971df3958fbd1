"""Mission total ionising dose behind an aluminium shield (the whole-satellite entry point).

TID(altitude, inclination, shield, years) = years x [trapped proton + trapped electron +
bremsstrahlung dose rates from the orbit-averaged AE8/AP8 spectra] + solar-proton dose
from the mission fluence (JPL-model form at a confidence level, solar-active years =
``solar_active_fraction`` x mission years) after orbit-averaged geomagnetic shielding,
all through the SHIELDOSE-2 kernels in the chosen geometry, silicon detector.  A design
margin factor multiplies the total for the comparison with part tolerance.

Every numeric argument may be a JAX tracer: the function is jittable (strings static)
and differentiable in altitude, inclination, shield depth and mission length.

References
----------
- Seltzer (1994) NISTIR 5477 (SHIELDOSE-2); Sawyer & Vette (1976) AP-8; Vette (1991)
  AE-8; Feynman et al. (1993) JPL-91 -- see the modules for details.
- ECSS-E-ST-10-12C (2008), Methods for the calculation of radiation received and its
  effects, and a policy for design margins: radiation design margin (RDM >= 2 typical).
- Agüera y Arcas, B. et al. (Google), "Towards a future space-based, highly scalable AI
  infrastructure system design" (Project Suncatcher, Nov. 2025): Trillium TPU 67 MeV
  proton tests -- HBM irregularities from ~2 krad(Si) cumulative dose, no hard failure
  up to 15 krad(Si); expected shielded 5-year dose ~750 rad(Si) in their orbit.
"""
from __future__ import annotations

from typing import NamedTuple

import functools

import jax
import jax.numpy as jnp

from orbit.constants import SECONDS_PER_JULIAN_YEAR
from orbit.validation import check_range

from . import environment, shielding, solar

GY_PER_KRAD = 10.0
"""1 krad = 10 Gy."""
HBM_ANOMALY_ONSET_SI_GY = 2.0 * GY_PER_KRAD
"""TPU HBM irregularities onset, ~2 krad(Si) (Google Project Suncatcher 2025)."""
TPU_NO_HARD_FAIL_SI_GY = 15.0 * GY_PER_KRAD
"""Highest tested dose without hard failure, 15 krad(Si) (Google Project Suncatcher 2025)."""

SOLAR_CYCLE_CHOICES = ("min", "max", "worst")
"""``worst`` = AP8 MIN protons with AE8 MAX electrons (common conservative pairing)."""


class MissionDose(NamedTuple):
    """Mission dose components [Gy(Si)]; fields broadcast over the inputs."""

    trapped_proton_gy: jnp.ndarray
    trapped_electron_gy: jnp.ndarray
    bremsstrahlung_gy: jnp.ndarray
    solar_proton_gy: jnp.ndarray
    total_gy: jnp.ndarray
    total_with_margin_gy: jnp.ndarray


def _cycles(solar_cycle: str):
    if solar_cycle not in SOLAR_CYCLE_CHOICES:
        raise ValueError(f"solar_cycle = {solar_cycle!r} is not one of {SOLAR_CYCLE_CHOICES}")
    return ("min", "max") if solar_cycle == "worst" else (solar_cycle, solar_cycle)


def trapped_dose_rate_si_gy_s(altitude_m, inclination_rad, shield_al_g_cm2, solar_cycle: str = "worst",
                              geometry: str = "solid_sphere_centre"):
    """Trapped-particle dose rates [Gy(Si)/s]: (proton, electron, bremsstrahlung)."""
    p_cycle, e_cycle = _cycles(solar_cycle)
    ep, fp = environment.trapped_differential_flux(altitude_m, inclination_rad, "proton", p_cycle)
    ee, fe = environment.trapped_differential_flux(altitude_m, inclination_rad, "electron", e_cycle)
    z = jnp.asarray(shield_al_g_cm2)
    dp = shielding.dose_from_spectrum_gy(ep, fp, z, "trapped_proton", geometry)
    de = shielding.dose_from_spectrum_gy(ee, fe, z, "electron", geometry)
    db = shielding.dose_from_spectrum_gy(ee, fe, z, "bremsstrahlung", geometry)
    return dp, de, db


def solar_proton_dose_si_gy(altitude_m, inclination_rad, shield_al_g_cm2, active_years, confidence=0.95,
                            geometry: str = "solid_sphere_centre", earth_shadow: bool = True):
    """Mission solar-proton dose [Gy(Si)] behind the shield, geomagnetically attenuated."""
    e, phi = solar.solar_proton_differential_fluence(active_years, confidence)
    t = solar.geomagnetic_transmission(e, altitude_m, inclination_rad, earth_shadow)
    return shielding.dose_from_spectrum_gy(e, phi * t, jnp.asarray(shield_al_g_cm2), "solar_proton", geometry)


def mission_tid_si_gy(altitude_m, inclination_rad, shield_al_g_cm2, mission_years, solar_cycle: str = "worst",
                      confidence=0.95, design_margin=2.0, geometry: str = "solid_sphere_centre",
                      solar_active_fraction=solar.SOLAR_ACTIVE_FRACTION, include_solar: bool = True) -> MissionDose:
    """Mission total ionising dose [Gy(Si)] behind ``shield_al_g_cm2`` of aluminium.

    Parameters
    ----------
    altitude_m : circular-orbit altitude [m], 300..2000 km (AE8/AP8 table range).
    inclination_rad : inclination [rad], 0..110 deg.
    shield_al_g_cm2 : aluminium shield areal density [g/cm^2], 0..1000 (use
        :func:`radiation.shielding.al_thickness_m_to_g_cm2` for a thickness in m).
    mission_years : mission length [yr] (Julian years), > 0.
    solar_cycle : ``"min"``, ``"max"`` (AE8/AP8 epoch for both species) or ``"worst"``
        (AP8 MIN protons + AE8 MAX electrons).
    confidence : solar-proton fluence confidence level, 0.5..0.99.
    design_margin : radiation design margin factor applied to the total, >= 1.
    geometry : shielding geometry (:data:`radiation.shielding.GEOMETRIES`);
        ``solid_sphere_centre`` = a part at the centre of a uniform spherical shield.
    solar_active_fraction : fraction of the mission in solar-active years, 0..1
        (ECSS: 7/11).  active years must be >= 0.25 yr when solar protons are included.
    include_solar : add the solar-proton dose.

    Returns
    -------
    :class:`MissionDose` [Gy(Si)].
    """
    check_range("mission_years", mission_years, 0.0, 100.0, lo_inclusive=False, units="yr")
    check_range("design_margin", design_margin, 1.0, 100.0)
    check_range("shield_al_g_cm2", shield_al_g_cm2, 0.0, shielding.MAX_DEPTH_G_CM2, units="g/cm^2")
    check_range("solar_active_fraction", solar_active_fraction, 0.0, 1.0)
    check_range("confidence", confidence, 0.5, 0.99)
    environment.check_orbit_in_table(altitude_m, inclination_rad)
    _cycles(solar_cycle)
    if geometry not in shielding.GEOMETRIES:
        raise ValueError(f"geometry = {geometry!r} is not one of {shielding.GEOMETRIES}")
    if include_solar:
        lo, hi = solar.active_years_range()
        check_range("solar active years = mission_years * solar_active_fraction",
                    jnp.asarray(mission_years) * solar_active_fraction if not _traced(mission_years, solar_active_fraction)
                    else 1.0, lo, hi, units="yr")
    f = lambda *a: _mission_core(*a, solar_cycle=solar_cycle, geometry=geometry, include_solar=include_solar)  # noqa: E731
    arrays = [jnp.asarray(v) for v in (altitude_m, inclination_rad, shield_al_g_cm2, mission_years, confidence,
                                       design_margin, solar_active_fraction)]
    shape = jnp.broadcast_shapes(*(a.shape for a in arrays))
    if all(a.shape == () for k, a in enumerate(arrays) if k != 2):
        return f(*arrays)  # scalar orbit: the core broadcasts over shield depths natively
    # broadcast inputs: map the scalar core over the flattened batch
    flat = [jnp.broadcast_to(a, shape).ravel() for a in arrays]
    out = jax.vmap(f)(*flat)
    return MissionDose(*(o.reshape(shape) for o in out))


def _traced(*values):
    return any(isinstance(v, jax.core.Tracer) for v in values)


@functools.partial(jax.jit, static_argnames=("solar_cycle", "geometry", "include_solar"))
def _mission_core(altitude_m, inclination_rad, shield_al_g_cm2, mission_years, confidence, design_margin,
                  solar_active_fraction, solar_cycle, geometry, include_solar):
    dp, de, db = trapped_dose_rate_si_gy_s(altitude_m, inclination_rad, shield_al_g_cm2, solar_cycle, geometry)
    seconds = jnp.asarray(mission_years) * SECONDS_PER_JULIAN_YEAR
    tp, te, tb = dp * seconds, de * seconds, db * seconds
    if include_solar:
        active = jnp.asarray(mission_years) * solar_active_fraction
        sp = solar_proton_dose_si_gy(altitude_m, inclination_rad, shield_al_g_cm2, active, confidence, geometry)
    else:
        sp = jnp.zeros_like(tp)
    total = tp + te + tb + sp
    return MissionDose(tp, te, tb, sp, total, total * design_margin)


def dose_depth_curves_si_gy(altitude_m, inclination_rad, depths_g_cm2, mission_years, solar_cycle: str = "worst",
                            confidence=0.95, geometry: str = "solid_sphere_centre"):
    """Mission dose [Gy(Si)] vs depth for each component (for tables and figures)."""
    z = jnp.asarray(depths_g_cm2)
    return mission_tid_si_gy(altitude_m, inclination_rad, z, mission_years, solar_cycle, confidence, 1.0, geometry)


DOSE_COMPONENTS = ("trapped_p", "trapped_e", "bremsstrahlung", "solar_p")
"""Dose components selectable in :func:`mission_dose` (``include``)."""
RAD_PER_GY = 100.0


def gy_to_rad(dose_gy):
    """Dose [Gy] -> [rad] (1 rad = 0.01 Gy)."""
    return jnp.asarray(dose_gy) * RAD_PER_GY


def gy_to_krad(dose_gy):
    """Dose [Gy] -> [krad] (1 krad = 10 Gy)."""
    return jnp.asarray(dose_gy) / GY_PER_KRAD


def rad_to_gy(dose_rad):
    """Dose [rad] -> [Gy]."""
    return jnp.asarray(dose_rad) / RAD_PER_GY


def krad_to_gy(dose_krad):
    """Dose [krad] -> [Gy]."""
    return jnp.asarray(dose_krad) * GY_PER_KRAD


class DoseResult(NamedTuple):
    """Mission dose by component [Gy(Si)], the margin kept separate (a pytree of arrays).

    The components carry NO margin.  ``design_margin`` is the radiation design margin
    factor and ``total_with_margin_si_gy = design_margin x total_si_gy`` is the number to
    compare with a part's tolerance.  The solar-proton component is already a
    ``confidence``-level quantile (its statistical margin), stated in the call.
    Excluded components are zero.
    """

    trapped_proton_si_gy: jnp.ndarray
    trapped_electron_si_gy: jnp.ndarray
    bremsstrahlung_si_gy: jnp.ndarray
    solar_proton_si_gy: jnp.ndarray
    total_si_gy: jnp.ndarray
    design_margin: jnp.ndarray
    total_with_margin_si_gy: jnp.ndarray

    @property
    def proton_si_gy(self):
        """Trapped + solar proton dose [Gy(Si)] (the dose that drives proton SEEs)."""
        return self.trapped_proton_si_gy + self.solar_proton_si_gy

    def rad(self) -> dict:
        """Every field in rad(Si) (the margin factor as is)."""
        return {k: (v if k == "design_margin" else gy_to_rad(v)) for k, v in self._asdict().items()}

    def krad(self) -> dict:
        """Every field in krad(Si) (the margin factor as is)."""
        return {k: (v if k == "design_margin" else gy_to_krad(v)) for k, v in self._asdict().items()}


def mission_dose(altitude_m, inclination_rad, shield_al_g_cm2, mission_years, geometry: str = "solid_sphere_centre",
                 include=DOSE_COMPONENTS, confidence=0.95, solar_cycle: str = "worst", design_margin=2.0,
                 solar_active_fraction=solar.SOLAR_ACTIVE_FRACTION) -> DoseResult:
    """One-call mission total ionising dose in silicon, by component, margin explicit.

    Parameters
    ----------
    altitude_m : circular-orbit altitude [m] (AE8/AP8 table range, see
        :func:`radiation.environment.trapped_table_ranges`).
    inclination_rad : inclination [rad] (table range; sun-synchronous included).
    shield_al_g_cm2 : aluminium shield areal density [g/cm^2], 0..1000 (any shape: a
        dose-depth curve; :func:`radiation.shielding.al_thickness_m_to_g_cm2` converts m).
    mission_years : mission length [yr] (Julian), > 0.
    geometry : one of :data:`radiation.shielding.GEOMETRIES`; ``"solid_sphere_centre"``
        (a part at the centre of a uniform spherical shield) by default.
    include : components to add, a subset of :data:`DOSE_COMPONENTS`:
        ``"trapped_p"`` (AP8), ``"trapped_e"`` (AE8 electrons), ``"bremsstrahlung"``
        (photons from the AE8 electrons in the shield), ``"solar_p"`` (JPL-form solar
        protons, geomagnetically attenuated).
    confidence : solar-proton fluence confidence level, 0.5..0.99 (a statistical margin
        of the solar component, not a design margin).
    solar_cycle : ``"min"``, ``"max"`` or ``"worst"`` (AP8 MIN protons with AE8 MAX
        electrons).
    design_margin : radiation design margin factor, >= 1 (ECSS-E-ST-10-12C: RDM >= 2
        typical); reported separately, never folded into the components.
    solar_active_fraction : fraction of the mission in solar-active years (ECSS 7/11).

    Returns
    -------
    :class:`DoseResult` [Gy(Si)], fields broadcast over the inputs; ``.rad()`` and
    ``.krad()`` convert.  Traceable and differentiable in every numeric argument
    (strings and ``include`` are static).

    References
    ----------
    See the module docstring (SHIELDOSE-2, AE8/AP8, JPL-91, ECSS-E-ST-10-12C).
    """
    inc = tuple(include)
    bad = [c for c in inc if c not in DOSE_COMPONENTS]
    if bad or not inc:
        raise ValueError(f"include = {include!r} must be a non-empty subset of {DOSE_COMPONENTS}")
    d = mission_tid_si_gy(altitude_m, inclination_rad, shield_al_g_cm2, mission_years, solar_cycle, confidence,
                          design_margin, geometry, solar_active_fraction, include_solar="solar_p" in inc)
    zero = jnp.zeros_like(d.total_gy)
    tp = d.trapped_proton_gy if "trapped_p" in inc else zero
    te = d.trapped_electron_gy if "trapped_e" in inc else zero
    tb = d.bremsstrahlung_gy if "bremsstrahlung" in inc else zero
    sp = d.solar_proton_gy if "solar_p" in inc else zero
    total = tp + te + tb + sp
    m = jnp.asarray(design_margin, dtype=total.dtype)
    return DoseResult(tp, te, tb, sp, total, m, total * m)


def tid_margin(total_with_margin_gy, part_tolerance_si_gy):
    """Normalised TID constraint (limit - value)/limit >= 0 for the optimiser."""
    return (part_tolerance_si_gy - total_with_margin_gy) / part_tolerance_si_gy
