"""studies: the composer — study configs, the coupled model, optimiser, sweeps, HDF5 archive, CLI and plots.

Every quantity a study knows is declared once (:mod:`studies.declare`): the configurable
fields of :class:`Mission` (mission, environment, loop, radiator coatings),
:class:`studies.mass_model.MassParameters`, :class:`Numerics`, the design variables of
:class:`SatelliteDesign` (:data:`VARIABLES`), and the metrics and constraints of
:mod:`studies.metrics` (:data:`METRICS`, :data:`CONSTRAINTS`).  The TOML schema, the archive
metadata, the report, the sweep columns and the optimiser's constraint vector are derived
from them.

Public API:

- configuration: :func:`load_config`, :func:`loads_config`, :func:`parse_config`,
  :class:`ConfigError`
- level-0 radiator study: :func:`run_radiator_study`
- whole-satellite model: :class:`SatelliteDesign`, :class:`Mission`, :class:`Numerics`,
  :func:`evaluate` (jittable, differentiable; returns the declared metrics, the normalised
  constraints ``g_*`` >= 0 when met and convergence flags)
- verdict of a fixed design: :func:`studies.report.verdict`
- optimisation, checks, sensitivities, life: :mod:`studies.satellite`, :mod:`studies.optimize`
- sweeps: :func:`run_sweep`, :func:`latin_hypercube`, :func:`full_grid`
- archives: the :mod:`studies.archive` module (``write_archive``, ``read_archive``,
  ``describe_archive``, ``append_rows`` ...)
"""
from . import archive
from .config import ConfigError, load_config, loads_config, parse_config
from .design import VARIABLES, SatelliteDesign
from .metrics import CONSTRAINT_NAMES, CONSTRAINTS, METRICS
from .model import Mission, Numerics, evaluate
from .radiator_study import run_radiator_study
from .sweep import full_grid, latin_hypercube, run_sweep

__all__ = ["CONSTRAINTS", "CONSTRAINT_NAMES", "ConfigError", "METRICS", "Mission", "Numerics", "SatelliteDesign",
           "VARIABLES", "archive", "evaluate", "full_grid", "latin_hypercube", "load_config", "loads_config",
           "parse_config", "run_radiator_study", "run_sweep"]
