"""Figures for the radiation package (matplotlib, no display; functions return a Figure).

The lead wires these into the CLI.  Each figure is built from the public API only.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import environment, mission, solar  # noqa: E402
from .mission import GY_PER_KRAD  # noqa: E402


def dose_depth_figure(altitude_m, inclination_rad, mission_years, solar_cycle: str = "worst", confidence=0.95,
                      geometry: str = "solid_sphere_centre", depths_g_cm2=None, part_tolerance_si_gy=None):
    """Mission dose [krad(Si)] vs Al shield depth, one curve per particle, and the total.

    Parameters
    ----------
    altitude_m, inclination_rad, mission_years, solar_cycle, confidence, geometry :
        as :func:`radiation.mission.mission_tid_si_gy`.
    depths_g_cm2 : depths [g/cm^2] (default 0.05..20, log spaced).
    part_tolerance_si_gy : optional horizontal line (e.g. the HBM anomaly onset).
    """
    z = np.geomspace(0.05, 20.0, 40) if depths_g_cm2 is None else np.asarray(depths_g_cm2)
    d = mission.mission_tid_si_gy(altitude_m, inclination_rad, z, mission_years, solar_cycle, confidence, 1.0, geometry)
    fig, ax = plt.subplots(figsize=(7, 5))
    for label, v in (("trapped protons", d.trapped_proton_gy), ("trapped electrons", d.trapped_electron_gy),
                     ("bremsstrahlung", d.bremsstrahlung_gy), ("solar protons", d.solar_proton_gy),
                     ("total", d.total_gy)):
        v = np.asarray(v) / GY_PER_KRAD
        ax.loglog(z, np.where(v > 0, v, np.nan), lw=2.5 if label == "total" else 1.5, label=label)
    if part_tolerance_si_gy is not None:
        ax.axhline(part_tolerance_si_gy / GY_PER_KRAD, color="k", ls="--", lw=1, label="part tolerance")
    ax2 = ax.secondary_xaxis("top", functions=(lambda g: g / 0.27, lambda mm: mm * 0.27))
    ax2.set_xlabel("Al thickness [mm]")
    ax.set_xlabel("Al shield depth [g/cm$^2$]")
    ax.set_ylabel(f"{mission_years:g}-year dose [krad(Si)]")
    ax.set_title(f"{altitude_m / 1e3:.0f} km, {np.degrees(inclination_rad):.1f} deg, {geometry.replace('_', ' ')}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def spectra_figure(altitude_m, inclination_rad, mission_years=5.0, confidence=0.95):
    """Orbit-averaged trapped spectra (AE8/AP8 MIN and MAX) and the solar-proton fluence."""
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.5))
    for cycle, ls in (("min", "-"), ("max", "--")):
        e, j = environment.trapped_integral_flux_cm2_s(altitude_m, inclination_rad, "proton", cycle)
        a1.loglog(e, np.where(np.asarray(j) > 0, j, np.nan), ls=ls, color="C3", label=f"AP8 {cycle.upper()} protons")
        e, j = environment.trapped_integral_flux_cm2_s(altitude_m, inclination_rad, "electron", cycle)
        a1.loglog(e, np.where(np.asarray(j) > 0, j, np.nan), ls=ls, color="C0", label=f"AE8 {cycle.upper()} electrons")
    a1.set_xlabel("energy [MeV]")
    a1.set_ylabel("orbit-averaged integral flux J(>E) [cm$^{-2}$ s$^{-1}$]")
    a1.grid(True, which="both", alpha=0.3)
    a1.legend(fontsize=8)
    active = mission_years * solar.SOLAR_ACTIVE_FRACTION
    e, phi = solar.solar_proton_differential_fluence(active, confidence)
    t = solar.geomagnetic_transmission(e, altitude_m, inclination_rad)
    a2.loglog(e, phi, label="at 1 AU")
    a2.loglog(e, np.asarray(phi) * np.asarray(t), label="geomagnetically attenuated")
    a2.set_xlabel("energy [MeV]")
    a2.set_ylabel("mission differential fluence [cm$^{-2}$ MeV$^{-1}$]")
    a2.set_title(f"solar protons, {active:.1f} active yr, {confidence:.0%}")
    a2.grid(True, which="both", alpha=0.3)
    a2.legend(fontsize=8)
    fig.suptitle(f"{altitude_m / 1e3:.0f} km, {np.degrees(inclination_rad):.1f} deg")
    fig.tight_layout()
    return fig
