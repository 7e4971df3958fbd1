"""Tests of the HDF5 archive layer (studies.archive)."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import warnings
from pathlib import Path

import h5py
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from studies import archive as ar
from studies.archive import (
    ArchiveError,
    ArchiveVersionError,
    ArchiveVersionWarning,
    Column,
    Dataset,
    Group,
    append_rows,
    describe_archive,
    field_group,
    grid_group,
    history_group,
    open_archive,
    read_archive,
    read_config_text,
    read_dataset,
    read_provenance,
    time_series_group,
    write_archive,
)

CONFIG = '# baseline\n[orbit]\naltitude_m = 600e3  # ünïcode comment\n\n[heat]\nload_w = 150e3\n  \n'


def _tree():
    """A tree with every dataset kind the writer supports."""
    rng = np.random.default_rng(0)
    x = np.linspace(0.0, 2.0, 5)
    y = np.linspace(-1.0, 1.0, 4)
    return {
        "scalars": Group(
            {
                "area_m2": Dataset(np.float64(412.5), "m2", "radiator planform area"),
                "count": Dataset(7, "1", "number of panels"),
                "converged": Dataset(True, "1", "solver converged flag"),
                "temp32_k": Dataset(np.float32(300.25), "K", "float32 scalar"),
            },
            attrs={"note": "scalars", "version_tuple": np.array([1, 2, 3])},
        ),
        "arrays": {
            "beta_rad": Dataset(np.linspace(-1, 1, 11), "rad", "beta angle",
                                attrs={"valid_min": -1.5707963}),
            "cube_w": Dataset(rng.standard_normal((2, 3, 4)), "W", "3-D array"),
            "f32_k": Dataset(np.arange(6, dtype=np.float32).reshape(2, 3), "K", "float32 2-D"),
            "ints": Dataset(np.arange(4, dtype=np.int32), "1", "int32 vector"),
            "flags": Dataset(np.array([True, False, True]), "1", "bool vector"),
            "jax_m": Dataset(jnp.arange(3.0), "m", "jax array input"),
            "big_w": Dataset(rng.standard_normal(2000), "W", "compressed", compression="gzip"),
        },
        "text": {
            "label": Dataset("dawn–dusk SSO", "1", "orbit label"),
            "faces": Dataset(["+x", "-x", "nadir"], "1", "face names"),
        },
        "field": field_group(rng.standard_normal((4, 5)), x, y, name="temperature_k",
                             units="K", long_name="panel temperature"),
    }


@pytest.fixture
def archive_path(tmp_path):
    path = tmp_path / "study.h5"
    write_archive(path, _tree(), config_text=CONFIG, config_source="baseline.toml",
                  attrs={"title": "test study"}, command_line="sunsink run baseline.toml")
    return path


def _set_root_attr(path, key, value):
    with h5py.File(path, "r+") as f:
        f.attrs[key] = value
    ar.seal_archive(path)  # a deliberate edit: re-seal, or readers refuse the changed file


def _leftovers(directory: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name not in keep)


# ----------------------------------------------------------------------------
# round trip
# ----------------------------------------------------------------------------
def _walk(tree, prefix=""):
    for name, node in (tree.children if isinstance(tree, Group) else tree).items():
        path = f"{prefix}/{name}" if prefix else name
        if isinstance(node, Dataset):
            yield path, node
        else:
            yield from _walk(node, path)


def _get(nested, path):
    node = nested
    for part in path.split("/"):
        node = node[part]
    return node


def test_round_trip_every_dataset_kind(archive_path):
    back = read_archive(archive_path)
    written = list(_walk(_tree()))
    assert len(written) >= 15
    for path, ds in written:
        node = _get(back, path)
        assert node["attrs"]["units"] == ds.units, path
        assert node["attrs"]["long_name"] == ds.long_name, path
        for key, value in ds.attrs.items():
            np.testing.assert_array_equal(node["attrs"][key], value)
        data = node["data"]
        if isinstance(ds.data, str):
            assert data == ds.data
        elif isinstance(ds.data, list):
            assert list(data) == ds.data
        else:
            expected = np.asarray(ds.data)
            assert np.shape(data) == expected.shape, path
            np.testing.assert_array_equal(data, expected)
            # dtype preserved (float32 stays float32, bool stays bool)
            assert np.asarray(data).dtype == expected.dtype, path
    assert back["scalars"]["attrs"]["note"] == "scalars"
    np.testing.assert_array_equal(back["scalars"]["attrs"]["version_tuple"], [1, 2, 3])
    assert back["attrs"]["title"] == "test study"
    assert back["attrs"]["schema_name"] == ar.SCHEMA_NAME
    assert back["attrs"]["schema_version"] == ar.SCHEMA_VERSION
    # gzip was really applied
    with h5py.File(archive_path) as f:
        assert f["arrays/big_w"].compression == "gzip"


def test_float32_jax_input_keeps_dtype(tmp_path):
    path = tmp_path / "f32.h5"
    data = jnp.linspace(0.0, 1.0, 7, dtype=jnp.float32)
    write_archive(path, {"v_m": Dataset(data, "m", "float32 jax vector")})
    node = read_dataset(path, "v_m")
    assert node["data"].dtype == np.float32
    np.testing.assert_array_equal(node["data"], np.asarray(data))


def test_config_text_verbatim(archive_path):
    assert read_config_text(archive_path) == CONFIG
    node = read_dataset(archive_path, "config/toml")
    assert node["attrs"]["units"] == "1"
    assert node["attrs"]["source_path"] == "baseline.toml"


def test_config_missing_is_an_error(tmp_path):
    path = write_archive(tmp_path / "nocfg.h5", {"a_m": Dataset(1.0, "m", "a")})
    with pytest.raises(ArchiveError, match="no stored configuration"):
        read_config_text(path)


def test_read_dataset_missing(archive_path):
    with pytest.raises(KeyError, match="nope"):
        read_dataset(archive_path, "scalars/nope")


# ----------------------------------------------------------------------------
# refusal of missing metadata and bad trees (nothing written)
# ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "tree, match",
    [
        ({"g": {"t_k": Dataset(1.0, None, "temperature")}}, r"'g/t_k' has no 'units'"),
        ({"g": {"t_k": Dataset(1.0, "", "temperature")}}, r"'g/t_k' has no 'units'"),
        ({"g": {"h": {"t_k": Dataset(1.0, "K", None)}}}, r"'g/h/t_k' has no 'long_name'"),
        ({"g": {"t_k": Dataset(1.0, "K", "  ")}}, r"'g/t_k' has no 'long_name'"),
        ({"g": {"raw": np.ones(3)}}, r"'g/raw' is a bare ndarray"),
        ({"g": {"t_k": Dataset(1.0, "K", "t", attrs={"units": "K"})}}, r"Dataset field"),
        ({"attrs": Dataset(1.0, "K", "t")}, r"reserved"),
        ({"a/b": Dataset(1.0, "K", "t")}, r"without '/'"),
        ({"t_k": Dataset(1.0, "K", "t", attrs={"CLASS": "x"})}, r"reserved"),
        ({"t_k": Dataset(np.ones(2), "K", "t", dims="x")}, r"dims must be a tuple"),
        ({"t_k": Dataset(np.ones(2), "K", "t", compression="zstd")}, r"compression"),
    ],
)
def test_refuses_bad_tree_before_writing(tmp_path, tree, match):
    path = tmp_path / "bad.h5"
    with pytest.raises(ValueError, match=match):
        write_archive(path, tree)
    assert _leftovers(tmp_path, set()) == []


def test_refuses_reserved_root_and_config_names(tmp_path):
    with pytest.raises(ValueError, match="reserved"):
        write_archive(tmp_path / "a.h5", {}, attrs={"schema_version": "9.9.9"})
    with pytest.raises(ValueError, match="reserved"):
        write_archive(tmp_path / "a.h5", {"config": {}}, config_text="x = 1")
    assert _leftovers(tmp_path, set()) == []


@pytest.mark.parametrize(
    "tree, match",
    [
        ({"g": {"x_m": Dataset(np.arange(3.0), "m", "x", dims=("x_m",)),
                "f_k": Dataset(np.ones(4), "K", "f", dims=("x_m",))}}, "has length 4 but"),
        ({"g": {"f_k": Dataset(np.ones(4), "K", "f", dims=("missing",))}}, "does not name"),
        ({"g": {"x_m": Dataset(np.ones((2, 2)), "m", "x"),
                "f_k": Dataset(np.ones(2), "K", "f", dims=("x_m",))}}, "must be 1-D"),
        ({"g": {"f_k": Dataset(np.ones(2), "K", "f", dims=("f_k", None))}}, "has 2 entries"),
        ({"g": {"s": Dataset(object(), "1", "object")}}, "cannot store"),
    ],
)
def test_bad_dims_or_data_fail_mid_write_and_leave_nothing(tmp_path, tree, match):
    with pytest.raises(ValueError, match=match):
        write_archive(tmp_path / "bad.h5", tree)
    assert _leftovers(tmp_path, set()) == []


def test_overwrite_false(archive_path):
    before = archive_path.read_bytes()
    with pytest.raises(FileExistsError):
        write_archive(archive_path, {"a_m": Dataset(1.0, "m", "a")}, overwrite=False)
    assert archive_path.read_bytes() == before


# ----------------------------------------------------------------------------
# atomic write
# ----------------------------------------------------------------------------
class _ExplodingArray:
    """Array-like that fails on conversion, after checking a temp file exists."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.saw_temp_file = False

    def __array__(self, dtype=None, copy=None):
        self.saw_temp_file = any(p.name.endswith(".tmp") for p in self.directory.iterdir())
        raise RuntimeError("injected failure while converting data")


