"""The life cycle of a study's output archive: path checks, progress file, atomic finish, cleanup.

A study that writes ``OUT/NAME.h5`` goes through :class:`StudyOutput`::

    with StudyOutput(out_dir / "NAME.h5", command=shlex.join(sys.argv)) as out:
        out.begin(progress_tree, config_text=text)     # optional progress file
        for ...:
            out.append("progress/orbit", row)         # in place, in the progress file
        out.finish(final_tree, config_text=text)      # or out.finish_progress()

* On entry the output directory is created if needed and probed by creating a
  file in it (:func:`check_output_path`); a path that cannot be used raises
  :class:`~studies.archive.OutputPathError` before any computation.  Then the
  exclusive lock ``OUT/NAME.h5.lock`` is taken
  (:class:`~studies.archive.OutputLock`): a second study writing the same path
  fails at once with :class:`~studies.archive.OutputLockedError` naming the
  holder; a stale lock is taken over, and the dead run's progress and temporary
  files are removed.
* Progress and history go to the hidden sibling ``OUT/.NAME.h5.in-progress``
  (:func:`progress_path_for`), marked ``archive_state = "in_progress"``, and
  are appended in place.
* :meth:`StudyOutput.finish` writes the final archive atomically (temporary
  file, fsync, :func:`os.replace`, fsync of the directory) and deletes the
  progress file; :meth:`StudyOutput.finish_progress` instead marks the
  progress file complete and renames it to the final name.  Leaving the
  ``with`` block releases the lock.
* Leaving the block by any exception, including :class:`KeyboardInterrupt` and
  :class:`SystemExit`, deletes the progress and temporary files (and any output
  directories the block created, if still empty), releases the lock and
  re-raises.  Nothing is ever left under the final name by an interrupted
  study, and an older archive of that name is left untouched.
"""
from __future__ import annotations

import contextlib
import glob
import logging
import os
import shlex
import stat
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import h5py

from .commit import STAGED_FILE_INFIX, current_staging
from .lock import OutputLock, lock_path_for
from .schema import (
    PROVENANCE_PREFIX,
    STATE_ATTR,
    STATE_COMPLETE,
    STATE_IN_PROGRESS,
    ArchiveError,
    OutputPathError,
    _strerror,
)
from .seal import _write_seal
from .signals import _deferred_signals, _uninterruptible, check_signal
from .tree import Group, _check_attrs
from .write import _fsync_path, _write_archive, _write_attrs, append_rows

__all__ = ["StudyOutput", "check_output_path", "progress_path_for"]

log = logging.getLogger("sunsink.archive")

#: Name suffix of the hidden progress file (``.NAME.h5.in-progress``).
PROGRESS_SUFFIX = ".in-progress"


def progress_path_for(final_path: str | os.PathLike) -> Path:
    """The hidden progress file of a study writing ``final_path``: ``.NAME.h5.in-progress``."""
    final = Path(final_path)
    return final.with_name(f".{final.name}{PROGRESS_SUFFIX}")


def _file_in_the_way(directory: Path) -> Path | None:
    """The deepest existing ancestor of ``directory`` (itself included) that is not a directory."""
    for candidate in (directory, *directory.parents):
        try:
            if candidate.exists() or candidate.is_symlink():
                return None if candidate.is_dir() else candidate
        except OSError:
            return None
    return None


def _missing_dirs(directory: Path) -> list[Path]:
    """Directories that ``mkdir(parents=True)`` would create, shallowest first."""
    missing: list[Path] = []
    try:
        for candidate in (directory, *directory.parents):
            if candidate.exists() or candidate.is_symlink():
                break
            missing.append(candidate)
    except OSError:  # cannot look: check_output_path reports it
        return []
    return missing[::-1]


