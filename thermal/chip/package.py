"""Layered finite-volume model of a chip package on a cold plate (steady and transient).

The package is a stack of layers (die, TIM1, lid, TIM2, cold-plate base, ... any
list), ordered from the heat source (index 0, the die's active face) towards the
cold plate (last layer).  Each layer has its own lateral extent, given as a union
of rectangles, and is meshed on one uniform lateral grid that covers the largest
layer; cells outside a layer's extent are inactive (no conductance, decoupled).
Each layer may be split into several sub-layers (cells) through its thickness.

Discretisation: cell-centred finite volumes, two-point fluxes.  Lateral face
conductance ``G = k_face dz dy / dx`` with the harmonic mean of the two cells'
lateral conductivities; vertical conductance between cells ``G = A / (dz1/(2 k1)
+ dz2/(2 k2))``; the bottom face of the last layer sees the coolant through
``G = A / (dz/(2k) + 1/h)``; the top face (z = 0) optionally sees an ambient through
a top heat-transfer coefficient; all other faces are adiabatic.  The scheme is
second-order accurate in x, y and z for smooth fields.

Power enters the power layer's first sub-layer (the face farthest from the cold
plate, i.e. the active face of a flip-chip die) from floorplan blocks, mapped to
cells by overlap area (``thermal.chip.floorplan.overlap_weights``).  ``junction_k`` is
that first sub-layer's cell-centre temperature (a depth of half a sub-layer below
the face); ``surface_k`` is the top face (z = 0) itself, with the heat taken as
dissipated at that face (:meth:`ChipModel.top_surface_k`: exact for a 1-D stack,
converging with the sub-layers otherwise).  Block temperatures from any field: :meth:`ChipModel.block_temperatures`
(area-weighted mean, or HotSpot's avg/min/max/center rules).

Solver: matrix-free symmetric positive-definite operator, preconditioned
conjugate gradients (:func:`thermal.numerics.krylov.cg`); the preconditioner is an exact
fast solver of the laterally homogeneous stack (orthonormal DCT-II in x and y, which
diagonalises the Neumann lateral operator, and a Thomas tridiagonal solve through the
thickness for every lateral mode, :mod:`thermal.numerics.tridiagonal`), restricted to
active cells.  The steady solve is a differentiable linear solve
(:func:`thermal.numerics.krylov.linear_solve`, ``jax.lax.custom_linear_solve``, symmetric),
so gradients with respect to every parameter cost one adjoint solve with the same operator.  The
DCT is applied as dense n x n matrix products up to 256 cells per side (faster
than the FFT-based ``dctn`` on CPU at those sizes) and by FFT above.
Transient: BDF2 (first step backward Euler), same operator plus the capacity.

Temperature-dependent conductivity ``k(T) = k (T / T_ref)^(-n)`` per layer
(:data:`SILICON_CONDUCTIVITY_EXPONENT` for silicon): the steady state is the fixed
point of Picard iteration (one warm-started PCG solve per step with the
conductivities of the current iterate, face conductances from the cells' own k,
:func:`orbit.solvers.fixed_point`), differentiated implicitly through the nonlinear
residual (:func:`orbit.solvers.implicit_root`);
the transient evaluates k at the extrapolated temperature ``2 T^n - T^(n-1)``
(linearly implicit BDF2, still second order).

References
----------
.. [1] S. V. Patankar, *Numerical Heat Transfer and Fluid Flow*, Hemisphere 1980,
   ch. 4 (finite-volume conduction, harmonic-mean interface conductivity).
.. [2] W. Huang et al., "HotSpot: a compact thermal modeling methodology for
   early-stage VLSI design", IEEE Trans. VLSI Syst. 14(5), 501-513 (2006)
   (layered package: die, TIM, spreader, sink, convection resistance).
.. [3] Y. S. Muzychka, J. R. Culham and M. M. Yovanovich, "Thermal spreading
   resistance of eccentric heat sources on rectangular flux channels",
   J. Electronic Packaging 125(2), 178-185 (2003) (the analytic reference in
   :func:`spreading_series_mean_temperature`).
.. [4] G. Strang, "The discrete cosine transform", SIAM Review 41(1), 135-147
   (1999) (DCT-II diagonalises the Neumann second difference).
.. [5] C. W. Gear, *Numerical Initial Value Problems in ODEs*, Prentice-Hall 1971 (BDF2).
"""
from __future__ import annotations

import dataclasses
import functools
import math
from typing import Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx
from jax.scipy.fft import dctn, idctn

from orbit.solvers import Convergence, fixed_point, implicit_root
from orbit.validation import check_positive, check_range, is_concrete

from ..numerics.krylov import cg, gmres, linear_solve
from ..numerics.tridiagonal import thomas_factor, thomas_solve
from .floorplan import Floorplan, overlap_weights

__all__ = [
    "Rect",
    "LayerSpec",
    "PackageParams",
    "ChipModel",
    "ChipSolution",
    "TransientSolution",
    "ks_max",
    "SILICON_CONDUCTIVITY_EXPONENT",
    "SILICON_CONDUCTIVITY_TABLE_W_M_K",
    "spreading_series_mean_temperature",
    "hotspot_package",
    "HOTSPOT_DEFAULT_SUBLAYERS",
]

Rect = tuple  # (x0, y0, x1, y1) [m]


def _eps(dtype):
    return float(jnp.finfo(dtype).eps)


def default_rtol(dtype) -> float:
    """CG relative residual tolerance for a dtype (1e-11 in float64, 1e-6 in float32)."""
    return 1e-11 if jnp.dtype(dtype) == jnp.float64 else 1e-6


#: Silicon thermal conductivity [W/(m K)] against temperature [K], Incropera et al.,
#: *Fundamentals of Heat and Mass Transfer*, 6th ed. (2007), Table A.1 (pure silicon).
SILICON_CONDUCTIVITY_TABLE_W_M_K = ((200.0, 264.0), (300.0, 148.0), (400.0, 98.9), (600.0, 61.9))

#: Exponent ``n`` of ``k_Si(T) = k_Si(300 K) (T / 300 K)^(-n)`` through the 300 K and 400 K
#: values of :data:`SILICON_CONDUCTIVITY_TABLE_W_M_K`: ``n = ln(148 / 98.9) / ln(4/3) = 1.401``.
#: Within 1.1 % of the table at 200 K and 9.4 % below it at 600 K: use it for 250-450 K,
#: the range of operating dies.
SILICON_CONDUCTIVITY_EXPONENT = math.log(148.0 / 98.9) / math.log(400.0 / 300.0)


@dataclasses.dataclass(frozen=True)
class LayerSpec:
    """Static description and default material of one package layer.

    Attributes
    ----------
    name : label, e.g. ``"die"``, ``"tim1"``, ``"lid"``.
    thickness_m : default thickness [m], > 0.
    conductivity_w_m_k : through-plane conductivity [W/(m K)], > 0.
    heat_capacity_j_m3_k : volumetric heat capacity [J/(m^3 K)], > 0.
    extent : rectangles ``(x0, y0, x1, y1)`` [m] whose union is the layer's
        lateral extent, optionally as ``((x0, y0, x1, y1), conductivity_scale)``
        pairs to give a region its own conductivity (scale times the layer value,
        e.g. HBM stacks beside a silicon die).  ``None`` = the whole domain.
    lateral_conductivity_w_m_k : in-plane conductivity [W/(m K)]; ``None`` = isotropic.
    n_sublayers : cells through the thickness (static).
    conductivity_exponent : ``n`` of the power law ``k(T) = k (T / T_ref)^(-n)``
        applied to both conductivities (0 = constant k, the default; silicon:
        :data:`SILICON_CONDUCTIVITY_EXPONENT`).  Static.  The conductivities
        above are then the values at ``reference_temperature_k``.
    reference_temperature_k : ``T_ref`` [K] of the power law (default 300 K).
    """

    name: str
    thickness_m: float
    conductivity_w_m_k: float
    heat_capacity_j_m3_k: float
    extent: tuple | None = None
    lateral_conductivity_w_m_k: float | None = None
    n_sublayers: int = 1
    conductivity_exponent: float = 0.0
    reference_temperature_k: float = 300.0

    def regions(self):
        if self.extent is None:
            return None
        ext = self.extent
        if len(ext) == 4 and all(isinstance(v, (int, float)) for v in ext):
            ext = (ext,)
        out = []
        for item in ext:
            if len(item) == 2 and not isinstance(item[0], (int, float)):
                out.append((tuple(float(v) for v in item[0]), float(item[1])))
            else:
                out.append((tuple(float(v) for v in item), 1.0))
        return tuple(out)


