"""The coupled, differentiable model of a compute satellite: ``evaluate(design, mission, numerics)``.

Chain (all JAX, jitted end to end, differentiable in every design field and every
continuous mission parameter):

1. orbit: altitude -> sun-synchronous inclination (or the mission's fixed one),
   period, the eclipse of the worst season, orbit-average radiator environment in
   the hot case (beta fixed by the mission, chosen on the host; see
   :func:`studies.satellite.mission_geometry`);
2. radiation: trapped + solar-proton TID behind the shield, proton SEE rate and
   availability, 1-MeV-equivalent electron fluence behind the coverglass
   (:func:`radiation_metrics`);
3. power: array temperature from its energy balance, end-of-life array output,
   the array output required by the loads plus battery recharge, battery
   requirement for the longest eclipse (:mod:`power`);
4. thermal: identical chips on cold plates in parallel branches: the loop carries
   every watt the power budget sends to the payload radiator (chip power, its
   point-of-load conversion loss, the pump's electrical power); the loop energy
   balance closes on the finite-difference radiator panels (a scalar root in the
   radiator inlet temperature, implicit gradient), then one representative chip
   is solved on the cold plate at its local coolant temperature;
5. mass model and the normalised constraints.

Identical parallel branches make the representative-branch model exact: every
chip sees the same supply temperature and flow, every panel the same inlet and
flow.  Chip power does not depend on temperature here (no leakage model), so the
loop's energy balance is independent of the chip temperatures and the chip
solve follows the loop solve.

References
----------
- Gilmore (2002), *Spacecraft Thermal Control Handbook* Vol. I, ch. 6 and 12
  (radiators, pumped loops).
- Martins & Ning (2021), *Engineering Design Optimization*, ch. 5.
"""
from __future__ import annotations

import functools
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

import orbit
import power
import radiation
import thermal
from thermal.loop import coldplate as tcp
from thermal.loop import coolant as tcool
from thermal import radiator as trad
from thermal.chip.accelerators import accelerator_package
from thermal.chip import ks_max
from orbit.constants import APHELION_AU, PERIHELION_AU

from .design import SatelliteDesign
from .mass_model import (MassParameters, fluid_inventory_kg, mass_breakdown, payload_mass_kg, pump_mass_kg,
                         radiator_mass_kg, shield_mass_kg)
from .metrics import CONSTRAINT_NAMES, MASS_ITEMS, constraint_values  # noqa: F401  (CONSTRAINT_NAMES re-exported)
from .declare import quantity
from .orbit_cases import FREEZE_PROTECTION_CHOICES, array_infrared, cold_case_controls

AL_DENSITY_KG_M3 = 2700.0
DAYS_PER_YEAR = 365.25
SECONDS_PER_YEAR = DAYS_PER_YEAR * 86400.0


def _mission(default, units, long_name, **spec):
    return quantity(default, units, long_name, section=spec.pop("section", "mission"), **spec)


def _choice(default, long_name, choices, section="mission", **spec):
    return quantity(default, "1", long_name, static=True, section=section, kind="str", choices=choices, **spec)


COATING_CHOICES = tuple(thermal.COATING_NAMES) + ("none",)
"""Radiator coating classes (thermal.environment.coatings) and ``none`` (the configured values at every age)."""


