"""The coupled model as a pipeline of typed stages: ``evaluate(design, mission, numerics)``.

environment -> radiation -> array -> hot loop -> cold case -> life -> budget -> mass -> constraints

Each stage is a module with one job (:mod:`studies.model.environment` ... :mod:`studies.model.constraints`):
it takes the typed outputs of the stages before it and returns its own (an equinox module whose
declared fields are the model's metrics).  Nothing is computed twice, and no stage hands the next a
dict of string keys.  The flat ``{metric: value}`` dict that reports, archives, sweeps and the
optimiser read is derived at the end by walking the declarations (:data:`METRICS`, :data:`FIELDS`).

The power subsystem is split in two stages: the array (before the loop: its temperature sets the
infrared the radiators receive from it) and the electrical budget (after the cold case and drag: it
needs the pump, the heaters and the thrusters).

All JAX, jitted end to end, differentiable in every design field and every continuous mission
parameter.

References
----------
- Gilmore (2002), *Spacecraft Thermal Control Handbook* Vol. I, ch. 6 and 12 (radiators, pumped loops).
- Martins & Ning (2021), *Engineering Design Optimization*, ch. 5.
"""
from __future__ import annotations

import dataclasses
import typing
from typing import Any

import equinox as eqx
import jax.numpy as jnp

from ..declare import Quantity, declared
from . import array, budget, cold_case, constraints, environment, hot_loop, life, mass, radiation
from .design import SatelliteDesign
from .inputs import Mission, Numerics

__all__ = ["Evaluation", "STAGES", "METRICS", "FIELDS", "evaluate", "evaluate_stages"]


class Evaluation(eqx.Module):
    """The typed outputs of every stage of one evaluation, in pipeline order."""

    environment: environment.Environment
    radiation: radiation.Radiation
    array: array.Array
    hot_loop: hot_loop.HotLoop
    cold_case: cold_case.ColdCase
    life: life.Life
    budget: budget.Budget
    mass: mass.Mass
    constraints: constraints.Constraints

    def metrics(self) -> dict[str, Any]:
        """``{name: value}`` of every declared output (scalar metrics and fields), in pipeline order."""
        return {name: getattr(getattr(self, stage), name) for name, (stage, _) in _OUTPUTS.items()}


_HINTS = typing.get_type_hints(Evaluation)
STAGES: tuple[tuple[str, type], ...] = tuple((f.name, _HINTS[f.name]) for f in dataclasses.fields(Evaluation))
"""(attribute, output class) of every stage of :class:`Evaluation`, in pipeline order."""


def _outputs(stage) -> dict[str, Any]:
    """``{name: value}`` of the declared outputs of one stage's output."""
    return {f.name: getattr(stage, f.name) for f, q in declared(type(stage)) if q.group is not None}

_OUTPUTS: dict[str, tuple[str, Quantity]] = {f.name: (stage, q) for stage, cls in STAGES
                                             for f, q in declared(cls) if q.group is not None}

METRICS: dict[str, Quantity] = {n: q for n, (_, q) in _OUTPUTS.items() if not q.array}
"""{name: declaration} of every scalar metric :func:`evaluate` returns, in pipeline order."""
FIELDS: dict[str, Quantity] = {n: q for n, (_, q) in _OUTPUTS.items() if q.array}
"""{name: declaration} of the array-valued outputs (archived as fields with coordinates)."""


def evaluate_stages(design: SatelliteDesign, mission: Mission, numerics: Numerics = Numerics()) -> Evaluation:
    """Every stage of one satellite design, typed (jittable, differentiable)."""
    env = environment.run(design, mission, numerics)
    rad = radiation.run(design, mission, env)
    arr = array.run(design, mission, numerics, env, rad)
    hot = hot_loop.run(design, mission, numerics, env, arr)
    cold = cold_case.run(design, mission, numerics, rad, arr, hot)
    lif = life.run(design, mission, env)
    bud = budget.run(design, mission, env, arr, hot, cold, lif)
    mas = mass.run(design, mission, arr, hot, cold, lif, bud)
    done = {k: v for s in (env, rad, arr, hot, cold, lif, bud, mas) for k, v in _outputs(s).items()}
    converged = (hot.radiator_converged & hot.loop_converged & jnp.all(arr.array_converged)
                 & (jnp.abs(hot.loop_closure_residual) < 1e-6) & cold.cold_converged)
    con = constraints.run(done, converged)
    return Evaluation(env, rad, arr, hot, cold, lif, bud, mas, con)


def evaluate(design: SatelliteDesign, mission: Mission, numerics: Numerics = Numerics()) -> dict[str, Any]:
    """Every metric of one satellite design (a dict of JAX scalars and the two fields).

    Keys: the declared outputs of every stage (:data:`METRICS`, :data:`FIELDS`): ``total_mass_kg``, the
    mass breakdown ``mass_<item>_kg``, temperatures of the budget chain, ``tid_si_gy``, SEE rates,
    array and battery figures, the normalised constraints ``g_<name>`` (>= 0 is feasible), the
    ``objective`` and convergence flags.
    """
    return evaluate_stages(design, mission, numerics).metrics()
