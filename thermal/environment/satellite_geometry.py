"""Satellite layout as rectangles, and the radiator's infrared exchange with the arrays.

A layout is a set of flat panels (radiator wings, solar-array wings), each a
rectangle with a centre, two in-plane unit axes u, v and side lengths, and two
faces: ``a`` (outward normal u x v) and ``b`` (the opposite one).  For every
radiator face this module computes, with the exact rectangle view factors of
:mod:`thermal.environment.view_factors`:

* the view factor to every array face and to every other radiator face;
* the fraction of its (cosine-weighted) hemisphere left free of the satellite,
  ``space_view_fraction = 1 - sum_j F_ij``;
* the infrared flux incident from the arrays (gray, diffuse, single bounce):
  ``q_inc,i = sum_j F_ij sigma eps_j T_j^4`` and the absorbed part
  ``q_abs,i = eps_i q_inc,i``.

Model limits (stated, not hidden): area-averaged view factors of whole panels;
no obstruction of one panel's view of another by a third (the default layout has
none: its radiator wings are coplanar and its array wings are coplanar); gray
single-bounce exchange (the radiator's own emission reflected back by the array,
(1 - eps_array) of it, and sunlight reflected by the array are neglected);
the panels block part of the hemisphere, but the environmental fluxes of
:mod:`thermal.environment.heat_loads` are left unchanged (overlap of the array and the Earth
in the radiator's field of view is neglected: conservative in the hot case).  The
consequence for the radiator is an effective sink temperature
``T_sink^4 = (q_env + q_abs) / (eps sigma)`` (:func:`thermal.sink_temperature_k`).

The arrays' temperature and emissivities are inputs (power's
``array_temperature`` and ``ArrayDesign.front_emittance/back_emittance`` give them
in the study); thermal does not import power.

Default layout (:func:`default_layout`), body frame fixed to the Sun and nadir:
x toward the Sun, z toward nadir (its component normal to the Sun line), y = z x x
(the orbit normal at beta = 0).  The solar-array wings track the Sun: they lie
in the y-z plane (front face +x) on the +y and -y sides of the bus, held out by
a yoke.  The radiator wings are knife-edge to the Sun and perpendicular to the
arrays: they lie in the x-z plane (face ``a`` normal +y, which is face A of the
``sun_edge_on`` attitude of :func:`thermal.face_normals`), mounted on the bus
spine that runs along z, one wing toward nadir and one toward zenith.  Each
radiator face sees one array wing: the half of the radiator on the anti-Sun side
(x < 0) sees the array back, the sunward half sees its cell side.
"""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from orbit.constants import STEFAN_BOLTZMANN_W_M2_K4
from orbit.validation import check_positive, check_range

from .view_factors import Face, make_face, pair_area_view_factors_m2

KINDS = ("radiator", "array")
SIDES = ("a", "b")


class Panel(NamedTuple):
    """A flat two-faced panel (rectangle) of the satellite.

    Attributes
    ----------
    name : unique label.
    kind : "radiator" or "array".
    center_m : (3,) centre [m] in the body frame.
    u_axis, v_axis : (3,) in-plane unit axes (host-side); face ``a`` normal is u x v.
    length_u_m, length_v_m : side lengths [m].
    """

    name: str
    kind: str
    center_m: object
    u_axis: np.ndarray
    v_axis: np.ndarray
    length_u_m: object
    length_v_m: object

    def face(self, side: str) -> Face:
        if side not in SIDES:
            raise ValueError(f"side = {side!r} is not one of {SIDES}")
        return Face(self.center_m, self.u_axis, self.v_axis, self.length_u_m, self.length_v_m,
                    1 if side == "a" else -1)

    @property
    def area_m2(self):
        return self.length_u_m * self.length_v_m


