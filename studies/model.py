"""The coupled, differentiable model of a compute satellite: ``evaluate(design, mission, numerics)``.

Chain (all JAX, jitted end to end, differentiable in every design field and every
continuous mission parameter):

1. orbit: altitude -> sun-synchronous inclination (or the mission's fixed one),
   period, the eclipse of the worst season, orbit-average radiator environment in
   the hot case (beta fixed by the mission, chosen on the host; see
   :func:`studies.satellite.mission_geometry`);
2. radiation: trapped + solar-proton TID behind the shield, proton SEE rate and
   availability, 1-MeV-equivalent electron fluence behind the coverglass
   (:func:`radiation_metrics`);
3. power: array temperature from its energy balance, end-of-life array output,
   the array output required by the loads plus battery recharge, battery
   requirement for the longest eclipse (:mod:`power`);
4. thermal: identical chips on cold plates in parallel branches: the loop carries
   every watt the power budget sends to the payload radiator (chip power, its
   point-of-load conversion loss, the pump's electrical power); the loop energy
   balance closes on the finite-difference radiator panels (a scalar root in the
   radiator inlet temperature, implicit gradient), then one representative chip
   is solved on the cold plate at its local coolant temperature;
5. mass model and the normalised constraints.

Identical parallel branches make the representative-branch model exact: every
chip sees the same supply temperature and flow, every panel the same inlet and
flow.  Chip power does not depend on temperature here (no leakage model), so the
loop's energy balance is independent of the chip temperatures and the chip
solve follows the loop solve.

References
----------
- Gilmore (2002), *Spacecraft Thermal Control Handbook* Vol. I, ch. 6 and 12
  (radiators, pumped loops).
- Martins & Ning (2021), *Engineering Design Optimization*, ch. 5.
"""
from __future__ import annotations

import functools
import math
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

import orbit
import power
import radiation
import thermal
from thermal import coldplate as tcp
from thermal import coolant as tcool
from thermal import radiator as trad
from thermal.accelerators import accelerator_package
from thermal.loop import pipe_darcy_friction

from .design import SatelliteDesign
from .mass_model import (MassParameters, bus_radiator_area_m2, fluid_inventory_kg, mass_breakdown, pump_mass_kg,
                         radiator_mass_kg, shield_mass_kg)
from .optimize import ks_max

AL_DENSITY_KG_M3 = 2700.0
SECONDS_PER_YEAR = 365.25 * 86400.0


class Mission(eqx.Module):
    """Mission requirements and fixed choices.  Array fields are differentiable
    (sensitivities are taken with respect to them); static fields select models."""

    payload_power_w: jax.Array
    life_years: jax.Array
    junction_limit_k: jax.Array
    hbm_limit_k: jax.Array
    tid_tolerance_si_gy: jax.Array
    tid_margin: jax.Array
    availability_target: jax.Array
    see_recovery_s: jax.Array
    launch_cost_usd_per_kg: jax.Array
    bus_power_w: jax.Array
    isl_terminal_count: jax.Array
    isl_terminal_w: jax.Array
    eclipse_payload_fraction: jax.Array
    loop_pressure_pa: jax.Array
    pump_efficiency: jax.Array
    coolant_reference_temperature_k: jax.Array
    radiator_conductivity_w_m_k: jax.Array
    tube_conductance_w_m_k: jax.Array
    hot_beta_rad: jax.Array
    eclipse_beta_rad: jax.Array
    eclipse_orbits_fraction: jax.Array
    inclination_rad: jax.Array
    sso: jax.Array
    n_chips: int = eqx.field(static=True, default=150)
    chip: str = eqx.field(static=True, default="b200")
    coolant: str = eqx.field(static=True, default="water")
    cell: str = eqx.field(static=True, default="spectrolab_xtj")
    objective: str = eqx.field(static=True, default="mass")
    mass: MassParameters = eqx.field(static=True, default=MassParameters())


