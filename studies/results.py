"""Study results <-> archive tree (one place that knows the archive layout)."""
from __future__ import annotations

import math

import numpy as np

from power import HEAT_DESTINATIONS

from . import archive as ar
from .metrics import CONSTRAINT_NAMES, FIELD_METRICS, MASS_ITEMS, METRIC_BY_NAME

FACE_COORD = ("face", ["A", "B"])

_SCALARS = {
    "altitude_m": ("m", "orbit altitude"),
    "inclination_deg": ("degree", "orbit inclination"),
    "period_s": ("s", "orbital period"),
    "beta_design_deg": ("degree", "beta angle of the hot design case"),
    "eclipse_fraction": ("1", "fraction of the design orbit in shadow"),
    "solar_flux_w_m2": ("W m-2", "direct solar flux of the hot case (perihelion)"),
    "sink_temperature_k": ("K", "temperature of the unloaded isothermal panel"),
    "design_temperature_k": ("K", "radiator design temperature"),
    "level0_area_m2": ("m2", "planform area of the isothermal two-sided radiator (level 0)"),
    "heat_load_w": ("W", "heat to reject"),
}
_PER_FACE = {
    "absorbed_mean_w_m2": ("W m-2", "orbit-average absorbed environmental flux per face"),
    "emissivity": ("1", "infrared emissivity per face"),
    "absorptivity": ("1", "solar absorptivity per face"),
}
_SERIES = {
    "incident_solar_w_m2": ("W m-2", "incident direct solar flux per face"),
    "incident_albedo_w_m2": ("W m-2", "incident albedo flux per face"),
    "incident_earth_ir_w_m2": ("W m-2", "incident Earth infrared flux per face"),
    "absorbed_w_m2": ("W m-2", "absorbed environmental flux per face"),
}


def _face_coord():
    return ar.Dataset(np.array(FACE_COORD[1]), units="1", long_name="radiator face", dims=("face",))


def orbit_case_group(case: dict) -> ar.Group:
    children = {
        "face": _face_coord(),
        **{k: ar.Dataset(np.asarray(case[k], dtype=float), units=u, long_name=ln) for k, (u, ln) in _SCALARS.items()},
        **{k: ar.Dataset(np.asarray(case[k], dtype=float), units=u, long_name=ln, dims=("face",))
           for k, (u, ln) in _PER_FACE.items()},
    }
    children["environment"] = ar.time_series_group(
        case["time_s"],
        {k: ar.Dataset(case[k], units=u, long_name=ln, dims=("time_s", "face")) for k, (u, ln) in _SERIES.items()},
        time_long_name="time since orbit noon",
        coords={"face": (np.array(FACE_COORD[1]), "1", "radiator face")},
    )
    children["area_vs_temperature"] = ar.Group({
        "temperature_k": ar.Dataset(case["curve_temperature_k"], units="K", long_name="radiator temperature",
                                    dims=("temperature_k",)),
        "level0_area_m2": ar.Dataset(case["curve_level0_area_m2"], units="m2",
                                     long_name="isothermal planform area for the heat load",
                                     dims=("temperature_k",)),
    })
    children["beta_scan"] = ar.Group({
        "beta_deg": ar.Dataset(case["beta_scan_deg"], units="degree", long_name="beta angle candidate",
                               dims=("beta_deg",)),
        "face": _face_coord(),
        "absorbed_mean_w_m2": ar.Dataset(case["beta_scan_absorbed_w_m2"], units="W m-2",
                                         long_name="orbit-average absorbed flux per face",
                                         dims=("beta_deg", "face")),
    })
    return ar.Group(children, {"name": case["name"], "family": case["family"]})


def study_tree(results: dict) -> dict:
    return {"orbits": ar.Group({k: orbit_case_group(v) for k, v in results.items()})}


def _data(node):
    return np.asarray(node["data"])


