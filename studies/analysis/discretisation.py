"""Discretisation error of a study's headline numbers: the same design on refined grids, Richardson estimates.

At a design (an orbit's optimum), the coupled model is evaluated again on the radiator grid refined 2x and 4x
in each direction (the chip grid at its configured size), and on the chip grid refined 2x and 4x (the radiator
grid at its configured size): three grids ``h, h/2, h/4`` per family.  A radiator with an odd number of cells
across a tube pitch is refined 3x and 9x instead (:func:`radiator_ratio`: the grids stay similar about the
tubes).  For each headline quantity
(:data:`HEADLINES`) and each family, :func:`richardson` gives the observed order of accuracy ``p``, the
extrapolated (grid-converged) value and the error of the configured grid, following the grid convergence
index procedure of Celik et al. (2008) with a constant refinement ratio ``r`` (2; 3 for the odd radiator):

    p = ln(e32 / e21) / ln r,    e21 = f(h/r) - f(h/r^2),  e32 = f(h) - f(h/r),
    f_ext = (r^p f(h/r^2) - f(h/r)) / (r^p - 1),   error of the configured grid = f(h) - f_ext.

The radiator and chip discretisations are separable (the radiator sets the coolant temperatures, the chip grid
the rise above them), so the error of the configured grids is the sum of the two families' errors and the
extrapolated value is ``f(h) - error``; where a family is flagged (below), its conservative bound is a size and
the sizes add (:attr:`QuantityError.bound`, what is judged against the tolerance).

Oscillating convergence (``e32 / e21 < 0``) has no observed order: ``p`` is reported as NaN, the finest grid
stands in for the extrapolate (the error estimate is ``f(h) - f(h/4)``) and the size judged against the tolerance
is the conservative ``|f(h) - f(h/4)| + |f(h/2) - f(h/4)|`` (the configured grid's distance to the finest plus
the finest-grid difference), flagged ``oscillating``; an observed order outside [0.5, 4] (not in the asymptotic range of a
first- or second-order scheme; a negative one where the differences grow on refinement) is treated the same way
and flagged ``non-asymptotic``.

The radiator's heat rejected at a fixed design is fixed by the loop's energy balance (it is the payload's heat
plus the pump's), so a coarse radiator grid shows up in the temperatures the loop settles at and in the fin
efficiency -- the heat a panel rejects at given temperatures is proportional to it.  The issue's tolerance on
the radiator heat (0.5 %) is therefore applied to ``radiator_fin_efficiency``.

The change of the optimum's objective (mass) is first order, from the envelope theorem: with the KKT
multipliers ``lambda_i`` of the active constraints (:func:`studies.analysis.optimize.kkt_check`, scaled
problem ``f / ref`` against ``g >= 0``), moving from the configured grid to grid ``k`` changes the optimum by

    dJ* ~ ref * [ (f_k - f_0) / ref - sum_i lambda_i (g_i,k - g_i,0) ]  =  (J_k - J_0) - ref sum_i lambda_i dg_i,

the change of the objective at the fixed design plus the price of the constraints' change (a constraint whose
value drops on a finer grid, a hotter junction, costs mass).  This is exact to first order in the grid change;
it is not a re-optimisation.  Without an optimisation (``evaluate``) there are no multipliers and the row
gives the objective at the fixed design.

References
----------
- Roache, P. J. (1998), *Verification and Validation in Computational Science and Engineering*, Hermosa
  Publishers (Richardson extrapolation, observed order, grid convergence index).
- Celik, I. B., Ghia, U., Roache, P. J., Freitas, C. J., Coleman, H. & Raad, P. E. (2008), "Procedure for
  estimation and reporting of uncertainty due to discretization in CFD applications", J. Fluids Eng. 130(7),
  078001.
- Martins, J. R. R. A. & Ning, A. (2021), *Engineering Design Optimization*, CUP, sec. 5.3 (Lagrange
  multipliers as sensitivities of the optimum to the constraints).
"""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

from ..model import METRICS, Numerics

