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
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    if "orbits" in tree:
        cases = cases_from_archive(tree)
        for key, case in cases.items():
            fig = plots.absorbed_flux_figure(
                case, f"{case['name']}: radiator faces, beta = {case['beta_design_deg']:.1f} deg (hot case)")
            paths.append(plots.save(fig, out_dir / f"flux_{key}.png"))
        first = next(iter(cases.values()))
        paths.append(plots.save(plots.area_vs_temperature_figure(cases, first["heat_load_w"]),
                                out_dir / "radiator_area_vs_temperature.png"))
    for key, g in tree.get("satellite", {}).items():
        if key == "attrs":
            continue
        name = g["attrs"]["name"]
        paths.append(plots.save(plots.mass_breakdown_figure(g, name), out_dir / f"mass_{key}.png"))
        paths.append(plots.save(plots.field_figure(g["radiator_field"], f"{name}: radiator panel temperature",
                                                   "along the tubes [m]", "across the panel [m]"),
                                out_dir / f"radiator_field_{key}.png"))
        paths.append(plots.save(plots.field_figure(g["junction_field"], f"{name}: junction temperature map",
                                                   "x [mm]", "y [mm]", scale=1e3), out_dir / f"junction_{key}.png"))
        if "history" in g:
            paths.append(plots.save(plots.history_figure(g, f"{name}: optimisation history"),
                                    out_dir / f"history_{key}.png"))
        paths.append(plots.save(plots.sensitivity_figure(g, f"{name}: sensitivities of the objective"),
                                out_dir / f"sensitivities_{key}.png"))
        paths.append(plots.save(plots.life_figure(g, name), out_dir / f"life_{key}.png"))
        paths.append(plots.save(plots.constellation_figure(g, f"{name}: constellation cost"),
                                out_dir / f"constellation_{key}.png"))
        if "dose_depth" in g:
            paths.append(plots.save(plots.dose_depth_figure(g, f"{name}: mission dose vs shield"),
                                    out_dir / f"dose_depth_{key}.png"))
    if "pareto" in tree and len([k for k in tree["pareto"] if k != "attrs"]):
        paths.append(plots.save(plots.pareto_figure(tree["pareto"]), out_dir / "pareto.png"))
    return paths


def level0_cross_check(r: dict) -> str:
    """The level-0 isothermal panel beside the FD radiator: the planform area an isothermal
    two-sided panel at the FD panels' mean and inlet temperatures needs for the same heat."""
    import thermal

    m, d = r["metrics"], r["design"]
    q = float(m["radiator_heat_rejected_w"])
    eps = [float(d["radiator_emissivity"])] * 2
    absorbed = [0.5 * float(m["radiator_absorbed_w_m2"])] * 2  # only the sum over faces enters
    a_mean = float(thermal.isothermal_panel_area_m2(q, float(m["radiator_mean_k"]), eps, absorbed))
    a_in = float(thermal.isothermal_panel_area_m2(q, float(m["radiator_inlet_k"]), eps, absorbed))
    return (f"level-0 cross-check: FD radiator {float(d['radiator_area_m2']):.1f} m2 vs isothermal panel "
            f"{a_mean:.1f} m2 at the FD mean {float(m['radiator_mean_k']):.1f} K, {a_in:.1f} m2 at the inlet "
            f"{float(m['radiator_inlet_k']):.1f} K")


