"""Compute in service: how many accelerator-years a satellite delivers over its mission.

Three effects take compute away from the nameplate ``n_chips x life``:

1. **Hardware failures** (permanent in orbit: nobody swaps a board).  Each powered
   accelerator fails at a constant rate ``lambda`` [1/yr] (the useful-life part of the
   bathtub curve, the regime of a field fleet's annual failure rate).
2. **Single-event outages** (UECC and SEFI): a hit chip is down for the recovery
   time and comes back, so it scales the delivered compute by the availability
   ``A = 1 / (1 + lambda_see tau)`` that :func:`studies.evaluate` already reports
   (metric ``availability``, from :func:`radiation.see.availability_from_event_rate`).
3. **Total ionising dose**: the lot fails when the accumulated dose reaches its
   failure dose.  The failure dose is log-normal across lots (median ``D50``, log
   standard deviation ``sigma``; ``sigma = 0`` is the step model: every chip dies at
   ``t_D = D50 / dose rate``).  TID acts on the whole payload at once (all chips sit
   behind the same shield and come from the same lot), so it multiplies the
   hardware-failure expectation: ``E[n(t) 1{T_TID > t}] = E[n(t)] P(T_TID > t)``
   (independence of the lot's failure dose and the hardware failure process).  With no
   spares this equals the per-chip independent model (linearity of expectation).

Delivered compute [chip-years] = ``A x integral_0^L m(t) S_TID(t) dt`` with ``m(t)`` the
expected number of working active chips.

Spares: the payload is split into groups of ``N`` active chips, each group with ``k``
spares.

* cold spares (unpowered; they do not fail while dormant): failures arrive at rate
  ``N lambda`` until the ``k`` spares are used, then the group decays from ``N``.  With
  ``tau_k ~ Gamma(k, N lambda)`` the time the last spare is switched in,

      m(t) = N [ Q(k, N lambda t) + e^{-lambda t} (N/(N-1))^k P(k, (N-1) lambda t) ]

  (``P``, ``Q`` the regularised lower/upper incomplete gamma functions; for ``N = 1`` the
  last factor is ``(lambda t)^k / k!``).  Derivation: before ``tau_k`` all ``N`` slots
  work; after it the ``N`` chips in service are memoryless, so each survives to ``t``
  with ``e^{-lambda (t - tau_k)}``; ``E[e^{lambda tau_k} 1{tau_k <= t}]`` is a Gamma
  integral.  The probability that the group is still at full strength is
  ``P(Poisson(N lambda t) <= k)``.
* hot spares (all ``N + k`` powered, any ``N`` needed): ``m(t) = E[min(N, B)]``,
  ``B ~ Binomial(N + k, e^{-lambda t})`` (the classical k-out-of-n system).

Both are checked in the tests against a continuous-time Markov chain (matrix
exponential of the pure-death generator) and a Monte Carlo of the failure process.

Field failure rate of data-centre accelerators
----------------------------------------------
Meta, *The Llama 3 Herd of Models* (Dubey et al., arXiv:2407.21783, 2024), sec. 3.3.4,
Table 5: in a 54-day snapshot of Llama 3 405B pre-training on 16,384 H100 80GB GPUs
there were 419 unexpected job interruptions, of which 148 "faulty GPU" (30.1 %, incl.
NVLink), 72 "GPU HBM3 memory" (17.2 %), 19 GPU SRAM, 17 GPU system processor, 6 silent
data corruption and 6 GPU thermal interface + sensor.  (Read through two secondary
transcriptions of Table 5 that agree: G. Lockwood's "component reliability" notes and
DatacenterDynamics; flag S2.)  Annualised per GPU:

    exposure = 16,384 GPU x 54 d / 365.25 d/yr = 2,422.3 GPU-years
    faulty GPU + HBM3           220 / 2422.3 = 0.0908 per GPU-year  (default)
    faulty GPU only             148 / 2422.3 = 0.0611 per GPU-year
    every GPU category          268 / 2422.3 = 0.1106 per GPU-year

These are interruption counts: on the ground many end with a reset or a drained node
rather than a replaced GPU, so as a PERMANENT-failure rate they are an upper bound.  In
orbit there is no replacement, and the default (faulty GPU + HBM3) treats every such
interruption as a lost chip: a conservative choice, stated as such.  The Poisson
statistical error of 220 events is +-6.7 % (1 sigma, :func:`failure_rate_interval`);
the classification uncertainty (which interruptions are permanent) is far larger and is
what :mod:`studies.analysis.uncertainty` spreads.

References
----------
- Dubey, A. et al. (Meta), "The Llama 3 Herd of Models", arXiv:2407.21783 (2024),
  sec. 3.3.4 and Table 5.
- Barlow, R. E. & Proschan, F., *Mathematical Theory of Reliability*, Wiley (1965),
  ch. 5 (standby redundancy, k-out-of-n systems).
- Rausand, M. & Hoyland, A., *System Reliability Theory*, 2nd ed., Wiley (2004), ch. 4
  (k-out-of-n) and ch. 8 (Markov models of standby systems).
- Ladbury, R., "Radiation hardness assurance: evolving for NewSpace", NSREC short course
  (2019), and ECSS-Q-ST-60-15C: part-to-part and lot-to-lot TID failure levels treated as
  log-normal (the form used here; no sigma is taken from them: ``tid_sigma_ln`` is an input).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import betainc, gammainc, gammaincc, gammaln, ndtr
from scipy.stats import chi2

from orbit.validation import check_positive, check_range

from ..declare import Quantity, check_declared, quantity

__all__ = ["LLAMA3_GPU_YEARS", "LLAMA3_FAILURES", "FAILURE_RATE_PER_CHIP_YEAR", "ServiceParameters",
           "annualised_failure_rate", "failure_rate_interval", "tid_survival", "expected_active_chips",
           "full_strength_probability", "delivered_chip_years", "satellite_cost_usd", "cost_per_delivered_kw_year",
           "service_summary", "SERVICE_METRICS"]

DAYS_PER_YEAR = 365.25

LLAMA3_GPUS = 16384
LLAMA3_DAYS = 54.0
LLAMA3_GPU_YEARS = LLAMA3_GPUS * LLAMA3_DAYS / DAYS_PER_YEAR
"""GPU-years of exposure of the Llama 3 405B 54-day snapshot (2,422.3)."""
LLAMA3_FAILURES = {"faulty_gpu": 148, "gpu_hbm3": 72, "gpu_sram": 19, "gpu_system_processor": 17,
                   "silent_data_corruption": 6, "gpu_thermal_interface_sensor": 6}
"""GPU-attributed unexpected interruptions in the 54-day snapshot (Dubey et al. 2024, Table 5)."""


def annualised_failure_rate(failures, n_devices, days):
    """Failures per device-year of a fleet observation: ``failures / (n_devices x days / 365.25)``."""
    check_range("failures", failures, 0.0)
    check_positive("n_devices", n_devices)
    check_positive("days", days, units="d")
    return failures / (n_devices * days / DAYS_PER_YEAR)


FAILURE_RATE_PER_CHIP_YEAR = annualised_failure_rate(LLAMA3_FAILURES["faulty_gpu"] + LLAMA3_FAILURES["gpu_hbm3"],
                                                     LLAMA3_GPUS, LLAMA3_DAYS)
"""Default accelerator hardware failure rate, 0.0908 per chip-year (faulty GPU + HBM3, Llama 3; see module
docstring: an upper bound on permanent failures, taken as permanent in orbit)."""


def failure_rate_interval(failures: int, exposure_device_years: float, confidence: float = 0.90):
    """Two-sided exact (Garwood) Poisson confidence interval of a failure rate [1/yr] (host side)."""
    check_range("confidence", confidence, 0.0, 1.0, lo_inclusive=False, hi_inclusive=False)
    check_positive("exposure_device_years", exposure_device_years, units="yr")
    a = 1.0 - confidence
    lo = 0.0 if failures == 0 else chi2.ppf(a / 2, 2 * failures) / 2
    hi = chi2.ppf(1 - a / 2, 2 * failures + 2) / 2
    return lo / exposure_device_years, hi / exposure_device_years


# ----------------------------------------------------------------------------------------------
# survival pieces (pure JAX, differentiable in the continuous inputs)
# ----------------------------------------------------------------------------------------------

def tid_survival(t_years, dose_rate_si_gy_per_year, median_failure_dose_si_gy, sigma_ln=0.0):
    """Probability that the payload has not reached its TID failure dose at ``t_years``.

    ``1 - Phi(ln(rate t / D50) / sigma)`` (log-normal failure dose); ``sigma_ln = 0``: the
    step ``rate t < D50``.

    Parameters
    ----------
    t_years : time [yr], >= 0.
    dose_rate_si_gy_per_year : dose rate at the chips [Gy(Si)/yr] (mission TID / life), >= 0.
    median_failure_dose_si_gy : median failure dose ``D50`` [Gy(Si)], > 0.
    sigma_ln : log standard deviation of the failure dose (host float), >= 0.
    """
    check_range("sigma_ln", sigma_ln, 0.0, 10.0)
    dose = jnp.asarray(dose_rate_si_gy_per_year) * jnp.asarray(t_years)
    if sigma_ln == 0.0:
        return jnp.where(dose < median_failure_dose_si_gy, 1.0, 0.0).astype(jnp.result_type(dose, float))
    z = jnp.log(jnp.maximum(dose, 1e-300) / median_failure_dose_si_gy) / sigma_ln
    return jnp.where(dose > 0, 1.0 - ndtr(z), 1.0)


def _check_group(n_active, n_spares, policy):
    if not (isinstance(n_active, (int, np.integer)) and n_active >= 1):
        raise ValueError(f"n_active = {n_active!r} must be an integer >= 1")
    if not (isinstance(n_spares, (int, np.integer)) and 0 <= n_spares <= 10000):
        raise ValueError(f"n_spares = {n_spares!r} must be an integer in [0, 10000]")
    if policy not in ("cold", "hot"):
        raise ValueError(f"spares = {policy!r} is not one of ('cold', 'hot')")


def expected_active_chips(t_years, failure_rate_per_year, n_active: int, n_spares: int = 0, spares: str = "cold"):
    """Expected number of working chips in service in a group of ``n_active`` with ``n_spares``
    spares, at ``t_years`` (hardware failures only; see the module docstring for the forms).

    Parameters
    ----------
    t_years : time [yr] (any shape).
    failure_rate_per_year : constant failure rate of a powered chip [1/yr], >= 0.
    n_active : chips the group runs (int >= 1).
    n_spares : spares of the group (int >= 0).
    spares : ``"cold"`` (dormant spares do not fail) or ``"hot"`` (all powered, any ``n_active`` needed).
    """
    _check_group(n_active, n_spares, spares)
    check_range("failure_rate_per_year", failure_rate_per_year, 0.0, 1e3, units="yr-1")
    return _active(t_years, failure_rate_per_year, n=int(n_active), k=int(n_spares), spares=spares)


@functools.partial(jax.jit, static_argnames=("n", "k", "spares"))
def _active(t_years, failure_rate_per_year, *, n, k, spares):
    t = jnp.asarray(t_years)
    lam = jnp.asarray(failure_rate_per_year)
    x = lam * t
    if k == 0:
        return n * jnp.exp(-x)
    if spares == "hot":
        j = jnp.arange(n + k + 1, dtype=jnp.result_type(x, float))
        xs = jnp.maximum(x, 1e-300)[..., None]
        logp = (gammaln(n + k + 1.0) - gammaln(j + 1.0) - gammaln(n + k - j + 1.0)
                - j * xs + (n + k - j) * jnp.log(-jnp.expm1(-xs)))
        pmf = jnp.where(x[..., None] > 0, jnp.exp(logp), (j == n + k).astype(xs.dtype))
        return jnp.sum(pmf * jnp.minimum(j, n), axis=-1)
    before = gammaincc(float(k), n * x)            # P(tau_k > t) = P(Poisson(N lambda t) <= k - 1)
    if n == 1:
        after = jnp.exp(-x) * jnp.exp(k * jnp.log(jnp.maximum(x, 1e-300)) - gammaln(k + 1.0))
    else:
        after = jnp.exp(-x + k * math.log(n / (n - 1))) * gammainc(float(k), (n - 1) * x)
    return n * (before + after)


def full_strength_probability(t_years, failure_rate_per_year, n_active: int, n_spares: int = 0,
                              spares: str = "cold"):
    """Probability that a group still runs all ``n_active`` chips at ``t_years``:
    cold ``P(Poisson(N lambda t) <= k)``; hot ``P(Binomial(N + k, e^{-lambda t}) >= N)``."""
    _check_group(n_active, n_spares, spares)
    t = jnp.asarray(t_years)
    x = jnp.asarray(failure_rate_per_year) * t
    n, k = n_active, n_spares
    if spares == "cold":
        return gammaincc(float(k + 1), n * x)
    # P(B >= N) = P(failures <= k), failures ~ Binomial(N + k, q), q = 1 - e^{-x}: regularised beta
    q = -jnp.expm1(-x)
    return jnp.where(q > 0, betainc(float(n), float(k + 1), 1.0 - q), 1.0)


def _gauss_legendre(n: int):
    x, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (x + 1.0), 0.5 * w


def delivered_chip_years(life_years, failure_rate_per_year, n_active: int, n_spares: int = 0,
                         spares: str = "cold", availability=1.0, dose_rate_si_gy_per_year=0.0,
                         tid_median_failure_si_gy=jnp.inf, tid_sigma_ln: float = 0.0, n_quad: int = 48):
    """Expected chip-years delivered by ONE group over ``life_years``:
    ``A x integral_0^L m(t) S_TID(t) dt`` (Gauss-Legendre; split at the median TID life).

    Parameters
    ----------
    life_years : mission life ``L`` [yr], > 0.
    failure_rate_per_year : hardware failure rate of a powered chip [1/yr].
    n_active, n_spares, spares : the group (see :func:`expected_active_chips`).
    availability : SEE availability of a working chip (metric ``availability``).
    dose_rate_si_gy_per_year : TID rate at the chips [Gy(Si)/yr] (``tid_si_gy / life_years``).
    tid_median_failure_si_gy : median TID failure dose [Gy(Si)] (inf: no TID failures).
    tid_sigma_ln : log-normal sigma of the failure dose (0: step at the median).
    n_quad : Gauss-Legendre nodes per sub-interval (static).

    Returns
    -------
    chip-years delivered by the group (divide by ``n_active x L`` for the fraction of nameplate).
    """
    check_positive("life_years", life_years, units="yr")
    _check_group(n_active, n_spares, spares)
    check_range("failure_rate_per_year", failure_rate_per_year, 0.0, 1e3, units="yr-1")
    check_range("tid_sigma_ln", tid_sigma_ln, 0.0, 10.0)
    return _delivered(life_years, failure_rate_per_year, availability, dose_rate_si_gy_per_year,
                      tid_median_failure_si_gy, n_active=n_active, n_spares=n_spares, spares=spares,
                      tid_sigma_ln=float(tid_sigma_ln), n_quad=n_quad)


@functools.partial(jax.jit, static_argnames=("n_active", "n_spares", "spares", "tid_sigma_ln", "n_quad"))
def _delivered(life_years, failure_rate_per_year, availability, dose_rate_si_gy_per_year, tid_median_failure_si_gy,
               *, n_active, n_spares, spares, tid_sigma_ln, n_quad):
    L = jnp.asarray(life_years, dtype=jnp.result_type(life_years, float))
    rate = jnp.asarray(dose_rate_si_gy_per_year)
    t_d = jnp.where(rate > 0, jnp.asarray(tid_median_failure_si_gy) / jnp.maximum(rate, 1e-300), jnp.inf)
    split = jnp.minimum(L, t_d)
    u, w = _gauss_legendre(n_quad)
    u, w = jnp.asarray(u, L.dtype), jnp.asarray(w, L.dtype)

    def integrand(t):
        m = _active(t, failure_rate_per_year, n=n_active, k=n_spares, spares=spares)
        if tid_sigma_ln == 0.0:
            return m   # the step is the upper limit `split` of the first piece
        return m * tid_survival(t, rate, tid_median_failure_si_gy, tid_sigma_ln)

    first = split * jnp.sum(w * integrand(split * u))
    total = first
    if tid_sigma_ln > 0.0:
        total = first + (L - split) * jnp.sum(w * integrand(split + (L - split) * u))
    return jnp.asarray(availability) * total


def satellite_cost_usd(total_mass_kg, payload_mass_kg, launch_usd_per_kg, manufacturing_usd_per_kg):
    """Recurring cost of one satellite [USD] with the convention of :mod:`studies.analysis.constellation`:
    launch price x total mass + manufacturing price x non-payload mass (accelerators excluded
    on both the space and the terrestrial side)."""
    return (jnp.asarray(launch_usd_per_kg) * total_mass_kg
            + jnp.asarray(manufacturing_usd_per_kg) * (total_mass_kg - payload_mass_kg))


def cost_per_delivered_kw_year(satellite_cost, delivered_kw_years):
    """Cost per kW-year of compute actually delivered [USD/(kW yr)] = satellite cost / delivered kW-years."""
    return satellite_cost / delivered_kw_years


# ----------------------------------------------------------------------------------------------
# the study's one call
# ----------------------------------------------------------------------------------------------

def _param(default, units, long_name, **spec):
    return quantity(default, units, long_name, section="service", **spec)


@dataclass(frozen=True)
class ServiceParameters:
    """Inputs of the in-service model (``[service]``), each declared once.  ``manufacturing_usd_per_kg``
    is the constellation's (``[constellation]``, one input per quantity).  The group size is checked
    against the payload's chip count when the model runs (:func:`service_summary`)."""

    failure_rate_per_chip_year: float = _param(
        FAILURE_RATE_PER_CHIP_YEAR, "yr-1", "accelerator hardware failure rate", lo=0.0, hi=10.0,
        source="Llama 3 405B: faulty GPU + HBM3, 220 in 2,422 GPU-years (Dubey et al. 2024, Table 5)")
    group_size: int = _param(8, "1", "active chips per spare group (one board)", kind="int", lo=1, hi=100000)
    spares_per_group: int = _param(1, "1", "spare accelerators per group", kind="int", lo=0, hi=10000)
    spares: str = _param("cold", "1", "spares unpowered (cold) or powered (hot)", kind="str", choices=("cold", "hot"))
    tid_failure_median_si_gy: float | None = _param(
        None, "Gy", "median TID failure dose (default: mission.tid_tolerance_si_gy, an onset: conservative)", lo=0.0,
        hi=1e7, lo_inclusive=False, optional=True)
    tid_sigma_ln: float = _param(0.0, "1", "log-normal sigma of the TID failure dose (0: a step)", lo=0.0, hi=3.0)
    manufacturing_usd_per_kg: float = quantity(1000.0, "USD kg-1", "non-payload manufacturing price", lo=0.0,
                                               hi=1e7, source="constellation.manufacturing_usd_per_kg")
    spare_price_usd: float = _param(
        0.0, "USD", "purchase price of each spare accelerator (0: the constellation economics exclude "
        "accelerators on both sides; an H100/B200-class part costs of order 3e4-4e4 USD)", lo=0.0, hi=1e8)

    def __post_init__(self):
        check_declared(self, "service")
        _check_group(self.group_size, self.spares_per_group, self.spares)