def check_output_path(final_path: str | os.PathLike, *, overwrite: bool = True) -> Path:
    """Check, before any computation, that an archive can be written at ``final_path``.

    Creates the output directory (and its parents) when missing, then probes
    it by creating and deleting a small file (which, unlike permission bits,
    also catches read-only file systems and processes running as root).

    Parameters
    ----------
    final_path : path-like
        The archive that the study will write.
    overwrite : bool, optional
        If False, an existing ``final_path`` is an error.

    Returns
    -------
    pathlib.Path
        ``final_path``.

    Raises
    ------
    OutputPathError
        With the path and the reason: a file where a directory is needed,
        ``final_path`` is a directory or not a regular file, the directory
        cannot be created or written, or the archive exists and ``overwrite``
        is False.
    """
    final = Path(final_path)
    if final.name in ("", ".", ".."):
        raise OutputPathError(f"output path {str(final)!r} does not name a file")
    directory = final.parent
    blocker = _file_in_the_way(directory)
    if blocker is not None:
        raise OutputPathError(
            f"cannot write {str(final)!r}: {str(blocker)!r} is a file, not a directory"
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputPathError(
            f"cannot create output directory {str(directory)!r}: {_strerror(exc)}"
        ) from exc
    try:
        mode = os.stat(final).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise OutputPathError(f"cannot access output path {str(final)!r}: {_strerror(exc)}") \
            from exc
    if mode is not None:
        if stat.S_ISDIR(mode):
            raise OutputPathError(
                f"output path {str(final)!r} is a directory, not an archive file"
            )
        if not stat.S_ISREG(mode):
            raise OutputPathError(
                f"output path {str(final)!r} exists and is not a regular file"
            )
        if not overwrite:
            raise OutputPathError(f"output archive {str(final)!r} exists (overwrite not allowed)")
    probe = directory / f".{final.name}.probe-{uuid.uuid4().hex[:12]}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, b"sunsink write probe\n")
        finally:
            os.close(fd)
    except OSError as exc:
        raise OutputPathError(
            f"output directory {str(directory)!r} is not writable: {_strerror(exc)}"
        ) from exc
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
    return final


class StudyOutput:
    """Life cycle of one study's output archive: check, lock, progress, finish, cleanup.

    Parameters
    ----------
    final_path : path-like
        The archive the study produces, e.g. ``OUT/NAME.h5``.
    command : str, optional
        The command line, recorded in the lock file and in the provenance of
        the archives written through this object; defaults to ``sys.argv``.
    overwrite : bool, optional
        If False, an existing ``final_path`` is refused up front.

    Notes
    -----
    Use as a context manager, entered *before* any computation::

        with StudyOutput(out / "NAME.h5", command=cmd) as out:
            out.begin(tree, config_text=text)          # optional progress file
            out.append("progress/x", row)              # any number of times
            path = out.finish(tree, config_text=text)  # or out.finish_progress()

    Entering checks the path (:func:`check_output_path`, raising
    :class:`OutputPathError`) and takes the lock (:class:`OutputLock`,
    raising :class:`OutputLockedError`); after taking over a stale lock it
    deletes the dead run's progress and temporary files.  Leaving the block
    normally releases the lock (and removes the progress file if neither
    finish method was called: nothing is written).  Leaving it by any
    exception, including :class:`KeyboardInterrupt`, :class:`SystemExit` and
    :class:`TerminationSignal`, removes the progress and temporary files and
    the output directories that entering created (when empty), releases the
    lock and re-raises; a file under ``final_path`` is then either absent or
    the older archive that was there before, or the complete new archive if
    the failure came after a finish method returned.

    Inside :func:`~studies.archive.staged_outputs` (every ``sunsink`` command) the
    finish methods stage the archive instead (a hidden ``.NAME.h5.staged-*``
    beside ``final_path``) and return that path; leaving the block normally hands
    the staged archive and the lock to the staging, which renames the archive to
    ``final_path`` when the whole command has completed, together with its
    figures.  Leaving the block by an exception deletes the staged archive too.

    ``begin``, ``append`` and the finish methods are safe points: a signal
    pending inside :func:`~studies.archive.exit_on_signals` stops the study there
    (:func:`~studies.archive.check_signal`).
    """

    def __init__(self, final_path: str | os.PathLike, *, command: str | None = None,
                 overwrite: bool = True):
        self.final_path = Path(final_path)
        self.progress_path = progress_path_for(self.final_path)
        self.lock_path = lock_path_for(self.final_path)
        self.command = shlex.join(sys.argv) if command is None else str(command)
        self.overwrite = overwrite
        self.lock = OutputLock(self.final_path, command=self.command)
        self.finished: Path | None = None
        self._staging = None
        self._staged: Path | None = None
        self._begun = False
        self._created_dirs: list[Path] = []
        self._active = False

    def __repr__(self) -> str:
        return f"StudyOutput({str(self.final_path)!r})"

    # -- entering / leaving ---------------------------------------------------
    def __enter__(self) -> "StudyOutput":
        if self._active:
            raise ArchiveError(f"{self!r} is already open")
        try:
            self._staging = current_staging()
            self._staged = None
            self._created_dirs = _missing_dirs(self.final_path.parent)
            check_output_path(self.final_path, overwrite=self.overwrite)
            self.lock.acquire()
            self._active = True
            if self.lock.replaced is not None or self.progress_path.exists():
                self._remove_leftovers()
        except BaseException:
            self._cleanup(failed=True)
            raise
        return self

    @_uninterruptible
    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self._cleanup(failed=exc_type is not None)

    @_uninterruptible
    def close(self) -> None:
        """Release everything as a normal exit of the ``with`` block would."""
        self._cleanup(failed=False)

    @_uninterruptible
    def abort(self) -> None:
        """Discard the progress, staged and temporary files and release the lock."""
        self._cleanup(failed=True)

    def _temporaries(self) -> list[Path]:
        """Progress file, atomic-write temporaries, staged archives and write probes of the final path."""
        directory = self.final_path.parent
        found = [self.progress_path]
        with contextlib.suppress(OSError):
            for name in (self.final_path.name, self.progress_path.name):
                found.extend(directory.glob(f".{glob.escape(name)}.*.tmp"))
            found.extend(directory.glob(f".{glob.escape(self.final_path.name)}.probe-*"))
            found.extend(directory.glob(f".{glob.escape(self.final_path.name)}{STAGED_FILE_INFIX}*"))
        return found

    def _remove_leftovers(self) -> None:
        for path in self._temporaries():
            if path.exists():
                log.warning("removing %s left by an interrupted run", path)
                with contextlib.suppress(OSError):
                    path.unlink()

    @_uninterruptible
    def _cleanup(self, failed: bool) -> None:
        """Remove what is not the result.  A staged result (normal exit) goes to the staging
        with the lock, which is released when the command commits or discards."""
        keep = None if failed else self._staged
        with _deferred_signals():
            try:
                if self._staged is not None and failed:
                    self._staging.withdraw(self._staged)
                    self._staged = self.finished = None
                if self.lock.held:
                    # temporaries are ours only while we hold the lock
                    for path in self._temporaries():
                        if path != keep:
                            with contextlib.suppress(OSError):
                                path.unlink()
            finally:
                if keep is not None and self.lock.held:
                    self._staging.hold(self.lock, self._created_dirs)
                    self.lock = OutputLock(self.final_path, command=self.command)
                    self._created_dirs = []
                self.lock.release()
                self._active = False
                self._begun = False
                if failed and self.finished is None:
                    for directory in reversed(self._created_dirs):
                        with contextlib.suppress(OSError):
                            directory.rmdir()  # only succeeds when empty
                self._created_dirs = []

    def _require_active(self, what: str) -> None:
        if not self._active or not self.lock.held:
            raise ArchiveError(f"{self!r}: {what} outside the 'with' block")
        if self.finished is not None:
            raise ArchiveError(f"{self!r}: {what} after the archive was finished")

    # -- writing ---------------------------------------------------------------
    def begin(
        self,
        tree: Mapping[str, Any] | Group,
        *,
        config_text: str | None = None,
        config_source: str | None = None,
        attrs: Mapping[str, Any] | None = None,
    ) -> Path:
        """Write the progress file (``archive_state = "in_progress"``).

        Parameters are those of :func:`write_archive`.  Readers refuse this
        file; :meth:`append` extends it.

        Returns
        -------
        pathlib.Path
            :attr:`progress_path`.
        """
        self._require_active("begin()")
        check_signal()
        _write_archive(self.progress_path, tree, config_text=config_text,
                       config_source=config_source, attrs=attrs, command_line=self.command,
                       overwrite=True, state=STATE_IN_PROGRESS)
        self._begun = True
        return self.progress_path

    def append(self, group: str, rows: Mapping[str, Any]) -> int:
        """Append rows to a history group of the progress file, in place (see :func:`append_rows`)."""
        self._require_active("append()")
        if not self._begun:
            raise ArchiveError(f"{self!r}: append() before begin()")
        check_signal()
        return append_rows(self.progress_path, group, rows, in_place=True)

    def finish(
        self,
        tree: Mapping[str, Any] | Group,
        *,
        config_text: str | None = None,
        config_source: str | None = None,
        attrs: Mapping[str, Any] | None = None,
    ) -> Path:
        """Write the final archive atomically and delete the progress file.

        Parameters are those of :func:`write_archive` (``overwrite`` was
        decided when entering).  The archive is written to a temporary file,
        fsynced and renamed to :attr:`final_path` (inside
        :func:`~studies.archive.staged_outputs`: to a staged name, see the class
        notes); the rename and the removal of the progress file run with
        SIGINT/SIGTERM deferred.

        Returns
        -------
        pathlib.Path
            Where the archive can be read now: :attr:`final_path`, or the staged file.
        """
        self._require_active("finish()")
        check_signal()
        target = self._target()
        _write_archive(target, tree, config_text=config_text,
                       config_source=config_source, attrs=attrs, command_line=self.command,
                       overwrite=True, state=STATE_COMPLETE)
        with _deferred_signals():
            self._finished(target)
            with contextlib.suppress(FileNotFoundError):
                self.progress_path.unlink()
        return target

    def _target(self) -> Path:
        """The file a finish method writes: the final path, or a staged name beside it."""
        return self.final_path if self._staging is None else self._staging.file(self.final_path)

    def _finished(self, target: Path) -> None:
        self.finished = target
        if target != self.final_path:
            self._staged = target

    def finish_progress(self, *, attrs: Mapping[str, Any] | None = None) -> Path:
        """Promote the progress file to the final archive.

        Marks it ``archive_state = "complete"`` (updating the root attributes
        in ``attrs``, e.g. the title), flushes and fsyncs it, and renames it
        to :attr:`final_path` (atomic; inside :func:`~studies.archive.staged_outputs`
        to a staged name), for studies whose progress file *is* the result (a
        sweep streamed into a history group).

        Returns
        -------
        pathlib.Path
            Where the archive can be read now: :attr:`final_path`, or the staged file.
        """
        self._require_active("finish_progress()")
        check_signal()
        if not self._begun or not self.progress_path.is_file():
            raise ArchiveError(f"{self!r}: finish_progress() without a progress file (begin())")
        extra = dict(attrs or {})
        _check_attrs(extra, "the root group")
        for key in extra:
            if key.startswith(("schema_", PROVENANCE_PREFIX)) or key == STATE_ATTR:
                raise ValueError(f"root attribute {key!r} is reserved for the archive schema")
        with h5py.File(self.progress_path, "r+") as f:
            _write_attrs(f, extra)
            f.attrs[STATE_ATTR] = STATE_COMPLETE
        _write_seal(self.progress_path, sealed=True)  # fsyncs
        target = self._target()
        with _deferred_signals():
            os.replace(self.progress_path, target)
            self._finished(target)
            _fsync_path(self.final_path.parent)
        return target
