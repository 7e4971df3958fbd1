"""Orchestrates the whole-satellite study for every configured orbit.

For each orbit: mission geometry (hot-case beta from the level-0 scan, worst eclipse),
evaluation of the configured design point, optional gradient-based optimisation with an
independent KKT post-check, labelled sensitivities, mission life per subsystem and the
constellation economics.  Optional Pareto fronts by the epsilon-constraint method.
Returns plain numpy results; :mod:`studies.results` writes them to the archive.
"""
from __future__ import annotations

import logging
import math
import sys

import jax
import jax.numpy as jnp
import numpy as np

import power
import radiation

from .metrics import CONSTRAINT_NAMES
from .model import _chip_model, mission_loads
from . import satellite as S

log = logging.getLogger("sunsink")

_KERNELS: dict = {}

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
        import time

        done = getattr(self.k, "_compiled", set()) if self.k is not None else set()
        self.quiet = self.key in done
        if not self.quiet:
            log.info("compiling %s (%s; a cached or already compiled program loads in seconds)", self.what,
                     self.expect)
        self.t0, self.hits0, self.miss0 = (time.perf_counter(), _CACHE_EVENTS["/jax/compilation_cache/cache_hits"],
                                           _CACHE_EVENTS["/jax/compilation_cache/cache_misses"])
        return self

    def __exit__(self, exc_type, *_):
        import time

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


def kernels_for(vs, mission, numerics) -> S.Kernels:
    """Kernels are cached by what changes their compiled code (numerics, mission statics)."""
    # the tree structure holds every static field and which optional inputs are set
    key = (numerics, jax.tree_util.tree_structure(mission))
    k = _KERNELS.get(key)
    if k is None:
        k = S.Kernels(vs, mission, numerics)
        _KERNELS[key] = k
    k.vs, k.mission = vs, mission  # same compiled code; bounds/values/mission arrays may differ
    return k


def _np(tree):
    return jax.tree_util.tree_map(lambda a: np.asarray(a), tree)


def level0_cross_check(r: dict, mission) -> str:
    """The level-0 isothermal panel beside the FD radiator: the planform area an isothermal
    two-sided panel (thermal.isothermal_panel_area_m2, same coatings and absorbed environment)
    needs to reject the same heat at the FD panels' mean and inlet temperatures."""
    import thermal

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
    geo = S.mission_geometry(orb, math.radians(float(level0_case["beta_design_deg"])))
    mission = S.build_mission(cfg, geo)
    numerics = S.build_numerics(cfg)
    vs = S.build_variables(cfg, orb)
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
        design, res, hist, prob = S.optimize_design(k, base, cfg.optimize.method, cfg.optimize.maxiter,
                                                    cfg.optimize.ftol, stream=stream, on_iteration=on_iteration)
        chk = S.kkt_check(prob, res.x)
        out.update({"optimizer_success": bool(res.success), "optimizer_message": str(res.message),
                    "history": hist, "kkt": chk})
    metrics = _np(k.evaluate(design, mission))
    out["design"] = design.to_dict()
    out["metrics"] = metrics
    out["converged"] = bool(metrics["converged"])
    out["mission"] = mission
    out["kernels"] = k
    out["design_obj"] = design
    out["level0"] = level0_cross_check(out, mission)
    model, _ = _chip_model(mission.chip, numerics.chip_nx, numerics.chip_ny, numerics.chip_silicon_k_of_t)
    out["chip_extent_m"] = (model.lx_m, model.ly_m)
    if not extras:
        return out
    log.info("%s: sensitivities", orb.name)
    out["sensitivities"] = S.sensitivities(k, design, mission)
    log.info("%s: mission life per subsystem", orb.name)
    out["life"] = S.life_limits(k, design, mission, years=np.linspace(0.5, 30.0, 30))
    out["constellation"] = S.constellation_report(cfg, metrics, mission)
    out["power_budget"] = power_budget(metrics, mission)
    out["dose_depth"] = dose_depth(design, mission, metrics)
    out["service"] = service_report(cfg, metrics, mission)
    if cfg.uncertainty.enabled:
        out["uncertainty"] = uncertainty_at(cfg, design, mission, numerics, k.evaluate)
    log.info("%s: hot and cold cases over the orbit (periodic loop transients)", orb.name)
    out["orbit_cases"] = orbit_cases(design, mission, numerics, metrics)
    if cfg.thickness_design.enabled:
        from .thickness_study import thickness_design_at

        td = cfg.thickness_design
        log.info("%s: thickness design of a radiator panel (%d x %d zones, adjoint gradients)", orb.name,
                 td.zones_per_tube_pitch * numerics.n_tubes_per_panel, td.zones_along_tubes)
        out["thickness_design"] = thickness_design_at(td, design, mission, numerics, metrics)
    return out


