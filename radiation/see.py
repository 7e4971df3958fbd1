"""Proton single-event effects: cross-section x shielded spectrum, per-dose event models.

* Shielded proton spectrum at the centre of a solid aluminium sphere (every path length
  equals the radius): continuous-slowing-down straight-ahead transport with the ICRU-49
  CSDA range of protons in Al from the SHIELDOSE-2 base data,
  E_in = R^-1(R(E_out) + z),  phi_out(E_out) = phi_in(E_in) S(E_in)/S(E_out)
  (nuclear removal neglected: conservative for SEE rates).
* Cross-sections: four-parameter Weibull (the usual fit to proton beam data) or the
  one-parameter Bendel form.
* Rate per device = integral sigma(E) phi(E) dE; per chip-day and per payload-day by
  multiplying by devices per chip and chips per payload; events per mission; availability
  A = 1 / (1 + lambda tau) for a renewal process with event rate lambda and recovery
  time tau per event.
* Per-dose event model: for chips characterised as "events per unit dose" in a proton
  beam (e.g. accelerator tests reporting errors vs cumulative krad), the rate is that
  coefficient times the mission dose rate.  :func:`events_per_gy_from_beam_cross_section`
  converts between the two descriptions at the beam energy through the stopping power
  (dose = fluence x S).

Device parameters must come from the user's test data; :data:`EXAMPLE_DEVICES` holds
illustrative placeholders only (flagged as such), not measured values.

References
----------
- Petersen, E. L., "Single Event Effects in Aerospace", Wiley/IEEE (2011), ch. 7-8
  (Weibull fits; proton rate integrals).
- Bendel, W. L. & Petersen, E. L., "Proton upsets in orbit", IEEE Trans. Nucl. Sci.
  30 (1983) 4481 (one-parameter form).
- Agüera y Arcas, B. et al. (Google), Project Suncatcher (Nov. 2025): Trillium TPU
  tested with 67 MeV protons; HBM the most sensitive subsystem.
- ICRU Report 49 (1993) via SHIELDOSE-2 base data (CSDA ranges).
"""
from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from orbit.constants import SECONDS_PER_DAY, SECONDS_PER_JULIAN_YEAR
from orbit.validation import check_positive, check_range

from . import shielding

MEV_G_TO_GY = 1.602176634e-10
"""1 MeV/g in Gy."""


def _range_tables():
    tab = shielding._kernel_tables()["proton"]
    return np.log(tab["energy_mev"]), np.log(tab["aluminium"]["r0_g_cm2"])


def shielded_proton_spectrum(energy_mev, flux_per_mev, shield_al_g_cm2):
    """Proton spectrum at the centre of a solid Al sphere of areal radius ``shield_al_g_cm2``.

    Parameters
    ----------
    energy_mev : (n,) increasing energies [MeV] of both the incident and the output grid
        (0.01..~2000 MeV).
    flux_per_mev : (n,) incident differential flux or fluence [1/(cm^2 MeV (s))].
    shield_al_g_cm2 : shield areal density [g/cm^2], >= 0.

    Returns
    -------
    (n,) differential spectrum at the output energies (same units); zero where the
    required incident energy is above the input grid.
    """
    check_range("shield_al_g_cm2", shield_al_g_cm2, 0.0, shielding.MAX_DEPTH_G_CM2, units="g/cm^2")
    le_tab, lr_tab = _range_tables()
    e = jnp.asarray(energy_mev)
    phi = jnp.asarray(flux_per_mev)
    dt = jnp.result_type(e, phi, jnp.asarray(shield_al_g_cm2), float)
    le_t = jnp.asarray(le_tab, dtype=dt)
    lr_t = jnp.asarray(lr_tab, dtype=dt)
    slope = jnp.diff(lr_t) / jnp.diff(le_t)
    mid = 0.5 * (le_t[1:] + le_t[:-1])
    le = jnp.log(e).astype(dt)
    r_out = jnp.exp(jnp.interp(le, le_t, lr_t))
    r_in = r_out + jnp.asarray(shield_al_g_cm2, dtype=dt)
    le_in = jnp.interp(jnp.log(r_in), lr_t, le_t)
    e_in = jnp.exp(le_in)
    # S = dE/dR = E / (R dlnR/dlnE)
    s_out = e / (r_out * jnp.interp(le, mid, slope))
    s_in = e_in / (r_in * jnp.interp(le_in, mid, slope))
    phi_in = jnp.interp(le_in, le, phi, right=0.0)
    return phi_in * s_in / s_out


