"""Command-line fuzzing: argv drawn for every verb (flags, values, paths, unicode), run in-process
through ``studies.cli.main``.  Whatever the argv, the CLI ends without a traceback, with an exit status
from the documented set, and leaves no file behind (nor changes one) when it fails.

The argv are drawn so that the run fails validation before any heavy work (every configuration and
archive in the pool is invalid; ``dose`` always gets one bad value), except ``hotspot``, whose valid
runs on the short EV6 trace take a fraction of a second once compiled: there the outputs of a
successful run must be exactly the requested files.  Examples are derandomised (the same argv on
every run and in CI) and capped so that the module takes well under a minute once JAX is warm.
"""
import contextlib
import hashlib
import io
import tempfile
from pathlib import Path

import h5py
import jax
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studies.cli import main

ROOT = Path(__file__).resolve().parents[2]
EV6 = ROOT / "tests" / "data" / "hotspot-ev6"

STUDY_STATUS = {0, 1, 2, 3, 130, 143}     # studies.cli: EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INFEASIBLE, signals
DOSE_STATUS = {0, 2}                       # studies.dose_cli
HOTSPOT_STATUS = {0, 1, 2, 3}              # studies.hotspot_cli: EXIT_OK, _FAILED, _BAD_INPUT, _NOT_CONVERGED

LEVEL0 = """[study]
name = "fuzz"
[mission]
payload_power_w = 20000.0
[[orbits]]
name = "sso 700"
altitude_m = {alt}
family = "sso"
"""
JUNK = bytes(range(256)) * 8


class P(str):
    """A path placeholder: a name inside the example's workspace."""


def _workspace(w: Path) -> None:
    """The pool of files the argv point at (all inside the example's temporary directory)."""
    (w / "bad.toml").write_text("[study\nname = 'x'\n")
    (w / "low.toml").write_text(LEVEL0.format(alt="200e3"))            # outside the radiation table
    (w / "unknown.toml").write_text(LEVEL0.format(alt="700e3") + "[nonsense]\nx = 1\n")
    (w / "junk.bin").write_bytes(JUNK)
    (w / "ünïcødé €.toml").write_text(LEVEL0.format(alt="'high'"))
    (w / "dir").mkdir()
    (w / "afile").write_text("x")
    (w / "empty.h5").write_bytes(b"")
    with h5py.File(w / "plain.h5", "w") as f:                           # HDF5, but no sunsink archive
        f["x"] = [1.0, 2.0]
    (w / "nomarkers.md").write_text("# a README without the configuration-reference markers\n")
    (w / "example.config").write_text((EV6 / "example.config").read_text())
    (w / "ev6.flp").write_text((EV6 / "ev6.flp").read_text())
    (w / "example.materials").write_text((EV6 / "example.materials").read_text())
    lines = (EV6 / "gcc.ptrace").read_text().splitlines()
    (w / "short.ptrace").write_text("\n".join(lines[:3]) + "\n")
    (w / "badhead.ptrace").write_text("L2_left L2\n1 2\n")
    (w / "neg.ptrace").write_text(lines[0] + "\n" + " ".join(["-1"] * len(lines[0].split())) + "\n")


def _state(w: Path) -> dict:
    return {str(p.relative_to(w)): (hashlib.sha1(p.read_bytes()).hexdigest() if p.is_file() else "dir")
            for p in sorted(w.rglob("*"))}


CONFIGS = st.sampled_from([P("bad.toml"), P("low.toml"), P("unknown.toml"), P("junk.bin"), P("ünïcødé €.toml"),
                           P("dir"), P("missing.toml"), P("afile"), P("plain.h5")])
ARCHIVES = st.sampled_from([P("missing.h5"), P("dir"), P("junk.bin"), P("empty.h5"), P("plain.h5"), P("low.toml"),
                            P("ünïcødé €.toml")])
OUTS = st.sampled_from([P("newout"), P("afile"), P("afile/sub"), P("dir"), P("ünï out/x")])
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=10)
NUMBER_TEXT = st.one_of(st.sampled_from(["0", "-1", "nan", "inf", "-inf", "1e308", "1e-308", "abc", "", "1,5",
                                         "0x10", "½"]),
                        st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers(-10**6, 10**6).map(str))
GLOBAL = st.lists(st.sampled_from([("--x32",), ("-v",), ("--debug",), ("--no-cache",), ("--cache-dir", P("afile"))]),
                  max_size=3, unique=True).map(lambda opts: [tok for o in opts for tok in o])
NOISE = st.integers(0, 4).flatmap(lambda k: st.just([]) if k else st.lists(
    st.one_of(st.sampled_from(["--frobnicate", "-x", "--out", "--", "-h"]), TEXT), min_size=1, max_size=2))
"""Mostly nothing; one time in five an unknown flag, a stray word or a help flag at the end."""


def _opt(flag, values):
    return st.one_of(st.just([]), values.map(lambda v: [flag, v]), st.just([flag]))   # absent, with or without value


