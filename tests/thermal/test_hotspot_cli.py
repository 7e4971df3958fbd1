"""`sunsink hotspot` command line: HotSpot's flags, output formats and one-line errors."""
import dataclasses
import re
from pathlib import Path

import numpy as np
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
    one_line_error(capsys, ["-p", str(EV6 / "gcc.ptrace"), "-f", "/nonexistent/ev6.flp"],
                   "-f '/nonexistent/ev6.flp': no such file")
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


# ------------------------------------------------------------------------------------------------
# issue 30: unknown options, file checks before any solve, plain-text help, honest non-convergence
# ------------------------------------------------------------------------------------------------

def hottest_k(out: str) -> float:
    return float(re.search(r"hottest block \S+ ([0-9.]+) K", out).group(1))


def test_misspelt_option_is_refused_with_the_nearest_name(capsys):
    """HotSpot 7 ignores a name it does not read (the default r_convec then answers 346.18 K); sunsink
    refuses it before any work.  The intended option changes the answer (543.81 K)."""
    one_line_error(capsys, [*BASE, "-p", str(EV6 / "gcc.ptrace"), "-r_convek", "5"],
                   "unknown option -r_convek '5'; did you mean -r_convec?")
    assert capsys.readouterr().out == ""
    assert main([*BASE, "-p", str(EV6 / "gcc.ptrace"), "-r_convec", "5"]) == 0
    assert hottest_k(capsys.readouterr().out) == pytest.approx(543.81, abs=0.01)


@pytest.mark.parametrize("extra, match", [
    (["--r_convec", "5"], "unknown option --r_convec '5'; did you mean -r_convec?"),
    (["-k_sinc", "200"], "did you mean -k_sink?"),
    (["-zzz", "1"], "unknown option -zzz '1'; see 'sunsink hotspot -h'"),
    (["-wrap_l2", "1"], "read by HotFloorplan, not by HotSpot 7"),
    (["-r_convec", "5", "-R_CONVEC", "6"], "-R_CONVEC is given twice ('5' and '6')"),
    (["-d", "dump.config"], "-d (HotSpot's dump of the configuration used) is not written"),
    (["-init_temp", "nan"], "-init_temp nan: must be a finite number"),
    (["-t_chip", "inf"], "-t_chip inf: must be a finite number"),
    (["-converged_tol", "inf", "-scheme", "converged"], "-converged_tol inf: must be a finite number > 0 K"),
    (["-converged_max_cells", "4", "-scheme", "converged"], "-converged_max_cells 4: must be an integer >= 8"),
])
def test_option_errors(capsys, extra, match):
    one_line_error(capsys, [*BASE, "-p", str(EV6 / "gcc.ptrace"), *extra], match)


def test_hotspot_names_of_unmodelled_features_are_accepted_while_off(capsys):
    """HotSpot 7 reads e.g. the secondary-path and microchannel parameters only with the feature on;
    they are accepted (and ignored) while it is off, and the answer is HotSpot's."""
    assert main([*BASE, "-p", str(EV6 / "gcc.ptrace"), "-n_metal", "8", "-htc", "1e4", "-base_proc_freq", "2e9"]) == 0
    assert hottest_k(capsys.readouterr().out) == pytest.approx(346.18, abs=0.01)


def test_config_file_names_read_by_nobody_warn(tmp_path, capsys):
    """HotSpot's own example.config (shared with HotFloorplan) gives no warning; a misspelt name in a
    config file gives one warning line naming the file and the nearest name, and is ignored."""
    assert main([*BASE, "-p", str(EV6 / "gcc.ptrace")]) == 0
    assert "warning" not in capsys.readouterr().err
    cfg = tmp_path / "typo.config"
    cfg.write_text((EV6 / "example.config").read_text() + "\n-r_convek 5\n")
    assert main(["-c", str(cfg), *BASE[2:], "-p", str(EV6 / "gcc.ptrace")]) == 0
    out = capsys.readouterr()
    assert out.err.count("warning") == 1 and "-r_convek is read by neither HotSpot 7 nor HotFloorplan" in out.err
    assert "did you mean -r_convec?" in out.err and str(cfg) in out.err
    assert hottest_k(out.out) == pytest.approx(346.18, abs=0.01)


