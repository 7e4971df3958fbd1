"""Derivatives of functions of a few numbers through their dense Jacobian (shared by all packages).

Forward-mode derivatives cost one pass per tangent.  An optimiser's Jacobian pushes one tangent per
design variable (and a sensitivity table one per mission input) through the whole model, so a part of
the model that depends on only a few numbers, but is dear to evaluate, pays for every tangent.
:func:`dense_jacobian_jvp` gives such a function a ``jax.custom_jvp`` rule that first forms its
Jacobian with respect to those numbers (``jax.linearize``, one tangent pass per input), once per primal
point, then answers every tangent with a matrix-vector product: an orbit's flux samples as functions
of altitude and beta (:func:`thermal.plate_environment`).

Under ``jax.vmap`` over tangents the Jacobian does not depend on the tangent, so it is formed once for
the whole batch.  The rule is linear in the tangents, so reverse mode (``jax.grad``) still works.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

__all__ = ["dense_jacobian_jvp"]


def dense_jacobian_jvp(fun, nondiff_argnums: tuple[int, ...] = ()):
    """``fun`` with a JVP through its dense Jacobian (see the module docstring).

    ``nondiff_argnums`` name static arguments (strings, ints, flags) as for ``jax.custom_jvp``; every
    other argument is a float array or pytree of them (or None), and they are differentiated together.
    """
    nondiff_argnums = tuple(sorted(nondiff_argnums))

    def merged(static, diff):
        it_static, it_diff = iter(static), iter(diff)
        return [next(it_static) if i in nondiff_argnums else next(it_diff)
                for i in range(len(static) + len(diff))]

    wrapped = jax.custom_jvp(fun, nondiff_argnums=nondiff_argnums)

    @wrapped.defjvp
    def _rule(*args):
        static, primals, tangents = args[:-2], args[-2], args[-1]
        flat, unravel = ravel_pytree(primals)
        dflat, _ = ravel_pytree(tangents)

        def g(x):
            return fun(*merged(static, unravel(x)))

        out, linear = jax.linearize(g, flat)          # the value and the tangent map, traced once
        jac = jax.vmap(linear, out_axes=-1)(jnp.eye(flat.size, dtype=flat.dtype))   # leaves (..., n_in)
        return out, jax.tree_util.tree_map(lambda j: j @ dflat.astype(j.dtype), jac)

    return wrapped
