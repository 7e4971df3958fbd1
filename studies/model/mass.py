"""Stage 8, mass: every subsystem's mass from the design and the earlier stages, with cited parameters.

All functions are pure JAX and differentiable in the design variables.  The
parameters are declared in :class:`MassParameters`, each with units, range and the
source of its default (``sunsink config --list``; data/README.md "mass model" rows).  Values marked
*assumption* are engineering judgement where no public number exists; change them
in the study config (``[mass]`` table).
"""
from __future__ import annotations

import dataclasses
import math

import equinox as eqx
import jax
import jax.numpy as jnp

import orbit
import power

from ..declare import output, quantity

__all__ = ["MassParameters", "EXCLUSIVE_INPUTS", "check_mass_parameters", "radiator_mass_kg", "fluid_inventory_kg",
           "pump_mass_kg", "shield_mass_kg", "payload_mass_kg", "mass_breakdown", "Mass", "MASS_ITEMS", "run",
           "AL_DENSITY_KG_M3"]


def _mass(default, units, long_name, *, lo=0.0, hi=math.inf, source="assumption", static=False, **spec):
    return quantity(default, units, long_name, section="mass", lo=lo, hi=hi, source=source, static=static, **spec)


class MassParameters(eqx.Module):
    """Mass-model parameters (``[mass]``), each declared once with units, range and source.

    A pytree: the numbers are leaves, so changing one does not recompile and the sensitivity
    table differentiates the objective with respect to each of them; which optional inputs
    are set, and ``array_class``, are structure (static).

    Optional parameters (default ``None``) replace a build-up model by the single figure a
    published design states: ``payload_mass_per_kw_kg`` replaces the per-chip payload mass,
    ``radiator_areal_density_kg_m2`` the sheet + support + tube build-up, and
    ``array_specific_power_w_kg`` / ``array_support_areal_mass_kg_m2`` / ``array_class`` the
    array's support mass; a config may set only one input per quantity
    (:func:`check_mass_parameters`).
    """

    radiator_sheet_density_kg_m3: float = _mass(2700.0, "kg m-3", "radiator sheet density", lo=100.0, hi=20000.0,
                                                source="aluminium 6061/1100, ASM handbook ~2700")
    radiator_support_areal_mass_kg_m2: float = _mass(
        3.0, "kg m-2", "radiator honeycomb/support, coatings and deployment per planform area", hi=100.0,
        source="tube-and-fin radiators >= ~5 kg/m2 in total (Juhasz & Peterson, NASA radiator review 1994); "
               "3 kg/m2 plus a 1-2 mm sheet lands there")
    tube_mass_per_length_kg_m: float = _mass(0.05, "kg m-1", "coolant tube with saddle per length", hi=10.0,
                                             source="assumption: 8 mm OD, 0.7 mm wall Al tube 0.043 kg/m + saddle")
    tube_inner_diameter_m: float = _mass(6e-3, "m", "coolant tube inner diameter", lo=1e-4, hi=0.1,
                                         lo_inclusive=True)
    manifold_fraction: float = _mass(0.25, "1", "manifolds and feed lines / tube mass", hi=5.0)
    loop_fluid_volume_factor: float = _mass(2.0, "1", "total loop fluid volume / radiator tube volume", lo=1.0,
                                            hi=20.0)
    pump_base_mass_kg: float = _mass(8.0, "kg", "pump package fixed mass", hi=1e4,
                                     source="assumption (small centrifugal pump + controller; ISS PFCS ~107 kg)")
    pump_mass_per_w_kg: float = _mass(0.02, "kg W-1", "pump package mass per electrical watt", hi=10.0)
    shielded_area_m2: float = _mass(12.0, "m2", "compute-module enclosure area the shield wraps", hi=1e4,
                                    source="assumption: a 2 x 1.5 x 1 m enclosure has 13 m2")
    payload_mass_per_chip_kg: float = _mass(
        16.3, "kg", "compute payload mass per accelerator (chassis, CPUs, memory, networking, power stages)", hi=1e4,
        source="NVIDIA DGX H100 datasheet: 130.45 kg for 8 GPUs")
    payload_mass_per_kw_kg: float | None = _mass(
        None, "kg kW-1", "compute payload mass per kW of payload power (replaces the per-chip mass)", hi=1e3,
        optional=True, source="published designs state it (e.g. 4-9 kg/kW space-adapted, 10-11 kg/kW NVL72 rack)")
    radiator_areal_density_kg_m2: float | None = _mass(
        None, "kg m-2", "radiator mass per planform area, all in (replaces the sheet/support/tube build-up)",
        hi=100.0, optional=True, lo_inclusive=False)
    array_support_areal_mass_kg_m2: float | None = _mass(
        None, "kg m-2", "array substrate, blanket, harness and structure per planform area (default: "
        "power.ArrayDesign's)", hi=50.0, optional=True)
    array_class: str | None = _mass(None, "1", "array hardware class whose cited specific power sets the support "
                                    "mass (power.ARRAY_CLASSES)", kind="str", static=True,
                                    choices=("flexible_blanket", "ultraflex"), optional=True)
    array_specific_power_w_kg: float | None = _mass(
        None, "W kg-1", "array specific power at beginning of life (array mass = BOL output / this)", hi=5000.0,
        lo_inclusive=False, optional=True)
    battery_specific_energy_wh_kg: float | None = _mass(
        None, "Wh kg-1", "battery pack specific energy (default: power.BatteryTech, Saft VES180 cells x 0.75)",
        hi=1000.0, lo_inclusive=False, optional=True)
    bus_radiator_temperature_k: float = _mass(300.0, "K", "bus/PMAD radiator temperature", lo=200.0, hi=500.0,
                                              source="assumption: electronics baseplates below ~313 K")
    bus_radiator_areal_mass_kg_m2: float = _mass(5.0, "kg m-2", "bus radiator mass per planform area", hi=100.0,
                                                 source="Juhasz & Peterson 1994: >= ~5 kg/m2")
    bus_mass_kg: float = _mass(400.0, "kg", "bus avionics, ADCS, dry propulsion, communications", hi=1e5,
                               source="assumption, ESPA-to-medium LEO bus class")
    structure_fraction: float = _mass(0.15, "1", "primary structure and mechanisms / other dry mass", hi=2.0,
                                      source="SMAD (Wertz & Larson 1999): structure 15-25 % of dry mass")


