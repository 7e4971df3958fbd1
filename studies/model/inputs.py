"""Inputs of the coupled model: the mission (requirements, environment, loop, coatings, choices) and
the numerics, each quantity declared once (:mod:`studies.declare`), and the fixed hardware and
look-ups every stage shares (cold plate, coolant, chip model, plate environment).

:class:`Mission` array fields are differentiable (the sensitivity table walks them); static fields
select models and recompile.  Fields without a TOML section are derived on the host from the orbit
(hot-case and eclipse beta angles, :mod:`studies.analysis.build`).
"""
from __future__ import annotations

import functools

import equinox as eqx
import jax
import jax.numpy as jnp

import power
import thermal
from thermal.loop import coolant as tcool
from thermal.loop import freeze_protection as fp
from thermal.chip.accelerators import accelerator_package

from ..declare import quantity
from .mass import MassParameters

__all__ = ["Mission", "Numerics", "COATING_CHOICES", "FREEZE_PROTECTION_CHOICES", "COLDPLATE", "TIM2_LAYER",
           "LID_LAYER", "DAYS_PER_YEAR", "SECONDS_PER_YEAR", "degraded", "coolant_of", "chip_model",
           "plate_environment", "array_support", "mission_loads", "solar_cell"]

DAYS_PER_YEAR = 365.25
SECONDS_PER_YEAR = DAYS_PER_YEAR * 86400.0


def _mission(default, units, long_name, **spec):
    return quantity(default, units, long_name, section=spec.pop("section", "mission"), **spec)


def _choice(default, long_name, choices, section="mission", **spec):
    return quantity(default, "1", long_name, static=True, section=section, kind="str", choices=choices, **spec)


