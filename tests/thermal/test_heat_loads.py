"""thermal.environment.heat_loads: view factors and orbital fluxes against independent quadrature."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate

from orbit.constants import R_EARTH_M
from thermal.environment import heat_loads as hl


def _dblquad_cap(h, normal, sun=None):
    """Independent reference: scipy adaptive quadrature over the visible cap."""
    a = R_EARTH_M + h
    gmax = np.arccos(R_EARTH_M / a)
    sat = np.array([0.0, 0.0, a])

    def f(phi, g):
        p_hat = np.array([np.sin(g) * np.cos(phi), np.sin(g) * np.sin(phi), np.cos(g)])
        d = R_EARTH_M * p_hat - sat
        dist = np.linalg.norm(d)
        dh = d / dist
        w = 1.0 if sun is None else max(p_hat @ sun, 0.0)
        return w * max(normal @ dh, 0.0) * max(-p_hat @ dh, 0.0) / (np.pi * dist**2) * R_EARTH_M**2 * np.sin(g)

    return integrate.dblquad(f, 0, gmax, 0, 2 * np.pi, epsabs=1e-11, epsrel=1e-9)[0]


@pytest.mark.parametrize("alt_km, tilt_deg", [(300, 0), (300, 90), (300, 105), (600, 45), (600, 75),
                                              (2000, 120), (2000, 90), (20000, 100), (20000, 170)])
def test_view_factor_against_quadrature(alt_km, tilt_deg):
    tilt = np.radians(tilt_deg)
    normal = np.array([np.sin(tilt), 0.0, -np.cos(tilt)])  # nadir is -z
    ref = _dblquad_cap(alt_km * 1e3, normal)
    got = float(hl.earth_view_factor(alt_km * 1e3, tilt))
    assert got == pytest.approx(ref, rel=1e-7, abs=1e-12)


def test_view_factor_limits():
    # Facing nadir: F = (R/(R+h))^2 = sin^2(rho).
    h = 600e3
    assert float(hl.earth_view_factor(h, 0.0)) == pytest.approx((R_EARTH_M / (R_EARTH_M + h)) ** 2, rel=1e-14)
    assert float(hl.earth_view_factor(h, np.pi)) == 0.0


def test_view_factor_gradients_match_fd():
    f = lambda h, t: hl.earth_view_factor(h, t)
    for tilt in [0.3, 1.2, 1.6, 2.0]:  # inside both the full and the partial branches
        gh, gt = jax.grad(f, argnums=(0, 1))(600e3, tilt)
        fdh = (f(600e3 + 5.0, tilt) - f(600e3 - 5.0, tilt)) / 10.0
        fdt = (f(600e3, tilt + 1e-6) - f(600e3, tilt - 1e-6)) / 2e-6
        assert float(gh) == pytest.approx(float(fdh), rel=1e-6)
        assert float(gt) == pytest.approx(float(fdt), rel=1e-6)


def test_view_factor_of_the_tilt_cosine_has_finite_derivatives_facing_or_away_from_earth():
    # The cosine form equals the angle form, and its derivative is the closed form's
    # d F / d cos = 1 / H^2 where the face sees the whole Earth, 0 where it sees none of it
    # (the angle form's arccos has an infinite slope there: 0 * inf = NaN in forward mode).
    h = 600e3
    H = (R_EARTH_M + h) / R_EARTH_M
    for c in [1.0, 0.9, 0.1, -0.05, -1.0]:
        assert float(hl.earth_view_factor_cos(h, c)) == pytest.approx(float(hl.earth_view_factor(h, np.arccos(c))),
                                                                     rel=1e-13, abs=1e-15)
    assert float(jax.grad(hl.earth_view_factor_cos, argnums=1)(h, 1.0)) == pytest.approx(1.0 / H**2, rel=1e-14)
    assert float(jax.grad(hl.earth_view_factor_cos, argnums=1)(h, -1.0)) == 0.0
    for c in [0.2, -0.1]:   # the partial band: against central differences
        fd = (hl.earth_view_factor_cos(h, c + 1e-7) - hl.earth_view_factor_cos(h, c - 1e-7)) / 2e-7
        assert float(jax.grad(hl.earth_view_factor_cos, argnums=1)(h, c)) == pytest.approx(float(fd), rel=1e-6)


@pytest.mark.parametrize("albedo_model", ["cap", "cosine"])
def test_plate_environment_tangents_finite_facing_the_sun_at_beta_zero(albedo_model):
    # A sun-facing plate at beta = 0 looks straight down at the subsolar point once an orbit:
    # tangents in beta (and a zero tangent, as forward-mode Jacobians carry) stay finite.
    def f(beta):
        return hl.plate_environment(600e3, beta, "sun_facing", 24, albedo=0.3, olr_w_m2=237.0,
                                    solar_flux_w_m2=1361.0, albedo_model=albedo_model)

    for t in (1.0, 0.0):
        _, tan = jax.jvp(f, (jnp.asarray(0.0),), (jnp.asarray(t),))
        for leaf in jax.tree_util.tree_leaves(tan):
            assert np.all(np.isfinite(np.asarray(leaf)))
            if t == 0.0:
                assert np.all(np.asarray(leaf) == 0.0)


def test_cap_quadrature_reproduces_view_factor():
    nadir = jnp.array([0.0, 0.0, -1.0])
    for tilt in [0.0, 0.8, 1.57, 1.9]:
        n = jnp.array([np.sin(tilt), 0.0, -np.cos(tilt)])
        got = float(hl.albedo_cap_factor(600e3, n, nadir, None))
        assert got == pytest.approx(float(hl.earth_view_factor(600e3, tilt)), rel=2e-3)


@pytest.mark.parametrize("tilt_deg, sun_deg", [(0, 0), (0, 60), (90, 30), (60, 100)])
def test_albedo_factor_against_quadrature(tilt_deg, sun_deg):
    tilt, sz = np.radians(tilt_deg), np.radians(sun_deg)
    n = np.array([np.sin(tilt), 0.0, -np.cos(tilt)])
    sun = np.array([np.sin(sz), 0.0, np.cos(sz)])
    ref = _dblquad_cap(600e3, n, sun)
    got = float(hl.albedo_cap_factor(600e3, jnp.asarray(n), jnp.array([0.0, 0.0, -1.0]), jnp.asarray(sun),
                                     n_polar=48, n_azimuth=96))
    assert got == pytest.approx(ref, rel=2e-3, abs=2e-5)


def test_albedo_zero_at_orbit_midnight_and_solar_on_sun_face():
    env = hl.plate_environment(600e3, 0.0, "nadir", n_samples=8)
    # Sample 4 is orbit midnight (theta = pi): deep in the shadow.
    assert float(env.face_a.albedo_w_m2[4]) == pytest.approx(0.0, abs=1e-9)
    assert float(env.face_a.solar_w_m2[4]) == 0.0
    sun = hl.plate_environment(600e3, 1.3, "sun_facing", n_samples=16, solar_flux_w_m2=1400.0)
    np.testing.assert_allclose(sun.face_a.solar_w_m2, 1400.0)  # no eclipse at beta = 74 deg
    np.testing.assert_allclose(sun.face_b.solar_w_m2, 0.0)


def test_sun_edge_on_sees_no_sun_and_equal_faces():
    for beta in [0.0, 0.5, 1.2, 1.5]:
        env = hl.plate_environment(600e3, beta, "sun_edge_on", n_samples=36)
        np.testing.assert_allclose(env.face_a.solar_w_m2, 0.0, atol=1e-9)
        np.testing.assert_allclose(env.face_a.earth_ir_w_m2, env.face_b.earth_ir_w_m2, rtol=1e-12)
        # Mirror faces: equal up to the cap quadrature's error (~1e-3 of the peak albedo).
        peak = float(jnp.max(env.face_a.albedo_w_m2))
        np.testing.assert_allclose(env.face_a.albedo_w_m2, env.face_b.albedo_w_m2, atol=2e-3 * peak + 1e-9)
        # Edge-on to the Earth too: view factor of a plate at 90 deg tilt.
        np.testing.assert_allclose(env.face_a.earth_ir_w_m2, 237.0 * float(hl.earth_view_factor(600e3, np.pi / 2)))


def test_cosine_albedo_model_close_at_subsolar_point():
    env_c = hl.plate_environment(600e3, 0.0, "nadir", n_samples=8, albedo_model="cap")
    env_k = hl.plate_environment(600e3, 0.0, "nadir", n_samples=8, albedo_model="cosine")
    # At orbit noon the two agree within the known ~1-2% of the cosine model there.
    assert float(env_c.face_a.albedo_w_m2[0]) == pytest.approx(float(env_k.face_a.albedo_w_m2[0]), rel=0.03)


def test_orbit_average_absorbed_gradient_matches_fd():
    @jax.jit
    def avg_absorbed(h, beta):
        env = hl.plate_environment(h, beta, "nadir", n_samples=48)
        return jnp.mean(hl.absorbed_flux_w_m2(env.face_a, 0.2, 0.9))

    gh, gb = jax.jit(jax.grad(avg_absorbed, argnums=(0, 1)))(600e3, 0.9)
    fdh = (avg_absorbed(600e3 + 20.0, 0.9) - avg_absorbed(600e3 - 20.0, 0.9)) / 40.0
    fdb = (avg_absorbed(600e3, 0.9 + 1e-5) - avg_absorbed(600e3, 0.9 - 1e-5)) / 2e-5
    assert float(gh) == pytest.approx(float(fdh), rel=1e-5)
    assert float(gb) == pytest.approx(float(fdb), rel=1e-5)


def _environment_stack(attitude, geometry=False):
    def f(x):
        normal = jnp.stack([jnp.sin(x[5]), 0.3, -jnp.cos(x[5])])
        env = hl.plate_environment(x[0], x[1], attitude, 24, albedo=x[2], olr_w_m2=x[3], solar_flux_w_m2=x[4],
                                   inertial_normal=normal / jnp.linalg.norm(normal))
        fluxes = jnp.stack([jnp.stack(face) for face in (env.face_a, env.face_b)])
        if not geometry:
            return fluxes
        # the orbit samples and the face normal come out of the same custom rule
        return jnp.concatenate([fluxes.ravel(), env.normal_a.ravel(), env.samples.nadir_unit.ravel(),
                                env.samples.sun_unit.ravel(), env.samples.sunlit.ravel()])
    return f


X0 = jnp.array([700e3, 0.5, 0.3, 237.0, 1361.0, 0.4])   # altitude, beta, albedo, OLR, solar flux, normal angle
STEPS = np.array([1e3, 1e-3, 1e-3, 1.0, 1.0, 1e-3])


@pytest.mark.parametrize("attitude", ["sun_edge_on", "inertial"])
def test_plate_environment_custom_tangents_equal_plain_autodiff(attitude):
    """The factors' custom derivative (their Jacobian in altitude, beta and an inertial normal,
    contracted with each tangent) equals differentiating the same code without the rule, for a batch of
    tangents that also moves the albedo, the OLR and the solar flux, and for batched primals; with the
    orbit samples and the face normal, which the rule returns too."""
    f = _environment_stack(attitude, geometry=True)
    tangents = jnp.asarray(np.random.default_rng(1).normal(size=(4, 6)) * STEPS)
    xs = jnp.stack([X0, X0.at[0].set(900e3)])

    def derivatives():   # a new function each call: a new trace, never a cached program
        def run(tangents, xs):
            jvps = jax.vmap(lambda t: jax.jvp(f, (X0,), (t,))[1])(tangents)
            batched = jax.vmap(lambda x: jax.jvp(f, (x,), (tangents[0],))[1])(xs)   # batched primals
            return jvps, batched, jax.grad(lambda x: jnp.sum(f(x) ** 2))(X0)
        return jax.jit(run)

    jvps, batched, rev = derivatives()(tangents, xs)
    plain = hl._orbit_factors_jvp
    try:   # the same factors, differentiated line by line
        hl._orbit_factors_jvp = hl._orbit_factors
        ref, _, ref_rev = derivatives()(tangents, xs)
    finally:
        hl._orbit_factors_jvp = plain
    scale = float(jnp.max(jnp.abs(ref)))
    np.testing.assert_allclose(np.asarray(jvps), np.asarray(ref), rtol=1e-10, atol=1e-12 * scale)
    np.testing.assert_allclose(np.asarray(rev), np.asarray(ref_rev), rtol=1e-10)
    np.testing.assert_allclose(np.asarray(batched[0]), np.asarray(jvps[0]), rtol=1e-12, atol=1e-12 * scale)


def test_plate_environment_tangents_match_central_differences():
    """Edge-on to the Sun every flux sample is smooth in the inputs: tangents equal central differences.
    (Facing fixed directions, the albedo quadrature's clipped plate cosine has kinks at the face's
    horizon, and differences across them differ from the derivative at the 1e-2 level.)"""
    f = jax.jit(_environment_stack("sun_edge_on"))
    tangent = jax.jit(lambda t: jax.jvp(f, (X0,), (t,))[1])
    for t in np.random.default_rng(2).normal(size=(3, 6)) * STEPS:
        got = tangent(jnp.asarray(t))
        fd = (f(X0 + t) - f(X0 - t)) / 2.0
        np.testing.assert_allclose(np.asarray(got), np.asarray(fd), rtol=1e-4, atol=1e-6 * float(jnp.max(jnp.abs(fd))))


def test_jit_vmap_plain_agree():
    def avg(h, b):
        env = hl.plate_environment(h, b, "sun_edge_on", n_samples=24)
        return env.face_a.orbit_average().albedo_w_m2

    hs, bs = jnp.array([500e3, 800e3]), jnp.array([0.2, 1.0])
    plain = np.array([float(avg(h, b)) for h, b in zip(hs, bs)])
    np.testing.assert_allclose(jax.jit(jax.vmap(avg))(hs, bs), plain, rtol=1e-12)


@pytest.mark.parametrize("kw, match", [
    ({"albedo": 1.5}, "albedo"), ({"olr_w_m2": -1.0}, "olr_w_m2"), ({"beta_rad": 2.0}, "beta_rad"),
    ({"attitude": "tumbling"}, "attitude"), ({"albedo_model": "x"}, "albedo_model"),
])
def test_bad_inputs(kw, match):
    args = {"altitude_m": 600e3, "beta_rad": 0.1}
    args.update(kw)
    with pytest.raises(ValueError, match=match):
        hl.plate_environment(**args)
