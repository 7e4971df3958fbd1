"""Constellation economics: identities and the break-even launch price."""
import math

import numpy as np
import pytest

from studies.analysis.constellation import (ConstellationParameters, break_even_launch_price, constellation,
                                   space_cost_per_kw_year, terrestrial_cost_per_kw_year)

P = ConstellationParameters()


def test_counts_and_launches():
    c = constellation(total_mass_kg=12000.0, payload_mass_kg=2500.0, payload_power_w=150e3, life_years=5.0, p=P)
    assert c["n_satellites"] == math.ceil(1e9 / 150e3) == 6667
    assert c["total_mass_kg"] == pytest.approx(6667 * 12000.0)
    assert c["n_launches"] == math.ceil(6667 * 12000.0 / 100e3)


def test_break_even_equalises_costs():
    args = (12000.0, 2500.0, 150e3, 5.0)
    be = break_even_launch_price(*args, P)
    space = float(space_cost_per_kw_year(be, *args, P))
    assert space == pytest.approx(terrestrial_cost_per_kw_year(P), rel=1e-12)
    # Cheaper launch -> cheaper per kW-year, linearly.
    s = space_cost_per_kw_year(np.array([100.0, 200.0, 300.0]), *args, P)
    assert np.allclose(np.diff(s), np.diff(s)[0])


def test_terrestrial_cost_components():
    p = ConstellationParameters(terrestrial_capex_usd_per_kw=15000.0, terrestrial_life_years=15.0,
                                electricity_usd_per_kwh=0.1, pue=1.5)
    assert terrestrial_cost_per_kw_year(p) == pytest.approx(1000.0 + 0.1 * 1.5 * 8766.0)
