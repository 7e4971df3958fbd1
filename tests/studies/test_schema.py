"""One declared schema: every configurable key is generated from a declaration, validated before any
work, and every declared constraint reaches the optimiser's vector, the report and the archive.

The bad-value table is generated from the schema itself, so a key added later is covered without
editing this file: for every key of every section, a value of the wrong type, and for numbers a
value beyond each finite end of the allowed range, must be rejected with a message naming the key.
"""
import copy
import math
import tomllib
from pathlib import Path

import pytest

from studies.config import SCHEMA, ConfigError, key_text, parse_config, walk_schema
from studies.declare import Quantity
from studies.model.design import VARIABLES

BASELINE = Path(__file__).resolve().parents[2] / "studies" / "baseline_150kw.toml"


@pytest.fixture()
def base():
    return tomllib.loads(BASELINE.read_text())


def _bad_values(spec: Quantity):
    """(value, why) pairs that must be rejected for a key of this declaration."""
    wrong_type = {"float": "big", "int": 2.5, "bool": "no", "str": 3, "date": 5, "float_list": "x",
                  "str_list": [1]}
    out = [(wrong_type[spec.kind], "type")]
    if spec.kind in ("float", "int"):
        step = 1 if spec.kind == "int" else 1e-9
        if math.isfinite(spec.lo):
            out.append((spec.lo - max(abs(spec.lo) * 1e-6, step) if spec.lo_inclusive else spec.lo, "below"))
        if math.isfinite(spec.hi):
            out.append((spec.hi + max(abs(spec.hi) * 1e-6, step) if spec.hi_inclusive else spec.hi, "above"))
        if spec.kind == "float":
            out += [(math.nan, "nan"), (math.inf, "inf")]
    if spec.kind == "str" and spec.choices:
        out.append(("not-a-choice", "choice"))
    if spec.kind == "bool":
        out.append((1, "int for bool"))
    return out


CASES = [(path, value, why) for path, key in walk_schema(SCHEMA) for value, why in _bad_values(key.quantity)]


VALID_ROWS = {("uncertainty", "inputs"): {"key": "environment.albedo", "dist": "uniform", "params": [0.9, 1.1]}}
"""A valid entry of each array of tables the baseline leaves empty (the bad value goes into a copy)."""


def _put(d, path, value):
    for i, k in enumerate(path[:-1]):
        if isinstance(k, int):
            d = d[k]
        elif isinstance(path[i + 1], int) and k not in d:
            d = d.setdefault(k, [copy.deepcopy(VALID_ROWS[tuple(p for p in path[:i + 1] if isinstance(p, str))])])
        else:
            d = d.setdefault(k, {})
    d[path[-1]] = value


@pytest.mark.parametrize("path, value, why", CASES, ids=[f"{key_text(p)}:{w}" for p, _, w in CASES])
def test_every_key_rejects_bad_values_by_name(base, path, value, why):
    d = copy.deepcopy(base)
    _put(d, path, value)
    with pytest.raises(ConfigError) as exc:
        parse_config(d)
    assert key_text(path) in str(exc.value)


@pytest.mark.parametrize("rows, replace, match", [
    ([{"key": "environment.albedo", "dist": "uniform", "params": [1.1, 0.9]}], False,
     r"uncertainty\.inputs\[0\]: .*lo < hi"),
    ([{"key": "environment.albedo", "dist": "triangular", "params": [0.9, 1.1]}], False,
     r"uncertainty\.inputs\[0\]: .*triangular takes 3 parameters"),
    ([{"key": "environment.albedoo", "dist": "uniform", "params": [0.9, 1.1]}], False,
     r"uncertainty\.inputs\[0\]\.key/also = 'environment\.albedoo' is not an input"),
    ([{"key": "mission.chip", "dist": "uniform", "params": [0.9, 1.1]}], False, r"'mission\.chip' is not an input"),
    ([], True, r"replace_defaults = true needs at least one"),
])
def test_uncertainty_input_rows_are_checked_before_any_work(base, rows, replace, match):
    base["uncertainty"] = {"inputs": rows, "replace_defaults": replace}
    with pytest.raises(ConfigError, match=match):
        parse_config(base)


