"""HotSpot-compatible floorplans, power traces and layer files, and floorplan-to-grid mapping.

Readers and writers for the plain-text formats used by the HotSpot chip thermal
simulator, so that a case prepared for HotSpot can be run here unchanged:

* ``.flp`` floorplan: one functional block per line,
  ``name width height left-x bottom-y [specific-heat resistivity]`` in metres
  (and J/(m^3 K), m K/W), ``#`` comments;
* ``.ptrace`` power trace: a header line of block names, then one row of block
  powers [W] per sampling interval;
* ``.lcf`` layer configuration: seven lines per layer (layer number, lateral heat
  flow Y/N, power dissipation Y/N, volumetric heat capacity [J/(m^3 K)],
  thermal resistivity [m K/W], thickness [m], floorplan file);
* ``.config`` model configuration: ``-key value`` lines;
* ``.materials`` materials file: name, solid/fluid, conductivity, heat capacity
  [, viscosity] blocks;
* HotSpot's outputs: the ``.steady``/``.init`` temperature file (``name value``
  lines: blocks of each layer with their layer prefix, then ``inode_<i>``), the
  grid temperature file (``Layer <n>:`` then ``index value`` per cell, row 0 at
  the top) and the transient temperature trace (a header of block names, then
  one row per sampling interval), values in K with two decimals.

The formats are re-implemented from their published description; no HotSpot
code is used.

References
----------
.. [1] K. Skadron, M. R. Stan, W. Huang, S. Velusamy, K. Sankaranarayanan and
   D. Tarjan, "Temperature-aware microarchitecture", Proc. ISCA 2003, 2-13.
.. [2] W. Huang, S. Ghosh, S. Velusamy, K. Sankaranarayanan, K. Skadron and
   M. R. Stan, "HotSpot: a compact thermal modeling methodology for early-stage
   VLSI design", IEEE Trans. VLSI Systems 14(5), 501-513 (2006).
.. [3] HotSpot 7.0 user documentation and example files (University of Virginia),
   https://github.com/uvahotspot/HotSpot (file formats of ev6.flp, gcc.ptrace,
   example.config, example.materials, example.lcf).
"""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np

__all__ = [
    "Block",
    "Floorplan",
    "LcfLayer",
    "read_flp",
    "write_flp",
    "read_ptrace",
    "write_ptrace",
    "read_lcf",
    "write_lcf",
    "read_hotspot_config",
    "read_materials",
    "overlap_weights",
    "read_temperature_file",
    "write_temperature_file",
    "write_grid_temperatures",
    "write_temperature_trace",
]


@dataclasses.dataclass(frozen=True)
class Block:
    """One rectangular functional unit of a floorplan.

    Attributes
    ----------
    name : block name (unique in a floorplan).
    width_m, height_m : size along x and y [m], > 0.
    left_m, bottom_m : lower-left corner in die coordinates [m].
    heat_capacity_j_m3_k, resistivity_m_k_w : optional per-block material
        (HotSpot's optional 6th/7th columns); ``None`` when absent.
    """

    name: str
    width_m: float
    height_m: float
    left_m: float
    bottom_m: float
    heat_capacity_j_m3_k: float | None = None
    resistivity_m_k_w: float | None = None

    @property
    def right_m(self) -> float:
        return self.left_m + self.width_m

    @property
    def top_m(self) -> float:
        return self.bottom_m + self.height_m

    @property
    def area_m2(self) -> float:
        return self.width_m * self.height_m


