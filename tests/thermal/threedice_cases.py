"""Test helper: read 3D-ICE inputs and express its solid stacks as a :class:`thermal.ChipModel`.

3D-ICE (EPFL, GPL-3.0) is used as an external oracle only: nothing of its code is
used here.  This module re-implements, from the documented file formats, the
subset of its inputs that the reference cases in ``tests/data/3dice`` use:

* the stack description (``.stk``): ``material`` blocks, ``top heat sink`` /
  ``bottom heat sink``, ``dimensions``, ``layer`` and ``die`` definitions, the
  ``stack``, the ``solver`` and the ``output`` probes (``T``, ``Tflp``,
  ``Tflpel``, ``Tmap``); microchannel / pin-fin sections are read far enough to
  be recognised and rejected by :func:`chip_model` (ChipModel has no
  inter-tier coolant: see ``tests/data/3dice/README.md``);
* the floorplan (``.flp``): elements made of one ``position``/``dimension``
  rectangle or of several ``rectangle (x, y, length, width)``, and their
  ``power values`` (one per time slot).

3D-ICE's units are micrometres, W/(um K), J/(um^3 K), W/(um^2 K), W, s, K; the
readers return SI.  3D-ICE lists the stack and each die from the top down; its
layer 0 is the bottom one.

Mapping onto ChipModel (one 3D-ICE layer = one ChipModel layer of one sub-layer,
the same lateral cells, so the two finite-volume discretisations are the same
matrix): ChipModel cools its last layer's bottom face (and optionally its
first layer's top face), so the stack is taken top-first when 3D-ICE has a
bottom heat sink and bottom-first when it has only a top one.  3D-ICE's
floorplan power goes to its source layer's cells by overlap area, as
``thermal.chip.floorplan.overlap_weights`` does; an element made of several
rectangles becomes one block per rectangle with the element's power split by
area (what 3D-ICE does).  The first source layer (in ChipModel order) is the
ChipModel power layer; the other ones' heat enters as ``cell_heat_w`` (steady)
or, in backward-Euler transients, through each step's start field (see
:meth:`Mapping.transient_backward_euler`; ``ChipModel.transient`` takes the block
powers of one layer only).

One detail of 3D-ICE's matrix is reproduced on request (``match_3dice=True``, the
default): the outermost layer of a face with no heat sink is coupled to its
neighbour over its *whole* thickness, ``G = k A / dz`` (3D-ICE
``get_conductance_top``/``_bottom`` of the first/last layer), where a
cell-centred scheme (ChipModel) uses half of it, ``2 k A / dz``.  Halving that
layer's through-plane conductivity (its lateral one unchanged) makes ChipModel's
conductance the same; that layer has no other vertical face, so nothing else
changes.  With ``match_3dice=False`` the stack is mapped physically.

References
----------
.. [1] A. Sridhar, A. Vincenzi, M. Ruggiero, T. Brunschwiler and D. Atienza,
   "3D-ICE: fast compact transient thermal modeling for 3D ICs with inter-tier
   liquid cooling", Proc. ICCAD 2010, 463-470.
.. [2] 3D-ICE 4.0 user guide (doc/3D-ICE-User_Guide.pdf of the 3D-ICE repository,
   https://github.com/esl-epfl/3d-ice): stack and floorplan file formats.
"""
from __future__ import annotations

import dataclasses
import functools
import re
from pathlib import Path

import jax.numpy as jnp
import numpy as np

from thermal import Block, ChipModel, Floorplan, LayerSpec, PackageParams, overlap_weights

UM = 1e-6                     # 3D-ICE length unit [m]
_TOKEN = re.compile(r'"[^"]*"|\d+[A-DF-Za-df-z_]\w*|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?'
                    r'|[A-Za-z_][A-Za-z0-9_\-]*|[():,;.]')   # "4rm"/"2rm" are keywords, "1e-07" a number


def _tokens(text: str) -> list[str]:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL)
    text = re.sub(r"//[^\n]*", " ", text)
    toks = _TOKEN.findall(text)
    rest = _TOKEN.sub(" ", text).split()
    if rest:
        raise ValueError(f"unexpected characters {rest[:3]} in 3D-ICE input")
    return toks


