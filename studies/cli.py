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

from .archive import (ArchiveError, TerminationSignal, exit_on_signals, record_signals, staged_outputs,
                      take_recorded_signal)
from .archive.signals import signal_name
from .declare import ConfigError
from .exits import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INFEASIBLE, EXIT_SIGINT, EXIT_SIGTERM
from .cli_setup import (CACHE_ENV, OneLineArgumentParser, default_cache_dir, enable_compilation_cache,  # noqa: F401
                      runtime_errors_as_nan, setup)

log = logging.getLogger("sunsink")


def build_parser() -> argparse.ArgumentParser:
    p = OneLineArgumentParser(prog="sunsink",
                              description="Thermal, radiation and power studies for compute satellites")
    p.add_argument("--x32", action="store_true", help="run in float32 (default float64)")
    p.add_argument("-v", "--verbose", action="store_true", help="log debugging detail to stderr")
    p.add_argument("--debug", action="store_true", help="show tracebacks (default: one line per error)")
    p.add_argument("--no-cache", action="store_true",
                   help="do not use the persistent compilation cache (compile every program in this process)")
    p.add_argument("--cache-dir", metavar="DIR",
                   help=f"persistent compilation cache directory (default ${CACHE_ENV} or ~/.cache/sunsink/jax)")
    sub = p.add_subparsers(dest="command", required=True, metavar="VERB",
                           help="what to do (`sunsink VERB --help` for its options)")
    config_help = "study configuration file (TOML; `sunsink config` lists its keys)"
    archive_help = "sunsink HDF5 archive (.h5) written by run, optimize, evaluate, uncertainty or sweep"
    r = sub.add_parser("run", help="evaluate a study config, print a summary, write archive and figures")
    r.add_argument("config", help=config_help)
    r.add_argument("--out", metavar="DIR", help="output directory (default out/<study name>)")
    o = sub.add_parser("optimize", help="run the whole-satellite optimisation of a study config")
    o.add_argument("config", help=config_help)
    o.add_argument("--out", metavar="DIR", help="output directory (default out/<study name>)")
    e = sub.add_parser("evaluate", help="judge one fixed design: constraints with margins, verdict, exit status "
                                        f"0 closes / {EXIT_INFEASIBLE} does not close / 1 not converged / 2 bad input")
    e.add_argument("config", help=config_help)
    e.add_argument("--out", metavar="DIR",
                   help="also write the archive and figures here (with sensitivities and life)")
    un = sub.add_parser("uncertainty", help="propagate the declared input distributions at the configured design "
                                             "(P5/P50/P95, tornado, Sobol); archive and figures")
    un.add_argument("config", help=config_help)
    un.add_argument("--out", metavar="DIR", help="output directory (default out/<study name>_uncertainty)")
    un.add_argument("--samples", type=int, help="samples (default [uncertainty] n_samples)")
    au = sub.add_parser("audit", help="judge a published design fairly: what it publishes held, the rest sized, "
                                      "the open choices tried, and what it would take to close at its claim")
    au.add_argument("config", help=config_help + "; its [published] stated lists what the publication states")
    au.add_argument("--out", metavar="DIR", help="also write the audit archive here")
    au.add_argument("--maxiter", type=int, default=100, help="optimiser iterations per sizing (default 100)")
    au.add_argument("--summary", metavar="FILE.json",
                    help="also write the numbers of the published-designs table here (studies.io.published)")
    au.add_argument("--no-what-if", action="store_true",
                    help="skip 'what it would take' (the technology inputs that would close the design)")
    va = sub.add_parser("validate", help="compare a flown radiator's published figures with sunsink "
                                         "(studies/validation/*.toml): exit 0 within tolerance, 1 outside, 2 bad input")
    va.add_argument("case", help="validation case (TOML; studies/validation/iss_eatcs_radiator.toml)")
    va.add_argument("--readme", metavar="PATH",
                    help="also rewrite the comparison table between its markers in this Markdown file (README.md)")
    cf = sub.add_parser("config", help="list every configuration key with units, default, range and source")
    cf.add_argument("--list", action="store_true", help="(the default action)")
    form = cf.add_mutually_exclusive_group()
    form.add_argument("--wide", action="store_true",
                      help="one line per key, columns aligned (default: a table that fits 120 columns)")
    form.add_argument("--markdown", action="store_true", help="as a Markdown table (docs/config-reference.md)")
    cf.add_argument("--readme", metavar="PATH",
                    help="rewrite the configuration reference between its markers in this Markdown file "
                         "(docs/config-reference.md)")
    c = sub.add_parser("check", help="compare autodiff gradients with central finite differences")
    c.add_argument("config", help=config_help)
    c.add_argument("--step", type=float, nargs="+", default=[1e-5, 1e-6],
                   help="relative FD step(s) on the scaled variables; with several, the best per variable")
    c.add_argument("--tolerance", type=float, default=1e-4, help="exit 1 if any error exceeds this")
    sw = sub.add_parser("sweep", help="evaluate a grid or Latin hypercube of designs (vmap, sharded)")
    sw.add_argument("config", help=config_help + "; its [sweep] section says what to sweep")
    sw.add_argument("--out", metavar="DIR", help="output directory (default out/<study name>_sweep)")
    sw.add_argument("--distributed", action="store_true",
                    help="run as one process of a jax.distributed job (implied by the three options below; "
                         "what they leave out JAX detects under SLURM, Open MPI, Kubernetes or Cloud TPU)")
    sw.add_argument("--coordinator", metavar="HOST:PORT", help="process 0's address, reachable from every process")
    sw.add_argument("--num-processes", type=int, metavar="N", help="processes in the job")
    sw.add_argument("--process-id", type=int, metavar="I", help="this process, 0 .. N-1")
    i = sub.add_parser("inspect", help="print an archive's tree with units")
    i.add_argument("archive", help=archive_help)
    rp = sub.add_parser("report", help="rebuild the figures from an archive alone")
    rp.add_argument("archive", help=archive_help)
    rp.add_argument("--out", metavar="DIR", help="figure directory (default: next to the archive)")
    rr = sub.add_parser("rerun", help="repeat the study stored in an archive")
    rr.add_argument("archive", help=archive_help)
    rr.add_argument("--out", metavar="DIR", help="output directory (default: rerun/ next to the archive)")
    for verb, module in EXTERNAL_COMMANDS.items():   # their own syntax: everything after the verb is theirs
        x = sub.add_parser(verb, help=importlib.import_module(module).SUMMARY, add_help=False, prefix_chars="\0")
        x.add_argument("args", nargs=argparse.REMAINDER, help=f"the arguments of `sunsink {verb}`")
        x.set_defaults(func=_external)
    return p