class Numerics(eqx.Module):
    """Static model resolution: changing any field recompiles."""

    radiator_nx: int = eqx.field(static=True, default=24)
    radiator_ny: int = eqx.field(static=True, default=40)
    n_tubes_per_panel: int = eqx.field(static=True, default=8)
    panel_length_m: float = eqx.field(static=True, default=8.0)
    chip_nx: int = eqx.field(static=True, default=24)
    chip_ny: int = eqx.field(static=True, default=18)
    chip_silicon_k_of_t: bool = eqx.field(static=True, default=False)
    n_orbit_samples: int = eqx.field(static=True, default=72)
    loop_newton_iterations: int = eqx.field(static=True, default=12)
    ks_rho_per_k: float = eqx.field(static=True, default=2.0)


COLDPLATE = dict(channel_width_m=0.3e-3, channel_height_m=3e-3, fin_thickness_m=0.2e-3, length_m=0.06,
                 width_m=0.08, fin_conductivity_w_m_k=390.0)
"""Baseline microchannel cold plate under an 80 x 60 mm lid: 0.3 mm copper channels, 3 mm tall
(skived-fin class, e.g. Kandlikar & Grande 2003 microchannel design guidance)."""


def _coolant(mission: Mission) -> tcool.Coolant:
    if mission.coolant == "water":
        return tcool.WATER
    if mission.coolant == "ammonia":
        return tcool.AMMONIA
    if mission.coolant.startswith("mpg"):
        return tcool.propylene_glycol_water(int(mission.coolant[3:]) / 100.0)
    raise ValueError(f"mission.coolant = {mission.coolant!r} is not one of water, ammonia, mpgNN")


# ---------------------------------------------------------------------------------------------
# radiation
# ---------------------------------------------------------------------------------------------

HBM_STACKS_PER_CHIP = {"h100-sxm": 5, "b200": 8, "gb200": 8}
"""Active HBM stacks per accelerator (the SEE 'devices' per chip); see thermal.accelerators."""
COVERGLASS_DENSITY_G_CM3 = 2.55
"""Ceria-doped borosilicate coverglass density [g/cm^3] (as in power.ArrayDesign)."""


def radiation_metrics(design: SatelliteDesign, mission: Mission, inclination_rad) -> dict:
    """TID behind the shield, SEE rate and availability, cell fluence behind the coverglass.

    * TID: trapped protons/electrons/bremsstrahlung (AE8 MAX + AP8 MIN, the conservative
      pairing) and solar protons at the mission confidence level, solid aluminium sphere
      of the design's shield thickness, silicon detector, no margin (the TID constraint
      applies ``mission.tid_margin``).
    * SEE: trapped-proton spectrum transported through the shield, times the HBM Weibull
      cross-section of :data:`radiation.see.EXAMPLE_DEVICES` per HBM stack (see the
      radiation package for the provenance of those parameters), scaled to chip and
      payload; availability is the capacity-weighted one: an event takes down the one
      chip it hits for the recovery time, so the payload's available compute fraction is
      1 / (1 + lambda_chip tau).
    * Cell fluence: 1-MeV-equivalent electrons behind the coverglass (NRL/EQFLUX-type
      method of :mod:`radiation.displacement`), trapped + solar protons and electrons.
    """
    h = design.altitude_m
    shield = radiation.shielding.al_thickness_m_to_g_cm2(design.shield_thickness_m)
    dose = radiation.mission.mission_tid_si_gy(h, inclination_rad, shield, mission.life_years, design_margin=1.0)
    ep, fp = radiation.environment.trapped_differential_flux(h, inclination_rad, "proton", "min")
    fs = radiation.see.shielded_proton_spectrum(ep, fp, shield)
    dev = radiation.see.EXAMPLE_DEVICES["hbm_stack_placeholder"]
    sigma = radiation.see.weibull_cross_section_cm2(ep, dev["saturated_cm2"], dev["threshold_mev"],
                                                    dev["width_mev"], dev["shape"])
    rate = radiation.see.proton_see_rate_per_s(ep, fs, sigma)
    see = radiation.see.see_summary(rate, HBM_STACKS_PER_CHIP[mission.chip], mission.n_chips, mission.life_years,
                                    mission.see_recovery_s)
    cg = design.coverglass_thickness_m * 100.0 * COVERGLASS_DENSITY_G_CM3
    cell = radiation.displacement.one_mev_equivalent_fluence_cm2(h, inclination_rad, mission.life_years, cg)
    return {
        "tid_si_gy": dose.total_gy,
        "tid_trapped_electron_si_gy": dose.trapped_electron_gy + dose.bremsstrahlung_gy,
        "tid_trapped_proton_si_gy": dose.trapped_proton_gy,
        "tid_solar_proton_si_gy": dose.solar_proton_gy,
        "see_events_per_chip_day": see.per_chip_day,
        "see_events_per_payload_day": see.per_payload_day,
        "see_events_per_mission": see.events_per_mission,
        "availability": 1.0 / (1.0 + see.per_chip_day / 86400.0 * mission.see_recovery_s),
        "cell_fluence_1mev_cm2": cell.one_mev_electron_equivalent_cm2,
    }


