"""The study's hot/cold cases, drag, debris and compute-in-service outputs checked against closed forms.

Most checks read the golden archive of the small study (tests/golden/small_satellite.toml, written
by ``sunsink run``: no compilation here) and recompute each archived output from its archived
inputs with an independent closed form: the rocket equation, the binomial section survival, the
exponential-failure delivered compute, the loop's energy balance over the periodic orbit.  One
test evaluates the coupled model with the freeze protection off and without the arrays' view
(one compilation) to show the constraints react the way the physics says.
"""
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from studies import archive as ar

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
G0 = 9.80665


@pytest.fixture(scope="module")
def sat():
    tree = ar.read_archive(GOLDEN / "small_satellite.h5")
    return tree["satellite"]["dawn_dusk_sso_600_km"]


def _m(sat, name):
    return float(sat["metrics"][name]["data"])


def _design(sat, name):
    names = [str(n) for n in sat["design"]["variable"]["data"]]
    return float(sat["design"]["final"]["data"][names.index(name)])


def _cfg_value(section, key):
    from studies.config import load_config

    cfg, _ = load_config(GOLDEN / "small_satellite.toml")
    return getattr(getattr(cfg, section), key)


def test_propellant_is_the_rocket_equation_of_the_drag_impulse(sat):
    impulse, total, prop = _m(sat, "drag_impulse_n_s"), _m(sat, "total_mass_kg"), _m(sat, "mass_propellant_kg")
    isp = _cfg_value("propulsion", "isp_s")
    dry = total - prop
    assert prop > 0.0
    # impulse delivered at the dry mass: m_p = m_dry (exp(I / (m_dry g0 Isp)) - 1)
    assert prop == pytest.approx(dry * math.expm1(impulse / (dry * G0 * isp)), rel=1e-9)
    # the impulse is the mean drag over the life
    life_s = _cfg_value("mission", "life_years") * 365.25 * 86400.0
    assert impulse == pytest.approx(_m(sat, "mean_drag_n") * life_s, rel=1e-12)
    # drag = 1/2 rho v^2 Cd A, v the circular speed
    h = _design(sat, "altitude_m")
    v2 = 3.986004418e14 / (6378137.0 + h)
    drag = 0.5 * _m(sat, "mean_density_kg_m3") * v2 * 2.2 * _m(sat, "drag_area_m2")
    assert _m(sat, "mean_drag_n") == pytest.approx(drag, rel=2e-3)   # Earth radius/mu constants of orbit/


def test_section_survival_is_the_binomial_tail(sat):
    n_exp = _m(sat, "tube_perforations")
    n, frac = _cfg_value("mmod", "loop_sections"), _cfg_value("mmod", "sections_required_fraction")
    need = math.ceil(frac * n - 1e-9)
    p_section = math.exp(-n_exp / n)
    assert _m(sat, "loop_survival_probability") == pytest.approx(stats.binom.sf(need - 1, n, p_section), rel=1e-9)
    assert _m(sat, "no_puncture_probability") == pytest.approx(math.exp(-n_exp), rel=1e-12)
    assert _m(sat, "tube_perforations") == pytest.approx(_m(sat, "tube_perforations_meteoroid")
                                                         + _m(sat, "tube_perforations_debris"), rel=1e-12)
    # the optimum meets the reliability with armour on the tubes
    assert _m(sat, "loop_survival_probability") >= _cfg_value("mmod", "puncture_reliability") * (1 - 1e-6)
    assert _design(sat, "tube_armour_m") > 0.0


