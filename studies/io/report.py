"""Plain-text reports of a whole-satellite result, derived from the declarations.

:func:`format_satellite` prints the design (with true fixed/free tags), the declared
metrics by group with their units, the temperature chain, the mass and power budgets,
published claims beside sunsink's values, and the constraint table with the verdict;
:func:`verdict` is the machine-readable part (``sunsink evaluate`` exit status).
:func:`config_listing` prints every configurable key with its unit, default, range and
source (``sunsink config --list``; the configuration reference, docs/config-reference.md).
"""
from __future__ import annotations

import math
import textwrap
from typing import Sequence

import numpy as np

import power

from ..analysis.build import mission_inputs
from ..analysis.sensitivity import parameter_values, parameters
from ..analysis.service import SERVICE_METRICS
from ..analysis.uncertainty import REPORT_METRICS, UncertaintyResult
from ..config import REQUIRED, SCHEMA, key_text, walk_schema
from ..declare import range_text
from ..model import MASS_ITEMS, METRICS, verdict
from ..model.verdict import judgement_notes
from ..units import display, format_value

__all__ = ["format_satellite", "config_listing", "claims_table", "constraint_table", "format_uncertainty",
           "format_audit", "discretisation_table", "discretisation_verdict"]


GROUP_TITLES = {"orbit": "orbit", "radiation": "radiation", "thermal": "thermal", "power": "power",
                "mass": "mass and cost"}


def report_groups() -> list[str]:
    """The metric groups the report prints, in their declared order (:data:`studies.model.METRICS`);
    constraints and convergence flags have their own tables."""
    seen = []
    for q in METRICS.values():
        if q.group not in seen and q.group not in ("constraints", "convergence"):
            seen.append(q.group)
    return seen


def unconverged(metrics: dict) -> list[str]:
    """Long names of the solves (declared ``convergence`` metrics) that did not converge."""
    return [q.long_name for n, q in METRICS.items() if q.group == "convergence" and n != "converged"
            and not float(metrics[n]) > 0.5]


REPORT_LABEL_WIDTH = 72
"""Width of the label column of the report's quantity tables; a longer label wraps."""


def _cells(x: float, units: str, digits: int = 4) -> tuple[str, str]:
    """:func:`studies.units.format_value`'s number and unit apart, so that a table aligns the numbers and
    prints each unit after its number (nothing for a dimensionless one)."""
    number, _, unit = format_value(x, units, digits).partition(" ")
    return number, unit


def _quantity_lines(rows: Sequence[tuple[str, float, str]], width: int) -> list[str]:
    """``(label, value, units)`` rows as ``label number unit``: labels padded (or wrapped) to ``width``,
    numbers aligned on their last digit."""
    lines = []
    for label, x, units in rows:
        number, unit = _cells(x, units)
        *first, last = textwrap.wrap(label, width, subsequent_indent="  ") or [""]
        lines += [f"  {ln}" for ln in first] + [f"  {last:<{width}} {number:>12} {unit}".rstrip()]
    return lines


def constraint_table(metrics: dict) -> list[str]:
    """Every constraint in physical terms with its normalised margin, the verdict and, for a design that
    does not close, each failure's reason and the numbers that drive it (:func:`studies.model.verdict`)."""
    v = verdict(metrics)
    lines = ["  normalised margin: a fraction of the limit, or of the radiated power (T^4) at a temperature limit; "
             "limiting = the least",
             ]
    rows = [(j, [_cells(x, j.units) for x in (j.value, j.limit, j.margin)]) for j in v.judgements]
    uw = max([len(u) for _, cells in rows for _, u in cells] + [1])

    def cell(c):
        return f"{c[0]:>10} {c[1]:<{uw}}"

    lines.append(f"  {'constraint':<16} {cell(('value', ''))}    {cell(('limit', ''))} {cell(('margin', ''))} "
                 f"{'normalised':>10}  result")
    for j, (value, limit, margin) in rows:
        op = "<=" if j.sense == "max" else ">="
        lines.append(f"  {j.name:<16} {cell(value)} {op} {cell(limit)} {cell(margin)} {j.normalised_margin:>+10.3f}  "
                     f"{'PASS' if j.passed else 'FAIL'}")
    worst = v.ranked[0]
    if not v.converged:
        failed = unconverged(metrics) or ["the loop energy balance did not close"]
        lines.append("VERDICT: NOT CONVERGED -- no verdict on this design; not converged: " + "; ".join(failed))
    elif v.feasible:
        lines.append(f"VERDICT: CLOSES -- every constraint is met; least margin: {worst.name} "
                     f"({worst.normalised_margin:+.3f})")
    else:
        lines.append(f"VERDICT: DOES NOT CLOSE -- {len(v.failed)} constraint(s) fail; limiting: {worst.name} "
                     f"(normalised margin {worst.normalised_margin:+.3f})")
        for j in v.ranked:
            if not j.passed:
                lines.append(f"  - {j.name}: {j.reason}: {j.drivers}")
    return lines


