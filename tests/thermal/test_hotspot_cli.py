"""`sunsink hotspot` command line: HotSpot's flags, output formats and one-line errors."""
from pathlib import Path

import pytest

from studies.hotspot_cli import main

DATA = Path(__file__).resolve().parents[1] / "data"
EV6 = DATA / "hotspot-ev6"
BASE = ["-c", str(EV6 / "example.config"), "-f", str(EV6 / "ev6.flp"), "-materials_file",
        str(EV6 / "example.materials")]


def test_dispatch_through_sunsink_cli(tmp_path, capsys):
    from studies.cli import main as sunsink_main

    rc = sunsink_main(["hotspot", *BASE, "-p", str(EV6 / "gcc.ptrace"), "-model_type", "block",
                       "-steady_file", str(tmp_path / "s")])
    assert rc == 0
    lines = (tmp_path / "s").read_text().splitlines()
    assert len(lines) == 4 * 30 + 12 and lines[0].startswith("L2_left\t") and lines[-1].startswith("inode_11\t")
    assert [ln.split("\t")[0] for ln in lines[30:31] + lines[60:61] + lines[90:91]] == \
        ["iface_L2_left", "hsp_L2_left", "hsink_L2_left"]
    assert "hottest block" in capsys.readouterr().out


def test_grid_output_formats(tmp_path):
    p = tmp_path / "p.ptrace"
    p.write_text("\n".join((EV6 / "gcc.ptrace").read_text().splitlines()[:4]) + "\n")
    rc = main([*BASE, "-p", str(p), "-model_type", "grid", "-grid_rows", "8", "-grid_cols", "4",
               "-grid_steady_file", str(tmp_path / "g"), "-o", str(tmp_path / "t"),
               "-grid_transient_file", str(tmp_path / "gt"), "-transient_solver", "be"])
    assert rc == 0
    g = (tmp_path / "g").read_text().splitlines()
    assert g[0] == "Layer 0:" and g[1].startswith("0\t") and g[33] == "Layer 1:" and len(g) == 4 * 33
    t = (tmp_path / "t").read_text().splitlines()
    assert t[0].split("\t")[:2] == ["L2_left", "L2"] and len(t) == 4
    assert all(len(v.split(".")[1]) == 2 for v in t[1].split("\t"))
    gt = (tmp_path / "gt").read_text().splitlines()
    assert gt[0] == "t = 0.000000" and gt.count("Layer 3:") == 3


def one_line_error(capsys, argv, match):
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and err.startswith("sunsink hotspot: error:") and "Traceback" not in err
    assert match in err, err


@pytest.mark.parametrize("extra, match", [
    (["-model_type", "grod"], "model type"),
    (["-grid_rows", "x"], "grid_rows"),
    (["-scheme", "exact"], "-scheme"),
    (["-transient_solver", "euler"], "transient_solver"),
    (["-o", "x.ttrace", "-scheme", "converged"], "steady state only"),
    (["-material_chip", "unobtainium"], "unobtainium"),
    (["-model_secondary", "1"], "secondary"),
    (["-detailed_3D", "on", "-model_type", "grid"], "layer configuration"),
])
def test_bad_input_is_one_line_exit_2(capsys, extra, match):
    one_line_error(capsys, [*BASE, "-p", str(EV6 / "gcc.ptrace"), *extra], match)


def test_bad_command_lines(capsys, tmp_path):
    one_line_error(capsys, [*BASE], "-p")
    one_line_error(capsys, [*BASE, "-p"], "no value")
    one_line_error(capsys, [*BASE, "p", str(EV6 / "gcc.ptrace")], "expected an option")
    one_line_error(capsys, ["-p", str(EV6 / "gcc.ptrace"), "-f", "/nonexistent/ev6.flp"], "No such file")
    head, *rows = (EV6 / "gcc.ptrace").read_text().splitlines()
    bad = tmp_path / "bad.ptrace"
    bad.write_text("\n".join([head.replace("L2_left", "NotABlock")] + rows[:2]) + "\n")
    one_line_error(capsys, [*BASE, "-p", str(bad)], "NotABlock")
    bad.write_text("L2_left L2\n1 2\n")
    one_line_error(capsys, [*BASE, "-p", str(bad)], "differ")
    init = tmp_path / "init"
    init.write_text("L2_left 300\n")
    one_line_error(capsys, [*BASE, "-p", str(EV6 / "gcc.ptrace"), "-init_file", str(init), "-o",
                            str(tmp_path / "t")], "init file")


def test_usage(capsys):
    assert main([]) == 2
    assert "usage: sunsink hotspot" in capsys.readouterr().err
    assert main(["-h"]) == 0
    assert "-scheme converged" in capsys.readouterr().out
