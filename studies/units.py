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

__all__ = ["UNITS", "display", "check_units", "format_value"]

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