def claims_table(claims: dict, metrics: dict) -> list[str]:
    """Published values beside sunsink's: metric, claimed, sunsink, difference (in K for temperatures, whose
    percentages mean nothing; in % otherwise)."""
    given = {k: v for k, v in claims.items() if v is not None}
    if not given:
        return []
    lines = ["published claims vs sunsink:",
             f"  {'metric':<30} {'claimed':>14} {'sunsink':>14} {'difference':>12}"]
    for k, c in given.items():
        s = float(metrics[k])
        u = METRICS[k].units
        if u == "K":
            diff = f"{s - c:+.1f} K"
        else:
            diff = f"{(s - c) / abs(c) * 100:+.0f} %" if c != 0 else "n/a"
        lines.append(f"  {k:<30} {format_value(c, u):>14} {format_value(s, u):>14} {diff:>12}")
    return lines


def orbit_cases_table(cases: dict, m: dict) -> list[str]:
    """Hot and cold cases over the orbit side by side (periodic loop transients), with the coatings,
    the freeze margin and the freeze protection's sizing."""
    hot, cold = cases["hot"], cases["cold"]
    rows = [("junction max / min [K]", "junction_max_k", "junction_min_k"),
            ("coolant supply min / max [K]", "supply_min_k", "supply_max_k"),
            ("coolant return max [K]", "return_max_k", None),
            ("radiator segment min / max [K]", "radiator_lowest_k", "radiator_highest_k"),
            ("coldest coolant-wetted node [K]", "coolant_lowest_k", None)]
    out = ["hot and cold cases over the orbit (periodic lumped loop; hot: EOL coatings, perihelion, hot beta; "
           "cold: BOL coatings, aphelion, longest eclipse, payload at its minimum):",
           f"  {'':<34} {'hot':>17} {'cold':>17}"]
    for label, a, b in rows:
        def cell(c):
            return f"{c[a]:.1f}" + (f" / {c[b]:.1f}" if b else "")
        out.append(f"  {label:<34} {cell(hot):>17} {cell(cold):>17}")
    out.append(f"  {'junction swing over the orbit [K]':<34} {hot['junction_swing_k']:>17.2f} "
               f"{cold['junction_swing_k']:>17.2f}")
    out.append(f"  {'absorptivity A, B (BOL/EOL)':<34} {'%.3f, %.3f' % tuple(hot['absorptivity']):>17} "
               f"{'%.3f, %.3f' % tuple(cold['absorptivity']):>17}")
    out.append(f"  {'emissivity A, B':<34} {'%.3f, %.3f' % tuple(hot['emissivity']):>17} "
               f"{'%.3f, %.3f' % tuple(cold['emissivity']):>17}")
    out.append(f"  {'energy residual over the orbit':<34} {format_value(hot['energy_residual_j'], 'J'):>17} "
               f"{format_value(cold['energy_residual_j'], 'J'):>17}")
    steady = float(m["cold_min_coolant_k"]) - float(m["cold_freeze_point_k"])
    out.append(f"  freeze margin over the periodic cold orbit {format_value(cold['freeze_margin_k'], 'K')} (steady "
               f"cold case {format_value(steady, 'K')}); heaters {format_value(m['heater_power_w'], 'W')} installed "
               f"({format_value(cold['mean_heater_w'], 'W')} orbit mean), bypass fraction "
               f"{format_value(m['bypass_fraction'], '1')}, freeze protection "
               f"{format_value(m['freeze_protection_kg'], 'kg')}")
    return out