@st.composite
def study_argv(draw):
    verb = draw(st.sampled_from(["run", "optimize", "evaluate", "uncertainty", "check", "sweep"]))
    argv = [*draw(GLOBAL), verb]
    if draw(st.booleans()) or verb == "check":
        argv.append(draw(CONFIGS))
    else:
        argv.append(draw(st.one_of(CONFIGS, TEXT.map(lambda t: P("t_" + t.replace("/", "_"))))))
    if verb != "check":
        argv += draw(_opt("--out", OUTS))
    if verb == "uncertainty":
        argv += draw(_opt("--samples", NUMBER_TEXT))
    if verb == "check":
        argv += draw(_opt("--step", NUMBER_TEXT)) + draw(_opt("--tolerance", NUMBER_TEXT))
    if verb == "sweep":     # only what _start_distributed itself refuses: the job is never started in-process
        argv += draw(st.sampled_from([[], ["--num-processes", "0"], ["--num-processes", "-3"],
                                      ["--num-processes", "2", "--process-id", "5"],
                                      ["--num-processes", "x"], ["--process-id", "1.5"]]))
    return argv + draw(NOISE)


@st.composite
def other_argv(draw):
    verb = draw(st.sampled_from(["config", "inspect", "report", "rerun"]))
    argv = [*draw(GLOBAL), verb]
    if verb == "config":
        argv += draw(st.sampled_from([[], ["--list"], ["--markdown"], ["--list", "--markdown"]]))
        argv += draw(_opt("--readme", st.sampled_from([P("missing.md"), P("nomarkers.md"), P("junk.bin"), P("dir"),
                                                        P("afile/x.md")])))
    else:
        argv.append(draw(ARCHIVES))
        if verb != "inspect":
            argv += draw(_opt("--out", OUTS))
    return argv + draw(NOISE)


BAD_DOSE = {"--altitude-km": ["5000", "50", "nan", "-inf", "abc", "1e400"],
            "--inclination-deg": ["150", "-5", "nan", "x"],
            "--years": ["0", "-1", "200", "inf", "nan", "1e9"],
            "--depths-mm": ["-2", "5000", "nan", "inf", "mm"],
            "--confidence": ["0.999", "0.1", "nan", "2"],
            "--margin": ["0.5", "1e9", "nan", "-1"],
            "--geometry": ["box", "", "SOLID_SPHERE_CENTRE"],
            "--solar-cycle": ["sometimes", "MAX"],
            "--frobnicate": ["1"]}
GOOD_DOSE = {"--altitude-km": ["650", "300", "2000"], "--inclination-deg": ["0", "53", "110"], "--years": ["5", "1"],
             "--depths-mm": ["1", "0"], "--confidence": ["0.95", "0.5"], "--margin": ["2", "1"],
             "--geometry": ["finite_slab"], "--solar-cycle": ["min", "worst"]}


@st.composite
def dose_argv(draw):
    """A dose command line with at least one bad value (so it stops before the dose is computed)."""
    bad = draw(st.sampled_from(sorted(BAD_DOSE)))
    opts = {k: draw(st.sampled_from(v)) for k, v in GOOD_DOSE.items() if draw(st.booleans())}
    opts["--altitude-km"] = opts.get("--altitude-km", "650")
    opts[bad] = draw(st.sampled_from(BAD_DOSE[bad]))
    if "--inclination-deg" not in opts or (bad != "--inclination-deg" and draw(st.booleans())):
        opts.pop("--inclination-deg", None)
        opts["--sso"] = None
    argv = [tok for k, v in draw(st.permutations(sorted(opts.items()))) for tok in ((k,) if v is None else (k, v))]
    argv += draw(st.sampled_from([[], ["--no-solar"], ["--x32"]]))
    via = draw(st.sampled_from([["dose"], ["-v", "dose"], ["--x32", "dose"]]))
    return via + argv


HOTSPOT_NAMES = ["r_convec", "k_chip", "t_chip", "s_sink", "s_spreader", "ambient", "init_temp", "model_type",
                 "grid_rows", "grid_cols", "grid_map_mode", "material_chip", "detailed_3D", "transient_solver",
                 "converged_tol", "converged_max_cells", "model_secondary", "leakage_used", "n_metal", "htc",
                 "r_convek", "R_CONVEC", "wrap_l2", "use_microfluidic_cooling", "d", "scheme"]
HOTSPOT_VALUES = {"model_type": ["block", "grid", "grod", "GRID"], "grid_rows": ["4", "8", "0", "-3", "x", "2.5"],
                  "grid_cols": ["4", "8", "0"], "grid_map_mode": ["avg", "center", "mean"],
                  "detailed_3D": ["on", "off", "maybe"], "transient_solver": ["rk4", "be", "euler"],
                  "scheme": ["hotspot", "exact"], "material_chip": ["silicon", "unobtainium", "Silicon"]}
INPUT_POOL = [P("missing.txt"), P("dir"), P("junk.bin"), P("afile"), P("empty.h5"), P("ünïcødé €.toml")]
OUTPUT_POOL = [P("s.out"), P("t.out"), P("nodir/s.out"), P("dir"), P("afile/x"), P("ünï.steady")]


