"""Orchestrates the whole-satellite study of one orbit, and the Pareto fronts.

For each orbit: mission geometry (hot-case beta from the level-0 scan, worst eclipse),
evaluation of the configured design point, optional gradient-based optimisation with an
independent KKT post-check, labelled sensitivities, mission life per subsystem and the
constellation economics.  Optional Pareto fronts by the epsilon-constraint method.
Returns plain numpy results; :mod:`studies.io.results` writes them to the archive.
"""
from __future__ import annotations

import collections
import gc
import logging
import math
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

import power
import radiation
import thermal

from ..model import CONSTRAINT_NAMES
from ..model.inputs import chip_model
from . import build
from . import constellation as cst
from .discretisation import discretisation_check
from .kernels import Kernels
from .life import eqx_replace, life_limits
from .optimize import OBJECTIVE_REF, kkt_check, optimize_design
from .orbit_histories import orbit_histories
from .sensitivity import sensitivities
from .service import ServiceParameters, service_summary
from .thickness_study import thickness_design_at
from .uncertainty import input_table, run_uncertainty

log = logging.getLogger("sunsink")

_KERNELS: "collections.OrderedDict" = collections.OrderedDict()
KERNELS_KEPT = 8
"""Compiled coupled models kept in one process (a study needs one per grid shape: its own and the four
refined grids of the discretisation check), the least recently used dropped first.  An audit, which tries
a model per static choice (coolant, freeze protection), also releases them between alternatives
(:func:`release_kernels`): keeping every one exhausted the process's mapped memory (XLA's CPU code
sections, ``LLVM ERROR: Unable to allocate section memory``).  One dropped and needed again is loaded
from the program store and the persistent compilation cache in seconds."""

_CACHE_EVENTS = {"/jax/compilation_cache/cache_hits": 0, "/jax/compilation_cache/cache_misses": 0}


def _count_cache_event(event: str, **_) -> None:
    if event in _CACHE_EVENTS:
        _CACHE_EVENTS[event] += 1


jax.monitoring.register_event_listener(_count_cache_event)


class compile_notice:
    """Say, before a call that may compile, what is compiling and roughly for how long, and after it
    how long it took and whether the programs came from the persistent compilation cache (the CLI
    turns it on) -- instead of going silent for a minute.  Only the first call per kernel set logs."""

    def __init__(self, what: str, expect: str, kernels=None, key: str = ""):
        self.what, self.expect, self.k, self.key = what, expect, kernels, key

    def __enter__(self):
        done = getattr(self.k, "_compiled", set()) if self.k is not None else set()
        self.quiet = self.key in done
        if not self.quiet:
            log.info("compiling %s (%s; a cached or already compiled program loads in seconds)", self.what,
                     self.expect)
        self.t0, self.hits0, self.miss0 = (time.perf_counter(), _CACHE_EVENTS["/jax/compilation_cache/cache_hits"],
                                           _CACHE_EVENTS["/jax/compilation_cache/cache_misses"])
        return self

    def __exit__(self, exc_type, *_):
        if exc_type is not None or self.quiet:
            return False
        if self.k is not None:
            self.k._compiled = getattr(self.k, "_compiled", set()) | {self.key}
        hits = _CACHE_EVENTS["/jax/compilation_cache/cache_hits"] - self.hits0
        miss = _CACHE_EVENTS["/jax/compilation_cache/cache_misses"] - self.miss0
        how = (f"{miss} program(s) compiled, {hits} loaded from the compilation cache" if hits or miss
               else "already compiled in this process or compilation cache off")
        log.info("%s ready in %.1f s (%s)", self.what, time.perf_counter() - self.t0, how)
        return False


def release_kernels() -> None:
    """Drop every compiled coupled model of this process and free their executables."""
    _KERNELS.clear()
    gc.collect()


def kernels_for(vs, mission, numerics) -> Kernels:
    """Kernels are cached by what changes their compiled code (numerics, mission statics)."""
    # the tree structure holds every static field and which optional inputs are set
    key = (numerics, jax.tree_util.tree_structure(mission))
    k = _KERNELS.get(key)
    if k is None:
        while len(_KERNELS) >= KERNELS_KEPT:
            _KERNELS.popitem(last=False)
            gc.collect()   # the evicted programs' executables are freed with their jit wrappers
        k = Kernels(vs, mission, numerics)
        _KERNELS[key] = k
    _KERNELS.move_to_end(key)
    k.vs, k.mission = vs, mission  # same compiled code; bounds/values/mission arrays may differ
    return k


