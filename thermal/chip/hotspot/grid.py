"""HotSpot 7's grid thermal model, reproduced as a sparse RC network (steady and transient).

This is a *replica*: it reproduces HotSpot 7's numbers (within 0.05 K of the
reference outputs in ``tests/data/hotspot-reference``), including the modelling
choices that make them differ from a converged continuum solution.  For the
converged answer use :class:`thermal.chip.ChipModel` (``sunsink hotspot -scheme
converged``).  The model, as HotSpot 7 builds it (Huang et al. 2006; HotSpot 7.0
sources, commit f18831e; re-implemented here, no HotSpot code copied):

* **Layers.** Without a layer file: silicon (``t_chip``, ``k_chip``, ``p_chip``,
  dissipating the floorplan's power), interface material (``*_interface``),
  spreader and sink.  With an ``.lcf`` file: its layers, then spreader and sink.
  Every layer -- spreader and sink included -- is meshed on the same
  ``grid_rows x grid_cols`` grid over the *die* rectangle only; the parts of the
  spreader and sink outside the die are the 12 lumped package nodes of
  :func:`thermal.chip.hotspot.config.package_rc`.
* **One node per cell per layer, at the top of the layer.** The vertical
  resistance between layer ``n`` and ``n+1`` is the full thickness of layer ``n``
  (``t_n / (k_n A)``); the sink's nodes reach ambient through the full sink
  thickness plus ``r_convec * s_sink^2 / A`` (convection shared by area).
* **Lateral links** between neighbouring cells: ``cw / (k ch t)`` between rows
  (north-south neighbours) and ``ch / (k cw t)`` between columns -- HotSpot pairs
  the x-direction formula with row neighbours; on square cells both are the
  usual ``1 / (k t)``.  Layers marked ``N`` (no lateral flow) get 1e100 K/W.
* **Edge cells of the spreader and sink** connect to the rim nodes of their side
  through half a cell plus ``n * r_*1`` (the rim's lateral resistance shared by
  the ``n`` cells of that edge).
* **Capacitances** ``0.333 * c_v * t * A`` per cell (HotSpot's lumping factor),
  plus ``0.333 * c_convec * A / s_sink^2`` on the sink cells.
* **Power** enters each cell of a dissipating layer as the block power densities
  weighted by the cell's overlap with each block.
* **Block temperatures** from the grid (``grid_map_mode``): ``avg`` -- the
  unweighted mean of every cell the block's bounding cell range touches
  (partially covered edge cells count fully), ``min``/``max`` over those cells,
  ``center`` -- the mean of the one to four central cells of that range.
* **-detailed_3D on** (heterogeneous layers from 7-column floorplans): each cell
  of an ``.lcf`` layer takes the resistivity/capacity of a block covering >= 95 %
  of it, else the overlap-weighted parallel combination of its blocks'
  conductances; vertical and lateral links are then half-cell + half-cell sums
  (layer 0 uses its full thickness), and -- as in HotSpot 7 -- the spreader-to-sink
  link also includes half of the sink's resistance to ambient (convection
  included).  A layer's lateral ``N`` flag is ignored in this mode, as in HotSpot.

Solvers: steady = one sparse direct solve (SuperLU via ``scipy.sparse.linalg``),
as HotSpot's SuperLU build does (its default build iterates multigrid Gauss-Seidel
to the same answer within 0.01 K).  Transient: ``"be"`` -- one backward-Euler
step per sampling interval (HotSpot's SuperLU build), the factorisation reused
for every row; ``"rk4"`` -- HotSpot's adaptive RK4 (its default build), see
:func:`thermal.chip.hotspot.config.rk4_interval`.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..floorplan import Floorplan
from .config import (C_FACTOR, DELTA, EXTRA, LARGENUM, SINK_C_E, SINK_C_N, SINK_C_S, SINK_C_W, SP_E, SP_N,
                         SP_S, SP_W, HotSpotConfig, HotSpotError, package_rc, rk4_interval)

__all__ = ["GridLayer", "HotSpotGrid", "GridSteady", "hotspot_block_bounds", "map_grid_to_blocks",
           "OCCUPANCY_THRESHOLD"]

#: Share of a cell one block must cover for the cell to take that block's material (-detailed_3D).
OCCUPANCY_THRESHOLD = 0.95


def _tolerant_ceil(v: float) -> int:
    nearest = math.floor(v + 0.5)
    return int(nearest) if abs(v - nearest) < DELTA else int(math.ceil(v))


def _tolerant_floor(v: float) -> int:
    nearest = math.floor(v + 0.5)
    return int(nearest) if abs(v - nearest) < DELTA else int(math.floor(v))


@dataclasses.dataclass(frozen=True)
class GridLayer:
    """One layer of the grid model.

    Attributes
    ----------
    prefix : name prefix of its blocks in HotSpot's ``.steady`` file
        (``""``, ``"iface_"``, ``"layer_<n>_"``, ``"hsp_"``, ``"hsink_"``).
    floorplan : the layer's floorplan, origin at (0, 0).
    lateral : lateral heat flow modelled.
    power : the layer dissipates its blocks' power.
    conductivity_w_m_k, heat_capacity_j_m3_k, thickness_m : layer material and thickness.
    """

    prefix: str
    floorplan: Floorplan
    lateral: bool
    power: bool
    conductivity_w_m_k: float
    heat_capacity_j_m3_k: float
    thickness_m: float


def _origin(fp: Floorplan) -> Floorplan:
    x0, y0, _, _ = fp.bounding_box_m
    return fp.shifted(-x0, -y0) if (x0 or y0) else fp


def hotspot_block_bounds(fp: Floorplan, rows: int, cols: int, width: float, height: float) -> np.ndarray:
    """(n_blocks, 4) cell ranges ``[i1, i2) x [j1, j2)`` of each block (row 0 = the top edge).

    HotSpot's rule: rounded outward to whole cells, with a 1e-6 (relative) tolerance
    for edges that fall on cell boundaries.
    """
    cw, ch = width / cols, height / rows
    out = np.empty((len(fp.blocks), 4), int)
    for u, b in enumerate(fp.blocks):
        i1 = rows - _tolerant_ceil(b.top_m / ch)
        i2 = rows - _tolerant_floor(b.bottom_m / ch)
        j1 = _tolerant_floor(b.left_m / cw)
        j2 = _tolerant_ceil(b.right_m / cw)
        if i1 < 0 or j1 < 0 or i2 > rows or j2 > cols:
            raise HotSpotError(f"block {b.name!r} lies outside the chip outline")
        if i1 >= i2 or j1 >= j2:
            raise HotSpotError(f"block {b.name!r}: invalid floorplan or grid resolution")
        out[u] = (i1, i2, j1, j2)
    return out


def _block_occupancy(fp: Floorplan, bounds, rows, cols, width, height):
    """Per block: ``(i1, i2, j1, j2, occ)`` with ``occ`` the (i2-i1, j2-j1) overlap fractions (HotSpot's rule)."""
    cw, ch = width / cols, height / rows
    out = []
    for b, (i1, i2, j1, j2) in zip(fp.blocks, bounds):
        lu, ru, bu, tu = b.left_m, b.right_m, b.bottom_m, b.top_m
        ii = np.arange(i1, i2)
        jj = np.arange(j1, j2)
        tc = height - ii * ch
        bc = height - (ii + 1) * ch
        lc = jj * cw
        rc = (jj + 1) * cw
        oh = np.minimum(tu, tc) - np.maximum(bu, bc)
        ow = np.minimum(ru, rc) - np.maximum(lu, lc)
        oh = np.where(np.abs(oh / ch) < DELTA, 0.0, np.where(np.abs(oh / ch - 1) < DELTA, ch, oh))
        ow = np.where(np.abs(ow / cw) < DELTA, 0.0, np.where(np.abs(ow / cw - 1) < DELTA, cw, ow))
        if np.any(oh < 0) or np.any(ow < 0):
            raise HotSpotError(f"block {b.name!r}: negative overlap with its grid cells")
        occ = (oh[:, None] * ow[None, :]) / (ch * cw)
        # cells strictly inside the block's cell range are fully covered by definition
        if i2 - i1 > 2 and j2 - j1 > 2:
            occ[1:-1, 1:-1] = 1.0
        out.append((i1, i2, j1, j2, occ))
    return out


def map_grid_to_blocks(field: np.ndarray, bounds: np.ndarray, mode: str) -> np.ndarray:
    """Block temperatures from a (rows, cols) grid field by HotSpot's ``grid_map_mode``.

    ``avg``: unweighted mean over the block's cell range; ``min``/``max`` over it;
    ``center``: mean of the (one, two or four) central cells of the range.
    """
    out = np.empty(len(bounds))
    for u, (i1, i2, j1, j2) in enumerate(bounds):
        if mode == "center":
            ci1, cj1 = (i1 + i2) // 2, (j1 + j2) // 2
            ci2 = ci1 - (1 if (i2 - i1) % 2 == 0 else 0)
            cj2 = cj1 - (1 if (j2 - j1) % 2 == 0 else 0)
            out[u] = (field[ci1, cj1] + field[ci2, cj1] + field[ci1, cj2] + field[ci2, cj2]) / 4
            continue
        sub = field[i1:i2, j1:j2]
        if mode == "avg":
            out[u] = sub.sum() / sub.size
        elif mode == "min":
            out[u] = sub.min()
        elif mode == "max":
            out[u] = sub.max()
        else:
            raise HotSpotError(f"invalid mapping mode {mode!r}")
    return out


@dataclasses.dataclass
class GridSteady:
    """Steady (or one transient) state of the grid model.

    Attributes
    ----------
    grid_k : (n_layers, rows, cols) node temperatures [K].
    package_k : (12,) package node temperatures [K] (``inode_0`` .. ``inode_11``).
    block_k : per layer, (n_blocks,) block temperatures [K] by the model's map mode.
    """

    grid_k: np.ndarray
    package_k: np.ndarray
    block_k: list


class HotSpotGrid:
    """HotSpot 7's grid model of a chip stack (see the module docstring).

    Parameters
    ----------
    config : :class:`thermal.chip.hotspot.config.HotSpotConfig` (grid size, package, ambient, map mode,
        ``detailed_3D``).
    floorplan : the die floorplan (default two-layer chip stack), or ``None`` with ``lcf_layers``.
    lcf_layers : sequence of ``(LcfLayer, Floorplan)`` from a layer configuration file,
        layer 0 first (farthest from the sink).

    Raises
    ------
    HotSpotError
        Layers of different outlines, a die larger than the spreader, blocks off
        the grid, a cell of a ``-detailed_3D`` layer no block covers.
    """

    def __init__(self, config: HotSpotConfig, floorplan: Floorplan | None = None, lcf_layers=None):
        self.config = cfg = config
        self.rows, self.cols = int(cfg.grid_rows), int(cfg.grid_cols)
        self.detailed = bool(cfg.detailed_3D)
        if lcf_layers is None:
            if floorplan is None:
                raise HotSpotError("either a floorplan (-f) or a layer configuration file (-grid_layer_file) "
                                   "is required")
            if self.detailed:
                raise HotSpotError("-detailed_3D on needs a layer configuration file (-grid_layer_file)")
            fp = _origin(floorplan)
            chip = [GridLayer("", fp, True, True, cfg.k_chip, cfg.p_chip, cfg.t_chip),
                    GridLayer("iface_", fp, True, False, cfg.k_interface, cfg.p_interface, cfg.t_interface)]
        else:
            lcf_layers = list(lcf_layers)
            if not lcf_layers:
                raise HotSpotError("the layer configuration file has no layers")
            numbers = sorted(L.number for L, _ in lcf_layers)
            if numbers != list(range(len(lcf_layers))):
                raise HotSpotError(f"layer numbers {numbers} must be 0..{len(lcf_layers) - 1}, each once")
            chip = []
            for L, lfp in sorted(lcf_layers, key=lambda p: p[0].number):
                chip.append(GridLayer(f"layer_{L.number}_", _origin(lfp), L.lateral_heat_flow,
                                      L.power_dissipation, L.conductivity_w_m_k, L.heat_capacity_j_m3_k,
                                      L.thickness_m))
        x0, y0, x1, y1 = chip[0].floorplan.bounding_box_m
        self.width, self.height = x1 - x0, y1 - y0
        for L in chip[1:]:
            bx0, by0, bx1, by1 = L.floorplan.bounding_box_m
            if abs(bx1 - bx0 - self.width) >= DELTA or abs(by1 - by0 - self.height) >= DELTA:
                raise HotSpotError(f"layer {L.prefix!r}: width and height differ across layers "
                                   f"({bx1 - bx0:g} x {by1 - by0:g} m vs {self.width:g} x {self.height:g} m)")
        if max(self.width, self.height) > min(cfg.s_spreader, cfg.s_sink):
            raise HotSpotError(f"the die ({self.width:g} x {self.height:g} m) is larger than the spreader "
                               f"({cfg.s_spreader:g} m) or sink ({cfg.s_sink:g} m)")
        last = chip[-1].floorplan
        self.layers = tuple(chip) + (
            GridLayer("hsp_", last, True, False, cfg.k_spreader, cfg.p_spreader, cfg.t_spreader),
            GridLayer("hsink_", last, True, False, cfg.k_sink, cfg.p_sink, cfg.t_sink))
        self.n_layers = len(self.layers)
        self.spidx, self.hsidx = self.n_layers - 2, self.n_layers - 1
        self.cw, self.ch = self.width / self.cols, self.height / self.rows
        self.n_grid = self.n_layers * self.rows * self.cols
        self.n_nodes = self.n_grid + EXTRA
        self.pack = package_rc(cfg, self.width, self.height)
        # block <-> grid maps of each layer
        self.bounds, self._occ = [], []
        for L in self.layers:
            b = hotspot_block_bounds(L.floorplan, self.rows, self.cols, self.width, self.height)
            self.bounds.append(b)
            self._occ.append(_block_occupancy(L.floorplan, b, self.rows, self.cols, self.width, self.height))
        self._build_maps()
        self._build_network()
        self._lu_steady = None
        self._lu_be = {}

    # ------------------------------------------------------------------ maps
    def _build_maps(self):
        """Sparse (cells x blocks) maps per layer: overlap fraction, and power density x cell area."""
        nr, nc = self.rows, self.cols
        area = (self.width * self.height) / (self.cols * self.rows)
        self.occ_maps, self.power_maps = [], []
        for L, occs in zip(self.layers, self._occ):
            rows_, cols_, vals, pvals = [], [], [], []
            for u, (i1, i2, j1, j2, occ) in enumerate(occs):
                ii, jj = np.meshgrid(np.arange(i1, i2), np.arange(j1, j2), indexing="ij")
                rows_.append((ii * nc + jj).ravel())
                cols_.append(np.full(occ.size, u))
                vals.append(occ.ravel())
                b = L.floorplan.blocks[u]
                pvals.append((occ / (b.width_m * b.height_m) * area).ravel())
            r, c = np.concatenate(rows_), np.concatenate(cols_)
            shape = (nr * nc, len(L.floorplan.blocks))
            self.occ_maps.append(sp.csr_matrix((np.concatenate(vals), (r, c)), shape=shape))
            self.power_maps.append(sp.csr_matrix((np.concatenate(pvals), (r, c)), shape=shape))
        covered = [np.asarray((m != 0).sum(axis=1)).ravel() > 0 for m in self.occ_maps]
        self.uncovered = [~c.reshape(nr, nc) for c in covered]

    def _detailed_cells(self, n):
        """Per-cell (gx, gy, gz) conductances [W/K] and capacity [J/K] of chip layer ``n`` (-detailed_3D)."""
        L = self.layers[n]
        nr, nc, cw, ch, t = self.rows, self.cols, self.cw, self.ch, L.thickness_m
        has = np.zeros((nr, nc), bool)
        lock = np.zeros((nr, nc), bool)
        gx = np.zeros((nr, nc))
        gy = np.zeros((nr, nc))
        gz = np.zeros((nr, nc))
        cap = np.zeros((nr, nc))
        for b, (i1, i2, j1, j2, occ) in zip(L.floorplan.blocks, self._occ[n]):
            has_res = b.resistivity_m_k_w is not None
            k = 1.0 / b.resistivity_m_k_w if has_res else L.conductivity_w_m_k
            cv = b.heat_capacity_j_m3_k if has_res else L.heat_capacity_j_m3_k
            # HotSpot's getr(k, l, A) = l / (k A): x uses (cw, ch t), y (ch, cw t), z (t, cw ch)
            bx, by, bz = (k * ch * t) / cw, (k * cw * t) / ch, (k * cw * ch) / t
            bc = C_FACTOR * cv * t * cw * ch
            s = np.s_[i1:i2, j1:j2]
            h_, l_ = has[s], lock[s]
            full = occ >= OCCUPANCY_THRESHOLD
            first = ~h_
            take = first | (~l_ & full)          # new cell, or an unlocked cell a block now covers
            add = h_ & ~l_ & ~full               # unlocked cell: conductances in parallel
            for arr, val in ((gx, bx), (gy, by), (gz, bz)):
                sub = arr[s]
                sub[take] = np.where(full[take], val, val * occ[take])
                sub[add] += val * occ[add]
            csub = cap[s]
            csub[first | (~l_ & full)] = bc    # HotSpot keeps the first block's capacity unless a lock replaces it
            lock[s] = np.where(take, full, l_)
            has[s] = True
        if not has.all():
            i, j = np.argwhere(~has)[0]
            raise HotSpotError(f"layer {L.prefix or 0}: grid cell ({i}, {j}) is covered by no block; "
                               "-detailed_3D needs floorplans that tile the die")
        layer_c = C_FACTOR * L.heat_capacity_j_m3_k * t * cw * ch
        cap = np.where(lock, cap, layer_c)
        return gx, gy, gz, cap

    # ------------------------------------------------------------------ network
    def _build_network(self):
        cfg, nl, nr, nc, cw, ch = self.config, self.n_layers, self.rows, self.cols, self.cw, self.ch
        pk = self.pack
        shape = (nl, nr, nc)
        rx = np.empty(nl)
        ry = np.empty(nl)
        rz = np.empty(nl)
        c_layer = np.empty(nl)
        for n, L in enumerate(self.layers):
            k, t = L.conductivity_w_m_k, L.thickness_m
            if L.lateral:
                rx[n], ry[n] = cw / (k * ch * t), ch / (k * cw * t)
            else:
                rx[n] = ry[n] = LARGENUM
            rz[n] = t / (k * cw * ch)
            c_layer[n] = C_FACTOR * L.heat_capacity_j_m3_k * t * cw * ch
        rz[self.hsidx] += cfg.r_convec * (cfg.s_sink * cfg.s_sink) / (cw * ch)
        c_layer[self.hsidx] += C_FACTOR * cfg.c_convec * (cw * ch) / (cfg.s_sink * cfg.s_sink)
        self.layer_rx, self.layer_ry, self.layer_rz = rx, ry, rz
        cap = np.broadcast_to(c_layer[:, None, None], shape).copy()
        if not self.detailed:
            g_ns = np.broadcast_to((1.0 / rx)[:, None, None], (nl, nr - 1, nc)).copy()
            g_ew = np.broadcast_to((1.0 / ry)[:, None, None], (nl, nr, nc - 1)).copy()
            g_v = np.broadcast_to((1.0 / rz[:-1])[:, None, None], (nl - 1, nr, nc)).copy()
        else:
            # per-cell resistances: chip layers from their blocks, package layers uniform
            cx = np.broadcast_to((1.0 / rx)[:, None, None], shape).copy()
            cy = np.broadcast_to((1.0 / ry)[:, None, None], shape).copy()
            cz = np.broadcast_to((1.0 / rz)[:, None, None], shape).copy()
            for n in range(self.spidx):
                cx[n], cy[n], cz[n], cap[n] = self._detailed_cells(n)
            with np.errstate(divide="ignore"):
                Rx, Ry, Rz = 1.0 / cx, 1.0 / cy, 1.0 / cz
            # HotSpot pairs rx with row (north-south) neighbours and ry with column neighbours
            g_ns = _recip(Rx[:, :-1, :] / 2.0 + Rx[:, 1:, :] / 2.0)
            g_ew = _recip(Ry[:, :, :-1] / 2.0 + Ry[:, :, 1:] / 2.0)
            rv = Rz[:-1] / 2.0 + Rz[1:] / 2.0
            rv[0] = Rz[0] + Rz[1] / 2.0
            g_v = _recip(rv)
        self.g_ns, self.g_ew, self.g_v = g_ns, g_ew, g_v
        self.cap_grid = cap
        g_amb_grid = np.zeros(shape)
        g_amb_grid[self.hsidx] = 1.0 / rz[self.hsidx]
        # edge cells of spreader and sink -> their rim nodes
        edges = []   # (layer, rows slice, cols slice, package node, conductance)
        for n, (n_, s_, e_, w_) in ((self.spidx, (SP_N, SP_S, SP_E, SP_W)),
                                    (self.hsidx, (SINK_C_N, SINK_C_S, SINK_C_E, SINK_C_W))):
            r1x = pk.r_sp1_x if n == self.spidx else pk.r_hs1_x
            r1y = pk.r_sp1_y if n == self.spidx else pk.r_hs1_y
            gy_edge = 1.0 / (ry[n] / 2.0 + nc * r1y)
            gx_edge = 1.0 / (rx[n] / 2.0 + nr * r1x)
            edges += [(n, 0, slice(None), n_, gy_edge), (n, nr - 1, slice(None), s_, gy_edge),
                      (n, slice(None), nc - 1, e_, gx_edge), (n, slice(None), 0, w_, gx_edge)]
        self._edges = edges
        links, g_amb_extra = pk.extra_links()
        self._links = links
        # package nodes of zero-area rims: no links at all -> pinned to ambient, reported as NaN
        edge_g = np.zeros(EXTRA)
        for _, _, _, node, g in edges:
            edge_g[node] += g
        self.dead_extra = pk.dead_nodes(links, g_amb_extra) & (edge_g == 0.0)
        g_amb_extra = np.where(self.dead_extra, 1.0, g_amb_extra)
        # assemble the symmetric conductance matrix
        idx = np.arange(self.n_grid).reshape(shape)
        rows_, cols_, vals = [], [], []

        def couple(a, b, g):
            a, b, g = np.ravel(a), np.ravel(b), np.broadcast_to(g, np.shape(a)).ravel()
            rows_.extend((a, b, a, b))
            cols_.extend((b, a, a, b))
            vals.extend((-g, -g, g, g))

        couple(idx[:, :-1, :], idx[:, 1:, :], g_ns)
        couple(idx[:, :, :-1], idx[:, :, 1:], g_ew)
        couple(idx[:-1], idx[1:], g_v)
        for n, i, j, node, g in edges:
            cells = idx[n][i, j]
            couple(cells, np.full(cells.shape, self.n_grid + node), np.full(cells.shape, g))
        for a, b, g in links:
            couple(np.array([self.n_grid + a]), np.array([self.n_grid + b]), np.array([g]))
        g_amb = np.concatenate([g_amb_grid.ravel(), g_amb_extra])
        rows_.append(np.arange(self.n_nodes))
        cols_.append(np.arange(self.n_nodes))
        vals.append(g_amb)
        self.G = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows_), np.concatenate(cols_))),
                               shape=(self.n_nodes, self.n_nodes))
        self.g_amb = g_amb
        self.capacitance = np.concatenate([cap.ravel(), np.where(self.dead_extra, 1.0, pk.extra_capacitance())])

    # ------------------------------------------------------------------ vectors
    @property
    def power_layers(self) -> tuple[int, ...]:
        return tuple(n for n, L in enumerate(self.layers) if L.power)

    def power_vector(self, block_power_w) -> np.ndarray:
        """Node heat input [W] (block power on the grid + ambient injection) for ``block_power_w``.

        ``block_power_w``: per layer, (n_blocks,) powers [W] (``None`` or absent = 0), as
        a list over :attr:`layers`, or a dict ``{layer index: powers}``.
        """
        p = np.zeros(self.n_nodes)
        items = block_power_w.items() if isinstance(block_power_w, dict) else enumerate(block_power_w)
        nrc = self.rows * self.cols
        for n, pw in items:
            if pw is None:
                continue
            p[n * nrc:(n + 1) * nrc] += self.power_maps[n] @ np.asarray(pw, float)
        return p + self.g_amb * self.config.ambient

    def node_temperatures_from_blocks(self, block_temperature_k, package_k) -> np.ndarray:
        """Initial node temperatures from per-layer block temperatures (HotSpot's ``-init_file`` mapping).

        Each cell takes the overlap-weighted sum of its blocks' temperatures (a cell no
        block covers gets 0 K, as in HotSpot).
        """
        nrc = self.rows * self.cols
        t = np.empty(self.n_nodes)
        for n, tb in enumerate(block_temperature_k):
            t[n * nrc:(n + 1) * nrc] = self.occ_maps[n] @ np.asarray(tb, float)
        t[self.n_grid:] = np.asarray(package_k, float)
        return t

    def state(self, t_nodes: np.ndarray, mode: str | None = None) -> GridSteady:
        """Split a node vector into grid, package and per-layer block temperatures."""
        mode = self.config.grid_map_mode if mode is None else mode
        grid = t_nodes[:self.n_grid].reshape(self.n_layers, self.rows, self.cols)
        blocks = [map_grid_to_blocks(grid[n], self.bounds[n], mode) for n in range(self.n_layers)]
        package = np.where(self.dead_extra, np.nan, t_nodes[self.n_grid:])
        return GridSteady(grid_k=grid.copy(), package_k=package, block_k=blocks)

    # ------------------------------------------------------------------ solvers
    def _factor(self, matrix):
        return spla.splu(matrix.tocsc(), permc_spec="MMD_AT_PLUS_A")

    def steady_nodes(self, block_power_w) -> np.ndarray:
        """Steady node temperatures [K] (sparse direct solve)."""
        if self._lu_steady is None:
            self._lu_steady = self._factor(self.G)
        return self._lu_steady.solve(self.power_vector(block_power_w))

    def steady(self, block_power_w, mode: str | None = None) -> GridSteady:
        """Steady state for per-layer block powers (see :meth:`power_vector`)."""
        return self.state(self.steady_nodes(block_power_w), mode)

    def step_be(self, t_nodes, block_power_w, dt_s: float) -> np.ndarray:
        """One backward-Euler step ``(G + C/dt) T' = C/dt T + P`` (HotSpot's SuperLU build)."""
        lu = self._lu_be.get(dt_s)
        if lu is None:
            lu = self._lu_be[dt_s] = self._factor(self.G + sp.diags(self.capacitance / dt_s))
        return lu.solve(self.capacitance / dt_s * t_nodes + self.power_vector(block_power_w))

    def step_rk4(self, t_nodes, block_power_w, dt_s: float) -> np.ndarray:
        """Advance one sampling interval with HotSpot's adaptive RK4 (its default build)."""
        p = self.power_vector(block_power_w)
        G, inv_c = self.G, 1.0 / self.capacitance
        y, _ = rk4_interval(lambda y: (p - G @ y) * inv_c, t_nodes, dt_s)
        return y


def _recip(r):
    with np.errstate(divide="ignore"):
        return np.where(np.isinf(r), 0.0, 1.0 / r)
