"""Command-line interface: ``sunsink run | inspect | report | rerun``.

The CLI is an entry point, so it (and only it) sets JAX's precision: float64 by
default, ``--x32`` for the float32 path.  Results go to stdout; progress and
logs to stderr.
"""
from __future__ import annotations

import argparse
import logging
import math
import sys
import tempfile
from pathlib import Path

log = logging.getLogger("sunsink")


def _setup(x32: bool = False, verbose: bool = False) -> None:
    import jax

    jax.config.update("jax_enable_x64", not x32)
    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG if verbose else logging.INFO,
                        format="sunsink: %(message)s")
    logging.getLogger("jax._src.xla_bridge").setLevel(logging.ERROR)
    logging.getLogger("matplotlib").setLevel(logging.WARNING)


def format_summary(results: dict) -> str:
    """Plain-text summary table of a radiator study."""
    cols = [
        ("orbit", "{:<28}", lambda c: str(c["name"])[:28]),
        ("alt km", "{:>7}", lambda c: f"{c['altitude_m'] / 1e3:.0f}"),
        ("inc deg", "{:>7}", lambda c: f"{c['inclination_deg']:.2f}"),
        ("beta deg", "{:>8}", lambda c: f"{c['beta_design_deg']:.1f}"),
        ("eclipse", "{:>7}", lambda c: f"{c['eclipse_fraction']:.3f}"),
        ("qA W/m2", "{:>8}", lambda c: f"{c['absorbed_mean_w_m2'][0]:.1f}"),
        ("qB W/m2", "{:>8}", lambda c: f"{c['absorbed_mean_w_m2'][1]:.1f}"),
        ("T_sink K", "{:>8}", lambda c: f"{c['sink_temperature_k']:.1f}"),
        ("T_rad K", "{:>7}", lambda c: f"{c['design_temperature_k']:.1f}"),
        ("area m2", "{:>8}", lambda c: "n/a" if not math.isfinite(c["level0_area_m2"]) else f"{c['level0_area_m2']:.1f}"),
    ]
    head = " ".join(fmt.format(name) for name, fmt, _ in cols)
    lines = [head, "-" * len(head)]
    for c in results.values():
        lines.append(" ".join(fmt.format(get(c)) for _, fmt, get in cols))
    first = next(iter(results.values()))
    lines.append("")
    lines.append(
        f"heat load {first['heat_load_w'] / 1e3:.1f} kW; area = planform area of a two-sided panel "
        "(emitting area is twice this); level-0 isothermal model"
    )
    return "\n".join(lines)


def make_figures(archive_path: Path, out_dir: Path) -> list[Path]:
    """Rebuild every figure from the archive alone."""
    from . import archive as ar
    from . import plots
    from .results import cases_from_archive

    tree = ar.read_archive(archive_path)
    cases = cases_from_archive(tree)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for key, case in cases.items():
        fig = plots.absorbed_flux_figure(
            case, f"{case['name']}: radiator faces, beta = {case['beta_design_deg']:.1f} deg (hot case)")
        paths.append(plots.save(fig, out_dir / f"flux_{key}.png"))
    first = next(iter(cases.values()))
    paths.append(plots.save(plots.area_vs_temperature_figure(cases, first["heat_load_w"]),
                            out_dir / "radiator_area_vs_temperature.png"))
    return paths


def cmd_run(args) -> int:
    from . import archive as ar
    from .config import load_config
    from .radiator_study import run_radiator_study
    from .results import study_tree

    cfg, text = load_config(args.config)  # validation before any computation
    out_dir = Path(args.out or Path("out") / cfg.study.name)
    out_dir.mkdir(parents=True, exist_ok=True)
    log.info("study %s: %d orbit(s)", cfg.study.name, len(cfg.orbits))
    results = run_radiator_study(cfg)
    print(format_summary(results))
    path = ar.write_archive(out_dir / f"{cfg.study.name}.h5", study_tree(results), config_text=text,
                            config_source=str(args.config), attrs={"title": cfg.study.description or cfg.study.name})
    log.info("archive written: %s", path)
    for p in make_figures(path, out_dir):
        log.info("figure: %s", p)
    return 0


def cmd_inspect(args) -> int:
    from . import archive as ar

    print(ar.describe_archive(args.archive))
    return 0


def cmd_report(args) -> int:
    out = Path(args.out) if args.out else Path(args.archive).with_suffix("")
    for p in make_figures(Path(args.archive), out):
        print(p)
    return 0


def cmd_rerun(args) -> int:
    from . import archive as ar

    text = ar.read_config_text(args.archive)
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write(text)
    ns = argparse.Namespace(config=f.name, out=args.out or str(Path(args.archive).parent / "rerun"))
    try:
        return cmd_run(ns)
    finally:
        Path(f.name).unlink(missing_ok=True)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sunsink", description="Thermal, radiation and power studies for compute satellites")
    p.add_argument("--x32", action="store_true", help="run in float32 (default float64)")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="evaluate a study config, print a summary, write archive and figures")
    r.add_argument("config")
    r.add_argument("--out", help="output directory (default out/<study name>)")
    r.set_defaults(func=cmd_run)
    i = sub.add_parser("inspect", help="print an archive's tree with units")
    i.add_argument("archive")
    i.set_defaults(func=cmd_inspect)
    rp = sub.add_parser("report", help="rebuild the figures from an archive alone")
    rp.add_argument("archive")
    rp.add_argument("--out", help="figure directory (default: next to the archive)")
    rp.set_defaults(func=cmd_report)
    rr = sub.add_parser("rerun", help="repeat the study stored in an archive")
    rr.add_argument("archive")
    rr.add_argument("--out")
    rr.set_defaults(func=cmd_rerun)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    _setup(args.x32, args.verbose)
    from .archive import ArchiveError
    from .config import ConfigError

    try:
        return args.func(args)
    except (ConfigError, ArchiveError, FileNotFoundError) as exc:
        print(f"sunsink: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