class Mission(eqx.Module):
    """Mission requirements, environment and fixed choices: the declaration of every
    configurable quantity the coupled model reads (see :mod:`studies.declare`).

    Array fields are differentiable (the sensitivity table walks them); static fields
    select models and recompile.  Fields without a TOML section are derived on the
    host from the orbit (hot-case and eclipse beta angles).
    """

    # --- [mission] requirements and loads ---------------------------------------------------
    payload_power_w: jax.Array = _mission(150e3, "W", "payload (compute) electrical power at the load terminals",
                                          lo=1e3, hi=1e7, source="150 kW rack-class payload (study requirement)")
    life_years: jax.Array = _mission(5.0, "yr", "mission life", lo=0.1, hi=30.0)
    junction_limit_k: jax.Array = _mission(
        363.15, "K", "limit on the hottest junction", lo=250.0, hi=450.0,
        source="90 C design limit; Hopper max operating 87 C, slowdown 89 C (nvidia-smi)")
    hbm_limit_k: jax.Array = _mission(368.15, "K", "limit on the hottest HBM stack", lo=250.0, hi=450.0,
                                      source="HBM3/3e max operating 95 C (nvidia-smi -q, H800 SXM)")
    tid_tolerance_si_gy: jax.Array = _mission(
        20.0, "Gy", "total-ionising-dose tolerance of the payload in silicon", lo=0.0, hi=1e6, lo_inclusive=False,
        source="HBM irregularities from ~2 krad(Si), Suncatcher proton tests (arXiv:2511.19468 sec. 4.3)")
    tid_margin: jax.Array = _mission(2.0, "1", "radiation design margin on TID", lo=1.0, hi=10.0,
                                     source="ECSS-E-ST-10-12C radiation design margin")
    availability_target: jax.Array = _mission(0.99, "1", "minimum payload availability after SEE outages",
                                              lo=0.0, hi=1.0, lo_inclusive=False, hi_inclusive=False,
                                              source="assumption")
    see_recovery_s: jax.Array = _mission(60.0, "s", "outage of one chip per single event (reset and restart)",
                                         lo=0.0, hi=1e6, source="assumption")
    launch_cost_usd_per_kg: jax.Array = _mission(500.0, "USD kg-1", "launch price to the operating orbit",
                                                 lo=0.0, hi=1e6, source="assumption (Starship-era target)")
    bus_power_w: jax.Array = _mission(2000.0, "W", "bus avionics power", lo=0.0, hi=1e6, source="assumption")
    isl_terminal_count: jax.Array = _mission(4, "1", "optical inter-satellite terminals", kind="int", lo=0, hi=64)
    isl_terminal_w: jax.Array = _mission(100.0, "W", "power per optical terminal", lo=0.0, hi=1e4,
                                         source="assumption")
    eclipse_payload_fraction: jax.Array = _mission(1.0, "1", "payload power in eclipse / sunlit (compute throttling)",
                                                   lo=0.0, hi=1.0)
    battery_dod_limit: jax.Array | None = _mission(
        None, "1", "depth-of-discharge limit (default: from the cycle count, Saft VES180 points)", lo=0.05, hi=1.0,
        optional=True)
    coolant_freeze_margin_k: jax.Array = _mission(5.0, "K", "required margin of the coolant supply above freezing",
                                                  lo=0.0, hi=100.0, section="loop", source="assumption")
    # --- [loop] pumped coolant loop -------------------------------------------------------------
    loop_pressure_pa: jax.Array = _mission(3e5, "Pa", "coolant loop static pressure (accumulator)", lo=1e4, hi=1e7,
                                           section="loop", key="pressure_pa")
    pump_efficiency: jax.Array = _mission(0.5, "1", "pump wire-to-water efficiency (canned pump: all of its "
                                          "electrical power heats the coolant)", lo=0.0, hi=1.0,
                                          lo_inclusive=False, section="loop", source="assumption")
    main_line_length_m: jax.Array = _mission(20.0, "m", "main line length (pump, manifolds, radiator feed)",
                                             lo=0.0, hi=1e3, section="loop", source="assumption")
    main_line_diameter_m: jax.Array = _mission(0.05, "m", "main line inner diameter", lo=1e-3, hi=0.5,
                                               section="loop", source="assumption")
    main_line_fittings_k: jax.Array = _mission(10.0, "1", "main-line loss coefficients (bends, valves, "
                                               "manifolds), sum of K", lo=0.0, hi=1e3, section="loop",
                                               source="assumption; K values per Idelchik 1996")
    coldplate_fittings_k: jax.Array = _mission(2.0, "1", "cold-plate port/manifold loss coefficient per plate",
                                               lo=0.0, hi=100.0, section="loop", source="assumption")
    radiator_tube_fittings_k: jax.Array = _mission(3.0, "1", "radiator tube inlet/outlet/header loss "
                                                   "coefficient", lo=0.0, hi=100.0, section="loop",
                                                   source="assumption")
    radiator_conductivity_w_m_k: jax.Array = _mission(200.0, "W m-1 K-1", "radiator sheet conductivity",
                                                      lo=1.0, hi=2000.0, section="radiator",
                                                      key="sheet_conductivity_w_m_k",
                                                      source="aluminium 6061-T6 ~167-200")
    tube_conductance_w_m_k: jax.Array = _mission(200.0, "W m-1 K-1", "tube-to-sheet bond conductance per length",
                                                 lo=1.0, hi=1e5, section="radiator", source="assumption")
    # --- [environment] ----------------------------------------------------------------------
    albedo: jax.Array = _mission(0.30, "1", "Earth albedo (orbit average)", lo=0.0, hi=1.0,
                                 section="environment", source="Gilmore 2002, Spacecraft Thermal Control Handbook")
    olr_w_m2: jax.Array = _mission(237.0, "W m-2", "Earth outgoing long-wave radiation", lo=0.0, hi=500.0,
                                   section="environment", source="Gilmore 2002")
    solar_constant_w_m2: jax.Array = _mission(1361.0, "W m-2", "solar flux at 1 AU (hot case: perihelion, "
                                              "array end of life: aphelion)", lo=1000.0, hi=1500.0,
                                              section="environment", source="Kopp & Lean 2011")
    # --- [radiator.face_a] / [radiator.face_b] coatings ---------------------------------------
    face_a_emissivity: jax.Array = _mission(0.91, "1", "radiator face A infrared emissivity at beginning of life",
                                            lo=0.0, hi=1.0, lo_inclusive=False, section="radiator.face_a",
                                            key="emissivity", source="AZ-93 white paint, BOL (AZ Technology)")
    face_a_absorptivity: jax.Array = _mission(0.15, "1", "radiator face A solar absorptivity at beginning of life",
                                              lo=0.0, hi=1.0, section="radiator.face_a", key="absorptivity",
                                              source="AZ-93 white paint, BOL (AZ Technology)")
    face_b_emissivity: jax.Array = _mission(0.91, "1", "radiator face B infrared emissivity at beginning of life",
                                            lo=0.0, hi=1.0, lo_inclusive=False, section="radiator.face_b",
                                            key="emissivity", source="AZ-93 white paint, BOL (AZ Technology)")
    face_b_absorptivity: jax.Array = _mission(0.15, "1", "radiator face B solar absorptivity at beginning of life",
                                              lo=0.0, hi=1.0, section="radiator.face_b", key="absorptivity",
                                              source="AZ-93 white paint, BOL (AZ Technology)")
    face_a_coating: str = _choice("white_paint", "coating class of face A: its LEO degradation from the "
                                  "beginning-of-life values to end of life (thermal.environment.coatings; none: no "
                                  "degradation)",
                                  COATING_CHOICES, section="radiator.face_a", key="coating",
                                  source="thermal.environment.coatings (Fortescue 2011, de Groh 2006, Gilmore 2002)")
    face_b_coating: str = _choice("white_paint", "coating class of face B: its LEO degradation from the "
                                  "beginning-of-life values to end of life (thermal.environment.coatings; none: no "
                                  "degradation)",
                                  COATING_CHOICES, section="radiator.face_b", key="coating",
                                  source="thermal.environment.coatings (Fortescue 2011, de Groh 2006, Gilmore 2002)")
    # --- [radiator.layout]: the radiator wings' view of the solar arrays ----------------------------
    array_view: bool = quantity(True, "1", "radiator wings see the solar arrays (extra infrared, blocked view "
                                "to space; thermal.environment.satellite_geometry)", static=True,
                                section="radiator.layout", kind="bool")
    n_radiator_wings: int = quantity(2, "1", "radiator wings (one toward nadir, one toward zenith)", static=True,
                                     section="radiator.layout", kind="int", lo=1, hi=2)
    radiator_aspect: jax.Array = _mission(3.0, "1", "radiator wing length / width", lo=0.05, hi=50.0,
                                          section="radiator.layout", source="assumption")
    array_aspect: jax.Array = _mission(2.5, "1", "solar-array wing length / width", lo=0.05, hi=50.0,
                                       section="radiator.layout", source="assumption")
    bus_half_size_m: jax.Array = _mission(1.5, "m", "half the bus width (wing roots)", lo=0.0, hi=50.0,
                                          section="radiator.layout", source="assumption")
    array_yoke_m: jax.Array = _mission(2.0, "m", "array yoke: gap from the bus to the array wing", lo=0.0, hi=100.0,
                                       section="radiator.layout", source="assumption")
    radiator_root_gap_m: jax.Array = _mission(0.0, "m", "gap from the bus to the radiator wing", lo=0.0, hi=100.0,
                                              section="radiator.layout", source="assumption")
    # --- drag and station keeping ([mission] launch_year, [environment] solar cycle, [propulsion]) ---
    launch_year: jax.Array = _mission(2027.0, "yr", "launch (start of the mission; solar-cycle phase)", lo=1990.0,
                                      hi=2090.0, source="assumption")
    f107_min_sfu: jax.Array = _mission(65.0, "sfu", "F10.7 at solar minimum (idealised 11-year cycle)", lo=50.0,
                                       hi=300.0, section="environment",
                                       source="ECSS-E-ST-10-04C Table 6-3 (long-term low)")
    f107_max_sfu: jax.Array = _mission(250.0, "sfu", "F10.7 at solar maximum (idealised 11-year cycle)", lo=50.0,
                                       hi=400.0, section="environment",
                                       source="ECSS-E-ST-10-04C Table 6-3 (long-term high)")
    ap: jax.Array = _mission(15.0, "1", "geomagnetic Ap index (thermospheric density)", lo=0.0, hi=50.0,
                             section="environment", source="moderate activity (ECSS-E-ST-10-04C)")
    density_scale: jax.Array = _mission(1.0, "1", "multiplier on the NRLMSIS 2.1 mission-mean density "
                                        "(model uncertainty, local time)", lo=0.05, hi=20.0, section="environment",
                                        source="1: the global-mean table (orbit.atmosphere)")
    trapped_flux_multiplier: jax.Array = _mission(1.0, "1", "multiplier on the AE8/AP8 trapped proton and electron "
                                                  "fluxes (TID, SEE proton rate, cell fluence; solar protons "
                                                  "unchanged)", lo=0.0, hi=10.0, lo_inclusive=False,
                                                  section="environment",
                                                  source="1: the AE8 MAX / AP8 MIN tables; their uncertainty is "
                                                         "about a factor of 2 (ECSS-E-ST-10-04C)")
    cell_degradation_multiplier: jax.Array = _mission(1.0, "1", "multiplier on the solar cell's radiation power "
                                                      "loss, 1 - remaining factor (damage-coefficient fit "
                                                      "uncertainty)", lo=0.0, hi=5.0,
                                                      source="1: the cell's fitted remaining-factor curve")
    station_keeping: bool = quantity(True, "1", "hold the altitude against drag with electric propulsion "
                                     "(propellant, thrusters, power)", static=True, section="propulsion",
                                     kind="bool")
    isp_s: jax.Array = _mission(1600.0, "s", "thruster specific impulse", lo=100.0, hi=10000.0, section="propulsion",
                                source="SPT-100 Hall thruster (Goebel & Katz 2008)")
    thruster_efficiency: jax.Array = _mission(0.48, "1", "thruster total efficiency (jet power / input power)",
                                              lo=0.0, hi=1.0, lo_inclusive=False, section="propulsion",
                                              source="SPT-100: 83 mN x g0 x 1600 s / (2 x 1350 W)")
    thrust_n: jax.Array = _mission(0.083, "N", "thrust of one thruster", lo=0.0, hi=100.0, lo_inclusive=False,
                                   section="propulsion", source="SPT-100 (Goebel & Katz 2008)")
    n_thrusters: int = quantity(1, "1", "thrusters firing together", static=True, section="propulsion", kind="int",
                                lo=1, hi=64)
    thruster_mass_kg: jax.Array = _mission(3.5, "kg", "mass of one thruster", lo=0.0, hi=1000.0,
                                           section="propulsion", source="Fakel SPT-100 data (second-hand)")
    ppu_kg_per_w: jax.Array = _mission(6e-3, "kg W-1", "power-processing unit mass per input watt", lo=0.0, hi=0.1,
                                       section="propulsion", source="assumption (5-10 kg/kW flight PPUs)")
    tank_fraction: jax.Array = _mission(0.10, "1", "xenon tank mass / propellant mass", lo=0.0, hi=1.0,
                                        section="propulsion", source="assumption (COPV xenon tanks 0.05-0.15)")
    drag_coefficient: jax.Array = _mission(2.2, "1", "free-molecular drag coefficient on the projected area",
                                           lo=1.0, hi=4.0, section="propulsion",
                                           source="Vallado 2013 sec. 8.6; Moe & Moe 2005")
    body_drag_area_m2: jax.Array = _mission(4.0, "m2", "projected area of the bus body to the flow", lo=0.0,
                                            hi=1000.0, section="propulsion", source="assumption")
    # --- [mmod] micrometeoroids and debris on the radiator tubes ----------------------------------
    tube_wall_thickness_m: jax.Array = _mission(0.7e-3, "m", "radiator tube wall (aluminium) without armour",
                                                lo=1e-5, hi=0.01, section="mmod", source="assumption")
    tube_exposed_fraction: jax.Array = _mission(0.5, "1", "fraction of the tube surface exposed to impacts (the "
                                                "sheet shields the rest)", lo=0.0, hi=1.0, lo_inclusive=False,
                                                section="mmod", source="assumption")
    armour_coverage: jax.Array = _mission(0.5, "1", "fraction of the tube circumference the armour covers",
                                          lo=0.0, hi=1.0, section="mmod", source="assumption (exposed half)")
    loop_sections: int = quantity(8, "1", "independently isolatable radiator sections (valves or loops)",
                                  static=True, section="mmod", kind="int", lo=1, hi=1024)
    sections_required_fraction: float = quantity(0.875, "1", "fraction of the sections that must survive to reject "
                                                 "the heat", static=True, section="mmod", lo=0.0, hi=1.0,
                                                 lo_inclusive=False, source="assumption (7 of 8)")
    puncture_reliability: jax.Array = _mission(0.95, "1", "required probability that enough radiator sections "
                                               "survive micrometeoroids and debris over the life", lo=0.0, hi=1.0,
                                               lo_inclusive=False, hi_inclusive=False, section="mmod",
                                               source="assumption")
    # --- [cold_case] the coldest orbit and freeze protection ------------------------------------------
    cold_payload_fraction: jax.Array = _mission(0.0, "1", "payload power in the cold case / nominal (0: a safe-mode "
                                                "day with the payload off)", lo=0.0, hi=1.0, section="cold_case",
                                                key="payload_fraction", source="assumption (safe mode)")
    freeze_protection: str = _choice("heaters", "freeze protection of the loop in the cold case (an antifreeze is "
                                     "a coolant choice, mission.coolant)", FREEZE_PROTECTION_CHOICES,
                                     section="cold_case", source="Gilmore 2002 ch. 7 and 12")
    # --- derived on the host from the orbit (not configurable) --------------------------------
    hot_beta_rad: jax.Array = quantity(0.0, "rad", "beta angle of the hot radiator case")
    eclipse_beta_rad: jax.Array = quantity(0.0, "rad", "beta angle of the longest eclipse")
    eclipse_orbits_fraction: jax.Array = quantity(1.0, "1", "fraction of the year's orbits with an eclipse")
    inclination_rad: jax.Array = quantity(0.0, "rad", "orbit inclination (inclined family)")
    sso: jax.Array = quantity(1.0, "1", "1 for a sun-synchronous orbit (inclination follows altitude)")
    # --- static choices -----------------------------------------------------------------------
    n_chips: int = quantity(150, "1", "accelerators in the payload", static=True, section="mission", kind="int",
                            lo=1, hi=100000)
    chip: str = _choice("b200", "accelerator package preset", ("h100-sxm", "b200", "gb200"))
    coolant: str = _choice("water", "loop coolant", ("water", "ammonia", "mpg30", "mpg50"))
    cell: str = _choice("spectrolab_xtj", "solar cell", ("spectrolab_xtj", "azur_4g32c"))
    objective: str = _choice("mass", "optimisation objective", ("mass", "cost"))
    attitude: str = _choice("sun_edge_on", "radiator attitude", ("sun_edge_on", "nadir", "sun_facing"),
                            section="radiator")
    albedo_model: str = _choice("cap", "albedo model (illuminated cap or cosine)", ("cap", "cosine"),
                                section="environment")
    penumbra: bool = quantity(False, "1", "penumbral eclipse model", static=True, section="environment",
                              kind="bool")
    mass: MassParameters = MassParameters()

    def face_emissivity(self, years_in_orbit=0.0):
        """(2,) infrared emissivity of faces A and B after ``years_in_orbit`` (0: beginning of life)."""
        return jnp.stack([_degraded(self.face_a_emissivity, self.face_a_coating, years_in_orbit, 1),
                          _degraded(self.face_b_emissivity, self.face_b_coating, years_in_orbit, 1)])

    def face_absorptivity(self, years_in_orbit=0.0):
        """(2,) solar absorptivity of faces A and B after ``years_in_orbit`` (0: beginning of life)."""
        return jnp.stack([_degraded(self.face_a_absorptivity, self.face_a_coating, years_in_orbit, 0),
                          _degraded(self.face_b_absorptivity, self.face_b_coating, years_in_orbit, 0)])


