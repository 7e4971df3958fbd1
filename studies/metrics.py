"""Declared outputs of the coupled model: metrics, mass items and constraints.

Every key :func:`studies.model.evaluate` returns is declared here once, with its units
and long name and the report group it belongs to.  The archive's ``metrics`` datasets,
the CLI report, the sweep columns, the optimiser's constraint vector and the
``sunsink evaluate`` verdict are all derived from these declarations; a test checks
that ``evaluate`` returns exactly the declared keys.

A :class:`Constraint` names the metric it bounds, the metric that holds its limit, the
sense of the bound and its normalisation.  The optimiser sees
``g = (limit - value) / scale`` for an upper bound (``value - limit`` for a lower one),
>= 0 when met, computed from the smooth metric ``value``; the verdict judges the exact
metric ``judged`` (e.g. the true maximum junction temperature, not its KS bound).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import jax.numpy as jnp

__all__ = ["Metric", "Constraint", "METRICS", "METRIC_BY_NAME", "CONSTRAINTS", "CONSTRAINT_NAMES", "MASS_ITEMS",
           "FIELD_METRICS", "constraint_values", "judge"]


@dataclass(frozen=True)
class Metric:
    """One scalar output: ``name`` (unit-suffixed), archive ``units``, ``long_name`` and report ``group``."""

    name: str
    units: str
    long_name: str
    group: str


def _group(group: str, *rows: tuple[str, str, str]) -> tuple[Metric, ...]:
    return tuple(Metric(n, u, ln, group) for n, u, ln in rows)


MASS_ITEMS = {
    "payload": "compute payload", "solar_array": "solar array", "radiator": "payload radiator panels",
    "battery": "battery", "structure": "primary structure and mechanisms", "bus": "bus",
    "bus_radiator": "bus/PMAD radiator", "coolant": "coolant inventory", "shield": "radiation shield",
    "pump": "pump package", "tube_armour": "radiator tube debris armour",
    "freeze_protection": "freeze protection (heaters, bypass valve)", "propulsion": "electric propulsion dry mass "
    "(thrusters, PPU, tank)", "propellant": "station-keeping propellant (xenon)",
}
"""Mass breakdown items (metric ``mass_<item>_kg``) with their long names."""

METRICS: tuple[Metric, ...] = (
    _group("mass",
           ("total_mass_kg", "kg", "total satellite mass"),
           *((f"mass_{k}_kg", "kg", f"mass of the {v}") for k, v in MASS_ITEMS.items()),
           ("specific_power_w_kg", "W kg-1", "payload power per total mass"),
           ("cost_per_kw_year_usd", "USD kW-1 yr-1", "launch cost per kW-year of payload power"),
           ("objective", "1", "optimisation objective (kg for mass, USD/kW/yr for cost)"))
    + _group("orbit",
             ("inclination_deg", "degree", "orbit inclination"),
             ("period_s", "s", "orbital period"),
             ("eclipse_s", "s", "longest eclipse"))
    + _group("radiation",
             ("tid_si_gy", "Gy", "mission total ionising dose in silicon behind the shield (no margin)"),
             ("tid_trapped_electron_si_gy", "Gy", "trapped-electron (+bremsstrahlung) dose in silicon"),
             ("tid_trapped_proton_si_gy", "Gy", "trapped-proton dose in silicon"),
             ("tid_solar_proton_si_gy", "Gy", "solar-proton dose in silicon"),
             ("tid_with_margin_si_gy", "Gy", "mission TID times the radiation design margin"),
             ("tid_tolerance_si_gy", "Gy", "TID tolerance of the payload"),
             ("see_sdc_per_chip_year", "yr-1", "silent data corruptions per chip-year (TPU v6e per-dose data)"),
             ("see_hbm_uecc_per_chip_year", "yr-1", "HBM uncorrectable errors per chip-year"),
             ("see_sefi_per_chip_year", "yr-1", "single-event functional interrupts (chip crashes) per chip-year"),
             ("see_sdc_per_payload_day", "d-1", "silent data corruptions per day over the whole payload"),
             ("see_outages_per_payload_day", "d-1", "chip outages (UECC + SEFI) per day over the whole payload"),
             ("availability", "1", "payload availability after SEE recovery outages (UECC + SEFI)"),
             ("availability_target", "1", "required payload availability"),
             ("cell_fluence_1mev_cm2", "cm-2", "1-MeV-equivalent electron fluence behind the coverglass"))
    + _group("drag and debris",
             ("drag_area_m2", "m2", "orbit-averaged drag area (arrays, radiator, body)"),
             ("mean_density_kg_m3", "kg m-3", "mission-mean thermospheric density (NRLMSIS 2.1, solar cycle)"),
             ("mean_drag_n", "N", "mission-mean drag force"),
             ("drag_impulse_n_s", "N s", "drag impulse over the life"),
             ("delta_v_m_s", "m s-1", "station-keeping delta-v over the life"),
             ("thruster_duty_cycle", "1", "fraction of the time the thrusters fire"),
             ("thruster_firing_power_w", "W", "thruster input power while firing (in the power budget)"),
             ("thruster_mean_power_w", "W", "mission-mean thruster input power"),
             ("thruster_duty_limit", "1", "largest allowed thruster duty cycle"),
             ("tube_perforations", "1", "expected radiator-tube perforations over the life (meteoroids + debris)"),
             ("tube_perforations_meteoroid", "1", "expected tube perforations by meteoroids (Grün 1985)"),
             ("tube_perforations_debris", "1", "expected tube perforations by debris (NASA 91)"),
             ("no_puncture_probability", "1", "probability of no tube perforation at all over the life"),
             ("loop_survival_probability", "1", "probability that enough radiator sections survive the life"),
             ("log_loop_survival", "1", "natural log of the section survival probability"),
             ("log_puncture_reliability", "1", "natural log of the required survival probability"),
             ("armour_kg", "kg", "mass of the tube armour"))
    + _group("thermal",
             ("payload_radiator_heat_w", "W", "heat carried by the coolant loop to the radiators (chips, conversion, "
              "pump)"),
             ("radiator_inlet_k", "K", "radiator coolant inlet (loop return) temperature"),
             ("radiator_outlet_k", "K", "radiator coolant outlet (loop supply) temperature"),
             ("radiator_max_k", "K", "hottest radiator sheet temperature"),
             ("radiator_min_k", "K", "coldest radiator sheet temperature"),
             ("radiator_mean_k", "K", "mean radiator sheet temperature"),
             ("radiator_fin_efficiency", "1", "radiator fin efficiency"),
             ("radiator_heat_rejected_w", "W", "net heat rejected by all radiator panels"),
             ("radiator_heat_flux_w_m2", "W m-2", "net heat rejected per radiator planform area"),
             ("radiator_n_panels", "1", "number of radiator panels (continuous)"),
             ("radiator_panel_width_m", "m", "radiator panel width (tubes x pitch)"),
             ("radiator_absorbed_w_m2", "W m-2", "absorbed environment flux, both faces, per planform area"),
             ("radiator_space_view", "1", "radiator faces' view factor to space (1 - view of the arrays), mean"),
             ("radiator_array_ir_w_m2", "W m-2", "orbit-average infrared from the arrays incident on a radiator "
              "face in the hot case, mean of the faces"),
             ("radiator_shortwave_a_w_m2", "W m-2", "orbit-average incident sunlight + albedo on radiator face A, "
              "hot case"),
             ("radiator_shortwave_b_w_m2", "W m-2", "orbit-average incident sunlight + albedo on radiator face B, "
              "hot case"),
             ("radiator_longwave_a_w_m2", "W m-2", "orbit-average incident infrared (Earth + arrays) on radiator "
              "face A, hot case"),
             ("radiator_longwave_b_w_m2", "W m-2", "orbit-average incident infrared (Earth + arrays) on radiator "
              "face B, hot case"),
             ("radiator_absorptivity_bol", "1", "radiator solar absorptivity at beginning of life, mean of faces"),
             ("radiator_absorptivity_eol", "1", "radiator solar absorptivity at end of life (hot case), mean"),
             ("radiator_emissivity_bol", "1", "radiator infrared emissivity at beginning of life, mean of faces"),
             ("radiator_emissivity_eol", "1", "radiator infrared emissivity at end of life (hot case), mean"),
             ("loop_closure_residual", "1", "relative residual of the loop energy balance"),
             ("radiator_energy_residual_w", "W", "radiator panel energy-balance residual"),
             ("coolant_supply_k", "K", "coolant supply temperature (radiator outlet)"),
             ("coolant_return_k", "K", "coolant return temperature (radiator inlet)"),
             ("coolant_freeze_limit_k", "K", "lowest allowed coolant temperature (freezing point + margin)"),
             ("cold_freeze_point_k", "K", "freezing point of the coolant"),
             ("cold_hold_k", "K", "temperature the freeze protection holds (freezing point + margin)"),
             ("cold_min_coolant_k", "K", "coldest coolant-wetted temperature, steady cold case (radiator walls, "
              "supply, return)"),
             ("cold_supply_k", "K", "coolant supply temperature, steady cold case"),
             ("cold_radiator_array_ir_w_m2", "W m-2", "infrared from the eclipsed arrays incident on a radiator face "
              "in the cold case, mean of the faces"),
             ("heater_power_w", "W", "freeze-protection heater power installed (cold case)"),
             ("bypass_fraction", "1", "radiator bypass fraction in the cold case"),
             ("freeze_protection_kg", "kg", "mass of the freeze protection (heaters or bypass valve)"),
             ("freeze_protection_power_w", "W", "freeze-protection electrical power in the cold-case eclipse"),
             ("cold_control_feasible", "1", "1 when the freeze protection can hold its target"),
             ("cold_eclipse_load_w", "W", "eclipse load of the cold case (payload at its minimum, heaters on)"),
             ("coolant_saturation_pressure_pa", "Pa", "coolant saturation pressure at the hottest loop point"),
             ("loop_pressure_pa", "Pa", "loop static pressure"),
             ("chip_coolant_k", "K", "mean coolant temperature in a cold plate"),
             ("coldplate_htc_w_m2_k", "W m-2 K-1", "cold-plate effective heat-transfer coefficient"),
             ("coldplate_reynolds", "1", "cold-plate channel Reynolds number"),
             ("junction_max_k", "K", "hottest junction (exact maximum)"),
             ("junction_ks_k", "K", "KS smooth maximum of the junction temperature (optimiser)"),
             ("junction_limit_k", "K", "junction temperature limit"),
             ("hbm_max_k", "K", "hottest HBM stack (exact maximum)"),
             ("hbm_ks_k", "K", "KS smooth maximum over HBM stacks (optimiser)"),
             ("hbm_limit_k", "K", "HBM temperature limit"),
             ("case_k", "K", "hottest lid (case) temperature"),
             ("coldplate_base_k", "K", "hottest cold-plate base temperature"),
             ("pressure_drop_pa", "Pa", "loop pressure drop"),
             ("pump_power_w", "W", "pump electrical power"),
             ("hydraulic_power_w", "W", "pump hydraulic power"),
             ("chip_power_w", "W", "power per chip"),
             ("bus_radiator_heat_w", "W", "bus and power-conditioning heat on the bus radiator (worse of sun and "
              "eclipse)"),
             ("bus_radiator_area_m2", "m2", "planform area of the isothermal two-sided bus radiator"))
    + _group("power",
             ("sunlit_load_w", "W", "load in sunlight at the load terminals"),
             ("eclipse_load_w", "W", "load in eclipse at the load terminals"),
             ("array_required_w", "W", "array output required (loads + recharge)"),
             ("array_eol_w", "W", "end-of-life array output (aphelion)"),
             ("array_bol_w", "W", "beginning-of-life array output (aphelion)"),
             ("array_eol_w_m2", "W m-2", "end-of-life array output per planform area"),
             ("array_temperature_k", "K", "solar array operating temperature"),
             ("array_radiation_factor", "1", "remaining power factor after radiation"),
             ("array_absorbed_w", "W", "environmental power absorbed by the whole solar array"),
             ("battery_capacity_j", "J", "battery nameplate energy (design)"),
             ("battery_required_j", "J", "battery capacity required for the longest eclipse"),
             ("battery_recharge_w", "W", "array output that recharges the battery in sunlight"),
             ("battery_dod", "1", "depth-of-discharge limit"),
             ("battery_cycles", "1", "eclipse cycles over the mission"))
    + _group("convergence",
             ("converged", "1", "all solves converged (1 = yes)"),
             ("radiator_converged", "1", "radiator solve converged"),
             ("loop_converged", "1", "loop root find and chip solve converged"),
             ("array_converged", "1", "array temperature solve converged"),
             ("cold_converged", "1", "steady cold-case (freeze protection) solve converged"))
)
METRIC_BY_NAME = {m.name: m for m in METRICS}

FIELD_METRICS = {
    "radiator_field_k": ("K", "radiator sheet temperature of one panel"),
    "junction_field_k": ("K", "junction-layer temperature of the representative chip"),
}
"""Array-valued outputs (archived as fields with coordinates, not as metrics)."""


def _relative(limit):
    return jnp.abs(limit)


@dataclass(frozen=True)
class Constraint:
    """``value`` <= ``limit`` (sense "max") or >= (sense "min"), both metric names.

    ``scale(limit)`` normalises ``g``; ``judged`` is the exact metric the verdict uses;
    ``reason`` is the sentence the verdict gives when it fails.
    """

    name: str
    value: str
    limit: str
    sense: str
    scale: Callable
    long_name: str
    reason: str
    judged: str | None = None

    @property
    def judged_metric(self) -> str:
        return self.judged or self.value


def _kelvin(ref_k):
    return lambda limit: ref_k


CONSTRAINTS: tuple[Constraint, ...] = (
    Constraint("junction", "junction_ks_k", "junction_limit_k", "max", _kelvin(10.0),
               "hottest junction below its limit",
               "the radiator, loop and cold plate cannot hold the junction limit", judged="junction_max_k"),
    Constraint("hbm", "hbm_ks_k", "hbm_limit_k", "max", _kelvin(10.0), "hottest HBM stack below its limit",
               "the HBM stacks run above their limit", judged="hbm_max_k"),
    Constraint("power", "array_eol_w", "array_required_w", "min", _relative,
               "end-of-life array output covers the loads and battery recharge",
               "the array is too small for the loads and the eclipse recharge at end of life"),
    Constraint("battery", "battery_capacity_j", "battery_required_j", "min", _relative,
               "battery covers the longest eclipse within its depth-of-discharge limit",
               "the battery cannot carry the longest eclipse within its depth-of-discharge limit"),
    Constraint("tid", "tid_with_margin_si_gy", "tid_tolerance_si_gy", "max", _relative,
               "mission dose x margin within the payload's tolerance",
               "the shield lets through more dose (with margin) than the payload tolerates"),
    Constraint("coolant_freeze", "cold_min_coolant_k", "coolant_freeze_limit_k", "min", _kelvin(10.0),
               "coldest coolant in the cold case (with its freeze protection) above freezing plus margin",
               "the coolant freezes in the cold case: add or enlarge the freeze protection (heaters, bypass, "
               "antifreeze) or keep more payload power on"),
    Constraint("coolant_boil", "coolant_saturation_pressure_pa", "loop_pressure_pa", "max", _relative,
               "coolant below its saturation pressure everywhere in the loop",
               "the coolant would boil at the loop pressure"),
    Constraint("thrust", "thruster_duty_cycle", "thruster_duty_limit", "max", lambda limit: 1.0,
               "thrusters can cancel the mission-mean drag (duty cycle within its limit)",
               "the thrusters cannot keep up with the drag at this altitude and area"),
    Constraint("puncture", "log_loop_survival", "log_puncture_reliability", "min", _relative,
               "enough radiator sections survive micrometeoroids and debris",
               "micrometeoroids and debris puncture too many radiator sections (armour or sections too few)"),
    Constraint("availability", "availability", "availability_target", "min", lambda limit: 1.0 - limit,
               "payload availability after single-event outages meets the target",
               "single-event outages take the payload below its availability target"),
)
CONSTRAINT_NAMES = tuple(c.name for c in CONSTRAINTS)


def constraint_values(metrics: dict) -> dict:
    """``{"g_<name>": g}`` for every declared constraint (traceable; >= 0 when met)."""
    out = {}
    for c in CONSTRAINTS:
        v, lim = metrics[c.value], metrics[c.limit]
        diff = lim - v if c.sense == "max" else v - lim
        out[f"g_{c.name}"] = diff / c.scale(lim)
    return out


for _c in CONSTRAINTS:
    METRICS = METRICS + (Metric(f"g_{_c.name}", "1", f"normalised constraint: {_c.long_name} (>= 0 met)",
                                "constraints"),)
del _c
METRIC_BY_NAME = {m.name: m for m in METRICS}


FEASIBILITY_TOLERANCE = 1e-6
"""A constraint passes when its normalised margin is >= -this (solver tolerance at an active bound)."""


def judge(metrics: dict) -> list[dict]:
    """Host-side verdict rows, one per constraint: value (exact), limit, margin (in the
    metric's units, positive when met), normalised g and PASS/FAIL."""
    rows = []
    for c in CONSTRAINTS:
        v = float(metrics[c.judged_metric])
        lim = float(metrics[c.limit])
        margin = lim - v if c.sense == "max" else v - lim
        normalised = margin / float(c.scale(lim))
        rows.append({"name": c.name, "value": v, "limit": lim, "margin": margin, "normalised_margin": normalised,
                     "units": METRIC_BY_NAME[c.judged_metric].units, "sense": c.sense,
                     "g": float(metrics[f"g_{c.name}"]),
                     "passed": normalised >= -FEASIBILITY_TOLERANCE, "reason": c.reason,
                     "long_name": c.long_name, "metric": c.judged_metric})
    return rows
