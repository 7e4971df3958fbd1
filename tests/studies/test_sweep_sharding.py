"""Sharded sweeps over 8 virtual CPU devices agree with an unsharded run."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from studies.analysis.sweep import full_grid, latin_hypercube


def test_lhs_and_grid():
    pts = latin_hypercube({"a": (0.0, 1.0), "b": (10.0, 20.0)}, 16, seed=3)
    # One point per stratum in each dimension.
    assert sorted(np.floor(pts["a"] * 16).astype(int)) == list(range(16))
    g = full_grid({"a": [1.0, 2.0], "b": [3.0, 4.0, 5.0]})
    assert len(g["a"]) == 6 and set(zip(g["a"], g["b"])) == {(a, b) for a in (1.0, 2.0) for b in (3.0, 4.0, 5.0)}
    with pytest.raises(ValueError, match="hi > lo"):
        latin_hypercube({"a": (1.0, 1.0)}, 4)


SCRIPT = textwrap.dedent("""
    import jax, jax.numpy as jnp, numpy as np, io
    jax.config.update("jax_enable_x64", True)
    assert len(jax.devices()) == 8, jax.devices()
    from studies.analysis.sweep import run_sweep, latin_hypercube
    import thermal
    def fn(p):
        env = thermal.plate_environment(p["h"], p["b"], "sun_edge_on", 24)
        q = thermal.absorbed_flux_w_m2(env.face_a, 0.2, 0.9)
        return {"mean": jnp.mean(q), "series": q}
    pts = latin_hypercube({"h": (400e3, 1200e3), "b": (-1.2, 1.2)}, 37, seed=1)
    b = run_sweep(fn, pts, chunk_size=16, progress=None, shard=False, vectorize="vmap")
    for mode in ("vmap", "map"):
        chunks = []
        a = run_sweep(fn, pts, chunk_size=16, progress=None, on_chunk=lambda s, r: chunks.append(s),
                      vectorize=mode)
        assert chunks == [0, 16, 32], chunks
        assert a["series"].shape == (37, 24)
        np.testing.assert_allclose(a["mean"], b["mean"], rtol=1e-13)
        np.testing.assert_allclose(a["series"], b["series"], rtol=1e-13)
    c = run_sweep(fn, pts, chunk_size=16, progress=None, shard=False, vectorize="map")
    np.testing.assert_allclose(c["series"], b["series"], rtol=1e-13)
    # "host": fn called point by point from Python, with a compiled program inside (nothing compiled anew)
    jfn = jax.jit(fn)
    e = run_sweep(jfn, pts, chunk_size=16, progress=None, vectorize="host",
                  on_chunk=lambda s, r: chunks.append(("host", s)))
    assert chunks[-3:] == [("host", 0), ("host", 16), ("host", 32)], chunks
    assert e["series"].shape == (37, 24) and jfn._cache_size() == 1
    np.testing.assert_allclose(e["series"], b["series"], rtol=1e-13)
    d = run_sweep(fn, pts, chunk_size=16, progress=None)  # automatic choice (vmap over 8 devices)
    np.testing.assert_allclose(d["series"], b["series"], rtol=1e-13)
    try:
        run_sweep(fn, pts, vectorize="pmap", progress=None)
    except ValueError as exc:
        assert "vectorize" in str(exc) and "pmap" in str(exc)
    else:
        raise AssertionError("bad vectorize accepted")
    print("SHARDED_OK")
""")


def test_sharded_equals_unsharded_on_8_virtual_devices():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=8", JAX_PLATFORMS="cpu")
    r = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600)
    assert "SHARDED_OK" in r.stdout, r.stdout + r.stderr
