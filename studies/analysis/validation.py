"""Validation cases: a flown radiator rebuilt from its published figures and compared with them.

A case (``studies/validation/*.toml``) gives a pumped-tube radiator *unit* -- identical panels
in series, each with parallel tubes between two manifolds -- its published operating point
(loop set point, flow and rated heat) and the environment it is rated in.  :func:`run` builds
the unit with thermal's public API, solves the panels in series at the published flow and
inlet temperature and compares the predicted heat rejection and outlet temperature with the
published figures.  ``sunsink validate CASE.toml`` prints the table and exits 0 when every
check holds within the case's stated tolerance, 1 otherwise.

Model (composition only; the physics is thermal's):

* the loop's rated point: the radiators carry the rated loop heat ``Q_r`` at the loop flow
  ``m`` with the bypass closed, so the radiator inlet is ``T_set + Q_r / (m c_p)`` (energy
  balance) and the mixed radiator outlet is the set point ``T_set``; the loop flow splits
  equally over its radiator units (assumption: identical units, no bypass at the rated
  point);
* one unit: ``panels_in_series`` FD panels (:func:`thermal.solve_steady`), each with
  ``tubes_per_panel`` parallel tubes carrying ``m_unit / tubes_per_panel``; a panel's mixed
  outlet (its downstream manifold) is the next panel's inlet;
* a honeycomb panel as one conducting sheet: in-plane conductance ``k t`` of the face sheets
  together (``facesheets * facesheet_thickness_m``).  The aluminium core's in-plane
  conductance, about (rho_core / rho_Al) k_Al h_core / 2 for hexagonal cells, is neglected:
  a 50 kg/m^3, 12.7 mm core would add about a quarter of two 0.254 mm face sheets' (roughly
  +3 % heat), so neglecting it is conservative for a lower-bound check.  The two face sheets
  are taken at one temperature: the core's through-thickness conductance, order
  10^2 W/(m^2 K), is far above the ~5 W/(m^2 K) a face radiates;
* tube-to-sheet conductance per unit length in series: ammonia film ``h pi D`` (Gnielinski
  Nusselt number, :func:`thermal.gnielinski_nusselt`, properties from
  :func:`thermal.coolant_properties`) and the tube wall plus bond
  (``tube_bond_conductance_w_m_k``): ``1/G' = 1/(h pi D) + 1/G_bond`` (Incropera et al. 2007,
  ch. 3, resistances in series);
* the environment as an effective sink temperature ``T_s`` seen by both faces: incident
  longwave ``sigma T_s^4`` (absorbed with the emissivity), no shortwave -- the definition of
  the ISS radiator-wing environment ``T_cmd`` (Broeren 1998: flat plate, solar + albedo +
  Earth IR + station surfaces).  Optional context: the bare orbital environment of an
  edge-to-Sun plate (:func:`thermal.plate_environment`, no station surfaces).

References
----------
- Broeren, R. L., "Radiator Wing Rotation Algorithm Overview for the International Space
  Station's External Active Thermal Control System", SAE Technical Paper, ICES 1998.
- Oren, J. A. & Howell, H. R., "Space Station Heat Rejection Subsystem Radiator Assembly
  Design and Development", SAE 951651 (1995).
- Boeing / NASA, "Active Thermal Control System (ATCS) Overview" (NASA 473486main).
- Incropera, F. P. et al., *Fundamentals of Heat and Mass Transfer*, 6th ed. (2007).
- Gnielinski, V., Int. Chem. Eng. 16 (1976) 359.

The case file cites every input with its reliability (``[provenance]``); data/README.md,
section "ISS EATCS radiator validation", holds the research notes.
"""
from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import MISSING, dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

import orbit
import thermal
from orbit.constants import STEFAN_BOLTZMANN_W_M2_K4 as SIGMA

from scipy.optimize import brentq

from ..declare import ConfigError, config_key, declared, quantity, range_text

