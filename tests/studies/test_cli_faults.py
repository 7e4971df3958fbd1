"""User errors end in one line on stderr and a documented exit status, before any computation and
without any output file; SIGINT/SIGTERM end cleanly; the hot case does not depend on the precision.

Exit statuses (studies.cli): 0 success, 1 a computation failed, 2 bad input, 3 `evaluate`: the
design does not close, 130 SIGINT, 143 SIGTERM.
"""
import math
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import h5py
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studies.cli import main
from studies.config import SCHEMA, ConfigError, parse_config, walk_schema

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "studies" / "baseline_150kw.toml"

LEVEL0 = """
[study]
name = "level0"
[mission]
payload_power_w = 20000.0
[[orbits]]
name = "sso 700"
altitude_m = 700e3
family = "sso"
[numerics]
n_orbit_samples = 36
n_beta_cases = 7
"""


def _one_error_line(err: str) -> str:
    """Exactly one error line (progress log lines may precede it) and no traceback."""
    lines = [ln for ln in err.strip().splitlines() if ln.startswith("sunsink: error")]
    assert len(lines) == 1 and lines[0].startswith("sunsink: error: "), err
    assert "Traceback" not in err and err.strip().splitlines()[-1] == lines[0], err
    return lines[0]


def _cli(*args, timeout=300, **kw):
    return subprocess.run([sys.executable, "-m", "studies.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=kw.pop("cwd", ROOT), **kw)


@pytest.mark.parametrize("verb", ["run", "optimize", "evaluate", "check", "sweep"])
def test_toml_syntax_error_is_one_line_exit_2(tmp_path, capsys, verb):
    bad = tmp_path / "bad.toml"
    bad.write_text("[study\nname = 'x'\n")
    assert main([verb, str(bad)]) == 2
    assert "invalid TOML" in _one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("verb", ["inspect", "report", "rerun"])
def test_archive_path_errors(tmp_path, capsys, verb):
    assert main([verb, str(tmp_path)]) == 2           # a directory
    _one_error_line(capsys.readouterr().err)
    assert main([verb, str(tmp_path / "missing.h5")]) == 2
    _one_error_line(capsys.readouterr().err)
    junk = tmp_path / "junk.h5"
    junk.write_bytes(os.urandom(4096))
    assert main([verb, str(junk)]) == 2
    _one_error_line(capsys.readouterr().err)


def test_config_that_is_a_directory(tmp_path, capsys):
    assert main(["run", str(tmp_path)]) == 2
    assert "is a directory" in _one_error_line(capsys.readouterr().err)


def test_out_is_a_file_or_under_a_file_fails_before_work(tmp_path, capsys):
    cfg = tmp_path / "l0.toml"
    cfg.write_text(LEVEL0)
    f = tmp_path / "afile"
    f.write_text("x")
    t0 = time.perf_counter()
    assert main(["run", str(cfg), "--out", str(f)]) == 2
    assert "is a file" in _one_error_line(capsys.readouterr().err)
    assert main(["run", str(cfg), "--out", str(f / "sub")]) == 2
    assert "cannot be used" in _one_error_line(capsys.readouterr().err)
    assert time.perf_counter() - t0 < 60  # no computation ran (a level-0 run alone takes longer under load)


def test_bad_value_names_key_and_writes_nothing(tmp_path, capsys):
    d = tomllib.loads(LEVEL0)
    d["orbits"][0]["altitude_m"] = 200e3
    cfg = tmp_path / "low.toml"
    cfg.write_text(LEVEL0.replace("altitude_m = 700e3", "altitude_m = 200e3"))
    out = tmp_path / "out"
    assert main(["run", str(cfg), "--out", str(out)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "orbits[0].altitude_m = 200000 m" in line and "radiation model covers" in line
    assert not out.exists() or not any(out.iterdir())


def test_debug_shows_the_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[study\n")
    assert main(["--debug", "run", str(bad)]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_x32_picks_the_same_hot_case(tmp_path):
    """The host-side beta scan is precision independent: float32 and float64 pick the same hot case
    and agree on the absorbed flux to float32 precision."""
    cfg = tmp_path / "l0.toml"
    cfg.write_text(LEVEL0)
    for flag, out in (("--x32", "o32"), (None, "o64")):
        r = _cli(*([flag] if flag else []), "run", str(cfg), "--out", str(tmp_path / out))
        assert r.returncode == 0, r.stderr
    with h5py.File(tmp_path / "o32" / "level0.h5") as a, h5py.File(tmp_path / "o64" / "level0.h5") as b:
        ga, gb = a["orbits/sso_700"], b["orbits/sso_700"]
        assert float(ga["beta_design_deg"][()]) == pytest.approx(float(gb["beta_design_deg"][()]), abs=1e-4)
        assert ga["absorbed_mean_w_m2"][()] == pytest.approx(gb["absorbed_mean_w_m2"][()], rel=1e-5)


@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signals_end_cleanly(tmp_path, sig, status):
    cfg = tmp_path / "l0.toml"
    cfg.write_text(LEVEL0)
    out = tmp_path / "out"
    p = subprocess.Popen([sys.executable, "-m", "studies.cli", "run", str(cfg), "--out", str(out)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    deadline = time.time() + 120
    while not out.exists() and time.time() < deadline:   # past validation, computing
        time.sleep(0.1)
    time.sleep(1.0)
    p.send_signal(sig)
    _, err = p.communicate(timeout=120)
    assert p.returncode == status, err
    _one_error_line(err)
    assert not (out / "level0.h5").exists()


# ------------------------------------------------------------------------------------------------
# fuzzing: documents built from the schema, with wrong types, out-of-range values, missing and
# extra keys, NaN/inf, huge and tiny numbers.  Validation must raise ConfigError or accept; never
# anything else.  Rejected documents through the CLI give exit 2 and no output file.
# ------------------------------------------------------------------------------------------------

LEAVES = [path for path, _ in walk_schema(SCHEMA)]
ODD_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(min_value=-10**30, max_value=10**30),
    st.sampled_from([1e-300, 1e300, -0.0, math.nan, math.inf, -math.inf]), st.booleans(),
    st.text(max_size=8), st.lists(st.floats(allow_nan=True), max_size=3), st.just({}))


def _apply(doc, path, value):
    d = doc
    for k in path[:-1]:
        if isinstance(k, int):
            if not isinstance(d, list) or not d:
                return
            d = d[0]
        else:
            d = d.setdefault(k, {}) if isinstance(d, dict) else {}
    if value is KeyError:
        d.pop(path[-1], None) if isinstance(d, dict) else None
    elif isinstance(d, dict):
        d[path[-1]] = value


def _toml_literal(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v == math.inf else "-inf" if v == -math.inf else repr(v))
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "").replace('"', "") + '"'
    return "[" + ", ".join(_toml_literal(x) for x in v) + "]"


LEVEL0_KEYS = ("payload_power_w", "altitude_m", "n_orbit_samples", "n_beta_cases", "family")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(LEVEL0_KEYS),
       value=st.one_of(st.sampled_from(["x", math.nan, math.inf, -1e300, 1e300, True, -1, 0]),
                       st.lists(st.floats(allow_nan=False), max_size=2)))
def test_fuzzed_bad_configs_through_the_cli_write_nothing(tmp_path, capsys, key, value):
    import re

    text = re.sub(rf"^{key} = .*$", f"{key} = {_toml_literal(value)}", LEVEL0, flags=re.M)
    cfg = tmp_path / "fuzz.toml"
    cfg.write_text(text)
    out = tmp_path / "fuzz_out"
    try:
        parse_config(tomllib.loads(text))
    except ConfigError:
        assert main(["run", str(cfg), "--out", str(out)]) == 2
        _one_error_line(capsys.readouterr().err)
        assert not out.exists() or not any(out.iterdir())
