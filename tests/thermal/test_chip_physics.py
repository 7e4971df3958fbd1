"""Physics verification of the layered package solver (thermal.chip).

Series resistance, spreading resistance vs the analytic double series, manufactured
solution (observed order in x, y and z), energy balance, sparse-direct agreement.
"""
import math
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest
import scipy.sparse.linalg as spla

from thermal.chip import ChipModel, LayerSpec, spreading_series_mean_temperature
from thermal.chip.floorplan import Block, Floorplan, read_flp, read_hotspot_config, read_materials, read_ptrace

HOTSPOT_DIR = Path(__file__).resolve().parents[1] / "data" / "hotspot-ev6"


@pytest.fixture(scope="module")
def ev6_model():
    """EV6 HotSpot example on a coarse 32 x 32 grid: (model, params, mean block powers)."""
    from thermal.chip import hotspot_package

    cfg = read_hotspot_config(HOTSPOT_DIR / "example.config")
    mats = read_materials(HOTSPOT_DIR / "example.materials")
    fp = read_flp(HOTSPOT_DIR / "ev6.flp")
    names, trace = read_ptrace(HOTSPOT_DIR / "gcc.ptrace")
    layers, htc, ambient, origin, _ = hotspot_package(cfg, mats, fp)
    m = ChipModel(layers, fp, 32, 32, die_origin_m=origin)
    p = m.default_params(bottom_htc_w_m2_k=htc, coolant_temperature_k=ambient)
    pw = trace.mean(axis=0)[[names.index(b) for b in m.block_names]]
    return m, p, np.asarray(pw)


def one_block(w, h):
    return Floorplan((Block("src", w, h, 0.0, 0.0),))


def test_series_resistance_1d():
    """Uniform power on a full-area stack: T_j - T_c = P (sum dz/kA + 1/hA), junction at half its cell."""
    a = 0.01
    layers = [LayerSpec("die", 5e-4, 150.0, 1.6e6, n_sublayers=2),
              LayerSpec("tim", 5e-5, 5.0, 2e6),
              LayerSpec("lid", 2e-3, 390.0, 3.4e6, n_sublayers=3)]
    m = ChipModel(layers, one_block(a, a), 6, 5, domain_m=(a, a))
    p = m.default_params(bottom_htc_w_m2_k=2e4, coolant_temperature_k=300.0)
    s = m.steady(p, jnp.array([100.0]))
    area = a * a
    r = 1 / (2e4 * area) + 5e-5 / (5 * area) + 2e-3 / (390 * area) + 0.75 * 5e-4 / (150 * area)
    assert bool(s.converged)
    np.testing.assert_allclose(float(s.max_junction_k) - 300.0, 100.0 * r, rtol=1e-9)
    # every junction cell identical (no lateral gradient) and the bottom cells match too
    tj = np.asarray(s.junction_k)
    assert np.ptp(tj) < 1e-9
    t_bottom = np.asarray(s.temperature_k)[-1]
    expect_bottom = 300.0 + 100.0 * (1 / (2e4 * area) + (2e-3 / 6) / (390 * area))
    np.testing.assert_allclose(t_bottom, expect_bottom, rtol=1e-9)


def test_series_resistance_with_top_convection():
    """Two parallel paths (top and bottom) of a one-layer slab: closed-form split."""
    a, t, k, hb, ht = 0.02, 1e-3, 20.0, 5e3, 1e3
    m = ChipModel([LayerSpec("slab", t, k, 1e6, n_sublayers=4)], one_block(a, a), 4, 4, domain_m=(a, a))
    p = m.default_params(bottom_htc_w_m2_k=hb, coolant_temperature_k=290.0, top_htc_w_m2_k=ht,
                         top_ambient_k=290.0)
    # power in the top sub-layer (depth dz/2): top path 1/(ht A) + (dz/2)/(kA); bottom path rest
    area, dz = a * a, t / 4
    r_top = 1 / (ht * area) + dz / 2 / (k * area)
    r_bot = 1 / (hb * area) + (t - dz / 2) / (k * area)
    r = 1 / (1 / r_top + 1 / r_bot)
    s = m.steady(p, jnp.array([50.0]))
    np.testing.assert_allclose(float(s.max_junction_k) - 290.0, 50.0 * r, rtol=1e-9)
    np.testing.assert_allclose(float(s.heat_out_w), 50.0, rtol=1e-9)


