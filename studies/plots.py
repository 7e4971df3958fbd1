"""Figures rebuilt from archive contents alone (matplotlib, Agg backend)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

FACE_LABELS = ("face A", "face B")


def absorbed_flux_figure(case: dict, title: str):
    """Incident and absorbed flux per face over one orbit (case: dict of arrays)."""
    t_min = np.asarray(case["time_s"]) / 60.0
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True, constrained_layout=True)
    for f, ax in enumerate(axes):
        ax.plot(t_min, case["incident_solar_w_m2"][:, f], label="direct solar (incident)")
        ax.plot(t_min, case["incident_albedo_w_m2"][:, f], label="albedo (incident)")
        ax.plot(t_min, case["incident_earth_ir_w_m2"][:, f], label="Earth IR (incident)")
        ax.plot(t_min, case["absorbed_w_m2"][:, f], "k", lw=2, label="absorbed")
        ax.set_title(f"{FACE_LABELS[f]}")
        ax.set_xlabel("time from orbit noon [min]")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("flux [W/m²]")
    axes[0].legend(fontsize=8)
    fig.suptitle(title)
    return fig


def area_vs_temperature_figure(cases: dict, heat_load_w: float):
    """Level-0 planform area vs radiator temperature for each orbit."""
    fig, ax = plt.subplots(figsize=(6.5, 4.5), constrained_layout=True)
    for case in cases.values():
        ax.plot(case["curve_temperature_k"], case["curve_level0_area_m2"], label=str(case["name"]))
        if np.isfinite(case["level0_area_m2"]):
            ax.plot(case["design_temperature_k"], case["level0_area_m2"], "o")
    ax.set_yscale("log")
    ax.set_xlabel("radiator temperature [K]")
    ax.set_ylabel("planform area of two-sided panel [m²]")
    ax.set_title(f"Isothermal radiator area for {heat_load_w / 1e3:.0f} kW")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return fig


def save(fig, path):
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
