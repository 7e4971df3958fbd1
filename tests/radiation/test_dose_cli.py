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


@pytest.mark.parametrize("argv, msg", [
    (["--altitude-km", "5000", "--inclination-deg", "50"], "altitude_m"),
    (["--altitude-km", "650", "--inclination-deg", "50", "--depths-mm", "-2"], "depths-mm"),
    (["--altitude-km", "650", "--inclination-deg", "50", "--geometry", "box"], "geometry"),
    (["--altitude-km", "650", "--inclination-deg", "150"], "inclination_rad"),
    (["--altitude-km", "650", "--inclination-deg", "50", "--confidence", "0.999"], "confidence"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, msg):
    assert dose_cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("sunsink dose: error:") and msg in err and "\n" not in err and "Traceback" not in err
