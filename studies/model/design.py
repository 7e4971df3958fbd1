"""Design variables of a compute satellite.

:class:`SatelliteDesign` is a flat pytree (an equinox Module) of every continuous design variable,
named ``<subsystem>_<quantity>_<unit>`` so that a gradient, which comes back as a
:class:`SatelliteDesign`, is labelled field by field.  Each field is declared once
(:class:`studies.declare.Quantity`: units, description, physically allowed range, default optimiser
bounds, reference scale, fixed or free by default); :data:`VARIABLES` is derived from them.  The
optimiser works on ``value / ref`` of the free variables only (:class:`VariableSet`).  Discrete
choices (coolant, cell type, chip preset, orbit family) live in :class:`studies.model.Mission`; grid
sizes and solver settings in :class:`studies.model.Numerics` (static: changing them recompiles).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Mapping

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from ..declare import Quantity, declared, quantity

__all__ = ["SatelliteDesign", "Variable", "VARIABLES", "VARIABLE_BY_NAME", "VariableSet", "variable_set"]


def variable(default, lo, hi, ref, units, doc, *, fixed=False, allowed=(0.0, math.inf), source=""):
    """A :class:`SatelliteDesign` field: start value ``default``, optimiser bounds ``[lo, hi]``, reference
    scale ``ref``, physically ``allowed`` range (configured values and bounds must stay inside)."""
    return quantity(default, units, doc, section="design", lo=allowed[0], hi=allowed[1], bounds=(lo, hi), ref=ref,
                    fixed=fixed, source=source)


class SatelliteDesign(eqx.Module):
    """All continuous design variables (SI units), each declared once with its bounds,
    reference scale and units; :data:`VARIABLES` is derived from these fields."""

    radiator_area_m2: jnp.ndarray = variable(160.0, 30.0, 3000.0, 300.0, "m2",
                                             "radiator planform area (all panels)", allowed=(1.0, 1e5))
    radiator_thickness_m: jnp.ndarray = variable(0.5e-3, 0.3e-3, 5e-3, 1e-3, "m", "radiator fin sheet thickness",
                                                 allowed=(1e-5, 0.05))
    radiator_tube_pitch_m: jnp.ndarray = variable(0.14, 0.08, 0.60, 0.2, "m", "coolant tube pitch across the panel",
                                                  allowed=(0.01, 5.0))
    coolant_flow_kg_s: jnp.ndarray = variable(3.5, 0.5, 40.0, 5.0, "kg s-1", "total coolant mass flow of the loop",
                                              allowed=(1e-3, 1e3))
    tim_conductivity_w_m_k: jnp.ndarray = variable(
        5.0, 1.0, 60.0, 5.0, "W m-1 K-1", "TIM2 (lid to cold plate) conductivity", fixed=True, allowed=(0.05, 500.0),
        source="high-end phase-change/metal-filled TIM2 (assumption); greases 0.4-4 W/(m K), Prasher 2006")
    coldplate_htc_scale: jnp.ndarray = variable(
        1.0, 0.5, 3.0, 1.0, "1", "cold-plate enhancement relative to the baseline channel design (fin density)",
        fixed=True, allowed=(0.1, 10.0))
    shield_thickness_m: jnp.ndarray = variable(8e-3, 0.5e-3, 20e-3, 3e-3, "m",
                                               "aluminium-equivalent shield around the compute", allowed=(0.0, 0.2))
    array_area_m2: jnp.ndarray = variable(800.0, 100.0, 5000.0, 800.0, "m2", "solar array planform area",
                                          allowed=(1.0, 1e5))
    coverglass_thickness_m: jnp.ndarray = variable(100e-6, 50e-6, 500e-6, 150e-6, "m",
                                                   "solar-cell coverglass thickness", allowed=(0.0, 1e-3))
    battery_capacity_j: jnp.ndarray = variable(5e8, 1e8, 2e10, 1e9, "J", "battery nameplate energy",
                                               allowed=(0.0, 1e12))
    tube_armour_m: jnp.ndarray = variable(
        2e-3, 0.0, 6e-3, 1e-3, "m", "extra wall on the exposed side of the radiator tubes (debris armour)",
        allowed=(0.0, 0.05), source="start: 2 mm (helper estimate: P(28 of 32 sections) ~ 0.95 at 550 km)")
    altitude_m: jnp.ndarray = variable(
        600e3, 400e3, 1000e3, 600e3, "m", "orbit altitude (set per orbit: [[orbits]] altitude_m, free_altitude)",
        fixed=True, allowed=(150e3, 40000e3))

    @classmethod
    def from_mapping(cls, values: Mapping[str, float]) -> "SatelliteDesign":
        return cls(**{v.name: jnp.asarray(float(values.get(v.name, v.default))) for v in VARIABLES})

    def to_dict(self) -> dict[str, float]:
        return {v.name: float(getattr(self, v.name)) for v in VARIABLES}


@dataclass(frozen=True)
class Variable:
    """A design variable as one study uses it: its declaration (:class:`studies.declare.Quantity`) with
    the value, bounds, reference scale and fixed/free state of this study (the declared defaults, or a
    config's ``[design.<name>]`` overrides)."""

    name: str
    quantity: Quantity
    default: float
    lo: float
    hi: float
    ref: float
    fixed: bool

    @property
    def units(self) -> str:
        return self.quantity.units

    @property
    def doc(self) -> str:
        return self.quantity.long_name

    @property
    def source(self) -> str:
        return self.quantity.source

    @property
    def allowed_lo(self) -> float:
        return self.quantity.lo

    @property
    def allowed_hi(self) -> float:
        return self.quantity.hi


VARIABLES: tuple[Variable, ...] = tuple(
    Variable(f.name, q, f.default, q.bounds[0], q.bounds[1], q.ref, q.fixed) for f, q in declared(SatelliteDesign))
"""Every design variable with its declared defaults, in field order (derived from :class:`SatelliteDesign`)."""
VARIABLE_BY_NAME = {v.name: v for v in VARIABLES}


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
    """VARIABLES with per-variable overrides {name: {value, lo, hi, ref, fixed}} (validated).

    Types are checked by the config schema (:func:`studies.config.parse_config`); here the
    relations: ``allowed_lo <= lo < hi <= allowed_hi``, ``ref > 0``, and ``lo <= value <= hi`` for a
    free variable (a fixed one is checked against its physical range only).
    Raises ValueError naming the key, its value and the allowed range.
    """
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
        allowed = f"[{v.allowed_lo:g}, {v.allowed_hi:g}] {v.units}"
        for key in ("value", "lo", "hi"):
            x = {"value": nv.default, "lo": nv.lo, "hi": nv.hi}[key]
            if not (math.isfinite(x) and v.allowed_lo <= x <= v.allowed_hi):
                raise ValueError(f"design.{v.name}.{key} = {x:g} is outside the physically allowed range {allowed}")
        if not nv.lo < nv.hi:
            raise ValueError(f"design.{v.name}: bounds lo = {nv.lo:g}, hi = {nv.hi:g} {v.units} must have lo < hi")
        if not nv.fixed and not nv.lo <= nv.default <= nv.hi:   # bounds are the optimiser's: free variables only
            raise ValueError(
                f"design.{v.name}.value = {nv.default:g} {v.units} is outside its optimiser bounds "
                f"[{nv.lo:g}, {nv.hi:g}] {v.units}; widen design.{v.name}.lo/hi, or hold it with "
                f"design.{v.name}.fixed = true")
        if not (math.isfinite(nv.ref) and nv.ref > 0):
            raise ValueError(f"design.{v.name}.ref = {nv.ref:g} must be a finite number > 0")
        out.append(nv)
    return VariableSet(tuple(out))
