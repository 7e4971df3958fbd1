"""Stage 4, hot loop: the payload's steady thermal state in the hot case -- chips on cold plates in
parallel branches, the canned pump, the main lines and the finite-difference radiator panels closed on
one loop energy balance (:func:`thermal.solve_loop`).

The loop carries every watt the power budget sends to the payload radiator
(:data:`power.HEAT_DESTINATIONS`): the chips' power, its point-of-load conversion loss (regulators on
the cold plates, downstream of the accelerators in each branch) and the pump's whole electrical
power (canned pump: hydraulic work and motor losses both end up in the coolant).  Identical parallel
branches make the representative-branch model exact: every chip sees the same supply temperature and
flow, every panel the same inlet and flow.  Chip power does not depend on temperature (no leakage
model), so the loop's energy balance is independent of the chip temperatures and the chip solve
follows the loop solve.

References
----------
- Gilmore (2002), *Spacecraft Thermal Control Handbook* Vol. I, ch. 6 and 12 (radiators, pumped loops).
"""
from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

import power
import thermal
from thermal.loop import coldplate as tcp
from thermal.loop import coolant as tcool
from thermal import radiator as trad
from thermal.chip import ks_max

from ..declare import COUNT, UNIT_INTERVAL, output
from .array import Array
from .environment import Environment
from .inputs import COLDPLATE, LID_LAYER, TIM2_LAYER, chip_model, coolant_of, mission_loads
from .mass import fluid_inventory_kg

__all__ = ["HotLoop", "run", "radiator_panel"]


def _out(units, long_name, **spec):
    return output(units, long_name, "thermal", **spec)


