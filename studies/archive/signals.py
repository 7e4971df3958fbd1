"""SIGINT and SIGTERM: a signal is never lost, and it never cuts a cleanup or a commit short.

Python runs a signal handler in the main thread, between two bytecodes of whatever
Python code runs there, and a handler that raises makes that code raise.  That code
can be a garbage-collection callback (JAX registers one), a ``__del__`` method or a
weakref callback, where Python *discards* exceptions ("Exception ignored in ..."): a
handler that only raised lost the signal there and the study ran on to the end.
:func:`exit_on_signals` therefore

1. records the signal (the first one decides the exit status), then raises
   :class:`TerminationSignal` -- a :class:`SystemExit` with code ``128 + signum``,
   130 for SIGINT and 143 for SIGTERM, so that ``except Exception`` does not catch
   it -- unless the main thread is in a place where it must not: a garbage
   collection (its callbacks and finalizers: the signal is delivered again as soon
   as the collection ends), a deferred section (:func:`_deferred_signals`: a
   rename, a lock release), a cleanup or commit function marked
   :func:`_uninterruptible`, or while an exception is being handled (the exception
   is already unwinding to the top);
2. keeps a watchdog thread that, while a signal is pending, re-delivers it to the
   main thread with :func:`_thread.interrupt_main` every :data:`REDELIVERY_INTERVAL_S`
   seconds and right after a garbage collection that held it back, so that a raise
   that was swallowed or held back is raised again at the next place where it may be;
3. silences the "Exception ignored" report of a swallowed :class:`TerminationSignal`
   (:data:`sys.unraisablehook`), so that stderr keeps its single line;
4. when the block ends with a signal pending -- whatever the block raised or
   returned -- raises :class:`TerminationSignal` from the block.

:func:`_thread.interrupt_main` does not wake a blocking call (``time.sleep``, a
lock): a re-delivered signal takes effect when the call returns.  Work that wants
to stop sooner calls :func:`check_signal` at its safe points
(:class:`~studies.archive.StudyOutput` does, in ``begin``, ``append`` and
``finish``).  Python runs handlers only between bytecodes, so a signal that arrives
during a long compiled (XLA) computation takes effect when it returns to Python.

Before :func:`exit_on_signals` takes over, and after it, :func:`record_signals`
handlers only record a signal: the ``sunsink`` command installs them when it starts
(:func:`_record_from_the_start`, run as this package is imported, which is the first
thing ``studies`` imports), so that a signal that arrives while JAX is being imported
is not lost either; :func:`exit_on_signals` raises it as soon as it is entered, and
the command's entry point reports one that arrives after it.

SIGKILL cannot be caught: it leaves the hidden progress, staged and temporary files
and a stale lock, but never a file under a final name; the next run on that path
removes them.
"""
from __future__ import annotations

import _thread
import contextlib
import gc
import signal
import sys
import threading
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "HANDLED_SIGNALS",
    "TerminationSignal",
    "exit_on_signals",
    "check_signal",
    "pending_signal",
    "record_signals",
    "take_recorded_signal",
]

#: The signals :func:`exit_on_signals` handles.
HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM)
#: How often a pending signal is re-delivered to the main thread until it is raised [s].
REDELIVERY_INTERVAL_S = 0.2


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
        return signal_name(self.signum)

    def __str__(self) -> str:
        return f"interrupted by {self.signal_name}"


def signal_name(signum: int) -> str:
    """``"SIGINT"`` for 2, ``"signal 64"`` for a number without a name."""
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


# ----------------------------------------------------------------------------
# Where a signal must not raise
# ----------------------------------------------------------------------------
_PROTECTED: set[types.CodeType] = set()


def _uninterruptible(func: Callable) -> Callable:
    """Mark a cleanup or commit function: while it (or anything it calls) runs, a signal is
    only recorded; it is raised again after it returns."""
    _PROTECTED.add(func.__code__)
    return func


_in_gc = False


def _gc_starts(phase: str, info: Any) -> None:
    """First garbage-collection callback: the callbacks and finalizers that follow discard exceptions."""
    global _in_gc
    if phase == "start":
        _in_gc = True


def _gc_stops(phase: str, info: Any) -> None:
    """Last garbage-collection callback: a signal held back during the collection is delivered now."""
    global _in_gc
    if phase == "stop":
        _in_gc = False
        guard = _guard
        if guard is not None and guard.pending is not None and guard.raising:
            guard.nudge.set()   # the watchdog delivers it again, from its thread (not in here)


