"""Stage 6, life: drag and station keeping, and micrometeoroid and debris impacts on the radiator tubes.

* Drag: orbit-averaged drag area of the arrays (two-axis Sun tracking), the radiator (its attitude,
  plus the thermal-motion floor of a plate edge-on to the flow) and the bus body at the hot-case beta;
  the mission-mean NRLMSIS 2.1 density over the solar cycle (x ``density_scale`` x the corotation
  factor); the mean drag, the thrusters' firing power and duty cycle (:mod:`orbit.drag`).  The
  propellant that holds the altitude needs the dry mass and is the mass stage's.
* Debris: meteoroid (Grün 1985) and debris (NASA 91) perforations of the radiator tubes over the life
  (Cour-Palais single-wall ballistic limit of wall + armour), the probability that at least the
  required fraction of the isolatable sections survives, and the armour mass (:mod:`thermal.radiator.puncture`).
"""
from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

import orbit
import thermal

from ..declare import COUNT, UNIT_INTERVAL, output
from .environment import Environment
from .inputs import SECONDS_PER_YEAR

__all__ = ["Life", "run", "RADIATOR_DRAG_ATTITUDE"]

RADIATOR_DRAG_ATTITUDE = {"sun_edge_on": "sun_edge_on", "nadir": "nadir", "sun_facing": "sun_tracking"}
"""Radiator attitude (heat loads) -> its projection law onto the velocity (orbit.drag)."""


def _out(units, long_name, **spec):
    return output(units, long_name, "drag and debris", **spec)


class Life(eqx.Module):
    """Drag, station keeping and tube punctures over the life (stage 6 of :func:`studies.model.evaluate`)."""

    drag_area_m2: jax.Array = _out("m2", "orbit-averaged drag area (arrays, radiator, body)")
    mean_density_kg_m3: jax.Array = _out("kg m-3", "mission-mean thermospheric density (NRLMSIS 2.1, solar cycle)")
    mean_drag_n: jax.Array = _out("N", "mission-mean drag force")
    drag_impulse_n_s: jax.Array = _out("N s", "drag impulse over the life")
    thruster_duty_cycle: jax.Array = _out("1", "fraction of the time the thrusters fire", **UNIT_INTERVAL)
    thruster_firing_power_w: jax.Array = _out("W", "thruster input power while firing (in the power budget)")
    thruster_mean_power_w: jax.Array = _out("W", "mission-mean thruster input power")
    thruster_duty_limit: jax.Array = _out("1", "largest allowed thruster duty cycle", **UNIT_INTERVAL)
    tube_perforations: jax.Array = _out("1", "expected radiator-tube perforations over the life (meteoroids + "
                                             "debris)", **COUNT)
    tube_perforations_meteoroid: jax.Array = _out("1", "expected tube perforations by meteoroids (Grün 1985)",
                                                      **COUNT)
    tube_perforations_debris: jax.Array = _out("1", "expected tube perforations by debris (NASA 91)", **COUNT)
    no_puncture_probability: jax.Array = _out("1", "probability of no tube perforation at all over the life",
                                                  **UNIT_INTERVAL)
    loop_survival_probability: jax.Array = _out("1", "probability that enough radiator sections survive the "
                                                    "life", **UNIT_INTERVAL)
    log_loop_survival: jax.Array = _out("1", "natural log of the section survival probability", hi=0.0)
    puncture_reliability: jax.Array = _out("1", "required probability that enough radiator sections "
                                                 "survive", **UNIT_INTERVAL)
    log_puncture_reliability: jax.Array = _out("1", "natural log of the required survival probability", hi=0.0)
    armour_kg: jax.Array = _out("kg", "mass of the tube armour")


def run(design, mission, env: Environment) -> Life:
    """Stage 6: drag and station keeping, and tube punctures, over the life of ``design``."""
    h = design.altitude_m
    inclination_rad = env.inclination_rad
    beta = mission.hot_beta_rad
    f = jnp.stack([orbit.projection_factor("sun_tracking", beta),
                   orbit.projection_factor(RADIATOR_DRAG_ATTITUDE[mission.attitude], beta)
                   + 2.0 * orbit.drag.edge_on_projection_floor()])
    area = orbit.drag_area_m2(jnp.stack([design.array_area_m2, design.radiator_area_m2]), f,
                              mission.body_drag_area_m2)
    rho = mission.density_scale * orbit.mission_mean_density_kg_m3(
        h, mission.launch_year, mission.life_years, ap=mission.ap, f107_min_sfu=mission.f107_min_sfu,
        f107_max_sfu=mission.f107_max_sfu) * orbit.drag.corotation_factor(h, inclination_rad)
    drag = orbit.drag.drag_force_n(rho, h, area, mission.drag_coefficient)
    thrust = mission.n_thrusters * mission.thrust_n
    on = 1.0 if mission.station_keeping else 0.0
    # debris and meteoroids on the tubes
    mp = mission.mass
    length = design.radiator_area_m2 / design.radiator_tube_pitch_m
    od = mp.tube_inner_diameter_m + 2.0 * mission.tube_wall_thickness_m
    exposed = thermal.tube_exposed_area_m2(1, length, od, mission.tube_exposed_fraction)
    n_all, n_met, n_deb = thermal.expected_penetrations(mission.tube_wall_thickness_m + design.tube_armour_m, exposed,
                                                        design.altitude_m, inclination_rad, mission.launch_year,
                                                        mission.life_years)
    need = thermal.min_sections_required(mission.loop_sections, mission.sections_required_fraction)
    p = thermal.loop_delivery_probability(n_all, mission.loop_sections, need)
    tiny = jnp.finfo(jnp.result_type(p)).tiny
    return Life(
        drag_area_m2=area, mean_density_kg_m3=rho, mean_drag_n=drag,
        drag_impulse_n_s=drag * mission.life_years * SECONDS_PER_YEAR,
        thruster_duty_cycle=on * orbit.drag.thruster_duty_cycle(drag, thrust),
        thruster_firing_power_w=on * orbit.drag.thruster_power_w(thrust, mission.isp_s, mission.thruster_efficiency),
        thruster_mean_power_w=on * orbit.drag.thruster_power_w(drag, mission.isp_s, mission.thruster_efficiency),
        thruster_duty_limit=jnp.ones_like(drag),
        tube_perforations=n_all, tube_perforations_meteoroid=n_met, tube_perforations_debris=n_deb,
        no_puncture_probability=thermal.no_puncture_probability(n_all), loop_survival_probability=p,
        log_loop_survival=jnp.log(jnp.maximum(p, tiny)),
        puncture_reliability=mission.puncture_reliability, log_puncture_reliability=jnp.log(mission.puncture_reliability),
        armour_kg=thermal.armour_mass_kg(design.tube_armour_m, od, length, mission.armour_coverage))