def _order(r) -> str:
    return "-" if math.isnan(r.order) else f"{r.order:.2f}"


def discretisation_table(chk) -> list[str]:
    """The discretisation check of a design (:class:`studies.analysis.discretisation.DiscretisationCheck`): the
    grids with their cost, then per headline quantity the configured-grid value, each family's observed order
    and error (radiator, chip), their sum against the tolerance and the extrapolated value."""
    base = chk.grids[0]
    lines = ["discretisation check (same design on refined radiator and chip grids; Richardson "
             "extrapolation, studies.analysis.discretisation):",
             "  grids: " + "; ".join(f"{g.label} radiator {g.radiator_nx}x{g.radiator_ny} chip {g.chip_nx}x{g.chip_ny} "
                                     f"{g.run_s:.2g} s ({g.run_s / max(base.run_s, 1e-12):.1f}x)"
                                     + ("" if g.converged else " NOT CONVERGED") for g in chk.grids),
             f"  {'quantity':<24} {'configured':>12} {'p rad':>6} {'err rad':>10} {'p chip':>6} {'err chip':>10} "
             f"{'error':>10} {'|bound|':>9} {'tolerance':>10} {'extrapolated':>13} {'units':<14} note"]
    for q in chk.quantities:
        note = "EXCEEDS TOLERANCE" if q.exceeded else "ok"
        flags = [f"{fam} {r.status}" for fam, r in (("radiator", q.radiator), ("chip", q.chip)) if r.flagged]
        if flags:
            note += " (" + ", ".join(flags) + ": p undefined, finest grid as the extrapolate, conservative bound)"
        if q.headline.metric is None and not chk.optimised:
            note += " (not optimised: objective at the fixed design)"
        lines.append(f"  {q.headline.name:<24} {q.value:>12.6g} {_order(q.radiator):>6} {q.radiator.error:>+10.3g} "
                     f"{_order(q.chip):>6} {q.chip.error:>+10.3g} {q.error:>+10.3g} {q.bound:>9.3g} "
                     f"{q.tolerance:>10.3g} "
                     f"{q.extrapolated:>13.6g} {display(q.units) or '-':<14} {note}")
    lines.append("  error = configured - extrapolated (radiator + chip, separable); |bound| = what is judged against "
                 "the tolerance (|error|; where a family is flagged, the sum of the families' conservative bounds); "
                 "p = observed order (2 for the FD stencils in the asymptotic range)")
    return lines


def discretisation_verdict(chk) -> list[str]:
    """One VERDICT line per headline quantity whose configured-grid error exceeds its tolerance, naming the grid
    that contributes most; one line saying that there is no estimate where a grid did not converge."""
    bad = [g.label for g in chk.grids if not g.converged]
    if bad:
        return [f"VERDICT: DISCRETISATION -- not converged on the {', '.join(bad)} grid(s): no discretisation "
                "estimate"]
    lines = []
    for q in chk.exceeded:
        u = f" {display(q.units)}" if display(q.units) else ""
        share = f" ({q.headline.tolerance_text()} of the value)" if q.headline.relative else ""
        grid = "radiator_cells_per_pitch / radiator_nx" if q.radiator.bound >= q.chip.bound \
            else "chip_nx / chip_ny"
        lines.append(f"VERDICT: DISCRETISATION -- {q.headline.name} ({q.headline.long_name}): configured-grid error "
                     f"{q.error:+.3g}{u} (bound {q.bound:.3g}{u}) exceeds its tolerance {q.tolerance:.3g}{u}{share}; "
                     f"refine [numerics] {grid}")
    return lines


