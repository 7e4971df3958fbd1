"""``sunsink dose``: mission dose-depth table for a circular orbit.

Prints the mission total ionising dose in silicon behind aluminium, by component
(trapped protons, trapped electrons, bremsstrahlung, solar protons), at a list of
shield depths, first in Gy(Si), then in krad(Si), with the design margin applied
separately in the last column.  The numbers come from :func:`radiation.mission_dose`
(AE8/AP8 orbit averages, JPL-form solar protons, SHIELDOSE-2 kernels).

The allowed ranges are the models' own coverage, read from them (one source of truth):
altitude and inclination from the AE8/AP8 table (:func:`radiation.trapped_table_ranges`),
shield depth from :data:`radiation.shielding.MAX_DEPTH_G_CM2`, mission length with
solar protons from the JPL fluence table's solar-active years
(:func:`radiation.solar.active_years_range` over
:data:`radiation.solar.SOLAR_ACTIVE_FRACTION`).  Every error names the option, its
value in the user's units (km, deg, mm, yr) and the allowed range, on one line, before
any computation, with exit status 2.

Examples
--------
    sunsink dose --altitude-km 650 --sso --years 5
    sunsink dose --altitude-km 1200 --inclination-deg 53 --depths-mm 1 2 5 10 --geometry finite_slab
"""
from __future__ import annotations

import math
import sys

import numpy as np

import orbit
import radiation
from radiation import shielding, solar
from radiation.mission import SOLAR_CYCLE_CHOICES

from .cli_setup import OneLineArgumentParser, setup

SUMMARY = "mission dose-depth table [Gy(Si), krad(Si)] behind aluminium for a circular orbit"
"""One-line description (the verb listing of ``sunsink --help``)."""

DEFAULT_DEPTHS_MM = (0.1, 0.2, 0.5, 1.0, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0, 20.0)

#: Names the radiation library's own checks give the options they do not cover here.
_LIBRARY_NAMES = {"mission_years": "--years", "design_margin": "--margin", "confidence": "--confidence"}


def ranges() -> dict[str, tuple[float, float]]:
    """Allowed ranges of the numeric options in the user's units, read from the models.

    ``altitude_km`` and ``inclination_deg``: the AE8/AP8 table; ``depth_mm``: the dose-depth
    kernels' depth limit [g/cm^2] as aluminium [mm]; ``years_with_solar``: the JPL table's
    solar-active years divided by the solar-active fraction of a mission year.
    """
    t = radiation.trapped_table_ranges()
    g_cm2_per_mm = float(radiation.al_thickness_m_to_g_cm2(1e-3))
    lo_y, hi_y = solar.active_years_range()
    f = solar.SOLAR_ACTIVE_FRACTION
    return {"altitude_km": (t["altitude_m"][0] / 1e3, t["altitude_m"][1] / 1e3),
            "inclination_deg": (math.degrees(t["inclination_rad"][0]), math.degrees(t["inclination_rad"][1])),
            "depth_mm": (0.0, shielding.MAX_DEPTH_G_CM2 / g_cm2_per_mm),
            "years_with_solar": (lo_y / f, hi_y / f)}


def build_parser() -> OneLineArgumentParser:
    r = ranges()
    (a0, a1), (i0, i1), (d0, d1), (y0, y1) = (r["altitude_km"], r["inclination_deg"], r["depth_mm"],
                                              r["years_with_solar"])
    p = OneLineArgumentParser(prog="sunsink dose", description="Mission dose-depth table [Gy(Si), krad(Si)] "
                              "behind aluminium for a circular orbit (AE8/AP8 + JPL solar protons + SHIELDOSE-2).")
    p.add_argument("--altitude-km", type=float, required=True, metavar="KM",
                   help=f"circular-orbit altitude [km], {a0:g} to {a1:g} (the AE8/AP8 table)")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--inclination-deg", type=float, metavar="DEG",
                   help=f"inclination [deg], {i0:g} to {i1:g} (the AE8/AP8 table)")
    g.add_argument("--sso", action="store_true", help="sun-synchronous inclination for the altitude")
    p.add_argument("--years", type=float, default=5.0, metavar="YR",
                   help=f"mission length [yr] (default 5); with solar protons {y0:.3g} to {y1:.3g} (the JPL "
                        f"table's solar-active years, {solar.SOLAR_ACTIVE_FRACTION:.3g} of each mission year "
                        "active); --no-solar for a longer mission")
    p.add_argument("--depths-mm", type=float, nargs="+", default=list(DEFAULT_DEPTHS_MM), metavar="MM",
                   help=f"aluminium shield thicknesses [mm], {d0:g} to {d1:.6g} (rho {shielding.AL_DENSITY_G_CM3:g} g/cm^3; "
                        "default "
                        f"{' '.join(format(v, 'g') for v in DEFAULT_DEPTHS_MM)})")
    p.add_argument("--geometry", default="solid_sphere_centre", choices=radiation.GEOMETRIES,
                   help="shielding geometry (default solid_sphere_centre: a part at the centre of a uniform "
                        "spherical shield)")
    p.add_argument("--confidence", type=float, default=0.95,
                   help="solar-proton fluence confidence level (default 0.95), within the JPL table's levels")
    p.add_argument("--solar-cycle", default="worst", choices=SOLAR_CYCLE_CHOICES,
                   help="AE8/AP8 epoch: min, max or worst (AP8 MIN protons + AE8 MAX electrons; default)")
    p.add_argument("--margin", type=float, default=2.0, help="radiation design margin factor, >= 1 (default 2)")
    p.add_argument("--no-solar", action="store_true", help="leave out solar protons")
    p.add_argument("--x32", action="store_true", help="float32 (default float64)")
    return p


