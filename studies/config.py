"""TOML study configurations parsed into validated, immutable objects, with a schema derived from the
declarations.

A schema is a tree of :class:`Section` (a TOML table), :class:`Table` lists (``[[orbits]]``) and
:class:`Key` leaves, each leaf a declared quantity (:class:`studies.declare.Quantity`) with its default.
Every key comes from a declaration: the model's inputs (:class:`studies.model.Mission`,
:class:`studies.model.MassParameters`, :class:`studies.model.Numerics`, the design variables of
:class:`studies.model.SatelliteDesign`), the post-study models' (:mod:`studies.analysis.service`,
:mod:`studies.analysis.constellation`), the study's own settings (:mod:`studies.settings`) and the
published claims (one optional key per metric).  :func:`parse_config` checks every key before any
computation: unknown keys, missing required keys, wrong types and non-physical values raise
:class:`ConfigError` (a ``ValueError``) naming the key path (e.g. ``orbits[1].altitude_m``), the value
and the allowed range.

Units: every dimensional key carries its unit suffix (``altitude_m``, ``temperature_k``).  Angles in
configs are in degrees (``*_deg``) and become radians at this edge.
"""
from __future__ import annotations

import difflib
import errno
import math
import os
import stat
import tomllib
from dataclasses import MISSING, dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import orbit
import radiation

from .analysis.build import mission_inputs
from .analysis.constellation import ConstellationParameters
from .analysis.radiator_study import slug
from .analysis.service import ServiceParameters
from .analysis.uncertain_inputs import input_table, known_input_keys
from .declare import ConfigError, Quantity, config_key, declared, parse_value, range_text
from .model import METRICS, VARIABLE_BY_NAME, VARIABLES, MassParameters, Mission, Numerics, variable_set
from .model.mass import check_mass_parameters
from .settings import (Level0Settings, OptimizeSettings, OrbitSettings, ParetoSettings, PublishedSettings,
                       SamplingSettings, SatelliteSettings, StudySettings, SweepSettings, ThicknessDesignSettings,
                       UncertaintyInputRow, UncertaintySettings)

__all__ = ["ConfigError", "Config", "Key", "Section", "Table", "SCHEMA", "REQUIRED", "build_schema", "walk_schema",
           "key_text", "parse_config", "load_config", "loads_config", "REMOVED_KEYS", "PER_ORBIT_VARIABLES"]

REQUIRED = object()
"""The default of a key that must be given."""


@dataclass(frozen=True)
class Key:
    """One leaf key: its declaration and its default (:data:`REQUIRED` when it must be given)."""

    quantity: Quantity
    default: Any = REQUIRED


@dataclass(frozen=True)
class Section:
    fields: Mapping[str, Any]
    required: bool = False
    doc: str = ""


@dataclass(frozen=True)
class Table:
    """A TOML array of tables (``[[name]]``) of one section schema."""

    section: Section
    min_items: int = 1
    doc: str = ""


class Config(Mapping):
    """Immutable parsed configuration: attribute and mapping access."""

    def __init__(self, data: Mapping[str, Any], path: str = ""):
        object.__setattr__(self, "_data", MappingProxyType(dict(data)))
        object.__setattr__(self, "_path", path)

    def __getattr__(self, name):
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"config {self._path or 'root'} has no key {name!r}") from None

    def __setattr__(self, name, value):
        raise AttributeError("Config is immutable")

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def __repr__(self):
        return f"Config({dict(self._data)!r})"

    def to_dict(self) -> dict:
        out = {}
        for k, v in self._data.items():
            if isinstance(v, Config):
                out[k] = v.to_dict()
            elif isinstance(v, tuple) and v and isinstance(v[0], Config):
                out[k] = [c.to_dict() for c in v]
            else:
                out[k] = v
        return out