EXCLUSIVE_INPUTS = (
    ("payload_mass_per_kw_kg", ("payload_mass_per_chip_kg",)),
    ("radiator_areal_density_kg_m2", ("radiator_sheet_density_kg_m3", "radiator_support_areal_mass_kg_m2",
                                      "tube_mass_per_length_kg_m", "manifold_fraction")),
    ("array_specific_power_w_kg", ("array_support_areal_mass_kg_m2", "array_class")),
    ("array_class", ("array_support_areal_mass_kg_m2",)),
)
"""One input per quantity: an optional parameter on the left replaces those on the right."""


def check_mass_parameters(given: dict) -> None:
    """Reject a ``[mass]`` table that sets a quantity twice (ValueError naming both keys)."""
    for key, replaced in EXCLUSIVE_INPUTS:
        if given.get(key) is not None:
            both = [r for r in replaced if r in given]
            if both:
                raise ValueError(f"mass.{key} and mass.{both[0]} set the same quantity; give one of them")


def radiator_mass_kg(area_m2, thickness_m, tube_pitch_m, p: MassParameters):
    """Radiator panels [kg]: ``area x radiator_areal_density_kg_m2`` where a design states it,
    else sheet + support + tubes (+ manifolds).

    Tubes run along the panel length at ``tube_pitch_m``, so the tube length per
    planform area is 1/pitch.
    """
    if p.radiator_areal_density_kg_m2 is not None:
        return area_m2 * p.radiator_areal_density_kg_m2
    sheet = area_m2 * thickness_m * p.radiator_sheet_density_kg_m3
    support = area_m2 * p.radiator_support_areal_mass_kg_m2
    tubes = area_m2 / tube_pitch_m * p.tube_mass_per_length_kg_m * (1.0 + p.manifold_fraction)
    return sheet + support + tubes


