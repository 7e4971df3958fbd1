"""`sunsink hotspot -scheme hotspot` reproduces HotSpot 7's outputs (tests/data/hotspot-reference).

Each test runs the command in-process on HotSpot's own example inputs and compares
every entry of the written files with the output of a real HotSpot 7 build (its
provenance and command lines are in tests/data/hotspot-reference/README.md).
HotSpot prints two decimals, so agreement is asserted to 0.05 K (observed: <= 0.005 K
for steady states and backward-Euler traces, <= 0.02 K for RK4 traces).
"""
from pathlib import Path

import numpy as np
import pytest

from studies.hotspot_cli import main
from thermal.chip.floorplan import read_flp, read_hotspot_config, read_materials, read_ptrace, read_temperature_file
from thermal.chip.hotspot.block import HotSpotBlock
from thermal.chip.hotspot.config import EXTRA, hotspot_config, read_config_pairs
from thermal.chip.hotspot.grid import HotSpotGrid

DATA = Path(__file__).resolve().parents[1] / "data"
REF = DATA / "hotspot-reference"
EV6 = DATA / "hotspot-ev6"
TOL = 0.05


def run(tmp_path, cwd, *args, monkeypatch):
    monkeypatch.chdir(cwd)
    rc = main([str(a) for a in args])
    assert rc == 0
    return rc


def ev6_args(*extra):
    return ["-c", EV6 / "example.config", "-f", EV6 / "ev6.flp", "-materials_file", EV6 / "example.materials",
            *extra]


def assert_steady_equal(ours, ref, tol=TOL):
    a, b = read_temperature_file(ours), read_temperature_file(ref)
    assert list(a) == list(b)                       # same entries, same order
    d = np.array([a[k] - b[k] for k in b])
    assert np.max(np.abs(d)) <= tol, (np.max(np.abs(d)), list(b)[int(np.argmax(np.abs(d)))])


def assert_trace_equal(ours, ref, tol=TOL, rows=None):
    ha, hb = Path(ours).read_text().splitlines()[0], Path(ref).read_text().splitlines()[0]
    assert ha == hb
    a, b = np.loadtxt(ours, skiprows=1, ndmin=2), np.loadtxt(ref, skiprows=1, ndmin=2)
    rows = rows or b.shape[0]
    assert a.shape == b.shape
    assert np.max(np.abs(a[:rows] - b[:rows])) <= tol, np.max(np.abs(a - b))


def grid_file(path):
    vals = [float(ln.split()[1]) for ln in Path(path).read_text().splitlines() if not ln.startswith("Layer")]
    return np.array(vals)


def head_ptrace(tmp_path, rows):
    lines = (EV6 / "gcc.ptrace").read_text().splitlines()
    p = tmp_path / f"gcc{rows}.ptrace"
    p.write_text("\n".join(lines[:rows + 1]) + "\n")
    return p


@pytest.mark.parametrize("grid", ["16x16", "32x32", "64x64", "128x128", "32x16"])
def test_ev6_grid_steady(tmp_path, monkeypatch, grid):
    r, c = grid.split("x")
    args = ev6_args("-p", EV6 / "gcc.ptrace", "-model_type", "grid", "-grid_rows", r, "-grid_cols", c,
                    "-steady_file", tmp_path / "s", "-grid_steady_file", tmp_path / "g")
    run(tmp_path, tmp_path, *args, monkeypatch=monkeypatch)
    assert_steady_equal(tmp_path / "s", REF / "ev6" / f"grid{grid}.steady")
    if (REF / "ev6" / f"grid{grid}.grid.steady").exists():
        ours, ref = grid_file(tmp_path / "g"), grid_file(REF / "ev6" / f"grid{grid}.grid.steady")
        assert ours.shape == ref.shape == (4 * int(r) * int(c),)
        assert np.max(np.abs(ours - ref)) <= TOL
    if grid in ("16x16", "64x64"):       # HotSpot's default (multigrid) build agrees as well
        assert_steady_equal(tmp_path / "s", REF / "ev6" / f"grid{grid}.multigrid.steady")


