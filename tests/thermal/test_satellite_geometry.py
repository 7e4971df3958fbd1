"""Satellite layout: radiator faces' view of the arrays, extra infrared, closure, Monte Carlo, figure."""
import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from orbit.constants import STEFAN_BOLTZMANN_W_M2_K4 as SIGMA
from thermal.environment.geometry_figures import plot_layout
from thermal.environment.satellite_geometry import (Layout, default_layout, make_panel, radiator_exchange,
                                        view_factor_matrix)
from thermal.environment.view_factors import face_view_factor, monte_carlo_view_factor, parallel_equal_rectangles

T_ARRAY, EPS_FRONT, EPS_BACK, EPS_RAD = 330.0, 0.85, 0.80, 0.91


@functools.lru_cache(maxsize=None)
def _baseline():
    lay = default_layout(150.0, 700.0)
    return lay, view_factor_matrix(lay), radiator_exchange(lay, T_ARRAY, EPS_FRONT, EPS_BACK, EPS_RAD)


def test_layout_orientation_matches_attitudes():
    lay, _, _ = _baseline()
    sun, nadir = lay.sun_unit, lay.nadir_unit
    face_a_sun_edge_on = np.cross(sun, -nadir)          # thermal.face_normals("sun_edge_on")
    for p in lay.of_kind("radiator"):
        n = np.cross(p.u_axis, p.v_axis)
        assert abs(n @ sun) < 1e-12                      # knife-edge to the Sun
        np.testing.assert_allclose(n, face_a_sun_edge_on / np.linalg.norm(face_a_sun_edge_on))
    for p in lay.of_kind("array"):
        np.testing.assert_allclose(np.cross(p.u_axis, p.v_axis), sun)   # cell side to the Sun
    areas = {k: sum(float(p.area_m2) for p in lay.of_kind(k)) for k in ("radiator", "array")}
    assert areas == pytest.approx({"radiator": 150.0, "array": 700.0})


def test_reciprocity_and_row_sums():
    _, vf, _ = _baseline()
    a, f = np.asarray(vf.areas_m2), np.asarray(vf.f)
    np.testing.assert_allclose(a[:, None] * f, (a[:, None] * f).T, rtol=1e-9, atol=1e-9)
    assert np.all(f >= 0.0) and np.all(f.sum(axis=1) < 1.0)


def test_energy_closure_of_the_array_infrared():
    # Power the arrays send to the radiator faces (from the array side of the matrix) equals the power
    # the radiator faces receive (from the radiator side): A_i q_i = sum_j A_j F_ji eps_j sigma T^4.
    _, vf, ex = _baseline()
    names, a, f = vf.names, np.asarray(vf.areas_m2), np.asarray(vf.f)
    rad = [i for i, k in enumerate(vf.kinds) if k == "radiator"]
    arr = [j for j, k in enumerate(vf.kinds) if k == "array"]
    eps = np.array([EPS_FRONT if names[j].endswith(".a") else EPS_BACK for j in arr])
    sent = sum(a[j] * f[j, i] * eps[m] * SIGMA * T_ARRAY**4 for m, j in enumerate(arr) for i in rad)
    received = float(np.sum(a[rad] * np.asarray(ex.incident_ir_w_m2)))
    assert received == pytest.approx(sent, rel=1e-10)
    assert received > 0.0
    np.testing.assert_allclose(ex.absorbed_ir_w_m2, EPS_RAD * np.asarray(ex.incident_ir_w_m2))
    np.testing.assert_allclose(ex.space_view_fraction, 1.0 - np.asarray(ex.view_to_arrays).sum(axis=1))
    np.testing.assert_allclose(ex.incident_ir_w_m2, np.asarray(ex.array_coupling_w_m2_k4) * T_ARRAY**4, rtol=1e-12)


