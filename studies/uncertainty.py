"""Uncertainty on every answer: declared input distributions propagated through the coupled model.

1. **Declare once.**  :data:`UNCERTAIN_INPUTS` is the table of uncertain inputs: a config
   key as ``sunsink config --list`` prints it (``radiator.face_a.absorptivity``,
   ``mission.payload_power_w``, ``mass.radiator_support_areal_mass_kg_m2``...), a
   distribution, whether its parameters are relative to the configured value
   (``value = nominal x variate``) or absolute, the keys that move with it (``also``:
   fully correlated, e.g. the two faces of one coating) and its source.  Keys of the
   in-service model (:mod:`studies.service`) are spelled ``service.<field>``.  Model
   uncertainties without a physical input of their own are declared as multipliers
   (``environment.trapped_flux_multiplier`` on the AE8/AP8 fluxes,
   ``mission.cell_degradation_multiplier`` on the cell's radiation power loss).  An
   optional input that a config leaves unset (e.g. ``mass.radiator_areal_density_kg_m2``)
   is skipped with a message naming the key.  A config replaces or adds rows with
   ``[[uncertainty.inputs]]`` (:func:`input_table`; keys checked when the config is read).
2. **Sample.**  Latin hypercube (the sweep engine's :func:`studies.sweep.latin_hypercube`,
   scipy.stats.qmc) or plain Monte Carlo on the unit cube, seeded, mapped through each
   distribution's inverse CDF truncated to the key's declared allowed range (an
   absorptivity never leaves [0, 1]).
3. **Propagate** a FIXED design through :func:`studies.evaluate` and
   :func:`studies.service.service_summary` with :func:`studies.sweep.run_sweep` (chunked,
   sharded over local devices, the points split between processes by
   :func:`studies.sweep.process_share`); the mission is perturbed with ``eqx.tree_at`` on
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

import numpy as np
from scipy import stats

from .declare import config_key, specs
from .sweep import latin_hypercube, process_share, run_sweep

__all__ = ["Uncertain", "UNCERTAIN_INPUTS", "Target", "resolve_inputs", "parse_inputs", "known_input_keys",
           "input_table", "sample_variates", "propagate", "perturb", "model_function", "mission_from_config",
           "summarise", "sobol_indices", "UncertaintyResult", "run_uncertainty", "format_uncertainty", "archive_group", "tornado_figure", "REPORT_METRICS", "QUANTILES"]

DISTRIBUTIONS = {"uniform": 2, "normal": 2, "lognormal": 2, "triangular": 3}
"""Distribution names and their parameter counts: uniform (lo, hi), normal (mean, sd),
lognormal (median, sigma of ln), triangular (lo, mode, hi)."""

QUANTILES = (0.05, 0.50, 0.95)


@dataclass(frozen=True)
class Uncertain:
    """One uncertain input.

    Attributes
    ----------
    key : config key (``section.key``; ``service.<field>`` for :class:`studies.service.ServiceParameters`).
    dist : ``"uniform"``, ``"normal"``, ``"lognormal"`` or ``"triangular"`` (see :data:`DISTRIBUTIONS`).
    params : the distribution's parameters, of the variate ``x``.
    relative : True: ``value = configured value x x`` (params are factors); False: ``value = x``.
    source : citation of the spread, or ``"assumption: ..."``.
    also : further keys set from the same variate (perfectly correlated).
    """

    key: str
    dist: str
    params: tuple
    relative: bool = True
    source: str = "assumption"
    also: tuple = ()

    def __post_init__(self):
        if self.dist not in DISTRIBUTIONS:
            raise ValueError(f"uncertainty input {self.key}: dist = {self.dist!r} is not one of {list(DISTRIBUTIONS)}")
        p = tuple(float(v) for v in self.params)
        if len(p) != DISTRIBUTIONS[self.dist]:
            raise ValueError(f"uncertainty input {self.key}: {self.dist} takes {DISTRIBUTIONS[self.dist]} parameters, "
                             f"got {list(self.params)}")
        if not all(math.isfinite(v) for v in p):
            raise ValueError(f"uncertainty input {self.key}: params = {list(self.params)} must be finite")
        bad = {"uniform": not p[0] < p[1] if len(p) == 2 else True,
               "normal": not p[1] > 0, "lognormal": not (p[0] > 0 and p[1] > 0),
               "triangular": not (p[0] <= p[1] <= p[2] and p[0] < p[2]) if len(p) == 3 else True}[self.dist]
        if bad:
            need = {"uniform": "lo < hi", "normal": "sd > 0", "lognormal": "median > 0 and sigma > 0",
                    "triangular": "lo <= mode <= hi, lo < hi"}[self.dist]
            raise ValueError(f"uncertainty input {self.key}: {self.dist} params = {list(self.params)} need {need}")
        object.__setattr__(self, "params", p)
        object.__setattr__(self, "also", tuple(self.also))

    @property
    def keys(self) -> tuple:
        return (self.key,) + self.also

    def distribution(self):
        """The frozen scipy.stats distribution of the variate."""
        p = self.params
        if self.dist == "uniform":
            return stats.uniform(loc=p[0], scale=p[1] - p[0])
        if self.dist == "normal":
            return stats.norm(loc=p[0], scale=p[1])
        if self.dist == "lognormal":
            return stats.lognorm(s=p[1], scale=p[0])
        return stats.triang(c=(p[1] - p[0]) / (p[2] - p[0]), loc=p[0], scale=p[2] - p[0])

    def describe(self) -> str:
        names = {"uniform": "U", "normal": "N", "lognormal": "LogN", "triangular": "Tri"}
        args = ", ".join(f"{v:.4g}" for v in self.params)
        return f"{names[self.dist]}({args})" + (" x nominal" if self.relative else "")


_AZ93 = "AZ-93 white paint (AZ Technology): alpha_s 0.15 +- 0.02, eps 0.91 +- 0.02 at beginning of life"

UNCERTAIN_INPUTS: tuple[Uncertain, ...] = (
    Uncertain("radiator.face_a.absorptivity", "triangular", (0.87, 1.0, 1.67), also=("radiator.face_b.absorptivity",),
              source=_AZ93 + " (lower end); the rise to ~0.25 at end of life in LEO (UV, contamination) is an "
                             "assumption: radiators are sized on BOL and EOL absorptance (Babel et al., Proc. SPIE "
                             "2455, 1995), no AZ-93 flight number was verified in this work"),
    Uncertain("radiator.face_a.emissivity", "uniform", (0.978, 1.022), also=("radiator.face_b.emissivity",),
              source=_AZ93 + " (the +-0.02 tolerance as a uniform spread)"),
    Uncertain("mission.payload_power_w", "normal", (1.0, 0.05),
              source="assumption: accelerator board power vs nameplate TDP (part-to-part variation and workload), "
                     "5 % (1 sigma)"),
    Uncertain("mission.launch_cost_usd_per_kg", "triangular", (0.2, 1.0, 5.4),
              source="range of studies/constellation.py: Starship-era targets ~100 $/kg to Falcon 9 list "
                     "~2,700 $/kg, mode at the configured price (500 $/kg); assumption"),
    Uncertain("mass.radiator_support_areal_mass_kg_m2", "uniform", (0.67, 1.67),
              source="2-5 kg/m2 around the 3 kg/m2 default; tube-and-fin radiators >= ~5 kg/m2 in total "
                     "(Juhasz & Peterson, NASA radiator review 1994); spread: assumption"),
    Uncertain("mass.radiator_areal_density_kg_m2", "uniform", (0.75, 1.25),
              source="assumption: +-25 % on a published all-in radiator areal density (used only when set)"),
    Uncertain("mass.bus_radiator_areal_mass_kg_m2", "uniform", (0.6, 1.4),
              source="Juhasz & Peterson 1994 (>= ~5 kg/m2); spread: assumption"),
    Uncertain("mass.array_support_areal_mass_kg_m2", "uniform", (0.75, 1.25),
              source="assumption: +-25 % on the array support areal mass (used only when set)"),
    Uncertain("mass.payload_mass_per_chip_kg", "triangular", (0.4, 1.0, 1.1),
              source="NVIDIA DGX H100 datasheet 16.3 kg per GPU (mode, terrestrial chassis); space-adapted "
                     "boards lighter (published designs state 4-9 kg/kW); lower end: assumption"),
    Uncertain("mass.payload_mass_per_kw_kg", "uniform", (0.75, 1.25),
              source="assumption: +-25 % on a published payload mass per kW (used only when set)"),
    Uncertain("environment.albedo", "uniform", (0.83, 1.17),
              source="assumption: orbit-average albedo 0.25-0.35 around Gilmore's 0.30 (Gilmore 2002, ch. 2)"),
    Uncertain("environment.olr_w_m2", "uniform", (0.92, 1.08),
              source="assumption: orbit-average OLR 218-256 W/m2 around Gilmore's 237 W/m2 (Gilmore 2002, ch. 2)"),
    Uncertain("mission.see_recovery_s", "lognormal", (1.0, 0.7),
              source="assumption: the 60 s reset-and-restart outage known to a factor ~2 (1 sigma)"),
    Uncertain("service.failure_rate_per_chip_year", "triangular", (0.030, 0.0908, 0.1106), relative=False,
              source="Dubey et al. (Meta) 2024, Llama 3 Table 5, 16,384 H100 x 54 d: mode faulty GPU + HBM3 "
                     "220/2422 GPU-yr = 0.0908/yr, upper every GPU category 268/2422 = 0.1106/yr; lower end 0.030 "
                     "(two thirds of the interruptions recoverable by reset) is an assumption"),
    Uncertain("environment.density_scale", "lognormal", (1.0, 0.25),
              source="assumption of the order of empirical thermosphere-model errors (~15-25 %, 1 sigma; "
                     "Emmert, Adv. Space Res. 56 (2015) 773, read second-hand) plus solar-activity forecast error"),
    Uncertain("environment.trapped_flux_multiplier", "lognormal", (1.0, 0.42),
              source="AE8/AP8 trapped-flux uncertainty 'a factor of 2' (ECSS-E-ST-10-04C, trapped radiation "
                     "models) read as the 95 % range: sigma_ln = ln 2 / 1.645; drives TID, the SEE proton rate and "
                     "the cell fluence"),
    Uncertain("mission.cell_degradation_multiplier", "uniform", (0.7, 1.3),
              source="assumption: +-30 % on the solar cell's radiation power loss (1 - remaining factor) for "
                     "the damage-coefficient fit"),
)
"""The declared uncertain inputs (one row per physical uncertainty; see data/README.md)."""

REPORT_METRICS = ("total_mass_kg", "cost_per_kw_year_usd", "service_cost_per_delivered_kw_year_usd",
                  "service_cost_per_delivered_kw_year_spares_usd", "service_kw_years_no_spares",
                  "service_delivered_fraction_spares", "junction_max_k", "hbm_max_k", "radiator_mean_k",
                  "array_eol_w", "tid_si_gy", "availability")
"""Metrics the text report prints (every scalar metric is kept in the samples and the archive)."""


# ------------------------------------------------------------------------------------------------
# resolving keys against a mission
# ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """An input resolved against a mission: its fields, configured values and variate range."""

    entry: Uncertain
    paths: tuple              # per key: ("mission", field) / ("mass", field) / ("service", field)
    nominal: tuple            # configured value per key (SI)
    units: str
    long_name: str
    bounds: tuple             # (lo, hi) of the variate after truncation to every key's allowed range

    @property
    def key(self) -> str:
        return self.entry.key

    @property
    def nominal_variate(self) -> float:
        """The variate that reproduces the configured values (1 for relative inputs)."""
        return 1.0 if self.entry.relative else float(self.nominal[0])

    def values(self, x):
        """Field values of every key for variates ``x``."""
        return [n * x if self.entry.relative else x for n in self.nominal]

    def ppf(self, u):
        """Inverse CDF of the truncated variate."""
        d = self.entry.distribution()
        lo, hi = d.cdf(self.bounds[0]), d.cdf(self.bounds[1])
        return d.ppf(lo + np.asarray(u) * (hi - lo))


SERVICE_KEYS = {"failure_rate_per_chip_year": ("yr-1", "accelerator hardware failure rate", 0.0, 10.0)}
"""``service.*`` keys a sample may set (the traced inputs of :func:`studies.service.service_summary`)."""


def _declared_keys():
    """{config key: (path, Spec, static)} of every declared Mission and mass-model quantity."""
    from .mass_model import MassParameters
    from .model import Mission

    out = {}
    for f, s in specs(Mission):
        if s.section is not None:
            out[f"{s.section}.{config_key(f, s)}"] = (("mission", f.name), s, bool(f.metadata.get("static")))
    for f, s in specs(MassParameters):
        out[f"mass.{config_key(f, s)}"] = (("mass", f.name), s, bool(f.metadata.get("static")))
    return out


def _get(mission, service, path):
    kind, name = path
    if kind == "mission":
        return getattr(mission, name)
    if kind == "mass":
        return getattr(mission.mass, name)
    return getattr(service, name)


def resolve_inputs(table: Sequence[Uncertain], mission, service=None) -> tuple[list[Target], list[tuple[str, str]]]:
    """Match the table to a mission: ``(targets, skipped)``; ``skipped`` holds ``(key, reason)``
    for keys the model does not declare or the config leaves unset.

    Raises ValueError for a key that names a discrete model choice (a static field) or that
    appears twice, and for a variate range that excludes every allowed value.
    """
    from .service import ServiceParameters

    service = ServiceParameters() if service is None else service
    declared = _declared_keys()
    targets, skipped, seen = [], [], set()
    for e in table:
        paths, nominal, lo, hi, reason = [], [], -math.inf, math.inf, None
        units = long_name = ""
        for key in e.keys:
            if key in seen:
                raise ValueError(f"uncertainty input {key} is declared twice")
            seen.add(key)
            if key.startswith("service.") and key not in declared:   # a declared key takes precedence
                name = key.split(".", 1)[1]
                if name not in SERVICE_KEYS:
                    raise ValueError(f"uncertainty input {key}: the in-service model can sample only "
                                     f"{['service.' + k for k in SERVICE_KEYS]}")
                u, ln, a, b = SERVICE_KEYS[name]
                path, value, a_in, b_in = ("service", name), getattr(service, name), (a, True), (b, True)
            elif key in declared:
                path, spec, static = declared[key]
                if static:
                    raise ValueError(f"uncertainty input {key} is a discrete model choice (static field); only "
                                     "continuous quantities can be uncertain")
                value = _get(mission, service, path)
                if value is None:
                    reason = f"unset in this configuration (optional input; set {key} to make it uncertain)"
                    break
                u, ln = spec.units, spec.long_name
                a_in, b_in = (spec.lo, spec.lo_inclusive), (spec.hi, spec.hi_inclusive)
            else:
                reason = "not an input of this model yet (not in `sunsink config --list`); it takes effect when " \
                         "the model declares it"
                break
            v = float(value)
            paths.append(path)
            nominal.append(v)
            units, long_name = units or u, long_name or ln
            # allowed range of the key -> range of the variate (open bounds nudged inside)
            (a, a_inc), (b, b_inc) = a_in, b_in
            a = a if a_inc else a + 1e-9 * max(abs(a), 1.0)
            b = b if b_inc else b - 1e-9 * max(abs(b), 1.0)
            if e.relative:
                if v == 0.0:
                    raise ValueError(f"uncertainty input {key} is relative but its configured value is 0")
                xa, xb = sorted((a / v, b / v))
            else:
                xa, xb = a, b
            lo, hi = max(lo, xa), min(hi, xb)
        if reason is not None:
            skipped.append((e.key, reason))
            continue
        if not lo < hi or e.distribution().cdf(hi) - e.distribution().cdf(lo) <= 0.0:
            raise ValueError(f"uncertainty input {e.key}: {e.describe()} has no probability inside the allowed "
                             f"range of {', '.join(e.keys)}")
        targets.append(Target(e, tuple(paths), tuple(nominal), units, long_name, (lo, hi)))
    return targets, skipped


def known_input_keys() -> set:
    """Config keys an uncertain input may name: every continuous declared quantity and the
    traced ``service.*`` keys (:data:`SERVICE_KEYS`)."""
    keys = {k for k, (_, _, static) in _declared_keys().items() if not static}
    return keys | {f"service.{k}" for k in SERVICE_KEYS}


def input_table(cfg) -> tuple[Uncertain, ...]:
    """The uncertain inputs of a validated config: :data:`UNCERTAIN_INPUTS` with the config's
    ``[[uncertainty.inputs]]`` rows replacing rows of the same key or added
    (``[uncertainty] replace_defaults``: the rows only)."""
    return parse_inputs([dict(r) for r in cfg.uncertainty.inputs], replace_defaults=cfg.uncertainty.replace_defaults)


def parse_inputs(rows: Sequence[Mapping[str, Any]], base: Sequence[Uncertain] = UNCERTAIN_INPUTS,
                 replace_defaults: bool = False) -> tuple[Uncertain, ...]:
    """The table with config rows (``[[uncertainty.inputs]]``: key, dist, params, relative,
    source, also) replacing rows of the same key or added; ``replace_defaults``: rows only."""
    allowed = {"key", "dist", "params", "relative", "source", "also"}
    out = {} if replace_defaults else {e.key: e for e in base}
    for i, r in enumerate(rows):
        bad = sorted(set(r) - allowed)
        if bad:
            raise ValueError(f"uncertainty.inputs[{i}]: unknown key {bad[0]!r}; allowed: {sorted(allowed)}")
        for k in ("key", "dist", "params"):
            if k not in r:
                raise ValueError(f"uncertainty.inputs[{i}]: missing {k!r}")
        try:
            e = Uncertain(str(r["key"]), str(r["dist"]), tuple(r["params"]), bool(r.get("relative", True)),
                          str(r.get("source", "config")), tuple(r.get("also", ())))
        except ValueError as exc:
            raise ValueError(f"uncertainty.inputs[{i}]: {exc}") from None
        for other in list(out.values()):   # a row replaces any declared row sharing one of its keys
            if other.key != e.key and set(other.keys) & set(e.keys):
                del out[other.key]
        out[e.key] = e
    return tuple(out.values())


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
    """Evaluate ``fn`` (variates -> dict of scalars) at ``points`` with :func:`studies.sweep.run_sweep`.

    Each process evaluates its :func:`studies.sweep.process_share` of the points; under
    ``jax.distributed`` the shares are gathered so every process returns all of them.
    """
    import jax

    names = list(points)
    n = len(points[names[0]])
    share = process_share(n)
    res = run_sweep(fn, {k: np.asarray(v)[share] for k, v in points.items()}, chunk_size=chunk_size,
                    progress=progress, vectorize=vectorize)
    if jax.process_count() == 1:
        return res
    from jax.experimental import multihost_utils

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
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

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
    import equinox as eqx

    sets = [(t, i, p) for t in targets for i, p in enumerate(t.paths) if p[0] != "service"]
    if not sets:
        return mission

    def where(m):
        return [getattr(m, p[1]) if p[0] == "mission" else getattr(m.mass, p[1]) for _, _, p in sets]

    return eqx.tree_at(where, mission, [t.values(variates[t.key])[i] for t, i, _ in sets])


def model_function(design, mission, numerics, targets: Sequence[Target], service=None,
                   compiled_evaluate: Callable | None = None) -> Callable[[dict], dict]:
    """Traceable ``fn(variates) -> outputs`` for :func:`studies.sweep.run_sweep`: the mission with
    the sampled fields (``eqx.tree_at``), :func:`studies.evaluate` of the fixed design, the
    in-service model, the worst normalised constraint and the convergence flag.

    ``compiled_evaluate(design, mission) -> metrics`` replaces :func:`studies.evaluate` by an already
    compiled program of the same numerics (:meth:`studies.satellite.Kernels.evaluate`); ``fn`` is then
    meant to be called point by point on the host (``run_sweep(..., vectorize="host")``)."""
    import jax.numpy as jnp

    from .metrics import CONSTRAINT_NAMES, METRICS
    from .model import evaluate
    from .service import ServiceParameters, service_summary

    service = ServiceParameters() if service is None else service
    rate_target = next((t for t in targets if ("service", "failure_rate_per_chip_year") in t.paths), None)
    scalar = [m.name for m in METRICS]

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
    from .metrics import METRICS
    from .service import SERVICE_METRICS

    units = {m.name: m.units for m in METRICS}
    names = {m.name: m.long_name for m in METRICS}
    for k, (u, ln) in SERVICE_METRICS.items():
        units[k], names[k] = u, ln
    units.update(worst_constraint="1", converged="1")
    names.update(worst_constraint="smallest normalised constraint (>= 0 feasible)",
                 converged="all solves converged (1 = yes)")
    return units, names


def mission_from_config(cfg, orbit_index: int = 0):
    """``(design, mission, numerics)`` of a validated config's orbit, as ``sunsink sweep`` builds them
    (hot-case beta from the level-0 scan, the configured design variables)."""
    from . import satellite as S
    from .radiator_study import run_radiator_study, slug

    orb = cfg.orbits[orbit_index]
    level0 = run_radiator_study(cfg)
    geo = S.mission_geometry(orb, math.radians(float(level0[slug(orb.name)]["beta_design_deg"])))
    return S.build_variables(cfg, orb).baseline(), S.build_mission(cfg, geo), S.build_numerics(cfg)


def run_uncertainty(config_or_mission, design=None, n_samples: int = 64, seed: int = 0, *, numerics=None,
                    table: Sequence[Uncertain] | None = None, service=None, method: str = "lhs",
                    sobol_base_samples: int = 0, tornado: bool = True, chunk_size: int = 64,
                    progress=sys.stderr, vectorize: str | None = None, model: Callable | None = None,
                    orbit_index: int = 0, compiled_evaluate: Callable | None = None) -> UncertaintyResult:
    """Propagate the declared input distributions through the coupled model at a fixed design.

    Parameters
    ----------
    config_or_mission : a config file path, a validated config (:func:`studies.load_config`) or a
        :class:`studies.Mission`.
    design : the :class:`studies.SatelliteDesign` to judge (default: the config's design; required
        with a Mission).
    n_samples : Latin-hypercube (or Monte Carlo) samples, >= 1.
    seed : sampler seed (also SALib's).
    numerics : :class:`studies.Numerics` (default: the config's; ``Numerics()`` with a Mission).
    table : the uncertain inputs (default: :func:`input_table` of a config -- its
        ``[[uncertainty.inputs]]`` rows over :data:`UNCERTAIN_INPUTS` -- or :data:`UNCERTAIN_INPUTS`
        with a Mission).
    service : :class:`studies.service.ServiceParameters`.
    method : ``"lhs"`` or ``"mc"``.
    sobol_base_samples : SALib base count N (power of 2; 0 = no Sobol analysis); costs
        ``N (D + 2)`` further model evaluations.
    tornado : evaluate each input at its P5 and P95 with the others at their configured values
        (``2 D + 1`` evaluations).
    model : replaces the coupled model by ``model(mission, targets) -> fn`` (tests).
    compiled_evaluate : an already compiled ``evaluate(design, mission) -> metrics`` of these numerics
        (a study's :meth:`studies.satellite.Kernels.evaluate`): every evaluation is then a call of that
        program from the host (``vectorize="host"``), and the propagation compiles nothing.  Without
        it the sweep compiles its own program of the model (``lax.map`` or ``vmap``), ~20-25 s on
        2 CPU cores, which pays off only beyond a few thousand evaluations.

    Every evaluation (samples, tornado, Sobol) goes through one :func:`studies.sweep.run_sweep`
    function, compiled once (or not at all, with ``compiled_evaluate``).
    """
    from pathlib import Path

    from .model import Mission, Numerics

    if compiled_evaluate is not None and vectorize not in (None, "host"):
        raise ValueError(f"run_uncertainty: vectorize = {vectorize!r} with compiled_evaluate; allowed: 'host' or None "
                         "(a compiled program is called point by point from the host)")

    if isinstance(config_or_mission, (str, Path)):
        from .config import load_config

        config_or_mission, _ = load_config(config_or_mission)
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
    if sobol_base_samples:
        from SALib.sample import sobol as sobol_sample  # noqa: F401  (checked before the long run)

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


# ------------------------------------------------------------------------------------------------
# report, archive, figure
# ------------------------------------------------------------------------------------------------

def _g(v: float) -> str:
    if not math.isfinite(v):
        return str(v)
    return f"{v:.5g}"


def format_uncertainty(result: UncertaintyResult, metrics: Sequence[str] | None = None,
                       tornado_metric: str = "total_mass_kg", n_tornado: int = 8, sobol_floor: float = 0.01) -> str:
    """Plain-text report: inputs, skipped keys, output statistics (P5/P50/P95), feasibility,
    the tornado ranking of one metric and the Sobol indices when computed."""
    lines = [f"uncertainty: {result.n_samples} samples ({result.method}, seed {result.seed}), "
             f"{len(result.targets)} uncertain inputs"]
    lines.append(f"  {'input':<44} {'distribution':<30} {'nominal':>11} {'P5':>11} {'P95':>11}  units")
    for i, t in enumerate(result.targets):
        for key, nom, (lo, hi) in zip(t.entry.keys, t.nominal, t.values(result.tornado_inputs[i])):
            lines.append(f"  {key:<44} {t.entry.describe():<30} {_g(nom):>11} {_g(float(lo)):>11} {_g(float(hi)):>11}"
                         f"  {t.units}")
    for key, why in result.skipped:
        lines.append(f"  skipped {key}: {why}")
    names = [m for m in (metrics or REPORT_METRICS) if m in result.stats]
    names += sorted(k for k in result.stats if k.startswith("g_") and (metrics is None))
    lines.append("")
    lines.append(f"  {'metric':<46} {'nominal':>11} {'mean':>11} {'std':>10} {'P5':>11} {'P50':>11} {'P95':>11}  units")
    for k in names:
        s = result.stats[k]
        p5, p50, p95 = s["quantiles"]
        extra = f"  ({s['n_nonfinite']} non-finite)" if s["n_nonfinite"] else ""
        lines.append(f"  {k:<46} {_g(result.nominal.get(k, math.nan)):>11} {_g(s['mean']):>11} {_g(s['std']):>10} "
                     f"{_g(p5):>11} {_g(p50):>11} {_g(p95):>11}  {result.units.get(k, '')}{extra}")
    lines.append(f"  P(every constraint met, converged) = {result.feasible_fraction:.3f}; "
                 f"converged {result.converged_fraction:.3f}")
    bad = int(round((1.0 - result.converged_fraction) * result.n_samples))
    if bad:
        lines.append(f"  WARNING: {bad} of {result.n_samples} samples did not converge; they are excluded from the "
                     "statistics above (their inputs are in the archive)")
    if result.tornado and tornado_metric in result.tornado:
        v = result.tornado[tornado_metric]
        base = result.nominal[tornado_metric]
        order = np.argsort(-np.abs(v[:, 1] - v[:, 0]))
        lines.append("")
        lines.append(f"  tornado of {tornado_metric} (nominal {_g(base)} {result.units.get(tornado_metric, '')}; "
                     "each input at its P5 / P95, the others nominal)")
        for i in order[:n_tornado]:
            lines.append(f"    {result.targets[i].key:<44} {_g(v[i, 0] - base):>11} {_g(v[i, 1] - base):>11}")
    if result.sobol:
        lines.append("")
        lines.append(f"  Sobol indices (first order S1, total ST, +- 95 % bootstrap; inputs with ST >= {sobol_floor:g})")
        for k, s in result.sobol.items():
            if k not in names or not np.any(s["ST"] >= sobol_floor):
                continue
            lines.append(f"    {k}")
            order = [i for i in np.argsort(-s["ST"]) if s["ST"][i] >= sobol_floor]
            for i in order:
                lines.append(f"      {result.targets[i].key:<44} S1 {s['S1'][i]:6.3f} +- {s['S1_conf'][i]:.3f}   "
                             f"ST {s['ST'][i]:6.3f} +- {s['ST_conf'][i]:.3f}")
    return "\n".join(lines)


def archive_group(result: UncertaintyResult):
    """The result as a :class:`studies.archive.Group` (write it with the archive's writer, e.g. as
    ``tree["uncertainty"]``): samples of every input and output on a ``sample`` axis, statistics
    on a ``quantile`` axis, tornado and Sobol tables on an ``input`` axis."""
    from . import archive as ar

    keys = [t.key for t in result.targets]
    n, d = result.n_samples, len(keys)
    inputs = {"sample": ar.Dataset(np.arange(n), "1", "sample index", dims=("sample",))}
    for t in result.targets:
        for key in t.entry.keys:
            inputs[key] = ar.Dataset(result.inputs[key], t.units or "1", t.long_name or key, dims=("sample",),
                                     attrs={"distribution": t.entry.describe(), "source": t.entry.source})
    outputs = {"sample": ar.Dataset(np.arange(n), "1", "sample index", dims=("sample",))}
    stats_g = {"quantile": ar.Dataset(np.asarray(QUANTILES), "1", "probability level", dims=("quantile",))}
    for k, v in result.outputs.items():
        u, ln = result.units.get(k, "1"), result.long_names.get(k, k)
        outputs[k] = ar.Dataset(np.asarray(v, dtype=float), u, ln, dims=("sample",))
        s = result.stats[k]
        stats_g[k] = ar.Dataset(np.asarray(s["quantiles"], dtype=float), u, f"quantiles of {ln}", dims=("quantile",),
                                attrs={"mean": s["mean"], "std": s["std"] if math.isfinite(s["std"]) else math.nan,
                                       "nominal": result.nominal.get(k, math.nan), "n_nonfinite": s["n_nonfinite"]})
    children = {"inputs": ar.Group(inputs), "outputs": ar.Group(outputs), "statistics": ar.Group(stats_g)}
    idx = {"input_index": ar.Dataset(np.arange(d), "1", "uncertain input index", dims=("input_index",),
                                     attrs={"keys": ", ".join(keys)}),
           "bound": ar.Dataset(np.array([0.05, 0.95]), "1", "input probability level", dims=("bound",))}
    if result.tornado:
        tor = dict(idx)
        for k, v in result.tornado.items():
            tor[k] = ar.Dataset(np.asarray(v, dtype=float), result.units.get(k, "1"),
                                f"{result.long_names.get(k, k)} with one input at its P5 / P95",
                                dims=("input_index", "bound"))
        children["tornado"] = ar.Group(tor)
    if result.sobol:
        sob = {"input_index": idx["input_index"]}
        for k, s in result.sobol.items():
            sob[k] = ar.Group({n: ar.Dataset(np.asarray(v, dtype=float), "1", f"Sobol {n} of {k}",
                                             dims=("input_index",)) for n, v in s.items()})
        children["sobol"] = ar.Group(sob)
    return ar.Group(children, attrs={"n_samples": n, "seed": result.seed, "method": result.method,
                                     "input_keys": ", ".join(keys),
                                     "skipped": "; ".join(f"{k}: {r}" for k, r in result.skipped) or "none",
                                     "feasible_fraction": result.feasible_fraction,
                                     "converged_fraction": result.converged_fraction})


def tornado_figure(result: UncertaintyResult, metric: str = "total_mass_kg", n: int = 12):
    """Tornado chart of ``metric``: the change from nominal with each input at its P5 and P95
    (matplotlib figure, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if metric not in result.tornado:
        raise ValueError(f"tornado metric {metric!r} is not an output; allowed: {sorted(result.tornado)}")
    v = result.tornado[metric] - result.nominal[metric]
    order = np.argsort(np.abs(v[:, 1] - v[:, 0]))[-n:]
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(order) + 1.5))
    y = np.arange(len(order))
    ax.barh(y, v[order, 0], color="tab:blue", label="input at P5")
    ax.barh(y, v[order, 1], color="tab:orange", label="input at P95")
    ax.set_yticks(y, [result.targets[i].key for i in order], fontsize=8)
    ax.axvline(0.0, color="k", lw=0.8)
    ax.set_xlabel(f"change of {metric} [{result.units.get(metric, '')}] from {result.nominal[metric]:.5g}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