__all__ = ["MARKERS", "markdown_table", "CaseInfo", "LoopPoint", "RadiatorUnit", "Environment", "Tolerances", "CaseNumerics", "ValidationCase",
           "OperatingPoint", "UnitSolution", "Comparison", "ValidationResult", "RELIABILITY", "COOLANTS",
           "load_case", "parse_case", "operating_point", "radiator_panel", "solve_unit", "run", "format_report"]

RELIABILITY = ("primary", "secondary", "derived", "assumption")
"""How a case input was obtained: ``primary`` source read, ``secondary`` (read second-hand: an
abstract, a summary of the primary, a secondary compilation), ``derived`` (arithmetic on
published figures), ``assumption`` (no public number found)."""

COOLANTS = {"ammonia": thermal.AMMONIA, "water": thermal.WATER}

GNIELINSKI_RE = (3.0e3, 5.0e6)
"""Reynolds range of the Gnielinski correlation (Gnielinski 1976)."""

_AMMONIA_K = thermal.AMMONIA.temperature_range_k


# ----------------------------------------------------------------------------------- declarations


@dataclass(frozen=True, kw_only=True)
class CaseInfo:
    name: str = quantity(MISSING, "1", "case name", section="case", kind="str")
    title: str = quantity(MISSING, "1", "what is reproduced", section="case", kind="str")


@dataclass(frozen=True, kw_only=True)
class LoopPoint:
    """The loop's published rated point."""

    coolant: str = quantity(MISSING, "1", "single-phase coolant", section="loop", kind="str",
                            choices=tuple(COOLANTS))
    supply_temperature_k: float = quantity(MISSING, "K", "loop supply set point (mixed radiator outlet and bypass)",
                                           section="loop", lo=_AMMONIA_K[0], hi=_AMMONIA_K[1])
    loop_mass_flow_kg_s: float = quantity(MISSING, "kg s-1", "loop mass flow", section="loop", lo=0.0, hi=20.0,
                                          lo_inclusive=False)
    radiators_per_loop: int = quantity(MISSING, "1", "radiator units sharing the loop flow", section="loop",
                                       kind="int", lo=1, hi=24)
    rated_loop_heat_w: float = quantity(MISSING, "W", "rated heat rejection of the loop", section="loop", lo=0.0,
                                        hi=1.0e6, lo_inclusive=False)


@dataclass(frozen=True, kw_only=True)
class RadiatorUnit:
    """One radiator unit: identical honeycomb panels in series, parallel tubes in each."""

    panels_in_series: int = quantity(MISSING, "1", "panels per unit, flow in series", section="radiator",
                                     kind="int", lo=1, hi=64)
    panel_length_m: float = quantity(MISSING, "m", "panel length along the tubes", section="radiator", lo=0.0,
                                     hi=30.0, lo_inclusive=False)
    panel_width_m: float = quantity(MISSING, "m", "panel width across the tubes", section="radiator", lo=0.0,
                                    hi=30.0, lo_inclusive=False)
    tubes_per_panel: int = quantity(MISSING, "1", "parallel flow tubes per panel (evenly spaced)",
                                    section="radiator", kind="int", lo=1, hi=400)
    facesheets: int = quantity(MISSING, "1", "face sheets per panel", section="radiator", kind="int", lo=1, hi=2)
    facesheet_thickness_m: float = quantity(MISSING, "m", "thickness of one face sheet", section="radiator",
                                            lo=0.0, hi=0.01, lo_inclusive=False)
    facesheet_conductivity_w_m_k: float = quantity(MISSING, "W m-1 K-1", "face-sheet thermal conductivity",
                                                   section="radiator", lo=0.0, hi=2000.0, lo_inclusive=False)
    tube_inner_diameter_m: float = quantity(MISSING, "m", "flow-tube inner diameter", section="radiator", lo=0.0,
                                            hi=0.05, lo_inclusive=False)
    tube_bond_conductance_w_m_k: float = quantity(MISSING, "W m-1 K-1",
                                                  "tube wall + bond conductance per unit tube length",
                                                  section="radiator", lo=0.0, hi=1.0e5, lo_inclusive=False)
    emissivity: float = quantity(MISSING, "1", "IR hemispherical emittance of both faces", section="radiator",
                                 lo=0.0, hi=1.0, lo_inclusive=False)
    solar_absorptivity: float = quantity(MISSING, "1", "solar absorptance of both faces (orbital context only)",
                                         section="radiator", lo=0.0, hi=1.0)