def _degraded(bol, coating: str, years, which: int):
    """A face's BOL property plus its coating class's LEO change after ``years`` (thermal.environment.coatings)."""
    if coating == "none":
        return bol
    change = thermal.coating_properties(coating, years)[which] - thermal.coating_properties(coating, 0.0)[which]
    return jnp.clip(bol + change, 1e-3, 1.0)


class Numerics(eqx.Module):
    """Static model resolution (``[numerics]``): changing any field recompiles."""

    radiator_nx: int = quantity(24, "1", "radiator cells along the tubes", static=True, section="numerics",
                                kind="int", lo=4, hi=2048)
    radiator_ny: int = quantity(40, "1", "radiator cells across a panel", static=True, section="numerics",
                                kind="int", lo=4, hi=2048)
    n_tubes_per_panel: int = quantity(8, "1", "coolant tubes per radiator panel", static=True, section="numerics",
                                      kind="int", lo=1, hi=64)
    panel_length_m: float = quantity(8.0, "m", "radiator panel length along the tubes", static=True,
                                     section="numerics", lo=0.5, hi=50.0)
    chip_nx: int = quantity(24, "1", "chip grid cells in x", static=True, section="numerics", kind="int", lo=4, hi=512)
    chip_ny: int = quantity(18, "1", "chip grid cells in y", static=True, section="numerics", kind="int", lo=4, hi=512)
    chip_silicon_k_of_t: bool = quantity(False, "1", "temperature-dependent silicon conductivity in the chip model "
                                         "(k ~ T^-1.40, Picard solve)", static=True, section="numerics", kind="bool")
    n_orbit_samples: int = quantity(72, "1", "orbit samples inside the coupled model", static=True, section="numerics",
                                    key="model_orbit_samples", kind="int", lo=16, hi=1024)
    ks_rho_per_k: float = eqx.field(static=True, default=2.0)