def _unknown_key_text(path: str, name: str, section: Section) -> str:
    """The message for an unknown key or table ``name`` in ``section``: where it is, the allowed names and
    the closest allowed one (``difflib``), if any is close."""
    prefix = path + "." if path else ""
    near = difflib.get_close_matches(name, list(section.fields), n=1)
    return (f"unknown key {prefix + name!r} in {path or 'the top level'}; allowed keys: {sorted(section.fields)}"
            + (f"; did you mean {prefix + near[0]!r}?" if near else ""))


def _parse_section(path: str, data: Any, section: Section) -> Config:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path or 'config'} must be a table, got {type(data).__name__}")
    unknown = sorted(set(data) - set(section.fields))
    if unknown:
        raise ConfigError(_unknown_key_text(path, unknown[0], section))
    out = {}
    for name, spec in section.fields.items():
        sub = f"{path}.{name}" if path else name
        if isinstance(spec, Section):
            if name not in data:
                if spec.required:
                    raise ConfigError(f"missing required table [{sub}]")
                out[name] = _parse_section(sub, {}, spec)
            else:
                out[name] = _parse_section(sub, data[name], spec)
        elif isinstance(spec, Table):
            items = data.get(name, [])
            if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
                raise ConfigError(f"{sub} must be an array of tables ([[{sub}]])")
            if len(items) < spec.min_items:
                raise ConfigError(f"{sub} needs at least {spec.min_items} entr{'y' if spec.min_items == 1 else 'ies'} "
                                  f"([[{sub}]])")
            out[name] = tuple(_parse_section(f"{sub}[{i}]", item, spec.section) for i, item in enumerate(items))
        else:
            q = spec.quantity
            if name in data:
                out[name] = parse_value(sub, data[name], q)
            elif spec.default is REQUIRED:
                raise ConfigError(f"missing required key {sub} "
                                  f"({range_text(q) if q.kind in ('float', 'int') or q.choices else q.kind})")
            else:
                out[name] = spec.default
    return Config(out, path)


# --------------------------------------------------------------------------------------
# The study schema, derived from the declarations
# --------------------------------------------------------------------------------------

def _keys(*classes, section: str) -> dict[str, Key]:
    """{TOML key: Key} of every field of ``classes`` declared in ``section``."""
    return {config_key(f, q): Key(q, REQUIRED if f.default is MISSING else f.default)
            for cls in classes for f, q in declared(cls) if q.section == section}


def _design_section() -> Section:
    """``[design.<variable>]`` tables: value, lo, hi, ref, fixed, derived from each variable's declaration.

    ``value``, ``lo`` and ``hi`` lie in the variable's physically allowed range, and so does the reference
    scale ``ref``: positive and no larger than the largest magnitude the variable can take."""
    tables = {}
    for v in VARIABLES:
        if v.name in PER_ORBIT_VARIABLES:
            continue
        q = v.quantity
        rng = dict(lo=q.lo, hi=q.hi)
        tables[v.name] = Section({
            "value": Key(Quantity(q.units, f"{q.long_name} (start or fixed value)", source=q.source, **rng), v.default),
            "lo": Key(Quantity(q.units, "optimiser lower bound", **rng), v.lo),
            "hi": Key(Quantity(q.units, "optimiser upper bound", **rng), v.hi),
            "ref": Key(Quantity(q.units, "reference scale (the optimiser sees value/ref)", lo=0.0,
                                lo_inclusive=False, hi=max(abs(q.lo), abs(q.hi))), v.ref),
            "fixed": Key(Quantity("1", "true: held at value; false: optimised", kind="bool"), v.fixed),
        }, doc=q.long_name)
    return Section(tables, doc="design variables")


def _claims_section() -> Section:
    """``[claims]``: one optional key per metric, the value a publication states, in the metric's declared
    physical range (:func:`studies.declare.output`)."""
    return Section({n: Key(Quantity(q.units, q.long_name, optional=True, lo=q.lo, hi=q.hi, lo_inclusive=q.lo_inclusive,
                                    hi_inclusive=q.hi_inclusive), None) for n, q in METRICS.items()
                    if not n.startswith("g_")},
                   doc="published values of a design, compared with sunsink's by `sunsink evaluate`")


