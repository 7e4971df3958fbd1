"""HotSpot readers/writers round-trip the EV6 example files; floorplan-to-grid mapping."""
from pathlib import Path

import numpy as np
import pytest

from thermal.chip.floorplan import (Block, Floorplan, LcfLayer, overlap_weights, read_flp, read_hotspot_config,
                               read_lcf, read_materials, read_ptrace, write_flp, write_lcf, write_ptrace)

D = Path(__file__).resolve().parents[1] / "data" / "hotspot-ev6"


def test_flp_roundtrip(tmp_path):
    fp = read_flp(D / "ev6.flp")
    assert len(fp.blocks) == 30 and fp.names[0] == "L2_left"
    x0, y0, x1, y1 = fp.bounding_box_m
    np.testing.assert_allclose((x0, y0, x1, y1), (0, 0, 0.016, 0.016), atol=1e-12)
    np.testing.assert_allclose(sum(b.area_m2 for b in fp.blocks), 0.016 ** 2, rtol=1e-3)
    # the file's numbers, parsed independently of the reader
    raw = [ln.split() for ln in (D / "ev6.flp").read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    assert [r[0] for r in raw] == list(fp.names)
    np.testing.assert_array_equal([[float(v) for v in r[1:5]] for r in raw],
                                  [[b.width_m, b.height_m, b.left_m, b.bottom_m] for b in fp.blocks])
    write_flp(tmp_path / "x.flp", fp)
    assert read_flp(tmp_path / "x.flp") == fp


def test_ptrace_roundtrip(tmp_path):
    names, p = read_ptrace(D / "gcc.ptrace")
    fp = read_flp(D / "ev6.flp")
    assert set(names) == set(fp.names) and p.shape[1] == 30 and p.shape[0] > 10
    np.testing.assert_allclose(p.mean(axis=0).sum(), 40.207316, rtol=1e-6)
    write_ptrace(tmp_path / "x.ptrace", names, p)
    n2, p2 = read_ptrace(tmp_path / "x.ptrace")
    assert n2 == names
    np.testing.assert_array_equal(p2, p)


def test_config_materials_and_lcf(tmp_path):
    cfg = read_hotspot_config(D / "example.config")
    assert float(cfg["t_chip"]) == 0.00015 and float(cfg["r_convec"]) == 0.1 and cfg["material_sink"] == "aluminum"
    mats = read_materials(D / "example.materials")
    assert mats["silicon"]["conductivity_w_m_k"] == 130.0 and mats["water"]["type"] == "fluid"
    assert mats["water"]["viscosity_pa_s"] == 8.89e-4
    layers = (LcfLayer(0, True, True, 1.6303e6, 1 / 130.0, 1.5e-4, "ev6.flp"),
              LcfLayer(1, True, False, 4.0e6, 0.25, 2.0e-5, "ev6.flp"))
    write_lcf(tmp_path / "ev6.lcf", layers)
    assert read_lcf(tmp_path / "ev6.lcf") == layers
    (tmp_path / "bad.lcf").write_text("0\nY\nY\n1e6\n0.01\n")
    with pytest.raises(ValueError, match="7 data lines"):
        read_lcf(tmp_path / "bad.lcf")


def test_bad_files(tmp_path):
    (tmp_path / "o.flp").write_text("a 0.002 0.002 0 0\nb 0.002 0.002 0.001 0.001\n")
    with pytest.raises(ValueError, match="overlap"):
        read_flp(tmp_path / "o.flp")
    (tmp_path / "n.ptrace").write_text("a b\n1.0 -2.0\n")
    with pytest.raises(ValueError, match=">= 0 W"):
        read_ptrace(tmp_path / "n.ptrace")
    (tmp_path / "r.ptrace").write_text("a b\n1.0\n")
    with pytest.raises(ValueError, match="row 2"):
        read_ptrace(tmp_path / "r.ptrace")


def test_overlap_weights_conserve_power():
    fp = read_flp(D / "ev6.flp")
    for n in (7, 16, 33):      # grids not aligned with the blocks
        w = overlap_weights(fp, (0.0, 0.0), (0.016 / n, 0.016 / n), (n, n))
        np.testing.assert_allclose(w.sum(axis=(1, 2)), 1.0, rtol=1e-12)
    # aligned grid: a block's weights equal its cell-overlap fraction
    fp1 = Floorplan((Block("a", 0.5, 0.25, 0.25, 0.5),))
    w = overlap_weights(fp1, (0.0, 0.0), (0.25, 0.25), (4, 4))
    assert w[0, 2, 1] == pytest.approx(0.5) and w[0, 2, 2] == pytest.approx(0.5)