def format_satellite(r: dict) -> str:
    """Plain-text report of one orbit's whole-satellite result."""
    m = r["metrics"]
    lines = [f"== {r['name']} ==" + ("" if r["converged"] else "  [NOT CONVERGED]")]
    if "kkt" in r:
        k = r["kkt"]
        lines.append(f"optimizer: {r['optimizer_message']} ({len(r['history']) - 1} iterations); "
                     f"re-check: {'feasible' if k['feasible'] else 'INFEASIBLE ' + str(k['violations'])}, "
                     f"KKT residual {k['kkt_residual']:.1e}")
        lines.append("active constraints (multiplier): " + (", ".join(
            f"{c} ({k['multipliers'][c]:.3g})" for c in k["active"]) or "none"))
        lines.append("active bounds: " + (", ".join(k["active_bounds"]) or "none"))
    lines.append("design:")
    vs = r["variables"]
    for v in vs.variables:
        tag = "fixed" if v.fixed else "free"
        lines.append(f"  {v.name:<26} {r['design'][v.name]:>14.6g} {v.units:<8} ({tag})")
    lines.append(f"mass: total {float(m['total_mass_kg']):,.0f} kg, specific power {float(m['specific_power_w_kg']):.1f} W/kg")
    from .results import MASS_ITEMS

    lines.append("  " + ", ".join(f"{i} {float(m[f'mass_{i}_kg']):,.0f}" for i in MASS_ITEMS))
    lines.append("temperature chain [K]: " + " -> ".join(f"{lab} {float(m[k]):.1f}" for lab, k in (
        ("junction", "junction_max_k"), ("HBM", "hbm_max_k"), ("case", "case_k"), ("cold plate", "coldplate_base_k"),
        ("coolant", "chip_coolant_k"), ("radiator in", "radiator_inlet_k"), ("radiator mean", "radiator_mean_k"),
        ("radiator out", "radiator_outlet_k"))))
    lines.append(f"radiator: {float(m['radiator_n_panels']):.1f} panels, fin efficiency {float(m['radiator_fin_efficiency']):.3f}, "
                 f"rejects {float(m['radiator_heat_rejected_w']) / 1e3:.1f} kW; pump {float(m['pump_power_w']):.0f} W, "
                 f"dp {float(m['pressure_drop_pa']) / 1e3:.1f} kPa")
    lines.append(level0_cross_check(r))
    lines.append(f"radiation: TID {float(m['tid_si_gy']) * 100:.0f} rad(Si) over the mission "
                 f"(trapped p {float(m['tid_trapped_proton_si_gy']) * 100:.0f}, e {float(m['tid_trapped_electron_si_gy']) * 100:.0f}, "
                 f"solar p {float(m['tid_solar_proton_si_gy']) * 100:.0f}); SEE {float(m['see_events_per_chip_day']):.3g}/chip-day, "
                 f"{float(m['see_events_per_payload_day']):.3g}/payload-day, availability {float(m['availability']):.5f}; "
                 f"cell fluence {float(m['cell_fluence_1mev_cm2']):.3g} e/cm2 (1 MeV eq.)")
    lines.append(f"power: array EOL {float(m['array_eol_w']) / 1e3:.1f} kW (required {float(m['array_required_w']) / 1e3:.1f} kW) "
                 f"at {float(m['array_temperature_k']):.0f} K, radiation factor {float(m['array_radiation_factor']):.3f}, "
                 f"array {float(m['array_mass_kg']):,.0f} kg; battery {float(r['design']['battery_capacity_j']) / 3.6e6:.1f} kWh "
                 f"(required {float(m['battery_required_j']) / 3.6e6:.1f} kWh, DoD {float(m['battery_dod']):.2f}, "
                 f"eclipse {float(m['eclipse_s']) / 60:.1f} min), {float(m['battery_mass_kg']):,.0f} kg")
    if "power_budget" in r:
        import power as _power
        for phase in ("sunlit", "eclipse"):
            lines.append(f"power budget, {phase}:")
            lines.extend("  " + ln for ln in _power.budget_table(r["power_budget"][phase]).splitlines())
    life = r["life"]
    lines.append(f"life: TID {life['tid']:.1f} yr, power {life['power']:.1f} yr, battery {life['battery']:.1f} yr "
                 f"-> limited by {life['limiting']}")
    c = r["constellation"]
    be = float(c["break_even_launch_usd_per_kg"])
    if be > 0:
        verdict = f"break-even at a launch price of {be:,.0f} $/kg"
    else:  # the satellites' manufacturing alone costs more than the ground
        build = float(c["manufacturing_cost_usd"])
        kw_years = (float(c["launch_cost_usd"]) + build) / float(c["space_usd_per_kw_year"])
        verdict = (f"no break-even at any launch price: manufacturing alone costs {build / kw_years:,.0f} $/kW-yr")
    lines.append(f"constellation: {c['n_satellites']:,} satellites, {c['total_mass_kg'] / 1e6:,.1f} kt, "
                 f"{c['n_launches']:,} launches; {c['space_usd_per_kw_year']:,.0f} $/kW-yr in space vs "
                 f"{c['terrestrial_usd_per_kw_year']:,.0f} $/kW-yr on the ground; {verdict}")
    lines.append("top sensitivities (elasticity of the objective):")
    obj = float(m["objective"])
    from .results import _param_value

    el = {n: g * _param_value(r, n) / obj for n, g in r["sensitivities"].items()}
    for n in sorted(el, key=lambda n: -abs(el[n]))[:8]:
        lines.append(f"  {n:<44} {el[n]:+.3f}")
    return "\n".join(lines)