def make_panel(name: str, kind: str, center_m, u_axis, v_axis, length_u_m, length_v_m) -> Panel:
    """A validated :class:`Panel` (axes normalised; they must be perpendicular)."""
    if kind not in KINDS:
        raise ValueError(f"kind = {kind!r} is not one of {KINDS}")
    f = make_face(center_m, u_axis, v_axis, length_u_m, length_v_m)
    return Panel(name, kind, f.center_m, f.u_axis, f.v_axis, length_u_m, length_v_m)


class Layout(NamedTuple):
    """Panels in the body frame, with the Sun and nadir directions (for figures)."""

    panels: tuple
    sun_unit: np.ndarray
    nadir_unit: np.ndarray

    def of_kind(self, kind: str) -> tuple:
        return tuple(p for p in self.panels if p.kind == kind)


SUN_UNIT = np.array([1.0, 0.0, 0.0])
NADIR_UNIT = np.array([0.0, 0.0, 1.0])
ORBIT_NORMAL_UNIT = np.array([0.0, 1.0, 0.0])


def default_layout(radiator_area_m2, array_area_m2, *, n_radiator_wings: int = 2, radiator_aspect=3.0,
                   array_aspect=2.5, bus_half_size_m=1.5, array_yoke_m=2.0, radiator_root_gap_m=0.0) -> Layout:
    """Radiator wings knife-edge to the Sun, perpendicular to Sun-tracking arrays.

    Parameters
    ----------
    radiator_area_m2 : total radiator planform area [m^2] (all wings), > 0.
    array_area_m2 : total array planform area [m^2] (two wings), > 0.
    n_radiator_wings : 1 (nadir side) or 2 (nadir and zenith); static.
    radiator_aspect : wing length along the spine (z) / width along the Sun line (x), > 0.
    array_aspect : wing span along y / width along z, > 0.
    bus_half_size_m : half size of the bus [m]; the wings start at its faces.
    array_yoke_m : yoke from the bus face to the array wing root [m], >= 0.
    radiator_root_gap_m : gap from the bus face to the radiator wing root [m], >= 0.

    Sizes may be traced (the layout is differentiable in them).  The defaults of
    the aspect ratios, the bus size and the yoke are ASSUMPTIONS of a plausible
    150 kW-class configuration, not taken from a flown design.
    """
    if n_radiator_wings not in (1, 2):
        raise ValueError(f"n_radiator_wings = {n_radiator_wings!r} is not one of (1, 2)")
    check_positive("radiator_area_m2", radiator_area_m2, "m^2")
    check_positive("array_area_m2", array_area_m2, "m^2")
    check_range("radiator_aspect", radiator_aspect, 0.05, 50.0)
    check_range("array_aspect", array_aspect, 0.05, 50.0)
    check_range("bus_half_size_m", bus_half_size_m, 0.0, 50.0, units="m")
    check_range("array_yoke_m", array_yoke_m, 0.0, 100.0, units="m")
    check_range("radiator_root_gap_m", radiator_root_gap_m, 0.0, 100.0, units="m")
    ex, ey, ez = np.eye(3)
    wing_r = jnp.asarray(radiator_area_m2) / n_radiator_wings
    length_r = jnp.sqrt(wing_r * radiator_aspect)      # along z (the spine)
    width_r = wing_r / length_r                        # along x (the Sun line)
    wing_a = jnp.asarray(array_area_m2) / 2.0
    span_a = jnp.sqrt(wing_a * array_aspect)           # along y
    width_a = wing_a / span_a                          # along z
    zero = 0.0 * length_r
    panels = []
    for k, (label, sign) in enumerate((("nadir", 1.0), ("zenith", -1.0))[:n_radiator_wings]):
        zc = sign * (bus_half_size_m + radiator_root_gap_m + 0.5 * length_r)
        centre = jnp.stack([zero, zero, zc])
        # u = z, v = x: face a normal z x x = +y.
        panels.append(Panel(f"radiator_{label}", "radiator", centre, ez, ex, length_r, width_r))
    for label, sign in (("plus_y", 1.0), ("minus_y", -1.0)):
        yc = sign * (bus_half_size_m + array_yoke_m + 0.5 * span_a)
        centre = jnp.stack([0.0 * span_a, yc, 0.0 * span_a])
        # u = y, v = z: face a normal y x z = +x (the cell side, toward the Sun).
        panels.append(Panel(f"array_{label}", "array", centre, ey, ez, span_a, width_a))
    return Layout(tuple(panels), SUN_UNIT, NADIR_UNIT)


