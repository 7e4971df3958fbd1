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


# --------------------------------------------------------------------------------------------------
# item 8: output formatting
# --------------------------------------------------------------------------------------------------

def _listing(capsys, *flags) -> list[str]:
    assert main(["config", *flags]) == 0
    return capsys.readouterr().out.splitlines()


def test_config_list_is_a_table_that_fits_120_columns(capsys):
    from studies.config import SCHEMA, key_text, walk_schema

    lines = _listing(capsys, "--list")
    assert max(len(ln) for ln in lines) <= 120
    head = lines[0]
    assert head.split() == ["key", "type", "units", "default", "allowed"]
    cols = [head.index(w) for w in ("type", "units", "default", "allowed")]
    keys = {key_text(p).replace("[0]", "[]") for p, _ in walk_schema(SCHEMA)}
    rows = [ln for ln in lines if ln.split(" ", 1)[0] in keys]
    assert len(rows) == len(keys)
    for ln in rows:   # every key's line: its type, units and default start under their headers
        for c in cols[:3]:
            assert ln[c - 1] == " " and ln[c] != " ", (ln, c)
    wrapped = [ln for ln in lines if ln.startswith(" " * cols[3]) and ln.strip()]
    assert wrapped and all(not ln[:cols[3]].strip() for ln in wrapped)    # a long range wraps in its column
    coating = lines.index(next(ln for ln in rows if ln.startswith("radiator.face_a.coating ")))
    assert "'none']" in lines[coating + 1] + lines[coating + 2]
    power = lines.index(next(ln for ln in rows if ln.startswith("mission.payload_power_w ")))
    assert lines[power + 1].startswith("    payload (compute) electrical power")    # its meaning, indented


def test_config_list_wide_is_one_aligned_line_per_key(capsys):
    from studies.config import SCHEMA, walk_schema

    lines = _listing(capsys, "--wide")
    assert lines[0].split()[:5] == ["key", "type", "units", "default", "allowed"] and set(lines[1]) == {"-"}
    assert len(lines) == 2 + sum(1 for _ in walk_schema(SCHEMA))
    col = lines[0].index("allowed")
    assert all(ln[col - 2:col] == "  " for ln in lines[2:])
    assert max(len(ln) for ln in lines) > 120


def _metrics() -> dict:
    """Synthetic metrics: every dimensionless one a four-digit number (``5717 1`` would read as 57171)."""
    from studies.model import METRICS

    m = {n: 5717.0 if q.units == "1" else 300.0 for n, q in METRICS.items()}
    m.update({n: 1.0 for n, q in METRICS.items() if q.group == "convergence"})
    m.update({n: 0.1 for n in METRICS if n.startswith("g_")})
    m.update(array_eol_w=5.3e8, array_required_w=4.4872e8, total_mass_kg=12345.0)
    return m


def _satellite_result() -> dict:
    from studies.model import variable_set

    vs = variable_set({})
    design = {v.name: 5717.0 if v.units == "1" else v.default for v in vs.variables}
    cases = {c: {"junction_max_k": 350.0, "junction_min_k": 340.0, "supply_min_k": 300.0, "supply_max_k": 310.0,
                 "return_max_k": 320.0, "radiator_lowest_k": 280.0, "radiator_highest_k": 330.0,
                 "coolant_lowest_k": 275.0, "junction_swing_k": 10.0, "absorptivity": (0.2, 0.3),
                 "emissivity": (0.9, 0.85), "energy_residual_j": 1.5e3, "freeze_margin_k": 12.0,
                 "mean_heater_w": 1200.0} for c in ("hot", "cold")}
    service = {"service_chip_years_nameplate": 5717.0, "service_chip_years_spares": 5700.0}
    return {"name": "synthetic", "converged": True, "metrics": _metrics(), "variables": vs, "design": design,
            "baseline_design": design, "orbit_cases": cases, "service": service}


def test_satellite_report_prints_no_unit_one_and_sets_relations_apart():
    from studies.io.report import format_satellite

    text = format_satellite(_satellite_result())
    stray = [ln for ln in text.splitlines() if STRAY_ONE.search(ln)]
    assert not stray, "a dimensionless number followed by its unit '1':\n" + "\n".join(stray)
    assert "5717" in text
    power = next(ln for ln in text.splitlines() if ln.strip().startswith("power ") and ">=" in ln)
    assert re.search(r"\S >= +\S", power), power                      # `>=` has a space on each side
    assert "448.7 MW" in power                                          # format_value: SI prefix, 4 digits


def test_constraint_table_sets_relations_apart():
    from studies.io.report import constraint_table

    for ln in constraint_table(_metrics()):
        for op in ("<=", ">="):
            if op in ln and not ln.startswith("  normalised"):
                i = ln.index(op)
                assert ln[i - 1] == " " and ln[i + 2] == " ", ln


def test_uncertainty_report_prints_no_unit_one():
    from studies.analysis import uncertain_inputs as UI
    from studies.analysis import uncertainty as U
    from studies.io.report import format_uncertainty
    from studies.model import Mission

    def model(mission, targets):
        def fn(p):
            a = p["environment.albedo"]
            return {"tube_perforations": 5717.0 * a, "total_mass_kg": 1.2e4 * a,
                    "worst_constraint": jnp.ones_like(a), "converged": jnp.ones_like(a)}
        return fn

    table = (UI.Uncertain("environment.albedo", "uniform", (0.9, 1.1)),)
    r = U.run_uncertainty(Mission(), design=object(), n_samples=64, seed=1, table=table, model=model,
                          progress=None)
    text = format_uncertainty(r, metrics=("tube_perforations", "total_mass_kg"))
    stray = [ln for ln in text.splitlines() if STRAY_ONE.search(ln)]
    assert not stray, "\n".join(stray)
    for name in ("tube_perforations", "environment.albedo"):    # dimensionless: an empty units column
        row = next(ln for ln in text.splitlines() if ln.strip().startswith(name))
        assert row[-1].isdigit(), row
    row = next(ln for ln in text.splitlines() if ln.strip().startswith("total_mass_kg"))
    assert row.endswith("  kg"), row


def test_level0_table_prints_every_orbit_name_in_full():
    from studies.commands import format_summary

    def case(name):
        return {"name": name, "altitude_m": 7e5, "inclination_deg": 98.19, "beta_design_deg": -59.2,
                "eclipse_fraction": 0.2, "absorbed_mean_w_m2": np.array([57.1, 57.1]), "sink_temperature_k": 182.4,
                "design_temperature_k": 330.0, "level0_area_m2": math.nan, "heat_load_w": 1.5e5}

    names = ["dawn-dusk sun-synchronous 700 km, LTAN 06:00", "ISS"]
    text = format_summary({str(i): case(n) for i, n in enumerate(names)})
    lines = text.splitlines()
    col = lines[0].index("alt km")
    for name, ln in zip(names, lines[2:4]):
        assert ln.startswith(name + " ")
        assert ln[col:col + 6].strip() == "700"     # the columns line up after the longest name
    assert "150 kW" in text
