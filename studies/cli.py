"""Command-line interface: ``sunsink VERB ...`` (the verbs are :mod:`studies.commands`; ``hotspot`` and
``dose`` have their own argument syntax, :mod:`studies.hotspot_cli`, :mod:`studies.dose_cli`).

The CLI is an entry point, so it (and only it) sets JAX's precision: float64 by default, ``--x32`` for
the float32 path, and the persistent compilation cache.  Results go to stdout; progress and logs to
stderr.  User errors print one line and return a documented exit status.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import traceback
from pathlib import Path

import jax
from equinox import _errors

from .archive import ArchiveError, TerminationSignal, exit_on_signals
from .declare import ConfigError
from .exits import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INFEASIBLE, EXIT_SIGINT, EXIT_SIGTERM

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


def _setup(x32: bool = False, verbose: bool = False, cache: bool = True, cache_dir=None) -> None:
    jax.config.update("jax_enable_x64", not x32)
    if cache:
        enable_compilation_cache(cache_dir)
    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG if verbose else logging.INFO,
                        format="sunsink: %(message)s")
    logging.getLogger("jax._src.xla_bridge").setLevel(logging.ERROR)
    logging.getLogger("matplotlib").setLevel(logging.WARNING)

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sunsink", description="Thermal, radiation and power studies for compute satellites")
    p.add_argument("--x32", action="store_true", help="run in float32 (default float64)")
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--debug", action="store_true", help="show tracebacks (default: one line per error)")
    p.add_argument("--no-cache", action="store_true",
                   help="do not use the persistent compilation cache (compile every program in this process)")
    p.add_argument("--cache-dir", metavar="DIR",
                   help=f"persistent compilation cache directory (default ${CACHE_ENV} or ~/.cache/sunsink/jax)")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="evaluate a study config, print a summary, write archive and figures")
    r.add_argument("config")
    r.add_argument("--out", help="output directory (default out/<study name>)")
    o = sub.add_parser("optimize", help="run the whole-satellite optimisation of a study config")
    o.add_argument("config")
    o.add_argument("--out")
    e = sub.add_parser("evaluate", help="judge one fixed design: constraints with margins, verdict, exit status "
                                        f"0 closes / {EXIT_INFEASIBLE} does not close / 1 not converged / 2 bad input")
    e.add_argument("config")
    e.add_argument("--out", help="also write the archive and figures here (with sensitivities and life)")
    un = sub.add_parser("uncertainty", help="propagate the declared input distributions at the configured design "
                                             "(P5/P50/P95, tornado, Sobol); archive and figures")
    un.add_argument("config")
    un.add_argument("--out")
    un.add_argument("--samples", type=int, help="samples (default [uncertainty] n_samples)")
    cf = sub.add_parser("config", help="list every configuration key with units, default, range and source")
    cf.add_argument("--list", action="store_true", help="(the default action)")
    cf.add_argument("--markdown", action="store_true", help="as a Markdown table (docs/config-reference.md)")
    cf.add_argument("--readme", metavar="PATH",
                    help="rewrite the configuration reference between its markers in this Markdown file "
                         "(docs/config-reference.md)")
    c = sub.add_parser("check", help="compare autodiff gradients with central finite differences")
    c.add_argument("config")
    c.add_argument("--step", type=float, nargs="+", default=[1e-5, 1e-6],
                   help="relative FD step(s) on the scaled variables; with several, the best per variable")
    c.add_argument("--tolerance", type=float, default=1e-4, help="exit 1 if any error exceeds this")
    sw = sub.add_parser("sweep", help="evaluate a grid or Latin hypercube of designs (vmap, sharded)")
    sw.add_argument("config")
    sw.add_argument("--out")
    sw.add_argument("--distributed", action="store_true",
                    help="run as one process of a jax.distributed job (implied by the three options below; "
                         "what they leave out JAX detects under SLURM, Open MPI, Kubernetes or Cloud TPU)")
    sw.add_argument("--coordinator", metavar="HOST:PORT", help="process 0's address, reachable from every process")
    sw.add_argument("--num-processes", type=int, metavar="N", help="processes in the job")
    sw.add_argument("--process-id", type=int, metavar="I", help="this process, 0 .. N-1")
    i = sub.add_parser("inspect", help="print an archive's tree with units")
    i.add_argument("archive")
    rp = sub.add_parser("report", help="rebuild the figures from an archive alone")
    rp.add_argument("archive")
    rp.add_argument("--out", help="figure directory (default: next to the archive)")
    rr = sub.add_parser("rerun", help="repeat the study stored in an archive")
    rr.add_argument("archive")
    rr.add_argument("--out")
    return p


EXTERNAL_COMMANDS = {"hotspot": "studies.hotspot_cli", "dose": "studies.dose_cli"}
"""Verbs with their own argument syntax (HotSpot's single-dash flags): ``module.main(argv) -> int``."""


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in EXTERNAL_COMMANDS:
        return importlib.import_module(EXTERNAL_COMMANDS[argv[0]]).main(argv[1:])
    args = build_parser().parse_args(argv)
    _setup(args.x32, args.verbose, cache=not args.no_cache, cache_dir=args.cache_dir)
    # Imported here, after _setup, on purpose: the study modules import JAX, whose precision (x64) and
    # persistent compilation cache the entry point sets first; and `sunsink --help` stays instant.
    from . import commands

    try:
        with exit_on_signals():
            return commands.run(args)
    except TerminationSignal as exc:
        name = "SIGINT" if exc.code == EXIT_SIGINT else "SIGTERM"
        return _fail(args, exc.code, f"interrupted by {name}; temporary files removed, no archive written")
    except (ConfigError, ArchiveError) as exc:
        return _fail(args, EXIT_BAD_INPUT, str(exc))
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError, FileExistsError) as exc:
        return _fail(args, EXIT_BAD_INPUT, f"{exc.strerror or exc}: {exc.filename!r}" if exc.filename else str(exc))
    except KeyboardInterrupt:   # a SIGINT outside the handlers' reach
        return _fail(args, EXIT_SIGINT, "interrupted by SIGINT; no archive written")
    except Exception as exc:  # noqa: BLE001 -- a computation failed: one line, the traceback with --debug
        return _fail(args, EXIT_FAILED, f"computation failed: {type(exc).__name__}: {exc}")


def _fail(args, status: int, message: str) -> int:
    if getattr(args, "debug", False):
        traceback.print_exc()
    print(f"sunsink: error: {message}", file=sys.stderr)
    return status


def entry() -> None:
    """Console entry point (``sunsink``, ``python -m studies.cli``): :func:`main`, then exit.  After an
    interruption (SIGINT/SIGTERM: temporary files already removed, the message printed) the process ends
    at once with ``os._exit``: the interpreter's finalisation would otherwise tear down XLA's compiler
    threads while they may still be running, which can crash the process (seen as SIGSEGV instead of
    the documented 130/143)."""
    code = main()
    if code in (EXIT_SIGINT, EXIT_SIGTERM):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
