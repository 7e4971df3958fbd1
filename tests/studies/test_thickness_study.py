"""studies.thickness_study.run_thickness_design on a tiny panel (the same grid, zones and
numerics as tests/thermal/test_radiator_thickness.py, so one compiled program serves both):
result contents, constraint satisfaction, KKT point, figure written."""
import numpy as np
import pytest

from studies.thickness_study import run_thickness_design
from thermal.radiator import Numerics

NUM = Numerics(nx=8, ny=8, rtol=1e-13, newton_krylov_rtol=1e-8, adjoint_rtol=1e-14)
KW = dict(length_m=1.0, width_m=0.6, n_tubes=2, tube_pitch_m=0.3, tube_conductance_w_m_k=150.0,
          conductivity_w_m_k=170.0, emissivity=(0.88, 0.8), absorptivity=(0.2, 0.25), mass_flow_kg_s=4e-3,
          specific_heat_j_kg_k=3500.0, inlet_temperature_k=340.0, numerics=NUM, zones=(8, 4),
          thickness_bounds_m=(5e-5, 4e-3), ks_rho_per_k=2.0)


def test_run_thickness_design_small(tmp_path):
    fig = tmp_path / "thickness.png"
    out = run_thickness_design(**KW, heat_required_w=400.0, max_temperature_k=400.0, timing_repeats=0,
                               fin_check=False, figure_path=str(fig))
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