@pytest.mark.parametrize("mode", ["min", "max", "center"])
def test_ev6_grid_map_modes(tmp_path, monkeypatch, mode):
    args = ev6_args("-p", EV6 / "gcc.ptrace", "-model_type", "grid", "-grid_rows", "32", "-grid_cols", "32",
                    "-grid_map_mode", mode, "-steady_file", tmp_path / "s")
    run(tmp_path, tmp_path, *args, monkeypatch=monkeypatch)
    assert_steady_equal(tmp_path / "s", REF / "ev6" / f"grid32x32.{mode}.steady")


@pytest.mark.parametrize("n", [16, 64])
def test_ev6_grid_transient_backward_euler(tmp_path, monkeypatch, n):
    """HotSpot's SuperLU build: one backward-Euler step per row, from the steady state of the same trace."""
    p = head_ptrace(tmp_path, 20)
    common = ["-p", p, "-model_type", "grid", "-grid_rows", n, "-grid_cols", n]
    run(tmp_path, tmp_path, *ev6_args(*common, "-steady_file", tmp_path / "init"), monkeypatch=monkeypatch)
    run(tmp_path, tmp_path, *ev6_args(*common, "-init_file", tmp_path / "init", "-o", tmp_path / "t",
                                      "-transient_solver", "be"), monkeypatch=monkeypatch)
    assert_trace_equal(tmp_path / "t", REF / "ev6" / f"grid{n}x{n}.be.ttrace")


def test_ev6_grid_transient_from_init_temp_with_overrides(tmp_path, monkeypatch):
    """Config overrides on the command line (-init_temp, -sampling_intvl) beat the -c file."""
    p = head_ptrace(tmp_path, 10)
    run(tmp_path, tmp_path, *ev6_args("-p", p, "-model_type", "grid", "-grid_rows", 32, "-grid_cols", 32,
                                      "-init_temp", "330.0", "-sampling_intvl", "0.002", "-o", tmp_path / "t",
                                      "-transient_solver", "be"), monkeypatch=monkeypatch)
    assert_trace_equal(tmp_path / "t", REF / "ev6" / "grid32x32.be.init330.dt2ms.ttrace")


def test_ev6_grid_transient_rk4(tmp_path, monkeypatch):
    """HotSpot's default build: adaptive RK4 within each 10 ms row."""
    p = head_ptrace(tmp_path, 10)
    common = ["-p", p, "-model_type", "grid", "-grid_rows", 16, "-grid_cols", 16]
    run(tmp_path, tmp_path, *ev6_args(*common, "-steady_file", tmp_path / "init"), monkeypatch=monkeypatch)
    run(tmp_path, tmp_path, *ev6_args(*common, "-init_file", tmp_path / "init", "-o", tmp_path / "t"),
        monkeypatch=monkeypatch)
    assert_trace_equal(tmp_path / "t", REF / "ev6" / "grid16x16.rk4.ttrace")


def test_ev6_block_model(tmp_path, monkeypatch):
    run(tmp_path, tmp_path, *ev6_args("-p", EV6 / "gcc.ptrace", "-model_type", "block", "-steady_file",
                                      tmp_path / "s"), monkeypatch=monkeypatch)
    assert_steady_equal(tmp_path / "s", REF / "ev6" / "block.steady")
    run(tmp_path, tmp_path, *ev6_args("-p", EV6 / "gcc.ptrace", "-model_type", "block", "-init_file",
                                      REF / "ev6" / "block.steady", "-o", tmp_path / "t"), monkeypatch=monkeypatch)
    assert_trace_equal(tmp_path / "t", REF / "ev6" / "block.ttrace")
    p = head_ptrace(tmp_path, 20)
    run(tmp_path, tmp_path, *ev6_args("-p", p, "-model_type", "block", "-o", tmp_path / "t2"),
        monkeypatch=monkeypatch)
    assert_trace_equal(tmp_path / "t2", REF / "ev6" / "block.init_temp.ttrace")


E3 = REF / "example3"
E3_ARGS = ["-c", "example.config", "-p", "example.ptrace", "-grid_layer_file", "example.lcf",
           "-materials_file", "example.materials", "-model_type", "grid"]


