"""Orbit-resolved energy simulation: array power, loads and battery state of charge.

A direct-energy-transfer bus with a regulated array, a battery charger and a
discharger, stepped with piecewise-constant powers over steps of ``dt_s``
(``jax.lax.scan``; exact for piecewise-constant inputs, differentiable):

    bus surplus  S = eta_reg P_array - P_load / eta_dist
    S >= 0 :  battery charges at  c = min(S, P_charge_max, room / (eta_ch dt)),
              stored energy += eta_ch c dt, the rest (S - c) is shunted;
    S <  0 :  battery discharges, stored energy -= |S| dt / eta_dis.

The state of charge is *not* clipped at the bottom, so a design that runs the
battery flat shows it (soc_min below the limit) rather than hiding it.

The ledger closes exactly (to round-off):
array = load + regulator loss + distribution loss + charge loss + discharge loss
+ shunt + change of stored energy.

References
----------
- Patel, M. R., *Spacecraft Power Systems* (2005), ch. 6-7 (bus architectures,
  battery charge/discharge regulation, shunt regulation).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp

import orbit
from orbit.validation import check_range

from .battery import BatteryTech
from .sizing import PathEfficiencies


class EnergyLedger(NamedTuple):
    """Energy totals over the simulation [J]."""

    array_j: jnp.ndarray
    load_j: jnp.ndarray
    regulator_loss_j: jnp.ndarray
    distribution_loss_j: jnp.ndarray
    charge_loss_j: jnp.ndarray
    discharge_loss_j: jnp.ndarray
    shunt_j: jnp.ndarray
    stored_change_j: jnp.ndarray

    @property
    def residual_j(self):
        """array - (everything it went to) [J]; zero to round-off."""
        return self.array_j - (self.load_j + self.regulator_loss_j + self.distribution_loss_j
                               + self.charge_loss_j + self.discharge_loss_j + self.shunt_j
                               + self.stored_change_j)


class EnergySimulation(NamedTuple):
    time_s: jnp.ndarray
    """Time at the end of each step [s], shape (n,)."""
    soc: jnp.ndarray
    """State of charge at the end of each step [-], shape (n,)."""
    soc_min: jnp.ndarray
    soc_max: jnp.ndarray
    shunt_w: jnp.ndarray
    """Shunted (unused) array power per step [W]."""
    battery_power_w: jnp.ndarray
    """Bus power into (+) or out of (-) the battery per step [W]."""
    ledger: EnergyLedger


def simulate_energy(array_power_w, load_w, dt_s, capacity_j, soc0=1.0,
                    path: PathEfficiencies = PathEfficiencies(), tech: BatteryTech = BatteryTech(),
                    max_charge_power_w=jnp.inf) -> EnergySimulation:
    """Step the battery energy through a sequence of array and load powers.

    Parameters
    ----------
    array_power_w : array output per step [W], shape (n,), >= 0.
    load_w : load at the load terminals per step [W], shape (n,) or scalar.
    dt_s : step [s], > 0.
    capacity_j : battery energy capacity [J] (nameplate), > 0.
    soc0 : initial state of charge [-], 0 .. 1.
    path, tech : efficiencies (see :class:`power.sizing.PathEfficiencies`,
        :class:`power.battery.BatteryTech`).
    max_charge_power_w : charger limit at the bus [W].
    """
    check_range("dt_s", dt_s, 0.0, math.inf, lo_inclusive=False, units="s")
    check_range("capacity_j", capacity_j, 0.0, math.inf, lo_inclusive=False, units="J")
    check_range("soc0", soc0, 0.0, 1.0)
    check_range("array_power_w", array_power_w, 0.0, math.inf, units="W")
    check_range("load_w", load_w, 0.0, math.inf, units="W")
    p_a = jnp.asarray(array_power_w)
    p_l = jnp.broadcast_to(jnp.asarray(load_w), p_a.shape)
    eta_r, eta_d = path.regulator, path.distribution
    eta_ch, eta_dis = tech.charge_efficiency, tech.discharge_efficiency
    e_max = jnp.asarray(capacity_j)

    def step(e, x):
        pa, pl = x
        s = eta_r * pa - pl / eta_d
        room = jnp.maximum(e_max - e, 0.0)
        c = jnp.minimum(jnp.minimum(jnp.maximum(s, 0.0), max_charge_power_w), room / (eta_ch * dt_s))
        d = jnp.maximum(-s, 0.0)
        e_new = e + (eta_ch * c - d / eta_dis) * dt_s
        shunt = jnp.maximum(s, 0.0) - c
        out = (e_new, shunt, c - d, c * (1.0 - eta_ch), d * (1.0 / eta_dis - 1.0))
        return e_new, out

    e0 = soc0 * e_max
    e_end, (e_hist, shunt, pb, lch, ldis) = jax.lax.scan(step, e0, (p_a, p_l))
    soc = e_hist / e_max
    ledger = EnergyLedger(
        array_j=jnp.sum(p_a) * dt_s,
        load_j=jnp.sum(p_l) * dt_s,
        regulator_loss_j=jnp.sum(p_a * (1.0 - eta_r)) * dt_s,
        distribution_loss_j=jnp.sum(p_l * (1.0 / eta_d - 1.0)) * dt_s,
        charge_loss_j=jnp.sum(lch) * dt_s,
        discharge_loss_j=jnp.sum(ldis) * dt_s,
        shunt_j=jnp.sum(shunt) * dt_s,
        stored_change_j=e_end - e0,
    )
    t = (jnp.arange(p_a.shape[0]) + 1.0) * dt_s
    return EnergySimulation(t, soc, jnp.minimum(jnp.min(soc), soc0), jnp.maximum(jnp.max(soc), soc0),
                            shunt, pb, ledger)


def orbit_power_profile(altitude_m, beta_rad, sunlit_array_power_w, sunlit_load_w, eclipse_load_w,
                        n_orbits: int = 3, n_per_orbit: int = 360, start_at_eclipse: bool = True,
                        penumbra: bool = False):
    """Array and load power along ``n_orbits`` identical orbits.

    The array gives ``sunlit_array_power_w`` times the visible solar fraction
    (orbit.orbit_samples); loads switch between the sunlit and eclipse values
    with the same fraction.  With ``start_at_eclipse`` the sequence starts at
    eclipse entry (so a full battery is the right initial state).

    Returns (time step [s], array power [W] shape (n,), load [W] shape (n,), sunlit fraction).
    """
    s = orbit.orbit_samples(altitude_m, beta_rad, n_per_orbit, penumbra=penumbra)
    lit = s.sunlit
    if start_at_eclipse:
        # first dark sample after a lit one: eclipse entry
        prev = jnp.roll(lit, 1)
        entry = jnp.argmax((lit < 0.5) & (prev >= 0.5))
        lit = jnp.roll(lit, -entry)
    dt = orbit.period_s(altitude_m) / n_per_orbit
    lit = jnp.tile(lit, n_orbits)
    pa = sunlit_array_power_w * lit
    pl = sunlit_load_w * lit + eclipse_load_w * (1.0 - lit)
    return dt, pa, pl, lit


def square_wave_profile(period_s, eclipse_s, array_power_w, sunlit_load_w, eclipse_load_w,
                        n_orbits: int = 2, n_per_orbit: int = 400):
    """Square-wave eclipse: ``eclipse_s`` dark then sunlight, repeated.

    The eclipse is rounded to a whole number of steps; the step and the actual
    eclipse duration are returned so closed-form comparisons are exact:
    (dt [s], eclipse_steps, array power (n,), load (n,)).
    """
    dt = period_s / n_per_orbit
    n_e = int(round(float(eclipse_s) / dt))
    lit = jnp.concatenate([jnp.zeros(n_e), jnp.ones(n_per_orbit - n_e)])
    lit = jnp.tile(lit, n_orbits)
    return dt, n_e, array_power_w * lit, sunlit_load_w * lit + eclipse_load_w * (1.0 - lit)


def sso_worst_day_simulation(altitude_m, ltan_hours, start_julian_date, sunlit_array_power_w,
                             sunlit_load_w, eclipse_load_w, capacity_j, soc0=1.0,
                             path: PathEfficiencies = PathEfficiencies(), tech: BatteryTech = BatteryTech(),
                             n_per_orbit: int = 720, n_season_samples: int = 365, penumbra: bool = False):
    """Simulate one day (whole orbits) of a sun-synchronous orbit on the date of
    its longest eclipse of the year, starting full at eclipse entry.

    Returns (EnergySimulation, eclipse mask per step (1 = shadow), beta [rad] of that day).
    """
    from .battery import sso_eclipse_season

    season = sso_eclipse_season(altitude_m, ltan_hours, start_julian_date, n_season_samples, penumbra)
    k = jnp.argmax(season.eclipse_s)
    beta = season.beta_rad[k]
    n_orbits = int(math.ceil(86400.0 / float(season.period_s)))
    dt, pa, pl, lit = orbit_power_profile(altitude_m, beta, sunlit_array_power_w, sunlit_load_w, eclipse_load_w,
                                          n_orbits, n_per_orbit, True, penumbra)
    sim = simulate_energy(pa, pl, dt, capacity_j, soc0, path, tech)
    return sim, 1.0 - lit, beta
