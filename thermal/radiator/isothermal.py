"""Level-0 radiator: an isothermal two-sided panel in its orbital environment.

"Area" everywhere in sunsink is the PLANFORM area A of a panel [m^2] (length x
width of one side).  A two-sided panel emits from both faces, so its emitting
area is 2A; each face f has its own emissivity eps_f and absorbs its own
environmental flux q_f [W/m^2] (see :func:`thermal.environment.heat_loads.absorbed_flux_w_m2`).
Steady energy balance of an isothermal panel at T carrying a heat load Q:

    Q + A * sum_f q_f = A * sigma * T^4 * sum_f eps_f * eta

with eta the fin efficiency (1 for a perfectly conducting sheet).  The
finite-difference radiator solver replaces this with the real temperature field;
this model stays as its cross-check (its limit for very conductive sheets).

References
----------
- Gilmore, D. G. (ed.), *Spacecraft Thermal Control Handbook*, Vol. I, 2nd ed.
  (2002), ch. 6 (radiator sizing by energy balance).
"""
from __future__ import annotations

import jax.numpy as jnp

from orbit.constants import STEFAN_BOLTZMANN_W_M2_K4 as SIGMA
from orbit.validation import check_positive, check_range, is_concrete


def _check(emissivity, absorbed_w_m2, fin_efficiency):
    check_range("emissivity", emissivity, 0.0, 1.0, lo_inclusive=False)
    check_range("absorbed_w_m2", absorbed_w_m2, 0.0, 1e4, units="W/m^2")
    check_range("fin_efficiency", fin_efficiency, 0.0, 1.0, lo_inclusive=False)


def isothermal_panel_area_m2(heat_load_w, temperature_k, emissivity, absorbed_w_m2, fin_efficiency=1.0):
    """Planform area [m^2] of a two-sided isothermal panel that rejects ``heat_load_w`` at T.

    Parameters
    ----------
    heat_load_w : heat to reject [W], > 0.
    temperature_k : panel temperature [K], > 0; must exceed the panel's sink temperature.
    emissivity : infrared emissivity of faces A and B, shape (..., 2), in (0, 1].
    absorbed_w_m2 : absorbed environmental flux on faces A and B [W/m^2], shape (..., 2).
    fin_efficiency : eta in (0, 1].

    Returns
    -------
    A = Q / (eta sigma T^4 sum eps - sum q)  [m^2].  Raises ``ValueError`` (concrete
    inputs) if the panel cannot reject heat at T because T is at or below its sink.
    """
    check_positive("heat_load_w", heat_load_w, "W")
    check_positive("temperature_k", temperature_k, "K")
    _check(emissivity, absorbed_w_m2, fin_efficiency)
    net = net_rejection_w_m2(temperature_k, emissivity, absorbed_w_m2, fin_efficiency)
    if is_concrete(net) and bool(jnp.any(net <= 0.0)):
        raise ValueError(
            f"temperature_k = {float(jnp.min(jnp.asarray(temperature_k))):g} K is at or below the panel's "
            f"sink temperature {float(jnp.max(panel_sink_temperature_k(emissivity, absorbed_w_m2, fin_efficiency))):g} K: "
            "no finite area rejects heat there (allowed: temperature_k > sink temperature)"
        )
    return heat_load_w / net


def net_rejection_w_m2(temperature_k, emissivity, absorbed_w_m2, fin_efficiency=1.0):
    """Net heat rejected per unit planform area [W/m^2] by an isothermal panel at T."""
    eps_sum = jnp.sum(jnp.asarray(emissivity), axis=-1)
    q_sum = jnp.sum(jnp.asarray(absorbed_w_m2), axis=-1)
    return fin_efficiency * SIGMA * jnp.asarray(temperature_k) ** 4 * eps_sum - q_sum


def isothermal_panel_temperature_k(heat_load_w, area_m2, emissivity, absorbed_w_m2, fin_efficiency=1.0):
    """Temperature [K] of a two-sided isothermal panel of planform ``area_m2`` rejecting Q.

    T = ((Q/A + sum q) / (eta sigma sum eps))^(1/4).
    """
    check_range("heat_load_w", heat_load_w, 0.0, units="W")
    check_positive("area_m2", area_m2, "m^2")
    _check(emissivity, absorbed_w_m2, fin_efficiency)
    eps_sum = jnp.sum(jnp.asarray(emissivity), axis=-1)
    q_sum = jnp.sum(jnp.asarray(absorbed_w_m2), axis=-1)
    return ((heat_load_w / area_m2 + q_sum) / (fin_efficiency * SIGMA * eps_sum)) ** 0.25


def panel_sink_temperature_k(emissivity, absorbed_w_m2, fin_efficiency=1.0):
    """Temperature [K] an unloaded two-sided panel settles at (Q = 0)."""
    eps_sum = jnp.sum(jnp.asarray(emissivity), axis=-1)
    q_sum = jnp.sum(jnp.asarray(absorbed_w_m2), axis=-1)
    return (q_sum / (fin_efficiency * SIGMA * eps_sum)) ** 0.25