def test_full_layout_face_against_monte_carlo():
    # Face a of the nadir wing sees the +y array: its anti-Sun half the back, its sunward half the cell side.
    lay, _, ex = _baseline()
    wing = lay.panels[0]
    arrays = lay.of_kind("array")
    i = ex.face_names.index("radiator_nadir.a")
    total_mc, var = 0.0, 0.0
    for j, name in enumerate(ex.array_face_names):
        panel = next(p for p in arrays if name.startswith(p.name))
        mc = monte_carlo_view_factor(wing.face("a"), panel.face(name[-1]), n_rays=200_000, seed=11 + j)
        exact = float(ex.view_to_arrays[i, j])
        assert abs(exact - mc.view_factor) < 3.0 * mc.standard_error + 1e-12, (name, exact, mc)
        total_mc += mc.view_factor
        var += mc.standard_error**2
    assert abs((1.0 - float(ex.space_view_fraction[i])) - total_mc) < 3.0 * np.sqrt(var)
    assert float(ex.view_to_arrays[i, 0]) > 0.005 and float(ex.view_to_arrays[i, 1]) > 0.005


def test_symmetry_and_side_averages():
    _, _, ex = _baseline()
    np.testing.assert_allclose(ex.incident_ir_side_w_m2[0], ex.incident_ir_side_w_m2[1], rtol=1e-10)
    np.testing.assert_allclose(ex.space_view_side, np.mean(np.asarray(ex.space_view_fraction)), rtol=1e-10)
    # coplanar radiator wings do not see each other
    assert float(jnp.max(ex.view_to_radiators)) == 0.0


def test_parallel_wings_limit_and_radiator_exchange():
    # Two directly opposed radiator panels (no arrays): the closed form of the catalogue, and their exchange.
    ex_, ey_, ez_ = np.eye(3)
    a, b, c = 4.0, 2.0, 1.5
    lay = Layout((make_panel("r1", "radiator", [0, 0, 0], ex_, ey_, a, b),
                  make_panel("r2", "radiator", [0, 0, c], ex_, ey_, a, b)), ex_, ez_)
    out = radiator_exchange(lay, 300.0, 0.8, 0.8, 0.9, radiator_temperature_k=320.0)
    f_ref = float(parallel_equal_rectangles(a, b, c))
    i_up, i_down = out.face_names.index("r1.a"), out.face_names.index("r2.b")
    assert float(out.view_to_radiators[i_up, i_down]) == pytest.approx(f_ref, rel=1e-10)
    assert float(out.incident_ir_w_m2[i_up]) == pytest.approx(f_ref * SIGMA * 0.9 * 320.0**4, rel=1e-10)
    assert float(out.space_view_fraction[out.face_names.index("r1.b")]) == pytest.approx(1.0)


def test_far_arrays_give_no_extra_infrared_and_gradient():
    far = radiator_exchange(default_layout(150.0, 700.0, array_yoke_m=100.0), T_ARRAY, EPS_FRONT, EPS_BACK, EPS_RAD)
    near = _baseline()[2]
    assert float(jnp.max(far.absorbed_ir_w_m2)) < 0.05 * float(jnp.min(near.absorbed_ir_w_m2))

    @jax.jit
    def f_back(radiator_area_m2):
        # the gradient flows from the design's radiator area through the layout into the view factor
        lay = default_layout(radiator_area_m2, 700.0)
        return face_view_factor(lay.panels[0].face("a"), lay.panels[2].face("b"))

    g = float(jax.jit(jax.grad(f_back))(150.0))
    h = 1e-3
    fd = (float(f_back(150.0 + h)) - float(f_back(150.0 - h))) / (2 * h)
    assert g == pytest.approx(fd, rel=1e-5)
    assert g < 0.0      # a bigger radiator reaches further from the array: a smaller mean view factor


def test_bad_inputs():
    with pytest.raises(ValueError, match="radiator_area_m2"):
        default_layout(-1.0, 700.0)
    with pytest.raises(ValueError, match="n_radiator_wings"):
        default_layout(150.0, 700.0, n_radiator_wings=3)
    lay, _, _ = _baseline()
    with pytest.raises(ValueError, match="array_temperature_k"):
        radiator_exchange(lay, -5.0, EPS_FRONT, EPS_BACK, EPS_RAD)
    with pytest.raises(ValueError, match="radiator_emissivity"):
        radiator_exchange(lay, T_ARRAY, EPS_FRONT, EPS_BACK, 1.5)
    with pytest.raises(ValueError, match="kind"):
        make_panel("x", "boom", [0, 0, 0], [1, 0, 0], [0, 1, 0], 1.0, 1.0)


def test_figure_smoke(tmp_path):
    lay, _, _ = _baseline()
    path = tmp_path / "layout.png"
    fig = plot_layout(lay, path)
    assert path.stat().st_size > 10_000
    assert len(fig.axes) == 1
