"""The coupled model's compiled programs, shared by every step of a study (:class:`Kernels`).

Compiled once per (mission statics, numerics): one value program (every stage of a design) and one
derivative program (forward-mode directional derivatives of [objective, constraints]).
"""
from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from ..model import CONSTRAINT_NAMES, Evaluation, Mission, Numerics, SatelliteDesign, VariableSet, evaluate
from ..model import evaluate_stages
from .optimize import OBJECTIVE_REF, HostProblem
from ..programs import stored_jit

__all__ = ["Kernels", "strong_types"]


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

    * :meth:`evaluation` -- every stage of a design (:func:`studies.model.evaluate_stages`), and
      :meth:`evaluate`, its flat metrics; the optimiser's [objective, constraints] vector, the life
      sweep, the Pareto points, the post-checks and the orbit cases all read it, so the model is
      compiled once for values.
    * :meth:`pushforward` -- directional derivatives of [objective, constraints] along a batch of
      tangents (forward mode), one tangent per FREE design variable: the optimiser's Jacobian is one
      call (the identity on the free variables, :meth:`jacobian`; a fixed variable's column would be
      computed and thrown away), and the sensitivity of the objective to every design variable and
      continuous mission and mass-model input is a few more calls of the SAME program (one-hot
      tangents, :func:`studies.analysis.sensitivity.sensitivities`).  Forward mode: about as many tangents (10 free design
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

        # stored programs (studies.programs): a later process loads them without tracing
        self._pushforward = stored_jit(pushforward, f"pushforward {numerics!r}")
        self._evaluation = stored_jit(lambda d, m: evaluate_stages(d, m, numerics), f"evaluation {numerics!r}")
        self._strong_cache = (None, None)   # (mission, its strong_types copy): converted once, not per call

    def evaluation(self, design: SatelliteDesign, mission: Mission) -> Evaluation:
        """Every stage of ``design`` (jitted :func:`studies.model.evaluate_stages`; one program per shape)."""
        return self._evaluation(strong_types(design), self._strong(mission))

    def evaluate(self, design: SatelliteDesign, mission: Mission) -> dict:
        """Every metric of ``design`` (:meth:`evaluation`'s flat metrics)."""
        return self.evaluation(design, mission).metrics()

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
        if b == 0:   # no direction asked (every design variable held): no derivative to compute
            return np.zeros((0, 1 + len(CONSTRAINT_NAMES)))
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

    def problem(self, base: SatelliteDesign) -> HostProblem:
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
