"""Figures of the power package (matplotlib object API without pyplot, so no
GUI backend is touched; each function returns a ``matplotlib.figure.Figure``).

* :func:`plot_power_vs_mission_time`: array output from BOL to EOL with the
  radiation remaining factor, the fluence accumulating linearly in time.
* :func:`plot_soc_day`: battery state of charge over a worst-case eclipse-season
  day, with the DoD limit.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .array import array_power
from .cells import remaining_factor


def plot_power_vs_mission_time(cell, design, temperature_k, eol_fluence_cm2, mission_years,
                               solar_flux_w_m2=1361.0, required_power_w=None, n_points: int = 61,
                               front=None, back=None):
    """Array power [kW] vs mission time [years] with degradation.

    The fluence grows linearly from 0 to ``eol_fluence_cm2`` at ``mission_years``
    (constant trapped-electron environment); the right axis shows the remaining
    factor of the radiation degradation.  With ``front``/``back`` incident fluxes
    (and ``temperature_k=None``) the array temperature is re-solved at every time
    (a degraded array converts less and runs warmer).
    """
    from matplotlib.figure import Figure

    t = np.linspace(0.0, float(mission_years), n_points)
    fl = eol_fluence_cm2 * t / float(mission_years)
    if temperature_k is None:
        if front is None or back is None:
            raise ValueError("plot_power_vs_mission_time: give temperature_k or both front and back fluxes")
        from .array import array_temperature

        temperature_k = array_temperature(cell, design, front, back, jnp.asarray(fl)).temperature_k
    p = np.asarray(array_power(cell, design, temperature_k, jnp.asarray(fl), solar_flux_w_m2).power_w)
    t_lab = np.asarray(temperature_k)
    t_txt = (f"T = {float(t_lab) - 273.15:.0f} C" if t_lab.ndim == 0
             else f"T = {t_lab.min() - 273.15:.0f}..{t_lab.max() - 273.15:.0f} C")
    rf = np.asarray(remaining_factor(jnp.asarray(fl), cell.degradation_c, cell.degradation_phi_x_cm2))
    fig = Figure(figsize=(6.4, 4.0))
    ax = fig.add_subplot()
    ax.plot(t, p / 1e3, color="C0", label="array output")
    if required_power_w is not None:
        ax.axhline(float(required_power_w) / 1e3, color="k", ls="--", lw=1, label="required (EOL)")
    ax.set_xlabel("mission time [years]")
    ax.set_ylabel("array power [kW]")
    ax2 = ax.twinx()
    ax2.plot(t, rf, color="C3", ls=":", label="radiation remaining factor")
    ax2.set_ylabel("remaining factor [-]")
    ax.set_title(f"{cell.name}: power vs mission time, {t_txt}")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="lower left")
    fig.tight_layout()
    return fig


def plot_soc_day(time_s, soc, soc_limit=None, eclipse_mask=None, title="battery state of charge"):
    """State of charge [-] vs time [h] over a day, eclipses shaded, limit dashed."""
    from matplotlib.figure import Figure

    t_h = np.asarray(time_s) / 3600.0
    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.add_subplot()
    ax.plot(t_h, np.asarray(soc), color="C0", label="state of charge")
    if soc_limit is not None:
        ax.axhline(float(soc_limit), color="C3", ls="--", lw=1, label="minimum SOC (DoD limit)")
    if eclipse_mask is not None:
        m = np.asarray(eclipse_mask) > 0.5
        ax.fill_between(t_h, 0, 1, where=m, color="0.85", step="mid", transform=ax.get_xaxis_transform(),
                        label="eclipse")
    ax.set_xlabel("time [h]")
    ax.set_ylabel("state of charge [-]")
    ax.set_ylim(0.0, 1.05)
    ax.set_title(title)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig
