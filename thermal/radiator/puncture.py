"""Puncture of radiator coolant tubes by micrometeoroids and orbital debris.

Ballistic limit (single wall)
-----------------------------
The modified Cour-Palais single-wall equation (NASA JSC; Hayashida & Robinson 1991;
Christiansen 1993), CGS units (d, t, P in cm; rho in g/cm^3; speeds in km/s):

    P_inf = 5.24 d^(19/18) BH^-0.25 (rho_p / rho_t)^0.5 (V cos(theta) / C)^(2/3)

is the semi-infinite-target crater depth; a wall of thickness t is just perforated when
t = k P_inf with k = 1.8 (k = 2.2 detached spall, 3.0 incipient spall).  Solved for the
critical (ballistic-limit) particle diameter:

    d_c = [ t / (k 5.24 BH^-0.25 (rho_p/rho_t)^0.5 (V cos(theta)/C)^(2/3)) ]^(18/19).

The Fish-Summers equation t = K1 m^0.352 rho_p^(1/6) V^0.875 (K1 = 0.57 for aluminium; t cm,
m g, rho g/cm^3, V km/s; Fish & Summers 1965, as used by ESA's ESABASE2/Debris) is a second,
independently fitted single-wall law; the tests compare the two.

Expected penetrations and reliability
-------------------------------------
For an isotropic flux F(>d) per unit area of a one-sided plate (orbit.meteoroids), the
impact angle to the local normal of any surface element is cosine-distributed,
p(theta) = 2 sin(theta) cos(theta), so the expected number of perforations of an exposed
area A over a time T is

    N = A T sum_pop  int_0^{pi/2} F_pop(> d_c(V_pop cos theta)) 2 sin theta cos theta d theta

(Gauss-Legendre in theta).  Penetrations are Poisson, so one loop survives with
P = exp(-N).  With the tube bank split into n equal, independently isolatable sections
(isolation valves, or n independent loops), each section survives with p = exp(-N/n)
independently (Poisson thinning), and the loop still delivers at least m sections with the
binomial tail P = sum_{j >= m} C(n, j) p^j (1 - p)^(n - j).

References
----------
- Hayashida, K. B. & Robinson, J. H. (1991), "Single wall penetration equations",
  NASA TM-103565.
- Christiansen, E. L. (1993), "Design and performance equations for advanced meteoroid and
  debris shields", Int. J. Impact Eng. 14, 145-156.
- Christiansen, E. L. et al. (2009), "Handbook for designing MMOD protection",
  NASA JSC-64399 / JSC-65746 (single-wall BLE and k factors 1.8/2.2/3.0).
- Fish, R. H. & Summers, J. L. (1965), "The effect of material properties on threshold
  penetration", Proc. 7th Hypervelocity Impact Symposium, vol. 6.
- Material: aluminium 6061-T6, Brinell hardness 95, density 2713 kg/m^3, sound speed
  5.1 km/s (values used in the NASA single-wall literature, e.g. Hayashida & Robinson 1991).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import gammaln

from orbit import meteoroids
from orbit.atmosphere import solar_cycle_f107
from orbit.constants import SECONDS_PER_JULIAN_YEAR
from orbit.validation import check_positive, check_range


class WallMaterial(NamedTuple):
    """Target-wall properties for the Cour-Palais equation."""

    brinell_hardness: float
    density_kg_m3: float
    sound_speed_m_s: float


AL6061_T6 = WallMaterial(brinell_hardness=95.0, density_kg_m3=2713.0, sound_speed_m_s=5100.0)
"""Aluminium 6061-T6 (Hayashida & Robinson 1991)."""

K_PERFORATION = 1.8
"""t / P_inf at the threshold of perforation (JSC-65746); 2.2 detached spall, 3.0 incipient spall."""
DEBRIS_DENSITY_KG_M3 = 2800.0
"""Debris density [kg/m^3] for d <= 0.62 cm in NASA 91 (aluminium)."""

_N_ANGLE = 24
_GL_X, _GL_W = (tuple(a.tolist()) for a in np.polynomial.legendre.leggauss(_N_ANGLE))  # python floats: x32-safe


def ballistic_limit_diameter_m(wall_thickness_m, speed_m_s, impact_angle_rad=0.0,
                               projectile_density_kg_m3=DEBRIS_DENSITY_KG_M3, material: WallMaterial = AL6061_T6,
                               k_factor=K_PERFORATION):
    """Critical projectile diameter [m] that just perforates a single wall (Cour-Palais).

    Parameters
    ----------
    wall_thickness_m : wall thickness [m] (tube wall plus armour).
    speed_m_s : impact speed [m/s] (hypervelocity regime, ~3-20 km/s).
    impact_angle_rad : angle from the wall normal [rad] (the normal component counts).
    projectile_density_kg_m3 : particle density [kg/m^3].
    material : :class:`WallMaterial` (default Al 6061-T6).
    k_factor : t / P_inf at the failure criterion (1.8 perforation).

    Returns
    -------
    d_c [m], differentiable in thickness, speed, angle and density.
    """
    check_positive("wall_thickness_m", wall_thickness_m, units="m")
    check_positive("speed_m_s", speed_m_s, units="m/s")
    check_positive("projectile_density_kg_m3", projectile_density_kg_m3, units="kg/m3")
    t_cm = jnp.asarray(wall_thickness_m) * 100.0
    vn = jnp.asarray(speed_m_s) * jnp.cos(impact_angle_rad)
    coef = (k_factor * 5.24 * material.brinell_hardness ** -0.25
            * jnp.sqrt(jnp.asarray(projectile_density_kg_m3) / material.density_kg_m3)
            * (vn / material.sound_speed_m_s) ** (2.0 / 3.0))
    return (t_cm / coef) ** (18.0 / 19.0) / 100.0


def fish_summers_thickness_m(diameter_m, speed_m_s, projectile_density_kg_m3=DEBRIS_DENSITY_KG_M3, k1=0.57):
    """Single-wall perforation thickness [m], Fish-Summers t = K1 m^0.352 rho^(1/6) V^0.875 (CGS).

    K1 = 0.57 for aluminium alloys (Fish & Summers 1965).  Normal impact.
    """
    check_positive("diameter_m", diameter_m, units="m")
    rho_gcc = jnp.asarray(projectile_density_kg_m3) / 1e3
    mass_g = rho_gcc * jnp.pi / 6.0 * (jnp.asarray(diameter_m) * 100.0) ** 3
    return k1 * mass_g**0.352 * rho_gcc ** (1.0 / 6.0) * (jnp.asarray(speed_m_s) / 1e3) ** 0.875 / 100.0


def tube_exposed_area_m2(n_tubes, tube_length_m, outer_diameter_m, exposed_fraction=0.5):
    """Exposed tube surface [m^2] = n L pi D x exposed fraction.

    With an isotropic flux counted per unit area of a one-sided plate, a convex body is hit
    at that rate per unit of its *surface* (pi D L for a tube, whose mean projected area is
    pi D L / 4).  ``exposed_fraction`` is the part of the circumference facing open space:
    0.5 for tubes on one face of a radiator sheet (the sheet shields the other half), 1 for
    free-standing tubes.
    """
    check_range("exposed_fraction", exposed_fraction, 0.0, 1.0)
    check_positive("outer_diameter_m", outer_diameter_m, units="m")
    return jnp.asarray(n_tubes) * tube_length_m * jnp.pi * outer_diameter_m * exposed_fraction


class PenetrationRates(NamedTuple):
    """Expected perforations per m^2 of exposed wall per second [1/(m^2 s)], by population."""

    meteoroid_m2_s: jnp.ndarray
    debris_m2_s: jnp.ndarray

    @property
    def total_m2_s(self):
        return self.meteoroid_m2_s + self.debris_m2_s


def _angle_average(flux_of_angle):
    """int_0^{pi/2} f(theta) 2 sin theta cos theta d theta by Gauss-Legendre (24 nodes)."""
    theta = 0.25 * jnp.pi * (jnp.asarray(_GL_X) + 1.0)
    w = 0.25 * jnp.pi * jnp.asarray(_GL_W)
    vals = flux_of_angle(theta)
    return jnp.sum(w * vals * 2.0 * jnp.sin(theta) * jnp.cos(theta), axis=-1)


def penetration_rates(wall_thickness_m, altitude_m, inclination_rad, year, *, f107_sfu=None,
                      material: WallMaterial = AL6061_T6, k_factor=K_PERFORATION,
                      meteoroid_density_kg_m3=meteoroids.METEOROID_DENSITY_KG_M3,
                      meteoroid_speed_m_s=meteoroids.METEOROID_SPEED_M_S, debris_speed_m_s=None):
    """Perforation rates [1/(m^2 s)] of a single aluminium wall by meteoroids and debris.

    Parameters
    ----------
    wall_thickness_m : wall thickness [m] (tube wall + armour).
    altitude_m, inclination_rad : circular orbit.
    year : epoch of the debris population [yr] (see :func:`expected_penetrations` for a
        mission average).
    f107_sfu : previous-year F10.7 for the debris model (default: the raised-cosine cycle of
        :func:`orbit.atmosphere.solar_cycle_f107` one year earlier).
    meteoroid_speed_m_s : meteoroid impact speed (default 20 km/s);
    debris_speed_m_s : debris impact speed (default :func:`orbit.meteoroids.debris_impact_speed_m_s`).
    """
    check_positive("wall_thickness_m", wall_thickness_m, units="m")
    if f107_sfu is None:
        f107_sfu = solar_cycle_f107(jnp.asarray(year) - 1.0)
    if debris_speed_m_s is None:
        debris_speed_m_s = meteoroids.debris_impact_speed_m_s(inclination_rad)
    check_range("altitude_m", altitude_m, 150e3, 2000e3, units="m")
    check_range("year", year, 1988.0, 2100.0, units="yr")
    return _rates_core(wall_thickness_m, altitude_m, inclination_rad, year, f107_sfu, material, k_factor,
                       meteoroid_density_kg_m3, meteoroid_speed_m_s, debris_speed_m_s)


@jax.jit
def _rates_core(wall_thickness_m, altitude_m, inclination_rad, year, f107_sfu, material, k_factor,
                meteoroid_density_kg_m3, meteoroid_speed_m_s, debris_speed_m_s):
    material = WallMaterial(*material)
    t = jnp.asarray(wall_thickness_m)[..., None]

    def met(theta):
        d = ballistic_limit_diameter_m(t, meteoroid_speed_m_s, theta, meteoroid_density_kg_m3, material, k_factor)
        m = meteoroid_density_kg_m3 * jnp.pi / 6.0 * d**3
        m = jnp.clip(m, 1e-21, 1e-2)
        return meteoroids.meteoroid_flux_m2_s(m, altitude_m)

    def deb(theta):
        d = ballistic_limit_diameter_m(t, debris_speed_m_s, theta, DEBRIS_DENSITY_KG_M3, material, k_factor)
        d = jnp.clip(d, 1e-5, 1.0)
        return meteoroids.debris_flux_m2_s(d, altitude_m, inclination_rad, year, f107_sfu)

    return PenetrationRates(_angle_average(met), _angle_average(deb))


def expected_penetrations(wall_thickness_m, exposed_area_m2, altitude_m, inclination_rad, launch_year, life_years,
                          *, n_years: int = 4, **kw):
    """Expected number of tube perforations over the mission [-] (meteoroids + debris).

    The debris flux changes with the population growth and solar activity, so the rate is
    averaged over the life with ``n_years`` (static) Gauss-Legendre epochs (``launch_year``
    and ``life_years`` scalars; batch other inputs with ``vmap``).

    Parameters
    ----------
    wall_thickness_m : wall thickness [m]; exposed_area_m2 : exposed tube surface [m^2]
        (:func:`tube_exposed_area_m2`); altitude_m, inclination_rad : orbit;
    launch_year [yr], life_years [yr]; ``kw`` as :func:`penetration_rates`.

    Returns
    -------
    (N_total, N_meteoroid, N_debris), each differentiable in thickness, area and orbit.
    """
    check_range("life_years", life_years, 0.0, 100.0, lo_inclusive=False, units="yr")
    check_range("exposed_area_m2", exposed_area_m2, 0.0, units="m2")
    check_positive("wall_thickness_m", wall_thickness_m, units="m")
    check_range("altitude_m", altitude_m, 150e3, 2000e3, units="m")
    x, w = (a.tolist() for a in np.polynomial.legendre.leggauss(n_years))
    years = jnp.asarray(launch_year) + 0.5 * (jnp.asarray(x) + 1.0) * jnp.asarray(life_years)
    check_range("mission years", years, 1988.0, 2100.0, units="yr")
    f107 = kw.get("f107_sfu")
    f107s = solar_cycle_f107(years - 1.0) if f107 is None else jnp.broadcast_to(f107, years.shape)
    speed = kw.get("debris_speed_m_s")
    speed = meteoroids.debris_impact_speed_m_s(inclination_rad) if speed is None else speed
    args = (kw.get("material", AL6061_T6), kw.get("k_factor", K_PERFORATION),
            kw.get("meteoroid_density_kg_m3", meteoroids.METEOROID_DENSITY_KG_M3),
            kw.get("meteoroid_speed_m_s", meteoroids.METEOROID_SPEED_M_S), speed)
    unknown = set(kw) - {"f107_sfu", "debris_speed_m_s", "material", "k_factor", "meteoroid_density_kg_m3",
                         "meteoroid_speed_m_s"}
    if unknown:
        raise TypeError(f"expected_penetrations got unexpected keyword(s) {sorted(unknown)}")
    rates = jax.vmap(lambda y, f: _rates_core(wall_thickness_m, altitude_m, inclination_rad, y, f, *args))(
        years, f107s)
    wq = 0.5 * jnp.asarray(w).reshape((-1,) + (1,) * (rates.meteoroid_m2_s.ndim - 1))
    met = jnp.sum(wq * rates.meteoroid_m2_s, axis=0)
    deb = jnp.sum(wq * rates.debris_m2_s, axis=0)
    scale = jnp.asarray(exposed_area_m2) * jnp.asarray(life_years) * SECONDS_PER_JULIAN_YEAR
    return scale * (met + deb), scale * met, scale * deb


def no_puncture_probability(expected_n):
    """Probability of no perforation, exp(-N) (Poisson)."""
    check_range("expected_n", expected_n, 0.0)
    return jnp.exp(-jnp.asarray(expected_n))


def min_sections_required(n_sections: int, required_fraction: float) -> int:
    """Smallest integer number of sections that carries ``required_fraction`` of the heat (host side)."""
    if int(n_sections) != n_sections or n_sections < 1:
        raise ValueError(f"n_sections = {n_sections!r} must be a positive integer")
    check_range("required_fraction", required_fraction, 0.0, 1.0)
    return max(1, math.ceil(float(required_fraction) * n_sections - 1e-9))


def loop_delivery_probability(expected_n, n_sections: int, min_sections: int):
    """Probability that at least ``min_sections`` of ``n_sections`` equal, independently
    isolatable sections survive the mission [-] (binomial tail, p = exp(-N/n)).

    Parameters
    ----------
    expected_n : expected perforations of the whole tube bank over the mission [-].
    n_sections : number of equal sections / independent loops (static int).
    min_sections : sections that must survive (static int, :func:`min_sections_required`).

    Returns
    -------
    Probability in [0, 1], differentiable in ``expected_n``.  n = m = 1 gives exp(-N).
    """
    if int(n_sections) != n_sections or n_sections < 1:
        raise ValueError(f"n_sections = {n_sections!r} must be a positive integer")
    if not 1 <= min_sections <= n_sections:
        raise ValueError(f"min_sections = {min_sections!r} is outside the allowed range [1, {n_sections}]")
    check_range("expected_n", expected_n, 0.0)
    lam = jnp.asarray(expected_n)[..., None] / n_sections
    j = jnp.arange(min_sections, n_sections + 1, dtype=lam.dtype)
    log_c = gammaln(n_sections + 1.0) - gammaln(j + 1.0) - gammaln(n_sections - j + 1.0)
    # log p = -lam; log(1 - p) = log(-expm1(-lam)); (1-p)^0 = 1 exactly where n - j = 0
    log_q = jnp.log(-jnp.expm1(-jnp.maximum(lam, jnp.finfo(lam.dtype).tiny)))
    terms = jnp.exp(log_c - j * lam + jnp.where(n_sections - j > 0, (n_sections - j) * log_q, 0.0))
    return jnp.sum(terms, axis=-1)


def armour_mass_kg(extra_thickness_m, outer_diameter_m, total_tube_length_m, coverage_fraction=1.0,
                   density_kg_m3=AL6061_T6.density_kg_m3):
    """Mass [kg] of an aluminium sleeve of ``extra_thickness_m`` over the tubes.

    m = rho f pi ((D + 2 dt)^2 - D^2)/4 L, with f the covered fraction of the circumference
    (1 = full sleeve, 0.5 = half shell on the exposed side).
    """
    check_range("extra_thickness_m", extra_thickness_m, 0.0, units="m")
    check_positive("outer_diameter_m", outer_diameter_m, units="m")
    check_range("coverage_fraction", coverage_fraction, 0.0, 1.0)
    dt = jnp.asarray(extra_thickness_m)
    area = jnp.pi * ((outer_diameter_m + 2.0 * dt) ** 2 - outer_diameter_m**2) / 4.0
    return density_kg_m3 * coverage_fraction * area * total_tube_length_m