class PackageParams(eqx.Module):
    """Differentiable parameters of a package (a pytree; ``vmap`` over chips).

    Attributes
    ----------
    thickness_m : (n_layers,) layer thicknesses [m].
    conductivity_w_m_k : (n_layers,) through-plane conductivities [W/(m K)].
    lateral_conductivity_w_m_k : (n_layers,) in-plane conductivities [W/(m K)].
    heat_capacity_j_m3_k : (n_layers,) volumetric heat capacities [J/(m^3 K)].
    bottom_htc_w_m2_k : cold-plate heat-transfer coefficient [W/(m^2 K)] referred
        to the bottom face area; scalar or (ny, nx) map.
    coolant_temperature_k : local coolant temperature [K]; scalar or (ny, nx).
    top_htc_w_m2_k : top-face heat-transfer coefficient [W/(m^2 K)] (0 = adiabatic).
    top_ambient_k : ambient temperature seen by the top face [K].
    """

    thickness_m: jax.Array
    conductivity_w_m_k: jax.Array
    lateral_conductivity_w_m_k: jax.Array
    heat_capacity_j_m3_k: jax.Array
    bottom_htc_w_m2_k: jax.Array
    coolant_temperature_k: jax.Array
    top_htc_w_m2_k: jax.Array
    top_ambient_k: jax.Array


class ChipSolution(eqx.Module):
    """Steady solution.

    Attributes
    ----------
    temperature_k : (nz, ny, nx) cell temperatures [K] (inactive cells hold the
        mean coolant temperature and are excluded from every statistic).
    junction_k : (ny, nx) cell-centre temperatures of the power layer's first
        sub-layer [K], i.e. half a sub-layer below that layer's top face (cells
        outside the layer hold the mean coolant temperature; mask with
        ``model.mask[model.junction_index]``).
    max_junction_k : hottest active junction cell [K] (argmax cell value; its
        gradient is the gradient of that cell).
    ks_junction_k : Kreisselmeier-Steinhauser smooth maximum [K] (>= max).
    surface_k : (ny, nx) top-face (z = 0) temperatures [K] of the stack's first
        layer, from :meth:`ChipModel.top_surface_k` (the die's active face when the
        power layer is layer 0); inactive cells as ``junction_k``.
    max_surface_k : hottest active top-face value [K].
    block_temperature_k : (n_blocks,) area-weighted mean of ``junction_k`` over
        each block (weights = the block's overlap area with each cell) [K].
    block_max_k : (n_blocks,) hottest ``junction_k`` cell overlapping each block [K].
    heat_in_w, heat_out_w : total power and heat leaving through cooled faces [W].
    residual : relative residual ||b - A x|| / ||b|| (with k(T): of the nonlinear
        system at the returned field).
    iterations : CG iterations (constant k) or Picard steps (k(T)).
    converged : residual <= 10 rtol (constant k); Picard converged and residual
        <= 100 rtol (k(T)).
    convergence : the same three as an :class:`orbit.solvers.Convergence` record.
    """

    temperature_k: jax.Array
    junction_k: jax.Array
    max_junction_k: jax.Array
    ks_junction_k: jax.Array
    surface_k: jax.Array
    max_surface_k: jax.Array
    block_temperature_k: jax.Array
    block_max_k: jax.Array
    heat_in_w: jax.Array
    heat_out_w: jax.Array
    residual: jax.Array
    iterations: jax.Array
    converged: jax.Array
    convergence: Convergence


class TransientSolution(eqx.Module):
    """Transient history: ``time_s`` (nt,), ``max_junction_k`` (nt,), ``block_temperature_k``
    (nt, n_blocks), final ``temperature_k`` (nz, ny, nx), worst relative CG ``residual`` and
    ``converged`` flag; ``convergence``, the steps' :class:`orbit.solvers.Convergence` together
    (the worst residual, the total CG iterations)."""

    time_s: jax.Array
    max_junction_k: jax.Array
    block_temperature_k: jax.Array
    temperature_k: jax.Array
    residual: jax.Array
    converged: jax.Array
    convergence: Convergence


def ks_max(values, weights=None, rho=None):
    """Kreisselmeier-Steinhauser smooth maximum ``max + log(sum w exp(rho (v - max))) / rho``.

    ``rho`` [1/K] defaults to 5 (within log(n)/rho K of the true max, above it).
    Cells with weight 0 are ignored.
    """
    values = jnp.asarray(values)
    rho = 5.0 if rho is None else rho
    w = jnp.ones_like(values) if weights is None else weights
    vmax = jax.lax.stop_gradient(jnp.max(jnp.where(w > 0, values, -jnp.inf)))
    return vmax + jnp.log(jnp.sum(w * jnp.exp(rho * (values - vmax)))) / rho


def _dct2_matrix(n: int) -> np.ndarray:
    """Orthonormal DCT-II matrix (rows = modes): ``C @ x == scipy.fft.dct(x, 2, norm="ortho")``."""
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    c = np.sqrt(2.0 / n) * np.cos(np.pi * k * (2 * i + 1) / (2 * n))
    c[0] /= np.sqrt(2.0)
    return c