def test_delivered_compute_without_spares_is_the_exponential_survival_integral(sat):
    svc = sat["service"]
    lam = _cfg_value("service", "failure_rate_per_chip_year")
    life = _cfg_value("mission", "life_years")
    n = _cfg_value("mission", "n_chips")
    a = _m(sat, "availability")
    tid_life = float(sat["life"]["life_tid_years"]["data"])
    assert tid_life > life       # the optimum meets TID with margin: the failure-dose step (no margin) lies beyond
    expected = a * n * (1.0 - math.exp(-lam * life)) / lam
    assert float(svc["service_chip_years_no_spares"]["data"]) == pytest.approx(expected, rel=1e-6)
    # one cold spare per group can only add compute
    assert float(svc["service_chip_years_spares"]["data"]) > float(svc["service_chip_years_no_spares"]["data"])


def test_periodic_cases_close_their_energy_and_hold_the_freeze_margin(sat):
    cases = sat["orbit_cases"]
    for case in ("hot", "cold"):
        c = cases[case]
        resid, diss = float(c["energy_residual_j"]["data"]), float(c["dissipated_energy_j"]["data"])
        assert abs(resid) < 1e-9 * max(diss, 1.0)
        assert float(c["periodicity_error_k"]["data"]) < 1e-5
    hot, cold = cases["hot"], cases["cold"]
    # hot case at end of life (absorptivity grew), cold case at beginning of life
    assert np.all(np.asarray(hot["absorptivity"]["data"]) > np.asarray(cold["absorptivity"]["data"]))
    # the heaters sized by the steady cold case hold the periodic orbit within 0.5 K of the required margin
    margin = _cfg_value("loop", "coolant_freeze_margin_k")
    assert float(cold["freeze_margin_k"]["data"]) >= margin - 0.5
    # the junction in the hot case stays under its limit over the whole orbit (quasi-steady estimate)
    assert np.max(hot["junction_k"]["data"]) <= _cfg_value("mission", "junction_limit_k") + 0.5


@pytest.fixture(scope="module")
def variants():
    """The configured small design evaluated twice: as configured (heaters, arrays in view) and with
    the freeze protection off and the arrays out of view (the study's compiled value program: the
    configured one is shared with the other tests of the small config, the variant compiles once)."""
    from studies.analysis import build
    from studies.config import load_config
    from studies.analysis.study import kernels_for

    out = {}
    for name, over in (("base", {}), ("bare", {"cold_case": {"freeze_protection": "none"},
                                             "radiator": {"layout": {"array_view": False}}})):
        cfg, _ = load_config(GOLDEN / "small_satellite.toml", overrides=over)
        orb = cfg.orbits[0]
        mission = build.build_mission(cfg, build.mission_geometry(orb, math.radians(-59.2)))
        vs = build.build_variables(cfg, orb)
        k = kernels_for(vs, mission, build.build_numerics(cfg))
        out[name] = {key: np.asarray(v) for key, v in k.evaluate(vs.baseline(), mission).items()}
    return out


def test_freeze_protection_and_array_view_move_the_answer_the_right_way(variants):
    base, bare = variants["base"], variants["bare"]
    # payload off on the coldest orbit: a bare water loop freezes, the heaters hold freezing + margin
    assert float(bare["cold_min_coolant_k"]) < 273.15
    assert float(bare["g_coolant_freeze"]) < 0.0
    assert float(base["g_coolant_freeze"]) >= -1e-6
    assert float(base["heater_power_w"]) > 0.0 and float(bare["heater_power_w"]) == 0.0
    # the heaters are in the cold-case eclipse load the battery carries
    assert float(base["cold_eclipse_load_w"]) > float(base["heater_power_w"])
    # the arrays' infrared warms the radiator: hotter coolant with the arrays in view
    assert float(base["radiator_array_ir_w_m2"]) > 0.0 and float(bare["radiator_array_ir_w_m2"]) == 0.0
    # ... in the cold case too (eclipsed arrays at their Earth-infrared equilibrium: far less)
    assert 0.0 < float(base["cold_radiator_array_ir_w_m2"]) < float(base["radiator_array_ir_w_m2"])
    assert float(bare["cold_radiator_array_ir_w_m2"]) == 0.0
    assert float(base["radiator_space_view"]) < 1.0 and float(bare["radiator_space_view"]) == 1.0
    assert float(base["radiator_inlet_k"]) > float(bare["radiator_inlet_k"])


