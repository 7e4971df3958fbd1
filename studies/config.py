"""TOML study configurations parsed into validated, immutable objects.

A schema is a tree of :class:`Section` (a TOML table), :class:`Table` lists
(``[[orbits]]``) and :class:`Field` leaves.  :func:`parse_config` checks every
key before any computation: unknown keys, missing required keys, wrong types and
non-physical values raise :class:`ConfigError` (a ``ValueError``) naming the key
path (e.g. ``orbits[1].altitude_m``), the value and the allowed range.

Units: every dimensional key carries its unit suffix (``altitude_m``,
``temperature_k``).  Angles in configs are in degrees (``*_deg``) and become
radians at this edge.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from .declare import config_key, range_text, specs

REQUIRED = object()


class ConfigError(ValueError):
    """A study configuration is invalid (message names key, value and allowed range)."""


@dataclass(frozen=True)
class Field:
    """One leaf key: type, default, bounds and units."""

    kind: str  # "float", "int", "str", "bool", "date", "float_list"
    default: Any = REQUIRED
    lo: float = -math.inf
    hi: float = math.inf
    lo_inclusive: bool = True
    hi_inclusive: bool = True
    choices: tuple | None = None
    units: str = ""
    doc: str = ""
    length: int | None = None
    source: str = ""
    optional: bool = False


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


def _range_text(f: Field) -> str:
    return range_text(f)


def _check_number(path: str, value: Any, f: Field) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{path} = {value!r} has type {type(value).__name__}; expected a number in {_range_text(f)}")
    v = float(value)
    if not math.isfinite(v):
        raise ConfigError(f"{path} = {value!r} is not finite; allowed range {_range_text(f)}")
    ok_lo = v >= f.lo if f.lo_inclusive else v > f.lo
    ok_hi = v <= f.hi if f.hi_inclusive else v < f.hi
    if not (ok_lo and ok_hi):
        raise ConfigError(f"{path} = {value!r} is outside the allowed range {_range_text(f)}")
    return v


def _parse_field(path: str, value: Any, f: Field) -> Any:
    if f.kind == "float":
        return _check_number(path, value, f)
    if f.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{path} = {value!r} has type {type(value).__name__}; expected an integer in {_range_text(f)}")
        _check_number(path, value, f)
        return int(value)
    if f.kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{path} = {value!r} has type {type(value).__name__}; expected true or false")
        return value
    if f.kind == "str":
        if not isinstance(value, str):
            raise ConfigError(f"{path} = {value!r} has type {type(value).__name__}; expected a string")
        if f.choices is not None and value not in f.choices:
            raise ConfigError(f"{path} = {value!r} is not allowed; expected {_range_text(f)}")
        return value
    if f.kind == "date":
        if isinstance(value, _dt.datetime):
            return value.date()
        if isinstance(value, _dt.date):
            return value
        if isinstance(value, str):
            try:
                return _dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise ConfigError(f"{path} = {value!r} is not a date; expected YYYY-MM-DD")
    if f.kind == "table":
        if not isinstance(value, Mapping):
            raise ConfigError(f"{path} must be a table, got {type(value).__name__}")
        return {k: dict(v) if isinstance(v, Mapping) else v for k, v in value.items()}
    if f.kind == "str_list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{path} = {value!r} must be a list of strings")
        if f.choices is not None:
            for v in value:
                if v not in f.choices:
                    raise ConfigError(f"{path} contains {v!r}; allowed: {list(f.choices)}")
        return tuple(value)
    if f.kind == "float_list":
        if not isinstance(value, list) or not value:
            raise ConfigError(f"{path} = {value!r} must be a non-empty list of numbers in {_range_text(f)}")
        if f.length is not None and len(value) != f.length:
            raise ConfigError(f"{path} = {value!r} must have exactly {f.length} numbers")
        return tuple(_check_number(f"{path}[{i}]", v, f) for i, v in enumerate(value))
    raise AssertionError(f"unknown field kind {f.kind}")


def _parse_section(path: str, data: Any, section: Section) -> Config:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path or 'config'} must be a table, got {type(data).__name__}")
    unknown = sorted(set(data) - set(section.fields))
    if unknown:
        where = path or "the top level"
        raise ConfigError(
            f"unknown key {(path + '.' if path else '') + unknown[0]!r} in {where}; "
            f"allowed keys: {sorted(section.fields)}"
        )
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
                raise ConfigError(f"{sub} needs at least {spec.min_items} entr{'y' if spec.min_items == 1 else 'ies'} ([[{sub}]])")
            out[name] = tuple(_parse_section(f"{sub}[{i}]", item, spec.section) for i, item in enumerate(items))
        else:
            if name in data:
                out[name] = _parse_field(sub, data[name], spec)
            elif spec.default is REQUIRED:
                raise ConfigError(f"missing required key {sub} ({_range_text(spec) if spec.kind in ('float', 'int') or spec.choices else spec.kind})")
            else:
                out[name] = spec.default
    return Config(out, path)


# --------------------------------------------------------------------------------------
# The study schema: hand-written sections for the study's own settings; the sections of
# every model quantity are generated from their declarations (studies.declare).
# --------------------------------------------------------------------------------------

def _field_from_spec(f, spec) -> Field:
    default = f.default
    if default is dataclasses.MISSING:
        default = REQUIRED
    return Field(spec.kind, default, spec.lo, spec.hi, spec.lo_inclusive, spec.hi_inclusive, spec.choices,
                 spec.units, spec.long_name, source=spec.source, optional=spec.optional)


def walk_schema(section: Section, path: tuple = ()):
    """(key path, Field) of every leaf key of a schema section, in order; an array of tables
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


