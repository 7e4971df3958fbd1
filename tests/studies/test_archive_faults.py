"""Fault injection for the archive layer (issue 13): output paths, locks, the study
output life cycle, signals, incomplete and corrupt archives.

Small synthetic trees only (no JAX computation).  Tests that need a second process
(a lock holder, a process killed mid-write, a signal) start a child Python that loads
``studies/archive.py`` by its file path, so that it starts in a fraction of a second
without importing JAX.  The tests run as root, for whom permission bits do not block
writes: an unwritable directory is made with a file in the way of the path, with a
child process that drops to the ``nobody`` user before it touches the directory (a
read-only bind mount is not available), and with an injected EROFS.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from studies import archive as ar
from studies.archive import (
    ArchiveError,
    ArchiveNotFoundError,
    ArchiveVersionError,
    Column,
    CorruptArchiveError,
    Dataset,
    IncompleteArchiveError,
    LockInfo,
    OutputLock,
    OutputLockedError,
    OutputPathError,
    StudyOutput,
    TerminationSignal,
)

ARCHIVE_PY = Path(ar.__file__).resolve()
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "small_satellite.h5"
CONFIG = "[study]\nname = 'tiny'\n"


def _tree(n: int = 16) -> dict:
    rng = np.random.default_rng(3)
    return {
        "metrics": {"mass_kg": Dataset(np.float64(1234.5), "kg", "total mass"),
                    "label": Dataset("tiny study", "1", "label")},
        "field": ar.field_group(rng.standard_normal((4, 5)), np.arange(5.0), np.arange(4.0),
                                name="t_k", units="K", long_name="temperature"),
        "big": {"p_w": Dataset(rng.standard_normal(n), "W", "power", compression="gzip")},
    }


def _progress_tree() -> dict:
    return {"progress": ar.history_group({"objective": Column("1", "objective"),
                                          "x": Column("1", "design", shape=(2,))})}


def _row(k: int = 0) -> dict:
    return {"objective": float(k), "x": [k, -k]}


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def _complete_archive(path: Path) -> Path:
    return ar.write_archive(path, _tree(), config_text=CONFIG, attrs={"title": "tiny"},
                            command_line="sunsink run tiny.toml")


def _one_line_naming(exc: BaseException, path: Path | str) -> str:
    msg = str(exc)
    assert "\n" not in msg, msg
    assert str(path) in msg, msg
    assert "Traceback" not in msg
    return msg


# ----------------------------------------------------------------------------
# child processes: load studies/archive.py by path (no JAX import, fast start)
# ----------------------------------------------------------------------------
_PRELUDE = f"""
import importlib.util, os, signal, sys, time
from pathlib import Path
# SIGINT raises KeyboardInterrupt as in a terminal, even when the test process inherited it ignored
# (a background job of a non-interactive shell does, and its children inherit that)
signal.signal(signal.SIGINT, signal.default_int_handler)
spec = importlib.util.spec_from_file_location("sunsink_archive", {str(ARCHIVE_PY)!r})
ar = importlib.util.module_from_spec(spec)
sys.modules["sunsink_archive"] = ar
spec.loader.exec_module(ar)
import numpy as np

def progress_tree():
    return {{"progress": ar.history_group({{"objective": ar.Column("1", "objective"),
                                           "x": ar.Column("1", "design", shape=(2,))}})}}

def say(word):
    print(word, flush=True)
"""


def _child(body: str, *args: str, **kwargs) -> subprocess.Popen:
    code = _PRELUDE + textwrap.dedent(body)
    return subprocess.Popen([sys.executable, "-c", code, *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


@pytest.fixture()
def interactive_sigint():
    """SIGINT raising KeyboardInterrupt in this process, as in an interactive run, whatever disposition
    the test process inherited; restored afterwards."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def _wait_for(proc: subprocess.Popen, word: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.strip() == word:
            return
        if not line and proc.poll() is not None:
            break
    proc.kill()
    out, err = proc.communicate()
    raise AssertionError(f"child did not say {word!r}; stdout={out!r} stderr={err[-2000:]!r}")


def _finish(proc: subprocess.Popen, timeout: float = 30.0) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"child hung; stderr={err[-2000:]!r}") from None
    return proc.returncode, out, err


