"""Satellite mass model: every subsystem's mass from the design, with cited parameters.

All functions are pure JAX and differentiable in the design variables.  The
parameters are collected in :class:`MassParameters`; every default has its source
in the field docstring and in data/README.md ("mass model" rows).  Values marked
*assumption* are engineering judgement where no public number exists; change them
in the study config (``[mass]`` table).
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import jax.numpy as jnp

from orbit.constants import STEFAN_BOLTZMANN_W_M2_K4


@dataclass(frozen=True)
class MassParameters:
    radiator_sheet_density_kg_m3: float = 2700.0
    """Aluminium alloy sheet density [kg/m^3] (6061/1100 class, ASM handbook ~2700)."""
    radiator_support_areal_mass_kg_m2: float = 3.0
    """Honeycomb/support, coatings and deployment hardware per planform area [kg/m^2].
    Tube-and-fin space radiators weigh at least ~5 kg/m^2 in total (Juhasz & Peterson, NASA
    review of advanced radiator technologies, 1994); 3 kg/m^2 plus a ~1-2 mm sheet lands there."""
    tube_mass_per_length_kg_m: float = 0.05
    """Aluminium coolant tube with saddle [kg/m] (assumption: 8 mm OD, 0.7 mm wall -> 0.043 kg/m of
    tube plus ~0.007 kg/m of saddle and bond)."""
    tube_inner_diameter_m: float = 6e-3
    """Coolant tube inner diameter [m] (for the fluid inventory)."""
    manifold_fraction: float = 0.25
    """Manifolds and feed lines as a fraction of the tube mass [-] (assumption)."""
    loop_fluid_volume_factor: float = 2.0
    """Total loop fluid volume / radiator tube volume [-] (assumption: cold plates, lines, accumulator)."""
    pump_base_mass_kg: float = 8.0
    """Pump package fixed mass [kg] (assumption, ISS PFCS-class pump package is ~ 20-40 kg for 4 kW
    of hydraulic duty; a small centrifugal pump plus controller ~ 8 kg)."""
    pump_mass_per_w_kg: float = 0.02
    """Pump package mass per electrical watt [kg/W] (assumption)."""
    shielded_area_m2: float = 12.0
    """Surface area of the compute-module enclosure that the shield wraps [m^2] (assumption: a
    2 x 1.5 x 1 m enclosure has 13 m^2)."""
    payload_mass_per_chip_kg: float = 16.3
    """Compute payload mass per accelerator [kg]: NVIDIA DGX H100 system, 130.45 kg for 8 GPUs
    (NVIDIA DGX H100 datasheet) -- chassis, CPUs, memory, networking and power stages included."""
    bus_radiator_temperature_k: float = 300.0
    """Bus/PMAD radiator temperature [K] (assumption: electronics baseplates are kept below ~313 K,
    so their radiator runs near 300 K; it is an isothermal two-sided level-0 panel)."""
    bus_radiator_areal_mass_kg_m2: float = 5.0
    """Bus radiator mass per planform area [kg/m^2] (tube-and-fin or heat-pipe radiators weigh at least
    ~5 kg/m^2, Juhasz & Peterson, NASA review of advanced radiator technologies, 1994)."""
    bus_mass_kg: float = 400.0
    """Bus avionics, ADCS, propulsion (dry), communications incl. optical terminals [kg] (assumption,
    ESPA-to-medium LEO bus class)."""
    structure_fraction: float = 0.15
    """Primary structure and mechanisms as a fraction of the other dry mass [-] (SMAD: structure is
    typically 15-25 % of spacecraft dry mass; Wertz & Larson 1999)."""


def radiator_mass_kg(area_m2, thickness_m, tube_pitch_m, p: MassParameters):
    """Radiator panels: sheet + support + tubes (+ manifolds) [kg].

    Tubes run along the panel length at ``tube_pitch_m``, so the tube length per
    planform area is 1/pitch.
    """
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


def bus_radiator_area_m2(heat_w, absorbed_w_m2, emissivity, p: MassParameters):
    """Planform area [m^2] of the isothermal two-sided bus radiator that rejects ``heat_w``.

    ``absorbed_w_m2`` (2,) and ``emissivity`` (2,): absorbed environment and emissivity per face.
    """
    net = jnp.sum(emissivity * STEFAN_BOLTZMANN_W_M2_K4 * p.bus_radiator_temperature_k**4 - absorbed_w_m2)
    return heat_w / net


def mass_breakdown(*, radiator_kg, fluid_kg, pump_kg, shield_kg, array_kg, battery_kg, n_chips,
                   p: MassParameters, bus_radiator_kg=0.0) -> dict:
    """Full breakdown [kg] (dict of JAX scalars) including structure and total."""
    payload = n_chips * p.payload_mass_per_chip_kg
    others = {
        "radiator": radiator_kg, "coolant": fluid_kg, "pump": pump_kg, "shield": shield_kg,
        "solar_array": array_kg, "battery": battery_kg, "payload": payload, "bus": p.bus_mass_kg,
        "bus_radiator": bus_radiator_kg,
    }
    subtotal = sum(others.values())
    others["structure"] = p.structure_fraction * subtotal
    others["total"] = subtotal + others["structure"]
    return others


def mass_parameters_from_mapping(values: dict) -> MassParameters:
    known = {f.name for f in fields(MassParameters)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"unknown mass parameter {unknown[0]!r}; allowed: {sorted(known)}")
    return MassParameters(**values)
