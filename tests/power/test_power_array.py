"""Solar array: loss-factor identities, energy balance, sizing identities, gradients."""
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.optimize import brentq

from orbit.constants import STEFAN_BOLTZMANN_W_M2_K4 as SIGMA
from power import (
    ARRAY_CLASSES,
    ArrayDesign,
    IncidentFlux,
    LossFactors,
    array_areal_mass_kg_m2,
    array_mass_kg,
    array_power,
    array_temperature,
    get_cell,
    incidence_cosine,
    power_for_area_w,
    size_array,
    support_areal_mass_for_class,
)
from power.cells import T_REF_K

CELL = get_cell("spectrolab_xtj")


def _design(area=50.0, cg=100e-6, **kw):
    return ArrayDesign(area_m2=jnp.asarray(area), coverglass_thickness_m=jnp.asarray(cg), **kw)


def _env():
    front = IncidentFlux(jnp.asarray(1361.0), jnp.asarray(20.0), jnp.asarray(10.0))
    back = IncidentFlux(jnp.asarray(0.0), jnp.asarray(120.0), jnp.asarray(150.0))
    return front, back


def test_power_is_incident_times_product_of_reported_factors():
    d = _design(area=37.0, cg=150e-6, losses=LossFactors(jnp.asarray(0.88), jnp.asarray(0.97), jnp.asarray(0.975),
                                                        jnp.asarray(0.985), jnp.asarray(0.99)))
    t, fl, s, c = 340.0, 6e14, 1320.0, 0.9
    out = array_power(CELL, d, t, fl, s, c)
    rf = 1.0 - CELL.degradation_c * math.log10(1.0 + fl / CELL.degradation_phi_x_cm2)
    ft = 1.0 + CELL.temp_coeff_per_k * (t - 301.15)
    cg = 0.99 * math.exp(-100.0 * 150e-6)
    expect = s * c * 37.0 * 0.298 * 0.88 * ft * rf * cg * 0.97 * 0.975 * 0.985 * 0.99
    assert abs(float(out.power_w) / expect - 1.0) < 1e-12
    f = out.factors
    assert abs(float(f.radiation) - rf) < 1e-14 and abs(float(f.temperature) - ft) < 1e-14
    assert abs(float(f.total * out.incident_w) - float(out.power_w)) < 1e-9
    assert abs(float(f.degradation_only * f.efficiency_bol - f.total)) < 1e-15


def test_energy_balance_closes_and_matches_independent_root():
    d = _design()
    front, back = _env()
    th = array_temperature(CELL, d, front, back, 1e15)
    assert bool(th.converged)
    assert abs(float(th.residual_w_m2)) < 1e-9 * float(th.absorbed_w_m2)
    assert abs(float(th.absorbed_w_m2 - th.electric_w_m2 - th.emitted_w_m2)) < 1e-9 * float(th.absorbed_w_m2)
    # independent: scipy brentq on the same balance written out by hand
    q = 0.91 * (1361 + 20) + 0.85 * 10 + 0.90 * 120 + 0.85 * 150
    p1 = array_power(CELL, d, T_REF_K, 1e15, 1.0, 1.0)
    eta0 = float(p1.factors.total)
    g = lambda t: q - 1361.0 * eta0 * (1 + CELL.temp_coeff_per_k * (t - T_REF_K)) - 1.7 * SIGMA * t**4
    t_ref = brentq(g, 100.0, 600.0, xtol=1e-13)
    assert abs(float(th.temperature_k) - t_ref) < 1e-8
    # electricity at that temperature equals the array power model per area
    pw = array_power(CELL, d, th.temperature_k, 1e15, 1361.0).areal_power_w_m2
    assert abs(float(pw - th.electric_w_m2)) < 1e-9


def test_open_circuit_temperature_is_radiative_equilibrium_and_hotter():
    d = _design()
    front, back = _env()
    loaded = array_temperature(CELL, d, front, back, 0.0)
    oc = array_temperature(CELL, d, front, back, 0.0, electricity_drawn=False)
    t_eq = (float(oc.absorbed_w_m2) / (1.7 * SIGMA)) ** 0.25
    assert abs(float(oc.temperature_k) - t_eq) < 1e-9
    assert float(oc.temperature_k) > float(loaded.temperature_k) + 5.0


