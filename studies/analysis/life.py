"""Mission life per subsystem: the years each subsystem supports at a fixed design (TID with margin,
end-of-life power, battery cycles), from the study's compiled value program."""
from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from ..model import Mission, SatelliteDesign
from .kernels import Kernels

__all__ = ["life_limits", "eqx_replace"]


def life_limits(kernels: Kernels, design: SatelliteDesign, mission: Mission, years=None) -> dict:
    """Years each subsystem supports at a fixed design, from a scan of the mission length ``years``: TID
    with margin (the one definition of TID life: years until dose x margin reaches the tolerance), end-of-life
    power, battery cycles.  ``status[name]`` says how to read the number: ``"full"`` -- no failure within the
    scan (the number is the scan's end), ``"none"`` -- fails at every length scanned (already at the first),
    ``"crossing"`` -- the interpolated length where the constraint crosses zero."""
    years = np.linspace(0.5, 30.0, 60) if years is None else np.asarray(years)
    ev = kernels.evaluate

    def at(y):
        m = eqx_replace(mission, life_years=jnp.asarray(y))
        o = ev(design, m)
        return (float(o["g_tid"]), float(o["g_power"]), float(o["g_battery"]), float(o["array_eol_w"]),
                float(o["array_required_w"]), float(o["tid_si_gy"]))

    rows = np.array([at(y) for y in years])
    g = rows[:, :3]
    out = {"status": {}}
    for k, name in enumerate(("tid", "power", "battery")):
        bad = np.nonzero(g[:, k] < 0)[0]
        if len(bad) == 0:
            out[name] = float(years[-1])
            out["status"][name] = "full"
            continue
        i = bad[0]
        if i == 0:
            out[name] = float(years[0])
            out["status"][name] = "none"
        else:  # linear interpolation of the crossing
            out["status"][name] = "crossing"
            y0, y1, g0, g1 = years[i - 1], years[i], g[i - 1, k], g[i, k]
            out[name] = float(y0 + (y1 - y0) * g0 / (g0 - g1))
    out["limiting"] = min(("tid", "power", "battery"), key=lambda k: out[k])
    out["years"] = years
    out["g"] = g
    out["array_eol_w"], out["array_required_w"], out["tid_si_gy"] = rows[:, 3], rows[:, 4], rows[:, 5]
    return out


def eqx_replace(module, **changes):
    """``module`` with the named fields replaced (``eqx.tree_at``)."""
    names = list(changes)
    return eqx.tree_at(lambda m: [getattr(m, n) for n in names], module, [changes[n] for n in names])
