"""Uncertainty propagation (studies.analysis.uncertainty): sampler vs declared distributions (KS),
propagation of an analytic function with known quantiles, Sobol indices of the Ishigami
function against their analytic values, and one small end-to-end run through the coupled
model (compiled once, module-scoped)."""
import math
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from studies import archive as ar
from studies.analysis import uncertain_inputs as UI
from studies.analysis import uncertainty as U
from studies.io import plots
from studies.io.report import format_uncertainty
from studies.io.results import uncertainty_group
from studies.model import Mission

CONFIG = Path(__file__).resolve().parents[1] / "golden" / "small_satellite.toml"

TABLE = (
    UI.Uncertain("mission.payload_power_w", "normal", (1.0, 0.05)),
    UI.Uncertain("mission.launch_cost_usd_per_kg", "lognormal", (400.0, 0.3), relative=False),
    UI.Uncertain("environment.olr_w_m2", "triangular", (0.9, 1.0, 1.2)),
    UI.Uncertain("mass.radiator_support_areal_mass_kg_m2", "uniform", (0.5, 2.0)),
)


def test_sampler_reproduces_the_declared_distributions():
    targets, skipped = UI.resolve_inputs(TABLE, Mission())
    assert not skipped and [t.key for t in targets] == [e.key for e in TABLE]
    for method in ("lhs", "mc"):
        x = U.sample_variates(targets, 2000, seed=3, method=method)
        for t in targets:
            d = t.entry.distribution()
            assert stats.kstest(x[t.key], d.cdf).pvalue > 0.01, (method, t.key)
            assert np.mean(x[t.key]) == pytest.approx(d.mean(), rel=0.02)
            assert np.std(x[t.key]) == pytest.approx(d.std(), rel=0.08)
    # LHS: exactly one sample per probability stratum of every input
    x = U.sample_variates(targets, 64, seed=1)
    for t in targets:
        u = t.entry.distribution().cdf(x[t.key])
        assert sorted(np.floor(u * 64).astype(int)) == list(range(64))
    # the values are the variates times the configured value (relative) or the variates (absolute)
    assert np.allclose(targets[0].values(x["mission.payload_power_w"])[0], 150e3 * x["mission.payload_power_w"])
    assert np.allclose(targets[1].values(x["mission.launch_cost_usd_per_kg"])[0], x["mission.launch_cost_usd_per_kg"])


def test_truncation_to_the_allowed_range_and_correlated_keys():
    wide = UI.Uncertain("radiator.face_a.absorptivity", "normal", (1.0, 3.0), also=("radiator.face_b.absorptivity",))
    (t,), _ = UI.resolve_inputs([wide], Mission())
    assert t.bounds == (0.0, pytest.approx(1.0 / 0.15))        # absorptivity in [0, 1]
    x = U.sample_variates([t], 3000, seed=2, method="mc")[t.key]
    a, b = t.values(x)
    assert a.min() >= 0.0 and a.max() <= 1.0 and np.array_equal(a, b)
    d = wide.distribution()
    lo, hi = d.cdf(t.bounds[0]), d.cdf(t.bounds[1])
    assert stats.kstest(x, lambda v: (d.cdf(v) - lo) / (hi - lo)).pvalue > 0.01


def test_resolution_messages_and_bad_tables():
    rows = [UI.Uncertain("environment.future_multiplier", "lognormal", (1.0, 0.25)),
            UI.Uncertain("mass.radiator_areal_density_kg_m2", "uniform", (0.8, 1.2))]
    targets, skipped = UI.resolve_inputs(rows, Mission())
    assert not targets
    assert "not an input of this model yet" in dict(skipped)["environment.future_multiplier"]
    assert "unset in this configuration" in dict(skipped)["mass.radiator_areal_density_kg_m2"]
    # every row of the declared table names an input the model now declares
    names = [t.key for t in UI.resolve_inputs(UI.UNCERTAIN_INPUTS, Mission())[0]]
    assert {"environment.trapped_flux_multiplier", "mission.cell_degradation_multiplier"} <= set(names)
    with pytest.raises(ValueError, match="static"):
        UI.resolve_inputs([UI.Uncertain("mission.n_chips", "uniform", (0.9, 1.1))], Mission())
    with pytest.raises(ValueError, match="declared twice"):
        UI.resolve_inputs([TABLE[0], TABLE[0]], Mission())
    with pytest.raises(ValueError, match="lo <= mode <= hi"):
        UI.Uncertain("environment.albedo", "triangular", (1.0, 0.5, 2.0))
    with pytest.raises(ValueError, match="dist"):
        UI.Uncertain("environment.albedo", "weibull", (1.0, 0.5))
    with pytest.raises(ValueError, match="no probability"):
        UI.resolve_inputs([UI.Uncertain("environment.albedo", "uniform", (5.0, 6.0), relative=False)], Mission())
    t = UI.parse_inputs([{"key": "environment.albedo", "dist": "uniform", "params": [0.9, 1.1]}])
    assert [e for e in t if e.key == "environment.albedo"][0].params == (0.9, 1.1)
    assert len(t) == len(UI.UNCERTAIN_INPUTS)
    with pytest.raises(ValueError, match="unknown key"):
        UI.parse_inputs([{"key": "environment.albedo", "dist": "uniform", "params": [0.9, 1.1], "sd": 1}])