def _declared_sections() -> dict[str, dict[str, Field]]:
    """{section path: {key: Field}} for every declared configurable quantity."""
    from .mass_model import MassParameters
    from .model import Mission, Numerics

    out: dict[str, dict[str, Field]] = {}
    for cls in (Mission, MassParameters, Numerics):
        for f, spec in specs(cls):
            if spec.section is not None:
                out.setdefault(spec.section, {})[config_key(f, spec)] = _field_from_spec(f, spec)
    return out


def _design_section() -> Section:
    """``[design.<variable>]`` tables: value, lo, hi, ref, fixed, from the variable declarations."""
    from .design import VARIABLES

    tables = {}
    for v in VARIABLES:
        if v.name in PER_ORBIT_VARIABLES:
            continue
        rng = dict(lo=v.allowed_lo, hi=v.allowed_hi, units=v.units)
        tables[v.name] = Section({
            "value": Field("float", v.default, doc=f"{v.doc} (start or fixed value)", source=v.source, **rng),
            "lo": Field("float", v.lo, doc="optimiser lower bound", **rng),
            "hi": Field("float", v.hi, doc="optimiser upper bound", **rng),
            "ref": Field("float", v.ref, 0.0, math.inf, lo_inclusive=False, units=v.units,
                         doc="reference scale (the optimiser sees value/ref)"),
            "fixed": Field("bool", v.fixed, doc="true: held at value; false: optimised"),
        }, doc=v.doc)
    return Section(tables, doc="design variables")


def _claims_section() -> Section:
    from .metrics import METRICS

    return Section({m.name: Field("float", None, units=m.units, doc=m.long_name, optional=True) for m in METRICS
                    if not m.name.startswith("g_")},
                   doc="published values of a design, compared with sunsink's by `sunsink evaluate`")


PER_ORBIT_VARIABLES = ("altitude_m",)
"""Design variables configured per orbit ([[orbits]] altitude_m, free_altitude, altitude_bounds_m)."""


def _merge(hand: Mapping[str, Any], declared: Mapping[str, Field]) -> dict:
    both = sorted(set(hand) & set(declared))
    assert not both, f"config keys declared twice: {both}"
    return {**hand, **declared}


