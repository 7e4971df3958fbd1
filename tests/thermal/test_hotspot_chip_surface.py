"""ChipModel's top-face temperature and block mappings (used by `sunsink hotspot -scheme converged`)."""
import jax.numpy as jnp
import numpy as np
import pytest

from thermal.chip import ChipModel, LayerSpec
from thermal.chip.floorplan import Block, Floorplan
from thermal.chip.hotspot.grid import hotspot_block_bounds, map_grid_to_blocks


def one_block(a):
    return Floorplan((Block("src", a, a, 0.0, 0.0),))


@pytest.mark.parametrize("n_die", [1, 2, 3])
def test_surface_of_1d_stack_is_exact(n_die):
    """Uniform power on a full-area stack (heat at the top face): T_s - T_c = P (sum t/(k A) + 1/(h A)),
    the full die thickness whatever the sub-layers, while junction_k sits half a sub-layer lower."""
    a, p_w, h = 0.01, 100.0, 2e4
    layers = [LayerSpec("die", 5e-4, 150.0, 1.6e6, n_sublayers=n_die), LayerSpec("tim", 5e-5, 5.0, 2e6),
              LayerSpec("lid", 2e-3, 390.0, 3.4e6, n_sublayers=3)]
    m = ChipModel(layers, one_block(a), 5, 4, domain_m=(a, a))
    s = m.steady(m.default_params(bottom_htc_w_m2_k=h, coolant_temperature_k=300.0), jnp.array([p_w]))
    area = a * a
    r_below_die = 1 / (h * area) + 5e-5 / (5 * area) + 2e-3 / (390 * area)
    r_die = 5e-4 / (150 * area)
    np.testing.assert_allclose(np.asarray(s.surface_k), 300.0 + p_w * (r_below_die + r_die), rtol=1e-10)
    assert float(s.max_surface_k) == pytest.approx(300.0 + p_w * (r_below_die + r_die), rel=1e-10)
    dz = 5e-4 / n_die
    np.testing.assert_allclose(np.asarray(s.junction_k),
                               300.0 + p_w * (r_below_die + r_die - dz / 2 / (150 * area)), rtol=1e-10)


def test_surface_with_top_cooling_converges():
    """Heat at the top face, cooled on both sides: the exact face temperature has the two resistances from
    the face in parallel; the scheme's split of heat between the faces is first-order in the top sub-layer,
    so the face value converges at that rate (and beats the cell value)."""
    a, p_w, hb, ht, tb, tt = 0.01, 50.0, 1e4, 3e4, 300.0, 280.0
    area = a * a
    g_down = 1 / (4e-4 / (120 * area) + 3e-3 / (200 * area) + 1 / (hb * area))
    g_up = ht * area
    exact = (p_w + g_down * tb + g_up * tt) / (g_down + g_up)
    errs = []
    for n in (1, 2, 4, 8):
        layers = [LayerSpec("die", 4e-4, 120.0, 1.6e6, n_sublayers=n), LayerSpec("base", 3e-3, 200.0, 2e6)]
        m = ChipModel(layers, one_block(a), 4, 4, domain_m=(a, a))
        p = m.default_params(bottom_htc_w_m2_k=hb, coolant_temperature_k=tb, top_htc_w_m2_k=ht, top_ambient_k=tt)
        s = m.steady(p, jnp.array([p_w]))
        errs.append(abs(float(s.max_surface_k) - exact))
        assert errs[-1] < abs(float(s.max_junction_k) - exact)
    ratios = np.array(errs[:-1]) / np.array(errs[1:])
    assert np.all(ratios > 1.8) and errs[-1] < 0.01 * p_w / (g_down + g_up)


def test_block_mapping_modes_match_hotspot_rules():
    """avg/min/max/center on a ChipModel grid equal HotSpot's rules (row 0 at the top there, at y = 0 here),
    and area weighting differs from HotSpot's unweighted avg on partly covered cells."""
    fp = Floorplan((Block("a", 0.0045, 0.0030, 0.0, 0.0), Block("b", 0.0055, 0.0030, 0.0045, 0.0),
                    Block("c", 0.0100, 0.0050, 0.0, 0.0030)))
    m = ChipModel([LayerSpec("die", 1e-4, 100.0, 1e6)], fp, 10, 8, domain_m=(0.01, 0.008))
    rng = np.random.default_rng(3)
    field = rng.normal(350.0, 5.0, (8, 10))
    bounds = hotspot_block_bounds(fp, 8, 10, 0.01, 0.008)
    for mode in ("avg", "min", "max", "center"):
        ours = np.asarray(m.block_temperatures(jnp.asarray(field), mode))
        ref = map_grid_to_blocks(field[::-1], bounds, mode)
        np.testing.assert_allclose(ours, ref, rtol=1e-12, err_msg=mode)
    # block "a" covers 4.5 of 5 columns' width in its last column: area weighting counts that column by half
    area = np.asarray(m.block_temperatures(jnp.asarray(field), "area"))
    cols = field[:3, :5]
    w = np.array([1, 1, 1, 1, 0.5])
    assert area[0] == pytest.approx((cols * w).sum() / (3 * w.sum()), rel=1e-12)
    np.testing.assert_allclose(area, np.asarray(m.block_temperatures(jnp.asarray(field))), rtol=0)
    with pytest.raises(ValueError, match="mode"):
        m.block_temperatures(jnp.asarray(field), "median")