def _analytic(mission, targets):
    """y = power factor x launch price factor: a product of independent log-normals."""
    def fn(p):
        a, b = p["mission.payload_power_w"], p["mission.launch_cost_usd_per_kg"]
        return {"y": a * b, "z": a + 0.0 * b, "worst_constraint": jnp.ones_like(a), "converged": jnp.ones_like(a)}
    return fn


def test_propagation_of_an_analytic_function_through_the_sweep_engine():
    table = (UI.Uncertain("mission.payload_power_w", "lognormal", (1.0, 0.2)),
             UI.Uncertain("mission.launch_cost_usd_per_kg", "lognormal", (1.0, 0.3)))
    r = U.run_uncertainty(Mission(), design=object(), n_samples=4000, seed=5, table=table, model=_analytic,
                          chunk_size=1024, progress=None)
    s = math.hypot(0.2, 0.3)                 # ln y ~ N(0, s^2)
    ref = np.exp(stats.norm.ppf(U.QUANTILES) * s)
    np.testing.assert_allclose(r.stats["y"]["quantiles"], ref, rtol=0.03)
    assert r.stats["y"]["mean"] == pytest.approx(math.exp(s * s / 2), rel=0.01)
    assert r.nominal["y"] == pytest.approx(1.0)
    # tornado: one input at its own P5 / P95, the other at its configured value
    np.testing.assert_allclose(r.tornado["y"][0], np.exp(stats.norm.ppf([0.05, 0.95]) * 0.2), rtol=1e-12)
    np.testing.assert_allclose(r.tornado["y"][1], np.exp(stats.norm.ppf([0.05, 0.95]) * 0.3), rtol=1e-12)
    np.testing.assert_allclose(r.inputs["mission.payload_power_w"], 150e3 * r.outputs["z"], rtol=1e-12)
    assert r.feasible_fraction == 1.0


def test_unconverged_samples_are_never_statistics():
    table = (UI.Uncertain("mission.payload_power_w", "uniform", (0.5, 1.5)),)

    def flaky(mission, targets):   # "does not converge" above 1.25 x nominal power
        def fn(p):
            a = p["mission.payload_power_w"]
            return {"y": a, "worst_constraint": jnp.ones_like(a), "converged": (a < 1.25).astype(a.dtype)}
        return fn

    r = U.run_uncertainty(Mission(), design=object(), n_samples=400, seed=2, table=table, model=flaky, progress=None)
    assert r.converged_fraction == pytest.approx(0.75, abs=0.01)
    assert r.stats["y"]["quantiles"][2] < 1.25            # P95 of the converged samples only
    assert np.isnan(r.tornado["y"][0, 1])                  # the P95 point (1.45) did not converge
    assert "did not converge" in format_uncertainty(r, metrics=("y",))

    def never(mission, targets):
        def fn(p):
            a = p["mission.payload_power_w"]
            return {"y": a, "worst_constraint": a, "converged": jnp.zeros_like(a)}
        return fn

    with pytest.raises(ValueError, match="did not converge"):
        U.run_uncertainty(Mission(), design=object(), n_samples=4, table=table, model=never, progress=None)
    with pytest.raises(ValueError, match="vectorize = 'vmap' with compiled_evaluate; allowed: 'host' or None"):
        U.run_uncertainty(Mission(), design=object(), n_samples=4, table=table, progress=None, vectorize="vmap",
                          compiled_evaluate=lambda d, m: {})


