"""Atmospheric drag on a circular orbit, the Δv and propellant to hold altitude, and the
electric thruster that delivers it.

Drag area
---------
A flat panel of area A whose unit normal n makes the angle with the velocity unit vector
v-hat presents the projected area A |n . v-hat| to the flow.  With full accommodation (diffuse
re-emission, the usual LEO assumption) the incident momentum is absorbed whatever the
incidence, so the drag is Cd_ref/2 rho v^2 times the projected area with one Cd for all
incidences (re-emission adds a small normal-pressure term, contained in Cd ~ 2.2).  The
orbit-averaged drag area of a panel is therefore A <|n . v-hat|>, the average over the orbit
of the projection factor.  Closed forms in the beta frame (orbit in the x-y plane, Sun at
(cos beta, 0, sin beta), velocity at orbit angle u: (-sin u, cos u, 0)):

* two-axis Sun-tracking array (normal = Sun): |s . v| = cos beta |sin u|, average
  ``(2/pi) cos(beta)``; a one-axis array turning about the orbit normal keeps its normal in
  the orbit plane: ``2/pi`` whatever beta.
* radiator edge-on to the Sun and containing the nadir (``sun_edge_on`` of
  :mod:`thermal.environment.heat_loads`, normal = (s x r-hat)/|s x r-hat|):
  n . v = sin beta / sqrt(1 - cos^2 beta cos^2 u), average ``(2/pi) sin(beta) K(cos beta)`` with
  K the complete elliptic integral of the first kind -- zero at beta = 0 (knife-edge to the
  flow) and one at beta = 90 deg (dawn-dusk orbit: the plane normal to the velocity).
* nadir-facing plate (normal = radial): 0; ram-facing plate: 1.

A panel exactly edge-on still feels the thermal motion of the gas: the incident momentum
flux through each face is rho v^2/(2 s sqrt(pi)) at zero incidence (Maxwellian drifting at
speed ratio s = v / sqrt(2 k T / m)), i.e. an extra projection factor 1/(s sqrt(pi)) per
face relative to a Cd of 2 (:func:`edge_on_projection_floor`, ~0.07 per face for atomic
oxygen at 1000 K and 7.6 km/s).

Station keeping
---------------
Drag deceleration a_D = rho v^2 Cd A / (2 m).  Holding a circular orbit continuously cancels
it, so the Δv rate is a_D and the drag impulse rate is the drag force D = m a_D (independent
of the mass).  The closed-form decay of a circular orbit without thrust (King-Hele 1987)
da/dt = -rho sqrt(mu a) Cd A/m, converted with dv/da = v/(2a) of neighbouring circular orbits,
gives the same a_D: the two agree identically, and the tests check both against a direct
numerical integration of the equations of motion.  Propellant follows from the rocket
equation with the exhaust velocity g0 Isp; an electric thruster's input power is
P = F g0 Isp / (2 eta) (jet power over total efficiency).

References
----------
- Vallado, D. A., *Fundamentals of Astrodynamics and Applications*, 4th ed. (2013),
  sec. 8.6 (drag, Cd ~ 2.2 for satellites in free-molecular flow, ballistic coefficient).
- Montenbruck, O. & Gill, E., *Satellite Orbits* (2000), sec. 3.5 (drag, Cd 1.5-3, typically
  2-2.3 for convex bodies; corotating atmosphere).
- King-Hele, D., *Satellite Orbits in an Atmosphere: Theory and Applications* (1987):
  decay of circular orbits, da/dt = -rho sqrt(mu a) Cd A/m.
- Sentman, L. H. (1961), "Free molecule flow theory and its application to the
  determination of aerodynamic forces", LMSC-448514; Moe, K. & Moe, M. M. (2005),
  Planet. Space Sci. 53, 793 (diffuse reflection, Cd ~ 2.2 near 500 km).
- Goebel, D. M. & Katz, I., *Fundamentals of Electric Propulsion: Ion and Hall Thrusters*
  (JPL Space Science and Technology Series, 2008), ch. 2 (P_jet = T^2/(2 mdot) =
  T g0 Isp / 2, total efficiency) and ch. 1 (SPT-100: ~1.35 kW, 83 mN, ~1600 s; NSTAR ion
  engine: 2.3 kW, 92 mN, 3100 s).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import jax.numpy as jnp

from .circular import semi_major_axis_m
from .constants import MU_EARTH_M3_S2, OMEGA_EARTH_RAD_S, SECONDS_PER_JULIAN_YEAR
from .validation import check_positive, check_range

G0_M_S2 = 9.80665
"""Standard gravity [m/s^2] (defines Isp in seconds)."""

DRAG_COEFFICIENT = 2.2
"""Free-molecular drag coefficient on the projected area (Vallado 2013 sec. 8.6; Montenbruck
& Gill 2000 sec. 3.5.2; Moe & Moe 2005 for diffuse reflection)."""

HALL_SPT100 = {"isp_s": 1600.0, "thrust_n": 0.083, "power_w": 1350.0, "efficiency": 0.48, "thruster_kg": 3.5}
"""SPT-100 Hall thruster (xenon): Isp, thrust, input power (Goebel & Katz 2008 ch. 1 and Fakel
data); total efficiency from P = T g0 Isp/(2 eta): 0.083*9.80665*1600/(2*1350) = 0.48;
thruster mass 3.5 kg (Fakel SPT-100 data sheet, second-hand)."""
ION_NSTAR = {"isp_s": 3100.0, "thrust_n": 0.092, "power_w": 2300.0, "efficiency": 0.61, "thruster_kg": 8.2}
"""NSTAR gridded ion engine (Deep Space 1) at full power (Goebel & Katz 2008); efficiency
0.092*9.80665*3100/(2*2300) = 0.61; mass 8.2 kg (NASA GRC NSTAR data, second-hand)."""

XENON_TANK_FRACTION = 0.10
"""Xenon tank (COPV) mass / stored xenon mass [-].  Assumption: 0.05-0.15 is the range quoted
for composite-overwrapped xenon tanks (e.g. Goebel & Katz 2008 ch. 1 system-mass
discussion); not verified against one primary data sheet in this work."""

PPU_SPECIFIC_MASS_KG_PER_W = 6.0e-3
"""Power-processing unit mass per input watt [kg/W].  Assumption (5-10 kg/kW for flight
Hall/ion PPUs of the kW class); change per design."""


def circular_speed_m_s(altitude_m):
    """Circular orbital speed v = sqrt(mu / a) [m/s]."""
    return jnp.sqrt(MU_EARTH_M3_S2 / semi_major_axis_m(altitude_m))


def _elliptic_k(k):
    """Complete elliptic integral of the first kind K(k) (modulus k) by the AGM (10 steps)."""
    a = jnp.ones_like(k)
    b = jnp.sqrt(1.0 - k * k)
    for _ in range(10):
        a, b = 0.5 * (a + b), jnp.sqrt(a * b)
    return jnp.pi / (2.0 * a)


PROJECTION_ATTITUDES = ("sun_tracking", "sun_tracking_1axis", "sun_edge_on", "nadir", "ram")


def projection_factor(attitude: str, beta_rad=0.0):
    """Orbit-averaged projection <|n . v-hat|> of a flat panel onto the velocity [-].

    Parameters
    ----------
    attitude : one of :data:`PROJECTION_ATTITUDES` -- ``sun_tracking`` (two-axis, normal at
        the Sun: (2/pi) cos beta), ``sun_tracking_1axis`` (normal in the orbit plane: 2/pi),
        ``sun_edge_on`` (radiator containing the Sun line and nadir:
        (2/pi) sin beta K(cos beta)), ``nadir`` (0) or ``ram`` (1).  Derivations in the
        module docstring.
    beta_rad : Sun beta angle [rad], |beta| <= pi/2; average over a year's beta history
        outside this function where beta varies.

    Returns
    -------
    Projection factor in [0, 1], differentiable in beta except at beta = 0 for
    ``sun_edge_on`` (logarithmic slope of K).
    """
    if attitude not in PROJECTION_ATTITUDES:
        raise ValueError(f"attitude = {attitude!r} is not one of {PROJECTION_ATTITUDES}")
    check_range("beta_rad", beta_rad, -math.pi / 2, math.pi / 2, units="rad")
    b = jnp.abs(jnp.asarray(beta_rad, dtype=jnp.result_type(float, beta_rad)))
    if attitude == "sun_tracking":
        return 2.0 / jnp.pi * jnp.cos(b)
    if attitude == "sun_tracking_1axis":
        return jnp.full_like(b, 2.0 / jnp.pi)
    if attitude == "nadir":
        return jnp.zeros_like(b)
    if attitude == "ram":
        return jnp.ones_like(b)
    # sun_edge_on: sin(b) K(cos b) -> 0 as b -> 0 (K grows only logarithmically)
    k = jnp.clip(jnp.cos(b), 0.0, 1.0 - jnp.finfo(b.dtype).eps)
    return 2.0 / jnp.pi * jnp.sin(b) * _elliptic_k(k)


def edge_on_projection_floor(speed_ratio=7.5):
    """Extra projection factor of one face of a plate exactly edge-on to the flow [-].

    The incident momentum flux along the flow through a face at zero incidence, for a
    Maxwellian gas drifting at speed ratio s = v/sqrt(2kT/m), is rho v^2 / (2 s sqrt(pi)); with a
    drag coefficient of 2 on the projected area this is a projection factor 1/(s sqrt(pi)).
    s ~ 7.5 for atomic oxygen at T ~ 1000 K and v ~ 7.6 km/s, giving 0.075 per face (0.15 for
    both faces of a panel).  Sentman (1961) free-molecular flat-plate theory, zero-incidence
    limit.
    """
    check_positive("speed_ratio", speed_ratio)
    return 1.0 / (jnp.asarray(speed_ratio) * jnp.sqrt(jnp.pi))


def drag_area_m2(panel_areas_m2, projection_factors, body_area_m2=0.0):
    """Orbit-averaged drag reference area [m^2] = sum_i A_i f_i + A_body.

    Parameters
    ----------
    panel_areas_m2 : one-side areas of the flat panels [m^2], shape (n,) (e.g. array, radiator).
    projection_factors : orbit-averaged <|n . v-hat|> of each panel [-], shape (n,)
        (:func:`projection_factor`, plus :func:`edge_on_projection_floor` for panels that
        can be edge-on).
    body_area_m2 : projected area of the bus and payload body to the flow [m^2].
    """
    check_range("panel_areas_m2", panel_areas_m2, 0.0, units="m2")
    check_range("projection_factors", projection_factors, 0.0, 1.5)
    check_range("body_area_m2", body_area_m2, 0.0, units="m2")
    return jnp.sum(jnp.asarray(panel_areas_m2) * jnp.asarray(projection_factors), axis=-1) + body_area_m2


def corotation_factor(altitude_m, inclination_rad):
    """Drag multiplier (1 - r w_E cos i / v)^2 for an atmosphere corotating with the Earth [-].

    Orbit-averaged along-track relative speed of a circular orbit (King-Hele 1987;
    Montenbruck & Gill 2000 sec. 3.5.2): ~0.87 at i = 0, ~1.01 for sun-synchronous orbits.
    """
    r = semi_major_axis_m(altitude_m)
    return (1.0 - r * OMEGA_EARTH_RAD_S * jnp.cos(inclination_rad) / circular_speed_m_s(altitude_m)) ** 2


def drag_force_n(density_kg_m3, altitude_m, drag_area_m2_, drag_coefficient=DRAG_COEFFICIENT):
    """Drag force D = rho v^2 Cd A / 2 [N] on a circular orbit (v = circular speed)."""
    check_range("density_kg_m3", density_kg_m3, 0.0, units="kg/m3")
    v = circular_speed_m_s(altitude_m)
    return 0.5 * density_kg_m3 * v * v * drag_coefficient * drag_area_m2_


def drag_deceleration_m_s2(density_kg_m3, altitude_m, drag_area_m2_, mass_kg, drag_coefficient=DRAG_COEFFICIENT):
    """Drag deceleration a_D = rho v^2 Cd A / (2 m) [m/s^2] = the Δv rate that holds the orbit."""
    check_positive("mass_kg", mass_kg, units="kg")
    return drag_force_n(density_kg_m3, altitude_m, drag_area_m2_, drag_coefficient) / mass_kg


def king_hele_decay_rate_m_s(density_kg_m3, altitude_m, drag_area_m2_, mass_kg, drag_coefficient=DRAG_COEFFICIENT):
    """Decay rate da/dt = -rho sqrt(mu a) Cd A / m [m/s] of an unpowered circular orbit (King-Hele 1987)."""
    check_positive("mass_kg", mass_kg, units="kg")
    a = semi_major_axis_m(altitude_m)
    return -density_kg_m3 * jnp.sqrt(MU_EARTH_M3_S2 * a) * drag_coefficient * drag_area_m2_ / mass_kg


def hold_delta_v_m_s(density_kg_m3, altitude_m, drag_area_m2_, mass_kg, life_years,
                     drag_coefficient=DRAG_COEFFICIENT):
    """Δv [m/s] to hold a circular orbit for ``life_years`` against a mean density.

    Δv = a_D x life, with ``density_kg_m3`` the mission-mean density (the Δv is linear in rho).
    """
    check_range("life_years", life_years, 0.0, 100.0, units="yr")
    a = drag_deceleration_m_s2(density_kg_m3, altitude_m, drag_area_m2_, mass_kg, drag_coefficient)
    return a * life_years * SECONDS_PER_JULIAN_YEAR


def drag_impulse_n_s(density_kg_m3, altitude_m, drag_area_m2_, life_years, drag_coefficient=DRAG_COEFFICIENT):
    """Total drag impulse [N s] over the life (independent of the spacecraft mass)."""
    check_range("life_years", life_years, 0.0, 100.0, units="yr")
    return drag_force_n(density_kg_m3, altitude_m, drag_area_m2_, drag_coefficient) * life_years \
        * SECONDS_PER_JULIAN_YEAR


def rocket_propellant_kg(delta_v_m_s, final_mass_kg, isp_s):
    """Propellant [kg] for ``delta_v_m_s`` ending at ``final_mass_kg`` (Tsiolkovsky).

    m_p = m_f (exp(Δv / (g0 Isp)) - 1).
    """
    check_range("delta_v_m_s", delta_v_m_s, 0.0, units="m/s")
    check_positive("final_mass_kg", final_mass_kg, units="kg")
    check_positive("isp_s", isp_s, units="s")
    return final_mass_kg * jnp.expm1(delta_v_m_s / (G0_M_S2 * isp_s))


def hold_propellant_kg(drag_impulse_n_s_, dry_mass_kg, isp_s):
    """Propellant [kg] to cancel a drag impulse, ending at ``dry_mass_kg`` (rocket equation).

    The drag force does not depend on the mass, so the exact propellant of continuous
    make-up thrust is impulse / (g0 Isp); the rocket equation with Δv = impulse / dry mass
    (used here) exceeds it by the factor (exp(x) - 1)/x, x = Δv/(g0 Isp): < 0.5 % for
    x < 0.01, a conservative bound.
    """
    check_positive("dry_mass_kg", dry_mass_kg, units="kg")
    return rocket_propellant_kg(drag_impulse_n_s_ / dry_mass_kg, dry_mass_kg, isp_s)


def thruster_power_w(thrust_n, isp_s, efficiency):
    """Electric input power P = F g0 Isp / (2 eta) [W] of an electric thruster (Goebel & Katz 2008)."""
    check_range("thrust_n", thrust_n, 0.0, units="N")
    check_positive("isp_s", isp_s, units="s")
    check_range("efficiency", efficiency, 0.0, 1.0, lo_inclusive=False)
    return thrust_n * G0_M_S2 * isp_s / (2.0 * efficiency)


def thruster_duty_cycle(mean_drag_n, thrust_n):
    """Fraction of the time one thruster of ``thrust_n`` fires to deliver the mean drag [-].

    Values above 1 mean the thruster cannot keep up (more or bigger thrusters needed): the
    caller should constrain it.
    """
    check_positive("thrust_n", thrust_n, units="N")
    return mean_drag_n / thrust_n


def propulsion_dry_mass_kg(propellant_kg, firing_power_w, n_thrusters=1, thruster_kg=HALL_SPT100["thruster_kg"],
                           ppu_kg_per_w=PPU_SPECIFIC_MASS_KG_PER_W, tank_fraction=XENON_TANK_FRACTION):
    """Electric-propulsion dry mass [kg]: thrusters + PPU (per firing watt) + tank (per propellant kg)."""
    check_range("propellant_kg", propellant_kg, 0.0, units="kg")
    return n_thrusters * thruster_kg + ppu_kg_per_w * firing_power_w + tank_fraction * propellant_kg


class StationKeeping(NamedTuple):
    """Result of :func:`station_keeping` (all JAX scalars, SI units)."""

    mean_density_kg_m3: jnp.ndarray
    """Mission-mean density [kg/m^3] (x corotation factor when an inclination is given)."""
    mean_drag_n: jnp.ndarray
    """Mission-mean drag force [N] = mean thrust needed."""
    impulse_n_s: jnp.ndarray
    """Drag impulse over the life [N s]."""
    delta_v_m_s: jnp.ndarray
    """Δv over the life at the dry mass [m/s]."""
    propellant_kg: jnp.ndarray
    """Propellant [kg] (rocket equation ending at the dry mass)."""
    duty_cycle: jnp.ndarray
    """Fraction of time the thrusters fire (must be <= 1)."""
    firing_power_w: jnp.ndarray
    """Electric power while firing, all thrusters [W] (the power-budget load)."""
    mean_power_w: jnp.ndarray
    """Orbit/mission-average electric power [W] = mean drag g0 Isp / (2 eta)."""
    propulsion_dry_kg: jnp.ndarray
    """Thrusters + PPU + tank [kg]."""


def station_keeping(altitude_m, drag_area_m2_, dry_mass_kg, launch_year, life_years, *,
                    isp_s=HALL_SPT100["isp_s"], efficiency=HALL_SPT100["efficiency"],
                    thrust_n=HALL_SPT100["thrust_n"], n_thrusters: int = 1, thruster_kg=HALL_SPT100["thruster_kg"],
                    ppu_kg_per_w=PPU_SPECIFIC_MASS_KG_PER_W, tank_fraction=XENON_TANK_FRACTION,
                    drag_coefficient=DRAG_COEFFICIENT, inclination_rad=None, **density_kw) -> StationKeeping:
    """Everything the mass and power budgets need to hold a circular orbit against drag.

    Parameters
    ----------
    altitude_m : orbit altitude [m]; drag_area_m2_ : orbit-averaged drag area [m^2]
        (:func:`drag_area_m2`); dry_mass_kg : satellite mass without propellant [kg].
    launch_year, life_years : mission epoch and duration [yr].
    isp_s, efficiency, thrust_n, thruster_kg : one thruster (default SPT-100 class);
    n_thrusters : thrusters firing together (static).
    ppu_kg_per_w, tank_fraction : see :func:`propulsion_dry_mass_kg`.
    inclination_rad : if given, the corotating-atmosphere factor multiplies the drag.
    density_kw : passed to :func:`orbit.atmosphere.mission_mean_density_kg_m3` (ap,
        f107_min_sfu, f107_max_sfu, minimum_year, period_years, n_samples).

    Returns
    -------
    :class:`StationKeeping`, differentiable in every array input.
    """
    from .atmosphere import mission_mean_density_kg_m3

    rho = mission_mean_density_kg_m3(altitude_m, launch_year, life_years, **density_kw)
    if inclination_rad is not None:
        rho = rho * corotation_factor(altitude_m, inclination_rad)
    drag = drag_force_n(rho, altitude_m, drag_area_m2_, drag_coefficient)
    impulse = drag * life_years * SECONDS_PER_JULIAN_YEAR
    prop = hold_propellant_kg(impulse, dry_mass_kg, isp_s)
    total_thrust = n_thrusters * jnp.asarray(thrust_n)
    firing = thruster_power_w(total_thrust, isp_s, efficiency)
    return StationKeeping(
        mean_density_kg_m3=rho, mean_drag_n=drag, impulse_n_s=impulse, delta_v_m_s=impulse / dry_mass_kg,
        propellant_kg=prop, duty_cycle=thruster_duty_cycle(drag, total_thrust), firing_power_w=firing,
        mean_power_w=thruster_power_w(drag, isp_s, efficiency),
        propulsion_dry_kg=propulsion_dry_mass_kg(prop, firing, n_thrusters, thruster_kg, ppu_kg_per_w, tank_fraction))
