"""Radiator coating classes: beginning- and end-of-life optical properties in LEO.

Each class has a beginning-of-life (BOL) solar absorptance alpha_0 and hemispherical
infrared emittance eps_0, and a saturating degradation law over years in orbit t:

    alpha(t) = alpha_0 + d_alpha_sat * (1 - exp(-t / tau))
    eps(t)   = eps_0   + d_eps_sat   * (1 - exp(-t / tau))

the usual form of UV/contamination darkening (fast at first, levelling off).  The
emittance change is zero for every class here: flight data show the emittance of
these coatings essentially constant (Fortescue Table 11.3: silicate white paint
0.90 before and after 1000 h UV).  Use the hot case at end of life (higher
absorptance) and the cold case at beginning of life.

Where the numbers come from (see also data/README.md, "thermal/environment/coatings.py")
---------------------------------------------------------------------------
* ``white_paint`` (AZ-93 / Z-93 type: zinc oxide in potassium silicate):
  BOL alpha 0.15, eps 0.91 from the AZ Technology AZ-93 datasheet
  (alpha 0.15 +- 0.01 at >= 5 mil, eps 0.91 +- 0.02), read second-hand from a
  copy of the datasheet text; the same values are the study's current default.
  Degradation: ZnO/silicate paints were the most stable white paints on LDEF and
  on Mir ("United States and Russian thermal control coating results in low
  Earth orbit", abstract read; its authors were not recorded in this work); a silicate white paint goes from 0.12
  to 0.14 after 1000 h of UV in ground test (Fortescue et al. 2011, Table 11.3).
  d_alpha_sat = 0.05 with tau = 2 years is an ENGINEERING ALLOWANCE (no flight
  time series was obtained in this work), chosen above those measured changes.
* ``osr`` (optical solar reflector, silvered fused silica): BOL alpha 0.07,
  eps 0.80 from Gilmore (2002) Appendix A ("OSR, silvered fused silica (quartz)",
  read second-hand from the globalspec copy of the appendix); Fortescue Table 11.3
  gives 0.07 / 0.74.  OSR degradation in orbit is contamination photo-fixed by
  sunlight (Spacenet OSR telemetry, abstract read); d_alpha_sat = 0.04, tau = 3 yr
  is an ENGINEERING ALLOWANCE (no LEO time series obtained).
* ``silvered_teflon`` (Ag/FEP second-surface mirror, 5 mil): BOL alpha 0.08,
  eps 0.78 (Fortescue Table 11.3, "silver coated FEP (SSM)").  LEO flight point:
  Hubble Space Telescope Ag-FEP after 8.25 years, pristine 0.074 -> 0.155 +- 0.032
  on the solar-facing surface (0.208 +- 0.012 anti-solar, contamination)
  (de Groh et al., NASA TM, NTRS 20060056192, abstract read).  With tau = 3 years
  (assumption) the law is made to pass through alpha(8.25 yr) = 0.155 from 0.08:
  d_alpha_sat = 0.075 / (1 - exp(-8.25/3)) = 0.0799.
* ``black_paint`` (polyurethane black, Chemglaze/Aeroglaze Z306 class): BOL alpha
  0.95, eps 0.90 (Fortescue Table 11.3, "black paint (polyurethane)").  A black
  paint cannot darken much; LDEF showed black paint stable optically (D-111,
  Jaggers, Meshishnek & Coggi 1993, abstract read) while atomic oxygen erodes
  polyurethane binders.  d_alpha_sat = 0.02 (tau 2 yr) is an ALLOWANCE.

References
----------
- Gilmore, D. G. (ed.), *Spacecraft Thermal Control Handbook*, Vol. I, 2nd ed.,
  Aerospace Press (2002), ch. 4 and Appendix A.
- Fortescue, P., Swinerd, G. & Stark, J. (eds), *Spacecraft Systems Engineering*,
  4th ed., Wiley (2011), Table 11.3.
- AZ Technology, AZ-93 white thermal control paint datasheet.
- de Groh, K. K. et al., "Solar effects on tensile and optical properties of Hubble
  Space Telescope silver-Teflon insulation", NASA TM (2006), NTRS 20060056192.
- Jaggers, C. H., Meshishnek, M. J. & Coggi, J. M., "Thermal control paints on
  LDEF: results of M0003 sub-experiment 18", Aerospace Report TR-93(3935)-3 (1993).
- "United States and Russian thermal control coating results in low Earth
  orbit" (LDEF and Mir/RCC flight data; abstract read second-hand).
"""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from orbit.validation import check_range

MAX_YEARS_IN_ORBIT = 30.0
"""Upper bound of the life accepted [yr] (the degradation law is not extrapolated further)."""