@dataclasses.dataclass(frozen=True)
class Floorplan:
    """An ordered set of non-overlapping rectangular blocks.

    ``validate`` (called by the constructor helpers and by the chip model) raises
    ``ValueError`` for non-positive sizes, duplicate names and overlapping blocks.
    """

    blocks: tuple[Block, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.blocks)

    @property
    def bounding_box_m(self) -> tuple[float, float, float, float]:
        """``(x0, y0, x1, y1)`` [m] of the union of the blocks."""
        return (
            min(b.left_m for b in self.blocks),
            min(b.bottom_m for b in self.blocks),
            max(b.right_m for b in self.blocks),
            max(b.top_m for b in self.blocks),
        )

    def index(self, name: str) -> int:
        return self.names.index(name)

    def validate(self, die_extent_m: tuple[float, float, float, float] | None = None,
                 rel_tol: float = 1e-6) -> None:
        """Raise ``ValueError`` for bad sizes, duplicate names, overlaps or blocks off the die.

        Parameters
        ----------
        die_extent_m : optional ``(x0, y0, x1, y1)`` [m]; every block must lie inside it.
        rel_tol : overlap/outside tolerance relative to the smallest block size.
        """
        if len(self.blocks) == 0:
            raise ValueError("floorplan has no blocks; at least one is required")
        names = self.names
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"floorplan block names must be unique, duplicated: {dup}")
        for b in self.blocks:
            for attr in ("width_m", "height_m"):
                v = getattr(b, attr)
                if not (math.isfinite(v) and v > 0):
                    raise ValueError(f"block {b.name!r} {attr} = {v!r} must be > 0 m")
            for attr in ("left_m", "bottom_m"):
                v = getattr(b, attr)
                if not math.isfinite(v):
                    raise ValueError(f"block {b.name!r} {attr} = {v!r} must be finite")
        size = min(min(b.width_m, b.height_m) for b in self.blocks)
        tol = rel_tol * size
        x0 = np.array([b.left_m for b in self.blocks])
        x1 = np.array([b.right_m for b in self.blocks])
        y0 = np.array([b.bottom_m for b in self.blocks])
        y1 = np.array([b.top_m for b in self.blocks])
        ox = np.minimum(x1[:, None], x1[None, :]) - np.maximum(x0[:, None], x0[None, :])
        oy = np.minimum(y1[:, None], y1[None, :]) - np.maximum(y0[:, None], y0[None, :])
        over = (ox > tol) & (oy > tol)
        np.fill_diagonal(over, False)
        if over.any():
            i, j = np.argwhere(over)[0]
            raise ValueError(
                f"floorplan blocks {names[i]!r} and {names[j]!r} overlap by "
                f"{ox[i, j]:.3g} m x {oy[i, j]:.3g} m; blocks must not overlap")
        if die_extent_m is not None:
            dx0, dy0, dx1, dy1 = die_extent_m
            for b in self.blocks:
                if (b.left_m < dx0 - tol or b.bottom_m < dy0 - tol or b.right_m > dx1 + tol
                        or b.top_m > dy1 + tol):
                    raise ValueError(
                        f"floorplan block {b.name!r} spans x [{b.left_m:.6g}, {b.right_m:.6g}] m, "
                        f"y [{b.bottom_m:.6g}, {b.top_m:.6g}] m, outside the die extent "
                        f"x [{dx0:.6g}, {dx1:.6g}] m, y [{dy0:.6g}, {dy1:.6g}] m")

    def shifted(self, dx_m: float, dy_m: float) -> "Floorplan":
        """Copy with every block moved by ``(dx_m, dy_m)`` [m]."""
        return Floorplan(tuple(dataclasses.replace(b, left_m=b.left_m + dx_m,
                                                   bottom_m=b.bottom_m + dy_m)
                               for b in self.blocks))


def _data_lines(text: str):
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if line:
            yield lineno, line


def read_flp(path) -> Floorplan:
    """Read a HotSpot ``.flp`` floorplan file.

    Parameters
    ----------
    path : file path.

    Returns
    -------
    Floorplan, validated (unique names, positive sizes, no overlaps).
    """
    text = Path(path).read_text()
    blocks = []
    for lineno, line in _data_lines(text):
        parts = line.split()
        if len(parts) not in (5, 7):
            raise ValueError(f"{path}:{lineno}: a floorplan line needs 5 or 7 fields "
                             f"(name width height left bottom [cap res]), got {len(parts)}")
        try:
            nums = [float(p) for p in parts[1:]]
        except ValueError as exc:
            raise ValueError(f"{path}:{lineno}: non-numeric floorplan field in {line!r}") from exc
        extra = nums[4:] if len(nums) == 6 else [None, None]
        blocks.append(Block(parts[0], nums[0], nums[1], nums[2], nums[3], extra[0], extra[1]))
    fp = Floorplan(tuple(blocks))
    fp.validate()
    return fp