@pytest.mark.parametrize("detailed", ["off", "on"])
@pytest.mark.parametrize("n", [16, 32, 64])
def test_example3_stacked_steady(tmp_path, monkeypatch, detailed, n):
    """Two dissipating silicon layers with their own floorplans (.lcf), plain and -detailed_3D."""
    run(tmp_path, E3, *E3_ARGS, "-detailed_3D", detailed, "-grid_rows", n, "-grid_cols", n,
        "-steady_file", tmp_path / "s", "-grid_steady_file", tmp_path / "g", monkeypatch=monkeypatch)
    assert_steady_equal(tmp_path / "s", E3 / f"grid{n}x{n}.3d{detailed}.steady")
    if n == 16:
        assert np.max(np.abs(grid_file(tmp_path / "g") - grid_file(E3 / f"grid16x16.3d{detailed}.grid.steady"))) <= TOL


@pytest.mark.parametrize("detailed", ["off", "on"])
def test_example3_stacked_transient(tmp_path, monkeypatch, detailed):
    run(tmp_path, E3, *E3_ARGS, "-detailed_3D", detailed, "-grid_rows", 32, "-grid_cols", 32, "-init_file",
        f"grid32x32.3d{detailed}.steady", "-o", tmp_path / "t", "-transient_solver", "be", monkeypatch=monkeypatch)
    assert_trace_equal(tmp_path / "t", E3 / f"grid32x32.3d{detailed}.be.ttrace")


E4 = REF / "example4"
E4_ARGS = ["-c", "example.config", "-p", "ev6_3D.ptrace", "-grid_layer_file", "ev6_3D.lcf", "-model_type", "grid",
           "-detailed_3D", "on"]


@pytest.mark.parametrize("n", [32, 64])
def test_example4_heterogeneous_steady(tmp_path, monkeypatch, n):
    """Through-silicon-via blocks with their own resistivity and capacity; center mapping."""
    run(tmp_path, E4, *E4_ARGS, "-grid_rows", n, "-grid_cols", n, "-steady_file", tmp_path / "s",
        monkeypatch=monkeypatch)
    assert_steady_equal(tmp_path / "s", E4 / f"grid{n}x{n}.steady")


def test_example4_heterogeneous_transient(tmp_path, monkeypatch):
    run(tmp_path, E4, *E4_ARGS, "-grid_rows", 32, "-grid_cols", 32, "-init_file", "grid32x32.steady",
        "-o", tmp_path / "t", "-transient_solver", "be", monkeypatch=monkeypatch)
    assert_trace_equal(tmp_path / "t", E4 / "grid32x32.be.ttrace")


# ---------------------------------------------------------------------- independent checks
def ev6_config(**over):
    pairs = [(k, str(v)) for k, v in over.items()] + read_config_pairs(EV6 / "example.config")
    return hotspot_config(pairs, read_materials(EV6 / "example.materials"))


def ev6_power(fp):
    names, trace = read_ptrace(EV6 / "gcc.ptrace")
    pw = np.zeros(len(fp.blocks))
    for k, nm in enumerate(names):
        pw[fp.index(nm)] = trace[:, k].mean()
    return pw


@pytest.mark.parametrize("detailed", [False, True])
def test_grid_network_energy_balance_and_symmetry(detailed):
    """The assembled network is symmetric, and in the steady state all power leaves to ambient."""
    if detailed:
        from thermal.chip.floorplan import read_lcf
        cfg = hotspot_config([("model_type", "grid"), ("grid_rows", "16"), ("grid_cols", "16"),
                              ("detailed_3D", "on")] + read_config_pairs(E4 / "example.config"))
        layers = [(L, read_flp(E4 / L.floorplan_file)) for L in read_lcf(E4 / "ev6_3D.lcf")]
        m = HotSpotGrid(cfg, lcf_layers=layers)
        pw = {n: np.linspace(0.1, 2.0, len(m.layers[n].floorplan.blocks)) for n in m.power_layers}
        total = sum(float(v.sum()) for v in pw.values())
    else:
        cfg = ev6_config(model_type="grid", grid_rows=16, grid_cols=24)
        fp = read_flp(EV6 / "ev6.flp")
        m = HotSpotGrid(cfg, fp)
        pw = {0: ev6_power(fp)}
        total = float(pw[0].sum())
    assert abs(m.G - m.G.T).max() < 1e-12 * abs(m.G).max()
    t = m.steady_nodes(pw)
    out = float(np.sum(m.g_amb * (t - cfg.ambient)))
    assert out == pytest.approx(total, rel=1e-10)
    # the power map puts every block's power on the grid
    p = m.power_vector(pw) - m.g_amb * cfg.ambient
    assert float(p.sum()) == pytest.approx(total, rel=1e-12)