@pytest.mark.parametrize("case", ["hot", "cold"])
def test_array_infrared_follows_the_array_plate_balance(case):
    """The arrays' infrared on the radiator (both cases): in eclipse the array sits at its Earth-infrared
    equilibrium, eps_f IR_f + eps_b IR_b = (eps_f + eps_b) sigma T^4 (closed form); in sunlight it is
    far hotter; the radiator receives coupling x T^4 at each sample."""
    import jax.numpy as jnp

    import power
    from studies.analysis import build
    from studies.config import load_config
    from studies.model.cases import array_infrared, case_environment

    cfg, _ = load_config(GOLDEN / "small_satellite.toml")
    orb = cfg.orbits[0]
    mission = build.build_mission(cfg, build.mission_geometry(orb, math.radians(-59.2)))
    design, numerics = build.build_variables(cfg, orb).baseline(), build.build_numerics(cfg)
    coupling = jnp.array([0.03, 0.05]) * 5.670374419e-8
    lw, t = array_infrared(design, mission, numerics, case, coupling, 1e14)
    env = case_environment(design, mission, numerics, case, "sun_facing")
    arr = power.ArrayDesign(area_m2=design.array_area_m2, coverglass_thickness_m=design.coverglass_thickness_m)
    ef, eb = float(arr.front_emittance), float(arr.back_emittance)
    ir = ef * np.asarray(env.face_a.earth_ir_w_m2) + eb * np.asarray(env.face_b.earth_ir_w_m2)
    t_eclipse = (ir / ((ef + eb) * 5.670374419e-8)) ** 0.25
    dark = np.asarray(env.samples.sunlit) < 1e-9
    assert dark.sum() >= 3 and (~dark).sum() >= 3
    np.testing.assert_allclose(np.asarray(t)[dark], t_eclipse[dark], rtol=1e-6)
    assert np.min(np.asarray(t)[~dark]) > np.max(t_eclipse[dark]) + 50.0
    np.testing.assert_allclose(np.asarray(lw), np.asarray(coupling)[None, :] * np.asarray(t)[:, None] ** 4,
                               rtol=1e-12)


def test_trapped_flux_multiplier_scales_the_trapped_dose_only():
    """Dose is linear in the fluxes: the multiplier scales the trapped components; the solar protons
    and the shield are untouched, so total(m) = m x trapped(1) + solar(1)."""
    import equinox as eqx
    import jax.numpy as jnp

    from studies.analysis import build


    from studies.config import load_config
    from studies.model import Mission, Numerics
    from studies.model import environment, radiation

    cfg, _ = load_config(GOLDEN / "small_satellite.toml")
    design = build.build_variables(cfg, cfg.orbits[0]).baseline()
    env = environment.run(design, Mission(), Numerics())
    env = eqx.tree_at(lambda e: e.inclination_rad, env, jnp.radians(97.8))
    one = radiation.run(design, Mission(), env).__dict__
    two = radiation.run(design, eqx.tree_at(lambda m: m.trapped_flux_multiplier, Mission(), jnp.asarray(2.0)),
                        env).__dict__
    trapped = float(one["tid_trapped_electron_si_gy"]) + float(one["tid_trapped_proton_si_gy"])
    solar = float(one["tid_solar_proton_si_gy"])
    assert float(two["tid_si_gy"]) == pytest.approx(2.0 * trapped + solar, rel=1e-9)
    assert float(two["tid_solar_proton_si_gy"]) == pytest.approx(solar, rel=1e-12)
    assert float(two["cell_fluence_1mev_cm2"]) > float(one["cell_fluence_1mev_cm2"])
    assert float(two["see_hbm_uecc_per_chip_year"]) > float(one["see_hbm_uecc_per_chip_year"])