def _run_study(cfg, text, config_path, out_dir: Path) -> Path:
    from . import archive as ar
    from .radiator_study import run_radiator_study, slug
    from .results import pareto_group, satellite_group, study_tree

    results = run_radiator_study(cfg)
    print(format_summary(results))
    tree = study_tree(results)
    if cfg.satellite.enabled:
        from .satellite_study import pareto_fronts, run_orbit

        from .satellite import build_variables

        # A progress archive first: every optimiser iteration is appended to it as it
        # happens, so a crash mid-study leaves the history; the final archive replaces it.
        progress = {}
        for orb in cfg.orbits:
            names = build_variables(cfg, orb).free_names
            progress[slug(orb.name)] = ar.history_group({
                "objective": ar.Column("1", "scaled objective"),
                "max_violation": ar.Column("1", "largest constraint violation"),
                "x_scaled": ar.Column("1", "scaled free variables " + ", ".join(names), shape=(len(names),)),
                "wall_s": ar.Column("s", "wall time"),
            })
        path = ar.write_archive(out_dir / f"{cfg.study.name}.h5", dict(tree, progress=ar.Group(progress)),
                                config_text=text, config_source=str(config_path),
                                attrs={"title": (cfg.study.description or cfg.study.name) + " (in progress)"})
        sats = {}
        for orb in cfg.orbits:
            key = slug(orb.name)

            def append(rec, key=key):
                ar.append_rows(path, f"progress/{key}", {"objective": rec["objective"], "max_violation": rec["max_violation"],
                                                         "x_scaled": rec["x"], "wall_s": rec["wall_s"]}, in_place=True)

            r = run_orbit(cfg, orb, results[key], on_iteration=append)
            sats[key] = r
            print()
            print(format_satellite(r))
        groups = {k: satellite_group(r, r["kernels"].numerics, r["chip_extent_m"]) for k, r in sats.items()}
        tree["satellite"] = ar.Group(groups)
        if cfg.pareto.enabled and cfg.optimize.enabled:
            first = next(iter(sats.values()))
            log.info("Pareto fronts for %s", first["name"])
            tree["pareto"] = pareto_group(pareto_fronts(cfg, first))
    path = ar.write_archive(out_dir / f"{cfg.study.name}.h5", tree, config_text=text,
                            config_source=str(config_path), attrs={"title": cfg.study.description or cfg.study.name})
    log.info("archive written: %s", path)
    for p in make_figures(path, out_dir):
        log.info("figure: %s", p)
    return path


def cmd_run(args) -> int:
    from .config import load_config

    cfg, text = load_config(args.config)  # validation before any computation
    out_dir = Path(args.out or Path("out") / cfg.study.name)
    out_dir.mkdir(parents=True, exist_ok=True)
    log.info("study %s: %d orbit(s)", cfg.study.name, len(cfg.orbits))
    _run_study(cfg, text, args.config, out_dir)
    return 0