def _dead_pid() -> int:
    """A PID that belonged to a process that has exited and been reaped."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _write_lock(final: Path, **fields) -> Path:
    info = LockInfo.for_this_process(final, "sunsink run other.toml")
    data = {**info.__dict__, "token": "someone-else", **fields}
    lock = ar.lock_path_for(final)
    lock.write_text(json.dumps(data) + "\n")
    return lock


# ----------------------------------------------------------------------------
# output path checks (before any computation)
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("below", ["NAME.h5", "sub/NAME.h5", "sub/deeper/NAME.h5"])
def test_out_is_a_file(tmp_path, below):
    blocker = tmp_path / "results.txt"
    blocker.write_text("not a directory")
    final = blocker / below
    with pytest.raises(OutputPathError) as info:
        ar.check_output_path(final)
    msg = _one_line_naming(info.value, blocker)
    assert "is a file, not a directory" in msg
    ran = []
    with pytest.raises(OutputPathError):
        with StudyOutput(final, command="sunsink run x.toml"):
            ran.append(True)  # never: the path is checked before the body runs
    assert ran == []
    assert _names(tmp_path) == ["results.txt"]
    assert blocker.read_text() == "not a directory"


def test_final_path_is_a_directory_or_special(tmp_path):
    (tmp_path / "NAME.h5").mkdir()
    with pytest.raises(OutputPathError, match="is a directory"):
        ar.check_output_path(tmp_path / "NAME.h5")
    os.mkfifo(tmp_path / "pipe.h5")
    with pytest.raises(OutputPathError, match="not a regular file"):
        with StudyOutput(tmp_path / "pipe.h5"):
            pass
    assert _names(tmp_path) == ["NAME.h5", "pipe.h5"]


def test_existing_archive_and_overwrite(tmp_path):
    final = _complete_archive(tmp_path / "NAME.h5")
    with pytest.raises(OutputPathError, match="exists"):
        ar.check_output_path(final, overwrite=False)
    assert ar.check_output_path(final) == final
    with StudyOutput(final, command="c") as out:
        out.finish({"a_m": Dataset(2.0, "m", "a")})
    assert ar.read_dataset(final, "a_m")["data"] == 2.0


def test_missing_directories_are_created(tmp_path):
    final = tmp_path / "a" / "b" / "NAME.h5"
    assert ar.check_output_path(final) == final
    assert final.parent.is_dir()
    assert _names(final.parent) == []  # the write probe is gone


def test_unwritable_directory_injected_erofs(tmp_path, monkeypatch):
    real_open = os.open

    def read_only(path, flags, *args, **kwargs):
        if flags & os.O_CREAT:
            raise OSError(30, "Read-only file system", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(OutputPathError) as info:
        with StudyOutput(tmp_path / "NAME.h5"):
            pass
    msg = _one_line_naming(info.value, tmp_path)
    assert "not writable" in msg and "Read-only file system" in msg
    monkeypatch.undo()
    assert _names(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "setuid"), reason="POSIX only")
def test_unwritable_directory_for_an_unprivileged_process():
    """Permission bits do not stop root: the child drops to 'nobody' after loading the module."""
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to the nobody user (as a user, chmod alone would do)")
    base = Path(tempfile.mkdtemp(prefix="sunsink-ro-"))  # /tmp: traversable by nobody
    try:
        base.chmod(0o755)
        ro = base / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        proc = _child("""
            os.setgid(65534); os.setuid(65534)
            final = Path(sys.argv[1]) / "NAME.h5"
            for make in (lambda: ar.check_output_path(final),
                         lambda: ar.StudyOutput(final).__enter__(),
                         lambda: ar.check_output_path(final.parent / "new" / "NAME.h5")):
                try:
                    make()
                    print("NO ERROR")
                except ar.OutputPathError as exc:
                    print("OutputPathError:", exc)
            """, str(ro))
        rc, out, err = _finish(proc)
        assert rc == 0, err
        lines = out.splitlines()
        assert len(lines) == 3, out
        assert all(line.startswith("OutputPathError:") for line in lines), out
        assert "is not writable: Permission denied" in lines[0] and str(ro) in lines[0]
        assert "is not writable: Permission denied" in lines[1]
        assert "cannot create output directory" in lines[2] and "Permission denied" in lines[2]
        assert _names(ro) == []
    finally:
        shutil.rmtree(base, ignore_errors=True)


# ----------------------------------------------------------------------------
# study output life cycle
# ----------------------------------------------------------------------------
def test_life_cycle_finish(tmp_path):
    final = tmp_path / "out" / "NAME.h5"
    with StudyOutput(final, command="sunsink run tiny.toml") as out:
        assert out.progress_path == tmp_path / "out" / ".NAME.h5.in-progress"
        assert out.lock_path == tmp_path / "out" / "NAME.h5.lock"
        lock = json.loads(out.lock_path.read_text())
        assert lock["pid"] == os.getpid() and lock["host"] == socket.gethostname()
        assert lock["command"] == "sunsink run tiny.toml" and lock["started"]
        out.begin(_progress_tree(), config_text=CONFIG, attrs={"title": "tiny (running)"})
        for k in range(3):
            assert out.append("progress", _row(k)) == k + 1
        assert not final.exists()
        with pytest.raises(IncompleteArchiveError):
            ar.read_archive(out.progress_path)
        assert out.finish(_tree(), config_text=CONFIG, attrs={"title": "tiny"}) == final
        assert not out.progress_path.exists()
    assert _names(final.parent) == ["NAME.h5"]
    back = ar.read_archive(final)
    assert back["attrs"]["archive_state"] == "complete"
    assert back["metrics"]["mass_kg"]["data"] == 1234.5
    assert ar.read_provenance(final)["command_line"] == "sunsink run tiny.toml"
    assert ar.read_config_text(final) == CONFIG


def test_life_cycle_finish_progress(tmp_path):
    final = tmp_path / "NAME.h5"
    with StudyOutput(final, command="sunsink sweep x.toml") as out:
        out.begin(_progress_tree(), config_text=CONFIG)
        out.append("progress", {"objective": [1.0, 2.0], "x": np.ones((2, 2))})
        assert out.finish_progress(attrs={"title": "sweep"}) == final
    assert _names(tmp_path) == ["NAME.h5"]
    back = ar.read_archive(final)
    assert back["attrs"]["title"] == "sweep"
    np.testing.assert_array_equal(back["progress"]["objective"]["data"], [1.0, 2.0])
    assert ar.describe_archive(final).splitlines()[0].endswith("(sunsink.study 1.0.0, complete)")


def test_normal_exit_without_finish_writes_nothing(tmp_path):
    final = tmp_path / "new" / "NAME.h5"
    with StudyOutput(final) as out:
        out.begin(_progress_tree())
    assert not final.exists()
    assert _names(final.parent) == []


@pytest.mark.parametrize("exc", [RuntimeError("solver failed"), KeyboardInterrupt(),
                                 SystemExit(3), TerminationSignal(signal.SIGTERM)],
                         ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("older", [False, True], ids=["fresh", "older-archive"])
def test_exception_leaves_nothing_and_keeps_older_archive(tmp_path, exc, older):
    out_dir = tmp_path / "out"
    final = out_dir / "NAME.h5"
    if older:
        out_dir.mkdir()
        _complete_archive(final)
        before = final.read_bytes()
    with pytest.raises(type(exc)):
        with StudyOutput(final) as out:
            out.begin(_progress_tree(), config_text=CONFIG)
            out.append("progress", _row())
            raise exc
    if older:
        assert final.read_bytes() == before
        assert _names(out_dir) == ["NAME.h5"]
    else:
        assert not out_dir.exists()  # the directory it created (empty again) is gone too


def test_exception_during_final_write_leaves_nothing(tmp_path):
    final = tmp_path / "NAME.h5"

    class Bomb:
        def __array__(self, dtype=None, copy=None):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        with StudyOutput(final) as out:
            out.begin(_progress_tree())
            out.finish({"a": {"x_m": Dataset(1.0, "m", "x")}, "b": {"y": Dataset(Bomb(), "1", "y")}})
    assert _names(tmp_path) == []


def test_exception_after_finish_keeps_the_complete_archive(tmp_path):
    final = tmp_path / "NAME.h5"
    with pytest.raises(RuntimeError, match="figures"):
        with StudyOutput(final) as out:
            out.finish(_tree())
            raise RuntimeError("figures failed")
    assert _names(tmp_path) == ["NAME.h5"]
    assert ar.read_archive(final)["metrics"]["mass_kg"]["data"] == 1234.5


def test_misuse_is_refused(tmp_path):
    out = StudyOutput(tmp_path / "NAME.h5")
    with pytest.raises(ArchiveError, match="outside the 'with' block"):
        out.begin(_progress_tree())
    with out:
        with pytest.raises(ArchiveError, match="before begin"):
            out.append("progress", _row())
        with pytest.raises(ArchiveError, match="without a progress file"):
            out.finish_progress()
        with pytest.raises(ValueError, match="reserved"):
            out.begin(_progress_tree(), attrs={"archive_state": "complete"})
        out.finish(_tree())
        with pytest.raises(ArchiveError, match="after the archive was finished"):
            out.finish(_tree())
    with pytest.raises(ValueError, match="reserved"):
        ar.write_archive(tmp_path / "x.h5", {}, attrs={"archive_state": "complete"})


def test_deferred_signals_hold_sigint_until_the_section_ends(interactive_sigint):
    seen = []
    with pytest.raises(KeyboardInterrupt):
        with ar._deferred_signals():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
            seen.append("section finished")
    assert seen == ["section finished"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_exit_on_signals_raises_termination_signal():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(TerminationSignal) as info:
        with ar.exit_on_signals():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)
    assert info.value.code == 143 and info.value.signum == signal.SIGTERM
    assert str(info.value) == "interrupted by SIGTERM"
    assert isinstance(info.value, SystemExit)
    assert TerminationSignal(signal.SIGINT).code == 130
    assert signal.getsignal(signal.SIGTERM) == before


# ----------------------------------------------------------------------------
# signals and kills of a running study (child processes)
# ----------------------------------------------------------------------------
_RUNNING_STUDY = """
final = Path(sys.argv[1])
mode = sys.argv[2]
def study():
    with ar.StudyOutput(final, command="sunsink run tiny.toml") as out:
        out.begin(progress_tree(), config_text="x = 1")
        k = 0
        while True:
            out.append("progress", {"objective": float(k), "x": [k, k]})
            k += 1
            if k == 3:
                say("RUNNING")
            time.sleep(0.005)