TIM2_LAYER, LID_LAYER = 3, 2
"""Layer indices in :func:`thermal.chip.accelerators.accelerator_package` (die, TIM1, lid, TIM2, cold plate)."""

COLDPLATE = dict(channel_width_m=0.3e-3, channel_height_m=3e-3, fin_thickness_m=0.2e-3, length_m=0.06,
                 width_m=0.08, fin_conductivity_w_m_k=390.0)
"""Baseline microchannel cold plate under an 80 x 60 mm lid: 0.3 mm copper channels, 3 mm tall
(skived-fin class, e.g. Kandlikar & Grande 2003 microchannel design guidance)."""


def _coolant(mission: Mission) -> tcool.Coolant:
    if mission.coolant == "water":
        return tcool.WATER
    if mission.coolant == "ammonia":
        return tcool.AMMONIA
    if mission.coolant.startswith("mpg"):
        return tcool.propylene_glycol_water(int(mission.coolant[3:]) / 100.0)
    raise ValueError(f"mission.coolant = {mission.coolant!r} is not one of water, ammonia, mpgNN")


# ---------------------------------------------------------------------------------------------
# radiation
# ---------------------------------------------------------------------------------------------

COVERGLASS_DENSITY_G_CM3 = 2.55
"""Ceria-doped borosilicate coverglass density [g/cm^3] (as in power.ArrayDesign)."""


SEE_DEVICE = "tpu_v6e"
"""Per-dose SEE data of :data:`radiation.see.PER_DOSE_DEVICES` used for every accelerator preset (the
only cited whole-accelerator proton data: Google's TPU v6e tests, Suncatcher sec. 4.3)."""


def radiation_metrics(design: SatelliteDesign, mission: Mission, inclination_rad) -> dict:
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
    return {
        "tid_si_gy": dose.total_gy,
        "tid_trapped_electron_si_gy": dose.trapped_electron_gy + dose.bremsstrahlung_gy,
        "tid_trapped_proton_si_gy": dose.trapped_proton_gy,
        "tid_solar_proton_si_gy": dose.solar_proton_gy,
        "see_sdc_per_chip_year": see.sdc_per_chip_year,
        "see_hbm_uecc_per_chip_year": see.hbm_uecc_per_chip_year,
        "see_sefi_per_chip_year": see.sefi_per_chip_year,
        "see_sdc_per_payload_day": see.sdc_per_chip_year * mission.n_chips / DAYS_PER_YEAR,
        "see_outages_per_payload_day": outages * mission.n_chips / DAYS_PER_YEAR,
        "availability": radiation.see.availability_from_event_rate(outages, mission.see_recovery_s),
        "cell_fluence_1mev_cm2": cell.one_mev_electron_equivalent_cm2,
    }


# ---------------------------------------------------------------------------------------------
# thermal: radiator loop closure and the representative chip
# ---------------------------------------------------------------------------------------------

def _panel(design: SatelliteDesign, mission: Mission, numerics: Numerics):
    width = numerics.n_tubes_per_panel * design.radiator_tube_pitch_m
    n_panels = design.radiator_area_m2 / (numerics.panel_length_m * width)
    # hot case: the coatings at end of life (thermal.environment.coatings)
    eps, alpha = mission.face_emissivity(mission.life_years), mission.face_absorptivity(mission.life_years)
    panel = trad.RadiatorPanel(
        length_m=jnp.asarray(numerics.panel_length_m, width.dtype), width_m=width,
        thickness_m=design.radiator_thickness_m, conductivity_w_m_k=mission.radiator_conductivity_w_m_k,
        emissivity=eps, absorptivity=alpha, tube_pitch_m=design.radiator_tube_pitch_m,
        tube_conductance_w_m_k=mission.tube_conductance_w_m_k, n_tubes=numerics.n_tubes_per_panel)
    return panel, n_panels


