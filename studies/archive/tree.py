"""Description of an archive's content before it is written: :class:`Dataset`, :class:`Group`,
:class:`Column`, and the validation of a whole tree.

A tree is a mapping of names to :class:`Dataset`, :class:`Group` or plain
mappings (groups without attributes).  Every dataset carries the attributes
``units`` and ``long_name`` [1]_: the writer validates the whole tree (names,
attributes, ``dims``, compression) before it creates any file, and refuses a
dataset without them.  ``dims`` name the 1-D datasets that become the HDF5
dimension scales of a dataset's axes; an axis left unlabelled in a partly
labelled dataset gets an integer index scale ``<dataset>_dim<axis>``, because
netCDF-4 readers refuse a variable whose axes are only partly dimension scales.

References
----------
.. [1] CF Conventions 1.11, section 3.1 (``units``) and 3.2 (``long_name``),
   https://cfconventions.org.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Dataset", "Group", "Column"]

_RESERVED_NAMES = frozenset({"attrs"})
# Attributes HDF5 dimension scales and netCDF use internally.
_INTERNAL_ATTRS = frozenset(
    {"CLASS", "NAME", "DIMENSION_LIST", "REFERENCE_LIST", "_Netcdf4Dimid",
     "_Netcdf4Coordinates", "_NCProperties"}
)
_REQUIRED_ATTRS = ("units", "long_name")


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
