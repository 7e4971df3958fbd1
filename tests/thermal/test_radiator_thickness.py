"""Thickness-field design: zone-map gradients vs central differences, the
minimum-mass rectangular radiating fin vs the published optimum (N_c = 0.846,
eta = 0.565; Bartas & Sellers 1960, Lieblein 1959) and an independent solve_bvp
optimisation, the tapered (minimum-mass profile) fin, the panel optimiser's KKT
point, and bad inputs."""
import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest

from thermal.radiator import Coolant, Numerics, RadiatorPanel, solve_steady
from thermal.radiator.thickness import (
    RECTANGULAR_FIN_OPTIMUM_ETA,
    RECTANGULAR_FIN_OPTIMUM_NC,
    ThicknessDesign,
    optimize_rectangular_fin,
    optimize_tapered_fin,
    optimize_thickness,
    rectangular_fin_optimum_reference,
    thickness_gradients,
    zone_field,
)

NUM = Numerics(nx=8, ny=8, rtol=1e-13, newton_krylov_rtol=1e-8, adjoint_rtol=1e-14)
PANEL = RadiatorPanel(length_m=1.0, width_m=0.6, thickness_m=1e-3, conductivity_w_m_k=170.0,
                      emissivity=jnp.array([0.88, 0.8]), absorptivity=jnp.array([0.2, 0.25]), tube_pitch_m=0.3,
                      tube_conductance_w_m_k=150.0, n_tubes=2)
COOL = Coolant(mass_flow_kg_s=4e-3, specific_heat_j_kg_k=3500.0, inlet_temperature_k=340.0)
SW, LW = jnp.array([250.0, 40.0]), jnp.array([220.0, 60.0])


def design(q_req=400.0, t_max=400.0):
    return ThicknessDesign(PANEL, COOL, SW, LW, NUM, zones=(8, 4), heat_required_w=q_req, max_temperature_k=t_max,
                           thickness_bounds_m=(5e-5, 4e-3), ks_rho_per_k=2.0)


def test_zone_gradients_match_central_differences():
    d = design()
    rng = np.random.default_rng(3)
    z0 = 1e-3 * (0.5 + rng.random((8, 4)))
    m, y, aux, dm, jac = thickness_gradients(d, z0)
    assert bool(aux[1])
    jac = np.asarray(jac)
    for idx in [(0, 0), (2, 1), (7, 3)]:
        h = 1e-6 * z0[idx]
        zp, zm = z0.copy(), z0.copy()
        zp[idx] += h
        zm[idx] -= h
        yp, ym = np.asarray(thickness_gradients(d, zp)[1]), np.asarray(thickness_gradients(d, zm)[1])
        fd = (yp - ym) / (2 * h)
        np.testing.assert_allclose(jac[:, idx[0], idx[1]], fd, rtol=2e-5, atol=1e-7 * np.abs(jac).max())
    # mass gradient: rho * zone area (closed form)
    zone_area = (1.0 / 4) * (0.6 / 8)
    np.testing.assert_allclose(np.asarray(dm), 2700.0 * zone_area, rtol=1e-12)
    # the zone map is a block repeat of the zones onto the cells
    np.testing.assert_array_equal(np.asarray(zone_field(z0, 8, 8)), np.repeat(z0, 2, axis=1))


def test_panel_optimum_is_a_kkt_point_lighter_than_uniform():
    r = optimize_thickness(design(), timing_repeats=0)
    assert r.success, r.message
    assert r.constraint_violation < 1e-7
    assert r.kkt_residual < 1e-3
    assert abs(r.heat_rejected_w - 400.0) < 1e-5 * 400.0  # the heat constraint binds at a minimum-mass point
    assert r.mass_kg < r.reference_mass_kg * (1.0 - 1e-3)  # the uniform Q_req sheet is feasible, not optimal
    # thicker beside the tubes (y = 0.15, 0.45 m: zone rows 1-2, 5-6) than at the edges and midway (rows 0, 3-4, 7)
    z = r.zone_thickness_m
    assert z[[1, 2, 5, 6]].mean() > 1.2 * z[[0, 3, 4, 7]].mean()


def test_rectangular_fin_minimum_mass_matches_published_optimum():
    nc_ref, eta_ref = rectangular_fin_optimum_reference(n_nodes=401)  # independent: solve_bvp + scalar search
    assert abs(nc_ref - RECTANGULAR_FIN_OPTIMUM_NC) < 2e-3 and abs(eta_ref - RECTANGULAR_FIN_OPTIMUM_ETA) < 1e-3
    fin_num = Numerics(nx=48, ny=1, rtol=1e-12)
    fin = optimize_rectangular_fin(heat_w_m=100.0, numerics=fin_num, n_zones=8)  # shares the taper's program
    assert fin.success and fin.kkt_residual < 1e-5
    assert abs(fin.heat_w_m - 100.0) < 1e-6 * 100.0
    assert abs(fin.profile_number - RECTANGULAR_FIN_OPTIMUM_NC) < 0.005 * RECTANGULAR_FIN_OPTIMUM_NC
    assert abs(fin.fin_efficiency - RECTANGULAR_FIN_OPTIMUM_ETA) < 0.003 * RECTANGULAR_FIN_OPTIMUM_ETA
    assert abs(fin.profile_number - nc_ref) < 0.003 * nc_ref
    # tapering the same fin (8 zones + free length) at equal heat saves mass, thinning toward the tip
    taper = optimize_tapered_fin(fin, n_zones=8, numerics=fin_num)
    assert taper.success and abs(taper.heat_w_m - 100.0) < 1e-6 * 100.0
    saving = 1.0 - taper.mass_kg_m / fin.mass_kg_m
    assert 0.2 < saving < 0.5, saving
    assert np.all(np.diff(taper.thickness_m) < 0)


def test_bad_inputs():
    with pytest.raises(ValueError, match="zones"):
        ThicknessDesign(PANEL, COOL, SW, LW, NUM, zones=(3, 4))
    with pytest.raises(ValueError, match="thickness_bounds_m"):
        ThicknessDesign(PANEL, COOL, SW, LW, NUM, zones=(8, 4), thickness_bounds_m=(2e-3, 1e-3))
    with pytest.raises(ValueError, match="panel.thickness_m"):
        solve_steady(eqx.tree_at(lambda p: p.thickness_m, PANEL, jnp.ones((3, 8)) * 1e-3), COOL, SW, LW,
                     NUM)
    with pytest.raises(ValueError, match="heat_required_w"):
        optimize_thickness(design(q_req=1e6), timing_repeats=0)
