"""Locate and load the generated reference tables in ``data/`` (host side, cached).

The data directory is ``<repo>/data`` unless the environment variable
``SUNSINK_DATA_DIR`` names another one.  Tables are read once with h5py into numpy
arrays; runtime code never needs aep8 or spacepy.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

import h5py
import numpy as np

KERNEL_FILE = "radiation_shieldose2_kernels.h5"
TRAPPED_FILE = "radiation_trapped_ae8ap8.h5"
SOLAR_FILE = "radiation_solar_protons_jpl.h5"


def data_dir() -> Path:
    """Directory holding the reference tables."""
    env = os.environ.get("SUNSINK_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "data"


def _read_group(g) -> dict:
    out = {}
    for k, v in g.items():
        out[k] = _read_group(v) if isinstance(v, h5py.Group) else np.asarray(v[()])
    for k, v in g.attrs.items():
        out.setdefault("attrs", {})[k] = v
    return out


@functools.lru_cache(maxsize=None)
def load(name: str, path: str | None = None) -> dict:
    """Read a whole (small) HDF5 table into nested dicts of numpy arrays."""
    p = Path(path) if path else data_dir() / name
    if not p.exists():
        raise FileNotFoundError(
            f"radiation table {p} not found; generate it with the script in data/scripts/ "
            f"(see data/README.md) or set SUNSINK_DATA_DIR"
        )
    with h5py.File(p, "r") as f:
        return _read_group(f)