def service_parameters(cfg):
    """:class:`studies.service.ServiceParameters` of a config ([service]; the manufacturing price is
    the constellation's, one input per quantity)."""
    from .service import ServiceParameters

    return ServiceParameters(**dict(cfg.service), manufacturing_usd_per_kg=cfg.constellation.manufacturing_usd_per_kg)


def uncertainty_at(cfg, design, mission, numerics, compiled_evaluate=None):
    """The declared uncertain inputs propagated through the coupled model at ``design``
    (studies.uncertainty.run_uncertainty with the config's [uncertainty] and [service]); with the
    study's compiled value program ``compiled_evaluate`` (:meth:`studies.satellite.Kernels.evaluate`),
    nothing is compiled again."""
    from .uncertainty import input_table, run_uncertainty

    u = cfg.uncertainty
    log.info("uncertainty: %d %s samples%s", u.n_samples, u.method,
             f", Sobol with N = {u.sobol_base_samples}" if u.sobol_base_samples else "")
    return run_uncertainty(mission, design, u.n_samples, u.seed, numerics=numerics, service=service_parameters(cfg),
                           table=input_table(cfg),
                           method=u.method, sobol_base_samples=u.sobol_base_samples, tornado=u.tornado,
                           chunk_size=u.chunk_size, progress=None, compiled_evaluate=compiled_evaluate)


def service_report(cfg, metrics, mission) -> dict:
    """Delivered compute over the mission, with and without spares, and its cost (studies.service)."""
    from .service import service_summary

    out = service_summary({k: jnp.asarray(v) for k, v in metrics.items()}, mission, service_parameters(cfg))
    return {k: float(v) for k, v in out.items()}


def orbit_cases(design, mission, numerics, metrics) -> dict:
    """Orbit-periodic hot and cold cases of the design (studies.orbit_cases.orbit_histories), with the
    arrays' infrared on the radiator at every orbit sample of both cases."""
    from . import orbit_cases as oc
    from .model import _array_support, array_exchange

    arr = power.ArrayDesign(area_m2=design.array_area_m2, coverglass_thickness_m=design.coverglass_thickness_m,
                            **_array_support(mission))
    ex = array_exchange(design, mission, arr, jnp.asarray(metrics["array_temperature_k"]))
    coupling = None if ex is None else ex.array_coupling_side_w_m2_k4
    return oc.orbit_histories(design, mission, numerics, metrics, coupling)


def power_budget(metrics, mission) -> dict:
    """Sunlit and eclipse power budgets of the design (power.sunlit_budget/eclipse_budget):
    load per item, heat per item and the surface each heat lands on [W]."""
    loads = mission_loads(mission, float(metrics["pump_power_w"]), float(metrics["thruster_firing_power_w"]))
    path = power.PathEfficiencies()
    sun = power.sunlit_budget(loads, float(metrics["array_eol_w"]), float(metrics["array_absorbed_w"]),
                              float(metrics["battery_recharge_w"]) * float(path.regulator), path)
    ecl = power.eclipse_budget(loads, path)
    return {"sunlit": sun, "eclipse": ecl}


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
        m = S.eqx_replace(mission, junction_limit_k=jnp.asarray(tl))
        k.mission = m
        d, res, _, prob = S.optimize_design(k, design, cfg.optimize.method, cfg.optimize.maxiter, cfg.optimize.ftol,
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
            d, res, _, _ = S.optimize_design(k, design, cfg.optimize.method, cfg.optimize.maxiter,
                                             cfg.optimize.ftol, stream=stream, bounds_scaled=(lo, hi))
            o = _np(k.evaluate(d, mission))
            rows.append((alt, float(o["total_mass_kg"]), float(o["tid_si_gy"]),
                         float(min(0.0, min(float(o[f"g_{c}"]) for c in CONSTRAINT_NAMES)))))
        a = np.array(rows)
        fronts["altitude"] = {"altitude_m": a[:, 0], "total_mass_kg": a[:, 1], "tid_si_gy": a[:, 2],
                              "worst_constraint": a[:, 3]}
    return fronts