class ChipModel:
    """Static geometry + floorplan of a layered package; methods solve for temperatures.

    Parameters
    ----------
    layers : sequence of :class:`LayerSpec`, source (die) first, cold plate last.
    floorplan : blocks of the power layer in *die coordinates* (origin at the
        die's lower-left corner, as in HotSpot ``.flp`` files).
    nx, ny : lateral cells (static).
    power_layer : index of the layer that dissipates the block powers (default 0).
    die_origin_m : ``(x, y)`` [m] of the die's lower-left corner in the domain
        (default: lower-left of the power layer's extent).
    domain_m : ``(lx, ly)`` [m] lateral domain, origin at (0, 0); default = the
        bounding box of all layer extents (which must then start at 0).
    block_limits_k : optional per-block temperature limits [K] (e.g. HBM 95 C).
    lateral_transform : how the preconditioner applies the DCT-II in x and y:
        ``"matmul"`` (dense n x n matrices, O(n) work per cell but GEMM-speed),
        ``"fft"`` (``jax.scipy.fft.dctn``, O(log n)) or ``"auto"`` (matmul up to
        256 cells per side: whole steady solves of the EV6 stack measured 1.2-1.6x
        faster than with ``"fft"`` on a 2-core CPU at 32-256 cells per side).

    Raises
    ------
    ValueError
        Zero/negative thickness, conductivity or capacity; blocks overlapping or off
        the die; bad grid sizes; a layer extent with no active cell.
    """

    def __init__(self, layers: Sequence[LayerSpec], floorplan: Floorplan, nx: int, ny: int,
                 power_layer: int = 0, die_origin_m=None, domain_m=None, block_limits_k=None,
                 lateral_transform: str = "auto"):
        layers = tuple(layers)
        if len(layers) == 0:
            raise ValueError("layers must contain at least one LayerSpec")
        for name, n in (("nx", nx), ("ny", ny)):
            if int(n) != n or n < 2:
                raise ValueError(f"{name} = {n!r} must be an integer >= 2")
        for L in layers:
            check_positive(f"layer {L.name!r} thickness_m", L.thickness_m, "m")
            check_positive(f"layer {L.name!r} conductivity_w_m_k", L.conductivity_w_m_k, "W/(m K)")
            if L.lateral_conductivity_w_m_k is not None:
                check_positive(f"layer {L.name!r} lateral_conductivity_w_m_k",
                               L.lateral_conductivity_w_m_k, "W/(m K)")
            check_positive(f"layer {L.name!r} heat_capacity_j_m3_k", L.heat_capacity_j_m3_k, "J/(m^3 K)")
            if int(L.n_sublayers) != L.n_sublayers or L.n_sublayers < 1:
                raise ValueError(f"layer {L.name!r} n_sublayers = {L.n_sublayers!r} must be an integer >= 1")
            check_range(f"layer {L.name!r} conductivity_exponent", L.conductivity_exponent, -4.0, 4.0)
            check_range(f"layer {L.name!r} reference_temperature_k", L.reference_temperature_k, 0.0, 2000.0,
                        lo_inclusive=False, units="K")
        if not 0 <= power_layer < len(layers):
            raise ValueError(f"power_layer = {power_layer} outside [0, {len(layers) - 1}]")
        if lateral_transform not in ("auto", "matmul", "fft"):
            raise ValueError(f"lateral_transform = {lateral_transform!r} must be 'auto', 'matmul' or 'fft'")
        self.layers = layers
        self.nx, self.ny = int(nx), int(ny)
        if lateral_transform == "auto":
            lateral_transform = "matmul" if max(self.nx, self.ny) <= 256 else "fft"
        self.lateral_transform = lateral_transform
        self._dct_x = _dct2_matrix(self.nx) if lateral_transform == "matmul" else None
        self._dct_y = _dct2_matrix(self.ny) if lateral_transform == "matmul" else None
        self.power_layer = int(power_layer)
        regs = [L.regions() for L in layers]
        if domain_m is None:
            boxes = [r for rs in regs if rs for r, _ in rs]
            if not boxes:
                raise ValueError("domain_m is required when no layer has an extent")
            domain_m = (max(b[2] for b in boxes), max(b[3] for b in boxes))
        self.lx_m, self.ly_m = float(domain_m[0]), float(domain_m[1])
        check_positive("domain_m[0]", self.lx_m, "m")
        check_positive("domain_m[1]", self.ly_m, "m")
        self.dx_m, self.dy_m = self.lx_m / self.nx, self.ly_m / self.ny
        xc = (np.arange(self.nx) + 0.5) * self.dx_m
        yc = (np.arange(self.ny) + 0.5) * self.dy_m
        # per-layer active mask and conductivity scale (cell centre inside a rectangle)
        masks, scales = [], []
        for L, rs in zip(layers, regs):
            if rs is None:
                m = np.ones((self.ny, self.nx), bool)
                s = np.ones((self.ny, self.nx))
            else:
                m = np.zeros((self.ny, self.nx), bool)
                s = np.zeros((self.ny, self.nx))
                for (x0, y0, x1, y1), sc in rs:
                    if not (x1 > x0 and y1 > y0):
                        raise ValueError(f"layer {L.name!r} extent rectangle {(x0, y0, x1, y1)} is empty")
                    if x0 < -1e-12 or y0 < -1e-12 or x1 > self.lx_m * (1 + 1e-9) or y1 > self.ly_m * (1 + 1e-9):
                        raise ValueError(f"layer {L.name!r} extent {(x0, y0, x1, y1)} m lies outside the "
                                         f"domain [0, {self.lx_m:g}] x [0, {self.ly_m:g}] m")
                    if not sc > 0:
                        raise ValueError(f"layer {L.name!r} conductivity scale {sc!r} must be > 0")
                    inside = ((xc[None, :] > x0) & (xc[None, :] < x1) & (yc[:, None] > y0) & (yc[:, None] < y1))
                    m |= inside
                    s = np.where(inside, sc, s)
            if not m.any():
                raise ValueError(f"layer {L.name!r} has no active cell on a {self.nx}x{self.ny} grid; refine the grid")
            masks.append(m)
            scales.append(s)
        self.layer_mask = np.stack(masks)
        # sub-layer bookkeeping
        self.sub_layer = np.concatenate([np.full(L.n_sublayers, i) for i, L in enumerate(layers)])
        self.sub_frac = np.concatenate([np.full(L.n_sublayers, 1.0 / L.n_sublayers) for L in layers])
        self.nz = len(self.sub_layer)
        self.mask = self.layer_mask[self.sub_layer]              # (nz, ny, nx) bool
        self.kscale = np.stack(scales)[self.sub_layer] * self.mask
        self.junction_index = int(np.argmax(self.sub_layer == self.power_layer))
        # temperature-dependent conductivity k(T) = k (T / T_ref)^(-n), per sub-layer
        self.k_exponent = np.array([float(L.conductivity_exponent) for L in layers])[self.sub_layer]
        self.k_reference_k = np.array([float(L.reference_temperature_k) for L in layers])[self.sub_layer]
        self.nonlinear = bool(np.any(self.k_exponent != 0.0))
        # floorplan
        pmask = self.layer_mask[self.power_layer]
        if die_origin_m is None:
            rs = regs[self.power_layer]
            die_origin_m = (0.0, 0.0) if rs is None else (min(r[0] for r, _ in rs), min(r[1] for r, _ in rs))
        self.die_origin_m = (float(die_origin_m[0]), float(die_origin_m[1]))
        fp = floorplan.shifted(*self.die_origin_m)
        rs = regs[self.power_layer]
        die_box = (0.0, 0.0, self.lx_m, self.ly_m) if rs is None else (
            min(r[0] for r, _ in rs), min(r[1] for r, _ in rs), max(r[2] for r, _ in rs), max(r[3] for r, _ in rs))
        fp.validate(die_extent_m=die_box)
        self.floorplan = floorplan
        self.block_names = floorplan.names
        self.n_blocks = len(floorplan.blocks)
        self.block_weights = overlap_weights(fp, (0.0, 0.0), (self.dx_m, self.dy_m), (self.ny, self.nx), pmask)
        self.block_cells = self.block_weights > 0
        if block_limits_k is not None:
            block_limits_k = np.broadcast_to(np.asarray(block_limits_k, float), (self.n_blocks,))
        self.block_limits_k = block_limits_k

    # ------------------------------------------------------------------ parameters
    def default_params(self, bottom_htc_w_m2_k=1.0e4, coolant_temperature_k=300.0,
                       top_htc_w_m2_k=0.0, top_ambient_k=300.0, dtype=None) -> PackageParams:
        """Parameters from the layers' default materials plus the boundary values given."""
        dtype = jnp.result_type(float) if dtype is None else dtype
        f = lambda v: jnp.asarray(v, dtype)  # noqa: E731
        return PackageParams(
            thickness_m=f([L.thickness_m for L in self.layers]),
            conductivity_w_m_k=f([L.conductivity_w_m_k for L in self.layers]),
            lateral_conductivity_w_m_k=f([L.lateral_conductivity_w_m_k or L.conductivity_w_m_k
                                          for L in self.layers]),
            heat_capacity_j_m3_k=f([L.heat_capacity_j_m3_k for L in self.layers]),
            bottom_htc_w_m2_k=f(bottom_htc_w_m2_k), coolant_temperature_k=f(coolant_temperature_k),
            top_htc_w_m2_k=f(top_htc_w_m2_k), top_ambient_k=f(top_ambient_k))

    def validate(self, params: PackageParams, block_power_w=None) -> None:
        """Host-side checks (skipped for traced values): raise ``ValueError`` on bad inputs."""
        n = len(self.layers)
        for name in ("thickness_m", "conductivity_w_m_k", "lateral_conductivity_w_m_k", "heat_capacity_j_m3_k"):
            v = getattr(params, name)
            if is_concrete(v):
                arr = np.asarray(v, float)
                if arr.shape[-1:] != (n,):
                    raise ValueError(f"params.{name} has shape {arr.shape}, expected (..., {n})")
                for i, L in enumerate(self.layers):
                    check_positive(f"params.{name}[{i}] (layer {L.name!r})", arr[..., i])
        check_range("params.bottom_htc_w_m2_k", params.bottom_htc_w_m2_k, 0.0, lo_inclusive=False,
                    units="W/(m^2 K)")
        check_range("params.top_htc_w_m2_k", params.top_htc_w_m2_k, 0.0, units="W/(m^2 K)")
        check_range("params.coolant_temperature_k", params.coolant_temperature_k, 0.0, 2000.0,
                    lo_inclusive=False, units="K")
        check_range("params.top_ambient_k", params.top_ambient_k, 0.0, 2000.0, lo_inclusive=False, units="K")
        if block_power_w is not None and is_concrete(block_power_w):
            p = np.asarray(block_power_w, float)
            if p.shape[-1:] != (self.n_blocks,):
                raise ValueError(f"block_power_w has shape {p.shape}, expected (..., {self.n_blocks}) "
                                 f"for blocks {self.block_names}")
            check_range("block_power_w", p, 0.0, units="W")

    # ------------------------------------------------------------------ discretisation
    def conductivity_factor(self, temperature_k):
        """``k(T) / k(T_ref) = (T / T_ref)^(-n)`` of every cell (nz, ny, nx); 1 where k is constant.

        ``temperature_k`` is the (nz, ny, nx) cell temperature field [K].
        """
        t = jnp.asarray(temperature_k)
        dtype = t.dtype
        n = jnp.asarray(self.k_exponent, dtype)[:, None, None]
        tr = jnp.asarray(self.k_reference_k, dtype)[:, None, None]
        ratio = jnp.maximum(t / tr, 1e-3)
        return jnp.where(jnp.asarray(self.mask), jnp.exp(-n * jnp.log(ratio)), jnp.ones((), dtype))

    def conductances(self, params: PackageParams, conductivity_factor=None):
        """Face conductances [W/K] of the discretisation.

        ``conductivity_factor``: optional (nz, ny, nx) multiplier of every cell's
        conductivities (``k(T)/k(T_ref)`` from :meth:`conductivity_factor`).

        Returns
        -------
        dict with ``gx`` (nz, ny, nx-1), ``gy`` (nz, ny-1, nx), ``gz`` (nz-1, ny, nx),
        ``gb`` (ny, nx) bottom-to-coolant, ``gt`` (ny, nx) top-to-ambient,
        ``cap`` (nz, ny, nx) cell heat capacities [J/K], ``dz`` (nz,) [m].
        """
        dtype = params.thickness_m.dtype
        mask = jnp.asarray(self.mask, dtype)
        ks = jnp.asarray(self.kscale, dtype)
        if conductivity_factor is not None:
            ks = ks * conductivity_factor
        sl = self.sub_layer
        dz = params.thickness_m[sl] * jnp.asarray(self.sub_frac, dtype)
        kz = params.conductivity_w_m_k[sl][:, None, None] * ks
        kl = params.lateral_conductivity_w_m_k[sl][:, None, None] * ks
        dx, dy = self.dx_m, self.dy_m
        area = dx * dy

        def hmean(a, b):
            s = a + b
            return jnp.where(s > 0, 2 * a * b / jnp.where(s > 0, s, 1), 0)

        gx = hmean(kl[:, :, 1:], kl[:, :, :-1]) * (dy / dx) * dz[:, None, None]
        gy = hmean(kl[:, 1:, :], kl[:, :-1, :]) * (dx / dy) * dz[:, None, None]
        # vertical: A / (dz1/(2k1) + dz2/(2k2)) = 2 A k1 k2 / (dz1 k2 + dz2 k1)
        k1, k2 = kz[:-1], kz[1:]
        d1, d2 = dz[:-1, None, None], dz[1:, None, None]
        den = d1 * k2 + d2 * k1
        gz = jnp.where(den > 0, 2 * area * k1 * k2 / jnp.where(den > 0, den, 1), 0)
        h = jnp.broadcast_to(params.bottom_htc_w_m2_k, (self.ny, self.nx))
        kb = kz[-1]
        gb = jnp.where(kb > 0, area * h * 2 * kb / jnp.where(kb > 0, 2 * kb + h * dz[-1], 1), 0)
        ht = jnp.broadcast_to(params.top_htc_w_m2_k, (self.ny, self.nx))
        kt = kz[0]
        gt = jnp.where(kt > 0, area * ht * 2 * kt / jnp.where(kt > 0, 2 * kt + ht * dz[0], 1), 0)
        cap = params.heat_capacity_j_m3_k[sl][:, None, None] * dz[:, None, None] * area * mask
        return dict(gx=gx, gy=gy, gz=gz, gb=gb, gt=gt, cap=cap, dz=dz)

    def _matvec(self, g, shift_cap):
        inactive = 1.0 - jnp.asarray(self.mask, g["gx"].dtype)
        gx, gy, gz, gb, gt = g["gx"], g["gy"], g["gz"], g["gb"], g["gt"]
        diag_extra = inactive + shift_cap
        diag_extra = diag_extra.at[-1].add(gb).at[0].add(gt)

        def mv(t):
            fx = gx * (t[:, :, 1:] - t[:, :, :-1])
            fy = gy * (t[:, 1:, :] - t[:, :-1, :])
            fz = gz * (t[1:] - t[:-1])
            zx = jnp.zeros_like(fx[:, :, :1])
            zy = jnp.zeros_like(fy[:, :1, :])
            zz = jnp.zeros_like(fz[:1])
            return (diag_extra * t
                    + jnp.concatenate([zx, fx], axis=2) - jnp.concatenate([fx, zx], axis=2)
                    + jnp.concatenate([zy, fy], axis=1) - jnp.concatenate([fy, zy], axis=1)
                    + jnp.concatenate([zz, fz], axis=0) - jnp.concatenate([fz, zz], axis=0))
        return mv

    def _preconditioner(self, params, shift, conductivity_factor=None):
        """Exact inverse of the laterally homogeneous stack (DCT-II x, y; tridiagonal z).

        With k(T), each sub-layer uses its mean conductivity factor over active cells.
        """
        params = jax.lax.stop_gradient(params)
        dtype = params.thickness_m.dtype
        sl = self.sub_layer
        dz = params.thickness_m[sl] * jnp.asarray(self.sub_frac, dtype)
        kz = params.conductivity_w_m_k[sl]
        kl = params.lateral_conductivity_w_m_k[sl]
        if conductivity_factor is not None:
            m = jnp.asarray(self.mask, dtype)
            f = jax.lax.stop_gradient(jnp.sum(conductivity_factor * m, axis=(1, 2)) / jnp.sum(m, axis=(1, 2)))
            kz, kl = kz * f, kl * f
        dx, dy, area = self.dx_m, self.dy_m, self.dx_m * self.dy_m
        cx = kl * dz * dy / dx
        cy = kl * dz * dx / dy
        gz = 2 * area * kz[:-1] * kz[1:] / (dz[:-1] * kz[1:] + dz[1:] * kz[:-1])
        bm = jnp.asarray(self.mask[-1], dtype)
        hb = jnp.sum(jnp.broadcast_to(params.bottom_htc_w_m2_k, bm.shape) * bm) / jnp.sum(bm)
        gb = area * hb * 2 * kz[-1] / (2 * kz[-1] + hb * dz[-1])
        tm = jnp.asarray(self.mask[0], dtype)
        ht = jnp.sum(jnp.broadcast_to(params.top_htc_w_m2_k, tm.shape) * tm) / jnp.sum(tm)
        gt = area * ht * 2 * kz[0] / (2 * kz[0] + ht * dz[0])
        lam_x = 4 * jnp.sin(jnp.pi * jnp.arange(self.nx, dtype=dtype) / (2 * self.nx)) ** 2
        lam_y = 4 * jnp.sin(jnp.pi * jnp.arange(self.ny, dtype=dtype) / (2 * self.ny)) ** 2
        mass = shift * params.heat_capacity_j_m3_k[sl] * dz * area
        zeros = jnp.zeros((1,), dtype)
        gup = jnp.concatenate([zeros, gz])     # to the cell above
        gdn = jnp.concatenate([gz, zeros])     # to the cell below
        d1 = gup + gdn + mass
        d1 = d1.at[-1].add(gb).at[0].add(gt)
        diag = (d1[:, None, None] + cx[:, None, None] * lam_x[None, None, :]
                + cy[:, None, None] * lam_y[None, :, None])
        lower = jnp.broadcast_to(-gup[:, None, None], diag.shape)
        upper = jnp.broadcast_to(-gdn[:, None, None], diag.shape)
        fac = thomas_factor(lower, diag, upper)
        mask = jnp.asarray(self.mask, dtype)

        if self.lateral_transform == "matmul":
            cx, cy = jnp.asarray(self._dct_x, dtype), jnp.asarray(self._dct_y, dtype)
            hi = jax.lax.Precision.HIGHEST
            fwd = lambda v: jnp.einsum("ab,zbx->zax", cy, jnp.matmul(v, cx.T, precision=hi),  # noqa: E731
                                       precision=hi)
            inv = lambda v: jnp.einsum("ba,zbx->zax", cy, jnp.matmul(v, cx, precision=hi),  # noqa: E731
                                       precision=hi)
        else:
            fwd = lambda v: dctn(v, type=2, axes=(1, 2), norm="ortho")  # noqa: E731
            inv = lambda v: idctn(v, type=2, axes=(1, 2), norm="ortho")  # noqa: E731

        def apply(r):
            xh = thomas_solve(fac, fwd(r * mask))
            return inv(xh) * mask + r * (1 - mask)
        return apply

    def power_map(self, block_power_w):
        """(ny, nx) cell powers [W] of the power layer from block powers [W]."""
        w = jnp.asarray(self.block_weights, jnp.result_type(block_power_w))
        return jnp.tensordot(block_power_w, w, axes=1)

    def _solve_linear(self, params, shift, rhs, x0, rtol, maxiter, conductivity_factor=None):
        """PCG solve of the (shifted) operator; ``x0`` (optional) warm-starts the forward solve only."""
        g = self.conductances(params, conductivity_factor)
        mv = self._matvec(g, shift * g["cap"])
        pre = self._preconditioner(params, shift, conductivity_factor)
        cold = lambda matvec, b: cg(matvec, b, pre, jnp.zeros_like(b), rtol, maxiter)  # noqa: E731
        if x0 is None:
            x, conv = linear_solve(mv, rhs, cold, symmetric=True)
        else:
            x0 = jax.lax.stop_gradient(x0)
            warm = lambda matvec, b: cg(matvec, b, pre, x0, rtol, maxiter)  # noqa: E731
            x, conv = linear_solve(mv, rhs, warm, transpose_solve=cold)
        return x, conv.iterations, conv.residual, g

    def _boundary_rhs(self, params, g, tref):
        """Right-hand side of the coolant and top-ambient faces, relative to ``tref``."""
        dtype = params.thickness_m.dtype
        b = jnp.zeros((self.nz, self.ny, self.nx), dtype)
        b = b.at[-1].add(g["gb"] * (params.coolant_temperature_k - tref))
        return b.at[0].add(g["gt"] * (params.top_ambient_k - tref))

    # ------------------------------------------------------------------ steady
    def steady(self, params: PackageParams, block_power_w, cell_heat_w=None, rtol=None, maxiter=2000,
               ks_rho_per_k=5.0) -> ChipSolution:
        """Steady temperatures for block powers ``block_power_w`` [W] (n_blocks,).

        Parameters
        ----------
        params : :class:`PackageParams`.
        block_power_w : (n_blocks,) block powers [W], >= 0.
        cell_heat_w : optional (nz, ny, nx) extra heat per cell [W] (any layer;
            e.g. a manufactured source); ignored on inactive cells.
        rtol : CG relative residual tolerance (default dtype-aware).
        ks_rho_per_k : KS aggregation parameter [1/K] of ``ks_junction_k``.

        jit-, grad- and vmap-compatible; concrete inputs are validated on the host first.
        """
        self.validate(params, block_power_w)
        dtype = params.thickness_m.dtype
        if cell_heat_w is None:
            cell_heat_w = jnp.zeros((self.nz, self.ny, self.nx), dtype)
        return self._steady(params, jnp.asarray(block_power_w, dtype), jnp.asarray(cell_heat_w, dtype),
                            rtol, int(maxiter), float(ks_rho_per_k))

    def steady_batch(self, params: PackageParams, block_power_w, chunk_size: int = 4, rtol=None,
                     maxiter=2000, ks_rho_per_k=5.0) -> ChipSolution:
        """Steady solves of a batch of different chips on this geometry.

        Every leaf of ``params`` and ``block_power_w`` (n_chips, n_blocks) carries a
        leading chip axis.  Chips are solved ``vmap``-ed in chunks of ``chunk_size``
        (``jax.lax.map(..., batch_size=chunk_size)``): on CPU a chunk's working set
        stays in cache (4 chips of 64^2 x 8 cells: 1.6x the throughput of sequential
        solves on 2 cores, where a single 64-chip ``vmap`` is 0.8x); on a GPU pass
        ``chunk_size = n_chips`` for one full-width ``vmap``.  Returns a
        :class:`ChipSolution` whose leaves have the leading chip axis.
        """
        self.validate(params, block_power_w)
        if int(chunk_size) != chunk_size or chunk_size < 1:
            raise ValueError(f"chunk_size = {chunk_size!r} must be an integer >= 1")
        dtype = params.thickness_m.dtype
        return self._steady_batch(params, jnp.asarray(block_power_w, dtype), int(chunk_size), rtol,
                                  int(maxiter), float(ks_rho_per_k))

    @functools.partial(jax.jit, static_argnums=(0, 3, 4, 5, 6))
    def _steady_batch(self, params, block_power_w, chunk, rtol, maxiter, ks_rho):
        zeros = jnp.zeros((self.nz, self.ny, self.nx), block_power_w.dtype)
        return jax.lax.map(lambda a: self._steady(a[0], a[1], zeros, rtol, maxiter, ks_rho),
                           (params, block_power_w), batch_size=chunk)

    @functools.partial(jax.jit, static_argnums=(0, 4, 5, 6))
    def _steady(self, params, block_power_w, cell_heat_w, rtol, maxiter, ks_rho):
        dtype = params.thickness_m.dtype
        rtol = default_rtol(dtype) if rtol is None else rtol
        tref = jnp.mean(jax.lax.stop_gradient(params.coolant_temperature_k))
        mask = jnp.asarray(self.mask, dtype)
        source = (cell_heat_w * mask).at[self.junction_index].add(self.power_map(block_power_w))
        if self.nonlinear:
            theta, k, res, g, converged = self._steady_nonlinear(params, source, tref, rtol, maxiter)
        else:
            g = self.conductances(params)
            rhs = source + self._boundary_rhs(params, g, tref)
            theta, k, res, g = self._solve_linear(params, 0.0, rhs, None, rtol, maxiter)
            converged = res <= 10 * rtol
        t = tref + theta
        heat_out = (jnp.sum(g["gb"] * (t[-1] - params.coolant_temperature_k))
                    + jnp.sum(g["gt"] * (t[0] - params.top_ambient_k)))
        heat_in = jnp.sum(block_power_w) + jnp.sum(cell_heat_w * mask)
        kf = self.conductivity_factor(t) if self.nonlinear else None
        surface = self.top_surface_k(params, t, source[0], kf)
        return self._summarise(t, mask, heat_in, heat_out, Convergence(converged, res, k), ks_rho, surface)

    def _steady_nonlinear(self, params, source, tref, rtol, maxiter):
        """k(T): Picard iteration ``theta <- A(k(theta))^-1 b(theta)``, differentiated implicitly.

        Value: each Picard step is one warm-started PCG solve with the conductivities of the
        current iterate (:func:`orbit.solvers.fixed_point`, no derivative taken through it).
        Convergence: max |change| <= ``100 rtol (1 K + |theta|)`` and relative nonlinear
        residual <= ``100 rtol``.

        Derivative: the converged field is attached to the nonlinear finite-volume residual
        ``R(theta; p) = A(k(theta), p) theta - b(theta, p)`` by :func:`orbit.solvers.implicit_root`, so a
        tangent (or cotangent) costs one linear solve with the Jacobian ``dR/dtheta`` (the
        conduction operator plus the k(T) terms; nonsymmetric): GMRES (:mod:`thermal.numerics.krylov`)
        right-preconditioned with the exact inverse of the laterally homogeneous stack at the
        converged conductivities.  Each GMRES step is one stencil product and one DCT
        preconditioner, where differentiating the Picard map itself (GMRES on
        ``I - dF/dtheta``) costs a whole PCG solve per step.  On the study's chip (24 x 18 x 5
        cells; 7 GMRES steps per tangent, residual 2e-10 to 1.3e-9) 12 tangents take 13-18 ms,
        one evaluation 1.6-2.0 ms; the Picard-map derivative took 246 ms.  A tangent solve
        that does not converge returns NaN, never a wrong derivative.
        """
        tol = 100.0 * rtol
        dtype = source.dtype
        # the iterate is carried in the default float dtype: optimistix 0.1.0 keeps its
        # error estimate in that dtype, which must match (float32 params with x64 on)
        ydtype = jnp.result_type(float)
        fixed = jax.lax.stop_gradient((params, source))

        def picard(theta, args):
            p, src = args
            theta = theta.astype(dtype)
            kf = self.conductivity_factor(tref + theta)
            g = self.conductances(p, kf)
            x, _, _, _ = self._solve_linear(p, 0.0, src + self._boundary_rhs(p, g, tref), theta, rtol,
                                            maxiter, kf)
            return x.astype(ydtype)

        theta_fp, picard_conv = fixed_point(picard, jnp.zeros(source.shape, ydtype), fixed,
                                            solver=optx.FixedPointIteration(rtol=tol, atol=tol), max_steps=100)
        theta_star = theta_fp.astype(dtype)
        kf_star = self.conductivity_factor(tref + theta_star)

        def residual(theta):
            kf = self.conductivity_factor(tref + theta)
            g = self.conductances(params, kf)
            return self._matvec(g, 0.0)(theta) - (source + self._boundary_rhs(params, g, tref))

        pre = self._preconditioner(params, 0.0, kf_star)

        def linear(matvec, b):   # dR/dtheta (or its transpose: the stack preconditioner is symmetric)
            shape = b.shape
            x, krylov = gmres(lambda v: matvec(v.reshape(shape)).ravel(), b.ravel(),
                              lambda v: pre(v.reshape(shape)).ravel(), jnp.zeros((b.size,), dtype), rtol=tol,
                              atol=0.0, restart=20, max_iters=400)
            ok = krylov.residual <= tol * jnp.linalg.norm(b)   # the loop's own test: it stopped converged
            return jnp.where(ok, x.reshape(shape), jnp.nan)

        theta, _ = implicit_root(residual, theta_star, lambda f, x0: (x0, picard_conv), linear)
        g = self.conductances(params, self.conductivity_factor(tref + theta))
        rhs = source + self._boundary_rhs(params, g, tref)
        r = jax.lax.stop_gradient(rhs - self._matvec(g, 0.0)(theta))
        bb = jax.lax.stop_gradient(jnp.vdot(rhs, rhs))
        res = jnp.sqrt(jnp.vdot(r, r) / jnp.where(bb > 0, bb, 1.0))
        # the fixed point must have converged and the field must satisfy the nonlinear system
        # (a PCG step that hit maxiter would leave a large residual even if iterates stalled)
        converged = picard_conv.converged & (res <= tol)
        return theta, picard_conv.iterations, res, g, converged

    def top_surface_k(self, params: PackageParams, temperature_k, top_cell_heat_w, conductivity_factor=None):
        """Top-face (z = 0) temperatures [K] reconstructed from the first sub-layer's cells.

        The heat of a first-layer cell (``S`` [W/m^2] = its heat over its area) is taken
        as dissipated *at the face* -- the device layer of a flip-chip die, as HotSpot
        models it -- and the face loses ``h (T_s - T_amb)`` (``h`` = ``top_htc_w_m2_k``).
        The flux ``S - h (T_s - T_amb)`` then crosses the whole cell (thickness ``dz``,
        conductivity ``k``), and the two-point flux of the scheme makes the cell value
        that of depth ``dz/2``, so ``T_c = T_s - (S - h (T_s - T_amb)) dz / (2 k)`` and

        ``T_s = (T_c + S dz / (2 k) + a T_amb) / (1 + a)``,  ``a = h dz / (2 k)``.

        With an adiabatic top (HotSpot's stack) this is exact for a laterally uniform
        stack -- the two-point finite-volume solution is exact at faces in 1-D.  With a
        cooled top, the scheme's split of the heat between the two faces (it puts the
        heat at the cell centre) and lateral conduction inside the first cell give
        errors of first order in ``dz``, which vanish as the sub-layers are refined.
        ``junction_k`` (the cell value) is a depth ``dz/2`` below the face and hotter
        or cooler than it by ``(S - q_top) dz / (2 k)``.

        Parameters
        ----------
        params : :class:`PackageParams`.
        temperature_k : (nz, ny, nx) cell temperatures [K].
        top_cell_heat_w : (ny, nx) heat dissipated in the first sub-layer's cells [W].
        conductivity_factor : optional (nz, ny, nx) k(T) factor (see :meth:`conductances`).

        Returns
        -------
        (ny, nx) top-face temperatures [K]; cells outside the first layer keep their
        cell value.

        References
        ----------
        S. V. Patankar, *Numerical Heat Transfer and Fluid Flow* (1980), sec. 4.2-4.6
        (half-cell boundary fluxes of the finite-volume method).
        """
        t = jnp.asarray(temperature_k)
        dtype = t.dtype
        l0 = int(self.sub_layer[0])
        dz = params.thickness_m[l0] * float(self.sub_frac[0])
        kz = params.conductivity_w_m_k[l0] * jnp.asarray(self.kscale[0], dtype)
        if conductivity_factor is not None:
            kz = kz * conductivity_factor[0]
        m0 = jnp.asarray(self.mask[0])
        kz = jnp.where(m0, kz, 1.0)
        s = jnp.asarray(top_cell_heat_w, dtype) / (self.dx_m * self.dy_m)
        a = jnp.broadcast_to(params.top_htc_w_m2_k, (self.ny, self.nx)) * dz / (2 * kz)
        ts = (t[0] + s * dz / (2 * kz) + a * params.top_ambient_k) / (1 + a)
        return jnp.where(m0, ts, t[0])

    def block_temperatures(self, field_k, mode: str = "area"):
        """Block temperatures [K] of the floorplan from a (ny, nx) field on this grid.

        Parameters
        ----------
        field_k : (ny, nx) temperatures [K] (e.g. ``junction_k`` or ``surface_k``).
        mode : ``"area"`` -- mean weighted by each block's overlap area with the cells
            (the default, = ``ChipSolution.block_temperature_k`` for ``junction_k``);
            HotSpot's grid-to-block rules: ``"avg"`` -- unweighted mean of every cell
            the block overlaps, ``"min"``/``"max"`` over those cells, ``"center"`` --
            mean of the one to four central cells of the block's cell range.

        Returns
        -------
        (n_blocks,) temperatures [K].
        """
        f = jnp.asarray(field_k)
        w = self.block_weights
        cells_np = w > 1e-9 * w.max(axis=(1, 2), keepdims=True)   # drop round-off slivers at shared edges
        cells = jnp.asarray(cells_np)
        if mode == "area":
            return jnp.tensordot(jnp.asarray(self.block_weights, f.dtype), f, axes=2)
        if mode == "avg":
            return jnp.sum(jnp.where(cells, f[None], 0), axis=(1, 2)) / jnp.sum(cells, axis=(1, 2))
        if mode == "max":
            return jnp.max(jnp.where(cells, f[None], -jnp.inf), axis=(1, 2))
        if mode == "min":
            return jnp.min(jnp.where(cells, f[None], jnp.inf), axis=(1, 2))
        if mode == "center":
            out = []
            for c in cells_np:
                rows, cols = np.nonzero(c.any(axis=1))[0], np.nonzero(c.any(axis=0))[0]
                i1, i2, j1, j2 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
                ci, cj = (i1 + i2) // 2, (j1 + j2) // 2
                ci2, cj2 = ci - (1 - (i2 - i1) % 2), cj - (1 - (j2 - j1) % 2)
                out.append((f[ci, cj] + f[ci2, cj] + f[ci, cj2] + f[ci2, cj2]) / 4)
            return jnp.stack(out)
        raise ValueError(f"mode = {mode!r} must be 'area', 'avg', 'min', 'max' or 'center'")

    def _summarise(self, t, mask, heat_in, heat_out, conv, ks_rho, surface):
        dtype = t.dtype
        tj = t[self.junction_index]
        jm = mask[self.junction_index]
        tmax = jnp.max(jnp.where(jm > 0, tj, -jnp.inf))
        ks = ks_max(tj, jm, ks_rho)
        w = jnp.asarray(self.block_weights, dtype)
        tblock = jnp.tensordot(w, tj, axes=2)
        tbmax = jnp.max(jnp.where(jnp.asarray(self.block_cells)[:, :, :], tj[None], -jnp.inf), axis=(1, 2))
        smax = jnp.max(jnp.where(mask[0] > 0, surface, -jnp.inf))
        return ChipSolution(
            temperature_k=t, junction_k=tj, max_junction_k=tmax, ks_junction_k=ks,
            surface_k=surface, max_surface_k=smax, block_temperature_k=tblock, block_max_k=tbmax, heat_in_w=heat_in,
            heat_out_w=heat_out, residual=conv.residual, iterations=conv.iterations,
            converged=conv.converged, convergence=conv)

    # ------------------------------------------------------------------ transient
    def transient(self, params: PackageParams, block_power_trace_w, dt_s, initial_temperature_k=None,
                  rtol=None, maxiter=2000) -> TransientSolution:
        """Transient response to a power trace (one row of block powers per step).

        BDF2 with a backward-Euler first step (second order in time); row ``n`` of
        ``block_power_trace_w`` (n_steps, n_blocks) [W] is the power during step
        ``n`` (HotSpot's piecewise-constant convention).  ``initial_temperature_k``:
        scalar or (nz, ny, nx) [K]; default = the mean coolant temperature.
        """
        self.validate(params, block_power_trace_w)
        check_positive("dt_s", dt_s, "s")
        dtype = params.thickness_m.dtype
        if initial_temperature_k is None:
            initial_temperature_k = jnp.mean(params.coolant_temperature_k)
        t0 = jnp.broadcast_to(jnp.asarray(initial_temperature_k, dtype), (self.nz, self.ny, self.nx))
        return self._transient(params, jnp.asarray(block_power_trace_w, dtype), jnp.asarray(dt_s, dtype),
                               t0, rtol, int(maxiter))

    @functools.partial(jax.jit, static_argnums=(0, 5, 6))
    def _transient(self, params, trace, dt, t0, rtol, maxiter):
        dtype = params.thickness_m.dtype
        rtol = default_rtol(dtype) if rtol is None else rtol
        tref = jnp.mean(jax.lax.stop_gradient(params.coolant_temperature_k))
        g = self.conductances(params)
        mask = jnp.asarray(self.mask, dtype)
        cap = g["cap"]
        th0 = (t0 - tref) * mask
        # k(T): conductivities at the extrapolated temperature 2 T^n - T^(n-1) (linearly
        # implicit BDF2, second order); the first, backward-Euler step uses T^0.
        kfac = (lambda th: self.conductivity_factor(tref + th)) if self.nonlinear else (lambda th: None)

        def rhs_for(p, kf):
            gg = g if kf is None else self.conductances(params, kf)
            return self._boundary_rhs(params, gg, tref).at[self.junction_index].add(self.power_map(p))

        # first step: backward Euler
        kf1 = kfac(th0)
        x1, k1, r1, _ = self._solve_linear(params, 1.0 / dt, rhs_for(trace[0], kf1) + cap * th0 / dt,
                                           None, rtol, maxiter, kf1)

        def step(carry, p):
            th_prev, th, rmax, its = carry
            kf = kfac(2 * th - th_prev)
            rhs = rhs_for(p, kf) + cap * (2 * th - 0.5 * th_prev) / dt
            x, k, r, _ = self._solve_linear(params, 1.5 / dt, rhs, None, rtol, maxiter, kf)
            return (th, x, jnp.maximum(rmax, r), its + k), self._record(tref + x, mask)

        (_, th_end, rmax, its), (tmax, tblk) = jax.lax.scan(step, (th0, x1, r1, k1), trace[1:])
        tmax0, tblk0 = self._record(tref + x1, mask)
        tmax = jnp.concatenate([tmax0[None], tmax])
        tblk = jnp.concatenate([tblk0[None], tblk])
        n = trace.shape[0]
        time = dt * jnp.arange(1, n + 1, dtype=dtype)
        ok = rmax <= 10 * rtol
        return TransientSolution(time_s=time, max_junction_k=tmax, block_temperature_k=tblk,
                                 temperature_k=tref + th_end, residual=rmax, converged=ok,
                                 convergence=Convergence(ok, rmax, its))

    def _record(self, t, mask):
        tj = t[self.junction_index]
        tmax = jnp.max(jnp.where(mask[self.junction_index] > 0, tj, -jnp.inf))
        tblk = jnp.tensordot(jnp.asarray(self.block_weights, t.dtype), tj, axes=2)
        return tmax, tblk

    # ------------------------------------------------------------------ helpers
    def assemble_sparse(self, params: PackageParams, conductivity_factor=None):
        """The steady operator as a ``scipy.sparse.csr_matrix`` and its right-hand-side pieces.

        Used by the benchmark's sparse-direct baseline and the tests (host only).
        ``conductivity_factor``: optional (nz, ny, nx) k(T) factor (see :meth:`conductances`).
        Returns ``(A, gb, gt)`` with ``A`` of size ``nz*ny*nx``.
        """
        import scipy.sparse as sp
        g = {k: np.asarray(v, float) for k, v in self.conductances(params, conductivity_factor).items()}
        nz, ny, nx = self.nz, self.ny, self.nx
        idx = np.arange(nz * ny * nx).reshape(nz, ny, nx)
        rows, cols, vals = [], [], []
        diag = (1.0 - self.mask).astype(float)
        diag[-1] += g["gb"]
        diag[0] += g["gt"]
        for gg, a, b in ((g["gx"], idx[:, :, :-1], idx[:, :, 1:]), (g["gy"], idx[:, :-1, :], idx[:, 1:, :]),
                         (g["gz"], idx[:-1], idx[1:])):
            rows += [a.ravel(), b.ravel()]
            cols += [b.ravel(), a.ravel()]
            vals += [-gg.ravel(), -gg.ravel()]
            np.add.at(diag, np.unravel_index(a.ravel(), diag.shape), gg.ravel())
            np.add.at(diag, np.unravel_index(b.ravel(), diag.shape), gg.ravel())
        rows.append(idx.ravel())
        cols.append(idx.ravel())
        vals.append(diag.ravel())
        A = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(idx.size, idx.size))
        return A, g["gb"], g["gt"]

    def sparse_rhs(self, params, block_power_w, gb, gt):
        """Right-hand side matching :meth:`assemble_sparse` (absolute temperatures)."""
        b = np.zeros((self.nz, self.ny, self.nx))
        b[self.junction_index] += np.tensordot(np.asarray(block_power_w, float), self.block_weights, axes=1)
        b[-1] += gb * np.asarray(params.coolant_temperature_k, float)
        b[0] += gt * np.asarray(params.top_ambient_k, float)
        b += (1.0 - self.mask) * float(np.mean(np.asarray(params.coolant_temperature_k, float)))
        return b.ravel()