class HotLoop(eqx.Module):
    """Steady hot case of the coolant loop (stage 4 of :func:`studies.model.evaluate`)."""

    payload_radiator_heat_w: jax.Array = _out("W", "heat carried by the coolant loop to the radiators (chips, "
                                                   "conversion, pump)")
    radiator_inlet_k: jax.Array = _out("K", "radiator coolant inlet (loop return) temperature")
    radiator_outlet_k: jax.Array = _out("K", "radiator coolant outlet (loop supply) temperature")
    radiator_max_k: jax.Array = _out("K", "hottest radiator sheet temperature")
    radiator_min_k: jax.Array = _out("K", "coldest radiator sheet temperature")
    radiator_mean_k: jax.Array = _out("K", "mean radiator sheet temperature")
    radiator_fin_efficiency: jax.Array = _out("1", "radiator fin efficiency", **UNIT_INTERVAL)
    radiator_heat_rejected_w: jax.Array = _out("W", "net heat rejected by all radiator panels", signed=True)
    radiator_heat_flux_w_m2: jax.Array = _out("W m-2", "net heat rejected per radiator planform area",
                                                     signed=True)
    radiator_n_panels: jax.Array = _out("1", "number of radiator panels (continuous)", **COUNT)
    radiator_panel_width_m: jax.Array = _out("m", "radiator panel width (tubes x pitch)")
    radiator_absorbed_w_m2: jax.Array = _out("W m-2", "absorbed environment flux, both faces, per planform area")
    radiator_shortwave_a_w_m2: jax.Array = _out("W m-2", "orbit-average incident sunlight + albedo on radiator "
                                                         "face A, hot case")
    radiator_shortwave_b_w_m2: jax.Array = _out("W m-2", "orbit-average incident sunlight + albedo on radiator "
                                                         "face B, hot case")
    radiator_longwave_a_w_m2: jax.Array = _out("W m-2", "orbit-average incident infrared (Earth + arrays) on "
                                                        "radiator face A, hot case")
    radiator_longwave_b_w_m2: jax.Array = _out("W m-2", "orbit-average incident infrared (Earth + arrays) on "
                                                        "radiator face B, hot case")
    radiator_absorptivity_bol: jax.Array = _out("1", "radiator solar absorptivity at beginning of life, mean "
                                                     "of faces", **UNIT_INTERVAL)
    radiator_absorptivity_eol: jax.Array = _out("1", "radiator solar absorptivity at end of life (hot case), "
                                                     "mean", **UNIT_INTERVAL)
    radiator_emissivity_bol: jax.Array = _out("1", "radiator infrared emissivity at beginning of life, mean "
                                                   "of faces", **UNIT_INTERVAL)
    radiator_emissivity_eol: jax.Array = _out("1", "radiator infrared emissivity at end of life (hot case), "
                                                   "mean", **UNIT_INTERVAL)
    loop_closure_residual: jax.Array = _out("1", "relative residual of the loop energy balance")
    radiator_energy_residual_w: jax.Array = _out("W", "radiator panel energy-balance residual", signed=True)
    coolant_supply_k: jax.Array = _out("K", "coolant supply temperature (radiator outlet)")
    coolant_return_k: jax.Array = _out("K", "coolant return temperature (radiator inlet)")
    coolant_saturation_pressure_pa: jax.Array = _out("Pa", "coolant saturation pressure at the hottest loop point")
    coolant_hottest_k: jax.Array = _out("K", "hottest coolant in the loop (radiator inlet or cold-plate mean)")
    coolant_boiling_k: jax.Array = _out("K", "coolant boiling point at the loop pressure (pure water for PG/water)")
    loop_pressure_pa: jax.Array = _out("Pa", "loop static pressure")
    chip_coolant_k: jax.Array = _out("K", "mean coolant temperature in a cold plate")
    coldplate_htc_w_m2_k: jax.Array = _out("W m-2 K-1", "cold-plate effective heat-transfer coefficient")
    coldplate_reynolds: jax.Array = _out("1", "cold-plate channel Reynolds number", lo=0.0)
    junction_max_k: jax.Array = _out("K", "hottest junction (exact maximum)")
    junction_ks_k: jax.Array = _out("K", "KS smooth maximum of the junction temperature (optimiser)")
    junction_limit_k: jax.Array = _out("K", "junction temperature limit")
    hbm_max_k: jax.Array = _out("K", "hottest HBM stack (exact maximum)")
    hbm_ks_k: jax.Array = _out("K", "KS smooth maximum over HBM stacks (optimiser)")
    hbm_limit_k: jax.Array = _out("K", "HBM temperature limit")
    case_k: jax.Array = _out("K", "hottest lid (case) temperature")
    coldplate_base_k: jax.Array = _out("K", "hottest cold-plate base temperature")
    pressure_drop_pa: jax.Array = _out("Pa", "loop pressure drop")
    pump_power_w: jax.Array = _out("W", "pump electrical power")
    hydraulic_power_w: jax.Array = _out("W", "pump hydraulic power")
    chip_power_w: jax.Array = _out("W", "power per chip")
    radiator_field_k: jax.Array = _out("K", "radiator sheet temperature of one panel", array=True)
    junction_field_k: jax.Array = _out("K", "junction-layer temperature of the representative chip", array=True)
    radiator_converged: jax.Array = output("1", "radiator solve converged", "convergence", **UNIT_INTERVAL)
    loop_converged: jax.Array = output("1", "loop root find, chip solve and boiling-point root find converged",
                                       "convergence", **UNIT_INTERVAL)
    loop_energy_residual_w: jax.Array       # heat rejected - heat carried by the loop [W]
    coolant_inventory_kg: jax.Array         # coolant mass of the whole loop [kg]
    radiator_emissivity: jax.Array          # (2,) end-of-life emissivity of faces A, B (the hot case)
    radiator_absorbed_faces_w_m2: jax.Array  # (2,) absorbed environment flux per face, hot case [W/m^2]


def radiator_panel(design, mission, numerics):
    """One finite-difference radiator panel of the design with its end-of-life coatings (the hot case,
    :mod:`thermal.environment.coatings`) and the continuous number of such panels."""
    width = numerics.n_tubes_per_panel * design.radiator_tube_pitch_m
    n_panels = design.radiator_area_m2 / (numerics.panel_length_m * width)
    eps, alpha = mission.face_emissivity(mission.life_years), mission.face_absorptivity(mission.life_years)
    panel = trad.RadiatorPanel(
        length_m=jnp.asarray(numerics.panel_length_m, width.dtype), width_m=width,
        thickness_m=design.radiator_thickness_m, conductivity_w_m_k=mission.radiator_conductivity_w_m_k,
        emissivity=eps, absorptivity=alpha, tube_pitch_m=design.radiator_tube_pitch_m,
        tube_conductance_w_m_k=mission.tube_conductance_w_m_k, n_tubes=numerics.n_tubes_per_panel)
    return panel, n_panels


