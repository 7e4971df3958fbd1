"""End to end: sunsink run / inspect / report / rerun on a small study."""

import h5py
import numpy as np
import pytest

from orbit.constants import STEFAN_BOLTZMANN_W_M2_K4 as SIGMA
from studies import archive as ar
from studies.cli import main

SMALL = """
[study]
name = "small"
[mission]
payload_power_w = 20000.0
[[orbits]]
name = "sso 700"
altitude_m = 700e3
family = "sso"
ltan_hours = 6.0
[[orbits]]
name = "incl 45"
altitude_m = 500e3
family = "inclined"
inclination_deg = 45.0
[radiator]
temperature_k = 320.0
[radiator.face_b]
emissivity = 0.8
absorptivity = 0.3
[numerics]
n_orbit_samples = 36
n_beta_cases = 5
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("run")
    cfg = d / "small.toml"
    cfg.write_text(SMALL)
    assert main(["run", str(cfg), "--out", str(d / "out")]) == 0
    return d


def test_run_writes_archive_and_figures(run_dir, capsys):
    out = run_dir / "out"
    assert (out / "small.h5").is_file()
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert "radiator_area_vs_temperature.png" in pngs and len(pngs) == 3


def test_archive_energy_balance_and_units(run_dir):
    tree = ar.read_archive(run_dir / "out" / "small.h5")
    for key, g in tree["orbits"].items():
        if key == "attrs":
            continue
        area = float(g["level0_area_m2"]["data"])
        eps = np.asarray(g["emissivity"]["data"])
        q = np.asarray(g["absorbed_mean_w_m2"]["data"])
        t = float(g["design_temperature_k"]["data"])
        # Level-0 identity: Q = A (sigma T^4 sum eps - sum q).
        assert area * (SIGMA * t**4 * eps.sum() - q.sum()) == pytest.approx(20000.0, rel=1e-10)
        # The archived time series average to the archived orbit mean.
        np.testing.assert_allclose(np.asarray(g["environment"]["absorbed_w_m2"]["data"]).mean(0), q, rtol=1e-12)
    with h5py.File(run_dir / "out" / "small.h5") as f:
        def check(name, obj):
            if isinstance(obj, h5py.Dataset):
                assert "units" in obj.attrs and "long_name" in obj.attrs, name
        f.visititems(check)


def test_inspect_and_report(run_dir, capsys, tmp_path):
    archive = run_dir / "out" / "small.h5"
    assert main(["inspect", str(archive)]) == 0
    text = capsys.readouterr().out
    assert "[W m-2]" in text and "level0_area_m2" in text
    assert main(["report", str(archive), "--out", str(tmp_path / "figs")]) == 0
    assert len(list((tmp_path / "figs").glob("*.png"))) == 3


def test_rerun_reproduces(run_dir):
    archive = run_dir / "out" / "small.h5"
    assert main(["rerun", str(archive), "--out", str(run_dir / "rerun")]) == 0
    a = ar.read_archive(archive)["orbits"]
    b = ar.read_archive(run_dir / "rerun" / "small.h5")["orbits"]
    for key in ("sso_700", "incl_45"):
        assert float(a[key]["level0_area_m2"]["data"]) == float(b[key]["level0_area_m2"]["data"])


def test_bad_config_fails_before_work(tmp_path, capsys):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(SMALL.replace("altitude_m = 700e3", "altitude_m = 70e3"))
    assert main(["run", str(cfg), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "orbits[0].altitude_m = 70000.0 is outside the allowed range" in err
    assert not (tmp_path / "o").exists()


def test_hot_case_is_the_hottest_beta(run_dir):
    tree = ar.read_archive(run_dir / "out" / "small.h5")
    g = tree["orbits"]["incl_45"]
    scan = np.asarray(g["beta_scan"]["absorbed_mean_w_m2"]["data"]).sum(1)
    assert np.asarray(g["absorbed_mean_w_m2"]["data"]).sum() == pytest.approx(scan.max(), rel=1e-12)
    # The precession sweep of a 45 deg orbit spans beta in +/-(45 + 23.44) deg.
    assert np.max(np.abs(g["beta_scan"]["beta_deg"]["data"])) == pytest.approx(68.44, abs=1e-9)
