"""The integrity seal, damage detection, and opening an archive file safely.

Archives are written with a 512-byte HDF5 user block (:data:`USERBLOCK_SIZE`;
HDF5, h5py, h5netcdf and xarray skip it) that holds, once the file is complete,
the SHA-256 checksum and size of the rest of the file.  Readers check the seal
*before* HDF5 parses anything (:func:`_open_h5`): any changed, truncated or
extended byte is reported, including bytes inside raw data, and HDF5 never meets
damaged metadata (some damage makes the HDF5 library loop forever).  The
progress file of a running study carries an "unsealed" header.
:func:`~studies.archive.append_rows` re-seals after appending.  An archive edited
deliberately with h5py must be re-sealed with :func:`seal_archive`.

Archives written before the seal existed (no user block) cannot be verified:
they are read, with a one-line warning that names the file (logger
``sunsink.archive``), once per file and command.

A missing file, a directory, a file that is not HDF5, a truncated or overwritten
file, and the errors h5py raises while reading a damaged one become an
:class:`~studies.archive.ArchiveError` (:class:`~studies.archive.CorruptArchiveError`
for damage) whose one-line message names the file.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import h5py

from .schema import ArchiveError, ArchiveNotFoundError, CorruptArchiveError, IncompleteArchiveError, _one_line

__all__ = ["USERBLOCK_SIZE", "seal_archive"]

log = logging.getLogger("sunsink.archive")

#: Archives already reported as unverified in this command (their real paths); emptied by
#: :func:`~studies.archive.staged_outputs`, which starts each ``sunsink`` command.
_UNVERIFIED_REPORTED: set[str] = set()

#: Size of the HDF5 user block that holds the integrity seal (see :func:`seal_archive`).
USERBLOCK_SIZE = 512
_SEAL_MAGIC = b"sunsink-archive\n"
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"

_H5PY_DIR = os.path.dirname(h5py.__file__)
# What h5py raises for damaged files: HDF5 errors map to OSError, RuntimeError,
# KeyError, ValueError or TypeError; garbage metadata also shows up as
# AttributeError, IndexError, UnicodeDecodeError, OverflowError ... in h5py or in
# the readers' code.
_DAMAGE_ERRORS = (OSError, RuntimeError, KeyError, ValueError, TypeError, AttributeError,
                  IndexError, LookupError, ArithmeticError, UnicodeError, MemoryError,
                  SystemError)


def _h5_reason(exc: BaseException) -> str:
    """Short, one-line reason from an h5py/HDF5 exception."""
    text = _one_line(exc) or type(exc).__name__
    # "Unable to synchronously open file (truncated file: eof = ...)" -> the part in brackets
    for prefix in ("Unable to synchronously open file (", "Unable to open file (",
                   "Can't synchronously read data (", "Can't read data ("):
        if text.startswith(prefix) and text.endswith(")"):
            text = text[len(prefix):-1]
    if isinstance(exc, KeyError) and text.startswith(("'", '"')) and text.endswith(("'", '"')):
        text = text[1:-1]
    return text


def _describe_damage(file: str, exc: BaseException) -> str:
    reason = _h5_reason(exc)
    low = reason.lower()
    if "truncated file" in low:
        what = "is truncated (shorter than its HDF5 header records: an interrupted copy or a full disk?)"
    elif "file signature not found" in low:
        what = "is not a readable HDF5 file (no HDF5 signature: not an archive, or overwritten)"
    else:
        what = "is damaged: its HDF5 structure cannot be read"
    return f"{file!r} {what} [{reason}]"


def _check_is_file(path: Path) -> None:
    """Refuse a missing path or a non-file with a clear ArchiveError."""
    file = str(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ArchiveNotFoundError(f"archive {file!r} does not exist") from None
    except NotADirectoryError:
        raise ArchiveNotFoundError(
            f"archive {file!r} does not exist (a parent of it is a file)"
        ) from None
    except OSError as exc:
        raise ArchiveError(f"archive {file!r} cannot be accessed: {_one_line(exc.strerror or exc)}") \
            from exc
    if stat.S_ISDIR(mode):
        raise ArchiveError(f"{file!r} is a directory, not an archive file")
    if not stat.S_ISREG(mode):
        raise ArchiveError(f"{file!r} is not a regular file, so not an archive")


@contextlib.contextmanager
def _damage_guard(path: Path | str) -> Iterator[None]:
    """Turn errors raised while reading an open archive into CorruptArchiveError."""
    try:
        yield
    except ArchiveError:
        raise
    except _DAMAGE_ERRORS as exc:
        raise CorruptArchiveError(_describe_damage(str(path), exc)) from exc


def _warn_unverified(path: Path) -> None:
    """Say once per file and command that an archive without a seal is read unverified."""
    key = os.path.realpath(path)
    if key in _UNVERIFIED_REPORTED:
        return
    _UNVERIFIED_REPORTED.add(key)
    log.warning("archive %r is not verified: it has no integrity seal (written before sunsink "
                "sealed its archives, or by another tool), so damage to it cannot be detected",
                str(path))


@contextlib.contextmanager
def _open_h5(path: Path, mode: str = "r", *, verify: bool = True,
             allow_incomplete: bool = False) -> Iterator[h5py.File]:
    """Open an HDF5 file after checking its seal; missing/unopenable files raise ArchiveError."""
    _check_is_file(path)
    file = str(path)
    if verify and _verify_seal(path, allow_incomplete=allow_incomplete) == "legacy":
        _warn_unverified(path)
    try:
        f = h5py.File(path, mode)
    except PermissionError as exc:
        raise ArchiveError(f"archive {file!r} cannot be opened: {_one_line(exc.strerror or exc)}") \
            from exc
    except _DAMAGE_ERRORS as exc:
        raise CorruptArchiveError(_describe_damage(file, exc)) from exc
    try:
        yield f
    finally:
        with contextlib.suppress(Exception):
            f.close()


def _seal_header(digest: str | None, size: int | None) -> bytes:
    if digest is None:
        text = _SEAL_MAGIC + b"state unsealed\n"
    else:
        text = _SEAL_MAGIC + f"sha256 {digest}\nsize {size}\n".encode("ascii")
    return text + b"\0" * (USERBLOCK_SIZE - len(text))


def _body_digest(fh: Any) -> str:
    fh.seek(USERBLOCK_SIZE)
    digest = hashlib.sha256()
    while chunk := fh.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


def _write_seal(path: Path, *, sealed: bool) -> None:
    """Write the user-block header: SHA-256 and size of the file (sealed) or 'unsealed'."""
    with open(path, "r+b") as fh:
        if sealed:
            size = os.fstat(fh.fileno()).st_size
            header = _seal_header(_body_digest(fh), size)
        else:
            header = _seal_header(None, None)
        fh.seek(0)
        fh.write(header)
        fh.flush()
        os.fsync(fh.fileno())


def _verify_seal(path: Path, *, allow_incomplete: bool = False) -> str:
    """Check the integrity seal before HDF5 reads anything.

    Returns ``"legacy"`` (no user block: written before seals existed; not
    verifiable), ``"sealed"`` (verified) or ``"unsealed"`` (a progress file,
    only with ``allow_incomplete``).  HDF5 can loop forever on some damaged
    metadata, so a damaged sealed file must never reach it.
    """
    file = str(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(USERBLOCK_SIZE)
            if head.startswith(_HDF5_SIGNATURE):
                return "legacy"
            if not head.startswith(_SEAL_MAGIC):
                raise CorruptArchiveError(
                    f"{file!r} is not a readable HDF5 file or sunsink archive: it starts with "
                    "neither a sunsink archive header nor an HDF5 signature (another kind of "
                    "file, or its first bytes were overwritten)"
                )
            text, _, padding = head[len(_SEAL_MAGIC):].partition(b"\0")
            lines = text.decode("ascii", errors="replace").splitlines()
            if len(head) < USERBLOCK_SIZE or padding.strip(b"\0"):
                lines = []
            if lines == ["state unsealed"]:
                if not allow_incomplete:
                    raise IncompleteArchiveError(
                        f"{file!r} is an incomplete archive (never sealed): the progress file of "
                        "a study that is still running or was interrupted; it holds no result, "
                        "rerun the study"
                    )
                return "unsealed"
            fields = dict(line.split(" ", 1) for line in lines if " " in line)
            digest, size_text = fields.get("sha256", ""), fields.get("size", "")
            if len(lines) != 2 or len(digest) != 64 or not size_text.isdigit() \
                    or any(c not in "0123456789abcdef" for c in digest):
                raise CorruptArchiveError(
                    f"{file!r} is damaged: its sunsink archive header (first {USERBLOCK_SIZE} "
                    "bytes) is not valid"
                )
            size = os.fstat(fh.fileno()).st_size
            expected = int(size_text)
            if size < expected:
                raise CorruptArchiveError(
                    f"{file!r} is truncated: {size} of the {expected} bytes it had when written "
                    "(an interrupted copy or a full disk?)"
                )
            if size != expected:
                raise CorruptArchiveError(
                    f"{file!r} is damaged: {size} bytes, but {expected} when it was written"
                )
            if _body_digest(fh) != digest:
                raise CorruptArchiveError(
                    f"{file!r} is damaged: its content does not match the SHA-256 checksum "
                    "recorded when it was written (bytes changed on disk or in transfer; after "
                    "a deliberate edit with h5py, run studies.archive.seal_archive on it)"
                )
            return "sealed"
    except ArchiveError:
        raise
    except OSError as exc:
        raise ArchiveError(f"archive {file!r} cannot be read: {_one_line(exc.strerror or exc)}") \
            from exc


def seal_archive(path: str | os.PathLike) -> Path:
    """Recompute the integrity seal of an archive after a deliberate edit.

    Archives written by this module carry, in their HDF5 user block, the
    SHA-256 checksum and size of the file; readers refuse a file that does
    not match (:class:`CorruptArchiveError`).  Editing an archive with h5py
    therefore makes it unreadable until it is sealed again with this function.

    Raises
    ------
    ArchiveError
        The file has no sunsink header (written before seals existed, or not
        an archive) or HDF5 cannot open it.
    """
    file_path = Path(path)
    _check_is_file(file_path)
    with open(file_path, "rb") as fh:
        head = fh.read(len(_SEAL_MAGIC))
    if head != _SEAL_MAGIC:
        raise ArchiveError(
            f"{str(file_path)!r} has no sunsink archive header to seal (an archive written "
            "before seals existed, or not a sunsink archive)"
        )
    with _open_h5(file_path, verify=False):
        pass  # HDF5 can open it: seal what is there (the readers check the content)
    _write_seal(file_path, sealed=True)
    return file_path


def _from_h5py(exc: BaseException) -> bool:
    """True when the innermost frame of ``exc`` lies in h5py (an HDF5 error)."""
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last = tb
        tb = tb.tb_next
    if last is None:
        return False
    name = last.tb_frame.f_code.co_filename  # Cython frames carry "h5py/_selector.pyx"
    return name.startswith(_H5PY_DIR) or name.startswith("h5py" + os.sep)