def test_block_network_energy_balance():
    cfg = ev6_config(model_type="block")
    fp = read_flp(EV6 / "ev6.flp")
    m = HotSpotBlock(cfg, fp)
    np.testing.assert_allclose(m.B, m.B.T, atol=1e-12 * abs(m.B).max())
    pw = ev6_power(fp)
    t = m.steady_nodes(pw)
    assert float(np.sum(m.g_amb * (t - cfg.ambient))) == pytest.approx(pw.sum(), rel=1e-10)
    assert len(t) == 4 * len(fp.blocks) + EXTRA


def test_uniform_power_single_block_stack_by_hand():
    """One block covering a square die: all 10 W cross each layer interface, so the mean drop between
    node layers is the power times the full thickness of the upper layer (nodes at layer tops), by hand;
    the field is symmetric under both mirror images."""
    from thermal.chip.floorplan import Block, Floorplan
    fp = Floorplan((Block("die", 0.01, 0.01, 0.0, 0.0),))
    cfg = ev6_config(model_type="grid", grid_rows=8, grid_cols=8)
    m = HotSpotGrid(cfg, fp)
    st = m.steady({0: [10.0]})
    g = st.grid_k
    a = 0.01 * 0.01
    # silicon node to TIM node: t_chip / (k_chip A); TIM node to spreader node: t_int / (k_int A)
    np.testing.assert_allclose(np.mean(g[0] - g[1]), 10.0 * cfg.t_chip / (cfg.k_chip * a), rtol=1e-9)
    np.testing.assert_allclose(np.mean(g[1] - g[2]), 10.0 * cfg.t_interface / (cfg.k_interface * a), rtol=1e-9)
    for n in range(4):
        np.testing.assert_allclose(g[n], g[n][::-1, :], atol=1e-9)
        np.testing.assert_allclose(g[n], g[n][:, ::-1], atol=1e-9)
        np.testing.assert_allclose(g[n], g[n].T, atol=1e-9)


def test_backward_euler_and_rk4_tend_to_the_steady_state():
    cfg = ev6_config(model_type="grid", grid_rows=8, grid_cols=8)
    fp = read_flp(EV6 / "ev6.flp")
    m = HotSpotGrid(cfg, fp)
    pw = {0: ev6_power(fp)}
    ss = m.steady_nodes(pw)
    t = np.full(m.n_nodes, cfg.ambient)
    for _ in range(60):                      # 60 x 10 s >> the sink time constant (~ r_convec c_convec)
        t = m.step_be(t, pw, 10.0)
    np.testing.assert_allclose(t, ss, atol=1e-6)
    t0 = ss + 1.0                            # RK4 from a perturbed steady state decays towards it
    t1 = m.step_rk4(t0, pw, 0.01)            # (within its 0.01 K step error control)
    assert np.max(np.abs(t1 - ss)) <= 1.0 + 0.01 and np.mean(t1 - ss) < 1.0



def test_hotspot_config_precedence_and_materials():
    mats = read_materials(EV6 / "example.materials")
    file_pairs = read_config_pairs(EV6 / "example.config")
    cfg = hotspot_config([("K_SINK", "100"), ("r_convec", "0.2")] + file_pairs, mats)
    assert cfg.r_convec == 0.2                       # command line beats the file
    assert cfg.k_sink == mats["aluminum"]["conductivity_w_m_k"]   # material_sink overrides k_sink
    assert cfg.k_chip == 130.0 and cfg.grid_map_mode == "avg"
    assert hotspot_config([]).grid_map_mode == "center"           # HotSpot's built-in default
    assert read_hotspot_config(EV6 / "example.config")["t_chip"] == "0.00015"


@pytest.mark.parametrize("pairs, match", [
    ([("model_type", "grod")], "model type"),
    ([("grid_map_mode", "mean")], "mapping mode"),
    ([("t_chip", "0")], "dimensions"),
    ([("t_chip", "abc")], "t_chip"),
    ([("model_secondary", "1")], "secondary"),
    ([("material_chip", "unobtainium")], "unobtainium"),
])
def test_hotspot_config_errors(pairs, match):
    from thermal.chip.hotspot.config import HotSpotError
    with pytest.raises(HotSpotError, match=match):
        hotspot_config(pairs)