if mode == "handlers":
    try:
        with ar.exit_on_signals():
            study()
    except ar.TerminationSignal as exc:
        print(f"sunsink: {exc}", file=sys.stderr)
        sys.exit(exc.code)
elif mode == "keyboardinterrupt":
    try:
        study()
    except KeyboardInterrupt:
        print("sunsink: interrupted", file=sys.stderr)
        sys.exit(130)
else:
    study()
"""


@pytest.mark.parametrize("mode, signum, code", [
    ("handlers", signal.SIGTERM, 143),
    ("handlers", signal.SIGINT, 130),
    ("keyboardinterrupt", signal.SIGINT, 130),
])
def test_signal_mid_run_removes_everything(tmp_path, mode, signum, code):
    final = tmp_path / "NAME.h5"
    proc = _child(_RUNNING_STUDY, str(final), mode)
    _wait_for(proc, "RUNNING")
    assert (tmp_path / ".NAME.h5.in-progress").exists() and (tmp_path / "NAME.h5.lock").exists()
    proc.send_signal(signum)
    rc, out, err = _finish(proc)
    assert rc == code, err
    assert "Traceback" not in err
    assert err.strip().count("\n") == 0 and err.startswith("sunsink: interrupted")
    assert _names(tmp_path) == []


def test_sigkill_mid_run_leaves_nothing_under_the_final_name(tmp_path, caplog):
    final = tmp_path / "NAME.h5"
    proc = _child(_RUNNING_STUDY, str(final), "plain")
    _wait_for(proc, "RUNNING")
    proc.kill()
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    left = _names(tmp_path)
    assert "NAME.h5" not in left
    assert left == [".NAME.h5.in-progress", "NAME.h5.lock"]
    with pytest.raises(IncompleteArchiveError):
        ar.read_archive(tmp_path / ".NAME.h5.in-progress")
    # the next run detects the stale lock, takes it over and removes the dead run's files
    with caplog.at_level(logging.WARNING, logger="sunsink.archive"):
        with StudyOutput(final) as out:
            assert out.lock.replaced is not None and out.lock.replaced.pid == proc.pid
            assert not out.progress_path.exists()
            out.finish(_tree())
    text = caplog.text
    assert "stale lock" in text and str(proc.pid) in text and "no longer exists" in text
    assert _names(tmp_path) == ["NAME.h5"]


def test_sigkill_mid_final_write_leaves_nothing_under_the_final_name(tmp_path):
    """Killed while the final archive's temporary file is written: the name never appears."""
    final = tmp_path / "NAME.h5"
    older = _complete_archive(final)
    before = older.read_bytes()
    proc = _child("""
        final = Path(sys.argv[1])
        real_seal = ar._write_seal
        def stall(path, *, sealed):
            real_seal(path, sealed=sealed)
            if sealed and path.name.endswith(".tmp"):
                say("WRITTEN")
                time.sleep(60)
        ar._write_seal = stall
        with ar.StudyOutput(final) as out:
            out.begin(progress_tree())
            out.finish({"a_m": ar.Dataset(np.arange(1000.0), "m", "a")})
        """, str(final))
    _wait_for(proc, "WRITTEN")
    tmps = [n for n in _names(tmp_path) if n.endswith(".tmp")]
    assert len(tmps) == 1 and tmps[0].startswith(".NAME.h5.")
    proc.kill()
    proc.wait()
    assert final.read_bytes() == before  # the older archive, untouched
    with StudyOutput(final) as out:
        assert out.lock.replaced.pid == proc.pid
    assert _names(tmp_path) == ["NAME.h5"]  # temporary and progress files of the dead run removed


