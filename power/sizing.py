"""Array sizing: required end-of-life array power from the loads and the eclipse,
array area and mass for it, and the inverse (power of a given area).

Required array output (Wertz & Larson 1999, eq. 11-5 in spirit, written with the
path efficiencies of :class:`PathEfficiencies`):

    P_sa = [ P_sun T_d / eta_dist + P_ecl T_e / (eta_dist eta_dis eta_ch) ] / (eta_reg T_d)

the first term feeds the sunlit loads, the second recharges what the battery
gave in eclipse.  The area follows from the end-of-life areal power at the
sizing condition (hot temperature, end-of-life fluence, worst incidence and
Sun distance): A = P_sa / p_EOL.  The areal power is independent of the area
(the array temperature is a per-area balance), so power is linear in area and
the inverse is exact.

References
----------
- Wertz, J. R. & Larson, W. J., *Space Mission Analysis and Design*, 3rd ed.
  (1999), sec. 11.4 (array sizing with path efficiencies X_e, X_d).
- Patel, M. R., *Spacecraft Power Systems* (2005), ch. 4.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import equinox as eqx
import numpy as np
import jax.numpy as jnp

from orbit.constants import SOLAR_CONSTANT_1AU_W_M2
from orbit.validation import check_range

from .array import ArrayDesign, array_areal_mass_kg_m2, array_power
from .battery import BatteryTech
from .cells import SolarCell


class PathEfficiencies(eqx.Module):
    """Power-path efficiencies [-], each in (0, 1].

    regulator : array regulator / MPPT (array output -> bus).
    distribution : bus -> load terminals (PCDU outputs, harness).
    """

    regulator: jnp.ndarray = eqx.field(default_factory=lambda: np.asarray(0.97))
    distribution: jnp.ndarray = eqx.field(default_factory=lambda: np.asarray(0.97))


def _check_eff(path: PathEfficiencies, tech: BatteryTech):
    check_range("path.regulator", path.regulator, 0.0, 1.0, lo_inclusive=False)
    check_range("path.distribution", path.distribution, 0.0, 1.0, lo_inclusive=False)
    check_range("battery.charge_efficiency", tech.charge_efficiency, 0.0, 1.0, lo_inclusive=False)
    check_range("battery.discharge_efficiency", tech.discharge_efficiency, 0.0, 1.0, lo_inclusive=False)


class ArrayRequirement(NamedTuple):
    array_power_w: jnp.ndarray
    """Required array output in sunlight at the sizing condition [W]."""
    direct_w: jnp.ndarray
    """Part feeding the sunlit loads [W]."""
    recharge_w: jnp.ndarray
    """Part recharging the battery [W]."""


def required_array_power_w(sunlit_load_w, eclipse_load_w, sunlit_s, eclipse_s,
                           path: PathEfficiencies = PathEfficiencies(),
                           tech: BatteryTech = BatteryTech()) -> ArrayRequirement:
    """Array output needed in sunlight so that the energy balance closes every orbit.

    Parameters
    ----------
    sunlit_load_w, eclipse_load_w : loads at the load terminals [W], >= 0.
    sunlit_s, eclipse_s : sunlit and eclipse arcs of the sizing orbit [s].
    """
    check_range("sunlit_load_w", sunlit_load_w, 0.0, math.inf, units="W")
    check_range("eclipse_load_w", eclipse_load_w, 0.0, math.inf, units="W")
    check_range("sunlit_s", sunlit_s, 0.0, math.inf, lo_inclusive=False, units="s")
    check_range("eclipse_s", eclipse_s, 0.0, math.inf, units="s")
    _check_eff(path, tech)
    direct = sunlit_load_w / (path.distribution * path.regulator)
    recharge = eclipse_load_w * eclipse_s / (
        path.distribution * tech.discharge_efficiency * tech.charge_efficiency * path.regulator * sunlit_s)
    return ArrayRequirement(direct + recharge, direct, recharge)


class ArraySizing(NamedTuple):
    area_m2: jnp.ndarray
    mass_kg: jnp.ndarray
    areal_power_eol_w_m2: jnp.ndarray
    """End-of-life output per planform area at the sizing condition [W/m^2]."""
    specific_power_eol_w_kg: jnp.ndarray
    areal_power_bol_w_m2: jnp.ndarray
    """Beginning-of-life output at 28 C, same Sun and incidence [W/m^2]."""
    specific_power_bol_w_kg: jnp.ndarray


def size_array(required_power_w, cell: SolarCell, design: ArrayDesign, temperature_k, fluence_cm2,
               solar_flux_w_m2=SOLAR_CONSTANT_1AU_W_M2, cos_incidence=1.0) -> ArraySizing:
    """Array area and mass that deliver ``required_power_w`` at end of life.

    ``design.area_m2`` is ignored (replaced by the result); the other design
    fields (coverglass, losses, support mass) are used.
    """
    check_range("required_power_w", required_power_w, 0.0, math.inf, lo_inclusive=False, units="W")
    unit = eqx.tree_at(lambda d: d.area_m2, design, jnp.ones_like(jnp.asarray(design.area_m2, dtype=float)))
    p_eol = array_power(cell, unit, temperature_k, fluence_cm2, solar_flux_w_m2, cos_incidence).areal_power_w_m2
    p_bol = array_power(cell, unit, 301.15, 0.0, solar_flux_w_m2, cos_incidence).areal_power_w_m2
    area = required_power_w / p_eol
    sized = eqx.tree_at(lambda d: d.area_m2, design, area)
    m_areal = array_areal_mass_kg_m2(cell, sized)
    mass = area * m_areal
    return ArraySizing(area, mass, p_eol, p_eol / m_areal, p_bol, p_bol / m_areal)


def power_for_area_w(area_m2, cell: SolarCell, design: ArrayDesign, temperature_k, fluence_cm2,
                     solar_flux_w_m2=SOLAR_CONSTANT_1AU_W_M2, cos_incidence=1.0):
    """Inverse of :func:`size_array`: array output [W] of a given area [m^2]."""
    check_range("area_m2", area_m2, 0.0, math.inf, lo_inclusive=False, units="m^2")
    d = eqx.tree_at(lambda d: d.area_m2, design, jnp.asarray(area_m2))
    return array_power(cell, d, temperature_k, fluence_cm2, solar_flux_w_m2, cos_incidence).power_w
