"""Study option: minimum-mass radiator sheet thickness map (adjoint design with
thousands of variables) and its radiating-fin checks.

Composition only: the physics, the optimiser and the fin checks live in
:mod:`thermal.radiator.thickness`; this module builds the panel from plain inputs,
runs the design and collects the numbers a report needs (:func:`studies.io.plots.thickness_figure` draws
the thickness map).

References
----------
See :mod:`thermal.radiator.thickness` (Bartas & Sellers 1960; Lieblein 1959;
Wilkins 1960; Kraft 1988).
"""
from __future__ import annotations

from typing import Optional

import jax.numpy as jnp
import numpy as np

import thermal
from thermal.radiator import Coolant, Numerics, RadiatorPanel
from thermal.radiator.thickness import (
    RECTANGULAR_FIN_OPTIMUM_ETA,
    RECTANGULAR_FIN_OPTIMUM_NC,
    ThicknessDesign,
    fin_numerics,
    optimize_rectangular_fin,
    optimize_tapered_fin,
    optimize_thickness,
    thickness_responses,
)

from ..declare import Quantity
from ..model.inputs import coolant_of


def run_thickness_design(*, length_m: float = 6.0, width_m: float = 2.4, n_tubes: int = 8,
                         tube_pitch_m: float = 0.3, tube_conductance_w_m_k: float = 300.0,
                         conductivity_w_m_k: float = 200.0, density_kg_m3: float = 2700.0,
                         emissivity=(0.88, 0.88), absorptivity=(0.2, 0.2), shortwave_w_m2=(250.0, 40.0),
                         longwave_w_m2=(220.0, 60.0), mass_flow_kg_s: float = 0.05,
                         specific_heat_j_kg_k: float = 3500.0, inlet_temperature_k: float = 340.0,
                         arrangement: str = "parallel", reference_thickness_m: float = 1.5e-3,
                         heat_required_w: Optional[float] = None, max_temperature_k: float = 400.0,
                         grid=(64, 64), zones=(32, 32), thickness_bounds_m=(5e-5, 5e-3),
                         ks_rho_per_k: float = 2.0, numerics: Optional[Numerics] = None, maxiter: int = 200,
                         timing_repeats: int = 2, fin_check: bool = True, fin_zones: int = 32) -> dict:
    """Minimise the radiator sheet mass over a (nzy, nzx) zone map of thicknesses at a
    fixed heat rejection and maximum temperature.

    Parameters
    ----------
    length_m, width_m : panel size [m]; n_tubes, tube_pitch_m [m], tube_conductance_w_m_k
        [W/(m K)] : pumped tubes; conductivity_w_m_k [W/(m K)], density_kg_m3 [kg/m^3] :
        sheet material; emissivity, absorptivity : faces A, B; shortwave_w_m2,
        longwave_w_m2 : incident fluxes on faces A, B [W/m^2] (orbit averages);
        mass_flow_kg_s (per tube), specific_heat_j_kg_k, inlet_temperature_k [K],
        arrangement : coolant.
    reference_thickness_m : uniform thickness [m] whose heat rejection is the requirement
        when ``heat_required_w`` is None (so the answer is "the same heat for less mass").
    heat_required_w : Q_req [W] (default: from ``reference_thickness_m``).
    max_temperature_k : limit [K] on the KS smooth maximum of the sheet temperature.
    grid : (ny, nx) FD cells; zones : (nzy, nzx) design zones (each must divide grid).
    thickness_bounds_m : (t_min, t_max) [m].
    ks_rho_per_k : KS parameter [1/K].
    numerics : optional full :class:`thermal.radiator.Numerics` (overrides ``grid``).
    maxiter : SLSQP iteration cap.  timing_repeats : solve/gradient timing repeats (0: skip).
    fin_check : also run the 1-D radiating-fin checks (rectangular optimum vs the
        published N_c = 0.846, eta = 0.565; tapered profile with ``fin_zones`` zones).

    Returns
    -------
    dict with the optimum (``zone_thickness_m``, ``thickness_m``, ``mass_kg``,
    ``reference_mass_kg``, ``mass_saving``, ``heat_rejected_w``, ``heat_required_w``,
    ``max_temperature_k``, ``ks_temperature_k``), convergence (``success``, ``message``,
    ``iterations``, ``kkt_residual``, ``multipliers``, ``constraint_violation``,
    ``n_gradients``), costs (``n_vars``, ``solve_time_s``, ``gradient_time_s``,
    ``gradient_over_solve``, ``fd_cost_estimate_s``), ``fin`` (checks; None when
    skipped).  :func:`studies.io.plots.thickness_figure` draws the map.

    Raises
    ------
    ValueError : bad inputs or an unreachable requirement (one line, naming the input).
    """
    ny, nx = (numerics.ny, numerics.nx) if numerics is not None else tuple(int(g) for g in grid)
    num = numerics if numerics is not None else Numerics(nx=nx, ny=ny)
    f = lambda v: jnp.asarray(v, float)  # noqa: E731
    panel = RadiatorPanel(length_m=f(length_m), width_m=f(width_m), thickness_m=f(reference_thickness_m),
                          conductivity_w_m_k=f(conductivity_w_m_k), emissivity=f(emissivity),
                          absorptivity=f(absorptivity), tube_pitch_m=f(tube_pitch_m),
                          tube_conductance_w_m_k=f(tube_conductance_w_m_k), density_kg_m3=f(density_kg_m3),
                          n_tubes=int(n_tubes))
    cool = Coolant(mass_flow_kg_s=f(mass_flow_kg_s), specific_heat_j_kg_k=f(specific_heat_j_kg_k),
                   inlet_temperature_k=f(inlet_temperature_k), arrangement=arrangement)
    sw, lw = f(shortwave_w_m2), f(longwave_w_m2)
    zones = tuple(int(z) for z in zones)
    if heat_required_w is None:
        probe = ThicknessDesign(panel, cool, sw, lw, num, zones=zones, heat_required_w=1.0,
                                max_temperature_k=max_temperature_k, thickness_bounds_m=tuple(thickness_bounds_m),
                                ks_rho_per_k=ks_rho_per_k)
        _, y, aux = thickness_responses(probe, jnp.full(zones, float(reference_thickness_m)))
        if not bool(aux[1]):
            raise ValueError("radiator solve at reference_thickness_m did not converge")
        heat_required_w = float(y[0])
    design = ThicknessDesign(panel, cool, sw, lw, num, zones=zones, heat_required_w=float(heat_required_w),
                             max_temperature_k=float(max_temperature_k),
                             thickness_bounds_m=tuple(float(t) for t in thickness_bounds_m),
                             ks_rho_per_k=float(ks_rho_per_k))
    r = optimize_thickness(design, maxiter=maxiter, timing_repeats=timing_repeats)
    out = dict(
        zone_thickness_m=r.zone_thickness_m, thickness_m=r.thickness_m, mass_kg=r.mass_kg,
        reference_mass_kg=r.reference_mass_kg, reference_thickness_m=r.reference_thickness_m,
        mass_saving=r.mass_saving, heat_rejected_w=r.heat_rejected_w, heat_required_w=float(heat_required_w),
        max_temperature_k=r.max_temperature_k, ks_temperature_k=r.ks_temperature_k,
        max_temperature_limit_k=float(max_temperature_k), success=r.success, message=r.message,
        iterations=r.iterations, kkt_residual=r.kkt_residual, multipliers=r.multipliers,
        constraint_violation=r.constraint_violation, n_gradients=r.n_gradients, n_vars=r.n_vars,
        solve_time_s=r.solve_time_s, gradient_time_s=r.gradient_time_s,
        gradient_over_solve=r.gradient_time_s / r.solve_time_s, fd_cost_estimate_s=r.fd_cost_estimate_s,
        fin=None)
    if fin_check:
        fin_num = fin_numerics(8 * fin_zones)
        rect = optimize_rectangular_fin(base_temperature_k=float(inlet_temperature_k),
                                        emissivity=float(np.mean(emissivity)),
                                        conductivity_w_m_k=float(conductivity_w_m_k),
                                        density_kg_m3=float(density_kg_m3), numerics=fin_num, n_zones=fin_zones)
        taper = optimize_tapered_fin(rect, n_zones=fin_zones, base_temperature_k=float(inlet_temperature_k),
                                     emissivity=float(np.mean(emissivity)),
                                     conductivity_w_m_k=float(conductivity_w_m_k),
                                     density_kg_m3=float(density_kg_m3), numerics=fin_num)
        out["fin"] = dict(profile_number=rect.profile_number, fin_efficiency=rect.fin_efficiency,
                          published_profile_number=RECTANGULAR_FIN_OPTIMUM_NC,
                          published_fin_efficiency=RECTANGULAR_FIN_OPTIMUM_ETA,
                          rectangular_mass_kg_m=rect.mass_kg_m, tapered_mass_kg_m=taper.mass_kg_m,
                          taper_mass_saving=1.0 - taper.mass_kg_m / rect.mass_kg_m,
                          tapered_thickness_m=taper.thickness_m, tapered_length_m=taper.length_m,
                          rectangular_length_m=rect.length_m, success=rect.success and taper.success)
    return out