def test_uncertainty_input_rows_replace_or_extend_the_declared_table(base):
    from studies.analysis.uncertain_inputs import UNCERTAIN_INPUTS, input_table

    row = {"key": "radiator.face_b.absorptivity", "dist": "uniform", "params": [0.9, 1.2], "source": "test"}
    extra = {"key": "environment.trapped_flux_multiplier", "dist": "uniform", "params": [0.5, 2.0],
             "relative": False}
    base["uncertainty"] = {"inputs": [row, extra]}
    table = {e.key: e for e in input_table(parse_config(base))}
    # face B's own row replaces the declared row that moved both faces together; the other rows stay
    assert "radiator.face_a.absorptivity" not in table
    assert table["radiator.face_b.absorptivity"].params == (0.9, 1.2)
    assert table["environment.trapped_flux_multiplier"].relative is False
    assert len(table) == len(UNCERTAIN_INPUTS)
    base["uncertainty"]["replace_defaults"] = True
    assert [e.key for e in input_table(parse_config(base))] == [row["key"], extra["key"]]


def test_table_covers_every_section():
    sections = {p[0] for p, _, _ in CASES}
    assert sections == set(SCHEMA.fields), sections ^ set(SCHEMA.fields)
    assert len(CASES) > 300


def test_every_design_variable_configurable_except_per_orbit_altitude():
    names = set(SCHEMA.fields["design"].fields)
    assert names == {v.name for v in VARIABLES} - {"altitude_m"}


@pytest.mark.parametrize("table, match", [
    ({"value": 100.0, "lo": 200.0},
     r"design\.radiator_area_m2\.value = 100 m2 is outside its optimiser bounds \[200, 3000\] m2; widen "
     r"design\.radiator_area_m2\.lo/hi, or hold it with design\.radiator_area_m2\.fixed = true"),
    ({"lo": 500.0, "hi": 400.0}, r"design\.radiator_area_m2: bounds lo = 500, hi = 400 m2 must have lo < hi"),
    ({"value": 2e5}, r"design\.radiator_area_m2\.value = 200000\.0 is outside the allowed range \[1, 100000\] m2"),
    ({"fixed": "no"}, r"design\.radiator_area_m2\.fixed = 'no' has type str; expected true or false"),
    ({"value": "big"}, r"design\.radiator_area_m2\.value = 'big' has type str"),
    ({"ref": 0.0}, r"design\.radiator_area_m2\.ref = 0\.0 is outside"),
    ({"colour": 1}, r"unknown key 'design\.radiator_area_m2\.colour'"),
])
def test_design_relations(base, table, match):
    base["design"] = {"radiator_area_m2": table}
    with pytest.raises(ConfigError, match=match):
        parse_config(base)


def test_a_fixed_variable_is_checked_against_its_physical_range_only(base):
    """Optimiser bounds apply to free variables: a published 20 m2 radiator held fixed is a valid design
    below the default bounds [30, 3000] m2 (issue 28); outside the physical range it is still refused."""
    base["design"] = {"radiator_area_m2": {"value": 20.0, "fixed": True}}
    assert parse_config(base).design.radiator_area_m2.value == 20.0
    base["design"] = {"radiator_area_m2": {"value": 0.5, "fixed": True}}
    with pytest.raises(ConfigError, match=r"value = 0\.5 is outside the allowed range \[1, 100000\] m2"):
        parse_config(base)


@pytest.mark.parametrize("key, value, match", [
    ("payload", {"heat_load_w": 1e5}, r"heat load is mission\.payload_power_w"),
    ("design", {"radiator_emissivity": {"value": 0.8}}, r"coatings are \[radiator\.face_a\]"),
    ("design", {"altitude_m": {"value": 7e5}}, r"set per orbit"),
    ("constellation", {"launch_cost_usd_per_kg": 100.0}, r"launch price is mission\.launch_cost_usd_per_kg"),
])
def test_removed_duplicate_inputs_point_to_the_one_input(base, key, value, match):
    base[key] = value
    with pytest.raises(ConfigError, match=match):
        parse_config(base)


