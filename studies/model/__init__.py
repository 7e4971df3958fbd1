"""studies.model: the coupled, differentiable model of a compute satellite as a pipeline of typed stages.

Public API:

- inputs: :class:`Mission`, :class:`Numerics`, :class:`SatelliteDesign` (with :data:`VARIABLES`,
  :class:`VariableSet`, :func:`variable_set`), :class:`MassParameters`
- the model: :func:`evaluate` (the flat dict of declared metrics), :func:`evaluate_stages` (the
  typed :class:`Evaluation`), :data:`METRICS`, :data:`FIELDS`, :data:`STAGES`
- constraints: :data:`CONSTRAINTS`, :data:`CONSTRAINT_NAMES`; the verdict: :func:`verdict` (:mod:`~studies.model.verdict`);
  mass items :data:`MASS_ITEMS`

Stages, in order (each a module with its output class and ``run``): :mod:`~studies.model.environment`,
:mod:`~studies.model.radiation`, :mod:`~studies.model.array`, :mod:`~studies.model.hot_loop`,
:mod:`~studies.model.cold_case`, :mod:`~studies.model.life`, :mod:`~studies.model.budget`,
:mod:`~studies.model.mass`, :mod:`~studies.model.constraints`; the hot/cold case network they share is
:mod:`~studies.model.cases`.
"""
from .constraints import CONSTRAINT_NAMES, CONSTRAINTS, FEASIBILITY_TOLERANCE
from .design import VARIABLE_BY_NAME, VARIABLES, SatelliteDesign, Variable, VariableSet, variable_set
from .inputs import Mission, Numerics
from .mass import MASS_ITEMS, MassParameters
from .pipeline import FIELDS, METRICS, STAGES, Evaluation, evaluate, evaluate_stages
from .verdict import Judgement, Verdict, verdict

__all__ = ["CONSTRAINTS", "CONSTRAINT_NAMES", "Evaluation", "FEASIBILITY_TOLERANCE", "FIELDS", "MASS_ITEMS",
           "METRICS", "MassParameters", "Mission", "Numerics", "STAGES", "SatelliteDesign", "VARIABLES",
           "VARIABLE_BY_NAME", "Variable", "VariableSet", "Judgement", "Verdict", "evaluate", "evaluate_stages",
           "variable_set", "verdict"]