@dataclass(frozen=True, kw_only=True)
class Environment:
    """The rated environment as an effective sink temperature, and an optional orbital context."""

    sink_temperature_k: float = quantity(MISSING, "K", "effective sink temperature of both faces",
                                         section="environment", lo=0.0, hi=400.0)
    sink_uncertainty_k: float = quantity(MISSING, "K", "half-width of the published sink band",
                                         section="environment", lo=0.0, hi=100.0)
    altitude_m: float | None = quantity(None, "m", "orbit altitude of the bare orbital context (no station)",
                                        section="environment", lo=orbit.MIN_ALTITUDE_M, hi=orbit.MAX_ALTITUDE_M,
                                        optional=True)
    beta_min_deg: float | None = quantity(None, "degree", "smallest |beta| of the orbital context",
                                          section="environment", lo=0.0, hi=90.0, optional=True)
    beta_max_deg: float | None = quantity(None, "degree", "largest |beta| of the orbital context",
                                          section="environment", lo=0.0, hi=90.0, optional=True)


@dataclass(frozen=True, kw_only=True)
class Tolerances:
    """How closely the published figures pin the comparison (each with its reason in the case file)."""

    rated_rounding_fraction: float = quantity(MISSING, "1", "relative rounding of the published rated heat",
                                              section="comparison", lo=0.0, hi=0.5)
    supply_tolerance_k: float = quantity(MISSING, "K", "published set-point tolerance", section="comparison",
                                         lo=0.0, hi=20.0)


@dataclass(frozen=True, kw_only=True)
class CaseNumerics:
    nx: int = quantity(6, "1", "FD cells along the tubes", section="numerics", kind="int", lo=2, hi=1024)
    ny: int = quantity(176, "1", "FD cells across the panel (>= 2 per tube pitch)", section="numerics", kind="int",
                       lo=2, hi=8192)
    refine: bool = quantity(False, "1", "also solve the warm edge on a 2x grid (discretisation error)",
                            section="numerics", kind="bool")


@dataclass(frozen=True)
class ValidationCase:
    info: CaseInfo
    loop: LoopPoint
    radiator: RadiatorUnit
    environment: Environment
    comparison: Tolerances
    numerics: CaseNumerics
    provenance: Mapping[str, tuple[str, str]]
    """``"section.key" -> (reliability, citation)`` for every physical input."""


_SECTIONS = {"case": ("info", CaseInfo), "loop": ("loop", LoopPoint), "radiator": ("radiator", RadiatorUnit),
             "environment": ("environment", Environment), "comparison": ("comparison", Tolerances),
             "numerics": ("numerics", CaseNumerics)}
_CITED = ("loop", "radiator", "environment")
"""Sections whose every set input needs a ``[provenance]`` entry."""


# ----------------------------------------------------------------------------------- parsing


def _value(path: str, v: Any, s) -> Any:
    if s.kind == "str":
        if not isinstance(v, str) or (s.choices is not None and v not in s.choices):
            raise ConfigError(f"{path} = {v!r} is not allowed; expected {range_text(s) if s.choices else 'a string'}")
        return v
    if s.kind == "bool":
        if not isinstance(v, bool):
            raise ConfigError(f"{path} = {v!r} has type {type(v).__name__}; expected true or false")
        return v
    if isinstance(v, bool) or not isinstance(v, (int, float)) or (s.kind == "int" and not isinstance(v, int)):
        raise ConfigError(f"{path} = {v!r} has type {type(v).__name__}; expected "
                          f"{'an integer' if s.kind == 'int' else 'a number'} in {range_text(s)}")
    x = float(v)
    above = x >= s.lo if s.lo_inclusive else x > s.lo
    below = x <= s.hi if s.hi_inclusive else x < s.hi
    ok = math.isfinite(x) and above and below
    if not ok:
        raise ConfigError(f"{path} = {v!r} is outside the allowed range {range_text(s)}")
    return int(v) if s.kind == "int" else x


