"""Physical constants shared by every sunsink package (SI units).

References
----------
- IERS Conventions (2010), Technical Note 36: GM_earth, equatorial radius, J2.
- IAU 2012 Resolution B2: astronomical unit.
- Kopp, G. & Lean, J. L. (2011), "A new, lower value of total solar irradiance",
  GRL 38, L01706: total solar irradiance 1360.8 +/- 0.5 W/m^2 (rounded to 1361).
- IAU 2015 Resolution B3: nominal solar radius 6.957e8 m.
"""

MU_EARTH_M3_S2 = 3.986004418e14
"""Earth's gravitational parameter GM [m^3/s^2] (IERS 2010)."""

R_EARTH_M = 6378137.0
"""Earth radius [m]; the equatorial radius, used for the spherical Earth everywhere."""

J2_EARTH = 1.08262668e-3
"""Earth's second zonal harmonic J2 [-] (IERS 2010 / EGM96 value)."""

OMEGA_EARTH_RAD_S = 7.2921150e-5
"""Earth's sidereal rotation rate [rad/s]."""

AU_M = 1.495978707e11
"""Astronomical unit [m] (IAU 2012)."""

R_SUN_M = 6.957e8
"""Nominal solar radius [m] (IAU 2015)."""

SOLAR_CONSTANT_1AU_W_M2 = 1361.0
"""Total solar irradiance at 1 AU [W/m^2] (Kopp & Lean 2011)."""

TROPICAL_YEAR_S = 365.2421897 * 86400.0
"""Tropical year [s]; the Sun's mean apparent motion is 2*pi per tropical year."""

SSO_NODE_RATE_RAD_S = 2.0 * 3.141592653589793 / TROPICAL_YEAR_S
"""Node precession rate of a sun-synchronous orbit [rad/s] (~0.9856 deg/day)."""

STEFAN_BOLTZMANN_W_M2_K4 = 5.670374419e-8
"""Stefan-Boltzmann constant [W/(m^2 K^4)] (CODATA 2018, exact)."""

SECONDS_PER_DAY = 86400.0
SECONDS_PER_JULIAN_YEAR = 365.25 * 86400.0

PERIHELION_AU = 0.98329
"""Earth's perihelion distance [AU] (hot case: 1361 / 0.98329^2 = 1407.6 W/m^2); Astronomical Almanac."""
APHELION_AU = 1.01671
"""Earth's aphelion distance [AU] (lowest solar flux: 1361 / 1.01671^2 = 1316.6 W/m^2); Astronomical Almanac."""
