"""HotSpot 7 compatibility layer: configuration, package periphery RCs and the adaptive RK4.

Shared by the grid replica (:mod:`thermal.chip.hotspot.grid`) and the block replica
(:mod:`thermal.chip.hotspot.block`).  Everything here re-states the model HotSpot 7
documents and implements (Huang et al. 2006; HotSpot 7.0 sources, University of
Virginia, https://github.com/uvahotspot/HotSpot, commit f18831e); it is written
from that description, no HotSpot code is copied.

* :class:`HotSpotConfig`: the thermal-model parameters with HotSpot 7's built-in
  defaults, filled from ``-name value`` pairs (command line first, then the
  ``-c`` config file) exactly as HotSpot does: names are case-insensitive, a
  ``material_<part>`` entry overrides ``k_<part>``/``p_<part>`` from the
  materials file, unknown names are ignored.
* :func:`package_rc`: the 12 lumped package nodes around the die footprint --
  4 spreader-rim nodes (W, E, N, S), 4 sink nodes under the spreader rim and 4
  outer sink nodes -- with their resistances and capacitances.  Each rim is a
  trapezoid of the square spreader (sink) outside the die rectangle; lateral
  resistances run a quarter of the rim width through the mean trapezoid width,
  vertical ones through the rim area; the convection resistance ``r_convec`` and
  capacitance ``c_convec`` are shared out in proportion to area.
* every capacitance carries HotSpot's lumped-vs-distributed correction factor
  :data:`C_FACTOR` = 0.333 (``c_convec`` included), fitted by HotSpot's authors to
  match a distributed (finite-element) response.
* :func:`rk4_interval`: HotSpot's fixed-precision adaptive 4th-order Runge-Kutta
  march over one sampling interval (the transient solver of the default build:
  0.01 K step-doubling error control, first step 0.1 us, growth <= 5x, cut <= 10x).

Node indices of the 12 package nodes (HotSpot's ``inode_0`` .. ``inode_11``):
``SP_W, SP_E, SP_N, SP_S = 0..3``, ``SINK_C_W, SINK_C_E, SINK_C_N, SINK_C_S = 4..7``,
``SINK_W, SINK_E, SINK_N, SINK_S = 8..11``.

References
----------
.. [1] W. Huang, S. Ghosh, S. Velusamy, K. Sankaranarayanan, K. Skadron and
   M. R. Stan, "HotSpot: a compact thermal modeling methodology for early-stage
   VLSI design", IEEE Trans. VLSI Systems 14(5), 501-513 (2006).
.. [2] W. H. Press et al., *Numerical Recipes in C*, 2nd ed. (1992), sec. 16.1-16.2
   (RK4 and step doubling, the scheme HotSpot's transient solver follows).
"""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np

__all__ = [
    "C_FACTOR",
    "EXTRA",
    "PACKAGE_NODE_NAMES",
    "HotSpotConfig",
    "HotSpotError",
    "hotspot_config",
    "package_rc",
    "PackageRC",
    "rk4_interval",
    "parse_hotspot_pairs",
]

#: HotSpot's lumped-vs-distributed capacitance factor (applied to every capacitance).
C_FACTOR = 0.333
#: Number of lumped package nodes (spreader rim, sink under the rim, outer sink).
EXTRA = 12
PACKAGE_NODE_NAMES = ("SP_W", "SP_E", "SP_N", "SP_S", "SINK_C_W", "SINK_C_E", "SINK_C_N", "SINK_C_S",
                      "SINK_W", "SINK_E", "SINK_N", "SINK_S")
SP_W, SP_E, SP_N, SP_S, SINK_C_W, SINK_C_E, SINK_C_N, SINK_C_S, SINK_W, SINK_E, SINK_N, SINK_S = range(12)
#: HotSpot's coordinate tolerance [m] / relative grid tolerance (its ``DELTA``).
DELTA = 1.0e-6
#: "Infinite" resistance HotSpot gives lateral links of a layer without lateral heat flow [K/W].
LARGENUM = 1.0e100
NULLFILE = "(null)"


class HotSpotError(ValueError):
    """Bad HotSpot-style input (the CLI prints it on one line and exits with status 2)."""


