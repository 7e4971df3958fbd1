"""Cold-plate heat-transfer and friction correlations (channels and microchannel fins).

A cold plate here is a base plate with ``n = width / (channel_width + fin_thickness)``
parallel rectangular channels (the walls between them are fins of height
``channel_height``) carrying the coolant along ``length``.  The convective
coefficient in the channels comes from fully developed correlations:

* laminar (Re <= 2300): Shah & London (1978) rectangular-duct polynomials in the
  aspect ratio for Nu (H1 boundary condition: axially uniform flux, peripherally
  uniform wall temperature -- the usual choice for a copper fin array) and for the
  Fanning friction product f Re;
* turbulent (Re >= 1e4): Gnielinski (1976) with the Petukhov/Filonenko friction
  factor, hydraulic diameter;
* 2300 < Re < 1e4: linear interpolation in Re between the two ends, as
  recommended by Gnielinski (2013).

The fins have the straight-fin efficiency ``tanh(mH)/(mH)``, ``m = sqrt(2h/(k t))``
(adiabatic tip, the cover closes the channel), and the result is an *effective*
heat-transfer coefficient referred to the plate footprint,
``h_eff = h (w_c + 2 eta H) / (w_c + t_f)``, ready for the chip model's bottom boundary.
Entrance (developing-flow) effects are neglected (conservative for heat transfer).

References
----------
.. [1] R. K. Shah and A. L. London, *Laminar Flow Forced Convection in Ducts*,
   Academic Press 1978, eqs. (7.3) fRe and (7.7) Nu_H1 for rectangular ducts.
.. [2] V. Gnielinski, "New equations for heat and mass transfer in turbulent pipe
   and channel flow", Int. Chem. Eng. 16, 359-368 (1976).
.. [3] B. S. Petukhov, "Heat transfer and friction in turbulent pipe flow with
   variable physical properties", Adv. Heat Transfer 6, 503-564 (1970).
.. [4] V. Gnielinski, "On heat transfer in tubes", Int. J. Heat Mass Transfer 63,
   134-140 (2013) (transition interpolation 2300 < Re < 1e4).
.. [5] D. B. Tuckerman and R. F. W. Pease, "High-performance heat sinking for
   VLSI", IEEE Electron Device Lett. 2(5), 126-129 (1981) (microchannel fin sink).
.. [6] F. P. Incropera et al., *Fundamentals of Heat and Mass Transfer*, 6th ed.,
   Wiley 2007, sec. 3.6 (fin efficiency).
"""
from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from orbit.validation import check_positive, check_range

__all__ = ["ColdPlate", "ColdPlatePerformance", "laminar_rectangular_duct", "gnielinski_nusselt",
           "petukhov_darcy_friction", "channel_nusselt_friction", "coldplate_performance"]

RE_LAMINAR = 2300.0
RE_TURBULENT = 1.0e4


class ColdPlate(eqx.Module):
    """Microchannel / channel cold-plate geometry (a pytree; all fields differentiable).

    Attributes
    ----------
    channel_width_m : channel width w_c [m].
    channel_height_m : channel (fin) height H [m].
    fin_thickness_m : wall between channels t_f [m].
    length_m : flow length [m].
    width_m : plate width across the flow [m] (sets the channel count).
    fin_conductivity_w_m_k : fin material conductivity [W/(m K)] (copper ~390).
    enhancement : multiplier on both the effective heat-transfer coefficient and the
        channel friction loss [-] (denser fins, offset strips or turbulators relative
        to the plain-channel geometry; heat transfer and friction scaled together, the
        Reynolds-analogy first estimate of Webb, *Principles of Enhanced Heat
        Transfer*, 1994, ch. 1).  Default 1 (the plain channels).
    """

    channel_width_m: jax.Array
    channel_height_m: jax.Array
    fin_thickness_m: jax.Array
    length_m: jax.Array
    width_m: jax.Array
    fin_conductivity_w_m_k: jax.Array
    enhancement: jax.Array = eqx.field(default_factory=lambda: jnp.asarray(1.0))

    def validate(self):
        for name in ("channel_width_m", "channel_height_m", "fin_thickness_m", "length_m", "width_m",
                     "fin_conductivity_w_m_k"):
            check_positive(f"coldplate.{name}", getattr(self, name))


class ColdPlatePerformance(eqx.Module):
    """Cold-plate operating point: footprint ``htc_w_m2_k`` (effective), channel ``channel_htc_w_m2_k``,
    ``pressure_drop_pa``, ``reynolds``, ``nusselt``, ``darcy_friction``, ``velocity_m_s``,
    ``fin_efficiency``."""

    htc_w_m2_k: jax.Array
    channel_htc_w_m2_k: jax.Array
    pressure_drop_pa: jax.Array
    reynolds: jax.Array
    nusselt: jax.Array
    darcy_friction: jax.Array
    velocity_m_s: jax.Array
    fin_efficiency: jax.Array