def _tree_with_failure(bomb):
    tree = _tree()
    # members are written in insertion order: several groups come first
    tree["zz_late"] = {"boom_k": Dataset(bomb, "K", "fails on conversion")}
    return tree


def test_failure_mid_write_leaves_no_file(tmp_path):
    bomb = _ExplodingArray(tmp_path)
    target = tmp_path / "new.h5"
    with pytest.raises(RuntimeError, match="injected failure"):
        write_archive(target, _tree_with_failure(bomb), config_text=CONFIG)
    assert bomb.saw_temp_file, "the failure must happen while the temporary file is open"
    assert not target.exists()
    assert _leftovers(tmp_path, set()) == []


def test_failure_mid_write_keeps_existing_archive(archive_path):
    before = archive_path.read_bytes()
    bomb = _ExplodingArray(archive_path.parent)
    with pytest.raises(RuntimeError, match="injected failure"):
        write_archive(archive_path, _tree_with_failure(bomb))
    assert bomb.saw_temp_file
    assert archive_path.read_bytes() == before
    assert _leftovers(archive_path.parent, {archive_path.name}) == []
    assert read_config_text(archive_path) == CONFIG


def test_keyboard_interrupt_mid_write_also_cleans_up(tmp_path):
    class _Interrupt:
        def __array__(self, dtype=None, copy=None):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_archive(tmp_path / "k.h5", {"a": {"x_m": Dataset(1.0, "m", "x")},
                                          "b": {"y_m": Dataset(_Interrupt(), "m", "y")}})
    assert _leftovers(tmp_path, set()) == []


