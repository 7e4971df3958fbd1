"""Cell library and radiation degradation equation against the cited data points."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from power import CELL_DATA, CELL_FIT_RESIDUALS, CELLS, fit_degradation_parameters, get_cell, remaining_factor
from power.cells import validate_cell


@pytest.mark.parametrize("name", sorted(CELLS))
def test_degradation_fit_reproduces_cited_points(name):
    """RF(Phi) of the library cell at the datasheet fluences vs the cited RF."""
    cell = get_cell(name)
    data = CELL_DATA[name]
    rf = np.asarray(remaining_factor(jnp.asarray(data.fluence_cm2), cell.degradation_c, cell.degradation_phi_x_cm2))
    err = np.max(np.abs(rf - np.asarray(data.remaining_factor)))
    # exactly determined fits (see power.cells docstring): error is round-off
    assert err < 1e-9, err
    assert CELL_FIT_RESIDUALS[name] < 1e-9
    assert remaining_factor(0.0, cell.degradation_c, cell.degradation_phi_x_cm2) == 1.0


def test_refit_xtj_from_cited_points_matches_library():
    c, phix, res = fit_degradation_parameters((5e14, 1e15), (0.89, 0.84))
    cell = get_cell("spectrolab_xtj")
    assert abs(c - cell.degradation_c) < 1e-9
    assert abs(phix / cell.degradation_phi_x_cm2 - 1.0) < 1e-6
    assert res < 1e-10


def test_fit_recovers_known_parameters_from_overdetermined_data():
    """Synthetic data from known (C, Phi_x) plus small noise: least squares finds them."""
    c0, px0 = 0.25, 3e14
    phi = np.array([1e13, 1e14, 3e14, 1e15, 3e15, 1e16])
    rf = 1.0 - c0 * np.log10(1.0 + phi / px0)
    c, px, res = fit_degradation_parameters(phi, rf)
    assert abs(c - c0) < 1e-8 and abs(px / px0 - 1.0) < 1e-6 and res < 1e-10
    rng = np.random.default_rng(0)
    noisy = rf + rng.normal(0.0, 2e-3, rf.shape)
    c, px, res = fit_degradation_parameters(phi, noisy)
    assert abs(c - c0) < 0.03 and 5e-4 < res < 1e-2


def test_remaining_factor_monotone_and_higher_class_more_efficient_at_eol():
    phi = jnp.logspace(12, 16, 50)
    for cell in CELLS.values():
        rf = remaining_factor(phi, cell.degradation_c, cell.degradation_phi_x_cm2)
        assert np.all(np.diff(np.asarray(rf)) < 0)
    # ESA page: 4G32C EOL efficiency 27.5 % at 1e15 vs XTJ 29.8 % * 0.84 = 25.0 %
    eol = {n: c.efficiency_bol * float(remaining_factor(1e15, c.degradation_c, c.degradation_phi_x_cm2))
           for n, c in CELLS.items()}
    assert abs(eol["azur_4g32c"] - 0.275) < 1e-9
    assert abs(eol["spectrolab_xtj"] - 0.298 * 0.84) < 1e-9


def test_remaining_factor_gradient_vs_central_fd():
    cell = get_cell("spectrolab_xtj")
    f = lambda p: remaining_factor(p, cell.degradation_c, cell.degradation_phi_x_cm2)
    p0, h = 7e14, 1e11
    g = jax.grad(f)(p0)
    fd = (f(p0 + h) - f(p0 - h)) / (2 * h)
    assert abs(g / fd - 1.0) < 1e-6


def test_bad_inputs():
    cell = get_cell("spectrolab_xtj")
    with pytest.raises(ValueError, match="fluence_cm2 = -1"):
        remaining_factor(-1.0, cell.degradation_c, cell.degradation_phi_x_cm2)
    with pytest.raises(ValueError, match="efficiency_bol = 1.2"):
        validate_cell(type(cell)(1.2, -0.003, 0.2, 1e14, 0.8))
    with pytest.raises(ValueError, match="efficiency_bol = 0 .*\\(0, 1\\)"):
        validate_cell(type(cell)(0.0, -0.003, 0.2, 1e14, 0.8))
    with pytest.raises(ValueError, match="not one of"):
        get_cell("nonexistent")
    with pytest.raises(ValueError, match="remaining_factor_data"):
        fit_degradation_parameters((1e14, 1e15), (0.9, 1.5))


def test_ddd_input_maps_to_equivalent_fluence():
    from power import equivalent_fluence_from_ddd_cm2

    niel = 2.5e-5  # illustrative NIEL value [MeV cm^2/g]; the radiation package supplies the real one
    cell = get_cell("azur_4g32c")
    ddd = 1e15 * niel
    phi = equivalent_fluence_from_ddd_cm2(ddd, niel)
    assert abs(float(phi) / 1e15 - 1.0) < 1e-14
    rf = remaining_factor(phi, cell.degradation_c, cell.degradation_phi_x_cm2)
    assert abs(float(rf) - 0.275 / 0.32) < 1e-9
    with pytest.raises(ValueError, match="niel_1mev_electron_mev_cm2_g"):
        equivalent_fluence_from_ddd_cm2(1.0, 0.0)
    with pytest.raises(ValueError, match="ddd_mev_g = -1"):
        equivalent_fluence_from_ddd_cm2(-1.0, niel)
