"""Micrometeoroid and orbital-debris (MMOD) fluxes in low Earth orbit.

Fluxes are *cumulative* (particles at least as large as the given mass or diameter) per
unit area of a one-sided, randomly oriented flat plate, per second [1/(m^2 s)].  For an
isotropic flux this is also the impact rate per unit surface area of any convex body, and
the impact angle to the local normal follows the cosine law p(theta) = 2 sin(theta)
cos(theta) -- the form thermal.radiator.puncture integrates over.

Meteoroids
----------
Grün et al. (1985) interplanetary flux at 1 AU (as adopted by ECSS-E-ST-10-04C clause
10.2.4.1 and NASA SSP 30425), m in grams:

    F(m) = 3.15576e7 [ (2.2e3 m^0.306 + 15)^-4.38 + 1.3e-9 (m + 1e11 m^2 + 1e27 m^4)^-0.36
                       + 1.3e-16 (m + 1e6 m^2)^-0.85 ]    [1/(m^2 yr)]

(here returned per second).  Near the Earth it is multiplied by the gravitational focusing
G = 1 + v_esc(r)^2 / v_inf^2 (single-velocity form of ECSS-E-ST-10-04C Annex C.1.2) and by the
Earth shielding factor sf = (1 + cos eta)/2 with sin eta = (R_E + 100 km)/(R_E + h) (Annex
C.1.3; 100 km for the atmosphere).  Mean impact speed near the Earth ~20 km/s.

Orbital debris
--------------
NASA 91 engineering model (Kessler et al. 1991; as given in NASA SSP 30425 Rev. B and NASA
TM-4527, Anderson & Smith 1994), d in cm, h in km, t in years, S = F10.7 (13-month mean,
previous year) [sfu]:

    F(d, h, i, t, S) = H(d) phi(h, S) psi(i) [F1(d) g1(t) + F2(d) g2(t)]    [1/(m^2 yr)]
    H(d)   = sqrt(10^exp(-((log10 d - 0.78)/0.637)^2))
    phi    = phi1/(phi1 + 1),  phi1 = 10^(h/200 - S/140 - 1.5)
    F1(d)  = 1.22e-5 d^-2.5,   F2(d) = 8.1e10 (d + 700)^-6
    g1(t)  = (1 + q)^(t - 1988) (t < 2011), (1 + q)^23 (1 + q')^(t - 2011) after; q = 0.02, q' = 0.04
    g2(t)  = 1 + p (t - 1988),  p = 0.05
    psi(i) tabulated (28.5 deg: 0.91 ... 100 deg: 1.78, 120 deg: 1.18).

The NASA 91 model predates the 2007 Fengyun-1C and 2009 Iridium-Cosmos fragmentations and
the large constellations; its growth terms only extrapolate.  The current standards are
ORDEM 3.x (NASA) and MASTER-8 (ESA), which are distributed as programs with data files; a
design should be confirmed with one of them.  Mean debris impact speed: ~9 km/s at 30 deg
inclination to ~13 km/s for near-polar orbits (Kessler 1988).

References
----------
- Grün, E., Zook, H. A., Fechtig, H. & Giese, R. H. (1985), "Collisional balance of the
  meteoritic complex", Icarus 62, 244-272.
- ECSS-E-ST-10-04C (2008), Space environment, clause 10.2.4 and Annex C.1 (meteoroid flux,
  flux enhancement, Earth shielding), as published on the SPENVIS ECSS pages.
- Kessler, D. J., Reynolds, R. C. & Anz-Meador, P. D. (1989), "Orbital debris environment for
  spacecraft designed to operate in low Earth orbit", NASA TM-100471; updated as the NASA 91
  model (Kessler et al. 1991).  Form and constants as reproduced in NASA SSP 30425 Rev. B
  (1994) and Anderson, B. J. & Smith, R. E., NASA TM-4527 (1994) -- recalled from those
  secondary reproductions, not re-read from the TM in this work.
- Kessler, D. J. (1988), "Predicting debris", Aerospace America 26 (NTRS 19880056290):
  collision speeds 9 km/s at 30 deg to 13 km/s near polar.
- Cour-Palais, B. G. (1969), "Meteoroid environment model - 1969 (near Earth to lunar
  surface)", NASA SP-8013 (independent cross-check used in the tests).
"""
from __future__ import annotations

import math

import jax.numpy as jnp