# ---------------------------------------------------------------------- analytic reference
def spreading_series_mean_temperature(source_m, plate_m, layers, htc_w_m2_k, power_w, depth_m=0.0,
                                      n_terms=400):
    """Mean temperature rise over a rectangular source on a layered rectangular flux channel.

    A uniform heat flux ``power_w / (a b)`` enters the top face over the rectangle
    ``source_m = (x0, y0, x1, y1)`` of a plate ``plate_m = (Lx, Ly)`` made of
    ``layers = [(thickness_m, k_w_m_k), ...]`` (top first); the sides and the
    rest of the top are adiabatic and the bottom is cooled by ``htc_w_m2_k`` to a
    sink at 0.  The double cosine series (Muzychka, Culham & Yovanovich 2003,
    eqs. for the eccentric source, generalised here to a layer stack by the
    standard conduction transfer matrix of each mode) is summed with ``n_terms``
    modes per direction; the source-area mean of each mode is taken in closed
    form, so terms decay like 1/(m^2 n^2 gamma) and the sum converges.

    Returns the mean temperature rise [K] over the source area at depth ``depth_m``
    (inside the first layer).  numpy, float64, host only.

    References
    ----------
    Muzychka, Culham, Yovanovich, J. Electron. Packag. 125, 178-185 (2003).
    """
    x0, y0, x1, y1 = (float(v) for v in source_m)
    lx, ly = (float(v) for v in plate_m)
    a, b = x1 - x0, y1 - y0
    q = power_w / (a * b)
    m = np.arange(n_terms)
    al = m * np.pi / lx
    be = m * np.pi / ly
    # integral of cos over the source / source length, and the cosine-series normalisation
    with np.errstate(invalid="ignore", divide="ignore"):
        sx = np.where(m == 0, a, (np.sin(al * x1) - np.sin(al * x0)) / np.where(m == 0, 1, al))
        sy = np.where(m == 0, b, (np.sin(be * y1) - np.sin(be * y0)) / np.where(m == 0, 1, be))
    ex = np.where(m == 0, 1.0, 2.0) / lx
    ey = np.where(m == 0, 1.0, 2.0) / ly
    # flux coefficient q_mn = ex ey q sx sy; mean over source of cos cos = sx sy / (a b)
    coef = q * np.outer(ex * sx, ey * sy) * np.outer(sx, sy) / (a * b)
    gam = np.sqrt(al[:, None] ** 2 + be[None, :] ** 2)
    # impedance theta/q at the bottom of the stack, propagated up to depth_m in layer 0
    layers = list(layers)
    if not 0 <= depth_m < layers[0][0]:
        raise ValueError(f"depth_m = {depth_m!r} must lie in [0, {layers[0][0]!r}) (inside the first layer)")
    stack = [(layers[0][0] - depth_m, layers[0][1])] + layers[1:]
    z = np.full(gam.shape, 1.0 / htc_w_m2_k)
    for t, k in reversed(stack):
        kg = k * gam
        th = np.tanh(gam * t)
        with np.errstate(invalid="ignore", divide="ignore"):
            zn = (z + th / np.where(kg > 0, kg, 1)) / (kg * th * z + 1)
        z = np.where(gam > 0, zn, z + t / k)
    if depth_m > 0:
        # flux reaching depth z: q(z) = q0 / (cosh(g z) (1 + k g tanh(g z) Z_z)); theta = Z_z q(z)
        k1 = layers[0][1]
        gz = gam * depth_m
        with np.errstate(over="ignore"):
            fac = 1.0 / (np.cosh(gz) * (1 + k1 * gam * np.tanh(gz) * z))
        z = z * fac
    return float(np.sum(coef * z))