SERVICE_METRICS: dict[str, Quantity] = {
    "service_chip_years_nameplate": Quantity("1", "chip-years of the payload at nameplate (n_chips x life)"),
    "service_chip_years_no_spares": Quantity("1", "expected chip-years delivered, no spares"),
    "service_chip_years_spares": Quantity("1", "expected chip-years delivered with the spare groups"),
    "service_kw_years_no_spares": Quantity("kW yr", "expected payload kW-years delivered, no spares"),
    "service_kw_years_spares": Quantity("kW yr", "expected payload kW-years delivered with spares"),
    "service_delivered_fraction_no_spares": Quantity("1", "delivered / nameplate compute, no spares"),
    "service_delivered_fraction_spares": Quantity("1", "delivered / nameplate compute, with spares"),
    "service_spare_mass_kg": Quantity("kg", "mass of the spare accelerators (payload mass per chip x spares)"),
    "service_full_strength_probability_eol": Quantity("1", "probability that a spare group is at full strength at end "
                                              "of life (hardware failures only)"),
    "service_cost_per_delivered_kw_year_usd": Quantity("USD kW-1 yr-1", "satellite cost per delivered kW-year, no spares"),
    "service_cost_per_delivered_kw_year_spares_usd": Quantity("USD kW-1 yr-1",
                                                      "satellite cost (spare mass and price) per delivered kW-year, "
                                                      "with spares"),
}
"""Outputs of :func:`service_summary`, declared (reports and archives)."""


