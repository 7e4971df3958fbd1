"""Stage 3, solar array: its temperature from its own energy balance, its end- and beginning-of-life
output, and its infrared on the radiator wings.

The array does not see the loop, so it comes before the hot loop: its temperature sets the infrared
the radiators receive from it (:func:`thermal.radiator_exchange` in the default layout, radiator wings
knife-edge to the Sun and perpendicular to Sun-tracking arrays).  The electrical budget (loads,
battery, required array output) needs the loop's pump and the cold case's heaters and comes later
(:mod:`studies.model.budget`).
"""
from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

import power
import thermal

from ..declare import UNIT_INTERVAL, output
from .cases import array_infrared
from .environment import Environment
from .inputs import array_support, solar_cell
from .radiation import Radiation

__all__ = ["Array", "run", "array_design", "array_exchange"]


class Array(eqx.Module):
    """The solar array and its view from the radiators (stage 3 of :func:`studies.model.evaluate`)."""

    array_eol_w: jax.Array = output("W", "end-of-life array output (aphelion)", "power")
    array_bol_w: jax.Array = output("W", "beginning-of-life array output (aphelion)", "power")
    array_eol_w_m2: jax.Array = output("W m-2", "end-of-life array output per planform area", "power")
    array_temperature_k: jax.Array = output("K", "solar array operating temperature", "power")
    array_radiation_factor: jax.Array = output("1", "remaining power factor after radiation", "power",
                                                    **UNIT_INTERVAL)
    array_absorbed_w: jax.Array = output("W", "environmental power absorbed by the whole solar array", "power")
    radiator_space_view: jax.Array = output("1", "radiator faces' view factor to space (1 - view of the arrays), "
                                                 "mean", "thermal", **UNIT_INTERVAL)
    radiator_array_ir_w_m2: jax.Array = output("W m-2", "orbit-average infrared from the arrays incident on a "
                                                        "radiator face in the hot case, mean of the faces", "thermal")
    array_converged: jax.Array = output("1", "array temperature solve converged", "convergence",
                                             **UNIT_INTERVAL)
    design: power.ArrayDesign                 # the array's design (area, coverglass, support)
    coupling_w_m2_k4: jax.Array | None        # (2,) radiator faces' coupling to the arrays; None: no array view
    radiator_longwave_w_m2: jax.Array         # (2,) orbit-average array infrared on faces A, B, hot case


def array_design(design, mission) -> power.ArrayDesign:
    """The array of ``design`` (area, coverglass) with the mission's support areal mass where stated."""
    return power.ArrayDesign(area_m2=design.array_area_m2, coverglass_thickness_m=design.coverglass_thickness_m,
                             **array_support(mission))


def array_exchange(design, mission, arr, array_temperature_k):
    """The radiator faces' exchange with the solar arrays in the default layout (radiator wings
    knife-edge to the Sun, perpendicular to Sun-tracking arrays; thermal.default_layout and
    thermal.radiator_exchange), or None when ``[radiator.layout] array_view`` is off."""
    if not mission.array_view:
        return None
    lay = thermal.default_layout(design.radiator_area_m2, design.array_area_m2,
                                 n_radiator_wings=mission.n_radiator_wings, radiator_aspect=mission.radiator_aspect,
                                 array_aspect=mission.array_aspect, bus_half_size_m=mission.bus_half_size_m,
                                 array_yoke_m=mission.array_yoke_m, radiator_root_gap_m=mission.radiator_root_gap_m)
    return thermal.radiator_exchange(lay, array_temperature_k, arr.front_emittance, arr.back_emittance,
                                     mission.face_emissivity(mission.life_years))


def run(design, mission, numerics, env: Environment, rad: Radiation) -> Array:
    """Stage 3: the array's temperature and output, and its infrared on the radiator (hot case)."""
    dtype = design.altitude_m.dtype
    cell = solar_cell(mission)
    arr = array_design(design, mission)
    fluence = rad.cell_fluence_1mev_cm2
    therm = power.array_temperature(cell, arr, env.array_front, env.array_back, fluence)
    # The radiator wings' view of the arrays (thermal.environment.satellite_geometry): orbit average of the arrays'
    # infrared on each face, the array in quasi-steady balance at each sample of the hot case (hot in
    # sunlight, cold in eclipse; studies.model.cases.array_infrared).
    ex = array_exchange(design, mission, arr, therm.temperature_k)
    coupling = None if ex is None else ex.array_coupling_side_w_m2_k4
    lw_array = (jnp.mean(array_infrared(design, mission, numerics, "hot", coupling, fluence)[0], axis=0)
                if ex is not None else jnp.zeros_like(env.radiator_longwave_w_m2))
    # End of life at aphelion (lowest Sun), Sun-tracking array.
    eol = power.array_power(cell, arr, therm.temperature_k, fluence, solar_flux_w_m2=env.aphelion_flux_w_m2,
                            degradation_scale=mission.cell_degradation_multiplier)
    bol = power.array_power(cell, arr, therm.temperature_k, 0.0, solar_flux_w_m2=env.aphelion_flux_w_m2)
    return Array(
        array_eol_w=eol.power_w, array_bol_w=bol.power_w, array_eol_w_m2=eol.power_w / design.array_area_m2,
        array_temperature_k=therm.temperature_k, array_radiation_factor=eol.factors.radiation,
        array_absorbed_w=therm.absorbed_w_m2 * design.array_area_m2,
        radiator_space_view=(jnp.mean(ex.space_view_side) if ex is not None else jnp.asarray(1.0, dtype)),
        radiator_array_ir_w_m2=jnp.mean(lw_array), array_converged=therm.converged, design=arr,
        coupling_w_m2_k4=coupling, radiator_longwave_w_m2=lw_array)
