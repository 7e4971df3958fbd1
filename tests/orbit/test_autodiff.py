"""orbit.autodiff.dense_jacobian_jvp: the custom rule equals plain autodiff."""
import jax
import jax.numpy as jnp
import numpy as np

from orbit.autodiff import dense_jacobian_jvp


def _toy(a, power, b, scale):
    """Few inputs (a scalar and a 2-vector), a static power and a static scale, a pytree of outputs."""
    x = jnp.linspace(0.0, 1.0, 7)
    return {"field": jnp.sin(a * x) ** power + b[0] * jnp.exp(-b[1] * x), "total": scale * a * b[1] ** 2}


def test_rule_equals_plain_autodiff():
    wrapped = dense_jacobian_jvp(_toy, nondiff_argnums=(1, 3))
    a, b = jnp.asarray(0.7), jnp.asarray([1.3, 2.1])
    tangents = jnp.asarray(np.random.default_rng(0).normal(size=(5, 3)))

    def pushed(f):
        return jax.jit(jax.vmap(lambda t: jax.jvp(lambda a, b: f(a, 3, b, 2.0), (a, b), (t[0], t[1:]))[1]))(tangents)

    got, ref = pushed(wrapped), pushed(_toy)
    for key in ref:
        np.testing.assert_allclose(np.asarray(got[key]), np.asarray(ref[key]), rtol=1e-12, atol=1e-14)
    # reverse mode through the rule (it is linear in the tangents)
    loss = lambda f: jax.grad(lambda a, b: jnp.sum(f(a, 3, b, 2.0)["field"] ** 2), argnums=(0, 1))(a, b)  # noqa: E731
    for g, r in zip(loss(wrapped), loss(_toy)):
        np.testing.assert_allclose(np.asarray(g), np.asarray(r), rtol=1e-12)
    # values are the function's own
    np.testing.assert_array_equal(np.asarray(wrapped(a, 3, b, 2.0)["field"]), np.asarray(_toy(a, 3, b, 2.0)["field"]))
