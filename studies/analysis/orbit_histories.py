"""Hot and cold cases over one orbit, after the study: the orbit-periodic lumped loop of a design with
its controls installed (for the report, the archive and the figures).

The network and loads are the model's own (:mod:`studies.model.cases`), built from the typed
evaluation of the design (:class:`studies.model.Evaluation`): the steady hot loop, the cold case's
sized freeze protection and the arrays' coupling to the radiator faces; the periodic solution is
:func:`thermal.periodic_loop` (shooting with an implicit adjoint).
"""
from __future__ import annotations

import numpy as np

from thermal.loop import transient as lt

from ..declare import Quantity
from ..model import Evaluation
from ..model.cases import CASE_NUMERICS, HEATER_BAND_K, HEATER_MARGIN, case_loads, case_schedule, loop_network

__all__ = ["HISTORY_KEYS", "HISTORY", "CASE_SUMMARY", "orbit_histories"]

HISTORY_KEYS = ("time_s", "junction_k", "chip_k", "supply_k", "return_k", "radiator_min_k", "radiator_max_k",
                "min_coolant_k", "chip_power_w", "heater_w")
"""Histories of each case archived and plotted (over one orbit from orbit noon)."""

HISTORY: dict[str, Quantity] = {
    "time_s": Quantity("s", "time from orbit noon"), "junction_k": Quantity("K", "junction temperature (quasi-steady estimate)"),
    "chip_k": Quantity("K", "package and cold-plate node temperature"), "supply_k": Quantity("K", "coolant supply temperature"),
    "return_k": Quantity("K", "coolant return temperature"), "radiator_min_k": Quantity("K", "coldest radiator segment"),
    "radiator_max_k": Quantity("K", "hottest radiator segment"), "min_coolant_k": Quantity("K", "coldest coolant-wetted node"),
    "chip_power_w": Quantity("W", "power of one chip"), "heater_w": Quantity("W", "freeze-protection heater power"),
}
"""Histories over one orbit (:data:`HISTORY_KEYS`) with their declarations."""
CASE_SUMMARY: dict[str, Quantity] = {
    "junction_max_k": Quantity("K", "hottest junction over the orbit"), "junction_min_k": Quantity("K", "coldest junction over the orbit"),
    "junction_swing_k": Quantity("K", "junction swing over the orbit"), "supply_min_k": Quantity("K", "coldest coolant supply"),
    "supply_max_k": Quantity("K", "hottest coolant supply"), "return_max_k": Quantity("K", "hottest coolant return"),
    "radiator_lowest_k": Quantity("K", "coldest radiator segment over the orbit"),
    "radiator_highest_k": Quantity("K", "hottest radiator segment over the orbit"),
    "coolant_lowest_k": Quantity("K", "coldest coolant-wetted node over the orbit"),
    "mean_heater_w": Quantity("W", "orbit-mean heater power"),
    "periodicity_error_k": Quantity("K", "max |state(P) - state(0)| of the periodic solution"),
    "energy_residual_j": Quantity("J", "stored + rejected - dissipated energy over the orbit"),
    "dissipated_energy_j": Quantity("J", "energy dissipated in the loop over the orbit"),
    "absorptivity": Quantity("1", "radiator solar absorptivity of faces A, B in this case"),
    "emissivity": Quantity("1", "radiator infrared emissivity of faces A, B in this case"),
    "freeze_margin_k": Quantity("K", "coldest coolant-wetted node minus the freezing point"),
}
"""Summary of each orbit case with its declaration."""



def orbit_histories(design, mission, numerics, evaluation: Evaluation, n_save: int = 97) -> dict:
    """Orbit-periodic hot and cold cases of a design (host side, after the study): per case the
    histories of :data:`HISTORY_KEYS` over one orbit, the summary (min/max, swing, periodicity
    error, energy residual over the orbit), with the cold case's controls as sized by
    :func:`studies.model.cold_case.run`, and the arrays' infrared on the radiator at every orbit
    sample of both cases.  Raises RuntimeError on a shooting failure."""
    hot, cold = evaluation.hot_loop, evaluation.cold_case
    coupling = evaluation.array.coupling_w_m2_k4
    heat = hot.payload_radiator_heat_w
    out = {}
    for case in ("hot", "cold"):
        controls = None
        if case == "cold":
            bare = loop_network(design, mission, hot, case, heat)
            need_w = cold.heater_power_w / HEATER_MARGIN
            # The heaters sit on the supply line, downstream of the radiator: the thermostat holds the
            # supply at the radiator's hold temperature plus the heaters' own rise (steady need /
            # m c_p), one band up, so the coldest radiator wall stays at the hold temperature.
            controls = {"heater_w": cold.heater_power_w, "bypass_fraction": cold.bypass_fraction,
                        "heater_setpoint_k": cold.cold_hold_k + HEATER_BAND_K
                        + need_w / (bare.mass_flow_kg_s * bare.coolant_cp_j_kg_k)}
        net = loop_network(design, mission, hot, case, heat, controls)
        loads = case_loads(design, mission, numerics, case, coupling, evaluation.radiation.cell_fluence_1mev_cm2)
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
    out["cold"]["freeze_margin_k"] = out["cold"]["coolant_lowest_k"] - float(cold.cold_freeze_point_k)
    return out