# ----------------------------------------------------------------------------
# schema versions
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("found", ["2.0.0", "0.9.1", "10.0.0"])
def test_refuses_other_major_version(archive_path, found):
    _set_root_attr(archive_path, "schema_version", found)
    for reader in (read_archive, describe_archive, read_config_text):
        with pytest.raises(ArchiveVersionError) as info:
            reader(archive_path)
        msg = str(info.value)
        assert str(archive_path) in msg
        assert found in msg
        assert ar.SCHEMA_VERSION in msg
        assert isinstance(info.value, ValueError)
    with pytest.raises(ArchiveVersionError):
        append_rows(archive_path, "scalars", {"x": 1})


@pytest.mark.parametrize("found", ["1.1.0", "1.0.7", "1.12.3"])
def test_newer_minor_or_patch_reads_with_warning(archive_path, found):
    _set_root_attr(archive_path, "schema_version", found)
    with pytest.warns(ArchiveVersionWarning, match=found):
        back = read_archive(archive_path)
    assert back["scalars"]["area_m2"]["data"] == 412.5


def test_older_minor_reads_silently(archive_path, monkeypatch):
    monkeypatch.setattr(ar, "SCHEMA_VERSION", "1.3.0")
    _set_root_attr(archive_path, "schema_version", "1.2.9")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_archive(archive_path)
    _set_root_attr(archive_path, "schema_version", "1.3.0")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_archive(archive_path)


