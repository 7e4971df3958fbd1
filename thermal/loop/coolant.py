"""Coolant liquid properties versus temperature, liquid-range and pressure checks.

Fluids: water, propylene-glycol/water mixtures (mass fraction 0-0.6) and
single-phase (liquid) ammonia.  Each property is a Chebyshev polynomial in the
scaled temperature (and, for the glycol mixture, in the mass fraction) fitted by
least squares to a reference equation of state / correlation evaluated with
CoolProp 8.0.0; the fit ranges and maximum deviations are listed below and the
generating procedure is :func:`_refit_from_coolprop` (needs CoolProp, dev only).

=============  =================  ==========================================================
fluid          range              reference of the fitted data
=============  =================  ==========================================================
water          273.16-423.15 K    IAPWS-95 (Wagner & Pruss 2002) saturated liquid; IAPWS
                                  2008 viscosity, IAPWS 2011 conductivity
ammonia        200-380 K          Tillner-Roth, Harms-Watzenberg & Baehr (1993) EOS,
                                  saturated liquid; transport per CoolProp's ammonia models
PG/water       223.15-373.15 K,   Melinder (2010) IIR secondary-fluid tables ("MPG" in
(``MPG``)      x = 0-0.6, T above CoolProp's incompressible library), at 5 bar
               its freezing point
=============  =================  ==========================================================

Max fit deviations (relative, over the fit range): water rho 2e-6, cp 2.4e-5,
k 1.4e-5, mu 6e-5, p_sat 7e-7; ammonia rho 9e-5, cp 3.7e-3, k 1.5e-5, mu 1.3e-4,
p_sat 8e-6; PG/water rho 9e-5, cp 5.8e-4, k 2.5e-4, mu 1.3e-2, freezing point
0.03 K.  Liquid properties are taken at saturation (water, ammonia) or 5 bar
(PG/water); the pressure dependence of liquid properties below 5 MPa is under
~0.3 % and neglected.

References
----------
.. [1] W. Wagner and A. Pruss, "The IAPWS formulation 1995 for the thermodynamic
   properties of ordinary water substance", J. Phys. Chem. Ref. Data 31, 387 (2002).
.. [2] M. L. Huber et al., "New international formulation for the viscosity of
   H2O", J. Phys. Chem. Ref. Data 38, 101 (2009); "... thermal conductivity of
   H2O", ibid. 41, 033102 (2012).
.. [3] R. Tillner-Roth, F. Harms-Watzenberg and H. D. Baehr, "Eine neue
   Fundamentalgleichung fuer Ammoniak", DKV-Tagungsbericht 20, 167-181 (1993).
.. [4] A. Melinder, *Properties of Secondary Working Fluids for Indirect Systems*,
   2nd ed., International Institute of Refrigeration, Paris (2010).
.. [5] I. H. Bell, J. Wronski, S. Quoilin and V. Lemort, "Pure and pseudo-pure fluid
   thermophysical property evaluation and the open-source thermophysical property
   library CoolProp", Ind. Eng. Chem. Res. 53, 2498-2508 (2014).
"""
from __future__ import annotations

import dataclasses
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx

from orbit.solvers import root_find
from orbit.validation import check_range, is_concrete

__all__ = ["Coolant", "CoolantProperties", "WATER", "AMMONIA", "propylene_glycol_water",
           "coolant_properties", "saturation_pressure_pa", "saturation_temperature_k", "check_coolant_state"]