FREEZE_PROTECTION_CHOICES = tuple(c for c in fp.FREEZE_PROTECTION_CHOICES if c != "glycol")
"""Freeze-protection controls of the study (thermal.loop.freeze_protection's, less "glycol": an antifreeze
is a coolant choice, ``mission.coolant``)."""

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
                                  "beginning-of-life values to end of life (thermal.environment.coatings; none: no degradation)",
                                  COATING_CHOICES, section="radiator.face_a", key="coating",
                                  source="thermal.environment.coatings (Fortescue 2011, de Groh 2006, Gilmore 2002)")
    face_b_coating: str = _choice("white_paint", "coating class of face B: its LEO degradation from the "
                                  "beginning-of-life values to end of life (thermal.environment.coatings; none: no degradation)",
                                  COATING_CHOICES, section="radiator.face_b", key="coating",
                                  source="thermal.environment.coatings (Fortescue 2011, de Groh 2006, Gilmore 2002)")
    # --- [radiator.layout]: the radiator wings' view of the solar arrays ----------------------------
    array_view: bool = quantity(True, "1", "radiator wings see the solar arrays (extra infrared, blocked view "
                                "to space; thermal.environment.satellite_geometry)", static=True, section="radiator.layout",
                                kind="bool")
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
    launch_year: jax.Array = _mission(2027.0, "yr", "launch (start of the mission; solar-cycle phase)", elasticity=False,
                                      lo=1990.0,
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
    cell_efficiency_bol: jax.Array | None = _mission(
        None, "1", "solar-cell beginning-of-life efficiency at AM0, 28 C (default: the cell preset's, power.CELLS)",
        lo=0.05, hi=0.6, optional=True, source="power.CELLS (the preset's datasheet value)")
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
        return jnp.stack([degraded(self.face_a_emissivity, self.face_a_coating, years_in_orbit, 1),
                          degraded(self.face_b_emissivity, self.face_b_coating, years_in_orbit, 1)])

    def face_absorptivity(self, years_in_orbit=0.0):
        """(2,) solar absorptivity of faces A and B after ``years_in_orbit`` (0: beginning of life)."""
        return jnp.stack([degraded(self.face_a_absorptivity, self.face_a_coating, years_in_orbit, 0),
                          degraded(self.face_b_absorptivity, self.face_b_coating, years_in_orbit, 0)])


def degraded(bol, coating: str, years, which: int):
    """A face's BOL property plus its coating class's LEO change after ``years`` (thermal.environment.coatings)."""
    if coating == "none":
        return bol
    change = thermal.coating_properties(coating, years)[which] - thermal.coating_properties(coating, 0.0)[which]
    return jnp.clip(bol + change, 1e-3, 1.0)


class Numerics(eqx.Module):
    """Static model resolution (``[numerics]``): changing any field recompiles."""

    radiator_nx: int = quantity(24, "1", "radiator cells along the tubes", static=True, section="numerics",
                                kind="int", lo=4, hi=2048)
    radiator_cells_per_pitch: int = quantity(5, "1", "radiator cells across one tube pitch (the panel has "
                                             "n_tubes_per_panel pitches)", static=True, section="numerics",
                                             kind="int", lo=2, hi=256)
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

    @property
    def radiator_ny(self) -> int:
        """Radiator cells across a panel: ``radiator_cells_per_pitch`` per tube pitch, ``n_tubes_per_panel``
        pitches (the resolution across a pitch is the declared input; this count follows from it)."""
        return self.radiator_cells_per_pitch * self.n_tubes_per_panel


TIM2_LAYER, LID_LAYER = 3, 2
"""Layer indices in :func:`thermal.chip.accelerators.accelerator_package` (die, TIM1, lid, TIM2, cold plate)."""

COLDPLATE = dict(channel_width_m=0.3e-3, channel_height_m=3e-3, fin_thickness_m=0.2e-3, length_m=0.06,
                 width_m=0.08, fin_conductivity_w_m_k=390.0)
"""Baseline microchannel cold plate under an 80 x 60 mm lid: 0.3 mm copper channels, 3 mm tall
(skived-fin class, e.g. Kandlikar & Grande 2003 microchannel design guidance)."""


def coolant_of(mission: Mission) -> tcool.Coolant:
    if mission.coolant == "water":
        return tcool.WATER
    if mission.coolant == "ammonia":
        return tcool.AMMONIA
    if mission.coolant.startswith("mpg"):
        return tcool.propylene_glycol_water(int(mission.coolant[3:]) / 100.0)
    raise ValueError(f"mission.coolant = {mission.coolant!r} is not one of water, ammonia, mpgNN")



@functools.lru_cache(maxsize=16)
def chip_model(chip: str, nx: int, ny: int, silicon_k_of_t: bool = False):
    """Cached chip geometry (a static object: its solves compile once per grid)."""
    return accelerator_package(chip, nx=nx, ny=ny, n_sublayers=(1, 1, 1, 1, 1), silicon_k_of_t=silicon_k_of_t)


def plate_environment(mission: Mission, altitude_m, beta_rad, attitude: str, n_samples: int, distance_au):
    """Orbital environment on a plate with the mission's configured environment
    (albedo, OLR, solar constant at ``distance_au``, penumbra, albedo model)."""
    return thermal.plate_environment(altitude_m, beta_rad, attitude, n_samples, albedo=mission.albedo,
                                     olr_w_m2=mission.olr_w_m2,
                                     solar_flux_w_m2=mission.solar_constant_w_m2 / distance_au**2,
                                     penumbra=mission.penumbra, albedo_model=mission.albedo_model)


def array_support(mission: Mission) -> dict:
    """The array's support areal mass where the config states it (directly, or set on the host from
    the hardware class by :func:`studies.analysis.build.build_mission`)."""
    mp = mission.mass
    if mp.array_support_areal_mass_kg_m2 is not None:
        return {"support_areal_mass_kg_m2": jnp.asarray(mp.array_support_areal_mass_kg_m2)}
    return {}



def solar_cell(mission: Mission) -> power.SolarCell:
    """The mission's solar cell: its preset (``mission.cell``) with the configured beginning-of-life
    efficiency where one is given."""
    cell = power.get_cell(mission.cell)
    if mission.cell_efficiency_bol is None:
        return cell
    return eqx.tree_at(lambda c: c.efficiency_bol, cell, jnp.asarray(mission.cell_efficiency_bol))


def mission_loads(mission: Mission, pump_w, propulsion_w=0.0, heaters_w=0.0) -> power.Loads:
    """The electrical loads of the mission (payload, bus, ISL terminals) plus the pump, the
    station-keeping thrusters and the freeze-protection heaters (eclipse only) [W]."""
    return power.Loads(payload_compute_w=mission.payload_power_w, bus_avionics_w=mission.bus_power_w,
                       isl_terminal_count=mission.isl_terminal_count, isl_terminal_w=mission.isl_terminal_w,
                       pumps_w=pump_w, eclipse_payload_fraction=mission.eclipse_payload_fraction,
                       propulsion_w=propulsion_w, heaters_w=heaters_w)
