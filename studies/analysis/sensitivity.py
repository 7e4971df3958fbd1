"""Derivatives a reviewer reads: labelled sensitivities of the objective to every design variable and
every configured continuous input, and the autodiff-vs-finite-difference check (``sunsink check``).

Both use the optimiser's compiled derivative program (:meth:`studies.analysis.kernels.Kernels.pushforward`).
"""
from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from ..declare import config_key
from ..model import VARIABLES, MassParameters, Mission, SatelliteDesign
from .build import configured
from .kernels import Kernels, strong_types
from .optimize import OBJECTIVE_REF

__all__ = ["parameters", "parameter_values", "sensitivities", "check_gradients"]


def parameters(design: SatelliteDesign, mission: Mission, physical: bool = False):
    """(label, getter, units) of every differentiable input: the design variables (``design.<name>``) and
    every configured continuous quantity of the mission and mass model, labelled by its config key.
    ``physical``: only the inputs an elasticity table reports (no calendar dates, no counts:
    :attr:`studies.declare.Quantity.elasticity`)."""
    out = [(f"design.{v.name}", lambda t, n=v.name: getattr(t[0], n), v.units) for v in VARIABLES]

    def keep(q):
        return not physical or (q.elasticity and q.kind == "float")

    for f, q in configured(Mission):
        if not f.metadata.get("static") and getattr(mission, f.name) is not None and keep(q):
            out.append((f"{q.section}.{config_key(f, q)}", lambda t, n=f.name: getattr(t[1], n), q.units))
    for f, q in configured(MassParameters):
        if not f.metadata.get("static") and getattr(mission.mass, f.name) is not None and keep(q):
            out.append((f"mass.{f.name}", lambda t, n=f.name: getattr(t[1].mass, n), q.units))
    return out


def parameter_values(design: SatelliteDesign, mission: Mission) -> dict[str, float]:
    """Value (SI) of every parameter of the sensitivity table, by label."""
    return {label: float(get((design, mission))) for label, get, _ in parameters(design, mission)}


def sensitivities(kernels: Kernels, design: SatelliteDesign, mission: Mission) -> dict[str, float]:
    """d(objective)/d(every design variable and every configured continuous mission, environment,
    coating and mass-model parameter), labelled by its config key.

    Forward mode through :meth:`Kernels.pushforward`, the program the optimiser's Jacobian already
    compiled: one-hot tangents on the design, then on the mission's float inputs (the mission and
    mass-model parameters), ``kernels.n_tangents`` per call.
    Reported as elasticities too (d ln J / d ln p) so that parameters of different units rank
    together.
    """
    refs = np.array([v.ref for v in kernels.vs.variables])
    full = np.array([float(getattr(design, v.name)) for v in kernels.vs.variables]) / refs
    strong = strong_types(mission)
    diff = eqx.filter(strong, eqx.is_inexact_array)
    zeros = jax.tree_util.tree_map(jnp.zeros_like, diff)
    scale = OBJECTIVE_REF[mission.objective]
    grads = {}
    # design variables: d obj / d x_i = (d (obj / ref) / d x_scaled_i) * ref / v.ref
    row = kernels.jacobian(full, strong, columns=range(len(kernels.vs.variables)))[0]
    for i, v in enumerate(kernels.vs.variables):
        grads[f"design.{v.name}"] = float(row[i] * scale / refs[i])
    # mission and mass-model inputs: one-hot tangents in the flattened float inputs of the mission
    labels, rows = [], []
    for label, get, _ in parameters(design, mission, physical=True)[len(VARIABLES):]:
        one = eqx.tree_at(lambda m, g=get: g((None, m)), zeros, jnp.ones_like(get((None, diff))))
        rows.append(np.asarray(ravel_pytree(one)[0]))
        labels.append(label)
    d = kernels.pushforward(full, strong, np.zeros((len(rows), len(full))), np.array(rows))[:, 0]
    grads.update({label: float(dj * scale) for label, dj in zip(labels, d)})
    return grads


def check_gradients(kernels: Kernels, base: SatelliteDesign, rel_step=(1e-5, 1e-6)) -> dict[str, float]:
    """Worst relative error of autodiff vs central differences per free variable, over the
    objective and all constraints (the ``sunsink check`` report).

    ``rel_step`` may be one relative step or several: central differences carry a
    truncation error ~h^2 and a round-off/solver-tolerance error ~tol/h, so no single
    step suits every variable (a strongly curved response such as the shield's wants a
    small step, a weakly coupled one such as the cold-plate enhancement a larger one).
    With several steps each variable reports the best of them, the usual practice.
    """
    steps = np.atleast_1d(np.asarray(rel_step, dtype=np.float64))
    x0 = kernels.vs.to_scaled(base)
    _, jad = kernels.value_and_jacobian(x0, base)
    out = {}
    for k, name in enumerate(kernels.vs.free_names):
        ad = jad[:-1, k]
        best = np.inf
        for step in steps:
            h = float(step) * max(abs(x0[k]), 1.0)
            xp, xm = x0.copy(), x0.copy()
            xp[k] += h
            xm[k] -= h
            fd = (kernels.value(xp, base) - kernels.value(xm, base))[:-1] / (2 * h)
            scale = np.maximum(np.abs(fd), 1e-6 * np.max(np.abs(ad)) + 1e-12)
            best = min(best, float(np.max(np.abs(ad - fd) / scale)))
        out[name] = best
    return out
