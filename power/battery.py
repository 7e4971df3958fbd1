"""Eclipse battery: longest eclipse over the year, depth-of-discharge limit from
the cycle count, Li-ion pack sizing and the recharge power it asks of the array.

Eclipses
    For each date of the year the beta angle of the orbit is computed with
    :func:`orbit.sso_beta_angle_rad` (sun-synchronous, node fixed in local time)
    or :func:`orbit.beta_angle_on_date_rad` with the J2 node drift (any other
    circular orbit), and the eclipse duration is
    ``orbit.eclipse_fraction(h, beta) * orbit.period_s(h)``.  Dawn-dusk
    sun-synchronous orbits have eclipses only in a season around one solstice
    (December for a 06:00 ascending node, June for 18:00), when |beta| drops
    below beta* = asin(R/(R+h)).

Depth of discharge
    DoD_max(N) = 0.90 (N / 1350)^(-k), k = ln(0.90/0.30) / ln(27 500/1350),
    capped at 0.90: a power law through the two qualified operating points of the
    Saft VES180 space Li-ion cell (15 years GEO at 90 % DoD, 5 years LEO at 30 %
    DoD), with 90 eclipses a year in GEO and 5500 a year in LEO (Dudley &
    Verniolle 1997) giving N = 1350 and 27 500 cycles.  Valid for about
    500 .. 1e5 cycles; outside, it is an extrapolation.

Pack specific energy
    Cell 160 Wh/kg (VES180 specification, 4.1 V end of charge) times a
    cell-to-pack mass fraction, default 0.75 (an assumption for structure,
    harness, heaters and electronics; not a cited number).

References
----------
- ESA ARTES, "Development of high specific energy Li-ion cell" (Saft VES180):
  160 Wh/kg at EOCV 4.1 V, C/1.5, 30 C; qualified for 15 years GEO at 90 % DoD
  and 5 years LEO at 30 % DoD.
- Dudley, G. & Verniolle, J., "Secondary lithium batteries for spacecraft",
  ESA Bulletin 90 (1997): 90 (GEO) to 5500 (LEO) eclipses per year.
- Wertz & Larson, *Space Mission Analysis and Design*, 3rd ed. (1999),
  sec. 11.4: battery capacity C = P_e T_e / (DoD n eta).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import equinox as eqx
import numpy as np
import jax.numpy as jnp

import orbit
from orbit.constants import SECONDS_PER_DAY, TROPICAL_YEAR_S
from orbit.validation import check_range

DOD_POINTS = ((1350.0, 0.90), (27500.0, 0.30))
"""(cycles, DoD) qualified points of the Saft VES180 cell (see module docstring)."""
DOD_EXPONENT = math.log(DOD_POINTS[0][1] / DOD_POINTS[1][1]) / math.log(DOD_POINTS[1][0] / DOD_POINTS[0][0])
DOD_CAP = 0.90
CELL_SPECIFIC_ENERGY_WH_KG = 160.0
"""Saft VES180 cell specific energy [Wh/kg] (ESA ARTES page)."""


class EclipseSeason(NamedTuple):
    """Eclipses of a circular orbit sampled over a year."""

    julian_date: jnp.ndarray
    beta_rad: jnp.ndarray
    eclipse_s: jnp.ndarray
    """Eclipse duration per orbit on each sample date [s]."""
    period_s: jnp.ndarray
    max_eclipse_s: jnp.ndarray
    eclipse_orbits_per_year: jnp.ndarray
    """Number of orbits with an eclipse per (tropical) year [-]."""


def _season(jd, beta, altitude_m, penumbra):
    period = orbit.period_s(altitude_m)
    ecl = orbit.eclipse_fraction(altitude_m, beta, penumbra=penumbra) * period
    n = jd.shape[-1]
    orbits_per_sample = TROPICAL_YEAR_S / n / period
    count = jnp.sum(ecl > 0.0, axis=-1) * orbits_per_sample
    return EclipseSeason(jd, beta, ecl, period, jnp.max(ecl, axis=-1), count)


def sso_eclipse_season(altitude_m, ltan_hours, start_julian_date, n_samples: int = 730,
                       penumbra: bool = False) -> EclipseSeason:
    """Eclipse duration over one year of a sun-synchronous orbit.

    Parameters
    ----------
    altitude_m : altitude [m] (150 km .. ~5970 km for SSO).
    ltan_hours : local time of the ascending node [h], 0 .. 24 (6 or 18 = dawn-dusk).
    start_julian_date : first sample date [JD].
    n_samples : dates sampled uniformly over one tropical year (static).
    penumbra : count partial shadow as loss of sunlight (see ``orbit.eclipse_fraction``).
    """
    check_range("ltan_hours", ltan_hours, 0.0, 24.0, units="h")
    inc = orbit.sso_inclination_rad(altitude_m)
    jd = start_julian_date + jnp.arange(n_samples) * (TROPICAL_YEAR_S / SECONDS_PER_DAY / n_samples)
    beta = orbit.sso_beta_angle_rad(inc, ltan_hours, jd)
    return _season(jd, beta, jnp.asarray(altitude_m), penumbra)


def eclipse_season(altitude_m, inclination_rad, raan_rad, start_julian_date, n_samples: int = 730,
                   penumbra: bool = False) -> EclipseSeason:
    """Eclipse duration over one year of a circular orbit whose node drifts by J2.

    ``raan_rad`` is the node at ``start_julian_date``.
    """
    check_range("inclination_rad", inclination_rad, 0.0, math.pi)
    days = jnp.arange(n_samples) * (TROPICAL_YEAR_S / SECONDS_PER_DAY / n_samples)
    jd = start_julian_date + days
    raan = raan_rad + orbit.node_precession_rad_s(altitude_m, inclination_rad) * days * SECONDS_PER_DAY
    beta = orbit.beta_angle_on_date_rad(inclination_rad, raan, jd)
    return _season(jd, beta, jnp.asarray(altitude_m), penumbra)


def max_dod_from_cycles(n_cycles):
    """Depth-of-discharge limit [-] for a number of charge/discharge cycles.

    Power law through the Saft VES180 qualification points, capped at 0.90
    (module docstring).  ``n_cycles`` > 0.
    """
    check_range("n_cycles", n_cycles, 0.0, 1e7, lo_inclusive=False)
    n0, d0 = DOD_POINTS[0]
    return jnp.minimum(d0 * (jnp.asarray(n_cycles) / n0) ** (-DOD_EXPONENT), DOD_CAP)


class BatteryTech(eqx.Module):
    """Battery technology parameters (pytree).

    cell_specific_energy_wh_kg : cell-level specific energy [Wh/kg] (VES180: 160).
    cell_to_pack : pack mass fraction that is cells [-] (assumed 0.75).
    charge_efficiency : energy stored / bus energy in while charging [-].
    discharge_efficiency : bus energy out / stored energy drawn [-].

    Li-ion coulombic/energy efficiencies of ~0.95 each way are typical (Patel
    2005, ch. 3); they are arguments.
    """

    cell_specific_energy_wh_kg: jnp.ndarray = eqx.field(default_factory=lambda: np.asarray(CELL_SPECIFIC_ENERGY_WH_KG))
    cell_to_pack: jnp.ndarray = eqx.field(default_factory=lambda: np.asarray(0.75))
    charge_efficiency: jnp.ndarray = eqx.field(default_factory=lambda: np.asarray(0.95))
    discharge_efficiency: jnp.ndarray = eqx.field(default_factory=lambda: np.asarray(0.95))

    @property
    def pack_specific_energy_wh_kg(self):
        return self.cell_specific_energy_wh_kg * self.cell_to_pack


def validate_battery_tech(tech: BatteryTech) -> None:
    check_range("battery.cell_specific_energy_wh_kg", tech.cell_specific_energy_wh_kg, 0.0, 1000.0,
                lo_inclusive=False, units="Wh/kg")
    for name in ("cell_to_pack", "charge_efficiency", "discharge_efficiency"):
        check_range(f"battery.{name}", getattr(tech, name), 0.0, 1.0, lo_inclusive=False)


class BatterySizing(NamedTuple):
    """Battery sized for the longest eclipse."""

    capacity_wh: jnp.ndarray
    """Nameplate energy [Wh]."""
    mass_kg: jnp.ndarray
    depth_of_discharge: jnp.ndarray
    energy_drawn_wh: jnp.ndarray
    """Stored energy drawn in the longest eclipse [Wh]."""
    recharge_bus_power_w: jnp.ndarray
    """Bus power to recharge it during the following sunlit arc [W]."""
    heat_discharge_w: jnp.ndarray
    """Battery dissipation while discharging [W] (eclipse)."""
    heat_charge_w: jnp.ndarray
    """Battery dissipation while recharging [W] (sunlight)."""


def size_battery(eclipse_load_w, eclipse_s, sunlit_s, depth_of_discharge,
                 tech: BatteryTech = BatteryTech(), distribution_efficiency=0.97) -> BatterySizing:
    """Battery capacity and mass for an eclipse load.

    Stored energy drawn: E = P_ecl T_e / (eta_dist eta_dis); capacity E / DoD;
    recharge bus power E / (eta_ch T_sun); mass = capacity / (e_cell * f_pack).

    Parameters
    ----------
    eclipse_load_w : load at the load terminals during eclipse [W] (throttled
        compute or not: the caller's choice), >= 0.
    eclipse_s, sunlit_s : longest eclipse and the sunlit arc after it [s].
    depth_of_discharge : DoD limit (0, 1] (e.g. :func:`max_dod_from_cycles`).
    tech : :class:`BatteryTech`.
    distribution_efficiency : bus-to-load distribution efficiency (0, 1].

    References
    ----------
    Wertz & Larson (1999) sec. 11.4; Patel (2005) ch. 3.
    """
    check_range("eclipse_load_w", eclipse_load_w, 0.0, math.inf, units="W")
    check_range("eclipse_s", eclipse_s, 0.0, math.inf, units="s")
    check_range("sunlit_s", sunlit_s, 0.0, math.inf, lo_inclusive=False, units="s")
    check_range("depth_of_discharge", depth_of_discharge, 0.0, 1.0, lo_inclusive=False)
    check_range("distribution_efficiency", distribution_efficiency, 0.0, 1.0, lo_inclusive=False)
    validate_battery_tech(tech)
    e_j = eclipse_load_w * eclipse_s / (distribution_efficiency * tech.discharge_efficiency)
    cap_j = e_j / depth_of_discharge
    cap_wh = cap_j / 3600.0
    recharge = e_j / (tech.charge_efficiency * sunlit_s)
    heat_dis = eclipse_load_w / distribution_efficiency * (1.0 / tech.discharge_efficiency - 1.0)
    heat_ch = recharge * (1.0 - tech.charge_efficiency)
    return BatterySizing(cap_wh, cap_wh / tech.pack_specific_energy_wh_kg, jnp.asarray(depth_of_discharge),
                         e_j / 3600.0, recharge, heat_dis, heat_ch)
