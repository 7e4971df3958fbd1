"""The published-designs table of the documentation, generated from what ``sunsink audit`` writes.

``sunsink audit CONFIG --summary FILE.json`` writes, per orbit of a published design, the numbers the
table quotes: the claim, the verdict as published (sunsink's defaults held), the audit's best design
(open choices, mass, verdict, limiting constraint in physical terms) and what it would take to close at
the claim.  :func:`render` turns those summaries into the Markdown table; :func:`update` writes it
between the markers of ``docs/published-designs.md``.  A test re-renders the committed summaries and
compares, so no number in the table is copied by hand.

Regenerate::

    for f in studies/designs/*.toml; do
        sunsink audit "$f" --summary "docs/generated/$(basename "$f" .toml).json"
    done
    python -m studies.io.published docs/published-designs.md docs/generated/*.json
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ..units import format_value
from .generated import replace_between

__all__ = ["MARKERS", "summary", "render", "update", "main"]

MARKERS = ("<!-- published-designs:start -->", "<!-- published-designs:end -->")


def _verdict_row(alt) -> dict:
    v = alt.verdict
    worst = v.ranked[0]
    return {"mass_kg": alt.mass_kg, "closes": bool(alt.closes), "converged": bool(v.converged),
            "failed": list(v.failed), "limiting": worst.name, "limiting_margin": worst.normalised_margin,
            "limiting_value": worst.value, "limiting_limit": worst.limit, "limiting_units": worst.units,
            "choices": {k: (None if c is None else str(c)) for k, c in alt.choices.items()}}


def summary(config_name: str, description: str, orbit: str, claims: dict, audit: dict, would_take) -> dict:
    """The numbers the published-designs table quotes for one orbit of one design (JSON-ready)."""
    out = {"config": config_name, "description": description, "orbit": orbit,
           "claims": {k: float(v) for k, v in claims.items() if v is not None},
           "published": audit["published"], "sized": audit["sized"],
           "as_published": _verdict_row(audit["as_published"]), "best": _verdict_row(audit["best"]),
           "alternatives": [_verdict_row(a) for a in audit["alternatives"]]}
    if would_take is not None:
        out["would_take"] = {
            "claimed_mass_kg": would_take["claimed_mass_kg"],
            "alone": {label: {"closes": r["closes"], "from": r["from"], "values": r["values"],
                              "relative_change": r["relative_change"], "failed": r.get("failed")}
                      for label, r in would_take["alone"].items()},
            "joint": {"closes": would_take["joint"]["closes"], "relative_change": would_take["joint"]["relative_change"],
                      "norm": would_take["joint"]["norm"], "failed": would_take["joint"].get("failed")}}
    return out


def _verdict_text(row: dict) -> str:
    if not row["converged"]:
        return "not converged"
    lim = (f"{row['limiting']} {format_value(row['limiting_value'], row['limiting_units'])} vs "
           f"{format_value(row['limiting_limit'], row['limiting_units'])}")
    return f"closes (least margin: {lim})" if row["closes"] else f"does not close: {', '.join(row['failed'])} (limiting: {lim})"


def _would_take_text(s: dict) -> str:
    wt = s.get("would_take")
    if wt is None:
        return ("nothing: it closes at its claim" if s.get("claims", {}).get("total_mass_kg") is not None
                else "nothing: it closes (no mass claimed)")
    alone = [(label, r) for label, r in wt["alone"].items() if r["closes"]]
    alone.sort(key=lambda kv: abs(next(iter(kv[1]["relative_change"].values()))))
    parts = [f"{label} {next(iter(r['relative_change'].values())):+.0%} alone" for label, r in alone[:3]]
    j = wt["joint"]
    moved = ", ".join(f"{label} {c:+.0%}" for label, c in sorted(j["relative_change"].items(), key=lambda kv: -abs(kv[1]))
                      if abs(c) >= 0.005)
    joint = (f"together: {moved}" if j["closes"] else "no answer for the joint change (its solve failed)"
             if j.get("failed") else "cannot close even with every input together")
    failed = [label for label, r in wt["alone"].items() if r.get("failed")]
    if failed:
        joint += f"; no answer for {', '.join(failed)} alone (solve failed)"
    return "; ".join(parts + [joint]) if parts else f"no input alone; {joint}"


def render(summaries: list[dict]) -> str:
    """The Markdown table of the published designs (one row per design and orbit)."""
    lines = ["| design (config) | claimed mass | as published (sunsink's defaults held) | audited: open choices sized "
             "| audited verdict | what it would take to close at the claim |",
             "| --- | --- | --- | --- | --- | --- |"]
    for s in summaries:
        claim = s["claims"].get("total_mass_kg")
        a0, best = s["as_published"], s["best"]
        choices = ", ".join(f"{k.split('.')[-1]} {'default' if v is None else v}" for k, v in best["choices"].items())
        lines.append(
            f"| {s['description']} (`{s['config']}.toml`) "
            f"| {format_value(claim, 'kg') if claim is not None else '-'} "
            f"| {format_value(a0['mass_kg'], 'kg')}: {_verdict_text(a0)} "
            f"| {format_value(best['mass_kg'], 'kg')}" + (f" ({choices})" if choices else "") +
            f"; sized: {', '.join(s['sized']) or 'nothing'} "
            f"| {_verdict_text(best)} "
            f"| {_would_take_text(s)} |")
    return "\n".join(lines)


def update(path, summaries: list[dict]) -> None:
    """Rewrite the table between :data:`MARKERS` in ``path``."""
    replace_between(path, MARKERS, render(summaries))


def load(paths) -> list[dict]:
    """The summaries written by ``sunsink audit --summary`` (each file a list of orbits), in order."""
    out = []
    for path in sorted(paths):
        out.extend(json.loads(Path(path).read_text()))
    return out


def main(argv=None) -> int:
    """``python -m studies.io.published DOC.md SUMMARY.json ...``: rewrite the table in DOC.md."""
    argv = sys.argv[1:] if argv is None else argv
    update(argv[0], load(argv[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