class _Reader:
    def __init__(self, toks, where):
        self.t, self.i, self.where = toks, 0, where

    def peek(self, k=0):
        j = self.i + k
        return self.t[j].lower() if j < len(self.t) else None

    def take(self, *expect):
        if self.i >= len(self.t):
            raise ValueError(f"{self.where}: unexpected end of file, expected {' '.join(expect)}")
        tok = self.t[self.i]
        if expect and tok.lower() not in expect:
            raise ValueError(f"{self.where}: expected {' or '.join(expect)!s}, got {tok!r} (token {self.i})")
        self.i += 1
        return tok

    def words(self, *words):
        for w in words:
            self.take(w)

    def number(self) -> float:
        tok = self.take()
        try:
            return float(tok)
        except ValueError:
            raise ValueError(f"{self.where}: expected a number, got {tok!r} (token {self.i - 1})") from None

    def string(self) -> str:
        tok = self.take()
        if not (tok.startswith('"') and tok.endswith('"')):
            raise ValueError(f"{self.where}: expected a quoted path, got {tok!r}")
        return tok[1:-1]

    def done(self):
        return self.i >= len(self.t)


# ---------------------------------------------------------------------- floorplan
@dataclasses.dataclass(frozen=True)
class FlpElement:
    """A 3D-ICE floorplan element: rectangles ``(x0, y0, x1, y1)`` [m], powers [W] per slot."""

    name: str
    rects_m: tuple
    power_w: tuple

    @property
    def area_m2(self) -> float:
        return sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in self.rects_m)


def read_floorplan(path) -> tuple[FlpElement, ...]:
    """Read a 3D-ICE floorplan file (see the module docstring); lengths in m."""
    r = _Reader(_tokens(Path(path).read_text()), str(path))
    out = []
    while not r.done():
        name = r.take()
        r.take(":")
        rects = []
        if r.peek() == "position":
            r.take()
            x, _, y, _ = r.number(), r.take(","), r.number(), r.take(";")
            r.take("dimension")
            ln, _, wd, _ = r.number(), r.take(","), r.number(), r.take(";")
            rects.append((x, y, ln, wd))
        else:
            while r.peek() == "rectangle":
                r.words("rectangle", "(")
                x, _, y, _, ln, _, wd = (r.number(), r.take(","), r.number(), r.take(","), r.number(),
                                         r.take(","), r.number())
                r.words(")", ";")
                rects.append((x, y, ln, wd))
        if r.peek() in ("discretization", "material"):
            raise ValueError(f"{path}: element {name!r} uses {r.peek()!r} (non-uniform grid or "
                             f"heterogeneous material), not supported by this reader")
        if not rects:
            raise ValueError(f"{path}: element {name!r} has no position/dimension or rectangle")
        powers = []
        if r.peek() == "power":
            r.words("power", "values")
            powers.append(r.number())
            while r.peek() == ",":
                r.take(",")
                powers.append(r.number())
            r.take(";")
        out.append(FlpElement(name, tuple((x * UM, y * UM, (x + ln) * UM, (y + wd) * UM)
                                          for x, y, ln, wd in rects), tuple(powers)))
    names = [e.name for e in out]
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: duplicated element names {names}")
    return tuple(out)


# ---------------------------------------------------------------------- stack
@dataclasses.dataclass(frozen=True)
class StkLayer:
    """One 3D-ICE layer (one cell thick): ``name`` = ``die.index`` or the stack element's id."""

    name: str
    thickness_m: float
    material: str
    source: bool = False
    die: str | None = None


@dataclasses.dataclass(frozen=True)
class Probe:
    """A 3D-ICE ``output`` line: kind (``T``, ``Tflp``, ``Tflpel``, ``Tmap``, ...), its arguments, when."""

    kind: str
    element: str
    args: tuple
    path: str
    when: str