def _np(tree):
    return jax.tree_util.tree_map(lambda a: np.asarray(a), tree)


def level0_cross_check(r: dict, mission) -> str:
    """The level-0 isothermal panel beside the FD radiator: the planform area an isothermal
    two-sided panel (thermal.isothermal_panel_area_m2, same coatings and absorbed environment)
    needs to reject the same heat at the FD panels' mean and inlet temperatures."""
    m, d = r["metrics"], r["design"]
    q = float(m["radiator_heat_rejected_w"])
    eps = np.asarray(mission.face_emissivity())
    absorbed = [0.5 * float(m["radiator_absorbed_w_m2"])] * 2  # only the sum over faces enters
    a_mean = float(thermal.isothermal_panel_area_m2(q, float(m["radiator_mean_k"]), eps, absorbed))
    a_in = float(thermal.isothermal_panel_area_m2(q, float(m["radiator_inlet_k"]), eps, absorbed))
    return (f"level-0 cross-check: FD radiator {float(d['radiator_area_m2']):.1f} m2 vs isothermal panel "
            f"{a_mean:.1f} m2 at the FD mean {float(m['radiator_mean_k']):.1f} K, {a_in:.1f} m2 at the inlet "
            f"{float(m['radiator_inlet_k']):.1f} K")


def run_orbit(cfg, orb, level0_case, stream=sys.stderr, on_iteration=None, optimize=None, extras=True) -> dict:
    """One orbit: the configured design, optionally optimised (``optimize``: default from the
    config), with ``extras`` (sensitivities, life, constellation, budgets, dose-depth)."""
    geo = build.mission_geometry(orb, math.radians(float(level0_case["beta_design_deg"])))
    mission = build.build_mission(cfg, geo)
    numerics = build.build_numerics(cfg)
    vs = build.build_variables(cfg, orb)
    k = kernels_for(vs, mission, numerics)
    base = vs.baseline()
    log.info("%s: evaluating the configured design", orb.name)
    shape = (f"radiator {numerics.radiator_nx}x{numerics.radiator_ny}, chip {numerics.chip_nx}x{numerics.chip_ny}")
    with compile_notice(f"the coupled model ({shape})", "about 0.5-2 min on 2 CPU cores the first time", k, "evaluate"):
        m_base = _np(k.evaluate(base, mission))
    out = {"name": orb.name, "geometry": geo, "variables": vs, "baseline_design": base.to_dict(),
           "baseline": m_base}
    design = base
    if optimize is None:
        optimize = cfg.optimize.enabled
    if optimize and vs.free:
        log.info("%s: optimising %d free variables with %s", orb.name, len(vs.free), cfg.optimize.method)
        with compile_notice(f"[objective, constraints] and its Jacobian ({shape})",
                            "about 1-4 min on 2 CPU cores the first time", k, "jacobian"):
            k.value_and_jacobian(vs.to_scaled(base), base)
        design, res, hist, prob = optimize_design(k, base, cfg.optimize.method, cfg.optimize.maxiter,
                                                  cfg.optimize.ftol, stream=stream, on_iteration=on_iteration)
        chk = kkt_check(prob, res.x)
        out.update({"optimizer_success": bool(res.success), "optimizer_message": str(res.message),
                    "history": hist, "kkt": chk})
    evaluation = k.evaluation(design, mission)
    metrics = _np(evaluation.metrics())
    out["design"] = design.to_dict()
    out["metrics"] = metrics
    out["converged"] = bool(metrics["converged"])
    out["mission"] = mission
    out["kernels"] = k
    out["design_obj"] = design
    out["level0"] = level0_cross_check(out, mission)
    model, _ = chip_model(mission.chip, numerics.chip_nx, numerics.chip_ny, numerics.chip_silicon_k_of_t)
    out["chip_extent_m"] = (model.lx_m, model.ly_m)
    if not extras:
        return out
    log.info("%s: sensitivities", orb.name)
    out["sensitivities"] = sensitivities(k, design, mission)
    log.info("%s: mission life per subsystem", orb.name)
    out["life"] = life_limits(k, design, mission, years=np.linspace(0.5, 30.0, 30))
    out["constellation"] = constellation_report(cfg, metrics, mission)
    out["power_budget"] = power_budget(evaluation)
    out["dose_depth"] = dose_depth(design, mission, metrics)
    out["service"] = service_report(cfg, metrics, mission)
    if cfg.uncertainty.enabled:
        out["uncertainty"] = uncertainty_at(cfg, design, mission, numerics, k.evaluate)
    if cfg.numerics.discretisation_check:
        out["discretisation"] = discretisation_at(vs, design, mission, numerics, out.get("kkt"), orb.name)
    log.info("%s: hot and cold cases over the orbit (periodic loop transients)", orb.name)
    out["orbit_cases"] = orbit_histories(design, mission, numerics, evaluation)
    if cfg.thickness_design.enabled:
        td = cfg.thickness_design
        log.info("%s: thickness design of a radiator panel (%d x %d zones, adjoint gradients)", orb.name,
                 td.zones_per_tube_pitch * numerics.n_tubes_per_panel, td.zones_along_tubes)
        out["thickness_design"] = thickness_design_at(td, design, mission, numerics, metrics)
    return out


def discretisation_at(vs, design, mission, numerics, kkt, name=""):
    """The discretisation check of ``design`` (studies.analysis.discretisation): the coupled model on radiator and
    chip grids refined 2x and 4x (an odd radiator count per pitch 3x and 9x), each compiled once per grid shape
    (shared between orbits), with the optimum's KKT multipliers where it was optimised."""
    def evaluate_at(n):
        k = kernels_for(vs, mission, n)
        return _np(k.evaluate(design, mission))

    log.info("%s: discretisation check (refined radiator and chip grids; each grid compiles once)", name)
    return discretisation_check(evaluate_at, numerics, multipliers=None if kkt is None else kkt["multipliers"],
                                objective=mission.objective, objective_ref=OBJECTIVE_REF[mission.objective])


def service_parameters(cfg):
    """:class:`studies.analysis.service.ServiceParameters` of a config ([service]; the manufacturing price is
    the constellation's, one input per quantity)."""
    return ServiceParameters(**dict(cfg.service), manufacturing_usd_per_kg=cfg.constellation.manufacturing_usd_per_kg)


def uncertainty_at(cfg, design, mission, numerics, compiled_evaluate=None):
    """The declared uncertain inputs propagated through the coupled model at ``design``
    (studies.analysis.uncertainty.run_uncertainty with the config's [uncertainty] and [service]); with the
    study's compiled value program ``compiled_evaluate`` (:meth:`studies.analysis.kernels.Kernels.evaluate`),
    nothing is compiled again."""
    u = cfg.uncertainty
    log.info("uncertainty: %d %s samples%s", u.n_samples, u.method,
             f", Sobol with N = {u.sobol_base_samples}" if u.sobol_base_samples else "")
    return run_uncertainty(mission, design, u.n_samples, u.seed, numerics=numerics, service=service_parameters(cfg),
                           table=input_table(cfg),
                           method=u.method, sobol_base_samples=u.sobol_base_samples, tornado=u.tornado,
                           chunk_size=u.chunk_size, progress=None, compiled_evaluate=compiled_evaluate)


def service_report(cfg, metrics, mission) -> dict:
    """Delivered compute over the mission, with and without spares, and its cost (studies.analysis.service)."""
    out = service_summary({k: jnp.asarray(v) for k, v in metrics.items()}, mission, service_parameters(cfg))
    return {k: float(v) for k, v in out.items()}


def power_budget(evaluation) -> dict:
    """Sunlit and eclipse power budgets of the design (power.sunlit_budget/eclipse_budget, from the
    model's budget stage): load per item, heat per item and the surface each heat lands on [W], the
    items in the budget's own order (:data:`power.HEAT_DESTINATIONS`; a compiled program returns its
    dicts sorted by key)."""
    def ordered(d):
        return {k: d[k] for k in power.HEAT_DESTINATIONS if k in d}

    return {phase: b._replace(loads_w=ordered(b.loads_w), heat_by_item_w=ordered(b.heat_by_item_w))
            for phase, b in (("sunlit", evaluation.budget.sunlit), ("eclipse", evaluation.budget.eclipse))}


def dose_depth(design, mission, metrics) -> dict:
    """Mission dose vs aluminium depth (solid sphere) at the design's orbit, per component [Gy(Si)]."""
    depths = np.geomspace(0.05, 30.0, 40)
    d = radiation.dose_depth_curves_si_gy(float(design.altitude_m), math.radians(float(metrics["inclination_deg"])),
                                          depths, float(mission.life_years))
    out = {"depth_g_cm2": depths}
    for name in d._fields:
        if name != "total_with_margin_gy":
            out[name] = np.asarray(getattr(d, name))
    return out


def pareto_fronts(cfg, orb_result, stream=sys.stderr) -> dict:
    """Epsilon-constraint fronts: mass vs junction limit (also gives mass vs radiator
    temperature) and mass vs altitude, each re-optimised from the optimum (warm start)."""
    k = orb_result["kernels"]
    mission = orb_result["mission"]
    design = orb_result["design_obj"]
    # The compiled kernels are shared between orbits: point them at THIS orbit's variables.
    k.vs, k.mission = orb_result["variables"], mission
    n = cfg.pareto.n_points
    fronts = {}
    tj0 = float(mission.junction_limit_k)
    limits = np.linspace(tj0 - 25.0, tj0, n)
    rows = []
    for tl in limits:
        m = eqx_replace(mission, junction_limit_k=jnp.asarray(tl))
        k.mission = m
        d, res, _, prob = optimize_design(k, design, cfg.optimize.method, cfg.optimize.maxiter, cfg.optimize.ftol,
                                          stream=stream)
        o = _np(k.evaluate(d, m))
        rows.append((tl, float(o["total_mass_kg"]), float(o["junction_max_k"]), float(o["radiator_mean_k"]),
                     float(min(0.0, min(float(o[f"g_{c}"]) for c in CONSTRAINT_NAMES)))))
    a = np.array(rows)
    fronts["junction"] = {"junction_limit_k": a[:, 0], "total_mass_kg": a[:, 1], "junction_max_k": a[:, 2],
                          "radiator_mean_k": a[:, 3], "worst_constraint": a[:, 4]}
    k.mission = mission
    vs = k.vs
    if "altitude_m" in vs.free_names:
        j = vs.free_names.index("altitude_m")
        v = [x for x in vs.free if x.name == "altitude_m"][0]
        alts = np.linspace(v.lo, v.hi, n)
        rows = []
        for alt in alts:
            base_prob = k.problem(design)
            lo, hi = base_prob.lower.copy(), base_prob.upper.copy()
            lo[j] = hi[j] = alt / v.ref
            d, res, _, _ = optimize_design(k, design, cfg.optimize.method, cfg.optimize.maxiter,
                                           cfg.optimize.ftol, stream=stream, bounds_scaled=(lo, hi))
            o = _np(k.evaluate(d, mission))
            rows.append((alt, float(o["total_mass_kg"]), float(o["tid_si_gy"]),
                         float(min(0.0, min(float(o[f"g_{c}"]) for c in CONSTRAINT_NAMES)))))
        a = np.array(rows)
        fronts["altitude"] = {"altitude_m": a[:, 0], "total_mass_kg": a[:, 1], "tid_si_gy": a[:, 2],
                              "worst_constraint": a[:, 3]}
    return fronts


def constellation_report(cfg, metrics: dict, mission) -> dict:
    """Constellation economics of the design (studies.analysis.constellation) and the space cost vs launch price."""
    p = cst.ConstellationParameters(launch_cost_usd_per_kg=float(mission.launch_cost_usd_per_kg),
                                    **dict(cfg.constellation))
    total = float(metrics["total_mass_kg"])
    payload = float(metrics["mass_payload_kg"])
    pw = float(mission.payload_power_w)
    life = float(mission.life_years)
    rep = cst.constellation(total, payload, pw, life, p)
    prices = np.geomspace(20.0, 20000.0, 60)
    rep["sweep_launch_usd_per_kg"] = prices
    rep["sweep_space_usd_per_kw_year"] = np.asarray(cst.space_cost_per_kw_year(prices, total, payload, pw, life, p))
    return rep