def build_schema() -> Section:
    """The whole study schema (hand-written study settings + generated model sections)."""
    d = _declared_sections()
    known = {"mission", "environment", "loop", "radiator", "radiator.face_a", "radiator.face_b", "radiator.layout",
             "propulsion", "mmod", "cold_case", "mass", "numerics"}
    assert set(d) <= known, f"declared sections without a place in the schema: {sorted(set(d) - known)}"
    return Section(
        {
            "study": Section(
                {
                    "name": Field("str", REQUIRED, doc="study name (archive file name)"),
                    "description": Field("str", "", doc="one-line description (archive title)"),
                },
                required=True,
            ),
            "mission": Section(d["mission"], doc="requirements, loads and model choices"),
            "environment": Section(d["environment"], doc="orbital thermal environment"),
            "loop": Section(d["loop"], doc="pumped coolant loop: pressure, pump, lines and fittings"),
            "orbits": Table(
                Section(
                    {
                        "name": Field("str", REQUIRED, doc="orbit name (unique after slugging)"),
                        "altitude_m": Field("float", REQUIRED, 150e3, 40000e3, units="m", doc="circular-orbit altitude"),
                        "free_altitude": Field("bool", False, doc="optimise the altitude (default: held at altitude_m)"),
                        "altitude_bounds_m": Field("float_list", None, 150e3, 40000e3, units="m", length=2,
                                                   optional=True,
                                                   doc="optimiser bounds [lo, hi] of a free altitude "
                                                       "(default: the altitude_m variable's bounds)"),
                        "family": Field("str", REQUIRED, choices=("sso", "inclined"),
                                        doc="sun-synchronous (inclination from J2) or inclined"),
                        "ltan_hours": Field("float", 6.0, 0.0, 24.0, units="h", doc="local time of the ascending node (SSO)"),
                        "inclination_deg": Field("float", 53.0, 0.0, 180.0, units="deg", doc="inclination (inclined)"),
                        "beta_deg": Field("float", None, -90.0, 90.0, units="deg", optional=True,
                                          doc="fixed design beta; default: hottest over the year"),
                        "year": Field("int", 2027, 1950, 2100, doc="year of the beta-angle scan"),
                    }
                ),
                doc="orbits to study, each on its own",
            ),
            "radiator": Section(
                _merge({
                    "temperature_k": Field("float", 330.0, 0.0, 1000.0, lo_inclusive=False, units="K",
                                           doc="level-0 isothermal sizing temperature"),
                    "temperature_range_k": Field("float_list", (280.0, 380.0), 0.0, 1000.0, lo_inclusive=False,
                                                 units="K", length=2, doc="level-0 area-vs-temperature curve range"),
                    "face_a": Section(d["radiator.face_a"], doc="coating of face A"),
                    "face_b": Section(d["radiator.face_b"], doc="coating of face B"),
                    "layout": Section(d["radiator.layout"], doc="radiator wings and solar arrays (view factors)"),
                }, d["radiator"]),
                doc="radiator attitude, coatings and level-0 sizing",
            ),
            "numerics": Section(
                _merge({
                    "n_orbit_samples": Field("int", 180, 16, 4096, doc="orbit samples of the level-0 environment"),
                    "n_beta_cases": Field("int", 13, 3, 181, doc="beta angles scanned for the hot case"),
                }, d["numerics"]),
                doc="grids and sample counts (changing them recompiles)",
            ),
            "propulsion": Section(d["propulsion"], doc="electric propulsion holding the altitude against drag"),
            "mmod": Section(d["mmod"], doc="micrometeoroids and debris on the radiator tubes"),
            "cold_case": Section(d["cold_case"], doc="the coldest orbit and the loop's freeze protection"),
            "design": _design_section(),
            "mass": Section(d["mass"], doc="mass-model parameters"),
            "claims": _claims_section(),
            "optimize": Section(
                {
                    "enabled": Field("bool", False, doc="optimise the free design variables"),
                    "method": Field("str", "trust-constr", choices=("SLSQP", "trust-constr", "trust-constr+SLSQP")),
                    "maxiter": Field("int", 60, 1, 10000, doc="optimiser iterations"),
                    "ftol": Field("float", 1e-7, 0.0, 1.0, lo_inclusive=False, doc="SLSQP objective tolerance"),
                }
            ),
            "sweep": Section(
                {
                    "method": Field("str", "lhs", choices=("lhs", "grid")),
                    "n_points": Field("int", 64, 1, 10_000_000),
                    "variables": Field("str_list", ("radiator_area_m2", "shield_thickness_m"),
                                       doc="design variables swept over their bounds"),
                    "grid_points_per_axis": Field("int", 4, 2, 1000),
                    "chunk_size": Field("int", 32, 1, 1_000_000),
                    "seed": Field("int", 0, 0, 2**31 - 1),
                }
            ),
            "pareto": Section(
                {
                    "enabled": Field("bool", False, doc="epsilon-constraint fronts after the optimisation"),
                    "n_points": Field("int", 4, 2, 50),
                }
            ),
            "constellation": Section(
                {
                    "capacity_w": Field("float", 1e9, 1e3, 1e13, units="W", doc="constellation payload power"),
                    "launch_payload_kg": Field("float", 100e3, 100.0, 1e7, units="kg", doc="payload per launch"),
                    "manufacturing_usd_per_kg": Field("float", 1000.0, 0.0, 1e7, units="$/kg"),
                    "terrestrial_capex_usd_per_kw": Field("float", 11700.0, 0.0, 1e7, units="$/kW"),
                    "terrestrial_life_years": Field("float", 15.0, 0.5, 100.0, units="yr"),
                    "electricity_usd_per_kwh": Field("float", 0.08, 0.0, 10.0, units="$/kWh"),
                    "pue": Field("float", 1.3, 1.0, 5.0),
                },
                doc="constellation economics (launch price: mission.launch_cost_usd_per_kg)",
            ),
            "service": Section(
                {
                    "failure_rate_per_chip_year": Field(
                        "float", 0.0908, 0.0, 10.0, units="1/yr",
                        doc="accelerator hardware failure rate (Llama 3 405B: faulty GPU + HBM3, 220 in 2,422 "
                            "GPU-years; studies.service)"),
                    "group_size": Field("int", 8, 1, 100000, doc="active chips per spare group (one board)"),
                    "spares_per_group": Field("int", 1, 0, 10000, doc="spare accelerators per group"),
                    "spares": Field("str", "cold", choices=("cold", "hot"), doc="spares unpowered or powered"),
                    "tid_failure_median_si_gy": Field("float", None, 0.0, 1e7, lo_inclusive=False, units="Gy",
                                                      optional=True,
                                                      doc="median TID failure dose (default: mission.tid_tolerance_si_gy)"),
                    "tid_sigma_ln": Field("float", 0.0, 0.0, 3.0, doc="log-normal sigma of the TID failure dose"),
                    "spare_price_usd": Field("float", 0.0, 0.0, 1e8, units="$", doc="price of each spare accelerator"),
                },
                doc="compute in service: hardware failures, spares, SEE availability and TID life",
            ),
            "uncertainty": Section(
                {
                    "enabled": Field("bool", False, doc="propagate the declared uncertain inputs (studies.uncertainty)"),
                    "n_samples": Field("int", 64, 1, 10_000_000, doc="Latin-hypercube or Monte Carlo samples"),
                    "seed": Field("int", 0, 0, 2**31 - 1),
                    "method": Field("str", "lhs", choices=("lhs", "mc")),
                    "sobol_base_samples": Field("int", 0, 0, 1_000_000,
                                                doc="SALib Saltelli base samples N (0: off; costs N (D + 2) runs)"),
                    "tornado": Field("bool", True, doc="one-at-a-time P5/P95 tornado"),
                    "tornado_metric": Field("str", "total_mass_kg", doc="metric of the tornado chart"),
                    "chunk_size": Field("int", 64, 1, 1_000_000),
                    "replace_defaults": Field("bool", False,
                                              doc="use only the [[uncertainty.inputs]] rows (default: they replace "
                                                  "or add to the declared table, studies.uncertainty.UNCERTAIN_INPUTS)"),
                    "inputs": Table(
                        Section({
                            "key": Field("str", REQUIRED, doc="config key of the input (sunsink config --list), "
                                                              "or service.failure_rate_per_chip_year"),
                            "dist": Field("str", REQUIRED, choices=("uniform", "normal", "lognormal", "triangular"),
                                          doc="uniform (lo, hi), normal (mean, sd), lognormal (median, sigma of ln), "
                                              "triangular (lo, mode, hi)"),
                            "params": Field("float_list", REQUIRED, doc="the distribution's parameters"),
                            "relative": Field("bool", True, doc="params are factors on the configured value"),
                            "source": Field("str", "config", doc="citation of the spread"),
                            "also": Field("str_list", (), doc="further keys set from the same variate"),
                        }),
                        min_items=0,
                        doc="uncertain inputs replacing rows of the declared table with the same key, or added",
                    ),
                },
                doc="uncertainty propagation of a fixed design (sunsink uncertainty CONFIG)",
            ),
            "thickness_design": Section(
                {
                    "enabled": Field("bool", False, doc="minimum-mass sheet thickness map of one radiator panel at "
                                                        "each orbit's design (studies.thickness_study)"),
                    "zones_along_tubes": Field("int", 8, 1, 512, doc="thickness zones along the tubes"),
                    "zones_per_tube_pitch": Field("int", 8, 1, 64,
                                                  doc="thickness zones across one tube pitch (resolves the fin "
                                                      "taper; zones across = this x tubes per panel)"),
                    "cells_per_zone": Field("int", 2, 1, 16, doc="finite-difference cells per zone and direction"),
                    "maxiter": Field("int", 200, 1, 100_000, doc="SLSQP iteration cap"),
                    "max_temperature_k": Field("float", None, 3.0, 2000.0, lo_inclusive=False, hi_inclusive=False,
                                               units="K", optional=True,
                                               doc="limit on the KS maximum sheet temperature (default: the "
                                                   "radiator inlet + 10 K)"),
                },
                doc="adjoint thickness design of a radiator panel (one gradient = one forward + two adjoint "
                    "solves, whatever the zone count)",
            ),
            "satellite": Section(
                {"enabled": Field("bool", False, doc="run the coupled whole-satellite model")}
            ),
        }
    )


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


