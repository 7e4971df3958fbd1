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
    """An alternative whose sizing raises (a Jacobian that is not finite) is kept as 'not converged' with
    the reason, and the audit goes on; before, the whole audit stopped with exit 1."""
    from studies.analysis import audit
    from studies.model import METRICS, verdict

    class FakeKernels:
        def evaluate(self, design, mission):
            return {n: 1.0 for n in METRICS}

    def broken(*args, **kwargs):
        raise FloatingPointError("the Jacobian of the coupled model is not finite")

    class Vars:
        free = ("radiator_area_m2",)

    monkeypatch.setattr(audit, "kernels_for", lambda vs, m, n: FakeKernels())
    monkeypatch.setattr(audit, "optimize_design", broken)
    design, metrics, message = audit._size(Vars(), None, None, "start", 10, None)
    assert design == "start" and message.startswith("sizing failed: the Jacobian")
    assert not verdict(metrics).converged