__all__ = ["Richardson", "Headline", "HEADLINES", "GridRun", "QuantityError", "DiscretisationCheck",
           "richardson", "refined_numerics", "radiator_ratio", "families", "discretisation_check", "OBJECTIVE_UNITS",
           "REFINEMENT_RATIO", "ORDER_RANGE"]

REFINEMENT_RATIO = 2
"""Grid refinement ratio between successive grids of a family (h, h/2, h/4); see :func:`radiator_ratio`."""

ORDER_RANGE = (0.5, 4.0)
"""Observed orders accepted as asymptotic; outside it the estimate is flagged ``non-asymptotic``."""

OBJECTIVE_UNITS = {"mass": "kg", "cost": "USD kW-1 yr-1"}
"""Units of the objective by ``mission.objective``."""


@dataclass(frozen=True)
class Richardson:
    """Richardson estimate from three grids of one family (ratio :data:`REFINEMENT_RATIO`).

    ``values``: f on h, h/2, h/4 (h the configured grid).  ``order``: observed order p (NaN when it has
    none).  ``extrapolated``: grid-converged estimate (the finest grid where flagged).  ``error``: the
    configured grid's value minus the extrapolate (signed).  ``bound``: the error's size judged against a
    tolerance, ``|error|``, or where flagged the conservative ``|f(h) - f(h/4)| + |f(h/2) - f(h/4)|``.
    ``status``: ``monotone``, ``grid-independent`` (the grids agree to round-off), ``oscillating`` or
    ``non-asymptotic``."""

    values: tuple
    order: float
    extrapolated: float
    error: float
    status: str
    bound: float = math.nan

    def __post_init__(self):
        if math.isnan(self.bound):
            object.__setattr__(self, "bound", abs(self.error))

    @property
    def flagged(self) -> bool:
        return self.status in ("oscillating", "non-asymptotic")


def richardson(f_h: float, f_h2: float, f_h4: float, ratio: float = REFINEMENT_RATIO,
               order_range: tuple = ORDER_RANGE, rtol: float = 1e-10) -> Richardson:
    """Observed order, extrapolated value and error of the coarsest grid from f on h, h/2, h/4 (Celik et al.
    2008, constant ratio ``ratio``); oscillating or non-asymptotic sequences get the conservative estimate of
    the module docstring and a flag.  Differences below ``rtol`` of the values are round-off
    (``grid-independent``: error 0)."""
    f = tuple(float(x) for x in (f_h, f_h2, f_h4))
    e32, e21 = f[0] - f[1], f[1] - f[2]
    floor = rtol * max(abs(x) for x in f) + 1e-300
    if abs(e32) <= floor and abs(e21) <= floor:
        return Richardson(f, math.nan, f[2], 0.0, "grid-independent")
    conservative = abs(f[0] - f[2]) + abs(e21)
    if abs(e21) <= floor or e32 / e21 < 0:
        return Richardson(f, math.nan, f[2], f[0] - f[2], "oscillating", conservative)
    p = math.log(e32 / e21) / math.log(ratio)      # < 0 where the differences grow on refinement (diverging)
    if not order_range[0] <= p <= order_range[1]:
        return Richardson(f, p, f[2], f[0] - f[2], "non-asymptotic", conservative)
    rp = ratio ** p
    ext = (rp * f[2] - f[1]) / (rp - 1.0)
    return Richardson(f, p, ext, f[0] - ext, "monotone")


@dataclass(frozen=True)
class Headline:
    """A headline quantity whose discretisation error a study reports: the metric (``None`` for the
    optimum's objective, derived from the multipliers), its tolerance on the configured grid -- absolute
    in the metric's units (``relative = False``) or a fraction of its value -- and why that tolerance."""

    name: str
    metric: str | None
    long_name: str
    tolerance: float
    relative: bool
    why: str

    def tolerance_value(self, value: float) -> float:
        """The tolerance in the quantity's units at ``value``."""
        return self.tolerance * abs(value) if self.relative else self.tolerance

    def tolerance_text(self) -> str:
        return f"{100 * self.tolerance:g} %" if self.relative else f"{self.tolerance:g}"


