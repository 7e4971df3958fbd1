"""The declared uncertain inputs (:data:`UNCERTAIN_INPUTS`), a config's changes to them, and their
resolution against a mission: the declarations the propagation (:mod:`studies.analysis.uncertainty`)
samples and the config validates (:mod:`studies.config`).

Each row names a config key as ``sunsink config --list`` prints it (``radiator.face_a.absorptivity``,
``mission.payload_power_w``, ``mass.radiator_support_areal_mass_kg_m2``...), a distribution, whether
its parameters are relative to the configured value (``value = nominal x variate``) or absolute, the
keys that move with it (``also``: fully correlated, e.g. the two faces of one coating) and its source.
Keys of the in-service model (:mod:`studies.analysis.service`) are spelled ``service.<field>``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
from scipy import stats

from .build import get_input, mission_inputs
from .service import ServiceParameters

__all__ = ["DISTRIBUTIONS", "Uncertain", "UNCERTAIN_INPUTS", "Target", "SERVICE_KEYS", "resolve_inputs",
           "known_input_keys", "input_table", "parse_inputs"]

DISTRIBUTIONS = {"uniform": 2, "normal": 2, "lognormal": 2, "triangular": 3}
"""Distribution names and their parameter counts: uniform (lo, hi), normal (mean, sd),
lognormal (median, sigma of ln), triangular (lo, mode, hi)."""

@dataclass(frozen=True)
class Uncertain:
    """One uncertain input.

    Attributes
    ----------
    key : config key (``section.key``; ``service.<field>`` for :class:`studies.analysis.service.ServiceParameters`).
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
"""``service.*`` keys a sample may set (the traced inputs of :func:`studies.analysis.service.service_summary`)."""


def _get(mission, service, path):
    return getattr(service, path[1]) if path[0] == "service" else get_input(mission, path)


def resolve_inputs(table: Sequence[Uncertain], mission, service=None) -> tuple[list[Target], list[tuple[str, str]]]:
    """Match the table to a mission: ``(targets, skipped)``; ``skipped`` holds ``(key, reason)``
    for keys the model does not declare or the config leaves unset.

    Raises ValueError for a key that names a discrete model choice (a static field) or that
    appears twice, and for a variate range that excludes every allowed value.
    """
    service = ServiceParameters() if service is None else service
    declared = mission_inputs()
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
    keys = {k for k, (_, _, static) in mission_inputs().items() if not static}
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
