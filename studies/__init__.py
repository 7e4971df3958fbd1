"""studies: the composer — study configs, coupled models, HDF5 archive, CLI and plots.

Public API:

- configuration: :func:`load_config`, :func:`loads_config`, :func:`parse_config`,
  :class:`ConfigError`
- radiator study: :func:`run_radiator_study`
- archives: the :mod:`studies.archive` module (``write_archive``, ``read_archive``,
  ``describe_archive``, ``append_rows`` ...)
"""
from . import archive
from .config import ConfigError, load_config, loads_config, parse_config
from .radiator_study import run_radiator_study

__all__ = ["ConfigError", "archive", "load_config", "loads_config", "parse_config", "run_radiator_study"]
