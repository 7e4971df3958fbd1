"""Compute in service (studies.analysis.service) against closed forms, a Markov chain and a Monte Carlo.

References used here, independent of the implementation:
- exponential survival integral  N (1 - e^{-lambda T}) / lambda;
- Poisson / binomial tail probabilities from scipy.stats (k-out-of-n, cold standby);
- the continuous-time Markov chain of the group (pure-death generator, scipy.linalg.expm);
- scipy.integrate.quad for the log-normal TID life;
- a Monte Carlo of the failure process (numpy, seeded).
"""
from types import SimpleNamespace

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate, linalg, stats

from studies.analysis import service as S

LAM = 0.0908   # per chip-year (Llama 3 faulty GPU + HBM3)


def test_field_rate_derivation():
    # 220 GPU faults (148 faulty GPU + 72 HBM3) on 16,384 H100 in 54 days (Dubey et al. 2024, Table 5)
    assert S.LLAMA3_GPU_YEARS == pytest.approx(2422.3, abs=0.05)
    assert S.FAILURE_RATE_PER_CHIP_YEAR == pytest.approx(220 / 2422.27, rel=1e-4)
    assert S.annualised_failure_rate(148, 16384, 54) == pytest.approx(0.0611, abs=1e-4)
    lo, hi = S.failure_rate_interval(220, S.LLAMA3_GPU_YEARS, 0.90)
    # Garwood interval brackets the point estimate; +-1.645 sigma of a Poisson count ~ +-11 %
    assert lo < S.FAILURE_RATE_PER_CHIP_YEAR < hi
    assert (hi - lo) / 2 / S.FAILURE_RATE_PER_CHIP_YEAR == pytest.approx(1.645 / np.sqrt(220), rel=0.05)


def _markov(n, k, lam, policy):
    """Generator of the group as a pure-death chain on the number of failures j, and the
    number of working chips in service in each state (independent of the closed forms)."""
    if policy == "cold":
        states = n + k + 1
        rates = [lam * min(n, n + k - j) for j in range(states)]
        active = np.array([min(n, n + k - j) for j in range(states)], float)
    else:
        states = n + k + 1
        rates = [lam * (n + k - j) for j in range(states)]   # every working chip is powered
        active = np.array([min(n, n + k - j) for j in range(states)], float)
    q = np.zeros((states, states))
    for j in range(states - 1):
        q[j, j] = -rates[j]
        q[j, j + 1] = rates[j]
    return q, active


def _markov_mean(n, k, lam, policy, t):
    q, active = _markov(n, k, lam, policy)
    p0 = np.zeros(len(active))
    p0[0] = 1.0
    return float(p0 @ linalg.expm(q * t) @ active)


def _markov_integral(n, k, lam, policy, life):
    """integral_0^L E[active] dt from the augmented matrix exponential [[Q, I], [0, 0]]."""
    q, active = _markov(n, k, lam, policy)
    s = len(active)
    big = np.zeros((2 * s, 2 * s))
    big[:s, :s] = q
    big[:s, s:] = np.eye(s)
    e = linalg.expm(big * life)
    p0 = np.zeros(s)
    p0[0] = 1.0
    return float(p0 @ e[:s, s:] @ active)


@pytest.mark.parametrize("policy", ["cold", "hot"])
@pytest.mark.parametrize("n,k", [(1, 2), (8, 3)])
def test_expected_active_and_integral_match_markov_chain(n, k, policy):
    ts = np.array([0.0, 0.5, 2.0, 5.0, 12.0])
    got = np.asarray(S.expected_active_chips(jnp.asarray(ts), LAM, n, k, policy))
    ref = [_markov_mean(n, k, LAM, policy, t) for t in ts]
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12)
    life = 7.0
    d = float(S.delivered_chip_years(life, LAM, n, k, policy))
    assert d == pytest.approx(_markov_integral(n, k, LAM, policy, life), rel=1e-10)


def test_no_spares_is_the_exponential_survival_integral():
    for lam, life in [(LAM, 5.0), (0.3, 10.0), (1e-3, 1.0)]:
        d = float(S.delivered_chip_years(life, lam, 1, 0))
        assert d == pytest.approx((1 - np.exp(-lam * life)) / lam, rel=1e-12)
    # availability scales, the TID step cuts the integral at t_D = D50 / rate = 20 / 6 yr
    d = float(S.delivered_chip_years(5.0, LAM, 1, 0, availability=0.97, dose_rate_si_gy_per_year=6.0,
                                     tid_median_failure_si_gy=20.0))
    t_d = 20.0 / 6.0
    assert d == pytest.approx(0.97 * (1 - np.exp(-LAM * t_d)) / LAM, rel=1e-12)


@pytest.mark.parametrize("policy", ["cold", "hot"])
def test_full_strength_probability_is_the_k_out_of_n_tail(policy):
    n, k, t = 8, 2, 4.0
    p = float(S.full_strength_probability(t, LAM, n, k, policy))
    if policy == "cold":
        ref = stats.poisson.cdf(k, n * LAM * t)
    else:
        ref = stats.binom.sf(n - 1, n + k, np.exp(-LAM * t))   # P(at least n of n + k survive)
    assert p == pytest.approx(ref, rel=1e-10)