# ---------------------------------------------------------------------------------------------
# thermal: radiator loop closure and the representative chip
# ---------------------------------------------------------------------------------------------

def _panel(design: SatelliteDesign, mission: Mission, numerics: Numerics):
    width = numerics.n_tubes_per_panel * design.radiator_tube_pitch_m
    n_panels = design.radiator_area_m2 / (numerics.panel_length_m * width)
    eps = jnp.stack([design.radiator_emissivity, design.radiator_emissivity])
    alpha = jnp.stack([design.radiator_absorptivity, design.radiator_absorptivity])
    panel = trad.RadiatorPanel(
        length_m=jnp.asarray(numerics.panel_length_m, width.dtype), width_m=width,
        thickness_m=design.radiator_thickness_m, conductivity_w_m_k=mission.radiator_conductivity_w_m_k,
        emissivity=eps, absorptivity=alpha, tube_pitch_m=design.radiator_tube_pitch_m,
        tube_conductance_w_m_k=mission.tube_conductance_w_m_k, n_tubes=numerics.n_tubes_per_panel)
    return panel, n_panels


def radiator_loop(design, mission, numerics, heat_w, cp, sw, lw):
    """Radiator inlet temperature that rejects ``heat_w`` (loop closure), with the panel solution.

    Per panel: flow m/n_panels split over its tubes; the inlet temperature T_in solves
    m_p c_p (T_in - T_out(T_in)) = Q/n_panels.  Newton in T_in with the panel solve's
    own derivative; gradients by the implicit function theorem (jax.lax.custom_root).
    """
    panel, n_panels = _panel(design, mission, numerics)
    m_panel = design.coolant_flow_kg_s / n_panels
    q_panel = heat_w / n_panels
    rn = trad.Numerics(nx=numerics.radiator_nx, ny=numerics.radiator_ny)

    def solve_panel(t_in, panel, m_panel):
        flow = trad.Coolant(mass_flow_kg_s=m_panel / numerics.n_tubes_per_panel, specific_heat_j_kg_k=cp,
                            inlet_temperature_k=t_in)
        return trad.solve_steady(panel, flow, sw, lw, rn)

    def g(t_in):
        r = solve_panel(t_in, panel, m_panel)
        return (m_panel * cp * (t_in - r.outlet_temperature_k) - q_panel) / q_panel

    # Isothermal estimate (level 0) as the start: sigma eps T^4 sum - absorbed = Q/A.
    q_abs = jnp.sum(panel.absorptivity * sw + panel.emissivity * lw)
    t0 = ((heat_w / design.radiator_area_m2 + q_abs) / (orbit.constants.STEFAN_BOLTZMANN_W_M2_K4
                                                         * jnp.sum(panel.emissivity))) ** 0.25
    t0 = jax.lax.stop_gradient(t0 + 0.5 * heat_w / (design.coolant_flow_kg_s * cp))

    def newton(func, x0):
        def body(_, x):
            v, s = jax.jvp(func, (x,), (jnp.ones_like(x),))
            return x - v / s
        return jax.lax.fori_loop(0, numerics.loop_newton_iterations, body, x0)

    t_in = jax.lax.custom_root(g, t0, newton, lambda gl, y: y / gl(jnp.ones_like(y)))
    res = solve_panel(t_in, panel, m_panel)
    closure = g(t_in)
    return t_in, res, n_panels, panel, closure


