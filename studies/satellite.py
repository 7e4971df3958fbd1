"""Whole-satellite study: config -> Mission/Numerics/variables -> evaluate, optimise,
check, sensitivities, life, constellation, Pareto fronts.

Host-side steps (validation, mission geometry, post-checks, tables) live here;
the physics is :func:`studies.model.evaluate`.
"""
from __future__ import annotations

import logging
import sys

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

import orbit
import power
from orbit.constants import TROPICAL_YEAR_S

from . import constellation as cst
from .config import ConfigError
from .declare import config_key, specs
from .design import VARIABLE_BY_NAME, VARIABLES, SatelliteDesign, VariableSet, variable_set
from .mass_model import MassParameters
from .metrics import CONSTRAINT_NAMES
from .optimize import OBJECTIVE_REF, HostProblem, kkt_check, minimize  # noqa: F401  (re-exported)
from .model import Mission, Numerics, evaluate
from .radiator_study import orbit_inclination_rad

log = logging.getLogger("sunsink")

def _configured(cls):
    """(field, spec) of the configurable fields of a declared class."""
    return [(f, sp) for f, sp in specs(cls) if sp.section is not None]


def _section(cfg, path: str):
    node = cfg
    for part in path.split("."):
        node = node[part]
    return node


def mission_geometry(orb, hot_beta_rad: float) -> dict:
    """Host-side orbit geometry for the coupled model (fixed during an optimisation).

    ``eclipse_beta_rad``: the beta angle with the longest eclipse over the year
    (smallest |beta|); ``eclipse_orbits_fraction``: fraction of the year's orbits that
    have an eclipse (battery cycles).  Computed at the configured altitude.
    """
    with jax.enable_x64(True):   # host side, precision independent (Julian dates need float64)
        return _mission_geometry(orb, hot_beta_rad)


def _mission_geometry(orb, hot_beta_rad: float) -> dict:
    h = orb.altitude_m
    inc = orbit_inclination_rad(orb)
    jd0 = orbit.julian_date(orb.year, 1, 1, 0.0)
    if orb.family == "sso":
        season = power.sso_eclipse_season(h, orb.ltan_hours, jd0, n_samples=365)
    else:
        season = power.eclipse_season(h, inc, 0.0, jd0, n_samples=730)
    beta = np.asarray(season.beta_rad)
    ecl_beta = float(beta[np.argmin(np.abs(beta))])
    per_year = TROPICAL_YEAR_S / float(orbit.period_s(h))
    frac = float(season.eclipse_orbits_per_year) / per_year
    return {"hot_beta_rad": hot_beta_rad, "eclipse_beta_rad": ecl_beta, "eclipse_orbits_fraction": max(frac, 1e-3),
            "inclination_rad": inc, "sso": 1.0 if orb.family == "sso" else 0.0,
            "max_eclipse_s": float(season.max_eclipse_s)}


def build_mission(cfg, geometry: dict) -> Mission:
    """The :class:`Mission` of a validated config: every configurable field read from the section its
    declaration names, the derived orbit geometry from ``geometry``."""
    # validated by parse_config (ranges, one input per quantity); unset options stay None
    mass = dict(cfg.mass)
    if mass["array_class"] is not None:   # the class's cited specific power sets the support mass (host side)
        mass["array_support_areal_mass_kg_m2"] = float(
            power.support_areal_mass_for_class(mass["array_class"], cfg.mission.cell))
    mass = MassParameters(**mass)
    values = {}
    for f, sp in _configured(Mission):
        v = _section(cfg, sp.section)[config_key(f, sp)]
        values[f.name] = v if f.metadata.get("static") or v is None else jnp.asarray(float(v))
    geo = {k: jnp.asarray(float(geometry[k])) for k in
           ("hot_beta_rad", "eclipse_beta_rad", "eclipse_orbits_fraction", "inclination_rad", "sso")}
    return Mission(**values, **geo, mass=mass)


def build_numerics(cfg) -> Numerics:
    return Numerics(**{f.name: _section(cfg, sp.section)[config_key(f, sp)] for f, sp in _configured(Numerics)})