def _section(name: str, cls, data: Any):
    if not isinstance(data, Mapping):
        raise ConfigError(f"[{name}] must be a table, got {type(data).__name__}")
    fields = {config_key(f, s): (f, s) for f, s in declared(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"unknown key {name}.{unknown[0]} in [{name}]; allowed keys: {sorted(fields)}")
    kw = {}
    for key, (f, s) in fields.items():
        if key in data:
            kw[f.name] = _value(f"{name}.{key}", data[key], s)
        elif f.default is MISSING:
            raise ConfigError(f"missing required key {name}.{key} ({s.long_name}, {range_text(s)})")
    return cls(**kw)


def parse_case(data: Mapping[str, Any]) -> ValidationCase:
    """Validate a parsed TOML mapping into a :class:`ValidationCase` (ConfigError names key, value, range)."""
    unknown = sorted(set(data) - set(_SECTIONS) - {"provenance"})
    if unknown:
        raise ConfigError(f"unknown table [{unknown[0]}]; allowed: {sorted([*_SECTIONS, 'provenance'])}")
    parts = {attr: _section(name, cls, data.get(name, {})) for name, (attr, cls) in _SECTIONS.items()}
    env = parts["environment"]
    context = (env.altitude_m, env.beta_min_deg, env.beta_max_deg)
    if any(v is None for v in context) and any(v is not None for v in context):
        raise ConfigError("environment.altitude_m, beta_min_deg and beta_max_deg go together (all or none)")
    if env.beta_min_deg is not None and env.beta_min_deg > env.beta_max_deg:
        raise ConfigError(f"environment.beta_min_deg = {env.beta_min_deg!r} is outside the allowed range "
                          f"[0, {env.beta_max_deg:g}] deg (at most beta_max_deg)")
    cited = {f"{name}.{config_key(f, s)}" for name in _CITED for f, s in declared(_SECTIONS[name][1])
             if getattr(parts[_SECTIONS[name][0]], f.name) is not None}
    prov = data.get("provenance", {})
    if not isinstance(prov, Mapping):
        raise ConfigError(f"[provenance] must be a table, got {type(prov).__name__}")
    for key, entry in prov.items():
        if key not in cited:
            raise ConfigError(f"provenance key {key!r} names no input of this case; allowed: {sorted(cited)}")
        if (not isinstance(entry, list) or len(entry) != 2 or not all(isinstance(e, str) for e in entry)
                or entry[0] not in RELIABILITY):
            raise ConfigError(f"provenance.{key} = {entry!r} must be [reliability, citation] with reliability "
                              f"one of {list(RELIABILITY)}")
    missing = sorted(cited - set(prov))
    if missing:
        raise ConfigError(f"input {missing[0]} has no [provenance] entry ([reliability, citation]; reliability one "
                          f"of {list(RELIABILITY)})")
    return ValidationCase(**parts, provenance={k: tuple(v) for k, v in prov.items()})


def load_case(path: str | Path) -> ValidationCase:
    """Read and validate a validation case file (before any computation)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"case file {str(p)!r} {'is a directory, not a file' if p.is_dir() else 'does not exist'}")
    try:
        data = tomllib.loads(p.read_text())
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"case file {str(p)!r} cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: invalid TOML: {exc}") from None
    return parse_case(data)


# ----------------------------------------------------------------------------------- model


@dataclass(frozen=True)
class OperatingPoint:
    """The rated point and the derived panel inputs (SI)."""

    inlet_temperature_k: float
    unit_mass_flow_kg_s: float
    tube_mass_flow_kg_s: float
    cp_j_kg_k: float
    reynolds: float
    film_w_m2_k: float
    tube_conductance_w_m_k: float
    tube_pitch_m: float
    rated_unit_heat_w: float


def operating_point(case: ValidationCase) -> OperatingPoint:
    """Radiator inlet temperature (energy balance at the rated point), flows, ammonia c_p and the
    tube-to-sheet conductance; ConfigError when the derived state leaves the models' range."""
    lp, rad = case.loop, case.radiator
    fluid = COOLANTS[lp.coolant]
    lo, hi = fluid.temperature_range_k
    if not lo <= lp.supply_temperature_k <= hi:
        raise ConfigError(f"loop.supply_temperature_k = {lp.supply_temperature_k!r} is outside the {lp.coolant} "
                          f"liquid range [{lo:g}, {hi:g}] K")
    t_in = lp.supply_temperature_k
    for _ in range(4):   # c_p at the mean of set point and inlet (c_p changes < 1 % over the span)
        cp = float(thermal.coolant_properties(fluid, 0.5 * (lp.supply_temperature_k + min(t_in, hi))).cp_j_kg_k)
        t_in = lp.supply_temperature_k + lp.rated_loop_heat_w / (lp.loop_mass_flow_kg_s * cp)
    if not lo <= t_in <= hi:
        raise ConfigError(f"loop.rated_loop_heat_w = {lp.rated_loop_heat_w!r} at loop.loop_mass_flow_kg_s = "
                          f"{lp.loop_mass_flow_kg_s!r} puts the radiator inlet at {t_in:.1f} K, outside the "
                          f"{lp.coolant} liquid range [{lo:g}, {hi:g}] K")
    props = thermal.coolant_properties(fluid, 0.5 * (lp.supply_temperature_k + t_in))
    m_unit = lp.loop_mass_flow_kg_s / lp.radiators_per_loop
    m_tube = m_unit / rad.tubes_per_panel
    d = rad.tube_inner_diameter_m
    re = 4.0 * m_tube / (math.pi * d * float(props.viscosity_pa_s))
    if not GNIELINSKI_RE[0] <= re <= GNIELINSKI_RE[1]:
        raise ConfigError(f"radiator.tube_inner_diameter_m = {d!r} gives a tube Reynolds number {re:.4g}, outside "
                          f"the Gnielinski range [{GNIELINSKI_RE[0]:g}, {GNIELINSKI_RE[1]:g}]")
    h = float(thermal.gnielinski_nusselt(re, float(props.prandtl))) * float(props.conductivity_w_m_k) / d
    g = 1.0 / (1.0 / (h * math.pi * d) + 1.0 / rad.tube_bond_conductance_w_m_k)
    return OperatingPoint(t_in, m_unit, m_tube, cp, re, h, g, rad.panel_width_m / rad.tubes_per_panel,
                          lp.rated_loop_heat_w / lp.radiators_per_loop)


def radiator_panel(case: ValidationCase, op: OperatingPoint, emissivity: float | None = None) -> thermal.RadiatorPanel:
    """One panel of the unit (:class:`thermal.RadiatorPanel`): the face sheets as one sheet, tubes evenly
    spaced with half a pitch to each edge."""
    rad = case.radiator
    eps = rad.emissivity if emissivity is None else emissivity
    return thermal.RadiatorPanel(
        length_m=rad.panel_length_m, width_m=rad.panel_width_m,
        thickness_m=rad.facesheets * rad.facesheet_thickness_m,
        conductivity_w_m_k=rad.facesheet_conductivity_w_m_k,
        emissivity=np.array([eps, eps]), absorptivity=np.full(2, rad.solar_absorptivity),
        tube_pitch_m=op.tube_pitch_m, tube_conductance_w_m_k=op.tube_conductance_w_m_k, n_tubes=rad.tubes_per_panel)


@dataclass(frozen=True)
class UnitSolution:
    """Steady state of one unit at one environment."""

    heat_rejected_w: float
    """Net heat the panels reject (sum of the panels' heat input from the tubes) [W]."""
    outlet_temperature_k: float
    panel_outlet_temperature_k: tuple[float, ...]
    energy_imbalance_w: float
    """Flow enthalpy drop m c_p (T_in - T_out) minus the heat rejected [W] (solver tolerance)."""


def solve_unit(case: ValidationCase, op: OperatingPoint, shortwave_w_m2, longwave_w_m2,
               numerics: CaseNumerics | None = None, panel: thermal.RadiatorPanel | None = None,
               inlet_temperature_k: float | None = None) -> UnitSolution:
    """Solve the unit's panels in series (each panel's mixed outlet feeds the next panel)."""
    n = numerics or case.numerics
    panel = panel if panel is not None else radiator_panel(case, op)
    fd = thermal.RadiatorNumerics(nx=n.nx, ny=n.ny)
    t_in = op.inlet_temperature_k if inlet_temperature_k is None else inlet_temperature_k
    t, q, outs = t_in, 0.0, []
    sw, lw = np.asarray(shortwave_w_m2, float), np.asarray(longwave_w_m2, float)
    for k in range(case.radiator.panels_in_series):
        flow = thermal.RadiatorCoolant(mass_flow_kg_s=op.tube_mass_flow_kg_s, specific_heat_j_kg_k=op.cp_j_kg_k,
                                       inlet_temperature_k=t)
        r = thermal.solve_steady(panel, flow, sw, lw, fd)
        if not bool(r.converged) or not math.isfinite(float(r.outlet_temperature_k)):
            raise ValueError(f"panel {k + 1} of {case.radiator.panels_in_series} did not converge (relative residual "
                             f"{float(r.relative_residual):.3g}); refine numerics.nx/ny or check the inputs")
        q += float(r.heat_input_w)
        t = float(r.outlet_temperature_k)
        outs.append(t)
    imbalance = op.unit_mass_flow_kg_s * op.cp_j_kg_k * (t_in - t) - q
    return UnitSolution(q, t, tuple(outs), imbalance)


def _sink_fluxes(t_sink_k: float):
    """Incident fluxes (shortwave, longwave) of an effective sink temperature on both faces."""
    return np.zeros(2), np.full(2, SIGMA * t_sink_k**4)


# ----------------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class Comparison:
    """One row: a published figure against sunsink's prediction.

    ``kind``: ``"check"`` (counts for the verdict: ``passed``) or ``"info"`` (reported, no published
    figure to hold it to).  ``published`` is None where nothing is published."""

    quantity: str
    units: str
    published: float | None
    sunsink: float
    kind: str
    passed: bool | None
    explanation: str

    @property
    def difference(self) -> float | None:
        return None if self.published is None else self.sunsink - self.published


@dataclass(frozen=True)
class ValidationResult:
    case: ValidationCase
    point: OperatingPoint
    rows: tuple[Comparison, ...]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.rows if r.kind == "check")


