"""Level-0 isothermal radiator: identities, gradients, errors."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from orbit.constants import STEFAN_BOLTZMANN_W_M2_K4 as SIGMA
from thermal.radiator import isothermal as iso

EPS = jnp.array([0.9, 0.85])
Q_ABS = jnp.array([40.0, 90.0])


def test_area_temperature_round_trip():
    area = iso.isothermal_panel_area_m2(150e3, 320.0, EPS, Q_ABS)
    t = iso.isothermal_panel_temperature_k(150e3, area, EPS, Q_ABS)
    assert float(t) == pytest.approx(320.0, rel=1e-13)


def test_energy_balance_identity():
    q, t = 150e3, 330.0
    a = float(iso.isothermal_panel_area_m2(q, t, EPS, Q_ABS))
    emitted = a * SIGMA * t**4 * float(jnp.sum(EPS))
    absorbed = a * float(jnp.sum(Q_ABS))
    assert emitted - absorbed == pytest.approx(q, rel=1e-12)


def test_black_panel_no_environment_closed_form():
    # Two black faces, no environment: A = Q / (2 sigma T^4).
    a = iso.isothermal_panel_area_m2(1000.0, 300.0, jnp.ones(2), jnp.zeros(2))
    assert float(a) == pytest.approx(1000.0 / (2 * SIGMA * 300.0**4), rel=1e-14)


def test_below_sink_raises():
    t_sink = float(iso.panel_sink_temperature_k(EPS, Q_ABS))
    with pytest.raises(ValueError, match="sink temperature"):
        iso.isothermal_panel_area_m2(1e3, t_sink - 1.0, EPS, Q_ABS)


@pytest.mark.parametrize("kw, match", [
    ({"emissivity": jnp.array([0.0, 0.9])}, "emissivity"),
    ({"emissivity": jnp.array([1.2, 0.9])}, "emissivity"),
    ({"temperature_k": -5.0}, "temperature_k"),
    ({"heat_load_w": -1.0}, "heat_load_w"),
])
def test_bad_inputs(kw, match):
    args = dict(heat_load_w=1e3, temperature_k=300.0, emissivity=EPS, absorbed_w_m2=Q_ABS)
    args.update(kw)
    with pytest.raises(ValueError, match=match):
        iso.isothermal_panel_area_m2(**args)


def test_area_gradients_match_fd():
    f = lambda t, e, q: iso.isothermal_panel_area_m2(150e3, t, jnp.array([e, 0.85]), jnp.array([q, 90.0]))
    g = jax.grad(f, argnums=(0, 1, 2))(330.0, 0.9, 40.0)
    fd = [
        (f(330.0 + 1e-3, 0.9, 40.0) - f(330.0 - 1e-3, 0.9, 40.0)) / 2e-3,
        (f(330.0, 0.9 + 1e-6, 40.0) - f(330.0, 0.9 - 1e-6, 40.0)) / 2e-6,
        (f(330.0, 0.9, 40.0 + 1e-4) - f(330.0, 0.9, 40.0 - 1e-4)) / 2e-4,
    ]
    for a, b in zip(g, fd):
        assert float(a) == pytest.approx(float(b), rel=1e-7)


def test_vmap_over_temperatures():
    ts = jnp.linspace(300.0, 360.0, 5)
    vm = jax.vmap(lambda t: iso.isothermal_panel_area_m2(1e5, t, EPS, Q_ABS))(ts)
    plain = [float(iso.isothermal_panel_area_m2(1e5, t, EPS, Q_ABS)) for t in ts]
    np.testing.assert_allclose(vm, plain, rtol=1e-14)
