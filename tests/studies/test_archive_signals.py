"""studies.archive's signal handling and staged outputs, without JAX (issue 30, items 1 and 2).

A handler that raises loses the signal where Python discards exceptions -- a garbage-collection
callback (JAX registers one), a finalizer --; :func:`studies.archive.exit_on_signals` delivers it again
until it takes effect.  :func:`studies.archive.staged_outputs` makes a command's archive and figures
appear together when it ends, and not at all when a signal comes first.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from studies import archive as ar
from studies.archive import Dataset, StudyOutput, TerminationSignal

PACKAGE = Path(ar.__file__).resolve()


def _tree() -> dict:
    return {"a_m": Dataset(np.arange(4.0), "m", "a")}


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def _child(body: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """A Python that loads studies/archive by its path (no JAX: starts in a fraction of a second)."""
    code = textwrap.dedent(f"""
        import gc, importlib.util, os, signal, sys, time
        spec = importlib.util.spec_from_file_location("sunsink_archive", {str(PACKAGE)!r})
        ar = importlib.util.module_from_spec(spec)
        sys.modules["sunsink_archive"] = ar
        spec.loader.exec_module(ar)
    """) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)


SWALLOWED_IN_GC = """
calls = [0]
def callback(phase, info):          # the signal arrives while a garbage-collection callback runs
    if phase == "start":
        calls[0] += 1
        if calls[0] == 3:
            os.kill(os.getpid(), signal.SIGINT)
            sum(range(1000))        # the handler runs here, inside the callback
gc.callbacks.append(callback)
t0 = time.monotonic()
try:
    with ar.exit_on_signals():
        while time.monotonic() - t0 < 20:
            [[object()] for _ in range(1000)]
    print("ran on", flush=True)
except ar.TerminationSignal as exc:
    print(f"stopped {exc.code} after {time.monotonic() - t0:.1f} s", flush=True)
"""


def test_a_signal_swallowed_in_a_gc_callback_is_delivered_again():
    r = _child(SWALLOWED_IN_GC)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("stopped 130 after "), r.stdout + r.stderr
    assert float(r.stdout.split()[3]) < 10.0, r.stdout    # at once, not when the 20 s loop ends
    assert r.stderr == ""                                  # no "Exception ignored in: <function callback"


SWALLOWED_BY_CODE = """
t0 = time.monotonic()
try:
    with ar.exit_on_signals():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        except BaseException:       # library code that swallows everything
            pass
        print("swallowed", flush=True)
        while time.monotonic() - t0 < 10:     # work on (a re-delivery waits for a blocking call to return)
            sum(range(1000))
    print("ran on", flush=True)
except ar.TerminationSignal as exc:
    print(f"stopped {exc.code} after {time.monotonic() - t0:.1f} s", flush=True)
