"""The fair audit and "what it would take", against answers known without the optimiser.

* The audit sizes what a publication leaves out: with everything published but the battery, minimum
  mass puts the battery exactly at the energy the longest eclipse requires (the closing size is known).
* What it would take, with every design variable published and station keeping off (the mass is then
  affine in the payload and radiator support masses): the payload mass needed alone has a closed form,
  and the least-norm joint change of two inputs in log space is the solution of a two-variable problem
  solved here independently.

All three share one compiled value program and one derivative program (same mission structure and
numerics: the golden study's grids).
"""
import copy
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize as so

from studies.analysis import build
from studies.analysis.audit import audit_orbit, what_it_would_take
from studies.analysis.radiator_study import run_radiator_study, slug
from studies.config import parse_config

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "small_satellite.toml"
DESIGN = ("radiator_area_m2", "radiator_thickness_m", "radiator_tube_pitch_m", "coolant_flow_kg_s",
          "tim_conductivity_w_m_k", "coldplate_htc_scale", "shield_thickness_m", "array_area_m2",
          "coverglass_thickness_m", "tube_armour_m", "battery_capacity_j")


def _config(free=(), **changes):
    data = tomllib.loads(GOLDEN.read_text())
    for section in ("optimize", "thickness_design"):
        data.pop(section, None)
    data["design"]["battery_capacity_j"] = {"value": 9e8}
    # every input "what it would take" may move, stated explicitly (one compiled program for every test here)
    data["mass"] = {"battery_specific_energy_wh_kg": 120.0, "array_support_areal_mass_kg_m2": 1.2}
    data["mission"]["cell_efficiency_bol"] = 0.298
    data["propulsion"] = {"station_keeping": False}
    data["published"] = {"stated": [f"design.{n}" for n in DESIGN if n not in free]
                         + ["orbits.altitude_m", "cold_case.freeze_protection", "mission.coolant", "mass.array_class"]}
    for key, value in changes.items():
        section, name = key.split("__")
        data.setdefault(section, {})[name] = value
    return parse_config(copy.deepcopy(data))


@pytest.fixture(scope="module")
def setup():
    cfg = _config(free=("battery_capacity_j",))
    orb = cfg.orbits[0]
    level0 = run_radiator_study(cfg)
    geo = build.mission_geometry(orb, math.radians(float(level0[slug(orb.name)]["beta_design_deg"])))
    return cfg, orb, build.build_mission(cfg, geo), build.build_numerics(cfg), geo


def test_audit_sizes_what_is_not_published_to_its_closing_size(setup):
    cfg, orb, mission, numerics, _ = setup
    result = audit_orbit(cfg, orb, mission, numerics)
    assert result["sized"] == ["battery_capacity_j"]
    best = result["best"]
    assert best.closes
    # minimum mass: the battery is exactly the energy the longest eclipse needs within its DoD limit
    assert float(best.design.battery_capacity_j) == pytest.approx(float(best.metrics["battery_required_j"]), rel=1e-6)
    assert best.mass_kg < result["as_published"].mass_kg    # the configured 9e8 J was more than needed


def _everything_published(setup):
    cfg, orb, mission, numerics, geo = setup
    vs = build.build_variables(_config(), orb)
    held = build.variable_set({v.name: {"value": v.default, "fixed": True, "lo": v.lo, "hi": v.hi, "ref": v.ref}
                               for v in vs.variables})
    return held, mission, numerics, held.baseline()