@pytest.mark.parametrize("version", ["1.0", "one.0.0", "1.0.0-rc1"])
def test_malformed_version(archive_path, version):
    _set_root_attr(archive_path, "schema_version", version)
    with pytest.raises(ArchiveError, match="malformed schema_version"):
        read_archive(archive_path)


def test_not_an_archive(tmp_path):
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f.attrs["schema_name"] = "someone.else"
        f.attrs["schema_version"] = "1.0.0"
    with pytest.raises(ArchiveError, match="not a sunsink archive"):
        read_archive(foreign)
    text = tmp_path / "notes.h5"
    text.write_text("not hdf5")
    with pytest.raises(ArchiveError, match="not a readable HDF5"):
        read_archive(text)
    with pytest.raises(FileNotFoundError):
        read_archive(tmp_path / "absent.h5")


# ----------------------------------------------------------------------------
# provenance
# ----------------------------------------------------------------------------
PROVENANCE_KEYS = {
    "package_version", "git_commit", "git_dirty", "utc_time", "command_line",
    "python_version", "platform", "numpy_version", "h5py_version", "hdf5_version",
    "jax_version", "jaxlib_version", "jax_backend", "precision",
}


def test_provenance_fields(archive_path):
    prov = read_provenance(archive_path)
    assert PROVENANCE_KEYS <= set(prov)
    assert prov["command_line"] == "sunsink run baseline.toml"
    assert prov["numpy_version"] == np.__version__
    assert prov["h5py_version"] == h5py.version.version
    assert prov["jax_version"] == jax.__version__
    assert prov["jax_backend"] == jax.default_backend()
    assert prov["precision"] == ("float64" if jax.config.jax_enable_x64 else "float32")
    when = dt.datetime.fromisoformat(prov["utc_time"])
    assert when.utcoffset() == dt.timedelta(0)
    assert prov["git_dirty"] in {"true", "false", "unknown"}
    if prov["git_commit"] != "unknown":
        assert len(prov["git_commit"]) == 40
        int(prov["git_commit"], 16)


def test_provenance_without_git(tmp_path, monkeypatch):
    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(subprocess, "run", no_git)
    path = write_archive(tmp_path / "nogit.h5", {"a_m": Dataset(1.0, "m", "a")})
    prov = read_provenance(path)
    assert prov["git_commit"] == "unknown"
    assert prov["git_dirty"] == "unknown"


def test_provenance_precision_follows_x64(monkeypatch):
    # read-only: the module must report the flag, never set it
    before = jax.config.jax_enable_x64
    prov = ar.collect_provenance("cmd")
    assert jax.config.jax_enable_x64 == before
    assert prov["precision"] == ("float64" if before else "float32")