def parse_config(data: Mapping[str, Any], schema: Section | None = None) -> Config:
    """Validate a TOML-decoded mapping; raise ConfigError on the first problem.

    Checks every section's keys and types, then the relations between keys (level-0
    temperature range, orbit names unique after slugging, orbits inside the radiation
    tables, design variables inside their bounds and physical ranges, one input per
    mass quantity, sweep variables), all before any computation.
    """
    _removed(data)
    cfg = _parse_section("", data, build_schema() if schema is None else schema)
    r = cfg.radiator
    lo, hi = r.temperature_range_k
    if not lo < hi:
        raise ConfigError(f"radiator.temperature_range_k = {list(r.temperature_range_k)} must be increasing [low, high]")
    _check_orbits(cfg)
    _check_design(cfg, data)
    _check_uncertainty(cfg)
    return cfg


def _check_uncertainty(cfg) -> None:
    """``[[uncertainty.inputs]]`` rows: a valid distribution and a key the model declares."""
    from .uncertainty import input_table, known_input_keys

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
    from .radiator_study import slug

    seen: dict[str, str] = {}
    for i, o in enumerate(cfg.orbits):
        s = slug(o.name)
        if s in seen:
            raise ConfigError(f"orbits[{i}].name = {o.name!r} and {seen[s]!r} become the same archive group {s!r}: "
                              "orbit names must be unique in their letters and digits")
        seen[s] = o.name
    import orbit as _orbit
    import radiation

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
            inc = (math.degrees(float(_orbit.sso_inclination_rad(h))) if o.family == "sso" else o.inclination_deg)
            inc = min(inc, 180.0 - inc)
            if not i_lo <= inc <= i_hi:
                what = ("the sun-synchronous inclination" if o.family == "sso" else "inclination_deg")
                raise ConfigError(f"orbits[{i}].{key} = {h:g} m: {what} {inc:.2f} deg is outside the inclinations "
                                  f"the radiation model covers [{i_lo:g}, {i_hi:g}] deg (AE8/AP8 table)")


def _check_design(cfg, data) -> None:
    """Relations between keys: design bounds and values, one input per mass quantity, sweep names."""
    from .design import VARIABLE_BY_NAME, variable_set
    from .mass_model import check_mass_parameters

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


def load_config(path: str | Path, overrides: Mapping[str, Any] | None = None) -> tuple[Config, str]:
    """Read and validate a TOML study file; returns (config, verbatim text).

    ``overrides`` (nested mapping) replace keys before validation (e.g. ``sunsink optimize``
    switching the optimiser on).
    """
    p = Path(path)
    if not p.is_file():
        what = "is a directory, not a file" if p.is_dir() else "does not exist"
        raise ConfigError(f"config file {str(p)!r} {what}")
    try:
        text = p.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {str(p)!r} cannot be read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: invalid TOML: {exc}") from None
    if overrides:
        data = _deep_update(data, overrides)
    return parse_config(data), text


def loads_config(text: str) -> Config:
    """Parse and validate TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}") from None
    return parse_config(data)
