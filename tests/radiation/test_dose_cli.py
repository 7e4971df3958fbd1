"""``sunsink dose`` (studies/dose_cli.py): table values, SSO option, one-line errors."""
import numpy as np
import pytest

import orbit
from radiation import mission
from studies import dose_cli


def test_dose_table_matches_mission_dose(capsys):
    rc = dose_cli.main(["--altitude-km", "650", "--sso", "--years", "5", "--depths-mm", "3.7037037", "37.037037"])
    out = capsys.readouterr().out
    assert rc == 0
    lines = [ln for ln in out.splitlines() if ln.strip() and ln.split()[0][0].isdigit()]
    assert len(lines) == 4  # two depths x (Gy table, krad table)
    d = mission.mission_dose(650e3, float(orbit.sso_inclination_rad(650e3)), np.array([1.0, 10.0]), 5.0)
    gy = [float(v) for v in lines[0].split()]
    krad = [float(v) for v in lines[2].split()]
    assert gy[1] == pytest.approx(1.0, rel=1e-3)
    assert gy[6] == pytest.approx(float(d.total_si_gy[0]), rel=1e-3)
    assert gy[7] == pytest.approx(2.0 * float(d.total_si_gy[0]), rel=1e-3)
    assert krad[6] == pytest.approx(float(d.total_si_gy[0]) / 10.0, rel=1e-3)
    assert "SSO" in out and "krad(Si)" in out


ORBIT = ["--altitude-km", "650", "--inclination-deg", "50"]


@pytest.mark.parametrize("argv, msg", [
    (["--altitude-km", "5000", "--inclination-deg", "50"],
     "--altitude-km = 5000 km is outside the allowed range [300, 2000] km (the AE8/AP8 table's altitudes)"),
    (["--altitude-km", "50", "--sso"], "--altitude-km = 50 km is outside the allowed range [300, 2000] km"),
    (["--altitude-km", "nan", "--sso"], "--altitude-km = nan km is not a finite number; the allowed range is "
                                        "[300, 2000] km"),
    (["--altitude-km", "650", "--inclination-deg", "150"],
     "--inclination-deg = 150 deg is outside the allowed range [0, 110] deg"),
    (["--altitude-km", "650", "--inclination-deg=-inf"], "--inclination-deg = -inf deg is not a finite number"),
    ([*ORBIT, "--depths-mm", "1", "-2"], "--depths-mm = -2 mm is outside the allowed range [0, 3704] mm"),
    ([*ORBIT, "--depths-mm", "5000"], "--depths-mm = 5000 mm is outside the allowed range [0, 3704] mm"),
    ([*ORBIT, "--depths-mm", "nan"], "--depths-mm = nan mm is not a finite number"),
    ([*ORBIT, "--years", "inf"], "--years = inf yr is not a finite number; the allowed range is [0.3929, 31.43] yr"),
    ([*ORBIT, "--years", "50"], "--years = 50 yr is outside the allowed range [0.3929, 31.43] yr (the JPL "
                                "solar-proton table; --no-solar for a longer mission)"),
    ([*ORBIT, "--years", "200", "--no-solar"], "--years = 200 yr is outside the allowed range (0, 100] yr"),
    ([*ORBIT, "--years", "nan", "--no-solar"], "--years = nan is not a finite number"),
    ([*ORBIT, "--margin", "0.5"], "--margin = 0.5 is outside the allowed range [1, 100]"),
    ([*ORBIT, "--margin", "inf"], "--margin = inf is not a finite number"),
    ([*ORBIT, "--confidence", "0.999"], "--confidence = 0.999 is outside the allowed range [0.5, 0.99]"),
    ([*ORBIT, "--geometry", "box"], "argument --geometry: invalid choice: 'box'"),
    ([*ORBIT, "--solar-cycle", "sometimes"], "argument --solar-cycle: invalid choice: 'sometimes'"),
    (["--altitude-km", "abc", "--sso"], "argument --altitude-km: invalid float value: 'abc'"),
    (["--altitude-km", "650"], "one of the arguments --inclination-deg --sso is required"),
    ([*ORBIT, "--frobnicate"], "unrecognized arguments: --frobnicate"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, monkeypatch, argv, msg):
    """Every error names the option and its value in the user's units (km, deg, mm, yr) with the allowed
    range, on one line, before the dose is computed."""
    def no_computation(*a, **k):
        raise AssertionError("the dose was computed")

    monkeypatch.setattr(mission, "_mission_core", no_computation)
    with pytest.raises(SystemExit) if "argument" in msg or "unrecognized" in msg else _nothing() as info:
        assert dose_cli.main(argv) == 2
    if info is not None:
        assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("sunsink dose: error:") and msg in err and "\n" not in err and "Traceback" not in err
    assert " m " not in err + " " and " rad" not in err


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def test_ranges_are_the_models_declared_coverage():
    """One source of truth: the stated ranges are the AE8/AP8 table's and the kernels' own limits."""
    from radiation import environment, shielding, solar

    r = dose_cli.ranges()
    t = environment.trapped_table_ranges()
    assert r["altitude_km"] == pytest.approx((t["altitude_m"][0] / 1e3, t["altitude_m"][1] / 1e3))
    assert r["altitude_km"] == pytest.approx((300.0, 2000.0))         # the table's coverage (issue 30)
    assert r["inclination_deg"] == pytest.approx(tuple(np.degrees(t["inclination_rad"])))
    assert r["depth_mm"][1] == pytest.approx(shielding.MAX_DEPTH_G_CM2 / (shielding.AL_DENSITY_G_CM3 / 10))
    lo, hi = solar.active_years_range()
    assert r["years_with_solar"] == pytest.approx((lo / solar.SOLAR_ACTIVE_FRACTION, hi / solar.SOLAR_ACTIVE_FRACTION))


def test_help_states_the_true_ranges(capsys):
    with pytest.raises(SystemExit) as info:
        dose_cli.main(["--help"])
    assert info.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "altitude [km], 300 to 2000 (the AE8/AP8 table)" in out
    assert "inclination [deg], 0 to 110 (the AE8/AP8 table)" in out
    assert "40000" not in out and "150" not in out.split("--inclination-deg")[0]


def test_edges_of_the_table_are_accepted(capsys):
    # two depths, as above: the same compiled program
    assert dose_cli.main(["--altitude-km", "2000", "--sso", "--depths-mm", "1", "2", "--years", "31.4"]) == 0
    assert "2000 km, i = 104." in capsys.readouterr().out
