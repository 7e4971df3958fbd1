"""studies.analysis.thickness_study.run_thickness_design on a tiny panel (the same grid, zones and
numerics as tests/thermal/test_radiator_thickness.py, so one compiled program serves both):
result contents, constraint satisfaction, KKT point, figure written."""
import numpy as np
import pytest

from studies.analysis.thickness_study import run_thickness_design
from studies.io import plots
from thermal.radiator import Numerics

NUM = Numerics(nx=8, ny=8, rtol=1e-13, newton_krylov_rtol=1e-8, adjoint_rtol=1e-14)
KW = dict(length_m=1.0, width_m=0.6, n_tubes=2, tube_pitch_m=0.3, tube_conductance_w_m_k=150.0,
          conductivity_w_m_k=170.0, emissivity=(0.88, 0.8), absorptivity=(0.2, 0.25), mass_flow_kg_s=4e-3,
          specific_heat_j_kg_k=3500.0, inlet_temperature_k=340.0, numerics=NUM, zones=(8, 4),
          thickness_bounds_m=(5e-5, 4e-3), ks_rho_per_k=2.0)


def test_run_thickness_design_small(tmp_path):
    fig = tmp_path / "thickness.png"
    out = run_thickness_design(**KW, heat_required_w=400.0, max_temperature_k=400.0, timing_repeats=0,
                               fin_check=False)
    plots.save(plots.thickness_figure(dict(out, panel_length_m=1.0, panel_width_m=0.6, n_tubes=2, tube_pitch_m=0.3),
                                      "minimum-mass sheet thickness"), fig)
    assert out["success"], out["message"]
    assert out["n_vars"] == 32 and out["zone_thickness_m"].shape == (8, 4) and out["thickness_m"].shape == (8, 8)
    assert abs(out["heat_rejected_w"] - 400.0) <= 1e-5 * 400.0
    assert out["ks_temperature_k"] <= 400.0 and out["max_temperature_k"] <= out["ks_temperature_k"]
    assert out["constraint_violation"] < 1e-7 and out["kkt_residual"] < 1e-3
    assert 0.0 < out["mass_saving"] < 1.0
    assert np.isclose(out["mass_kg"], out["reference_mass_kg"] * (1.0 - out["mass_saving"]), rtol=1e-12)
    assert out["fin"] is None
    assert fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unreachable_requirement_is_one_clear_error():
    with pytest.raises(ValueError, match="heat_required_w"):
        run_thickness_design(**KW, heat_required_w=1e6, timing_repeats=0, fin_check=False)


def test_thickness_design_of_the_study_panel_from_the_golden_archive(tmp_path):
    """The [thickness_design] option at the small study's optimum (archived design and metrics, no
    coupled-model compilation).  On the study's own radiator grid (one cell per zone), the standalone
    panel built from the study's inputs rejects exactly the heat the coupled loop's panels reject
    (an independent path: thermal.radiator.solve_steady vs thermal.solve_loop's radiator), and the
    optimal map rejects that heat with less sheet under the temperature limit; archive group and
    figure written from it."""
    from types import SimpleNamespace

    import math
    from pathlib import Path

    from studies import archive as ar
    from studies.analysis import build
    from studies.io import plots
    from studies.config import load_config
    from studies.model.design import SatelliteDesign
    from studies.io.results import thickness_design_group
    from studies.analysis.thickness_study import thickness_design_at

    golden = Path(__file__).resolve().parents[1] / "golden"
    tree = ar.read_archive(golden / "small_satellite.h5")
    sat = tree["satellite"]["dawn_dusk_sso_600_km"]
    cfg, _ = load_config(golden / "small_satellite.toml")
    names = [str(n) for n in sat["design"]["variable"]["data"]]
    design = SatelliteDesign(**{n: float(v) for n, v in zip(names, sat["design"]["final"]["data"])})
    metrics = {k: float(v["data"]) for k, v in sat["metrics"].items() if k != "attrs" and np.ndim(v["data"]) == 0}
    mission = build.build_mission(cfg, build.mission_geometry(cfg.orbits[0], math.radians(float(sat["attrs"]["hot_beta_deg"]))))
    num = build.build_numerics(cfg)
    options = SimpleNamespace(zones_along_tubes=num.radiator_nx,
                              zones_per_tube_pitch=num.radiator_ny // num.n_tubes_per_panel, cells_per_zone=1,
                              maxiter=100, max_temperature_k=None)
    td = thickness_design_at(options, design, mission, num, metrics)
    assert td["success"], td["message"]
    assert td["n_vars"] == 96 and td["zone_thickness_m"].shape == (12, 8)
    # the uniform sheet of one panel x the panel count = the coupled model's radiator heat (same grid)
    assert td["heat_required_w"] * metrics["radiator_n_panels"] == pytest.approx(metrics["radiator_heat_rejected_w"],
                                                                                 rel=1e-6)
    assert td["heat_rejected_w"] >= td["heat_required_w"] * (1.0 - 1e-5)
    assert td["ks_temperature_k"] <= td["max_temperature_limit_k"] + 1e-6
    assert td["max_temperature_limit_k"] == pytest.approx(metrics["radiator_inlet_k"] + 10.0)
    assert td["mass_kg"] < td["reference_mass_kg"]
    assert td["reference_thickness_m"] == pytest.approx(design.radiator_thickness_m)
    group = thickness_design_group(td)
    back = ar.read_archive(ar.write_archive(tmp_path / "td.h5", {"thickness_design": group}))["thickness_design"]
    assert np.asarray(back["zone_thickness_m"]["data"]).shape == (12, 8)
    assert back["zone_thickness_m"]["attrs"]["units"] == "m"
    fig_path = tmp_path / "thickness.png"
    plots.save(plots.thickness_figure(td, "test"), fig_path)
    assert fig_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the archived group of the golden study (written by `sunsink run`) has the same map shape
    assert np.asarray(sat["thickness_design"]["zone_thickness_m"]["data"]).shape == (8, 4)


@pytest.mark.parametrize("t_ref", [3e-4, 6.2e-4, 1.5e-3])
def test_uniform_reference_recovers_the_thickness_that_set_the_requirement(t_ref):
    """Q_req from a uniform sheet of t_ref: the reference the saving is measured against is that same
    sheet (to the Newton tolerance), whichever side the Newton iterates approach from."""
    out = run_thickness_design(**KW, reference_thickness_m=t_ref, max_temperature_k=400.0, timing_repeats=0,
                               fin_check=False, maxiter=1)
    assert out["reference_thickness_m"] == pytest.approx(t_ref, rel=1e-6)