def mission_loads(mission: Mission, pump_w) -> power.Loads:
    """The electrical loads of the mission (payload, bus, ISL terminals) plus the pump [W]."""
    return power.Loads(payload_compute_w=mission.payload_power_w, bus_avionics_w=mission.bus_power_w,
                       isl_terminal_count=mission.isl_terminal_count, isl_terminal_w=mission.isl_terminal_w,
                       pumps_w=pump_w, eclipse_payload_fraction=mission.eclipse_payload_fraction)


@functools.lru_cache(maxsize=16)
def _chip_model(chip: str, nx: int, ny: int, silicon_k_of_t: bool = False):
    """Cached chip geometry (a static object: its solves compile once per grid)."""
    return accelerator_package(chip, nx=nx, ny=ny, n_sublayers=(1, 1, 1, 1, 1), silicon_k_of_t=silicon_k_of_t)


def chip_solution(design, mission, numerics, supply_k, props, cp):
    """Representative chip on its cold plate at the local (mean) coolant temperature."""
    model, block_power = _chip_model(mission.chip, numerics.chip_nx, numerics.chip_ny,
                                     numerics.chip_silicon_k_of_t)
    nominal = float(sum(block_power))
    dtype = design.coolant_flow_kg_s.dtype
    chip_power = mission.payload_power_w / mission.n_chips
    bp = jnp.asarray(block_power, dtype) * (chip_power / nominal)
    plate = tcp.ColdPlate(**{k: jnp.asarray(v, dtype) for k, v in COLDPLATE.items()})
    m_chip = design.coolant_flow_kg_s / mission.n_chips
    perf = tcp.coldplate_performance(plate, m_chip, props.density_kg_m3, props.viscosity_pa_s,
                                     props.conductivity_w_m_k, props.prandtl)
    htc = perf.htc_w_m2_k * design.coldplate_htc_scale * (COLDPLATE["width_m"] * COLDPLATE["length_m"]) / (
        model.lx_m * model.ly_m)
    t_cool = supply_k + 0.5 * chip_power / (m_chip * cp)
    params = model.default_params(bottom_htc_w_m2_k=htc, coolant_temperature_k=t_cool, dtype=dtype)
    k = params.conductivity_w_m_k.at[3].set(design.tim_conductivity_w_m_k)
    kl = params.lateral_conductivity_w_m_k.at[3].set(design.tim_conductivity_w_m_k)
    params = eqx.tree_at(lambda p: (p.conductivity_w_m_k, p.lateral_conductivity_w_m_k), params, (k, kl))
    sol = model._steady(params, bp, jnp.zeros((model.nz, model.ny, model.nx), dtype), None, 4000,
                        numerics.ks_rho_per_k)
    names = [b.name for b in model.floorplan.blocks]
    hbm_idx = jnp.asarray([i for i, n in enumerate(names) if n.startswith("hbm")])
    return sol, perf, m_chip, t_cool, hbm_idx, model


# ---------------------------------------------------------------------------------------------
# the whole satellite
# ---------------------------------------------------------------------------------------------