@dataclasses.dataclass(frozen=True)
class HotSpotConfig:
    """HotSpot 7 thermal-model parameters (SI units; temperatures in K).

    Defaults are HotSpot 7's built-in values (its ``default_thermal_config``), not
    those of any example config file.  Fields named as in HotSpot's config files.
    """

    t_chip: float = 0.15e-3
    k_chip: float = 100.0
    p_chip: float = 1.75e6
    thermal_threshold: float = 81.8 + 273.15
    c_convec: float = 140.4
    r_convec: float = 0.1
    s_sink: float = 60e-3
    t_sink: float = 6.9e-3
    k_sink: float = 400.0
    p_sink: float = 3.55e6
    s_spreader: float = 30e-3
    t_spreader: float = 1e-3
    k_spreader: float = 400.0
    p_spreader: float = 3.55e6
    t_interface: float = 20e-6
    k_interface: float = 4.0
    p_interface: float = 4.0e6
    ambient: float = 45 + 273.15
    init_file: str | None = None
    init_temp: float = 60 + 273.15
    steady_file: str | None = None
    grid_transient_file: str | None = None
    sampling_intvl: float = 3.333e-6
    dtm_used: int = 0
    model_type: str = "block"
    block_omit_lateral: int = 0
    grid_rows: int = 64
    grid_cols: int = 64
    grid_layer_file: str | None = None
    grid_steady_file: str | None = None
    grid_map_mode: str = "center"
    detailed_3D: bool = False
    # features HotSpot has and this replica refuses (kept to give a clear error)
    model_secondary: int = 0
    leakage_used: int = 0
    package_model_used: int = 0
    use_microchannels: int = 0


_FLOAT_KEYS = ("t_chip", "k_chip", "p_chip", "thermal_threshold", "c_convec", "r_convec", "s_sink", "t_sink",
               "k_sink", "p_sink", "s_spreader", "t_spreader", "k_spreader", "p_spreader", "t_interface",
               "k_interface", "p_interface", "ambient", "init_temp", "sampling_intvl")
_INT_KEYS = ("dtm_used", "block_omit_lateral", "grid_rows", "grid_cols", "model_secondary", "leakage_used",
             "package_model_used", "use_microchannels")
_FILE_KEYS = ("init_file", "steady_file", "grid_transient_file", "grid_layer_file", "grid_steady_file")
_STR_KEYS = ("model_type", "grid_map_mode")
_MATERIAL_PARTS = ("chip", "sink", "spreader", "interface")
MAP_MODES = ("avg", "min", "max", "center")


def parse_hotspot_pairs(tokens, where: str = "command line") -> list[tuple[str, str]]:
    """``["-name", "value", ...]`` -> ``[(name, value), ...]`` (HotSpot's ``-name value`` syntax)."""
    tokens = list(tokens)
    if len(tokens) % 2:
        raise HotSpotError(f"{where}: options come in '-name value' pairs; {tokens[-1]!r} has no value")
    out = []
    for name, value in zip(tokens[::2], tokens[1::2]):
        if not name.startswith("-") or len(name) < 2:
            raise HotSpotError(f"{where}: expected an option '-name', got {name!r}")
        out.append((name[1:], value))
    return out


def read_config_pairs(path) -> list[tuple[str, str]]:
    """The ``-name value`` lines of a HotSpot config file (``#`` comments, blank lines skipped)."""
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise HotSpotError(f"cannot read config file {path}: {exc.strerror}") from None
    out = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        parts = raw.split()
        if not parts or parts[0].startswith("#"):
            continue
        if len(parts) < 2 or not parts[0].startswith("-"):
            raise HotSpotError(f"{path}:{lineno}: expected '-name value', got {raw.strip()!r}")
        out.append((parts[0][1:], parts[1]))
    return out


def _num(name, value, kind):
    try:
        return kind(value)
    except ValueError:
        raise HotSpotError(f"invalid value {value!r} for parameter {name} "
                           f"(expected {'an integer' if kind is int else 'a number'})") from None


def hotspot_config(pairs, materials: dict | None = None) -> HotSpotConfig:
    """Build a :class:`HotSpotConfig` from ``(name, value)`` pairs (first occurrence wins).

    Parameters
    ----------
    pairs : command-line pairs followed by config-file pairs, so that the command
        line overrides the file (HotSpot keeps the first of duplicate names,
        compared case-insensitively).
    materials : dict from :func:`thermal.chip.floorplan.read_materials`; ``material_chip``,
        ``material_sink``, ``material_spreader``, ``material_interface`` take their
        conductivity and volumetric heat capacity from it (overriding ``k_*``/``p_*``).

    Raises
    ------
    HotSpotError
        A malformed number, an invalid model type or mapping mode, non-positive
        dimensions, an unknown material, or a HotSpot feature this replica does not
        model (secondary heat path, leakage loop, detailed package model, microchannels).
    """
    table: dict[str, str] = {}
    for name, value in pairs:
        table.setdefault(name.lower(), value)
    kw: dict = {}
    for key in _FLOAT_KEYS:
        if key in table:
            kw[key] = _num(key, table[key], float)
    for key in _INT_KEYS:
        if key in table:
            kw[key] = _num(key, table[key], int)
    for key in _FILE_KEYS:
        if key in table:
            kw[key] = None if table[key] == NULLFILE else table[key]
    for key in _STR_KEYS:
        if key in table:
            kw[key] = table[key].lower()
    if "detailed_3d" in table:
        kw["detailed_3D"] = table["detailed_3d"].lower() == "on"
    materials = materials or {}
    for part in _MATERIAL_PARTS:
        name = table.get(f"material_{part}")
        if name is None:
            continue
        if name not in materials:
            raise HotSpotError(f"material {name!r} of material_{part} not found in the materials file"
                               + ("" if materials else " (no -materials_file given)"))
        kw[f"k_{part}"] = float(materials[name]["conductivity_w_m_k"])
        kw[f"p_{part}"] = float(materials[name]["heat_capacity_j_m3_k"])
    cfg = HotSpotConfig(**kw)
    _validate(cfg)
    return cfg