THICKNESS_SUMMARY: dict[str, Quantity] = {
    "mass_kg": Quantity("kg", "sheet mass of the panel with the optimal thickness map"),
    "reference_mass_kg": Quantity("kg", "sheet mass of the design's uniform sheet"),
    "reference_thickness_m": Quantity("m", "the design's uniform sheet thickness"),
    "mass_saving": Quantity("1", "1 - optimal / uniform sheet mass"),
    "heat_required_w": Quantity("W", "heat the panel must reject (the uniform sheet's)"),
    "heat_rejected_w": Quantity("W", "heat the optimal panel rejects"),
    "max_temperature_k": Quantity("K", "hottest sheet cell of the optimal panel"),
    "ks_temperature_k": Quantity("K", "KS smooth maximum of the sheet temperature, optimal panel"),
    "max_temperature_limit_k": Quantity("K", "limit on the KS maximum"),
    "kkt_residual": Quantity("1", "scaled KKT residual of the SLSQP optimum"),
    "iterations": Quantity("1", "SLSQP iterations"),
    "n_vars": Quantity("1", "design variables (zone thicknesses)"),
    "n_gradients": Quantity("1", "value + gradient evaluations (one forward and two adjoint solves each)"),
    "panel_length_m": Quantity("m", "panel length along the tubes"),
    "panel_width_m": Quantity("m", "panel width across the tubes"),
    "n_tubes": Quantity("1", "tubes per panel"),
    "tube_pitch_m": Quantity("m", "tube pitch"),
}
"""Scalars of the thickness design archived beside the zone map, declared."""