# Chebyshev coefficients (property, max fit deviation); see the module docstring.
_FITS = {
    "water": {
        "cp": ([4224.35242754, 48.3945615898, 34.4601819288, -2.90044184885, 3.99858365605, -1.67024365441, 0.597637058514, -0.171543341246, 0.0564036197977], 2.4e-05),
        "density": ([966.861606288, -42.3537877588, -8.18788164133, 0.894528034607, -0.25388419661, 0.0606080862191, -0.017782363675, 0.00497316621593, -0.00150604167382], 1.9e-06),
        "k": ([0.64154221977, 0.0601404969238, -0.0225218629347, 0.00229303865877, -0.000614307411482, 0.000242110515322, -8.90334657718e-05, 2.70602386024e-05, -7.89662655574e-06], 1.4e-05),
        "ln_mu": ([-7.68524353977, -1.09534649614, 0.20698117791, -0.0429032680467, 0.010802923565, -0.00314369044231, 0.000913753784772, -0.00024644887641, 6.59811102877e-05], 5.8e-05),
        "ln_psat": ([10.1582759493, 3.27972505493, -0.408058882175, 0.0483620324228, -0.00530422694058, 0.000578963220887, -6.80766715271e-05, 8.7386759121e-06, -1.25897247458e-06], 6.9e-07),
    },
    "ammonia": {
        "cp": ([5245.04909505, 1351.22583738, 643.763437521, 316.780715163, 142.400914233, 67.7030206743, 34.6592814048, 13.9441789515, 6.99636734852], 0.0037),
        "density": ([600.033022872, -141.358163815, -16.0968021098, -4.27989716442, -1.28076263159, -0.479345915327, -0.159037901556, -0.063736629656, -0.0248603029003], 9.4e-05),
        "k": ([0.522815125265, -0.2668632276, 0.0132444540239, -0.00203029853895, -0.000212393951094, -0.000192617420267, -2.93446037028e-06, -2.48760456062e-05, -2.36420172709e-06], 1.5e-05),
        "ln_mu": ([-8.76424735104, -1.0327335953, 0.0949367499164, -0.048524326896, 0.00543125969078, -0.00296068539343, -0.000494969010776, -0.000165493525638, -0.00010667224733], 0.00013),
        "ln_psat": ([13.0075950143, 3.2513067401, -0.568819569741, 0.106040735186, -0.0174669603817, 0.00283846104978, -0.000376638221856, 7.27954954273e-05, -1.12192411166e-05], 8.2e-06),
    },
    "mpg": {
        "cp": ([[3826.27022248, -422.61034658, -42.2001209543, -1.49607347371, 2.94989495939], [174.091913868, 174.740135033, -15.1260536011, 4.19052822278, -0.185953031853], [9.24682459204, -14.4392181484, 2.09085886216, 5.75308906342, -3.71025662947], [-1.0953228367, -1.85654320805, 7.2178154232, -7.12190280595, 1.97385580124], [-1.16542193568, 3.43578744433, -4.88164083928, 3.49516918822, -0.687164405569], [0.398029531454, -1.23903986392, 1.84307010374, -1.22467887616, 0.0697103166476], [-0.0796966345033, 0.245870579903, -0.439582245787, 0.221541965025, 0.050961167166]], 0.00058),
        "density": ([[1011.08857851, 26.2461068923, -1.5799394126, -1.5269047751, 0.0288920116005], [-31.7844072604, -19.4265424145, -0.173056042018, 2.22025690707, -0.415759089962], [-8.89348900913, 4.07005757823, 0.115119912337, -0.672406668201, 0.175225267719], [1.47674360857, -0.114609253047, -0.289808171261, 0.33634798087, -0.0932198081567], [0.0550396889124, -0.162262839166, 0.230546538523, -0.165067276442, 0.0324528944917], [-0.0187978455861, 0.0585164622135, -0.0870431575487, 0.0578382320617, -0.00329222749744], [0.00376385396265, -0.0116117946784, 0.0207602665778, -0.0104628207722, -0.00240675647306]], 8.7e-05),
        "k": ([[0.451201919949, -0.13042454481, 0.00271691826828, 0.000601340033471, 8.11316829627e-05], [0.0669398290771, -0.0448491785304, 0.00748155170078, -0.00110479568459, -0.000495745465799], [-0.00582957894507, 0.0110996997326, -0.00567336065605, 0.000760443254883, 0.000157418430093], [-0.00027273083557, 0.000720642549572, 6.54184358822e-05, 0.0003021674431, -8.37465740224e-05], [4.94464156534e-05, -0.000145773276509, 0.00020711781257, -0.000148292719739, 2.9154948766e-05], [-1.68875606783e-05, 5.25698704054e-05, -7.81976103667e-05, 5.19605637304e-05, -2.9576629609e-06], [3.38136154411e-06, -1.04317745523e-05, 1.86505554566e-05, -9.39956229915e-06, -2.16217575558e-06]], 0.00025),
        "ln_mu": ([[-5.18277629505, 1.31118698896, 0.0764011906859, -0.0945970719437, 0.0172291849329], [-3.04561098958, -0.932901228484, -0.135063593894, 0.171716808957, -0.0342051777621], [0.805289518146, 0.234563502512, 0.0924139829783, -0.111762868002, 0.0266653652498], [-0.16568436642, -0.00914264190661, -0.070604586021, 0.0511846372257, -0.0141859690978], [0.00837580919251, -0.0246927736463, 0.0350840249062, -0.0251195462528, 0.00493860443928], [-0.00286061151448, 0.00890489629943, -0.0132460210721, 0.00880168484492, -0.000501003364654], [0.000572774360468, -0.00176705534733, 0.00315924808221, -0.00159220722595, -0.00036625448635]], 0.013),
    },
    "mpg_freeze": [-346.0502075, 213.101392818, -109.610233056, -19.5570293471, 273.142194795],
}