def coupled_loop(design: SatelliteDesign, mission: Mission, numerics: Numerics, sw, lw):
    """The payload's thermal state from :func:`thermal.solve_loop`: identical chips on cold plates in
    parallel branches (one modelled branch, ``branch_multiplicity = n_chips``), point-of-load
    conversion loss in each branch, a canned pump, main lines and the finite-difference radiator
    panels (:func:`thermal.fd_panel_radiator` with a continuous panel count, their tube-bank pressure
    drop from :func:`thermal.fd_panel_pressure_drop`).  Returns ``(LoopSolution, panel, n_panels,
    radiator panel solution, chip model, hbm block indices)``."""
    dtype = design.coolant_flow_kg_s.dtype
    panel, n_panels = _panel(design, mission, numerics)
    model, block_power = _chip_model(mission.chip, numerics.chip_nx, numerics.chip_ny,
                                     numerics.chip_silicon_k_of_t)
    chip_power = mission.payload_power_w / mission.n_chips
    bp = (jnp.asarray(block_power, dtype) * (chip_power / float(sum(block_power))))[None]
    params = model.default_params(dtype=dtype)
    k = params.conductivity_w_m_k.at[TIM2_LAYER].set(design.tim_conductivity_w_m_k)
    kl = params.lateral_conductivity_w_m_k.at[TIM2_LAYER].set(design.tim_conductivity_w_m_k)
    params = jax.tree_util.tree_map(lambda a: a[None],
                                    eqx.tree_at(lambda p: (p.conductivity_w_m_k, p.lateral_conductivity_w_m_k),
                                                params, (k, kl)))
    plate = tcp.ColdPlate(**{name: jnp.asarray(v, dtype) for name, v in COLDPLATE.items()},
                          enhancement=design.coldplate_htc_scale)
    loop_design = thermal.LoopDesign(
        mass_flow_kg_s=design.coolant_flow_kg_s, supply_temperature_k=jnp.asarray(300.0, dtype),
        pressure_pa=mission.loop_pressure_pa, pump_efficiency=mission.pump_efficiency,
        pipe_length_m=mission.main_line_length_m, pipe_diameter_m=mission.main_line_diameter_m,
        pipe_fittings_k=mission.main_line_fittings_k, coldplate_fittings_k=mission.coldplate_fittings_k,
        radiator_pressure_drop_pa=jnp.asarray(0.0, dtype))
    loads = mission_loads(mission, 0.0).terminal_w(eclipse=False)
    cool = _coolant(mission)
    rn = trad.Numerics(nx=numerics.radiator_nx, ny=numerics.radiator_ny)
    radiator = thermal.fd_panel_radiator(None, rn)
    rparams = (panel, sw, lw, n_panels)
    # Level-0 start: the isothermal two-sided panel rejecting the payload heat.
    guess = thermal.isothermal_panel_temperature_k(mission.payload_power_w, design.radiator_area_m2,
                                                  panel.emissivity, panel.absorptivity * sw + panel.emissivity * lw)
    sol = thermal.solve_loop(
        model, params, bp, plate, loop_design, cool, 1, 1, radiator=radiator, radiator_params=rparams,
        case_layer=LID_LAYER, ks_rho_per_k=numerics.ks_rho_per_k, check=False, branch_multiplicity=mission.n_chips,
        radiator_pressure_drop=thermal.fd_panel_pressure_drop(None, mission.mass.tube_inner_diameter_m,
                                                              mission.radiator_tube_fittings_k),
        supply_guess_k=guess, branch_heat_w=loads["payload_conversion"] / mission.n_chips, canned_pump=True)
    props = tcool.coolant_properties(cool, sol.supply_temperature_k)
    rres = sol.radiator_solution   # the panel at the converged inlet temperature (solved once, in the loop)
    names = [b.name for b in model.floorplan.blocks]
    hbm_idx = jnp.asarray([i for i, n in enumerate(names) if n.startswith("hbm")])
    return sol, panel, n_panels, rres, model, hbm_idx, props


def mission_loads(mission: Mission, pump_w, propulsion_w=0.0, heaters_w=0.0) -> power.Loads:
    """The electrical loads of the mission (payload, bus, ISL terminals) plus the pump, the
    station-keeping thrusters and the freeze-protection heaters (eclipse only) [W]."""
    return power.Loads(payload_compute_w=mission.payload_power_w, bus_avionics_w=mission.bus_power_w,
                       isl_terminal_count=mission.isl_terminal_count, isl_terminal_w=mission.isl_terminal_w,
                       pumps_w=pump_w, eclipse_payload_fraction=mission.eclipse_payload_fraction,
                       propulsion_w=propulsion_w, heaters_w=heaters_w)


RADIATOR_DRAG_ATTITUDE = {"sun_edge_on": "sun_edge_on", "nadir": "nadir", "sun_facing": "sun_tracking"}
"""Radiator attitude (heat loads) -> its projection law onto the velocity (orbit.drag)."""


def drag_metrics(design: SatelliteDesign, mission: Mission, inclination_rad) -> dict:
    """Orbit-averaged drag of the arrays (two-axis Sun tracking), the radiator (its attitude, plus the
    thermal-motion floor of a plate edge-on to the flow) and the bus body at the hot-case beta; the
    mission-mean NRLMSIS density over the solar cycle (x ``density_scale`` x the corotation factor); the
    mean drag, the thrusters' firing power and duty cycle (orbit.drag)."""
    h = design.altitude_m
    beta = mission.hot_beta_rad
    f = jnp.stack([orbit.projection_factor("sun_tracking", beta),
                   orbit.projection_factor(RADIATOR_DRAG_ATTITUDE[mission.attitude], beta)
                   + 2.0 * orbit.drag.edge_on_projection_floor()])
    area = orbit.drag_area_m2(jnp.stack([design.array_area_m2, design.radiator_area_m2]), f,
                              mission.body_drag_area_m2)
    rho = mission.density_scale * orbit.mission_mean_density_kg_m3(
        h, mission.launch_year, mission.life_years, ap=mission.ap, f107_min_sfu=mission.f107_min_sfu,
        f107_max_sfu=mission.f107_max_sfu) * orbit.drag.corotation_factor(h, inclination_rad)
    drag = orbit.drag.drag_force_n(rho, h, area, mission.drag_coefficient)
    thrust = mission.n_thrusters * mission.thrust_n
    on = 1.0 if mission.station_keeping else 0.0
    return {"drag_area_m2": area, "mean_density_kg_m3": rho, "mean_drag_n": drag,
            "drag_impulse_n_s": drag * mission.life_years * SECONDS_PER_YEAR,
            "thruster_duty_cycle": on * orbit.drag.thruster_duty_cycle(drag, thrust),
            "thruster_firing_power_w": on * orbit.drag.thruster_power_w(thrust, mission.isp_s,
                                                                        mission.thruster_efficiency),
            "thruster_mean_power_w": on * orbit.drag.thruster_power_w(drag, mission.isp_s,
                                                                      mission.thruster_efficiency),
            "thruster_duty_limit": jnp.ones_like(drag)}