class ViewFactorMatrix(NamedTuple):
    """View factors between all faces of a layout."""

    names: tuple
    """Face labels ``"<panel>.<side>"``."""
    kinds: tuple
    areas_m2: jnp.ndarray
    """(n_faces,) face areas [m^2]."""
    f: jnp.ndarray
    """(n_faces, n_faces) F_ij from face i to face j [-] (0 between the faces of one panel)."""


def view_factor_matrix(layout: Layout, from_kinds=KINDS) -> ViewFactorMatrix:
    """F_ij between the faces of the layout (closed forms, differentiable).

    Rows are computed for the faces of panels of ``from_kinds`` only (other rows
    are zero: pass the default to get the full matrix); pairs that cannot see each
    other for static reasons (faces of one panel, parallel faces facing the same
    way) are set to zero without evaluation.
    """
    faces, names, kinds, owners = [], [], [], []
    for p in layout.panels:
        for side in SIDES:
            faces.append(p.face(side))
            names.append(f"{p.name}.{side}")
            kinds.append(p.kind)
            owners.append(p.name)
    if len(set(owners)) * 2 != len(owners):
        raise ValueError("panel names must be unique")
    areas = jnp.stack([jnp.asarray(f.area_m2) for f in faces])
    pairs, rows, cols = [], [], []
    for i, fi in enumerate(faces):
        if kinds[i] not in from_kinds:
            continue
        for j, fj in enumerate(faces):
            same_way = abs(float(fi.normal @ fj.normal) - 1.0) < 1e-9
            if owners[i] != owners[j] and not same_way:
                pairs.append((fi, fj))
                rows.append(i)
                cols.append(j)
    values = pair_area_view_factors_m2(pairs)
    n = len(faces)
    f = jnp.zeros((n, n), values.dtype)
    if pairs:
        f = f.at[np.asarray(rows), np.asarray(cols)].set(values / areas[np.asarray(rows)])
    return ViewFactorMatrix(tuple(names), tuple(kinds), areas.astype(f.dtype), f)


class RadiatorExchange(NamedTuple):
    """Radiator faces' view of the satellite and the infrared it receives.

    Per radiator face (in the order of ``face_names``), and the area-weighted
    averages over the radiator wings of all ``a`` faces and all ``b`` faces
    (``*_side``, shape (2,): the two faces of the study's representative panel).
    """

    face_names: tuple
    array_face_names: tuple
    view_to_arrays: jnp.ndarray
    """(n_radiator_faces, n_array_faces) F [-]."""
    view_to_radiators: jnp.ndarray
    """(n_radiator_faces, n_radiator_faces) F [-]."""
    space_view_fraction: jnp.ndarray
    """1 - sum of the view factors to the satellite's panels [-]."""
    incident_ir_w_m2: jnp.ndarray
    """Infrared incident from the arrays (and the other radiator faces, when their temperature is given) [W/m^2]."""
    absorbed_ir_w_m2: jnp.ndarray
    """Radiator emissivity x incident infrared [W/m^2]."""
    array_coupling_w_m2_k4: jnp.ndarray
    """sum_j F_ij sigma eps_j over the array faces [W/(m^2 K^4)]: the incident infrared from an
    isothermal array at T is this times T^4 (use it for an array temperature varying along the orbit)."""
    space_view_side: jnp.ndarray
    incident_ir_side_w_m2: jnp.ndarray
    absorbed_ir_side_w_m2: jnp.ndarray
    array_coupling_side_w_m2_k4: jnp.ndarray


