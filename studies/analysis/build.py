"""From a validated config to the model's inputs: the mission (with the host-side orbit geometry),
the numerics and the design variables of one orbit.

Every configurable field of :class:`studies.model.Mission`, :class:`studies.model.MassParameters` and
:class:`studies.model.Numerics` is read from the section its declaration names (:mod:`studies.declare`),
so a new input needs no edit here.
"""
from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

import orbit
import power
from orbit.constants import TROPICAL_YEAR_S

from ..declare import ConfigError, config_key, declared
from ..model import VARIABLE_BY_NAME, MassParameters, Mission, Numerics, VariableSet, variable_set
from .radiator_study import orbit_inclination_rad

__all__ = ["configured", "section", "mission_geometry", "build_mission", "build_numerics", "build_variables",
           "mission_inputs", "get_input", "set_inputs"]


def configured(cls):
    """(field, quantity) of the configurable fields of a declared class."""
    return [(f, q) for f, q in declared(cls) if q.section is not None]


def section(cfg, path: str):
    node = cfg
    for part in path.split("."):
        node = node[part]
    return node


def mission_geometry(orb, hot_beta_rad: float) -> dict:
    """Host-side orbit geometry for the coupled model (fixed during an optimisation).

    ``eclipse_beta_rad``: the beta angle with the longest eclipse over the year
    (smallest |beta|); ``eclipse_orbits_fraction``: fraction of the year's orbits that
    have an eclipse (battery cycles).  Computed at the configured altitude.
    """
    with jax.enable_x64(True):   # host side, precision independent (Julian dates need float64)
        return _mission_geometry(orb, hot_beta_rad)


def _mission_geometry(orb, hot_beta_rad: float) -> dict:
    h = orb.altitude_m
    inc = orbit_inclination_rad(orb)
    jd0 = orbit.julian_date(orb.year, 1, 1, 0.0)
    if orb.family == "sso":
        season = power.sso_eclipse_season(h, orb.ltan_hours, jd0, n_samples=365)
    else:
        season = power.eclipse_season(h, inc, 0.0, jd0, n_samples=730)
    beta = np.asarray(season.beta_rad)
    ecl_beta = float(beta[np.argmin(np.abs(beta))])
    per_year = TROPICAL_YEAR_S / float(orbit.period_s(h))
    frac = float(season.eclipse_orbits_per_year) / per_year
    return {"hot_beta_rad": hot_beta_rad, "eclipse_beta_rad": ecl_beta, "eclipse_orbits_fraction": max(frac, 1e-3),
            "inclination_rad": inc, "sso": 1.0 if orb.family == "sso" else 0.0,
            "max_eclipse_s": float(season.max_eclipse_s)}


def build_mission(cfg, geometry: dict) -> Mission:
    """The :class:`Mission` of a validated config: every configurable field read from the section its
    declaration names, the derived orbit geometry from ``geometry``."""
    # validated by parse_config (ranges, one input per quantity); unset options stay None
    mass = dict(cfg.mass)
    if mass["array_class"] is not None:   # the class's cited specific power sets the support mass (host side)
        mass["array_support_areal_mass_kg_m2"] = float(
            power.support_areal_mass_for_class(mass["array_class"], cfg.mission.cell))
    mass = MassParameters(**mass)
    values = {}
    for f, sp in configured(Mission):
        v = section(cfg, sp.section)[config_key(f, sp)]
        values[f.name] = v if f.metadata.get("static") or v is None else jnp.asarray(float(v))
    geo = {k: jnp.asarray(float(geometry[k])) for k in
           ("hot_beta_rad", "eclipse_beta_rad", "eclipse_orbits_fraction", "inclination_rad", "sso")}
    return Mission(**values, **geo, mass=mass)


def build_numerics(cfg) -> Numerics:
    return Numerics(**{f.name: section(cfg, sp.section)[config_key(f, sp)] for f, sp in configured(Numerics)})


def build_variables(cfg, orb) -> VariableSet:
    """Design variables of one orbit: ``[design.*]`` overrides; the altitude is the orbit's own,
    held fixed unless the orbit says ``free_altitude = true``."""
    overrides = {k: dict(v) for k, v in dict(cfg.design).items()}
    alt = {"value": orb.altitude_m, "fixed": not orb.free_altitude}
    if orb.altitude_bounds_m is not None:
        alt["lo"], alt["hi"] = orb.altitude_bounds_m
    else:  # the declared bounds, widened to include the configured altitude
        v = VARIABLE_BY_NAME["altitude_m"]
        alt["lo"], alt["hi"] = min(v.lo, orb.altitude_m), max(v.hi, orb.altitude_m)
    overrides["altitude_m"] = alt
    try:
        return variable_set(overrides)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def mission_inputs() -> dict:
    """{config key: ((holder, field), Quantity, static)} of every declared configurable quantity of the
    mission (holder ``"mission"``) and its mass model (holder ``"mass"``)."""
    out = {}
    for f, q in declared(Mission):
        if q.section is not None:
            out[f"{q.section}.{config_key(f, q)}"] = (("mission", f.name), q, bool(f.metadata.get("static")))
    for f, q in declared(MassParameters):
        out[f"mass.{config_key(f, q)}"] = (("mass", f.name), q, bool(f.metadata.get("static")))
    return out


def get_input(mission: Mission, path):
    """The value of the mission input at ``path`` (``("mission" | "mass", field)``)."""
    holder, name = path
    return getattr(mission if holder == "mission" else mission.mass, name)


def set_inputs(mission: Mission, values: dict) -> Mission:
    """``mission`` with the inputs at the given paths set (traceable for array fields; a static field is
    replaced on its dataclass, which changes the compiled program's key)."""
    for (holder, name), v in values.items():
        if holder == "mission":
            mission = dataclasses.replace(mission, **{name: v})
        else:
            mission = dataclasses.replace(mission, mass=dataclasses.replace(mission.mass, **{name: v}))
    return mission