# ----------------------------------------------------------------------------
# dimension scales, xarray / h5netcdf
# ----------------------------------------------------------------------------
def test_field_group_opens_in_xarray(archive_path):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("h5netcdf")
    raw = read_dataset(archive_path, "field/temperature_k")
    with xr.open_dataset(archive_path, engine="h5netcdf", group="field") as ds:
        assert ds["temperature_k"].dims == ("y_m", "x_m")
        np.testing.assert_array_equal(ds["x_m"].values, np.linspace(0.0, 2.0, 5))
        np.testing.assert_array_equal(ds["y_m"].values, np.linspace(-1.0, 1.0, 4))
        np.testing.assert_array_equal(ds["temperature_k"].values, raw["data"])
        assert ds["temperature_k"].attrs["units"] == "K"
        assert ds["x_m"].attrs["units"] == "m"
        assert {"x_m", "y_m"} <= set(ds.coords)
    assert raw["dims"] == ("y_m", "x_m")


def test_time_series_and_extra_coords_in_h5netcdf(tmp_path):
    h5netcdf = pytest.importorskip("h5netcdf")
    t = np.linspace(0.0, 5400.0, 7)
    flux = np.outer(np.sin(t / 900.0), [1.0, 2.0])
    group = time_series_group(
        t,
        {"flux_w_m2": Dataset(flux, "W m-2", "absorbed flux per face", dims=(None, "face")),
         "power_w": (np.cos(t), "W", "power"),
         "unlabelled_k": (np.ones((7, 3)), "K", "no coordinate for axis 1")},
        coords={"face": Dataset(["+y", "-y"], "1", "radiator face")},
    )
    path = write_archive(tmp_path / "ts.h5", {"orbit": group})
    with h5netcdf.File(path, "r") as f:
        g = f.groups["orbit"]
        assert g.variables["flux_w_m2"].dimensions == ("time_s", "face")
        assert g.variables["power_w"].dimensions == ("time_s",)
        assert g.variables["unlabelled_k"].dimensions == ("time_s", "unlabelled_k_dim1")
        np.testing.assert_array_equal(g.variables["time_s"][:], t)
        faces = [v.decode() if isinstance(v, bytes) else v for v in g.variables["face"][:]]
        assert faces == ["+y", "-y"]
        assert g.variables["time_s"].attrs["units"] == "s"
    back = read_archive(path)["orbit"]
    np.testing.assert_array_equal(back["flux_w_m2"]["data"], flux)
    assert back["flux_w_m2"]["dims"] == ("time_s", "face")


def test_grid_group_shape_checks():
    x, y = np.arange(3.0), np.arange(2.0)
    with pytest.raises(ValueError, match=r"expected \(ny, nx\) = \(2, 3\)"):
        grid_group(x, y, {"f": (np.ones((3, 2)), "K", "transposed")})
    with pytest.raises(ValueError, match="collides"):
        grid_group(x, y, {"x_m": (np.ones((2, 3)), "K", "clash")})
    with pytest.raises(ValueError, match="1-D"):
        grid_group(np.ones((2, 2)), y, {})
    with pytest.raises(ValueError, match="time length 4"):
        time_series_group(np.arange(4.0), {"p_w": (np.ones(3), "W", "short")})
    with pytest.raises(ValueError, match="Dataset or a"):
        time_series_group(np.arange(4.0), {"p_w": np.ones(4)})


# ----------------------------------------------------------------------------
# describe
# ----------------------------------------------------------------------------
def test_describe_lists_units_shapes_and_provenance(archive_path):
    text = describe_archive(archive_path)
    assert text.splitlines()[0].startswith(str(archive_path))
    assert f"{ar.SCHEMA_NAME} {ar.SCHEMA_VERSION}" in text
    for path, ds in _walk(_tree()):
        name = path.rsplit("/", 1)[-1]
        lines = [ln for ln in text.splitlines() if ln.lstrip("|` -").startswith(name + "  ")]
        assert len(lines) == 1, (name, text)
        assert f"[{ds.units}]" in lines[0]
        assert ds.long_name in lines[0]
    assert "(4, 5) float64  [K]  panel temperature  dims=(y_m, x_m)" in text
    assert "(2, 3) float32" in text
    assert "scalar str  [1]" in text
    assert "git_commit:" in text and "precision:" in text
    assert "@title: test study" in text


