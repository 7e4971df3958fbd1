"""Uncertainty on every answer: declared input distributions propagated through the coupled model.

1. **Declare once.**  :data:`studies.analysis.uncertain_inputs.UNCERTAIN_INPUTS` is the table of uncertain inputs: a config
   key as ``sunsink config --list`` prints it (``radiator.face_a.absorptivity``,
   ``mission.payload_power_w``, ``mass.radiator_support_areal_mass_kg_m2``...), a
   distribution, whether its parameters are relative to the configured value
   (``value = nominal x variate``) or absolute, the keys that move with it (``also``:
   fully correlated, e.g. the two faces of one coating) and its source.  Keys of the
   in-service model (:mod:`studies.analysis.service`) are spelled ``service.<field>``.  Model
   uncertainties without a physical input of their own are declared as multipliers
   (``environment.trapped_flux_multiplier`` on the AE8/AP8 fluxes,
   ``mission.cell_degradation_multiplier`` on the cell's radiation power loss).  An
   optional input that a config leaves unset (e.g. ``mass.radiator_areal_density_kg_m2``)
   is skipped with a message naming the key.  A config replaces or adds rows with
   ``[[uncertainty.inputs]]`` (:func:`input_table`; keys checked when the config is read).
2. **Sample.**  Latin hypercube (the sweep engine's :func:`studies.analysis.sweep.latin_hypercube`,
   scipy.stats.qmc) or plain Monte Carlo on the unit cube, seeded, mapped through each
   distribution's inverse CDF truncated to the key's declared allowed range (an
   absorptivity never leaves [0, 1]).
3. **Propagate** a FIXED design through :func:`studies.evaluate` and
   :func:`studies.analysis.service.service_summary` with :func:`studies.analysis.sweep.run_sweep` (chunked,
   sharded over local devices, the points split between processes by
   :func:`studies.analysis.sweep.process_share`); the mission is perturbed with ``eqx.tree_at`` on
   the declared fields, so nothing recompiles between samples.
4. **Summarise**: per-metric samples, mean, standard deviation, P5/P50/P95, the
   probability that every constraint holds, a one-at-a-time tornado (each input at its
   own P5 and P95, the others at their configured values) and, optionally, Sobol
   first-order and total indices (SALib: Saltelli/Sobol' sequence, Jansen/Saltelli
   estimators), which cost ``N (D + 2)`` model evaluations for ``D`` inputs.

References
----------
- McKay, Beckman & Conover, "A comparison of three methods for selecting values of input
  variables in the analysis of output from a computer code", Technometrics 21 (1979) 239.
- Saltelli, A. et al., "Variance based sensitivity analysis of model output. Design and
  estimator for the total sensitivity index", Comput. Phys. Commun. 181 (2010) 259.
- Herman, J. & Usher, W., "SALib: an open-source Python library for sensitivity
  analysis", J. Open Source Softw. 2(9) (2017) 97.
- Ishigami, T. & Homma, T., "An importance quantification technique in uncertainty
  analysis for computer models", Proc. ISUMA '90 (1990) 398 (test function).
- Sources of the individual distributions: the ``source`` of each row and data/README.md.
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import multihost_utils
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from ..model import CONSTRAINT_NAMES, METRICS, Mission, Numerics, evaluate
from . import build
from .radiator_study import run_radiator_study, slug
from .service import SERVICE_METRICS, ServiceParameters, service_summary
from .sweep import latin_hypercube, process_share, run_sweep
from .uncertain_inputs import UNCERTAIN_INPUTS, Target, Uncertain, input_table, resolve_inputs

__all__ = ["sample_variates", "propagate", "perturb", "model_function", "mission_from_config",
           "summarise", "sobol_indices", "UncertaintyResult", "run_uncertainty", "REPORT_METRICS", "QUANTILES"]

QUANTILES = (0.05, 0.50, 0.95)

REPORT_METRICS = ("total_mass_kg", "cost_per_kw_year_usd", "service_cost_per_delivered_kw_year_usd",
                  "service_cost_per_delivered_kw_year_spares_usd", "service_kw_years_no_spares",
                  "service_delivered_fraction_spares", "junction_max_k", "hbm_max_k", "radiator_mean_k",
                  "array_eol_w", "tid_si_gy", "availability")
"""Metrics the text report prints (every scalar metric is kept in the samples and the archive)."""


# ------------------------------------------------------------------------------------------------
# sampling and propagation
# ------------------------------------------------------------------------------------------------

def _unit_cube(d: int, n: int, seed: int, method: str) -> np.ndarray:
    if method == "lhs":
        pts = latin_hypercube({f"u{i}": (0.0, 1.0) for i in range(d)}, n, seed=seed)
        return np.stack([pts[f"u{i}"] for i in range(d)], axis=1)
    if method == "mc":
        return np.random.default_rng(seed).random((n, d))
    raise ValueError(f"method = {method!r} is not one of ('lhs', 'mc')")


def sample_variates(targets: Sequence[Target], n: int, seed: int = 0, method: str = "lhs") -> dict[str, np.ndarray]:
    """``n`` samples of every input's variate ``{key: (n,)}`` (LHS or Monte Carlo on the unit cube,
    inverse CDF of each truncated distribution)."""
    if not (isinstance(n, (int, np.integer)) and n >= 1):
        raise ValueError(f"n_samples = {n!r} must be an integer >= 1")
    u = _unit_cube(len(targets), n, seed, method)
    return {t.key: t.ppf(u[:, i]) for i, t in enumerate(targets)}


def propagate(fn: Callable[[dict], dict], points: Mapping[str, np.ndarray], *, chunk_size: int = 64,
              progress=sys.stderr, vectorize: str | None = None) -> dict[str, np.ndarray]:
    """Evaluate ``fn`` (variates -> dict of scalars) at ``points`` with :func:`studies.analysis.sweep.run_sweep`.

    Each process evaluates its :func:`studies.analysis.sweep.process_share` of the points; under
    ``jax.distributed`` the shares are gathered so every process returns all of them.
    """
    names = list(points)
    n = len(points[names[0]])
    share = process_share(n)
    res = run_sweep(fn, {k: np.asarray(v)[share] for k, v in points.items()}, chunk_size=chunk_size,
                    progress=progress, vectorize=vectorize)
    if jax.process_count() == 1:
        return res
    n_proc = jax.process_count()
    per = -(-n // n_proc)
    sizes = [(k + 1) * n // n_proc - k * n // n_proc for k in range(n_proc)]   # process_share's split
    padded = {k: np.concatenate([v, np.zeros((per - len(v),) + v.shape[1:], v.dtype)]) for k, v in res.items()}
    gathered = multihost_utils.process_allgather(padded)           # (n_proc, per, ...)
    return {k: np.concatenate([np.asarray(v)[i, :sizes[i]] for i in range(n_proc)]) for k, v in gathered.items()}


def summarise(samples: Mapping[str, np.ndarray], quantiles=QUANTILES) -> dict[str, dict[str, Any]]:
    """Mean, standard deviation and quantiles of every output sample (finite values only; the count
    of non-finite samples is reported, never hidden)."""
    out = {}
    for k, v in samples.items():
        v = np.asarray(v, dtype=float)
        if v.ndim != 1:
            continue
        ok = np.isfinite(v)
        f = v[ok]
        out[k] = {"mean": float(f.mean()) if f.size else math.nan,
                  "std": float(f.std(ddof=1)) if f.size > 1 else math.nan,
                  "quantiles": np.quantile(f, quantiles) if f.size else np.full(len(quantiles), math.nan),
                  "n_nonfinite": int((~ok).sum())}
    return out


def sobol_indices(fn_numpy: Callable[[np.ndarray], Mapping[str, np.ndarray]], targets_or_ppfs, n_base: int,
                  seed: int = 0, outputs: Sequence[str] | None = None) -> dict[str, dict[str, np.ndarray]]:
    """First-order and total Sobol indices by SALib (Sobol' sequence, ``calc_second_order=False``).

    Parameters
    ----------
    fn_numpy : maps an (m, D) array of variates to ``{output: (m,)}``.
    targets_or_ppfs : D :class:`Target` objects, or D callables mapping u in (0, 1) to the variate.
    n_base : SALib base sample count N (a power of 2); the model runs ``N (D + 2)`` times.
    outputs : which outputs to analyse (default: all).

    Returns
    -------
    ``{output: {"S1", "S1_conf", "ST", "ST_conf"}}`` (arrays of length D; conf = 95 % bootstrap half-width).
    """
    ppfs = [t.ppf if isinstance(t, Target) else t for t in targets_or_ppfs]
    d = len(ppfs)
    if not (isinstance(n_base, (int, np.integer)) and n_base >= 2 and (n_base & (n_base - 1)) == 0):
        raise ValueError(f"sobol base samples = {n_base!r} must be a power of 2 >= 2")
    problem = {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}
    u = sobol_sample.sample(problem, n_base, calc_second_order=False, seed=seed)
    u = np.clip(u, 0.5 / (n_base * 64), 1.0 - 0.5 / (n_base * 64))  # the sequence may touch 0: keep ppf finite
    x = np.stack([ppfs[i](u[:, i]) for i in range(d)], axis=1)
    y = fn_numpy(x)
    out = {}
    for k in (outputs or list(y)):
        yk = np.asarray(y[k], dtype=float)
        if yk.ndim != 1:
            continue
        if not np.all(np.isfinite(yk)):
            raise ValueError(f"Sobol analysis of {k}: {int((~np.isfinite(yk)).sum())} non-finite model outputs")
        if np.ptp(yk) <= 1e-12 * max(np.max(np.abs(yk)), 1e-300):   # an output no input moves: no variance
            out[k] = {n: np.zeros(d) for n in ("S1", "S1_conf", "ST", "ST_conf")}
            continue
        r = sobol_analyze.analyze(problem, yk, calc_second_order=False, seed=seed)
        out[k] = {n: np.asarray(r[n]) for n in ("S1", "S1_conf", "ST", "ST_conf")}
    return out


# ------------------------------------------------------------------------------------------------
# the coupled model
# ------------------------------------------------------------------------------------------------

def perturb(mission, targets: Sequence[Target], variates: Mapping[str, Any]):
    """The mission with every mission/mass key of ``targets`` set from ``variates`` {key: variate}
    (``eqx.tree_at`` on the declared fields; traceable; ``service.*`` keys are not mission fields)."""
    sets = [(t, i, p) for t in targets for i, p in enumerate(t.paths) if p[0] != "service"]
    if not sets:
        return mission

    def where(m):
        return [getattr(m, p[1]) if p[0] == "mission" else getattr(m.mass, p[1]) for _, _, p in sets]

    return eqx.tree_at(where, mission, [t.values(variates[t.key])[i] for t, i, _ in sets])


def model_function(design, mission, numerics, targets: Sequence[Target], service=None,
                   compiled_evaluate: Callable | None = None) -> Callable[[dict], dict]:
    """Traceable ``fn(variates) -> outputs`` for :func:`studies.analysis.sweep.run_sweep`: the mission with
    the sampled fields (``eqx.tree_at``), :func:`studies.evaluate` of the fixed design, the
    in-service model, the worst normalised constraint and the convergence flag.

    ``compiled_evaluate(design, mission) -> metrics`` replaces :func:`studies.evaluate` by an already
    compiled program of the same numerics (:meth:`studies.analysis.kernels.Kernels.evaluate`); ``fn`` is then
    meant to be called point by point on the host (``run_sweep(..., vectorize="host")``)."""
    service = ServiceParameters() if service is None else service
    rate_target = next((t for t in targets if ("service", "failure_rate_per_chip_year") in t.paths), None)
    scalar = list(METRICS)

    def fn(p):
        m = perturb(mission, targets, p)
        o = evaluate(design, m, numerics) if compiled_evaluate is None else compiled_evaluate(design, m)
        res = {k: o[k] for k in scalar}
        lam = None if rate_target is None else rate_target.values(p[rate_target.key])[0]
        res.update(service_summary(o, m, service, failure_rate_per_chip_year=lam))
        g = jnp.stack([o[f"g_{c}"] for c in CONSTRAINT_NAMES])
        res["worst_constraint"] = jnp.min(g)
        res["converged"] = o["converged"].astype(g.dtype)
        return res

    return fn


@dataclass
class UncertaintyResult:
    """What :func:`run_uncertainty` returns (plain numpy; :func:`archive_group`, :func:`format_uncertainty`)."""

    targets: list
    skipped: list
    inputs: dict                  # {key: (n,) sampled values of the key (SI)}
    outputs: dict                 # {metric: (n,)}
    stats: dict                   # summarise(outputs) over the converged samples
    nominal: dict                 # {metric: value at the configured inputs}
    tornado: dict                 # {metric: (D, 2) values with input i at its P5, P95}
    tornado_inputs: np.ndarray    # (D, 2) input variates used (P5, P95)
    sobol: dict | None
    n_samples: int
    seed: int
    method: str
    units: dict = field(default_factory=dict)
    long_names: dict = field(default_factory=dict)

    @property
    def feasible_fraction(self) -> float:
        ok = (self.outputs["worst_constraint"] >= -1e-6) & (self.outputs["converged"] > 0.5)
        return float(np.mean(ok))

    @property
    def converged_fraction(self) -> float:
        return float(np.mean(self.outputs["converged"] > 0.5))


def _output_meta():
    units = {n: q.units for n, q in METRICS.items()}
    names = {n: q.long_name for n, q in METRICS.items()}
    for k, q in SERVICE_METRICS.items():
        units[k], names[k] = q.units, q.long_name
    units.update(worst_constraint="1", converged="1")
    names.update(worst_constraint="smallest normalised constraint (>= 0 feasible)",
                 converged="all solves converged (1 = yes)")
    return units, names


def mission_from_config(cfg, orbit_index: int = 0):
    """``(design, mission, numerics)`` of a validated config's orbit, as ``sunsink sweep`` builds them
    (hot-case beta from the level-0 scan, the configured design variables)."""
    orb = cfg.orbits[orbit_index]
    level0 = run_radiator_study(cfg)
    geo = build.mission_geometry(orb, math.radians(float(level0[slug(orb.name)]["beta_design_deg"])))
    return build.build_variables(cfg, orb).baseline(), build.build_mission(cfg, geo), build.build_numerics(cfg)


def run_uncertainty(config_or_mission, design=None, n_samples: int = 64, seed: int = 0, *, numerics=None,
                    table: Sequence[Uncertain] | None = None, service=None, method: str = "lhs",
                    sobol_base_samples: int = 0, tornado: bool = True, chunk_size: int = 64,
                    progress=sys.stderr, vectorize: str | None = None, model: Callable | None = None,
                    orbit_index: int = 0, compiled_evaluate: Callable | None = None) -> UncertaintyResult:
    """Propagate the declared input distributions through the coupled model at a fixed design.

    Parameters
    ----------
    config_or_mission : a validated config (:func:`studies.load_config`) or a :class:`studies.model.Mission`.
    design : the :class:`studies.SatelliteDesign` to judge (default: the config's design; required
        with a Mission).
    n_samples : Latin-hypercube (or Monte Carlo) samples, >= 1.
    seed : sampler seed (also SALib's).
    numerics : :class:`studies.Numerics` (default: the config's; ``Numerics()`` with a Mission).
    table : the uncertain inputs (default: :func:`input_table` of a config -- its
        ``[[uncertainty.inputs]]`` rows over :data:`UNCERTAIN_INPUTS` -- or :data:`UNCERTAIN_INPUTS`
        with a Mission).
    service : :class:`studies.analysis.service.ServiceParameters`.
    method : ``"lhs"`` or ``"mc"``.
    sobol_base_samples : SALib base count N (power of 2; 0 = no Sobol analysis); costs
        ``N (D + 2)`` further model evaluations.
    tornado : evaluate each input at its P5 and P95 with the others at their configured values
        (``2 D + 1`` evaluations).
    model : replaces the coupled model by ``model(mission, targets) -> fn`` (tests).
    compiled_evaluate : an already compiled ``evaluate(design, mission) -> metrics`` of these numerics
        (a study's :meth:`studies.analysis.kernels.Kernels.evaluate`): every evaluation is then a call of that
        program from the host (``vectorize="host"``), and the propagation compiles nothing.  Without
        it the sweep compiles its own program of the model (``lax.map`` or ``vmap``), ~20-25 s on
        2 CPU cores, which pays off only beyond a few thousand evaluations.

    Every evaluation (samples, tornado, Sobol) goes through one :func:`studies.analysis.sweep.run_sweep`
    function, compiled once (or not at all, with ``compiled_evaluate``).
    """
    if compiled_evaluate is not None and vectorize not in (None, "host"):
        raise ValueError(f"run_uncertainty: vectorize = {vectorize!r} with compiled_evaluate; allowed: 'host' or None "
                         "(a compiled program is called point by point from the host)")

    if isinstance(config_or_mission, Mission):
        if design is None:
            raise ValueError("run_uncertainty: a design is required with a Mission (or pass a config)")
        mission, numerics = config_or_mission, (numerics or Numerics())
    else:
        d0, mission, n0 = mission_from_config(config_or_mission, orbit_index)
        design, numerics = (d0 if design is None else design), (numerics or n0)
        table = input_table(config_or_mission) if table is None else table
    table = UNCERTAIN_INPUTS if table is None else table
    targets, skipped = resolve_inputs(table, mission, service)
    if not targets:
        raise ValueError("run_uncertainty: no uncertain input applies to this mission: "
                         + "; ".join(f"{k}: {r}" for k, r in skipped))
    fn = (model(mission, targets) if model is not None
          else model_function(design, mission, numerics, targets, service, compiled_evaluate))
    if compiled_evaluate is not None and model is None:
        vectorize = "host"
    keys = [t.key for t in targets]
    d = len(targets)
    x = sample_variates(targets, n_samples, seed, method)
    nominal = np.array([t.nominal_variate for t in targets])
    blocks = [np.stack([x[k] for k in keys], axis=1), nominal[None]]
    tor_in = np.stack([t.ppf(np.array([0.05, 0.95])) for t in targets])
    if tornado:
        for i in range(d):
            for j in range(2):
                row = nominal.copy()
                row[i] = tor_in[i, j]
                blocks.append(row[None])
    pts = np.concatenate(blocks, axis=0)
    res = propagate(fn, {k: pts[:, i] for i, k in enumerate(keys)}, chunk_size=chunk_size, progress=progress,
                    vectorize=vectorize)
    outputs = {k: v[:n_samples] for k, v in res.items() if np.ndim(v) == 1}
    nom = {k: float(v[n_samples]) for k, v in res.items() if np.ndim(v) == 1}
    if nom["converged"] < 0.5:   # non-convergence is never an answer
        raise ValueError("run_uncertainty: the configured (nominal) point did not converge; no statistics are given")
    tor = {}
    if tornado:
        ok = res["converged"][n_samples + 1:] > 0.5
        for k, v in res.items():
            if np.ndim(v) == 1:   # an unconverged one-at-a-time point is NaN, never a value
                tor[k] = np.where(ok, np.asarray(v[n_samples + 1:], dtype=float), np.nan).reshape(d, 2)
    sob = None
    if sobol_base_samples:
        def fn_numpy(xs):
            r = propagate(fn, {k: xs[:, i] for i, k in enumerate(keys)}, chunk_size=chunk_size, progress=progress,
                          vectorize=vectorize)
            ok = r["converged"] > 0.5   # an unconverged point is NaN: sobol_indices refuses it
            return {k: np.where(ok, np.asarray(v, dtype=float), np.nan) for k, v in r.items() if np.ndim(v) == 1}

        sob = sobol_indices(fn_numpy, targets, sobol_base_samples, seed)
    inputs = {}
    for t in targets:
        for key, vals in zip(t.entry.keys, t.values(x[t.key])):
            inputs[key] = np.asarray(vals, dtype=float)
    units, names = _output_meta()
    good = outputs["converged"] > 0.5   # statistics over converged samples only; the count is reported
    stats_ = summarise({k: v[good] for k, v in outputs.items()})
    return UncertaintyResult(targets, skipped, inputs, outputs, stats_, nom, tor, tor_in, sob,
                             n_samples, seed, method, units, names)
