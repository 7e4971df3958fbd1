"""Design variables, mission and numerics of a compute satellite.

:class:`SatelliteDesign` is a flat pytree (an equinox Module) of every continuous
design variable, named ``<subsystem>_<quantity>_<unit>`` so that a gradient,
which comes back as a :class:`SatelliteDesign`, is labelled field by field.
:data:`VARIABLES` gives each variable its bounds, reference scale, units and
description; the optimiser works on ``value / ref`` of the free variables only.
Discrete choices (coolant, cell type, chip preset, orbit family) live in
:class:`Mission`; grid sizes and solver settings in :class:`Numerics` (static:
changing them recompiles).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Mapping

import equinox as eqx
import jax.numpy as jnp
import numpy as np


@dataclass(frozen=True)
class Variable:
    name: str
    default: float
    lo: float
    hi: float
    ref: float
    units: str
    doc: str
    fixed: bool = False


VARIABLES: tuple[Variable, ...] = (
    Variable("radiator_area_m2", 160.0, 30.0, 3000.0, 300.0, "m2", "radiator planform area (all panels)"),
    Variable("radiator_thickness_m", 0.5e-3, 0.3e-3, 5e-3, 1e-3, "m", "radiator fin sheet thickness"),
    Variable("radiator_tube_pitch_m", 0.14, 0.08, 0.60, 0.2, "m", "coolant tube pitch across the panel"),
    Variable("radiator_emissivity", 0.91, 0.75, 0.95, 0.9, "1", "radiator IR emissivity (both faces)", fixed=True),
    Variable("radiator_absorptivity", 0.15, 0.08, 0.35, 0.15, "1", "radiator solar absorptivity (both faces)", fixed=True),
    Variable("coolant_flow_kg_s", 3.5, 0.5, 40.0, 5.0, "kg/s", "total coolant mass flow of the loop"),
    # 5 W/(m K): a high-end phase-change/metal-filled TIM2 (assumption); typical greases are
    # 0.4-4 W/(m K) (Prasher 2006, cited in thermal/accelerators.py).
    Variable("tim_conductivity_w_m_k", 5.0, 1.0, 60.0, 5.0, "W/(m K)", "TIM2 (lid to cold plate) conductivity",
             fixed=True),
    Variable("coldplate_htc_scale", 1.0, 0.5, 3.0, 1.0, "1",
             "cold-plate enhancement relative to the baseline channel design (fin density)", fixed=True),
    Variable("shield_thickness_m", 8e-3, 0.5e-3, 20e-3, 3e-3, "m", "aluminium-equivalent shield around the compute"),
    Variable("array_area_m2", 800.0, 100.0, 5000.0, 800.0, "m2", "solar array planform area"),
    Variable("coverglass_thickness_m", 100e-6, 50e-6, 500e-6, 150e-6, "m", "solar-cell coverglass thickness"),
    Variable("battery_capacity_j", 5e8, 1e8, 2e10, 1e9, "J", "battery nameplate energy"),
    Variable("altitude_m", 600e3, 400e3, 1000e3, 600e3, "m",
             "orbit altitude (SSO inclination follows; <= 1000 km keeps it inside the radiation table)"),
)
VARIABLE_BY_NAME = {v.name: v for v in VARIABLES}


class SatelliteDesign(eqx.Module):
    """All continuous design variables (SI units; see :data:`VARIABLES`)."""

    radiator_area_m2: jnp.ndarray
    radiator_thickness_m: jnp.ndarray
    radiator_tube_pitch_m: jnp.ndarray
    radiator_emissivity: jnp.ndarray
    radiator_absorptivity: jnp.ndarray
    coolant_flow_kg_s: jnp.ndarray
    tim_conductivity_w_m_k: jnp.ndarray
    coldplate_htc_scale: jnp.ndarray
    shield_thickness_m: jnp.ndarray
    array_area_m2: jnp.ndarray
    coverglass_thickness_m: jnp.ndarray
    battery_capacity_j: jnp.ndarray
    altitude_m: jnp.ndarray

    @classmethod
    def from_mapping(cls, values: Mapping[str, float]) -> "SatelliteDesign":
        return cls(**{v.name: jnp.asarray(float(values.get(v.name, v.default))) for v in VARIABLES})

    def to_dict(self) -> dict[str, float]:
        return {v.name: float(getattr(self, v.name)) for v in VARIABLES}


assert [f.name for f in fields(SatelliteDesign)] == [v.name for v in VARIABLES]


@dataclass(frozen=True)
class VariableSet:
    """Which variables are free, with their (possibly overridden) bounds and scales."""

    variables: tuple[Variable, ...]

    @property
    def free(self) -> tuple[Variable, ...]:
        return tuple(v for v in self.variables if not v.fixed)

    @property
    def free_names(self) -> list[str]:
        return [v.name for v in self.free]

    def bounds_scaled(self):
        f = self.free
        return np.array([v.lo / v.ref for v in f]), np.array([v.hi / v.ref for v in f])

    def to_scaled(self, design: SatelliteDesign) -> np.ndarray:
        return np.array([float(getattr(design, v.name)) / v.ref for v in self.free])

    def from_scaled(self, x, base: SatelliteDesign) -> SatelliteDesign:
        """Design with the free variables set from the scaled vector ``x`` (traceable)."""
        values = {v.name: getattr(base, v.name) for v in self.variables}
        for i, v in enumerate(self.free):
            values[v.name] = x[i] * v.ref
        return SatelliteDesign(**values)

    def baseline(self) -> SatelliteDesign:
        return SatelliteDesign(**{v.name: jnp.asarray(v.default) for v in self.variables})


def variable_set(overrides: Mapping[str, Mapping] | None = None) -> VariableSet:
    """VARIABLES with per-variable overrides {name: {value, lo, hi, ref, fixed}} (validated)."""
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(VARIABLE_BY_NAME))
    if unknown:
        raise ValueError(f"unknown design variable design.{unknown[0]}; allowed: {sorted(VARIABLE_BY_NAME)}")
    out = []
    for v in VARIABLES:
        o = dict(overrides.get(v.name, {}))
        bad = sorted(set(o) - {"value", "lo", "hi", "ref", "fixed"})
        if bad:
            raise ValueError(f"unknown key design.{v.name}.{bad[0]}; allowed: value, lo, hi, ref, fixed")
        nv = replace(v, default=float(o.get("value", v.default)), lo=float(o.get("lo", v.lo)),
                     hi=float(o.get("hi", v.hi)), ref=float(o.get("ref", v.ref)), fixed=bool(o.get("fixed", v.fixed)))
        if not (math.isfinite(nv.lo) and math.isfinite(nv.hi) and nv.lo < nv.hi):
            raise ValueError(f"design.{v.name}: bounds lo = {nv.lo:g}, hi = {nv.hi:g} must be finite with lo < hi")
        if not nv.lo <= nv.default <= nv.hi:
            raise ValueError(
                f"design.{v.name}.value = {nv.default:g} {v.units} is outside its bounds [{nv.lo:g}, {nv.hi:g}] {v.units}")
        if not nv.ref > 0:
            raise ValueError(f"design.{v.name}.ref = {nv.ref:g} must be > 0")
        out.append(nv)
    return VariableSet(tuple(out))
