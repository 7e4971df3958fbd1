"""Stage 1, environment: the orbit (inclination, period, longest eclipse) and the orbit-average
fluxes the radiator faces (hot case) and the Sun-tracking solar array see.

The hot case is the hot-case beta angle at perihelion with the radiator's attitude; the array's
fluxes are taken over the sunlit part of the orbit, with the direct Sun at aphelion (the array's
end-of-life case: lowest Sun).  The beta angles themselves are chosen on the host
(:func:`studies.analysis.build.mission_geometry`) and ride in the mission.
"""
from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

import orbit
import power
from orbit.constants import APHELION_AU, PERIHELION_AU

from ..declare import output
from .inputs import plate_environment

__all__ = ["Environment", "run"]


class Environment(eqx.Module):
    """Orbit and orbit-average fluxes of the hot case (stage 1 of :func:`studies.model.evaluate`)."""

    inclination_deg: jax.Array = output("degree", "orbit inclination", "orbit", lo=0.0, hi=180.0)
    period_s: jax.Array = output("s", "orbital period", "orbit")
    eclipse_s: jax.Array = output("s", "longest eclipse", "orbit")
    inclination_rad: jax.Array          # the orbit's inclination (SSO: from the altitude)
    sunlit_s: jax.Array                 # period - longest eclipse
    radiator_shortwave_w_m2: jax.Array  # (2,) orbit-average incident sunlight + albedo on faces A, B
    radiator_longwave_w_m2: jax.Array   # (2,) orbit-average incident Earth infrared on faces A, B
    array_front: power.IncidentFlux     # array front face over the sunlit orbit (direct Sun at aphelion)
    array_back: power.IncidentFlux      # array back face over the sunlit orbit
    aphelion_flux_w_m2: jax.Array       # direct solar flux at aphelion


def run(design, mission, numerics) -> Environment:
    """Stage 1: the orbit and the hot-case fluxes of ``design`` in ``mission``."""
    dtype = design.altitude_m.dtype
    h = design.altitude_m
    # Sun-synchronous orbits: the inclination follows the altitude (J2); others keep theirs.
    inc = jnp.where(mission.sso > 0.5, orbit.sso_inclination_rad(h), mission.inclination_rad)
    period = orbit.period_s(h)
    env = plate_environment(mission, h, mission.hot_beta_rad, mission.attitude, numerics.n_orbit_samples,
                            PERIHELION_AU)
    fa, fb = env.face_a.orbit_average(), env.face_b.orbit_average()
    aenv = plate_environment(mission, h, mission.hot_beta_rad, "sun_facing", numerics.n_orbit_samples, 1.0)
    lit = jnp.maximum(jnp.mean(aenv.samples.sunlit), 1e-3)
    front = power.IncidentFlux(*(jnp.mean(x) / lit for x in aenv.face_a))
    back = power.IncidentFlux(*(jnp.mean(x) / lit for x in aenv.face_b))
    aphelion_flux = mission.solar_constant_w_m2 / APHELION_AU**2
    front = front._replace(solar_w_m2=jnp.asarray(aphelion_flux, dtype))
    ecl_s = orbit.eclipse_fraction(h, mission.eclipse_beta_rad, penumbra=mission.penumbra) * period
    return Environment(
        inclination_deg=jnp.degrees(inc), period_s=period, eclipse_s=ecl_s, inclination_rad=inc,
        sunlit_s=period - ecl_s,
        radiator_shortwave_w_m2=jnp.stack([fa.shortwave_w_m2, fb.shortwave_w_m2]),
        radiator_longwave_w_m2=jnp.stack([fa.longwave_w_m2, fb.longwave_w_m2]),
        array_front=front, array_back=back, aphelion_flux_w_m2=aphelion_flux)