_RANGES_K = {"water": (273.16, 423.15), "ammonia": (200.0, 380.0), "mpg": (223.15, 373.15)}


@dataclasses.dataclass(frozen=True)
class Coolant:
    """A coolant (static description).

    Attributes
    ----------
    name : ``"water"``, ``"ammonia"`` or ``"mpg"`` (propylene glycol / water).
    mass_fraction : glycol mass fraction [-] in [0, 0.6] (``"mpg"`` only).
    max_pressure_pa : pressure rating of the loop [Pa]; the saturation pressure at
        the hottest loop temperature must not exceed it (ammonia: several MPa).
    """

    name: str
    mass_fraction: float = 0.0
    max_pressure_pa: float = 3.0e6

    def __post_init__(self):
        if self.name not in _RANGES_K:
            raise ValueError(f"coolant name {self.name!r} not in {sorted(_RANGES_K)}")
        check_range("coolant.mass_fraction", self.mass_fraction, 0.0, 0.6 if self.name == "mpg" else 0.0)
        check_range("coolant.max_pressure_pa", self.max_pressure_pa, 0.0, 1e8, lo_inclusive=False, units="Pa")

    @property
    def temperature_range_k(self) -> tuple[float, float]:
        """Liquid range of the fits [K] (lower end: freezing point for PG/water)."""
        lo, hi = _RANGES_K[self.name]
        if self.name == "mpg":
            lo = max(lo, float(np.polyval(_FITS["mpg_freeze"], self.mass_fraction)) + 0.5)
        return lo, hi


WATER = Coolant("water", max_pressure_pa=1.0e6)
AMMONIA = Coolant("ammonia", max_pressure_pa=4.0e6)


def propylene_glycol_water(mass_fraction: float, max_pressure_pa: float = 1.0e6) -> Coolant:
    """Propylene glycol / water coolant with glycol mass fraction in [0, 0.6]."""
    return Coolant("mpg", float(mass_fraction), max_pressure_pa)


class CoolantProperties(eqx.Module):
    """Liquid properties at a temperature: ``density_kg_m3``, ``cp_j_kg_k``,
    ``conductivity_w_m_k``, ``viscosity_pa_s`` and ``prandtl``."""

    density_kg_m3: jax.Array
    cp_j_kg_k: jax.Array
    conductivity_w_m_k: jax.Array
    viscosity_pa_s: jax.Array
    prandtl: jax.Array


def _cheb(c, tau):
    # Clenshaw recurrence (differentiable, jnp)
    c = [float(v) for v in c]
    b1 = jnp.zeros_like(tau)
    b2 = jnp.zeros_like(tau)
    for ck in c[:0:-1]:
        b1, b2 = 2 * tau * b1 - b2 + ck, b1
    return tau * b1 - b2 + c[0]