def test_jit_vmap_plain_agree_for_temperature():
    d = _design()
    fl = jnp.array([0.0, 1e14, 1e15, 3e15])
    front, back = _env()
    plain = np.array([float(array_temperature(CELL, d, front, back, f).temperature_k) for f in fl])
    jitted = jax.jit(lambda f: array_temperature(CELL, d, front, back, f).temperature_k)
    vm = jax.vmap(jitted)(fl)
    batched = array_temperature(CELL, d, front, back, fl).temperature_k
    assert np.allclose(plain, np.asarray(vm), rtol=1e-12)
    assert np.allclose(plain, np.asarray(batched), rtol=1e-12)
    # more degradation -> less electricity out -> hotter
    assert np.all(np.diff(plain) > 0)


def test_float32_path_runs_with_dtype_aware_tolerance():
    with jax.enable_x64(False):
        d = _design()
        front, back = _env()
        th = array_temperature(CELL, d, front, back, 1e15)
        assert th.temperature_k.dtype == jnp.float32
        assert bool(th.converged)
        p = array_power(CELL, d, th.temperature_k, 1e15)
        assert p.power_w.dtype == jnp.float32
    th64 = array_temperature(CELL, _design(), *_env(), 1e15)
    assert abs(float(th.temperature_k) - float(th64.temperature_k)) < 1e-3


def _eol_power(area, cg, fluence, eff, with_temperature):
    cell = eqx.tree_at(lambda c: c.efficiency_bol, CELL, eff)
    d = _design(area, cg)
    if with_temperature:
        front, back = _env()
        t = array_temperature(cell, d, front, back, fluence).temperature_k
    else:
        t = 330.0
    return array_power(cell, d, t, fluence, 1361.0).power_w


def _mass(area, cg, fluence, eff):
    cell = eqx.tree_at(lambda c: c.efficiency_bol, CELL, eff)
    return array_mass_kg(cell, _design(area, cg))


@pytest.mark.parametrize("with_temperature", [False, True])
@pytest.mark.parametrize("argnum,h", [(0, 1e-3), (1, 1e-8), (2, 1e10), (3, 1e-6)])
def test_eol_power_gradients_vs_central_fd(argnum, h, with_temperature):
    x0 = [jnp.asarray(50.0), jnp.asarray(120e-6), jnp.asarray(8e14), jnp.asarray(0.30)]
    f = lambda *a: _eol_power(*a, with_temperature)
    g = jax.grad(f, argnums=argnum)(*x0)
    xp = list(x0); xp[argnum] = x0[argnum] + h
    xm = list(x0); xm[argnum] = x0[argnum] - h
    fd = (f(*xp) - f(*xm)) / (2 * h)
    assert abs(float(g) - float(fd)) <= 1e-6 * abs(float(fd)) + 1e-9, (float(g), float(fd))
    assert abs(float(fd)) > 0


@pytest.mark.parametrize("argnum,h", [(0, 1e-3), (1, 1e-8), (2, 1e10), (3, 1e-6)])
def test_array_mass_gradients_vs_central_fd(argnum, h):
    x0 = [jnp.asarray(50.0), jnp.asarray(120e-6), jnp.asarray(8e14), jnp.asarray(0.30)]
    g = jax.grad(_mass, argnums=argnum)(*x0)
    xp = list(x0); xp[argnum] = x0[argnum] + h
    xm = list(x0); xm[argnum] = x0[argnum] - h
    fd = (_mass(*xp) - _mass(*xm)) / (2 * h)
    assert abs(float(g) - float(fd)) <= 1e-6 * abs(float(fd)) + 1e-12
    # mass depends on area and coverglass, not on fluence or efficiency
    if argnum in (2, 3):
        assert float(g) == 0.0
    else:
        assert float(g) > 0.0