# ----------------------------------------------------------------------------
# locks
# ----------------------------------------------------------------------------
def test_second_study_in_process_is_refused(tmp_path):
    final = tmp_path / "NAME.h5"
    with StudyOutput(final, command="sunsink run first.toml") as first:
        first.begin(_progress_tree())
        with pytest.raises(OutputLockedError) as info:
            with StudyOutput(final, command="sunsink run second.toml"):
                pytest.fail("the body of a refused study must not run")
        msg = _one_line_naming(info.value, final)
        assert f"process {os.getpid()} on host {socket.gethostname()}" in msg
        assert "sunsink run first.toml" in msg and "NAME.h5.lock" in msg
        assert info.value.holder.pid == os.getpid()
        # the refused run touched nothing of the holder's
        assert first.progress_path.exists() and first.lock_path.exists()
        first.append("progress", _row())
        first.finish_progress()
    assert _names(tmp_path) == ["NAME.h5"]


def test_concurrent_run_in_another_process_is_refused_naming_it(tmp_path):
    final = tmp_path / "NAME.h5"
    proc = _child("""
        with ar.StudyOutput(Path(sys.argv[1]), command="sunsink run holder.toml") as out:
            out.begin(progress_tree())
            say("LOCKED")
            sys.stdin.readline()
            out.finish_progress()
        """, str(final))
    _wait_for(proc, "LOCKED")
    t0 = time.monotonic()
    with pytest.raises(OutputLockedError) as info:
        with StudyOutput(final):
            pass
    assert time.monotonic() - t0 < 5.0  # fails at once, no waiting
    msg = _one_line_naming(info.value, final)
    assert f"process {proc.pid} on host {socket.gethostname()}" in msg
    assert "sunsink run holder.toml" in msg
    proc.stdin.write("go\n")
    proc.stdin.flush()
    rc, _, err = _finish(proc)
    assert rc == 0, err
    assert _names(tmp_path) == ["NAME.h5"]
    with StudyOutput(final) as out:  # free again
        out.finish(_tree())