def _cheb2(c, tau, xi):
    return sum(_cheb(row, xi) * _cheb([0.0] * i + [1.0], tau) for i, row in enumerate(c))


def _eval(coolant: Coolant, key, temperature_k):
    lo, hi = _RANGES_K[coolant.name]
    tau = (2 * temperature_k - (lo + hi)) / (hi - lo)
    coef = _FITS[coolant.name][key][0]
    if coolant.name == "mpg":
        xi = jnp.asarray(coolant.mass_fraction / 0.3 - 1, jnp.result_type(temperature_k))
        return _cheb2(coef, tau, xi)
    return _cheb(coef, tau)


def coolant_properties(coolant: Coolant, temperature_k) -> CoolantProperties:
    """Liquid properties at ``temperature_k`` [K] (any shape; jit/grad/vmap-able).

    Concrete temperatures outside the liquid range raise ``ValueError``.
    """
    temperature_k = jnp.asarray(temperature_k, jnp.result_type(temperature_k, float))
    lo, hi = coolant.temperature_range_k
    check_range(f"{coolant.name} coolant temperature_k", temperature_k, lo, hi, units="K")
    rho = _eval(coolant, "density", temperature_k)
    cp = _eval(coolant, "cp", temperature_k)
    k = _eval(coolant, "k", temperature_k)
    mu = jnp.exp(_eval(coolant, "ln_mu", temperature_k))
    return CoolantProperties(rho, cp, k, mu, mu * cp / k)


def saturation_pressure_pa(coolant: Coolant, temperature_k):
    """Saturation (boiling) pressure [Pa] at ``temperature_k`` [K].

    For PG/water the pure-water value is returned: an upper bound, since the
    glycol lowers the mixture's vapour pressure (Raoult).
    """
    name = "water" if coolant.name == "mpg" else coolant.name
    return jnp.exp(_eval(Coolant(name), "ln_psat", jnp.asarray(temperature_k, jnp.result_type(temperature_k, float))))


def saturation_temperature_k(coolant: Coolant, pressure_pa):
    """Boiling (saturation) temperature [K] at ``pressure_pa`` [Pa], and how its root find ended.

    The inverse of :func:`saturation_pressure_pa` (pure water for PG/water: a lower bound on the
    mixture's boiling point, so the boiling check stays conservative), found by bisection on
    ``ln p_sat(T) = ln p`` over the fit range of the vapour-pressure data and differentiated
    implicitly (:func:`orbit.solvers.root_find`).  A pressure outside the fit's saturation
    pressures is held at the nearer end of the range: the returned temperature is then the end of
    the range (below it, the liquid boils anywhere in the range; above it, the boiling point is at
    least the upper end).  Returns ``(T_sat [K], Convergence)``; scalar ``pressure_pa``.
    """
    name = "water" if coolant.name == "mpg" else coolant.name
    lo, hi = _RANGES_K[name]
    fluid = Coolant(name)
    ln_p = jnp.log(jnp.asarray(pressure_pa, jnp.result_type(pressure_pa, float)))
    ln_p = jnp.clip(ln_p, _eval(fluid, "ln_psat", jnp.asarray(lo, ln_p.dtype)),
                    _eval(fluid, "ln_psat", jnp.asarray(hi, ln_p.dtype)))

    def residual(t, target):
        return _eval(fluid, "ln_psat", t) - target

    tol = 1e3 * float(jnp.finfo(ln_p.dtype).eps)   # 2e-13 in float64 (1e-10 K), 1e-4 in float32 (3 mK)
    return root_find(residual, jnp.asarray(0.5 * (lo + hi), ln_p.dtype), ln_p,
                     solver=optx.Bisection(rtol=tol, atol=tol), max_steps=200,
                     options={"lower": lo - 1.0, "upper": hi + 1.0})   # bracket strictly around the held range