def _implied_sink_k(case, op, panel, numerics) -> float | None:
    """Sink temperature at which the unit rejects exactly its rated heat (None outside the bracket)."""
    env = case.environment
    target = op.rated_unit_heat_w

    def excess(ts):
        return solve_unit(case, op, *_sink_fluxes(ts), numerics, panel).heat_rejected_w - target

    lo = max(env.sink_temperature_k - env.sink_uncertainty_k, 1.0)
    hi = case.loop.supply_temperature_k   # no sink at or above the set point lets the outlet reach it
    if excess(lo) < 0.0:
        return None
    return float(brentq(excess, lo, hi, xtol=0.01))


def run(case: ValidationCase) -> ValidationResult:
    """Solve the case and compare it with its published figures."""
    op = operating_point(case)
    env, tol, lp = case.environment, case.comparison, case.loop
    panel = radiator_panel(case, op)
    q_r = op.rated_unit_heat_w
    rows = []
    warm = env.sink_temperature_k + env.sink_uncertainty_k
    sinks = (("warm edge", warm), ("nominal", env.sink_temperature_k),
             ("cold edge", env.sink_temperature_k - env.sink_uncertainty_k))
    sol = {label: solve_unit(case, op, *_sink_fluxes(ts), panel=panel) for label, ts in sinks}
    c = lambda t: t - 273.15  # noqa: E731 -- table in degrees Celsius
    w = sol["warm edge"]
    floor = q_r * (1.0 - tol.rated_rounding_fraction)
    rows.append(Comparison(
        f"unit heat rejection, sink {c(warm):.1f} C (warm edge of the rated band)", "kW", q_r / 1e3,
        w.heat_rejected_w / 1e3, "check", w.heat_rejected_w >= floor,
        f"published figure is a rating (a lower bound): the unit must reject at least {floor / 1e3:.2f} kW "
        f"(rated heat less its rounding {tol.rated_rounding_fraction:.1%}) in every environment of the band; "
        "its own rating environment is not published (see 'implied sink')"))
    rows.append(Comparison(
        f"unit outlet temperature, sink {c(warm):.1f} C", "C", c(lp.supply_temperature_k), c(w.outlet_temperature_k),
        "check", w.outlet_temperature_k <= lp.supply_temperature_k + tol.supply_tolerance_k,
        f"with the bypass closed the mixed outlet must reach the set point (+{tol.supply_tolerance_k:.2f} K "
        "published tolerance) or below; colder = bypass flow makes up the difference (same check as the heat row, "
        "by the energy balance)"))
    for label in ("nominal", "cold edge"):
        s, ts = sol[label], dict(sinks)[label]
        rows.append(Comparison(
            f"unit heat rejection, sink {c(ts):.1f} C ({label})", "kW", q_r / 1e3, s.heat_rejected_w / 1e3, "info",
            None, "capability above the rating in the published operating environment: the rating is a design "
                  "minimum, not the capability at this sink"))
    implied = _implied_sink_k(case, op, panel, case.numerics)
    rows.append(Comparison(
        "implied rating sink (unit rejects exactly the rated heat)", "C", None,
        float("nan") if implied is None else c(implied), "info", None,
        "the sink of the published rating is not in the public record read for this case; sunsink's value, "
        "for comparison when it is found" if implied is not None else
        "the unit cannot reject the rated heat anywhere in the published band"))
    worst = max(abs(s.energy_imbalance_w) for s in sol.values())
    rows.append(Comparison("energy balance m c_p (T_in - T_out) - Q, worst of the band", "W", None, worst, "info",
                           None, "solver conservation (Newton tolerance), not a published figure"))
    if case.numerics.refine:
        fine = dataclasses.replace(case.numerics, nx=2 * case.numerics.nx, ny=2 * case.numerics.ny)
        qf = solve_unit(case, op, *_sink_fluxes(warm), fine, panel).heat_rejected_w
        rows.append(Comparison(
            f"discretisation error of the warm-edge heat, {fine.nx}x{fine.ny} vs {case.numerics.nx}x"
            f"{case.numerics.ny}", "kW", None, (qf - w.heat_rejected_w) / 3.0 / 1e3, "info", None,
            "Richardson estimate for a second-order scheme, (fine - coarse) / 3: add it to the coarse value"))
    if env.altitude_m is not None:
        rows.extend(_orbital_context(case, op, panel))
    return ValidationResult(case, op, tuple(rows))


