"""Space solar cells: datasheet parameters and radiation degradation.

A cell is described by its beginning-of-life (BOL) efficiency at the test
condition (AM0, 28 C), a relative temperature coefficient of maximum power, its
areal mass, and the parameters of the degradation equation for the remaining
factor of maximum power after a 1-MeV-equivalent electron fluence Phi [e/cm^2]:

    RF(Phi) = 1 - C * log10(1 + Phi / Phi_x)

(the JPL/NRL semi-empirical form; Phi_x is the fluence at which degradation
becomes logarithmic and C the loss per decade beyond it).

Cells in :data:`CELLS`
----------------------
``"spectrolab_xtj"`` (GaInP/GaAs/Ge lattice-matched triple junction)
    BOL 29.8 % (AM0 135.3 mW/cm^2, 28 C, bare, population average of 845
    cells); remaining Pmp 0.89 after 5e14 and 0.84 after 1e15 e/cm^2 1-MeV
    electrons (Fetzer et al. 2010).  Two data points + RF(0) = 1 determine the
    two parameters exactly: the fit residual is zero by construction (and the
    test suite refits and checks it).
``"azur_4g32c"`` (upright metamorphic 4-junction, higher-efficiency class)
    EOL efficiency 27.5 % after 1e15 e/cm^2 (ESA ARTES project page of AZUR
    SPACE's 4G32C); BOL 32 % is the nominal efficiency of the product class
    (the "32" of the designation, same page: "next generation solar cell the
    4G32C").  One point: C is fitted with Phi_x shared with the 3J cell
    (same GaInP top-cell family), i.e. a one-parameter fit through one point;
    the residual is again zero by construction.  Thinned cell areal mass
    about 50 mg/cm^2 (same page).

Temperature coefficient: -0.09 %(absolute)/K at 31 % for a GaInP/GaAs-based
triple junction (Aho et al. 2015), i.e. -0.0029 /K relative; used for both
cells (the 4J value is an assumption: no datasheet number was found).
Areal mass of the 3J cell: 84 mg/cm^2 (EMCORE ATJM datasheet 2012, the same
140 um Ge-substrate lattice-matched 3J class).

References
----------
- Fetzer, C. et al., "Production ready 30% efficient triple junction space
  solar cells", 33rd IEEE Photovoltaic Specialists Conference (2008) [abstract: XTJ 29.8 % BOL, NPmp 0.89 and
  0.84 after 5e14 and 1e15 cm^-2 1-MeV electrons].
- ESA ARTES, "Next generation upright metamorphic 4-junction space solar
  cells" (AZUR SPACE 4G32C): EOL 27.5 % at 1e15 cm^-2 1 MeV electrons,
  thinned cell ~50 mg/cm^2.
- EMCORE, "ATJM Photovoltaic Cell" datasheet (Sept. 2012): 84 mg/cm^2,
  P/P0 = 0.89 at 5e14 e/cm^2.
- Aho, A. et al., "Temperature coefficients for GaInP/GaAs/GaInNAsSb solar
  cells", AIP Conf. Proc. 1679, 050001 (2015): -0.09 %/C efficiency.
- Tada, H. Y., Carter, J. R., Anspaugh, B. E., Downing, R. G., *Solar Cell
  Radiation Handbook*, 3rd ed., JPL Publication 82-69 (1982): 1-MeV equivalent
  fluence and the log-linear degradation form.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from orbit.validation import check_range

T_REF_K = 301.15
"""Datasheet reference temperature, 28 C [K]."""


class DegradationData(NamedTuple):
    """Cited remaining-factor points (1-MeV electron fluence [e/cm^2], RF [-])."""

    fluence_cm2: tuple
    remaining_factor: tuple
    source: str


class SolarCell(eqx.Module):
    """Parameters of one space solar cell type (a pytree; ``name`` is static).

    Attributes
    ----------
    efficiency_bol : BOL maximum-power efficiency at AM0, 28 C [-], (0, 1).
    temp_coeff_per_k : relative temperature coefficient of Pmp [1/K] (negative).
    degradation_c : C of the degradation equation [-].
    degradation_phi_x_cm2 : Phi_x of the degradation equation [e/cm^2].
    areal_mass_kg_m2 : bare cell mass per cell area [kg/m^2].
    name : cell identifier (static).
    """

    efficiency_bol: jnp.ndarray
    temp_coeff_per_k: jnp.ndarray
    degradation_c: jnp.ndarray
    degradation_phi_x_cm2: jnp.ndarray
    areal_mass_kg_m2: jnp.ndarray
    name: str = eqx.field(static=True, default="custom")


def remaining_factor(fluence_cm2, degradation_c, degradation_phi_x_cm2):
    """Remaining factor of maximum power RF = 1 - C log10(1 + Phi/Phi_x) [-].

    Parameters
    ----------
    fluence_cm2 : 1-MeV-equivalent electron fluence [e/cm^2], >= 0.
    degradation_c : C [-], >= 0.
    degradation_phi_x_cm2 : Phi_x [e/cm^2], > 0.

    Valid where the datasheet points lie (about 1e13 .. 1e16 e/cm^2); the result
    is clipped at 0 so absurd fluences give no power rather than negative power.

    References
    ----------
    Tada et al., JPL Publication 82-69 (1982).
    """
    check_range("fluence_cm2", fluence_cm2, 0.0, 1e18, units="e/cm^2")
    rf = 1.0 - degradation_c * jnp.log10(1.0 + jnp.asarray(fluence_cm2) / degradation_phi_x_cm2)
    return jnp.maximum(rf, 0.0)


def equivalent_fluence_from_ddd_cm2(ddd_mev_g, niel_1mev_electron_mev_cm2_g):
    """1-MeV-electron-equivalent fluence [e/cm^2] from a displacement damage dose.

    Phi_eq = D_d / NIEL(1 MeV e-), for a dose already expressed as
    1-MeV-electron-equivalent (the NRL DDD method converts the electron
    spectrum with NIEL^n, n ~ 1..2, before this step; that belongs to the
    radiation package, which also supplies the NIEL of 1-MeV electrons in the
    cell material).  Lets :func:`remaining_factor` take a DDD input.

    Parameters
    ----------
    ddd_mev_g : displacement damage dose [MeV/g], >= 0.
    niel_1mev_electron_mev_cm2_g : NIEL of 1-MeV electrons [MeV cm^2/g], > 0.

    References
    ----------
    Messenger, S. R. et al., "Status of implementation of displacement damage
    dose method for space solar cell degradation analyses", US Naval Research
    Laboratory / ESA ESTEC.
    """
    check_range("ddd_mev_g", ddd_mev_g, 0.0, math.inf, units="MeV/g")
    check_range("niel_1mev_electron_mev_cm2_g", niel_1mev_electron_mev_cm2_g, 0.0, math.inf,
                lo_inclusive=False, units="MeV cm^2/g")
    return jnp.asarray(ddd_mev_g) / niel_1mev_electron_mev_cm2_g


def fit_degradation_parameters(fluence_cm2, remaining_factor_data, phi_x_cm2=None):
    """Least-squares fit of (C, Phi_x) of the degradation equation to data points.

    Host-side (numpy/scipy); the model is fitted in log10(Phi_x) for conditioning.

    Parameters
    ----------
    fluence_cm2 : data fluences [e/cm^2], > 0.
    remaining_factor_data : data remaining factors [-], (0, 1].
    phi_x_cm2 : if given, Phi_x is held fixed and only C is fitted
        (closed form linear least squares).

    Returns
    -------
    (C, Phi_x [e/cm^2], max_abs_residual [-])
    """
    phi = np.asarray(fluence_cm2, dtype=float)
    rf = np.asarray(remaining_factor_data, dtype=float)
    check_range("fluence_cm2", phi, 0.0, math.inf, lo_inclusive=False, units="e/cm^2")
    check_range("remaining_factor_data", rf, 0.0, 1.0, lo_inclusive=False)
    if phi_x_cm2 is not None:
        g = np.log10(1.0 + phi / phi_x_cm2)
        c = float(np.dot(g, 1.0 - rf) / np.dot(g, g))
        res = 1.0 - c * g - rf
        return c, float(phi_x_cm2), float(np.max(np.abs(res)))
    if phi.size < 2:
        raise ValueError("fit_degradation_parameters needs >= 2 points when phi_x_cm2 is free")
    from scipy.optimize import least_squares

    def resid(p):
        c, lx = p
        return 1.0 - c * np.log10(1.0 + phi / 10.0**lx) - rf

    best = None
    for lx0 in np.arange(12.0, 17.01, 0.5):
        sol = least_squares(resid, x0=[0.1, lx0], bounds=([0.0, 10.0], [2.0, 18.0]),
                            xtol=1e-15, ftol=1e-15, gtol=1e-15)
        if best is None or sol.cost < best.cost:
            best = sol
    c, lx = best.x
    return float(c), float(10.0**lx), float(np.max(np.abs(resid(best.x))))


XTJ_DATA = DegradationData((5e14, 1e15), (0.89, 0.84), "Fetzer et al. 2008 (Spectrolab XTJ)")
AZUR_4G32C_DATA = DegradationData((1e15,), (0.275 / 0.32,), "ESA ARTES 4G32C project page")



def _fitted():
    c3, px3, r3 = fit_degradation_parameters(XTJ_DATA.fluence_cm2, XTJ_DATA.remaining_factor)
    c4, px4, r4 = fit_degradation_parameters(AZUR_4G32C_DATA.fluence_cm2,
                                             AZUR_4G32C_DATA.remaining_factor, phi_x_cm2=px3)
    return (c3, px3, r3), (c4, px4, r4)


(_XTJ_FIT, _AZ4_FIT) = _fitted()

XTJ_TEMP_COEFF_PER_K = -0.0009 / 0.31
"""Relative Pmp temperature coefficient [1/K] from Aho et al. (2015)."""


def _cell(name, eff, tc, fit, areal):
    # Python floats: the dtype follows the caller's precision (x32 or x64).
    return SolarCell(
        efficiency_bol=float(eff),
        temp_coeff_per_k=float(tc),
        degradation_c=float(fit[0]),
        degradation_phi_x_cm2=float(fit[1]),
        areal_mass_kg_m2=float(areal),
        name=name,
    )


CELL_FIT_RESIDUALS = {"spectrolab_xtj": _XTJ_FIT[2], "azur_4g32c": _AZ4_FIT[2]}
"""Maximum absolute residual of each degradation fit at its data points [-]."""

CELL_DATA = {"spectrolab_xtj": XTJ_DATA, "azur_4g32c": AZUR_4G32C_DATA}


def get_cell(name: str) -> SolarCell:
    """Return the :class:`SolarCell` of a named cell type (see :data:`CELLS`)."""
    if name not in CELLS:
        raise ValueError(f"cell name = {name!r} is not one of {sorted(CELLS)}")
    return CELLS[name]


CELLS = {
    "spectrolab_xtj": _cell("spectrolab_xtj", 0.298, XTJ_TEMP_COEFF_PER_K, _XTJ_FIT, 0.84),
    "azur_4g32c": _cell("azur_4g32c", 0.32, XTJ_TEMP_COEFF_PER_K, _AZ4_FIT, 0.50),
}
"""Named cell types; parameters and sources in the module docstring."""


def validate_cell(cell: SolarCell) -> None:
    """Host-side range checks of a :class:`SolarCell` (raises ValueError)."""
    check_range("cell.efficiency_bol", cell.efficiency_bol, 0.0, 1.0, lo_inclusive=False, hi_inclusive=False)
    check_range("cell.temp_coeff_per_k", cell.temp_coeff_per_k, -0.05, 0.05, units="1/K")
    check_range("cell.degradation_c", cell.degradation_c, 0.0, 2.0)
    check_range("cell.degradation_phi_x_cm2", cell.degradation_phi_x_cm2, 0.0, math.inf,
                lo_inclusive=False, units="e/cm^2")
    check_range("cell.areal_mass_kg_m2", cell.areal_mass_kg_m2, 0.0, 10.0, lo_inclusive=False, units="kg/m^2")
