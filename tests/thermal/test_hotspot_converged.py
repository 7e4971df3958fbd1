"""`sunsink hotspot -scheme converged`: the cell-centred stack built from a HotSpot case, checked on a
1-D case against the closed form, and through the command line."""
from pathlib import Path

import numpy as np
import pytest

from studies.hotspot_cli import main
from thermal.chip.floorplan import Block, Floorplan, read_temperature_file, write_flp, write_ptrace
from thermal.chip.hotspot.config import hotspot_config
from thermal.chip.hotspot.converged import converged_level
from thermal.chip.hotspot.grid import HotSpotGrid

A = 0.012                         # die = spreader = sink side [m]: a laterally uniform (1-D) stack
P_W = 30.0
CFG = dict(model_type="grid", grid_rows=4, grid_cols=4, s_sink=A, s_spreader=A, t_chip=2e-4, k_chip=120.0,
           t_interface=3e-5, k_interface=3.0, t_spreader=1e-3, k_spreader=380.0, t_sink=4e-3, k_sink=230.0,
           r_convec=0.5, ambient=300.0)


def one_d_exact():
    """Top face of each layer: ambient + P (r_convec + sum of the layers below it, itself included)."""
    c = CFG
    r = [c["t_chip"] / (c["k_chip"] * A * A), c["t_interface"] / (c["k_interface"] * A * A),
         c["t_spreader"] / (c["k_spreader"] * A * A), c["t_sink"] / (c["k_sink"] * A * A)]
    return np.array([c["ambient"] + P_W * (c["r_convec"] + sum(r[n:])) for n in range(4)])


def test_one_d_stack_both_schemes_match_the_closed_form():
    """With no lateral gradient, HotSpot's nodes at layer tops and the converged top faces are both exact."""
    cfg = hotspot_config([(k, str(v)) for k, v in CFG.items()])
    fp = Floorplan((Block("a", A / 2, A, 0.0, 0.0), Block("b", A / 2, A, A / 2, 0.0)))
    m = HotSpotGrid(cfg, fp)
    st = m.steady({0: [P_W / 2, P_W / 2]})
    exact = one_d_exact()
    for n in range(4):
        np.testing.assert_allclose(st.block_k[n], exact[n], rtol=1e-10)
    for mode in ("avg", "center", "max"):
        entries, grid, ok = converged_level(cfg, list(m.layers[:2]), {0: np.array([P_W / 2, P_W / 2])}, 8,
                                            (3, 1, 2, 2), mode, 4, 4, solver="direct")
        assert ok
        np.testing.assert_allclose(entries[:8].reshape(4, 2), np.repeat(exact[:, None], 2, axis=1), rtol=1e-9)
        np.testing.assert_allclose(grid, np.broadcast_to(exact[:, None, None], grid.shape), rtol=1e-9)
        assert np.all(np.isnan(entries[8:]))          # no spreader/sink rim outside a die-sized stack


def test_cli_converged_scheme(tmp_path, capsys):
    """Through the command line: side-by-side table, converged flag, files hold the converged values."""
    fp = Floorplan((Block("a", A / 2, A, 0.0, 0.0), Block("b", A / 2, A, A / 2, 0.0)))
    write_flp(tmp_path / "x.flp", fp)
    write_ptrace(tmp_path / "x.ptrace", ("a", "b"), [[P_W / 2, P_W / 2]])
    args = ["-f", str(tmp_path / "x.flp"), "-p", str(tmp_path / "x.ptrace"), "-scheme", "converged",
            "-converged_tol", "0.5", "-steady_file", str(tmp_path / "s"), "-grid_steady_file", str(tmp_path / "g")]
    for k, v in CFG.items():
        args += [f"-{k}", str(v)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "HotSpot [K]" in out and "converged [K]" in out and "converged to 0.5 K" in out
    s = read_temperature_file(tmp_path / "s")
    exact = one_d_exact()
    assert s["a"] == pytest.approx(exact[0], abs=0.006) and s["hsink_b"] == pytest.approx(exact[3], abs=0.006)
    assert "nan" in Path(tmp_path / "s").read_text()       # the rim nodes do not exist here