HEADLINES = (
    Headline("junction_max_k", "junction_max_k", "hottest junction", 0.5, False,
             "issue 29: the junction limit is judged to the kelvin; 0.5 K is what the optimiser may mis-size"),
    Headline("hbm_max_k", "hbm_max_k", "hottest HBM stack", 0.5, False, "issue 29: as the junction"),
    Headline("radiator_fin_efficiency", "radiator_fin_efficiency", "radiator fin efficiency", 0.005, True,
             "issue 29's 0.5 % on radiator heat: at given temperatures a panel's heat is proportional to it"),
    Headline("coolant_supply_k", "coolant_supply_k", "coolant supply temperature", 0.5, False,
             "the junction sits on the supply temperature 1:1, so the junction's 0.5 K"),
    Headline("heater_power_w", "heater_power_w", "freeze-protection heater power (cold case)", 0.02, True,
             "heaters are sized with a design margin of 25 % or more; 2 % of the power is a small part of it"),
    Headline("optimum_objective", None, "optimum objective (first order, KKT multipliers)", 0.005, True,
             "issue 29: the optimum mass within 0.5 %"),
)
"""The headline quantities and their tolerances, declared once (report, archive and verdict walk them)."""


@dataclass(frozen=True)
class GridRun:
    """One evaluation of the design: its grids, the wall time of the first call (compilation and run)
    and of a second call (run only) [s], and whether every solve converged."""

    label: str
    radiator_nx: int
    radiator_ny: int
    chip_nx: int
    chip_ny: int
    first_call_s: float
    run_s: float
    converged: bool


@dataclass(frozen=True)
class QuantityError:
    """One headline quantity: its configured-grid value, the radiator and chip families' Richardson estimates,
    the combined error of the configured grids (the sum of the two), the extrapolated value and the tolerance
    (in the quantity's units)."""

    headline: Headline
    units: str
    value: float
    radiator: Richardson
    chip: Richardson
    tolerance: float

    @property
    def error(self) -> float:
        return self.radiator.error + self.chip.error

    @property
    def extrapolated(self) -> float:
        return self.value - self.error

    @property
    def bound(self) -> float:
        """The error's size judged against the tolerance: ``|error|`` where both families converge monotonically
        (signed estimates add), the sum of the families' bounds where either is flagged (a conservative estimate
        is a size, not a signed correction, and must not cancel the other family's)."""
        return self.radiator.bound + self.chip.bound if self.flagged else abs(self.error)

    @property
    def exceeded(self) -> bool:
        return not self.bound <= self.tolerance

    @property
    def flagged(self) -> bool:
        return self.radiator.flagged or self.chip.flagged


@dataclass(frozen=True)
class DiscretisationCheck:
    """The discretisation check of one design: the grids evaluated (configured, radiator x2, x4, chip x2,
    x4; the radiator 3x, 9x where ``radiator_ratio`` is 3) and each headline quantity's estimate; ``optimised``:
    the objective row uses KKT multipliers."""

    grids: tuple
    quantities: tuple
    optimised: bool
    radiator_ratio: int = REFINEMENT_RATIO

    @property
    def exceeded(self) -> list:
        return [q for q in self.quantities if q.exceeded]

    @property
    def converged(self) -> bool:
        return all(g.converged for g in self.grids)


def refined_numerics(numerics: Numerics, radiator: int = 1, chip: int = 1) -> Numerics:
    """``numerics`` with the radiator grid refined ``radiator`` times in each direction (cells along the
    tubes and across a tube pitch) and the chip grid ``chip`` times."""
    return dataclasses.replace(numerics, radiator_nx=numerics.radiator_nx * radiator,
                               radiator_cells_per_pitch=numerics.radiator_cells_per_pitch * radiator,
                               chip_nx=numerics.chip_nx * chip, chip_ny=numerics.chip_ny * chip)