def test_sobol_indices_of_the_ishigami_function():
    a, b = 7.0, 0.1
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a * a / 8
    v13 = b * b * math.pi**8 * 8 / 225
    v = v1 + v2 + v13
    s1 = np.array([v1, v2, 0.0]) / v               # 0.314, 0.442, 0
    st = np.array([v1 + v13, v2, v13]) / v         # 0.558, 0.442, 0.244
    assert np.allclose(s1, [0.3139, 0.4424, 0.0], atol=1e-4) and np.allclose(st, [0.5576, 0.4424, 0.2437], atol=1e-4)

    def ishigami(x):
        return {"y": np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])}

    uniform = lambda u: -math.pi + 2 * math.pi * np.asarray(u)
    r = U.sobol_indices(ishigami, [uniform] * 3, 1024, seed=1)["y"]
    np.testing.assert_allclose(r["S1"], s1, atol=0.03)
    np.testing.assert_allclose(r["ST"], st, atol=0.03)
    with pytest.raises(ValueError, match="power of 2"):
        U.sobol_indices(ishigami, [uniform] * 3, 1000)


# ------------------------------------------------------------------------------------------------
# end to end through the coupled model (one compilation for the module)
# ------------------------------------------------------------------------------------------------

E2E_TABLE = (
    UI.Uncertain("radiator.face_a.absorptivity", "uniform", (0.9, 1.6), also=("radiator.face_b.absorptivity",)),
    UI.Uncertain("mission.launch_cost_usd_per_kg", "triangular", (0.2, 1.0, 5.4)),
    UI.Uncertain("service.failure_rate_per_chip_year", "uniform", (0.03, 0.11), relative=False),
    UI.Uncertain("environment.trapped_flux_multiplier", "lognormal", (1.0, 0.25)),
    UI.Uncertain("mass.radiator_areal_density_kg_m2", "uniform", (0.8, 1.2)),
    UI.Uncertain("environment.density_scale", "lognormal", (1.0, 0.25)),
)


@pytest.fixture(scope="module")
def e2e():
    """Samples, nominal and tornado of the configured small design through the study's compiled value
    program (``kernels_for``, as ``sunsink run`` passes it): compiled once per test session and shared
    with tests/studies/test_satellite.py's golden run (the hot-case beta is read from the golden
    archive, not re-scanned)."""
    import h5py

    from studies.analysis import build


    from studies.config import load_config
    from studies.analysis.study import kernels_for

    cfg, _ = load_config(CONFIG)
    with h5py.File(CONFIG.with_suffix(".h5")) as f:
        beta = float(f["orbits/dawn_dusk_sso_600_km/beta_design_deg"][()])
    orb = cfg.orbits[0]
    mission = build.build_mission(cfg, build.mission_geometry(orb, math.radians(beta)))
    vs, numerics = build.build_variables(cfg, orb), build.build_numerics(cfg)
    design = vs.baseline()
    k = kernels_for(vs, mission, numerics)
    r = U.run_uncertainty(mission, design, n_samples=8, seed=0, numerics=numerics, table=E2E_TABLE, chunk_size=32,
                          progress=None, compiled_evaluate=k.evaluate)
    assert k._evaluation._cache_size() == 1   # no program but the study's value program
    return r, design, mission, numerics


