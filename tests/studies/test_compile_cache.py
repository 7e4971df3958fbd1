"""The CLI's programs can be written to JAX's persistent compilation cache: no host callbacks.

JAX never caches a program with host callbacks, and equinox's in-program error checks are host
callbacks in their default mode (``EQX_ON_ERROR=raise``).  Every implicitly differentiated solve
(``optimistix`` ``ImplicitAdjoint``) checks its adjoint linear solve that way, so before
:func:`studies.cli.runtime_errors_as_nan` every Jacobian program was compiled again in each process.
Each check runs in a fresh interpreter: traces are cached per process, so the mode must be set
before the first trace, as the CLI does.
"""
import os
import subprocess
import sys

from equinox import _errors

from studies.cli import runtime_errors_as_nan

SCRIPT = """
import sys
import jax
import jax.numpy as jnp
import optimistix as optx
if sys.argv[1] == "cli":
    from studies.cli import runtime_errors_as_nan
    runtime_errors_as_nan()

def root(p):
    sol = optx.root_find(lambda y, a: y ** 3 - a, optx.Newton(rtol=1e-10, atol=1e-10), jnp.asarray(1.0),
                         args=p, throw=False)
    return sol.value

print("callback" in jax.jit(jax.jacfwd(root)).lower(jnp.asarray(2.0)).as_text())
"""


def _has_callback(mode: str) -> bool:
    env = {k: v for k, v in os.environ.items() if k != "EQX_ON_ERROR"}
    r = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip().splitlines()[-1] == "True"


def test_differentiated_solves_lower_without_host_callbacks_in_cli_mode():
    assert _has_callback("default")      # equinox's default: the adjoint solve's check is a host callback
    assert not _has_callback("cli")


def test_a_users_choice_of_error_mode_wins(monkeypatch):
    monkeypatch.setenv("EQX_ON_ERROR", "raise")
    monkeypatch.setattr(_errors, "EQX_ON_ERROR", "raise")
    runtime_errors_as_nan()
    assert _errors.EQX_ON_ERROR == "raise"