@dataclasses.dataclass(frozen=True)
class Stack:
    """A 3D-ICE stack description, in SI units.

    ``layers`` run from the top of the stack down (3D-ICE's own listing order);
    ``floorplans`` maps each die instance to its floorplan elements;
    ``materials`` maps a name to ``(conductivity_w_m_k, heat_capacity_j_m3_k)``;
    ``top_sink`` / ``bottom_sink`` are ``(htc_w_m2_k, temperature_k)`` or ``None``;
    ``channel`` is the microchannel / pin-fin section's name (``None`` for a solid stack);
    ``step_s`` / ``slot_s`` are ``None`` for a steady analysis.
    """

    path: Path
    materials: dict
    top_sink: tuple | None
    bottom_sink: tuple | None
    channel: str | None
    chip_m: tuple
    cell_m: tuple
    layers: tuple
    floorplans: dict
    step_s: float | None
    slot_s: float | None
    initial_temperature_k: float
    probes: tuple

    @property
    def shape(self) -> tuple[int, int]:
        """``(ny, nx)``: 3D-ICE's rows (along y, "width") and columns (along x, "length")."""
        return self.grid_rows, self.grid_columns

    @property
    def grid_rows(self) -> int:
        return _cells(self.chip_m[1], self.cell_m[1], "width")

    @property
    def grid_columns(self) -> int:
        return _cells(self.chip_m[0], self.cell_m[0], "length")

    def source_index(self, die: str) -> int:
        """Index in ``layers`` of the source layer of die instance ``die``."""
        for i, L in enumerate(self.layers):
            if L.die == die and L.source:
                return i
        raise ValueError(f"{self.path}: no die instance {die!r}; dies: {list(self.floorplans)}")


def _cells(length, cell, what):
    n = length / cell
    if abs(n - round(n)) > 1e-9 * n:
        raise ValueError(f"chip {what} {length / UM:g} um is not a whole number of {cell / UM:g} um cells")
    return int(round(n))


def _sink(r):
    r.take(":")
    r.words("heat", "transfer", "coefficient")
    h = r.number()
    r.take(";")
    r.take("temperature")
    t = r.number()
    r.take(";")
    return h / UM ** 2, t


def _layer_content(r, materials):
    if r.peek(1) == ";":                    # "layer ID ;" refers to a layer of the layer section
        name = r.take()
        r.take(";")
        return name
    h = r.number()
    mat = r.take()
    r.take(";")
    if mat not in materials:
        raise ValueError(f"{r.where}: unknown material {mat!r}")
    return h * UM, mat


def _when(r):
    if r.peek() == ",":
        r.take(",")
        return r.take("step", "slot", "final").lower()
    return "final"