@pytest.mark.parametrize("flag", ["-c", "-f", "-p", "-materials_file", "-init_file", "-grid_layer_file"])
@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_input_files_are_checked_before_any_work(tmp_path, capsys, flag, kind):
    path = tmp_path / "missing.file" if kind == "missing" else tmp_path
    args = {"-c": str(EV6 / "example.config"), "-f": str(EV6 / "ev6.flp"), "-p": str(EV6 / "gcc.ptrace"),
            "-materials_file": str(EV6 / "example.materials")}
    args[flag] = str(path)
    argv = [tok for kv in args.items() for tok in kv]
    if flag == "-init_file":
        argv += ["-o", str(tmp_path / "t.ttrace")]
    if flag == "-grid_layer_file":
        argv += ["-model_type", "grid"]
    why = "no such file" if kind == "missing" else "is a directory, not a file"
    one_line_error(capsys, argv, f"{flag} {str(path)!r}: {why}")
    assert list(tmp_path.iterdir()) == ([] if kind == "missing" else [])


def test_lcf_floorplan_missing_names_the_layer(tmp_path, capsys):
    lcf = tmp_path / "stack.lcf"
    lcf.write_text("0\nY\nY\n1.75e6\n0.01\n150e-6\nnowhere.flp\n")
    one_line_error(capsys, [*BASE, "-p", str(EV6 / "gcc.ptrace"), "-model_type", "grid", "-grid_layer_file",
                            str(lcf)], "-grid_layer_file " + str(lcf) + ": layer 0's floorplan 'nowhere.flp': no such file")