@st.composite
def hotspot_argv(draw):
    pairs = []
    for flag, good in (("-c", P("example.config")), ("-f", P("ev6.flp")), ("-p", P("short.ptrace")),
                       ("-materials_file", P("example.materials"))):
        choice = draw(st.integers(0, 9))     # mostly the good file, so that some runs get through
        if choice == 0:
            continue
        pool = INPUT_POOL + ([P("badhead.ptrace"), P("neg.ptrace")] if flag == "-p" else [])
        pairs.append((flag, good if choice > 1 else draw(st.sampled_from(pool))))
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2, 3]))):
        name = draw(st.one_of(st.sampled_from(HOTSPOT_NAMES), TEXT))
        values = HOTSPOT_VALUES.get(name)
        value = draw(st.sampled_from(values) if values else st.one_of(NUMBER_TEXT, TEXT))
        pairs.append((draw(st.sampled_from(["-"] * 6 + ["--", ""])) + name, value))
    for flag in ("-steady_file", "-o", "-grid_steady_file", "-grid_transient_file", "-init_file", "-grid_layer_file"):
        if draw(st.integers(0, 3)) == 0:
            pairs.append((flag, draw(st.sampled_from(INPUT_POOL if flag in ("-init_file", "-grid_layer_file")
                                                     else OUTPUT_POOL))))
    if draw(st.integers(0, 5)) == 0:       # converged: only with -o, which it refuses before any solve
        pairs += [("-scheme", "converged"), ("-o", P("t.out"))]
    argv = [tok for pair in draw(st.permutations(pairs)) for tok in pair]
    if argv and draw(st.integers(0, 6)) == 0:
        argv = argv[:-1]                   # an option without a value
    return ["hotspot", *argv]


def _resolve(argv, w: Path):
    return [str(w / a) if isinstance(a, P) else a for a in argv]


@contextlib.contextmanager
def _restored_jax_config():
    """``main`` sets the entry point's precision and cache threshold; this process keeps its own."""
    keep = {k: getattr(jax.config, k) for k in ("jax_enable_x64", "jax_persistent_cache_min_compile_time_secs")}
    try:
        yield
    finally:
        for k, v in keep.items():
            jax.config.update(k, v)


def _run(argv):
    """``main(argv)`` in-process: (status, stdout, stderr); an exception escaping it fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with _restored_jax_config(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exc:          # argparse: --help (0) and usage errors (2)
            status = exc.code
    return status, out.getvalue(), err.getvalue()


def _check(draw_argv, allowed, success_outputs=None):
    with tempfile.TemporaryDirectory(prefix="sunsink-fuzz-") as d:
        w = Path(d)
        _workspace(w)
        before = _state(w)
        argv = _resolve(draw_argv, w)
        with contextlib.chdir(w):          # relative paths (default output folders too) land in the workspace
            status, out, err = _run(argv)
        after = _state(w)
        assert status in allowed, (argv, status, err)
        if "--debug" not in argv:
            assert "Traceback" not in err + out, (argv, err)
        if status != 0:
            assert after == before, (argv, status, err, set(after) ^ set(before))
            lines = [ln for ln in err.splitlines() if "error:" in ln]
            if "--debug" not in argv:             # one error line (log or warning lines may come before it)
                assert len(lines) == 1, (argv, err)
        elif success_outputs is not None:
            new = {k for k in after if k not in before}
            changed = {k for k in before if after.get(k) != before[k]}
            assert not changed and new <= success_outputs(argv, w), (argv, new, changed)
        return status, err


SETTINGS = dict(derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@settings(max_examples=60, **SETTINGS)
@given(study_argv())
def test_fuzz_study_verbs(argv):
    _check(argv, STUDY_STATUS)


@settings(max_examples=40, **SETTINGS)
@given(other_argv())
def test_fuzz_config_and_archive_verbs(argv):
    _check(argv, STUDY_STATUS)


@settings(max_examples=40, **SETTINGS)
@given(dose_argv())
def test_fuzz_dose(argv):
    status, err = _check(argv, DOSE_STATUS)
    assert status == 2 and err.startswith("sunsink"), (argv, err)   # always one bad value: refused


def _hotspot_outputs(argv, w: Path) -> set:
    names = {"-steady_file", "-o", "-grid_steady_file", "-grid_transient_file"}
    return {str((w / argv[i + 1]).resolve().relative_to(w.resolve())) for i, tok in enumerate(argv[:-1])
            if tok in names}


@settings(max_examples=60, **SETTINGS)
@given(hotspot_argv())
def test_fuzz_hotspot(argv):
    _check(argv, HOTSPOT_STATUS, success_outputs=_hotspot_outputs)


def test_pool_configs_are_all_invalid(tmp_path):
    """The fuzz stays fast because no configuration of the pool passes validation (a valid one would
    start a study)."""
    from studies.config import ConfigError, load_config

    _workspace(tmp_path)
    for name in ("bad.toml", "low.toml", "unknown.toml", "ünïcødé €.toml"):
        with pytest.raises(ConfigError):
            load_config(tmp_path / name)
