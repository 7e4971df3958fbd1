"""The proton range inversion (radiation.shielding) reports convergence in the common form
(orbit.solvers.Convergence): converged to round-off over the whole table range, and a solve cut
short is reported as not converged."""
import jax.numpy as jnp
import numpy as np

from radiation import shielding as sh


def test_range_inverse_converges_over_the_whole_table():
    lne, ln_r0 = (sh._range_spline("aluminium")[k] for k in (4, 5))
    # every node and eight points inside every node interval
    ln_r = np.interp(np.linspace(0, len(ln_r0) - 1, 8 * (len(ln_r0) - 1) + 1), np.arange(len(ln_r0)), ln_r0)
    ln_t, conv = sh._proton_ln_energy_solve(jnp.asarray(ln_r), "aluminium")
    assert conv.converged.shape == ln_r.shape and bool(np.all(conv.converged))
    assert float(np.max(conv.residual)) < 1e-13
    np.testing.assert_array_equal(conv.iterations, sh.RANGE_NEWTON_STEPS)
    np.testing.assert_array_equal(ln_t, sh._proton_ln_energy(jnp.asarray(ln_r), "aluminium"))
    np.testing.assert_allclose(sh._proton_ln_range(ln_t, "aluminium")[0], ln_r, rtol=0, atol=1e-13)


def test_range_inverse_cut_short_is_reported(monkeypatch):
    monkeypatch.setattr(sh, "RANGE_NEWTON_STEPS", 0)
    lne, ln_r0 = (sh._range_spline("aluminium")[k] for k in (4, 5))
    mid = jnp.asarray(0.5 * (ln_r0[1:] + ln_r0[:-1]))
    _, conv = sh._proton_ln_energy_solve(mid, "aluminium")
    assert not bool(np.all(conv.converged))
    assert float(np.max(conv.residual)) > 1e-8          # the table's linear inverse, not Newton's answer
    np.testing.assert_array_equal(conv.iterations, 0)