def _validate(cfg: HotSpotConfig) -> None:
    for key in ("t_chip", "s_sink", "t_sink", "s_spreader", "t_spreader", "t_interface"):
        if not getattr(cfg, key) > 0:
            raise HotSpotError(f"chip and package dimensions must be > 0, got {key} = {getattr(cfg, key)!r}")
    for key in ("k_chip", "k_sink", "k_spreader", "k_interface", "p_chip", "p_sink", "p_spreader", "p_interface"):
        if not (getattr(cfg, key) > 0 and math.isfinite(getattr(cfg, key))):
            raise HotSpotError(f"{key} = {getattr(cfg, key)!r} must be > 0")
    for key in ("c_convec", "ambient", "thermal_threshold"):
        if not getattr(cfg, key) >= 0:
            raise HotSpotError(f"{key} = {getattr(cfg, key)!r} must be >= 0")
    if not cfg.r_convec > 0:
        raise HotSpotError(f"r_convec = {cfg.r_convec!r} K/W must be > 0 (no path to ambient otherwise)")
    if not cfg.sampling_intvl > 0:
        raise HotSpotError(f"sampling_intvl = {cfg.sampling_intvl!r} s must be > 0")
    if cfg.model_type not in ("block", "grid"):
        raise HotSpotError(f"invalid model type {cfg.model_type!r}; use 'block' or 'grid'")
    if cfg.grid_rows <= 0 or cfg.grid_cols <= 0:
        raise HotSpotError(f"grid rows and columns must be > 0, got {cfg.grid_rows} x {cfg.grid_cols}")
    if cfg.grid_map_mode not in MAP_MODES:
        raise HotSpotError(f"invalid mapping mode {cfg.grid_map_mode!r}; use 'avg', 'min', 'max' or 'center'")
    if cfg.s_spreader > cfg.s_sink:
        raise HotSpotError(f"s_spreader = {cfg.s_spreader!r} m is larger than s_sink = {cfg.s_sink!r} m")
    unsupported = {"model_secondary": "the secondary heat path (C4/substrate/PCB)",
                   "leakage_used": "the temperature-leakage loop",
                   "package_model_used": "the detailed fan/heat-sink package model",
                   "use_microchannels": "microfluidic cooling"}
    for key, what in unsupported.items():
        if getattr(cfg, key):
            raise HotSpotError(f"-{key} {getattr(cfg, key)}: {what} is not modelled by sunsink hotspot")
    if cfg.detailed_3D and cfg.model_type != "grid":
        raise HotSpotError("-detailed_3D on can only be used with -model_type grid")


