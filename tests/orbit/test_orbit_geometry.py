"""orbit/: checks against independent computations and published values."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import orbit
from orbit.constants import R_EARTH_M, SECONDS_PER_DAY


def central_fd(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


# --- periods and J2 -------------------------------------------------------------

def test_geostationary_period_is_sidereal_day():
    # 35 786 km is the textbook GEO altitude; its period is one sidereal day (86164.09 s).
    assert float(orbit.period_s(35786e3)) == pytest.approx(86164.09, rel=2e-5)


def test_leo_period_published():
    # 600 km circular: 96.7 min (Wertz & Larson SMAD, orbit tables).
    assert float(orbit.period_s(600e3)) / 60 == pytest.approx(96.69, abs=0.02)


def test_iss_node_precession_published():
    # ISS-like orbit (400 km, 51.6 deg) regresses its node by about 5.0 deg/day.
    rate = float(orbit.node_precession_rad_s(400e3, np.radians(51.6))) * SECONDS_PER_DAY
    assert np.degrees(rate) == pytest.approx(-5.00, abs=0.03)


@pytest.mark.parametrize("alt_km, inc_deg", [(600, 97.79), (800, 98.60), (1000, 99.48)])
def test_sso_inclination_published(alt_km, inc_deg):
    # Published sun-synchronous inclinations (e.g. SMAD, Table of SSO inclinations).
    assert np.degrees(float(orbit.sso_inclination_rad(alt_km * 1e3))) == pytest.approx(inc_deg, abs=0.02)


def test_sso_inclination_gives_solar_node_rate():
    h = 650e3
    i = orbit.sso_inclination_rad(h)
    rate_deg_day = np.degrees(float(orbit.node_precession_rad_s(h, i))) * SECONDS_PER_DAY
    assert rate_deg_day == pytest.approx(360.0 / 365.2421897, rel=1e-10)


def test_sso_impossible_altitude_raises():
    with pytest.raises(ValueError, match="sso inclination"):
        orbit.sso_inclination_rad(8000e3)


@pytest.mark.parametrize("bad", [100e3, 50000e3, np.nan])
def test_altitude_out_of_range(bad):
    with pytest.raises(ValueError, match="altitude_m"):
        orbit.period_s(bad)


# --- the Sun ------------------------------------------------------------------------

def test_sun_solstice_and_distance():
    jd = orbit.julian_date(2027, 6, 21, 12.0)
    sun = orbit.sun_position(jd)
    assert np.degrees(float(sun.declination_rad)) == pytest.approx(23.44, abs=0.05)
    # Perihelion early January (0.9833 AU), aphelion early July (1.0167 AU).
    peri = orbit.sun_position(orbit.julian_date(2027, 1, 3, 0.0)).distance_au
    aph = orbit.sun_position(orbit.julian_date(2027, 7, 5, 0.0)).distance_au
    assert float(peri) == pytest.approx(0.98330, abs=2e-4)
    assert float(aph) == pytest.approx(1.01670, abs=2e-4)
    assert float(orbit.solar_flux_w_m2(peri)) == pytest.approx(1361 / 0.9833**2, rel=1e-3)


def test_julian_date_j2000():
    assert orbit.julian_date(2000, 1, 1, 12.0) == 2451545.0


# --- beta angle against a brute-force orbit -----------------------------------------

def _inertial_orbit(inc, raan, n=20000):
    u = np.linspace(0, 2 * np.pi, n, endpoint=False)
    # Perifocal -> ECI for a circular orbit (argument of latitude u).
    cO, sO, ci, si = np.cos(raan), np.sin(raan), np.cos(inc), np.sin(inc)
    r = np.stack([cO * np.cos(u) - sO * ci * np.sin(u), sO * np.cos(u) + cO * ci * np.sin(u), si * np.sin(u)], -1)
    return r


@pytest.mark.parametrize("inc_deg, raan_deg, jd_offset", [(53, 10, 0), (97.8, 200, 100), (30, 300, 250)])
def test_beta_angle_brute_force(inc_deg, raan_deg, jd_offset):
    inc, raan = np.radians(inc_deg), np.radians(raan_deg)
    jd = 2461000.5 + jd_offset
    sun = orbit.sun_position(jd)
    r = _inertial_orbit(inc, raan, 4)
    h = np.cross(r[0], r[1])
    h /= np.linalg.norm(h)
    expected = np.arcsin(h @ np.asarray(sun.unit_eci))
    got = orbit.beta_angle_on_date_rad(inc, raan, jd)
    assert float(got) == pytest.approx(expected, abs=1e-12)


def test_dawn_dusk_sso_has_high_beta():
    inc = orbit.sso_inclination_rad(600e3)
    for month in range(1, 13):
        jd = orbit.julian_date(2027, month, 15, 0.0)
        beta = np.degrees(float(orbit.sso_beta_angle_rad(inc, 6.0, jd)))
        assert 50.0 < abs(beta) <= 90.0


# --- eclipse against brute-force shadow geometry -------------------------------------

@pytest.mark.parametrize("alt_km", [400, 600, 1200])
@pytest.mark.parametrize("inc_deg, raan_deg, jd_offset", [(53, 10, 0), (97.8, 85, 40), (20, 180, 300)])
def test_eclipse_fraction_brute_force(alt_km, inc_deg, raan_deg, jd_offset):
    inc, raan = np.radians(inc_deg), np.radians(raan_deg)
    jd = 2461000.5 + jd_offset
    s = np.asarray(orbit.sun_position(jd).unit_eci)
    a = R_EARTH_M + alt_km * 1e3
    r = a * _inertial_orbit(inc, raan, 200000)
    along = r @ s
    perp = np.linalg.norm(r - along[:, None] * s, axis=1)
    shadow = (along < 0) & (perp < R_EARTH_M)
    beta = orbit.beta_angle_on_date_rad(inc, raan, jd)
    got = float(orbit.eclipse_fraction(alt_km * 1e3, beta))
    assert got == pytest.approx(shadow.mean(), abs=2e-5)


def test_no_eclipse_above_beta_critical():
    bc = float(orbit.beta_critical_rad(600e3))
    assert float(orbit.eclipse_fraction(600e3, bc + 1e-3)) == 0.0
    assert float(orbit.eclipse_fraction(600e3, bc - 1e-2)) > 0.0


def test_disk_overlap_against_monte_carlo():
    rng = np.random.default_rng(1)
    a, b = 0.01, 0.03
    pts = rng.uniform(-a, a, size=(400000, 2))
    pts = pts[np.hypot(*pts.T) < a]
    for c in [0.015, 0.025, 0.035, 0.045]:
        hidden = np.hypot(pts[:, 0] + c, pts[:, 1]) < b  # Earth disk centred at (-c, 0)
        got = float(orbit.disk_visible_fraction(c, a, b))
        assert got == pytest.approx(1 - hidden.mean(), abs=3e-3)


def test_penumbra_close_to_cylindrical():
    # The Sun's 0.27 deg radius blurs the shadow edges; the time-averaged loss of
    # sunlight stays within a few tenths of a percent of the cylinder model.
    for beta in [0.0, 0.5]:
        cyl = float(orbit.eclipse_fraction(600e3, beta))
        pen = float(orbit.eclipse_fraction(600e3, beta, penumbra=True))
        assert abs(pen - cyl) < 5e-3
        assert 0 < pen < 0.5


# --- JAX behaviour: jit, vmap, gradients -------------------------------------------------

def test_jit_vmap_plain_agree():
    alts = jnp.array([400e3, 600e3, 900e3])
    betas = jnp.array([0.1, 0.4, 0.7])
    plain = np.array([float(orbit.eclipse_fraction(h, b)) for h, b in zip(alts, betas)])
    vm = jax.vmap(orbit.eclipse_fraction)(alts, betas)
    jt = jax.jit(jax.vmap(orbit.eclipse_fraction))(alts, betas)
    np.testing.assert_allclose(vm, plain, rtol=1e-14)
    np.testing.assert_allclose(jt, plain, rtol=1e-14)


@pytest.mark.parametrize("beta", [0.0, 0.3, 0.8])
def test_eclipse_gradients_match_fd(beta):
    h0 = 600e3
    g_h, g_b = jax.grad(orbit.eclipse_fraction, argnums=(0, 1))(h0, beta)
    fd_h = central_fd(lambda x: orbit.eclipse_fraction(x, beta), h0, 10.0)
    fd_b = central_fd(lambda x: orbit.eclipse_fraction(h0, x), beta, 1e-6)
    assert float(g_h) == pytest.approx(float(fd_h), rel=1e-6)
    assert float(g_b) == pytest.approx(float(fd_b), rel=1e-6, abs=1e-12)


def test_period_and_sso_gradients_match_fd():
    for f in (orbit.period_s, orbit.sso_inclination_rad):
        g = jax.grad(f)(700e3)
        assert float(g) == pytest.approx(float(central_fd(f, 700e3, 10.0)), rel=1e-7)


def test_orbit_samples_frame():
    s = orbit.orbit_samples(600e3, 0.4, 64)
    assert s.position_m.shape == (64, 3)
    np.testing.assert_allclose(np.linalg.norm(s.sun_unit, axis=-1), 1.0)
    # beta is the angle between the Sun and the orbit plane.
    np.testing.assert_allclose(np.arcsin(np.sum(s.sun_unit * s.orbit_normal_unit, -1)), 0.4, atol=1e-14)
    # Sample means reproduce the closed-form eclipse fraction to the sampling resolution.
    assert 1 - float(jnp.mean(s.sunlit)) == pytest.approx(float(orbit.eclipse_fraction(600e3, 0.4)), abs=1.5 / 64)
