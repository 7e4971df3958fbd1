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

import datetime as _dt
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

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
    if f.choices is not None:
        return f"one of {list(f.choices)}"
    left = "[" if f.lo_inclusive else "("
    right = "]" if f.hi_inclusive else ")"
    u = f" {f.units}" if f.units else ""
    return f"{left}{f.lo:g}, {f.hi:g}{right}{u}"


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
# The study schema
# --------------------------------------------------------------------------------------

ATTITUDE_CHOICES = ("sun_edge_on", "nadir", "sun_facing")

_COATING = Section(
    {
        "emissivity": Field("float", 0.91, 0.0, 1.0, lo_inclusive=False, doc="infrared hemispherical emissivity"),
        "absorptivity": Field("float", 0.15, 0.0, 1.0, doc="solar absorptivity"),
    }
)

SCHEMA = Section(
    {
        "study": Section(
            {
                "name": Field("str", REQUIRED),
                "description": Field("str", ""),
            },
            required=True,
        ),
        "payload": Section(
            {"heat_load_w": Field("float", REQUIRED, 0.0, 1e8, lo_inclusive=False, units="W")},
            required=True,
        ),
        "environment": Section(
            {
                "albedo": Field("float", 0.30, 0.0, 1.0),
                "olr_w_m2": Field("float", 237.0, 0.0, 500.0, units="W/m^2"),
                "solar_constant_w_m2": Field("float", 1361.0, 1000.0, 1500.0, units="W/m^2"),
                "albedo_model": Field("str", "cap", choices=("cap", "cosine")),
                "penumbra": Field("bool", False),
            }
        ),
        "orbits": Table(
            Section(
                {
                    "name": Field("str", REQUIRED),
                    "altitude_m": Field("float", REQUIRED, 150e3, 40000e3, units="m"),
                    "family": Field("str", REQUIRED, choices=("sso", "inclined")),
                    "ltan_hours": Field("float", 6.0, 0.0, 24.0, units="h"),
                    "inclination_deg": Field("float", 53.0, 0.0, 180.0, units="deg"),
                    "beta_deg": Field("float", math.nan, -90.0, 90.0, units="deg",
                                      doc="fixed design beta; default: hottest over the year"),
                    "year": Field("int", 2027, 1950, 2100),
                }
            )
        ),
        "radiator": Section(
            {
                "attitude": Field("str", "sun_edge_on", choices=ATTITUDE_CHOICES),
                "temperature_k": Field("float", 330.0, 0.0, 1000.0, lo_inclusive=False, units="K"),
                "temperature_range_k": Field("float_list", (280.0, 380.0), 0.0, 1000.0, lo_inclusive=False,
                                             units="K", length=2),
                "face_a": _COATING,
                "face_b": _COATING,
            }
        ),
        "numerics": Section(
            {
                "n_orbit_samples": Field("int", 180, 16, 4096),
                "n_beta_cases": Field("int", 13, 3, 181),
            }
        ),
    }
)


def parse_config(data: Mapping[str, Any], schema: Section = SCHEMA) -> Config:
    """Validate a TOML-decoded mapping against ``schema``; raise ConfigError on the first problem."""
    cfg = _parse_section("", data, schema)
    r = cfg.radiator
    lo, hi = r.temperature_range_k
    if not lo < hi:
        raise ConfigError(f"radiator.temperature_range_k = {list(r.temperature_range_k)} must be increasing [low, high]")
    names = [o.name for o in cfg.orbits]
    if len(set(names)) != len(names):
        raise ConfigError(f"orbits[].name must be unique, got {names}")
    return cfg


def load_config(path: str | Path) -> tuple[Config, str]:
    """Read and validate a TOML study file; returns (config, verbatim text)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file {str(p)!r} does not exist")
    text = p.read_text()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: invalid TOML: {exc}") from None
    return parse_config(data), text


def loads_config(text: str) -> Config:
    """Parse and validate TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}") from None
    return parse_config(data)