@pytest.mark.parametrize("mass, match", [
    ({"payload_mass_per_kw_kg": 5.0, "payload_mass_per_chip_kg": 10.0}, "set the same quantity"),
    ({"radiator_areal_density_kg_m2": 5.0, "radiator_support_areal_mass_kg_m2": 3.0}, "set the same quantity"),
    ({"array_specific_power_w_kg": 100.0, "array_class": "ultraflex"}, "set the same quantity"),
    ({"radiator_sheet_density_kg_m3": -2700.0}, r"mass\.radiator_sheet_density_kg_m3 = -2700\.0 is outside"),
    ({"array_class": "origami"}, r"mass\.array_class = 'origami' is not allowed"),
])
def test_mass_one_input_per_quantity_and_ranges(base, mass, match):
    base["mass"] = mass
    with pytest.raises(ConfigError, match=match):
        parse_config(base)


def test_orbit_names_unique_after_slugging(base):
    base["orbits"][1]["name"] = "Dawn-dusk SSO!"
    with pytest.raises(ConfigError, match=r"'Dawn-dusk SSO!' and 'dawn-dusk SSO' become the same archive group"):
        parse_config(base)


def test_altitude_outside_the_radiation_tables_is_rejected_with_the_key(base):
    base["orbits"][1]["altitude_m"] = 200e3
    with pytest.raises(ConfigError, match=r"orbits\[1\]\.altitude_m = 200000 m is outside the altitudes the "
                                          r"radiation model covers \[300000, 2e\+06\] m"):
        parse_config(base)
    base["orbits"][1]["altitude_m"] = 550e3
    base["orbits"][0]["altitude_bounds_m"] = [250e3, 900e3]
    with pytest.raises(ConfigError, match=r"orbits\[0\]\.altitude_bounds_m\[0\] = 250000 m is outside"):
        parse_config(base)


def test_altitude_bounds_need_a_free_altitude(base):
    base["orbits"][1]["altitude_bounds_m"] = [500e3, 600e3]
    with pytest.raises(ConfigError, match="free_altitude = false: the bounds would be ignored"):
        parse_config(base)


def test_sweep_variables_and_claims_are_checked(base):
    base["sweep"] = {"variables": ["radiator_colour"]}
    with pytest.raises(ConfigError, match=r"sweep\.variables contains 'radiator_colour'"):
        parse_config(base)
    del base["sweep"]
    base["claims"] = {"total_mass_kilo": 1000.0}
    with pytest.raises(ConfigError, match=r"unknown key 'claims\.total_mass_kilo'"):
        parse_config(base)
    base["claims"] = {"total_mass_kg": 1398.0}
    assert parse_config(base).claims.total_mass_kg == 1398.0


def test_config_listing_names_every_key_with_units_and_defaults():
    from studies.io.report import config_listing

    text = config_listing()
    for path, spec in walk_schema(SCHEMA):
        assert key_text(path).replace("[0]", "[]") in text
    md = config_listing(markdown=True)
    assert md.startswith("| key | type | units | default |")
    assert "`mission.junction_limit_k`" in md and "nvidia-smi" in md


def test_readme_configuration_reference_is_the_generated_one():
    """docs/config-reference.md holds `sunsink config --list --markdown`, verbatim, between its markers."""
    from studies.io.report import README_MARKERS, config_listing

    doc = (BASELINE.parents[1] / "docs" / "config-reference.md").read_text()
    start, end = README_MARKERS
    assert doc.count(start) == 1 and doc.count(end) == 1
    between = doc[doc.index(start) + len(start):doc.index(end)]
    assert between == "\n" + config_listing(markdown=True) + "\n", \
        "regenerate: sunsink config --readme docs/config-reference.md"


UNBOUNDED = {
    "uncertainty.inputs[].params": "a distribution's parameters, in the units of the key it names (input_table "
                                   "checks them against that key's range)",
    "claims.loop_closure_residual": "a solver's relative residual, not a physical quantity",
    "claims.objective": "kg or USD/kW/yr as mission.objective says: >= 0",
    "claims.radiator_n_panels": "a count: >= 0",
    "claims.battery_cycles": "a count: >= 0",
    "claims.tube_perforations": "an expected count: >= 0",
    "claims.tube_perforations_meteoroid": "an expected count: >= 0",
    "claims.tube_perforations_debris": "an expected count: >= 0",
    "claims.coldplate_reynolds": "a Reynolds number: >= 0",
    "claims.log_loop_survival": "the log of a probability: <= 0 (minus infinity is probability 0)",
    "claims.log_puncture_reliability": "the log of a probability: <= 0 (minus infinity is probability 0)",
}
"""Dimensionless numeric keys whose declared range may stay open at one end, and why; every other numeric
key has a finite range."""

