"""Test configuration: float64 on (library code never touches jax.config)."""
import jax

jax.config.update("jax_enable_x64", True)

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