SHEET_LIMIT_ABOVE_INLET_K = 10.0
"""Default KS sheet-temperature limit of :func:`thickness_design_at` above the radiator inlet [K]:
the KS bound over-estimates the maximum by at most ln(n_cells) / rho (4.2 K for 4096 cells at
rho = 2/K) and absorbed sunlight warms the sheet a little above the coolant (assumption)."""


def thickness_design_at(options, design, mission, numerics, metrics) -> dict:
    """The thickness map of one radiator panel of a satellite design (``[thickness_design]``).

    The panel, coolant and environment are the coupled model's at ``design``: panel length
    ``numerics.panel_length_m`` and ``numerics.n_tubes_per_panel`` tubes at the design's pitch,
    the sheet material and tube bond of the mission, end-of-life coatings per face, the hot
    case's orbit-average incident fluxes per face (``radiator_shortwave_*``/``radiator_longwave_*``
    metrics, arrays' infrared included), the loop flow split over the panels and tubes, the
    radiator inlet temperature of the converged loop and the coolant's specific heat at the
    supply temperature.  The requirement is the heat the design's uniform sheet rejects; the
    KS maximum sheet temperature is held below ``max_temperature_k`` (default: the radiator
    inlet temperature + :data:`SHEET_LIMIT_ABOVE_INLET_K`, a sheet no hotter than the coolant
    that feeds it plus the KS over-estimate; a thicker sheet runs hotter, nearer the coolant).

    ``options``: the ``[thickness_design]`` config section (``zones_along_tubes``,
    ``zones_per_tube_pitch`` -- zones across the panel = that x tubes, enough to resolve the fin
    taper between tubes, where the mass is saved --, ``cells_per_zone``, ``maxiter``,
    ``max_temperature_k``).
    Returns :func:`run_thickness_design`'s dict plus the panel geometry
    (``panel_length_m``, ``panel_width_m``, ``n_tubes``, ``tube_pitch_m``).  No timings (a study's
    answer must be reproducible; the gradient cost is measured by ``benchmarks/design.py``).
    """
    n_tubes = int(numerics.n_tubes_per_panel)
    pitch = float(design.radiator_tube_pitch_m)
    length, width = float(numerics.panel_length_m), n_tubes * pitch
    zones = (int(options.zones_per_tube_pitch) * n_tubes, int(options.zones_along_tubes))
    grid = (zones[0] * int(options.cells_per_zone), zones[1] * int(options.cells_per_zone))
    cp = float(thermal.coolant_properties(coolant_of(mission), float(metrics["coolant_supply_k"])).cp_j_kg_k)
    flow_per_tube = float(design.coolant_flow_kg_s) / (float(metrics["radiator_n_panels"]) * n_tubes)
    out = run_thickness_design(
        length_m=length, width_m=width, n_tubes=n_tubes, tube_pitch_m=pitch,
        tube_conductance_w_m_k=float(mission.tube_conductance_w_m_k),
        conductivity_w_m_k=float(mission.radiator_conductivity_w_m_k),
        density_kg_m3=float(mission.mass.radiator_sheet_density_kg_m3),
        emissivity=tuple(float(v) for v in np.asarray(mission.face_emissivity(mission.life_years))),
        absorptivity=tuple(float(v) for v in np.asarray(mission.face_absorptivity(mission.life_years))),
        shortwave_w_m2=(float(metrics["radiator_shortwave_a_w_m2"]), float(metrics["radiator_shortwave_b_w_m2"])),
        longwave_w_m2=(float(metrics["radiator_longwave_a_w_m2"]), float(metrics["radiator_longwave_b_w_m2"])),
        mass_flow_kg_s=flow_per_tube, specific_heat_j_kg_k=cp,
        inlet_temperature_k=float(metrics["radiator_inlet_k"]),
        reference_thickness_m=float(design.radiator_thickness_m),
        max_temperature_k=(float(metrics["radiator_inlet_k"]) + SHEET_LIMIT_ABOVE_INLET_K
                           if options.max_temperature_k is None else float(options.max_temperature_k)),
        grid=grid, zones=zones, maxiter=int(options.maxiter), timing_repeats=0, fin_check=False)
    out.update(panel_length_m=length, panel_width_m=width, n_tubes=n_tubes, tube_pitch_m=pitch)
    return out
