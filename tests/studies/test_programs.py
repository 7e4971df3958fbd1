"""Stored programs (studies.programs): a later process loads a program instead of tracing it, gets the
same numbers, and finds it under the same key; anything that changes the program changes the key."""
import os
import subprocess
import sys
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from studies import programs
from studies.programs import stored_jit, use_program_store

ROOT = Path(__file__).resolve().parents[2]


class Pair(eqx.Module):
    total: jax.Array
    parts: dict
    label: str = eqx.field(static=True)


def _model(traces):
    def fn(x, scale):
        traces.append(1)
        return Pair(jnp.sum(x) * scale, {"sin": jnp.sin(x), "n": jnp.asarray(x.shape[0])}, "pair")
    return fn


@pytest.fixture
def store(tmp_path):
    yield use_program_store(tmp_path / "programs")
    use_program_store(None)


def test_a_second_process_loads_instead_of_tracing(store):
    x, s = jnp.linspace(0.0, 1.0, 5), jnp.asarray(2.0)
    traces = []
    first = stored_jit(_model(traces), "pair")(x, s)
    assert len(traces) == 1 and len(list(store.directory.glob("*.exported"))) == 1
    again = []
    second = stored_jit(_model(again), "pair")(x, s)          # a new instance: as in the next process
    assert again == []                                       # loaded, not traced
    assert isinstance(second, Pair) and second.label == "pair"
    for a, b in zip(jax.tree_util.tree_leaves(first), jax.tree_util.tree_leaves(second)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert float(second.total) == pytest.approx(5.0)


def test_the_key_follows_shapes_dtypes_names_and_trees(store):
    traces = []
    f = stored_jit(_model(traces), "pair")
    f(jnp.ones(3), jnp.asarray(1.0))
    f(jnp.ones(4), jnp.asarray(1.0))                          # another shape: another program
    f(jnp.ones(4, jnp.float32), jnp.asarray(1.0))             # another dtype
    stored_jit(_model(traces), "other")(jnp.ones(3), jnp.asarray(1.0))   # another name
    assert len(traces) == 4 and len(list(store.directory.glob("*.exported"))) == 4
    leaves = [np.ones(3)]
    assert store.key("a", jax.tree_util.tree_structure((1,)), leaves) != store.key(
        "a", jax.tree_util.tree_structure(((1,),)), leaves)


def test_a_damaged_entry_is_traced_again(store):
    x, s = jnp.arange(3.0), jnp.asarray(1.5)
    stored_jit(_model([]), "pair")(x, s)
    for p in store.directory.glob("*.exported"):
        p.write_bytes(b"not a program")
    traces = []
    out = stored_jit(_model(traces), "pair")(x, s)
    assert traces == [1] and float(out.total) == pytest.approx(4.5)


def test_without_a_store_it_is_plain_jit():
    use_program_store(None)
    traces = []
    f = stored_jit(_model(traces), "pair")
    f(jnp.ones(2), jnp.asarray(1.0))
    f(jnp.ones(2), jnp.asarray(3.0))
    assert traces == [1] and f._cache_size() == 1


KEY_SCRIPT = """
import jax
jax.config.update("jax_enable_x64", True)
from studies.model import Mission, Numerics
from studies.programs import ProgramStore
from studies.analysis.kernels import strong_types
import tempfile
m = strong_types(Mission())
leaves, tree = jax.tree_util.tree_flatten((m, m))
print(ProgramStore(tempfile.mkdtemp()).key(f"evaluation {Numerics()!r}", tree, leaves))
"""


def test_the_key_of_the_model_is_the_same_in_every_process():
    """The coupled model's input tree (every static choice of Mission) and the numerics print the same in
    two processes with different hash seeds, so a warm start finds the stored program."""
    keys = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(ROOT))
        r = subprocess.run([sys.executable, "-c", KEY_SCRIPT], env=env, capture_output=True, text=True,
                           timeout=300, cwd=ROOT)
        assert r.returncode == 0, r.stderr[-2000:]
        keys.append(r.stdout.strip().splitlines()[-1])
    assert keys[0] == keys[1] and len(keys[0]) == 32


def test_the_fingerprint_covers_sources_data_and_compiler_environment(monkeypatch):
    base = programs.fingerprint()
    monkeypatch.setattr(programs, "_FINGERPRINT", None)
    monkeypatch.setenv("EQX_ON_ERROR", "raise")
    assert programs.fingerprint() != base
    monkeypatch.setattr(programs, "_FINGERPRINT", None)
    monkeypatch.delenv("EQX_ON_ERROR")
    monkeypatch.setenv("XLA_FLAGS", os.environ.get("XLA_FLAGS", "") + " --xla_dump_to=/nonexistent")
    assert programs.fingerprint() != base
    monkeypatch.setattr(programs, "_FINGERPRINT", None)


def test_inside_a_transformation_it_traces_as_jit(store):
    """Called with tracers (vmap, grad, an enclosing jit) it is plain jax.jit: a stored program is an
    answer for concrete inputs only."""
    f = stored_jit(lambda x: jnp.sin(x) * 2.0, "sine")
    xs = jnp.linspace(0.0, 1.0, 4)
    np.testing.assert_allclose(np.asarray(jax.vmap(f)(xs)), 2.0 * np.sin(np.asarray(xs)), rtol=1e-12)
    assert float(jax.grad(f)(0.3)) == pytest.approx(2.0 * np.cos(0.3))
    assert list(store.directory.glob("*.exported")) == []
