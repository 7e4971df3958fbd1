"""The published-designs table's generator (studies.io.published): it writes only between its markers, and a
'what it would take' whose solve failed reads as no answer.  (The test that renders the committed audit
summaries again and compares them with docs/published-designs.md comes with the summaries: issue 28.)"""

from studies.io import published
from studies.io.generated import replace_between



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