def build_variables(cfg, orb) -> VariableSet:
    """Design variables of one orbit: ``[design.*]`` overrides; the altitude is the orbit's own,
    held fixed unless the orbit says ``free_altitude = true``."""
    overrides = {k: dict(v) for k, v in dict(cfg.design).items()}
    alt = {"value": orb.altitude_m, "fixed": not orb.free_altitude}
    if orb.altitude_bounds_m is not None:
        alt["lo"], alt["hi"] = orb.altitude_bounds_m
    else:  # the declared bounds, widened to include the configured altitude
        v = VARIABLE_BY_NAME["altitude_m"]
        alt["lo"], alt["hi"] = min(v.lo, orb.altitude_m), max(v.hi, orb.altitude_m)
    overrides["altitude_m"] = alt
    try:
        return variable_set(overrides)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def optimize_design(kernels: "Kernels", base: SatelliteDesign, method="SLSQP", maxiter=60, ftol=1e-7,
                    on_iteration=None, stream=sys.stderr, bounds_scaled=None):
    """Optimise the free variables of ``kernels.vs`` from ``base`` (:func:`studies.optimize.minimize`);
    returns ``(design, scipy result, history, problem)``."""
    p = kernels.problem(base)
    res, history = minimize(p, method, maxiter, ftol, on_iteration=on_iteration, stream=stream,
                            bounds_scaled=bounds_scaled)
    return kernels.vs.from_scaled(jnp.asarray(res.x), base), res, history, p


# ------------------------------------------------------------------------------------------------
# jitted kernels (compiled once per (mission statics, numerics))
# ------------------------------------------------------------------------------------------------

def strong_types(tree):
    """``tree`` with every float leaf a strongly typed array (arrays keep their dtype, Python floats
    take the default float dtype).

    jit compiles one program per argument signature, and a weakly typed leaf (a Python float,
    ``jnp.asarray(0.5)``, the result of arithmetic on those) is a different signature from the same
    leaf strongly typed: before this, ``sunsink run`` compiled the whole coupled model three times
    (the configured design, the optimum from the optimiser's scaled vector, the life sweep's
    ``life_years``)."""
    dt = jnp.result_type(float)

    def one(a):
        if isinstance(a, float):
            return jnp.asarray(a, dt)
        if isinstance(a, jax.Array) and not a.weak_type:
            return a                                   # already strong: no dispatch per call
        if isinstance(a, (jax.Array, np.ndarray)) and jnp.issubdtype(a.dtype, jnp.inexact):
            return jnp.asarray(a, a.dtype)
        return a

    return jax.tree_util.tree_map(one, tree)