def cases_from_archive(tree: dict) -> dict:
    """Rebuild the per-orbit case dicts (numpy) from :func:`studies.archive.read_archive` output."""
    out = {}
    for key, g in tree["orbits"].items():
        if key == "attrs":
            continue
        case = {"name": g["attrs"]["name"], "family": g["attrs"]["family"]}
        for k in list(_SCALARS) + list(_PER_FACE):
            case[k] = _data(g[k])
            if case[k].ndim == 0:
                case[k] = float(case[k])
        env = g["environment"]
        case["time_s"] = _data(env["time_s"])
        for k in _SERIES:
            case[k] = _data(env[k])
        case["curve_temperature_k"] = _data(g["area_vs_temperature"]["temperature_k"])
        case["curve_level0_area_m2"] = _data(g["area_vs_temperature"]["level0_area_m2"])
        case["beta_scan_deg"] = _data(g["beta_scan"]["beta_deg"])
        case["beta_scan_absorbed_w_m2"] = _data(g["beta_scan"]["absorbed_mean_w_m2"])
        out[key] = case
    return out


# ------------------------------------------------------------------------------------------------
# whole-satellite results
# ------------------------------------------------------------------------------------------------

def _meta(key):
    m = METRIC_BY_NAME.get(key)
    if m is None:
        raise KeyError(f"metric {key!r} is not declared in studies.metrics")
    return m.units, m.long_name


def metrics_group(metrics: dict) -> ar.Group:
    children = {}
    for k, v in metrics.items():
        if k in FIELD_METRICS:
            continue
        u, ln = _meta(k)
        children[k] = ar.Dataset(np.asarray(v, dtype=float), units=u, long_name=ln)
    return ar.Group(children)