from .constants import MU_EARTH_M3_S2, R_EARTH_M, SECONDS_PER_JULIAN_YEAR
from .validation import check_positive, check_range

METEOROID_SPEED_M_S = 20e3
"""Mean meteoroid impact speed in LEO [m/s] (NASA SSP 30425 / ECSS-E-ST-10-04C usage: ~20 km/s)."""
METEOROID_V_INF_M_S = 17e3
"""Meteoroid speed far from the Earth used in the single-velocity focusing factor [m/s]
(17 km/s with an escape speed of ~10.8 km/s at 400 km gives ~20 km/s at impact)."""
METEOROID_DENSITY_KG_M3 = 1000.0
"""Meteoroid bulk density [kg/m^3] for mass <-> diameter.  Assumption in the 0.5 (NASA SSP
30425 older practice) to 2.5 g/cm^3 (ECSS) range; NASA MEM 3 uses a distribution centred
near 1 g/cm^3 (Moorhead et al. 2019)."""
ATMOSPHERE_SHIELD_M = 100e3
"""Height of the atmosphere added to the Earth radius in the shielding factor (ECSS C.1.3)."""

_PSI_INCLINATION_DEG = (28.5, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0, 120.0)
_PSI = (0.91, 0.92, 0.96, 1.02, 1.09, 1.26, 1.71, 1.37, 1.78, 1.18)
"""NASA 91 inclination factor psi(i) (SSP 30425 Rev. B table, recalled second-hand).  Corroborated by
independent implementations, primary table not read: two public implementations use psi = 1.030 at
52 deg and 0.990 at 45 deg, which interpolation in this table reproduces (1.034, 0.990); the smoother
alternative table does not (data/README.md)."""


def grun_flux_m2_s(mass_kg):
    """Grün (1985) cumulative interplanetary meteoroid flux at 1 AU [1/(m^2 s)].

    Parameters
    ----------
    mass_kg : minimum particle mass [kg], valid 1e-21 .. 1e-2 kg (1e-18 .. 10 g).

    Returns
    -------
    Particles of at least ``mass_kg`` per m^2 of a one-sided randomly oriented plate per s.
    """
    check_range("mass_kg", mass_kg, 1e-21, 1e-2, units="kg")
    m = jnp.asarray(mass_kg) * 1e3  # g
    f1 = (2.2e3 * m**0.306 + 15.0) ** -4.38
    f2 = 1.3e-9 * (m + 1e11 * m**2 + 1e27 * m**4) ** -0.36
    f3 = 1.3e-16 * (m + 1e6 * m**2) ** -0.85
    return f1 + f2 + f3  # the 3.15576e7 of the per-year form converts 1/s to 1/yr


def escape_speed_m_s(altitude_m):
    """Escape speed sqrt(2 mu / r) [m/s] at altitude ``altitude_m``."""
    return jnp.sqrt(2.0 * MU_EARTH_M3_S2 / (R_EARTH_M + jnp.asarray(altitude_m)))


def gravitational_focusing_factor(altitude_m, v_inf_m_s=METEOROID_V_INF_M_S):
    """Flux enhancement by the Earth's gravity, G = 1 + v_esc^2 / v_inf^2 [-] (ECSS C.1.2)."""
    check_positive("v_inf_m_s", v_inf_m_s, units="m/s")
    return 1.0 + escape_speed_m_s(altitude_m) ** 2 / jnp.asarray(v_inf_m_s) ** 2


def earth_shielding_factor(altitude_m):
    """Average Earth shielding of an isotropic flux, sf = (1 + cos eta)/2 [-] (ECSS C.1.3).

    eta is the half-angle of the Earth (plus 100 km of atmosphere) seen from the spacecraft:
    sin eta = (R_E + 100 km)/(R_E + h).  sf is the fraction of the sky not blocked (solid
    angle 2 pi (1 - cos eta) of 4 pi blocked).
    """
    check_range("altitude_m", altitude_m, ATMOSPHERE_SHIELD_M, math.inf, units="m")
    s = (R_EARTH_M + ATMOSPHERE_SHIELD_M) / (R_EARTH_M + jnp.asarray(altitude_m))
    return 0.5 * (1.0 + jnp.sqrt(1.0 - s * s))


