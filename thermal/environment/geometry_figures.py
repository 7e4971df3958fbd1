"""Figure of a satellite layout (matplotlib object API, Agg canvas, no pyplot/GUI).

:func:`plot_layout` draws every panel of a :class:`thermal.environment.satellite_geometry.Layout`
as a 3-D rectangle (radiators and arrays in different colours, face ``a`` normal
as a short arrow) with the Sun and nadir directions, and optionally writes it.
"""
from __future__ import annotations

import numpy as np

from .satellite_geometry import Layout

_COLOURS = {"radiator": "#d9d9d9", "array": "#1f3b73"}
_EDGES = {"radiator": "#555555", "array": "#0b1a33"}


def _corners(panel):
    c = np.asarray(panel.center_m, dtype=float)
    hu = 0.5 * float(panel.length_u_m) * panel.u_axis
    hv = 0.5 * float(panel.length_v_m) * panel.v_axis
    return np.array([c - hu - hv, c + hu - hv, c + hu + hv, c - hu + hv])


def plot_layout(layout: Layout, path=None, title: str = "satellite layout (body frame)", labels: bool = True):
    """3-D figure of the layout; written to ``path`` (PNG/PDF by suffix) when given.

    Returns the ``matplotlib.figure.Figure``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from mpl_toolkits.mplot3d.art3d import Poly3DCollection

    fig = Figure(figsize=(7.5, 6.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(projection="3d")
    pts = []
    for p in layout.panels:
        corners = _corners(p)
        pts.append(corners)
        ax.add_collection3d(Poly3DCollection([corners], facecolor=_COLOURS.get(p.kind, "#888888"),
                                             edgecolor=_EDGES.get(p.kind, "k"), alpha=0.8, linewidths=0.8))
        c = np.asarray(p.center_m, dtype=float)
        n = np.cross(p.u_axis, p.v_axis)
        size = 0.25 * min(float(p.length_u_m), float(p.length_v_m))
        ax.quiver(*c, *(size * n), color="tab:red", linewidth=1.0)
        if labels:
            ax.text(*(c + 0.3 * size * n), p.name.replace("_", " "), fontsize=7)
    allp = np.concatenate(pts)
    span = float(np.max(np.ptp(allp, axis=0)))
    centre = 0.5 * (allp.max(axis=0) + allp.min(axis=0))
    arrow = 0.35 * span
    ax.quiver(*centre, *(arrow * np.asarray(layout.sun_unit)), color="orange", linewidth=2.5)
    ax.text(*(centre + 1.08 * arrow * np.asarray(layout.sun_unit)), "Sun", color="darkorange")
    ax.quiver(*centre, *(arrow * np.asarray(layout.nadir_unit)), color="tab:green", linewidth=2.5)
    ax.text(*(centre + 1.08 * arrow * np.asarray(layout.nadir_unit)), "nadir", color="tab:green")
    half = 0.55 * span
    ax.set_xlim(centre[0] - half, centre[0] + half)
    ax.set_ylim(centre[1] - half, centre[1] + half)
    ax.set_zlim(centre[2] + half, centre[2] - half)   # nadir (+z) drawn downward
    ax.set_xlabel("x (Sun) [m]")
    ax.set_ylabel("y [m]")
    ax.set_zlabel("z (nadir) [m]")
    ax.set_title(title + "\nred arrows: face a normals; radiators grey, arrays blue", fontsize=9)
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