def evaluate(design: SatelliteDesign, mission: Mission, numerics: Numerics = Numerics()) -> dict[str, Any]:
    """Every metric of one satellite design (a dict of JAX scalars/arrays).

    Keys include ``total_mass_kg``, the mass breakdown ``mass_<item>_kg``,
    temperatures of the budget chain, ``tid_si_gy``, SEE rates, array and battery
    figures, the normalised constraints ``g_<name>`` (>= 0 is feasible), the
    ``objective`` and convergence flags.
    """
    dtype = design.altitude_m.dtype
    h = design.altitude_m
    # Sun-synchronous orbits: the inclination follows the altitude (J2); others keep theirs.
    inc = jnp.where(mission.sso > 0.5, orbit.sso_inclination_rad(h), mission.inclination_rad)
    period = orbit.period_s(h)
    out: dict[str, Any] = {"inclination_deg": jnp.degrees(inc), "period_s": period}

    # --- radiation ---------------------------------------------------------------------
    out.update(radiation_metrics(design, mission, inc))

    # --- environment on the radiator (hot case) ----------------------------------------------
    env = thermal.plate_environment(h, mission.hot_beta_rad, "sun_edge_on", numerics.n_orbit_samples,
                                    solar_flux_w_m2=orbit.constants.SOLAR_CONSTANT_1AU_W_M2 / 0.98329**2)
    fa, fb = env.face_a.orbit_average(), env.face_b.orbit_average()
    sw = jnp.stack([fa.shortwave_w_m2, fb.shortwave_w_m2])
    lw = jnp.stack([fa.longwave_w_m2, fb.longwave_w_m2])

    # --- coolant, pump, loop ----------------------------------------------------------------
    cool = _coolant(mission)
    props = tcool.coolant_properties(cool, mission.coolant_reference_temperature_k)
    cp = props.cp_j_kg_k
    chip_power = mission.payload_power_w / mission.n_chips

    # Pressure drop: cold plate (+ports), radiator tubes, main lines; pump power.
    plate = tcp.ColdPlate(**{k: jnp.asarray(v, dtype) for k, v in COLDPLATE.items()})
    m_chip = design.coolant_flow_kg_s / mission.n_chips
    perf = tcp.coldplate_performance(plate, m_chip, props.density_kg_m3, props.viscosity_pa_s,
                                     props.conductivity_w_m_k, props.prandtl)
    dp_plate = perf.pressure_drop_pa * design.coldplate_htc_scale + 2.0 * 0.5 * props.density_kg_m3 * perf.velocity_m_s**2
    panel, n_panels = _panel(design, mission, numerics)
    m_tube = design.coolant_flow_kg_s / (n_panels * numerics.n_tubes_per_panel)
    d_tube = mission.mass.tube_inner_diameter_m
    v_tube = m_tube / (props.density_kg_m3 * jnp.pi * d_tube**2 / 4)
    re_tube = props.density_kg_m3 * v_tube * d_tube / props.viscosity_pa_s
    dp_tube = (pipe_darcy_friction(re_tube) * numerics.panel_length_m / d_tube + 3.0) * 0.5 * props.density_kg_m3 * v_tube**2
    d_main = 0.05
    v_main = design.coolant_flow_kg_s / (props.density_kg_m3 * jnp.pi * d_main**2 / 4)
    re_main = props.density_kg_m3 * v_main * d_main / props.viscosity_pa_s
    dp_main = (pipe_darcy_friction(re_main) * 20.0 / d_main + 10.0) * 0.5 * props.density_kg_m3 * v_main**2
    dp = dp_plate + dp_tube + dp_main
    hydraulic_w = dp * design.coolant_flow_kg_s / props.density_kg_m3
    pump_w = hydraulic_w / mission.pump_efficiency

    # Everything the power budget sends to the payload radiator (power.HEAT_DESTINATIONS) reaches
    # the coolant: the chips' power, its point-of-load conversion loss (regulators on cold plates,
    # assumed downstream of the accelerators in each branch) and the pump's whole electrical power
    # (canned pump: hydraulic work and motor losses both end up in the coolant).
    loads = mission_loads(mission, pump_w)
    heat_w = sum(v for k, v in loads.terminal_w(eclipse=False).items()
                 if power.HEAT_DESTINATIONS[k] == "payload_radiator")
    out["payload_radiator_heat_w"] = heat_w
    t_in, rres, n_panels, panel, closure = radiator_loop(design, mission, numerics, heat_w, cp, sw, lw)
    supply = rres.outlet_temperature_k
    sol, perf, m_chip, t_cool, hbm_idx, model = chip_solution(design, mission, numerics, supply, props, cp)
    hbm_max = sol.block_max_k[hbm_idx]
    lid_z = int(list(model.sub_layer).index(2))  # first sub-layer of the lid ("case")
    out.update({
        "radiator_inlet_k": t_in, "radiator_outlet_k": supply, "radiator_max_k": rres.max_temperature_k,
        "radiator_min_k": rres.min_temperature_k, "radiator_mean_k": rres.mean_temperature_k,
        "radiator_fin_efficiency": rres.fin_efficiency, "radiator_heat_rejected_w": rres.heat_rejected_w * n_panels,
        "radiator_n_panels": n_panels, "radiator_panel_width_m": panel.width_m,
        "radiator_absorbed_w_m2": jnp.sum(panel.absorptivity * sw + panel.emissivity * lw),
        "radiator_field_k": rres.temperature_k,
        "loop_closure_residual": closure, "radiator_converged": rres.converged,
        "radiator_energy_residual_w": rres.energy_residual_w,
        "coolant_supply_k": supply, "coolant_return_k": t_in, "chip_coolant_k": t_cool,
        "coldplate_htc_w_m2_k": perf.htc_w_m2_k * design.coldplate_htc_scale, "coldplate_reynolds": perf.reynolds,
        "junction_max_k": sol.max_junction_k, "junction_ks_k": sol.ks_junction_k,
        "hbm_max_k": jnp.max(hbm_max), "hbm_ks_k": ks_max(hbm_max, numerics.ks_rho_per_k),
        "junction_field_k": sol.junction_k, "chip_converged": sol.converged,
        "case_k": jnp.max(jnp.where(jnp.asarray(model.mask[lid_z]), sol.temperature_k[lid_z], -jnp.inf)),
        "coldplate_base_k": jnp.max(sol.temperature_k[-1]),
        "pressure_drop_pa": dp, "pump_power_w": pump_w, "hydraulic_power_w": hydraulic_w,
        "chip_power_w": chip_power,
    })

    # --- power ------------------------------------------------------------------------------
    cell = power.get_cell(mission.cell)
    ecl_s = orbit.eclipse_fraction(h, mission.eclipse_beta_rad) * period
    sun_s = period - ecl_s
    sunlit_load = loads.total_w(eclipse=False)
    eclipse_load = loads.total_w(eclipse=True)
    req = power.required_array_power_w(sunlit_load, eclipse_load, sun_s, ecl_s)
    arr = power.ArrayDesign(area_m2=design.array_area_m2, coverglass_thickness_m=design.coverglass_thickness_m)
    aenv = thermal.plate_environment(h, mission.hot_beta_rad, "sun_facing", numerics.n_orbit_samples)
    lit = jnp.maximum(jnp.mean(aenv.samples.sunlit), 1e-3)
    front = power.IncidentFlux(*(jnp.mean(x) / lit for x in aenv.face_a))
    back = power.IncidentFlux(*(jnp.mean(x) / lit for x in aenv.face_b))
    front = front._replace(solar_w_m2=jnp.asarray(orbit.constants.SOLAR_CONSTANT_1AU_W_M2 / 1.01671**2, dtype))
    fluence = out["cell_fluence_1mev_cm2"]
    therm = power.array_temperature(cell, arr, front, back, fluence)
    # End of life at aphelion (lowest Sun), Sun-tracking array.
    eol = power.array_power(cell, arr, therm.temperature_k, fluence,
                            solar_flux_w_m2=orbit.constants.SOLAR_CONSTANT_1AU_W_M2 / 1.01671**2)
    bol = power.array_power(cell, arr, therm.temperature_k, 0.0,
                            solar_flux_w_m2=orbit.constants.SOLAR_CONSTANT_1AU_W_M2 / 1.01671**2)
    n_cycles = mission.life_years * SECONDS_PER_YEAR / period * mission.eclipse_orbits_fraction
    dod = power.max_dod_from_cycles(jnp.maximum(n_cycles, 1.0))
    bat = power.size_battery(eclipse_load, ecl_s, sun_s, dod)
    tech = power.BatteryTech()
    battery_mass = design.battery_capacity_j / 3600.0 / tech.pack_specific_energy_wh_kg
    out.update({
        "eclipse_s": ecl_s, "sunlit_load_w": sunlit_load, "eclipse_load_w": eclipse_load,
        "array_required_w": req.array_power_w, "array_eol_w": eol.power_w, "array_bol_w": bol.power_w,
        "array_temperature_k": therm.temperature_k, "array_radiation_factor": eol.factors.radiation,
        "array_mass_kg": power.array_mass_kg(cell, arr), "battery_required_j": bat.capacity_wh * 3600.0,
        "array_absorbed_w": therm.absorbed_w_m2 * design.array_area_m2, "battery_recharge_w": req.recharge_w,
        "battery_dod": dod, "battery_cycles": n_cycles, "battery_mass_kg": battery_mass,
        "array_converged": therm.converged,
    })

    # --- bus / PMAD heat (power.HEAT_DESTINATIONS "bus_radiator"), worse of sunlight and eclipse ----
    # the same budgets the study prints (power.sunlit_budget / eclipse_budget), traced here
    path = power.PathEfficiencies()
    sun_budget = power.sunlit_budget(loads, eol.power_w, out["array_absorbed_w"], req.recharge_w * path.regulator,
                                     path, tech)
    ecl_budget = power.eclipse_budget(loads, path, tech)
    bus_sun = sun_budget.heat_by_destination_w["bus_radiator"]
    bus_ecl = ecl_budget.heat_by_destination_w["bus_radiator"]
    mp = mission.mass
    bus_heat = jnp.maximum(bus_sun, bus_ecl)
    bus_area = bus_radiator_area_m2(bus_heat, panel.absorptivity * sw + panel.emissivity * lw, panel.emissivity, mp)
    out.update({"bus_radiator_heat_w": bus_heat, "bus_radiator_area_m2": bus_area})

    # --- mass ---------------------------------------------------------------------------------
    shield_areal = design.shield_thickness_m * AL_DENSITY_KG_M3
    masses = mass_breakdown(
        radiator_kg=radiator_mass_kg(design.radiator_area_m2, design.radiator_thickness_m,
                                     design.radiator_tube_pitch_m, mp),
        fluid_kg=fluid_inventory_kg(design.radiator_area_m2, design.radiator_tube_pitch_m, props.density_kg_m3, mp),
        pump_kg=pump_mass_kg(pump_w, mp), shield_kg=shield_mass_kg(shield_areal, mp),
        array_kg=out["array_mass_kg"], battery_kg=battery_mass, n_chips=mission.n_chips, p=mp,
        bus_radiator_kg=bus_area * mp.bus_radiator_areal_mass_kg_m2)
    for k, v in masses.items():
        out[f"mass_{k}_kg"] = v
    out["total_mass_kg"] = masses["total"]
    out["specific_power_w_kg"] = mission.payload_power_w / masses["total"]
    out["cost_per_kw_year_usd"] = masses["total"] * mission.launch_cost_usd_per_kg / (
        mission.payload_power_w / 1e3 * mission.life_years)

    # --- constraints (>= 0 feasible), normalised ---------------------------------------------------
    lo_liquid, hi_liquid = cool.temperature_range_k
    sat = tcool.saturation_pressure_pa(cool, jnp.maximum(t_in, t_cool))
    cons = {
        "junction": (mission.junction_limit_k - sol.ks_junction_k) / 10.0,
        "hbm": (mission.hbm_limit_k - out["hbm_ks_k"]) / 10.0,
        "power": (eol.power_w - req.array_power_w) / req.array_power_w,
        "battery": (design.battery_capacity_j - out["battery_required_j"]) / out["battery_required_j"],
        "tid": (mission.tid_tolerance_si_gy - mission.tid_margin * out["tid_si_gy"]) / mission.tid_tolerance_si_gy,
        "coolant_freeze": (supply - (lo_liquid + 5.0)) / 10.0,
        "coolant_boil": (mission.loop_pressure_pa - sat) / mission.loop_pressure_pa,
        "availability": (out["availability"] - mission.availability_target) / (1.0 - mission.availability_target),
    }
    for k, v in cons.items():
        out[f"g_{k}"] = v
    out["objective"] = masses["total"] if mission.objective == "mass" else out["cost_per_kw_year_usd"]
    out["converged"] = rres.converged & sol.converged & jnp.all(therm.converged) & (jnp.abs(closure) < 1e-6)
    return out


CONSTRAINT_NAMES = ("junction", "hbm", "power", "battery", "tid", "coolant_freeze", "coolant_boil", "availability")