def test_sizing_identities_and_inverse():
    sup = support_areal_mass_for_class("flexible_blanket")
    d = _design(support_areal_mass_kg_m2=jnp.asarray(sup))
    req = 150e3
    s = size_array(req, CELL, d, 333.0, 1e15, 1330.0)
    p = power_for_area_w(s.area_m2, CELL, d, 333.0, 1e15, 1330.0)
    assert abs(float(p) / req - 1.0) < 1e-12
    assert abs(float(s.area_m2 * s.areal_power_eol_w_m2) / req - 1.0) < 1e-12
    dd = eqx.tree_at(lambda x: x.area_m2, d, s.area_m2)
    assert abs(float(array_mass_kg(CELL, dd) - s.mass_kg)) < 1e-9
    assert abs(float(s.specific_power_eol_w_kg - req / s.mass_kg)) < 1e-9
    # power is linear in area
    p2 = power_for_area_w(2 * s.area_m2, CELL, d, 333.0, 1e15, 1330.0)
    assert abs(float(p2) / (2 * req) - 1.0) < 1e-12


@pytest.mark.parametrize("name", sorted(ARRAY_CLASSES))
def test_array_class_calibration_reproduces_cited_specific_power(name):
    cls = ARRAY_CLASSES[name]
    sup = support_areal_mass_for_class(name)
    d = _design(area=1.0, cg=100e-6, support_areal_mass_kg_m2=jnp.asarray(sup))
    fl = 0.0 if cls.basis == "BOL" else 1e15
    p = array_power(CELL, d, T_REF_K, fl, 1361.0).areal_power_w_m2
    assert abs(float(p / array_areal_mass_kg_m2(CELL, d)) / cls.specific_power_w_kg - 1.0) < 1e-12
    assert 200.0 < float(p) < 400.0  # W/m^2 of a 30 %-class array at 1 AU


def test_incidence_cosine_modes():
    beta = 0.4
    s = jnp.array([math.cos(beta), 0.0, math.sin(beta)])
    h = jnp.array([0.0, 0.0, 1.0])
    assert float(incidence_cosine(s, tracking="sun")) == 1.0
    assert abs(float(incidence_cosine(s, h, tracking="one_axis")) - math.cos(beta)) < 1e-15
    assert abs(float(incidence_cosine(s, tracking="fixed", normal_unit=h)) - math.sin(beta)) < 1e-15
    assert float(incidence_cosine(s, tracking="fixed", normal_unit=-h)) == 0.0
    with pytest.raises(ValueError, match="tracking"):
        incidence_cosine(s, tracking="spin")


def test_bad_inputs_raise_named_errors():
    front, back = _env()
    with pytest.raises(ValueError, match=r"design.area_m2 = -5"):
        array_power(CELL, _design(area=-5.0), 300.0, 0.0)
    with pytest.raises(ValueError, match=r"fluence_cm2 = -1"):
        array_power(CELL, _design(), 300.0, -1.0)
    with pytest.raises(ValueError, match=r"coverglass_thickness_m"):
        array_power(CELL, _design(cg=5e-3), 300.0, 0.0)
    with pytest.raises(ValueError, match=r"efficiency_bol = 1\.5 is outside the allowed range \(0, 1\)"):
        array_power(eqx.tree_at(lambda c: c.efficiency_bol, CELL, 1.5), _design(), 300.0, 0.0)
    with pytest.raises(ValueError, match=r"design.losses.packing"):
        array_power(CELL, _design(losses=LossFactors(packing=jnp.asarray(1.2))), 300.0, 0.0)
    with pytest.raises(ValueError, match=r"design.tracking"):
        array_power(CELL, _design(tracking="wobble"), 300.0, 0.0)
    with pytest.raises(ValueError, match=r"temperature_k"):
        array_power(CELL, _design(), -10.0, 0.0)
    with pytest.raises(ValueError, match="array_class"):
        support_areal_mass_for_class("balloon")
    with pytest.raises(ValueError, match=r"design.area_m2 = 0"):
        array_temperature(CELL, _design(area=0.0), front, back, 0.0)


