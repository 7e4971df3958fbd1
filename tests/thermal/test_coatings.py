"""Coating catalogue: values against the cited references, degradation law, errors."""
import jax
import numpy as np
import pytest

from thermal.environment.coatings import COATING_NAMES, bol_eol_properties, coating, coating_properties

# BOL values typed from the references (independent of the module constants):
# AZ-93 datasheet (0.15 +- 0.01 / 0.91 +- 0.02); Gilmore 2002 App. A OSR silvered fused silica 0.07 / 0.80;
# Fortescue 2011 Table 11.3 silver-coated FEP 0.08 / 0.78 and polyurethane black paint 0.95 / 0.90.
REFERENCE_BOL = {"white_paint": (0.15, 0.91), "osr": (0.07, 0.80), "silvered_teflon": (0.08, 0.78),
                 "black_paint": (0.95, 0.90)}


def test_catalogue_matches_reference_bol_values():
    assert set(COATING_NAMES) == set(REFERENCE_BOL)
    for name, (alpha, eps) in REFERENCE_BOL.items():
        props = coating_properties(name, 0.0)
        assert float(props.absorptance) == pytest.approx(alpha, abs=1e-12), name
        assert float(props.emissivity) == pytest.approx(eps, abs=1e-12), name
        assert coating(name).source


def test_silvered_teflon_follows_hst_flight_point():
    # de Groh et al. (NTRS 20060056192): HST Ag-FEP, 8.25 years in LEO, solar-facing 0.155 +- 0.032.
    alpha = float(coating_properties("silvered_teflon", 8.25).absorptance)
    assert alpha == pytest.approx(0.155, abs=1e-9)
    assert abs(alpha - 0.155) < 0.032


def test_white_paint_degradation_exceeds_ground_uv_change():
    # Fortescue Table 11.3: silicate white paint +0.02 after 1000 h UV; a 5-year LEO allowance must exceed it
    # yet stay well below organic-binder darkening (LDEF A276 trailing edge, S13G-LO: tenths).
    bol, eol = bol_eol_properties("white_paint", 5.0)
    d_alpha = float(eol.absorptance - bol.absorptance)
    assert 0.02 < d_alpha < 0.10


@pytest.mark.parametrize("name", COATING_NAMES)
def test_degradation_is_monotone_bounded_and_emittance_constant(name):
    years = np.linspace(0.0, 30.0, 61)
    props = coating_properties(name, years)
    alpha, eps = np.asarray(props.absorptance), np.asarray(props.emissivity)
    assert np.all(np.diff(alpha) >= 0.0)
    assert np.all((alpha > 0.0) & (alpha <= 1.0)) and np.all((eps > 0.0) & (eps <= 1.0))
    np.testing.assert_allclose(eps, eps[0], atol=1e-12)
    cases = bol_eol_properties(name, 15.0)
    assert float(cases.eol.absorptance) >= float(cases.bol.absorptance)
    assert float(cases.eol.absorptance) <= coating(name).alpha_eol_limit + 1e-12
    # differentiable in the life
    slope = float(jax.grad(lambda t: coating_properties(name, t).absorptance)(3.0))
    assert slope > 0.0


def test_ranking_of_classes():
    for years in (0.0, 15.0):
        a = {n: float(coating_properties(n, years).absorptance) for n in COATING_NAMES}
        assert a["osr"] < a["silvered_teflon"] < a["white_paint"] < 0.3 < 0.9 < a["black_paint"]


def test_errors():
    with pytest.raises(ValueError, match="not one of .*white_paint.*black_paint"):
        coating("z93")
    with pytest.raises(ValueError, match="years_in_orbit = -1"):
        coating_properties("osr", -1.0)
    with pytest.raises(ValueError, match="mission_years = 40"):
        bol_eol_properties("osr", 40.0)