def test_series_converges_with_terms():
    """The analytic spreading series itself is converged (doubling the terms changes < 1e-4 K)."""
    args = ((0.004, 0.004, 0.006, 0.006), (0.01, 0.01), [(5e-4, 150.0)], 2e4, 10.0)
    t400 = spreading_series_mean_temperature(*args, depth_m=3e-5, n_terms=400)
    t800 = spreading_series_mean_temperature(*args, depth_m=3e-5, n_terms=800)
    assert abs(t800 - t400) < 1e-4 * t800
    # 1-D limit: source covering the plate gives q (t - z)/k + q/h per unit area
    t1d = spreading_series_mean_temperature((0, 0, 0.01, 0.01), (0.01, 0.01), [(5e-4, 150.0)], 2e4, 10.0,
                                            depth_m=1e-4, n_terms=50)
    q = 10.0 / 1e-4
    np.testing.assert_allclose(t1d, q * (4e-4 / 150 + 1 / 2e4), rtol=1e-12)
    # bigger plate, same source -> lower temperature (spreading)
    t_big = spreading_series_mean_temperature((0.009, 0.009, 0.011, 0.011), (0.02, 0.02), [(5e-4, 150.0)],
                                              2e4, 10.0, depth_m=3e-5, n_terms=400)
    assert t_big < t400


SPREADING_CASES = {
    # small hot spot (2 x 2 mm) on a 10 x 10 mm silicon die 0.5 mm thick, cold-plate h
    "hotspot_on_silicon": dict(src=(0.004, 0.004, 0.006, 0.006), plate=(0.01, 0.01),
                               layers=[(5e-4, 150.0)], h=2e4, power=10.0, base=(10, 1), nz_layers=(1,)),
    # GPU-sized die (24 x 32 mm, 700 W) on a 3 mm copper lid and a 0.1 mm TIM2, 48 x 48 mm
    "gpu_die_on_copper_lid": dict(src=(0.012, 0.008, 0.036, 0.040), plate=(0.048, 0.048),
                                  layers=[(3e-3, 390.0), (1e-4, 4.0)], h=2e4, power=700.0, base=(12, 2),
                                  nz_layers=(2, 1)),
}