def satellite_group(r: dict, numerics, chip_extent_m) -> ar.Group:
    vs = r["variables"]
    names = np.array([v.name for v in vs.variables])
    var = lambda data, u, ln: ar.Dataset(np.asarray(data), units=u, long_name=ln, dims=("variable",))  # noqa: E731
    design = ar.Group({
        "variable": ar.Dataset(names, units="1", long_name="design variable", dims=("variable",)),
        "units": var(np.array([v.units for v in vs.variables]), "1", "units of each variable"),
        "configured": var([r["baseline_design"][n] for n in names], "1", "configured (start) value, SI units"),
        "final": var([r["design"][n] for n in names], "1", "final (optimum or evaluated) value, SI units"),
        "lower": var([v.lo for v in vs.variables], "1", "lower bound, SI units"),
        "upper": var([v.hi for v in vs.variables], "1", "upper bound, SI units"),
        "ref": var([v.ref for v in vs.variables], "1", "reference scale, SI units"),
        "free": var([0 if v.fixed or "history" not in r else 1 for v in vs.variables], "1",
                    "1 = optimised in this study, 0 = held at its configured value"),
    })
    m = r["metrics"]
    children = {"design": design, "metrics": metrics_group(m), "metrics_configured": metrics_group(r["baseline"])}
    # Fields with coordinates.
    rf = np.asarray(m["radiator_field_k"])
    ny, nx = rf.shape
    width = float(m["radiator_panel_width_m"])
    children["radiator_field"] = ar.grid_group(
        (np.arange(nx) + 0.5) * numerics.panel_length_m / nx, (np.arange(ny) + 0.5) * width / ny,
        {"temperature_k": ar.Dataset(rf, units="K", long_name="radiator sheet temperature of one panel")},
        x_long_name="distance along the tubes from the inlet", y_long_name="distance across the panel")
    jf = np.asarray(m["junction_field_k"])
    cy, cx = jf.shape
    lx, ly = chip_extent_m
    children["junction_field"] = ar.grid_group(
        (np.arange(cx) + 0.5) * lx / cx, (np.arange(cy) + 0.5) * ly / cy,
        {"temperature_k": ar.Dataset(np.where(np.isfinite(jf), jf, np.nan), units="K",
                                     long_name="junction-layer temperature of the hottest (representative) chip")},
        x_long_name="x across the package", y_long_name="y across the package")
    chain = [("junction", m["junction_max_k"]), ("case (lid)", m["case_k"]), ("cold-plate base", m["coldplate_base_k"]),
             ("coolant in cold plate", m["chip_coolant_k"]), ("radiator inlet", m["radiator_inlet_k"]),
             ("radiator mean", m["radiator_mean_k"]), ("radiator outlet", m["radiator_outlet_k"])]
    children["budget_chain"] = ar.Group({
        "stage": ar.Dataset(np.array([c[0] for c in chain]), units="1", long_name="stage of the heat path", dims=("stage",)),
        "temperature_k": ar.Dataset(np.array([float(c[1]) for c in chain]), units="K",
                                    long_name="temperature at each stage", dims=("stage",)),
    })
    if "power_budget" in r:
        phases = {}
        for phase, b in r["power_budget"].items():
            items = list(b.heat_by_item_w)
            dest = sorted(b.heat_by_destination_w)
            phases[phase] = ar.Group({
                "item": ar.Dataset(np.array(items), units="1", long_name="budget item", dims=("item",)),
                "load_w": ar.Dataset(np.array([float(b.loads_w.get(i, np.nan)) for i in items]), units="W",
                                     long_name="power at the load terminals (NaN: a loss, not a load)",
                                     dims=("item",)),
                "heat_w": ar.Dataset(np.array([float(b.heat_by_item_w[i]) for i in items]), units="W",
                                     long_name="heat dissipated by the item", dims=("item",)),
                "heat_destination": ar.Dataset(np.array([HEAT_DESTINATIONS[i] for i in items]), units="1",
                                               long_name="surface the item's heat lands on", dims=("item",)),
                "destination": ar.Dataset(np.array(dest), units="1", long_name="heat destination",
                                          dims=("destination",)),
                "heat_by_destination_w": ar.Dataset(np.array([float(b.heat_by_destination_w[d]) for d in dest]),
                                                    units="W", long_name="heat per destination",
                                                    dims=("destination",)),
            }, {"load_total_w": float(b.load_total_w), "array_output_w": float(b.array_output_w),
                "battery_bus_w": float(b.battery_bus_w)})
        children["power_budget"] = ar.Group(phases)
    mb = np.array([float(m[f"mass_{i}_kg"]) for i in MASS_ITEMS])
    children["mass_breakdown"] = ar.Group({
        "item": ar.Dataset(np.array(list(MASS_ITEMS)), units="1", long_name="mass item", dims=("item",)),
        "mass_kg": ar.Dataset(mb, units="kg", long_name="mass per item", dims=("item",)),
    })
    cn = np.array(["g_" + c for c in CONSTRAINT_NAMES])
    cons = {"constraint": ar.Dataset(cn, units="1", long_name="constraint", dims=("constraint",)),
            "value": ar.Dataset(np.array([float(m[c]) for c in cn]), units="1",
                                long_name="normalised constraint at the final design (>= 0 feasible)", dims=("constraint",))}
    if "kkt" in r:
        kk = r["kkt"]
        cons["active"] = ar.Dataset(np.array([1 if c[2:] in kk["active"] else 0 for c in cn]), units="1",
                                    long_name="1 = active at the optimum", dims=("constraint",))
        cons["multiplier"] = ar.Dataset(np.array([kk["multipliers"].get(c[2:], 0.0) for c in cn]), units="1",
                                        long_name="KKT multiplier (NNLS estimate, scaled problem)", dims=("constraint",))
    children["constraints"] = ar.Group(cons, {"kkt_residual": float(r["kkt"]["kkt_residual"]) if "kkt" in r else -1.0,
                                              "active_bounds": ", ".join(r["kkt"]["active_bounds"]) if "kkt" in r else ""})
    if "history" in r:
        h = r["history"]
        children["history"] = ar.Group({
            "iteration": ar.Dataset(np.array([x["iteration"] for x in h]), units="1", long_name="iteration",
                                    dims=("iteration",)),
            "objective": ar.Dataset(np.array([x["objective"] for x in h]), units="1",
                                    long_name="scaled objective", dims=("iteration",)),
            "max_violation": ar.Dataset(np.array([x["max_violation"] for x in h]), units="1",
                                        long_name="largest constraint violation", dims=("iteration",)),
            "x_scaled": ar.Dataset(np.array([x["x"] for x in h]), units="1",
                                   long_name="scaled free variables (value/ref)", dims=("iteration", "free_variable")),
            "free_variable": ar.Dataset(np.array(vs.free_names), units="1", long_name="free design variable",
                                        dims=("free_variable",)),
            "wall_s": ar.Dataset(np.array([x["wall_s"] for x in h]), units="s", long_name="wall time",
                                 dims=("iteration",)),
        }, {"success": int(r["optimizer_success"]), "message": r["optimizer_message"]})
    sens = r["sensitivities"]
    pn = np.array(list(sens))
    obj = float(m["objective"])
    from .satellite import parameter_values

    known = parameter_values(r["design_obj"], r["mission"])
    values = np.array([known[n] for n in pn])
    grad = np.array([sens[n] for n in pn])
    children["sensitivities"] = ar.Group({
        "parameter": ar.Dataset(pn, units="1", long_name="design or mission parameter", dims=("parameter",)),
        "gradient": ar.Dataset(grad, units="1", long_name="d objective / d parameter (objective units per SI unit)",
                               dims=("parameter",)),
        "value": ar.Dataset(values, units="1", long_name="parameter value (SI)", dims=("parameter",)),
        "elasticity": ar.Dataset(grad * values / obj, units="1", long_name="d ln objective / d ln parameter",
                                 dims=("parameter",)),
    })
    life = r["life"]
    children["life"] = ar.Group({
        "years": ar.Dataset(life["years"], units="yr", long_name="mission length", dims=("years",)),
        "g_tid": ar.Dataset(life["g"][:, 0], units="1", long_name="TID constraint vs mission length", dims=("years",)),
        "g_power": ar.Dataset(life["g"][:, 1], units="1", long_name="EOL power constraint vs mission length", dims=("years",)),
        "g_battery": ar.Dataset(life["g"][:, 2], units="1", long_name="battery constraint vs mission length", dims=("years",)),
        "array_eol_w": ar.Dataset(life["array_eol_w"], units="W", long_name="end-of-life array output vs mission length",
                                  dims=("years",)),
        "array_required_w": ar.Dataset(life["array_required_w"], units="W", long_name="required array output",
                                       dims=("years",)),
        "tid_si_gy": ar.Dataset(life["tid_si_gy"], units="Gy", long_name="TID in silicon vs mission length",
                                dims=("years",)),
        "life_tid_years": ar.Dataset(life["tid"], units="yr", long_name="years until TID x margin reaches tolerance"),
        "life_power_years": ar.Dataset(life["power"], units="yr", long_name="years until EOL power < requirement"),
        "life_battery_years": ar.Dataset(life["battery"], units="yr", long_name="years until battery cycle limit"),
    }, {"limiting": life["limiting"]})
    c = r["constellation"]
    children["constellation"] = ar.Group({
        "n_satellites": ar.Dataset(c["n_satellites"], units="1", long_name="satellites for the capacity"),
        "total_mass_kg": ar.Dataset(c["total_mass_kg"], units="kg", long_name="constellation mass"),
        "n_launches": ar.Dataset(c["n_launches"], units="1", long_name="launches"),
        "launch_cost_usd": ar.Dataset(c["launch_cost_usd"], units="USD", long_name="launch cost"),
        "manufacturing_cost_usd": ar.Dataset(c["manufacturing_cost_usd"], units="USD",
                                             long_name="non-payload manufacturing cost"),
        "space_usd_per_kw_year": ar.Dataset(c["space_usd_per_kw_year"], units="USD kW-1 yr-1",
                                            long_name="space infrastructure cost per kW-year"),
        "terrestrial_usd_per_kw_year": ar.Dataset(c["terrestrial_usd_per_kw_year"], units="USD kW-1 yr-1",
                                                  long_name="terrestrial data-centre cost per kW-year"),
        "break_even_launch_usd_per_kg": ar.Dataset(c["break_even_launch_usd_per_kg"], units="USD kg-1",
                                                   long_name="launch price at which space equals terrestrial"),
        "launch_usd_per_kg": ar.Dataset(c["sweep_launch_usd_per_kg"], units="USD kg-1", long_name="launch price",
                                        dims=("launch_usd_per_kg",)),
        "sweep_space_usd_per_kw_year": ar.Dataset(c["sweep_space_usd_per_kw_year"], units="USD kW-1 yr-1",
                                                  long_name="space cost per kW-year vs launch price",
                                                  dims=("launch_usd_per_kg",)),
    })
    dd = r["dose_depth"]
    dz = {"depth_g_cm2": ar.Dataset(dd["depth_g_cm2"], units="g cm-2", long_name="aluminium areal density of the shield",
                                    dims=("depth_g_cm2",))}
    for k, v in dd.items():
        if k != "depth_g_cm2":
            dz[k] = ar.Dataset(v, units="Gy", long_name=f"mission dose in silicon: {k[:-3].replace('_', ' ')}",
                               dims=("depth_g_cm2",))
    children["dose_depth"] = ar.Group(dz, {"geometry": "solid sphere centre"})
    if "orbit_cases" in r:
        children["orbit_cases"] = orbit_cases_group(r["orbit_cases"])
    if "thickness_design" in r:
        children["thickness_design"] = thickness_design_group(r["thickness_design"])
    if "uncertainty" in r:
        from .uncertainty import archive_group

        children["uncertainty"] = archive_group(r["uncertainty"])
    if "service" in r:
        from .service import SERVICE_METRICS

        children["service"] = ar.Group({k: ar.Dataset(np.asarray(v, dtype=float), units=SERVICE_METRICS[k][0],
                                                       long_name=SERVICE_METRICS[k][1]) for k, v in r["service"].items()})
    geo = r["geometry"]
    attrs = {"name": r["name"], "converged": int(r["converged"]), "hot_beta_deg": math.degrees(geo["hot_beta_rad"]),
             "eclipse_beta_deg": math.degrees(geo["eclipse_beta_rad"])}
    if "kkt" in r:
        attrs["feasible"] = int(r["kkt"]["feasible"])
        attrs["optimizer_success"] = int(r["optimizer_success"])
    return ar.Group(children, attrs)


