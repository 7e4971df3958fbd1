"""The verdict on a design: every constraint in physical terms, a margin that compares across
constraints, the limiting constraint, and the drivers behind each failure.

Each constraint is judged on its exact physical quantity (the true maximum junction temperature, the
probability that enough radiator sections survive, ...) against its limit, from the declarations of
:mod:`studies.model.constraints`.  Its normalised margin is a relative margin of the judged quantity,
or, for a temperature, of the radiated power ``sigma T^4`` at the limit -- what a radiator trades for a
temperature -- so that "41 K over a 363 K limit" (-54 % of radiated power) and "53 kW short of 229 kW"
(-23 %) rank on one scale.  The limiting constraint is the most violated by that margin, or, for a
design that closes, the one with the least margin; the report, the archive and the figures use this
one ranking.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..units import format_value
from .constraints import CONSTRAINTS, FEASIBILITY_TOLERANCE
from .pipeline import METRICS

__all__ = ["Judgement", "Verdict", "judge", "verdict", "normalised_margin", "drivers_text", "judgement_notes"]


@dataclass(frozen=True)
class Judgement:
    """One constraint judged: the physical quantity (``metric``) and its limit (``limit_metric``) with
    their values and units, the margin in those units (> 0 met), the normalised margin that compares
    across constraints (and how it is normalised), the optimiser's ``g`` and the failure reason with
    the numbers that drive it."""

    name: str
    statement: str
    metric: str
    limit_metric: str
    value: float
    limit: float
    units: str
    sense: str
    margin: float
    normalised_margin: float
    margin_kind: str
    g: float
    passed: bool
    reason: str
    drivers: str


@dataclass(frozen=True)
class Verdict:
    """The verdict on one evaluated design."""

    judgements: tuple
    converged: bool

    @property
    def feasible(self) -> bool:
        return all(j.passed for j in self.judgements)

    @property
    def failed(self) -> list[str]:
        return [j.name for j in self.judgements if not j.passed]

    @property
    def ranked(self) -> list[Judgement]:
        """The judgements from the least (most negative) normalised margin up."""
        return sorted(self.judgements, key=lambda j: j.normalised_margin)

    @property
    def limiting(self) -> str:
        """The most violated constraint by the normalised margin (for a design that closes, the one with the
        least margin)."""
        return self.ranked[0].name


def normalised_margin(value: float, limit: float, sense: str, kind: str) -> float:
    """The margin of ``value`` against ``limit`` (> 0 met) as a fraction of the limit (``kind =
    "relative"``) or of the radiated power at the limit temperature (``"radiative"``, ``T^4``)."""
    if kind == "radiative":
        v, lim = value ** 4, limit ** 4
    else:
        v, lim = value, limit
    margin = lim - v if sense == "max" else v - lim
    return margin / abs(lim) if lim != 0 else margin


_FIELD = re.compile(r"\{(\w+)\}")


def drivers_text(template: str, metrics: dict) -> str:
    """The template with every ``{metric}`` replaced by the metric's value in its declared units."""
    return _FIELD.sub(lambda m: format_value(float(metrics[m.group(1)]), METRICS[m.group(1)].units), template)


def judge(metrics: dict) -> list[Judgement]:
    """Every declared constraint of evaluated ``metrics`` judged (host side)."""
    out = []
    for name, b in CONSTRAINTS.items():
        v = float(metrics[b.judged_metric])
        lim = float(metrics[b.judged_limit_metric])
        margin = lim - v if b.sense == "max" else v - lim
        norm = normalised_margin(v, lim, b.sense, b.margin)
        out.append(Judgement(name, b.statement, b.judged_metric, b.judged_limit_metric, v, lim,
                             METRICS[b.judged_metric].units, b.sense, margin, norm, b.margin,
                             float(metrics[f"g_{name}"]), norm >= -FEASIBILITY_TOLERANCE, b.reason,
                             drivers_text(b.drivers, metrics)))
    return out


def verdict(metrics: dict) -> Verdict:
    """The verdict on evaluated ``metrics``: every constraint judged, and whether every solve converged."""
    return Verdict(tuple(judge(metrics)), bool(float(metrics["converged"]) > 0.5))


HEATER_SHARE_NOTED = 0.25
"""Heater power, as a share of the payload's, above which the report questions the choice of heaters."""


def judgement_notes(metrics: dict, mission) -> list[str]:
    """Choices a reviewer would question even when every constraint passes: freeze-protection heaters
    larger than the payload they protect (no engineer would choose them: a radiator bypass, an
    antifreeze coolant or a drained radiator would be chosen instead), or a large share of it."""
    notes = []
    heater = float(metrics["heater_power_w"])
    payload = float(mission.payload_power_w)
    if heater > payload:
        notes.append(f"freeze-protection heaters of {format_value(heater, 'W')} exceed the "
                     f"{format_value(payload, 'W')} payload they protect: no engineer would choose them; a radiator "
                     "bypass, an antifreeze coolant (mission.coolant = \"mpg30\") or a drained radiator would be "
                     "chosen instead (sunsink audit tries them)")
    elif heater > HEATER_SHARE_NOTED * payload:
        notes.append(f"freeze-protection heaters of {format_value(heater, 'W')} are {heater / payload:.0%} of the "
                     "payload's power; a radiator bypass or an antifreeze coolant may be lighter (sunsink audit)")
    return notes
