"""Builders of the common shapes of archive groups: fields on a grid, time series, histories.

Field and time axes are stored as HDF5 dimension scales [1]_, which netCDF-4
readers take as dimensions [2]_: ``xarray.open_dataset(path, engine="h5netcdf",
group=...)`` opens a group made by :func:`grid_group`, :func:`field_group` or
:func:`time_series_group` with labelled coordinates.  :func:`history_group`
makes an empty, appendable group (optimisation iterations, sweep points) that
:func:`~studies.archive.append_rows` extends.

References
----------
.. [1] The HDF Group, "HDF5 Dimension Scales", specification and API
   (H5DS), https://support.hdfgroup.org/documentation/.
.. [2] Unidata, "NetCDF-4 format: HDF5 dimension scales as netCDF
   dimensions", NetCDF Users Guide, file format specification.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .schema import N_ROWS_ATTR
from .tree import Column, Dataset, Group

__all__ = ["grid_group", "field_group", "time_series_group", "history_group"]


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