def cmd_optimize(args) -> int:
    """Like ``run`` with the whole-satellite model and the optimiser switched on."""
    import tomllib

    from .config import ConfigError, parse_config

    text = Path(args.config).read_text() if Path(args.config).is_file() else None
    if text is None:
        raise ConfigError(f"config file {args.config!r} does not exist")
    data = tomllib.loads(text)
    data.setdefault("satellite", {})["enabled"] = True
    data.setdefault("optimize", {})["enabled"] = True
    cfg = parse_config(data)
    out_dir = Path(args.out or Path("out") / cfg.study.name)
    out_dir.mkdir(parents=True, exist_ok=True)
    _run_study(cfg, text, args.config, out_dir)
    return 0


def cmd_check(args) -> int:
    """Autodiff vs central finite differences at the configured design, per free variable."""
    import math as _m

    from .config import load_config
    from .radiator_study import run_radiator_study, slug
    from . import satellite as S
    from .satellite_study import kernels_for

    cfg, _ = load_config(args.config)
    level0 = run_radiator_study(cfg)
    worst = 0.0
    for orb in cfg.orbits:
        geo = S.mission_geometry(orb, _m.radians(float(level0[slug(orb.name)]["beta_design_deg"])))
        mission = S.build_mission(cfg, geo)
        vs = S.build_variables(cfg, orb)
        k = kernels_for(vs, mission, S.build_numerics(cfg))
        errs = S.check_gradients(k, vs.baseline(), rel_step=args.step)
        print(f"{orb.name}: worst relative error of d(objective, constraints)/d(variable), AD vs central FD")
        for name, e in errs.items():
            print(f"  {name:<26} {e:.2e}")
            worst = max(worst, e)
    print(f"worst overall: {worst:.2e}")
    return 0 if worst < args.tolerance else 1


SWEEP_METRICS = ("total_mass_kg", "junction_max_k", "hbm_max_k", "radiator_mean_k", "radiator_inlet_k", "tid_si_gy",
                 "array_eol_w", "array_required_w", "pump_power_w", "specific_power_w_kg")


