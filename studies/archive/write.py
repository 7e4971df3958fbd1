"""HDF5 study archives: versioned schema, provenance, atomic writes.

Every result sunsink keeps on disk goes through this module.  An archive is
one HDF5 file with

* root attributes ``schema_name`` (:data:`SCHEMA_NAME`), ``schema_version``
  (:data:`SCHEMA_VERSION`, semantic versioning) and ``provenance_*``
  (package version, git commit, UTC time, command line, library versions,
  JAX backend and precision; see :func:`collect_provenance`);
* the verbatim study configuration in the dataset ``config/toml`` so that
  ``sunsink rerun ARCHIVE`` can repeat a study (:func:`read_config_text`);
* any tree of groups and datasets described with :class:`Group` and
  :class:`Dataset`.  Every dataset carries the attributes ``units`` and
  ``long_name``; the writer refuses a dataset without them;
* field and time axes stored as HDF5 dimension scales, so that
  ``xarray.open_dataset(path, engine="h5netcdf", group=...)`` opens a field
  group with labelled coordinates (:func:`grid_group`,
  :func:`time_series_group`);
* optional appendable history groups (optimisation iterations) built with
  :func:`history_group` and extended with :func:`append_rows`.

Writing is atomic: :func:`write_archive` writes to a temporary file in the
target directory, seals and fsyncs it, and renames it over the target with
:func:`os.replace`; on
any exception the temporary file is removed and the target (absent or an
older archive) is left untouched.

Appending (:func:`append_rows`) is copy-on-write by default (the archive is
copied to a temporary file, extended, flushed and renamed), which survives
even a killed process.  With ``in_place=True`` the file is extended in place:
all rows are converted and checked in memory first, the columns are resized
and written, and the group attribute ``n_rows`` is updated last as the commit
mark; on an exception every column is shrunk back to its old length.  A
reader trusts ``n_rows`` and ignores rows beyond it.  In-place appends are
safe against Python exceptions but, like any in-place HDF5 write, not against
the process being killed half-way through a metadata update; a sealed archive
killed that way fails its seal check afterwards and is reported as damaged.
Studies append in place only to their progress file (:class:`StudyOutput`),
which is discarded when they are interrupted.

Units follow CF/UDUNITS spelling (``"m"``, ``"K"``, ``"W m-2"``); ``"1"`` is
used for dimensionless quantities, counts, flags and text.

Complete and incomplete archives
--------------------------------
The root attribute ``archive_state`` is ``"complete"`` in every archive written
by :func:`write_archive` and ``"in_progress"`` in the progress file of a running
study (see below).  Readers refuse an archive marked ``"in_progress"`` with an
:class:`IncompleteArchiveError`; an archive without the attribute (written before
it existed) is read as complete, except one whose ``title`` ends in
``"(in progress)"``, the mark of the progress archives that older sunsink
versions wrote under the final name.  :func:`append_rows` and the
``allow_incomplete=True`` escape hatch of the readers accept either state.

Study output life cycle
-----------------------
A study that writes ``OUT/NAME.h5`` goes through :class:`StudyOutput`::

    with StudyOutput(out_dir / "NAME.h5", command=shlex.join(sys.argv)) as out:
        out.begin(progress_tree, config_text=text)     # optional progress file
        for ...:
            out.append("progress/orbit", row)         # in place, in the progress file
        out.finish(final_tree, config_text=text)      # or out.finish_progress()

* On entry the output directory is created if needed and probed by creating a
  file in it (:func:`check_output_path`); a path that cannot be used raises
  :class:`OutputPathError` before any computation.  Then an exclusive lock
  ``OUT/NAME.h5.lock`` is taken (:class:`OutputLock`): a JSON file with the PID,
  host, boot id, process start time and command of the holder, made atomically
  (``O_CREAT|O_EXCL`` on a private file, then :func:`os.link` to the lock name,
  so that the lock never exists half-written).  A second study writing the same
  path fails at once with :class:`OutputLockedError` naming the holder.  A lock
  whose process is gone (same host: PID dead, a zombie, reused by another
  process, or the host rebooted) is stale: it is taken over with a logged
  warning, and the dead run's progress and temporary files are removed.  A lock
  held from another host is never judged stale automatically.
* Progress and history go to the hidden sibling ``OUT/.NAME.h5.in-progress``
  (:func:`progress_path_for`), marked ``archive_state = "in_progress"``, and
  are appended in place.
* :meth:`StudyOutput.finish` writes the final archive atomically (temporary
  file, fsync, :func:`os.replace`, fsync of the directory) and deletes the
  progress file; :meth:`StudyOutput.finish_progress` instead marks the
  progress file complete and renames it to the final name.  Leaving the
  ``with`` block releases the lock.
* Leaving the block by any exception, including :class:`KeyboardInterrupt` and
  :class:`SystemExit`, deletes the progress and temporary files (and any output
  directories the block created, if still empty), releases the lock and
  re-raises.  Nothing is ever left under the final name by an interrupted
  study, and an older archive of that name is left untouched.

Signals: Python turns SIGINT into :class:`KeyboardInterrupt`; SIGTERM kills the
process without any cleanup unless a handler is installed.
:func:`exit_on_signals` installs handlers that raise :class:`TerminationSignal`
(a :class:`SystemExit` with code 128 + signal number: 130 for SIGINT, 143 for
SIGTERM), so the exception unwinds through :class:`StudyOutput`, which cleans
up.  Any handler that raises works the same way.  Python runs handlers between
bytecodes, so a signal that arrives during a long compiled (XLA) computation
takes effect when it returns to Python.  Cleanup and the final rename run with
SIGINT/SIGTERM deferred, so that they are not cut short.  SIGKILL cannot be
caught: it leaves the hidden progress/temporary files and a stale lock, but
never a file under the final name; the next run on that path removes them.

Integrity seal and damaged files
--------------------------------
Archives are written with a 512-byte HDF5 user block (:data:`USERBLOCK_SIZE`;
HDF5, h5py, h5netcdf and xarray skip it) that holds, once the file is complete,
the SHA-256 checksum and size of the rest of the file.  Readers check the seal
*before* HDF5 parses anything: any changed, truncated or extended byte is
reported, including bytes inside raw data, and HDF5 never meets damaged
metadata (some damage makes the HDF5 library loop forever).  The progress file
carries an "unsealed" header.  :func:`append_rows` re-seals after appending.
An archive edited deliberately with h5py must be re-sealed with
:func:`seal_archive`.  Archives written before the seal existed (no user block,
such as ``tests/golden/small_satellite.h5``) are read unverified.

Every reader (:func:`open_archive`, :func:`read_archive`, :func:`read_dataset`,
:func:`read_config_text`, :func:`read_provenance`, :func:`describe_archive`)
turns a missing file (:class:`ArchiveNotFoundError`, also a
:class:`FileNotFoundError`), a directory, a file that is not HDF5, a truncated
or overwritten file (:class:`CorruptArchiveError`), a foreign or incompatible
schema (:class:`ArchiveVersionError`) and missing required attributes into an
:class:`ArchiveError` whose one-line message names the file.

References
----------
.. [1] The HDF Group, "HDF5 Dimension Scales", specification and API
   (H5DS), https://support.hdfgroup.org/documentation/.
.. [2] Unidata, "NetCDF-4 format: HDF5 dimension scales as netCDF
   dimensions", NetCDF Users Guide, file format specification.
.. [3] T. Preston-Werner, "Semantic Versioning 2.0.0", https://semver.org.
.. [4] CF Conventions 1.11, section 3.1 (``units``) and 3.2
   (``long_name``), https://cfconventions.org.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import glob
import hashlib
import importlib.metadata
import json
import logging
import os
import platform
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

try:  # POSIX advisory locks guard the take-over of a stale lock file
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

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

log = logging.getLogger("sunsink.archive")

#: Name of the archive schema, stored in the root attribute ``schema_name``.
SCHEMA_NAME = "sunsink.study"
#: Version of the schema this module writes and reads (semantic versioning).
SCHEMA_VERSION = "1.0.0"

#: Prefix of the provenance root attributes.
PROVENANCE_PREFIX = "provenance_"
#: Group and dataset holding the verbatim configuration text.
CONFIG_GROUP = "config"
CONFIG_DATASET = "toml"
#: Group attribute holding the committed row count of a history group.
N_ROWS_ATTR = "n_rows"
#: Root attribute marking an archive complete or in progress.
STATE_ATTR = "archive_state"
STATE_COMPLETE = "complete"
STATE_IN_PROGRESS = "in_progress"
#: Title suffix of the progress archives older versions wrote under the final name.
_LEGACY_PROGRESS_TITLE = "(in progress)"
#: Size of the HDF5 user block that holds the integrity seal (see :func:`seal_archive`).
USERBLOCK_SIZE = 512
_SEAL_MAGIC = b"sunsink-archive\n"
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: Name suffixes of the progress file (hidden, ``.NAME.h5.in-progress``) and the lock file.
PROGRESS_SUFFIX = ".in-progress"
LOCK_SUFFIX = ".lock"

_RESERVED_NAMES = frozenset({"attrs"})
# Attributes HDF5 dimension scales and netCDF use internally.
_INTERNAL_ATTRS = frozenset(
    {"CLASS", "NAME", "DIMENSION_LIST", "REFERENCE_LIST", "_Netcdf4Dimid",
     "_Netcdf4Coordinates", "_NCProperties"}
)
_REQUIRED_ATTRS = ("units", "long_name")


class ArchiveError(ValueError):
    """A file is not a valid sunsink archive, or an archive operation is invalid."""


class ArchiveVersionError(ArchiveError):
    """The archive's schema major version differs from the supported one."""


class ArchiveVersionWarning(UserWarning):
    """The archive was written by a newer minor/patch schema version."""


