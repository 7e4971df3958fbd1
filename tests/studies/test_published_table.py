"""The published-designs table (studies.io.published): docs/published-designs.md holds exactly what the
committed audit summaries render, every design in studies/designs/ has its summary, and each summary belongs to
the design config as it stands (its name, orbits, claims and published keys).  The generator writes only
between its markers, and a 'what it would take' whose solve failed reads as no answer."""

import json
from pathlib import Path

import pytest

from studies.config import load_config
from studies.io import published
from studies.io.generated import block_between, replace_between

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "published-designs.md"
SUMMARIES = ROOT / "docs" / "generated"
DESIGNS = sorted((ROOT / "studies" / "designs").glob("*.toml"))


def test_every_published_design_has_its_audit_summary():
    """A design added to studies/designs/ without its audit summary (or a summary left for a removed
    design) fails here: the table would silently miss it."""
    assert DESIGNS, "no published designs found"
    assert sorted(p.stem for p in DESIGNS) == sorted(p.stem for p in SUMMARIES.glob("*.json"))


def test_docs_table_is_what_the_committed_summaries_render():
    """No number in the published-designs table is copied by hand: the table between the markers is the
    rendering of the summaries `sunsink audit --summary` wrote (regenerate with `python -m studies.io.published`)."""
    rendered = published.render(published.load(SUMMARIES.glob("*.json")))
    assert block_between(DOC, published.MARKERS) == rendered, (
        "docs/published-designs.md differs from the audit summaries: run "
        "`python -m studies.io.published docs/published-designs.md docs/generated/*.json`")


@pytest.mark.parametrize("design", DESIGNS, ids=lambda p: p.stem)
def test_summary_belongs_to_the_design_as_it_stands(design):
    """A design config edited after its audit (a claim, an orbit, what it publishes) makes its summary
    stale: the audit must be run again."""
    cfg, _ = load_config(design)
    rows = json.loads((SUMMARIES / f"{design.stem}.json").read_text())
    assert [r["orbit"] for r in rows] == [o.name for o in cfg.orbits]
    claims = {k: float(v) for k, v in dict(cfg.claims).items() if v is not None}
    for r in rows:
        assert r["config"] == cfg.study.name
        assert r["published"] == sorted(cfg.published.stated)
        assert r["claims"] == pytest.approx(claims, rel=1e-12)
        assert {a["mass_kg"] for a in r["alternatives"]} >= {r["best"]["mass_kg"]}



def test_render_and_replace_round_trip(tmp_path):
    """The generator writes only between the markers and writes what render gives."""
    doc = tmp_path / "doc.md"
    doc.write_text(f"before\n{published.MARKERS[0]}\nold\n{published.MARKERS[1]}\nafter\n")
    replace_between(doc, published.MARKERS, "new table")
    assert doc.read_text() == f"before\n{published.MARKERS[0]}\nnew table\n{published.MARKERS[1]}\nafter\n"


def test_a_failed_solve_is_no_answer_not_cannot_close():
    """'What it would take' whose solve failed says it has no answer; 'cannot close' is kept for a solve
    that ran and found none."""
    row = {"closes": False, "from": {"a": 1.0}, "values": {}, "relative_change": {"payload": float("nan")}}
    ok = {"closes": True, "from": {"b": 1.0}, "values": {"b": 2.0}, "relative_change": {"array": 1.0}, "failed": None}
    s = {"would_take": {"alone": {"payload": dict(row, failed="solve failed: not finite"), "array": ok},
                        "joint": {"closes": False, "relative_change": {}, "norm": float("nan"),
                                  "failed": "solve failed: not finite"}}}
    text = published._would_take_text(s)
    assert text.startswith("array +100% alone") and "no answer for the joint change" in text
    assert "no answer for payload alone" in text and "cannot close" not in text
    s["would_take"]["joint"]["failed"] = None
    assert "cannot close even with every input together" in published._would_take_text(s)
