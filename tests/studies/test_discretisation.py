"""The discretisation check (studies.analysis.discretisation): the Richardson estimator against closed forms,
the oscillating case flagged, the refined-grid machinery on the FD radiating fin converging to its
independent solve_bvp reference at second order, and the report table, verdict line and archive group."""
import dataclasses
import math

import jax.numpy as jnp
import numpy as np
import pytest

from studies import archive as ar
from studies.analysis.discretisation import (HEADLINES, DiscretisationCheck, GridRun, Headline, QuantityError,
                                             discretisation_check, families, radiator_ratio, refined_numerics,
                                             richardson)
from studies.config import ConfigError, loads_config
from studies.io.report import discretisation_table, discretisation_verdict
from studies.io.results import discretisation_group
from studies.model import Numerics
from thermal.radiator import Numerics as PanelNumerics, solve_fin

from scipy.integrate import solve_bvp

from orbit.constants import STEFAN_BOLTZMANN_W_M2_K4 as SIGMA
from thermal.radiator import RadiatorPanel

TB_K, L_M, T_M = 350.0, 0.3, 2e-3
EPS = np.array([0.85, 0.7])


def fin_panel(nc_total):
    """Straight fin whose conduction-radiation parameter summed over both faces is ``nc_total``
    (tests/thermal/test_radiator_fin.py)."""
    k = np.sum(EPS) * SIGMA * TB_K**3 * L_M**2 / (nc_total * T_M)
    return RadiatorPanel(length_m=L_M, width_m=0.05, thickness_m=T_M, conductivity_w_m_k=k,
                         emissivity=jnp.asarray(EPS), absorptivity=jnp.array([0.3, 0.1]))


def bvp_efficiency(nc_total):
    """theta'' = Nc theta^4, theta(0) = 1, theta'(1) = 0 (0 K sink) by scipy's solve_bvp; eta = -theta'(0) / Nc."""
    x = np.linspace(0.0, 1.0, 2001)
    sol = solve_bvp(lambda x, y: np.vstack([y[1], nc_total * y[0] ** 4]), lambda a, b: np.array([a[0] - 1.0, b[1]]),
                    x, np.vstack([np.ones_like(x), np.zeros_like(x)]), tol=1e-10, max_nodes=200000)
    assert sol.success
    return -sol.sol(0.0)[1] / nc_total


@pytest.mark.parametrize("order", [1.0, 2.0])
def test_richardson_recovers_order_and_limit_of_a_known_sequence(order):
    # f(h) = a + b h^p + c h^(p+1): the observed order tends to p and the extrapolate to a as h -> 0
    a, b, c = 3.0, 0.7, 0.2
    f = [a + b * h**order + c * h ** (order + 1) for h in (0.02, 0.01, 0.005)]
    r = richardson(*f)
    assert r.status == "monotone" and not r.flagged
    assert r.order == pytest.approx(order, abs=0.05)
    # the extrapolate removes the leading term: what is left is O(h^(p+1)) at the finest grid
    assert abs(r.extrapolated - a) < 0.2 * abs(f[2] - a)
    assert r.error == pytest.approx(f[0] - r.extrapolated)
    # a pure power law is extrapolated exactly
    exact = richardson(*[a + b * h**2 for h in (0.4, 0.2, 0.1)])
    assert exact.order == pytest.approx(2.0, rel=1e-12) and exact.extrapolated == pytest.approx(a, rel=1e-13)


def test_richardson_flags_oscillation_and_non_asymptotic_orders():
    osc = richardson(1.0, 1.2, 1.1)           # up, then down: no observed order
    assert osc.status == "oscillating" and osc.flagged and math.isnan(osc.order)
    assert osc.extrapolated == 1.1 and osc.error == pytest.approx(-0.1)   # the finest grid stands in
    # the size judged: the configured grid's distance to the finest plus the finest-grid difference
    assert osc.bound == pytest.approx(0.1 + 0.1)
    wild = richardson(1.0, 1.0 - 1e-3, 1.0 - 1e-3 - 1e-7)   # p ~ 13: not a first- or second-order scheme
    assert wild.status == "non-asymptotic" and wild.flagged and wild.order > 4
    grows = richardson(1.0, 1.01, 1.05)      # the differences grow on refinement: p < 0, not converging
    assert grows.status == "non-asymptotic" and grows.order < 0 and grows.bound == pytest.approx(0.05 + 0.04)
    same = richardson(2.0, 2.0, 2.0 * (1 + 1e-14))
    assert same.status == "grid-independent" and same.error == 0.0


def test_refined_numerics_and_the_radiator_ny_key():
    n = Numerics()
    r = refined_numerics(n, radiator=2, chip=4)
    assert (r.radiator_nx, r.radiator_ny, r.chip_nx, r.chip_ny) == (2 * n.radiator_nx, 2 * n.radiator_ny,
                                                                    4 * n.chip_nx, 4 * n.chip_ny)
    assert r.radiator_cells_per_pitch == 2 * n.radiator_cells_per_pitch and r.n_tubes_per_panel == n.n_tubes_per_panel
    # tubes sit on cell boundaries for an even count across a pitch, on centres for an odd one: an odd count is
    # refined 3x, 9x so that the grids stay similar about the tubes
    assert radiator_ratio(Numerics(radiator_cells_per_pitch=4)) == 2
    assert radiator_ratio(Numerics(radiator_cells_per_pitch=3)) == 3
    assert [lab for lab, _, _ in families(Numerics(radiator_cells_per_pitch=3))] == [
        "configured", "radiator x3", "radiator x9", "chip x2", "chip x4"]
    base = '[study]\nname = "x"\n[[orbits]]\nname = "a"\naltitude_m = 600e3\nfamily = "sso"\n[numerics]\n'
    cfg = loads_config(base + "radiator_ny = 12\nn_tubes_per_panel = 4\n")   # an earlier config: mapped
    assert cfg.numerics.radiator_cells_per_pitch == 3
    with pytest.raises(ConfigError, match="radiator_ny = 13 .* n_tubes_per_panel = 4.*radiator_cells_per_pitch"):
        loads_config(base + "radiator_ny = 13\nn_tubes_per_panel = 4\n")
    with pytest.raises(ConfigError, match="radiator_cells_per_pitch only"):
        loads_config(base + "radiator_ny = 16\nradiator_cells_per_pitch = 2\n")


