"""Test configuration: float64 on (library code never touches jax.config), and one persistent
compilation cache for the whole session.

The cache lives in a fresh temporary directory per test session (so a run never reuses programs
compiled by an earlier run or by the user's own ``sunsink`` runs) and is shared by every test in the
session: in this process, where different closures of the same computation lower to the same
program, and in the ``sunsink`` subprocesses some tests start (they read ``SUNSINK_CACHE_DIR``).
"""
import atexit
import os
import shutil
import tempfile

import jax

jax.config.update("jax_enable_x64", True)

_CACHE = tempfile.mkdtemp(prefix="sunsink-test-jax-cache-")
atexit.register(shutil.rmtree, _CACHE, True)
os.environ["SUNSINK_CACHE_DIR"] = _CACHE
jax.config.update("jax_compilation_cache_dir", _CACHE)
# Only programs that take >= 5 s to compile (the coupled model, its Jacobian, the big solvers) are
# written: writing every small program made two full runs in a row abort inside XLA's
# executable.serialize() (tests/thermal/test_radiator_panel.py programs, after ~2,000 tests in one
# process; each test passes alone).  The big programs are the ones the cache is here for.
jax.config.update("jax_persistent_cache_min_compile_time_secs", 5.0)
jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)

import pytest  # noqa: E402


def pytest_collection_modifyitems(config, items):
    """Skip GPU-marked tests when no GPU backend is present."""
    try:
        has_gpu = any(d.platform == "gpu" for d in jax.devices())
    except RuntimeError:
        has_gpu = False
    if has_gpu:
        return
    skip = pytest.mark.skip(reason="no GPU device available")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