def service_summary(metrics: dict, mission, params: ServiceParameters = ServiceParameters(),
                    failure_rate_per_chip_year=None) -> dict:
    """Delivered compute and its cost for one evaluated satellite (traceable; see :data:`SERVICE_METRICS`).

    Parameters
    ----------
    metrics : the dict of :func:`studies.evaluate` (reads ``availability``, ``tid_si_gy``,
        ``total_mass_kg``, ``mass_payload_kg``).
    mission : the :class:`studies.Mission` (``n_chips``, ``payload_power_w``, ``life_years``,
        ``launch_cost_usd_per_kg``, ``tid_tolerance_si_gy``).
    params : :class:`ServiceParameters`.
    failure_rate_per_chip_year : overrides ``params.failure_rate_per_chip_year`` (a traced value,
        e.g. an uncertainty sample).

    Notes
    -----
    The chips are grouped ``n_chips / group_size`` times (a fractional last group is counted
    pro rata).  Spares add the payload mass per chip to the launched mass (structure is not
    re-scaled) and dissipate nothing (cold).  SDCs do not take a chip down and are not counted.
    """
    lam = params.failure_rate_per_chip_year if failure_rate_per_chip_year is None else failure_rate_per_chip_year
    n_chips = mission.n_chips
    if params.group_size > n_chips:
        raise ValueError(f"service.group_size = {params.group_size} is larger than mission.n_chips = {n_chips}")
    life = mission.life_years
    chip_kw = mission.payload_power_w / n_chips / 1e3
    rate = metrics["tid_si_gy"] / life
    d50 = mission.tid_tolerance_si_gy if params.tid_failure_median_si_gy is None else params.tid_failure_median_si_gy
    avail = metrics["availability"]
    common = dict(availability=avail, dose_rate_si_gy_per_year=rate, tid_median_failure_si_gy=d50,
                  tid_sigma_ln=params.tid_sigma_ln)
    n_groups = n_chips / params.group_size
    none = n_chips * delivered_chip_years(life, lam, 1, 0, **common)
    spared = n_groups * delivered_chip_years(life, lam, params.group_size, params.spares_per_group,
                                             params.spares, **common)
    nameplate = n_chips * life
    per_chip_mass = metrics["mass_payload_kg"] / n_chips
    spare_mass = per_chip_mass * params.spares_per_group * n_groups
    total = metrics["total_mass_kg"]
    cost = satellite_cost_usd(total, metrics["mass_payload_kg"], mission.launch_cost_usd_per_kg,
                              params.manufacturing_usd_per_kg)
    cost_spares = satellite_cost_usd(total + spare_mass, metrics["mass_payload_kg"] + spare_mass,
                                     mission.launch_cost_usd_per_kg, params.manufacturing_usd_per_kg)
    cost_spares = cost_spares + params.spare_price_usd * params.spares_per_group * n_groups
    return {
        "service_chip_years_nameplate": jnp.asarray(nameplate, dtype=jnp.result_type(total, float)),
        "service_chip_years_no_spares": none,
        "service_chip_years_spares": spared,
        "service_kw_years_no_spares": none * chip_kw,
        "service_kw_years_spares": spared * chip_kw,
        "service_delivered_fraction_no_spares": none / nameplate,
        "service_delivered_fraction_spares": spared / nameplate,
        "service_spare_mass_kg": spare_mass,
        "service_full_strength_probability_eol": full_strength_probability(
            life, lam, params.group_size, params.spares_per_group, params.spares),
        "service_cost_per_delivered_kw_year_usd": cost_per_delivered_kw_year(cost, none * chip_kw),
        "service_cost_per_delivered_kw_year_spares_usd": cost_per_delivered_kw_year(cost_spares, spared * chip_kw),
    }
