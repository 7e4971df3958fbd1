"""Declarations: every quantity a study knows is declared once, as a field carrying a :class:`Quantity`.

One record describes every kind of quantity: a configurable input (mission, environment, loop,
coatings, mass model, numerics, study settings), a design variable (with its optimiser bounds,
reference scale and default fixed/free state), an output of the coupled model (a metric, with its
report group) and a constraint (a metric with a :class:`Bound`).  The record rides in a dataclass
field's ``metadata`` (equinox modules and frozen dataclasses alike).  Everything else is derived by
walking the declarations with :func:`declared`:

- the TOML sections and their validation (:mod:`studies.config`, :func:`parse_value`),
- ``sunsink config --list`` and the configuration reference (docs/config-reference.md),
- the objects the model receives (:mod:`studies.analysis.build`),
- the metrics :func:`studies.model.evaluate` returns, the archive's ``units``/``long_name``, the
  report, the sweep columns and the optimiser's constraint vector (:mod:`studies.model.pipeline`),
- the sensitivity table (every differentiable configured field of the mission).

Units come from one vocabulary (:data:`studies.units.UNITS`).
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

import equinox as eqx

from .units import PHYSICAL_RANGE, check_units

__all__ = ["Quantity", "Bound", "MARGIN_KINDS", "ConfigError", "quantity", "output", "declared", "config_key", "range_text",
           "parse_value", "check_declared", "UNIT_INTERVAL", "COUNT"]


class ConfigError(ValueError):
    """A configured value is invalid (message names key, value and allowed range)."""


MARGIN_KINDS = {
    "relative": "fraction of the limit",
    "radiative": "fraction of the radiated power at the limit temperature (T^4)",
}
"""How a constraint's verdict margin is normalised so that margins compare across constraints."""


@dataclass(frozen=True)
class Bound:
    """The bound a constraint metric ``g`` expresses: ``value <= limit`` (sense ``"max"``) or ``>=``
    (``"min"``), both metric names.

    ``statement`` is what the constraint asks for, in one line.  The optimiser sees
    ``g = (limit - value) / scale(limit)`` for an upper bound (``value - limit`` for a lower one),
    >= 0 when met, from the smooth metric ``value`` (a KS bound, a logarithm: what keeps the problem
    smooth and well scaled).  The verdict judges the exact physical quantity: ``judged`` against
    ``judged_limit`` (e.g. the true maximum junction temperature, the survival probability), and ranks
    the constraints by a margin that compares across them (``margin``, :data:`MARGIN_KINDS`): a
    relative margin of the judged quantity, or for temperatures the relative margin of the radiated
    power ``sigma T^4`` that a radiator trades for them.  ``reason`` is the sentence the verdict gives
    when it fails and ``drivers`` a template of the metrics behind it (``{metric_name}`` placeholders,
    formatted in their declared units).
    """

    statement: str
    value: str
    limit: str
    sense: str
    scale: Callable
    reason: str
    judged: str | None = None
    judged_limit: str | None = None
    margin: str = "relative"
    drivers: str = ""

    def __post_init__(self):
        if self.margin not in MARGIN_KINDS:
            raise ValueError(f"Bound({self.statement!r}).margin = {self.margin!r}; allowed: {list(MARGIN_KINDS)}")
        if self.sense not in ("max", "min"):
            raise ValueError(f"Bound({self.statement!r}).sense = {self.sense!r}; allowed: 'max', 'min'")

    @property
    def judged_metric(self) -> str:
        return self.judged or self.value

    @property
    def judged_limit_metric(self) -> str:
        return self.judged_limit or self.limit


@dataclass(frozen=True)
class Quantity:
    """What a declared quantity is.

    Attributes
    ----------
    units : unit string of :data:`studies.units.UNITS` (``"K"``, ``"W m-2"``, ``"1"`` dimensionless).
    long_name : one-line description (archive ``long_name``, report, config listing).
    section : TOML section the value is read from (``"mission"``, ``"radiator.face_a"``, ...);
        ``None``: not configurable (an output, or derived on the host such as the hot-case beta).
    key : key inside the section; defaults to the field name.
    kind : ``"float"``, ``"int"``, ``"bool"``, ``"str"``, ``"date"``, ``"float_list"``, ``"str_list"``
        or ``"table"``.
    lo, hi, lo_inclusive, hi_inclusive : physically allowed range of the value.
    choices : allowed values of a ``"str"`` quantity (or of each entry of a ``"str_list"``).
    source : where the default comes from (citation), or ``"assumption"``.
    optional : the default is ``None`` (not set); setting it switches a model option on.
    length : number of entries of a ``"float_list"`` (None: any).
    group : report group of an output of the model (a metric); None for an input.
    array : an array-valued output (a field archived with coordinates, not a scalar metric).
    bounds, ref, fixed : a design variable's default optimiser bounds ``(lo, hi)``, reference scale
        (the optimiser sees ``value / ref``) and whether it is held fixed by default.
    bound : the :class:`Bound` a constraint metric expresses.
    elasticity : a physical continuous input whose elasticity a sensitivity table reports (False for a
        calendar date; counts, ``kind = "int"``, never are).
    """

    units: str
    long_name: str
    section: str | None = None
    key: str | None = None
    kind: str = "float"
    lo: float = -math.inf
    hi: float = math.inf
    lo_inclusive: bool = True
    hi_inclusive: bool = True
    choices: tuple | None = None
    source: str = ""
    optional: bool = False
    length: int | None = None
    group: str | None = None
    array: bool = False
    bounds: tuple | None = None
    ref: float | None = None
    fixed: bool = False
    bound: Bound | None = None
    elasticity: bool = True

    def __post_init__(self):
        check_units(self.units, self.long_name)