def test_payload_mass_needed_alone_has_its_closed_form(setup):
    vs, mission, numerics, design = _everything_published(setup)
    from studies.analysis.study import kernels_for

    m = kernels_for(vs, mission, numerics).evaluate(design, mission)
    total, payload = float(m["total_mass_kg"]), float(m["mass_payload_kg"])
    s = float(mission.mass.structure_fraction)
    claim = total - 300.0
    # no propellant: total = (1 + s) (payload + rest), payload = n_chips x mass per chip
    per_chip = float(mission.mass.payload_mass_per_chip_kg)
    needed = per_chip * (1.0 - 300.0 / ((1.0 + s) * payload))
    out = what_it_would_take(vs, mission, numerics, design, claim, inputs=["payload mass per kW"])
    row = out["alone"]["payload mass per kW"]
    assert row["closes"]
    assert row["values"]["mass.payload_mass_per_chip_kg"] == pytest.approx(needed, rel=1e-6)
    assert row["mass_kg"] == pytest.approx(claim, rel=1e-7)
    # one input: the joint change is the same change
    assert out["joint"]["values"]["mass.payload_mass_per_chip_kg"] == pytest.approx(needed, rel=1e-6)


def test_joint_change_is_the_least_norm_in_log_space(setup):
    vs, mission, numerics, design = _everything_published(setup)
    from studies.analysis.study import kernels_for

    m = kernels_for(vs, mission, numerics).evaluate(design, mission)
    s = float(mission.mass.structure_fraction)
    a = float(m["mass_payload_kg"])                                      # payload, linear in its input
    b = float(design.radiator_area_m2) * float(mission.mass.radiator_support_areal_mass_kg_m2)   # support
    total = float(m["total_mass_kg"])
    claim = total - 700.0
    # reference: minimise d1^2 + d2^2 s.t. (1 + s) (a (e^d1 - 1) + b (e^d2 - 1)) <= claim - total
    ref = so.minimize(lambda d: d @ d, np.zeros(2), jac=lambda d: 2 * d, method="SLSQP",
                      constraints=[{"type": "ineq",
                                    "fun": lambda d: claim - total - (1 + s) * (a * np.expm1(d[0]) + b * np.expm1(d[1]))}],
                      options={"ftol": 1e-14})
    out = what_it_would_take(vs, mission, numerics, design, claim,
                             inputs=["payload mass per kW", "radiator areal mass"])
    got = out["joint"]["relative_change"]
    assert out["joint"]["closes"]
    assert got["payload mass per kW"] == pytest.approx(math.expm1(ref.x[0]), rel=1e-4)
    assert got["radiator areal mass"] == pytest.approx(math.expm1(ref.x[1]), rel=1e-4)
    # the radiator's support alone cannot remove 700 kg (with its structure share it is only (1 + s) b kg)
    assert (1 + s) * b < 700.0 and not out["alone"]["radiator areal mass"]["closes"]


def test_a_sizing_that_fails_is_reported_not_converged_and_never_judged(monkeypatch):
    """An alternative whose sizing raises (a Jacobian that is not finite) everywhere, even on the
    least-violation path, is kept as 'not converged' with the reason, and the audit goes on; before, the
    whole audit stopped with exit 1."""
    from studies.analysis import audit
    from studies.model import METRICS, verdict

    class FakeKernels:
        def evaluate(self, design, mission):
            return {n: 1.0 for n in METRICS}

        def problem(self, start):
            from studies.analysis.optimize import HostProblem
            return HostProblem(["x"], np.zeros(1), -np.ones(1), np.ones(1), ["g"], broken)

    def broken(*args, **kwargs):
        raise FloatingPointError("the Jacobian of the coupled model is not finite")

    class Vars:
        free = ("radiator_area_m2",)

    monkeypatch.setattr(audit, "kernels_for", lambda vs, m, n: FakeKernels())
    monkeypatch.setattr(audit, "optimize_design", broken)
    design, metrics, message = audit._size(Vars(), None, None, "start", 10, None)
    assert design == "start" and message.startswith("sizing failed:")
    assert not verdict(metrics).converged


def _toy_problem():
    """Mass x + y (scaled), bounds [0, 1]^2; g1 = x - 2 cannot be met (x <= 1: what is published forbids
    it), g2 = y - 0.5 can be met by y alone (an unpublished subsystem that meets its constraint on its own)."""
    from studies.analysis.optimize import HostProblem

    def both(x):
        x = np.asarray(x, float)
        v = np.array([x[0] + x[1], x[0] - 2.0, x[1] - 0.5, 1.0])
        j = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
        return v, j

    return HostProblem(["x", "y"], np.array([0.2, 0.1]), np.zeros(2), np.ones(2), ["g1", "g2"], both)


