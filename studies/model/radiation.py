"""Stage 2, radiation: total ionising dose behind the shield, single-event rates and availability,
and the 1-MeV-equivalent electron fluence the solar cells see behind their coverglass.

All physics is :mod:`radiation` (AE8/AP8 orbit averages, JPL-form solar protons, SHIELDOSE-2
kernels, per-dose SEE data, EQFLUX-form displacement damage); this stage composes it for the
design's orbit, shield and coverglass.
"""
from __future__ import annotations

import equinox as eqx
import jax

import radiation

from ..declare import UNIT_INTERVAL, output
from .environment import Environment
from .inputs import DAYS_PER_YEAR

__all__ = ["Radiation", "run", "SEE_DEVICE", "COVERGLASS_DENSITY_G_CM3"]


def _out(units, long_name, **spec):
    return output(units, long_name, "radiation", **spec)


class Radiation(eqx.Module):
    """Dose, SEE and cell fluence of the design (stage 2 of :func:`studies.model.evaluate`)."""

    tid_si_gy: jax.Array = _out("Gy", "mission total ionising dose in silicon behind the shield (no margin)")
    tid_trapped_electron_si_gy: jax.Array = _out("Gy", "trapped-electron (+bremsstrahlung) dose in silicon")
    tid_trapped_proton_si_gy: jax.Array = _out("Gy", "trapped-proton dose in silicon")
    tid_solar_proton_si_gy: jax.Array = _out("Gy", "solar-proton dose in silicon")
    tid_with_margin_si_gy: jax.Array = _out("Gy", "mission TID times the radiation design margin")
    tid_tolerance_si_gy: jax.Array = _out("Gy", "TID tolerance of the payload")
    see_sdc_per_chip_year: jax.Array = _out("yr-1", "silent data corruptions per chip-year (TPU v6e per-dose data)")
    see_hbm_uecc_per_chip_year: jax.Array = _out("yr-1", "HBM uncorrectable errors per chip-year")
    see_sefi_per_chip_year: jax.Array = _out("yr-1", "single-event functional interrupts (chip crashes) per "
                                                     "chip-year")
    see_sdc_per_payload_day: jax.Array = _out("d-1", "silent data corruptions per day over the whole payload")
    see_outages_per_payload_day: jax.Array = _out("d-1", "chip outages (UECC + SEFI) per day over the whole payload")
    availability: jax.Array = _out("1", "payload availability after SEE recovery outages (UECC + SEFI)",
                                        **UNIT_INTERVAL)
    availability_target: jax.Array = _out("1", "required payload availability", **UNIT_INTERVAL)
    cell_fluence_1mev_cm2: jax.Array = _out("cm-2", "1-MeV-equivalent electron fluence behind the coverglass")


COVERGLASS_DENSITY_G_CM3 = 2.55
"""Ceria-doped borosilicate coverglass density [g/cm^3] (as in power.ArrayDesign)."""


SEE_DEVICE = "tpu_v6e"
"""Per-dose SEE data of :data:`radiation.see.PER_DOSE_DEVICES` used for every accelerator preset (the
only cited whole-accelerator proton data: Google's TPU v6e tests, Suncatcher sec. 4.3)."""


def run(design, mission, env: Environment) -> Radiation:
    """TID behind the shield, single-event rates and availability, cell fluence behind the coverglass.

    * TID: trapped protons/electrons/bremsstrahlung (AE8 MAX + AP8 MIN, the conservative
      pairing) and solar protons at the mission confidence level, solid aluminium sphere
      of the design's shield thickness, silicon detector, no margin (the TID constraint
      applies ``mission.tid_margin``).
    * SEE: per-dose event rates of an accelerator under protons (:func:`radiation.see.
      per_dose_events_per_chip_year`, TPU v6e data) at the mission-average proton dose rate
      behind the shield: silent data corruption, HBM uncorrectable errors and functional
      interrupts per chip-year.  UECC and SEFI each take the chip they hit down for the
      recovery time (:func:`radiation.see.availability_from_event_rate`), so the payload's
      available compute fraction is 1 / (1 + lambda tau) with lambda = UECC + SEFI.
    * Cell fluence: 1-MeV-equivalent electrons behind the coverglass (EQFLUX-form method of
      :mod:`radiation.displacement`), trapped + solar protons and electrons.
    """
    h = design.altitude_m
    inclination_rad = env.inclination_rad
    shield = radiation.shielding.al_thickness_m_to_g_cm2(design.shield_thickness_m)
    dose = radiation.mission.mission_tid_si_gy(h, inclination_rad, shield, mission.life_years, design_margin=1.0)
    # the dose is linear in the fluxes: the trapped-flux multiplier scales the trapped components
    m = mission.trapped_flux_multiplier
    dose = dose._replace(trapped_electron_gy=m * dose.trapped_electron_gy, bremsstrahlung_gy=m * dose.bremsstrahlung_gy,
                         trapped_proton_gy=m * dose.trapped_proton_gy)
    total = dose.trapped_electron_gy + dose.bremsstrahlung_gy + dose.trapped_proton_gy + dose.solar_proton_gy
    dose = dose._replace(total_gy=total, total_with_margin_gy=total)   # design_margin = 1
    proton_rate = (dose.trapped_proton_gy + dose.solar_proton_gy) / mission.life_years
    see = radiation.see.per_dose_events_per_chip_year(proton_rate, SEE_DEVICE)
    outages = see.hbm_uecc_per_chip_year + see.sefi_per_chip_year
    cg = design.coverglass_thickness_m * 100.0 * COVERGLASS_DENSITY_G_CM3
    cell = radiation.displacement.one_mev_equivalent_fluence_cm2(h, inclination_rad, mission.life_years, cg,
                                                                 trapped_flux_scale=m)
    total_margin = mission.tid_margin * dose.total_gy
    return Radiation(
        tid_si_gy=dose.total_gy,
        tid_trapped_electron_si_gy=dose.trapped_electron_gy + dose.bremsstrahlung_gy,
        tid_trapped_proton_si_gy=dose.trapped_proton_gy,
        tid_solar_proton_si_gy=dose.solar_proton_gy,
        tid_with_margin_si_gy=total_margin,
        tid_tolerance_si_gy=mission.tid_tolerance_si_gy,
        see_sdc_per_chip_year=see.sdc_per_chip_year,
        see_hbm_uecc_per_chip_year=see.hbm_uecc_per_chip_year,
        see_sefi_per_chip_year=see.sefi_per_chip_year,
        see_sdc_per_payload_day=see.sdc_per_chip_year * mission.n_chips / DAYS_PER_YEAR,
        see_outages_per_payload_day=outages * mission.n_chips / DAYS_PER_YEAR,
        availability=radiation.see.availability_from_event_rate(outages, mission.see_recovery_s),
        availability_target=mission.availability_target,
        cell_fluence_1mev_cm2=cell.one_mev_electron_equivalent_cm2,
    )
