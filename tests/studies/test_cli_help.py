"""`sunsink --help` lists every verb, every option and positional of every verb has help text, an
unknown verb's message names every verb, and parse errors are one line with exit status 2."""
import argparse

import pytest

from studies.cli import EXTERNAL_COMMANDS, build_parser, main
from studies.commands import COMMANDS

VERBS = tuple(COMMANDS) + tuple(EXTERNAL_COMMANDS)
"""Every verb the CLI can run: the dispatch table of studies.commands and the verbs with their own syntax."""


def subparsers(parser):
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return action


def test_help_lists_every_verb(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    listed = [ln.split()[0] for ln in out.splitlines() if ln.startswith("    ") and not ln.startswith("     ")]
    assert sorted(listed) == sorted(VERBS)
    assert set(subparsers(build_parser()).choices) == set(VERBS) >= set(EXTERNAL_COMMANDS)


def test_every_option_and_positional_has_help():
    parser = build_parser()
    missing = [f"sunsink {a.dest}" for a in parser._actions if not a.help]
    for verb, sub in subparsers(parser).choices.items():
        missing += [f"sunsink {verb} {a.option_strings or a.dest}" for a in sub._actions
                    if not a.help or a.help == argparse.SUPPRESS]
    assert not missing


def test_dose_options_have_help():
    from studies.dose_cli import build_parser as dose_parser

    assert not [a.dest for a in dose_parser()._actions if not a.help or a.help == argparse.SUPPRESS]


def test_unknown_verb_is_one_line_naming_every_verb(capsys):
    with pytest.raises(SystemExit) as info:
        main(["dosage"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("sunsink: error: argument VERB: invalid choice: 'dosage'")
    assert all(f"'{v}'" in err for v in VERBS)


def test_verbs_after_global_options(capsys):
    """`sunsink [global options] dose|hotspot ...` reaches the verb (it used to be an invalid choice)."""
    with pytest.raises(SystemExit) as info:
        main(["-v", "dose", "--help"])
    assert info.value.code == 0 and "--altitude-km" in capsys.readouterr().out
    assert main(["-v", "hotspot", "-h"]) == 0
    assert "HotSpot 7" in capsys.readouterr().out
    assert main(["--x32", "hotspot", "-h"]) == 2
    assert capsys.readouterr().err == "sunsink: error: --x32: sunsink hotspot computes in float64 only\n"