def fluid_inventory_kg(area_m2, tube_pitch_m, fluid_density_kg_m3, p: MassParameters):
    """Coolant mass [kg]: radiator tube volume times the loop volume factor."""
    tube_area = jnp.pi * p.tube_inner_diameter_m**2 / 4.0
    return area_m2 / tube_pitch_m * tube_area * p.loop_fluid_volume_factor * fluid_density_kg_m3


def pump_mass_kg(pump_power_w, p: MassParameters):
    return p.pump_base_mass_kg + p.pump_mass_per_w_kg * pump_power_w


def shield_mass_kg(areal_density_kg_m2, p: MassParameters):
    return areal_density_kg_m2 * p.shielded_area_m2


def payload_mass_kg(n_chips, payload_power_w, p: MassParameters):
    """Compute payload [kg]: per kW of payload power where a design states it, else per chip."""
    if p.payload_mass_per_kw_kg is not None:
        return p.payload_mass_per_kw_kg * payload_power_w / 1e3
    return n_chips * p.payload_mass_per_chip_kg


def mass_breakdown(*, radiator_kg, fluid_kg, pump_kg, shield_kg, array_kg, battery_kg, payload_kg,
                   p: MassParameters, bus_radiator_kg=0.0, tube_armour_kg=0.0, freeze_protection_kg=0.0) -> dict:
    """Dry-mass breakdown [kg] (dict of JAX scalars, keys of :data:`MASS_ITEMS` but the propulsion
    items, which :func:`run` adds) with its total."""
    others = {
        "radiator": radiator_kg, "coolant": fluid_kg, "pump": pump_kg, "shield": shield_kg,
        "solar_array": array_kg, "battery": battery_kg, "payload": payload_kg, "bus": p.bus_mass_kg,
        "bus_radiator": bus_radiator_kg, "tube_armour": tube_armour_kg, "freeze_protection": freeze_protection_kg,
    }
    subtotal = sum(others.values())
    others["structure"] = p.structure_fraction * subtotal
    others["total"] = subtotal + others["structure"]
    return others


AL_DENSITY_KG_M3 = 2700.0


def _item(name: str):
    return output("kg", f"mass of the {name}", "mass")


class Mass(eqx.Module):
    """Mass breakdown, total, specific power, cost and the objective (stage 8 of :func:`studies.model.evaluate`)."""

    total_mass_kg: jax.Array = output("kg", "total satellite mass", "mass")
    mass_payload_kg: jax.Array = _item("compute payload")
    mass_solar_array_kg: jax.Array = _item("solar array")
    mass_radiator_kg: jax.Array = _item("payload radiator panels")
    mass_battery_kg: jax.Array = _item("battery")
    mass_structure_kg: jax.Array = _item("primary structure and mechanisms")
    mass_bus_kg: jax.Array = _item("bus")
    mass_bus_radiator_kg: jax.Array = _item("bus/PMAD radiator")
    mass_coolant_kg: jax.Array = _item("coolant inventory")
    mass_shield_kg: jax.Array = _item("radiation shield")
    mass_pump_kg: jax.Array = _item("pump package")
    mass_tube_armour_kg: jax.Array = _item("radiator tube debris armour")
    mass_freeze_protection_kg: jax.Array = _item("freeze protection (heaters, bypass valve)")
    mass_propulsion_kg: jax.Array = _item("electric propulsion dry mass (thrusters, PPU, tank)")
    mass_propellant_kg: jax.Array = _item("station-keeping propellant (xenon)")
    specific_power_w_kg: jax.Array = output("W kg-1", "payload power per total mass", "mass")
    cost_per_kw_year_usd: jax.Array = output("USD kW-1 yr-1", "launch cost per kW-year of payload power", "mass")
    objective: jax.Array = output("1", "optimisation objective (kg for mass, USD/kW/yr for cost)", "mass",
                                      lo=0.0)
    delta_v_m_s: jax.Array = output("m s-1", "station-keeping delta-v over the life", "drag and debris")