@pytest.mark.parametrize("flag", ["-steady_file", "-o", "-grid_steady_file"])
def test_output_folders_are_checked_before_any_solve(tmp_path, capsys, flag):
    """A missing output folder used to be found only after the solve (stdout had the answer already)."""
    target = tmp_path / "no" / "such" / "dir" / "out.txt"
    grid = ["-model_type", "grid", "-grid_rows", "8", "-grid_cols", "8"]
    one_line_error(capsys, [*BASE, "-p", str(EV6 / "gcc.ptrace"), *grid, flag, str(target)],
                   f"{flag} {str(target)!r}: folder {str(target.parent)!r} does not exist")
    assert capsys.readouterr().out == ""      # nothing was solved
    f = tmp_path / "a_file"
    f.write_text("x")
    one_line_error(capsys, [*BASE, "-p", str(EV6 / "gcc.ptrace"), *grid, flag, str(f / "out.txt")],
                   f"folder {str(f)!r} is not a directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_outputs_appear_only_when_the_whole_run_succeeds(tmp_path, capsys, monkeypatch):
    """-o is computed before the steady state; a failure in the steady solve leaves no -o file (and no
    temporary file) behind."""
    from thermal.chip.hotspot.block import HotSpotBlock

    p = tmp_path / "p.ptrace"
    p.write_text("\n".join((EV6 / "gcc.ptrace").read_text().splitlines()[:3]) + "\n")
    argv = [*BASE, "-p", str(p), "-o", str(tmp_path / "t.ttrace"), "-steady_file", str(tmp_path / "s.steady")]

    def broken(self, *a, **k):
        raise FloatingPointError("solver blew up")

    with monkeypatch.context() as m:
        m.setattr(HotSpotBlock, "steady_nodes", broken)
        assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "computation failed: FloatingPointError: solver blew up" in err
    assert sorted(q.name for q in tmp_path.iterdir()) == ["p.ptrace"]
    assert main(argv) == 0
    assert sorted(q.name for q in tmp_path.iterdir()) == ["p.ptrace", "s.steady", "t.ttrace"]


def test_help_is_plain_text(capsys):
    for argv in (["-h"], ["--help"], [*BASE, "-help"]):
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert "-scheme converged" in out and "did you mean" not in out
        assert not re.search(r"``|:(mod|func|class|data|meth|attr):`", out), out
        assert "Unknown and repeated options" in out and "get_str_index" in out


def fake_unconverged(x_change_k):
    def converged_steady(cfg, chip_layers, block_power_w, tol_k, **kw):
        from thermal.chip.hotspot.converged import ConvergedSteady

        n = sum(len(L.floorplan.blocks) for L in chip_layers) * 2 + 12
        return ConvergedSteady(entries=np.full(n, 350.0), grid_k=np.zeros((4, 2, 2)), cells=64,
                               n_sublayers=(32, 1, 32, 32), z_change_k=0.004, x_change_k=x_change_k,
                               converged=False, history=[])
    return converged_steady


@pytest.mark.parametrize("x_change_k, why", [
    (np.inf, "no lateral error estimate: -converged_max_cells 8 allowed no refinement beyond the first lateral "
             "level (64 x 64 cells, sub-layers (32, 1, 32, 32))"),
    (3.7, "estimated error 3.7 K at 64 x 64 cells, sub-layers (32, 1, 32, 32) (-converged_max_cells 8)"),
])
def test_unconverged_scheme_does_not_claim_convergence(tmp_path, capsys, monkeypatch, x_change_k, why):
    """An unconverged refinement used to head its column "converged [K]" and report an error of inf K."""
    import thermal.chip.hotspot.converged as hc

    monkeypatch.setattr(hc, "converged_steady", fake_unconverged(x_change_k))
    out_file = tmp_path / "s.steady"
    rc = main([*BASE, "-p", str(EV6 / "gcc.ptrace"), "-model_type", "block", "-scheme", "converged",
               "-converged_max_cells", "8", "-steady_file", str(out_file)])
    out, err = capsys.readouterr()
    assert rc == 3 and not out_file.exists() and list(tmp_path.iterdir()) == []
    assert "converged [K]" not in out and "inf" not in out and "inf" not in err
    assert out.startswith("sunsink hotspot: HotSpot 7 block model")
    assert "NOT CONVERGED to 0.1 K" in out and "finest level [K]" in out
    assert "hottest block: HotSpot 346.18 K, finest level 350.00 K" in out
    assert f"converged scheme: NOT converged to 0.1 K: {why}" in out
    assert err.strip().splitlines()[-1] == (f"sunsink hotspot: error: the converged scheme did not reach 0.1 K: "
                                            f"{why}; no files written")


def test_converged_table_header(capsys):
    """The converged case keeps its header and states the estimate (format only; the physics is
    tests/thermal/test_hotspot_converged.py)."""
    from studies.hotspot_cli import format_comparison
    from thermal.chip.hotspot.converged import ConvergedSteady

    conv = ConvergedSteady(entries=np.array([301.0, 302.0] + [300.0] * 12), grid_k=np.zeros((1, 1, 1)), cells=128,
                           n_sublayers=(2,), z_change_k=0.01, x_change_k=0.05, converged=True, history=[])
    text = format_comparison(["a", "b"] + [f"inode_{i}" for i in range(12)], np.full(14, 300.0), conv, [2], [0], 0.1)
    assert "converged [K]" in text and "NOT" not in text and "estimated error of the dissipating layers' blocks " \
        "0.060 K (thickness 0.010, lateral 0.050); converged to 0.1 K" in text
    assert dataclasses.replace(conv, converged=False) and "finest level [K]" in format_comparison(
        ["a", "b"] + [f"inode_{i}" for i in range(12)], np.full(14, 300.0), dataclasses.replace(conv, converged=False),
        [2], [0], 0.1)


@pytest.mark.parametrize("extra, what", [(["-init_temp", "1e308"], "transient"), (["-ambient", "1e308"], "steady state")])
def test_non_finite_temperatures_are_never_an_answer(tmp_path, capsys, extra, what):
    """Extreme (finite) inputs overflow the model: exit 1, one line, no file (it used to exit 0 and
    write NaN temperatures)."""
    p = tmp_path / "p.ptrace"
    p.write_text("\n".join((EV6 / "gcc.ptrace").read_text().splitlines()[:3]) + "\n")
    rc = main([*BASE, "-p", str(p), *extra, "-o", str(tmp_path / "t"), "-steady_file", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1 and "Traceback" not in err and "Warning" not in err
    assert f"computation failed: FloatingPointError: the {what} is not finite" in err
    assert sorted(q.name for q in tmp_path.iterdir()) == ["p.ptrace"]
