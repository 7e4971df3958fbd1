"""The converged answer for a HotSpot stack: sunsink's cell-centred model refined to a tolerance.

``sunsink hotspot -scheme converged`` solves the stack of a HotSpot case (chip
layers of the default stack or of an ``.lcf`` file, then spreader and sink, the
convection resistance ``r_convec`` over the sink base) with
:class:`thermal.chip.ChipModel`, which differs from HotSpot's grid model in three
ways (see :mod:`thermal.chip.hotspot.grid`):

* the spreader and sink are meshed in full on one lateral grid over the sink
  square (HotSpot meshes only the die footprint and lumps the rest into 12 nodes);
* every layer has cell-centred sub-layers, refined through the thickness
  (HotSpot has one node per layer, at its top, and a layer-thick resistance below);
* lateral cells are refined until the answer stops changing.

The refinement doubles the sub-layers of every layer until the block and package
temperatures change by less than ``tol / 2`` between successive levels, then
doubles the lateral cells (at that thickness resolution) until they change by less
than ``tol / 2``; the answer is the finest level and the last changes are reported
as its error estimate (for a second-order scheme the remaining error is about a
third of the last change).  A level whose linear solve does not converge, or a
refinement that does not meet the tolerance by the size limits, is reported as not
converged (never silently returned as converged).

Quantities are HotSpot's, evaluated on the converged field:

* the temperature of a layer is that of its **top face** (HotSpot's nodes sit at
  the top of each layer): the stack's top face by :meth:`ChipModel.top_surface_k`
  (heat dissipated at the face), internal faces from the two adjacent cells and the
  flux between them;
* block temperatures per ``grid_map_mode``: ``avg`` -> area-weighted mean over the
  block (the continuum meaning of HotSpot's cell average), ``min``/``max`` over the
  cells the block overlaps, ``center`` -> bilinear value at the block centre; the
  spreader's and sink's blocks are those of the last chip layer, on their top faces
  under the die, as in HotSpot;
* ``inode_0..11``: area means of the spreader top face over its four rim
  trapezoids (W, E, N, S; split by the diagonals from die to spreader corners), of
  the sink top face under those trapezoids, and of the sink top face over the
  four outer trapezoids (split by the diagonals from spreader to sink corners).

References
----------
.. [1] W. Huang et al., "HotSpot: a compact thermal modeling methodology for
   early-stage VLSI design", IEEE Trans. VLSI Systems 14(5), 501-513 (2006).
.. [2] P. J. Roache, *Verification and Validation in Computational Science and
   Engineering*, Hermosa (1998), ch. 5 (grid refinement, error from successive levels).
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..package import ChipModel, LayerSpec
from ..floorplan import Floorplan, overlap_weights
from .config import EXTRA, HotSpotConfig, HotSpotError

__all__ = ["ConvergedSteady", "converged_steady", "converged_level"]


@dataclasses.dataclass
class ConvergedSteady:
    """Converged steady state of a HotSpot stack.

    Attributes
    ----------
    entries : HotSpot ``.steady`` values [K] (blocks of every layer, then ``inode_0..11``).
    grid_k : (n_layers, rows, cols) top-face temperatures [K] sampled at the centres
        of HotSpot's grid cells over the die (row 0 at the top edge).
    cells : lateral cells across the sink side at the finest level.
    n_sublayers : sub-layers per layer at the finest level.
    z_change_k : estimated thickness error [K] (see :func:`converged_steady`).
    x_change_k : estimated lateral error [K] (Richardson, observed order).
    converged : ``z_change_k < tol / 2``, ``x_change_k < tol - z_change_k`` and every
        linear solve converged.
    history : ``[(cells, n_sublayers, max |change| [K] or nan[, note]), ...]`` of all levels.
    levels : ``[(cells, n_sublayers, entries), ...]`` of all levels solved.
    """

    entries: np.ndarray
    grid_k: np.ndarray
    cells: int
    n_sublayers: tuple
    z_change_k: float
    x_change_k: float
    converged: bool
    history: list
    levels: list = dataclasses.field(default_factory=list)


def _stack(cfg: HotSpotConfig, chip_layers, n_sub):
    """LayerSpecs of the stack (die centred on the sink square), the die origin and the power layers."""
    fp0 = chip_layers[0].floorplan
    x0, y0, x1, y1 = fp0.bounding_box_m
    w, h = x1 - x0, y1 - y0
    s_hs, s_sp = cfg.s_sink, cfg.s_spreader
    c = s_hs / 2
    die = (c - w / 2, c - h / 2, c + w / 2, c + h / 2)
    ox, oy = die[0], die[1]
    layers = []
    for L, ns in zip(chip_layers, n_sub):
        regions = [(die, 1.0)]
        for b in L.floorplan.blocks:       # blocks with their own resistivity (7-column floorplans)
            if b.resistivity_m_k_w is not None and cfg.detailed_3D:
                kb = 1.0 / b.resistivity_m_k_w
                regions.append(((ox + b.left_m, oy + b.bottom_m, ox + b.right_m, oy + b.top_m),
                                kb / L.conductivity_w_m_k))
        kl = None if L.lateral else 1e-9 * L.conductivity_w_m_k
        layers.append(LayerSpec(L.prefix or "die", L.thickness_m, L.conductivity_w_m_k, L.heat_capacity_j_m3_k,
                                tuple(regions), lateral_conductivity_w_m_k=kl, n_sublayers=int(ns)))
    spr = (c - s_sp / 2, c - s_sp / 2, c + s_sp / 2, c + s_sp / 2)
    layers.append(LayerSpec("spreader", cfg.t_spreader, cfg.k_spreader, cfg.p_spreader, spr,
                            n_sublayers=int(n_sub[-2])))
    layers.append(LayerSpec("sink", cfg.t_sink, cfg.k_sink, cfg.p_sink, (0.0, 0.0, s_hs, s_hs),
                            n_sublayers=int(n_sub[-1])))
    return layers, (ox, oy), die


def _rim_masks(xc, yc, die, spr, sink):
    """Boolean (ny, nx) masks of the 12 package regions, in HotSpot's node order."""
    X, Y = np.meshgrid(xc, yc)

    def sides(inner, outer):
        ix0, iy0, ix1, iy1 = inner
        ox0, oy0, ox1, oy1 = outer
        inside_outer = (X > ox0) & (X < ox1) & (Y > oy0) & (Y < oy1)
        inside_inner = (X > ix0) & (X < ix1) & (Y > iy0) & (Y < iy1)
        ring = inside_outer & ~inside_inner
        with np.errstate(divide="ignore", invalid="ignore"):
            fw = (ix0 - X) / (ix0 - ox0)
            fe = (X - ix1) / (ox1 - ix1)
            fs = (iy0 - Y) / (iy0 - oy0)
            fn = (Y - iy1) / (oy1 - iy1)
        f = np.nan_to_num(np.stack([fw, fe, fn, fs]), nan=-np.inf, posinf=-np.inf, neginf=-np.inf)
        best = np.argmax(f, axis=0)
        return [ring & (best == k) for k in range(4)]       # W, E, N, S

    rim = sides(die, spr)
    outer = sides(spr, sink)
    return rim, outer