PER_ORBIT_VARIABLES = ("altitude_m",)
"""Design variables configured per orbit ([[orbits]] altitude_m, free_altitude, altitude_bounds_m)."""


def build_schema() -> Section:
    """The whole study schema, from the declarations."""
    model = (Mission, MassParameters, Numerics)
    return Section({
        "study": Section(_keys(StudySettings, section="study"), required=True),
        "mission": Section(_keys(*model, section="mission"), doc="requirements, loads and model choices"),
        "environment": Section(_keys(*model, section="environment"), doc="orbital thermal environment"),
        "loop": Section(_keys(*model, section="loop"), doc="pumped coolant loop: pressure, pump, lines and fittings"),
        "orbits": Table(Section(_keys(OrbitSettings, section="orbits")), doc="orbits to study, each on its own"),
        "radiator": Section({
            **_keys(Level0Settings, section="radiator"),
            "face_a": Section(_keys(*model, section="radiator.face_a"), doc="coating of face A"),
            "face_b": Section(_keys(*model, section="radiator.face_b"), doc="coating of face B"),
            "layout": Section(_keys(*model, section="radiator.layout"),
                              doc="radiator wings and solar arrays (view factors)"),
            **_keys(*model, section="radiator"),
        }, doc="radiator attitude, coatings and level-0 sizing"),
        "numerics": Section({**_keys(SamplingSettings, section="numerics"), **_keys(*model, section="numerics")},
                            doc="grids and sample counts (changing them recompiles)"),
        "propulsion": Section(_keys(*model, section="propulsion"),
                              doc="electric propulsion holding the altitude against drag"),
        "mmod": Section(_keys(*model, section="mmod"), doc="micrometeoroids and debris on the radiator tubes"),
        "cold_case": Section(_keys(*model, section="cold_case"), doc="the coldest orbit and the loop's freeze "
                                                                     "protection"),
        "design": _design_section(),
        "mass": Section(_keys(*model, section="mass"), doc="mass-model parameters"),
        "claims": _claims_section(),
        "optimize": Section(_keys(OptimizeSettings, section="optimize")),
        "sweep": Section(_keys(SweepSettings, section="sweep")),
        "pareto": Section(_keys(ParetoSettings, section="pareto")),
        "constellation": Section(_keys(ConstellationParameters, section="constellation"),
                                 doc="constellation economics (launch price: mission.launch_cost_usd_per_kg)"),
        "service": Section(_keys(ServiceParameters, section="service"),
                           doc="compute in service: hardware failures, spares, SEE availability and TID life"),
        "uncertainty": Section({
            **_keys(UncertaintySettings, section="uncertainty"),
            "inputs": Table(Section(_keys(UncertaintyInputRow, section="uncertainty.inputs")), min_items=0,
                            doc="uncertain inputs replacing rows of the declared table with the same key, or added"),
        }, doc="uncertainty propagation of a fixed design (sunsink uncertainty CONFIG)"),
        "thickness_design": Section(_keys(ThicknessDesignSettings, section="thickness_design"),
                                    doc="adjoint thickness design of a radiator panel (one gradient = one forward + "
                                        "two adjoint solves, whatever the zone count)"),
        "satellite": Section(_keys(SatelliteSettings, section="satellite")),
        "published": Section(_keys(PublishedSettings, section="published"),
                             doc="what a publication states about the design (sunsink audit)"),
    })


def walk_schema(section: Section, path: tuple = ()):
    """(key path, :class:`Key`) of every leaf key of a schema section, in order; an array of tables
    (``[[orbits]]``) contributes its entry schema under index 0."""
    for name, spec in section.fields.items():
        if isinstance(spec, Section):
            yield from walk_schema(spec, path + (name,))
        elif isinstance(spec, Table):
            yield from walk_schema(spec.section, path + (name, 0))
        else:
            yield path + (name,), spec


def key_text(path: tuple) -> str:
    """``orbits[0].altitude_m`` from ``("orbits", 0, "altitude_m")`` (the spelling of error messages)."""
    return ".".join(f"[{k}]" if isinstance(k, int) else k for k in path).replace(".[", "[")