def laminar_rectangular_duct(aspect_ratio):
    """Fully developed laminar (Nu_H1, Fanning f Re) of a rectangular duct, aspect ratio in (0, 1].

    Shah & London (1978); within 0.03 % of their tabulated exact values.
    """
    a = jnp.minimum(aspect_ratio, 1.0 / aspect_ratio)
    nu_h1 = 8.235 * (1 - 2.0421 * a + 3.0853 * a ** 2 - 2.4765 * a ** 3 + 1.0578 * a ** 4 - 0.1861 * a ** 5)
    fre = 24.0 * (1 - 1.3553 * a + 1.9467 * a ** 2 - 1.7012 * a ** 3 + 0.9564 * a ** 4 - 0.2537 * a ** 5)
    return nu_h1, fre


def petukhov_darcy_friction(reynolds):
    """Smooth-tube Darcy friction factor (0.790 ln Re - 1.64)^-2, 3e3 <= Re <= 5e6 (Petukhov 1970)."""
    return (0.790 * jnp.log(reynolds) - 1.64) ** -2


def gnielinski_nusselt(reynolds, prandtl):
    """Gnielinski (1976) turbulent Nusselt number, 3e3 <= Re <= 5e6, 0.5 <= Pr <= 2000."""
    f = petukhov_darcy_friction(reynolds)
    return (f / 8) * (reynolds - 1000) * prandtl / (1 + 12.7 * jnp.sqrt(f / 8) * (prandtl ** (2 / 3) - 1))


def channel_nusselt_friction(reynolds, prandtl, aspect_ratio):
    """Nusselt number and Darcy friction factor over laminar, transition and turbulent flow."""
    nu_lam, fre = laminar_rectangular_duct(aspect_ratio)
    re_l = jnp.minimum(reynolds, RE_LAMINAR)
    re_t = jnp.maximum(reynolds, RE_TURBULENT)
    f_lam = 4 * fre / re_l
    nu_t = gnielinski_nusselt(re_t, prandtl)
    f_t = petukhov_darcy_friction(re_t)
    g = jnp.clip((reynolds - RE_LAMINAR) / (RE_TURBULENT - RE_LAMINAR), 0.0, 1.0)
    nu_tr = (1 - g) * nu_lam + g * gnielinski_nusselt(RE_TURBULENT, prandtl)
    f_tr = (1 - g) * 4 * fre / RE_LAMINAR + g * petukhov_darcy_friction(RE_TURBULENT)
    nu = jnp.where(reynolds <= RE_LAMINAR, nu_lam, jnp.where(reynolds >= RE_TURBULENT, nu_t, nu_tr))
    f = jnp.where(reynolds <= RE_LAMINAR, f_lam, jnp.where(reynolds >= RE_TURBULENT, f_t, f_tr))
    return nu, f


def coldplate_performance(plate: ColdPlate, mass_flow_kg_s, density_kg_m3, viscosity_pa_s,
                          conductivity_w_m_k, prandtl) -> ColdPlatePerformance:
    """Effective footprint heat-transfer coefficient and pressure drop of one cold plate.

    Parameters
    ----------
    plate : geometry.
    mass_flow_kg_s : coolant mass flow through this plate [kg/s], > 0.
    density_kg_m3, viscosity_pa_s, conductivity_w_m_k, prandtl : coolant properties
        (e.g. from :func:`thermal.loop.coolant.coolant_properties`).

    Returns
    -------
    ColdPlatePerformance; ``pressure_drop_pa`` is the channel friction loss
    ``f (L/D_h) rho V^2 / 2`` (fittings are added by the loop).
    """
    check_positive("mass_flow_kg_s", mass_flow_kg_s, "kg/s")
    wc, hc, tf = plate.channel_width_m, plate.channel_height_m, plate.fin_thickness_m
    n_channels = plate.width_m / (wc + tf)
    area = wc * hc
    dh = 2 * area / (wc + hc)
    velocity = mass_flow_kg_s / (density_kg_m3 * n_channels * area)
    re = density_kg_m3 * velocity * dh / viscosity_pa_s
    nu, f = channel_nusselt_friction(re, prandtl, wc / hc)
    h = nu * conductivity_w_m_k / dh
    m = jnp.sqrt(2 * h / (plate.fin_conductivity_w_m_k * tf))
    mh = m * hc
    eta = jnp.tanh(mh) / mh
    h_eff = h * (wc + 2 * eta * hc) / (wc + tf) * plate.enhancement
    dp = f * (plate.length_m / dh) * 0.5 * density_kg_m3 * velocity ** 2 * plate.enhancement
    return ColdPlatePerformance(h_eff, h, dp, re, nu, f, velocity, eta)