MASS_ITEMS: dict[str, str] = {f.name[len("mass_"):-len("_kg")]: f.metadata["quantity"].long_name[len("mass of the "):]
                              for f in dataclasses.fields(Mass) if f.name.startswith("mass_")}
"""Mass breakdown items (metric ``mass_<item>_kg``) with their long names, derived from :class:`Mass`."""


def run(design, mission, arr, hot, cold, life, budget) -> Mass:
    """Stage 8: the mass of every subsystem, the propellant that holds the altitude, the total, the
    specific power, the launch cost per kW-year and the objective."""
    mp = mission.mass
    tech = power.BatteryTech()
    specific_energy = (tech.pack_specific_energy_wh_kg if mp.battery_specific_energy_wh_kg is None
                       else mp.battery_specific_energy_wh_kg)
    battery_mass = design.battery_capacity_j / 3600.0 / specific_energy
    array_mass = (power.array_mass_kg(power.get_cell(mission.cell), arr.design) if mp.array_specific_power_w_kg is None
                  else arr.array_bol_w / mp.array_specific_power_w_kg)
    shield_areal = design.shield_thickness_m * AL_DENSITY_KG_M3
    masses = mass_breakdown(
        radiator_kg=radiator_mass_kg(design.radiator_area_m2, design.radiator_thickness_m,
                                     design.radiator_tube_pitch_m, mp),
        fluid_kg=hot.coolant_inventory_kg,
        pump_kg=pump_mass_kg(hot.pump_power_w, mp), shield_kg=shield_mass_kg(shield_areal, mp),
        array_kg=array_mass, battery_kg=battery_mass,
        payload_kg=payload_mass_kg(mission.n_chips, mission.payload_power_w, mp), p=mp,
        bus_radiator_kg=budget.bus_radiator_area_m2 * mp.bus_radiator_areal_mass_kg_m2,
        tube_armour_kg=life.armour_kg, freeze_protection_kg=cold.freeze_protection_kg)
    # Propellant to hold the altitude (rocket equation ending at the dry mass); the propulsion dry mass
    # (thrusters, PPU, tank) joins the dry mass first -- its tank term depends on the propellant, one
    # fixed-point pass on a ~0.5 % term.
    on = 1.0 if mission.station_keeping else 0.0
    prop_dry = on * orbit.drag.propulsion_dry_mass_kg(0.0, life.thruster_firing_power_w, mission.n_thrusters,
                                                       mission.thruster_mass_kg, mission.ppu_kg_per_w,
                                                       mission.tank_fraction)
    propellant = on * orbit.drag.hold_propellant_kg(life.drag_impulse_n_s, masses["total"] + prop_dry, mission.isp_s)
    prop_dry = prop_dry + on * mission.tank_fraction * propellant
    masses["propulsion"] = prop_dry
    masses["propellant"] = on * orbit.drag.hold_propellant_kg(life.drag_impulse_n_s, masses["total"] + prop_dry,
                                                              mission.isp_s)
    masses["total"] = masses["total"] + masses["propulsion"] + masses["propellant"]
    total = masses["total"]
    cost = total * mission.launch_cost_usd_per_kg / (mission.payload_power_w / 1e3 * mission.life_years)
    return Mass(total_mass_kg=total, **{f"mass_{k}_kg": masses[k] for k in MASS_ITEMS},
                specific_power_w_kg=mission.payload_power_w / total, cost_per_kw_year_usd=cost,
                objective=total if mission.objective == "mass" else cost,
                delta_v_m_s=on * life.drag_impulse_n_s / (total - masses["propellant"]))