@dataclasses.dataclass(frozen=True)
class PackageRC:
    """Lumped package resistances [K/W] and capacitances [J/K] (HotSpot's names, see :func:`package_rc`)."""

    r_sp1_x: float
    r_sp1_y: float
    r_hs1_x: float
    r_hs1_y: float
    r_hs2_x: float
    r_hs2_y: float
    r_hs: float
    r_sp_per_x: float
    r_sp_per_y: float
    r_hs_c_per_x: float
    r_hs_c_per_y: float
    r_hs_per: float
    r_amb_c_per_x: float
    r_amb_c_per_y: float
    r_amb_per: float
    c_sp_per_x: float
    c_sp_per_y: float
    c_hs_c_per_x: float
    c_hs_c_per_y: float
    c_hs_per: float
    c_amb_c_per_x: float
    c_amb_c_per_y: float
    c_amb_per: float

    def extra_capacitance(self) -> np.ndarray:
        """(12,) capacitances of the package nodes [J/K]."""
        c = np.empty(EXTRA)
        c[[SP_W, SP_E]] = self.c_sp_per_x
        c[[SP_N, SP_S]] = self.c_sp_per_y
        c[[SINK_C_W, SINK_C_E]] = self.c_hs_c_per_x + self.c_amb_c_per_x
        c[[SINK_C_N, SINK_C_S]] = self.c_hs_c_per_y + self.c_amb_c_per_y
        c[[SINK_W, SINK_E, SINK_N, SINK_S]] = self.c_hs_per + self.c_amb_per
        return c

    def dead_nodes(self, links, g_amb) -> np.ndarray:
        """(12,) True for package nodes without any link (zero-area rims: die as wide as the
        spreader, or spreader as wide as the sink); the replicas pin them to ambient and report NaN."""
        g = np.array(g_amb, float)
        for a, b, c in links:
            g[a] += c
            g[b] += c
        return g == 0.0

    def extra_links(self):
        """Package-node-to-package-node conductances ``[(a, b, G [W/K]), ...]`` and the (12,)
        conductances of the package nodes to ambient [W/K]."""
        links = []
        for c_node, spr, outer, axis in ((SINK_C_W, SP_W, SINK_W, "x"), (SINK_C_E, SP_E, SINK_E, "x"),
                                         (SINK_C_N, SP_N, SINK_N, "y"), (SINK_C_S, SP_S, SINK_S, "y")):
            r_sp_per = self.r_sp_per_x if axis == "x" else self.r_sp_per_y
            r_hs2 = self.r_hs2_x if axis == "x" else self.r_hs2_y
            links.append((spr, c_node, _inv(r_sp_per)))
            links.append((c_node, outer, _inv(r_hs2 + self.r_hs)))
        g_amb = np.zeros(EXTRA)
        g_amb[[SINK_C_W, SINK_C_E]] = _inv(self.r_hs_c_per_x + self.r_amb_c_per_x)
        g_amb[[SINK_C_N, SINK_C_S]] = _inv(self.r_hs_c_per_y + self.r_amb_c_per_y)
        g_amb[[SINK_W, SINK_E, SINK_N, SINK_S]] = _inv(self.r_hs_per + self.r_amb_per)
        return links, g_amb


def _inv(r: float) -> float:
    """1/r, with 0 for a missing link: 1/inf (a zero-area rim) and 0/0 (a rim of zero width and area)."""
    return 0.0 if (r == math.inf or r == 0.0) else 1.0 / r


def _getr(k, length, area):
    """Resistance ``length / (k area)`` [K/W]; a zero area gives +inf (as C does)."""
    den = k * area
    return math.inf if den == 0 else length / den


def _getcap(cap, thickness, area):
    """Capacitance with HotSpot's lumping factor: ``C_FACTOR * cap * thickness * area`` [J/K]."""
    return C_FACTOR * cap * thickness * area


