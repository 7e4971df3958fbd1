"""Eclipse season, DoD limit and battery sizing."""
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import orbit
from power import BatteryTech, eclipse_season, max_dod_from_cycles, size_battery, sso_eclipse_season
from power.battery import DOD_POINTS

JD0 = orbit.julian_date(2030, 1, 1)


@pytest.fixture(scope="module")
def dawn_dusk():
    return sso_eclipse_season(800e3, 6.0, JD0, n_samples=365)


def test_dod_limit_through_cited_points_and_capped():
    for n, d in DOD_POINTS:
        assert abs(float(max_dod_from_cycles(n)) - d) < 1e-12
    assert float(max_dod_from_cycles(100.0)) == 0.9
    n = jnp.logspace(3.5, 5, 20)
    assert np.all(np.diff(np.asarray(max_dod_from_cycles(n))) < 0)
    with pytest.raises(ValueError, match="n_cycles"):
        max_dod_from_cycles(0.0)


def test_dawn_dusk_sso_has_a_seasonal_eclipse(dawn_dusk):
    s = dawn_dusk
    ecl = np.asarray(s.eclipse_s)
    frac_days = np.mean(ecl > 0)
    # seasonal: eclipses on some days only, around the December solstice for a
    # 06:00 ascending node (sin beta = -sin(i - dec)), the June one for 18:00
    assert 0.05 < frac_days < 0.6
    doy = float(s.julian_date[np.argmax(ecl)]) - JD0
    assert min(abs(doy - 354.5), 365.25 - abs(doy - 354.5)) < 25, doy
    dusk = sso_eclipse_season(800e3, 18.0, JD0, n_samples=365)
    doy = float(dusk.julian_date[np.argmax(np.asarray(dusk.eclipse_s))]) - JD0
    assert abs(doy - 171.5) < 25, doy
    assert 5 * 60 < float(s.max_eclipse_s) < 25 * 60
    # orbits with eclipse per year = eclipse days * orbits per day (uniform daily sampling)
    orbits_per_day = 86400.0 / float(s.period_s)
    expect = np.sum(ecl > 0) * orbits_per_day * (365.2421897 / 365)
    assert abs(float(s.eclipse_orbits_per_year) / expect - 1.0) < 1e-12


def test_max_eclipse_matches_shadow_samples_of_that_day(dawn_dusk):
    """Independent check: count shadowed samples along the orbit on the worst day."""
    s = dawn_dusk
    k = int(np.argmax(np.asarray(s.eclipse_s)))
    n = 20000
    samples = orbit.orbit_samples(800e3, s.beta_rad[k], n)
    dark = float(jnp.sum(samples.sunlit < 0.5)) * float(s.period_s) / n
    assert abs(dark - float(s.eclipse_s[k])) <= 2 * float(s.period_s) / n


def test_noon_midnight_sso_eclipses_every_orbit():
    s = sso_eclipse_season(600e3, 12.0, JD0, n_samples=73)
    assert np.all(np.asarray(s.eclipse_s) > 0)
    orbits_per_year = 365.2421897 * 86400.0 / float(s.period_s)
    assert abs(float(s.eclipse_orbits_per_year) / orbits_per_year - 1.0) < 1e-12


def test_iss_like_orbit_longest_eclipse_is_beta_zero_closed_form():
    s = eclipse_season(420e3, math.radians(51.6), 0.3, JD0, n_samples=730)
    beta = np.asarray(s.beta_rad)
    assert beta.min() < 0 < beta.max()  # beta sweeps through zero during the year
    a = 6378137.0 + 420e3
    t0 = float(s.period_s) * math.acos(math.sqrt(420e3**2 + 2 * 6378137.0 * 420e3) / a) / math.pi
    # sampled twice a day: the worst sample is within a small beta of zero
    assert 0.995 * t0 < float(s.max_eclipse_s) <= t0 * (1 + 1e-12)


def test_battery_sizing_identities():
    tech = BatteryTech()
    b = size_battery(40e3, 1000.0, 5000.0, 0.5, tech, 0.97)
    drawn_j = 40e3 * 1000.0 / (0.97 * 0.95)
    assert abs(float(b.energy_drawn_wh) * 3600 / drawn_j - 1.0) < 1e-12
    assert abs(float(b.capacity_wh * 0.5 / b.energy_drawn_wh) - 1.0) < 1e-12
    assert abs(float(b.mass_kg) - float(b.capacity_wh) / (160.0 * 0.75)) < 1e-9
    assert abs(float(b.recharge_bus_power_w) - drawn_j / (0.95 * 5000.0)) < 1e-9
    # throttling the payload in eclipse shrinks the battery proportionally
    b2 = size_battery(20e3, 1000.0, 5000.0, 0.5, tech, 0.97)
    assert abs(float(b2.mass_kg / b.mass_kg) - 0.5) < 1e-12
    g = jax.grad(lambda p: size_battery(p, 1000.0, 5000.0, 0.5, tech, 0.97).mass_kg)(40e3)
    assert abs(float(g) - float(b.mass_kg) / 40e3) < 1e-12


@pytest.mark.parametrize("dod", [0.0, -0.1, 1.5])
def test_bad_depth_of_discharge(dod):
    with pytest.raises(ValueError, match=rf"depth_of_discharge = {dod:g} is outside the allowed range \(0, 1\]"):
        size_battery(1e3, 1000.0, 5000.0, dod)


def test_other_bad_inputs():
    with pytest.raises(ValueError, match="eclipse_load_w"):
        size_battery(-1.0, 1000.0, 5000.0, 0.5)
    with pytest.raises(ValueError, match="ltan_hours"):
        sso_eclipse_season(800e3, 25.0, JD0)
    with pytest.raises(ValueError, match="battery.charge_efficiency"):
        size_battery(1e3, 1000.0, 5000.0, 0.5, BatteryTech(charge_efficiency=jnp.asarray(1.2)))