def _orbital_context(case, op, panel) -> list[Comparison]:
    """Orbit-average environment of a bare edge-to-Sun plate (no station surfaces) at the beta extremes."""
    env, rad = case.environment, case.radiator
    out = []
    for beta in sorted({env.beta_min_deg, env.beta_max_deg}):
        pe = thermal.plate_environment(env.altitude_m, math.radians(beta), "sun_edge_on", 90)
        a, b = pe.face_a.orbit_average(), pe.face_b.orbit_average()
        sw = np.array([float(a.shortwave_w_m2), float(b.shortwave_w_m2)])
        lw = np.array([float(a.longwave_w_m2), float(b.longwave_w_m2)])
        absorbed = rad.solar_absorptivity * sw + rad.emissivity * lw
        t_sink = float(np.mean(absorbed) / (rad.emissivity * SIGMA)) ** 0.25
        s = solve_unit(case, op, sw, lw, panel=panel)
        out.append(Comparison(
            f"bare orbital sink, edge-to-Sun plate, beta {beta:g} deg, {env.altitude_m / 1e3:g} km", "C",
            env.sink_temperature_k - 273.15, t_sink - 273.15, "info", None,
            "orbit-average Sun + albedo + Earth IR on a free plate; colder than the published environment, which "
            "adds the station's own surfaces and the eclipse face-to-Earth turn (not modelled here)"))
        out.append(Comparison(f"unit heat rejection in that bare environment, beta {beta:g} deg", "kW",
                              op.rated_unit_heat_w / 1e3, s.heat_rejected_w / 1e3, "info", None,
                              "context only: not the environment of the rating"))
    return out


