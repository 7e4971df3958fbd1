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
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
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