_HISTORY_META = {
    "time_s": ("s", "time from orbit noon"), "junction_k": ("K", "junction temperature (quasi-steady estimate)"),
    "chip_k": ("K", "package and cold-plate node temperature"), "supply_k": ("K", "coolant supply temperature"),
    "return_k": ("K", "coolant return temperature"), "radiator_min_k": ("K", "coldest radiator segment"),
    "radiator_max_k": ("K", "hottest radiator segment"), "min_coolant_k": ("K", "coldest coolant-wetted node"),
    "chip_power_w": ("W", "power of one chip"), "heater_w": ("W", "freeze-protection heater power"),
}
_CASE_SUMMARY = {
    "junction_max_k": ("K", "hottest junction over the orbit"), "junction_min_k": ("K", "coldest junction over the orbit"),
    "junction_swing_k": ("K", "junction swing over the orbit"), "supply_min_k": ("K", "coldest coolant supply"),
    "supply_max_k": ("K", "hottest coolant supply"), "return_max_k": ("K", "hottest coolant return"),
    "radiator_lowest_k": ("K", "coldest radiator segment over the orbit"),
    "radiator_highest_k": ("K", "hottest radiator segment over the orbit"),
    "coolant_lowest_k": ("K", "coldest coolant-wetted node over the orbit"),
    "mean_heater_w": ("W", "orbit-mean heater power"),
    "periodicity_error_k": ("K", "max |state(P) - state(0)| of the periodic solution"),
    "energy_residual_j": ("J", "stored + rejected - dissipated energy over the orbit"),
    "dissipated_energy_j": ("J", "energy dissipated in the loop over the orbit"),
    "absorptivity": ("1", "radiator solar absorptivity of faces A, B in this case"),
    "emissivity": ("1", "radiator infrared emissivity of faces A, B in this case"),
    "freeze_margin_k": ("K", "coldest coolant-wetted node minus the freezing point"),
}


