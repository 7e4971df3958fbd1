"""HDF5 study archives: versioned schema, provenance, atomic writes, integrity seal, locks, signals.

Every result sunsink keeps on disk goes through this package.  An archive is one
HDF5 file with a versioned schema and provenance at its root, the verbatim study
configuration, and any tree of groups and datasets, each dataset with ``units``
and ``long_name``; field and time axes are HDF5 dimension scales, so xarray
(h5netcdf) opens them.  The package is split by concern:

=========================== ==============================================================
:mod:`~.schema`             schema name and version, archive states, provenance, errors
:mod:`~.tree`               :class:`Dataset`, :class:`Group`, :class:`Column`; validation
:mod:`~.groups`             builders: :func:`grid_group`, :func:`field_group`,
                            :func:`time_series_group`, :func:`history_group`
:mod:`~.write`              :func:`write_archive` (atomic), :func:`append_rows`
:mod:`~.seal`               the integrity seal (:func:`seal_archive`), damage detection
:mod:`~.read`               :func:`open_archive`, :func:`read_archive`, :func:`read_dataset`,
                            :func:`read_config_text`, :func:`read_provenance`,
                            :func:`describe_archive`
:mod:`~.lock`               :class:`OutputLock`, :class:`LockInfo` (process liveness)
:mod:`~.output`             :class:`StudyOutput` (a study's output life cycle),
                            :func:`check_output_path`
:mod:`~.commit`             :func:`staged_outputs`: a command's outputs appear together
                            when it completes (:func:`stage_dir`, :func:`stage_file`)
:mod:`~.signals`            :class:`TerminationSignal`, :func:`exit_on_signals`,
                            :func:`check_signal`: a signal is never lost
=========================== ==============================================================

Use it as one module: ``from studies import archive as ar; ar.write_archive(...)``.
Assigning a name on the package (``monkeypatch.setattr(ar, "SCHEMA_VERSION", ...)``
in a test) rebinds it in the submodules that use it too, as it did when the package
was one module.
"""
import sys as _sys
import types as _types

# First, before h5py and the rest (studies imports this package first): in the ``sunsink``
# command a signal is recorded from here on, until main() handles it (signals module notes).
from . import signals
signals._record_from_the_start()

from . import commit, groups, lock, output, read, schema, seal, tree, write
from .commit import Staging, current_staging, stage_dir, stage_file, staged_outputs
from .groups import field_group, grid_group, history_group, time_series_group
from .lock import LOCK_SUFFIX, LockInfo, OutputLock, lock_path_for
from .output import PROGRESS_SUFFIX, StudyOutput, check_output_path, progress_path_for
from .read import (
    describe_archive,
    open_archive,
    read_archive,
    read_config_text,
    read_dataset,
    read_provenance,
)
from .schema import (
    CONFIG_DATASET,
    CONFIG_GROUP,
    N_ROWS_ATTR,
    PROVENANCE_PREFIX,
    SCHEMA_NAME,
    SCHEMA_VERSION,
    STATE_ATTR,
    STATE_COMPLETE,
    STATE_IN_PROGRESS,
    ArchiveError,
    ArchiveNotFoundError,
    ArchiveVersionError,
    ArchiveVersionWarning,
    CorruptArchiveError,
    IncompleteArchiveError,
    OutputLockedError,
    OutputPathError,
    collect_provenance,
)
from .seal import USERBLOCK_SIZE, seal_archive
from .signals import (
    HANDLED_SIGNALS,
    TerminationSignal,
    check_signal,
    exit_on_signals,
    pending_signal,
    record_signals,
    take_recorded_signal,
)
from .tree import Column, Dataset, Group
from .write import append_rows, write_archive

__all__ = [
    "SCHEMA_NAME",
    "SCHEMA_VERSION",
    "ArchiveError",
    "ArchiveVersionError",
    "ArchiveVersionWarning",
    "ArchiveNotFoundError",
    "CorruptArchiveError",
    "IncompleteArchiveError",
    "OutputPathError",
    "OutputLockedError",
    "TerminationSignal",
    "LockInfo",
    "OutputLock",
    "StudyOutput",
    "check_output_path",
    "progress_path_for",
    "lock_path_for",
    "exit_on_signals",
    "check_signal",
    "pending_signal",
    "record_signals",
    "take_recorded_signal",
    "HANDLED_SIGNALS",
    "Staging",
    "staged_outputs",
    "stage_dir",
    "stage_file",
    "current_staging",
    "seal_archive",
    "Dataset",
    "Group",
    "Column",
    "collect_provenance",
    "write_archive",
    "grid_group",
    "field_group",
    "time_series_group",
    "history_group",
    "append_rows",
    "open_archive",
    "read_archive",
    "read_dataset",
    "read_config_text",
    "read_provenance",
    "describe_archive",
]

_SUBMODULES = (schema, tree, groups, seal, write, read, signals, lock, output, commit)

# The private helper functions the tests and tools reach as ``ar._name`` (the package was one
# module); not the submodules' state (``signals._guard``, ``commit._current`` ...).
for _module in _SUBMODULES:
    for _name, _value in vars(_module).items():
        if _name.startswith("_") and not _name.startswith("__") and _name not in globals() \
                and callable(_value) and not isinstance(_value, _types.ModuleType):
            globals()[_name] = _value
del _module, _name, _value


class _Package(_types.ModuleType):
    """The package module: assigning a name rebinds it wherever a submodule holds the same object."""

    def __setattr__(self, name: str, value) -> None:
        missing = object()
        old = vars(self).get(name, missing)
        if old is not missing and not isinstance(old, _types.ModuleType):
            for module in _SUBMODULES:
                if vars(module).get(name, missing) is old:
                    setattr(module, name, value)
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package