def weibull_cross_section_cm2(energy_mev, saturated_cm2, threshold_mev, width_mev, shape):
    """Weibull proton cross-section [cm^2]: sigma_sat (1 - exp(-((E-E0)/W)^s)) for E > E0."""
    e = jnp.asarray(energy_mev)
    x = jnp.maximum(e - threshold_mev, 0.0) / width_mev
    return saturated_cm2 * (1.0 - jnp.exp(-(x**shape)))


def bendel1_cross_section_cm2(energy_mev, a_mev):
    """One-parameter Bendel proton upset cross-section [cm^2 per bit].

    sigma = (24/A)^14 [1 - exp(-0.18 Y^0.5)]^4 x 1e-12 cm^2, Y = (18/A)^0.5 (E - A).
    """
    e = jnp.asarray(energy_mev)
    y = jnp.sqrt(18.0 / a_mev) * jnp.maximum(e - a_mev, 0.0)
    return (24.0 / a_mev) ** 14 * (1.0 - jnp.exp(-0.18 * jnp.sqrt(y + 1e-30))) ** 4 * 1e-12


def proton_see_rate_per_s(energy_mev, flux_per_mev_cm2_s, cross_section_cm2):
    """Event rate [1/s] = integral sigma(E) phi(E) dE (trapezoid in ln E)."""
    w = shielding.trapezoid_log_weights(jnp.asarray(energy_mev))
    return jnp.sum(w * jnp.asarray(flux_per_mev_cm2_s) * jnp.asarray(cross_section_cm2), axis=-1)


def per_dose_event_rate_per_s(dose_rate_si_gy_s, events_per_gy):
    """Event rate [1/s] of a per-dose event model (events per Gy(Si) from beam tests)."""
    return jnp.asarray(dose_rate_si_gy_s) * events_per_gy


def events_per_gy_from_beam_cross_section(cross_section_cm2, beam_energy_mev, stopping_power_mev_cm2_g):
    """Events per Gy(Si) equivalent to a cross-section measured in a monoenergetic beam.

    In the beam, dose = fluence x S, so events/dose = sigma / (S [MeV cm^2/g] x 1.602e-10).
    """
    del beam_energy_mev  # documented for traceability of S
    return jnp.asarray(cross_section_cm2) / (jnp.asarray(stopping_power_mev_cm2_g) * MEV_G_TO_GY)


class SEESummary(NamedTuple):
    rate_per_device_s: jnp.ndarray
    per_chip_day: jnp.ndarray
    per_payload_day: jnp.ndarray
    events_per_mission: jnp.ndarray
    availability: jnp.ndarray
    """Fraction of time the payload is up: 1 / (1 + lambda_payload tau)."""


def see_summary(rate_per_device_s, devices_per_chip, chips_per_payload, mission_years, recovery_time_s) -> SEESummary:
    """Scale a per-device rate to chip, payload and mission; availability with recovery.

    Parameters
    ----------
    rate_per_device_s : events per device per second [1/s].
    devices_per_chip : devices (bits, blocks, HBM stacks...) per chip, > 0.
    chips_per_payload : chips in the payload, > 0.
    mission_years : mission length [yr].
    recovery_time_s : outage per event [s] (whole payload-level recovery), >= 0.
    """
    check_positive("devices_per_chip", devices_per_chip)
    check_positive("chips_per_payload", chips_per_payload)
    check_positive("mission_years", mission_years, units="yr")
    check_range("recovery_time_s", recovery_time_s, 0.0, 1e9, units="s")
    r = jnp.asarray(rate_per_device_s)
    chip_s = r * devices_per_chip
    payload_s = chip_s * chips_per_payload
    return SEESummary(
        rate_per_device_s=r,
        per_chip_day=chip_s * SECONDS_PER_DAY,
        per_payload_day=payload_s * SECONDS_PER_DAY,
        events_per_mission=payload_s * jnp.asarray(mission_years) * SECONDS_PER_JULIAN_YEAR,
        availability=1.0 / (1.0 + payload_s * recovery_time_s),
    )


