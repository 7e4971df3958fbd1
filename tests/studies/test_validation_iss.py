"""The ISS EATCS radiator ORU validation case (studies/validation/iss_eatcs_radiator.toml).

What the published data supports, and therefore what is held here:

* the rated heat is a RATING: 35 kW per loop over 3 ORUs = 11.67 kW per ORU, quoted to two
  significant figures (+-0.5 kW, 1.43 %), at the loop's set point 37 F and flow 8200 lb/h;
* the rating's own environment is not in the public record read for the case; the published
  environment is the one the radiator wings are steered to in operation, T_cmd = -51 C +- 8.3 C
  (Broeren 1998).  The rating must hold anywhere in that band, so the case holds a LOWER BOUND:
  at the warm edge of the band the ORU must reject at least 11.67 kW x (1 - 1.43 %) and its mixed
  outlet must reach the set point (+2 F).  sunsink's margin over the bound (about +58 %) is
  reported, not held: no published figure pins it.

The bound is loose, but it can fail: an emittance of 0.45 (instead of Z-93's 0.91) or half the
panels put the warm-edge capability below the rating.  The test grid (4 x 88: 4 cells per tube
pitch) under-predicts the heat by about 1.5 % against the converged value, which only makes the
lower-bound check stricter.
"""
import dataclasses
import math
import re
import tomllib
from pathlib import Path

import pytest

from studies.cli import main
from studies.config import ConfigError
from studies.analysis.validation import load_case, operating_point, parse_case, run

ROOT = Path(__file__).resolve().parents[2]
CASE_PATH = ROOT / "studies" / "validation" / "iss_eatcs_radiator.toml"
SMALL = {"nx": 4, "ny": 88, "refine": False}
CONTEXT = ("altitude_m", "beta_min_deg", "beta_max_deg")


def _small(case):
    """The case on the test grid, without the bare-orbit context rows (another compiled program)."""
    return dataclasses.replace(
        case, numerics=dataclasses.replace(case.numerics, **SMALL),
        environment=dataclasses.replace(case.environment, **{k: None for k in CONTEXT}),
        provenance={k: v for k, v in case.provenance.items() if k.split(".")[1] not in CONTEXT})


def _with(case, section, **kw):
    return dataclasses.replace(case, **{section: dataclasses.replace(getattr(case, section), **kw)})


def _row(result, start):
    rows = [r for r in result.rows if r.quantity.startswith(start)]
    assert len(rows) == 1, [r.quantity for r in result.rows]
    return rows[0]


@pytest.fixture(scope="module")
def case():
    return _small(load_case(CASE_PATH))


@pytest.fixture(scope="module")
def result(case):
    return run(case)


def test_rating_is_met_at_the_warm_edge_of_the_published_band(case, result):
    op = result.point
    assert math.isclose(op.rated_unit_heat_w, 35e3 / 3)
    # radiator inlet from the energy balance at the rated point: 2.8 C + 35 kW / (1.0332 kg/s x 4.65 kJ/(kg K))
    assert 283.0 < op.inlet_temperature_k < 283.5
    heat = _row(result, "unit heat rejection, sink -42.8 C")
    outlet = _row(result, "unit outlet temperature")
    assert heat.kind == outlet.kind == "check" and heat.passed and outlet.passed and result.passed
    floor = op.rated_unit_heat_w * (1 - case.comparison.rated_rounding_fraction)
    assert heat.sunsink * 1e3 >= floor
    assert outlet.sunsink <= case.loop.supply_temperature_k - 273.15 + case.comparison.supply_tolerance_k
    # capability falls as the sink warms (cold edge > nominal > warm edge), all above the rating
    nominal, cold = _row(result, "unit heat rejection, sink -51.1"), _row(result, "unit heat rejection, sink -59.4")
    assert cold.sunsink > nominal.sunsink > heat.sunsink > heat.published
    # the sink at which the ORU rejects exactly its rating is warmer than the whole published band
    implied = _row(result, "implied rating sink").sunsink + 273.15
    warm_edge = case.environment.sink_temperature_k + case.environment.sink_uncertainty_k
    assert warm_edge < implied < case.loop.supply_temperature_k


def test_energy_is_conserved_through_the_panels_in_series(case, result):
    from studies.analysis.validation import _sink_fluxes, solve_unit

    op = result.point
    sink = case.environment.sink_temperature_k
    sol = solve_unit(case, op, *_sink_fluxes(sink))
    assert abs(sol.energy_imbalance_w) < 1e-6 * sol.heat_rejected_w
    outs = (op.inlet_temperature_k, *sol.panel_outlet_temperature_k)
    assert all(a > b > sink for a, b in zip(outs, outs[1:]))          # cools panel by panel, never below the sink
    assert math.isclose(op.unit_mass_flow_kg_s * op.cp_j_kg_k * (op.inlet_temperature_k - sol.outlet_temperature_k),
                        sol.heat_rejected_w, rel_tol=1e-8)


@pytest.mark.parametrize("section, change", [("radiator", {"emissivity": 0.45}), ("radiator", {"panels_in_series": 4})],
                         ids=["emissivity-0.45", "half-the-panels"])