def meteoroid_flux_m2_s(mass_kg, altitude_m, v_inf_m_s=METEOROID_V_INF_M_S):
    """Cumulative meteoroid flux in Earth orbit [1/(m^2 s)]: Grün x focusing x shielding."""
    return grun_flux_m2_s(mass_kg) * gravitational_focusing_factor(altitude_m, v_inf_m_s) \
        * earth_shielding_factor(altitude_m)


def meteoroid_flux_by_diameter_m2_s(diameter_m, altitude_m, density_kg_m3=METEOROID_DENSITY_KG_M3,
                                    v_inf_m_s=METEOROID_V_INF_M_S):
    """Cumulative meteoroid flux [1/(m^2 s)] of spheres at least ``diameter_m`` across."""
    check_positive("density_kg_m3", density_kg_m3, units="kg/m3")
    mass = density_kg_m3 * jnp.pi / 6.0 * jnp.asarray(diameter_m) ** 3
    return meteoroid_flux_m2_s(mass, altitude_m, v_inf_m_s)


def debris_inclination_factor(inclination_rad):
    """NASA 91 inclination factor psi(i) [-], linear in the tabulated inclinations (clipped)."""
    i_deg = jnp.degrees(jnp.asarray(inclination_rad))
    return jnp.interp(i_deg, jnp.asarray(_PSI_INCLINATION_DEG), jnp.asarray(_PSI))


def debris_flux_m2_s(diameter_m, altitude_m, inclination_rad, year, f107_sfu=140.0,
                     growth_q=0.02, growth_q_after_2011=0.04, growth_p=0.05):
    """NASA 91 cumulative orbital-debris flux [1/(m^2 s)] on a randomly tumbling plate.

    Parameters
    ----------
    diameter_m : minimum debris diameter [m], 1e-5 .. 1 m.
    altitude_m : circular-orbit altitude [m], 150 .. 2000 km (model range).
    inclination_rad : orbit inclination [rad]; psi(i) is tabulated 28.5-120 deg and held
        constant outside.
    year : epoch [yr], 1988 .. 2100 (growth extrapolated beyond the model's 2030 horizon).
    f107_sfu : 13-month smoothed F10.7 of the previous year [sfu] (higher activity cleans
        the lower orbits).
    growth_q, growth_q_after_2011, growth_p : annual growth rates of the fragment and
        intact-object populations (model defaults 0.02, 0.04, 0.05).

    Returns
    -------
    Flux [1/(m^2 s)], differentiable in diameter, altitude, year and activity.
    """
    check_range("diameter_m", diameter_m, 1e-5, 1.0, units="m")
    check_range("altitude_m", altitude_m, 150e3, 2000e3, units="m")
    check_range("year", year, 1988.0, 2100.0, units="yr")
    check_range("f107_sfu", f107_sfu, 0.0, 500.0, units="sfu")
    d = jnp.asarray(diameter_m) * 100.0  # cm
    h = jnp.asarray(altitude_m) / 1e3  # km
    t = jnp.asarray(year)
    big_h = jnp.sqrt(10.0 ** jnp.exp(-(((jnp.log10(d) - 0.78) / 0.637) ** 2)))
    phi1 = 10.0 ** (h / 200.0 - f107_sfu / 140.0 - 1.5)
    phi = phi1 / (phi1 + 1.0)
    f1 = 1.22e-5 * d**-2.5
    f2 = 8.1e10 * (d + 700.0) ** -6
    g1 = jnp.where(t < 2011.0, (1.0 + growth_q) ** (t - 1988.0),
                   (1.0 + growth_q) ** 23.0 * (1.0 + growth_q_after_2011) ** (t - 2011.0))
    g2 = 1.0 + growth_p * (t - 1988.0)
    per_year = big_h * phi * debris_inclination_factor(inclination_rad) * (f1 * g1 + f2 * g2)
    return per_year / SECONDS_PER_JULIAN_YEAR


def debris_impact_speed_m_s(inclination_rad):
    """Mean debris impact speed [m/s]: 9 km/s at 30 deg rising to 13 km/s at 90 deg
    (Kessler 1988), linear in inclination between, held outside; retrograde orbits use the
    supplement (an SSO at 98 deg -> 82 deg -> ~12.5 km/s)."""
    i = jnp.degrees(jnp.asarray(inclination_rad))
    i = jnp.where(i > 90.0, 180.0 - i, i)
    return 1e3 * jnp.interp(i, jnp.array([30.0, 90.0]), jnp.array([9.0, 13.0]))
