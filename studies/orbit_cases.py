"""Hot and cold cases over the orbit: the time-resolved loop of a design, freeze protection.

The coupled steady model (:func:`studies.model.evaluate`) sizes the radiator in the hot case with
orbit-averaged loads.  This module composes the time-resolved pumped loop of
:mod:`thermal.loop.transient` and the freeze-protection controls of :mod:`thermal.loop.freeze_protection`
for the two cases a thermal engineer signs off:

* **hot case**: the hot-case beta angle, perihelion Sun, end-of-life coatings, the payload on its
  sunlit power with its eclipse throttling (``mission.eclipse_payload_fraction``), the arrays'
  infrared on the radiator at every orbit sample (hot in sunlight, cold in eclipse);
* **cold case**: the beta angle of the longest eclipse, aphelion Sun, the colder of beginning- and
  end-of-life coatings for each property (lowest absorptance, highest emittance: beginning of life for
  every class of :mod:`thermal.environment.coatings`, whose emittance does not degrade), the payload
  at its minimum power (``[cold_case] payload_fraction``; 0 is a safe-mode day with the payload off),
  the infrared of the arrays at their eclipse temperature, and the configured freeze protection
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

In both cases the arrays' infrared on each radiator face follows the array's quasi-steady energy
balance at every orbit sample (:func:`array_infrared`): an array's areal heat capacity (~1.2 kJ/(m^2 K))
over its radiative conductance (~6 W/(m^2 K) from both faces) gives a time constant of ~3 minutes,
short against the ~35-minute eclipse and the ~97-minute orbit.  The blocked view to space is part of
the same term: the radiator still emits eps sigma T^4 from each face and receives the array's
emission through the exchange coupling of :func:`thermal.radiator_exchange` (the array at its own
temperature stands where cold space would be).

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
from thermal.loop import freeze_protection as fp
from thermal.loop import transient as lt

__all__ = ["PACKAGE_MASS_KG", "COLDPLATE_MASS_KG", "FREEZE_PROTECTION_CHOICES", "CASE_NUMERICS", "loop_network",
           "case_environment", "array_infrared", "case_loads", "case_schedule", "cold_case_controls",
           "orbit_histories", "HISTORY_KEYS"]

PACKAGE_MASS_KG = 0.3
"""Accelerator package (dies, interposer, substrate, lid) per chip [kg]: assumption (a B200-class
module's package without the board); its specific heat is silicon's (lt.SILICON_SPECIFIC_HEAT_J_KG_K)."""
COLDPLATE_MASS_KG = 0.8
"""Copper microchannel cold plate per chip (80 x 60 mm footprint) [kg]: assumption."""
FREEZE_PROTECTION_CHOICES = tuple(c for c in fp.FREEZE_PROTECTION_CHOICES if c != "glycol")
"""Freeze-protection controls of the study (thermal.loop.freeze_protection's, less "glycol": an antifreeze
is a coolant choice, ``mission.coolant``)."""
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
    if case == "hot":   # end of life: the highest absorptance
        eps, alpha = mission.face_emissivity(mission.life_years), mission.face_absorptivity(mission.life_years)
    else:               # the colder of BOL and EOL for each property (lowest absorptance, highest emittance)
        eps = jnp.maximum(mission.face_emissivity(), mission.face_emissivity(mission.life_years))
        alpha = jnp.minimum(mission.face_absorptivity(), mission.face_absorptivity(mission.life_years))
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


def case_environment(design, mission, numerics, case: str, attitude: str | None = None):
    """Orbital environment of ``case`` on a plate of ``attitude`` (default: the radiator's):
    hot -- hot-case beta at perihelion; cold -- beta of the longest eclipse at aphelion."""
    from .model import plate_environment

    att = mission.attitude if attitude is None else attitude
    if case == "hot":
        return plate_environment(mission, design.altitude_m, mission.hot_beta_rad, att, numerics.n_orbit_samples,
                                 PERIHELION_AU)
    return plate_environment(mission, design.altitude_m, mission.eclipse_beta_rad, att, numerics.n_orbit_samples,
                             APHELION_AU)


def array_infrared(design, mission, numerics, case: str, array_coupling_w_m2_k4, cell_fluence_1mev_cm2):
    """Infrared from the solar arrays incident on radiator faces A and B at each orbit sample of
    ``case`` [W/m^2], shape (n_samples, 2), and the array temperature per sample [K].

    The array (Sun-tracking, :func:`power.array_temperature`) is taken in quasi-steady balance
    with its environment at each sample (time constant ~3 min, see the module docstring): hot in
    sunlight (electricity drawn at the end-of-life ``cell_fluence_1mev_cm2``), at its Earth-infrared
    equilibrium in eclipse.  ``array_coupling_w_m2_k4`` (per face) is
    :attr:`thermal.RadiatorExchange.array_coupling_side_w_m2_k4`.  The radiator's own emission back
    onto the array is neglected (it would warm the array: the cold case stays conservative).
    """
    import power

    from .model import _array_support

    env = case_environment(design, mission, numerics, case, "sun_facing")
    cell = power.get_cell(mission.cell)
    arr = power.ArrayDesign(area_m2=design.array_area_m2, coverglass_thickness_m=design.coverglass_thickness_m,
                            **_array_support(mission))
    therm = power.array_temperature(cell, arr, env.face_a, env.face_b, cell_fluence_1mev_cm2)
    t_array = therm.temperature_k
    return jnp.asarray(array_coupling_w_m2_k4)[None, :] * t_array[:, None] ** 4, t_array


def case_loads(design, mission, numerics, case: str, array_coupling_w_m2_k4=None, cell_fluence_1mev_cm2=None):
    """Incident fluxes on faces A and B over one orbit of ``case`` (:class:`thermal.loop.transient.OrbitLoads`):
    the environment of :func:`case_environment` plus, when ``array_coupling_w_m2_k4`` is given, the
    arrays' infrared of :func:`array_infrared` at each sample."""
    import orbit

    env = case_environment(design, mission, numerics, case)
    loads = lt.orbit_loads(env, orbit.period_s(design.altitude_m))
    if array_coupling_w_m2_k4 is not None:
        lw_array, _ = array_infrared(design, mission, numerics, case, array_coupling_w_m2_k4, cell_fluence_1mev_cm2)
        loads = lt.OrbitLoads(loads.shortwave_w_m2, loads.longwave_w_m2 + lw_array, loads.sunlit, loads.period_s)
    return loads


def case_schedule(mission, case: str) -> lt.PowerSchedule:
    """Power of one chip over the orbit: hot -- sunlit power with the eclipse throttling; cold --
    the minimum (``[cold_case] payload_fraction`` of the sunlit power), not throttled further."""
    chip_w = mission.payload_power_w / mission.n_chips
    if case == "hot":
        return lt.PowerSchedule(chip_power_w=chip_w, eclipse_fraction=mission.eclipse_payload_fraction)
    return lt.PowerSchedule(chip_power_w=chip_w * mission.cold_payload_fraction, eclipse_fraction=1.0)


def cold_case_controls(design, mission, numerics, steady: dict, array_coupling_w_m2_k4=None) -> dict:
    """Steady cold case under the coldest orbit sample held for ever, with the configured freeze
    protection sized to hold the freezing point plus margin (traceable; see the module docstring).
    ``array_coupling_w_m2_k4``: the radiator faces' coupling to the arrays (None: no array view);
    the arrays' eclipse infrared then enters the cold sample.

    Returns metrics: ``cold_freeze_point_k``, ``cold_hold_k`` (freezing point + margin),
    ``cold_min_coolant_k`` (coldest coolant-wetted node: radiator walls, supply, return),
    ``cold_supply_k``, ``heater_power_w`` (installed: :data:`HEATER_MARGIN` x the need), ``bypass_fraction``, ``freeze_protection_kg``,
    ``freeze_protection_power_w`` (eclipse load), ``cold_radiator_array_ir_w_m2`` (arrays' infrared on a
    face in the cold sample, mean of the faces), ``cold_control_feasible``, ``cold_converged``."""
    cool_freeze = fp.freeze_point_k(_coolant_of(mission))
    hold = cool_freeze + mission.coolant_freeze_margin_k
    net = loop_network(design, mission, steady, "cold")
    orbit_loads = case_loads(design, mission, numerics, "cold")
    if array_coupling_w_m2_k4 is not None:
        lw_array, _ = array_infrared(design, mission, numerics, "cold", array_coupling_w_m2_k4,
                                     steady["cell_fluence_1mev_cm2"])
        orbit_loads = lt.OrbitLoads(orbit_loads.shortwave_w_m2, orbit_loads.longwave_w_m2 + lw_array,
                                    orbit_loads.sunlit, orbit_loads.period_s)
        cold_array_ir = jnp.mean(lw_array[fp.coldest_sample_index(orbit_loads)])
    else:
        cold_array_ir = jnp.zeros_like(steady["cell_fluence_1mev_cm2"])
    loads = fp.eclipse_loads(orbit_loads)
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
    else:   # no control: the uncontrolled steady state of the cold sample (one Newton solve)
        temps, converged = lt.steady_loop(net, loads, sched, CASE_NUMERICS)
        heater = bypass = mass = power_w = zero
    if choice != "none":
        temps, converged = sol.temperatures_k, sol.converged
    feasible = sol.feasible.astype(hold.dtype) if choice != "none" else jnp.ones_like(hold)
    coldest = jnp.minimum(jnp.min(temps[3:]), jnp.minimum(temps[1], temps[2]))
    return {"cold_freeze_point_k": cool_freeze, "cold_hold_k": hold, "cold_min_coolant_k": coldest,
            "cold_supply_k": temps[1], "heater_power_w": heater, "bypass_fraction": bypass,
            "freeze_protection_kg": mass, "freeze_protection_power_w": power_w,
            "cold_radiator_array_ir_w_m2": cold_array_ir,
            "cold_control_feasible": feasible, "cold_converged": converged}


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
                           steady.get("cell_fluence_1mev_cm2"))
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
