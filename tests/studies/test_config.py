"""Study config validation: every bad key path is named with value and range."""
import copy
import tomllib
from pathlib import Path

import pytest

from studies.config import ConfigError, load_config, loads_config, parse_config

BASELINE = Path(__file__).resolve().parents[2] / "studies" / "baseline_150kw.toml"


@pytest.fixture()
def base():
    return tomllib.loads(BASELINE.read_text())


def test_baseline_parses():
    cfg, text = load_config(BASELINE)
    assert cfg.mission.payload_power_w == 150e3
    assert [o.family for o in cfg.orbits] == ["sso", "inclined"]
    assert [o.free_altitude for o in cfg.orbits] == [True, False]
    assert cfg.radiator.face_a.emissivity == 0.91
    assert "payload_power_w" in text


def _set(d, path, value):
    keys = path.split(".")
    for k in keys[:-1]:
        d = d[int(k)] if k.isdigit() else d[k]
    last = keys[-1]
    if value is KeyError:
        del d[last]
    else:
        d[last] = value


BAD = [
    ("mission.payload_power_w", -5.0, r"mission\.payload_power_w = -5\.0 is outside the allowed range \[1000, 1e\+07\] W"),
    ("mission.payload_power_w", "lots", r"mission\.payload_power_w = 'lots' has type str"),
    ("radiator.face_a.emissivity", 0.0, r"radiator\.face_a\.emissivity = 0\.0 is outside the allowed range \(0, 1\]"),
    ("radiator.face_b.emissivity", 1.2, r"radiator\.face_b\.emissivity = 1\.2 is outside"),
    ("radiator.face_a.absorptivity", -0.1, r"radiator\.face_a\.absorptivity = -0\.1"),
    ("radiator.temperature_k", 0.0, r"radiator\.temperature_k = 0\.0 is outside the allowed range \(0, 1000\] K"),
    ("radiator.temperature_k", -10.0, r"radiator\.temperature_k"),
    ("radiator.temperature_range_k", [300.0], r"radiator\.temperature_range_k .* exactly 2"),
    ("radiator.temperature_range_k", [380.0, 300.0], r"must be increasing"),
    ("radiator.attitude", "tumbling", r"radiator\.attitude = 'tumbling' is not allowed"),
    ("orbits.0.altitude_m", 100e3, r"orbits\[0\]\.altitude_m = 100000\.0 is outside the allowed range \[150000, 4e\+07\] m"),
    ("orbits.1.altitude_m", 50000e3, r"orbits\[1\]\.altitude_m = 50000000\.0 is outside"),
    ("orbits.1.inclination_deg", 200.0, r"orbits\[1\]\.inclination_deg = 200\.0"),
    ("orbits.0.family", "molniya", r"orbits\[0\]\.family = 'molniya'"),
    ("orbits.0.ltan_hours", 25.0, r"orbits\[0\]\.ltan_hours"),
    ("orbits.0.name", KeyError, r"missing required key orbits\[0\]\.name"),
    ("environment.albedo", 1.5, r"environment\.albedo = 1\.5"),
    ("environment.olr_w_m2", float("nan"), r"environment\.olr_w_m2 = nan is not finite"),
    ("numerics.n_orbit_samples", 8, r"numerics\.n_orbit_samples = 8"),
    ("numerics.n_orbit_samples", 100.5, r"numerics\.n_orbit_samples = 100\.5 has type float; expected an integer"),
    ("environment.penumbra", "yes", r"environment\.penumbra = 'yes' has type str; expected true or false"),
    ("radiator.colour", "white", r"unknown key 'radiator\.colour'"),
    ("study.name", KeyError, r"missing required key study\.name"),
]


@pytest.mark.parametrize("path, value, match", BAD, ids=[f"{p}={v}" for p, v, _ in BAD])
def test_bad_key_named(base, path, value, match):
    d = copy.deepcopy(base)
    _set(d, path, value)
    with pytest.raises(ConfigError, match=match):
        parse_config(d)


def test_unknown_top_level_and_missing_tables(base):
    d = copy.deepcopy(base)
    d["orbitz"] = {}
    with pytest.raises(ConfigError, match="unknown key 'orbitz'"):
        parse_config(d)
    d = copy.deepcopy(base)
    del d["orbits"]
    with pytest.raises(ConfigError, match=r"orbits needs at least 1"):
        parse_config(d)
    d = copy.deepcopy(base)
    del d["study"]
    with pytest.raises(ConfigError, match=r"missing required table \[study\]"):
        parse_config(d)


def test_duplicate_orbit_names(base):
    d = copy.deepcopy(base)
    d["orbits"][1]["name"] = d["orbits"][0]["name"]
    with pytest.raises(ConfigError, match="unique"):
        parse_config(d)


def test_invalid_toml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="invalid TOML"):
        loads_config("a = = 1")
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def test_config_is_immutable(base):
    cfg = parse_config(base)
    with pytest.raises(AttributeError):
        cfg.mission.payload_power_w = 1.0


def test_chip_silicon_k_of_t_option(base):
    """numerics.chip_silicon_k_of_t reaches the model's Numerics and the chip geometry it builds."""
    from studies.analysis import build
    from studies.model.inputs import chip_model as _chip_model

    assert build.build_numerics(parse_config(base)).chip_silicon_k_of_t is True    # the baseline's choice
    del base["numerics"]["chip_silicon_k_of_t"]
    assert build.build_numerics(parse_config(base)).chip_silicon_k_of_t is False   # the schema default
    base["numerics"]["chip_silicon_k_of_t"] = True
    n = build.build_numerics(parse_config(base))
    assert n.chip_silicon_k_of_t is True
    model, _ = _chip_model("b200", n.chip_nx, n.chip_ny, n.chip_silicon_k_of_t)
    assert model.nonlinear and not _chip_model("b200", n.chip_nx, n.chip_ny)[0].nonlinear
    base["numerics"]["chip_silicon_k_of_t"] = "yes"
    with pytest.raises(ConfigError, match="chip_silicon_k_of_t"):
        parse_config(base)