def format_satellite(r: dict, claims: dict | None = None) -> str:
    """Plain-text report of one orbit's whole-satellite result."""
    m = r["metrics"]
    lines = [f"== {r['name']} ==" + ("" if r["converged"] else
                                      "  [NOT CONVERGED: " + ("; ".join(unconverged(m)) or "loop energy balance") + "]")]
    if "kkt" in r:
        k = r["kkt"]
        lines.append(f"optimizer: {r['optimizer_message']} ({len(r['history']) - 1} iterations); "
                     f"re-check: {'feasible' if k['feasible'] else 'INFEASIBLE ' + str(k['violations'])}, "
                     f"KKT residual {k['kkt_residual']:.1e}")
        lines.append("active constraints (multiplier): " + (", ".join(
            f"{c} ({k['multipliers'][c]:.3g})" for c in k["active"]) or "none"))
        lines.append("active bounds: " + (", ".join(k["active_bounds"]) or "none"))
    optimised = "history" in r
    lines.append("design" + (" (free: optimised; fixed: held at its configured value):" if optimised
                             else " (evaluated as configured, no optimisation):"))
    for v in r["variables"].variables:
        tag = "free" if optimised and not v.fixed else "fixed"
        start = r["baseline_design"][v.name]
        moved = (f"  (configured {format_value(start, v.units, digits=6)})" if optimised and not v.fixed else "")
        number, unit = _cells(r["design"][v.name], v.units, digits=6)
        lines.append(f"  {v.name:<26} {number:>12} {unit:<9} ({tag}){moved}")
    lines.append(f"mass: total {format_value(m['total_mass_kg'], 'kg')}, specific power "
                 f"{format_value(m['specific_power_w_kg'], 'W kg-1')}; "
                 + ", ".join(f"{i} {format_value(m[f'mass_{i}_kg'], 'kg')}" for i in MASS_ITEMS))
    lines.append("temperature chain [K]: " + " -> ".join(f"{lab} {float(m[k]):.1f}" for lab, k in (
        ("junction", "junction_max_k"), ("HBM", "hbm_max_k"), ("case", "case_k"), ("cold plate", "coldplate_base_k"),
        ("coolant", "chip_coolant_k"), ("radiator in", "radiator_inlet_k"), ("radiator mean", "radiator_mean_k"),
        ("radiator out", "radiator_outlet_k"))))
    if "level0" in r:
        lines.append(r["level0"])
    groups = {g: [(q.long_name, m[n], q.units) for n, q in METRICS.items()
                  if q.group == g and not n.startswith("mass_")] for g in report_groups()}
    service = [(SERVICE_METRICS[k].long_name, v, SERVICE_METRICS[k].units) for k, v in r.get("service", {}).items()]
    width = min(REPORT_LABEL_WIDTH, max(len(label) for label, _, _ in
                                        [*service, *(row for rows in groups.values() for row in rows)]))
    for group, rows in groups.items():
        lines.append(f"{GROUP_TITLES.get(group, group)}:")
        lines.extend(_quantity_lines(rows, width))
    if "power_budget" in r:
        for phase in ("sunlit", "eclipse"):
            lines.append(f"power budget, {phase}:")
            lines.extend("  " + ln for ln in power.budget_table(r["power_budget"][phase]).splitlines())
    if "orbit_cases" in r:
        lines.extend(orbit_cases_table(r["orbit_cases"], m))
    if "thickness_design" in r:
        td = r["thickness_design"]
        state = "converged" if td["success"] else f"NOT converged ({td['message']}): not a design answer"
        lines.append(f"thickness design of one radiator panel ({td['n_vars']} zones, SLSQP with adjoint gradients, "
                     f"{state}):")
        lines.append(f"  sheet mass {format_value(td['mass_kg'], 'kg')} vs "
                     f"{format_value(td['reference_mass_kg'], 'kg')} uniform ({100 * td['mass_saving']:.1f} % less) at "
                     f"{format_value(td['heat_rejected_w'], 'W')} "
                     f"(required {format_value(td['heat_required_w'], 'W')}), KS max "
                     f"{format_value(td['ks_temperature_k'], 'K')} (limit "
                     f"{format_value(td['max_temperature_limit_k'], 'K')}), KKT {td['kkt_residual']:.1e}")
        lines.append(f"  {td['n_gradients']} gradients, each one forward and two adjoint solves (finite differences: "
                     f"{td['n_vars'] + 1} solves each)")
    if "uncertainty" in r:
        lines.append("uncertainty at this design (declared input distributions, studies.analysis.uncertainty):")
        lines.extend("  " + ln for ln in format_uncertainty(
            r["uncertainty"], metrics=["total_mass_kg", "cost_per_kw_year_usd",
                                       "service_cost_per_delivered_kw_year_usd"]).splitlines())
    if "service" in r:
        lines.append("compute in service (hardware failures, spares, SEE availability, TID life):")
        lines.extend(_quantity_lines(service, width))
    if "life" in r:
        life = r["life"]
        lines.append(life_line(life, float(r["mission"].life_years)))
    if "constellation" in r:
        lines.append(_constellation_line(r["constellation"]))
    if "sensitivities" in r:
        lines.append("top sensitivities (elasticity of the objective, d ln objective / d ln input; physical "
                     "continuous inputs):")
        obj = float(m["objective"])
        values = parameter_values(r["design_obj"], r["mission"])
        units = {label: u for label, _, u in parameters(r["design_obj"], r["mission"])}
        el = {n: g * values[n] / obj for n, g in r["sensitivities"].items()}
        for n in sorted(el, key=lambda n: -abs(el[n]))[:8]:
            label = n + (f" [{units[n]}]" if display(units[n]) else "")
            lines.append(f"  {label:<56} {el[n]:+.3f}   (at {format_value(values[n], units[n])})")
    if claims:
        lines.extend(claims_table(claims, m))
    for note in judgement_notes(m, r["mission"]) if "mission" in r else []:
        lines.append(f"NOTE: {note}")
    if "discretisation" in r:
        lines.extend(discretisation_table(r["discretisation"]))
    lines.append("constraints:")
    lines.extend(constraint_table(m))
    if "discretisation" in r:
        lines.extend(discretisation_verdict(r["discretisation"]))
    return "\n".join(lines)


