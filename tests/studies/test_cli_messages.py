"""Messages a user can act on, and reports that read right (issue 30 items 7 and 8).

Item 7: an unknown key names the closest allowed one; an empty, non-UTF-8 or looping config names its file
and says what is wrong with it; ``report --out FILE`` is refused in one line before any work.  (The physical
ranges of design reference scales and claims are tested with the schema, tests/studies/test_schema.py.)
Item 8: ``config --list`` is a table with a header that fits 120 columns (``--wide``: one line per key);
no dimensionless number is followed by a unit ``1``; ``<=``/``>=`` are set apart from their numbers; the
level-0 table prints every orbit name in full.

Every report here is fed synthetic numbers: the formatting is under test, not the model.
"""
import copy
import math
import re
import tomllib
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

from studies.cli import main
from studies.config import ConfigError, parse_config

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "studies" / "baseline_150kw.toml"
GOLDEN = ROOT / "tests" / "golden" / "small_satellite.h5"
CONFIG = BASELINE.read_text()

STRAY_ONE = re.compile(r"\d 1(?=[\s)])|\d +1$")
"""A number followed by a unit "1" (``5717 1`` reads as 57171), or a units column that says ``1``."""


def _error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("sunsink: error: "), err
    return err[0]


@pytest.fixture()
def base():
    return tomllib.loads(BASELINE.read_text())


# --------------------------------------------------------------------------------------------------
# item 7: messages a user can act on
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("edit, suggestion", [
    (lambda d: d["mission"].__setitem__("payload_powr_w", 1e5), "'mission.payload_power_w'"),
    (lambda d: d.__setitem__("missoin", {"payload_power_w": 1e5}), "'mission'"),
    (lambda d: d.setdefault("design", {}).__setitem__("radiator_aera_m2", {"value": 100.0}),
     "'design.radiator_area_m2'"),
    (lambda d: d.setdefault("design", {}).__setitem__("radiator_area_m2", {"rfe": 100.0}),
     "'design.radiator_area_m2.ref'"),
    (lambda d: d["orbits"][0].__setitem__("altitde_m", 7e5), "'orbits[0].altitude_m'"),
    (lambda d: d.__setitem__("claims", {"total_mass_kgg": 1e3}), "'claims.total_mass_kg'"),
])
def test_unknown_key_says_which_key_was_meant(base, edit, suggestion):
    d = copy.deepcopy(base)
    edit(d)
    with pytest.raises(ConfigError) as exc:
        parse_config(d)
    assert str(exc.value).startswith("unknown key ") and str(exc.value).endswith(f"; did you mean {suggestion}?")


def test_unknown_key_without_a_close_one_gets_no_guess(base):
    base["mission"]["zzzz"] = 1
    with pytest.raises(ConfigError, match=r"unknown key 'mission\.zzzz' in mission; allowed keys: \[") as exc:
        parse_config(base)
    assert "did you mean" not in str(exc.value)


def test_typo_on_the_command_line_is_one_line_with_the_file_and_the_suggestion(tmp_path, capsys):
    cfg = tmp_path / "typo.toml"
    cfg.write_text(CONFIG.replace("payload_power_w", "payload_powr_w"))
    assert main(["check", str(cfg)]) == 2
    line = _error_line(capsys)
    assert str(cfg) in line and line.endswith("; did you mean 'mission.payload_power_w'?")


@pytest.mark.parametrize("text", ["", "# only a comment\n\n"])
def test_empty_config_names_the_file(tmp_path, capsys, text):
    cfg = tmp_path / "empty.toml"
    cfg.write_text(text)
    assert main(["run", str(cfg), "--out", str(tmp_path / "out")]) == 2
    line = _error_line(capsys)
    assert str(cfg) in line and "holds no settings" in line and "[study]" in line
    assert not (tmp_path / "out").exists()


def test_a_validation_error_names_the_file(tmp_path, capsys):
    cfg = tmp_path / "nostudy.toml"
    cfg.write_text(re.sub(r"\[study\]\n(?:\w.*\n)*", "", CONFIG))     # the [study] table and its keys
    assert main(["check", str(cfg)]) == 2
    assert _error_line(capsys) == f"sunsink: error: {cfg}: missing required table [study]"


@pytest.mark.parametrize("encoding, found", [("utf-16", "UTF-16 byte-order mark"), ("utf-32", "UTF-32 byte-order mark"),
                                             ("latin-1", "byte 0xe9 at offset")])
def test_config_that_is_not_utf8_says_so(tmp_path, capsys, encoding, found):
    cfg = tmp_path / "wide.toml"
    cfg.write_bytes((CONFIG + '# résumé\n').encode(encoding))
    assert main(["check", str(cfg)]) == 2
    line = _error_line(capsys)
    assert f"config file {str(cfg)!r} is not UTF-8 text" in line and found in line and "TOML files are UTF-8" in line
    assert "codec" not in line


def test_utf8_with_a_byte_order_mark_is_read(tmp_path):
    from studies.config import load_config

    path = tmp_path / "bom.toml"
    path.write_bytes(CONFIG.encode("utf-8-sig"))
    cfg, text = load_config(path)
    assert cfg.study.name == "baseline_150kw" and text.startswith("\ufeff")


def test_symbolic_link_loop_and_dangling_link(tmp_path, capsys):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.symlink_to(b)
    b.symlink_to(a)
    assert main(["check", str(a)]) == 2
    assert _error_line(capsys) == f"sunsink: error: config file {str(a)!r} is a symbolic-link loop"
    c = tmp_path / "c.toml"
    c.symlink_to(tmp_path / "gone.toml")
    assert main(["check", str(c)]) == 2
    line = _error_line(capsys)
    assert "is a symbolic link to" in line and "which does not exist" in line


def test_report_out_that_is_a_file_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    from studies import commands

    def no_work(*args, **kw):
        raise AssertionError("the figures were started before --out was checked")

    monkeypatch.setattr(commands, "make_figures", no_work)
    f = tmp_path / "afile.txt"
    f.write_text("keep me")
    assert main(["report", str(GOLDEN), "--out", str(f)]) == 2
    assert _error_line(capsys) == f"sunsink: error: --out {str(f)!r} is a file, not a directory"
    assert main(["report", str(tmp_path / "missing.h5"), "--out", str(f)]) == 2   # --out is checked first
    assert "--out" in _error_line(capsys)
    assert main(["report", str(GOLDEN), "--out", str(f / "sub")]) == 2
    assert "cannot be used" in _error_line(capsys)
    assert f.read_text() == "keep me"
