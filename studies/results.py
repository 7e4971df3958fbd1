"""Study results <-> archive tree (one place that knows the archive layout)."""
from __future__ import annotations

import numpy as np

from . import archive as ar

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
