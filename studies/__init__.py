"""studies: the composer -- study configs, the coupled model, optimiser, sweeps, uncertainty, HDF5
archive, CLI and reports.

Every quantity a study knows is declared once (:mod:`studies.declare`, one record:
:class:`studies.declare.Quantity`; units from :mod:`studies.units`): the configurable fields of
:class:`studies.model.Mission`, :class:`studies.model.MassParameters`, :class:`studies.model.Numerics`,
the design variables of :class:`studies.model.SatelliteDesign`, the study settings
(:mod:`studies.settings`), and the outputs of every stage of the model (metrics and constraints,
:mod:`studies.model`).  The TOML schema, the archive metadata, the report, the sweep columns and the
optimiser's constraint vector are derived from them.

Layout:

- :mod:`studies.model` -- the coupled model as a pipeline of typed stages (:func:`evaluate`)
- :mod:`studies.analysis` -- what a study does with it (optimise, sensitivities, life, sweeps,
  uncertainty, service, constellation, level-0 radiator, thickness map)
- :mod:`studies.config` (with :mod:`studies.settings`) -- TOML configs validated before any work
- :mod:`studies.archive` -- HDF5 archives; :mod:`studies.io` -- results tree, reports, figures
- :mod:`studies.cli` and :mod:`studies.commands` -- the ``sunsink`` command

Public API: :func:`load_config`, :func:`loads_config`, :func:`parse_config`, :class:`ConfigError`,
:class:`SatelliteDesign`, :class:`Mission`, :class:`Numerics`, :func:`evaluate` (jittable,
differentiable; the declared metrics, the normalised constraints ``g_*`` >= 0 when met and convergence
flags), :data:`METRICS`, :data:`CONSTRAINTS`, :data:`VARIABLES`, :func:`run_radiator_study`,
:func:`run_sweep`, :func:`latin_hypercube`, :func:`full_grid`, and the :mod:`studies.archive` module.
"""
from . import archive
from .analysis.radiator_study import run_radiator_study
from .analysis.sweep import full_grid, latin_hypercube, run_sweep
from .config import ConfigError, load_config, loads_config, parse_config
from .model import CONSTRAINT_NAMES, CONSTRAINTS, METRICS, VARIABLES, Mission, Numerics, SatelliteDesign, evaluate

__all__ = ["CONSTRAINTS", "CONSTRAINT_NAMES", "ConfigError", "METRICS", "Mission", "Numerics", "SatelliteDesign",
           "VARIABLES", "archive", "evaluate", "full_grid", "latin_hypercube", "load_config", "loads_config",
           "parse_config", "run_radiator_study", "run_sweep"]