# ----------------------------------------------------------------------------
# appendable history
# ----------------------------------------------------------------------------
def _history_archive(tmp_path):
    group = history_group({
        "area_m2": Column("m2", "radiator planform area"),
        "design_m": Column("m", "design vector", shape=(3,)),
        "converged": Column("1", "converged flag", dtype="bool"),
    })
    return write_archive(tmp_path / "hist.h5", {"optim": group, "x_m": Dataset(1.0, "m", "x")})


@pytest.mark.parametrize("in_place", [False, True])
def test_append_rows_round_trip(tmp_path, in_place):
    path = _history_archive(tmp_path)
    assert read_archive(path)["optim"]["area_m2"]["data"].shape == (0,)
    n = append_rows(path, "optim", {"area_m2": 10.0, "design_m": [1.0, 2.0, 3.0],
                                    "converged": False}, in_place=in_place)
    assert n == 1
    n = append_rows(path, "optim", {"area_m2": np.array([9.0, 8.5], dtype=np.float32),
                                    "design_m": np.ones((2, 3)), "converged": [True, True]},
                    in_place=in_place)
    assert n == 3
    back = read_archive(path)["optim"]
    np.testing.assert_array_equal(back["iteration"]["data"], [0, 1, 2])
    np.testing.assert_array_equal(back["area_m2"]["data"], [10.0, 9.0, 8.5])
    np.testing.assert_array_equal(back["design_m"]["data"], [[1, 2, 3], [1, 1, 1], [1, 1, 1]])
    np.testing.assert_array_equal(back["converged"]["data"], [False, True, True])
    assert back["attrs"]["n_rows"] == 3
    assert back["area_m2"]["attrs"]["units"] == "m2"
    assert _leftovers(tmp_path, {path.name}) == []
    assert "optim/  (3 rows)" in describe_archive(path)


def test_history_opens_in_xarray(tmp_path):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("h5netcdf")
    path = _history_archive(tmp_path)
    append_rows(path, "optim", {"area_m2": [3.0, 2.0], "design_m": np.zeros((2, 3)),
                                "converged": [False, True]})
    with xr.open_dataset(path, engine="h5netcdf", group="optim") as ds:
        assert ds["area_m2"].dims == ("iteration",)
        np.testing.assert_array_equal(ds["iteration"].values, [0, 1])
        np.testing.assert_array_equal(ds["area_m2"].values, [3.0, 2.0])


@pytest.mark.parametrize("in_place", [False, True])
@pytest.mark.parametrize(
    "rows, match",
    [
        ({"area_m2": 1.0, "design_m": [1, 2, 3], "converged": True, "extra": 1}, "unknown column"),
        ({"area_m2": 1.0, "converged": True}, r"missing column\(s\) \['design_m'\]"),
        ({"area_m2": 1.0, "design_m": [1, 2], "converged": True}, "rows of shape"),
        ({"area_m2": [1.0, 2.0], "design_m": [1, 2, 3], "converged": True}, "different numbers"),
        ({"area_m2": "big", "design_m": [1, 2, 3], "converged": True}, "cannot store"),
        ({"area_m2": 1.0 + 2.0j, "design_m": [1, 2, 3], "converged": True}, "cannot store"),
    ],
)
def test_append_rows_bad_rows_leave_archive_unchanged(tmp_path, rows, match, in_place):
    path = _history_archive(tmp_path)
    append_rows(path, "optim", {"area_m2": 5.0, "design_m": [0, 0, 0], "converged": True})
    before = path.read_bytes()
    with pytest.raises(ValueError, match=match):
        append_rows(path, "optim", rows, in_place=in_place)
    assert path.read_bytes() == before
    assert _leftovers(tmp_path, {path.name}) == []


def test_append_rows_bad_group(tmp_path):
    path = _history_archive(tmp_path)
    with pytest.raises(ArchiveError, match="no group"):
        append_rows(path, "nothere", {"a": 1.0})
    with pytest.raises(ArchiveError, match="no resizable"):
        append_rows(path, "/", {"x_m": 1.0})