def _check(option: str, value: float, lo: float, hi: float, units: str, where: str) -> None:
    """``option = value units`` must be finite and in ``[lo, hi]``; the message says so in the user's units."""
    if not (math.isfinite(value) and lo <= value <= hi):
        what = "is not a finite number; the allowed range is" if not math.isfinite(value) else \
            "is outside the allowed range"
        raise ValueError(f"{option} = {value:g} {units} {what} [{lo:.4g}, {hi:.4g}] {units} ({where})")


def validate(args) -> float:
    """Check every option in the user's units before any computation; returns the inclination [rad]."""
    r = ranges()
    _check("--altitude-km", args.altitude_km, *r["altitude_km"], "km", "the AE8/AP8 table's altitudes")
    if args.sso:
        inc_deg = math.degrees(float(orbit.sso_inclination_rad(args.altitude_km * 1e3)))
        lo, hi = r["inclination_deg"]
        if not lo <= inc_deg <= hi:
            raise ValueError(f"--sso at {args.altitude_km:g} km is i = {inc_deg:.2f} deg, outside the AE8/AP8 "
                             f"table's inclinations [{lo:g}, {hi:g}] deg")
    else:
        inc_deg = args.inclination_deg
        _check("--inclination-deg", inc_deg, *r["inclination_deg"], "deg", "the AE8/AP8 table's inclinations")
    for d in args.depths_mm:
        _check("--depths-mm", d, *r["depth_mm"], "mm", "the dose-depth kernels' depths")
    if not args.no_solar:
        _check("--years", args.years, *r["years_with_solar"], "yr",
               "the JPL solar-proton table; --no-solar for a longer mission")
    for option, value in (("--years", args.years), ("--margin", args.margin), ("--confidence", args.confidence)):
        if not math.isfinite(value):
            raise ValueError(f"{option} = {value:g} is not a finite number")
    return math.radians(inc_deg)


def _library_error(exc: ValueError) -> str:
    """A check of :func:`radiation.mission_dose` named with the option the user typed."""
    msg = " ".join(str(exc).split())
    for name, option in _LIBRARY_NAMES.items():
        if msg.startswith(name + " ") or msg.startswith(name + "="):
            return option + msg[len(name):]
    return msg


def _table(rows, depths_mm, depths_g, unit, scale, margin):
    head = (f"{'Al [mm]':>8} {'[g/cm2]':>8} {'trap p':>10} {'trap e':>10} {'brems':>10} {'solar p':>10} "
            f"{'total':>10} {'x' + format(margin, 'g') + ' margin':>12}")
    out = [f"dose in {unit}", head, "-" * len(head)]
    for k, (mm, gcm2) in enumerate(zip(depths_mm, depths_g)):
        vals = [rows[c][k] * scale for c in ("trapped_proton_si_gy", "trapped_electron_si_gy",
                                             "bremsstrahlung_si_gy", "solar_proton_si_gy", "total_si_gy",
                                             "total_with_margin_si_gy")]
        out.append(f"{mm:8.3g} {gcm2:8.3g} " + " ".join(f"{v:10.4g}" for v in vals[:-1]) + f" {vals[-1]:12.4g}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    setup(x32=args.x32)  # the CLI's entry-point precision switch (float64 unless --x32)
    try:
        inc = validate(args)
    except ValueError as exc:
        print(f"sunsink dose: error: {exc}", file=sys.stderr)
        return 2
    depths_mm = np.asarray(args.depths_mm, dtype=float)
    depths_g = np.asarray(radiation.al_thickness_m_to_g_cm2(depths_mm * 1e-3))
    include = radiation.DOSE_COMPONENTS if not args.no_solar else ("trapped_p", "trapped_e", "bremsstrahlung")
    try:
        d = radiation.mission_dose(args.altitude_km * 1e3, inc, depths_g, args.years, geometry=args.geometry,
                                   include=include, confidence=args.confidence, solar_cycle=args.solar_cycle,
                                   design_margin=args.margin)
    except ValueError as exc:
        print(f"sunsink dose: error: {_library_error(exc)}", file=sys.stderr)
        return 2
    rows = {k: np.broadcast_to(np.asarray(v), depths_g.shape) for k, v in d._asdict().items()}
    solar = "no solar protons" if args.no_solar else f"solar protons at {args.confidence:g} confidence"
    print(f"Mission dose, {args.altitude_km:g} km, i = {math.degrees(inc):.2f} deg{' (SSO)' if args.sso else ''}, "
          f"{args.years:g} yr, {args.geometry}, {args.solar_cycle} solar cycle, {solar}, silicon detector")
    print(_table(rows, depths_mm, depths_g, "Gy(Si)", 1.0, args.margin))
    print()
    print(_table(rows, depths_mm, depths_g, "krad(Si)", 0.1, args.margin))
    print("components carry no margin; the last column is total x design margin")
    return 0


if __name__ == "__main__":
    sys.exit(main())
