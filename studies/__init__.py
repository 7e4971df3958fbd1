"""studies: the composer — study configs, coupled models, HDF5 archive, CLI and plots.

Public API:

- configuration: :func:`load_config`, :func:`loads_config`, :func:`parse_config`,
  :class:`ConfigError`
- level-0 radiator study: :func:`run_radiator_study`
- whole-satellite model: :class:`SatelliteDesign` (design-variable pytree),
  :data:`VARIABLES` (bounds, reference scales, units), :class:`Mission`,
  :class:`Numerics`, :func:`evaluate` (jittable, differentiable; returns the metrics
  dict with converged flags and normalised constraints ``g_*`` >= 0 when met) and
  :data:`CONSTRAINT_NAMES`
- optimisation, checks, sensitivities, life: the :mod:`studies.satellite` module
- sweeps: :func:`run_sweep`, :func:`latin_hypercube`, :func:`full_grid`
- archives: the :mod:`studies.archive` module (``write_archive``, ``read_archive``,
  ``describe_archive``, ``append_rows`` ...)
"""
from . import archive
from .config import ConfigError, load_config, loads_config, parse_config
from .design import VARIABLES, SatelliteDesign
from .model import CONSTRAINT_NAMES, Mission, Numerics, evaluate
from .radiator_study import run_radiator_study
from .sweep import full_grid, latin_hypercube, run_sweep

__all__ = ["CONSTRAINT_NAMES", "ConfigError", "Mission", "Numerics", "SatelliteDesign", "VARIABLES", "archive",
           "evaluate", "full_grid", "latin_hypercube", "load_config", "loads_config", "parse_config",
           "run_radiator_study", "run_sweep"]