def quantity(default: Any, units: str, long_name: str, *, static: bool = False, **spec) -> Any:
    """A dataclass/equinox field declared with its :class:`Quantity` (see there for ``spec`` keys);
    ``default`` may be ``dataclasses.MISSING`` (a required key)."""
    meta = {"quantity": Quantity(units, long_name, **spec)}
    if default is dataclasses.MISSING:
        return eqx.field(static=static, metadata=meta)
    return eqx.field(default=default, static=static, metadata=meta)


UNIT_INTERVAL = {"lo": 0.0, "hi": 1.0}
"""The range of a fraction, a probability, an efficiency or a 0/1 flag (``output("1", ..., **UNIT_INTERVAL)``)."""

COUNT = {"lo": 0.0}
"""The range of an expected or continuous count (no physical upper bound)."""


def output(units: str, long_name: str, group: str, *, signed: bool = False, **spec) -> Any:
    """A field of a stage's output declared as a metric of the coupled model (report ``group``).

    Its range (``lo``, ``hi``: what a published claim of it is checked against) is its unit's physical
    range (:data:`studies.units.PHYSICAL_RANGE`; ``signed``: either sign, for a net flow or a residual)
    where ``spec`` does not narrow it.  A dimensionless metric declares its own (:data:`UNIT_INTERVAL`
    for a fraction or a probability, :data:`COUNT` for a count)."""
    if units in PHYSICAL_RANGE:
        r = PHYSICAL_RANGE[units].signed() if signed else PHYSICAL_RANGE[units]
        if "lo" not in spec:
            spec.update(lo=r.lo, lo_inclusive=spec.get("lo_inclusive", r.lo_inclusive))
        spec.setdefault("hi", r.hi)
    elif signed:
        raise ValueError(f"output {long_name!r}: signed=True needs a unit with a physical range, not {units!r}")
    return eqx.field(metadata={"quantity": Quantity(units, long_name, group=group, **spec)})


def declared(cls) -> Iterator[tuple[dataclasses.Field, Quantity]]:
    """(field, quantity) of every declared field of a dataclass or equinox module, in order."""
    for f in dataclasses.fields(cls):
        q = f.metadata.get("quantity")
        if q is not None:
            yield f, q


def config_key(f: dataclasses.Field, q: Quantity) -> str:
    """The TOML key of a configurable field."""
    return q.key or f.name


def range_text(q: Quantity) -> str:
    """``[lo, hi] units``, ``one of [...]`` or ``true or false`` for a declaration."""
    if q.choices is not None:
        return f"one of {list(q.choices)}"
    if q.kind == "bool":
        return "true or false"
    left = "[" if q.lo_inclusive else "("
    right = "]" if q.hi_inclusive else ")"
    u = f" {q.units}" if q.units != "1" else ""
    return f"{left}{q.lo:g}, {q.hi:g}{right}{u}"


def _number(path: str, value: Any, q: Quantity) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{path} = {value!r} has type {type(value).__name__}; expected a number in {range_text(q)}")
    v = float(value)
    if not math.isfinite(v):
        raise ConfigError(f"{path} = {value!r} is not finite; allowed range {range_text(q)}")
    ok_lo = v >= q.lo if q.lo_inclusive else v > q.lo
    ok_hi = v <= q.hi if q.hi_inclusive else v < q.hi
    if not (ok_lo and ok_hi):
        raise ConfigError(f"{path} = {value!r} is outside the allowed range {range_text(q)}")
    return v


def parse_value(path: str, value: Any, q: Quantity) -> Any:
    """``value`` checked against its declaration ``q`` (type, range, choices) and converted; raises
    :class:`ConfigError` naming ``path``, the value and the allowed range."""
    if q.kind == "float":
        return _number(path, value, q)
    if q.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{path} = {value!r} has type {type(value).__name__}; expected an integer in "
                              f"{range_text(q)}")
        _number(path, value, q)
        return int(value)
    if q.kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{path} = {value!r} has type {type(value).__name__}; expected true or false")
        return value
    if q.kind == "str":
        if not isinstance(value, str):
            raise ConfigError(f"{path} = {value!r} has type {type(value).__name__}; expected a string")
        if q.choices is not None and value not in q.choices:
            raise ConfigError(f"{path} = {value!r} is not allowed; expected {range_text(q)}")
        return value
    if q.kind == "date":
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
    if q.kind == "table":
        if not isinstance(value, Mapping):
            raise ConfigError(f"{path} must be a table, got {type(value).__name__}")
        return {k: dict(v) if isinstance(v, Mapping) else v for k, v in value.items()}
    if q.kind == "str_list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{path} = {value!r} must be a list of strings")
        if q.choices is not None:
            for v in value:
                if v not in q.choices:
                    raise ConfigError(f"{path} contains {v!r}; allowed: {list(q.choices)}")
        return tuple(value)
    if q.kind == "float_list":
        if not isinstance(value, list) or not value:
            raise ConfigError(f"{path} = {value!r} must be a non-empty list of numbers in {range_text(q)}")
        if q.length is not None and len(value) != q.length:
            raise ConfigError(f"{path} = {value!r} must have exactly {q.length} numbers")
        return tuple(_number(f"{path}[{i}]", v, q) for i, v in enumerate(value))
    raise AssertionError(f"unknown kind {q.kind}")


def check_declared(obj, prefix: str) -> None:
    """Check every declared, set field of a dataclass instance against its declaration (ValueError
    naming ``prefix.key``); for parameter objects built in code rather than read from a config."""
    for f, q in declared(type(obj)):
        v = getattr(obj, f.name)
        if v is None and q.optional:
            continue
        parse_value(f"{prefix}.{config_key(f, q)}", v, q)
