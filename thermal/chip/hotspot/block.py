"""HotSpot 7's block (lumped RC) thermal model, reproduced (steady and transient).

A replica of HotSpot's ``-model_type block`` (Skadron et al. 2003; Huang et al.
2006; HotSpot 7.0 sources, commit f18831e; re-implemented, no code copied): one
node per floorplan block in each of four layers -- silicon, interface material,
spreader, sink -- plus the 12 package nodes of :func:`thermal.chip.hotspot.config.package_rc`.

* Lateral links between blocks sharing an edge (HotSpot's 1 um adjacency
  tolerance): centre-to-centre, ``1 / (w_i / (2 k t L) + w_j / (2 k t L))`` across
  a shared vertical edge of length ``L`` (heights across a horizontal one), in each
  layer with its own ``k`` and ``t``; ``-block_omit_lateral 1`` drops the silicon's.
* Vertical links: silicon -> interface -> spreader -> sink, each the full thickness
  of the upper layer over the block area; sink blocks reach ambient through the
  sink thickness plus ``r_convec * s_sink^2 / A``.
* Blocks on a die edge connect (in the spreader and sink layers) to that side's
  rim node through their half-block resistance plus the rim resistance ``r_*1``
  shared in proportion to the edge blocks' conductances.
* Capacitances ``0.333 * c_v * t * A`` (plus ``0.333 * c_convec * A / s_sink^2`` on
  sink blocks) and the package nodes' capacitances.

Steady: dense LU solve.  Transient: HotSpot's adaptive RK4 (its only block-model
integrator), :func:`thermal.chip.hotspot.config.rk4_interval`.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from ..floorplan import Floorplan
from .config import C_FACTOR, DELTA, EXTRA, SINK_C_E, SINK_C_N, SINK_C_S, SINK_C_W, SP_E, SP_N, SP_S, SP_W
from .config import HotSpotConfig, HotSpotError, package_rc, rk4_interval

__all__ = ["HotSpotBlock", "BLOCK_LAYER_PREFIXES"]

#: ``.steady`` name prefixes of the four block-model layers.
BLOCK_LAYER_PREFIXES = ("", "iface_", "hsp_", "hsink_")


def _eq(a, b):
    return abs(a - b) < DELTA


def _adjacency(fp: Floorplan):
    """(n, n) shared edge lengths and flags: horizontally adjacent (shared vertical edge), vertically."""
    n = len(fp.blocks)
    horiz = np.zeros((n, n), bool)
    vert = np.zeros((n, n), bool)
    length = np.zeros((n, n))
    for i, a in enumerate(fp.blocks):
        x1, x2, y1, y2 = a.left_m, a.right_m, a.bottom_m, a.top_m
        for j, b in enumerate(fp.blocks):
            if i == j:
                continue
            x3, x4, y3, y4 = b.left_m, b.right_m, b.bottom_m, b.top_m
            # corner contact only: not adjacent
            if ((_eq(x2, x3) and _eq(y2, y3)) or (_eq(x1, x4) and _eq(y1, y4)) or (_eq(x2, x3) and _eq(y1, y4))
                    or (_eq(x1, x4) and _eq(y2, y3))):
                continue
            if (_eq(x1, x4) or _eq(x2, x3)) and ((y1 <= y3 <= y2) or (y1 <= y4 <= y2) or (y3 <= y1 <= y4)
                                                 or (y3 <= y2 <= y4)):
                horiz[i, j] = True
                length[i, j] = min(y2, y4) - max(y1, y3)
            if (_eq(y1, y4) or _eq(y2, y3)) and ((x1 <= x3 <= x2) or (x1 <= x4 <= x2) or (x3 <= x1 <= x4)
                                                 or (x3 <= x2 <= x4)):
                vert[i, j] = True
                length[i, j] = min(x2, x4) - max(x1, x3)
    return horiz, vert, length


class HotSpotBlock:
    """HotSpot 7's block model of the default chip/interface/spreader/sink stack.

    Parameters
    ----------
    config : :class:`thermal.chip.hotspot.config.HotSpotConfig`.
    floorplan : the die floorplan (translated so its lower-left corner is the origin).

    Attributes
    ----------
    B : (4 n + 12, 4 n + 12) conductance matrix [W/K] (symmetric positive definite).
    capacitance : (4 n + 12,) node capacitances [J/K].
    g_amb : (4 n + 12,) conductances to ambient [W/K].
    """

    n_layers = 4

    def __init__(self, config: HotSpotConfig, floorplan: Floorplan):
        cfg = self.config = config
        x0, y0, x1, y1 = floorplan.bounding_box_m
        fp = floorplan.shifted(-x0, -y0) if (x0 or y0) else floorplan
        self.floorplan = fp
        w_chip, l_chip = x1 - x0, y1 - y0
        if max(w_chip, l_chip) > min(cfg.s_sink, cfg.s_spreader):
            raise HotSpotError(f"the die ({w_chip:g} x {l_chip:g} m) is larger than the spreader "
                               f"({cfg.s_spreader:g} m) or sink ({cfg.s_sink:g} m)")
        n = self.n_blocks = len(fp.blocks)
        m = self.n_nodes = 4 * n + EXTRA
        w = np.array([b.width_m for b in fp.blocks])
        h = np.array([b.height_m for b in fp.blocks])
        area = w * h
        layers = ((cfg.k_chip, cfg.t_chip, cfg.p_chip), (cfg.k_interface, cfg.t_interface, cfg.p_interface),
                  (cfg.k_spreader, cfg.t_spreader, cfg.p_spreader), (cfg.k_sink, cfg.t_sink, cfg.p_sink))
        # half-block lateral conductances per layer: k (h t) / (w / 2) and k (w t) / (h / 2)
        gx = np.array([k * (h * t) / (w / 2.0) for k, t, _ in layers])
        gy = np.array([k * (w * t) / (h / 2.0) for k, t, _ in layers])
        if cfg.block_omit_lateral:
            gx[0] = gy[0] = 0.0
        horiz, vert, length = _adjacency(fp)
        pk = self.pack = package_rc(cfg, w_chip, l_chip)
        north = np.array([_eq(b.top_m, l_chip) for b in fp.blocks])
        south = np.array([_eq(b.bottom_m, 0.0) for b in fp.blocks])
        east = np.array([_eq(b.right_m, w_chip) for b in fp.blocks])
        west = np.array([_eq(b.left_m, 0.0) for b in fp.blocks])
        B = np.zeros((m, m))
        # lateral links in each layer: two half-block conductances in series
        for lay in range(4):
            part = np.where(horiz, (gx[lay] / h)[:, None], np.where(vert, (gy[lay] / w)[:, None], 0.0))
            g = part * length
            both = (g != 0) & (g.T != 0)
            with np.errstate(divide="ignore"):
                b = np.where(both, -1.0 / (1.0 / np.where(both, g, 1.0) + 1.0 / np.where(both, g.T, 1.0)), 0.0)
            s = slice(lay * n, (lay + 1) * n)
            B[s, s] = b
        idx = np.arange(n)
        for lay in range(3):
            k, t, _ = layers[lay]
            g = k * area / t
            B[lay * n + idx, (lay + 1) * n + idx] = -g
            B[(lay + 1) * n + idx, lay * n + idx] = -g
        g_amb = np.zeros(m)
        k_s, t_s = cfg.k_sink, cfg.t_sink
        g_amb[3 * n:4 * n] = 1.0 / (t_s / (k_s * area) + cfg.r_convec * cfg.s_sink ** 2 / area)
        # edge blocks (spreader and sink layers) to the rim nodes
        for lay, r1x, r1y, nodes in ((2, pk.r_sp1_x, pk.r_sp1_y, (SP_N, SP_S, SP_E, SP_W)),
                                     (3, pk.r_hs1_x, pk.r_hs1_y, (SINK_C_N, SINK_C_S, SINK_C_E, SINK_C_W))):
            for flag, node, gl, r1 in ((north, nodes[0], gy[lay], r1y), (south, nodes[1], gy[lay], r1y),
                                       (east, nodes[2], gx[lay], r1x), (west, nodes[3], gx[lay], r1x)):
                gsum = gl[flag].sum()
                g = np.where(flag, gl / (1.0 + r1 * gsum), 0.0)
                B[lay * n + idx, 4 * n + node] = -g
                B[4 * n + node, lay * n + idx] = -g
        links, g_extra = pk.extra_links()
        for a, b_, g in links:
            B[4 * n + a, 4 * n + b_] = B[4 * n + b_, 4 * n + a] = -g
        g_amb[4 * n:] = g_extra
        np.fill_diagonal(B, 0.0)
        # package nodes of zero-area rims have no link: pin them to ambient, report NaN
        self.dead_extra = (np.abs(B[4 * n:]).sum(axis=1) == 0) & (g_extra == 0)
        g_amb[4 * n:] = np.where(self.dead_extra, 1.0, g_amb[4 * n:])
        B[np.diag_indices(m)] = g_amb - B.sum(axis=1)
        self.B, self.g_amb = B, g_amb
        cap = np.empty(m)
        for lay, (_, t, cv) in enumerate(layers):
            cap[lay * n:(lay + 1) * n] = C_FACTOR * cv * t * area
        cap[3 * n:4 * n] += C_FACTOR * cfg.c_convec / cfg.s_sink ** 2 * area
        cap[4 * n:] = np.where(self.dead_extra, 1.0, pk.extra_capacitance())
        self.capacitance = cap
        self._lu = None

    @property
    def names(self) -> list[str]:
        """Node names in HotSpot's ``.steady`` order (4 layers of blocks, then ``inode_*``)."""
        out = [p + b.name for p in BLOCK_LAYER_PREFIXES for b in self.floorplan.blocks]
        return out + [f"inode_{i}" for i in range(EXTRA)]

    def power_vector(self, block_power_w) -> np.ndarray:
        """Node heat input [W]: silicon block powers plus the ambient injection."""
        p = self.g_amb * self.config.ambient
        p[:self.n_blocks] += np.asarray(block_power_w, float)
        return p

    def steady_nodes(self, block_power_w) -> np.ndarray:
        """Steady temperatures [K] of all nodes."""
        if self._lu is None:
            self._lu = sla.lu_factor(self.B)
        return sla.lu_solve(self._lu, self.power_vector(block_power_w))

    def step_rk4(self, t_nodes, block_power_w, dt_s: float) -> np.ndarray:
        """Advance one sampling interval with HotSpot's adaptive RK4."""
        p = self.power_vector(block_power_w)
        B, inv_c = self.B, 1.0 / self.capacitance
        y, _ = rk4_interval(lambda y: (p - B @ y) * inv_c, t_nodes, dt_s)
        return y

    def step_be(self, t_nodes, block_power_w, dt_s: float) -> np.ndarray:
        """One backward-Euler step over ``dt_s`` (not a HotSpot option for the block model)."""
        c = self.capacitance / dt_s
        return np.linalg.solve(self.B + np.diag(c), c * t_nodes + self.power_vector(block_power_w))
