"""Rectangle view factors: catalogue values, general closed forms, Monte Carlo, limits, gradients."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from thermal.environment.view_factors import (face_area_view_factor_m2, face_view_factor, make_face,
                                              monte_carlo_view_factor, parallel_equal_rectangles,
                                              perpendicular_shared_edge)

EX, EY, EZ = np.eye(3)


def _opposed(a, b, c):
    """Directly opposed a x b rectangles, c apart (face 1 up, face 2 down)."""
    return (make_face([0.0, 0.0, 0.0], EX, EY, a, b, 1), make_face([0.0, 0.0, c], EX, EY, a, b, -1))


def _shared_edge(w, h, l):
    """Face 1 in z = 0 (x in [0, w]), face 2 in x = 0 (z in [0, h]), common edge of length l along y."""
    return (make_face([0.5 * w, 0.5 * l, 0.0], EX, EY, w, l, 1),
            make_face([0.0, 0.5 * l, 0.5 * h], EY, EZ, l, h, 1))


def test_catalogue_values_typed_from_howell():
    # Howell catalogue C-11 / C-14 (and Incropera Table 13.2 curves): unit squares.
    assert float(parallel_equal_rectangles(1.0, 1.0, 1.0)) == pytest.approx(0.19982, abs=1e-5)
    assert float(perpendicular_shared_edge(1.0, 1.0, 1.0)) == pytest.approx(0.20004, abs=1e-5)
    # 2:1 aspect directly opposed at unit gap (a = 2, b = 1, c = 1): 0.28588 (C-11 evaluated by hand).
    assert float(parallel_equal_rectangles(2.0, 1.0, 1.0)) == pytest.approx(0.2859, abs=2e-4)


@pytest.mark.parametrize("a,b,c", [(1.0, 1.0, 1.0), (3.0, 0.5, 0.7), (10.0, 2.0, 4.0)])
def test_general_parallel_form_reduces_to_directly_opposed(a, b, c):
    f1, f2 = _opposed(a, b, c)
    assert float(face_view_factor(f1, f2)) == pytest.approx(float(parallel_equal_rectangles(a, b, c)), rel=1e-10)


@pytest.mark.parametrize("w,h,l", [(1.0, 1.0, 1.0), (2.0, 3.0, 1.0), (0.3, 5.0, 2.0)])
def test_general_perpendicular_form_reduces_to_shared_edge(w, h, l):
    f1, f2 = _shared_edge(w, h, l)
    assert float(face_view_factor(f1, f2)) == pytest.approx(float(perpendicular_shared_edge(w, h, l)), rel=1e-10)


MC_CASES = {
    "parallel_offset": (make_face([0.3, 0.2, 0.0], EX, EY, 1.0, 2.0, 1),
                        make_face([1.2, -0.7, 0.8], EY, EX, 0.7, 1.5, 1)),
    "perpendicular_gap_offset": (make_face([1.5, 0.4, 0.0], EX, EY, 2.0, 1.2, 1),
                                 make_face([0.0, -0.5, 1.1], EZ, EY, 1.4, 0.9, -1)),
    "perpendicular_straddling": (make_face([0.3, 0.2, 0.5], EX, EY, 1.0, 2.0, 1),
                                 make_face([-0.1, -0.7, 0.8], EY, EZ, 1.5, 0.7, 1)),
    "perpendicular_both_straddle": (make_face([0.0, 0.0, 0.0], EY, EZ, 3.0, 1.0, 1),
                                    make_face([0.5, 2.5, 0.0], EZ, EX, 1.0, 2.0, -1)),
}


@pytest.mark.parametrize("case", sorted(MC_CASES))
def test_closed_form_against_monte_carlo(case):
    f1, f2 = MC_CASES[case]
    exact = float(face_view_factor(f1, f2))
    mc = monte_carlo_view_factor(f1, f2, n_rays=200_000, seed=7)
    assert exact > 0.01
    assert abs(exact - mc.view_factor) < 3.0 * mc.standard_error, (exact, mc)


@pytest.mark.parametrize("case", sorted(MC_CASES))
def test_reciprocity(case):
    f1, f2 = MC_CASES[case]
    a12 = float(face_area_view_factor_m2(f1, f2))
    a21 = float(face_area_view_factor_m2(f2, f1))
    assert a12 == pytest.approx(a21, rel=1e-9)


def test_limits():
    # Far apart: A2 cos cos / (pi d^2) of two small facing squares.
    d = 50.0
    f1, f2 = _opposed(1.0, 1.0, d)
    assert float(face_view_factor(f1, f2)) == pytest.approx(1.0 / (np.pi * d * d), rel=1e-3)
    # Infinite parallel plates: F -> 1 (the edge loss is ~ 2 c (a + b) / (pi a b) small).
    f1, f2 = _opposed(2000.0, 2000.0, 1.0)
    assert float(face_view_factor(f1, f2)) == pytest.approx(1.0, abs=2e-3)
    # Behind, same-facing or coplanar: zero.
    g1, g2 = _opposed(1.0, 1.0, -1.0)
    assert float(face_view_factor(g1, g2)) == 0.0
    same = make_face([0.0, 0.0, 1.0], EX, EY, 1.0, 1.0, 1)
    assert float(face_view_factor(g1, same)) == 0.0
    # Perpendicular rectangle wholly behind face 1's plane.
    p1 = make_face([0.5, 0.5, 0.0], EX, EY, 1.0, 1.0, 1)
    p2 = make_face([0.0, 0.5, -0.5], EY, EZ, 1.0, 1.0, 1)
    assert float(face_view_factor(p1, p2)) == 0.0


def test_cube_enclosure_sums_to_one():
    c = 0.5
    faces = [make_face([0, 0, -c], EX, EY, 1.0, 1.0, 1), make_face([0, 0, c], EX, EY, 1.0, 1.0, -1),
             make_face([-c, 0, 0], EY, EZ, 1.0, 1.0, 1), make_face([c, 0, 0], EY, EZ, 1.0, 1.0, -1),
             make_face([0, -c, 0], EZ, EX, 1.0, 1.0, 1), make_face([0, c, 0], EZ, EX, 1.0, 1.0, -1)]
    total = sum(float(face_view_factor(faces[0], f)) for f in faces[1:])
    assert total == pytest.approx(1.0, abs=1e-9)


def _offset_perpendicular(params):
    gap, width, height, offset = params
    f1 = make_face(jnp.stack([gap + 0.5 * width, 0.0 * gap, 0.0 * gap]), EX, EY, width, 1.3, 1)
    f2 = make_face(jnp.stack([0.0 * gap, offset, 0.2 + 0.5 * height]), EY, EZ, 0.8, height, 1)
    return face_view_factor(f1, f2)


def _offset_parallel(params):
    sep, a, b, shift = params
    f1 = make_face(jnp.zeros(3), EX, EY, a, b, 1)
    f2 = make_face(jnp.stack([shift, 0.3 + 0.0 * shift, sep]), EX, EY, 1.1, 0.9, -1)
    return face_view_factor(f1, f2)


@pytest.mark.parametrize("fun,x0", [(_offset_perpendicular, [0.4, 1.5, 2.0, 0.6]),
                                    (_offset_parallel, [0.9, 1.7, 1.2, 0.5])])
def test_gradient_matches_central_differences(fun, x0):
    x0 = jnp.asarray(x0)
    jfun = jax.jit(fun)
    grad = np.asarray(jax.jit(jax.grad(fun))(x0))
    h = 1e-6
    fd = np.array([(float(jfun(x0.at[i].add(h))) - float(jfun(x0.at[i].add(-h)))) / (2 * h) for i in range(4)])
    assert np.all(np.abs(grad) > 1e-4)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-9)
    assert float(jfun(x0)) == pytest.approx(float(fun(x0)), rel=1e-12)


def test_bad_inputs():
    tilted = make_face([0, 0, 1.0], [1.0, 0.0, 1.0], EY, 1.0, 1.0, -1)
    with pytest.raises(ValueError, match="neither parallel nor perpendicular"):
        face_view_factor(make_face([0, 0, 0], EX, EY, 1.0, 1.0), tilted)
    rotated = make_face([0, 0, 1.0], [1.0, 1.0, 0.0], [-1.0, 1.0, 0.0], 1.0, 1.0, -1)
    with pytest.raises(ValueError, match="not aligned"):
        face_view_factor(make_face([0, 0, 0], EX, EY, 1.0, 1.0), rotated)
    with pytest.raises(ValueError, match="length_u_m"):
        make_face([0, 0, 0], EX, EY, -1.0, 1.0)
    with pytest.raises(ValueError, match="perpendicular"):
        make_face([0, 0, 0], EX, [1.0, 1.0, 0.0], 1.0, 1.0)
    with pytest.raises(ValueError, match="c_m"):
        parallel_equal_rectangles(1.0, 1.0, 0.0)
    # The Monte Carlo handles the tilted case the closed forms refuse.
    assert monte_carlo_view_factor(make_face([0, 0, 0], EX, EY, 1.0, 1.0), tilted, 20_000).view_factor > 0.0
