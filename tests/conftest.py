"""Test configuration: float64 on (library code never touches jax.config), XLA CPU programs compiled
at -O0, and one persistent compilation cache for the whole session.

The cache lives in a fresh temporary directory per test session (so a run never reuses programs
compiled by an earlier run or by the user's own ``sunsink`` runs).  The ``sunsink`` subprocesses some
tests start write to it and share it (they read ``SUNSINK_CACHE_DIR``); this process only reads it.
"""
import atexit
import gc
import os
import shutil
import tempfile

# XLA's CPU back end compiles the test programs with LLVM at -O0 (the user's own XLA_FLAGS come after
# and win).  The suite is compile-bound: ~3,000 distinct programs, most run a few times on tiny grids.
# At -O0 the suite's CPU time fell by about a third (tests/thermal 589 -> 413 s, measured side by side
# with the other process); the programs compute the same arithmetic, with rounding that may differ
# from -O3 in the last bits (XLA keeps fast-math off by default at every level).  The golden archive is therefore produced
# under these flags (tests/golden/README.md).  `sunsink` itself keeps XLA's default optimisation.
# The instruction set is capped at AVX2 as well: XLA's CPU code generation follows the host's vector
# width, and the optimiser's path in the golden study amplifies the last-bit differences that AVX-512
# reductions give (fdb5318's golden archive, written on an AVX-512 host, took 52 trust-constr iterations
# where an AVX2-only host takes 44).  Capped, every x86-64 host since 2013 compiles the same programs.
TEST_XLA_FLAGS = "--xla_backend_optimization_level=0 --xla_cpu_max_isa=AVX2"
os.environ["XLA_FLAGS"] = (TEST_XLA_FLAGS + " " + os.environ.get("XLA_FLAGS", "")).strip()

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

_CACHE = tempfile.mkdtemp(prefix="sunsink-test-jax-cache-")
atexit.register(shutil.rmtree, _CACHE, True)
os.environ["SUNSINK_CACHE_DIR"] = _CACHE
jax.config.update("jax_compilation_cache_dir", _CACHE)
# This process only READS the cache (programs the ``sunsink`` subprocesses wrote) outside the tests
# that run the CLI in-process: writing every program made three full runs in a row abort inside XLA's
# executable.serialize() on a vmapped radiator program (tests/thermal/test_radiator_panel.py, after
# ~2,000 tests in one process; every test passes alone).  `studies.cli.main` turns writes on for its
# own run (threshold 0.5 s); the autouse fixture below turns them off again around every test.
_NO_WRITES_S = 1e9
jax.config.update("jax_persistent_cache_min_compile_time_secs", _NO_WRITES_S)
jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _no_compilation_cache_writes_in_this_process():
    """No persistent-cache writes from this process, before and after every test (see above)."""
    jax.config.update("jax_persistent_cache_min_compile_time_secs", _NO_WRITES_S)
    yield
    jax.config.update("jax_persistent_cache_min_compile_time_secs", _NO_WRITES_S)


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


def _mapped_regions() -> int | None:
    try:
        with open("/proc/self/maps") as f:
            return sum(1 for _ in f)
    except OSError:
        return None


def _map_limit() -> int:
    try:
        with open("/proc/sys/vm/max_map_count") as f:
            return int(f.read())
    except (OSError, ValueError):
        return 65530


@pytest.fixture(autouse=True, scope="module")
def _free_compiled_programs_before_the_map_limit():
    """After a test module, drop every compiled program when the process holds more than half of the
    kernel's memory-map limit (vm.max_map_count).  Each XLA CPU executable keeps a few mapped code sections
    (3.4 per small program, measured) for the life of its jit cache, and the second test process compiles
    ~2,600 programs: a process near the limit fails inside XLA's CPU compiler (a segmentation fault in
    backend_compile_and_load, or LLVM "Unable to allocate section memory").  Below half the limit nothing
    is dropped, so no test recompiles what it shares with another."""
    yield
    n = _mapped_regions()
    if n is not None and n > _map_limit() // 2:
        jax.clear_caches()
        gc.collect()