def coupled_loop(design, mission, numerics, sw, lw):
    """The payload's thermal state from :func:`thermal.solve_loop`: identical chips on cold plates in
    parallel branches (one modelled branch, ``branch_multiplicity = n_chips``), point-of-load
    conversion loss in each branch, a canned pump, main lines and the finite-difference radiator
    panels (:func:`thermal.fd_panel_radiator` with a continuous panel count, their tube-bank pressure
    drop from :func:`thermal.fd_panel_pressure_drop`).  Returns ``(LoopSolution, panel, n_panels,
    radiator panel solution, chip model, hbm block indices, coolant properties at the supply)``."""
    dtype = design.coolant_flow_kg_s.dtype
    panel, n_panels = radiator_panel(design, mission, numerics)
    model, block_power = chip_model(mission.chip, numerics.chip_nx, numerics.chip_ny, numerics.chip_silicon_k_of_t)
    chip_power = mission.payload_power_w / mission.n_chips
    bp = (jnp.asarray(block_power, dtype) * (chip_power / float(sum(block_power))))[None]
    params = model.default_params(dtype=dtype)
    k = params.conductivity_w_m_k.at[TIM2_LAYER].set(design.tim_conductivity_w_m_k)
    kl = params.lateral_conductivity_w_m_k.at[TIM2_LAYER].set(design.tim_conductivity_w_m_k)
    params = jax.tree_util.tree_map(lambda a: a[None],
                                    eqx.tree_at(lambda p: (p.conductivity_w_m_k, p.lateral_conductivity_w_m_k),
                                                params, (k, kl)))
    plate = tcp.ColdPlate(**{name: jnp.asarray(v, dtype) for name, v in COLDPLATE.items()},
                          enhancement=design.coldplate_htc_scale)
    loop_design = thermal.LoopDesign(
        mass_flow_kg_s=design.coolant_flow_kg_s, supply_temperature_k=jnp.asarray(300.0, dtype),
        pressure_pa=mission.loop_pressure_pa, pump_efficiency=mission.pump_efficiency,
        pipe_length_m=mission.main_line_length_m, pipe_diameter_m=mission.main_line_diameter_m,
        pipe_fittings_k=mission.main_line_fittings_k, coldplate_fittings_k=mission.coldplate_fittings_k,
        radiator_pressure_drop_pa=jnp.asarray(0.0, dtype))
    loads = mission_loads(mission, 0.0).terminal_w(eclipse=False)
    cool = coolant_of(mission)
    rn = trad.Numerics(nx=numerics.radiator_nx, ny=numerics.radiator_ny)
    radiator = thermal.fd_panel_radiator(None, rn)
    rparams = (panel, sw, lw, n_panels)
    # Level-0 start: the isothermal two-sided panel rejecting the payload heat.
    guess = thermal.isothermal_panel_temperature_k(mission.payload_power_w, design.radiator_area_m2,
                                                  panel.emissivity, panel.absorptivity * sw + panel.emissivity * lw)
    sol = thermal.solve_loop(
        model, params, bp, plate, loop_design, cool, 1, 1, radiator=radiator, radiator_params=rparams,
        case_layer=LID_LAYER, ks_rho_per_k=numerics.ks_rho_per_k, check=False, branch_multiplicity=mission.n_chips,
        radiator_pressure_drop=thermal.fd_panel_pressure_drop(None, mission.mass.tube_inner_diameter_m,
                                                              mission.radiator_tube_fittings_k),
        supply_guess_k=guess, branch_heat_w=loads["payload_conversion"] / mission.n_chips, canned_pump=True)
    props = tcool.coolant_properties(cool, sol.supply_temperature_k)
    rres = sol.radiator_solution   # the panel at the converged inlet temperature (solved once, in the loop)
    names = [b.name for b in model.floorplan.blocks]
    hbm_idx = jnp.asarray([i for i, n in enumerate(names) if n.startswith("hbm")])
    return sol, panel, n_panels, rres, model, hbm_idx, props