def radiator_exchange(layout: Layout, array_temperature_k, array_front_emissivity, array_back_emissivity,
                      radiator_emissivity, radiator_temperature_k=None) -> RadiatorExchange:
    """Blocked view and extra absorbed infrared on every radiator face.

    Parameters
    ----------
    layout : the satellite's panels.
    array_temperature_k : array temperature [K] (isothermal array; both faces), 3 .. 600
        (power.array_temperature).
    array_front_emissivity, array_back_emissivity : IR emissivities of the array's
        cell side (face ``a``) and back (face ``b``) [-] (power ArrayDesign).
    radiator_emissivity : radiator IR emissivity [-], scalar or (2,) for faces (a, b).
    radiator_temperature_k : radiator temperature [K] for the radiator-to-radiator
        exchange; None leaves that term out (it is zero in the default layout).

    Returns
    -------
    :class:`RadiatorExchange`.  Add ``incident_ir_side_w_m2`` to the study's
    long-wave incident flux of faces (A, B): the absorbed part is then eps times it,
    exactly like Earth infrared.
    """
    check_range("array_temperature_k", array_temperature_k, 3.0, 600.0, units="K")
    if jnp.ndim(array_temperature_k) != 0:
        raise ValueError("array_temperature_k must be a scalar (use array_coupling_*_w_m2_k4 * T^4 for a series)")
    for name, v in (("array_front_emissivity", array_front_emissivity),
                    ("array_back_emissivity", array_back_emissivity),
                    ("radiator_emissivity", radiator_emissivity)):
        check_range(name, v, 0.0, 1.0)
    if radiator_temperature_k is not None:
        check_range("radiator_temperature_k", radiator_temperature_k, 3.0, 1000.0, units="K")
    if not layout.of_kind("radiator"):
        raise ValueError("layout has no radiator panel")
    vf = view_factor_matrix(layout, from_kinds=("radiator",))
    rad = [i for i, k in enumerate(vf.kinds) if k == "radiator"]
    arr = [i for i, k in enumerate(vf.kinds) if k == "array"]
    f = vf.f
    f_ra = f[jnp.asarray(rad)][:, jnp.asarray(arr)] if arr else jnp.zeros((len(rad), 0), f.dtype)
    f_rr = f[jnp.asarray(rad)][:, jnp.asarray(rad)]
    eps_arr = (jnp.stack([jnp.asarray(array_front_emissivity if vf.names[j].endswith(".a")
                                      else array_back_emissivity, dtype=f.dtype) for j in arr])
               if arr else jnp.zeros((0,), f.dtype))
    eps_side = jnp.broadcast_to(jnp.asarray(radiator_emissivity, dtype=f.dtype), (2,))
    eps_rad = jnp.stack([eps_side[0] if vf.names[i].endswith(".a") else eps_side[1] for i in rad])
    sigma = STEFAN_BOLTZMANN_W_M2_K4
    coupling = f_ra @ (eps_arr * sigma)
    incident = coupling * jnp.asarray(array_temperature_k, f.dtype) ** 4
    if radiator_temperature_k is not None:
        incident = incident + f_rr @ (eps_rad * sigma * jnp.asarray(radiator_temperature_k, f.dtype) ** 4)
    space = 1.0 - jnp.sum(f[jnp.asarray(rad)], axis=1)
    absorbed = eps_rad * incident
    areas = vf.areas_m2[jnp.asarray(rad)]
    side_mean = []
    for suffix in (".a", ".b"):
        sel = jnp.asarray([vf.names[i].endswith(suffix) for i in rad], dtype=f.dtype)
        w = sel * areas / jnp.sum(sel * areas)
        side_mean.append((w @ space, w @ incident, w @ absorbed, w @ coupling))
    space_side, inc_side, abs_side, coupling_side = (jnp.stack(x) for x in zip(*side_mean))
    return RadiatorExchange(tuple(vf.names[i] for i in rad), tuple(vf.names[j] for j in arr), f_ra, f_rr,
                            space, incident, absorbed, coupling, space_side, inc_side, abs_side, coupling_side)