def test_refined_grids_converge_to_the_radiating_fin_at_second_order():
    """The refined-grid machinery on the FD radiating fin (one tube pitch's half-fin, radiation to a 0 K sink):
    the fin efficiency converges monotonically at the FD stencil's second order toward the independent solve_bvp
    reference, and the Richardson extrapolate is closer to it than any grid."""
    nc_total = 2.0
    panel = fin_panel(nc_total)
    eta_ref = bvp_efficiency(nc_total)

    def evaluate_at(n):   # the fin resolved by the radiator's cells along its length; no chip in this model
        r = solve_fin(panel, TB_K, jnp.zeros(2), jnp.zeros(2), PanelNumerics(nx=n.radiator_nx, ny=1))
        return {"radiator_fin_efficiency": r.fin_efficiency, "converged": r.converged}

    fin = (next(h for h in HEADLINES if h.metric == "radiator_fin_efficiency"),)
    chk = discretisation_check(evaluate_at, Numerics(radiator_nx=6, radiator_cells_per_pitch=4), headlines=fin,
                               units={"radiator_fin_efficiency": "1"})
    assert chk.converged and [g.radiator_nx for g in chk.grids] == [6, 12, 24, 6, 6]
    (q,) = chk.quantities
    assert q.radiator.status == "monotone" and 1.5 <= q.radiator.order <= 2.5
    assert q.chip.status == "grid-independent" and q.chip.error == 0.0
    assert abs(q.extrapolated - eta_ref) < 0.1 * abs(q.radiator.values[2] - eta_ref)
    assert q.error == pytest.approx(q.value - q.extrapolated)
    assert np.sign(q.error) == np.sign(q.value - eta_ref) and abs(q.error) == pytest.approx(abs(q.value - eta_ref),
                                                                                             rel=0.05)


def _hand_made(junction_chip_values=(362.0, 359.5, 358.9)) -> DiscretisationCheck:
    """A check with hand-made values: the junction's chip-grid error (about 3 K) exceeds 0.5 K."""
    grids = tuple(GridRun(lab, 8 * r, 12 * r, 12 * c, 10 * c, 10.0 * r * c, 0.5 * r * c, True)
                  for lab, r, c in (("configured", 1, 1), ("radiator x2", 2, 1), ("radiator x4", 4, 1),
                                    ("chip x2", 1, 2), ("chip x4", 1, 4)))
    j = HEADLINES[0]
    rad = richardson(junction_chip_values[0], junction_chip_values[0] - 0.04, junction_chip_values[0] - 0.05)
    chip = richardson(*junction_chip_values)
    fin = Headline("radiator_fin_efficiency", "radiator_fin_efficiency", "radiator fin efficiency", 0.005, True, "")
    fq = QuantityError(fin, "1", 0.78, richardson(0.78, 0.7801, 0.78012), richardson(0.78, 0.78, 0.78),
                       fin.tolerance_value(0.78))
    return DiscretisationCheck(grids, (QuantityError(j, "K", junction_chip_values[0], rad, chip, 0.5), fq), True)


def test_report_table_and_verdict_line_when_a_tolerance_is_exceeded():
    chk = _hand_made()
    table = "\n".join(discretisation_table(chk))
    assert "discretisation check" in table and "junction_max_k" in table and "radiator_fin_efficiency" in table
    assert "chip x4 radiator 8x12 chip 48x40" in table and "EXCEEDS TOLERANCE" in table
    verdict = discretisation_verdict(chk)
    assert len(verdict) == 1 and verdict[0].startswith("VERDICT: DISCRETISATION -- junction_max_k")
    assert "exceeds its tolerance 0.5 K" in verdict[0] and "chip_nx / chip_ny" in verdict[0]
    assert discretisation_verdict(_hand_made((362.0, 361.9, 361.88))) == []   # within 0.5 K: no line
    unconverged = dataclasses.replace(chk, grids=chk.grids[:4] + (dataclasses.replace(chk.grids[4], converged=False),))
    assert discretisation_verdict(unconverged) == ["VERDICT: DISCRETISATION -- not converged on the chip x4 grid(s): "
                                                   "no discretisation estimate"]
    assert "NOT CONVERGED" in "\n".join(discretisation_table(unconverged))


def test_archive_group_has_units_and_reads_back(tmp_path):
    chk = _hand_made()
    path = ar.write_archive(tmp_path / "d.h5", {"discretisation": discretisation_group(chk)})
    g = ar.read_archive(path)["discretisation"]
    assert list(np.asarray(g["quantity"]["data"]).astype(str)) == ["junction_max_k", "radiator_fin_efficiency"]
    assert np.asarray(g["value"]["data"]).shape == (2, 5)
    assert g["run_s"]["attrs"]["units"] == "s" and list(np.asarray(g["exceeded"]["data"])) == [1, 0]
    assert np.asarray(g["error"]["data"])[0] == pytest.approx(chk.quantities[0].error)
    assert g["attrs"]["optimised"] == 1 and g["attrs"]["radiator_ratio"] == 2