def test_lognormal_tid_life_against_quadrature():
    lam, life, rate, d50, sig = LAM, 8.0, 4.0, 20.0, 0.35   # median TID life 5 yr inside the mission
    d = float(S.delivered_chip_years(life, lam, 1, 0, dose_rate_si_gy_per_year=rate,
                                     tid_median_failure_si_gy=d50, tid_sigma_ln=sig))
    f = lambda t: np.exp(-lam * t) * stats.norm.sf(np.log(rate * t / d50) / sig) if t > 0 else 1.0
    ref, _ = integrate.quad(f, 0.0, life, limit=200, points=[d50 / rate])
    assert d == pytest.approx(ref, rel=1e-8)
    # sigma -> 0 tends to the step
    step = float(S.delivered_chip_years(life, lam, 1, 0, dose_rate_si_gy_per_year=rate, tid_median_failure_si_gy=d50))
    narrow = float(S.delivered_chip_years(life, lam, 1, 0, dose_rate_si_gy_per_year=rate,
                                          tid_median_failure_si_gy=d50, tid_sigma_ln=1e-3))
    assert narrow == pytest.approx(step, rel=1e-4)


def test_monte_carlo_cold_spares_with_tid_step():
    """Simulate the failure process of cold-spared groups; compare the delivered chip-years."""
    rng = np.random.default_rng(7)
    n, k, lam, life, t_d = 8, 2, 0.25, 6.0, 5.0      # high rate so that the spares run out
    trials = 20000
    end = min(life, t_d)
    # while spares remain: failures at rate n lam; after the k-th, n fresh exponential lifetimes
    gaps = rng.exponential(1.0 / (n * lam), size=(trials, k))
    tau = gaps.sum(axis=1)
    life_left = rng.exponential(1.0 / lam, size=(trials, n))
    full = np.minimum(tau, end)                                     # n chips up to tau (capped)
    tail = np.clip(np.minimum(tau[:, None] + life_left, end) - tau[:, None], 0.0, None).sum(axis=1)
    delivered = n * full + np.where(tau < end, tail, 0.0)
    mc, se = delivered.mean(), delivered.std(ddof=1) / np.sqrt(trials)
    got = float(S.delivered_chip_years(life, lam, n, k, dose_rate_si_gy_per_year=4.0,
                                       tid_median_failure_si_gy=4.0 * t_d))
    assert abs(got - mc) < 4 * se, (got, mc, se)
    assert se / mc < 0.01


def test_gradient_matches_central_differences():
    f = lambda lam, rate: S.delivered_chip_years(5.0, lam, 8, 2, dose_rate_si_gy_per_year=rate,
                                                 tid_median_failure_si_gy=20.0, tid_sigma_ln=0.3)
    g = jax.jit(jax.grad(f, argnums=(0, 1)))(0.09, 3.0)
    f = jax.jit(f)
    h = 1e-6
    fd0 = (f(0.09 + h, 3.0) - f(0.09 - h, 3.0)) / (2 * h)
    fd1 = (f(0.09, 3.0 + h) - f(0.09, 3.0 - h)) / (2 * h)
    assert float(g[0]) == pytest.approx(float(fd0), rel=1e-6)
    assert float(g[1]) == pytest.approx(float(fd1), rel=1e-6)


def test_service_summary_consistency():
    mission = SimpleNamespace(n_chips=160, payload_power_w=160e3, life_years=5.0, launch_cost_usd_per_kg=500.0,
                              tid_tolerance_si_gy=20.0)
    metrics = {"availability": 0.995, "tid_si_gy": 8.0, "total_mass_kg": 20000.0, "mass_payload_kg": 2600.0}
    p = S.ServiceParameters(group_size=8, spares_per_group=1)
    out = S.service_summary(metrics, mission, p)
    none, spared = float(out["service_chip_years_no_spares"]), float(out["service_chip_years_spares"])
    # no TID failure inside the mission (life 12.5 yr): closed form x availability
    ref = 160 * 0.995 * (1 - np.exp(-p.failure_rate_per_chip_year * 5)) / p.failure_rate_per_chip_year
    assert none == pytest.approx(ref, rel=1e-12)
    assert none < spared < 160 * 5.0
    assert float(out["service_kw_years_no_spares"]) == pytest.approx(none * 1.0)
    assert float(out["service_spare_mass_kg"]) == pytest.approx(2600.0 / 160 * 20)
    cost = 500.0 * 20000.0 + 1000.0 * (20000.0 - 2600.0)
    assert float(out["service_cost_per_delivered_kw_year_usd"]) == pytest.approx(cost / none)
    assert set(out) == set(S.SERVICE_METRICS)
    cost_s = 500.0 * (20000.0 + 325.0) + 1000.0 * (20000.0 - 2600.0) + 30e3 * 20
    priced = S.service_summary(metrics, mission, S.ServiceParameters(group_size=8, spares_per_group=1,
                                                                     spare_price_usd=30e3))
    assert float(priced["service_cost_per_delivered_kw_year_spares_usd"]) == pytest.approx(cost_s / spared)


def test_bad_inputs():
    with pytest.raises(ValueError, match="n_active"):
        S.expected_active_chips(1.0, LAM, 0)
    with pytest.raises(ValueError, match="spares"):
        S.expected_active_chips(1.0, LAM, 8, 1, "warm")
    with pytest.raises(ValueError, match="failure_rate_per_year"):
        S.expected_active_chips(1.0, -0.1, 8)
    with pytest.raises(ValueError, match="life_years"):
        S.delivered_chip_years(0.0, LAM, 8)
    with pytest.raises(ValueError, match="service.tid_sigma_ln"):
        S.ServiceParameters(tid_sigma_ln=-1.0)
    with pytest.raises(ValueError, match="group_size"):
        S.service_summary({}, SimpleNamespace(n_chips=4), S.ServiceParameters(group_size=8))