def run(design, mission, numerics, env: Environment, arr: Array) -> HotLoop:
    """Stage 4: close the loop on the FD radiator panels in the hot case and solve the representative chip."""
    sw = env.radiator_shortwave_w_m2
    lw = env.radiator_longwave_w_m2 + arr.radiator_longwave_w_m2
    sol, panel, n_panels, rres, model, hbm_idx, props = coupled_loop(design, mission, numerics, sw, lw)
    cool = coolant_of(mission)
    loads = mission_loads(mission, sol.pump_power_w)
    heat_w = sum(v for k, v in loads.terminal_w(eclipse=False).items()
                 if power.HEAT_DESTINATIONS[k] == "payload_radiator")
    hbm_max = sol.block_max_k[0, 0, hbm_idx]
    t_in, supply = sol.return_temperature_k, sol.supply_temperature_k
    t_cool = 0.5 * (sol.coolant_in_k[0, 0] + sol.coolant_out_k[0, 0])
    t_boil, boil_conv = tcool.saturation_temperature_k(cool, mission.loop_pressure_pa)
    absorbed = panel.absorptivity * sw + panel.emissivity * lw
    return HotLoop(
        payload_radiator_heat_w=heat_w,
        radiator_inlet_k=t_in, radiator_outlet_k=supply, radiator_max_k=rres.max_temperature_k,
        radiator_min_k=rres.min_temperature_k, radiator_mean_k=rres.mean_temperature_k,
        radiator_fin_efficiency=rres.fin_efficiency, radiator_heat_rejected_w=sol.heat_rejected_w,
        radiator_heat_flux_w_m2=sol.heat_rejected_w / design.radiator_area_m2,
        radiator_n_panels=n_panels, radiator_panel_width_m=panel.width_m,
        radiator_absorbed_w_m2=jnp.sum(absorbed),
        radiator_shortwave_a_w_m2=sw[0], radiator_shortwave_b_w_m2=sw[1],
        radiator_longwave_a_w_m2=lw[0], radiator_longwave_b_w_m2=lw[1],
        radiator_absorptivity_bol=jnp.mean(mission.face_absorptivity()),
        radiator_absorptivity_eol=jnp.mean(mission.face_absorptivity(mission.life_years)),
        radiator_emissivity_bol=jnp.mean(mission.face_emissivity()),
        radiator_emissivity_eol=jnp.mean(mission.face_emissivity(mission.life_years)),
        loop_closure_residual=sol.energy_residual_w / heat_w,
        radiator_energy_residual_w=rres.energy_residual_w,
        coolant_supply_k=supply, coolant_return_k=t_in,
        coolant_saturation_pressure_pa=tcool.saturation_pressure_pa(cool, jnp.maximum(t_in, t_cool)),
        coolant_hottest_k=jnp.maximum(t_in, t_cool), coolant_boiling_k=t_boil,
        loop_pressure_pa=mission.loop_pressure_pa,
        chip_coolant_k=t_cool, coldplate_htc_w_m2_k=sol.htc_w_m2_k, coldplate_reynolds=sol.reynolds,
        junction_max_k=sol.overall_max_junction_k, junction_ks_k=sol.chip_ks_junction_k[0, 0],
        junction_limit_k=mission.junction_limit_k,
        hbm_max_k=jnp.max(hbm_max), hbm_ks_k=ks_max(hbm_max, None, numerics.ks_rho_per_k),
        hbm_limit_k=mission.hbm_limit_k,
        case_k=sol.case_k[0, 0], coldplate_base_k=sol.coldplate_base_k[0, 0],
        pressure_drop_pa=sol.pressure_drop_pa, pump_power_w=sol.pump_power_w,
        hydraulic_power_w=sol.hydraulic_power_w, chip_power_w=sol.chip_power_w[0, 0],
        radiator_field_k=rres.temperature_k, junction_field_k=sol.junction_k[0, 0],
        radiator_converged=rres.converged, loop_converged=sol.converged & boil_conv.converged,
        loop_energy_residual_w=sol.energy_residual_w,
        coolant_inventory_kg=fluid_inventory_kg(design.radiator_area_m2, design.radiator_tube_pitch_m,
                                                props.density_kg_m3, mission.mass),
        radiator_emissivity=panel.emissivity, radiator_absorbed_faces_w_m2=absorbed)