REMOVED_KEYS = {
    "sweep.coordinator_address": "sweep.coordinator_address was removed: jax.distributed must start before any "
                                 "JAX work, so the CLI takes it: sunsink sweep --coordinator HOST:PORT",
    "sweep.num_processes": "sweep.num_processes was removed: sunsink sweep --num-processes N",
    "sweep.process_id": "sweep.process_id was removed: sunsink sweep --process-id I",
    "mission.coolant_reference_temperature_k": "mission.coolant_reference_temperature_k was removed: coolant "
                                               "properties are taken at the loop's supply temperature",
    "mission.loop_pressure_pa": "mission.loop_pressure_pa moved to [loop] pressure_pa",
    "mission.pump_efficiency": "mission.pump_efficiency moved to [loop] pump_efficiency",
    "mission.radiator_conductivity_w_m_k": "mission.radiator_conductivity_w_m_k moved to [radiator] "
                                           "sheet_conductivity_w_m_k",
    "mission.tube_conductance_w_m_k": "mission.tube_conductance_w_m_k moved to [radiator] tube_conductance_w_m_k",
    "payload": "[payload] was removed: the heat load is mission.payload_power_w (one input per quantity)",
    "constellation.launch_cost_usd_per_kg": "constellation.launch_cost_usd_per_kg was removed: the launch price "
                                            "is mission.launch_cost_usd_per_kg (one input per quantity)",
    "design.radiator_emissivity": "design.radiator_emissivity was removed: coatings are [radiator.face_a] / "
                                  "[radiator.face_b] emissivity",
    "design.radiator_absorptivity": "design.radiator_absorptivity was removed: coatings are [radiator.face_a] / "
                                    "[radiator.face_b] absorptivity",
    "design.altitude_m": "design.altitude_m is set per orbit: [[orbits]] altitude_m, free_altitude, altitude_bounds_m",
}
"""Keys of earlier schemas, rejected with a pointer to the one input that replaces them."""


def _removed(data: Mapping[str, Any]) -> None:
    for key, msg in REMOVED_KEYS.items():
        node: Any = data
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                break
            node = node[part]
        else:
            raise ConfigError(msg)


