"""Staged outputs: what one command writes appears under its final names only when it completes.

Inside :func:`staged_outputs` (the ``sunsink`` command runs every verb in one):

* :meth:`StudyOutput.finish <studies.archive.StudyOutput.finish>` and
  :meth:`~studies.archive.StudyOutput.finish_progress` put the complete, sealed
  archive under a hidden staged name beside its final name
  (``.NAME.h5.staged-<random>``, :meth:`Staging.file`) and return that path, which
  the readers open like any archive; the output lock stays held until the end;
* :func:`stage_dir` gives the hidden directory (``DIR/.sunsink-staged-<pid>-<random>``)
  that figures are written to in place of ``DIR``;
* when the block ends normally the outputs are *committed*: in one deferred section
  (SIGINT/SIGTERM held back), and only if no signal is pending at that moment, every
  staged file is renamed to its final name and the locks are released.  A signal
  pending when the commit starts aborts it; one that arrives during it is raised
  after it, and the command reports that its outputs are complete;
* when the block is left by an exception (a signal, a failed figure, a bad input)
  every staged file and directory is deleted: nothing of the command appears, and an
  older archive or figure of the same name is left untouched.

The renames of one commit are not one atomic operation, but nothing can interrupt
them short of SIGKILL or a crash, which leave staged files behind (never a partial
file under a final name); the next run on the same path removes them.  Outside
:func:`staged_outputs`, :func:`stage_dir` and :func:`stage_file` return their
argument and :class:`~studies.archive.StudyOutput` writes final names at once.
"""
from __future__ import annotations

import contextlib
import logging
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from .lock import _pid_alive
from .seal import _UNVERIFIED_REPORTED
from .signals import TerminationSignal, _deferred_signals, _uninterruptible, pending_signal
from .write import _fsync_path

__all__ = ["Staging", "staged_outputs", "stage_dir", "stage_file", "current_staging"]

log = logging.getLogger("sunsink.archive")

#: Name prefix of the hidden directories that figures are staged in.
STAGED_DIR_PREFIX = ".sunsink-staged-"
#: Infix of a staged archive's name (``.NAME.h5.staged-<random>``).
STAGED_FILE_INFIX = ".staged-"

_current: "Staging | None" = None


def staged_file_name(final: Path) -> Path:
    """A fresh hidden staged name beside ``final``."""
    return final.with_name(f".{final.name}{STAGED_FILE_INFIX}{uuid.uuid4().hex[:12]}")


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def _remove_dead_stages(directory: Path) -> None:
    """Staging directories left in ``directory`` by processes that no longer exist (SIGKILL)."""
    with contextlib.suppress(OSError):
        for entry in directory.glob(f"{STAGED_DIR_PREFIX}*"):
            pid = entry.name[len(STAGED_DIR_PREFIX):].split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
                log.warning("removing %s left by an interrupted run", entry)
                _remove(entry)


