"""Radiator sizing study: orbital environment per orbit, hot design case, level-0 area.

For every configured orbit:

1. the orbit geometry (SSO inclination from J2 where the family is ``sso``);
2. the design beta angle: the hottest orbit-average environment for the radiator
   over the year (SSO: beta on dates through the year; inclined orbits: beta over
   the full range +/-(i + obliquity) the node precession sweeps), unless the
   config fixes ``beta_deg``; Sun at perihelion distance (hot case);
3. incident and absorbed fluxes on both radiator faces over one orbit;
4. the level-0 isothermal radiator: planform area at the design temperature and
   the area-vs-temperature curve.

Everything is returned as plain numpy arrays in a nested dict (see
:func:`run_radiator_study`) that the archive writer stores verbatim.
"""
from __future__ import annotations

import math
import re

import jax
import jax.numpy as jnp
import numpy as np

import orbit
import thermal
from orbit.constants import PERIHELION_AU

from ..declare import Quantity
from ..model.inputs import degraded

OBLIQUITY_DEG = 23.44

LEVEL0_SCALARS: dict[str, Quantity] = {
    "altitude_m": Quantity("m", "orbit altitude"),
    "inclination_deg": Quantity("degree", "orbit inclination"),
    "period_s": Quantity("s", "orbital period"),
    "beta_design_deg": Quantity("degree", "beta angle of the hot design case"),
    "eclipse_fraction": Quantity("1", "fraction of the design orbit in shadow"),
    "solar_flux_w_m2": Quantity("W m-2", "direct solar flux of the hot case (perihelion)"),
    "sink_temperature_k": Quantity("K", "temperature of the unloaded isothermal panel"),
    "design_temperature_k": Quantity("K", "radiator design temperature"),
    "level0_area_m2": Quantity("m2", "planform area of the isothermal two-sided radiator (level 0)"),
    "heat_load_w": Quantity("W", "heat to reject"),
}
"""Scalars of a level-0 orbit case (:func:`run_orbit_case`)."""
LEVEL0_PER_FACE: dict[str, Quantity] = {
    "absorbed_mean_w_m2": Quantity("W m-2", "orbit-average absorbed environmental flux per face"),
    "emissivity": Quantity("1", "infrared emissivity per face"),
    "absorptivity": Quantity("1", "solar absorptivity per face"),
}
"""Per-face values of a level-0 orbit case."""
LEVEL0_SERIES: dict[str, Quantity] = {
    "incident_solar_w_m2": Quantity("W m-2", "incident direct solar flux per face"),
    "incident_albedo_w_m2": Quantity("W m-2", "incident albedo flux per face"),
    "incident_earth_ir_w_m2": Quantity("W m-2", "incident Earth infrared flux per face"),
    "absorbed_w_m2": Quantity("W m-2", "absorbed environmental flux per face"),
}
"""Orbit time series per face of a level-0 orbit case."""



def slug(name: str) -> str:
    """Archive-safe group name from an orbit name."""
    s = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower()
    return s or "orbit"


def orbit_inclination_rad(orb) -> float:
    if orb.family == "sso":
        return float(orbit.sso_inclination_rad(orb.altitude_m))
    return math.radians(orb.inclination_deg)


def beta_candidates_rad(orb, n_cases: int) -> np.ndarray:
    """Beta angles [rad] the orbit sees over a year (SSO) or a precession cycle (inclined)."""
    if orb.beta_deg is not None:
        return np.array([math.radians(orb.beta_deg)])
    inc = orbit_inclination_rad(orb)
    if orb.family == "sso":
        jd0 = orbit.julian_date(orb.year, 1, 1, 0.0)
        jds = jd0 + np.arange(n_cases) * 365.25 / n_cases
        return np.asarray(orbit.sso_beta_angle_rad(inc, orb.ltan_hours, jnp.asarray(jds)))
    inc_eff = min(math.degrees(inc), 180.0 - math.degrees(inc))
    beta_max = math.radians(min(inc_eff + OBLIQUITY_DEG, 90.0))
    return np.linspace(-beta_max, beta_max, n_cases)


HOT_CASE_TIE_RTOL = 1e-4
"""Beta cases whose absorbed flux is within this relative distance of the hottest are ties."""


def hottest_case(absorbed_w_m2) -> int:
    """Index of the hottest case: the first within :data:`HOT_CASE_TIE_RTOL` of the maximum, so
    that float32 and float64 runs pick the same case where the curve is flat (SSO beta scans)."""
    a = np.asarray(absorbed_w_m2, dtype=np.float64)
    top = float(np.max(a))
    return int(np.argmax(a >= top - HOT_CASE_TIE_RTOL * abs(top)))


def _environment_fn(cfg, solar_flux_w_m2):
    env_cfg = cfg.environment
    rad = cfg.radiator
    n = cfg.numerics.n_orbit_samples

    def env(h, beta):
        e = thermal.plate_environment(
            h, beta, rad.attitude, n,
            albedo=env_cfg.albedo, olr_w_m2=env_cfg.olr_w_m2, solar_flux_w_m2=solar_flux_w_m2,
            penumbra=env_cfg.penumbra, albedo_model=env_cfg.albedo_model,
        )
        return e.face_a, e.face_b, e.samples.time_s

    return env