def _in_protected(frame: types.FrameType | None) -> bool:
    while frame is not None:
        if frame.f_code in _PROTECTED:
            return True
        frame = frame.f_back
    return False


# ----------------------------------------------------------------------------
# Recording handlers (before and after exit_on_signals)
# ----------------------------------------------------------------------------
_recorded: list[int] = []


def _record(signum: int, frame: Any) -> None:
    _recorded.append(signum)


def record_signals(signums: tuple[int, ...] = HANDLED_SIGNALS) -> None:
    """From now on, only record SIGINT and SIGTERM (main thread only; elsewhere nothing).

    For an entry point, around the part that :func:`exit_on_signals` does not
    cover: the recorded signal is raised when :func:`exit_on_signals` is entered,
    or read with :func:`take_recorded_signal`.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in signums:
        signal.signal(signum, _record)


def take_recorded_signal() -> int | None:
    """The first signal recorded by the :func:`record_signals` handlers, or None; forgets them."""
    first = _recorded[0] if _recorded else None
    _recorded.clear()
    return first


def _started_as_the_cli() -> bool:
    """True in a process started as ``sunsink ...`` or ``python -m studies.cli ...``."""
    argv = list(getattr(sys, "orig_argv", ()))
    if any(a == "-m" and b == "studies.cli" for a, b in zip(argv, argv[1:])):
        return True
    return bool(sys.argv) and Path(sys.argv[0]).name == "sunsink"


def _record_from_the_start() -> None:
    """Record SIGINT/SIGTERM from the first import of this package on, in the ``sunsink``
    command only: its imports (JAX, the model) take seconds, and ``main`` installs
    :func:`exit_on_signals` after them.  Library users keep their own handlers."""
    if _started_as_the_cli():
        record_signals()


# ----------------------------------------------------------------------------
# exit_on_signals
# ----------------------------------------------------------------------------
_guard: "_Guard | None" = None
_depth = 0   # nesting of deferred sections inside the guard


def _may_raise(guard: "_Guard", frame: types.FrameType | None) -> bool:
    return (guard.raising and _depth == 0 and not _in_gc and sys.exc_info()[1] is None
            and not _in_protected(frame))


def _handler(signum: int, frame: Any) -> None:
    guard = _guard
    if guard is None:        # a handler left behind: keep the signal for whoever asks
        _recorded.append(signum)
        return
    if guard.pending is None:
        guard.pending = signum
        guard.wake.set()
    if _may_raise(guard, frame):
        raise TerminationSignal(guard.pending)


def _unraisable(unraisable: Any) -> None:
    guard = _guard
    if guard is not None and guard.pending is not None \
            and isinstance(unraisable.exc_value, TerminationSignal):
        return  # swallowed where Python discards exceptions: re-delivered by the watchdog
    (guard.previous_hook if guard is not None else sys.__unraisablehook__)(unraisable)


def _checkpoint() -> None:
    """A Python call: the interpreter runs the handlers of signals that are due on entering it."""


def _watch(guard: "_Guard") -> None:
    guard.wake.wait()
    while not guard.stop.is_set():
        guard.nudge.wait(REDELIVERY_INTERVAL_S)
        guard.nudge.clear()
        if guard.stop.is_set():
            break
        _thread.interrupt_main(guard.pending)


class _Guard:
    """The context manager returned by :func:`exit_on_signals` (see there)."""

    def __init__(self, signums: tuple[int, ...]):
        self.signums = tuple(signums)
        self.pending: int | None = None
        self.raising = False
        self.active = False
        self.previous: dict[int, Any] = {}
        self.previous_hook: Any = None
        self.wake = threading.Event()
        self.stop = threading.Event()
        self.nudge = threading.Event()
        self.watchdog: threading.Thread | None = None

    @_uninterruptible
    def __enter__(self) -> "_Guard":
        global _guard, _depth
        if _guard is not None or threading.current_thread() is not threading.main_thread():
            return self      # nested, or not the main thread: nothing to install
        _guard, _depth = self, 0
        self.active = True
        for signum in self.signums:
            self.previous[signum] = signal.signal(signum, _handler)
        early = take_recorded_signal()   # after the handlers: none can fall in between
        self.previous_hook, sys.unraisablehook = sys.unraisablehook, _unraisable
        gc.callbacks.insert(0, _gc_starts)
        gc.callbacks.append(_gc_stops)
        self.watchdog = threading.Thread(target=_watch, args=(self,), daemon=True,
                                         name="sunsink-signal-watchdog")
        self.watchdog.start()
        self.raising = True
        if self.pending is None and early is not None:
            self.pending = early
        if self.pending is not None:   # arrived before: raised at the first place the body may
            self.wake.set()
            _thread.interrupt_main(self.pending)
        return self

    @_uninterruptible
    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        global _guard
        if not self.active:
            return False
        self.raising = False
        self.active = False
        self.stop.set()
        self.wake.set()
        self.nudge.set()
        if self.watchdog is not None:
            self.watchdog.join(timeout=1.0)
        _checkpoint()  # a last re-delivery reaches this guard's handler, not the previous one
        for signum, previous in self.previous.items():
            signal.signal(signum, signal.SIG_DFL if previous is None else previous)
        sys.unraisablehook = self.previous_hook
        for callback in (_gc_starts, _gc_stops):
            with contextlib.suppress(ValueError):
                gc.callbacks.remove(callback)
        _guard = None
        if self.pending is not None and not isinstance(exc, TerminationSignal):
            raise TerminationSignal(self.pending) from exc
        return False


def exit_on_signals(signums: tuple[int, ...] = HANDLED_SIGNALS) -> _Guard:
    """Inside the block, SIGINT and SIGTERM end the work with :class:`TerminationSignal`.

    The exception is a :class:`SystemExit` with code ``128 + signum`` (130, 143);
    it unwinds through :class:`StudyOutput`, which removes the temporary files and
    the lock.  It is raised at the next place where the main thread may be
    interrupted (not in a deferred section, a cleanup, or while an exception is
    handled), re-delivered until it is raised, and raised by the block itself at
    the latest (see the module notes): a signal is never lost.  A signal recorded
    before the block (:func:`record_signals`) is raised in it at once.  The
    previous handlers are restored when the block ends.  Only the main thread can
    install handlers: elsewhere, and inside another such block, this does nothing.

    Examples
    --------
    >>> with exit_on_signals():                        # doctest: +SKIP
    ...     with StudyOutput(path) as out:
    ...         ...
    """
    return _Guard(signums)


def pending_signal() -> int | None:
    """The signal received inside :func:`exit_on_signals` and not yet ended, or None."""
    guard = _guard
    return None if guard is None else guard.pending


def check_signal() -> None:
    """A safe point: raise :class:`TerminationSignal` now if a signal is pending.

    Does nothing outside :func:`exit_on_signals` and in a deferred section.
    """
    guard = _guard
    if guard is not None and guard.pending is not None and guard.raising and _depth == 0:
        raise TerminationSignal(guard.pending)


# ----------------------------------------------------------------------------
# Deferred sections
# ----------------------------------------------------------------------------
class _Deferral:
    """The context manager returned by :func:`_deferred_signals` (see there)."""

    @_uninterruptible
    def __enter__(self) -> "_Deferral":
        global _depth
        self.outside = _guard is None
        self.old: dict[int, Any] = {}
        self.pending: list[int] = []
        if not self.outside:
            _depth += 1
            return self
        if threading.current_thread() is not threading.main_thread():
            return self
        for signum in HANDLED_SIGNALS:
            self.old[signum] = signal.signal(signum, self._record)
        return self

    def _record(self, signum: int, frame: Any) -> None:
        self.pending.append(signum)

    @_uninterruptible
    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        global _depth
        if not self.outside:
            _depth -= 1
            guard = _guard
            if exc_type is None and guard is not None and guard.pending is not None \
                    and _may_raise(guard, sys._getframe(1)):
                raise TerminationSignal(guard.pending)
            return False
        for signum, handler in self.old.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        for signum in dict.fromkeys(self.pending):
            signal.raise_signal(signum)
        return False


@_uninterruptible
def _deferred_signals() -> _Deferral:
    """Hold SIGINT/SIGTERM back while a short critical section runs.

    Inside :func:`exit_on_signals` a signal is recorded and raised when the
    section ends (or, where it may not be raised then, re-delivered later).  Outside it the handlers are swapped for ones that only
    record the signal (possible only in the main thread, which is where Python
    runs handlers); afterwards the old handlers come back and every recorded
    signal is raised again, so that it takes effect right after the section.
    """
    return _Deferral()