def read_stack(path, root=None) -> Stack:
    """Read a 3D-ICE stack file (see the module docstring).

    Floorplan paths are relative to ``root`` (default: the current directory), the
    directory 3D-ICE was run from; output paths are kept as written (relative to it too).
    """
    path = Path(path)
    root = Path.cwd() if root is None else Path(root)
    r = _Reader(_tokens(path.read_text()), str(path))
    materials, top, bottom, channel = {}, None, None, None
    layer_defs, die_defs, stack_elems, probes = {}, {}, [], []
    chip = cell = None
    step = slot = None
    t0 = None
    while not r.done():
        key = r.peek()
        if key == "material":
            r.take()
            name = r.take()
            r.take(":")
            r.words("thermal", "conductivity")
            k = r.number()
            r.take(";")
            r.words("volumetric", "heat", "capacity")
            c = r.number()
            r.take(";")
            materials[name] = (k / UM, c / UM ** 3)
        elif key == "top" and r.peek(1) == "heat":
            r.words("top", "heat", "sink")
            top = _sink(r)
        elif key == "top" and r.peek(1) == "pluggable":
            raise ValueError(f"{path}: pluggable heat sinks are not supported")
        elif key == "bottom":
            r.words("bottom", "heat", "sink")
            bottom = _sink(r)
        elif key in ("microchannel", "pinfin"):
            channel = r.take().lower() + ("" if key == "pinfin" else " " + r.take().lower())
            r.take(":")
            while r.peek() not in ("dimensions", "layer", "die"):   # read past its parameters
                r.take()
        elif key == "dimensions":
            r.words("dimensions", ":")
            r.words("chip", "length")
            lx, _, _, ly, _ = r.number(), r.take(","), r.take("width"), r.number(), r.take(";")
            r.words("cell", "length")
            cx, _, _, cy, _ = r.number(), r.take(","), r.take("width"), r.number(), r.take(";")
            if r.peek() == "non-uniform":
                raise ValueError(f"{path}: non-uniform grids are not supported")
            chip, cell = (lx * UM, ly * UM), (cx * UM, cy * UM)
        elif key == "layer":
            r.take()
            name = r.take()
            r.take(":")
            r.take("height")
            h = r.number()
            r.take(";")
            r.take("material")
            mat = r.take()
            r.take(";")
            if r.peek() == "layout":
                raise ValueError(f"{path}: layer {name!r} has a layout file (heterogeneous), not supported")
            layer_defs[name] = (h * UM, mat)
        elif key == "die":
            r.take()
            name = r.take()
            r.take(":")
            rows = []
            while r.peek() in ("layer", "source"):
                kind = r.take().lower()
                rows.append((kind == "source", _layer_content(r, materials)))
            if sum(s for s, _ in rows) != 1:
                raise ValueError(f"{path}: die {name!r} must have exactly one source layer")
            die_defs[name] = rows
        elif key == "stack":
            r.words("stack", ":")
            while r.peek() in ("die", "layer", "channel"):
                kind = r.take().lower()
                ident = r.take()
                if kind == "channel":
                    stack_elems.append(("channel", ident, None, None))
                elif kind == "layer":
                    stack_elems.append(("layer", ident, r.take(), None))
                else:
                    dname = r.take()
                    r.take("floorplan")
                    stack_elems.append(("die", ident, dname, r.string()))
                if r.peek() == "discretization":
                    raise ValueError(f"{path}: stack element {ident!r} is discretised non-uniformly")
                r.take(";")
        elif key == "solver":
            r.words("solver", ":")
            if r.peek() == "steady":
                r.take()
            else:
                r.words("transient", "step")
                step = r.number()
                r.take(",")
                r.take("slot")
                slot = r.number()
            r.take(";")
            r.words("initial", "temperature")
            t0 = r.number()
            r.take(";")
        elif key == "output":
            r.words("output", ":")
            while r.peek() in ("t", "tflp", "tflpel", "tmap", "t3d", "pmap", "tcoolant"):
                kind = r.take()
                r.take("(")
                if kind.lower() == "t3d":                       # the whole stack: no element
                    p = r.string()
                    when = _when(r)
                    r.words(")", ";")
                    probes.append(Probe(kind, "", (), p, when))
                    continue
                el = r.take()
                if kind.lower() == "tflpel":
                    r.take(".")
                    el = el + "." + r.take()
                r.take(",")
                args = ()
                if kind.lower() == "t":
                    x = r.number()
                    r.take(",")
                    y = r.number()
                    r.take(",")
                    args = (x * UM, y * UM)
                p = r.string()
                if kind.lower() in ("tflp", "tflpel", "tcoolant"):
                    r.take(",")
                    args = (r.take("maximum", "minimum", "average", "gradient").lower(),)
                when = _when(r)
                r.words(")", ";")
                probes.append(Probe(kind, el, args, p, when))
        else:
            raise ValueError(f"{path}: unexpected {r.t[r.i]!r} at token {r.i}")
    if chip is None or not stack_elems or t0 is None:
        raise ValueError(f"{path}: dimensions, stack and solver sections are required")
    layers, floorplans = [], {}
    for kind, ident, ref, flp in stack_elems:
        if kind == "channel":
            if channel is None:
                raise ValueError(f"{path}: stack has channel {ident!r} but no microchannel section")
            layers.append(StkLayer(ident, 0.0, "coolant"))
        elif kind == "layer":
            h, mat = layer_defs[ref]
            layers.append(StkLayer(ident, h, mat))
        else:
            if ref not in die_defs:
                raise ValueError(f"{path}: unknown die {ref!r}")
            for j, (is_src, content) in enumerate(die_defs[ref]):
                h, mat = layer_defs[content] if isinstance(content, str) else content
                layers.append(StkLayer(f"{ident}.{'source' if is_src else j}", h, mat, is_src, ident))
            floorplans[ident] = read_floorplan(root / flp)
    return Stack(path, materials, top, bottom, channel, chip, cell, tuple(layers), floorplans,
                 step, slot, t0, tuple(probes))