class Kernels:
    """The coupled model's two compiled programs, shared by every step of a study.

    * :meth:`evaluate` -- every metric of a design (:func:`studies.model.evaluate`); the optimiser's
      [objective, constraints] vector, the life sweep, the Pareto points and the post-checks all
      read it, so the model is compiled once for values.
    * :meth:`pushforward` -- directional derivatives of [objective, constraints] along a batch of
      tangents (forward mode), one tangent per FREE design variable: the optimiser's Jacobian is one
      call (the identity on the free variables, :meth:`jacobian`; a fixed variable's column would be
      computed and thrown away), and the sensitivity of the objective to every design variable and
      continuous mission and mass-model input is a few more calls of the SAME program (one-hot
      tangents, :func:`sensitivities`).  Forward mode: about as many tangents (10 free design
      variables in the baseline) as outputs (objective and 10 constraints), the same run time as
      reverse mode and half its compile time (no transposed program), and no second derivative program
      (a reverse-mode gradient for the sensitivities cost another ~40 s of compilation per model
      shape).

    Every mission input carries a tangent, zero in the Jacobian's call, so a mission input that sits on
    a point of infinite slope would give 0 * inf = NaN in every column: the leaves keep their
    derivatives finite (:func:`thermal.earth_view_factor_cos` for a plate that looks straight at the
    Earth, as a Sun-facing plate does at beta = 0), and :meth:`value_and_jacobian` refuses a
    non-finite Jacobian with an error rather than handing it to the optimiser.

    The derivative program acts on the FULL vector of design variables scaled by their reference
    values (the references are an argument, not a constant), so one compilation serves every choice
    of free variables, bounds and mission values; only the mission's static fields and the numerics
    recompile.  Inputs pass through :func:`strong_types`, so weak types never recompile.
    """

    def __init__(self, vs: VariableSet, mission: Mission, numerics: Numerics):
        self.vs, self.mission, self.numerics = vs, mission, numerics
        self.n_tangents = max(1, len(vs.free))   # the batch of one derivative program

        def outputs(x_full, refs, mission):
            d = SatelliteDesign(*[x_full[i] * refs[i] for i in range(len(refs))])
            out = evaluate(d, mission, numerics)
            return jnp.concatenate([(out["objective"] / OBJECTIVE_REF[mission.objective])[None],
                                    jnp.stack([out[f"g_{c}"] for c in CONSTRAINT_NAMES])])

        def pushforward(x_full, refs, mission, tx, tm):
            # tx: (B, n) tangents of the scaled design vector; tm: (B, P) tangents of the mission's float
            # leaves, flattened in jax.flatten_util.ravel_pytree order.  The convergence flag is left out:
            # it has no derivative, and the chip solver's iteration counts it is built from are batched
            # along with the tangents (jvp refuses a batched primal).
            diff, static = eqx.partition(mission, eqx.is_inexact_array)
            flat, unravel = ravel_pytree(diff)
            f = lambda x, m: outputs(x, refs, eqx.combine(unravel(m), static))  # noqa: E731
            return jax.vmap(lambda a, b: jax.jvp(f, (x_full, flat), (a, b))[1])(tx, tm)

        self._pushforward = jax.jit(pushforward)
        self._evaluate = jax.jit(lambda d, m: evaluate(d, m, numerics))
        self._strong_cache = (None, None)   # (mission, its strong_types copy): converted once, not per call

    def evaluate(self, design: SatelliteDesign, mission: Mission) -> dict:
        """Every metric of ``design`` (jitted :func:`studies.model.evaluate`; one program per shape)."""
        return self._evaluate(strong_types(design), self._strong(mission))

    @staticmethod
    def mission_size(mission: Mission) -> int:
        """Number P of float inputs of ``mission`` (the width of :meth:`pushforward`'s ``tm``): the float
        leaves :func:`strong_types` makes arrays, counted without converting them."""
        def is_float(a):
            return isinstance(a, float) or (isinstance(a, (jax.Array, np.ndarray))
                                            and jnp.issubdtype(a.dtype, jnp.inexact))
        return int(sum(np.size(a) for a in jax.tree_util.tree_leaves(mission) if is_float(a)))

    def _strong(self, mission: Mission) -> Mission:
        """``strong_types(mission)``, converted once for the kernels' own mission (~5 ms a call on the host
        otherwise: the benchmark's Jacobian spent a fifth of its time here)."""
        if mission is not self.mission:
            return strong_types(mission)
        if self._strong_cache[0] is not mission:
            self._strong_cache = (mission, strong_types(mission))
        return self._strong_cache[1]

    def pushforward(self, x_full, mission: Mission, tx, tm) -> np.ndarray:
        """(B, 1 + n_constraints) derivatives of [objective / ref, constraints] along the tangents
        ``tx`` (B, n) of the scaled design vector ``x_full`` and ``tm`` (B, P) of the mission's float
        inputs, for any B: the tangents go through the compiled program :attr:`n_tangents` (the number
        of free variables) at a time, zero-padded, so one program serves every batch."""
        dt = jnp.result_type(float)
        refs = np.array([v.ref for v in self.vs.variables])
        tx, tm = np.atleast_2d(tx), np.atleast_2d(tm)
        n, b = self.n_tangents, tx.shape[0]
        primal = jnp.asarray(x_full, dt), jnp.asarray(refs, dt), self._strong(mission)
        blocks = []
        for start in range(0, b, n):
            pad = np.zeros((n, tx.shape[1])), np.zeros((n, tm.shape[1]))
            pad[0][:min(n, b - start)] = tx[start:start + n]
            pad[1][:min(n, b - start)] = tm[start:start + n]
            out = self._pushforward(*primal, jnp.asarray(pad[0], dt), jnp.asarray(pad[1], dt))
            blocks.append(np.asarray(out, dtype=np.float64)[:b - start])
        return np.concatenate(blocks)

    def free_index(self) -> list[int]:
        """Positions of the free variables in the full design vector."""
        return [i for i, v in enumerate(self.vs.variables) if not v.fixed]

    def jacobian(self, x_full, mission: Mission, columns=None) -> np.ndarray:
        """(1 + n_constraints, len(columns)) derivatives of [objective / ref, constraints] with respect
        to the scaled design variables at positions ``columns`` of ``x_full`` (default: the free ones,
        what the optimiser takes: one :meth:`pushforward` call)."""
        columns = self.free_index() if columns is None else list(columns)
        tx = np.eye(len(self.vs.variables))[columns]
        return self.pushforward(x_full, mission, tx, np.zeros((len(columns), self.mission_size(mission)))).T

    def _full(self, x_free, base: SatelliteDesign):
        vs = self.vs
        refs = np.array([v.ref for v in vs.variables])
        full = np.array([float(getattr(base, v.name)) for v in vs.variables]) / refs
        idx = [i for i, v in enumerate(vs.variables) if not v.fixed]
        full[idx] = x_free
        return full, refs, idx

    def _design(self, full, refs) -> SatelliteDesign:
        return SatelliteDesign(*[jnp.asarray(float(x * r)) for x, r in zip(full, refs)])

    def vector(self, out: dict) -> np.ndarray:
        """[objective / ref, constraints g >= 0, converged flag] of evaluated metrics ``out``."""
        keys = ["objective"] + [f"g_{c}" for c in CONSTRAINT_NAMES] + ["converged"]
        v = np.array([float(x) for x in jax.device_get([out[k] for k in keys])])   # one transfer
        v[0] /= OBJECTIVE_REF[self.mission.objective]
        return v

    def value_and_jacobian(self, x_free, base: SatelliteDesign):
        vs = self.vs
        v = self.value(x_free, base)
        full, refs, idx = self._full(np.asarray(x_free, dtype=np.float64), base)
        jac = self.jacobian(full, self.mission)
        j = np.concatenate([jac, np.zeros((1, jac.shape[1]))])      # the convergence flag: no derivative
        # NaN: a failed implicit-derivative solve (studies.cli.runtime_errors_as_nan) or a tangent through a
        # point of infinite slope
        if not np.all(np.isfinite(j)):
            bad = [vs.free_names[c] for c in range(len(idx)) if not np.all(np.isfinite(j[:, c]))]
            raise FloatingPointError(f"the Jacobian of the coupled model is not finite with respect to {bad} "
                                     f"at {dict(zip(vs.free_names, np.round(full[idx] * refs[idx], 6)))}: "
                                     "an implicit-derivative linear solve failed or an input sits at a point of "
                                     "infinite slope")
        return v, j

    def value(self, x_free, base: SatelliteDesign):
        full, refs, _ = self._full(np.asarray(x_free, dtype=np.float64), base)
        return self.vector(self.evaluate(self._design(full, refs), self.mission))

    def problem(self, base: SatelliteDesign) -> "HostProblem":
        vs = self.vs
        cache: dict = {}

        vcache: dict = {}

        def both(x):
            key = np.asarray(x, dtype=np.float64).tobytes()
            if key not in cache:
                cache.clear()
                cache[key] = self.value_and_jacobian(x, base)
            return cache[key]

        def value(x):
            # Line searches need values only: one evaluation, not evaluation + Jacobian (~9x dearer).
            key = np.asarray(x, dtype=np.float64).tobytes()
            if key in cache:
                return cache[key][0]
            if key not in vcache:
                vcache.clear()
                vcache[key] = self.value(x, base)
            return vcache[key]

        lo, hi = vs.bounds_scaled()
        return HostProblem(names=vs.free_names, x0=vs.to_scaled(base), lower=lo, upper=hi,
                           constraint_names=list(CONSTRAINT_NAMES), both=both, value=value)


