"""hotspot_package's default through-thickness resolution is converged to 0.1 K on HotSpot's EV6 example.

Reference: the same lateral grid with every layer refined twice more (16 sub-layers in the die, spreader
and sink), whose own thickness error is ~0.02 K by Richardson's estimate (observed order 1.8, see
thermal/chip/hotspot/converged.py's refinement on this case).  One sub-layer per layer (the old default) is
1-2 K off, as the issue reported.
"""
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

from thermal.chip import ChipModel, hotspot_package
from thermal.chip.floorplan import read_flp, read_hotspot_config, read_materials, read_ptrace

EV6 = Path(__file__).resolve().parents[1] / "data" / "hotspot-ev6"


@pytest.fixture(scope="module")
def ev6():
    cfg, mats = read_hotspot_config(EV6 / "example.config"), read_materials(EV6 / "example.materials")
    fp = read_flp(EV6 / "ev6.flp")
    names, trace = read_ptrace(EV6 / "gcc.ptrace")
    pw = trace.mean(axis=0)[[names.index(b) for b in fp.names]]

    def blocks(n_sub):
        layers, htc, amb, origin, _ = hotspot_package(cfg, mats, fp, n_sublayers=n_sub)
        m = ChipModel(layers, fp, 32, 32, die_origin_m=origin)
        s = m.steady(m.default_params(bottom_htc_w_m2_k=htc, coolant_temperature_k=amb), jnp.asarray(pw))
        assert bool(s.converged)
        return (tuple(L.n_sublayers for L in m.layers), np.asarray(s.block_temperature_k),
                np.asarray(m.block_temperatures(s.surface_k)))

    return blocks


def test_default_sublayers_converged_on_ev6(ev6):
    ns, junction, surface = ev6(None)
    assert ns == (8, 1, 8, 8)
    _, _, ref = ev6((16, 1, 16, 16))
    assert np.max(np.abs(surface - ref)) < 0.1
    assert np.max(np.abs(junction - ref)) < 0.1
    _, old_junction, _ = ev6((1, 1, 1, 1))
    assert np.mean(np.abs(old_junction - ref)) > 0.8 and np.max(np.abs(old_junction - ref)) > 1.2
