"""SIGINT and SIGTERM: :class:`TerminationSignal`, :func:`exit_on_signals` and deferred sections.

Python turns SIGINT into :class:`KeyboardInterrupt`; SIGTERM kills the process
without any cleanup unless a handler is installed.  :func:`exit_on_signals`
installs handlers that raise :class:`TerminationSignal` (a :class:`SystemExit`
with code 128 + signal number: 130 for SIGINT, 143 for SIGTERM), so the
exception unwinds through :class:`~studies.archive.StudyOutput`, which cleans
up.  Any handler that raises works the same way.  Python runs handlers between
bytecodes, so a signal that arrives during a long compiled (XLA) computation
takes effect when it returns to Python.  Cleanup and the final rename run with
SIGINT/SIGTERM deferred (:func:`_deferred_signals`), so that they are not cut
short.  SIGKILL cannot be caught: it leaves the hidden progress/temporary files
and a stale lock, but never a file under the final name; the next run on that
path removes them.
"""
from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["TerminationSignal", "exit_on_signals"]


class TerminationSignal(SystemExit):
    """Raised by the handlers of :func:`exit_on_signals` when a signal arrives.

    A :class:`SystemExit` whose ``code`` is ``128 + signum`` (130 for SIGINT,
    143 for SIGTERM), so that it is not swallowed by ``except Exception`` and
    unwinds through :class:`StudyOutput`, which removes temporary files.
    """

    def __init__(self, signum: int):
        super().__init__(128 + int(signum))
        self.signum = int(signum)

    @property
    def signal_name(self) -> str:
        try:
            return signal.Signals(self.signum).name
        except ValueError:
            return f"signal {self.signum}"

    def __str__(self) -> str:
        return f"interrupted by {self.signal_name}"


@contextlib.contextmanager
def _deferred_signals() -> Iterator[None]:
    """Hold SIGINT/SIGTERM back while a short critical section runs.

    The handlers are swapped for ones that only record the signal (possible
    only in the main thread, which is where Python runs handlers); afterwards
    the old handlers come back and every recorded signal is raised again, so
    that it takes effect right after the section.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    old: dict[int, Any] = {}

    def record(signum: int, frame: Any) -> None:
        pending.append(signum)

    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            old[signum] = signal.signal(signum, record)
        yield
    finally:
        for signum, handler in old.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        for signum in dict.fromkeys(pending):
            signal.raise_signal(signum)


@contextlib.contextmanager
def exit_on_signals(signums: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)) -> Iterator[None]:
    """Inside the block, SIGINT and SIGTERM raise :class:`TerminationSignal`.

    The exception is a :class:`SystemExit` with code ``128 + signum`` (130,
    143); it unwinds through :class:`StudyOutput`, which removes the
    temporary files and the lock.  The previous handlers are restored when
    the block ends.  Only the main thread can install handlers: elsewhere
    this does nothing.

    Examples
    --------
    >>> with exit_on_signals():                        # doctest: +SKIP
    ...     with StudyOutput(path) as out:
    ...         ...
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise TerminationSignal(signum)

    old = {}
    try:
        for signum in signums:
            old[signum] = signal.signal(signum, handler)
        yield
    finally:
        for signum, previous in old.items():
            signal.signal(signum, signal.SIG_DFL if previous is None else previous)