def _parameters(design: SatelliteDesign, mission: Mission):
    """(label, getter) of every differentiable input: the design variables (``design.<name>``) and
    every configured continuous quantity of the mission and mass model, labelled by its config key."""
    out = [(f"design.{v.name}", lambda t, n=v.name: getattr(t[0], n)) for v in VARIABLES]
    for f, sp in _configured(Mission):
        if not f.metadata.get("static") and getattr(mission, f.name) is not None:
            out.append((f"{sp.section}.{config_key(f, sp)}", lambda t, n=f.name: getattr(t[1], n)))
    for f, sp in _configured(MassParameters):
        if not f.metadata.get("static") and getattr(mission.mass, f.name) is not None:
            out.append((f"mass.{f.name}", lambda t, n=f.name: getattr(t[1].mass, n)))
    return out


def parameter_values(design: SatelliteDesign, mission: Mission) -> dict[str, float]:
    """Value (SI) of every parameter of the sensitivity table, by label."""
    return {label: float(get((design, mission))) for label, get in _parameters(design, mission)}


def sensitivities(kernels: Kernels, design: SatelliteDesign, mission: Mission) -> dict[str, float]:
    """d(objective)/d(every design variable and every configured continuous mission, environment,
    coating and mass-model parameter), labelled by its config key.

    Forward mode through :meth:`Kernels.pushforward`, the program the optimiser's Jacobian already
    compiled: one-hot tangents on the design, then on the mission's float inputs (the mission and
    mass-model parameters), ``kernels.n_tangents`` per call.
    Reported as elasticities too (d ln J / d ln p) so that parameters of different units rank
    together.
    """
    refs = np.array([v.ref for v in kernels.vs.variables])
    full = np.array([float(getattr(design, v.name)) for v in kernels.vs.variables]) / refs
    strong = strong_types(mission)
    diff = eqx.filter(strong, eqx.is_inexact_array)
    zeros = jax.tree_util.tree_map(jnp.zeros_like, diff)
    scale = OBJECTIVE_REF[mission.objective]
    grads = {}
    # design variables: d obj / d x_i = (d (obj / ref) / d x_scaled_i) * ref / v.ref
    row = kernels.jacobian(full, strong, columns=range(len(kernels.vs.variables)))[0]
    for i, v in enumerate(kernels.vs.variables):
        grads[f"design.{v.name}"] = float(row[i] * scale / refs[i])
    # mission and mass-model inputs: one-hot tangents in the flattened float inputs of the mission
    labels, rows = [], []
    for label, get in _parameters(design, mission)[len(VARIABLES):]:
        one = eqx.tree_at(lambda m, g=get: g((None, m)), zeros, jnp.ones_like(get((None, diff))))
        rows.append(np.asarray(ravel_pytree(one)[0]))
        labels.append(label)
    d = kernels.pushforward(full, strong, np.zeros((len(rows), len(full))), np.array(rows))[:, 0]
    grads.update({label: float(dj * scale) for label, dj in zip(labels, d)})
    return grads


