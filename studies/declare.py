"""Declarations: every quantity a study knows is declared once, as a field with a :class:`Spec`.

A :class:`Spec` rides in a dataclass field's ``metadata`` (equinox modules and frozen
dataclasses alike) and carries what every consumer needs: units, long name, the TOML
section and key the value is read from, its type, the physically allowed range and the
source of its default.  Everything else is derived by walking the declarations with
:func:`specs`:

- the TOML sections and their validation (:mod:`studies.config`),
- ``sunsink config --list`` and the README's configuration reference,
- the objects the model receives (:func:`build`),
- the sensitivity table (every differentiable configured field of :class:`studies.model.Mission`).

Design variables, metrics and constraints have their own small declaration classes
(:mod:`studies.design`, :mod:`studies.metrics`); they follow the same rule.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Iterator

import equinox as eqx

__all__ = ["Spec", "quantity", "specs", "range_text"]


@dataclass(frozen=True)
class Spec:
    """What a declared quantity is.

    Attributes
    ----------
    units : unit string as written in archives (``"K"``, ``"W m-2"``, ``"1"`` for dimensionless).
    long_name : one-line description (archive ``long_name``, CLI report, config listing).
    section : TOML section the value is read from (``"mission"``, ``"radiator.face_a"``, ...);
        ``None``: not configurable (derived on the host, e.g. the hot-case beta angle).
    key : key inside the section; defaults to the field name.
    kind : ``"float"``, ``"int"``, ``"bool"`` or ``"str"``.
    lo, hi, lo_inclusive, hi_inclusive : physically allowed range of the value.
    choices : allowed values of a ``"str"`` quantity.
    source : where the default comes from (citation), or ``"assumption"``.
    optional : the default is ``None`` (not set); setting it switches a model option on.
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


def quantity(default: Any, units: str, long_name: str, *, static: bool = False, **spec) -> Any:
    """A dataclass/equinox field declared with its :class:`Spec` (see there for ``spec`` keys)."""
    meta = {"spec": Spec(units, long_name, **spec)}
    if default is dataclasses.MISSING:
        return eqx.field(static=static, metadata=meta)
    return eqx.field(default=default, static=static, metadata=meta)


def specs(cls) -> Iterator[tuple[dataclasses.Field, Spec]]:
    """(field, spec) of every declared field of a dataclass or equinox module, in order."""
    for f in dataclasses.fields(cls):
        s = f.metadata.get("spec")
        if s is not None:
            yield f, s


def config_key(f: dataclasses.Field, s: Spec) -> str:
    return s.key or f.name


def range_text(s) -> str:
    """``[lo, hi] units`` or ``one of [...]`` for a spec-like object (Spec or config Field)."""
    if getattr(s, "choices", None) is not None:
        return f"one of {list(s.choices)}"
    if getattr(s, "kind", "float") == "bool":
        return "true or false"
    left = "[" if s.lo_inclusive else "("
    right = "]" if s.hi_inclusive else ")"
    units = getattr(s, "units", "")
    u = f" {units}" if units and units != "1" else ""
    return f"{left}{s.lo:g}, {s.hi:g}{right}{u}"
