"""Study results <-> archive tree (one place that knows the archive layout)."""
from __future__ import annotations

import math

import numpy as np

from power import HEAT_DESTINATIONS

from .. import archive as ar
from ..analysis.sensitivity import parameter_values, parameters
from ..analysis.orbit_histories import CASE_SUMMARY, HISTORY
from ..analysis.radiator_study import LEVEL0_PER_FACE, LEVEL0_SCALARS, LEVEL0_SERIES
from ..analysis.service import SERVICE_METRICS
from ..analysis.thickness_study import THICKNESS_SUMMARY
from ..analysis.uncertainty import QUANTILES, UncertaintyResult
from ..model import CONSTRAINT_NAMES, FIELDS, MASS_ITEMS, METRICS, verdict

FACE_COORD = ("face", ["A", "B"])

def _face_coord():
    return ar.Dataset(np.array(FACE_COORD[1]), units="1", long_name="radiator face", dims=("face",))


def orbit_case_group(case: dict) -> ar.Group:
    children = {
        "face": _face_coord(),
        **{k: ar.Dataset(np.asarray(case[k], dtype=float), units=q.units, long_name=q.long_name) for k, q in LEVEL0_SCALARS.items()},
        **{k: ar.Dataset(np.asarray(case[k], dtype=float), units=q.units, long_name=q.long_name, dims=("face",))
           for k, q in LEVEL0_PER_FACE.items()},
    }
    children["environment"] = ar.time_series_group(
        case["time_s"],
        {k: ar.Dataset(case[k], units=q.units, long_name=q.long_name, dims=("time_s", "face")) for k, q in LEVEL0_SERIES.items()},
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
        for k in list(LEVEL0_SCALARS) + list(LEVEL0_PER_FACE):
            case[k] = _data(g[k])
            if case[k].ndim == 0:
                case[k] = float(case[k])
        env = g["environment"]
        case["time_s"] = _data(env["time_s"])
        for k in LEVEL0_SERIES:
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

def metrics_group(metrics: dict) -> ar.Group:
    """Every scalar metric of an evaluation with its declared units and long name."""
    children = {}
    for k, v in metrics.items():
        if k in FIELDS:
            continue
        q = METRICS.get(k)
        if q is None:
            raise KeyError(f"metric {k!r} is not declared by a stage of studies.model")
        children[k] = ar.Dataset(np.asarray(v, dtype=float), units=q.units, long_name=q.long_name)
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
    judged = verdict(m)
    dim = ("constraint",)
    cons = {"constraint": ar.Dataset(cn, units="1", long_name="constraint", dims=dim),
            "value": ar.Dataset(np.array([float(m[c]) for c in cn]), units="1",
                                long_name="normalised constraint at the final design (>= 0 feasible)", dims=dim),
            "judged_metric": ar.Dataset(np.array([j.metric for j in judged.judgements]), units="1",
                                        long_name="physical quantity the verdict judges", dims=dim),
            "judged_value": ar.Dataset(np.array([j.value for j in judged.judgements]), units="1",
                                       long_name="judged quantity (in the units of judged_metric)", dims=dim),
            "judged_limit": ar.Dataset(np.array([j.limit for j in judged.judgements]), units="1",
                                       long_name="its limit (in the units of judged_metric)", dims=dim),
            "normalised_margin": ar.Dataset(np.array([j.normalised_margin for j in judged.judgements]), units="1",
                                            long_name="margin as a fraction of the limit (of the radiated power "
                                                      "T^4 for temperatures): the verdict's ranking", dims=dim),
            "passed": ar.Dataset(np.array([int(j.passed) for j in judged.judgements]), units="1",
                                 long_name="1 = met", dims=dim)}
    if "kkt" in r:
        kk = r["kkt"]
        cons["active"] = ar.Dataset(np.array([1 if c[2:] in kk["active"] else 0 for c in cn]), units="1",
                                    long_name="1 = active at the optimum", dims=("constraint",))
        cons["multiplier"] = ar.Dataset(np.array([kk["multipliers"].get(c[2:], 0.0) for c in cn]), units="1",
                                        long_name="KKT multiplier (NNLS estimate, scaled problem)", dims=("constraint",))
    children["constraints"] = ar.Group(cons, {"kkt_residual": float(r["kkt"]["kkt_residual"]) if "kkt" in r else -1.0,
                                              "active_bounds": ", ".join(r["kkt"]["active_bounds"]) if "kkt" in r else "",
                                              "limiting": judged.limiting, "closes": int(judged.feasible)})
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
    known = parameter_values(r["design_obj"], r["mission"])
    values = np.array([known[n] for n in pn])
    grad = np.array([sens[n] for n in pn])
    units = {label: u for label, _, u in parameters(r["design_obj"], r["mission"])}
    children["sensitivities"] = ar.Group({
        "parameter": ar.Dataset(pn, units="1", long_name="design or mission parameter", dims=("parameter",)),
        "parameter_units": ar.Dataset(np.array([units[n] for n in pn]), units="1",
                                      long_name="units of each parameter's value", dims=("parameter",)),
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
    }, {"limiting": life["limiting"], **{f"status_{k}": v for k, v in life["status"].items()}})
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
        children["uncertainty"] = uncertainty_group(r["uncertainty"])
    if "discretisation" in r:
        children["discretisation"] = discretisation_group(r["discretisation"])
    if "service" in r:
        children["service"] = ar.Group({k: ar.Dataset(np.asarray(v, dtype=float), units=SERVICE_METRICS[k].units,
                                                       long_name=SERVICE_METRICS[k].long_name) for k, v in r["service"].items()})
    geo = r["geometry"]
    attrs = {"name": r["name"], "converged": int(r["converged"]), "hot_beta_deg": math.degrees(geo["hot_beta_rad"]),
             "eclipse_beta_deg": math.degrees(geo["eclipse_beta_rad"])}
    if "kkt" in r:
        attrs["feasible"] = int(r["kkt"]["feasible"])
        attrs["optimizer_success"] = int(r["optimizer_success"])
    return ar.Group(children, attrs)


def orbit_cases_group(cases: dict) -> ar.Group:
    """Hot and cold orbit-periodic cases: histories over one orbit and their summaries."""
    children = {}
    for case, c in cases.items():
        h = c["history"]
        data = {k: ar.Dataset(np.asarray(v), units=HISTORY[k].units, long_name=HISTORY[k].long_name,
                              dims=("time_s",)) for k, v in h.items()}
        data["face"] = _face_coord()
        for k, q in CASE_SUMMARY.items():
            if k in c:
                v = np.asarray(c[k])
                data[k] = ar.Dataset(v, units=q.units, long_name=q.long_name, dims=("face",) if v.ndim else ())
        children[case] = ar.Group(data)
    return ar.Group(children, {"model": "thermal.loop.transient periodic lumped loop (studies.analysis.orbit_histories)"})


def discretisation_group(chk) -> ar.Group:
    """The discretisation check of one design (:class:`studies.analysis.discretisation.DiscretisationCheck`):
    the grids evaluated with their cost, and per headline quantity its value on every grid, the observed orders,
    the errors of the configured grids, the extrapolated value and the tolerance (each in the quantity's units,
    listed in ``units``)."""
    grid, quantity = ("grid",), ("quantity",)
    gs, qs = chk.grids, chk.quantities

    def g(values, units, long_name):
        return ar.Dataset(np.asarray(values), units=units, long_name=long_name, dims=grid)

    def q(values, long_name, dims=quantity):
        return ar.Dataset(np.asarray(values), units="1", long_name=long_name, dims=dims)

    values = [[x.value, *x.radiator.values[1:], *x.chip.values[1:]] for x in qs]
    data = {
        "grid": g(np.array([x.label for x in gs]), "1", "grid: configured, radiator or chip refined 2x / 4x"),
        "radiator_nx": g([x.radiator_nx for x in gs], "1", "radiator cells along the tubes"),
        "radiator_ny": g([x.radiator_ny for x in gs], "1", "radiator cells across a panel"),
        "chip_nx": g([x.chip_nx for x in gs], "1", "chip grid cells in x"),
        "chip_ny": g([x.chip_ny for x in gs], "1", "chip grid cells in y"),
        "first_call_s": g([x.first_call_s for x in gs], "s", "wall time of the first evaluation (compile and run)"),
        "run_s": g([x.run_s for x in gs], "s", "wall time of one evaluation after compilation"),
        "converged": g([int(x.converged) for x in gs], "1", "1 = every solve converged"),
        "quantity": q(np.array([x.headline.name for x in qs]), "headline quantity"),
        "units": q(np.array([x.units for x in qs]), "units of each quantity's values"),
        "value": q(values, "value on each grid (in the quantity's units)", ("quantity", "grid")),
        "radiator_order": q([x.radiator.order for x in qs], "observed order, radiator refinement (NaN: none)"),
        "chip_order": q([x.chip.order for x in qs], "observed order, chip refinement (NaN: none)"),
        "radiator_error": q([x.radiator.error for x in qs], "error of the configured radiator grid (quantity's units)"),
        "chip_error": q([x.chip.error for x in qs], "error of the configured chip grid (quantity's units)"),
        "error": q([x.error for x in qs], "error of the configured grids, radiator + chip (quantity's units)"),
        "error_bound": q([x.bound for x in qs], "error magnitude judged against the tolerance: |error|, or |radiator "
                         "error| + |chip error| where a family is flagged (quantity's units)"),
        "extrapolated": q([x.extrapolated for x in qs], "Richardson extrapolate (quantity's units)"),
        "tolerance": q([x.tolerance for x in qs], "tolerance on the configured-grid error (quantity's units)"),
        "exceeded": q([int(x.exceeded) for x in qs], "1 = the error exceeds its tolerance"),
        "radiator_status": q(np.array([x.radiator.status for x in qs]), "radiator refinement: monotone, "
                             "grid-independent, oscillating or non-asymptotic"),
        "chip_status": q(np.array([x.chip.status for x in qs]), "chip refinement: monotone, grid-independent, "
                         "oscillating or non-asymptotic"),
    }
    return ar.Group(data, {"method": "Richardson extrapolation (Celik et al. 2008; studies.analysis.discretisation)",
                           "radiator_ratio": int(chk.radiator_ratio), "chip_ratio": 2,
                           "optimised": int(chk.optimised)})


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
    for k, q in THICKNESS_SUMMARY.items():
        data[k] = ar.Dataset(np.asarray(float(td[k])), units=q.units, long_name=q.long_name)
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


def uncertainty_group(result: UncertaintyResult) -> ar.Group:
    """An uncertainty propagation (:class:`studies.analysis.uncertainty.UncertaintyResult`) as an archive
    group (e.g. ``tree["uncertainty"]``): samples of every input and output on a ``sample`` axis,
    statistics on a ``quantile`` axis, tornado and Sobol tables on an ``input`` axis."""
    keys = [t.key for t in result.targets]
    n, d = result.n_samples, len(keys)
    inputs = {"sample": ar.Dataset(np.arange(n), "1", "sample index", dims=("sample",))}
    for t in result.targets:
        for key in t.entry.keys:
            inputs[key] = ar.Dataset(result.inputs[key], t.units or "1", t.long_name or key, dims=("sample",),
                                     attrs={"distribution": t.entry.describe(), "source": t.entry.source})
    outputs = {"sample": ar.Dataset(np.arange(n), "1", "sample index", dims=("sample",))}
    stats_g = {"quantile": ar.Dataset(np.asarray(QUANTILES), "1", "probability level", dims=("quantile",))}
    for k, v in result.outputs.items():
        u, ln = result.units.get(k, "1"), result.long_names.get(k, k)
        outputs[k] = ar.Dataset(np.asarray(v, dtype=float), u, ln, dims=("sample",))
        s = result.stats[k]
        stats_g[k] = ar.Dataset(np.asarray(s["quantiles"], dtype=float), u, f"quantiles of {ln}", dims=("quantile",),
                                attrs={"mean": s["mean"], "std": s["std"] if math.isfinite(s["std"]) else math.nan,
                                       "nominal": result.nominal.get(k, math.nan), "n_nonfinite": s["n_nonfinite"]})
    children = {"inputs": ar.Group(inputs), "outputs": ar.Group(outputs), "statistics": ar.Group(stats_g)}
    idx = {"input_index": ar.Dataset(np.arange(d), "1", "uncertain input index", dims=("input_index",),
                                     attrs={"keys": ", ".join(keys)}),
           "bound": ar.Dataset(np.array([0.05, 0.95]), "1", "input probability level", dims=("bound",))}
    if result.tornado:
        tor = dict(idx)
        for k, v in result.tornado.items():
            tor[k] = ar.Dataset(np.asarray(v, dtype=float), result.units.get(k, "1"),
                                f"{result.long_names.get(k, k)} with one input at its P5 / P95",
                                dims=("input_index", "bound"))
        children["tornado"] = ar.Group(tor)
    if result.sobol:
        sob = {"input_index": idx["input_index"]}
        for k, s in result.sobol.items():
            sob[k] = ar.Group({n: ar.Dataset(np.asarray(v, dtype=float), "1", f"Sobol {n} of {k}",
                                             dims=("input_index",)) for n, v in s.items()})
        children["sobol"] = ar.Group(sob)
    return ar.Group(children, attrs={"n_samples": n, "seed": result.seed, "method": result.method,
                                     "input_keys": ", ".join(keys),
                                     "skipped": "; ".join(f"{k}: {r}" for k, r in result.skipped) or "none",
                                     "feasible_fraction": result.feasible_fraction,
                                     "converged_fraction": result.converged_fraction})


def audit_group(audit: dict, would_take: dict | None) -> ar.Group:
    """One orbit's audit: every alternative tried (open choices, mass, verdict and limiting constraint),
    the best design consistent with the publication, and what it would take to close at the claim."""
    alts = audit["alternatives"]
    dim = ("alternative",)
    children = {
        "alternative": ar.Dataset(np.arange(len(alts)), units="1", long_name="alternative", dims=dim),
        "choices": ar.Dataset(np.array([", ".join(f"{k} = {v}" for k, v in a.choices.items()) or "-" for a in alts]),
                              units="1", long_name="open choices of the alternative", dims=dim),
        "total_mass_kg": ar.Dataset(np.array([a.mass_kg for a in alts]), units="kg",
                                    long_name="mass sized for minimum mass", dims=dim),
        "closes": ar.Dataset(np.array([int(a.closes) for a in alts]), units="1", long_name="1 = every constraint met",
                             dims=dim),
        "limiting": ar.Dataset(np.array([a.verdict.limiting for a in alts]), units="1",
                               long_name="limiting constraint (the least normalised margin)", dims=dim),
        "limiting_margin": ar.Dataset(np.array([a.verdict.ranked[0].normalised_margin for a in alts]), units="1",
                                      long_name="its normalised margin", dims=dim),
    }
    best = audit["best"]
    children["best"] = ar.Group({
        "variable": ar.Dataset(np.array(list(best.design.to_dict())), units="1", long_name="design variable",
                               dims=("variable",)),
        "value": ar.Dataset(np.array(list(best.design.to_dict().values())), units="1",
                            long_name="value (SI units of the variable)", dims=("variable",)),
        "metrics": metrics_group(best.metrics),
    }, {"choices": ", ".join(f"{k} = {v}" for k, v in best.choices.items()) or "-", "closes": int(best.closes),
        "limiting": best.verdict.limiting})
    if would_take is not None:
        rows = list(would_take["alone"].items())
        idim = ("input",)
        wt = {
            "input": ar.Dataset(np.array([label for label, _ in rows]), units="1", long_name="technology input",
                                dims=idim),
            "key": ar.Dataset(np.array([next(iter(r["from"])) for _, r in rows]), units="1",
                              long_name="config key", dims=idim),
            "configured": ar.Dataset(np.array([next(iter(r["from"].values())) for _, r in rows]), units="1",
                                     long_name="configured value (units of the key)", dims=idim),
            "needed_alone": ar.Dataset(np.array([next(iter(r["values"].values())) if r["closes"] else np.nan
                                                 for _, r in rows]), units="1",
                                       long_name="value needed with this input alone (NaN: cannot close alone)",
                                       dims=idim),
            "relative_change_alone": ar.Dataset(np.array([next(iter(r["relative_change"].values())) if r["closes"]
                                                          else np.nan for _, r in rows]), units="1",
                                                long_name="relative change needed alone", dims=idim),
            "relative_change_joint": ar.Dataset(np.array([would_take["joint"]["relative_change"][label]
                                                          for label, _ in rows]), units="1",
                                                long_name="relative change, all inputs together (least norm in log "
                                                          "space)", dims=idim),
        }
        claimed = would_take["claimed_mass_kg"]
        children["what_it_would_take"] = ar.Group(wt, {"claimed_mass_kg": -1.0 if claimed is None else float(claimed),
                                                       "joint_closes": int(would_take["joint"]["closes"]),
                                                       "joint_norm": would_take["joint"]["norm"]})
    return ar.Group(children, {"published": ", ".join(audit["published"]) or "-",
                               "sized": ", ".join(audit["sized"]) or "-",
                               "as_published_closes": int(audit["as_published"].closes),
                               "as_published_mass_kg": audit["as_published"].mass_kg})
