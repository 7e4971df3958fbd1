"""The unit vocabulary: every unit string a declared quantity may carry, once.

Units follow the CF/UDUNITS spelling of archives (``"W m-2"``, ``"USD kW-1 yr-1"``); ``"1"`` marks a
dimensionless quantity, a count, a flag or a text.  Every :class:`studies.declare.Quantity` names one
of these (a test walks every declaration), and reports show a unit by :func:`display` so that a
dimensionless number is never followed by a glued ``1``.

References
----------
- CF Conventions 1.11, section 3.1 (``units``), https://cfconventions.org.
- UDUNITS-2 unit syntax (Unidata).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["UNITS", "PHYSICAL_RANGE", "PhysicalRange", "display", "check_units", "format_value"]

UNITS: dict[str, str] = {
    "1": "dimensionless (a ratio, count, flag or text)",
    "m": "metre", "km": "kilometre (command-line input only)", "mm": "millimetre (command-line input only)",
    "m2": "square metre", "m s-1": "metre per second",
    "s": "second", "h": "hour", "d": "day", "d-1": "per day", "yr": "year", "yr-1": "per year",
    "rad": "radian", "degree": "degree of arc",
    "K": "kelvin",
    "kg": "kilogram", "kg m-1": "kilogram per metre", "kg m-2": "kilogram per square metre",
    "kg m-3": "kilogram per cubic metre", "kg s-1": "kilogram per second", "kg W-1": "kilogram per watt",
    "kg kW-1": "kilogram per kilowatt", "g cm-2": "gram per square centimetre (areal density)",
    "W": "watt", "W m-2": "watt per square metre", "W kg-1": "watt per kilogram",
    "W m-1 K-1": "watt per metre kelvin (conductivity, or conductance per length)",
    "W m-2 K-1": "watt per square metre kelvin (heat-transfer coefficient)",
    "Wh kg-1": "watt-hour per kilogram", "kW yr": "kilowatt-year",
    "J": "joule", "N": "newton", "N s": "newton second", "Pa": "pascal",
    "Gy": "gray (J/kg, in the named target material)", "cm-2": "per square centimetre (fluence)",
    "sfu": "solar flux unit (1e-22 W m-2 Hz-1)",
    "USD": "US dollar", "USD kg-1": "US dollar per kilogram", "USD kW-1": "US dollar per kilowatt",
    "USD kWh-1": "US dollar per kilowatt-hour", "USD kW-1 yr-1": "US dollar per kilowatt-year",
}
"""Every unit string in use, with its meaning."""


@dataclass(frozen=True)
class PhysicalRange:
    """The values a quantity in one unit can physically take: ``[lo, hi]`` (``(lo, hi]`` when
    ``lo_inclusive`` is false)."""

    lo: float
    hi: float
    lo_inclusive: bool = True

    def signed(self) -> "PhysicalRange":
        """The same magnitudes with either sign (a net flow, a residual): ``[-hi, hi]``."""
        return PhysicalRange(-self.hi, self.hi)


_SPEED_OF_LIGHT_M_S = 299_792_458.0
"""Speed of light in vacuum [m/s] (exact, SI 2019): the bound on any speed or delta-v."""

PHYSICAL_RANGE: dict[str, PhysicalRange] = {
    # Lengths: from a coating to an orbit radius (geostationary 4.2e7 m) with room to spare.
    "m": PhysicalRange(0.0, 1e9), "km": PhysicalRange(0.0, 1e6), "mm": PhysicalRange(0.0, 1e12),
    "m2": PhysicalRange(0.0, 1e8), "m s-1": PhysicalRange(0.0, _SPEED_OF_LIGHT_M_S),
    # Times: durations up to ~300 years; "yr" also holds calendar years (launch_year).
    "s": PhysicalRange(0.0, 1e10), "h": PhysicalRange(0.0, 3e6), "d": PhysicalRange(0.0, 1.2e5),
    "yr": PhysicalRange(0.0, 1e4), "d-1": PhysicalRange(0.0, 1e12), "yr-1": PhysicalRange(0.0, 1e12),
    "rad": PhysicalRange(-2.0 * math.pi, 2.0 * math.pi), "degree": PhysicalRange(-360.0, 360.0),
    # Absolute temperature: above 0 K (third law), below 1e4 K (every material of a satellite has boiled).
    "K": PhysicalRange(0.0, 1e4, lo_inclusive=False),
    # Masses: a single satellite below 1e7 kg (10 000 t; the ISS is 4.2e5 kg).
    "kg": PhysicalRange(0.0, 1e7), "kg m-1": PhysicalRange(0.0, 1e4), "kg m-2": PhysicalRange(0.0, 1e5),
    # Densities: below the densest element, osmium, 22 590 kg/m3 (CRC Handbook of Chemistry and Physics).
    "kg m-3": PhysicalRange(0.0, 2.3e4), "kg s-1": PhysicalRange(0.0, 1e5), "kg W-1": PhysicalRange(0.0, 1e3),
    "kg kW-1": PhysicalRange(0.0, 1e6), "g cm-2": PhysicalRange(0.0, 1e4),
    # Powers and fluxes: 1e13 W bounds a constellation's capacity; 1e9 W/m2 is above sigma T^4 at 1e4 K.
    "W": PhysicalRange(0.0, 1e13), "W m-2": PhysicalRange(0.0, 1e9), "W kg-1": PhysicalRange(0.0, 1e6),
    "W m-1 K-1": PhysicalRange(0.0, 1e7), "W m-2 K-1": PhysicalRange(0.0, 1e8),
    "Wh kg-1": PhysicalRange(0.0, 1e5), "kW yr": PhysicalRange(0.0, 1e13),
    "J": PhysicalRange(0.0, 1e16), "N": PhysicalRange(0.0, 1e7), "N s": PhysicalRange(0.0, 1e13),
    "Pa": PhysicalRange(0.0, 1e9),
    "Gy": PhysicalRange(0.0, 1e9), "cm-2": PhysicalRange(0.0, 1e25), "sfu": PhysicalRange(0.0, 1e4),
    # Money: costs and prices are not negative; 1e13 USD is beyond any programme.
    "USD": PhysicalRange(0.0, 1e13), "USD kg-1": PhysicalRange(0.0, 1e9), "USD kW-1": PhysicalRange(0.0, 1e9),
    "USD kWh-1": PhysicalRange(0.0, 1e6), "USD kW-1 yr-1": PhysicalRange(0.0, 1e9),
}
"""The physical range of every dimensional unit of :data:`UNITS`: the values any quantity carried in that
unit can take in sunsink (a satellite, or a constellation of them, in Earth orbit).  A declared output
of the model takes its unit's range unless its declaration narrows it (or makes it signed), so that a
published claim (``[claims]``) is checked against a finite range; the declared inputs lie inside it
(``tests/studies/test_schema.py``).  Dimensionless quantities (``"1"``) declare their own range (a
fraction or a probability: [0, 1])."""


def check_units(units: str, where: str) -> str:
    """``units`` if it is in :data:`UNITS`, else ValueError naming ``where``."""
    if units not in UNITS:
        raise ValueError(f"{where}: unit {units!r} is not in studies.units.UNITS")
    return units


def display(units: str) -> str:
    """The unit as a report prints it after a number: empty for dimensionless quantities."""
    return "" if units == "1" else units


_PREFIXED = {"W": (("GW", 1e9), ("MW", 1e6), ("kW", 1e3)), "J": (("GJ", 1e9), ("MJ", 1e6), ("kJ", 1e3)),
             "Pa": (("MPa", 1e6), ("kPa", 1e3)), "N": (("kN", 1e3),)}
"""Units a report prints with an SI prefix (the archive keeps the base unit)."""


def format_value(x: float, units: str, digits: int = 4) -> str:
    """``x`` in ``units`` as a report prints it: ``digits`` significant figures, an SI prefix for large
    powers, energies, pressures and forces, temperatures to 0.1 K, long durations in minutes, and no
    unit after a dimensionless number.  Non-finite values print as they are."""
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if units == "K":
        return f"{x:.1f} K"
    for prefix, scale in _PREFIXED.get(units, ()):
        if abs(x) >= scale:
            return f"{x / scale:.{digits}g} {prefix}"
    if 0.99 <= abs(x) < 1.0:   # fractions near one (availability, efficiencies): keep the digits that differ
        text = f"{x:.6f}"
        return text if units == "1" else f"{text} {units}"
    if units == "s" and abs(x) >= 120.0:
        return f"{x / 60.0:.{digits}g} min"
    text = f"{x:,.0f}" if 1e4 <= abs(x) < 1e9 else f"{x:.{digits}g}"
    return text if units == "1" else f"{text} {units}"