"""


def test_a_signal_swallowed_by_code_is_delivered_again():
    r = _child(SWALLOWED_BY_CODE)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split("\n")
    assert lines[0] == "swallowed" and lines[1].startswith("stopped 143 after "), r.stdout + r.stderr
    assert float(lines[1].split()[3]) < 9.0, r.stdout


def test_the_block_raises_a_signal_nobody_raised():
    """A signal held back until the end of the block (here: inside an uninterruptible function, then
    a caught TerminationSignal) is raised by the block itself."""
    with pytest.raises(TerminationSignal) as info:
        with ar.exit_on_signals():
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(1)
            except TerminationSignal:
                pass
    assert info.value.code == 143


def test_a_signal_during_an_exception_becomes_the_exit():
    """A signal that arrives while another exception unwinds is not raised into the cleanup; the
    block ends with TerminationSignal (from the other exception) instead."""
    with pytest.raises(TerminationSignal) as info:
        with ar.exit_on_signals():
            try:
                raise RuntimeError("solver failed")
            finally:
                os.kill(os.getpid(), signal.SIGINT)
                t0 = time.monotonic()
                while time.monotonic() - t0 < 0.5:   # cleanup code runs on, uninterrupted
                    pass
    assert info.value.code == 130 and isinstance(info.value.__cause__, RuntimeError)


def test_signals_recorded_before_the_block_are_raised_in_it():
    before = {s: signal.getsignal(s) for s in ar.HANDLED_SIGNALS}
    try:
        ar.record_signals()
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
        reached = []
        with pytest.raises(TerminationSignal) as info:
            with ar.exit_on_signals():
                reached.append("body")
                time.sleep(2)
                reached.append("not interrupted")
        assert info.value.code == 130 and reached == ["body"]
        assert ar.take_recorded_signal() is None
    finally:
        for s, h in before.items():
            signal.signal(s, h)


# ----------------------------------------------------------------------------
# staged outputs
# ----------------------------------------------------------------------------
def test_archive_and_figures_appear_together_at_the_end(tmp_path):
    out = tmp_path / "out"
    final = out / "NAME.h5"
    with ar.staged_outputs() as staging:
        with StudyOutput(final, command="sunsink run x.toml") as so:
            so.begin({"p": ar.history_group({"x": ar.Column("1", "x")})})
            so.append("p", {"x": 1.0})
            staged = so.finish(_tree(), config_text="x = 1")
            assert staged != final and staged.parent == out and staged.name.startswith(".NAME.h5.staged-")
            assert ar.read_archive(staged)["a_m"]["data"].tolist() == [0, 1, 2, 3]
        figures = ar.stage_dir(out)
        (figures / "fig.png").write_bytes(b"png")
        assert not final.exists() and not (out / "fig.png").exists()
        assert (out / "NAME.h5.lock").exists()      # still ours until the commit
    assert staging.committed == [final, out / "fig.png"]
    assert _names(out) == ["NAME.h5", "fig.png"]
    assert ar.read_archive(final)["attrs"]["archive_state"] == "complete"


@pytest.mark.parametrize("older", [False, True], ids=["fresh", "older-outputs"])
def test_an_exception_leaves_nothing_and_keeps_older_outputs(tmp_path, older):
    out = tmp_path / "out"
    final = out / "NAME.h5"
    if older:
        out.mkdir()
        ar.write_archive(final, _tree())
        (out / "fig.png").write_bytes(b"old")
        before = final.read_bytes()
    with pytest.raises(RuntimeError, match="figure failed"):
        with ar.staged_outputs():
            with StudyOutput(final) as so:
                so.finish(_tree())
            (ar.stage_dir(out) / "fig.png").write_bytes(b"new")
            raise RuntimeError("figure failed")
    if older:
        assert _names(out) == ["NAME.h5", "fig.png"]
        assert final.read_bytes() == before and (out / "fig.png").read_bytes() == b"old"
    else:
        assert not out.exists()          # the directory the staging made is gone too


def test_a_signal_pending_at_commit_aborts_it(tmp_path):
    out = tmp_path / "out"

    @ar.signals._uninterruptible
    def signal_now():              # the handler runs in here and may not raise: the signal stays pending
        os.kill(os.getpid(), signal.SIGTERM)
        sum(range(1000))

    with pytest.raises(TerminationSignal) as info:
        with ar.exit_on_signals(), ar.staged_outputs() as staging:
            with StudyOutput(out / "NAME.h5") as so:
                so.finish(_tree())
            (ar.stage_dir(out) / "fig.png").write_bytes(b"png")
            signal_now()
            assert ar.pending_signal() == signal.SIGTERM
    assert info.value.code == 143 and staging.committed == []
    assert _names(out) == []


def test_without_staging_finish_writes_the_final_name(tmp_path):
    final = tmp_path / "NAME.h5"
    with StudyOutput(final) as so:
        assert so.finish(_tree()) == final and final.exists()
    assert ar.stage_dir(tmp_path / "figs") == tmp_path / "figs" and ar.stage_file(final) == final


def test_a_staged_archive_left_by_a_killed_run_is_removed(tmp_path):
    """SIGKILL after staging leaves the hidden staged archive and a stale lock; the next run removes them."""
    final = tmp_path / "NAME.h5"
    code = textwrap.dedent(f"""
        import importlib.util, sys, time
        spec = importlib.util.spec_from_file_location("sunsink_archive", {str(PACKAGE)!r})
        ar = importlib.util.module_from_spec(spec)
        sys.modules["sunsink_archive"] = ar
        spec.loader.exec_module(ar)
        import numpy as np
        with ar.staged_outputs():
            with ar.StudyOutput({str(final)!r}) as so:
                so.begin({{"p": ar.history_group({{"x": ar.Column("1", "x")}})}})
                so.finish({{"a_m": ar.Dataset(1.0, "m", "a")}})
            print("STAGED", flush=True)
            time.sleep(60)
    """)
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "STAGED"
    p.kill()
    p.wait()
    left = _names(tmp_path)
    assert "NAME.h5" not in left and "NAME.h5.lock" in left and any(".staged-" in n for n in left), left
    with StudyOutput(final) as so:
        so.finish(_tree())
    assert _names(tmp_path) == ["NAME.h5"]