def write_flp(path, floorplan: Floorplan) -> None:
    """Write a floorplan in HotSpot ``.flp`` format (exact round trip via ``repr`` floats)."""
    lines = ["# Floorplan written by sunsink",
             "# <unit-name>\t<width>\t<height>\t<left-x>\t<bottom-y>\t[<specific-heat>]\t[<resistivity>]"]
    for b in floorplan.blocks:
        fields = [b.name, repr(b.width_m), repr(b.height_m), repr(b.left_m), repr(b.bottom_m)]
        if b.heat_capacity_j_m3_k is not None:
            fields += [repr(b.heat_capacity_j_m3_k), repr(b.resistivity_m_k_w)]
        lines.append("\t".join(fields))
    Path(path).write_text("\n".join(lines) + "\n")


def read_ptrace(path) -> tuple[tuple[str, ...], np.ndarray]:
    """Read a HotSpot ``.ptrace`` power trace.

    Returns
    -------
    names : block names from the header line.
    power_w : array ``(n_steps, n_blocks)`` [W]; raises ``ValueError`` on ragged
        rows, non-numeric or negative entries.
    """
    lines = [line for _, line in _data_lines(Path(path).read_text())]
    if not lines:
        raise ValueError(f"{path}: empty power trace")
    names = tuple(lines[0].split())
    rows = []
    for k, line in enumerate(lines[1:], start=2):
        parts = line.split()
        if len(parts) != len(names):
            raise ValueError(f"{path}: row {k} has {len(parts)} values, header has {len(names)} blocks")
        rows.append([float(p) for p in parts])
    power = np.asarray(rows, dtype=float).reshape(len(rows), len(names))
    if not np.all(np.isfinite(power)) or np.any(power < 0):
        raise ValueError(f"{path}: block powers must be finite and >= 0 W, "
                         f"got min {np.nanmin(power):g} W")
    return names, power


def write_ptrace(path, names, power_w) -> None:
    """Write a power trace (header of names, then rows of powers [W])."""
    power_w = np.atleast_2d(np.asarray(power_w, dtype=float))
    lines = ["\t".join(names)] + ["\t".join(repr(float(v)) for v in row) for row in power_w]
    Path(path).write_text("\n".join(lines) + "\n")


@dataclasses.dataclass(frozen=True)
class LcfLayer:
    """One layer of a HotSpot layer configuration file (``.lcf``).

    Attributes
    ----------
    number : layer index (0 = the layer farthest from the heat sink in HotSpot).
    lateral_heat_flow : whether lateral conduction is modelled.
    power_dissipation : whether the layer dissipates power.
    heat_capacity_j_m3_k : volumetric heat capacity [J/(m^3 K)].
    resistivity_m_k_w : thermal resistivity [m K/W] (= 1/conductivity).
    thickness_m : thickness [m].
    floorplan_file : floorplan file name of this layer.
    """

    number: int
    lateral_heat_flow: bool
    power_dissipation: bool
    heat_capacity_j_m3_k: float
    resistivity_m_k_w: float
    thickness_m: float
    floorplan_file: str

    @property
    def conductivity_w_m_k(self) -> float:
        return 1.0 / self.resistivity_m_k_w


def _yn(tok: str, where: str) -> bool:
    t = tok.strip().upper()
    if t not in ("Y", "N"):
        raise ValueError(f"{where}: expected Y or N, got {tok!r}")
    return t == "Y"


