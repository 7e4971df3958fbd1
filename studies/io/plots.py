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


# ------------------------------------------------------------------------------------------------
# whole-satellite figures (inputs: the dict tree from studies.archive.read_archive)
# ------------------------------------------------------------------------------------------------

def _d(node):
    return np.asarray(node["data"])


def mass_breakdown_figure(g, title):
    items = [str(x) for x in _d(g["mass_breakdown"]["item"])]
    m = _d(g["mass_breakdown"]["mass_kg"])
    order = np.argsort(m)[::-1]
    fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
    ax.barh([items[i] for i in order][::-1], m[order][::-1], color="tab:blue")
    ax.set_xlabel("mass [kg]")
    ax.set_title(f"{title}: total {m.sum():,.0f} kg")
    for y, v in enumerate(m[order][::-1]):
        ax.text(v, y, f" {v:,.0f}", va="center", fontsize=8)
    return fig


def field_figure(grp, title, xlabel, ylabel, scale=1.0):
    x = _d(grp["x_m"]) * scale
    y = _d(grp["y_m"]) * scale
    t = _d(grp["temperature_k"])
    fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
    im = ax.pcolormesh(x, y, t, shading="nearest", cmap="inferno")
    fig.colorbar(im, ax=ax, label="temperature [K]")
    ax.set_aspect("equal" if scale != 1.0 else "auto")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return fig


def history_figure(g, title):
    h = g["history"]
    it = _d(h["iteration"])
    fig, ax = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
    ax.plot(it, _d(h["objective"]), "o-", label="objective (scaled)")
    ax.set_xlabel("iteration")
    ax.set_ylabel("objective / ref")
    ax2 = ax.twinx()
    ax2.semilogy(it, np.maximum(_d(h["max_violation"]), 1e-16), "s--", color="tab:red", label="max violation")
    ax2.set_ylabel("max constraint violation")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return fig


def sensitivity_figure(g, title, n=15):
    s = g["sensitivities"]
    names = [str(x) for x in _d(s["parameter"])]
    el = _d(s["elasticity"])
    order = np.argsort(np.abs(el))[::-1][:n]
    fig, ax = plt.subplots(figsize=(7.5, 5), constrained_layout=True)
    ax.barh([names[i] for i in order][::-1], el[order][::-1],
            color=["tab:red" if el[i] > 0 else "tab:green" for i in order][::-1])
    ax.set_xlabel("elasticity d ln(objective) / d ln(parameter)")
    ax.set_title(title)
    ax.grid(alpha=0.3, axis="x")
    return fig


def life_figure(g, title):
    life = g["life"]
    yrs = _d(life["years"])
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    axes[0].plot(yrs, _d(life["array_eol_w"]) / 1e3, label="array output at end of life")
    axes[0].plot(yrs, _d(life["array_required_w"]) / 1e3, "--", label="required")
    axes[0].set_xlabel("mission length [yr]")
    axes[0].set_ylabel("power [kW]")
    axes[0].legend()
    axes[0].grid(alpha=0.3)
    for k in ("g_tid", "g_power", "g_battery"):
        axes[1].plot(yrs, _d(life[k]), label=k[2:])
    axes[1].axhline(0.0, color="k", lw=0.8)
    axes[1].set_xlabel("mission length [yr]")
    axes[1].set_ylabel("normalised constraint (>= 0 ok)")
    axes[1].legend()
    axes[1].grid(alpha=0.3)
    fig.suptitle(f"{title}: limiting subsystem = {life['attrs']['limiting']}")
    return fig


def thickness_figure(td, title):
    """Minimum-mass sheet thickness map [mm] over the panel with its tube lines.  ``td``: the
    archived ``thickness_design`` group (read_archive tree) or the dict of
    :func:`studies.analysis.thickness_study.thickness_design_at`."""
    def val(k):
        v = td[k]
        return np.asarray(v["data"]) if isinstance(v, dict) else np.asarray(v)

    t_mm = 1e3 * val("zone_thickness_m")
    length, width = float(val("panel_length_m")), float(val("panel_width_m"))
    n_tubes, pitch = int(val("n_tubes")), float(val("tube_pitch_m"))
    fig, ax = plt.subplots(figsize=(7.0, 3.6), constrained_layout=True)
    im = ax.imshow(t_mm, origin="lower", extent=(0.0, length, 0.0, width), aspect="auto", cmap="viridis",
                   interpolation="nearest")
    for k in range(n_tubes):
        ax.axhline(0.5 * width + (k - 0.5 * (n_tubes - 1)) * pitch, color="w", lw=0.6, ls="--")
    ax.set_xlabel("x along the tubes [m]")
    ax.set_ylabel("y across the tubes [m]")
    ax.set_title(f"{title}\n{t_mm.size} zones: {float(val('mass_kg')):.3g} kg vs {float(val('reference_mass_kg')):.3g} kg "
                 f"uniform ({100 * float(val('mass_saving')):.1f} % saved) at the same heat rejection", fontsize=8)
    fig.colorbar(im, ax=ax, label="thickness [mm]")
    return fig