# ---------------------------------------------------------------------- ChipModel mapping
def _blocks(elements) -> Floorplan:
    """One block per rectangle of every element (``element#i``), die coordinates."""
    return Floorplan(tuple(Block(f"{e.name}#{i}", x1 - x0, y1 - y0, x0, y0)
                           for e in elements for i, (x0, y0, x1, y1) in enumerate(e.rects_m)))


def _block_powers(elements, slot: int) -> np.ndarray:
    """Block powers [W] of slot ``slot`` for :func:`_blocks` (element power split by area)."""
    out = []
    for e in elements:
        if slot >= len(e.power_w):
            raise ValueError(f"floorplan element {e.name!r} has {len(e.power_w)} power values, "
                             f"slot {slot} asked")
        out += [e.power_w[slot] * (x1 - x0) * (y1 - y0) / e.area_m2 for x0, y0, x1, y1 in e.rects_m]
    return np.array(out)


@dataclasses.dataclass(frozen=True)
class Mapping:
    """A 3D-ICE solid stack on ChipModel.

    ``order[i]`` is the index in ``stack.layers`` of ChipModel layer ``i``;
    ``model``'s power layer is the source layer of ``dies[0]`` (the first source
    in ChipModel order); the other dies' sources enter as cell heat; ``params``
    are the ChipModel parameters (materials and boundary values).
    """

    stack: Stack
    order: tuple
    model: ChipModel
    params: PackageParams
    dies: tuple

    def power_index(self, die: str) -> int:
        """ChipModel layer index of die ``die``'s source layer."""
        return self.order.index(self.stack.source_index(die))

    def n_slots(self) -> int:
        return min(len(e.power_w) for fp in self.stack.floorplans.values() for e in fp)

    def block_powers(self, slot: int) -> np.ndarray:
        """Block powers [W] of ``model``'s floorplan in time slot ``slot``."""
        return _block_powers(self.stack.floorplans[self.dies[0]], slot)

    def cell_heat(self, slot: int) -> np.ndarray:
        """(nz, ny, nx) heat [W] of the other dies' source layers in slot ``slot`` (overlap-area map)."""
        st, m = self.stack, self.model
        heat = np.zeros((m.nz, m.ny, m.nx))
        for d in self.dies[1:]:
            fp = _blocks(st.floorplans[d])
            w = overlap_weights(fp, (0.0, 0.0), (m.dx_m, m.dy_m), (m.ny, m.nx))
            heat[self.power_index(d)] += np.tensordot(_block_powers(st.floorplans[d], slot), w, axes=1)
        return heat

    def heat_by_layer(self, slot: int) -> np.ndarray:
        """(nz, ny, nx) heat [W] of every source layer in slot ``slot``, in 3D-ICE layer order."""
        heat = self.cell_heat(slot)
        heat[self.power_index(self.dies[0])] += np.asarray(self.model.power_map(self.block_powers(slot)))
        return self.to_stack_order(heat)

    def steady(self, slot: int = 0):
        """Steady (nz, ny, nx) field [K] in 3D-ICE layer order (top of the stack first).

        3D-ICE's steady analysis uses each element's first power value (slot 0).
        """
        sol = self.model.steady(self.params, self.block_powers(slot), cell_heat_w=self.cell_heat(slot))
        assert bool(sol.converged), float(sol.residual)
        return self.to_stack_order(np.asarray(sol.temperature_k))

    def transient_backward_euler(self, n_steps: int | None = None):
        """3D-ICE's transient: backward Euler steps of ``step_s``, the powers of slot ``floor(t / slot_s)``.

        Each step is one ``ChipModel.transient`` call with a one-row trace (its first step
        is backward Euler) from the previous step's whole field.  The other dies' heat
        ``Q`` enters that step exactly through its start field: backward Euler solves
        ``(C/dt + A) T1 = C T0 / dt + P + Q + b``, so starting from ``T0 + dt Q / C``
        adds ``Q`` (``ChipModel.transient`` has no per-cell heat input).  Returns
        ``(time_s (n,), fields (n, nz, ny, nx))`` in 3D-ICE layer order, n = ``n_steps``
        (default: every slot of the floorplans).
        """
        st, m = self.stack, self.model
        if st.step_s is None:
            raise ValueError(f"{st.path}: not a transient analysis")
        per_slot = int(round(st.slot_s / st.step_s))
        n = self.n_slots() * per_slot if n_steps is None else int(n_steps)
        cap = np.asarray(m.conductances(self.params)["cap"])
        offset = [st.step_s * self.cell_heat(slot) / cap for slot in range(-(-n // per_slot))]
        field = np.full((m.nz, m.ny, m.nx), st.initial_temperature_k)
        out = np.empty((n, m.nz, m.ny, m.nx))
        for k in range(n):
            slot = k // per_slot
            start = field + offset[slot]
            sol = m.transient(self.params, self.block_powers(slot)[None], st.step_s, initial_temperature_k=start)
            assert bool(sol.converged), float(sol.residual)
            field = out[k] = np.asarray(sol.temperature_k)
        return st.step_s * np.arange(1, n + 1), self.to_stack_order(out, axis=1)

    def block_trace(self, dt_s: float, n_steps: int) -> np.ndarray:
        """(n_steps, n_blocks) block powers [W] of steps of ``dt_s`` (slot ``floor(n dt / slot_s)``)."""
        per_slot = self.stack.slot_s / dt_s
        if abs(per_slot - round(per_slot)) > 1e-9:
            raise ValueError(f"dt_s = {dt_s!r} s does not divide the slot {self.stack.slot_s!r} s")
        return np.array([self.block_powers(k // int(round(per_slot))) for k in range(n_steps)])

    def to_stack_order(self, field, axis: int = 0):
        """Reorder ChipModel layers (axis ``axis``) into 3D-ICE's order (top first)."""
        out = np.empty_like(field)
        idx = [slice(None)] * field.ndim
        idx[axis] = list(self.order)
        out[tuple(idx)] = field
        return out


def chip_model(stack: Stack, match_3dice: bool = True) -> Mapping:
    """Map a solid 3D-ICE stack onto ChipModel (see the module docstring).

    Raises ``ValueError`` naming what ChipModel lacks for stacks it cannot represent
    (an inter-tier microchannel or pin-fin layer, no heat sink at all).
    """
    if stack.channel is not None:
        raise ValueError(f"{stack.path}: the {stack.channel} layer needs an inter-tier coolant layer "
                         f"with advected coolant temperature, which ChipModel does not have")
    if stack.bottom_sink is None and stack.top_sink is None:
        raise ValueError(f"{stack.path}: no heat sink; ChipModel needs a cooled bottom face")
    n = len(stack.layers)
    order = tuple(range(n)) if stack.bottom_sink is not None else tuple(reversed(range(n)))
    bottom = stack.bottom_sink if stack.bottom_sink is not None else stack.top_sink
    top = stack.top_sink if stack.bottom_sink is not None else None
    k_z, k_xy, cap = [], [], []
    for i, j in enumerate(order):
        k, c = stack.materials[stack.layers[j].material]
        # 3D-ICE couples an adiabatic outer layer to its neighbour over its whole thickness
        k_z.append(k / 2 if (match_3dice and i == 0 and top is None and n > 1) else k)
        k_xy.append(k)
        cap.append(c)
    dies = tuple(sorted(stack.floorplans, key=lambda d: order.index(stack.source_index(d))))
    thick = tuple(stack.layers[j].thickness_m for j in order)
    model = _model(thick, _blocks(stack.floorplans[dies[0]]), stack.grid_columns, stack.grid_rows,
                   order.index(stack.source_index(dies[0])), stack.chip_m)
    f = lambda v: jnp.asarray(v, jnp.float64)  # noqa: E731
    params = PackageParams(
        thickness_m=f(thick), conductivity_w_m_k=f(k_z), lateral_conductivity_w_m_k=f(k_xy),
        heat_capacity_j_m3_k=f(cap), bottom_htc_w_m2_k=f(bottom[0]), coolant_temperature_k=f(bottom[1]),
        top_htc_w_m2_k=f(0.0 if top is None else top[0]), top_ambient_k=f(bottom[1] if top is None else top[1]))
    return Mapping(stack, order, model, params, dies)


@functools.cache
def _model(thickness_m, floorplan, nx, ny, power_layer, chip_m):
    """A ChipModel of this geometry, cached: each instance compiles its own solvers, and the
    materials and boundary values travel in the parameters (the placeholders here are unused)."""
    layers = [LayerSpec(f"layer{i}", t, 1.0, 1.0) for i, t in enumerate(thickness_m)]
    return ChipModel(layers, floorplan, nx=nx, ny=ny, power_layer=power_layer, domain_m=chip_m)


# ---------------------------------------------------------------------- 3D-ICE outputs
def cell_index(stack: Stack, x_m: float, y_m: float) -> tuple[int, int]:
    """(row, column) of the cell 3D-ICE reports for a ``T (die, x, y, ...)`` probe.

    The cell containing the point (a point on a cell edge goes to the cell above/right
    of it); 3D-ICE prints the cell it took in the output header ("Nearest [column, row]"),
    which ``test_threedice.py`` checks against this.
    """
    col = min(int(np.floor(x_m / stack.cell_m[0] + 1e-9)), stack.grid_columns - 1)
    row = min(int(np.floor(y_m / stack.cell_m[1] + 1e-9)), stack.grid_rows - 1)
    return row, col


def _rect_cells(stack: Stack, rect) -> tuple[slice, slice]:
    """Rows and columns of the cells a rectangle overlaps (3D-ICE ``align_to_grid``)."""
    (dx, dy), (x0, y0, x1, y1) = stack.cell_m, rect
    return (slice(int(np.floor(y0 / dy + 1e-9)), int(np.ceil(y1 / dy - 1e-9))),
            slice(int(np.floor(x0 / dx + 1e-9)), int(np.ceil(x1 / dx - 1e-9))))


def element_values(stack: Stack, die: str, layer_k, quantity: str) -> np.ndarray:
    """3D-ICE's ``Tflp`` values of die ``die``'s elements from its source-layer field(s).

    ``layer_k``: (..., ny, nx) [K].  ``quantity``: ``"average"`` -- 3D-ICE averages the
    cells each rectangle overlaps without area weights, then the rectangles of an
    element without weights either (``get_avg_temperature_floorplan_element``);
    ``"maximum"`` -- the hottest of those cells.  Returns (..., n_elements) [K].
    """
    f = np.asarray(layer_k)
    out = []
    for e in stack.floorplans[die]:
        parts = [f[..., r, c] for r, c in (_rect_cells(stack, q) for q in e.rects_m)]
        if quantity == "average":
            out.append(np.mean([p.mean(axis=(-2, -1)) for p in parts], axis=0))
        elif quantity == "maximum":
            out.append(np.max([p.max(axis=(-2, -1)) for p in parts], axis=0))
        else:
            raise ValueError(f"quantity = {quantity!r} must be 'average' or 'maximum'")
    return np.stack(out, axis=-1)


def read_tmap(path) -> np.ndarray:
    """A 3D-ICE ``Tmap`` file: (rows, columns) [K], row 0 at y = 0; 3 decimals."""
    return np.loadtxt(path, comments="%", ndmin=2)


def read_probe(path) -> np.ndarray:
    """A 3D-ICE ``T``/``Tflp``/``Tflpel`` output file: (n_rows, 1 + n_values), time first."""
    return np.loadtxt(path, comments="%", ndmin=2)