def test_a_wrong_input_fails_the_check(case, section, change):
    bad = run(_with(case, section, **change))
    heat = _row(bad, "unit heat rejection, sink -42.8 C")
    assert not bad.passed and not heat.passed
    assert heat.sunsink < heat.published * (1 - case.comparison.rated_rounding_fraction)
    implied = _row(bad, "implied rating sink").sunsink + 273.15   # NaN where even the cold edge falls short
    assert math.isnan(implied) or implied < case.environment.sink_temperature_k + case.environment.sink_uncertainty_k


def _data():
    return tomllib.loads(CASE_PATH.read_text())


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["radiator"].update(emissivity=1.5),
     "radiator.emissivity = 1.5 is outside the allowed range (0, 1]"),
    (lambda d: d["radiator"].update(tubes_per_panel=2.5),
     "radiator.tubes_per_panel = 2.5 has type float; expected an integer in [1, 400]"),
    (lambda d: d["loop"].update(coolant="freon"),
     "loop.coolant = 'freon' is not allowed; expected one of ['ammonia', 'water']"),
    (lambda d: d["loop"].update(pump_w=3.0), "unknown key loop.pump_w in [loop]; allowed keys"),
    (lambda d: d["loop"].pop("loop_mass_flow_kg_s"), "missing required key loop.loop_mass_flow_kg_s"),
    (lambda d: d["provenance"].pop("radiator.emissivity"), "input radiator.emissivity has no [provenance] entry"),
    (lambda d: d["provenance"].update({"radiator.emissivity": ["rumour", "x"]}),
     "provenance.radiator.emissivity = ['rumour', 'x'] must be"),
    (lambda d: d["environment"].pop("altitude_m"),
     "environment.altitude_m, beta_min_deg and beta_max_deg go together"),
])
def test_bad_input_names_key_value_and_range(edit, message):
    data = _data()
    edit(data)
    with pytest.raises(ConfigError) as exc:
        parse_case(data)
    assert str(exc.value).startswith(message) and "\n" not in str(exc.value)


@pytest.mark.parametrize("section, change, message", [
    ("radiator", {"tube_inner_diameter_m": 0.049},
     "radiator.tube_inner_diameter_m = 0.049 gives a tube Reynolds number"),
    ("loop", {"rated_loop_heat_w": 9.0e5}, "loop.rated_loop_heat_w = 900000.0 at loop.loop_mass_flow_kg_s = 1.0332 "
                                            "puts the radiator inlet at"),
])
def test_derived_state_is_checked_before_solving(section, change, message):
    data = _data()
    data[section].update(change)
    case = parse_case(data)      # each value is in its own range; the state they derive is not
    with pytest.raises(ConfigError, match=re.escape(message)):
        operating_point(case)


def _case_file(tmp_path, **values) -> Path:
    """The shipped case on the test grid without the orbital context, with ``values`` substituted."""
    text = CASE_PATH.read_text()
    for key in CONTEXT:
        text, n = re.subn(rf'^(?:{key} = |"environment\.{key}" = ).*\n', "", text, flags=re.M)
        assert n == 2, key
    for key, v in {**SMALL, **values}.items():
        text, n = re.subn(rf"^{key} = \S+", f"{key} = {str(v).lower() if isinstance(v, bool) else v}", text,
                          flags=re.M)
        assert n == 1, key
    path = tmp_path / "case.toml"
    path.write_text(text)
    return path


def test_cli_validate_exit_status(tmp_path, capsys):
    assert main(["validate", str(_case_file(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "verdict: PASS" in out and "implied rating sink" in out and "secondary" in out
    assert main(["validate", str(_case_file(tmp_path, emissivity=0.45))]) == 1
    assert "verdict: FAIL" in capsys.readouterr().out
    assert main(["validate", str(_case_file(tmp_path, emissivity=1.5))]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == "sunsink: error: radiator.emissivity = 1.5 is outside the allowed range (0, 1]"


def test_readme_comparison_is_what_the_tool_prints(tmp_path, capsys):
    """README.md's flown-radiator table is written by `sunsink validate CASE --readme`; it must equal what
    the tool writes today (the full case, default numerics)."""
    from studies.analysis.validation import MARKERS
    from studies.io.generated import block_between

    copy = tmp_path / "README.md"
    copy.write_text((ROOT / "README.md").read_text())
    assert main(["validate", str(CASE_PATH), "--readme", str(copy)]) == 0
    assert block_between(copy, MARKERS) == block_between(ROOT / "README.md", MARKERS), (
        "README.md's validation table differs from the tool's: run "
        "sunsink validate studies/validation/iss_eatcs_radiator.toml --readme README.md")
    assert "PASS" in block_between(copy, MARKERS)


def test_readme_option_is_checked_before_any_work(tmp_path, capsys):
    nomarkers = tmp_path / "plain.md"
    nomarkers.write_text("# no markers\n")
    assert main(["validate", str(CASE_PATH), "--readme", str(nomarkers)]) == 2
    err = capsys.readouterr().err
    assert "--readme" in err and "<!-- validation:start -->" in err
    assert main(["validate", str(CASE_PATH), "--readme", str(tmp_path / "missing.md")]) == 2