def radiator_ratio(numerics: Numerics) -> int:
    """Refinement ratio of the radiator family: 2 where a tube pitch has an even number of cells, 3 where odd.

    The tube lines sit at the middle of a pitch (:func:`thermal.radiator.operators.tube_weights`): on a cell
    boundary for an even count, on a cell centre for an odd one.  Refining an odd count by 2 moves the tube from
    a centre to a boundary, so the grids are not geometrically similar and the sequence need not converge
    monotonically (Celik et al. 2008 ask for similar grids); a ratio of 3 keeps an odd count odd."""
    return 2 if numerics.radiator_cells_per_pitch % 2 == 0 else 3


def families(numerics: Numerics) -> tuple:
    """(label, radiator refinement, chip refinement) of the grids evaluated, the configured first: the radiator
    refined r and r^2 times (:func:`radiator_ratio`), the chip 2 and 4 times."""
    r = radiator_ratio(numerics)
    return (("configured", 1, 1), (f"radiator x{r}", r, 1), (f"radiator x{r * r}", r * r, 1), ("chip x2", 1, 2),
            ("chip x4", 1, 4))


def _objective_sequence(metrics: Sequence[Mapping], multipliers: Mapping[str, float] | None, ref: float) -> list:
    """The optimum's objective on each grid to first order: ``J_k - ref sum_i lambda_i (g_i,k - g_i,0)``."""
    j0 = metrics[0]
    out = []
    for m in metrics:
        shift = sum(lam * (float(m[f"g_{c}"]) - float(j0[f"g_{c}"])) for c, lam in (multipliers or {}).items())
        out.append(float(m["objective"]) - ref * shift)
    return out


def discretisation_check(evaluate_at: Callable[[Numerics], Mapping], numerics: Numerics,
                         multipliers: Mapping[str, float] | None = None, objective: str = "mass",
                         objective_ref: float = 1.0, headlines: Sequence[Headline] = HEADLINES,
                         units: Mapping[str, str] | None = None) -> DiscretisationCheck:
    """Evaluate a design on the configured and refined grids (:func:`families`) and estimate the
    discretisation error of each headline quantity.

    ``evaluate_at(numerics) -> metrics`` evaluates the fixed design with the given numerics (called twice per
    grid: the second call times the run without compilation).  ``multipliers``: the KKT multipliers of the
    active constraints of the scaled problem (:func:`studies.analysis.optimize.kkt_check`), ``None`` for a
    design that was not optimised; ``objective_ref``: the objective's reference scale (the optimiser sees
    ``objective / objective_ref``).  ``units``: each headline metric's units (default: the declared ones)."""
    if units is None:
        units = {h.metric: METRICS[h.metric].units for h in headlines if h.metric is not None}
    runs, metrics = [], []
    ratio = radiator_ratio(numerics)
    for label, rr, rc in families(numerics):
        n = refined_numerics(numerics, rr, rc)
        t0 = time.perf_counter()
        m = {k: np.asarray(v) for k, v in evaluate_at(n).items()}
        t1 = time.perf_counter()
        evaluate_at(n)
        t2 = time.perf_counter()
        metrics.append(m)
        runs.append(GridRun(label, n.radiator_nx, n.radiator_ny, n.chip_nx, n.chip_ny, t1 - t0, t2 - t1,
                            bool(float(m.get("converged", 1.0)) > 0.5)))
    quantities = []
    for h in headlines:
        if h.metric is None:
            seq = _objective_sequence(metrics, multipliers, objective_ref)
            u = OBJECTIVE_UNITS.get(objective, "1")
        else:
            seq = [float(m[h.metric]) for m in metrics]
            u = units[h.metric]
        rad = richardson(seq[0], seq[1], seq[2], ratio=ratio)
        chip = richardson(seq[0], seq[3], seq[4])
        quantities.append(QuantityError(h, u, seq[0], rad, chip, h.tolerance_value(seq[0])))
    return DiscretisationCheck(tuple(runs), tuple(quantities), multipliers is not None, ratio)