def check_coolant_state(coolant: Coolant, temperature_k, pressure_pa) -> None:
    """Raise ``ValueError`` unless the coolant is a single-phase liquid within its limits.

    Checks (host, concrete values): temperature inside the liquid range; loop
    pressure at or above the saturation pressure at the hottest temperature (no
    boiling); saturation pressure and loop pressure at or below
    ``coolant.max_pressure_pa``.
    """
    if not (is_concrete(temperature_k) and is_concrete(pressure_pa)):
        return
    t = np.asarray(temperature_k, float)
    lo, hi = coolant.temperature_range_k
    check_range(f"{coolant.name} coolant temperature_k", t, lo, hi, units="K")
    tmax = float(np.max(t))
    psat = float(saturation_pressure_pa(coolant, tmax))
    p = float(np.min(np.asarray(pressure_pa, float)))
    if psat > coolant.max_pressure_pa:
        raise ValueError(
            f"{coolant.name} saturation pressure at {tmax:.2f} K is {psat:.4g} Pa, above the loop pressure "
            f"limit max_pressure_pa = {coolant.max_pressure_pa:.4g} Pa; lower the temperature or raise the rating")
    if p < psat:
        raise ValueError(f"loop pressure_pa = {p:.4g} Pa is below the {coolant.name} saturation pressure "
                         f"{psat:.4g} Pa at {tmax:.2f} K (the coolant would boil); allowed range "
                         f"[{psat:.4g}, {coolant.max_pressure_pa:.4g}] Pa")
    if float(np.max(np.asarray(pressure_pa, float))) > coolant.max_pressure_pa:
        raise ValueError(f"loop pressure_pa = {float(np.max(pressure_pa)):.4g} Pa exceeds the loop pressure "
                         f"limit max_pressure_pa = {coolant.max_pressure_pa:.4g} Pa")


def _refit_from_coolprop():  # pragma: no cover - development tool, needs CoolProp
    """Regenerate ``_FITS`` (prints a dict literal).  Requires ``pip install CoolProp``."""
    import pprint

    import CoolProp.CoolProp as CP

    def fit(t, y, lo, hi, deg):
        v = np.polynomial.chebyshev.chebvander((2 * t - (lo + hi)) / (hi - lo), deg)
        c = np.linalg.lstsq(v, y, rcond=None)[0]
        return c.tolist(), float(np.max(np.abs(v @ c - y)))

    out = {}
    for key, fluid in (("water", "Water"), ("ammonia", "Ammonia")):
        lo, hi = _RANGES_K[key]
        t = np.linspace(lo, hi, 400)
        res = {}
        for name, prop, tr in (("density", "D", None), ("cp", "C", None), ("k", "L", None),
                               ("ln_mu", "V", np.log), ("ln_psat", "P", np.log)):
            y = np.array([CP.PropsSI(prop, "T", ti, "Q", 0, fluid) for ti in t])
            res[name] = fit(t, tr(y) if tr else y, lo, hi, 8)
        out[key] = res
    xs = np.linspace(0, 0.6, 13)
    tf = [CP.PropsSI("T_freeze", "T", 300, "P", 2e5, f"INCOMP::MPG[{x:g}]") for x in xs]
    out["mpg_freeze"] = np.polyfit(xs, tf, 4).tolist()
    lo, hi = _RANGES_K["mpg"]
    pts = []
    for x in np.linspace(0, 0.6, 25):
        f = f"INCOMP::MPG[{x:g}]"
        for ti in np.linspace(max(lo, np.polyval(out["mpg_freeze"], x) + 0.5), hi, 60):
            pts.append([ti, x] + [CP.PropsSI(p, "T", ti, "P", 5e5, f) for p in "DCLV"])
    pts = np.array(pts)
    pts[:, 5] = np.log(pts[:, 5])
    v = np.polynomial.chebyshev.chebvander2d((2 * pts[:, 0] - (lo + hi)) / (hi - lo), pts[:, 1] / 0.3 - 1, [6, 4])
    out["mpg"] = {}
    for j, name in enumerate(("density", "cp", "k", "ln_mu")):
        c = np.linalg.lstsq(v, pts[:, 2 + j], rcond=None)[0]
        out["mpg"][name] = (c.reshape(7, 5).tolist(), float(np.max(np.abs(v @ c - pts[:, 2 + j]))))
    pprint.pprint(out)
