"""Hot and cold cases over the orbit: the lumped loop network, loads and power schedule of a design.

The coupled steady model (:func:`studies.model.evaluate`) sizes the radiator in the hot case with
orbit-averaged loads.  This module builds, from the typed hot-loop solution, the inputs of the
time-resolved pumped loop of :mod:`thermal.loop.transient` and of the freeze-protection controls of
:mod:`thermal.loop.freeze_protection` for the two cases a thermal engineer signs off:

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

* :func:`studies.model.cold_case.run` (inside :func:`studies.model.evaluate`, so the optimiser sees it):
  steady state under the coldest sample of the orbit held for ever (an eclipse that never ends: a
  lower bound of the periodic minimum, exact for a safe-mode day in the Earth's shadow side of a
  knife-edge radiator).  It sizes the heaters (power that holds the radiator outlet at the freezing
  point plus margin) or the bypass fraction, and gives the freeze margin the ``coolant_freeze``
  constraint bounds.
* :func:`studies.analysis.orbit_histories.orbit_histories` (after the study, for the report, archive and figures): the
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

import orbit
import power
import thermal
from orbit.constants import APHELION_AU, PERIHELION_AU
from thermal.loop import transient as lt

from .inputs import COLDPLATE, array_support, coolant_of, plate_environment, solar_cell

__all__ = ["PACKAGE_MASS_KG", "COLDPLATE_MASS_KG", "CASE_NUMERICS", "HEATER_BAND_K", "HEATER_MARGIN",
           "loop_network", "case_environment", "array_infrared", "case_loads", "case_schedule"]

PACKAGE_MASS_KG = 0.3
"""Accelerator package (dies, interposer, substrate, lid) per chip [kg]: assumption (a B200-class
module's package without the board); its specific heat is silicon's (lt.SILICON_SPECIFIC_HEAT_J_KG_K)."""
COLDPLATE_MASS_KG = 0.8
"""Copper microchannel cold plate per chip (80 x 60 mm footprint) [kg]: assumption."""
CASE_NUMERICS = lt.LoopNumerics(n_segments=8, steps_per_orbit=192)
"""Radiator segments and fixed ROS2 steps per orbit of the case solves (periodic error ~0.03 K)."""
HEATER_BAND_K = 1.0
"""Thermostat band of the heaters [K]; the set-point sits one band above the hold temperature."""
HEATER_MARGIN = 1.25
"""Installed heater power / the steady cold-case need: the 25 % heater-capacity margin of
SMC-S-016 / AIAA S-114 practice (Gilmore 2002, ch. 7, heater sizing); it also keeps the
proportional thermostat near full output at its set-point."""


def loop_network(design, mission, hot, case: str, payload_radiator_heat_w, controls: dict | None = None
                 ) -> lt.LoopTransientParams:
    """The lumped loop of the design for ``case`` ("hot" or "cold") from its steady hot-case
    solution ``hot`` (:class:`studies.model.hot_loop.HotLoop`: cold-plate h, junction and plate
    temperatures, fin efficiency, coolant inventory and supply temperature) and the heat the loop
    carries in the hot case ``payload_radiator_heat_w`` (chips, their conversion loss, the pump).
    ``controls``: {"heater_w", "bypass_fraction"} installed (cold case)."""
    mp = mission.mass
    if case == "hot":   # end of life: the highest absorptance
        eps, alpha = mission.face_emissivity(mission.life_years), mission.face_absorptivity(mission.life_years)
    else:               # the colder of BOL and EOL for each property (lowest absorptance, highest emittance)
        eps = jnp.maximum(mission.face_emissivity(), mission.face_emissivity(mission.life_years))
        alpha = jnp.minimum(mission.face_absorptivity(), mission.face_absorptivity(mission.life_years))
    cool = coolant_of(mission)
    t_ref = hot.coolant_supply_k
    props = thermal.coolant_properties(cool, t_ref)
    plate_area = COLDPLATE["length_m"] * COLDPLATE["width_m"]
    chip_w = jnp.maximum(hot.chip_power_w, 1.0)
    r_jc = jnp.maximum(hot.junction_max_k - hot.coldplate_base_k, 0.0) / chip_w
    tube_length = design.radiator_area_m2 / design.radiator_tube_pitch_m
    radiator_fluid = tube_length * jnp.pi * mp.tube_inner_diameter_m**2 / 4.0 * props.density_kg_m3
    fraction = 1.0 if case == "hot" else mission.cold_payload_fraction
    conversion = payload_radiator_heat_w - mission.payload_power_w - hot.pump_power_w
    extra: dict[str, Any] = {}
    if controls:
        extra = {"heater_max_w": controls.get("heater_w", 0.0),
                 "heater_setpoint_k": controls.get("heater_setpoint_k", 278.15),
                 "heater_band_k": HEATER_BAND_K, "bypass_fraction": controls.get("bypass_fraction", 0.0)}
    return lt.loop_params(
        n_chips=mission.n_chips, chip_package_mass_kg=PACKAGE_MASS_KG, coldplate_mass_kg=COLDPLATE_MASS_KG,
        coldplate_conductance_w_k=hot.coldplate_htc_w_m2_k * plate_area, junction_resistance_k_w=r_jc,
        mass_flow_kg_s=design.coolant_flow_kg_s, coolant=cool, reference_temperature_k=t_ref,
        loop_inventory_kg=hot.coolant_inventory_kg, radiator_area_m2=design.radiator_area_m2,
        radiator_heat_capacity_j_m2_k=lt.radiator_heat_capacity_j_m2_k(
            design.radiator_thickness_m, design.radiator_tube_pitch_m, mp.tube_mass_per_length_kg_m,
            mp.tube_inner_diameter_m, props.density_kg_m3, props.cp_j_kg_k),
        tube_conductance_w_k=mission.tube_conductance_w_m_k * tube_length, emissivity=eps, absorptivity=alpha,
        fin_efficiency=hot.radiator_fin_efficiency,
        coolant_heat_w=hot.pump_power_w + fraction * conversion,
        radiator_inventory_kg=radiator_fluid, **extra)


def case_environment(design, mission, numerics, case: str, attitude: str | None = None):
    """Orbital environment of ``case`` on a plate of ``attitude`` (default: the radiator's):
    hot -- hot-case beta at perihelion; cold -- beta of the longest eclipse at aphelion."""
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
    env = case_environment(design, mission, numerics, case, "sun_facing")
    cell = solar_cell(mission)
    arr = power.ArrayDesign(area_m2=design.array_area_m2, coverglass_thickness_m=design.coverglass_thickness_m,
                            **array_support(mission))
    therm = power.array_temperature(cell, arr, env.face_a, env.face_b, cell_fluence_1mev_cm2)
    t_array = therm.temperature_k
    return jnp.asarray(array_coupling_w_m2_k4)[None, :] * t_array[:, None] ** 4, t_array


def case_loads(design, mission, numerics, case: str, array_coupling_w_m2_k4=None, cell_fluence_1mev_cm2=None):
    """Incident fluxes on faces A and B over one orbit of ``case`` (:class:`thermal.loop.transient.OrbitLoads`):
    the environment of :func:`case_environment` plus, when ``array_coupling_w_m2_k4`` is given, the
    arrays' infrared of :func:`array_infrared` at each sample."""
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
