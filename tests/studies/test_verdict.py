"""The verdict ranks constraints by one comparable, printed margin, judged on physical quantities.

Hand-made constraint sets (metrics dicts built here, no model run) check the normalisation (a fraction
of the limit; for temperatures, of the radiated power at the limit), the ranking ("limiting" is the most
violated, or for a design that closes the least margin), the physical terms of the puncture constraint
(a probability, not its logarithm), the drivers' numbers and the heater note.
"""
import math

import pytest

from studies.model import CONSTRAINTS, METRICS, Mission, verdict
from studies.model.verdict import judgement_notes, normalised_margin


def _metrics(**values):
    """A metrics dict where every constraint is met with room, then ``values``."""
    m = {n: 1.0 for n in METRICS}
    m.update(junction_max_k=340.0, junction_ks_k=341.0, junction_limit_k=363.15, hbm_max_k=350.0, hbm_ks_k=351.0,
             hbm_limit_k=368.15, array_eol_w=250e3, array_required_w=200e3, battery_capacity_j=6e8,
             battery_required_j=5e8, tid_with_margin_si_gy=10.0, tid_tolerance_si_gy=20.0, cold_min_coolant_k=290.0,
             coolant_freeze_limit_k=278.15, coolant_hottest_k=330.0, coolant_boiling_k=406.67,
             thruster_duty_cycle=0.1, thruster_duty_limit=1.0, loop_survival_probability=0.99,
             puncture_reliability=0.95, log_loop_survival=math.log(0.99), log_puncture_reliability=math.log(0.95),
             availability=0.999, availability_target=0.99, converged=1.0)
    m.update(values)
    for name, b in CONSTRAINTS.items():   # the optimiser's g, from the smooth metrics, as the model makes it
        v, lim = m[b.value], m[b.limit]
        m[f"g_{name}"] = ((lim - v) if b.sense == "max" else (v - lim)) / float(b.scale(lim))
    return m


def test_margins_are_fractions_of_the_limit_or_of_the_radiated_power():
    assert normalised_margin(404.54, 363.15, "max", "radiative") == pytest.approx(1 - (404.54 / 363.15) ** 4)
    assert normalised_margin(177.9e3, 231.3e3, "min", "relative") == pytest.approx(177.9 / 231.3 - 1)
    assert normalised_margin(275.0, 278.15, "min", "radiative") == pytest.approx((275.0 / 278.15) ** 4 - 1)
    assert normalised_margin(0.5, 0.0, "max", "relative") == -0.5   # a zero limit: the margin itself


def test_the_most_violated_constraint_limits_on_the_printed_margin():
    # AI1-like: junction 41 K over (-54 % of radiated power), array 23 % short, puncture P = 0.53 vs 0.95
    # (-44 %; its log-based optimiser constraint would read -11.4 and rank first)
    m = _metrics(junction_max_k=404.54, junction_ks_k=405.0, array_eol_w=177.9e3, array_required_w=231.3e3,
                 loop_survival_probability=0.5306, log_loop_survival=math.log(0.5306))
    v = verdict(m)
    assert not v.feasible and v.converged
    assert v.limiting == "junction"
    assert [j.name for j in v.ranked[:3]] == ["junction", "puncture", "power"]
    assert sorted(v.failed) == ["junction", "power", "puncture"]
    assert m["g_puncture"] < m["g_junction"]          # the optimiser's scaling would have said puncture
    punct = next(j for j in v.judgements if j.name == "puncture")
    assert (punct.metric, punct.value, punct.limit) == ("loop_survival_probability", 0.5306, 0.95)


def test_boiling_is_judged_on_temperature_so_its_cause_limits():
    # a radiator a third of the size: the junction runs 101 K over its limit and the return coolant
    # 40 K over its boiling point at 3 bar.  On pressure the boil would read (300 - 863.5) / 300 = -1.88
    # and rank above the junction (-1.68), though it is the junction's heat that makes it boil; as a
    # temperature against the boiling point it reads 1 - (446.8 / 406.67)^4 = -0.457.
    m = _metrics(junction_max_k=464.5, junction_ks_k=465.0, junction_limit_k=363.15, hbm_max_k=456.6,
                 hbm_ks_k=457.0, coolant_hottest_k=446.8, coolant_boiling_k=406.67)
    v = verdict(m)
    assert v.limiting == "junction" and sorted(v.failed) == ["coolant_boil", "hbm", "junction"]
    boil = next(j for j in v.judgements if j.name == "coolant_boil")
    assert boil.normalised_margin == pytest.approx(1 - (446.8 / 406.67) ** 4)
    assert (boil.metric, boil.units) == ("coolant_hottest_k", "K")


def test_a_design_that_closes_names_its_least_margin():
    v = verdict(_metrics(tid_with_margin_si_gy=19.9, availability=0.9999))
    assert v.feasible and v.limiting == "tid"
    assert v.ranked[0].normalised_margin == pytest.approx(0.1 / 20)
    # probabilities are judged as fractions of their limit too: 0.999 against 0.99 is 0.9 % of room
    assert verdict(_metrics()).limiting == "availability"


def test_failure_reasons_carry_their_drivers_in_units():
    m = _metrics(battery_capacity_j=4e8, battery_required_j=5.4e8, eclipse_load_w=1.4355e6,
                 nominal_eclipse_load_w=1.15e6, cold_eclipse_load_w=1.4355e6, freeze_protection_power_w=1.37e6,
                 eclipse_s=2094.0, battery_dod=0.6)
    j = next(j for j in verdict(m).judgements if j.name == "battery")
    assert not j.passed
    assert "eclipse load 1.435 MW for 34.9 min" in j.drivers and "freeze protection 1.37 MW" in j.drivers
    assert "battery 400 MJ vs 540 MJ required" in j.drivers


def test_heaters_larger_than_the_payload_are_flagged():
    mission = Mission()
    assert judgement_notes(_metrics(heater_power_w=1.0e3), mission) == []
    big = judgement_notes(_metrics(heater_power_w=1.37e6), mission)
    assert len(big) == 1 and "exceed the 150 kW payload" in big[0]
    assert "% of the payload" in judgement_notes(_metrics(heater_power_w=60e3), mission)[0]