class Staging:
    """The outputs of one command, staged under hidden names until :meth:`commit`.

    Attributes
    ----------
    committed : list of pathlib.Path
        The final paths the last :meth:`commit` wrote, in order.
    """

    def __init__(self) -> None:
        self._files: dict[Path, Path] = {}   # staged file -> final file
        self._dirs: dict[Path, Path] = {}    # staged directory -> final directory
        self._locks: list[Any] = []
        self._created: list[Path] = []
        self.committed: list[Path] = []

    def __repr__(self) -> str:
        return f"Staging({len(self._files)} file(s), {len(self._dirs)} directory(ies))"

    def file(self, final: str | os.PathLike) -> Path:
        """Stage a file: the hidden path to write it to; :meth:`commit` renames it to ``final``."""
        final = Path(final)
        staged = staged_file_name(final)
        self._files[staged] = final
        return staged

    def directory(self, final_dir: str | os.PathLike) -> Path:
        """Stage a directory's new files: a hidden directory inside ``final_dir`` (created, with
        its parents, when missing) whose files :meth:`commit` moves into ``final_dir``."""
        final_dir = Path(final_dir)
        missing = []
        for candidate in (final_dir, *final_dir.parents):
            if candidate.exists() or candidate.is_symlink():
                break
            missing.append(candidate)
        final_dir.mkdir(parents=True, exist_ok=True)
        self._created.extend(d for d in missing[::-1] if d not in self._created)
        _remove_dead_stages(final_dir)
        staged = final_dir / f"{STAGED_DIR_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        staged.mkdir()
        self._dirs[staged] = final_dir
        return staged

    def hold(self, lock: Any, created_dirs: list[Path] = ()) -> None:
        """Keep an output lock (an :class:`~studies.archive.OutputLock`) until the commit or discard,
        and the directories its writer created (removed by :meth:`discard` when empty)."""
        self._locks.append(lock)
        self._created.extend(d for d in created_dirs if d not in self._created)

    @_uninterruptible
    def withdraw(self, staged: Path) -> None:
        """Forget and delete one staged file (its writer failed after staging it)."""
        if self._files.pop(Path(staged), None) is not None:
            _remove(Path(staged))

    @_uninterruptible
    def commit(self) -> list[Path]:
        """Rename every staged file to its final name and release the locks.

        Runs with SIGINT/SIGTERM deferred; a signal already pending aborts the
        commit before the first rename (raising :class:`TerminationSignal`, after
        which the caller discards).

        Returns
        -------
        list of pathlib.Path
            The final paths written.
        """
        with _deferred_signals():
            signum = pending_signal()
            if signum is not None:   # pending at commit time: the commit is aborted
                raise TerminationSignal(signum)
            synced: set[Path] = set()
            for staged, final in list(self._files.items()):
                os.replace(staged, final)
                del self._files[staged]
                self.committed.append(final)
                synced.add(final.parent)
            for staged_dir, final_dir in list(self._dirs.items()):
                for entry in sorted(staged_dir.iterdir()):
                    os.replace(entry, final_dir / entry.name)
                    self.committed.append(final_dir / entry.name)
                staged_dir.rmdir()
                del self._dirs[staged_dir]
                synced.add(final_dir)
            for directory in synced:
                _fsync_path(directory)
            self._release_locks()
            self._created = []
        for path in self.committed:
            log.info("written: %s", path)
        return self.committed

    @_uninterruptible
    def discard(self) -> None:
        """Delete every staged file and directory, release the locks, and remove the
        directories that staging created (when empty)."""
        with _deferred_signals():
            try:
                for staged in list(self._files) + list(self._dirs):
                    _remove(staged)
                self._files.clear()
                self._dirs.clear()
            finally:
                self._release_locks()
                for directory in reversed(self._created):
                    with contextlib.suppress(OSError):
                        directory.rmdir()  # only when empty
                self._created = []

    def _release_locks(self) -> None:
        locks, self._locks = self._locks, []
        for lock in locks:
            lock.release()


class _StagedOutputs:
    """The context manager returned by :func:`staged_outputs` (see there)."""

    def __enter__(self) -> Staging | None:
        global _current
        if _current is not None:
            self.staging = None
            return _current     # nested: the outer block commits
        self.staging = _current = Staging()
        _UNVERIFIED_REPORTED.clear()
        return self.staging

    @_uninterruptible
    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        global _current
        staging = self.staging
        if staging is None:
            return False
        _current = None
        try:
            if exc_type is None:
                staging.commit()
        finally:
            if staging._files or staging._dirs or staging._locks:
                staging.discard()     # an exception, here or in the block
        return False


def staged_outputs() -> _StagedOutputs:
    """One command's outputs, committed together when the block ends normally (see the module notes).

    Yields the :class:`Staging`.  It also starts a new command for the readers'
    once-per-command notices (the warning about an archive without an integrity seal).
    Nested blocks join the outer one.
    """
    return _StagedOutputs()


def current_staging() -> Staging | None:
    """The :class:`Staging` of the enclosing :func:`staged_outputs` block, or None."""
    return _current


def stage_dir(directory: str | os.PathLike) -> Path:
    """Where to write files meant for ``directory``: a staged directory inside
    :func:`staged_outputs`, else ``directory`` itself."""
    return _current.directory(directory) if _current is not None else Path(directory)


def stage_file(final: str | os.PathLike) -> Path:
    """Where to write a file meant for ``final``: a staged name inside :func:`staged_outputs`,
    else ``final`` itself.  Write it completely (the commit only renames it)."""
    return _current.file(final) if _current is not None else Path(final)