def converged_level(cfg: HotSpotConfig, chip_layers, block_power_w: dict, cells: int, n_sub, mode: str,
                    rows: int, cols: int, solver: str = "pcg"):
    """One refinement level: (entries, grid_k (n_layers, rows, cols), solver converged flag).

    ``chip_layers``: :class:`thermal.chip.hotspot.grid.GridLayer` list (the chip part of
    the stack); ``block_power_w``: ``{chip layer index: (n_blocks,) powers [W]}``;
    ``solver``: ``"pcg"`` (:meth:`ChipModel.steady`) or ``"direct"`` (SuperLU on
    :meth:`ChipModel.assemble_sparse`, no compilation: used for the small levels).
    """
    import jax.numpy as jnp

    layers, (ox, oy), die = _stack(cfg, chip_layers, n_sub)
    power_layers = sorted(block_power_w)
    if not power_layers:
        raise HotSpotError("no layer dissipates power")
    pl = power_layers[0]
    s_hs = cfg.s_sink
    m = ChipModel(layers, chip_layers[pl].floorplan, cells, cells, power_layer=pl, die_origin_m=(ox, oy),
                  domain_m=(s_hs, s_hs))
    p = m.default_params(bottom_htc_w_m2_k=1.0 / (cfg.r_convec * s_hs * s_hs), coolant_temperature_k=cfg.ambient)
    first_sub = [int(np.argmax(m.sub_layer == n)) for n in range(len(layers))]
    heat = np.zeros((m.nz, m.ny, m.nx))
    for n in power_layers[1:]:
        fp = chip_layers[n].floorplan.shifted(ox, oy)
        w = overlap_weights(fp, (0.0, 0.0), (m.dx_m, m.dy_m), (m.ny, m.nx), m.layer_mask[n])
        heat[first_sub[n]] += np.tensordot(np.asarray(block_power_w[n], float), w, axes=1)
    pw0 = np.asarray(block_power_w[pl], float)
    source = heat.copy()
    source[m.junction_index] += np.tensordot(pw0, m.block_weights, axes=1)
    if solver == "direct":
        import scipy.sparse.linalg as spla

        A, gb, gt = m.assemble_sparse(p)
        b = m.sparse_rhs(p, pw0, gb, gt) + (heat * m.mask).ravel()
        t = spla.splu(A.tocsc(), permc_spec="MMD_AT_PLUS_A").solve(b).reshape(m.nz, m.ny, m.nx)
        res = float(np.linalg.norm(A @ t.ravel() - b) / np.linalg.norm(b))
        ok = res < 1e-9
        surface = np.asarray(m.top_surface_k(p, jnp.asarray(t), jnp.asarray(source[0])))
    else:
        sol = m.steady(p, jnp.asarray(pw0), jnp.asarray(heat))
        ok = bool(sol.converged)
        t = np.asarray(sol.temperature_k)
        surface = np.asarray(sol.surface_k)
    # top-face field of every layer: the stack's top by top_surface_k, internal faces from the
    # cell below and the flux it receives (from the cell above and its own heat, taken at the face)
    g = {k: np.asarray(v) for k, v in m.conductances(p).items()}
    area = m.dx_m * m.dy_m
    dz = np.asarray(g["dz"])
    kz = np.asarray(p.conductivity_w_m_k)[m.sub_layer][:, None, None] * m.kscale
    faces = [surface]
    for n in range(1, len(layers)):
        k = first_sub[n]
        q_above = g["gz"][k - 1] * (t[k - 1] - t[k]) / area
        with np.errstate(divide="ignore", invalid="ignore"):
            f = t[k] + (source[k] / area + q_above) * dz[k] / (2 * kz[k])
        faces.append(np.where(m.mask[k], f, t[k]))
    xc = (np.arange(m.nx) + 0.5) * m.dx_m
    yc = (np.arange(m.ny) + 0.5) * m.dy_m
    entries = []
    nl = len(layers)
    last_fp = chip_layers[-1].floorplan
    for n in range(nl):
        fp = (chip_layers[n].floorplan if n < len(chip_layers) else last_fp).shifted(ox, oy)
        entries.append(_blocks(faces[n], fp, m, xc, yc, mode))
    spr = (s_hs / 2 - cfg.s_spreader / 2,) * 2 + (s_hs / 2 + cfg.s_spreader / 2,) * 2
    rim, outer = _rim_masks(xc, yc, die, spr, (0.0, 0.0, s_hs, s_hs))
    order = [(nl - 2, r) for r in rim] + [(nl - 1, r) for r in rim] + [(nl - 1, r) for r in outer]
    inodes = np.array([faces[n][mk].mean() if mk.any() else math.nan for n, mk in order])
    assert len(inodes) == EXTRA
    entries.append(inodes)
    # HotSpot's grid cells over the die, row 0 at the top
    from scipy.interpolate import RegularGridInterpolator

    w_die, h_die = die[2] - die[0], die[3] - die[1]
    gx = die[0] + (np.arange(cols) + 0.5) * w_die / cols
    gy = die[3] - (np.arange(rows) + 0.5) * h_die / rows
    GY, GX = np.meshgrid(gy, gx, indexing="ij")
    grid = np.stack([RegularGridInterpolator((yc, xc), f)((GY, GX)) for f in faces])
    return np.concatenate(entries), grid, ok


