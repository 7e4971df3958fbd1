"""Writing archives (atomically) and appending rows to their history groups.

:func:`write_archive` validates the whole tree first (nothing is created for an
invalid tree), then writes to a temporary file in the target directory
(``.<name>.<random>.tmp``), seals and fsyncs it, and renames it over the target
with :func:`os.replace` (atomic on POSIX and Windows within one file system); on
any exception the temporary file is removed and the target (absent or an older
archive) is left untouched.

Appending (:func:`append_rows`) is copy-on-write by default (the archive is
copied to a temporary file, extended, flushed and renamed), which survives even
a killed process.  With ``in_place=True`` the file is extended in place: all rows
are converted and checked in memory first, the columns are resized and written,
and the group attribute ``n_rows`` is updated last as the commit mark; on an
exception every column is shrunk back to its old length.  A reader trusts
``n_rows`` and ignores rows beyond it.  In-place appends are safe against Python
exceptions but, like any in-place HDF5 write, not against the process being
killed half-way through a metadata update; a sealed archive killed that way
fails its seal check afterwards and is reported as damaged.  Studies append in
place only to their progress file (:class:`~studies.archive.StudyOutput`), which
is discarded when they are interrupted.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from .schema import (
    CONFIG_DATASET,
    CONFIG_GROUP,
    N_ROWS_ATTR,
    PROVENANCE_PREFIX,
    SCHEMA_NAME,
    SCHEMA_VERSION,
    STATE_ATTR,
    STATE_COMPLETE,
    ArchiveError,
    _check_schema,
    collect_provenance,
)
from .seal import USERBLOCK_SIZE, _check_is_file, _damage_guard, _open_h5, _verify_seal, _write_seal
from .tree import Dataset, Group, _auto_dim_names, _check_attrs, _join, _validate_tree

__all__ = ["write_archive", "append_rows"]


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