class Coating(NamedTuple):
    """One coating class (host-side constants; see the module docstring for sources).

    Attributes
    ----------
    name : catalogue key.
    description : what the class stands for.
    alpha_bol, emissivity_bol : BOL solar absorptance and IR hemispherical emittance [-].
    d_alpha_sat, d_emissivity_sat : saturated changes of the degradation law [-].
    tau_years : time constant of the law [yr].
    source : where each number comes from.
    """

    name: str
    description: str
    alpha_bol: float
    emissivity_bol: float
    d_alpha_sat: float
    d_emissivity_sat: float
    tau_years: float
    source: str

    @property
    def alpha_eol_limit(self) -> float:
        """alpha after a very long exposure (the law's asymptote) [-]."""
        return self.alpha_bol + self.d_alpha_sat


_HST_AGFEP_YEARS = 8.25
_HST_AGFEP_ALPHA = 0.155
_AGFEP_TAU_YEARS = 3.0

COATINGS: dict[str, Coating] = {
    "white_paint": Coating(
        "white_paint", "white paint, zinc oxide in potassium silicate (AZ-93 / Z-93 type)",
        0.15, 0.91, 0.05, 0.0, 2.0,
        "BOL: AZ Technology AZ-93 datasheet (second-hand copy); degradation: engineering allowance above "
        "LDEF/Mir stability and Fortescue et al. (2011) Table 11.3 (+0.02 after 1000 h UV)"),
    "osr": Coating(
        "osr", "optical solar reflector (silvered fused-silica quartz mirror)",
        0.07, 0.80, 0.04, 0.0, 3.0,
        "BOL: Gilmore (2002) Appendix A, OSR silvered fused silica (second-hand copy); degradation: "
        "engineering allowance (contamination, no LEO time series obtained)"),
    "silvered_teflon": Coating(
        "silvered_teflon", "silvered Teflon (Ag/FEP second-surface mirror, 5 mil)",
        0.08, 0.78,
        (_HST_AGFEP_ALPHA - 0.08) / (1.0 - float(np.exp(-_HST_AGFEP_YEARS / _AGFEP_TAU_YEARS))),
        0.0, _AGFEP_TAU_YEARS,
        "BOL: Fortescue et al. (2011) Table 11.3; degradation through the HST Ag-FEP point 0.155 after "
        "8.25 yr (de Groh et al., NTRS 20060056192), tau 3 yr assumed"),
    "black_paint": Coating(
        "black_paint", "black polyurethane paint (Chemglaze / Aeroglaze Z306 class)",
        0.95, 0.90, 0.02, 0.0, 2.0,
        "BOL: Fortescue et al. (2011) Table 11.3 black paint (polyurethane); degradation: allowance "
        "(LDEF black paint optically stable, Jaggers et al. 1993)"),
}

COATING_NAMES = tuple(COATINGS)


def coating(name: str) -> Coating:
    """The :class:`Coating` of a catalogue class; ValueError lists the allowed names."""
    if name not in COATINGS:
        raise ValueError(f"coating = {name!r} is not one of {COATING_NAMES}")
    return COATINGS[name]


def _check_years(name, years):
    check_range(name, years, 0.0, MAX_YEARS_IN_ORBIT, units="yr")


class CoatingProperties(NamedTuple):
    """Solar absorptance and IR emittance [-] (arrays broadcast like the years given)."""

    absorptance: jnp.ndarray
    emissivity: jnp.ndarray


def coating_properties(name: str, years_in_orbit) -> CoatingProperties:
    """Absorptance and emittance of a coating class after ``years_in_orbit`` in LEO.

    Parameters
    ----------
    name : one of :data:`COATING_NAMES`.
    years_in_orbit : exposure [yr], 0 .. 30 (scalar or array; differentiable).

    Returns
    -------
    :class:`CoatingProperties` from the saturating law of the module docstring;
    both stay within (0, 1].
    """
    c = coating(name)
    _check_years("years_in_orbit", years_in_orbit)
    t = jnp.asarray(years_in_orbit, dtype=jnp.result_type(years_in_orbit, float))
    grow = 1.0 - jnp.exp(-t / c.tau_years)
    alpha = jnp.clip(c.alpha_bol + c.d_alpha_sat * grow, 0.0, 1.0)
    eps = jnp.clip(c.emissivity_bol + c.d_emissivity_sat * grow, 0.0, 1.0)
    return CoatingProperties(alpha, eps)


class LifeCases(NamedTuple):
    """Coating properties for the two design cases [-]."""

    bol: CoatingProperties
    """Beginning of life: use in the COLD case (lowest absorbed sunlight)."""
    eol: CoatingProperties
    """End of mission life: use in the HOT case."""


def bol_eol_properties(name: str, mission_years) -> LifeCases:
    """(absorptance, emittance) at beginning of life and at the end of a mission life.

    Parameters
    ----------
    name : coating class, one of :data:`COATING_NAMES`.
    mission_years : mission life [yr], 0 .. 30.
    """
    _check_years("mission_years", mission_years)
    return LifeCases(coating_properties(name, 0.0), coating_properties(name, mission_years))