def _blocks(face, fp: Floorplan, m: ChipModel, xc, yc, mode):
    w = overlap_weights(fp, (0.0, 0.0), (m.dx_m, m.dy_m), (m.ny, m.nx))
    if mode == "avg":
        return np.tensordot(w, face, axes=2)
    if mode in ("min", "max"):
        cells = w > 1e-9 * w.max(axis=(1, 2), keepdims=True)
        red = np.min if mode == "min" else np.max
        return np.array([red(face[c]) for c in cells])
    from scipy.interpolate import RegularGridInterpolator

    f = RegularGridInterpolator((yc, xc), face, bounds_error=False, fill_value=None)
    return np.array([f((b.bottom_m + b.height_m / 2, b.left_m + b.width_m / 2)) for b in fp.blocks])


def converged_steady(cfg: HotSpotConfig, chip_layers, block_power_w: dict, tol_k: float = 0.1,
                     mode: str | None = None, rows: int | None = None, cols: int | None = None,
                     min_die_cells: int = 16, max_cells: int = 512, max_sublayers: int = 64,
                     progress=None, check=None) -> ConvergedSteady:
    """Refine :func:`converged_level` through the thickness, then laterally, to ``tol_k``.

    Thickness: at the first lateral level (``min_die_cells`` across the die), each
    layer's sub-layers are doubled on trial; the layers whose doubling changes the
    checked entries by more than ``tol_k / (4 n_layers)`` are then doubled together
    until the thickness error estimate ``z_change_k`` -- Richardson's ``change / (2^p -
    1)`` for those layers, with the observed order ``p`` clipped to [1, 2], plus the
    other layers' trial changes -- is below ``tol_k / 8`` (thickness refinement is
    cheap at the coarse lateral level; the rest of the budget goes to the lateral
    error).  Lateral: the cells are doubled; the error of a level is estimated the same
    way from the last three levels (p = 1 with two), and refinement stops when it is
    below ``tol_k - z_change_k``, or when the Richardson extrapolants of the last two
    level pairs agree to that bound (the extrapolant is then returned, its error
    estimated by that agreement, and ``history`` says so).

    Parameters
    ----------
    cfg : the case's :class:`thermal.chip.hotspot.config.HotSpotConfig` (package, ambient, map mode).
    chip_layers : chip layers (:class:`thermal.chip.hotspot.grid.GridLayer`), top first.
    block_power_w : ``{chip layer index: (n_blocks,) powers [W]}``.
    tol_k : target error of the reported temperatures [K].
    mode : block mapping (default ``cfg.grid_map_mode``).
    rows, cols : HotSpot grid on which ``grid_k`` is sampled (default the config's).
    min_die_cells : lateral cells across the die's shorter side at the first level.
    max_cells, max_sublayers : refinement limits (not converged if reached).
    progress : optional callable ``(cells, n_sublayers, change_k)`` called per level.
    check : optional boolean mask over ``entries``: the temperatures the tolerance
        applies to (default all; ``sunsink hotspot`` passes the dissipating layers'
        blocks).  Changes of the others are still recorded in ``levels``.
    """
    mode = cfg.grid_map_mode if mode is None else mode
    levels = []
    rows = cfg.grid_rows if rows is None else rows
    cols = cfg.grid_cols if cols is None else cols
    x0, y0, x1, y1 = chip_layers[0].floorplan.bounding_box_m
    cells = int(8 * math.ceil(min_die_cells * cfg.s_sink / min(x1 - x0, y1 - y0) / 8))
    n_layers = len(chip_layers) + 2
    ns = [1] * n_layers
    history = []
    ok_all = True

    def level(c, n, solver):
        nonlocal ok_all
        e, g, ok = converged_level(cfg, chip_layers, block_power_w, c, tuple(n), mode, rows, cols, solver)
        ok_all &= ok
        levels.append((c, tuple(n), e))
        return e, g

    def dmax(a, b):
        d = np.abs(a - b)
        return float(np.nanmax(d if check is None else d[np.asarray(check)]))

    def note(c, n, ch, what=""):
        history.append((c, tuple(n), ch) + ((what,) if what else ()))
        if progress:
            progress(c, tuple(n), ch)

    def solver(c, n):
        return "direct" if c * c * sum(n) <= 30_000 else "pcg"

    base, _ = level(cells, ns, solver(cells, ns))
    note(cells, ns, math.nan)
    # first round: each layer doubled on its own, to find the layers the answer is sensitive to
    trials = []
    for i in range(n_layers):
        n2 = list(ns)
        n2[i] *= 2
        e, _ = level(cells, n2, solver(cells, n2))
        trials.append(dmax(e, base))
        note(cells, n2, trials[-1], f"trial: layer {i} doubled")
    grow = [i for i, c in enumerate(trials) if c > tol_k / (4 * n_layers)]
    rest = sum(c for i, c in enumerate(trials) if i not in grow)
    z_change = float(sum(trials))
    # then: double the sensitive layers together until that changes the answer by < tol/2 - rest
    zc = [max(trials[i] for i in grow)] if grow else []
    while grow and z_change >= tol_k / 8:
        n2 = [n * 2 if i in grow else n for i, n in enumerate(ns)]
        if max(n2) > max_sublayers:
            break
        e, _ = level(cells, n2, solver(cells, n2))
        zc.append(dmax(e, base))
        p = min(2.0, max(1.0, math.log2(zc[-2] / zc[-1]))) if zc[-1] > 0 and zc[-2] > 0 else 1.0
        z_change = zc[-1] / (2 ** p - 1) + rest
        note(cells, n2, zc[-1], f"sensitive layers doubled; observed order {p:.2f}, error estimate "
                                f"{z_change:.3g} K")
        ns, base = n2, e
    prev, grid = level(cells, ns, "pcg")
    budget = tol_k - min(z_change, tol_k / 2)     # (z_change < tol / 8 unless max_sublayers stopped it)
    x_change, x_err, changes, levels = math.inf, math.inf, [], [prev]
    result = prev
    ext_prev = None
    while cells * 2 <= max_cells:
        cells *= 2
        cur, grid = level(cells, ns, "pcg")
        x_change = dmax(cur, prev)
        changes.append(x_change)
        p = 1.0
        if len(changes) >= 2 and changes[-1] > 0 and changes[-2] > 0:
            p = min(2.0, max(1.0, math.log2(changes[-2] / changes[-1])))
        x_err = x_change / (2 ** p - 1)
        ext = cur + (cur - prev) / (2 ** p - 1)
        note(cells, ns, x_change, f"observed order {p:.2f}, error estimate {x_err:.3g} K")
        result = cur
        if x_err < budget:
            break
        if ext_prev is not None:
            e_ext = dmax(ext, ext_prev)
            note(cells, ns, x_change, f"Richardson extrapolants of the last two level pairs differ by {e_ext:.3g} K")
            if e_ext < budget:
                result, x_err = ext, e_ext
                note(cells, ns, x_change, f"Richardson extrapolant returned, error estimate {e_ext:.3g} K")
                break
        ext_prev = ext
        prev = cur
    converged = ok_all and z_change < tol_k / 2 and x_err < budget
    return ConvergedSteady(entries=result, grid_k=grid, cells=cells, n_sublayers=tuple(ns), z_change_k=z_change,
                           x_change_k=x_err, converged=converged, history=history, levels=levels)