def _fail_on_second_write(monkeypatch):
    real = h5py.Dataset.__setitem__
    calls = {"n": 0}

    def flaky(self, key, value):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("injected failure while writing a column")
        return real(self, key, value)

    monkeypatch.setattr(h5py.Dataset, "__setitem__", flaky)
    return calls


@pytest.mark.parametrize("in_place", [False, True])
def test_append_failure_mid_write_rolls_back(tmp_path, monkeypatch, in_place):
    path = _history_archive(tmp_path)
    append_rows(path, "optim", {"area_m2": 5.0, "design_m": [0, 0, 0], "converged": True})
    before = read_archive(path)["optim"]
    calls = _fail_on_second_write(monkeypatch)
    with pytest.raises(OSError, match="injected failure"):
        append_rows(path, "optim", {"area_m2": 4.0, "design_m": [1, 1, 1], "converged": False},
                    in_place=in_place)
    assert calls["n"] == 2
    monkeypatch.undo()
    after = read_archive(path)["optim"]
    assert after["attrs"]["n_rows"] == 1
    with h5py.File(path) as f:  # physically shrunk back, not only hidden by n_rows
        assert all(f["optim"][c].shape[0] == 1
                   for c in ("iteration", "area_m2", "design_m", "converged"))
    for col in ("iteration", "area_m2", "design_m", "converged"):
        np.testing.assert_array_equal(after[col]["data"], before[col]["data"])
    assert _leftovers(tmp_path, {path.name}) == []
    # the archive is still usable
    assert append_rows(path, "optim", {"area_m2": 4.0, "design_m": [1, 1, 1],
                                       "converged": False}, in_place=in_place) == 2


def test_reader_trusts_n_rows(tmp_path):
    """Rows beyond the committed n_rows (e.g. after a hard crash) are ignored."""
    path = _history_archive(tmp_path)
    append_rows(path, "optim", {"area_m2": [1.0, 2.0], "design_m": np.ones((2, 3)),
                                "converged": [True, False]})
    with h5py.File(path, "r+") as f:
        f["optim"].attrs["n_rows"] = 1
    ar.seal_archive(path)
    back = read_archive(path)["optim"]
    np.testing.assert_array_equal(back["area_m2"]["data"], [1.0])
    assert read_dataset(path, "optim/design_m")["data"].shape == (1, 3)
    assert "area_m2  (1) float64" in describe_archive(path)


def test_open_archive_yields_checked_file(archive_path):
    with open_archive(archive_path) as f:
        assert f.attrs["schema_name"] == ar.SCHEMA_NAME
        assert f.mode == "r"
    assert not f.id.valid
    assert os.path.exists(archive_path)


def test_provenance_ignores_foreign_repository(monkeypatch, tmp_path):
    """An installed copy inside another git checkout reports no commit."""
    monkeypatch.setattr(ar, "_repo_root", lambda: tmp_path / "site-packages")
    prov = ar.collect_provenance("cmd")
    assert prov["git_commit"] == "unknown"
    assert prov["git_dirty"] == "unknown"


# ----------------------------------------------------------------------------
# property: arbitrary numeric arrays round-trip bit-exactly with their dtype
# ----------------------------------------------------------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

_DTYPES = st.sampled_from([np.float64, np.float32, np.int64, np.int16, np.uint8, np.bool_])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_DTYPES.flatmap(lambda dt: hnp.arrays(dt, hnp.array_shapes(min_dims=0, max_dims=4,
                                                                       max_side=4))))
def test_round_trip_property(tmp_path, data):
    path = write_archive(tmp_path / "prop.h5", {"g": {"v": Dataset(data, "1", "random array")}})
    node = read_dataset(path, "g/v")
    out = np.asarray(node["data"])
    assert out.dtype == data.dtype and out.shape == data.shape
    np.testing.assert_array_equal(out, data)  # NaN == NaN here