def life_line(life: dict, mission_years: float) -> str:
    """Mission life per subsystem in words: meets the full life, fails at any life, or the years it lasts
    against the mission's (:func:`studies.analysis.life.life_limits`)."""
    parts = []
    for name in ("tid", "power", "battery"):
        y, status = life[name], life["status"][name]
        label = "TID" if name == "tid" else name
        if status == "full":
            parts.append(f"{label} meets the full life (no failure within {format_value(y, 'yr')})")
        elif status == "none":
            parts.append(f"{label} fails at any life (already at {format_value(y, 'yr')})")
        else:
            parts.append(f"{label} {format_value(y, 'yr')} ({'meets' if y >= mission_years else 'short of'} the "
                         f"{format_value(mission_years, 'yr')} mission)")
    return f"life: {'; '.join(parts)} -> limited by {life['limiting']}"


def _constellation_line(c: dict) -> str:
    be = float(c["break_even_launch_usd_per_kg"])
    if be > 0:
        verdict_text = f"break-even at a launch price of {format_value(be, 'USD kg-1')}"
    else:  # the satellites' manufacturing alone costs more than the ground
        build = float(c["manufacturing_cost_usd"])
        kw_years = (float(c["launch_cost_usd"]) + build) / float(c["space_usd_per_kw_year"])
        verdict_text = ("no break-even at any launch price: manufacturing alone costs "
                        f"{format_value(build / kw_years, 'USD kW-1 yr-1')}")
    return (f"constellation: {c['n_satellites']:,} satellites, {c['total_mass_kg'] / 1e6:,.1f} kt, "
            f"{c['n_launches']:,} launches; {format_value(c['space_usd_per_kw_year'], 'USD kW-1 yr-1')} in space vs "
            f"{format_value(c['terrestrial_usd_per_kw_year'], 'USD kW-1 yr-1')} on the ground; {verdict_text}")