_UNIT_INTERVAL_WORDS = ("probability", "efficiency", "emissivity", "absorptivity", "availability", "albedo",
                        "duty cycle", "view factor")


def _numeric_keys():
    for path, key in walk_schema(SCHEMA):
        if key.quantity.kind in ("float", "int", "float_list"):
            yield key_text(path).replace("[0]", "[]"), key.quantity


def test_every_physical_key_has_a_finite_range():
    """A key in physical units, and a dimensionless fraction or probability, has a finite declared range, so
    that ``1e308`` is refused by name (design ``ref``, ``[claims]``); the few open dimensionless ones are
    listed with their reason."""
    infinite = [f"{name} [{q.units}] {q.lo:g}..{q.hi:g}" for name, q in _numeric_keys()
                if not (math.isfinite(q.lo) and math.isfinite(q.hi))
                and not (q.units == "1" and name in UNBOUNDED)]
    assert not infinite, "keys with an infinite range: " + "; ".join(infinite)
    stale = set(UNBOUNDED) - {name for name, _ in _numeric_keys()}
    assert not stale, stale


def test_fractions_and_probabilities_lie_in_the_unit_interval():
    bad = [f"{name} {q.lo:g}..{q.hi:g} ({q.long_name})" for name, q in _numeric_keys()
           if q.units == "1" and any(w in q.long_name for w in _UNIT_INTERVAL_WORDS)
           and not q.long_name.startswith("natural log") and not (0.0 <= q.lo and q.hi <= 1.0)]
    assert not bad, bad


def test_physical_ranges_cover_every_dimensional_unit_and_every_declared_input():
    """studies.units.PHYSICAL_RANGE: one range per dimensional unit; every input's declared range lies inside
    its unit's, and every metric (a claim) takes its unit's range unless its declaration narrows it."""
    from studies.model import METRICS
    from studies.units import PHYSICAL_RANGE, UNITS

    assert set(PHYSICAL_RANGE) == set(UNITS) - {"1"}
    outside = [f"{name} [{q.units}] {q.lo:g}..{q.hi:g}" for name, q in _numeric_keys()
               if q.units != "1" and not name.startswith("claims.")
               and not (PHYSICAL_RANGE[q.units].lo <= q.lo and q.hi <= PHYSICAL_RANGE[q.units].hi)]
    assert not outside, outside
    for name, q in METRICS.items():
        if q.units != "1":
            r = PHYSICAL_RANGE[q.units]
            assert -r.hi <= q.lo and q.hi <= r.hi, (name, q.lo, q.hi, r)
    t = METRICS["junction_max_k"]
    assert (t.lo, t.hi, t.lo_inclusive) == (0.0, 1e4, False)       # a temperature: (0, 1e4] K
    assert (METRICS["total_mass_kg"].lo, METRICS["total_mass_kg"].hi) == (0.0, 1e7)


@pytest.mark.parametrize("table, value, match", [
    ("design", {"radiator_area_m2": {"ref": 1e308}},
     r"design\.radiator_area_m2\.ref = 1e\+308 is outside the allowed range \(0, 100000\] m2"),
    ("claims", {"total_mass_kg": 1e308},
     r"claims\.total_mass_kg = 1e\+308 is outside the allowed range \[0, 1e\+07\] kg"),
    ("claims", {"junction_max_k": 0.0}, r"claims\.junction_max_k = 0\.0 is outside the allowed range \(0, 10000\] K"),
    ("claims", {"availability": 1.5}, r"claims\.availability = 1\.5 is outside the allowed range \[0, 1\]"),
])
def test_design_reference_scales_and_claims_are_physical(base, table, value, match):
    base[table] = value
    with pytest.raises(ConfigError, match=match):
        parse_config(base)
