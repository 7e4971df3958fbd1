"""An archive without its integrity seal (written before seals existed) is read with a one-line warning
that names it: on every read path and on ``rerun``, once per archive and command (issue 30, item 6).

The unsealed archive is tests/golden/small_satellite.h5 as sunsink wrote it before the seal: the same
HDF5 bytes without the 512-byte user block (:func:`unsealed_copy`)."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from studies import archive as ar
from studies.cli import main
from test_cli_faults import LEVEL0   # the level-0 study config of the CLI tests

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "small_satellite.h5"


def unsealed_copy(src: Path, dst: Path) -> Path:
    """``src`` without its seal: the HDF5 file after the 512-byte user block, with the version-0
    superblock's base address (bytes 24-31: where the superblock starts) set to 0 and its end-of-file
    address (bytes 40-47) moved down by 512; the other addresses are relative to the base address
    (HDF5 File Format Specification, version 0 superblock)."""
    data = src.read_bytes()
    assert data[:16] == b"sunsink-archive\n" and data[512:520] == b"\x89HDF\r\n\x1a\n" and data[520] == 0
    body = bytearray(data[512:])
    base, eof = (int.from_bytes(body[k:k + 8], "little") for k in (24, 40))
    assert base == 512 and eof == len(data)
    body[24:32] = (0).to_bytes(8, "little")
    body[40:48] = (eof - 512).to_bytes(8, "little")
    dst.write_bytes(bytes(body))
    return dst


@pytest.fixture(scope="module")
def legacy(tmp_path_factory) -> Path:
    return unsealed_copy(GOLDEN, tmp_path_factory.mktemp("legacy") / "small_satellite.h5")


def expected(path: Path) -> str:
    return (f"archive {str(path)!r} is not verified: it has no integrity seal (written before sunsink sealed "
            "its archives, or by another tool), so damage to it cannot be detected")


def warnings_in(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "sunsink.archive" and "is not verified" in r.getMessage()]


@pytest.fixture(autouse=True)
def new_command():
    """Each test starts a new command for the once-per-command warning (as ``staged_outputs`` does)."""
    ar.seal._UNVERIFIED_REPORTED.clear()


def _open(path):
    with ar.open_archive(path) as f:
        return f.attrs["schema_name"]


READERS = {
    "open_archive": _open,
    "read_archive": ar.read_archive,
    "read_dataset": lambda p: ar.read_dataset(p, "config/toml"),
    "read_config_text": ar.read_config_text,
    "read_provenance": ar.read_provenance,
    "describe_archive": ar.describe_archive,
}


def test_the_unsealed_copy_reads_as_the_golden_archive(legacy, caplog):
    assert legacy.read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"   # HDF5 at byte 0: no user block, no seal
    assert ar.seal._verify_seal(legacy) == "legacy" and ar.seal._verify_seal(GOLDEN) == "sealed"
    with caplog.at_level(logging.WARNING, logger="sunsink.archive"):
        assert ar.describe_archive(legacy).splitlines()[1:] == ar.describe_archive(GOLDEN).splitlines()[1:]
    assert warnings_in(caplog) == [expected(legacy)]     # and none for the sealed golden archive


@pytest.mark.parametrize("reader", READERS)
def test_every_reader_warns_once(legacy, caplog, reader):
    with caplog.at_level(logging.WARNING, logger="sunsink.archive"):
        READERS[reader](legacy)
        READERS[reader](legacy)
    assert warnings_in(caplog) == [expected(legacy)]


def test_once_per_command_over_all_readers(legacy, caplog):
    with caplog.at_level(logging.WARNING, logger="sunsink.archive"):
        with ar.staged_outputs():     # one command (main() runs each in one)
            for read in READERS.values():
                read(legacy)
            assert warnings_in(caplog) == [expected(legacy)]
            with ar.staged_outputs():     # nested: still the same command
                ar.read_archive(legacy)
            assert len(warnings_in(caplog)) == 1
        with ar.staged_outputs():     # the next command says it again
            ar.read_provenance(legacy)
    assert warnings_in(caplog) == [expected(legacy)] * 2


def test_a_sealed_archive_is_read_without_warning(tmp_path, caplog):
    path = ar.write_archive(tmp_path / "sealed.h5", {"a_m": ar.Dataset(1.0, "m", "a")}, config_text="x = 1")
    with caplog.at_level(logging.WARNING, logger="sunsink.archive"):
        for read in READERS.values():
            read(path)
    assert warnings_in(caplog) == []


@pytest.mark.parametrize("verb", ["inspect", "report"])
def test_inspect_and_report_warn_once(legacy, tmp_path, caplog, verb):
    argv = [verb, str(legacy)] + (["--out", str(tmp_path / "figures")] if verb == "report" else [])
    with caplog.at_level(logging.WARNING, logger="sunsink.archive"):
        assert main(argv) == 0
    assert warnings_in(caplog) == [expected(legacy)]
    if verb == "report":
        assert len(list((tmp_path / "figures").glob("*.png"))) >= 8


def test_rerun_warns_once(tmp_path, caplog, monkeypatch):
    """``rerun`` of an archive without a seal: one warning for it, none for the new (sealed) archive."""
    legacy = tmp_path / "legacy.h5"
    with monkeypatch.context() as m:     # write it as sunsink did before the seal
        m.setattr(ar.write, "USERBLOCK_SIZE", 0)
        m.setattr(ar.write, "_write_seal", lambda path, *, sealed: None)
        ar.write_archive(legacy, {"a_m": ar.Dataset(1.0, "m", "a")}, config_text=LEVEL0)
    assert legacy.read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"
    with caplog.at_level(logging.WARNING, logger="sunsink.archive"):
        assert main(["rerun", str(legacy), "--out", str(tmp_path / "again")]) == 0
    assert warnings_in(caplog) == [expected(legacy)]
    assert (tmp_path / "again" / "level0.h5").read_bytes()[:16] == b"sunsink-archive\n"


def test_the_cli_prints_one_line(legacy, tmp_path):
    """Through a real ``sunsink inspect``: the warning is one line on stderr, the listing on stdout."""
    r = subprocess.run([sys.executable, "-m", "studies.cli", "inspect", str(legacy)], capture_output=True,
                       text=True, timeout=600, cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines() == [f"sunsink: {expected(legacy)}"]
    assert r.stdout.startswith(str(legacy))