def test_racing_for_a_stale_lock_exactly_one_wins(tmp_path):
    final = tmp_path / "NAME.h5"
    _write_lock(final, pid=_dead_pid())
    go = tmp_path / "go"
    racers = [_child("""
        final, go = Path(sys.argv[1]), Path(sys.argv[2])
        say("READY")
        while not go.exists():
            time.sleep(0.001)
        try:
            with ar.StudyOutput(final) as out:
                say("WON")
                sys.stdin.readline()  # hold the lock until every racer has answered
        except ar.OutputLockedError as exc:
            say("REFUSED")
        """, str(final), str(go)) for _ in range(4)]
    for proc in racers:
        _wait_for(proc, "READY")
    go.touch()
    results = [proc.stdout.readline().strip() for proc in racers]
    for proc, result in zip(racers, results):
        if result == "WON":
            proc.stdin.write("done\n")
            proc.stdin.flush()
        rc, _, err = _finish(proc)
        assert rc == 0, err
    assert sorted(results) == ["REFUSED"] * 3 + ["WON"], results
    go.unlink()
    assert _names(tmp_path) == []


def test_threads_racing_for_a_stale_lock_exactly_one_wins(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    final = tmp_path / "NAME.h5"
    _write_lock(final, pid=_dead_pid())
    locks = [OutputLock(final) for _ in range(8)]

    def take(lock):
        try:
            lock.acquire()
            return "won"
        except OutputLockedError:
            return "refused"

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(take, locks))
    assert sorted(results) == ["refused"] * 7 + ["won"]
    winner = locks[results.index("won")]
    assert json.loads(ar.lock_path_for(final).read_text())["token"] == winner.info.token
    winner.release()
    assert _names(tmp_path) == []


@pytest.mark.parametrize("case", ["dead pid", "zombie", "pid reused", "rebooted"])
def test_stale_locks_are_taken_over(tmp_path, caplog, case):
    final = tmp_path / "NAME.h5"
    zombie = None
    if case == "dead pid":
        fields, why = {"pid": _dead_pid()}, "no longer exists"
    elif case == "zombie":
        zombie = subprocess.Popen([sys.executable, "-c", "pass"])
        for _ in range(500):  # exited but not reaped: still in the process table
            if ar._proc_stat(zombie.pid) and ar._proc_stat(zombie.pid)[0] == "Z":
                break
            time.sleep(0.01)
        else:
            pytest.skip("no /proc state for the child")
        fields, why = {"pid": zombie.pid}, "no longer exists"
    elif case == "pid reused":
        fields, why = {"pid": os.getpid(), "pid_start": "1"}, "now belongs to another process"
    else:
        if ar._boot_id() is None:
            pytest.skip("no boot id on this system")
        fields, why = {"pid": os.getpid(), "boot_id": "another-boot"}, "rebooted"
    _write_lock(final, **fields)
    progress = ar.progress_path_for(final)
    progress.write_bytes(b"left by the dead run")
    with caplog.at_level(logging.WARNING, logger="sunsink.archive"):
        with StudyOutput(final) as out:
            assert out.lock.replaced.pid == fields["pid"]
            assert not progress.exists()
            assert json.loads(out.lock_path.read_text())["pid"] == os.getpid()
    assert "stale lock" in caplog.text and why in caplog.text
    assert _names(tmp_path) == []
    if zombie is not None:
        zombie.wait()