def read_lcf(path, materials: dict | None = None) -> tuple[LcfLayer, ...]:
    """Read a HotSpot layer configuration file.

    Seven data lines per layer (number, lateral Y/N, power Y/N, volumetric heat
    capacity, resistivity, thickness, floorplan file); as in HotSpot 7, a material
    name from ``materials`` (:func:`read_materials`) may replace the capacity and
    resistivity lines, leaving six.  Only the first token of each line is read.
    """
    lines = [line.split()[0] for _, line in _data_lines(Path(path).read_text())]
    layers = []
    i = 0
    while i < len(lines):
        where = f"{path}: layer block {len(layers)}"
        g = lines[i:i + 7]
        if len(g) < 6:
            raise ValueError(f"{path}: an .lcf file has 7 data lines per layer (6 with a material name), "
                             f"got {len(lines)} lines")
        try:
            number = int(g[0])
        except ValueError:
            raise ValueError(f"{where}: invalid layer number {g[0]!r}") from None
        try:
            cap = float(g[3])
        except ValueError:
            cap = None
        try:
            if cap is None:
                mats = materials or {}
                if g[3] not in mats:
                    raise ValueError(f"{where}: {g[3]!r} is neither a heat capacity nor a material "
                                     f"of the materials file")
                cap = float(mats[g[3]]["heat_capacity_j_m3_k"])
                res = 1.0 / float(mats[g[3]]["conductivity_w_m_k"])
                thick, flp, step = float(g[4]), g[5], 6
            else:
                if len(g) < 7:
                    raise ValueError(f"{path}: an .lcf file has 7 data lines per layer, got {len(lines)} lines")
                res, thick, flp, step = float(g[4]), float(g[5]), g[6], 7
        except (ValueError, ZeroDivisionError) as exc:
            if "data lines" in str(exc) or "neither" in str(exc):
                raise
            raise ValueError(f"{where}: non-numeric resistivity or thickness in {g!r}") from None
        layer = LcfLayer(number, _yn(g[1], where), _yn(g[2], where), cap, res, thick, flp)
        for name in ("heat_capacity_j_m3_k", "resistivity_m_k_w", "thickness_m"):
            v = getattr(layer, name)
            if not (math.isfinite(v) and v > 0):
                raise ValueError(f"{where}: {name} = {v!r} must be > 0")
        layers.append(layer)
        i += step
    if not layers:
        raise ValueError(f"{path}: an .lcf file has 7 data lines per layer, got 0 lines")
    return tuple(layers)


def write_lcf(path, layers) -> None:
    """Write layers in HotSpot ``.lcf`` format."""
    out = ["# Layer configuration written by sunsink",
           "# number / lateral Y|N / power Y|N / heat capacity J/(m^3 K) / resistivity m K/W / "
           "thickness m / floorplan"]
    for L in layers:
        out += [f"# layer {L.number}", str(L.number), "Y" if L.lateral_heat_flow else "N",
                "Y" if L.power_dissipation else "N", repr(L.heat_capacity_j_m3_k),
                repr(L.resistivity_m_k_w), repr(L.thickness_m), L.floorplan_file, ""]
    Path(path).write_text("\n".join(out))


def read_hotspot_config(path) -> dict[str, str]:
    """Read a HotSpot ``-key value`` configuration file into a dict of strings (keys without '-')."""
    cfg = {}
    for lineno, line in _data_lines(Path(path).read_text()):
        parts = line.split()
        if len(parts) != 2 or not parts[0].startswith("-"):
            raise ValueError(f"{path}:{lineno}: expected '-key value', got {line!r}")
        cfg[parts[0][1:]] = parts[1]
    return cfg


def read_materials(path) -> dict[str, dict[str, float | str]]:
    """Read a HotSpot materials file.

    Returns
    -------
    dict name -> {"type": "solid"|"fluid", "conductivity_w_m_k", "heat_capacity_j_m3_k"
    [, "viscosity_pa_s"]}.
    """
    lines = [line for _, line in _data_lines(Path(path).read_text())]
    out: dict[str, dict] = {}
    i = 0
    while i < len(lines):
        name, kind = lines[i], lines[i + 1].lower() if i + 1 < len(lines) else ""
        if kind not in ("solid", "fluid"):
            raise ValueError(f"{path}: material {name!r} type must be solid or fluid, got {kind!r}")
        n = 4 if kind == "solid" else 5
        vals = [float(v) for v in lines[i + 2:i + n]]
        entry = {"type": kind, "conductivity_w_m_k": vals[0], "heat_capacity_j_m3_k": vals[1]}
        if kind == "fluid":
            entry["viscosity_pa_s"] = vals[2]
        out[name] = entry
        i += n
    return out