def check_gradients(kernels: Kernels, base: SatelliteDesign, rel_step=(1e-5, 1e-6)) -> dict[str, float]:
    """Worst relative error of autodiff vs central differences per free variable, over the
    objective and all constraints (the ``sunsink check`` report).

    ``rel_step`` may be one relative step or several: central differences carry a
    truncation error ~h^2 and a round-off/solver-tolerance error ~tol/h, so no single
    step suits every variable (a strongly curved response such as the shield's wants a
    small step, a weakly coupled one such as the cold-plate enhancement a larger one).
    With several steps each variable reports the best of them, the usual practice.
    """
    steps = np.atleast_1d(np.asarray(rel_step, dtype=np.float64))
    x0 = kernels.vs.to_scaled(base)
    _, jad = kernels.value_and_jacobian(x0, base)
    out = {}
    for k, name in enumerate(kernels.vs.free_names):
        ad = jad[:-1, k]
        best = np.inf
        for step in steps:
            h = float(step) * max(abs(x0[k]), 1.0)
            xp, xm = x0.copy(), x0.copy()
            xp[k] += h
            xm[k] -= h
            fd = (kernels.value(xp, base) - kernels.value(xm, base))[:-1] / (2 * h)
            scale = np.maximum(np.abs(fd), 1e-6 * np.max(np.abs(ad)) + 1e-12)
            best = min(best, float(np.max(np.abs(ad - fd) / scale)))
        out[name] = best
    return out


def life_limits(kernels: Kernels, design: SatelliteDesign, mission: Mission, years=None) -> dict:
    """Years each subsystem supports: TID with margin, EOL power, battery cycles."""
    years = np.linspace(0.5, 30.0, 60) if years is None else np.asarray(years)
    ev = kernels.evaluate

    def at(y):
        m = eqx_replace(mission, life_years=jnp.asarray(y))
        o = ev(design, m)
        return (float(o["g_tid"]), float(o["g_power"]), float(o["g_battery"]), float(o["array_eol_w"]),
                float(o["array_required_w"]), float(o["tid_si_gy"]))

    rows = np.array([at(y) for y in years])
    g = rows[:, :3]
    out = {}
    for k, name in enumerate(("tid", "power", "battery")):
        bad = np.nonzero(g[:, k] < 0)[0]
        if len(bad) == 0:
            out[name] = float(years[-1])
            continue
        i = bad[0]
        if i == 0:
            out[name] = float(years[0])
        else:  # linear interpolation of the crossing
            y0, y1, g0, g1 = years[i - 1], years[i], g[i - 1, k], g[i, k]
            out[name] = float(y0 + (y1 - y0) * g0 / (g0 - g1))
    out["limiting"] = min(("tid", "power", "battery"), key=lambda k: out[k])
    out["years"] = years
    out["g"] = g
    out["array_eol_w"], out["array_required_w"], out["tid_si_gy"] = rows[:, 3], rows[:, 4], rows[:, 5]
    return out


def eqx_replace(module, **changes):
    import equinox as eqx

    names = list(changes)
    return eqx.tree_at(lambda m: [getattr(m, n) for n in names], module, [changes[n] for n in names])


def constellation_report(cfg, metrics: dict, mission: Mission) -> dict:
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
