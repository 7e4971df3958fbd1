"""``sunsink dose``: mission dose-depth table for a circular orbit.

Prints the mission total ionising dose in silicon behind aluminium, by component
(trapped protons, trapped electrons, bremsstrahlung, solar protons), at a list of
shield depths, first in Gy(Si), then in krad(Si), with the design margin applied
separately in the last column.  The numbers come from :func:`radiation.mission_dose`
(AE8/AP8 orbit averages, JPL-form solar protons, SHIELDOSE-2 kernels).

Examples
--------
    sunsink dose --altitude-km 650 --sso --years 5
    sunsink dose --altitude-km 1200 --inclination-deg 53 --depths-mm 1 2 5 10 --geometry finite_slab
"""
from __future__ import annotations

import argparse
import math
import sys

DEFAULT_DEPTHS_MM = (0.1, 0.2, 0.5, 1.0, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0, 20.0)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sunsink dose", description="Mission dose-depth table [Gy(Si), krad(Si)] "
                                "behind aluminium for a circular orbit (AE8/AP8 + JPL solar protons + SHIELDOSE-2).")
    p.add_argument("--altitude-km", type=float, required=True, help="circular-orbit altitude [km]")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--inclination-deg", type=float, help="inclination [deg]")
    g.add_argument("--sso", action="store_true", help="sun-synchronous inclination for the altitude")
    p.add_argument("--years", type=float, default=5.0, help="mission length [yr] (default 5)")
    p.add_argument("--depths-mm", type=float, nargs="+", default=list(DEFAULT_DEPTHS_MM),
                   help="aluminium shield thicknesses [mm] (rho 2.70 g/cm^3)")
    p.add_argument("--geometry", default="solid_sphere_centre",
                   help="solid_sphere_centre (default), shieldose2_sphere, finite_slab or semi_infinite_slab")
    p.add_argument("--confidence", type=float, default=0.95, help="solar-proton confidence level (default 0.95)")
    p.add_argument("--solar-cycle", default="worst", help="min, max or worst (AP8 MIN + AE8 MAX; default)")
    p.add_argument("--margin", type=float, default=2.0, help="radiation design margin factor (default 2)")
    p.add_argument("--no-solar", action="store_true", help="leave out solar protons")
    p.add_argument("--x32", action="store_true", help="float32 (default float64)")
    return p


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
    from .cli import _setup

    _setup(x32=args.x32)  # the CLI's entry-point precision switch (float64 unless --x32)
    import numpy as np

    import orbit
    import radiation

    try:
        if not all(math.isfinite(v) for v in (args.altitude_km, args.years, args.margin, args.confidence)):
            raise ValueError("numeric arguments must be finite")
        alt_m = args.altitude_km * 1e3
        if args.sso:
            from orbit.validation import check_range

            check_range("altitude_km", args.altitude_km, orbit.MIN_ALTITUDE_M / 1e3, orbit.MAX_ALTITUDE_M / 1e3,
                        units="km")
            inc = float(orbit.sso_inclination_rad(alt_m))
        else:
            inc = math.radians(args.inclination_deg)
        depths_mm = np.asarray(args.depths_mm, dtype=float)
        if depths_mm.size == 0 or np.any(~np.isfinite(depths_mm)) or np.any(depths_mm < 0):
            raise ValueError(f"--depths-mm must be finite and >= 0, got {args.depths_mm}")
        depths_g = np.asarray(radiation.al_thickness_m_to_g_cm2(depths_mm * 1e-3))
        include = radiation.DOSE_COMPONENTS if not args.no_solar else ("trapped_p", "trapped_e", "bremsstrahlung")
        d = radiation.mission_dose(alt_m, inc, depths_g, args.years, geometry=args.geometry, include=include,
                                   confidence=args.confidence, solar_cycle=args.solar_cycle,
                                   design_margin=args.margin)
    except ValueError as exc:
        print(f"sunsink dose: error: {exc}", file=sys.stderr)
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