# ----------------------------------------------------------------------------------- report


def _fmt(v, units) -> str:
    if v is None:
        return "-"
    if isinstance(v, float) and math.isnan(v):
        return "n/a"
    return f"{v:.3g}" if units == "W" else f"{v:.2f}"


def format_report(result: ValidationResult) -> str:
    """Plain-text report: inputs with their reliability, derived operating point, comparison table, verdict."""
    case, op = result.case, result.point
    lines = [f"validation case {case.info.name}: {case.info.title}", "", "inputs (value, units, reliability: source)"]
    for name in _CITED:
        attr, cls = _SECTIONS[name]
        part = getattr(case, attr)
        for f, s in declared(cls):
            v = getattr(part, f.name)
            if v is None:
                continue
            key = f"{name}.{config_key(f, s)}"
            rel, src = case.provenance[key]
            lines.append(f"  {key:42s} {v!s:>12} {s.units:10s} {rel}: {src}")
    lines += ["", "derived operating point (per radiator unit)",
              f"  radiator inlet temperature      {op.inlet_temperature_k:9.2f} K "
              f"({op.inlet_temperature_k - 273.15:.2f} C)"
              " = set point + rated loop heat / (loop flow c_p)",
              f"  unit / tube mass flow           {op.unit_mass_flow_kg_s:9.4f} / {op.tube_mass_flow_kg_s:.5f} kg/s",
              f"  coolant c_p                     {op.cp_j_kg_k:9.1f} J/(kg K)",
              f"  tube Reynolds, film coefficient {op.reynolds:9.0f}, {op.film_w_m2_k:.0f} W/(m2 K)",
              f"  tube-to-sheet conductance       {op.tube_conductance_w_m_k:9.1f} W/(m K)",
              f"  tube pitch                      {op.tube_pitch_m:9.4f} m",
              f"  rated heat per unit             {op.rated_unit_heat_w / 1e3:9.3f} kW", "",
              f"{'quantity':70s} {'units':5s} {'published':>9s} {'sunsink':>9s} {'diff':>9s}  verdict"]
    for r in result.rows:
        verdict = "info" if r.kind == "info" else ("PASS" if r.passed else "FAIL")
        lines.append(f"{r.quantity:70s} {r.units:5s} {_fmt(r.published, r.units):>9s} {_fmt(r.sunsink, r.units):>9s} "
                     f"{_fmt(r.difference, r.units):>9s}  {verdict}")
        lines.append(f"    {r.explanation}")
    lines += ["", f"verdict: {'PASS' if result.passed else 'FAIL'} "
                  f"({sum(r.kind == 'check' for r in result.rows)} checks; info rows are reported, not judged)"]
    return "\n".join(lines)


MARKERS = ("<!-- validation:start -->", "<!-- validation:end -->")
"""Markers of the generated comparison table in README.md (``sunsink validate CASE --readme README.md``)."""


def markdown_table(result: ValidationResult) -> str:
    """The judged rows of a validation, the implied rating sink and the discretisation error, as a Markdown
    table with the verdict: the README's comparison with the flown radiator, written by the tool."""
    lines = [f"{result.case.info.title} (`sunsink validate`): **{'PASS' if result.passed else 'FAIL'}**", "",
             "| quantity | units | published | sunsink | difference | verdict |", "| --- | --- | --- | --- | --- | --- |"]
    for r in result.rows:
        if r.kind != "check" and (r.published is not None or r.units == "W"):
            continue   # context rows with a published figure, and the solver's own residual, stay in the report
        verdict = "info" if r.kind == "info" else ("PASS" if r.passed else "FAIL")
        lines.append(f"| {r.quantity} | {r.units} | {_fmt(r.published, r.units)} | {_fmt(r.sunsink, r.units)} "
                     f"| {_fmt(r.difference, r.units)} | {verdict} |")
    return "\n".join(lines)