def coatings(cfg, years_in_orbit=None):
    """Emissivity and absorptivity of faces A and B after ``years_in_orbit`` (default: the mission
    life -- the hot case sizes the radiator at end of life), the coupled model's own rule
    (:meth:`studies.model.Mission.face_emissivity`) on the same keys."""
    r = cfg.radiator
    years = float(cfg.mission.life_years) if years_in_orbit is None else float(years_in_orbit)
    eps = np.array([float(degraded(f.emissivity, f.coating, years, 1)) for f in (r.face_a, r.face_b)])
    alpha = np.array([float(degraded(f.absorptivity, f.coating, years, 0)) for f in (r.face_a, r.face_b)])
    return eps, alpha


def heat_load_w(cfg) -> float:
    """Level-0 heat load [W]: the payload power (mission.payload_power_w) all becomes heat on the
    radiator.  The coupled model adds conversion losses and the pump (``payload_radiator_heat_w``)."""
    return float(cfg.mission.payload_power_w)


def run_orbit_case(cfg, orb) -> dict:
    """Environment and level-0 radiator for one orbit (numpy results)."""
    solar = cfg.environment.solar_constant_w_m2 / PERIHELION_AU**2
    env = _environment_fn(cfg, solar)
    eps, alpha = coatings(cfg)
    h = orb.altitude_m
    betas = beta_candidates_rad(orb, cfg.numerics.n_beta_cases)

    @jax.jit
    def absorbed_mean(beta):
        fa, fb, _ = env(h, beta)
        qa = thermal.absorbed_flux_w_m2(fa, alpha[0], eps[0])
        qb = thermal.absorbed_flux_w_m2(fb, alpha[1], eps[1])
        return jnp.stack([jnp.mean(qa), jnp.mean(qb)])

    scan = np.asarray(jax.vmap(absorbed_mean)(jnp.asarray(betas)), dtype=np.float64)
    k_hot = hottest_case(scan.sum(axis=1))
    beta = float(betas[k_hot])
    fa, fb, t = env(h, beta)
    faces = (fa, fb)
    absorbed_t = np.stack(
        [np.asarray(thermal.absorbed_flux_w_m2(f, alpha[i], eps[i])) for i, f in enumerate(faces)], axis=-1
    )
    q_mean = absorbed_t.mean(axis=0)
    t_design = cfg.radiator.temperature_k
    t_sink = float(thermal.panel_sink_temperature_k(eps, q_mean))
    lo, hi = cfg.radiator.temperature_range_k
    temps = np.linspace(max(lo, t_sink + 1.0), max(hi, t_sink + 2.0), 61)
    areas = np.asarray(
        jax.vmap(lambda T: heat_load_w(cfg) / thermal.net_rejection_w_m2(T, eps, q_mean))(jnp.asarray(temps))
    )
    area = (
        float(thermal.isothermal_panel_area_m2(heat_load_w(cfg), t_design, eps, q_mean))
        if t_design > t_sink else math.nan
    )
    incl = orbit_inclination_rad(orb)
    return {
        "name": orb.name,
        "family": orb.family,
        "altitude_m": h,
        "inclination_deg": math.degrees(incl),
        "period_s": float(orbit.period_s(h)),
        "beta_design_deg": math.degrees(beta),
        "eclipse_fraction": float(orbit.eclipse_fraction(h, beta, penumbra=cfg.environment.penumbra)),
        "solar_flux_w_m2": solar,
        "beta_scan_deg": np.degrees(betas),
        "beta_scan_absorbed_w_m2": scan,
        "time_s": np.asarray(t),
        "incident_solar_w_m2": np.stack([np.asarray(f.solar_w_m2) for f in faces], -1),
        "incident_albedo_w_m2": np.stack([np.asarray(f.albedo_w_m2) for f in faces], -1),
        "incident_earth_ir_w_m2": np.stack([np.asarray(f.earth_ir_w_m2) for f in faces], -1),
        "absorbed_w_m2": absorbed_t,
        "absorbed_mean_w_m2": q_mean,
        "emissivity": eps,
        "absorptivity": alpha,
        "sink_temperature_k": t_sink,
        "design_temperature_k": t_design,
        "level0_area_m2": area,
        "curve_temperature_k": temps,
        "curve_level0_area_m2": areas,
        "heat_load_w": heat_load_w(cfg),
    }


def run_radiator_study(cfg) -> dict:
    """Evaluate every orbit of the study; returns ``{slug: case dict}`` in config order.

    Host-side analysis, always in float64 (``jax.enable_x64``): the dates of the beta-angle scan
    are Julian dates (~2.46e6 d), which float32 cannot resolve, so ``--x32`` must not change the
    hot case."""
    with jax.enable_x64(True):
        return {slug(o.name): run_orbit_case(cfg, o) for o in cfg.orbits}