def puncture_metrics(design: SatelliteDesign, mission: Mission, inclination_rad) -> dict:
    """Micrometeoroid (Grün 1985) and debris (NASA 91) perforations of the radiator tubes over the
    life (Cour-Palais single-wall ballistic limit of wall + armour), the probability that at least
    the required fraction of the isolatable sections survives, and the armour mass (thermal.radiator.puncture)."""
    mp = mission.mass
    length = design.radiator_area_m2 / design.radiator_tube_pitch_m
    od = mp.tube_inner_diameter_m + 2.0 * mission.tube_wall_thickness_m
    area = thermal.tube_exposed_area_m2(1, length, od, mission.tube_exposed_fraction)
    n_all, n_met, n_deb = thermal.expected_penetrations(mission.tube_wall_thickness_m + design.tube_armour_m, area,
                                                        design.altitude_m, inclination_rad, mission.launch_year,
                                                        mission.life_years)
    need = thermal.min_sections_required(mission.loop_sections, mission.sections_required_fraction)
    p = thermal.loop_delivery_probability(n_all, mission.loop_sections, need)
    tiny = jnp.finfo(jnp.result_type(p)).tiny
    return {"tube_perforations": n_all, "tube_perforations_meteoroid": n_met, "tube_perforations_debris": n_deb,
            "no_puncture_probability": thermal.no_puncture_probability(n_all),
            "loop_survival_probability": p,
            "log_loop_survival": jnp.log(jnp.maximum(p, tiny)),
            "log_puncture_reliability": jnp.log(mission.puncture_reliability),
            "armour_kg": thermal.armour_mass_kg(design.tube_armour_m, od, length, mission.armour_coverage)}


@functools.lru_cache(maxsize=16)
def _chip_model(chip: str, nx: int, ny: int, silicon_k_of_t: bool = False):
    """Cached chip geometry (a static object: its solves compile once per grid)."""
    return accelerator_package(chip, nx=nx, ny=ny, n_sublayers=(1, 1, 1, 1, 1), silicon_k_of_t=silicon_k_of_t)


def plate_environment(mission: Mission, altitude_m, beta_rad, attitude: str, n_samples: int, distance_au):
    """Orbital environment on a plate with the mission's configured environment
    (albedo, OLR, solar constant at ``distance_au``, penumbra, albedo model)."""
    return thermal.plate_environment(altitude_m, beta_rad, attitude, n_samples, albedo=mission.albedo,
                                     olr_w_m2=mission.olr_w_m2,
                                     solar_flux_w_m2=mission.solar_constant_w_m2 / distance_au**2,
                                     penumbra=mission.penumbra, albedo_model=mission.albedo_model)


def _array_support(mission: Mission) -> dict:
    """The array's support areal mass where the config states it (directly, or set on the host from
    the hardware class by :func:`studies.satellite.build_mission`)."""
    mp = mission.mass
    if mp.array_support_areal_mass_kg_m2 is not None:
        return {"support_areal_mass_kg_m2": jnp.asarray(mp.array_support_areal_mass_kg_m2)}
    return {}


# ---------------------------------------------------------------------------------------------
# the whole satellite
# ---------------------------------------------------------------------------------------------

def array_exchange(design: SatelliteDesign, mission: Mission, arr, array_temperature_k):
    """The radiator faces' exchange with the solar arrays in the default layout (radiator wings
    knife-edge to the Sun, perpendicular to Sun-tracking arrays; thermal.default_layout and
    thermal.radiator_exchange), or None when ``[radiator.layout] array_view`` is off."""
    if not mission.array_view:
        return None
    lay = thermal.default_layout(design.radiator_area_m2, design.array_area_m2,
                                 n_radiator_wings=mission.n_radiator_wings, radiator_aspect=mission.radiator_aspect,
                                 array_aspect=mission.array_aspect, bus_half_size_m=mission.bus_half_size_m,
                                 array_yoke_m=mission.array_yoke_m, radiator_root_gap_m=mission.radiator_root_gap_m)
    return thermal.radiator_exchange(lay, array_temperature_k, arr.front_emittance, arr.back_emittance,
                                     mission.face_emissivity(mission.life_years))


