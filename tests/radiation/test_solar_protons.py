"""Solar-proton fluence (JPL-model form) and geomagnetic transmission."""
import math
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from radiation import solar

SCRIPTS = Path(__file__).resolve().parents[2] / "data" / "scripts"


def test_generation_tiny_matches_shipped(tmp_path):
    sys.path.insert(0, str(SCRIPTS))
    import h5py
    import make_solar_proton_fluence as mk

    out = mk.build(tmp_path / "s.h5", tiny=True)
    t = solar._table()
    with h5py.File(out) as f:
        for iy, y in enumerate(f["active_years"][()]):
            j = int(np.flatnonzero(t["active_years"] == y)[0])
            np.testing.assert_allclose(f["log10_fluence_cm2"][:, iy], t["log10_fluence_cm2"][:, j], rtol=1e-12)


def test_quantiles_are_consistent_with_the_model_mean():
    """Monte-Carlo check: median below mean, high quantiles above; mean of the sum of
    log-normal events = w T 10^(mu + ln10 sigma^2 / 2)."""
    th, mu, sig, w = (np.asarray(v) if not np.isscalar(v) else v for v in
                      (solar._table()["threshold_mev"], solar._table()["mu_log10"], solar._table()["sigma_log10"],
                       float(solar._table()["attrs"]["events_per_active_year"])))
    years = 5.0
    mean = w * years * 10.0 ** (mu + 0.5 * math.log(10.0) * sig**2)
    _, f50 = solar.solar_proton_integral_fluence_cm2(years, 0.5)
    _, f99 = solar.solar_proton_integral_fluence_cm2(years, 0.99)
    assert np.all(np.asarray(f50) < mean) and np.all(np.asarray(f99) > mean)


def test_monotone_in_confidence_years_and_energy():
    _, a = solar.solar_proton_integral_fluence_cm2(2.0, 0.9)
    _, b = solar.solar_proton_integral_fluence_cm2(2.0, 0.95)
    _, c = solar.solar_proton_integral_fluence_cm2(4.0, 0.95)
    assert np.all(np.asarray(b) > np.asarray(a)) and np.all(np.asarray(c) > np.asarray(b))
    assert np.all(np.diff(np.asarray(b)) < 0)


def test_differential_spectrum_integrates_back():
    """integral_{t_k}^{t_last} phi dE = F(>t_k) - F(>t_last) at the table thresholds."""
    e, phi = solar.solar_proton_differential_fluence(3.0, 0.95, points_per_decade=80)
    th, f = solar.solar_proton_integral_fluence_cm2(3.0, 0.95)
    phi = np.asarray(phi)
    last = int(np.argmin(np.abs(e - th[-1])))
    for k in (0,):  # 10 and 100 MeV are grid points at any points-per-decade multiple of 1
        i = int(np.argmin(np.abs(e - th[k])))
        lhs = np.trapezoid(phi[i:last + 1], e[i:last + 1])
        assert lhs == pytest.approx(float(f[k] - f[-1]), rel=3e-3)


def test_geomagnetic_transmission_limits_and_gradient():
    e = np.array([1.0, 10.0, 100.0, 1000.0])
    low_eq = np.asarray(solar.geomagnetic_transmission(e, 500e3, 0.0))
    assert np.all(low_eq < 1e-6)  # equatorial LEO: cut-off ~10 GV
    polar = np.asarray(solar.geomagnetic_transmission(e, 800e3, math.radians(98.0)))
    assert np.all(np.diff(polar) > 0) and 0.02 < polar[0] < polar[-1] < 1.0
    shadow = 0.5 * (1 + math.sqrt(1 - (6378137.0 / (6378137.0 + 800e3)) ** 2))
    assert polar[-1] < shadow
    f = jax.jit(lambda a, i: solar.geomagnetic_transmission(jnp.array([30.0]), a, i)[0])
    ga, gi = jax.grad(f, argnums=(0, 1))(800e3, math.radians(80.0))
    fa = (f(800.1e3, math.radians(80.0)) - f(799.9e3, math.radians(80.0))) / 200.0
    fi = (f(800e3, math.radians(80.001)) - f(800e3, math.radians(79.999))) / (2 * math.radians(0.001))
    assert float(ga) == pytest.approx(float(fa), rel=1e-3)
    assert float(gi) == pytest.approx(float(fi), rel=1e-3)


def test_stormer_constant_from_igrf_dipole():
    # c B0 R / 4 with B0 = 29.8 uT (IGRF-13 2020): ~14.2 GV; pole near 80.6 N, 72.7 W
    assert solar.STORMER_RC0_GV == pytest.approx(14.2, abs=0.1)
    ax = solar.DIPOLE_AXIS_ECEF
    assert math.degrees(math.asin(ax[2])) == pytest.approx(80.6, abs=0.2)
    assert math.degrees(math.atan2(ax[1], ax[0])) == pytest.approx(-72.7, abs=0.3)


def test_bad_inputs():
    with pytest.raises(ValueError, match="active_years"):
        solar.solar_proton_integral_fluence_cm2(0.1, 0.95)
    with pytest.raises(ValueError, match="confidence"):
        solar.solar_proton_integral_fluence_cm2(2.0, 0.999)