README_MARKERS = ("<!-- config-reference:start -->", "<!-- config-reference:end -->")
"""The markers around the generated configuration reference in a Markdown file."""


def _default_text(f) -> str:
    d = f.default
    if d is None:
        return "(unset)"
    if isinstance(d, bool):
        return "true" if d else "false"
    if isinstance(d, (tuple, list)):
        return "[" + ", ".join(f"{x:g}" if isinstance(x, float) else repr(x) for x in d) + "]"
    if isinstance(d, float):
        return f"{d:g}"
    return str(d) if d != "" else '""'


LISTING_WIDTH = 120
"""Columns of ``sunsink config --list`` (a 120-column terminal); ``--wide`` prints one line per key."""

_LISTING_HEAD = ("key", "type", "units", "default", "allowed", "meaning [source of the default]")


def _wrapped_row(cells: Sequence[str], widths: Sequence[int]) -> list[str]:
    """One table row whose cells wrap inside their columns (``widths``; the last column unpadded)."""
    parts = [textwrap.wrap(c, w, break_on_hyphens=False) or [""] for c, w in zip(cells, widths)]
    lines = []
    for i in range(max(len(p) for p in parts)):
        cols = [p[i] if i < len(p) else "" for p in parts]
        lines.append("  ".join(c.ljust(w) for c, w in zip(cols[:-1], widths[:-1])) + "  " + cols[-1])
    return [ln.rstrip() for ln in lines]


def config_listing(markdown: bool = False, wide: bool = False, width: int = LISTING_WIDTH) -> str:
    """Every configurable key: section.key, type, units, default, allowed range, description, source.

    Plain text is a table with a header: each key's line (key, type, units, default, allowed; the last
    two wrap inside their columns) fits ``width`` columns, and its meaning and the source of its
    default follow, indented and wrapped to ``width``.  ``wide``: one line per key, columns aligned.
    ``markdown``: the table of docs/config-reference.md."""
    rows = []
    for path, key in walk_schema(SCHEMA):
        q = key.quantity
        rng = range_text(q) if (q.kind in ("float", "int", "float_list", "bool") or q.choices) else ""
        rows.append((key_text(path).replace("[0]", "[]"), q.kind, q.units if q.units != "1" else "-",
                     "(required)" if key.default is REQUIRED else _default_text(key), rng, q.long_name, q.source))
    if markdown:
        out = ["| key | type | units | default | allowed | meaning | source of the default |",
               "| --- | --- | --- | --- | --- | --- | --- |"]
        for r in rows:
            out.append("| " + " | ".join(f"`{r[0]}`" if i == 0 else (x.replace("|", "/") or "") for i, x in
                                         enumerate(r)) + " |")
        return "\n".join(out)
    cells = [r[:5] + (r[5] + (f" [{r[6]}]" if r[6] else ""),) for r in rows]
    if wide:
        widths = [max(len(c[i]) for c in [_LISTING_HEAD, *cells]) for i in range(5)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(row[:5], widths)) + "  " + row[5]
                 for row in [_LISTING_HEAD, *cells]]
        return "\n".join([lines[0], "-" * len(lines[0])] + lines[1:])
    fixed = [max(len(c[i]) for c in [_LISTING_HEAD, *cells]) for i in range(3)] + [14]
    widths = fixed + [max(20, width - sum(fixed) - 2 * len(fixed))]
    indent = " " * 4
    lines = _wrapped_row(_LISTING_HEAD[:5], widths) + [indent + _LISTING_HEAD[5], "-" * width]
    for row in cells:
        lines += _wrapped_row(row[:5], widths)
        lines += textwrap.wrap(row[5], width, initial_indent=indent, subsequent_indent=indent,
                               break_on_hyphens=False)
    return "\n".join(lines)