EXAMPLE_DEVICES = {
    "hbm_stack_placeholder": dict(
        kind="weibull", saturated_cm2=1.0e-8, threshold_mev=5.0, width_mev=30.0, shape=1.5,
        source="ILLUSTRATIVE PLACEHOLDER - replace with beam-test Weibull fit for the HBM part",
    ),
    "logic_block_placeholder": dict(
        kind="weibull", saturated_cm2=1.0e-9, threshold_mev=10.0, width_mev=40.0, shape=2.0,
        source="ILLUSTRATIVE PLACEHOLDER - replace with beam-test Weibull fit for the logic part",
    ),
}
"""Illustrative SEE parameter sets (NOT measured data; see module docstring)."""


def orbit_proton_see_rate_per_s(altitude_m, inclination_rad, shield_al_g_cm2, saturated_cm2, threshold_mev,
                                width_mev, shape, mission_years=5.0, solar_cycle: str = "min", confidence=0.5,
                                include_solar: bool = True):
    """Mission-average proton SEE rate per device [1/s] behind an Al sphere, Weibull sigma(E).

    Trapped protons (AP8 ``solar_cycle``) plus, optionally, the solar-proton mission fluence
    at ``confidence`` (JPL form, geomagnetically attenuated) spread over the mission
    (solar-active fraction 7/11), transported to the sphere centre by CSDA and folded
    with the Weibull cross-section.  Differentiable in orbit, shield and Weibull parameters.

    Parameters
    ----------
    altitude_m, inclination_rad : circular orbit (AE8/AP8 table range).
    shield_al_g_cm2 : Al shield areal density [g/cm^2], >= 0.
    saturated_cm2, threshold_mev, width_mev, shape : Weibull parameters of the device.
    mission_years : mission length [yr] (sets the solar-active years), > 0.
    solar_cycle : ``"min"`` or ``"max"`` AP8 epoch.
    confidence : solar fluence confidence level (0.5 = median: an average-rate estimate).
    include_solar : add the solar-proton contribution.
    """
    from . import environment, solar

    environment.check_orbit_in_table(altitude_m, inclination_rad)
    check_range("shield_al_g_cm2", shield_al_g_cm2, 0.0, shielding.MAX_DEPTH_G_CM2, units="g/cm^2")
    check_positive("saturated_cm2", saturated_cm2, units="cm^2")
    check_positive("width_mev", width_mev, units="MeV")
    check_positive("shape", shape)
    check_range("mission_years", mission_years, 0.0, 100.0, lo_inclusive=False, units="yr")
    if solar_cycle not in ("min", "max"):
        raise ValueError(f"solar_cycle = {solar_cycle!r} is not one of ('min', 'max')")
    return _orbit_see_core(*(jnp.asarray(v) for v in (altitude_m, inclination_rad, shield_al_g_cm2, saturated_cm2,
                                                       threshold_mev, width_mev, shape, mission_years, confidence)),
                           solar_cycle=solar_cycle, include_solar=include_solar)


def _orbit_see_core_impl(altitude_m, inclination_rad, shield_al_g_cm2, saturated_cm2, threshold_mev, width_mev,
                         shape, mission_years, confidence, solar_cycle, include_solar):
    from . import environment, solar

    ep, fp = environment.trapped_differential_flux(altitude_m, inclination_rad, "proton", solar_cycle)
    e = np.geomspace(0.1, 1000.0, 321)
    phi = jnp.interp(jnp.log(e), jnp.log(ep), fp, right=0.0)
    if include_solar:
        active = mission_years * solar.SOLAR_ACTIVE_FRACTION
        es, fs = solar.solar_proton_differential_fluence(active, confidence)
        ts = solar.geomagnetic_transmission(es, altitude_m, inclination_rad)
        phi = phi + jnp.interp(jnp.log(e), jnp.log(es), fs * ts, left=0.0, right=0.0) / (
            mission_years * SECONDS_PER_JULIAN_YEAR)
    shielded = shielded_proton_spectrum(e, phi, shield_al_g_cm2)
    sig = weibull_cross_section_cm2(e, saturated_cm2, threshold_mev, width_mev, shape)
    return proton_see_rate_per_s(e, shielded, sig)


_orbit_see_core = jax.jit(_orbit_see_core_impl, static_argnames=("solar_cycle", "include_solar"))
