"""The exclusive lock on an output archive path, and whether its holder is still alive.

:class:`OutputLock` is ``OUT/NAME.h5.lock``: a JSON file with the PID, host, boot
id, process start time and command of the holder (:class:`LockInfo`), made
atomically (``O_CREAT|O_EXCL`` on a private file, then :func:`os.link` to the
lock name, so that the lock never exists half-written).  A second study writing
the same path fails at once with :class:`~studies.archive.OutputLockedError`
naming the holder.  A lock whose process is gone (same host: PID dead, a zombie,
reused by another process, or the host rebooted; :meth:`LockInfo.stale_reason`)
is stale: it is taken over with a logged warning.  A lock held from another
host is never judged stale automatically.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import json
import logging
import os
import shlex
import socket
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .schema import ArchiveError, OutputLockedError, OutputPathError, _strerror
from .signals import _deferred_signals
from .write import _fsync_path

try:  # POSIX advisory locks guard the take-over of a stale lock file
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["LockInfo", "OutputLock", "lock_path_for"]

log = logging.getLogger("sunsink.archive")

#: Name suffix of the lock file (``NAME.h5.lock``).
LOCK_SUFFIX = ".lock"


def lock_path_for(final_path: str | os.PathLike) -> Path:
    """The lock file of ``final_path``: ``NAME.h5.lock`` beside it."""
    final = Path(final_path)
    return final.with_name(f"{final.name}{LOCK_SUFFIX}")


def _hostname() -> str:
    return socket.gethostname() or "unknown-host"


def _read_small(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as fh:
            return fh.read().strip() or None
    except OSError:
        return None


def _boot_id() -> str | None:
    return _read_small("/proc/sys/kernel/random/boot_id")


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """(state, start time in clock ticks since boot) of a process, from /proc; None if unknown."""
    text = _read_small(f"/proc/{pid}/stat")
    if not text or ")" not in text:
        return None
    fields = text.rsplit(")", 1)[1].split()
    # after "pid (comm)": state is field 3, starttime field 22 (1-based)
    if len(fields) < 20:
        return None
    return fields[0], fields[19]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:  # pragma: no cover - e.g. Windows
        return True
    proc = _proc_stat(pid)
    return not (proc is not None and proc[0] in ("Z", "X"))  # a zombie is dead


@dataclass(frozen=True)
class LockInfo:
    """Content of a lock file: who holds an output path.

    Attributes
    ----------
    pid : int
        Process id of the holder.
    host : str
        Host name of the holder.
    started : str
        UTC time the lock was taken (ISO 8601).
    command : str
        Command line of the holder.
    path : str
        The locked output archive.
    token : str
        Random identity of this lock (so a holder never removes another's lock).
    boot_id : str or None
        Linux boot id of the holder's host (a lock from before a reboot is stale).
    pid_start : str or None
        Start time of the holder process in clock ticks since boot (detects a
        reused PID).
    """

    pid: int
    host: str
    started: str
    command: str
    path: str
    token: str
    boot_id: str | None = None
    pid_start: str | None = None

    @classmethod
    def for_this_process(cls, path: Path, command: str | None) -> "LockInfo":
        proc = _proc_stat(os.getpid())
        return cls(
            pid=os.getpid(),
            host=_hostname(),
            started=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            command=shlex.join(sys.argv) if command is None else str(command),
            path=str(path),
            token=uuid.uuid4().hex,
            boot_id=_boot_id(),
            pid_start=None if proc is None else proc[1],
        )

    def to_bytes(self) -> bytes:
        return (json.dumps(asdict(self), sort_keys=True) + "\n").encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes) -> "LockInfo | None":
        """Parse a lock file; None when it is not a valid lock."""
        try:
            data = json.loads(raw.decode("utf-8"))
            info = cls(
                pid=data["pid"], host=str(data["host"]), started=str(data["started"]),
                command=str(data.get("command", "")), path=str(data.get("path", "")),
                token=str(data["token"]), boot_id=data.get("boot_id"),
                pid_start=data.get("pid_start"),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        if not isinstance(info.pid, int) or isinstance(info.pid, bool) or info.pid <= 0:
            return None
        return info

    def describe(self) -> str:
        """``process 1234 on host h (since 2025-01-01T00:00:00+00:00: sunsink run x.toml)``."""
        cmd = f": {self.command}" if self.command else ""
        return f"process {self.pid} on host {self.host} (since {self.started}{cmd})"

    def stale_reason(self) -> str | None:
        """Why this lock is stale, or None if its holder may still be running.

        Only a lock from this host can be judged: its process is gone (or a
        zombie), its PID now belongs to a process started at another time, or
        the host has rebooted since.  A lock from another host is never stale.
        """
        if self.host != _hostname():
            return None
        boot = _boot_id()
        if self.boot_id and boot and self.boot_id != boot:
            return "the host has rebooted since"
        if not _pid_alive(self.pid):
            return f"process {self.pid} no longer exists"
        if self.pid_start:
            proc = _proc_stat(self.pid)
            if proc is not None and proc[1] != self.pid_start:
                return f"process id {self.pid} now belongs to another process"
        return None


def _flock(fd: int, operation: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, operation)


def _read_fd(fd: int) -> bytes:
    chunks = []
    offset = 0
    while True:
        chunk = os.pread(fd, 65536, offset)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        offset += len(chunk)


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


class OutputLock:
    """Exclusive, advisory lock on an output archive path (``NAME.h5.lock``).

    Parameters
    ----------
    final_path : path-like
        The archive to protect.  Its directory must exist.
    command : str, optional
        Recorded in the lock file; defaults to the shell-quoted ``sys.argv``.

    Notes
    -----
    The lock file is written completely to a private temporary file and then
    linked to the lock name with :func:`os.link`, which fails if the name
    exists: creation is atomic and the lock is never seen half-written.  On
    file systems without hard links it is created with
    ``O_CREAT | O_EXCL`` and written under an ``flock``.  A stale lock (see
    :meth:`LockInfo.stale_reason`) is taken over by rewriting it in place
    under an exclusive ``flock``, after checking that it is still the same
    file with the same content, so two runs racing for a stale lock cannot
    both win.  :meth:`release` removes the lock only if it still holds this
    lock's token.  Attributes after :meth:`acquire`: ``info`` (our
    :class:`LockInfo`) and ``replaced`` (the stale holder's, or None).
    """

    #: How long an unparseable lock file must be left unchanged before it is judged stale.
    unreadable_grace_s: float = 10.0

    def __init__(self, final_path: str | os.PathLike, *, command: str | None = None):
        self.final_path = Path(final_path)
        self.path = lock_path_for(self.final_path)
        self.command = command
        self.info: LockInfo | None = None
        self.replaced: LockInfo | None = None

    @property
    def held(self) -> bool:
        return self.info is not None

    def __repr__(self) -> str:
        return f"OutputLock({str(self.final_path)!r}, held={self.held})"

    # -- creation -----------------------------------------------------------
    def _create(self, payload: bytes) -> bool:
        """Create the lock file with ``payload``; False if it exists."""
        tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex[:12]}.new")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            try:
                os.write(fd, payload)
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                return False
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP,
                                     errno.ENOSYS, errno.EMLINK, errno.EXDEV):
                    raise
                return self._create_exclusive(payload)
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        _fsync_path(self.path.parent)
        return True

    def _create_exclusive(self, payload: bytes) -> bool:
        """Fallback for file systems without hard links."""
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        try:
            _flock(fd, fcntl.LOCK_EX if fcntl else 0)
            os.write(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)
        return True

    # -- inspection ---------------------------------------------------------
    def read(self) -> tuple[LockInfo | None, bytes | None]:
        """Current lock file: (parsed holder or None, raw bytes or None if absent)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None, None
        try:
            _flock(fd, fcntl.LOCK_SH if fcntl else 0)
            raw = _read_fd(fd)
        finally:
            os.close(fd)
        return LockInfo.from_bytes(raw), raw

    def _take_over(self, stale_raw: bytes, payload: bytes) -> bool:
        """Rewrite a stale lock in place with ``payload``; False if it changed meanwhile."""
        try:
            fd = os.open(self.path, os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            _flock(fd, fcntl.LOCK_EX if fcntl else 0)
            if not _same_file(fd, self.path) or _read_fd(fd) != stale_raw:
                return False
            os.ftruncate(fd, 0)
            os.pwrite(fd, payload, 0)
            os.fsync(fd)
            return True
        finally:
            os.close(fd)

    def _locked_error(self, holder: LockInfo | None) -> OutputLockedError:
        target = str(self.final_path)
        if holder is None:
            return OutputLockedError(
                f"output {target!r} is locked: the lock file {str(self.path)!r} exists but "
                "cannot be read; if no sunsink run is writing this path, delete the lock file",
                None, self.path,
            )
        where = "" if holder.host == _hostname() else (
            f"; it cannot be checked from this host ({_hostname()}): if that run is over, "
            f"delete {str(self.path)!r}"
        )
        return OutputLockedError(
            f"output {target!r} is locked by {holder.describe()}{where}; wait for that run "
            f"to finish or choose another output path (lock file {str(self.path)!r})",
            holder, self.path,
        )

    # -- public -------------------------------------------------------------
    def acquire(self) -> "OutputLock":
        """Take the lock or fail at once.

        Returns
        -------
        OutputLock
            self.

        Raises
        ------
        OutputLockedError
            A live process (or one on another host) holds the lock.
        OutputPathError
            The lock file cannot be created (directory missing or not writable).
        """
        if self.held:
            raise ArchiveError(f"{self!r} is already held by this object")
        info = LockInfo.for_this_process(self.final_path, self.command)
        payload = info.to_bytes()
        unreadable_since: float | None = None
        for _attempt in range(200):
            try:
                with _deferred_signals():
                    if self._create(payload):
                        self.info = info
                        return self
            except OSError as exc:
                raise OutputPathError(
                    f"cannot create lock file {str(self.path)!r}: {_strerror(exc)}"
                ) from exc
            holder, raw = self.read()
            if raw is None:
                continue  # released meanwhile: try again
            if holder is None:
                # unparseable: a lock being rewritten, or left damaged; wait for it to settle
                try:
                    age = time.time() - self.path.stat().st_mtime
                except FileNotFoundError:
                    continue
                if unreadable_since is None:
                    unreadable_since = time.monotonic()
                if age < self.unreadable_grace_s and time.monotonic() - unreadable_since < 1.0:
                    time.sleep(0.02)
                    continue
                if age < self.unreadable_grace_s:
                    raise self._locked_error(None)
                reason = "its lock file is unreadable and has not changed for " \
                         f"{age:.0f} s"
            else:
                reason = holder.stale_reason()
                if reason is None:
                    raise self._locked_error(holder)
            with _deferred_signals():
                if self._take_over(raw, payload):
                    self.info = info
                    self.replaced = holder
                    log.warning(
                        "taking over the stale lock %s of %s: %s",
                        self.path, holder.describe() if holder else "an unknown process", reason,
                    )
                    return self
        raise self._locked_error(self.read()[0])

    def release(self) -> None:
        """Remove the lock file if it is still this lock's (idempotent)."""
        info, self.info = self.info, None
        if info is None:
            return
        with _deferred_signals():
            try:
                fd = os.open(self.path, os.O_RDWR)
            except FileNotFoundError:
                log.warning("lock file %s vanished before it was released", self.path)
                return
            try:
                _flock(fd, fcntl.LOCK_EX if fcntl else 0)
                current = LockInfo.from_bytes(_read_fd(fd))
                if _same_file(fd, self.path) and current is not None \
                        and current.token == info.token:
                    os.unlink(self.path)
                else:
                    log.warning("lock file %s was taken by another process; left in place",
                                self.path)
            finally:
                os.close(fd)

    def __enter__(self) -> "OutputLock":
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()
