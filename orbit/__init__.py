"""orbit: circular-orbit geometry shared by every sunsink package.

Spherical Earth, J2 node precession, low-precision Sun, beta angle, eclipse and
sampled positions along one orbit; thermospheric density over the solar cycle
(:mod:`orbit.atmosphere`), drag and station-keeping propellant (:mod:`orbit.drag`), micrometeoroid and
debris fluxes (:mod:`orbit.meteoroids`).  Pure JAX functions, SI units.

Shared by every package because the dependency rule lets them share only ``orbit``: the implicit
solve wrappers and their convergence record (:mod:`orbit.solvers`) and dense-Jacobian JVP rules
(:mod:`orbit.autodiff`).
"""
from .beta import (
    beta_angle_on_date_rad,
    beta_angle_rad,
    orbit_normal_eci,
    raan_from_ltan_rad,
    sso_beta_angle_rad,
)
from .circular import (
    MAX_ALTITUDE_M,
    MIN_ALTITUDE_M,
    mean_motion_rad_s,
    node_precession_rad_s,
    period_s,
    semi_major_axis_m,
    sso_inclination_rad,
)
from .eclipse import beta_critical_rad, disk_visible_fraction, eclipse_fraction, sunlit_fraction_along_orbit
from .sun import SunPosition, julian_date, solar_flux_w_m2, sun_position
from .trajectory import OrbitSamples, orbit_samples
from .atmosphere import density_kg_m3, mission_mean_density_kg_m3, solar_cycle_f107
from .drag import (
    corotation_factor,
    drag_area_m2,
    drag_force_n,
    drag_impulse_n_s,
    hold_delta_v_m_s,
    hold_propellant_kg,
    king_hele_decay_rate_m_s,
    projection_factor,
    rocket_propellant_kg,
    station_keeping,
    thruster_duty_cycle,
    thruster_power_w,
)
from .meteoroids import debris_flux_m2_s, debris_impact_speed_m_s, grun_flux_m2_s, meteoroid_flux_m2_s
from . import atmosphere, constants, drag, meteoroids, solvers, validation

__all__ = [
    "MAX_ALTITUDE_M",
    "MIN_ALTITUDE_M",
    "OrbitSamples",
    "SunPosition",
    "atmosphere",
    "corotation_factor",
    "density_kg_m3",
    "drag",
    "drag_area_m2",
    "drag_force_n",
    "drag_impulse_n_s",
    "debris_flux_m2_s",
    "debris_impact_speed_m_s",
    "grun_flux_m2_s",
    "meteoroid_flux_m2_s",
    "meteoroids",
    "hold_delta_v_m_s",
    "hold_propellant_kg",
    "king_hele_decay_rate_m_s",
    "mission_mean_density_kg_m3",
    "projection_factor",
    "rocket_propellant_kg",
    "solar_cycle_f107",
    "station_keeping",
    "thruster_duty_cycle",
    "thruster_power_w",
    "beta_angle_on_date_rad",
    "beta_angle_rad",
    "beta_critical_rad",
    "constants",
    "disk_visible_fraction",
    "eclipse_fraction",
    "julian_date",
    "mean_motion_rad_s",
    "node_precession_rad_s",
    "orbit_normal_eci",
    "orbit_samples",
    "period_s",
    "raan_from_ltan_rad",
    "semi_major_axis_m",
    "solar_flux_w_m2",
    "sso_beta_angle_rad",
    "sso_inclination_rad",
    "sun_position",
    "sunlit_fraction_along_orbit",
    "solvers",
    "validation",
]
