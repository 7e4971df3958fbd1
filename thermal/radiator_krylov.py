"""Right-preconditioned restarted GMRES for the radiator solver (jit/vmap friendly).

The coolant coupling makes the radiator Jacobian nonsymmetric (a tube's fluid
temperature depends on the sheet temperature upstream), so CG does not apply;
GMRES(m) with right preconditioning minimises the true residual norm and lets
the Newton loop report exact Krylov iteration counts.  Arnoldi uses classical
Gram-Schmidt with one re-orthogonalisation (CGS2), which is as stable as
modified Gram-Schmidt and runs as dense matrix-vector products.

References
----------
- Saad, Y. & Schultz, M. H. (1986), "GMRES: a generalized minimal residual
  algorithm for solving nonsymmetric linear systems", SIAM J. Sci. Stat.
  Comput. 7(3), 856-869.
- Giraud, L., Langou, J. & Rozloznik, M. (2005), "The loss of orthogonality in
  the Gram-Schmidt orthogonalization process", Comput. Math. Appl. 50, 1069-1075
  (CGS2).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.scipy.linalg import solve_triangular


def gmres(matvec, b, precond, x0, *, rtol, atol, restart: int, max_iters: int):
    """Solve A x = b for flat vectors by right-preconditioned GMRES(restart).

    Parameters
    ----------
    matvec : x -> A x.
    b : right-hand side (n,).
    precond : r -> M r, an approximate inverse of A.
    x0 : initial guess (n,).
    rtol, atol : stop when ||b - A x|| <= max(rtol ||b||, atol).
    restart : Krylov subspace size per cycle (static).
    max_iters : total iteration cap (static or traced int).

    Returns
    -------
    x, iterations (int32), final residual norm estimate.
    """
    dtype = b.dtype
    n = b.shape[0]
    m = restart
    bnorm = jnp.linalg.norm(b)
    target = jnp.maximum(rtol * bnorm, atol)
    tiny = jnp.finfo(dtype).tiny

    def cycle(x, total):
        r = b - matvec(x)
        beta = jnp.linalg.norm(r)
        V = jnp.zeros((m + 1, n), dtype).at[0].set(r / jnp.maximum(beta, tiny))
        H = jnp.zeros((m + 1, m), dtype)
        g = jnp.zeros((m + 1,), dtype).at[0].set(beta)
        cs = jnp.zeros((m,), dtype)
        sn = jnp.zeros((m,), dtype)
        rows = jnp.arange(m + 1)

        def cond(s):
            k, V, H, g, cs, sn, res = s
            return (k < m) & (res > target) & (total + k < max_iters)

        def body(s):
            k, V, H, g, cs, sn, res = s
            w = matvec(precond(V[k]))
            mask = (rows <= k).astype(dtype)
            h = (V @ w) * mask
            w = w - h @ V
            h2 = (V @ w) * mask
            w = w - h2 @ V
            h = h + h2
            hn = jnp.linalg.norm(w)
            V = V.at[k + 1].set(w / jnp.maximum(hn, tiny))
            col = h.at[k + 1].set(hn)

            def rot(i, col):
                a, c2 = col[i], col[i + 1]
                return col.at[i].set(cs[i] * a + sn[i] * c2).at[i + 1].set(-sn[i] * a + cs[i] * c2)

            col = jax.lax.fori_loop(0, k, rot, col)
            a, c2 = col[k], col[k + 1]
            d = jnp.maximum(jnp.hypot(a, c2), tiny)
            c, s_ = a / d, c2 / d
            col = col.at[k].set(d).at[k + 1].set(0.0)
            cs = cs.at[k].set(c)
            sn = sn.at[k].set(s_)
            gk = g[k]
            g = g.at[k].set(c * gk).at[k + 1].set(-s_ * gk)
            H = H.at[:, k].set(col)
            return k + 1, V, H, g, cs, sn, jnp.abs(g[k + 1])

        k, V, H, g, cs, sn, res = jax.lax.while_loop(
            cond, body, (jnp.int32(0), V, H, g, cs, sn, beta)
        )
        idx = jnp.arange(m)
        used = idx < k
        R = H[:m]
        R = jnp.where(used[:, None] & used[None, :], R, 0.0) + jnp.diag(jnp.where(used, 0.0, 1.0))
        y = solve_triangular(R, jnp.where(used, g[:m], 0.0), lower=False)
        x = x + precond(y @ V[:m])
        return x, total + k, res

    def outer_cond(s):
        x, total, res, first = s
        return first | ((res > target) & (total < max_iters))

    def outer_body(s):
        x, total, res, first = s
        x, total, res = cycle(x, total)
        return x, total, res, jnp.bool_(False)

    x, total, res, _ = jax.lax.while_loop(
        outer_cond, outer_body, (x0, jnp.int32(0), jnp.asarray(jnp.inf, dtype), jnp.bool_(True))
    )
    return x, total, res