def package_rc(cfg: HotSpotConfig, width_m: float, height_m: float) -> PackageRC:
    """The 12 package nodes' resistances and capacitances for a die ``width_m x height_m``.

    Spreader (side ``s_spreader``) and sink (side ``s_sink``) are squares centred on
    the die.  ``r_sp1_*``/``r_hs1_*``: lateral resistance from the die edge into the
    spreader/sink rim (a quarter of the rim width, through the mean width
    ``(s + 3 w)/4`` of the rim's inner half); ``r_hs2_*``: the outer half of the
    sink's rim under the spreader; ``r_hs``: from the spreader edge to the outer
    sink nodes; ``r_*_per_*``: through the thickness of the rim trapezoids (area
    ``(s + h)(s - w)/4``); ``r_amb_*``: ``r_convec`` scaled by sink area over rim area.
    Capacitances likewise, all times :data:`C_FACTOR`.
    """
    s_sp, t_sp, s_hs, t_hs = cfg.s_spreader, cfg.t_spreader, cfg.s_sink, cfg.t_sink
    k_sp, k_hs, w, h = cfg.k_spreader, cfg.k_sink, width_m, height_m
    a_x = (s_sp + h) * (s_sp - w) / 4.0        # W/E spreader rim trapezoid area
    a_y = (s_sp + w) * (s_sp - h) / 4.0        # N/S
    a_out = (s_hs * s_hs - s_sp * s_sp) / 4.0  # outer sink rim quarter
    r_cv = cfg.r_convec * (s_hs * s_hs)
    return PackageRC(
        r_sp1_x=_getr(k_sp, (s_sp - w) / 4.0, (s_sp + 3 * h) / 4.0 * t_sp),
        r_sp1_y=_getr(k_sp, (s_sp - h) / 4.0, (s_sp + 3 * w) / 4.0 * t_sp),
        r_hs1_x=_getr(k_hs, (s_sp - w) / 4.0, (s_sp + 3 * h) / 4.0 * t_hs),
        r_hs1_y=_getr(k_hs, (s_sp - h) / 4.0, (s_sp + 3 * w) / 4.0 * t_hs),
        r_hs2_x=_getr(k_hs, (s_sp - w) / 4.0, (3 * s_sp + h) / 4.0 * t_hs),
        r_hs2_y=_getr(k_hs, (s_sp - h) / 4.0, (3 * s_sp + w) / 4.0 * t_hs),
        r_hs=_getr(k_hs, (s_hs - s_sp) / 4.0, (s_hs + 3 * s_sp) / 4.0 * t_hs),
        r_sp_per_x=_getr(k_sp, t_sp, a_x),
        r_sp_per_y=_getr(k_sp, t_sp, a_y),
        r_hs_c_per_x=_getr(k_hs, t_hs, a_x),
        r_hs_c_per_y=_getr(k_hs, t_hs, a_y),
        r_hs_per=_getr(k_hs, t_hs, a_out),
        r_amb_c_per_x=math.inf if a_x == 0 else r_cv / a_x,
        r_amb_c_per_y=math.inf if a_y == 0 else r_cv / a_y,
        r_amb_per=math.inf if a_out == 0 else r_cv / a_out,
        c_sp_per_x=_getcap(cfg.p_spreader, t_sp, a_x),
        c_sp_per_y=_getcap(cfg.p_spreader, t_sp, a_y),
        c_hs_c_per_x=_getcap(cfg.p_sink, t_hs, a_x),
        c_hs_c_per_y=_getcap(cfg.p_sink, t_hs, a_y),
        c_hs_per=_getcap(cfg.p_sink, t_hs, a_out),
        c_amb_c_per_x=C_FACTOR * cfg.c_convec / (s_hs * s_hs) * a_x,
        c_amb_c_per_y=C_FACTOR * cfg.c_convec / (s_hs * s_hs) * a_y,
        c_amb_per=C_FACTOR * cfg.c_convec / (s_hs * s_hs) * a_out,
    )


# ---------------------------------------------------------------------- adaptive RK4
RK4_SAFETY, RK4_MAXUP, RK4_MAXDOWN, RK4_PRECISION = 0.95, 5.0, 10.0, 0.01
MIN_STEP = 1e-7


def _rk4_core(f, y, k1, h):
    k2 = f(y + h / 2.0 * k1)
    k3 = f(y + h / 2.0 * k2)
    k4 = f(y + h * k3)
    return y + h * (k1 + 2 * k2 + 2 * k3 + k4) / 6.0


def _rk4_step(f, y, h):
    """One accepted step of HotSpot's step-doubling RK4; returns ``(y_new, h_used, h_next)``.

    As in HotSpot, a rejected step is retried with the slope at the first
    half-step's end point in place of the slope at ``y`` (its ``k1`` buffer is
    reused), and the accepted value is the single full step, not the two half steps.
    """
    k1 = f(y)
    new_h = h
    while True:
        h = new_h
        ytemp = _rk4_core(f, y, k1, h)
        t1 = _rk4_core(f, y, k1, h / 2.0)
        k1 = f(t1)
        t2 = _rk4_core(f, t1, k1, h / 2.0)
        err = float(np.max(np.abs(ytemp - t2)))
        ratio = math.inf if err == 0.0 else RK4_PRECISION / err
        if err <= RK4_PRECISION:
            new_h = min(RK4_SAFETY * h * ratio ** 0.2, RK4_MAXUP * h)
        else:
            new_h = max(RK4_SAFETY * h * ratio ** 0.25, h / RK4_MAXDOWN)
        if not new_h < h:
            return ytemp, h, new_h


def rk4_interval(slope, y0, interval_s: float):
    """March ``dy/dt = slope(y)`` over ``interval_s`` with HotSpot 7's adaptive RK4.

    Every interval starts again from a 0.1 us step (as HotSpot's ``compute_temp``
    does); the last step is shortened to land on the interval end, and the march
    stops once the remaining step would fall below 1e-13 s.  Returns ``(y, n_steps)``.
    """
    y = np.asarray(y0, float)
    t, new_h, n = 0.0, MIN_STEP, 0
    while t < interval_s and new_h >= MIN_STEP * DELTA:
        h = new_h
        y, h, new_h = _rk4_step(slope, y, h)
        new_h = min(new_h, interval_s - t - h)
        t += h
        n += 1
    return y, n