def test_least_violation_meets_what_can_be_met_and_then_minimises_mass():
    """Where no point meets every constraint, the elastic sizing leaves only the impossible constraint
    violated, as little as the bounds allow (x = 1, g1 = -1), meets the other (y = 0.5, not more: the
    least mass), where a plain SLSQP stops with both violated."""
    import io

    from studies.analysis.audit import least_violation
    from studies.analysis.optimize import minimize

    p = _toy_problem()
    plain, _ = minimize(p, "SLSQP", 50, 1e-12, stream=io.StringIO())
    assert np.asarray(p.value(plain.x))[2] < -1e-3 or np.asarray(p.value(plain.x))[1] < -1.0 - 1e-3
    x, message = least_violation(p, p.x0, 100, stream=io.StringIO())
    assert x == pytest.approx([1.0, 0.5], abs=1e-6)
    assert "g1 cannot be met" in message and "g2" not in message.split("(")[1].split(")")[0]


def test_an_audit_keeps_the_alternative_that_fails_least_when_none_closes():
    """Lightest that closes first; when none closes: fewest failures, then the least-violated limiting
    constraint, then mass -- never the lightest only for being light."""
    from types import SimpleNamespace as NS

    from studies.analysis.audit import preferred

    def alt(mass, failed, margin, closes=False, converged=True):
        v = NS(failed=failed, converged=converged, ranked=[NS(normalised_margin=margin)])
        return NS(mass_kg=mass, closes=closes, verdict=v)

    none = alt(5404.0, ["junction", "coolant_freeze"], -0.81)
    heaters = alt(5664.0, ["junction"], -0.61)
    worse = alt(5500.0, ["junction"], -0.86)
    broken = alt(100.0, [], 0.0, converged=False)
    assert preferred([none, heaters, worse, broken]) is heaters
    light, heavy = alt(900.0, [], 0.1, closes=True), alt(800.0, [], 0.2, closes=True)
    assert preferred([none, light, heavy]) is heavy
    assert preferred([broken]) is broken
    # failing alike (margins equal as printed), the lighter is kept, not the one ahead by round-off
    default, ultraflex = alt(7622.0, ["junction", "power"], -0.23301), alt(7402.0, ["junction", "power"], -0.23349)
    assert preferred([default, ultraflex]) is ultraflex


def test_a_solve_that_steps_where_the_model_has_no_answer_takes_the_penalty_path():
    """SLSQP jumps to the bound x = 1 at once, where this model raises (as the coupled model does where its
    loop has no answer); the guarded minimiser backs off along a quadratic-penalty path and reaches the
    constrained optimum x = 0.8 of min (x - 2)^2 s.t. 0.64 - x^2 >= 0 (flat at the start, so SLSQP's first
step ignores it), which plain SLSQP cannot."""
    import io

    from studies.analysis.optimize import HostProblem, minimize, minimize_guarded

    def both(x):
        x = np.asarray(x, float)
        if x[0] > 0.85:
            raise FloatingPointError("the Jacobian of the coupled model is not finite")
        return (np.array([(x[0] - 2.0) ** 2, 0.64 - x[0] ** 2, 1.0]),
                np.array([[2.0 * (x[0] - 2.0)], [-2.0 * x[0]], [0.0]]))

    p = HostProblem(["x"], np.array([0.0]), np.zeros(1), np.ones(1), ["g"], both)
    with pytest.raises(FloatingPointError):
        minimize(p, "SLSQP", 50, 1e-12, stream=io.StringIO())
    x, message = minimize_guarded(p, 100, 1e-12, stream=io.StringIO())
    assert x == pytest.approx([0.8], abs=1e-7) and message.startswith("quadratic-penalty path")