def test_lock_from_another_host_is_never_judged_stale(tmp_path):
    final = tmp_path / "NAME.h5"
    lock = _write_lock(final, host="far-away-node", pid=_dead_pid())
    with pytest.raises(OutputLockedError) as info:
        with StudyOutput(final):
            pass
    msg = _one_line_naming(info.value, final)
    assert "host far-away-node" in msg and "cannot be checked from this host" in msg
    assert lock.exists()


def test_unreadable_lock_refused_while_fresh_taken_over_when_old(tmp_path, caplog, monkeypatch):
    final = tmp_path / "NAME.h5"
    lock = ar.lock_path_for(final)
    lock.write_bytes(b"\x00garbage")
    with pytest.raises(OutputLockedError, match="cannot be read"):
        with StudyOutput(final):
            pass
    old = time.time() - 3600
    os.utime(lock, (old, old))
    with caplog.at_level(logging.WARNING, logger="sunsink.archive"):
        with StudyOutput(final) as out:
            assert out.lock.replaced is None
    assert "unreadable" in caplog.text
    assert _names(tmp_path) == []


def test_release_never_removes_another_holders_lock(tmp_path, caplog):
    final = tmp_path / "NAME.h5"
    lock = OutputLock(final).acquire()
    _write_lock(final)  # someone else's token
    with caplog.at_level(logging.WARNING, logger="sunsink.archive"):
        lock.release()
    assert ar.lock_path_for(final).exists()
    assert "taken by another process" in caplog.text


def test_lock_without_hard_links_falls_back_to_o_excl(tmp_path, monkeypatch):
    def no_link(src, dst, *args, **kwargs):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_link)
    final = tmp_path / "NAME.h5"
    with StudyOutput(final, command="cmd") as out:
        assert json.loads(out.lock_path.read_text())["command"] == "cmd"
        with pytest.raises(OutputLockedError):
            OutputLock(final).acquire()
    assert _names(tmp_path) == []


def test_lock_info_round_trip_and_bad_content():
    info = LockInfo.for_this_process(Path("/x/NAME.h5"), "sunsink run a.toml")
    assert LockInfo.from_bytes(info.to_bytes()) == info
    assert info.stale_reason() is None  # this process is alive
    for raw in (b"", b"{}", b"[1]", b'{"pid": 0, "host": "h", "started": "s", "token": "t"}',
                b'{"pid": true, "host": "h", "started": "s", "token": "t"}', b"\xff\xfe"):
        assert LockInfo.from_bytes(raw) is None


# ----------------------------------------------------------------------------
# incomplete archives
# ----------------------------------------------------------------------------
_READERS = {
    "open_archive": lambda p: ar.open_archive(p).__enter__(),
    "read_archive": ar.read_archive,
    "read_dataset": lambda p: ar.read_dataset(p, "metrics/mass_kg"),
    "read_config_text": ar.read_config_text,
    "read_provenance": ar.read_provenance,
    "describe_archive": ar.describe_archive,
}


@pytest.mark.parametrize("reader", list(_READERS))
def test_progress_file_is_refused_by_every_reader(tmp_path, reader):
    with StudyOutput(tmp_path / "NAME.h5") as out:
        out.begin(_tree(), config_text=CONFIG)
        with pytest.raises(IncompleteArchiveError) as info:
            _READERS[reader](out.progress_path)
        msg = _one_line_naming(info.value, out.progress_path)
        assert "incomplete archive" in msg and "rerun the study" in msg


def test_in_progress_state_is_refused_even_when_sealed(tmp_path):
    """A progress file copied away and sealed is still not a result."""
    with StudyOutput(tmp_path / "NAME.h5") as out:
        out.begin(_tree(), config_text=CONFIG)
        copy = tmp_path / "copy.h5"
        shutil.copy(out.progress_path, copy)
    ar.seal_archive(copy)
    with pytest.raises(IncompleteArchiveError, match="archive_state = 'in_progress'"):
        ar.read_archive(copy)
    # diagnosis only
    assert ar.read_archive(copy, allow_incomplete=True)["metrics"]["mass_kg"]["data"] == 1234.5
    assert ", in_progress)" in ar.describe_archive(copy, allow_incomplete=True).splitlines()[0]


