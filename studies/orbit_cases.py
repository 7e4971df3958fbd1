"""Hot and cold cases over the orbit: the time-resolved loop of a design, freeze protection.

The coupled steady model (:func:`studies.model.evaluate`) sizes the radiator in the hot case with
orbit-averaged loads.  This module composes the time-resolved pumped loop of
:mod:`thermal.loop_transient` and the freeze-protection controls of :mod:`thermal.freeze_protection`
for the two cases a thermal engineer signs off:

* **hot case**: the hot-case beta angle, perihelion Sun, end-of-life coatings, the payload on its
  sunlit power with its eclipse throttling (``mission.eclipse_payload_fraction``), the arrays'
  infrared on the radiator while they are lit;
* **cold case**: the beta angle of the longest eclipse, aphelion Sun, beginning-of-life coatings
  (lowest absorptance: the colder choice; emittance does not degrade in the catalogue), the payload
  at its minimum power (``[cold_case] payload_fraction``; 0 is a safe-mode day with the payload off),
  no array infrared (the array is cold in eclipse), and the configured freeze protection
  (``[cold_case] freeze_protection``: none, a radiator bypass holding the supply set-point, or
  thermostatic heaters; an antifreeze is a coolant choice, ``mission.coolant = "mpg30"`` etc.).

The lumped network's parameters come from the design's steady hot-case solution (cold-plate
conductance ``h A``, junction-to-plate resistance, fin efficiency, coolant inventory) so that both
models describe the same hardware.

Two solves per case:

* :func:`cold_case_controls` (inside :func:`studies.model.evaluate`, so the optimiser sees it):
  steady state under the coldest sample of the orbit held for ever (an eclipse that never ends: a
  lower bound of the periodic minimum, exact for a safe-mode day in the Earth's shadow side of a
  knife-edge radiator).  It sizes the heaters (power that holds the radiator outlet at the freezing
  point plus margin) or the bypass fraction, and gives the freeze margin the ``coolant_freeze``
  constraint bounds.
* :func:`orbit_histories` (after the study, for the report, archive and figures): the
  orbit-periodic solution of both cases (shooting with an implicit adjoint) with the controls
  installed, and the temperature histories over one orbit.

Package and cold-plate masses are engineering assumptions (:data:`PACKAGE_MASS_KG`,
:data:`COLDPLATE_MASS_KG`).

References
----------
- Gilmore, D. G. (ed.), *Spacecraft Thermal Control Handbook*, Vol. I, 2nd ed. (2002), ch. 2
  (hot and cold design cases), ch. 7 (heaters) and ch. 12 (pumped loops, bypass).
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

import thermal
from orbit.constants import APHELION_AU, PERIHELION_AU
from thermal import freeze_protection as fp
from thermal import loop_transient as lt

__all__ = ["PACKAGE_MASS_KG", "COLDPLATE_MASS_KG", "FREEZE_PROTECTION_CHOICES", "CASE_NUMERICS", "loop_network",
           "case_loads", "case_schedule", "cold_case_controls", "orbit_histories", "HISTORY_KEYS"]

PACKAGE_MASS_KG = 0.3
"""Accelerator package (dies, interposer, substrate, lid) per chip [kg]: assumption (a B200-class
module's package without the board); its specific heat is silicon's (lt.SILICON_SPECIFIC_HEAT_J_KG_K)."""
COLDPLATE_MASS_KG = 0.8
"""Copper microchannel cold plate per chip (80 x 60 mm footprint) [kg]: assumption."""
FREEZE_PROTECTION_CHOICES = ("none", "bypass", "heaters")
"""Freeze-protection controls (an antifreeze is a coolant choice, ``mission.coolant``)."""
CASE_NUMERICS = lt.LoopNumerics(n_segments=8, steps_per_orbit=192)
"""Radiator segments and fixed ROS2 steps per orbit of the case solves (periodic error ~0.03 K)."""
HEATER_BAND_K = 1.0
"""Thermostat band of the heaters [K]; the set-point sits one band above the hold temperature."""
HEATER_MARGIN = 1.25
"""Installed heater power / the steady cold-case need: the 25 % heater-capacity margin of
SMC-S-016 / AIAA S-114 practice (Gilmore 2002, ch. 7, heater sizing); it also keeps the
proportional thermostat near full output at its set-point."""


def loop_network(design, mission, steady: dict, case: str, controls: dict | None = None) -> lt.LoopTransientParams:
    """The lumped loop of the design for ``case`` ("hot" or "cold") from its steady hot-case
    solution ``steady`` (metrics of :func:`studies.model.evaluate`: cold-plate h, junction and
    plate temperatures, fin efficiency, coolant inventory and supply temperature).
    ``controls``: {"heater_w", "bypass_fraction"} installed (cold case)."""
    from .model import COLDPLATE, _coolant

    mp = mission.mass
    years = mission.life_years if case == "hot" else 0.0
    eps, alpha = mission.face_emissivity(years), mission.face_absorptivity(years)
    cool = _coolant(mission)
    t_ref = steady["coolant_supply_k"]
    props = thermal.coolant_properties(cool, t_ref)
    plate_area = COLDPLATE["length_m"] * COLDPLATE["width_m"]
    chip_w = jnp.maximum(steady["chip_power_w"], 1.0)
    r_jc = jnp.maximum(steady["junction_max_k"] - steady["coldplate_base_k"], 0.0) / chip_w
    tube_length = design.radiator_area_m2 / design.radiator_tube_pitch_m
    radiator_fluid = tube_length * jnp.pi * mp.tube_inner_diameter_m**2 / 4.0 * props.density_kg_m3
    fraction = 1.0 if case == "hot" else mission.cold_payload_fraction
    conversion = steady["payload_radiator_heat_w"] - mission.payload_power_w - steady["pump_power_w"]
    extra: dict[str, Any] = {}
    if controls:
        extra = {"heater_max_w": controls.get("heater_w", 0.0),
                 "heater_setpoint_k": controls.get("heater_setpoint_k", 278.15),
                 "heater_band_k": HEATER_BAND_K, "bypass_fraction": controls.get("bypass_fraction", 0.0)}
    return lt.loop_params(
        n_chips=mission.n_chips, chip_package_mass_kg=PACKAGE_MASS_KG, coldplate_mass_kg=COLDPLATE_MASS_KG,
        coldplate_conductance_w_k=steady["coldplate_htc_w_m2_k"] * plate_area, junction_resistance_k_w=r_jc,
        mass_flow_kg_s=design.coolant_flow_kg_s, coolant=cool, reference_temperature_k=t_ref,
        loop_inventory_kg=steady["mass_coolant_kg"], radiator_area_m2=design.radiator_area_m2,
        radiator_heat_capacity_j_m2_k=lt.radiator_heat_capacity_j_m2_k(
            design.radiator_thickness_m, design.radiator_tube_pitch_m, mp.tube_mass_per_length_kg_m,
            mp.tube_inner_diameter_m, props.density_kg_m3, props.cp_j_kg_k),
        tube_conductance_w_k=mission.tube_conductance_w_m_k * tube_length, emissivity=eps, absorptivity=alpha,
        fin_efficiency=steady["radiator_fin_efficiency"],
        coolant_heat_w=steady["pump_power_w"] + fraction * conversion,
        radiator_inventory_kg=radiator_fluid, **extra)


def case_loads(design, mission, numerics, case: str, array_coupling_w_m2_k4=None, array_temperature_k=None):
    """Incident fluxes on faces A and B over one orbit of ``case`` (:class:`thermal.loop_transient.OrbitLoads`):
    hot -- hot-case beta, perihelion, plus the lit arrays' infrared; cold -- beta of the longest
    eclipse, aphelion, no array infrared."""
    import orbit

    from .model import plate_environment

    h = design.altitude_m
    if case == "hot":
        env = plate_environment(mission, h, mission.hot_beta_rad, mission.attitude, numerics.n_orbit_samples,
                                PERIHELION_AU)
    else:
        env = plate_environment(mission, h, mission.eclipse_beta_rad, mission.attitude, numerics.n_orbit_samples,
                                APHELION_AU)
    loads = lt.orbit_loads(env, orbit.period_s(h))
    if case == "hot" and array_coupling_w_m2_k4 is not None:
        lw = loads.longwave_w_m2 + (loads.sunlit[:, None] * array_coupling_w_m2_k4[None, :]
                                    * array_temperature_k**4)
        loads = lt.OrbitLoads(loads.shortwave_w_m2, lw, loads.sunlit, loads.period_s)
    return loads


def case_schedule(mission, case: str) -> lt.PowerSchedule:
    """Power of one chip over the orbit: hot -- sunlit power with the eclipse throttling; cold --
    the minimum (``[cold_case] payload_fraction`` of the sunlit power), not throttled further."""
    chip_w = mission.payload_power_w / mission.n_chips
    if case == "hot":
        return lt.PowerSchedule(chip_power_w=chip_w, eclipse_fraction=mission.eclipse_payload_fraction)
    return lt.PowerSchedule(chip_power_w=chip_w * mission.cold_payload_fraction, eclipse_fraction=1.0)


def cold_case_controls(design, mission, numerics, steady: dict) -> dict:
    """Steady cold case under the coldest orbit sample held for ever, with the configured freeze
    protection sized to hold the freezing point plus margin (traceable; see the module docstring).

    Returns metrics: ``cold_freeze_point_k``, ``cold_hold_k`` (freezing point + margin),
    ``cold_min_coolant_k`` (coldest coolant-wetted node: radiator walls, supply, return),
    ``cold_supply_k``, ``heater_power_w`` (installed: :data:`HEATER_MARGIN` x the need), ``bypass_fraction``, ``freeze_protection_kg``,
    ``freeze_protection_power_w`` (eclipse load), ``cold_control_feasible``, ``cold_converged``."""
    cool_freeze = fp.freeze_point_k(_coolant_of(mission))
    hold = cool_freeze + mission.coolant_freeze_margin_k
    net = loop_network(design, mission, steady, "cold")
    loads = fp.eclipse_loads(case_loads(design, mission, numerics, "cold"))
    sched = case_schedule(mission, "cold")
    choice = mission.freeze_protection
    zero = jnp.zeros_like(hold)
    if choice == "heaters":
        sol = fp.heater_power_needed_w(net, loads, sched, hold, CASE_NUMERICS, smooth_w=10.0)
        heater, bypass = HEATER_MARGIN * sol.control, zero
        mass = fp.heater_mass_kg(heater)
        power_w = heater
    elif choice == "bypass":
        sol = fp.bypass_fraction_needed(net, loads, sched, hold, CASE_NUMERICS)
        heater, bypass = zero, sol.control
        mass = fp.bypass_mass_kg(bypass)
        power_w = jnp.where(bypass > 0.0, fp.BYPASS_CONTROL_POWER_W, 0.0)
    else:
        sol = fp.heater_power_needed_w(net, loads, sched, hold, CASE_NUMERICS)   # control left off
        heater = bypass = mass = power_w = zero
    temps = sol.temperatures_k
    if choice == "none":
        # the uncontrolled steady state: the heater solve's balance tells the surplus; re-solve without it
        temps, _ = lt._steady(net, lt._average_loads(loads), sched, CASE_NUMERICS.n_segments,
                              lt._initial_guess(net, lt._average_loads(loads), sched))
    coldest = jnp.minimum(jnp.min(temps[3:]), jnp.minimum(temps[1], temps[2]))
    return {"cold_freeze_point_k": cool_freeze, "cold_hold_k": hold, "cold_min_coolant_k": coldest,
            "cold_supply_k": temps[1], "heater_power_w": heater, "bypass_fraction": bypass,
            "freeze_protection_kg": mass, "freeze_protection_power_w": power_w,
            "cold_control_feasible": sol.feasible.astype(hold.dtype), "cold_converged": sol.converged}


def _coolant_of(mission):
    from .model import _coolant

    return _coolant(mission)


HISTORY_KEYS = ("time_s", "junction_k", "chip_k", "supply_k", "return_k", "radiator_min_k", "radiator_max_k",
                "min_coolant_k", "chip_power_w", "heater_w")
"""Histories of each case archived and plotted (over one orbit from orbit noon)."""


def orbit_histories(design, mission, numerics, metrics: dict, array_coupling_w_m2_k4=None, n_save: int = 97) -> dict:
    """Orbit-periodic hot and cold cases of a design (host side, after the study): per case the
    histories of :data:`HISTORY_KEYS` over one orbit, the summary (min/max, swing, periodicity
    error, energy residual over the orbit), with the cold case's controls as sized by
    :func:`cold_case_controls` (``metrics``).  Raises RuntimeError on a shooting failure."""
    steady = {k: jnp.asarray(v) for k, v in metrics.items() if np.ndim(v) == 0}
    out = {}
    for case in ("hot", "cold"):
        controls = None
        if case == "cold":
            bare = loop_network(design, mission, steady, case)
            need_w = steady["heater_power_w"] / HEATER_MARGIN
            # The heaters sit on the supply line, downstream of the radiator: the thermostat holds the
            # supply at the radiator's hold temperature plus the heaters' own rise (steady need /
            # m c_p), one band up, so the coldest radiator wall stays at the hold temperature.
            controls = {"heater_w": steady["heater_power_w"], "bypass_fraction": steady["bypass_fraction"],
                        "heater_setpoint_k": steady["cold_hold_k"] + HEATER_BAND_K
                        + need_w / (bare.mass_flow_kg_s * bare.coolant_cp_j_kg_k)}
        net = loop_network(design, mission, steady, case, controls)
        loads = case_loads(design, mission, numerics, case, array_coupling_w_m2_k4,
                           steady.get("array_temperature_k"))
        res = lt.periodic_loop(net, loads, case_schedule(mission, case), CASE_NUMERICS, n_save=n_save, check=True)
        hist = {k: np.asarray(getattr(res.history, k)) for k in HISTORY_KEYS}
        e = res.history
        out[case] = {
            "history": hist,
            "junction_max_k": float(np.max(hist["junction_k"])), "junction_min_k": float(np.min(hist["junction_k"])),
            "junction_swing_k": float(np.ptp(hist["junction_k"])),
            "supply_min_k": float(np.min(hist["supply_k"])), "supply_max_k": float(np.max(hist["supply_k"])),
            "return_max_k": float(np.max(hist["return_k"])),
            "radiator_lowest_k": float(np.min(hist["radiator_min_k"])),
            "radiator_highest_k": float(np.max(hist["radiator_max_k"])),
            "coolant_lowest_k": float(np.min(hist["min_coolant_k"])),
            "mean_heater_w": float(res.mean_heater_w),
            "periodicity_error_k": float(res.periodicity_error_k),
            "energy_residual_j": float(np.asarray(e.energy_residual_j)[-1]),
            "dissipated_energy_j": float(np.asarray(e.dissipated_energy_j)[-1]),
            "absorptivity": np.asarray(net.absorptivity), "emissivity": np.asarray(net.emissivity),
        }
    out["cold"]["freeze_margin_k"] = out["cold"]["coolant_lowest_k"] - float(metrics["cold_freeze_point_k"])
    return out