# ---------------------------------------------------------------------- HotSpot package
#: Default sub-layers of :func:`hotspot_package`: per dissipating layer, per other chip layer
#: (one per ``other_m`` of thickness, at most the dissipating layers' count), spreader, sink.
#: Chosen by a thickness-refinement study of HotSpot's EV6 example (test_hotspot_defaults.py).
HOTSPOT_DEFAULT_SUBLAYERS = {"power": 8, "other_m": 25e-6, "spreader": 8, "sink": 8}


def hotspot_package(config: dict, materials: dict, floorplan: Floorplan, n_sublayers=None, lcf_layers=None):
    """Express a HotSpot package (chip layers, spreader, sink, convection) as layers.

    Parameters
    ----------
    config : dict from :func:`thermal.chip.floorplan.read_hotspot_config` (keys ``t_chip``,
        ``material_chip``/``k_chip``/``p_chip``, ``t_interface``, ``k_interface``, ``p_interface``,
        ``s_spreader``, ``t_spreader``, ``material_spreader``, ``s_sink``, ``t_sink``,
        ``material_sink``, ``r_convec``, ``ambient``).
    materials : dict from :func:`thermal.chip.floorplan.read_materials`.
    floorplan : die floorplan (die = its bounding box).
    n_sublayers : cells through each layer.  Default (:data:`HOTSPOT_DEFAULT_SUBLAYERS`):
        8 in each dissipating layer, ``ceil(t / 25 um)`` (at most 8) in other chip
        layers, 8 in the spreader and 8 in the sink -- on HotSpot's EV6 example
        ((8, 1, 8, 8)) the block temperatures, both ``block_temperature_k`` (cell
        centres) and the top-face values, are then within 0.07 K of the
        thickness-converged answer at 32 x 32 and 64 x 64 cells (one sub-layer each,
        the former default: 1.3 K off on average, 1.9 K for the worst block; see
        ``tests/thermal/test_hotspot_defaults.py``).
    lcf_layers : optional layers from :func:`thermal.chip.floorplan.read_lcf`.  As in
        HotSpot's grid model, they replace the default die + TIM pair and the
        spreader and sink of ``config`` are appended below them; layer 0 is the
        farthest from the sink.  Each layer keeps its conductivity (1/resistivity),
        capacity and thickness; ``lateral_heat_flow = N`` becomes an in-plane
        conductivity 1e-9 of the through-plane value.  Exactly one layer may
        dissipate power (its floorplan is ``floorplan``); all chip layers share the
        die outline, as HotSpot requires.

    Returns
    -------
    layers : list of :class:`LayerSpec` centred in the sink's square, source side first.
    bottom_htc_w_m2_k : ``1 / (r_convec * s_sink^2)`` [W/(m^2 K)] over the sink base.
    ambient_k : convection ambient [K].
    die_origin_m : (x, y) [m] of the die in the domain.
    power_layer : index of the power-dissipating layer (pass to :class:`ChipModel`).

    Notes
    -----
    HotSpot lumps the spreader/sink periphery into 12 nodes and puts one node at
    the top of each layer; here the spreader and sink are meshed in full on the
    common lateral grid and every layer has cell-centred sub-layers, so the answer
    converges to the continuum as the grid is refined (``sunsink hotspot -scheme
    converged``; ``sunsink hotspot`` reproduces HotSpot's own model).
    """
    def mat(prefix, default_k=None, default_c=None):
        name = config.get(f"material_{prefix}")
        if name is not None and name in materials:
            return materials[name]["conductivity_w_m_k"], materials[name]["heat_capacity_j_m3_k"]
        return float(config.get(f"k_{prefix}", default_k)), float(config.get(f"p_{prefix}", default_c))

    k_sp, c_sp = mat("spreader", 400.0, 3.55e6)
    k_sink, c_sink = mat("sink", 400.0, 3.55e6)
    x0, y0, x1, y1 = floorplan.bounding_box_m
    w, h = x1 - x0, y1 - y0
    s_sink = float(config["s_sink"])
    s_sp = float(config["s_spreader"])
    if not (w <= s_sp <= s_sink):
        raise ValueError(f"HotSpot package needs die width {w:g} m <= s_spreader {s_sp:g} m <= s_sink "
                         f"{s_sink:g} m")
    c = s_sink / 2
    die = (c - w / 2, c - h / 2, c + w / 2, c + h / 2)
    spr = (c - s_sp / 2, c - s_sp / 2, c + s_sp / 2, c + s_sp / 2)
    if lcf_layers is None:
        k_chip, c_chip = mat("chip", 100.0, 1.75e6)
        chip = [("die", float(config["t_chip"]), k_chip, c_chip, None),
                ("tim", float(config["t_interface"]), float(config.get("k_interface", 4.0)),
                 float(config.get("p_interface", 4.0e6)), None)]
        power_layer = 0
    else:
        lcf_layers = sorted(lcf_layers, key=lambda L: L.number)
        if [L.number for L in lcf_layers] != list(range(len(lcf_layers))):
            raise ValueError(f"lcf layer numbers {[L.number for L in lcf_layers]} must be 0..n-1")
        powered = [i for i, L in enumerate(lcf_layers) if L.power_dissipation]
        if len(powered) != 1:
            raise ValueError(f"lcf_layers: exactly one layer may dissipate power here, got layers {powered}")
        power_layer = powered[0]
        chip = [(f"lcf{L.number}", L.thickness_m, L.conductivity_w_m_k, L.heat_capacity_j_m3_k,
                 None if L.lateral_heat_flow else 1e-9 * L.conductivity_w_m_k) for L in lcf_layers]
    n_total = len(chip) + 2
    if n_sublayers is None:
        pw = [(i == power_layer) for i in range(len(chip))]
        ns = tuple(HOTSPOT_DEFAULT_SUBLAYERS["power"] if p_ else
                   min(HOTSPOT_DEFAULT_SUBLAYERS["power"], max(1, math.ceil(t / HOTSPOT_DEFAULT_SUBLAYERS["other_m"])))
                   for p_, (_, t, _, _, _) in zip(pw, chip))
        ns += (HOTSPOT_DEFAULT_SUBLAYERS["spreader"], HOTSPOT_DEFAULT_SUBLAYERS["sink"])
    else:
        ns = tuple(n_sublayers)
    if len(ns) != n_total:
        raise ValueError(f"n_sublayers has {len(ns)} entries, expected {n_total} (chip layers, spreader, sink)")
    layers = [LayerSpec(name, t, k, cap, die, lateral_conductivity_w_m_k=kl, n_sublayers=n)
              for (name, t, k, cap, kl), n in zip(chip, ns)]
    layers += [
        LayerSpec("spreader", float(config["t_spreader"]), k_sp, c_sp, spr, n_sublayers=ns[-2]),
        LayerSpec("sink", float(config["t_sink"]), k_sink, c_sink, (0.0, 0.0, s_sink, s_sink),
                  n_sublayers=ns[-1]),
    ]
    htc = 1.0 / (float(config["r_convec"]) * s_sink ** 2)
    return layers, htc, float(config.get("ambient", 318.15)), (die[0] - x0, die[1] - y0), power_layer