def _legacy_archive(path: Path, title: str = "old study", **extra) -> Path:
    """An archive as sunsink wrote before this change: no user block, no archive_state."""
    with h5py.File(path, "w") as f:
        f.attrs["schema_name"] = ar.SCHEMA_NAME
        f.attrs["schema_version"] = "1.0.0"
        f.attrs["title"] = title
        for key, value in extra.items():
            f.attrs[key] = value
        g = f.create_group("metrics")
        ds = g.create_dataset("mass_kg", data=1234.5)
        ds.attrs["units"], ds.attrs["long_name"] = "kg", "total mass"
        big = f.create_dataset("big_w", data=np.arange(4000.0), chunks=(1000,), compression="gzip")
        big.attrs["units"], big.attrs["long_name"] = "W", "compressed data"
        cfg = f.create_group("config").create_dataset("toml", data=CONFIG,
                                                      dtype=h5py.string_dtype())
        cfg.attrs["units"], cfg.attrs["long_name"] = "1", "config"
    return path


def test_legacy_archives_still_read(tmp_path):
    path = _legacy_archive(tmp_path / "old.h5")
    assert ar.read_archive(path)["metrics"]["mass_kg"]["data"] == 1234.5
    assert ar.read_config_text(path) == CONFIG
    assert ", complete)" in ar.describe_archive(path).splitlines()[0]


def test_golden_archive_still_reads():
    """tests/golden/small_satellite.h5 predates archive_state and the seal."""
    tree = ar.read_archive(GOLDEN)
    assert "satellite" in tree and "orbits" in tree
    assert ar.read_config_text(GOLDEN)
    assert ar.describe_archive(GOLDEN).startswith(str(GOLDEN))


def test_legacy_in_progress_title_is_refused(tmp_path):
    path = _legacy_archive(tmp_path / "old.h5", title="baseline (in progress)")
    for reader in _READERS.values():
        with pytest.raises(IncompleteArchiveError, match="did not finish"):
            reader(path)


def test_invalid_state_value(tmp_path):
    path = _legacy_archive(tmp_path / "odd.h5", archive_state="half")
    with pytest.raises(ArchiveError, match="invalid archive_state 'half'"):
        ar.read_archive(path)


# ----------------------------------------------------------------------------
# corrupt archives: every class, every reader
# ----------------------------------------------------------------------------
def _overwrite(path: Path, offset: int, data: bytes) -> None:
    with open(path, "r+b") as fh:
        fh.seek(offset)
        fh.write(data)


def _edit(path: Path, fn) -> None:
    with h5py.File(path, "r+") as f:
        fn(f)
    ar.seal_archive(path)  # a deliberate edit, re-sealed: the content check must catch it


