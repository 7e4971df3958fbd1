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
target directory and renames it over the target with :func:`os.replace`; on
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
the process being killed half-way through a metadata update.

Units follow CF/UDUNITS spelling (``"m"``, ``"K"``, ``"W m-2"``); ``"1"`` is
used for dimensionless quantities, counts, flags and text.

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
import importlib.metadata
import os
import platform
import shlex
import shutil
import subprocess
import sys
import uuid
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

__all__ = [
    "SCHEMA_NAME",
    "SCHEMA_VERSION",
    "ArchiveError",
    "ArchiveVersionError",
    "ArchiveVersionWarning",
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
    return Path(__file__).resolve().parents[1]


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
    """Write a complete archive atomically.

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
    target = Path(path)
    tree_children, tree_attrs = (
        (tree.children, tree.attrs) if isinstance(tree, Group) else (tree, {})
    )
    root_attrs = dict(tree_attrs)
    root_attrs.update(attrs or {})
    _validate_tree(tree_children, "")
    _check_attrs(root_attrs, "the root group")
    for key in root_attrs:
        if key.startswith(("schema_", PROVENANCE_PREFIX)):
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
        with h5py.File(tmp, "x") as f:
            f.attrs["schema_name"] = SCHEMA_NAME
            f.attrs["schema_version"] = SCHEMA_VERSION
            for key, value in provenance.items():
                f.attrs[PROVENANCE_PREFIX + key] = value
            _write_attrs(f, root_attrs)
            pending: list = []
            _write_children(f, children, pending)
            _attach_dims(pending)
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
    with h5py.File(file_path, "r+") as f:
        _check_schema(f, file_path)
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
        The file is not a compatible archive or has no such group.
    """
    file_path = Path(path)
    if not file_path.is_file():
        raise FileNotFoundError(f"archive {str(file_path)!r} does not exist")
    if not isinstance(rows, Mapping) or not rows:
        raise ValueError("append_rows: rows must be a non-empty mapping of column name to values")
    if in_place:
        return _append_in_place(file_path, group, rows)
    with _atomic_target(file_path) as tmp:
        shutil.copy2(file_path, tmp)
        return _append_in_place(tmp, group, rows)


# ----------------------------------------------------------------------------
# Reading
# ----------------------------------------------------------------------------
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


def _check_schema(f: h5py.File, path: Path | str) -> str:
    file = str(path)
    name = f.attrs.get("schema_name")
    if isinstance(name, bytes):
        name = name.decode()
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
    if found > supported:
        warnings.warn(
            f"archive {file!r} was written with schema version {found_text}, newer than "
            f"the supported {SCHEMA_VERSION}; reading it, but newer content may be ignored",
            ArchiveVersionWarning,
            stacklevel=3,
        )
    return found_text


@contextlib.contextmanager
def open_archive(path: str | os.PathLike) -> Iterator[h5py.File]:
    """Open an archive read-only after checking its schema.

    Parameters
    ----------
    path : path-like
        Archive file.

    Yields
    ------
    h5py.File
        The open file (closed when the ``with`` block ends).

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ArchiveError
        Not an HDF5 file, or ``schema_name`` is not :data:`SCHEMA_NAME`.
    ArchiveVersionError
        The schema major version differs from :data:`SCHEMA_VERSION`'s.

    Warns
    -----
    ArchiveVersionWarning
        Same major version but a newer minor/patch version.
    """
    file_path = Path(path)
    if not file_path.is_file():
        raise FileNotFoundError(f"archive {str(file_path)!r} does not exist")
    try:
        f = h5py.File(file_path, "r")
    except OSError as exc:
        raise ArchiveError(f"{str(file_path)!r} is not a readable HDF5 file: {exc}") from exc
    try:
        _check_schema(f, file_path)
        yield f
    finally:
        f.close()


def _py_attr(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "O" or value.dtype.kind == "S":
            return np.array([v.decode() if isinstance(v, bytes) else v for v in value.flat],
                            dtype=object).reshape(value.shape)
        return value
    if isinstance(value, np.generic):
        return value.item()
    return value


def _read_attrs(obj: h5py.HLObject) -> dict[str, Any]:
    return {k: _py_attr(v) for k, v in obj.attrs.items() if k not in _INTERNAL_ATTRS}


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


def _dataset_node(ds: h5py.Dataset, n_rows: int | None = None) -> dict[str, Any]:
    return {"data": _read_data(ds, n_rows), "attrs": _read_attrs(ds), "dims": _dims_of(ds)}


def _read_group(g: h5py.Group) -> dict[str, Any]:
    out: dict[str, Any] = {"attrs": _read_attrs(g)}
    n_rows = g.attrs.get(N_ROWS_ATTR)
    n_rows = None if n_rows is None else int(n_rows)
    for name, obj in g.items():
        if isinstance(obj, h5py.Dataset):
            out[name] = _dataset_node(obj, n_rows)
        elif isinstance(obj, h5py.Group):
            out[name] = _read_group(obj)
    return out


def read_archive(path: str | os.PathLike) -> dict[str, Any]:
    """Read a whole archive into nested dictionaries.

    Parameters
    ----------
    path : path-like
        Archive file.

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
    ArchiveError, ArchiveVersionError
        See :func:`open_archive`.
    """
    with open_archive(path) as f:
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
    """
    with open_archive(path) as f:
        obj = f.get(dataset)
        if not isinstance(obj, h5py.Dataset):
            raise KeyError(f"archive {str(path)!r} has no dataset {dataset!r}")
        n_rows = obj.parent.attrs.get(N_ROWS_ATTR)
        return _dataset_node(obj, None if n_rows is None else int(n_rows))


def read_config_text(path: str | os.PathLike) -> str:
    """Return the verbatim configuration text stored in an archive.

    Raises
    ------
    ArchiveError
        The archive holds no ``config/toml``.
    """
    with open_archive(path) as f:
        obj = f.get(f"{CONFIG_GROUP}/{CONFIG_DATASET}")
        if not isinstance(obj, h5py.Dataset):
            raise ArchiveError(
                f"archive {str(path)!r} has no stored configuration "
                f"({CONFIG_GROUP}/{CONFIG_DATASET})"
            )
        return obj.asstr()[()]


def read_provenance(path: str | os.PathLike) -> dict[str, str]:
    """Return the provenance root attributes without their prefix."""
    with open_archive(path) as f:
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
    n_rows = g.attrs.get(N_ROWS_ATTR)
    n_rows = None if n_rows is None else int(n_rows)
    for i, (name, obj) in enumerate(items):
        last = i == len(items) - 1
        branch = "`-- " if last else "|-- "
        child_prefix = prefix + ("    " if last else "|   ")
        if isinstance(obj, h5py.Group):
            extra = ""
            if N_ROWS_ATTR in obj.attrs:
                extra = f"  ({int(obj.attrs[N_ROWS_ATTR])} rows)"
            lines.append(f"{prefix}{branch}{name}/{extra}")
            _describe_group(obj, child_prefix, lines)
        elif isinstance(obj, h5py.Dataset):
            attrs = _read_attrs(obj)
            units = attrs.get("units", "?")
            long_name = attrs.get("long_name", "")
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


def describe_archive(path: str | os.PathLike) -> str:
    """Tree listing of an archive: groups, datasets, shape, dtype, units, long_name.

    Parameters
    ----------
    path : path-like
        Archive file.

    Returns
    -------
    str
        Multi-line text: a header with schema and provenance, then one line
        per group (``name/``) and dataset
        (``name  (shape) dtype  [units]  long_name  dims=(...)``).
    """
    with open_archive(path) as f:
        attrs = _read_attrs(f)
        lines = [f"{path}  ({attrs.get('schema_name')} {attrs.get('schema_version')})"]
        for key, value in attrs.items():
            if key.startswith(PROVENANCE_PREFIX):
                lines.append(f"  {key[len(PROVENANCE_PREFIX):]}: {value}")
        for key, value in attrs.items():
            if not key.startswith(("schema_", PROVENANCE_PREFIX)):
                lines.append(f"  @{key}: {value}")
        lines.append("/")
        _describe_group(f, "", lines)
    return "\n".join(lines)