@pytest.mark.parametrize("name", list(SPREADING_CASES))
def test_spreading_resistance_vs_series(name):
    """FD source-mean temperature converges to the analytic series at second order."""
    c = SPREADING_CASES[name]
    src, plate, layers = c["src"], c["plate"], c["layers"]
    errors = []
    for r in (2, 4, 8):
        n = c["base"][0] * r
        nzs = [max(1, nz * r // 2) if name == "gpu_die_on_copper_lid" else nz * r for nz in c["nz_layers"]]
        specs = [LayerSpec(f"l{i}", t, k, 1e6, n_sublayers=nz) for i, ((t, k), nz) in enumerate(zip(layers, nzs))]
        m = ChipModel(specs, one_block(src[2] - src[0], src[3] - src[1]), n, n, die_origin_m=src[:2],
                      domain_m=plate)
        p = m.default_params(bottom_htc_w_m2_k=c["h"], coolant_temperature_k=300.0)
        s = m.steady(p, jnp.array([c["power"]]))
        assert bool(s.converged)
        t_fd = float(np.sum(m.block_weights[0] * np.asarray(s.junction_k))) - 300.0
        depth = layers[0][0] / nzs[0] / 2
        t_an = spreading_series_mean_temperature(src, plate, layers, c["h"], c["power"], depth_m=depth,
                                                 n_terms=600)
        errors.append(abs(t_fd - t_an) / t_an)
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert errors[-1] < 5e-3, errors
    assert np.all(orders > 1.6), (errors, orders)


def _mms_setup(nx, ny, nz):
    """Anisotropic slab with a manufactured solution satisfying the model's boundary conditions."""
    lx, ly, t = 0.01, 0.008, 1e-3
    kz, kl, h, tc = 20.0, 60.0, 3e4, 300.0
    c = -h / (2 * kz * t + h * t * t)             # Z = 1 + c z^2: Z'(0)=0, -k Z'(t) = h Z(t)
    ax, ay = math.pi / lx, 2 * math.pi / ly
    amp_xy, amp_z = 8.0, 5.0

    def exact(x, y, z):
        zf = 1 + c * z ** 2
        return tc + amp_xy * np.cos(ax * x) * np.cos(ay * y) * zf + amp_z * zf

    # source S = -div(k grad T), integrated exactly over every cell
    xe, ye, ze = (np.linspace(0, lx, nx + 1), np.linspace(0, ly, ny + 1), np.linspace(0, t, nz + 1))
    ix = (np.sin(ax * xe[1:]) - np.sin(ax * xe[:-1])) / ax
    iy = (np.sin(ay * ye[1:]) - np.sin(ay * ye[:-1])) / ay
    iz_z = (ze[1:] - ze[:-1]) + c * (ze[1:] ** 3 - ze[:-1] ** 3) / 3
    iz_1 = ze[1:] - ze[:-1]
    dxy = np.outer(ye[1:] - ye[:-1], xe[1:] - xe[:-1])
    src = (amp_xy * kl * (ax ** 2 + ay ** 2) * iz_z[:, None, None] * np.outer(iy, ix)[None]
           - amp_xy * kz * 2 * c * iz_1[:, None, None] * np.outer(iy, ix)[None]
           - amp_z * kz * 2 * c * iz_1[:, None, None] * dxy[None])
    m = ChipModel([LayerSpec("slab", t, kz, 1e6, lateral_conductivity_w_m_k=kl, n_sublayers=nz)],
                  one_block(lx, ly), nx, ny, domain_m=(lx, ly))
    p = m.default_params(bottom_htc_w_m2_k=h, coolant_temperature_k=tc)
    s = m.steady(p, jnp.zeros(1), cell_heat_w=jnp.asarray(src))
    xc, yc, zc = (0.5 * (e[1:] + e[:-1]) for e in (xe, ye, ze))
    texact = exact(xc[None, None, :], yc[None, :, None], zc[:, None, None])
    return np.asarray(s.temperature_k), texact, s


def test_manufactured_solution_second_order_all_directions():
    """Max error falls 4x per halving of (dx, dy, dz) together."""
    errs = []
    for n in (4, 8, 16):
        t, te, s = _mms_setup(2 * n, 2 * n, n)
        assert bool(s.converged)
        np.testing.assert_allclose(float(s.heat_out_w), float(s.heat_in_w), rtol=1e-9)
        errs.append(np.max(np.abs(t - te)))
    order = np.log2(errs[0] / errs[1]), np.log2(errs[1] / errs[2])
    assert min(order) > 1.85, (errs, order)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_manufactured_solution_order_per_direction(axis):
    """Refine one direction by 3 twice (cell centres nest): differences shrink 9x (order 2)."""
    base = [4, 6, 6]          # nz, ny, nx
    sols = []
    for r in (1, 3, 9):
        n = list(base)
        n[axis] *= r
        t, _, s = _mms_setup(n[2], n[1], n[0])
        assert bool(s.converged)
        sl = [slice(None)] * 3
        sl[axis] = slice(r // 2, None, r)          # coarse-cell centres inside the fine grid
        sols.append(t[tuple(sl)])
    d1 = np.max(np.abs(sols[0] - sols[1]))
    d2 = np.max(np.abs(sols[1] - sols[2]))
    order = math.log(d1 / d2) / math.log(3)
    assert 1.8 < order < 2.3, (d1, d2, order)


def test_energy_balance_and_sparse_direct(ev6_model):
    """EV6 stack: heat out = heat in to solver tolerance; CG equals scipy sparse direct."""
    m, p, pw = ev6_model
    s = m.steady(p, pw)
    assert bool(s.converged)
    np.testing.assert_allclose(float(s.heat_out_w), float(np.sum(pw)), rtol=1e-8)
    A, gb, gt = m.assemble_sparse(p)
    b = m.sparse_rhs(p, pw, gb, gt)
    x = spla.spsolve(A.tocsc(), b).reshape(m.nz, m.ny, m.nx)
    np.testing.assert_allclose(np.asarray(s.temperature_k)[m.mask], x[m.mask], rtol=0, atol=1e-7)
    # matrix-free operator equals the assembled matrix on a random vector
    rng = np.random.default_rng(0)
    v = rng.standard_normal((m.nz, m.ny, m.nx))
    g = m.conductances(p)
    mv = m._matvec(g, 0.0 * g["cap"])(jnp.asarray(v))
    np.testing.assert_allclose(np.asarray(mv).ravel(), A @ v.ravel(), rtol=1e-12, atol=1e-12)


def test_lid_larger_than_die_is_meshed(ev6_model):
    """Inactive cells are decoupled: adding conductivity to an inactive region changes nothing,
    and the spreader spreads (junction hotter with a die-sized spreader than a 30 mm one)."""
    m, p, pw = ev6_model
    assert m.mask[0].sum() < m.mask[-1].sum()  # die smaller than sink
    s = m.steady(p, pw)
    # shrinking the spreader to die size raises the junction temperature
    from thermal.chip import LayerSpec as LS
    layers = list(m.layers)
    die_ext = layers[0].extent
    layers[2] = LS("spreader", layers[2].thickness_m, layers[2].conductivity_w_m_k,
                   layers[2].heat_capacity_j_m3_k, die_ext)
    m2 = ChipModel(layers, m.floorplan, m.nx, m.ny, die_origin_m=m.die_origin_m, domain_m=(m.lx_m, m.ly_m))
    s2 = m2.steady(p, pw)
    assert float(s2.max_junction_k) > float(s.max_junction_k) + 1.0


def test_hotspot_lcf_stack(tmp_path):
    """An .lcf stack equal to HotSpot's default die + TIM pair gives the same model and solution;
    a three-layer stack with the power layer in the middle and a no-lateral-flow layer conserves
    energy; bad stacks are refused."""
    from thermal.chip import hotspot_package
    from thermal.chip.floorplan import LcfLayer, read_lcf, write_lcf

    cfg = read_hotspot_config(HOTSPOT_DIR / "example.config")
    mats = read_materials(HOTSPOT_DIR / "example.materials")
    fp = read_flp(HOTSPOT_DIR / "ev6.flp")
    names, trace = read_ptrace(HOTSPOT_DIR / "gcc.ptrace")
    ref, htc, amb, origin, pl = hotspot_package(cfg, mats, fp)
    assert pl == 0
    lcf = (LcfLayer(0, True, True, ref[0].heat_capacity_j_m3_k, 1 / ref[0].conductivity_w_m_k,
                    ref[0].thickness_m, "ev6.flp"),
           LcfLayer(1, True, False, ref[1].heat_capacity_j_m3_k, 1 / ref[1].conductivity_w_m_k,
                    ref[1].thickness_m, "ev6.flp"))
    out, htc2, amb2, origin2, pl2 = hotspot_package(cfg, mats, fp, lcf_layers=lcf[::-1])
    assert (htc2, amb2, origin2, pl2) == (htc, amb, origin, 0)
    for a, b in zip(out, ref):
        assert (a.thickness_m, a.heat_capacity_j_m3_k, a.extent) == (b.thickness_m, b.heat_capacity_j_m3_k, b.extent)
        assert a.conductivity_w_m_k == pytest.approx(b.conductivity_w_m_k, rel=1e-15)
    pw = jnp.asarray(trace.mean(axis=0)[[names.index(b) for b in fp.names]])
    m_ref = ChipModel(ref, fp, 16, 16, die_origin_m=origin)
    s_ref = m_ref.steady(m_ref.default_params(htc, amb), pw)
    m2 = ChipModel(out, fp, 16, 16, die_origin_m=origin2, power_layer=pl2)
    s2 = m2.steady(m2.default_params(htc2, amb2), pw)
    assert float(jnp.max(jnp.abs(s2.temperature_k - s_ref.temperature_k))) < 1e-9

    # three layers: a silicon cap above the powered layer, then a TIM without lateral flow,
    # through an .lcf file written and read back
    three = (LcfLayer(0, True, False, 1.75e6, 0.01, 1e-4, "ev6.flp"),
             LcfLayer(1, True, True, lcf[0].heat_capacity_j_m3_k, lcf[0].resistivity_m_k_w, lcf[0].thickness_m,
                      "ev6.flp"),
             LcfLayer(2, False, False, 4e6, 0.25, 2e-4, "ev6.flp"))
    write_lcf(tmp_path / "three.lcf", three)
    three = read_lcf(tmp_path / "three.lcf")
    out3, h3, a3, o3, pl3 = hotspot_package(cfg, mats, fp, lcf_layers=three, n_sublayers=(1, 2, 1, 1, 1))
    assert pl3 == 1 and out3[2].lateral_conductivity_w_m_k == pytest.approx(4.0e-9)
    m3 = ChipModel(out3, fp, 16, 16, die_origin_m=o3, power_layer=pl3)
    s3 = m3.steady(m3.default_params(h3, a3), pw)
    assert bool(s3.converged) and abs(float(s3.heat_out_w) - float(pw.sum())) < 1e-8 * float(pw.sum())
    # the same stack with lateral flow allowed in the TIM: the hot spot is cooler
    lat = hotspot_package(cfg, mats, fp, lcf_layers=three[:2] + (LcfLayer(2, True, False, 4e6, 0.25, 2e-4, "x"),),
                          n_sublayers=(1, 2, 1, 1, 1))[0]
    m4 = ChipModel(lat, fp, 16, 16, die_origin_m=o3, power_layer=pl3)
    s4 = m4.steady(m4.default_params(h3, a3), pw)
    assert float(s3.max_junction_k) > float(s4.max_junction_k) + 0.04

    with pytest.raises(ValueError, match="exactly one layer"):
        hotspot_package(cfg, mats, fp, lcf_layers=(lcf[0], LcfLayer(1, True, True, 4e6, 0.25, 2e-5, "ev6.flp")))
    with pytest.raises(ValueError, match="0..n-1"):
        hotspot_package(cfg, mats, fp, lcf_layers=(lcf[0], LcfLayer(3, True, False, 4e6, 0.25, 2e-5, "x")))
    with pytest.raises(ValueError, match="n_sublayers"):
        hotspot_package(cfg, mats, fp, lcf_layers=lcf, n_sublayers=(1, 1))