def orbit_cases_figure(g, title):
    """Hot and cold cases over one orbit: junction, supply and return coolant, radiator min/max."""
    cases = g["orbit_cases"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True, sharey=False)
    for ax, case in zip(axes, ("hot", "cold")):
        c = cases[case]
        t = _d(c["time_s"]) / 60.0
        for k, lab, st in (("junction_k", "junction", "-"), ("supply_k", "coolant supply", "-"),
                           ("return_k", "coolant return", "--"), ("radiator_max_k", "radiator max", ":"),
                           ("radiator_min_k", "radiator min", ":")):
            ax.plot(t, _d(c[k]), st, label=lab)
        ax.set_xlabel("time from orbit noon [min]")
        ax.set_ylabel("temperature [K]")
        ax.set_title(f"{case} case")
        ax.grid(alpha=0.3)
    if "freeze_margin_k" in cases["cold"]:
        axes[1].axhline(float(_d(cases["cold"]["coolant_lowest_k"])) - float(_d(cases["cold"]["freeze_margin_k"])),
                        color="c", lw=0.8, label="freezing point")
    axes[0].legend(fontsize=8)
    axes[1].legend(fontsize=8)
    fig.suptitle(title)
    return fig


def tornado_figure(g, metric="total_mass_kg", title="", n=12):
    """Tornado chart from an archived uncertainty group: ``metric`` with each input at its P5 and P95
    (the others at their configured values), as change from the nominal."""
    u = g["uncertainty"]
    tor, st = u["tornado"], u["statistics"]
    keys = tor["input_index"]["attrs"]["keys"].split(", ")
    v = _d(tor[metric]) - float(st[metric]["attrs"]["nominal"])
    order = np.argsort(np.abs(v[:, 1] - v[:, 0]))[-n:]
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(order) + 1.5), constrained_layout=True)
    y = np.arange(len(order))
    ax.barh(y, v[order, 0], color="tab:blue", label="input at P5")
    ax.barh(y, v[order, 1], color="tab:orange", label="input at P95")
    ax.set_yticks(y, [keys[i] for i in order], fontsize=8)
    ax.axvline(0.0, color="k", lw=0.8)
    ax.set_xlabel(f"change of {metric} [{tor[metric]['attrs'].get('units', '')}] from the nominal "
                  f"{float(st[metric]['attrs']['nominal']):.5g}")
    ax.legend(fontsize=8)
    ax.set_title(title)
    return fig


def constellation_figure(g, title):
    c = g["constellation"]
    fig, ax = plt.subplots(figsize=(6.5, 4.5), constrained_layout=True)
    ax.loglog(_d(c["launch_usd_per_kg"]), _d(c["sweep_space_usd_per_kw_year"]), label="space (this design)")
    ax.axhline(float(_d(c["terrestrial_usd_per_kw_year"])), color="k", ls="--", label="terrestrial data centre")
    be = float(_d(c["break_even_launch_usd_per_kg"]))
    if be > 0:
        ax.axvline(be, color="tab:green", ls=":", label=f"break-even {be:,.0f} $/kg")
    ax.set_xlabel("launch price [$/kg]")
    ax.set_ylabel("infrastructure cost [$/kW-year]")
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    return fig


def pareto_figure(p):
    panels = []

    def ok(f):  # feasible re-optimisations (worst normalised constraint >= -1e-6)
        return _d(f["worst_constraint"]) >= -1e-6 if "worst_constraint" in f else np.ones(len(_d(f["total_mass_kg"])), bool)

    if "junction" in p:
        f = p["junction"]
        panels.append((_d(f["junction_max_k"]), _d(f["total_mass_kg"]), ok(f), "max junction temperature [K]"))
        panels.append((_d(f["radiator_mean_k"]), _d(f["total_mass_kg"]), ok(f), "mean radiator temperature [K]"))
    if "altitude" in p:
        f = p["altitude"]
        panels.append((_d(f["altitude_m"]) / 1e3, _d(f["total_mass_kg"]), ok(f), "altitude [km]"))
    fig, axes = plt.subplots(1, max(len(panels), 1), figsize=(4.2 * max(len(panels), 1), 4), constrained_layout=True,
                             squeeze=False)
    for ax, (x, y, feas, lab) in zip(axes[0], panels):
        ax.plot(x[feas], y[feas], "o-", label="feasible optimum")
        if (~feas).any():
            ax.plot(x[~feas], y[~feas], "x", color="tab:red", ms=9, label="no feasible design found")
            ax.legend(fontsize=8)
        ax.set_xlabel(lab)
        ax.set_ylabel("optimum total mass [kg]")
        ax.grid(alpha=0.3)
    fig.suptitle("Pareto fronts (epsilon-constraint re-optimisation)")
    return fig


def dose_depth_figure(g, title):
    dd = g["dose_depth"]
    z = _d(dd["depth_g_cm2"])
    fig, ax = plt.subplots(figsize=(6.5, 4.5), constrained_layout=True)
    for k, lab in (("trapped_proton_gy", "trapped protons"), ("trapped_electron_gy", "trapped electrons"),
                   ("bremsstrahlung_gy", "bremsstrahlung"), ("solar_proton_gy", "solar protons"),
                   ("total_gy", "total")):
        if k in dd:
            ax.loglog(z, np.maximum(_d(dd[k]), 1e-6) * 100.0, label=lab, lw=2 if k == "total_gy" else 1)
    ax.set_xlabel("aluminium shield (solid sphere) [g/cm²]")
    ax.set_ylabel("mission dose [rad(Si)]")
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    return fig
