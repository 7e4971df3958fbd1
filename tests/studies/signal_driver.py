"""Runs ``sunsink`` commands one after another in one process, for the signal tests
(tests/studies/test_cli_signals.py); not a test module.

Each command costs what ``python -m studies.cli`` costs after its imports, and later commands reuse
the programs earlier ones compiled, so that dozens of commands can be interrupted at random times
in a few minutes.  Around each command the process behaves as :func:`studies.cli.entry` does: a
signal that arrives outside :func:`studies.cli.main` is only recorded (and reported as ``late``).

Protocol: one JSON request per line on stdin, ``{"argv": [...], "hook": "module:function"}``
(``hook`` optional, also ``"module:Class.method"``).  For each request the driver prints ``START <n>`` on stdout and ``@@START <n>``
on stderr, runs ``main(argv)``, then prints ``@@END <n>`` on stderr and ``END <n> <status> <late>``
on stdout (``late``: the signal recorded after ``main`` returned, or 0).  With a hook, the named
function is replaced for that command by one that prints ``WORKING <n>`` the first time it is called
and then keeps calling the original -- real work of the verb -- until a signal ends it (at most
60 s), so that the signal reaches the verb while it is working.  ``@@FIGURE`` on stderr precedes every
figure.
"""
import importlib
import json
import sys
import time

from studies import cli
from studies.archive import record_signals, take_recorded_signal

WORK_S = 60.0


def say(stream, line: str) -> None:
    """One write per line: a signal can land between the two writes of a print()."""
    stream.write(line + "\n")
    stream.flush()


def hooked(n, owner, name):
    original = getattr(owner, name)
    state = {"announced": False}

    def working(*args, **kwargs):
        if state["announced"]:
            return original(*args, **kwargs)
        state["announced"] = True
        say(sys.stdout, f"WORKING {n}")
        t0 = time.monotonic()
        result = original(*args, **kwargs)
        while time.monotonic() - t0 < WORK_S:     # the same work again, until the signal comes
            result = original(*args, **kwargs)
        return result

    return original, working


def mark_figures() -> None:
    """``@@FIGURE`` on stderr before every figure (so the tests know a signal came while figures were written)."""
    from studies.io import plots

    save = plots.save

    def marked(*args, **kwargs):
        say(sys.stderr, "@@FIGURE")
        return save(*args, **kwargs)

    plots.save = marked


def main() -> None:
    record_signals()
    mark_figures()
    for n, line in enumerate(sys.stdin):
        request = json.loads(line)
        patched = None
        if request.get("hook"):       # "module:function" or "module:Class.method"
            mod_name, path = request["hook"].split(":")
            owner = importlib.import_module(mod_name)
            *parents, name = path.split(".")
            for parent in parents:
                owner = getattr(owner, parent)
            original, working = hooked(n, owner, name)
            setattr(owner, name, working)
            patched = (owner, name, original)
        take_recorded_signal()
        say(sys.stdout, f"START {n}")
        say(sys.stderr, f"@@START {n}")
        try:
            status = cli.main(request["argv"])
        except SystemExit as exc:       # argparse
            status = exc.code
        finally:
            if patched is not None:
                setattr(*patched)
        late = take_recorded_signal() or 0
        say(sys.stderr, f"@@END {n}")
        say(sys.stdout, f"END {n} {status} {late}")


if __name__ == "__main__":
    main()