def cmd_sweep(args) -> int:
    """Sweep the configured variables over their bounds (LHS or grid) for the first orbit."""
    import equinox as eqx
    import jax
    import jax.numpy as jnp
    import numpy as np

    from . import archive as ar
    from . import satellite as S
    from .config import ConfigError, load_config
    from .model import CONSTRAINT_NAMES, evaluate
    from .radiator_study import run_radiator_study, slug
    from .sweep import full_grid, latin_hypercube, process_share, run_sweep

    cfg, text = load_config(args.config)
    sw = cfg.sweep
    if sw.coordinator_address:
        jax.distributed.initialize(sw.coordinator_address, sw.num_processes, sw.process_id)
    orb = cfg.orbits[0]
    vs = S.build_variables(cfg, orb)
    by_name = {v.name: v for v in vs.variables}
    for n in sw.variables:
        if n not in by_name:
            raise ConfigError(f"sweep.variables contains {n!r}; allowed: {sorted(by_name)}")
    level0 = run_radiator_study(cfg)
    geo = S.mission_geometry(orb, math.radians(float(level0[slug(orb.name)]["beta_design_deg"])))
    mission = S.build_mission(cfg, geo)
    numerics = S.build_numerics(cfg)
    base = vs.baseline()
    bounds = {n: (by_name[n].lo, by_name[n].hi) for n in sw.variables}
    if sw.method == "lhs":
        points = latin_hypercube(bounds, sw.n_points, seed=sw.seed)
    else:
        points = full_grid({n: np.linspace(lo, hi, sw.grid_points_per_axis) for n, (lo, hi) in bounds.items()})
    share = process_share(len(next(iter(points.values()))))
    points = {k: v[share] for k, v in points.items()}
    n = len(next(iter(points.values())))

    def fn(p):
        d = eqx.tree_at(lambda d: [getattr(d, k) for k in sw.variables], base, [p[k] for k in sw.variables])
        o = evaluate(d, mission, numerics)
        res = {k: o[k] for k in SWEEP_METRICS}
        g = jnp.stack([o[f"g_{c}"] for c in CONSTRAINT_NAMES])
        res["worst_constraint"] = jnp.min(g)
        res["converged"] = o["converged"].astype(g.dtype)
        return res

    from .results import METRICS

    cols = {k: ar.Column(by_name[k].units, by_name[k].doc) for k in sw.variables}
    cols.update({k: ar.Column(*METRICS[k]) for k in SWEEP_METRICS})
    cols["worst_constraint"] = ar.Column("1", "smallest normalised constraint (>= 0 feasible)")
    cols["converged"] = ar.Column("1", "all solves converged (1 = yes)")
    out_dir = Path(args.out or Path("out") / f"{cfg.study.name}_sweep")
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = f"_p{jax.process_index()}" if jax.process_count() > 1 else ""
    path = ar.write_archive(out_dir / f"{cfg.study.name}_sweep{suffix}.h5",
                            {"sweep": ar.history_group(cols, index_name="point", index_long_name="sweep point",
                                                       attrs={"orbit": orb.name, "method": sw.method})},
                            config_text=text, config_source=str(args.config))
    log.info("sweep of %d points over %s on %d device(s), streaming into %s", n, list(sw.variables),
             len(jax.local_devices()), path)

    def on_chunk(start, res):
        rows = {k: np.asarray(points[k][start:start + len(res["total_mass_kg"])]) for k in sw.variables}
        rows.update({k: np.asarray(v) for k, v in res.items()})
        ar.append_rows(path, "sweep", rows, in_place=True)

    res = run_sweep(fn, points, chunk_size=sw.chunk_size, on_chunk=on_chunk)
    feas = (res["worst_constraint"] >= 0) & (res["converged"] > 0.5)
    print(f"sweep: {n} points, {int(feas.sum())} feasible and converged")
    if feas.any():
        i = int(np.argmin(np.where(feas, res["total_mass_kg"], np.inf)))
        print("lightest feasible point: " + ", ".join(f"{k} = {points[k][i]:.4g}" for k in sw.variables)
              + f" -> {res['total_mass_kg'][i]:,.0f} kg, junction {res['junction_max_k'][i]:.1f} K")
        for metric in ("junction_max_k", "radiator_mean_k"):
            front = pareto_indices(res["total_mass_kg"][feas], -res[metric][feas] if metric == "radiator_mean_k"
                                   else res[metric][feas])
            print(f"Pareto front mass vs {metric}: {len(front)} points")
    print(f"archive: {path}")
    return 0


def pareto_indices(f1, f2):
    """Indices of the non-dominated points minimising both f1 and f2."""
    import numpy as np

    order = np.lexsort((f2, f1))
    best = np.inf
    keep = []
    for i in order:
        if f2[i] < best:
            keep.append(int(i))
            best = f2[i]
    return keep


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
    o = sub.add_parser("optimize", help="run the whole-satellite optimisation of a study config")
    o.add_argument("config")
    o.add_argument("--out")
    o.set_defaults(func=cmd_optimize)
    c = sub.add_parser("check", help="compare autodiff gradients with central finite differences")
    c.add_argument("config")
    c.add_argument("--step", type=float, nargs="+", default=[1e-5, 1e-6],
                   help="relative FD step(s) on the scaled variables; with several, the best per variable")
    c.add_argument("--tolerance", type=float, default=1e-4, help="exit 1 if any error exceeds this")
    c.set_defaults(func=cmd_check)
    sw = sub.add_parser("sweep", help="evaluate a grid or Latin hypercube of designs (vmap, sharded)")
    sw.add_argument("config")
    sw.add_argument("--out")
    sw.set_defaults(func=cmd_sweep)
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


EXTERNAL_COMMANDS = {"hotspot": "studies.hotspot_cli", "dose": "studies.dose_cli"}
"""Verbs with their own argument syntax (HotSpot's single-dash flags): ``module.main(argv) -> int``."""


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in EXTERNAL_COMMANDS:
        import importlib

        return importlib.import_module(EXTERNAL_COMMANDS[argv[0]]).main(argv[1:])
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