def overlap_weights(floorplan: Floorplan, origin_m: tuple[float, float], cell_m: tuple[float, float],
                    shape: tuple[int, int], active: np.ndarray | None = None) -> np.ndarray:
    """Fraction of each block's power that falls in each grid cell, by overlap area.

    Parameters
    ----------
    floorplan : blocks in the same coordinates as ``origin_m``.
    origin_m : ``(x, y)`` [m] of the grid's lower-left corner.
    cell_m : ``(dx, dy)`` [m] cell size.
    shape : ``(ny, nx)`` grid shape.
    active : optional boolean ``(ny, nx)`` mask of cells able to take power (e.g.
        the die extent).  Weights on inactive cells are dropped and each block's
        weights renormalised so no power is lost; a block with no active overlap
        goes to the active cell nearest its centre.

    Returns
    -------
    weights : ``(n_blocks, ny, nx)``, each block summing to 1.
    """
    ny, nx = shape
    dx, dy = cell_m
    xe = origin_m[0] + dx * np.arange(nx + 1)
    ye = origin_m[1] + dy * np.arange(ny + 1)
    w = np.zeros((len(floorplan.blocks), ny, nx))
    xc = 0.5 * (xe[1:] + xe[:-1])
    yc = 0.5 * (ye[1:] + ye[:-1])
    for k, b in enumerate(floorplan.blocks):
        ox = np.clip(np.minimum(xe[1:], b.right_m) - np.maximum(xe[:-1], b.left_m), 0, None)
        oy = np.clip(np.minimum(ye[1:], b.top_m) - np.maximum(ye[:-1], b.bottom_m), 0, None)
        wk = oy[:, None] * ox[None, :]
        if active is not None:
            wk = wk * active
        s = wk.sum()
        if s <= 0:
            d2 = (yc[:, None] - (b.bottom_m + b.height_m / 2)) ** 2 + (xc[None, :] - (b.left_m + b.width_m / 2)) ** 2
            if active is not None:
                d2 = np.where(active, d2, np.inf)
            j, i = np.unravel_index(np.argmin(d2), d2.shape)
            wk = np.zeros((ny, nx))
            wk[j, i] = 1.0
            s = 1.0
        w[k] = wk / s
    return w


def read_temperature_file(path) -> dict[str, float]:
    """Read a HotSpot ``.steady``/``.init`` temperature file into ``{name: temperature [K]}``.

    Names keep their case; HotSpot matches block names case-insensitively, so look
    them up with :func:`str.lower` keys if needed.  Raises ``ValueError`` on a line
    that is not ``name value`` or a duplicate name.
    """
    out: dict[str, float] = {}
    for lineno, line in _data_lines(Path(path).read_text()):
        parts = line.split()
        if len(parts) != 2:
            raise ValueError(f"{path}:{lineno}: expected 'name temperature', got {line!r}")
        try:
            val = float(parts[1])
        except ValueError:
            raise ValueError(f"{path}:{lineno}: non-numeric temperature {parts[1]!r}") from None
        if parts[0] in out:
            raise ValueError(f"{path}:{lineno}: duplicate entry {parts[0]!r}")
        out[parts[0]] = val
    return out


def write_temperature_file(path, names, temperature_k) -> None:
    """Write ``name<TAB>value`` lines (HotSpot's ``.steady`` format, values [K] with 2 decimals)."""
    lines = [f"{n}\t{float(v):.2f}" for n, v in zip(names, temperature_k)]
    Path(path).write_text("\n".join(lines) + "\n")


def write_grid_temperatures(path, grid_k) -> None:
    """Write a (n_layers, rows, cols) field as HotSpot's grid steady file (``Layer n:`` blocks)."""
    grid_k = np.asarray(grid_k, float)
    nl, nr, nc = grid_k.shape
    idx = np.arange(nr * nc)
    out = []
    for n in range(nl):
        out.append(f"Layer {n}:")
        out.extend(f"{i}\t{v:.2f}" for i, v in zip(idx, grid_k[n].ravel()))
    Path(path).write_text("\n".join(out) + "\n")


def write_temperature_trace(path, names, rows_k) -> None:
    """Write HotSpot's transient trace: tab-separated names, then one row [K] (2 decimals) per step."""
    rows_k = np.atleast_2d(np.asarray(rows_k, float))
    lines = ["\t".join(names)] + ["\t".join(f"{v:.2f}" for v in row) for row in rows_k]
    Path(path).write_text("\n".join(lines) + "\n")