def orbit_cases_group(cases: dict) -> ar.Group:
    """Hot and cold orbit-periodic cases: histories over one orbit and their summaries."""
    children = {}
    for case, c in cases.items():
        h = c["history"]
        data = {k: ar.Dataset(np.asarray(v), units=_HISTORY_META[k][0], long_name=_HISTORY_META[k][1],
                              dims=("time_s",)) for k, v in h.items()}
        data["face"] = _face_coord()
        for k, (u, ln) in _CASE_SUMMARY.items():
            if k in c:
                v = np.asarray(c[k])
                data[k] = ar.Dataset(v, units=u, long_name=ln, dims=("face",) if v.ndim else ())
        children[case] = ar.Group(data)
    return ar.Group(children, {"model": "thermal.loop.transient periodic lumped loop (studies.orbit_cases)"})


_THICKNESS_SUMMARY = {
    "mass_kg": ("kg", "sheet mass of the panel with the optimal thickness map"),
    "reference_mass_kg": ("kg", "sheet mass of the design's uniform sheet"),
    "reference_thickness_m": ("m", "the design's uniform sheet thickness"),
    "mass_saving": ("1", "1 - optimal / uniform sheet mass"),
    "heat_required_w": ("W", "heat the panel must reject (the uniform sheet's)"),
    "heat_rejected_w": ("W", "heat the optimal panel rejects"),
    "max_temperature_k": ("K", "hottest sheet cell of the optimal panel"),
    "ks_temperature_k": ("K", "KS smooth maximum of the sheet temperature, optimal panel"),
    "max_temperature_limit_k": ("K", "limit on the KS maximum"),
    "kkt_residual": ("1", "scaled KKT residual of the SLSQP optimum"),
    "iterations": ("1", "SLSQP iterations"),
    "n_vars": ("1", "design variables (zone thicknesses)"),
    "n_gradients": ("1", "value + gradient evaluations (one forward and two adjoint solves each)"),
    "panel_length_m": ("m", "panel length along the tubes"),
    "panel_width_m": ("m", "panel width across the tubes"),
    "n_tubes": ("1", "tubes per panel"),
    "tube_pitch_m": ("m", "tube pitch"),
}
"""Scalars of the thickness design archived beside the zone map (units, long name)."""