def _radiator_ny_moved(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """``numerics.radiator_ny`` (cells across a panel, before the resolution across a tube pitch was declared)
    mapped onto ``numerics.radiator_cells_per_pitch`` where it is a whole number of cells per pitch; a clear
    error otherwise, or where both are given."""
    num = data.get("numerics")
    if not isinstance(num, Mapping) or "radiator_ny" not in num:
        return data
    ny = num["radiator_ny"]
    tubes = num.get("n_tubes_per_panel", Numerics().n_tubes_per_panel)
    moved = ("numerics.radiator_ny moved to numerics.radiator_cells_per_pitch (cells across one tube pitch; "
             "the panel has n_tubes_per_panel pitches)")
    if "radiator_cells_per_pitch" in num:
        raise ConfigError(f"{moved}: give radiator_cells_per_pitch only")
    if (isinstance(ny, bool) or not isinstance(ny, int) or isinstance(tubes, bool) or not isinstance(tubes, int)
            or tubes < 1 or ny % tubes or ny // tubes < 2):
        raise ConfigError(f"{moved}: radiator_ny = {ny!r} is not a whole number (>= 2) of cells per pitch with "
                          f"n_tubes_per_panel = {tubes!r}; set radiator_cells_per_pitch instead")
    rest = {k: v for k, v in num.items() if k != "radiator_ny"}
    return {**data, "numerics": {**rest, "radiator_cells_per_pitch": ny // tubes}}


def parse_config(data: Mapping[str, Any], schema: Section | None = None) -> Config:
    """Validate a TOML-decoded mapping; raise ConfigError on the first problem.

    Checks every section's keys and types, then the relations between keys (level-0
    temperature range, orbit names unique after slugging, orbits inside the radiation
    tables, design variables inside their bounds and physical ranges, one input per
    mass quantity, sweep variables), all before any computation.
    """
    _removed(data)
    data = _radiator_ny_moved(data)
    cfg = _parse_section("", data, build_schema() if schema is None else schema)
    r = cfg.radiator
    lo, hi = r.temperature_range_k
    if not lo < hi:
        raise ConfigError(f"radiator.temperature_range_k = {list(r.temperature_range_k)} must be increasing [low, high]")
    _check_orbits(cfg)
    _check_design(cfg, data)
    _check_uncertainty(cfg)
    _check_published(cfg)
    return cfg


def _check_published(cfg) -> None:
    """``[published] stated``: each names a design variable (``design.<name>``, ``orbits.altitude_m``) or a
    configurable input of the model (``section.key``)."""
    allowed = ({f"design.{v.name}" for v in VARIABLES if v.name not in PER_ORBIT_VARIABLES}
               | {f"orbits.{v}" for v in PER_ORBIT_VARIABLES} | set(mission_inputs()))
    for key in cfg.published.stated:
        if key not in allowed:
            near = difflib.get_close_matches(key, sorted(allowed), n=1)
            raise ConfigError(f"published.stated contains {key!r}, which is not a design variable or an input of "
                              "the model" + (f"; did you mean {near[0]!r}?" if near else " (sunsink config --list)"))


def _check_uncertainty(cfg) -> None:
    """``[[uncertainty.inputs]]`` rows: a valid distribution and a key the model declares."""
    try:
        table = input_table(cfg)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    known = known_input_keys()
    for i, r in enumerate(cfg.uncertainty.inputs):
        for key in (r.key,) + tuple(r.also):
            if key not in known:
                raise ConfigError(f"uncertainty.inputs[{i}].key/also = {key!r} is not an input of the model; allowed: "
                                  f"the continuous keys of `sunsink config --list` or service.failure_rate_per_chip_year")
    if not table:
        raise ConfigError("uncertainty.replace_defaults = true needs at least one [[uncertainty.inputs]] row")


def _check_orbits(cfg) -> None:
    seen: dict[str, str] = {}
    for i, o in enumerate(cfg.orbits):
        s = slug(o.name)
        if s in seen:
            raise ConfigError(f"orbits[{i}].name = {o.name!r} and {seen[s]!r} become the same archive group {s!r}: "
                              "orbit names must be unique in their letters and digits")
        seen[s] = o.name
    cover = radiation.trapped_table_ranges()
    a_lo, a_hi = cover["altitude_m"]
    i_lo, i_hi = (math.degrees(x) for x in cover["inclination_rad"])
    for i, o in enumerate(cfg.orbits):
        alts = [("altitude_m", o.altitude_m)]
        if o.altitude_bounds_m is not None:
            b_lo, b_hi = o.altitude_bounds_m
            if not b_lo < b_hi:
                raise ConfigError(f"orbits[{i}].altitude_bounds_m = {list(o.altitude_bounds_m)} must be [lo, hi] with "
                                  "lo < hi")
            if not o.free_altitude:
                raise ConfigError(f"orbits[{i}].altitude_bounds_m is set but free_altitude = false: the bounds would "
                                  "be ignored")
            if not b_lo <= o.altitude_m <= b_hi:
                raise ConfigError(f"orbits[{i}].altitude_m = {o.altitude_m:g} m is outside its altitude_bounds_m "
                                  f"{list(o.altitude_bounds_m)} m")
            alts += [("altitude_bounds_m[0]", b_lo), ("altitude_bounds_m[1]", b_hi)]
        for key, h in alts:
            if not a_lo <= h <= a_hi:
                raise ConfigError(f"orbits[{i}].{key} = {h:g} m is outside the altitudes the radiation model covers "
                                  f"[{a_lo:g}, {a_hi:g}] m (AE8/AP8 table)")
            inc = (math.degrees(float(orbit.sso_inclination_rad(h))) if o.family == "sso" else o.inclination_deg)
            inc = min(inc, 180.0 - inc)
            if not i_lo <= inc <= i_hi:
                what = ("the sun-synchronous inclination" if o.family == "sso" else "inclination_deg")
                raise ConfigError(f"orbits[{i}].{key} = {h:g} m: {what} {inc:.2f} deg is outside the inclinations "
                                  f"the radiation model covers [{i_lo:g}, {i_hi:g}] deg (AE8/AP8 table)")


def _check_design(cfg, data) -> None:
    """Relations between keys: design bounds and values, one input per mass quantity, sweep names."""
    try:
        variable_set({k: dict(v) for k, v in cfg.design.items()})
        check_mass_parameters(dict(data["mass"]) if isinstance(data.get("mass"), Mapping) else {})
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    for n in cfg.sweep.variables:
        if n not in VARIABLE_BY_NAME:
            raise ConfigError(f"sweep.variables contains {n!r}; allowed: {sorted(VARIABLE_BY_NAME)}")


SCHEMA = build_schema()
"""The study schema (built once from the declarations)."""


def _deep_update(data: dict, overrides: Mapping[str, Any]) -> dict:
    out = dict(data)
    for k, v in overrides.items():
        out[k] = _deep_update(dict(out.get(k, {})) if isinstance(out.get(k), Mapping) else {}, v) \
            if isinstance(v, Mapping) else v
    return out


_BYTE_ORDER_MARKS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe", "UTF-16"),
                     (b"\xfe\xff", "UTF-16"))
"""Byte-order marks of the Unicode encodings a config is most often saved in by mistake (longest first)."""


def _read_config_text(p: Path) -> str:
    """The text of the config file ``p``; :class:`ConfigError` naming the file when it cannot be a config:
    missing, a directory, a symbolic-link loop or a dangling link, unreadable, or not UTF-8 (TOML files are
    UTF-8, TOML 1.0.0 section "Spec")."""
    try:
        mode = os.stat(p).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ConfigError(f"config file {str(p)!r} is a symbolic-link loop") from None
        if p.is_symlink():
            raise ConfigError(f"config file {str(p)!r} is a symbolic link to {os.readlink(p)!r}, which does not "
                              "exist") from None
        if exc.errno == errno.ENOENT:
            raise ConfigError(f"config file {str(p)!r} does not exist") from None
        raise ConfigError(f"config file {str(p)!r} cannot be read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise ConfigError(f"config file {str(p)!r} is a directory, not a file")
    if not stat.S_ISREG(mode):
        raise ConfigError(f"config file {str(p)!r} is not a regular file")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"config file {str(p)!r} cannot be read: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bom = next((name for mark, name in _BYTE_ORDER_MARKS if raw.startswith(mark)), None)
        found = (f"it starts with a {bom} byte-order mark" if bom else
                 f"byte 0x{raw[exc.start]:02x} at offset {exc.start} is not UTF-8")
        raise ConfigError(f"config file {str(p)!r} is not UTF-8 text ({found}); TOML files are UTF-8: save it "
                          "as UTF-8") from None


def load_config(path: str | Path, overrides: Mapping[str, Any] | None = None) -> tuple[Config, str]:
    """Read and validate a TOML study file; returns (config, verbatim text).

    ``overrides`` (nested mapping) replace keys before validation (e.g. ``sunsink optimize``
    switching the optimiser on).  Every error names the file.
    """
    p = Path(path)
    text = _read_config_text(p)
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))   # a UTF-8 byte-order mark (Windows editors) is no setting
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: invalid TOML: {exc}") from None
    if not data:
        raise ConfigError(f"{p}: the file holds no settings (empty, or only comments); a study needs at least "
                          "[study] name and one [[orbits]] table (sunsink config --list)")
    if overrides:
        data = _deep_update(data, overrides)
    try:
        return parse_config(data), text
    except ConfigError as exc:
        raise ConfigError(f"{p}: {exc}") from None


def loads_config(text: str) -> Config:
    """Parse and validate TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}") from None
    return parse_config(data)
