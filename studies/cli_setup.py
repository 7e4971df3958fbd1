"""What every ``sunsink`` entry point sets up before work: JAX's precision and persistent compilation
cache, equinox's in-program errors, logging, and an argument parser whose errors are one line.

Shared by :mod:`studies.cli` and the verbs with their own syntax (:mod:`studies.dose_cli`,
:mod:`studies.hotspot_cli`); library modules never change ``jax.config`` (only entry points do).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

import jax
from equinox import _errors

from .programs import use_program_store
from .exits import EXIT_BAD_INPUT

__all__ = ["CACHE_ENV", "default_cache_dir", "enable_compilation_cache", "runtime_errors_as_nan", "setup",
           "OneLineArgumentParser"]

log = logging.getLogger("sunsink")

CACHE_ENV = "SUNSINK_CACHE_DIR"
"""Environment variable naming the persistent compilation-cache directory (``--cache-dir`` wins)."""


def default_cache_dir() -> Path:
    """Per-user cache of compiled XLA programs: ``$SUNSINK_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/sunsink/jax``, else ``~/.cache/sunsink/jax``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sunsink" / "jax"


def enable_compilation_cache(path=None) -> Path | None:
    """Turn on JAX's persistent compilation cache in ``path`` (default :func:`default_cache_dir`).

    Every program that takes longer than half a second to compile is stored, keyed by its XLA
    module and compile options (not by Python object identity), so a second process -- the next
    ``sunsink run`` of any config with the same model shapes -- loads it instead of compiling.
    Returns the directory, or None (with a warning) when it cannot be created.
    """
    d = Path(path).expanduser() if path else default_cache_dir()
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("compilation cache %s unavailable (%s); compiling without it", d, exc.strerror or exc)
        return None
    jax.config.update("jax_compilation_cache_dir", str(d))
    use_program_store(d / "programs")   # the traced programs too: a warm start skips tracing
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    runtime_errors_as_nan()
    return d


def runtime_errors_as_nan() -> None:
    """Make equinox's in-program error checks return NaN instead of raising through a host callback.

    Every implicitly differentiated solve (``optimistix`` ``ImplicitAdjoint``) checks its adjoint
    linear solve with ``equinox.error_if``, which by default (``EQX_ON_ERROR=raise``) embeds a host
    callback in the program, and JAX never writes a program with host callbacks to the persistent
    cache: every Jacobian program was compiled again in every process (the value programs, which
    have no adjoint solve, were cached).  With ``nan`` a failed adjoint solve yields NaN derivatives,
    which :meth:`studies.analysis.kernels.Kernels.value_and_jacobian` rejects with a clear error.

    equinox reads ``EQX_ON_ERROR`` once, at import; the CLI's process has imported it already, so its
    module-level default is set too (``equinox._errors.EQX_ON_ERROR``: no public setter exists).
    A user's own ``EQX_ON_ERROR`` wins.
    """
    if "EQX_ON_ERROR" in os.environ:
        return
    os.environ["EQX_ON_ERROR"] = "nan"   # for child processes
    if hasattr(_errors, "EQX_ON_ERROR"):
        _errors.EQX_ON_ERROR = "nan"


def setup(x32: bool = False, verbose: bool = False, cache: bool = True, cache_dir=None) -> None:
    jax.config.update("jax_enable_x64", not x32)
    if cache:
        enable_compilation_cache(cache_dir)
    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG if verbose else logging.INFO,
                        format="sunsink: %(message)s")
    logging.getLogger("jax._src.xla_bridge").setLevel(logging.ERROR)
    logging.getLogger("matplotlib").setLevel(logging.WARNING)

class OneLineArgumentParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (``PROG: error: MESSAGE; see 'PROG --help'``) with
    exit status 2, like every other user error of the CLI (argparse prints the usage block first)."""

    def error(self, message):
        message = " ".join(message.split())     # the user's own words may hold line breaks
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}; see '{self.prog} --help'\n")