def _corrupt_truncated(p):
    os.truncate(p, p.stat().st_size // 2)
    return CorruptArchiveError, "is truncated"


def _corrupt_one_byte_short(p):
    os.truncate(p, p.stat().st_size - 1)
    return CorruptArchiveError, "is truncated"


def _corrupt_random_bytes(p):
    p.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    return CorruptArchiveError, "not a readable HDF5 file"


def _corrupt_empty(p):
    p.write_bytes(b"")
    return CorruptArchiveError, "not a readable HDF5 file"


def _corrupt_text(p):
    p.write_text("[study]\nname = 'not an archive'\n")
    return CorruptArchiveError, "not a readable HDF5 file"


def _corrupt_overwritten_mid_file(p):
    _overwrite(p, p.stat().st_size // 2, b"\xff" * 64)
    return CorruptArchiveError, "does not match the SHA-256 checksum"


def _corrupt_one_bit(p):
    offset = p.stat().st_size // 3
    byte = p.read_bytes()[offset]
    _overwrite(p, offset, bytes([byte ^ 0x01]))
    return CorruptArchiveError, "does not match the SHA-256 checksum"


def _corrupt_zero_block(p):
    """Zeros over the global heap of the string attributes: HDF5 2.0 loops forever on this."""
    raw = p.read_bytes()
    offset = raw.index(b"GCOL")
    _overwrite(p, offset + 40, b"\x00" * 64)
    return CorruptArchiveError, "does not match the SHA-256 checksum"


def _corrupt_header(p):
    _overwrite(p, 0, b"\x00" * 16)
    return CorruptArchiveError, "not a readable HDF5 file"


def _corrupt_header_fields(p):
    _overwrite(p, len(b"sunsink-archive\n"), b"sha256 nothex")
    return CorruptArchiveError, "header (first 512 bytes) is not valid"


def _corrupt_appended(p):
    with open(p, "ab") as fh:
        fh.write(b"extra")
    return CorruptArchiveError, "bytes, but"


def _corrupt_wrong_major(p):
    _edit(p, lambda f: f.attrs.__setitem__("schema_version", "2.0.0"))
    return ArchiveVersionError, "version 2.0.0"


def _corrupt_no_schema_name(p):
    _edit(p, lambda f: f.attrs.__delitem__("schema_name"))
    return ArchiveError, "no schema_name attribute"


def _corrupt_no_schema_version(p):
    _edit(p, lambda f: f.attrs.__delitem__("schema_version"))
    return ArchiveError, "no schema_version attribute"


def _corrupt_no_units(p):
    _edit(p, lambda f: f["metrics/mass_kg"].attrs.__delitem__("units"))
    return ArchiveError, "has no 'units' attribute"


def _corrupt_directory(p):
    p.unlink()
    p.mkdir()
    return ArchiveError, "is a directory, not an archive file"


def _corrupt_missing(p):
    p.unlink()
    return ArchiveNotFoundError, "does not exist"


def _corrupt_legacy_truncated(p):
    _legacy_archive(p)
    os.truncate(p, p.stat().st_size // 2)
    return CorruptArchiveError, "is truncated"


def _corrupt_legacy_header(p):
    _legacy_archive(p)
    _overwrite(p, 0, b"\xff" * 8)
    return CorruptArchiveError, "not a readable HDF5 file"


_CORRUPTIONS = {name[len("_corrupt_"):]: fn for name, fn in list(globals().items())
                if name.startswith("_corrupt_")}
# readers for which a class does not apply (the damaged object is not on their path)
_NOT_ON_PATH = {("no_units", "read_config_text"), ("no_units", "read_provenance"),
                ("no_units", "open_archive")}


@pytest.mark.parametrize("reader", list(_READERS))
@pytest.mark.parametrize("corruption", list(_CORRUPTIONS))
def test_corrupt_archive_gives_one_clear_line(tmp_path, corruption, reader):
    if (corruption, reader) in _NOT_ON_PATH:
        pytest.skip("the damaged object is not read by this reader")
    path = _complete_archive(tmp_path / "NAME.h5")
    expected, phrase = _CORRUPTIONS[corruption](path)
    with pytest.raises(expected) as info:
        _READERS[reader](path)
    assert isinstance(info.value, ArchiveError)
    msg = _one_line_naming(info.value, path)
    assert phrase in msg


@pytest.mark.parametrize("corruption", ["truncated", "random_bytes", "overwritten_mid_file",
                                        "zero_block", "directory", "missing", "wrong_major"])
@pytest.mark.parametrize("in_place", [False, True])
def test_append_rows_refuses_corrupt_archives(tmp_path, corruption, in_place):
    path = ar.write_archive(tmp_path / "NAME.h5", dict(_progress_tree(), **_tree()))
    expected, _ = _CORRUPTIONS[corruption](path)
    with pytest.raises(expected):
        ar.append_rows(path, "progress", _row(), in_place=in_place)


def test_legacy_damage_inside_the_file_is_converted(tmp_path):
    """Without a seal, HDF5 itself meets the damage: its error becomes CorruptArchiveError."""
    path = _legacy_archive(tmp_path / "old.h5")
    with h5py.File(path) as f:
        offset = f["big_w"].id.get_chunk_info(1).byte_offset
    _overwrite(path, offset, b"\xff" * 256)  # bytes overwritten inside a compressed chunk
    assert ar.read_dataset(path, "metrics/mass_kg")["data"] == 1234.5  # elsewhere: fine
    for reader in (ar.read_archive, lambda p: ar.read_dataset(p, "big_w")):
        with pytest.raises(CorruptArchiveError) as info:
            reader(path)
        assert "is damaged" in _one_line_naming(info.value, path)
    with pytest.raises(CorruptArchiveError):
        with ar.open_archive(path) as f:
            f["big_w"][()]
    with pytest.raises(KeyError):  # a caller's own lookup error is not called damage
        with ar.open_archive(path) as f:
            f["no_such_member"]


def test_missing_file_is_also_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        ar.read_archive(tmp_path / "absent.h5")
    with pytest.raises(ArchiveNotFoundError, match="a parent of it is a file"):
        (tmp_path / "f").write_text("x")
        ar.read_archive(tmp_path / "f" / "absent.h5")


def test_seal_survives_appends_and_detects_later_damage(tmp_path):
    path = ar.write_archive(tmp_path / "NAME.h5", _progress_tree())
    for in_place in (False, True):
        ar.append_rows(path, "progress", _row(), in_place=in_place)
    assert ar.read_archive(path)["progress"]["attrs"]["n_rows"] == 2
    head = path.read_bytes()[:512]
    assert head.startswith(b"sunsink-archive\nsha256 ")
    _corrupt_one_bit(path)
    with pytest.raises(CorruptArchiveError):
        ar.read_archive(path)


def test_seal_archive_refuses_files_without_a_header(tmp_path):
    with pytest.raises(ArchiveError, match="no sunsink archive header"):
        ar.seal_archive(_legacy_archive(tmp_path / "old.h5"))
    with pytest.raises(ArchiveNotFoundError):
        ar.seal_archive(tmp_path / "absent.h5")
