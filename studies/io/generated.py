"""Generated blocks of the documentation: text between two HTML-comment markers, rewritten by the tool.

The configuration reference, the published-designs table and the flown-radiator validation table are
written by the tool between their markers (:func:`replace_between`); tests render them again and compare,
so no result in the documentation is copied by hand.
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["block_between", "replaced_text", "replace_between"]


def _span(text: str, markers: tuple[str, str], path) -> tuple[int, int]:
    start, end = markers
    i, j = text.find(start), text.find(end)
    if i < 0 or j < i:
        raise ValueError(f"{path}: the markers {start!r} and {end!r} (in this order) are not in the file; "
                         "add them where the generated text belongs")
    return i + len(start), j


def block_between(path, markers: tuple[str, str]) -> str:
    """The text between ``markers`` in ``path``, without the newlines next to the markers."""
    text = Path(path).read_text(encoding="utf-8")
    i, j = _span(text, markers, path)
    return text[i:j].strip("\n")


def replaced_text(path, markers: tuple[str, str], body: str) -> str:
    """The text of ``path`` with ``body`` between ``markers`` (nothing written)."""
    text = Path(path).read_text(encoding="utf-8")
    i, j = _span(text, markers, path)
    return text[:i] + "\n" + body.strip("\n") + "\n" + text[j:]


def replace_between(path, markers: tuple[str, str], body: str) -> None:
    """Rewrite the text between ``markers`` in ``path`` with ``body`` (atomically: a temporary file in the
    same folder, then a rename, so an interrupted write leaves the old file).  The CLI's verbs instead
    write :func:`replaced_text` through :func:`studies.archive.stage_file`, committed with their other
    outputs."""
    p = Path(path)
    new = replaced_text(p, markers, body)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(new, encoding="utf-8")
        tmp.replace(p)
    finally:
        tmp.unlink(missing_ok=True)