def evaluate(design: SatelliteDesign, mission: Mission, numerics: Numerics = Numerics()) -> dict[str, Any]:
    """Every metric of one satellite design (a dict of JAX scalars/arrays).

    Keys include ``total_mass_kg``, the mass breakdown ``mass_<item>_kg``,
    temperatures of the budget chain, ``tid_si_gy``, SEE rates, array and battery
    figures, the normalised constraints ``g_<name>`` (>= 0 is feasible), the
    ``objective`` and convergence flags.
    """
    dtype = design.altitude_m.dtype
    h = design.altitude_m
    # Sun-synchronous orbits: the inclination follows the altitude (J2); others keep theirs.
    inc = jnp.where(mission.sso > 0.5, orbit.sso_inclination_rad(h), mission.inclination_rad)
    period = orbit.period_s(h)
    out: dict[str, Any] = {"inclination_deg": jnp.degrees(inc), "period_s": period}

    # --- radiation ---------------------------------------------------------------------
    out.update(radiation_metrics(design, mission, inc))

    # --- environment on the radiator (hot case) ----------------------------------------------
    env = plate_environment(mission, h, mission.hot_beta_rad, mission.attitude, numerics.n_orbit_samples,
                            PERIHELION_AU)
    fa, fb = env.face_a.orbit_average(), env.face_b.orbit_average()
    sw = jnp.stack([fa.shortwave_w_m2, fb.shortwave_w_m2])
    lw_env = jnp.stack([fa.longwave_w_m2, fb.longwave_w_m2])

    # --- solar array temperature (its own energy balance; no feedback from the loop) -------------
    cell = power.get_cell(mission.cell)
    arr = power.ArrayDesign(area_m2=design.array_area_m2, coverglass_thickness_m=design.coverglass_thickness_m,
                            **_array_support(mission))
    aenv = plate_environment(mission, h, mission.hot_beta_rad, "sun_facing", numerics.n_orbit_samples, 1.0)
    lit = jnp.maximum(jnp.mean(aenv.samples.sunlit), 1e-3)
    front = power.IncidentFlux(*(jnp.mean(x) / lit for x in aenv.face_a))
    back = power.IncidentFlux(*(jnp.mean(x) / lit for x in aenv.face_b))
    aphelion_flux = mission.solar_constant_w_m2 / APHELION_AU**2
    front = front._replace(solar_w_m2=jnp.asarray(aphelion_flux, dtype))
    fluence = out["cell_fluence_1mev_cm2"]
    therm = power.array_temperature(cell, arr, front, back, fluence)

    # --- the radiator wings' view of the arrays (thermal.environment.satellite_geometry) ----------------------
    # Orbit average of the arrays' infrared on each face, the array in quasi-steady balance at each
    # sample of the hot case (hot in sunlight, cold in eclipse; studies.orbit_cases.array_infrared).
    ex = array_exchange(design, mission, arr, therm.temperature_k)
    coupling = None if ex is None else ex.array_coupling_side_w_m2_k4
    lw_array = (jnp.mean(array_infrared(design, mission, numerics, "hot", coupling, fluence)[0], axis=0)
                if ex is not None else jnp.zeros_like(lw_env))
    lw = lw_env + lw_array
    out.update({
        "radiator_space_view": (jnp.mean(ex.space_view_side) if ex is not None else jnp.asarray(1.0, dtype)),
        "radiator_array_ir_w_m2": jnp.mean(lw_array),
        "radiator_shortwave_a_w_m2": sw[0], "radiator_shortwave_b_w_m2": sw[1],
        "radiator_longwave_a_w_m2": lw[0], "radiator_longwave_b_w_m2": lw[1],
        "radiator_absorptivity_bol": jnp.mean(mission.face_absorptivity()),
        "radiator_absorptivity_eol": jnp.mean(mission.face_absorptivity(mission.life_years)),
        "radiator_emissivity_bol": jnp.mean(mission.face_emissivity()),
        "radiator_emissivity_eol": jnp.mean(mission.face_emissivity(mission.life_years)),
    })

    # --- coolant loop: chips, cold plates, pump, lines and radiator panels (thermal.solve_loop) ------
    # Everything the power budget sends to the payload radiator (power.HEAT_DESTINATIONS) reaches
    # the coolant: the chips' power, its point-of-load conversion loss (regulators on the cold
    # plates, downstream of the accelerators in each branch) and the pump's whole electrical power
    # (canned pump: hydraulic work and motor losses both end up in the coolant).
    sol, panel, n_panels, rres, model, hbm_idx, props = coupled_loop(design, mission, numerics, sw, lw)
    cool = _coolant(mission)
    # --- drag, station keeping and debris on the tubes ---------------------------------------------
    out.update(drag_metrics(design, mission, inc))
    out.update(puncture_metrics(design, mission, inc))
    # --- cold case: steady coldest orbit sample with the freeze protection sized (studies.orbit_cases) ---
    steady = dict(out, coolant_supply_k=sol.supply_temperature_k, chip_power_w=sol.chip_power_w[0, 0],
                  junction_max_k=sol.overall_max_junction_k, coldplate_base_k=sol.coldplate_base_k[0, 0],
                  payload_radiator_heat_w=sol.heat_rejected_w - sol.energy_residual_w, pump_power_w=sol.pump_power_w,
                  coldplate_htc_w_m2_k=sol.htc_w_m2_k, radiator_fin_efficiency=rres.fin_efficiency,
                  mass_coolant_kg=fluid_inventory_kg(design.radiator_area_m2, design.radiator_tube_pitch_m,
                                                     props.density_kg_m3, mission.mass))
    out.update(cold_case_controls(design, mission, numerics, steady, coupling))
    loads = mission_loads(mission, sol.pump_power_w, out["thruster_firing_power_w"])
    # the cold case's eclipse: payload at its minimum, heaters (or bypass actuator) on
    cold_loads = eqx.tree_at(lambda ld: (ld.payload_compute_w, ld.heaters_w),
                             mission_loads(mission, sol.pump_power_w, out["thruster_firing_power_w"]),
                             (mission.payload_power_w * mission.cold_payload_fraction,
                              out["freeze_protection_power_w"]))
    heat_w = sum(v for k, v in loads.terminal_w(eclipse=False).items()
                 if power.HEAT_DESTINATIONS[k] == "payload_radiator")
    hbm_max = sol.block_max_k[0, 0, hbm_idx]
    t_in, supply = sol.return_temperature_k, sol.supply_temperature_k
    t_cool = 0.5 * (sol.coolant_in_k[0, 0] + sol.coolant_out_k[0, 0])
    closure = sol.energy_residual_w / heat_w
    out.update({
        "payload_radiator_heat_w": heat_w,
        "radiator_inlet_k": t_in, "radiator_outlet_k": supply, "radiator_max_k": rres.max_temperature_k,
        "radiator_min_k": rres.min_temperature_k, "radiator_mean_k": rres.mean_temperature_k,
        "radiator_fin_efficiency": rres.fin_efficiency, "radiator_heat_rejected_w": sol.heat_rejected_w,
        "radiator_heat_flux_w_m2": sol.heat_rejected_w / design.radiator_area_m2,
        "radiator_n_panels": n_panels, "radiator_panel_width_m": panel.width_m,
        "radiator_absorbed_w_m2": jnp.sum(panel.absorptivity * sw + panel.emissivity * lw),
        "radiator_field_k": rres.temperature_k,
        "loop_closure_residual": closure, "radiator_converged": rres.converged,
        "radiator_energy_residual_w": rres.energy_residual_w,
        "coolant_supply_k": supply, "coolant_return_k": t_in, "chip_coolant_k": t_cool,
        "coldplate_htc_w_m2_k": sol.htc_w_m2_k, "coldplate_reynolds": sol.reynolds,
        "junction_max_k": sol.overall_max_junction_k, "junction_ks_k": sol.chip_ks_junction_k[0, 0],
        "hbm_max_k": jnp.max(hbm_max), "hbm_ks_k": ks_max(hbm_max, None, numerics.ks_rho_per_k),
        "junction_field_k": sol.junction_k[0, 0], "loop_converged": sol.converged,
        "case_k": sol.case_k[0, 0], "coldplate_base_k": sol.coldplate_base_k[0, 0],
        "pressure_drop_pa": sol.pressure_drop_pa, "pump_power_w": sol.pump_power_w,
        "hydraulic_power_w": sol.hydraulic_power_w, "chip_power_w": sol.chip_power_w[0, 0],
    })

    # --- power ------------------------------------------------------------------------------
    ecl_s = orbit.eclipse_fraction(h, mission.eclipse_beta_rad, penumbra=mission.penumbra) * period
    sun_s = period - ecl_s
    sunlit_load = loads.total_w(eclipse=False)
    # the battery carries the worse eclipse: nominal operations or the cold case with its heaters
    eclipse_load = jnp.maximum(loads.total_w(eclipse=True), cold_loads.total_w(eclipse=True))
    out["cold_eclipse_load_w"] = cold_loads.total_w(eclipse=True)
    req = power.required_array_power_w(sunlit_load, eclipse_load, sun_s, ecl_s)
    # End of life at aphelion (lowest Sun), Sun-tracking array.
    eol = power.array_power(cell, arr, therm.temperature_k, fluence, solar_flux_w_m2=aphelion_flux,
                            degradation_scale=mission.cell_degradation_multiplier)
    bol = power.array_power(cell, arr, therm.temperature_k, 0.0, solar_flux_w_m2=aphelion_flux)
    n_cycles = mission.life_years * SECONDS_PER_YEAR / period * mission.eclipse_orbits_fraction
    dod = (power.max_dod_from_cycles(jnp.maximum(n_cycles, 1.0)) if mission.battery_dod_limit is None
           else jnp.asarray(mission.battery_dod_limit, dtype))
    bat = power.size_battery(eclipse_load, ecl_s, sun_s, dod)
    tech = power.BatteryTech()
    mp = mission.mass
    specific_energy = (tech.pack_specific_energy_wh_kg if mp.battery_specific_energy_wh_kg is None
                       else mp.battery_specific_energy_wh_kg)
    battery_mass = design.battery_capacity_j / 3600.0 / specific_energy
    array_mass = (power.array_mass_kg(cell, arr) if mp.array_specific_power_w_kg is None
                  else bol.power_w / mp.array_specific_power_w_kg)
    out.update({
        "eclipse_s": ecl_s, "sunlit_load_w": sunlit_load, "eclipse_load_w": eclipse_load,
        "array_required_w": req.array_power_w, "array_eol_w": eol.power_w, "array_bol_w": bol.power_w,
        "array_temperature_k": therm.temperature_k, "array_radiation_factor": eol.factors.radiation,
        "array_eol_w_m2": eol.power_w / design.array_area_m2, "battery_required_j": bat.capacity_wh * 3600.0,
        "battery_capacity_j": design.battery_capacity_j,
        "array_absorbed_w": therm.absorbed_w_m2 * design.array_area_m2, "battery_recharge_w": req.recharge_w,
        "battery_dod": dod, "battery_cycles": n_cycles,
        "array_converged": therm.converged,
    })

    # --- bus / PMAD heat (power.HEAT_DESTINATIONS "bus_radiator"), worse of sunlight and eclipse ----
    # the same budgets the study prints (power.sunlit_budget / eclipse_budget), traced here
    path = power.PathEfficiencies()
    sun_budget = power.sunlit_budget(loads, eol.power_w, out["array_absorbed_w"], req.recharge_w * path.regulator,
                                     path, tech)
    ecl_budget = power.eclipse_budget(loads, path, tech)
    bus_sun = sun_budget.heat_by_destination_w["bus_radiator"]
    bus_ecl = ecl_budget.heat_by_destination_w["bus_radiator"]
    bus_heat = jnp.maximum(bus_sun, bus_ecl)
    # level-0 isothermal two-sided panel with the payload radiator's coatings and environment
    bus_area = bus_heat / thermal.net_rejection_w_m2(mp.bus_radiator_temperature_k, panel.emissivity,
                                                     panel.absorptivity * sw + panel.emissivity * lw)
    out.update({"bus_radiator_heat_w": bus_heat, "bus_radiator_area_m2": bus_area})

    # --- mass ---------------------------------------------------------------------------------
    shield_areal = design.shield_thickness_m * AL_DENSITY_KG_M3
    masses = mass_breakdown(
        radiator_kg=radiator_mass_kg(design.radiator_area_m2, design.radiator_thickness_m,
                                     design.radiator_tube_pitch_m, mp),
        fluid_kg=fluid_inventory_kg(design.radiator_area_m2, design.radiator_tube_pitch_m, props.density_kg_m3, mp),
        pump_kg=pump_mass_kg(sol.pump_power_w, mp), shield_kg=shield_mass_kg(shield_areal, mp),
        array_kg=array_mass, battery_kg=battery_mass,
        payload_kg=payload_mass_kg(mission.n_chips, mission.payload_power_w, mp), p=mp,
        bus_radiator_kg=bus_area * mp.bus_radiator_areal_mass_kg_m2, tube_armour_kg=out["armour_kg"],
        freeze_protection_kg=out["freeze_protection_kg"])
    # Propellant to hold the altitude (rocket equation ending at the dry mass); the propulsion dry mass
    # (thrusters, PPU, tank) joins the dry mass first -- its tank term depends on the propellant, one
    # fixed-point pass on a ~0.5 % term.
    on = 1.0 if mission.station_keeping else 0.0
    prop_dry = on * orbit.drag.propulsion_dry_mass_kg(0.0, out["thruster_firing_power_w"], mission.n_thrusters,
                                                       mission.thruster_mass_kg, mission.ppu_kg_per_w,
                                                       mission.tank_fraction)
    propellant = on * orbit.drag.hold_propellant_kg(out["drag_impulse_n_s"], masses["total"] + prop_dry,
                                                    mission.isp_s)
    prop_dry = prop_dry + on * mission.tank_fraction * propellant
    masses["propulsion"] = prop_dry
    masses["propellant"] = on * orbit.drag.hold_propellant_kg(out["drag_impulse_n_s"], masses["total"] + prop_dry,
                                                              mission.isp_s)
    masses["total"] = masses["total"] + masses["propulsion"] + masses["propellant"]
    out["delta_v_m_s"] = on * out["drag_impulse_n_s"] / (masses["total"] - masses["propellant"])
    for k in MASS_ITEMS:
        out[f"mass_{k}_kg"] = masses[k]
    out["total_mass_kg"] = masses["total"]
    out["specific_power_w_kg"] = mission.payload_power_w / masses["total"]
    out["cost_per_kw_year_usd"] = masses["total"] * mission.launch_cost_usd_per_kg / (
        mission.payload_power_w / 1e3 * mission.life_years)

    # --- limits and the declared constraints (studies.metrics.CONSTRAINTS), >= 0 when met -----------
    out.update({
        "junction_limit_k": mission.junction_limit_k, "hbm_limit_k": mission.hbm_limit_k,
        "tid_with_margin_si_gy": mission.tid_margin * out["tid_si_gy"],
        "tid_tolerance_si_gy": mission.tid_tolerance_si_gy, "availability_target": mission.availability_target,
        "coolant_freeze_limit_k": out["cold_hold_k"],
        "coolant_saturation_pressure_pa": tcool.saturation_pressure_pa(cool, jnp.maximum(t_in, t_cool)),
        "loop_pressure_pa": mission.loop_pressure_pa,
    })
    out.update(constraint_values(out))
    out["objective"] = masses["total"] if mission.objective == "mass" else out["cost_per_kw_year_usd"]
    out["converged"] = (rres.converged & sol.converged & jnp.all(therm.converged) & (jnp.abs(closure) < 1e-6)
                        & out["cold_converged"])
    return out