@pytest.mark.slow
def test_end_to_end_small_satellite(e2e, tmp_path):
    import jax

    from studies.analysis.service import ServiceParameters, service_summary

    r, design, mission, numerics = e2e
    assert [t.key for t in r.targets] == ["radiator.face_a.absorptivity", "mission.launch_cost_usd_per_kg",
                                          "service.failure_rate_per_chip_year", "environment.trapped_flux_multiplier",
                                          "environment.density_scale"]
    assert {k for k, _ in r.skipped} == {"mass.radiator_areal_density_kg_m2"}
    assert r.converged_fraction == 1.0
    for k in ("total_mass_kg", "cost_per_kw_year_usd", "service_cost_per_delivered_kw_year_usd", "g_junction"):
        assert np.all(np.isfinite(r.outputs[k])) and r.outputs[k].shape == (8,)
    # the nominal variates reproduce the configured mission leaf by leaf; others set exactly their fields
    nominal_x = {t.key: t.nominal_variate for t in r.targets}
    same = U.perturb(mission, r.targets, nominal_x)
    assert all(float(a) == float(b) for a, b in zip(jax.tree_util.tree_leaves(same), jax.tree_util.tree_leaves(mission)))
    moved = U.perturb(mission, r.targets, dict(nominal_x, **{"radiator.face_a.absorptivity": 1.5}))
    assert float(moved.face_a_absorptivity) == float(moved.face_b_absorptivity) == pytest.approx(0.225)
    assert float(moved.launch_cost_usd_per_kg) == float(mission.launch_cost_usd_per_kg)
    nominal = {k: jnp.asarray(v) for k, v in r.nominal.items()}
    svc = service_summary(nominal, mission, ServiceParameters())
    assert r.nominal["service_kw_years_no_spares"] == pytest.approx(float(svc["service_kw_years_no_spares"]), rel=1e-10)
    # physics of the tornado: a darker coating heats the fixed radiator; the launch price leaves the mass
    # alone and scales the launch cost per kW-year linearly; failures cost delivered compute, not mass
    t = r.tornado
    assert t["radiator_mean_k"][0, 1] > r.nominal["radiator_mean_k"] > t["radiator_mean_k"][0, 0]
    np.testing.assert_allclose(t["total_mass_kg"][1], r.nominal["total_mass_kg"], rtol=1e-12)
    np.testing.assert_allclose(t["cost_per_kw_year_usd"][1] / r.nominal["cost_per_kw_year_usd"],
                               r.tornado_inputs[1], rtol=1e-10)
    np.testing.assert_allclose(t["total_mass_kg"][2], r.nominal["total_mass_kg"], rtol=1e-12)
    assert t["service_kw_years_no_spares"][2, 0] > t["service_kw_years_no_spares"][2, 1]
    # the trapped-flux multiplier scales the trapped dose (solar protons unchanged) and cuts the EOL array power
    trapped = r.nominal["tid_trapped_electron_si_gy"] + r.nominal["tid_trapped_proton_si_gy"]
    np.testing.assert_allclose(t["tid_si_gy"][3] - r.nominal["tid_solar_proton_si_gy"],
                               r.tornado_inputs[3] * trapped, rtol=1e-9)
    assert t["array_eol_w"][3, 1] < r.nominal["array_eol_w"] < t["array_eol_w"][3, 0]
    # the density scale multiplies the mission-mean density and raises the propellant
    np.testing.assert_allclose(t["mean_density_kg_m3"][4] / r.nominal["mean_density_kg_m3"], r.tornado_inputs[4],
                               rtol=1e-10)
    assert t["mass_propellant_kg"][4, 1] > r.nominal["mass_propellant_kg"] > t["mass_propellant_kg"][4, 0]
    # across the samples: cost per kW-year is launch price x mass / (P L), sample by sample
    lam = r.inputs["mission.launch_cost_usd_per_kg"]
    np.testing.assert_allclose(r.outputs["cost_per_kw_year_usd"],
                               lam * r.outputs["total_mass_kg"] / (150.0 * 5.0), rtol=1e-10)
    text = format_uncertainty(r)
    assert "P5" in text and "skipped mass.radiator_areal_density_kg_m2" in text and "tornado" in text
    path = ar.write_archive(tmp_path / "u.h5", {"uncertainty": uncertainty_group(r)})
    back = ar.read_archive(path)["uncertainty"]
    np.testing.assert_allclose(back["outputs"]["total_mass_kg"]["data"], r.outputs["total_mass_kg"])
    assert back["statistics"]["total_mass_kg"]["attrs"]["units"] == "kg"
    fig = plots.tornado_figure({"uncertainty": back}, "total_mass_kg")
    fig.savefig(tmp_path / "tornado.png")
    assert (tmp_path / "tornado.png").stat().st_size > 1000


def test_study_passes_the_config_rows_to_the_propagation(monkeypatch):
    """``[[uncertainty.inputs]]`` reaches studies.analysis.uncertainty.run_uncertainty from the study."""
    import tomllib
    from pathlib import Path

    from studies.analysis import study as SS
    from studies.config import parse_config

    base = tomllib.loads((Path(__file__).resolve().parents[2] / "studies" / "baseline_150kw.toml").read_text())
    base["uncertainty"] = {"enabled": True, "replace_defaults": True,
                           "inputs": [{"key": "environment.albedo", "dist": "uniform", "params": [0.5, 1.5]}]}
    cfg = parse_config(base)
    seen = {}
    monkeypatch.setattr(SS, "run_uncertainty", lambda *a, **kw: seen.update(kw) or "ran")
    assert SS.uncertainty_at(cfg, None, None, None) == "ran"
    assert [(e.key, e.params) for e in seen["table"]] == [("environment.albedo", (0.5, 1.5))]
