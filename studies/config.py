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
                "model_orbit_samples": Field("int", 72, 16, 1024, doc="orbit samples inside the coupled model"),
                "radiator_nx": Field("int", 24, 4, 2048, doc="radiator cells along the tubes"),
                "radiator_ny": Field("int", 40, 4, 2048, doc="radiator cells across the panel"),
                "n_tubes_per_panel": Field("int", 8, 1, 64),
                "panel_length_m": Field("float", 8.0, 0.5, 50.0, units="m"),
                "chip_nx": Field("int", 24, 4, 512),
                "chip_ny": Field("int", 18, 4, 512),
                "chip_silicon_k_of_t": Field("bool", False, doc="temperature-dependent silicon conductivity "
                                             "in the chip model (k ~ T^-1.40; Picard solve)"),
            }
        ),
        "mission": Section(
            {
                "payload_power_w": Field("float", 150e3, 1e3, 1e7, units="W"),
                "n_chips": Field("int", 150, 1, 100000),
                "chip": Field("str", "b200", choices=("h100-sxm", "b200", "gb200")),
                "life_years": Field("float", 5.0, 0.1, 30.0, units="yr"),
                "coolant": Field("str", "water", choices=("water", "ammonia", "mpg30", "mpg50")),
                "cell": Field("str", "spectrolab_xtj", choices=("spectrolab_xtj", "azur_4g32c")),
                "objective": Field("str", "mass", choices=("mass", "cost")),
                "junction_limit_k": Field("float", 363.15, 250.0, 450.0, units="K"),
                "hbm_limit_k": Field("float", 368.15, 250.0, 450.0, units="K"),
                "tid_tolerance_si_gy": Field("float", 20.0, 0.0, 1e6, lo_inclusive=False, units="Gy(Si)"),
                "tid_margin": Field("float", 2.0, 1.0, 10.0),
                "availability_target": Field("float", 0.99, 0.0, 1.0, lo_inclusive=False, hi_inclusive=False),
                "see_recovery_s": Field("float", 60.0, 0.0, 1e6, units="s"),
                "launch_cost_usd_per_kg": Field("float", 500.0, 0.0, 1e5, units="$/kg"),
                "bus_power_w": Field("float", 2000.0, 0.0, 1e6, units="W"),
                "isl_terminal_count": Field("int", 4, 0, 64),
                "isl_terminal_w": Field("float", 100.0, 0.0, 1e4, units="W"),
                "eclipse_payload_fraction": Field("float", 1.0, 0.0, 1.0),
                "loop_pressure_pa": Field("float", 3e5, 1e4, 1e7, units="Pa"),
                "pump_efficiency": Field("float", 0.5, 0.0, 1.0, lo_inclusive=False),
                "coolant_reference_temperature_k": Field("float", 300.0, 200.0, 420.0, units="K"),
                "radiator_conductivity_w_m_k": Field("float", 200.0, 1.0, 2000.0, units="W/(m K)"),
                "tube_conductance_w_m_k": Field("float", 200.0, 1.0, 1e5, units="W/(m K)"),
            }
        ),
        "design": Field("table", {}, doc="per-variable overrides {value, lo, hi, ref, fixed}"),
        "mass": Field("table", {}, doc="mass-model parameter overrides"),
        "optimize": Section(
            {
                "enabled": Field("bool", False),
                "method": Field("str", "trust-constr", choices=("SLSQP", "trust-constr", "trust-constr+SLSQP")),
                "maxiter": Field("int", 60, 1, 10000),
                "ftol": Field("float", 1e-7, 0.0, 1.0, lo_inclusive=False),
            }
        ),
        "sweep": Section(
            {
                "method": Field("str", "lhs", choices=("lhs", "grid")),
                "n_points": Field("int", 64, 1, 10_000_000),
                "variables": Field("str_list", ("radiator_area_m2", "altitude_m", "shield_thickness_m")),
                "grid_points_per_axis": Field("int", 4, 2, 1000),
                "chunk_size": Field("int", 32, 1, 1_000_000),
                "seed": Field("int", 0, 0, 2**31 - 1),
                "coordinator_address": Field("str", ""),
                "num_processes": Field("int", 1, 1, 100000),
                "process_id": Field("int", 0, 0, 100000),
            }
        ),
        "pareto": Section(
            {
                "enabled": Field("bool", False),
                "n_points": Field("int", 4, 2, 50),
            }
        ),
        "constellation": Section(
            {
                "capacity_w": Field("float", 1e9, 1e3, 1e13, units="W"),
                "launch_payload_kg": Field("float", 100e3, 100.0, 1e7, units="kg"),
                "launch_cost_usd_per_kg": Field("float", 500.0, 0.0, 1e6, units="$/kg"),
                "manufacturing_usd_per_kg": Field("float", 1000.0, 0.0, 1e7, units="$/kg"),
                "terrestrial_capex_usd_per_kw": Field("float", 11700.0, 0.0, 1e7, units="$/kW"),
                "terrestrial_life_years": Field("float", 15.0, 0.5, 100.0, units="yr"),
                "electricity_usd_per_kwh": Field("float", 0.08, 0.0, 10.0, units="$/kWh"),
                "pue": Field("float", 1.3, 1.0, 5.0),
            }
        ),
        "satellite": Section(
            {"enabled": Field("bool", False, doc="run the coupled whole-satellite model")}
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