def _g(v: float) -> str:
    """A number of a table whose units are printed once, in their own column: formatted as
    :func:`studies.units.format_value` formats a number."""
    return format_value(v, "1")


def format_uncertainty(result: UncertaintyResult, metrics: Sequence[str] | None = None,
                       tornado_metric: str = "total_mass_kg", n_tornado: int = 8, sobol_floor: float = 0.01) -> str:
    """Plain-text report: inputs, skipped keys, output statistics (P5/P50/P95), feasibility,
    the tornado ranking of one metric and the Sobol indices when computed."""
    lines = [f"uncertainty: {result.n_samples} samples ({result.method}, seed {result.seed}), "
             f"{len(result.targets)} uncertain inputs"]
    lines.append(f"  {'input':<44} {'distribution':<30} {'nominal':>11} {'P5':>11} {'P95':>11}  units")
    for i, t in enumerate(result.targets):
        for key, nom, (lo, hi) in zip(t.entry.keys, t.nominal, t.values(result.tornado_inputs[i])):
            lines.append(f"  {key:<44} {t.entry.describe():<30} {_g(nom):>11} {_g(float(lo)):>11} {_g(float(hi)):>11}"
                         f"  {display(t.units)}".rstrip())
    for key, why in result.skipped:
        lines.append(f"  skipped {key}: {why}")
    names = [m for m in (metrics or REPORT_METRICS) if m in result.stats]
    names += sorted(k for k in result.stats if k.startswith("g_") and (metrics is None))
    lines.append("")
    lines.append(f"  {'metric':<46} {'nominal':>11} {'mean':>11} {'std':>10} {'P5':>11} {'P50':>11} {'P95':>11}  units")
    for k in names:
        s = result.stats[k]
        p5, p50, p95 = s["quantiles"]
        extra = f"  ({s['n_nonfinite']} non-finite)" if s["n_nonfinite"] else ""
        lines.append(f"  {k:<46} {_g(result.nominal.get(k, math.nan)):>11} {_g(s['mean']):>11} {_g(s['std']):>10} "
                     f"{_g(p5):>11} {_g(p50):>11} {_g(p95):>11}  {display(result.units.get(k, '1'))}{extra}".rstrip())
    lines.append(f"  P(every constraint met, converged) = {result.feasible_fraction:.3f}; "
                 f"converged {result.converged_fraction:.3f}")
    bad = int(round((1.0 - result.converged_fraction) * result.n_samples))
    if bad:
        lines.append(f"  WARNING: {bad} of {result.n_samples} samples did not converge; they are excluded from the "
                     "statistics above (their inputs are in the archive)")
    if result.tornado and tornado_metric in result.tornado:
        v = result.tornado[tornado_metric]
        base = result.nominal[tornado_metric]
        order = np.argsort(-np.abs(v[:, 1] - v[:, 0]))
        lines.append("")
        nominal = format_value(base, result.units.get(tornado_metric, "1"))
        lines.append(f"  tornado of {tornado_metric} (nominal {nominal}; each input at its P5 / P95, the others "
                     "nominal)")
        for i in order[:n_tornado]:
            lines.append(f"    {result.targets[i].key:<44} {_g(v[i, 0] - base):>11} {_g(v[i, 1] - base):>11}")
    if result.sobol:
        lines.append("")
        lines.append(f"  Sobol indices (first order S1, total ST, +- 95 % bootstrap; inputs with ST >= {sobol_floor:g})")
        for k, s in result.sobol.items():
            if k not in names or not np.any(s["ST"] >= sobol_floor):
                continue
            lines.append(f"    {k}")
            order = [i for i in np.argsort(-s["ST"]) if s["ST"][i] >= sobol_floor]
            for i in order:
                lines.append(f"      {result.targets[i].key:<44} S1 {s['S1'][i]:6.3f} +- {s['S1_conf'][i]:.3f}   "
                             f"ST {s['ST'][i]:6.3f} +- {s['ST_conf'][i]:.3f}")
    return "\n".join(lines)


def _choice_text(choices: dict) -> str:
    return ", ".join(f"{k.split('.')[-1]} = {'default' if v is None else v}" for k, v in choices.items()) or "none open"