def thickness_design_group(td: dict) -> ar.Group:
    """The minimum-mass thickness map of one radiator panel and its summary."""
    t = np.asarray(td["zone_thickness_m"])
    width, length = float(td["panel_width_m"]), float(td["panel_length_m"])
    data = {"zone_across": ar.Dataset((np.arange(t.shape[0]) + 0.5) * width / t.shape[0], units="m",
                                      long_name="zone centre across the tubes", dims=("zone_across",)),
            "zone_along": ar.Dataset((np.arange(t.shape[1]) + 0.5) * length / t.shape[1], units="m",
                                     long_name="zone centre along the tubes", dims=("zone_along",)),
            "zone_thickness_m": ar.Dataset(t, units="m",
                                           long_name="optimal sheet thickness per zone (across x along the tubes)",
                                           dims=("zone_across", "zone_along"))}
    for k, (u, ln) in _THICKNESS_SUMMARY.items():
        data[k] = ar.Dataset(np.asarray(float(td[k])), units=u, long_name=ln)
    return ar.Group(data, {"model": "thermal.radiator.thickness (SLSQP with adjoint gradients)",
                           "success": int(bool(td["success"])), "message": str(td["message"])})


def pareto_group(fronts: dict) -> ar.Group:
    g = {}
    if "junction" in fronts:
        f = fronts["junction"]
        g["junction"] = ar.Group({
            "junction_limit_k": ar.Dataset(f["junction_limit_k"], units="K", long_name="junction limit imposed",
                                           dims=("junction_limit_k",)),
            "total_mass_kg": ar.Dataset(f["total_mass_kg"], units="kg", long_name="optimum mass",
                                        dims=("junction_limit_k",)),
            "junction_max_k": ar.Dataset(f["junction_max_k"], units="K", long_name="junction at the optimum",
                                         dims=("junction_limit_k",)),
            "radiator_mean_k": ar.Dataset(f["radiator_mean_k"], units="K", long_name="mean radiator temperature",
                                          dims=("junction_limit_k",)),
            "worst_constraint": ar.Dataset(f["worst_constraint"], units="1", long_name="most violated constraint (0 = feasible)",
                                           dims=("junction_limit_k",)),
        })
    if "altitude" in fronts:
        f = fronts["altitude"]
        g["altitude"] = ar.Group({
            "altitude_m": ar.Dataset(f["altitude_m"], units="m", long_name="fixed altitude", dims=("altitude_m",)),
            "total_mass_kg": ar.Dataset(f["total_mass_kg"], units="kg", long_name="optimum mass", dims=("altitude_m",)),
            "tid_si_gy": ar.Dataset(f["tid_si_gy"], units="Gy", long_name="mission TID behind the optimum shield",
                                    dims=("altitude_m",)),
            "worst_constraint": ar.Dataset(f["worst_constraint"], units="1", long_name="most violated constraint (0 = feasible)",
                                           dims=("altitude_m",)),
        })
    return ar.Group(g)