class ArchiveNotFoundError(ArchiveError, FileNotFoundError):
    """The archive file does not exist (also a :class:`FileNotFoundError`)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class CorruptArchiveError(ArchiveError):
    """The file is damaged: not HDF5, truncated, or its HDF5 structure cannot be read."""


class IncompleteArchiveError(ArchiveError):
    """The archive is the progress file of a study that has not completed."""


class OutputPathError(ArchiveError):
    """An output path cannot be used (a file in the way, not writable, ...)."""


class OutputLockedError(ArchiveError):
    """Another live process holds the lock on an output path.

    Attributes
    ----------
    holder : LockInfo or None
        Who holds the lock (None when the lock file cannot be parsed).
    lock_path : pathlib.Path
        The lock file.
    """

    def __init__(self, message: str, holder: "LockInfo | None" = None,
                 lock_path: Path | None = None):
        super().__init__(message)
        self.holder = holder
        self.lock_path = lock_path


class TerminationSignal(SystemExit):
    """Raised by the handlers of :func:`exit_on_signals` when a signal arrives.

    A :class:`SystemExit` whose ``code`` is ``128 + signum`` (130 for SIGINT,
    143 for SIGTERM), so that it is not swallowed by ``except Exception`` and
    unwinds through :class:`StudyOutput`, which removes temporary files.
    """

    def __init__(self, signum: int):
        super().__init__(128 + int(signum))
        self.signum = int(signum)

    @property
    def signal_name(self) -> str:
        try:
            return signal.Signals(self.signum).name
        except ValueError:
            return f"signal {self.signum}"

    def __str__(self) -> str:
        return f"interrupted by {self.signal_name}"


# ----------------------------------------------------------------------------
# Tree description
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Dataset:
    """One HDF5 dataset to be written, with its mandatory metadata.

    Parameters
    ----------
    data : array_like or str
        Scalar, N-D array (numpy, JAX or anything :func:`numpy.asarray`
        accepts), a Python ``str`` or a sequence/array of strings.  The data
        are converted when written, keeping their dtype (float32 stays
        float32).
    units : str
        UDUNITS/CF unit string, e.g. ``"m"``, ``"K"``, ``"W m-2"``; ``"1"``
        for dimensionless quantities, counts, flags and text.  Required and
        non-empty.
    long_name : str
        Human-readable description.  Required and non-empty.
    dims : tuple of (str or None), optional
        One entry per axis: the name of a 1-D sibling dataset in the same
        group (or an absolute path such as ``"/grid/x_m"``) that becomes the
        HDF5 dimension scale of that axis, or ``None`` for no scale.  A
        dataset naming itself (``dims=("x_m",)`` on ``x_m``) is a coordinate
        variable.
    attrs : mapping, optional
        Extra attributes (str, int, float, bool or arrays of them).
    resizable : bool, optional
        Make the first axis unlimited (chunked storage) so that
        :func:`append_rows` can extend it.  Requires ``ndim >= 1``.
    compression : {None, "gzip", "lzf"}, optional
        HDF5 filter for large arrays.
    """

    data: Any
    units: str | None
    long_name: str | None
    dims: tuple[str | None, ...] | None = None
    attrs: Mapping[str, Any] = field(default_factory=dict)
    resizable: bool = False
    compression: str | None = None


@dataclass(frozen=True)
class Group:
    """One HDF5 group to be written.

    Parameters
    ----------
    children : mapping of str to (Dataset or Group or mapping)
        Members of the group.  A plain mapping is taken as a group without
        attributes.  Names must not contain ``"/"`` and must not be
        ``"attrs"`` (reserved by :func:`read_archive`).
    attrs : mapping, optional
        Group attributes.
    """

    children: Mapping[str, Any] = field(default_factory=dict)
    attrs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Column:
    """A column of a history group (see :func:`history_group`).

    Parameters
    ----------
    units : str
        Unit string, ``"1"`` for dimensionless.
    long_name : str
        Description.
    shape : tuple of int, optional
        Shape of one row (``()`` for a scalar per iteration).
    dtype : str or numpy.dtype, optional
        Storage dtype.  Defaults to ``"float64"``: this is the on-disk
        archive dtype, not a compute dtype; float32 rows are stored
        losslessly.
    """

    units: str
    long_name: str
    shape: tuple[int, ...] = ()
    dtype: Any = "float64"


# ----------------------------------------------------------------------------
# Provenance
# ----------------------------------------------------------------------------
def _repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def _git(args: list[str]) -> str | None:
    """Run git in the repository root; ``None`` on any failure."""
    try:
        out = subprocess.run(
            ["git", *args],
            cwd=_repo_root(),
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return out.stdout.strip()


def _version_of(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def collect_provenance(command_line: str | None = None) -> dict[str, str]:
    """Describe how and where an archive is produced.

    Parameters
    ----------
    command_line : str, optional
        The command that produced the archive.  Defaults to the shell-quoted
        ``sys.argv``.

    Returns
    -------
    dict of str to str
        Keys ``package_version``, ``git_commit`` (``"unknown"`` when git or
        the repository is missing), ``git_dirty`` (``"true"``, ``"false"`` or
        ``"unknown"``), ``utc_time`` (ISO 8601), ``command_line``,
        ``python_version``, ``platform``, ``numpy_version``, ``h5py_version``,
        ``hdf5_version``, ``jax_version``, ``jaxlib_version``,
        ``jax_backend`` and ``precision`` (``"float64"`` when
        ``jax_enable_x64`` is on, else ``"float32"``; read, never changed).
    """
    if command_line is None:
        command_line = shlex.join(sys.argv)
    commit = None
    lines = (_git(["rev-parse", "--show-toplevel", "HEAD"]) or "").splitlines()
    # only trust git when the package really lives in a checkout (an installed
    # copy inside some other repository must not report that repository)
    if len(lines) == 2 and Path(lines[0]).resolve() == _repo_root():
        commit = lines[1]
    status = _git(["status", "--porcelain", "--untracked-files=no"]) if commit else None
    prov = {
        "package_version": _version_of("sunsink"),
        "git_commit": commit or "unknown",
        "git_dirty": "unknown" if status is None else ("true" if status else "false"),
        "utc_time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "command_line": command_line,
        "python_version": platform.python_version(),
        "platform": platform.platform(),
        "numpy_version": np.__version__,
        "h5py_version": h5py.version.version,
        "hdf5_version": h5py.version.hdf5_version,
    }
    try:
        import jax

        prov["jax_version"] = jax.__version__
        prov["jaxlib_version"] = _version_of("jaxlib")
        try:
            prov["jax_backend"] = jax.default_backend()
        except RuntimeError:
            prov["jax_backend"] = "unavailable"
        prov["precision"] = "float64" if bool(jax.config.jax_enable_x64) else "float32"
    except ImportError:
        prov.update(jax_version="unavailable", jaxlib_version="unavailable",
                    jax_backend="unavailable", precision="unknown")
    return prov


# ----------------------------------------------------------------------------
# Validation (metadata only, before any file is created)
# ----------------------------------------------------------------------------
def _check_name(name: Any, parent: str) -> str:
    if not isinstance(name, str) or not name or "/" in name or name in (".", ".."):
        raise ValueError(
            f"invalid archive member name {name!r} in group {parent or '/'}: "
            "names must be non-empty strings without '/'"
        )
    if name in _RESERVED_NAMES:
        raise ValueError(
            f"member name {name!r} in group {parent or '/'} is reserved "
            f"(reserved: {sorted(_RESERVED_NAMES)})"
        )
    return name


def _check_attrs(attrs: Mapping[str, Any], where: str) -> None:
    if not isinstance(attrs, Mapping):
        raise ValueError(f"attrs of {where} must be a mapping, got {type(attrs).__name__}")
    for key, value in attrs.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"attribute name {key!r} of {where} must be a non-empty string")
        if key in _INTERNAL_ATTRS:
            raise ValueError(f"attribute {key!r} of {where} is reserved for dimension scales")
        if value is None:
            raise ValueError(f"attribute {key!r} of {where} is None; attributes need a value")


def _auto_dim_names(name: str, dims: tuple[str | None, ...] | None) -> list[str]:
    """Names of the index coordinates made for unlabelled axes of a partly labelled dataset.

    netCDF-4 readers (h5netcdf, xarray) refuse a variable whose axes are partly
    dimension scales and partly not, so such axes get an integer index scale
    named ``<dataset>_dim<axis>``.
    """
    if not dims or all(d is None for d in dims) or all(d is not None for d in dims):
        return []
    return [f"{name}_dim{axis}" for axis, d in enumerate(dims) if d is None]


def _join(parent: str, name: str) -> str:
    return f"{parent}/{name}" if parent else name


def _validate_tree(children: Mapping[str, Any], parent: str) -> None:
    if not isinstance(children, Mapping):
        raise ValueError(
            f"group {parent or '/'} must be a Group or a mapping, got {type(children).__name__}"
        )
    for name, node in children.items():
        path = _join(parent, _check_name(name, parent))
        if isinstance(node, Group):
            _check_attrs(node.attrs, f"group {path}")
            _validate_tree(node.children, path)
        elif isinstance(node, Mapping):
            _validate_tree(node, path)
        elif isinstance(node, Dataset):
            _validate_dataset(node, path)
            for auto in _auto_dim_names(name, node.dims):
                if auto in children:
                    raise ValueError(
                        f"dataset {path!r}: the index coordinate {auto!r} made for its "
                        "unlabelled axis collides with a member of the same name; "
                        "label that axis explicitly in dims"
                    )
            if node.resizable and node.dims is not None and node.dims and node.dims[0] is None \
                    and any(d is not None for d in node.dims):
                raise ValueError(
                    f"dataset {path!r}: the resizable first axis must be labelled "
                    "when other axes are"
                )
        else:
            raise ValueError(
                f"dataset {path!r} is a bare {type(node).__name__}: wrap it in "
                "Dataset(data, units=..., long_name=...); every dataset needs "
                "'units' and 'long_name'"
            )


def _validate_dataset(ds: Dataset, path: str) -> None:
    for key in _REQUIRED_ATTRS:
        value = getattr(ds, key)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(
                f"dataset {path!r} has no {key!r} (got {value!r}); every dataset needs "
                "non-empty 'units' and 'long_name' strings (use units='1' for "
                "dimensionless quantities and text)"
            )
    _check_attrs(ds.attrs, f"dataset {path}")
    for key in _REQUIRED_ATTRS:
        if key in ds.attrs:
            raise ValueError(
                f"dataset {path!r}: give {key!r} as the Dataset field, not in attrs"
            )
    if ds.dims is not None:
        if isinstance(ds.dims, str) or not all(d is None or (isinstance(d, str) and d)
                                                for d in ds.dims):
            raise ValueError(
                f"dataset {path!r}: dims must be a tuple of dataset names or None, "
                f"got {ds.dims!r}"
            )
    if ds.compression not in (None, "gzip", "lzf"):
        raise ValueError(
            f"dataset {path!r}: compression {ds.compression!r} not in (None, 'gzip', 'lzf')"
        )


# ----------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------
def _to_array(data: Any, path: str) -> np.ndarray:
    """Convert data to something h5py stores, keeping numeric dtypes."""
    if isinstance(data, (str, bytes)):
        return np.array(data, dtype=h5py.string_dtype())
    arr = np.asarray(data)
    if arr.dtype.kind in ("U", "S") or (
        arr.dtype.kind == "O" and all(isinstance(v, (str, bytes)) for v in arr.flat)
    ):
        return np.array(arr.tolist(), dtype=h5py.string_dtype())
    if arr.dtype.kind not in "biufc":
        raise ValueError(
            f"dataset {path!r}: cannot store data of dtype {arr.dtype} "
            "(numeric, bool or string data only)"
        )
    return arr


def _attr_value(value: Any) -> Any:
    if isinstance(value, (str, bool, int, float, np.generic)):
        return value
    arr = np.asarray(value)
    if arr.dtype.kind in ("U", "O"):
        return np.array(arr.tolist(), dtype=h5py.string_dtype())
    return arr


def _write_attrs(obj: h5py.HLObject, attrs: Mapping[str, Any]) -> None:
    for key, value in attrs.items():
        obj.attrs[key] = _attr_value(value)


def _write_children(
    h5group: h5py.Group, children: Mapping[str, Any], pending_dims: list
) -> None:
    for name, node in children.items():
        if isinstance(node, Dataset):
            arr = _to_array(node.data, _join(h5group.name, name))
            kwargs: dict[str, Any] = {}
            if node.resizable:
                if arr.ndim == 0:
                    raise ValueError(
                        f"dataset {_join(h5group.name, name)!r}: a resizable dataset "
                        "needs at least one axis"
                    )
                kwargs["maxshape"] = (None,) + arr.shape[1:]
                kwargs["chunks"] = True
            if node.compression is not None and arr.ndim > 0:
                kwargs["compression"] = node.compression
            h5ds = h5group.create_dataset(name, data=arr, **kwargs)
            h5ds.attrs["units"] = node.units
            h5ds.attrs["long_name"] = node.long_name
            _write_attrs(h5ds, node.attrs)
            if node.dims is not None:
                dims = list(node.dims)
                for auto in _auto_dim_names(name, node.dims):
                    axis = int(auto.rsplit("_dim", 1)[1])
                    if axis < arr.ndim:
                        idx = h5group.create_dataset(auto, data=np.arange(arr.shape[axis]))
                        idx.attrs["units"] = "1"
                        idx.attrs["long_name"] = f"index along axis {axis} of {name}"
                        dims[axis] = auto
                pending_dims.append((h5ds, tuple(dims)))
        else:
            sub_children, sub_attrs = (
                (node.children, node.attrs) if isinstance(node, Group) else (node, {})
            )
            sub = h5group.create_group(name)
            _write_attrs(sub, sub_attrs)
            _write_children(sub, sub_children, pending_dims)


def _resolve_dim(h5ds: h5py.Dataset, ref: str) -> h5py.Dataset:
    parent = h5ds.parent
    target_path = ref if ref.startswith("/") else f"{parent.name.rstrip('/')}/{ref}"
    obj = h5ds.file.get(target_path)
    if not isinstance(obj, h5py.Dataset):
        raise ValueError(
            f"dataset {h5ds.name!r}: dimension {ref!r} does not name a dataset "
            f"(looked for {target_path!r})"
        )
    return obj


def _attach_dims(pending: list) -> None:
    """Turn referenced datasets into dimension scales and attach them."""
    for h5ds, dims in pending:
        if len(dims) != h5ds.ndim:
            raise ValueError(
                f"dataset {h5ds.name!r}: dims {dims!r} has {len(dims)} entries "
                f"but the data have {h5ds.ndim} axes (shape {h5ds.shape})"
            )
        for axis, ref in enumerate(dims):
            if ref is None:
                continue
            scale = _resolve_dim(h5ds, ref)
            if scale.ndim != 1:
                raise ValueError(
                    f"dataset {h5ds.name!r}: dimension {ref!r} must be 1-D, "
                    f"has shape {scale.shape}"
                )
            if scale.shape[0] != h5ds.shape[axis]:
                raise ValueError(
                    f"dataset {h5ds.name!r}: axis {axis} has length {h5ds.shape[axis]} "
                    f"but dimension {ref!r} has length {scale.shape[0]}"
                )
            if not scale.is_scale:
                scale.make_scale(scale.name.rsplit("/", 1)[-1])
            if scale != h5ds:
                h5ds.dims[axis].attach_scale(scale)


def _fsync_path(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.tmp")


@contextlib.contextmanager
def _atomic_target(target: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; rename it over on success."""
    tmp = _temp_name(target)
    try:
        yield tmp
        _fsync_path(tmp)
        os.replace(tmp, target)
        _fsync_path(target.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_archive(
    path: str | os.PathLike,
    tree: Mapping[str, Any] | Group,
    *,
    config_text: str | None = None,
    config_source: str | None = None,
    attrs: Mapping[str, Any] | None = None,
    command_line: str | None = None,
    overwrite: bool = True,
) -> Path:
    """Write a complete archive atomically (root attribute ``archive_state = "complete"``).

    Parameters
    ----------
    path : path-like
        Target file (conventionally ``*.h5``).  Its directory must exist.
    tree : mapping or Group
        Groups and datasets to write (see :class:`Group`, :class:`Dataset`).
        The top-level name ``"config"`` is reserved when ``config_text`` is
        given.
    config_text : str, optional
        Verbatim configuration (TOML) stored in ``config/toml``.
    config_source : str, optional
        Where the configuration came from (stored as attribute
        ``source_path`` of ``config/toml``).
    attrs : mapping, optional
        Extra root attributes (e.g. ``title``).  Names starting with
        ``schema_`` or ``provenance_`` are reserved.
    command_line : str, optional
        Recorded in the provenance; defaults to ``sys.argv``.
    overwrite : bool, optional
        If False and ``path`` exists, raise :class:`FileExistsError`.

    Returns
    -------
    pathlib.Path
        The written archive.

    Raises
    ------
    ValueError
        A dataset lacks ``units``/``long_name``, a name is invalid, dims do
        not match, or data cannot be stored.  Nothing is written.
    FileExistsError
        ``overwrite`` is False and the target exists.

    Notes
    -----
    The file is written to ``.<name>.<random>.tmp`` in the target directory,
    flushed, and renamed over the target with :func:`os.replace` (atomic on
    POSIX and Windows within one file system).  On any exception the
    temporary file is deleted and an existing target is left untouched.
    """
    return _write_archive(path, tree, config_text=config_text, config_source=config_source,
                          attrs=attrs, command_line=command_line, overwrite=overwrite,
                          state=STATE_COMPLETE)


def _write_archive(
    path: str | os.PathLike,
    tree: Mapping[str, Any] | Group,
    *,
    config_text: str | None,
    config_source: str | None,
    attrs: Mapping[str, Any] | None,
    command_line: str | None,
    overwrite: bool,
    state: str,
) -> Path:
    target = Path(path)
    tree_children, tree_attrs = (
        (tree.children, tree.attrs) if isinstance(tree, Group) else (tree, {})
    )
    root_attrs = dict(tree_attrs)
    root_attrs.update(attrs or {})
    _validate_tree(tree_children, "")
    _check_attrs(root_attrs, "the root group")
    for key in root_attrs:
        if key.startswith(("schema_", PROVENANCE_PREFIX)) or key == STATE_ATTR:
            raise ValueError(f"root attribute {key!r} is reserved for the archive schema")
    children = dict(tree_children)
    if config_text is not None:
        if not isinstance(config_text, str):
            raise ValueError(
                f"config_text must be a str, got {type(config_text).__name__}"
            )
        if CONFIG_GROUP in children:
            raise ValueError(
                f"top-level name {CONFIG_GROUP!r} is reserved for the verbatim configuration"
            )
        cfg_attrs = {"format": "toml"}
        if config_source is not None:
            cfg_attrs["source_path"] = str(config_source)
        children[CONFIG_GROUP] = Group(
            {CONFIG_DATASET: Dataset(config_text, units="1",
                                     long_name="verbatim study configuration (TOML)",
                                     attrs=cfg_attrs)}
        )
    if not target.parent.is_dir():
        raise FileNotFoundError(f"directory of archive {str(target)!r} does not exist")
    if not overwrite and target.exists():
        raise FileExistsError(f"archive {str(target)!r} exists and overwrite=False")
    provenance = collect_provenance(command_line)

    with _atomic_target(target) as tmp:
        with h5py.File(tmp, "x", userblock_size=USERBLOCK_SIZE) as f:
            f.attrs["schema_name"] = SCHEMA_NAME
            f.attrs["schema_version"] = SCHEMA_VERSION
            f.attrs[STATE_ATTR] = state
            for key, value in provenance.items():
                f.attrs[PROVENANCE_PREFIX + key] = value
            _write_attrs(f, root_attrs)
            pending: list = []
            _write_children(f, children, pending)
            _attach_dims(pending)
        _write_seal(tmp, sealed=state == STATE_COMPLETE)
    return target


# ----------------------------------------------------------------------------
# Tree helpers for common shapes of data
# ----------------------------------------------------------------------------
def _as_dataset(name: str, value: Any) -> Dataset:
    if isinstance(value, Dataset):
        return value
    if isinstance(value, tuple) and len(value) == 3:
        return Dataset(value[0], units=value[1], long_name=value[2])
    raise ValueError(
        f"field {name!r} must be a Dataset or a (data, units, long_name) tuple, "
        f"got {type(value).__name__}"
    )


def _vector(values: Any, name: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.shape[0] < 1:
        raise ValueError(f"coordinate {name!r} must be a non-empty 1-D array, got shape {arr.shape}")
    return arr


def grid_group(
    x: Any,
    y: Any,
    fields: Mapping[str, Any],
    *,
    x_name: str = "x_m",
    y_name: str = "y_m",
    xy_units: str = "m",
    x_long_name: str = "x coordinate of cell centres",
    y_long_name: str = "y coordinate of cell centres",
    attrs: Mapping[str, Any] | None = None,
) -> Group:
    """Group of (ny, nx) fields sharing x/y coordinate vectors.

    Parameters
    ----------
    x, y : array_like, shape (nx,) and (ny,)
        Coordinate vectors [``xy_units``], stored as dimension scales named
        ``x_name`` and ``y_name``.
    fields : mapping of str to (Dataset or (data, units, long_name))
        Fields of shape (ny, nx) (row index = y).  Their ``dims`` are set to
        ``(y_name, x_name)``.
    x_name, y_name : str, optional
        Coordinate names (unit suffix recommended).
    xy_units : str, optional
        Units of both coordinates.
    x_long_name, y_long_name : str, optional
        Descriptions of the coordinates.
    attrs : mapping, optional
        Group attributes.

    Returns
    -------
    Group
        Ready for :func:`write_archive`; opens with xarray/h5netcdf as a
        dataset with coordinates ``y_name`` and ``x_name``.

    Raises
    ------
    ValueError
        A field's shape is not ``(len(y), len(x))`` or a name collides.
    """
    xv, yv = _vector(x, x_name), _vector(y, y_name)
    if x_name == y_name:
        raise ValueError(f"x_name and y_name must differ, both are {x_name!r}")
    children: dict[str, Dataset] = {
        x_name: Dataset(xv, units=xy_units, long_name=x_long_name, dims=(x_name,)),
        y_name: Dataset(yv, units=xy_units, long_name=y_long_name, dims=(y_name,)),
    }
    for name, value in fields.items():
        if name in children:
            raise ValueError(f"field name {name!r} collides with a coordinate name")
        ds = _as_dataset(name, value)
        shape = np.shape(ds.data)
        if shape != (yv.shape[0], xv.shape[0]):
            raise ValueError(
                f"field {name!r} has shape {shape}, expected (ny, nx) = "
                f"({yv.shape[0]}, {xv.shape[0]})"
            )
        children[name] = Dataset(ds.data, ds.units, ds.long_name, dims=(y_name, x_name),
                                 attrs=ds.attrs, compression=ds.compression)
    return Group(children, dict(attrs or {}))


def field_group(
    data: Any,
    x: Any,
    y: Any,
    *,
    name: str,
    units: str,
    long_name: str,
    **kwargs: Any,
) -> Group:
    """Group holding one (ny, nx) field with x/y dimension scales.

    Parameters
    ----------
    data : array_like, shape (ny, nx)
        The field [``units``].
    x, y : array_like, shape (nx,) and (ny,)
        Coordinate vectors.
    name : str
        Dataset name of the field (unit suffix recommended).
    units, long_name : str
        Metadata of the field.
    **kwargs
        Passed to :func:`grid_group` (``x_name``, ``xy_units`` ...).

    Returns
    -------
    Group
    """
    return grid_group(x, y, {name: Dataset(data, units=units, long_name=long_name)}, **kwargs)


def time_series_group(
    time: Any,
    series: Mapping[str, Any],
    *,
    time_name: str = "time_s",
    time_units: str = "s",
    time_long_name: str = "time since the start of the orbit",
    coords: Mapping[str, Any] | None = None,
    attrs: Mapping[str, Any] | None = None,
) -> Group:
    """Group of series sharing a time axis (a dimension scale).

    Parameters
    ----------
    time : array_like, shape (nt,)
        Time samples [``time_units``].
    series : mapping of str to (Dataset or (data, units, long_name))
        Series whose first axis has length ``nt``.  Further axes (e.g. one
        column per face) are labelled by the series' own ``dims`` entries
        after the first (names of ``coords``); unlabelled ones get an
        integer index coordinate ``<series>_dim<axis>``.
    time_name, time_units, time_long_name : str, optional
        Name and metadata of the time coordinate.
    coords : mapping of str to (Dataset or (data, units, long_name)), optional
        Extra 1-D coordinates for trailing axes (e.g. ``"face"`` with the
        face labels), stored as dimension scales.
    attrs : mapping, optional
        Group attributes.

    Returns
    -------
    Group

    Raises
    ------
    ValueError
        A series' first axis does not have length ``nt``.
    """
    tv = _vector(time, time_name)
    children: dict[str, Dataset] = {
        time_name: Dataset(tv, units=time_units, long_name=time_long_name, dims=(time_name,)),
    }
    for name, value in (coords or {}).items():
        if name in children:
            raise ValueError(f"coordinate name {name!r} collides with the time coordinate")
        cd = _as_dataset(name, value)
        _vector(cd.data, name)
        children[name] = Dataset(cd.data, cd.units, cd.long_name, dims=(name,), attrs=cd.attrs)
    for name, value in series.items():
        if name in children:
            raise ValueError(f"series name {name!r} collides with a coordinate name")
        ds = _as_dataset(name, value)
        shape = np.shape(ds.data)
        if len(shape) < 1 or shape[0] != tv.shape[0]:
            raise ValueError(
                f"series {name!r} has shape {shape}, its first axis must have the "
                f"time length {tv.shape[0]}"
            )
        trailing = tuple(ds.dims[1:]) if ds.dims is not None else (None,) * (len(shape) - 1)
        dims = (time_name,) + trailing
        children[name] = Dataset(ds.data, ds.units, ds.long_name, dims=dims,
                                 attrs=ds.attrs, compression=ds.compression)
    return Group(children, dict(attrs or {}))


def history_group(
    columns: Mapping[str, Column],
    *,
    index_name: str = "iteration",
    index_long_name: str = "iteration number",
    attrs: Mapping[str, Any] | None = None,
) -> Group:
    """Empty, appendable history group (e.g. optimisation iterations).

    Parameters
    ----------
    columns : mapping of str to Column
        One resizable dataset per column, initially with zero rows.
    index_name : str, optional
        Name of the integer index column; it is the dimension scale of the
        first axis of every column and :func:`append_rows` fills it
        automatically when a row does not give it.
    index_long_name : str, optional
        Description of the index column.
    attrs : mapping, optional
        Group attributes.

    Returns
    -------
    Group
        With attributes ``n_rows = 0`` and ``index_name``.
    """
    if index_name in columns:
        raise ValueError(f"column name {index_name!r} collides with the index column")
    children: dict[str, Dataset] = {
        index_name: Dataset(np.zeros((0,), dtype=np.int64), units="1",
                            long_name=index_long_name, dims=(index_name,), resizable=True)
    }
    for name, col in columns.items():
        if not isinstance(col, Column):
            raise ValueError(f"history column {name!r} must be a Column, got {type(col).__name__}")
        shape = tuple(int(n) for n in col.shape)
        children[name] = Dataset(
            np.zeros((0,) + shape, dtype=np.dtype(col.dtype)), units=col.units,
            long_name=col.long_name, dims=(index_name,) + (None,) * len(shape),
            resizable=True,
        )
    group_attrs = dict(attrs or {})
    group_attrs.update({N_ROWS_ATTR: 0, "index_name": index_name})
    return Group(children, group_attrs)


# ----------------------------------------------------------------------------
# Appending
# ----------------------------------------------------------------------------
def _history_columns(g: h5py.Group) -> dict[str, h5py.Dataset]:
    return {
        name: obj for name, obj in g.items()
        if isinstance(obj, h5py.Dataset) and obj.maxshape and obj.maxshape[0] is None
    }


def _prepare_rows(
    g: h5py.Group, rows: Mapping[str, Any], n_old: int
) -> tuple[dict[str, np.ndarray], int]:
    """Convert and check every row in memory before anything is written."""
    columns = _history_columns(g)
    if not columns:
        raise ArchiveError(f"group {g.name!r} of {g.file.filename!r} has no resizable columns")
    unknown = sorted(set(rows) - set(columns))
    if unknown:
        raise ValueError(
            f"append_rows: unknown column(s) {unknown} for group {g.name!r}; "
            f"columns are {sorted(columns)}"
        )
    index_name = g.attrs.get("index_name")
    index_name = index_name.decode() if isinstance(index_name, bytes) else index_name
    missing = sorted(set(columns) - set(rows) - {index_name})
    if missing:
        raise ValueError(f"append_rows: missing column(s) {missing} for group {g.name!r}")
    prepared: dict[str, np.ndarray] = {}
    counts: dict[str, int] = {}
    for name, value in rows.items():
        col = columns[name]
        row_shape = col.shape[1:]
        arr = np.asarray(value)
        if h5py.check_string_dtype(col.dtype) is not None:
            arr = np.array(arr.tolist(), dtype=h5py.string_dtype())
        elif arr.dtype.kind not in "biufc" or not np.can_cast(arr.dtype, col.dtype, "same_kind"):
            raise ValueError(
                f"append_rows: column {name!r} has dtype {col.dtype}, cannot store "
                f"value of dtype {arr.dtype}"
            )
        if arr.shape == row_shape:
            arr = arr[np.newaxis]
        elif arr.shape[1:] != row_shape:
            raise ValueError(
                f"append_rows: column {name!r} expects rows of shape {row_shape}, "
                f"got an array of shape {arr.shape}"
            )
        prepared[name] = arr
        counts[name] = arr.shape[0]
    if len(set(counts.values())) > 1:
        raise ValueError(f"append_rows: columns give different numbers of rows: {counts}")
    k = next(iter(counts.values())) if counts else 0
    if index_name in columns and index_name not in prepared:
        prepared[index_name] = np.arange(n_old, n_old + k, dtype=columns[index_name].dtype)
    return prepared, k


def _append_in_place(file_path: Path, group: str, rows: Mapping[str, Any]) -> int:
    with _open_h5(file_path, "r+", verify=False) as f:
        with _damage_guard(file_path):
            _check_schema(f, file_path, allow_incomplete=True)
        g = f.get(group)
        if not isinstance(g, h5py.Group):
            raise ArchiveError(f"archive {str(file_path)!r} has no group {group!r}")
        columns = _history_columns(g)
        n_old = int(g.attrs.get(N_ROWS_ATTR, min((c.shape[0] for c in columns.values()),
                                                  default=0)))
        prepared, k = _prepare_rows(g, rows, n_old)
        try:
            for name, arr in prepared.items():
                col = columns[name]
                col.resize(n_old + k, axis=0)
                col[n_old:n_old + k] = arr
            g.attrs[N_ROWS_ATTR] = n_old + k
            f.flush()
        except BaseException:
            with contextlib.suppress(Exception):
                for col in columns.values():
                    col.resize(n_old, axis=0)
                g.attrs[N_ROWS_ATTR] = n_old
            raise
        return n_old + k


def append_rows(
    path: str | os.PathLike,
    group: str,
    rows: Mapping[str, Any],
    *,
    in_place: bool = False,
) -> int:
    """Append one or more rows to a history group of an existing archive.

    Parameters
    ----------
    path : path-like
        Archive written by :func:`write_archive` containing ``group``.
    group : str
        Path of a group made by :func:`history_group` (or any group of
        resizable datasets).
    rows : mapping of str to array_like
        One value per column: either one row (shape of a row) or ``k`` rows
        (leading axis ``k``).  Every column must be given except the index
        column, which is numbered automatically.
    in_place : bool, optional
        False (default): copy the archive to a temporary file, append there
        and atomically rename it over the original (safe even if the
        process is killed; costs one file copy).  True: append in place with
        rollback on exceptions (see the module notes).

    Returns
    -------
    int
        Number of rows in the group after the append.

    Raises
    ------
    ValueError
        Unknown or missing columns, wrong shapes or dtypes, different row
        counts.  The archive is unchanged.
    ArchiveError
        The file is not a compatible archive or has no such group
        (:class:`ArchiveNotFoundError` when it does not exist).  Appending
        to the progress file of a running study is allowed.
    """
    file_path = Path(path)
    _check_is_file(file_path)
    if not isinstance(rows, Mapping) or not rows:
        raise ValueError("append_rows: rows must be a non-empty mapping of column name to values")
    sealed = _verify_seal(file_path, allow_incomplete=True) == "sealed"
    if in_place:
        try:
            return _append_in_place(file_path, group, rows)
        finally:
            if sealed:  # the content changed (or was rolled back): seal what is on disk
                _write_seal(file_path, sealed=True)
    with _atomic_target(file_path) as tmp:
        shutil.copy2(file_path, tmp)
        n = _append_in_place(tmp, group, rows)
        if sealed:
            _write_seal(tmp, sealed=True)
        return n


# ----------------------------------------------------------------------------
# Reading
# ----------------------------------------------------------------------------
_H5PY_DIR = os.path.dirname(h5py.__file__)
# What h5py raises for damaged files: HDF5 errors map to OSError, RuntimeError,
# KeyError, ValueError or TypeError; garbage metadata also shows up as
# AttributeError, IndexError, UnicodeDecodeError, OverflowError ... in h5py or in
# this module's reading code.
_DAMAGE_ERRORS = (OSError, RuntimeError, KeyError, ValueError, TypeError, AttributeError,
                  IndexError, LookupError, ArithmeticError, UnicodeError, MemoryError,
                  SystemError)


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())


def _h5_reason(exc: BaseException) -> str:
    """Short, one-line reason from an h5py/HDF5 exception."""
    text = _one_line(exc) or type(exc).__name__
    # "Unable to synchronously open file (truncated file: eof = ...)" -> the part in brackets
    for prefix in ("Unable to synchronously open file (", "Unable to open file (",
                   "Can't synchronously read data (", "Can't read data ("):
        if text.startswith(prefix) and text.endswith(")"):
            text = text[len(prefix):-1]
    if isinstance(exc, KeyError) and text.startswith(("'", '"')) and text.endswith(("'", '"')):
        text = text[1:-1]
    return text


def _describe_damage(file: str, exc: BaseException) -> str:
    reason = _h5_reason(exc)
    low = reason.lower()
    if "truncated file" in low:
        what = "is truncated (shorter than its HDF5 header records: an interrupted copy or a full disk?)"
    elif "file signature not found" in low:
        what = "is not a readable HDF5 file (no HDF5 signature: not an archive, or overwritten)"
    else:
        what = "is damaged: its HDF5 structure cannot be read"
    return f"{file!r} {what} [{reason}]"


def _check_is_file(path: Path) -> None:
    """Refuse a missing path or a non-file with a clear ArchiveError."""
    file = str(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ArchiveNotFoundError(f"archive {file!r} does not exist") from None
    except NotADirectoryError:
        raise ArchiveNotFoundError(
            f"archive {file!r} does not exist (a parent of it is a file)"
        ) from None
    except OSError as exc:
        raise ArchiveError(f"archive {file!r} cannot be accessed: {_one_line(exc.strerror or exc)}") \
            from exc
    if stat.S_ISDIR(mode):
        raise ArchiveError(f"{file!r} is a directory, not an archive file")
    if not stat.S_ISREG(mode):
        raise ArchiveError(f"{file!r} is not a regular file, so not an archive")


@contextlib.contextmanager
def _damage_guard(path: Path | str) -> Iterator[None]:
    """Turn errors raised while reading an open archive into CorruptArchiveError."""
    try:
        yield
    except ArchiveError:
        raise
    except _DAMAGE_ERRORS as exc:
        raise CorruptArchiveError(_describe_damage(str(path), exc)) from exc


@contextlib.contextmanager
def _open_h5(path: Path, mode: str = "r", *, verify: bool = True,
             allow_incomplete: bool = False) -> Iterator[h5py.File]:
    """Open an HDF5 file after checking its seal; missing/unopenable files raise ArchiveError."""
    _check_is_file(path)
    file = str(path)
    if verify:
        _verify_seal(path, allow_incomplete=allow_incomplete)
    try:
        f = h5py.File(path, mode)
    except PermissionError as exc:
        raise ArchiveError(f"archive {file!r} cannot be opened: {_one_line(exc.strerror or exc)}") \
            from exc
    except _DAMAGE_ERRORS as exc:
        raise CorruptArchiveError(_describe_damage(file, exc)) from exc
    try:
        yield f
    finally:
        with contextlib.suppress(Exception):
            f.close()


def _seal_header(digest: str | None, size: int | None) -> bytes:
    if digest is None:
        text = _SEAL_MAGIC + b"state unsealed\n"
    else:
        text = _SEAL_MAGIC + f"sha256 {digest}\nsize {size}\n".encode("ascii")
    return text + b"\0" * (USERBLOCK_SIZE - len(text))


def _body_digest(fh: Any) -> str:
    fh.seek(USERBLOCK_SIZE)
    digest = hashlib.sha256()
    while chunk := fh.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


def _write_seal(path: Path, *, sealed: bool) -> None:
    """Write the user-block header: SHA-256 and size of the file (sealed) or 'unsealed'."""
    with open(path, "r+b") as fh:
        if sealed:
            size = os.fstat(fh.fileno()).st_size
            header = _seal_header(_body_digest(fh), size)
        else:
            header = _seal_header(None, None)
        fh.seek(0)
        fh.write(header)
        fh.flush()
        os.fsync(fh.fileno())


def _verify_seal(path: Path, *, allow_incomplete: bool = False) -> str:
    """Check the integrity seal before HDF5 reads anything.

    Returns ``"legacy"`` (no user block: written before seals existed; not
    verifiable), ``"sealed"`` (verified) or ``"unsealed"`` (a progress file,
    only with ``allow_incomplete``).  HDF5 can loop forever on some damaged
    metadata, so a damaged sealed file must never reach it.
    """
    file = str(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(USERBLOCK_SIZE)
            if head.startswith(_HDF5_SIGNATURE):
                return "legacy"
            if not head.startswith(_SEAL_MAGIC):
                raise CorruptArchiveError(
                    f"{file!r} is not a readable HDF5 file or sunsink archive: it starts with "
                    "neither a sunsink archive header nor an HDF5 signature (another kind of "
                    "file, or its first bytes were overwritten)"
                )
            text, _, padding = head[len(_SEAL_MAGIC):].partition(b"\0")
            lines = text.decode("ascii", errors="replace").splitlines()
            if len(head) < USERBLOCK_SIZE or padding.strip(b"\0"):
                lines = []
            if lines == ["state unsealed"]:
                if not allow_incomplete:
                    raise IncompleteArchiveError(
                        f"{file!r} is an incomplete archive (never sealed): the progress file of "
                        "a study that is still running or was interrupted; it holds no result, "
                        "rerun the study"
                    )
                return "unsealed"
            fields = dict(line.split(" ", 1) for line in lines if " " in line)
            digest, size_text = fields.get("sha256", ""), fields.get("size", "")
            if len(lines) != 2 or len(digest) != 64 or not size_text.isdigit() \
                    or any(c not in "0123456789abcdef" for c in digest):
                raise CorruptArchiveError(
                    f"{file!r} is damaged: its sunsink archive header (first {USERBLOCK_SIZE} "
                    "bytes) is not valid"
                )
            size = os.fstat(fh.fileno()).st_size
            expected = int(size_text)
            if size < expected:
                raise CorruptArchiveError(
                    f"{file!r} is truncated: {size} of the {expected} bytes it had when written "
                    "(an interrupted copy or a full disk?)"
                )
            if size != expected:
                raise CorruptArchiveError(
                    f"{file!r} is damaged: {size} bytes, but {expected} when it was written"
                )
            if _body_digest(fh) != digest:
                raise CorruptArchiveError(
                    f"{file!r} is damaged: its content does not match the SHA-256 checksum "
                    "recorded when it was written (bytes changed on disk or in transfer; after "
                    "a deliberate edit with h5py, run studies.archive.seal_archive on it)"
                )
            return "sealed"
    except ArchiveError:
        raise
    except OSError as exc:
        raise ArchiveError(f"archive {file!r} cannot be read: {_one_line(exc.strerror or exc)}") \
            from exc


def seal_archive(path: str | os.PathLike) -> Path:
    """Recompute the integrity seal of an archive after a deliberate edit.

    Archives written by this module carry, in their HDF5 user block, the
    SHA-256 checksum and size of the file; readers refuse a file that does
    not match (:class:`CorruptArchiveError`).  Editing an archive with h5py
    therefore makes it unreadable until it is sealed again with this function.

    Raises
    ------
    ArchiveError
        The file has no sunsink header (written before seals existed, or not
        an archive) or HDF5 cannot open it.
    """
    file_path = Path(path)
    _check_is_file(file_path)
    with open(file_path, "rb") as fh:
        head = fh.read(len(_SEAL_MAGIC))
    if head != _SEAL_MAGIC:
        raise ArchiveError(
            f"{str(file_path)!r} has no sunsink archive header to seal (an archive written "
            "before seals existed, or not a sunsink archive)"
        )
    with _open_h5(file_path, verify=False):
        pass  # HDF5 can open it: seal what is there (the readers check the content)
    _write_seal(file_path, sealed=True)
    return file_path


def _from_h5py(exc: BaseException) -> bool:
    """True when the innermost frame of ``exc`` lies in h5py (an HDF5 error)."""
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last = tb
        tb = tb.tb_next
    if last is None:
        return False
    name = last.tb_frame.f_code.co_filename  # Cython frames carry "h5py/_selector.pyx"
    return name.startswith(_H5PY_DIR) or name.startswith("h5py" + os.sep)


def _parse_version(text: Any, file: str) -> tuple[int, int, int]:
    if isinstance(text, bytes):
        text = text.decode()
    parts = str(text).split(".")
    try:
        if len(parts) != 3:
            raise ValueError
        major, minor, patch = (int(p) for p in parts)
    except ValueError:
        raise ArchiveError(
            f"archive {file!r} has a malformed schema_version {text!r} (expected MAJOR.MINOR.PATCH)"
        ) from None
    return major, minor, patch


def _str_attr(f: h5py.File, key: str) -> Any:
    value = f.attrs.get(key)
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    return value


def _check_state(f: h5py.File, file: str) -> str:
    """Refuse an archive that is not complete; return its state."""
    state = _str_attr(f, STATE_ATTR)
    if state is None:
        title = _str_attr(f, "title")
        if isinstance(title, str) and title.rstrip().endswith(_LEGACY_PROGRESS_TITLE):
            raise IncompleteArchiveError(
                f"{file!r} is an incomplete archive: the progress file of a study that did not "
                f"finish (title {title!r}); it holds no result, rerun the study"
            )
        return STATE_COMPLETE
    if state == STATE_IN_PROGRESS:
        raise IncompleteArchiveError(
            f"{file!r} is an incomplete archive ({STATE_ATTR} = {STATE_IN_PROGRESS!r}): the "
            "progress file of a study that is still running or was interrupted; it holds no "
            "result, rerun the study"
        )
    if state != STATE_COMPLETE:
        raise ArchiveError(
            f"archive {file!r} has an invalid {STATE_ATTR} {state!r} "
            f"(expected {STATE_COMPLETE!r} or {STATE_IN_PROGRESS!r})"
        )
    return state


def _check_schema(f: h5py.File, path: Path | str, *, allow_incomplete: bool = False) -> str:
    file = str(path)
    if "schema_name" not in f.attrs:
        raise ArchiveError(
            f"{file!r} is not a sunsink archive: it has no schema_name attribute "
            f"(expected {SCHEMA_NAME!r})"
        )
    name = _str_attr(f, "schema_name")
    if name != SCHEMA_NAME:
        raise ArchiveError(
            f"{file!r} is not a sunsink archive: schema_name is {name!r}, expected {SCHEMA_NAME!r}"
        )
    if "schema_version" not in f.attrs:
        raise ArchiveError(f"archive {file!r} has no schema_version attribute")
    found_text = f.attrs["schema_version"]
    found_text = found_text.decode() if isinstance(found_text, bytes) else str(found_text)
    found = _parse_version(found_text, file)
    supported = _parse_version(SCHEMA_VERSION, "<this module>")
    if found[0] != supported[0]:
        raise ArchiveVersionError(
            f"archive {file!r} uses schema {SCHEMA_NAME} version {found_text}, but this "
            f"sunsink reads major version {supported[0]} (supported version "
            f"{SCHEMA_VERSION}); use a sunsink release matching schema {found[0]}.x"
        )
    if not allow_incomplete:
        _check_state(f, file)
    if found > supported:
        warnings.warn(
            f"archive {file!r} was written with schema version {found_text}, newer than "
            f"the supported {SCHEMA_VERSION}; reading it, but newer content may be ignored",
            ArchiveVersionWarning,
            stacklevel=4,
        )
    return found_text


@contextlib.contextmanager
def open_archive(path: str | os.PathLike, *, allow_incomplete: bool = False) -> Iterator[h5py.File]:
    """Open an archive read-only after checking its schema and completeness.

    Parameters
    ----------
    path : path-like
        Archive file.
    allow_incomplete : bool, optional
        Also open the progress file of a running or interrupted study
        (``archive_state = "in_progress"``), for diagnosis only.

    Yields
    ------
    h5py.File
        The open file (closed when the ``with`` block ends).  An
        :class:`OSError` or :class:`RuntimeError` that h5py raises inside the
        block (a damaged object) becomes a :class:`CorruptArchiveError`;
        other exceptions of the block pass through unchanged.

    Raises
    ------
    ArchiveNotFoundError
        The file does not exist (also a :class:`FileNotFoundError`).
    CorruptArchiveError
        Not an HDF5 file, truncated, or damaged.
    IncompleteArchiveError
        The progress file of a study that has not completed.
    ArchiveError
        A directory, or ``schema_name`` is missing or not :data:`SCHEMA_NAME`.
    ArchiveVersionError
        The schema major version differs from :data:`SCHEMA_VERSION`'s.

    Warns
    -----
    ArchiveVersionWarning
        Same major version but a newer minor/patch version.
    """
    file_path = Path(path)
    with _open_h5(file_path, allow_incomplete=allow_incomplete) as f:
        with _damage_guard(file_path):
            _check_schema(f, file_path, allow_incomplete=allow_incomplete)
        try:
            yield f
        except ArchiveError:
            raise
        except (OSError, RuntimeError) as exc:
            if _from_h5py(exc):
                raise CorruptArchiveError(_describe_damage(str(file_path), exc)) from exc
            raise


def _py_attr(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "O" or value.dtype.kind == "S":
            return np.array([v.decode("utf-8", errors="replace") if isinstance(v, bytes) else v
                             for v in value.flat], dtype=object).reshape(value.shape)
        return value
    if isinstance(value, np.generic):
        return value.item()
    return value


def _read_attrs(obj: h5py.HLObject) -> dict[str, Any]:
    return {k: _py_attr(v) for k, v in obj.attrs.items() if k not in _INTERNAL_ATTRS}


def _check_required(ds: h5py.Dataset, attrs: Mapping[str, Any]) -> None:
    for key in _REQUIRED_ATTRS:
        value = attrs.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ArchiveError(
                f"archive {ds.file.filename!r}: dataset {ds.name!r} has no {key!r} attribute "
                "(every dataset of a sunsink archive carries 'units' and 'long_name'); "
                "the file is damaged or was not written by sunsink"
            )


def _dims_of(ds: h5py.Dataset) -> tuple[str | None, ...]:
    names: list[str | None] = []
    for dim in ds.dims:
        if len(dim) > 0:
            names.append(dim[0].name.rsplit("/", 1)[-1])
        elif ds.is_scale and ds.ndim == 1:
            names.append(ds.name.rsplit("/", 1)[-1])
        else:
            names.append(None)
    return tuple(names)


def _read_data(ds: h5py.Dataset, n_rows: int | None) -> Any:
    if h5py.check_string_dtype(ds.dtype) is not None:
        data = ds.asstr()[()]
        if isinstance(data, np.ndarray):
            data = data.astype(object)
    else:
        data = ds[()]
    if n_rows is not None and ds.maxshape and ds.maxshape[0] is None and ds.ndim >= 1:
        data = data[:n_rows]
    return data


def _n_rows(g: h5py.Group) -> int | None:
    n_rows = g.attrs.get(N_ROWS_ATTR)
    if n_rows is None:
        return None
    n = int(n_rows)
    if n < 0:
        raise ArchiveError(f"archive {g.file.filename!r}: group {g.name!r} has n_rows = {n} < 0")
    return n


def _dataset_node(ds: h5py.Dataset, n_rows: int | None = None) -> dict[str, Any]:
    attrs = _read_attrs(ds)
    _check_required(ds, attrs)
    return {"data": _read_data(ds, n_rows), "attrs": attrs, "dims": _dims_of(ds)}


def _read_group(g: h5py.Group) -> dict[str, Any]:
    out: dict[str, Any] = {"attrs": _read_attrs(g)}
    n_rows = _n_rows(g)
    for name, obj in g.items():
        if isinstance(obj, h5py.Dataset):
            out[name] = _dataset_node(obj, n_rows)
        elif isinstance(obj, h5py.Group):
            out[name] = _read_group(obj)
    return out


@contextlib.contextmanager
def _reading(path: str | os.PathLike, allow_incomplete: bool = False) -> Iterator[h5py.File]:
    """open_archive plus conversion of *any* damage error raised by the reader's body."""
    file_path = Path(path)
    with open_archive(file_path, allow_incomplete=allow_incomplete) as f:
        with _damage_guard(file_path):
            yield f


def read_archive(path: str | os.PathLike, *, allow_incomplete: bool = False) -> dict[str, Any]:
    """Read a whole archive into nested dictionaries.

    Parameters
    ----------
    path : path-like
        Archive file.
    allow_incomplete : bool, optional
        Also read a progress file (see :func:`open_archive`).

    Returns
    -------
    dict
        A group is a dict mapping member names to nodes, plus the key
        ``"attrs"`` (its attributes).  A dataset is a dict with ``"data"``
        (numpy array, numpy/Python scalar, ``str`` or object array of
        ``str``), ``"attrs"`` (including ``units`` and ``long_name``) and
        ``"dims"`` (dimension-scale name per axis, or None).  History
        columns are cut to the group's ``n_rows``.  Dimension-scale
        bookkeeping attributes are omitted.

    Raises
    ------
    ArchiveError
        See :func:`open_archive`; also a dataset without ``units`` or
        ``long_name``, and any damaged object (:class:`CorruptArchiveError`).
    """
    with _reading(path, allow_incomplete) as f:
        return _read_group(f)


def read_dataset(path: str | os.PathLike, dataset: str) -> dict[str, Any]:
    """Read one dataset node (``data``, ``attrs``, ``dims``) from an archive.

    Parameters
    ----------
    path : path-like
        Archive file.
    dataset : str
        Dataset path inside the archive, e.g. ``"orbit/beta_rad"``.

    Returns
    -------
    dict
        As a dataset node of :func:`read_archive`.

    Raises
    ------
    KeyError
        No dataset at ``dataset``.
    ArchiveError
        See :func:`read_archive`.
    """
    missing = False
    with _reading(path) as f:
        obj = f.get(dataset)
        if isinstance(obj, h5py.Dataset):
            return _dataset_node(obj, _n_rows(obj.parent))
        missing = True
    if missing:
        raise KeyError(f"archive {str(path)!r} has no dataset {dataset!r}")
    raise AssertionError("unreachable")  # pragma: no cover


def read_config_text(path: str | os.PathLike) -> str:
    """Return the verbatim configuration text stored in an archive.

    Raises
    ------
    ArchiveError
        The archive holds no ``config/toml``, or see :func:`read_archive`.
    """
    with _reading(path) as f:
        obj = f.get(f"{CONFIG_GROUP}/{CONFIG_DATASET}")
        if not isinstance(obj, h5py.Dataset):
            raise ArchiveError(
                f"archive {str(path)!r} has no stored configuration "
                f"({CONFIG_GROUP}/{CONFIG_DATASET})"
            )
        text = obj.asstr()[()]
        if not isinstance(text, str):
            raise ArchiveError(
                f"archive {str(path)!r}: {CONFIG_GROUP}/{CONFIG_DATASET} is not a text scalar"
            )
        return text


def read_provenance(path: str | os.PathLike) -> dict[str, str]:
    """Return the provenance root attributes without their prefix.

    Raises
    ------
    ArchiveError
        See :func:`read_archive`.
    """
    with _reading(path) as f:
        return {
            k[len(PROVENANCE_PREFIX):]: _py_attr(v)
            for k, v in f.attrs.items() if k.startswith(PROVENANCE_PREFIX)
        }


# ----------------------------------------------------------------------------
# Description
# ----------------------------------------------------------------------------
def _fmt_shape(ds: h5py.Dataset, n_rows: int | None) -> str:
    shape = list(ds.shape)
    if n_rows is not None and ds.maxshape and ds.maxshape[0] is None and shape:
        shape[0] = min(shape[0], n_rows)
    return "scalar" if not shape else "(" + ", ".join(str(n) for n in shape) + ")"


def _fmt_dtype(ds: h5py.Dataset) -> str:
    return "str" if h5py.check_string_dtype(ds.dtype) is not None else str(ds.dtype)


def _describe_group(g: h5py.Group, prefix: str, lines: list[str]) -> None:
    items = list(g.items())
    n_rows = _n_rows(g)
    for i, (name, obj) in enumerate(items):
        last = i == len(items) - 1
        branch = "`-- " if last else "|-- "
        child_prefix = prefix + ("    " if last else "|   ")
        if isinstance(obj, h5py.Group):
            extra = ""
            if N_ROWS_ATTR in obj.attrs:
                extra = f"  ({_n_rows(obj)} rows)"
            lines.append(f"{prefix}{branch}{name}/{extra}")
            _describe_group(obj, child_prefix, lines)
        elif isinstance(obj, h5py.Dataset):
            attrs = _read_attrs(obj)
            _check_required(obj, attrs)
            units = attrs["units"]
            long_name = attrs["long_name"]
            dims = _dims_of(obj)
            dim_text = ""
            if any(d is not None for d in dims) and not (obj.is_scale and obj.ndim == 1):
                dim_text = "  dims=(" + ", ".join(d or "-" for d in dims) + ")"
            elif obj.is_scale:
                dim_text = "  [coordinate]"
            lines.append(
                f"{prefix}{branch}{name}  {_fmt_shape(obj, n_rows)} {_fmt_dtype(obj)}"
                f"  [{units}]  {long_name}{dim_text}"
            )


def describe_archive(path: str | os.PathLike, *, allow_incomplete: bool = False) -> str:
    """Tree listing of an archive: groups, datasets, shape, dtype, units, long_name.

    Parameters
    ----------
    path : path-like
        Archive file.
    allow_incomplete : bool, optional
        Also describe a progress file (see :func:`open_archive`); its header
        then says ``in_progress``.

    Returns
    -------
    str
        Multi-line text: a header with schema, state and provenance, then one
        line per group (``name/``) and dataset
        (``name  (shape) dtype  [units]  long_name  dims=(...)``).

    Raises
    ------
    ArchiveError
        See :func:`read_archive`.
    """
    with _reading(path, allow_incomplete) as f:
        attrs = _read_attrs(f)
        state = attrs.get(STATE_ATTR, STATE_COMPLETE)
        lines = [f"{path}  ({attrs.get('schema_name')} {attrs.get('schema_version')}, {state})"]
        for key, value in attrs.items():
            if key.startswith(PROVENANCE_PREFIX):
                lines.append(f"  {key[len(PROVENANCE_PREFIX):]}: {value}")
        for key, value in attrs.items():
            if not key.startswith(("schema_", PROVENANCE_PREFIX)) and key != STATE_ATTR:
                lines.append(f"  @{key}: {value}")
        lines.append("/")
        _describe_group(f, "", lines)
    return "\n".join(lines)


# ----------------------------------------------------------------------------
# Output life cycle: path checks, lock, progress file, atomic finish, cleanup
# ----------------------------------------------------------------------------
def progress_path_for(final_path: str | os.PathLike) -> Path:
    """The hidden progress file of a study writing ``final_path``: ``.NAME.h5.in-progress``."""
    final = Path(final_path)
    return final.with_name(f".{final.name}{PROGRESS_SUFFIX}")


def lock_path_for(final_path: str | os.PathLike) -> Path:
    """The lock file of ``final_path``: ``NAME.h5.lock`` beside it."""
    final = Path(final_path)
    return final.with_name(f"{final.name}{LOCK_SUFFIX}")


def _strerror(exc: OSError) -> str:
    return _one_line(exc.strerror or exc)


def _file_in_the_way(directory: Path) -> Path | None:
    """The deepest existing ancestor of ``directory`` (itself included) that is not a directory."""
    for candidate in (directory, *directory.parents):
        try:
            if candidate.exists() or candidate.is_symlink():
                return None if candidate.is_dir() else candidate
        except OSError:
            return None
    return None


def _missing_dirs(directory: Path) -> list[Path]:
    """Directories that ``mkdir(parents=True)`` would create, shallowest first."""
    missing: list[Path] = []
    try:
        for candidate in (directory, *directory.parents):
            if candidate.exists() or candidate.is_symlink():
                break
            missing.append(candidate)
    except OSError:  # cannot look: check_output_path reports it
        return []
    return missing[::-1]


def check_output_path(final_path: str | os.PathLike, *, overwrite: bool = True) -> Path:
    """Check, before any computation, that an archive can be written at ``final_path``.

    Creates the output directory (and its parents) when missing, then probes
    it by creating and deleting a small file (which, unlike permission bits,
    also catches read-only file systems and processes running as root).

    Parameters
    ----------
    final_path : path-like
        The archive that the study will write.
    overwrite : bool, optional
        If False, an existing ``final_path`` is an error.

    Returns
    -------
    pathlib.Path
        ``final_path``.

    Raises
    ------
    OutputPathError
        With the path and the reason: a file where a directory is needed,
        ``final_path`` is a directory or not a regular file, the directory
        cannot be created or written, or the archive exists and ``overwrite``
        is False.
    """
    final = Path(final_path)
    if final.name in ("", ".", ".."):
        raise OutputPathError(f"output path {str(final)!r} does not name a file")
    directory = final.parent
    blocker = _file_in_the_way(directory)
    if blocker is not None:
        raise OutputPathError(
            f"cannot write {str(final)!r}: {str(blocker)!r} is a file, not a directory"
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputPathError(
            f"cannot create output directory {str(directory)!r}: {_strerror(exc)}"
        ) from exc
    try:
        mode = os.stat(final).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise OutputPathError(f"cannot access output path {str(final)!r}: {_strerror(exc)}") \
            from exc
    if mode is not None:
        if stat.S_ISDIR(mode):
            raise OutputPathError(
                f"output path {str(final)!r} is a directory, not an archive file"
            )
        if not stat.S_ISREG(mode):
            raise OutputPathError(
                f"output path {str(final)!r} exists and is not a regular file"
            )
        if not overwrite:
            raise OutputPathError(f"output archive {str(final)!r} exists (overwrite not allowed)")
    probe = directory / f".{final.name}.probe-{uuid.uuid4().hex[:12]}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, b"sunsink write probe\n")
        finally:
            os.close(fd)
    except OSError as exc:
        raise OutputPathError(
            f"output directory {str(directory)!r} is not writable: {_strerror(exc)}"
        ) from exc
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
    return final


@contextlib.contextmanager
def _deferred_signals() -> Iterator[None]:
    """Hold SIGINT/SIGTERM back while a short critical section runs.

    The handlers are swapped for ones that only record the signal (possible
    only in the main thread, which is where Python runs handlers); afterwards
    the old handlers come back and every recorded signal is raised again, so
    that it takes effect right after the section.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    old: dict[int, Any] = {}

    def record(signum: int, frame: Any) -> None:
        pending.append(signum)

    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            old[signum] = signal.signal(signum, record)
        yield
    finally:
        for signum, handler in old.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        for signum in dict.fromkeys(pending):
            signal.raise_signal(signum)


@contextlib.contextmanager
def exit_on_signals(signums: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)) -> Iterator[None]:
    """Inside the block, SIGINT and SIGTERM raise :class:`TerminationSignal`.

    The exception is a :class:`SystemExit` with code ``128 + signum`` (130,
    143); it unwinds through :class:`StudyOutput`, which removes the
    temporary files and the lock.  The previous handlers are restored when
    the block ends.  Only the main thread can install handlers: elsewhere
    this does nothing.

    Examples
    --------
    >>> with exit_on_signals():                        # doctest: +SKIP
    ...     with StudyOutput(path) as out:
    ...         ...
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise TerminationSignal(signum)

    old = {}
    try:
        for signum in signums:
            old[signum] = signal.signal(signum, handler)
        yield
    finally:
        for signum, previous in old.items():
            signal.signal(signum, signal.SIG_DFL if previous is None else previous)


def _hostname() -> str:
    return socket.gethostname() or "unknown-host"


def _read_small(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as fh:
            return fh.read().strip() or None
    except OSError:
        return None


def _boot_id() -> str | None:
    return _read_small("/proc/sys/kernel/random/boot_id")


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """(state, start time in clock ticks since boot) of a process, from /proc; None if unknown."""
    text = _read_small(f"/proc/{pid}/stat")
    if not text or ")" not in text:
        return None
    fields = text.rsplit(")", 1)[1].split()
    # after "pid (comm)": state is field 3, starttime field 22 (1-based)
    if len(fields) < 20:
        return None
    return fields[0], fields[19]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:  # pragma: no cover - e.g. Windows
        return True
    proc = _proc_stat(pid)
    return not (proc is not None and proc[0] in ("Z", "X"))  # a zombie is dead


@dataclass(frozen=True)
class LockInfo:
    """Content of a lock file: who holds an output path.

    Attributes
    ----------
    pid : int
        Process id of the holder.
    host : str
        Host name of the holder.
    started : str
        UTC time the lock was taken (ISO 8601).
    command : str
        Command line of the holder.
    path : str
        The locked output archive.
    token : str
        Random identity of this lock (so a holder never removes another's lock).
    boot_id : str or None
        Linux boot id of the holder's host (a lock from before a reboot is stale).
    pid_start : str or None
        Start time of the holder process in clock ticks since boot (detects a
        reused PID).
    """

    pid: int
    host: str
    started: str
    command: str
    path: str
    token: str
    boot_id: str | None = None
    pid_start: str | None = None

    @classmethod
    def for_this_process(cls, path: Path, command: str | None) -> "LockInfo":
        proc = _proc_stat(os.getpid())
        return cls(
            pid=os.getpid(),
            host=_hostname(),
            started=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            command=shlex.join(sys.argv) if command is None else str(command),
            path=str(path),
            token=uuid.uuid4().hex,
            boot_id=_boot_id(),
            pid_start=None if proc is None else proc[1],
        )

    def to_bytes(self) -> bytes:
        return (json.dumps(asdict(self), sort_keys=True) + "\n").encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes) -> "LockInfo | None":
        """Parse a lock file; None when it is not a valid lock."""
        try:
            data = json.loads(raw.decode("utf-8"))
            info = cls(
                pid=data["pid"], host=str(data["host"]), started=str(data["started"]),
                command=str(data.get("command", "")), path=str(data.get("path", "")),
                token=str(data["token"]), boot_id=data.get("boot_id"),
                pid_start=data.get("pid_start"),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        if not isinstance(info.pid, int) or isinstance(info.pid, bool) or info.pid <= 0:
            return None
        return info

    def describe(self) -> str:
        """``process 1234 on host h (since 2025-01-01T00:00:00+00:00: sunsink run x.toml)``."""
        cmd = f": {self.command}" if self.command else ""
        return f"process {self.pid} on host {self.host} (since {self.started}{cmd})"

    def stale_reason(self) -> str | None:
        """Why this lock is stale, or None if its holder may still be running.

        Only a lock from this host can be judged: its process is gone (or a
        zombie), its PID now belongs to a process started at another time, or
        the host has rebooted since.  A lock from another host is never stale.
        """
        if self.host != _hostname():
            return None
        boot = _boot_id()
        if self.boot_id and boot and self.boot_id != boot:
            return "the host has rebooted since"
        if not _pid_alive(self.pid):
            return f"process {self.pid} no longer exists"
        if self.pid_start:
            proc = _proc_stat(self.pid)
            if proc is not None and proc[1] != self.pid_start:
                return f"process id {self.pid} now belongs to another process"
        return None


def _flock(fd: int, operation: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, operation)


def _read_fd(fd: int) -> bytes:
    chunks = []
    offset = 0
    while True:
        chunk = os.pread(fd, 65536, offset)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        offset += len(chunk)


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


class OutputLock:
    """Exclusive, advisory lock on an output archive path (``NAME.h5.lock``).

    Parameters
    ----------
    final_path : path-like
        The archive to protect.  Its directory must exist.
    command : str, optional
        Recorded in the lock file; defaults to the shell-quoted ``sys.argv``.

    Notes
    -----
    The lock file is written completely to a private temporary file and then
    linked to the lock name with :func:`os.link`, which fails if the name
    exists: creation is atomic and the lock is never seen half-written.  On
    file systems without hard links it is created with
    ``O_CREAT | O_EXCL`` and written under an ``flock``.  A stale lock (see
    :meth:`LockInfo.stale_reason`) is taken over by rewriting it in place
    under an exclusive ``flock``, after checking that it is still the same
    file with the same content, so two runs racing for a stale lock cannot
    both win.  :meth:`release` removes the lock only if it still holds this
    lock's token.  Attributes after :meth:`acquire`: ``info`` (our
    :class:`LockInfo`) and ``replaced`` (the stale holder's, or None).
    """

    #: How long an unparseable lock file must be left unchanged before it is judged stale.
    unreadable_grace_s: float = 10.0

    def __init__(self, final_path: str | os.PathLike, *, command: str | None = None):
        self.final_path = Path(final_path)
        self.path = lock_path_for(self.final_path)
        self.command = command
        self.info: LockInfo | None = None
        self.replaced: LockInfo | None = None

    @property
    def held(self) -> bool:
        return self.info is not None

    def __repr__(self) -> str:
        return f"OutputLock({str(self.final_path)!r}, held={self.held})"

    # -- creation -----------------------------------------------------------
    def _create(self, payload: bytes) -> bool:
        """Create the lock file with ``payload``; False if it exists."""
        tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex[:12]}.new")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            try:
                os.write(fd, payload)
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                return False
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP,
                                     errno.ENOSYS, errno.EMLINK, errno.EXDEV):
                    raise
                return self._create_exclusive(payload)
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        _fsync_path(self.path.parent)
        return True

    def _create_exclusive(self, payload: bytes) -> bool:
        """Fallback for file systems without hard links."""
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        try:
            _flock(fd, fcntl.LOCK_EX if fcntl else 0)
            os.write(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)
        return True

    # -- inspection ---------------------------------------------------------
    def read(self) -> tuple[LockInfo | None, bytes | None]:
        """Current lock file: (parsed holder or None, raw bytes or None if absent)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None, None
        try:
            _flock(fd, fcntl.LOCK_SH if fcntl else 0)
            raw = _read_fd(fd)
        finally:
            os.close(fd)
        return LockInfo.from_bytes(raw), raw

    def _take_over(self, stale_raw: bytes, payload: bytes) -> bool:
        """Rewrite a stale lock in place with ``payload``; False if it changed meanwhile."""
        try:
            fd = os.open(self.path, os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            _flock(fd, fcntl.LOCK_EX if fcntl else 0)
            if not _same_file(fd, self.path) or _read_fd(fd) != stale_raw:
                return False
            os.ftruncate(fd, 0)
            os.pwrite(fd, payload, 0)
            os.fsync(fd)
            return True
        finally:
            os.close(fd)

    def _locked_error(self, holder: LockInfo | None) -> OutputLockedError:
        target = str(self.final_path)
        if holder is None:
            return OutputLockedError(
                f"output {target!r} is locked: the lock file {str(self.path)!r} exists but "
                "cannot be read; if no sunsink run is writing this path, delete the lock file",
                None, self.path,
            )
        where = "" if holder.host == _hostname() else (
            f"; it cannot be checked from this host ({_hostname()}): if that run is over, "
            f"delete {str(self.path)!r}"
        )
        return OutputLockedError(
            f"output {target!r} is locked by {holder.describe()}{where}; wait for that run "
            f"to finish or choose another output path (lock file {str(self.path)!r})",
            holder, self.path,
        )

    # -- public -------------------------------------------------------------
    def acquire(self) -> "OutputLock":
        """Take the lock or fail at once.

        Returns
        -------
        OutputLock
            self.

        Raises
        ------
        OutputLockedError
            A live process (or one on another host) holds the lock.
        OutputPathError
            The lock file cannot be created (directory missing or not writable).
        """
        if self.held:
            raise ArchiveError(f"{self!r} is already held by this object")
        info = LockInfo.for_this_process(self.final_path, self.command)
        payload = info.to_bytes()
        unreadable_since: float | None = None
        for _attempt in range(200):
            try:
                with _deferred_signals():
                    if self._create(payload):
                        self.info = info
                        return self
            except OSError as exc:
                raise OutputPathError(
                    f"cannot create lock file {str(self.path)!r}: {_strerror(exc)}"
                ) from exc
            holder, raw = self.read()
            if raw is None:
                continue  # released meanwhile: try again
            if holder is None:
                # unparseable: a lock being rewritten, or left damaged; wait for it to settle
                try:
                    age = time.time() - self.path.stat().st_mtime
                except FileNotFoundError:
                    continue
                if unreadable_since is None:
                    unreadable_since = time.monotonic()
                if age < self.unreadable_grace_s and time.monotonic() - unreadable_since < 1.0:
                    time.sleep(0.02)
                    continue
                if age < self.unreadable_grace_s:
                    raise self._locked_error(None)
                reason = "its lock file is unreadable and has not changed for " \
                         f"{age:.0f} s"
            else:
                reason = holder.stale_reason()
                if reason is None:
                    raise self._locked_error(holder)
            with _deferred_signals():
                if self._take_over(raw, payload):
                    self.info = info
                    self.replaced = holder
                    log.warning(
                        "taking over the stale lock %s of %s: %s",
                        self.path, holder.describe() if holder else "an unknown process", reason,
                    )
                    return self
        raise self._locked_error(self.read()[0])

    def release(self) -> None:
        """Remove the lock file if it is still this lock's (idempotent)."""
        info, self.info = self.info, None
        if info is None:
            return
        with _deferred_signals():
            try:
                fd = os.open(self.path, os.O_RDWR)
            except FileNotFoundError:
                log.warning("lock file %s vanished before it was released", self.path)
                return
            try:
                _flock(fd, fcntl.LOCK_EX if fcntl else 0)
                current = LockInfo.from_bytes(_read_fd(fd))
                if _same_file(fd, self.path) and current is not None \
                        and current.token == info.token:
                    os.unlink(self.path)
                else:
                    log.warning("lock file %s was taken by another process; left in place",
                                self.path)
            finally:
                os.close(fd)

    def __enter__(self) -> "OutputLock":
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()


class StudyOutput:
    """Life cycle of one study's output archive: check, lock, progress, finish, cleanup.

    Parameters
    ----------
    final_path : path-like
        The archive the study produces, e.g. ``OUT/NAME.h5``.
    command : str, optional
        The command line, recorded in the lock file and in the provenance of
        the archives written through this object; defaults to ``sys.argv``.
    overwrite : bool, optional
        If False, an existing ``final_path`` is refused up front.

    Notes
    -----
    Use as a context manager, entered *before* any computation::

        with StudyOutput(out / "NAME.h5", command=cmd) as out:
            out.begin(tree, config_text=text)          # optional progress file
            out.append("progress/x", row)              # any number of times
            path = out.finish(tree, config_text=text)  # or out.finish_progress()

    Entering checks the path (:func:`check_output_path`, raising
    :class:`OutputPathError`) and takes the lock (:class:`OutputLock`,
    raising :class:`OutputLockedError`); after taking over a stale lock it
    deletes the dead run's progress and temporary files.  Leaving the block
    normally releases the lock (and removes the progress file if neither
    finish method was called: nothing is written).  Leaving it by any
    exception, including :class:`KeyboardInterrupt`, :class:`SystemExit` and
    :class:`TerminationSignal`, removes the progress and temporary files and
    the output directories that entering created (when empty), releases the
    lock and re-raises; a file under ``final_path`` is then either absent or
    the older archive that was there before, or the complete new archive if
    the failure came after a finish method returned.
    """

    def __init__(self, final_path: str | os.PathLike, *, command: str | None = None,
                 overwrite: bool = True):
        self.final_path = Path(final_path)
        self.progress_path = progress_path_for(self.final_path)
        self.lock_path = lock_path_for(self.final_path)
        self.command = shlex.join(sys.argv) if command is None else str(command)
        self.overwrite = overwrite
        self.lock = OutputLock(self.final_path, command=self.command)
        self.finished: Path | None = None
        self._begun = False
        self._created_dirs: list[Path] = []
        self._active = False

    def __repr__(self) -> str:
        return f"StudyOutput({str(self.final_path)!r})"

    # -- entering / leaving ---------------------------------------------------
    def __enter__(self) -> "StudyOutput":
        if self._active:
            raise ArchiveError(f"{self!r} is already open")
        try:
            self._created_dirs = _missing_dirs(self.final_path.parent)
            check_output_path(self.final_path, overwrite=self.overwrite)
            self.lock.acquire()
            self._active = True
            if self.lock.replaced is not None or self.progress_path.exists():
                self._remove_leftovers()
        except BaseException:
            self._cleanup(remove_dirs=True)
            raise
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self._cleanup(remove_dirs=exc_type is not None)

    def close(self) -> None:
        """Release everything as a normal exit of the ``with`` block would."""
        self._cleanup(remove_dirs=False)

    def abort(self) -> None:
        """Discard the progress and temporary files and release the lock."""
        self._cleanup(remove_dirs=True)

    def _temporaries(self) -> list[Path]:
        """Progress file, atomic-write temporaries and write probes of the final path."""
        directory = self.final_path.parent
        found = [self.progress_path]
        with contextlib.suppress(OSError):
            for name in (self.final_path.name, self.progress_path.name):
                found.extend(directory.glob(f".{glob.escape(name)}.*.tmp"))
            found.extend(directory.glob(f".{glob.escape(self.final_path.name)}.probe-*"))
        return found

    def _remove_leftovers(self) -> None:
        for path in self._temporaries():
            if path.exists():
                log.warning("removing %s left by an interrupted run", path)
                with contextlib.suppress(OSError):
                    path.unlink()

    def _cleanup(self, remove_dirs: bool) -> None:
        with _deferred_signals():
            try:
                if self.lock.held:
                    # temporaries are ours only while we hold the lock
                    for path in self._temporaries():
                        with contextlib.suppress(OSError):
                            path.unlink()
            finally:
                self.lock.release()
                self._active = False
                self._begun = False
                if remove_dirs and self.finished is None:
                    for directory in reversed(self._created_dirs):
                        with contextlib.suppress(OSError):
                            directory.rmdir()  # only succeeds when empty
                self._created_dirs = []

    def _require_active(self, what: str) -> None:
        if not self._active or not self.lock.held:
            raise ArchiveError(f"{self!r}: {what} outside the 'with' block")
        if self.finished is not None:
            raise ArchiveError(f"{self!r}: {what} after the archive was finished")

    # -- writing ---------------------------------------------------------------
    def begin(
        self,
        tree: Mapping[str, Any] | Group,
        *,
        config_text: str | None = None,
        config_source: str | None = None,
        attrs: Mapping[str, Any] | None = None,
    ) -> Path:
        """Write the progress file (``archive_state = "in_progress"``).

        Parameters are those of :func:`write_archive`.  Readers refuse this
        file; :meth:`append` extends it.

        Returns
        -------
        pathlib.Path
            :attr:`progress_path`.
        """
        self._require_active("begin()")
        _write_archive(self.progress_path, tree, config_text=config_text,
                       config_source=config_source, attrs=attrs, command_line=self.command,
                       overwrite=True, state=STATE_IN_PROGRESS)
        self._begun = True
        return self.progress_path

    def append(self, group: str, rows: Mapping[str, Any]) -> int:
        """Append rows to a history group of the progress file, in place (see :func:`append_rows`)."""
        self._require_active("append()")
        if not self._begun:
            raise ArchiveError(f"{self!r}: append() before begin()")
        return append_rows(self.progress_path, group, rows, in_place=True)

    def finish(
        self,
        tree: Mapping[str, Any] | Group,
        *,
        config_text: str | None = None,
        config_source: str | None = None,
        attrs: Mapping[str, Any] | None = None,
    ) -> Path:
        """Write the final archive atomically and delete the progress file.

        Parameters are those of :func:`write_archive` (``overwrite`` was
        decided when entering).  The archive is written to a temporary file,
        fsynced and renamed to :attr:`final_path`; the rename and the removal
        of the progress file run with SIGINT/SIGTERM deferred.

        Returns
        -------
        pathlib.Path
            :attr:`final_path`.
        """
        self._require_active("finish()")
        _write_archive(self.final_path, tree, config_text=config_text,
                       config_source=config_source, attrs=attrs, command_line=self.command,
                       overwrite=True, state=STATE_COMPLETE)
        with _deferred_signals():
            self.finished = self.final_path
            with contextlib.suppress(FileNotFoundError):
                self.progress_path.unlink()
        return self.final_path

    def finish_progress(self, *, attrs: Mapping[str, Any] | None = None) -> Path:
        """Promote the progress file to the final archive.

        Marks it ``archive_state = "complete"`` (updating the root attributes
        in ``attrs``, e.g. the title), flushes and fsyncs it, and renames it
        to :attr:`final_path` (atomic), for studies whose progress file *is*
        the result (a sweep streamed into a history group).

        Returns
        -------
        pathlib.Path
            :attr:`final_path`.
        """
        self._require_active("finish_progress()")
        if not self._begun or not self.progress_path.is_file():
            raise ArchiveError(f"{self!r}: finish_progress() without a progress file (begin())")
        extra = dict(attrs or {})
        _check_attrs(extra, "the root group")
        for key in extra:
            if key.startswith(("schema_", PROVENANCE_PREFIX)) or key == STATE_ATTR:
                raise ValueError(f"root attribute {key!r} is reserved for the archive schema")
        with h5py.File(self.progress_path, "r+") as f:
            _write_attrs(f, extra)
            f.attrs[STATE_ATTR] = STATE_COMPLETE
        _write_seal(self.progress_path, sealed=True)  # fsyncs
        with _deferred_signals():
            os.replace(self.progress_path, self.final_path)
            self.finished = self.final_path
            _fsync_path(self.final_path.parent)
        return self.final_path