def format_audit(name: str, audit: dict, would_take: dict | None, claims: dict) -> str:
    """Plain-text report of ``sunsink audit`` for one orbit: what the publication states and what was
    sized, the verdict as published, every alternative tried, the verdict on the best design consistent
    with the publication, and what it would take to close at the claimed mass."""
    lines = [f"== audit: {name} =="]
    lines.append("published (held): " + (", ".join(audit["published"]) or "nothing"))
    lines.append("sized for minimum mass (not published): " + (", ".join(audit["sized"]) or "nothing"))
    lines.append(f"held at sunsink's defaults (not published): {len(audit['held_defaults'])} inputs "
                 "(sunsink config --list)")
    a0 = audit["as_published"]
    lines.append(f"as published (sunsink's defaults held): {format_value(a0.mass_kg, 'kg')}, "
                 + _verdict_text(a0.verdict))
    lines.append("alternatives (open choices, each sized for minimum mass):")
    lines.append(f"  {'choices':<58} {'mass':>10}  verdict")
    for a in audit["alternatives"]:
        lines.append(f"  {_choice_text(a.choices):<58} {format_value(a.mass_kg, 'kg'):>10}  {_verdict_text(a.verdict)}")
    best = audit["best"]
    claim = claims.get("total_mass_kg")
    lines.append(f"best design consistent with the publication ({_choice_text(best.choices)}): "
                 f"{format_value(best.mass_kg, 'kg')}" + (f" against the claimed {format_value(claim, 'kg')}"
                                                         if claim else ""))
    for h in judgement_notes(best.metrics, best.mission):
        lines.append(f"  NOTE: {h}")
    lines.extend(constraint_table(best.metrics))
    if would_take is not None:
        target = (f"at the claimed {format_value(claim, 'kg')}" if would_take["claimed_mass_kg"] is not None
                  else "at any mass")
        lines.append(f"what it would take to close {target} (each technology input alone, then together; "
                     "least change in log space, the unpublished design re-sized):")
        lines.append(f"  {'input (config key)':<62} {'from':>14} {'needed':>14} {'change':>9}  result")
        ranked = sorted(would_take["alone"].items(),
                        key=lambda kv: (not kv[1]["closes"], abs(next(iter(kv[1]["relative_change"].values())))))
        for label, row in ranked:
            key, was = next(iter(row["from"].items()))
            units = _input_units(key)
            change = next(iter(row["relative_change"].values()))
            name = f"{label} ({key}{', ...' if len(row['from']) > 1 else ''})"
            if row["closes"]:
                lines.append(f"  {name:<62} {format_value(was, units):>14} {format_value(row['values'][key], units):>14} "
                             f"{change:>+9.1%}  closes at {format_value(row['mass_kg'], 'kg')}")
            else:
                result = "no answer: " + row["failed"] if row.get("failed") else "cannot close alone"
                lines.append(f"  {name:<62} {format_value(was, units):>14} {'':>14} {'':>9}  {result}")
        j = would_take["joint"]
        moved = ", ".join(f"{label} {c:+.1%}" for label, c in j["relative_change"].items() if abs(c) > 1e-4)
        lines.append(f"  together (least-norm change in log space, norm {j['norm']:.3f}): "
                     + (f"{moved} -> closes at {format_value(j['mass_kg'], 'kg')}" if j["closes"]
                        else "no answer: " + j["failed"] if j.get("failed")
                        else "cannot close even together within the inputs' declared ranges"))
    return "\n".join(lines)


def _verdict_text(v) -> str:
    if not v.converged:
        return "NOT CONVERGED"
    worst = v.ranked[0]
    return (f"CLOSES (least margin {worst.name} {worst.normalised_margin:+.3f})" if v.feasible
            else f"DOES NOT CLOSE (limiting {worst.name} {worst.normalised_margin:+.3f}; fails {', '.join(v.failed)})")


def _input_units(key: str) -> str:
    return mission_inputs()[key][1].units
