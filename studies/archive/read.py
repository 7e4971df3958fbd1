"""Reading archives: :func:`open_archive`, whole trees, single datasets, the stored
configuration, the provenance, and the tree listing of ``sunsink inspect``.

Every reader checks the integrity seal first (:mod:`studies.archive.seal`), then
the schema and the archive state (:mod:`studies.archive.schema`), and turns any
damage h5py meets into a :class:`~studies.archive.CorruptArchiveError`; every
error is one line naming the file.  History columns are cut to their group's
``n_rows`` (the commit mark of :func:`~studies.archive.append_rows`).
"""
from __future__ import annotations

import contextlib
import os
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
    STATE_ATTR,
    STATE_COMPLETE,
    ArchiveError,
    CorruptArchiveError,
    _check_schema,
)
from .seal import _damage_guard, _describe_damage, _from_h5py, _open_h5
from .tree import _INTERNAL_ATTRS, _REQUIRED_ATTRS

__all__ = [
    "open_archive",
    "read_archive",
    "read_dataset",
    "read_config_text",
    "read_provenance",
    "describe_archive",
]


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