EXTERNAL_COMMANDS = {"dose": "studies.dose_cli", "hotspot": "studies.hotspot_cli"}
"""Verbs with their own argument syntax (HotSpot's single-dash flags): ``module.main(argv) -> int``, and
``module.SUMMARY``, their line in ``sunsink --help``."""


def _external(args) -> int:
    """``sunsink [global options] dose|hotspot ...``: the verb's module parses the rest; ``--x32`` goes
    with it to ``dose`` (``hotspot`` computes in float64 only, as HotSpot does)."""
    argv = list(args.args)
    if args.x32:
        if args.command != "dose":
            raise ConfigError(f"--x32: sunsink {args.command} computes in float64 only")
        argv.append("--x32")
    return importlib.import_module(EXTERNAL_COMMANDS[args.command]).main(argv)


def main(argv=None) -> int:
    """Run one command; return its exit status (:mod:`studies.exits`).

    The whole command runs inside :func:`studies.archive.exit_on_signals`: SIGINT and SIGTERM stop it
    at the next point where Python may be interrupted (never silently: a signal that a library
    swallows is delivered again) and it returns 130/143 after one line on stderr; and inside
    :func:`studies.archive.staged_outputs`: what it writes (archives, figures, summaries) appears
    under the final names only when it has completed, all together, and nothing of it when it is
    interrupted or fails.  The verbs with their own syntax (:data:`EXTERNAL_COMMANDS`) run the same way.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    args = outputs = None
    try:
        with exit_on_signals(), staged_outputs() as outputs:
            if argv and argv[0] in EXTERNAL_COMMANDS:   # their own syntax and set-up
                return importlib.import_module(EXTERNAL_COMMANDS[argv[0]]).main(argv[1:])
            args = build_parser().parse_args(argv)
            setup(args.x32, args.verbose, cache=not args.no_cache, cache_dir=args.cache_dir)
            # Imported here, after setup, on purpose: the study modules import JAX, whose precision (x64)
            # and persistent compilation cache the entry point sets first; and `sunsink --help` stays instant.
            from . import commands

            return _external(args) if args.command in EXTERNAL_COMMANDS else commands.run(args)
    except TerminationSignal as exc:
        return _interrupted(args, exc.signum, outputs.committed if outputs is not None else [])
    except (ConfigError, ArchiveError) as exc:
        return _fail(args, EXIT_BAD_INPUT, str(exc))
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError, FileExistsError) as exc:
        return _fail(args, EXIT_BAD_INPUT, f"{exc.strerror or exc}: {exc.filename!r}" if exc.filename else str(exc))
    except BrokenPipeError:   # the reader of stdout went away (`sunsink config --list | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # no second error when Python flushes
        return 0
    except Exception as exc:  # noqa: BLE001 -- a computation failed: one line, the traceback with --debug
        return _fail(args, EXIT_FAILED, f"computation failed: {type(exc).__name__}: {exc}")


def _fail(args, status: int, message: str) -> int:
    if getattr(args, "debug", False):
        traceback.print_exc()
    print(f"sunsink: error: {message}", file=sys.stderr)
    return status


def _interrupted(args, signum: int, committed=(), status=None) -> int:
    """The one line and the exit status (128 + signum) of a command ended by a signal.  ``committed``:
    the outputs it had written when the signal came; ``status``: the status it had already returned."""
    name = signal_name(signum)
    if status is not None:
        message = f"interrupted by {name} after the command had completed (status {status})"
    elif committed:
        where = ", ".join(sorted({str(Path(p).parent) for p in committed}))
        message = (f"interrupted by {name} after the command had completed: its {len(committed)} "
                   f"output file(s) in {where} are complete")
    else:
        message = f"interrupted by {name}; nothing written (temporary files removed)"
    return _fail(args, 128 + signum, message)


def entry() -> None:
    """Console entry point (``sunsink``, ``python -m studies.cli``): :func:`main`, then exit.

    A signal that arrives outside :func:`main`'s own handling -- while ``studies`` is imported (it is
    recorded from the import of :mod:`studies.archive` on, see :mod:`studies.archive.signals`), or
    after the command has returned -- is not lost either: one line, exit 130/143.  After an
    interruption the process ends at once with ``os._exit``: the interpreter's finalisation would
    otherwise tear down XLA's compiler threads while they may still be running, which can crash the
    process (seen as SIGSEGV instead of the documented 130/143)."""
    record_signals()      # outside main()'s handlers: recorded (main raises one recorded before it)
    code = main()
    late = take_recorded_signal()
    if late is not None and code not in (EXIT_SIGINT, EXIT_SIGTERM):
        code = _interrupted(None, late, status=code)
    if code in (EXIT_SIGINT, EXIT_SIGTERM):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