def test_orbit_array_power_geometry_and_sun_distance():
    import orbit
    from power import orbit_array_power

    beta = 0.5
    s = orbit.orbit_samples(800e3, beta, 3600)
    kw = dict(area=10.0)
    sun = orbit_array_power(CELL, _design(**kw), s, 330.0, 1e15)
    one = orbit_array_power(CELL, _design(tracking="one_axis", **kw), s, 330.0, 1e15)
    zen = orbit_array_power(CELL, _design(tracking="fixed", **kw), s, 330.0, 1e15, normal_unit=-s.nadir_unit)
    p0 = float(array_power(CELL, _design(**kw), 330.0, 1e15, 1361.0).power_w)
    f_ecl = float(orbit.eclipse_fraction(800e3, beta))
    assert abs(float(jnp.mean(sun.power_w)) / (p0 * (1 - f_ecl)) - 1.0) < 2e-3  # one sample of the shadow edge
    lit = np.asarray(s.sunlit) > 0.5
    assert np.allclose(np.asarray(one.power_w)[lit], p0 * math.cos(beta), rtol=1e-12)
    # zenith-facing plate: orbit average cos(beta)/pi (its sunlit half-orbit is never shadowed)
    assert abs(float(jnp.mean(zen.power_w)) / (p0 * math.cos(beta) / math.pi) - 1.0) < 1e-5
    # Sun distance: early July (aphelion) vs early January (perihelion)
    jan = orbit_array_power(CELL, _design(**kw), s, 330.0, 1e15, orbit.julian_date(2030, 1, 4))
    jul = orbit_array_power(CELL, _design(**kw), s, 330.0, 1e15, orbit.julian_date(2030, 7, 4))
    d_jan = float(orbit.sun_position(orbit.julian_date(2030, 1, 4)).distance_au)
    d_jul = float(orbit.sun_position(orbit.julian_date(2030, 7, 4)).distance_au)
    ratio = float(jnp.max(jan.power_w) / jnp.max(jul.power_w))
    assert abs(ratio - (d_jul / d_jan) ** 2) < 1e-12
    assert 1.06 < ratio < 1.075


def test_accepts_thermal_face_flux_fields():
    """The lead's thermal.environment.heat_loads.FaceFlux (incident fluxes per face) plugs in directly."""
    heat_loads = pytest.importorskip("thermal.environment.heat_loads")
    n = 8
    front = heat_loads.FaceFlux(jnp.full(n, 1361.0), jnp.linspace(0.0, 50.0, n), jnp.full(n, 20.0))
    back = heat_loads.FaceFlux(jnp.zeros(n), jnp.linspace(100.0, 0.0, n), jnp.full(n, 150.0))
    th = array_temperature(CELL, _design(), front, back, 1e15)
    assert th.temperature_k.shape == (n,) and bool(jnp.all(th.converged))
    ref = array_temperature(CELL, _design(), IncidentFlux(*front), IncidentFlux(*back), 1e15)
    assert np.allclose(np.asarray(th.temperature_k), np.asarray(ref.temperature_k), rtol=0, atol=0)


def test_degradation_scale_multiplies_the_radiation_loss():
    """radiation factor = 1 - s (1 - remaining factor): s = 1 is the fitted curve, s = 0 no loss."""
    from power.cells import remaining_factor

    design = ArrayDesign(area_m2=10.0, coverglass_thickness_m=100e-6)
    phi = 3e14
    r = float(remaining_factor(phi, CELL.degradation_c, CELL.degradation_phi_x_cm2))
    assert 0.5 < r < 1.0
    for s in (0.0, 0.7, 1.0, 1.3):
        got = float(array_power(CELL, design, T_REF_K, phi, degradation_scale=s).factors.radiation)
        assert got == pytest.approx(1.0 - s * (1.0 - r), rel=1e-12)
    with pytest.raises(ValueError, match="degradation_scale"):
        array_power(CELL, design, T_REF_K, phi, degradation_scale=-0.1)
