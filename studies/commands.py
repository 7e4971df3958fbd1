"""The verbs of ``sunsink`` (:mod:`studies.cli` parses the command line and calls :func:`run`).

Each ``cmd_<verb>(args) -> int`` validates its inputs (config, paths) before any computation and
returns the exit status (:mod:`studies.exits`).  Results go to stdout; progress and logs
to stderr.
"""
from __future__ import annotations

import argparse
import json
import logging
import math
import shlex
import sys
import tempfile
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from . import archive as ar
from .analysis import build, validation
from .analysis.audit import audit_orbit, what_it_would_take
from .analysis.radiator_study import run_radiator_study, slug
from .analysis.sensitivity import check_gradients
from .analysis.study import kernels_for, pareto_fronts, run_orbit
from .analysis.sweep import full_grid, latin_hypercube, process_share, run_sweep
from .archive import ArchiveError
from .config import ConfigError, load_config
from .exits import EXIT_FAILED, EXIT_INFEASIBLE
from .io import plots, published
from .io.generated import block_between, replaced_text
from .io.report import README_MARKERS, config_listing, format_audit, format_satellite
from .io.results import audit_group, cases_from_archive, pareto_group, satellite_group, study_tree
from .model import CONSTRAINT_NAMES, METRICS, evaluate, verdict
from .units import format_value

__all__ = ["COMMANDS", "run", "output_dir", "format_summary", "make_figures", "pareto_indices"]

log = logging.getLogger("sunsink")


def check_output_path(path) -> Path:
    """``--out`` checked without creating anything: an existing file, or a path under a file, is a bad
    input (:class:`ArchiveError`, exit 2) named in one line."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise ArchiveError(f"--out {str(p)!r} is a file, not a directory")
    parent = next((q for q in p.parents if q.exists()), None)
    if parent is not None and not parent.is_dir():
        raise ArchiveError(f"--out {str(p)!r} cannot be used: {str(parent)!r} is a file, not a directory")
    return p


def output_dir(path) -> Path:
    """Create (if needed) and check an output directory before any computation: an existing file,
    a path under a file, or a directory that cannot be written is a bad input (exit 2)."""
    p = check_output_path(path)
    try:
        p.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=p, prefix=".sunsink-write-test-", delete=True)
        probe.close()
    except OSError as exc:
        raise ArchiveError(f"--out {str(p)!r} cannot be used: {exc.strerror or exc}") from None
    return p


def format_summary(results: dict) -> str:
    """Plain-text summary table of a radiator study (the orbit column as wide as the longest name)."""
    width = max([len("orbit")] + [len(str(c["name"])) for c in results.values()])
    cols = [
        ("orbit", f"{{:<{width}}}", lambda c: str(c["name"])),
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
        f"heat load {format_value(first['heat_load_w'], 'W')}; area = planform area of a two-sided panel "
        "(emitting area is twice this); level-0 isothermal model"
    )
    return "\n".join(lines)


def make_figures(archive_path: Path, out_dir: Path) -> list[Path]:
    """Rebuild every figure from the archive alone."""
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
        if "uncertainty" in g and "tornado" in g["uncertainty"]:
            paths.append(plots.save(plots.tornado_figure(g, "total_mass_kg", f"{name}: uncertainty tornado"),
                                    out_dir / f"tornado_{key}.png"))
        if "orbit_cases" in g:
            paths.append(plots.save(plots.orbit_cases_figure(g, f"{name}: hot and cold cases over the orbit"),
                                    out_dir / f"orbit_cases_{key}.png"))
        if "thickness_design" in g:
            paths.append(plots.save(plots.thickness_figure(g["thickness_design"], f"{name}: minimum-mass radiator "
                                                                                  "sheet"),
                                    out_dir / f"thickness_{key}.png"))
    if "pareto" in tree and len([k for k in tree["pareto"] if k != "attrs"]):
        paths.append(plots.save(plots.pareto_figure(tree["pareto"]), out_dir / "pareto.png"))
    return paths


def _run_study(cfg, text, config_path, out_dir: Path, kind: str = "run") -> tuple[Path, dict]:
    """The whole study into ``out_dir/NAME.h5``: progress (every optimiser iteration) goes to a hidden
    sibling under an exclusive lock (:class:`studies.archive.StudyOutput`); the archive appears under
    its final name only when the study completes.  ``kind = "evaluate"``: the configured design, no
    optimisation (recorded in the archive's ``study_kind`` so that ``rerun`` repeats it).
    Returns the archive path and the per-orbit results."""
    title = cfg.study.description or cfg.study.name
    with ar.StudyOutput(out_dir / f"{cfg.study.name}.h5", command=shlex.join(["sunsink", *sys.argv[1:]])) as out:
        results = run_radiator_study(cfg)
        print(format_summary(results))
        tree = study_tree(results)
        if cfg.satellite.enabled:
            progress = {}
            for orb in cfg.orbits:
                names = build.build_variables(cfg, orb).free_names
                progress[slug(orb.name)] = ar.history_group({
                    "objective": ar.Column("1", "scaled objective"),
                    "max_violation": ar.Column("1", "largest constraint violation"),
                    "x_scaled": ar.Column("1", "scaled free variables " + ", ".join(names), shape=(len(names),)),
                    "wall_s": ar.Column("s", "wall time"),
                })
            out.begin(dict(tree, progress=ar.Group(progress)), config_text=text, config_source=str(config_path),
                      attrs={"title": title})
            sats = {}
            for orb in cfg.orbits:
                key = slug(orb.name)

                def append(rec, key=key):
                    out.append(f"progress/{key}", {"objective": rec["objective"], "max_violation": rec["max_violation"],
                                                   "x_scaled": rec["x"], "wall_s": rec["wall_s"]})

                r = run_orbit(cfg, orb, results[key], on_iteration=append,
                              optimize=False if kind == "evaluate" else None)
                sats[key] = r
                print()
                print(format_satellite(r, dict(cfg.claims)))
            groups = {k: satellite_group(r, r["kernels"].numerics, r["chip_extent_m"]) for k, r in sats.items()}
            tree["satellite"] = ar.Group(groups)
            if cfg.pareto.enabled and cfg.optimize.enabled and kind != "evaluate":
                first = next(iter(sats.values()))
                log.info("Pareto fronts for %s", first["name"])
                tree["pareto"] = pareto_group(pareto_fronts(cfg, first))
        path = out.finish(tree, config_text=text, config_source=str(config_path),
                          attrs={"title": title, "study_kind": kind})
        make_figures(path, ar.stage_dir(out_dir))   # staged: studies.cli.main commits them with the archive
    return out.final_path, (sats if cfg.satellite.enabled else {})


def cmd_run(args) -> int:
    cfg, text = load_config(args.config)  # validation before any computation
    out_dir = output_dir(args.out or Path("out") / cfg.study.name)
    log.info("study %s: %d orbit(s)", cfg.study.name, len(cfg.orbits))
    _run_study(cfg, text, args.config, out_dir)
    return 0


def cmd_optimize(args) -> int:
    """Like ``run`` with the whole-satellite model and the optimiser switched on."""
    cfg, text = load_config(args.config, overrides={"satellite": {"enabled": True}, "optimize": {"enabled": True}})
    out_dir = output_dir(args.out or Path("out") / cfg.study.name)
    _run_study(cfg, text, args.config, out_dir)
    return 0





def cmd_evaluate(args) -> int:
    """Judge the configured design as it is: no optimisation, every constraint with its margin,
    the verdict and the limiting constraint, per orbit."""
    if args.out:   # the full report and an archive (rerun repeats the evaluation)
        cfg, text = load_config(args.config, overrides={"satellite": {"enabled": True}})
        _, sats = _run_study(cfg, text, args.config, output_dir(args.out), kind="evaluate")
        verdicts = [verdict(r["metrics"]) for r in sats.values()]
    else:
        cfg, _ = load_config(args.config)
        level0 = run_radiator_study(cfg)
        print(format_summary(level0))
        verdicts = []
        for orb in cfg.orbits:
            r = run_orbit(cfg, orb, level0[slug(orb.name)], optimize=False, extras=False)
            print()
            print(format_satellite(r, dict(cfg.claims)))
            verdicts.append(verdict(r["metrics"]))
    if not all(v.converged for v in verdicts):
        return EXIT_FAILED  # no verdict on an unconverged solve
    return 0 if all(v.feasible for v in verdicts) else EXIT_INFEASIBLE


def cmd_uncertainty(args) -> int:
    """Propagate the declared uncertain inputs (studies.analysis.uncertainty) through the coupled model at the
    configured design of every orbit: P5/P50/P95 of every metric, the probability that the design
    closes, the tornado and (with ``[uncertainty] sobol_base_samples``) Sobol indices; archive + figures."""
    unc = {"enabled": True}
    if args.samples:
        unc["n_samples"] = args.samples
    cfg, text = load_config(args.config, overrides={"satellite": {"enabled": True}, "uncertainty": unc})
    out_dir = output_dir(args.out or Path("out") / f"{cfg.study.name}_uncertainty")
    _run_study(cfg, text, args.config, out_dir, kind="evaluate")
    return 0


def cmd_validate(args) -> int:
    """Rebuild a flown radiator from a validation case (studies/validation/*.toml), compare it with the
    published figures; exit 0 when every check holds within the case's tolerance, 1 otherwise."""
    if args.readme:   # checked before any work: the file exists and holds the markers
        try:
            block_between(args.readme, validation.MARKERS)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"--readme {args.readme!r}: {exc.strerror if isinstance(exc, OSError) else exc}") from None
    result = validation.run(validation.load_case(args.case))  # the case is validated before any computation
    print(validation.format_report(result))
    if args.readme:   # committed by main with the command's other outputs
        ar.stage_file(args.readme).write_text(
            replaced_text(args.readme, validation.MARKERS, validation.markdown_table(result)), encoding="utf-8")
    return 0 if result.passed else EXIT_FAILED


def cmd_audit(args) -> int:
    """A fair audit of a published design (studies.analysis.audit): what it publishes held, what it leaves
    out sized for minimum mass, the open choices tried; then what it would take to close at its claim.
    Exit 0 when the best design consistent with the publication closes (at the claimed mass, where one is
    claimed), 3 when it does not, 1 when a solve did not converge, 2 for bad input."""
    cfg, text = load_config(args.config, overrides={"satellite": {"enabled": True}})
    if not cfg.published.stated:
        raise ConfigError(f"{args.config}: [published] stated is empty: an audit holds what a publication states; "
                          "list the keys it states (e.g. design.radiator_area_m2, mission.payload_power_w)")
    out_dir = output_dir(args.out) if args.out else None
    if args.summary:   # checked before any work: its folder exists and it is not a directory
        summary = Path(args.summary)
        if summary.is_dir() or not summary.parent.is_dir():
            raise ConfigError(f"--summary {str(summary)!r}: " + ("is a directory, not a file" if summary.is_dir()
                                                                  else f"folder {str(summary.parent)!r} does not exist"))
    level0 = run_radiator_study(cfg)
    claimed = cfg.claims.total_mass_kg
    groups, summaries, status = {}, [], 0
    for orb in cfg.orbits:
        geo = build.mission_geometry(orb, math.radians(float(level0[slug(orb.name)]["beta_design_deg"])))
        mission = build.build_mission(cfg, geo)
        numerics = build.build_numerics(cfg)
        result = audit_orbit(cfg, orb, mission, numerics, maxiter=args.maxiter)
        best = result["best"]
        need = not best.closes or (claimed is not None and best.mass_kg > claimed * (1 + 1e-6))
        would_take = (what_it_would_take(result["variables"], best.mission, numerics, best.design, claimed,
                                         maxiter=args.maxiter) if need and not args.no_what_if else None)
        print(format_audit(orb.name, result, would_take, dict(cfg.claims)))
        print()
        groups[slug(orb.name)] = audit_group(result, would_take)
        summaries.append(published.summary(cfg.study.name, cfg.study.description or cfg.study.name, orb.name,
                                           dict(cfg.claims), result, would_take))
        if not best.verdict.converged:
            status = max(status, EXIT_FAILED)
        elif need:
            status = EXIT_INFEASIBLE
    if args.summary:
        ar.stage_file(args.summary).write_text(json.dumps(summaries, indent=1) + "\n")   # committed by main
        print(f"summary: {args.summary}")
    if out_dir is not None:
        path = out_dir / f"{cfg.study.name}_audit.h5"
        ar.write_archive(ar.stage_file(path), {"audit": ar.Group(groups)},
                                config_text=text, config_source=str(args.config),
                                attrs={"title": f"audit of {cfg.study.description or cfg.study.name}",
                                       "study_kind": "audit"})
        print(f"archive: {path}")
    return status


def cmd_config(args) -> int:
    """Print every configuration key with its type, units, default, allowed range and source."""
    if args.readme:
        ar.stage_file(args.readme).write_text(
            replaced_text(args.readme, README_MARKERS, config_listing(markdown=True)), encoding="utf-8")
        return 0
    print(config_listing(markdown=args.markdown, wide=args.wide))
    return 0


def cmd_check(args) -> int:
    """Autodiff vs central finite differences at the configured design, per free variable."""
    cfg, _ = load_config(args.config)
    level0 = run_radiator_study(cfg)
    worst = 0.0
    for orb in cfg.orbits:
        geo = build.mission_geometry(orb, math.radians(float(level0[slug(orb.name)]["beta_design_deg"])))
        mission = build.build_mission(cfg, geo)
        vs = build.build_variables(cfg, orb)
        k = kernels_for(vs, mission, build.build_numerics(cfg))
        errs = check_gradients(k, vs.baseline(), rel_step=args.step)
        print(f"{orb.name}: worst relative error of d(objective, constraints)/d(variable), AD vs central FD")
        for name, e in errs.items():
            print(f"  {name:<26} {e:.2e}")
            worst = max(worst, e)
    print(f"worst overall: {worst:.2e}")
    return 0 if worst < args.tolerance else EXIT_FAILED


def _start_distributed(args) -> None:
    """``jax.distributed.initialize`` for a multi-process sweep, from ``--distributed``,
    ``--coordinator``, ``--num-processes`` and ``--process-id``.  Values not given are left to
    JAX, which reads ``JAX_COORDINATOR_ADDRESS`` and detects SLURM, Open MPI, Kubernetes and
    Cloud TPU jobs.  It must run before any JAX computation, so before the config is validated."""
    coordinator = getattr(args, "coordinator", None)
    n_proc = getattr(args, "num_processes", None)
    pid = getattr(args, "process_id", None)
    if not (getattr(args, "distributed", False) or coordinator or n_proc is not None or pid is not None):
        return
    if n_proc is not None and n_proc < 1:
        raise ConfigError(f"--num-processes = {n_proc} must be >= 1")
    if pid is not None and n_proc is not None and not 0 <= pid < n_proc:
        raise ConfigError(f"--process-id = {pid} must be in [0, {n_proc - 1}] (--num-processes = {n_proc})")
    jax.distributed.initialize(coordinator, n_proc, pid)
    log.info("jax.distributed: process %d of %d, %d local / %d global devices", jax.process_index(),
             jax.process_count(), jax.local_device_count(), jax.device_count())


def cmd_sweep(args) -> int:
    """Sweep the configured variables over their bounds (LHS or grid) for the first orbit."""
    _start_distributed(args)     # before anything touches JAX (load_config does)
    cfg, text = load_config(args.config)
    sw = cfg.sweep
    out_dir = output_dir(args.out or Path("out") / f"{cfg.study.name}_sweep")
    orb = cfg.orbits[0]
    vs = build.build_variables(cfg, orb)
    by_name = {v.name: v for v in vs.variables}
    level0 = run_radiator_study(cfg)
    geo = build.mission_geometry(orb, math.radians(float(level0[slug(orb.name)]["beta_design_deg"])))
    mission = build.build_mission(cfg, geo)
    numerics = build.build_numerics(cfg)
    base = vs.baseline()
    bounds = {n: (by_name[n].lo, by_name[n].hi) for n in sw.variables}
    if sw.method == "lhs":
        points = latin_hypercube(bounds, sw.n_points, seed=sw.seed)
    else:
        points = full_grid({n: np.linspace(lo, hi, sw.grid_points_per_axis) for n, (lo, hi) in bounds.items()})
    n_total = len(next(iter(points.values())))
    share = process_share(n_total)
    points = {k: v[share] for k, v in points.items()}
    n = len(next(iter(points.values())))

    def fn(p):
        d = eqx.tree_at(lambda d: [getattr(d, k) for k in sw.variables], base, [p[k] for k in sw.variables])
        o = evaluate(d, mission, numerics)
        res = {n: o[n] for n in METRICS}
        g = jnp.stack([o[f"g_{c}"] for c in CONSTRAINT_NAMES])
        res["worst_constraint"] = jnp.min(g)
        res["converged"] = o["converged"].astype(g.dtype)
        return res

    cols = {k: ar.Column(by_name[k].units, by_name[k].doc) for k in sw.variables}
    cols.update({n: ar.Column(q.units, q.long_name) for n, q in METRICS.items()})
    cols["worst_constraint"] = ar.Column("1", "smallest normalised constraint (>= 0 feasible)")
    suffix = f"_p{jax.process_index()}" if jax.process_count() > 1 else ""
    final = out_dir / f"{cfg.study.name}_sweep{suffix}.h5"
    with ar.StudyOutput(final, command=shlex.join(["sunsink", *sys.argv[1:]])) as out:
        out.begin({"sweep": ar.history_group(cols, index_name="point", index_long_name="sweep point",
                                             attrs={"orbit": orb.name, "method": sw.method,
                                                    "first_point": share.start, "n_points_total": n_total,
                                                    "process_index": jax.process_index(),
                                                    "process_count": jax.process_count()})},
                  config_text=text, config_source=str(args.config))
        log.info("sweep of %d points over %s on %d device(s), streaming into %s (renamed to %s when complete)",
                 n, list(sw.variables), len(jax.local_devices()), out.progress_path, final)

        def on_chunk(start, res):
            rows = {k: np.asarray(points[k][start:start + len(res["total_mass_kg"])]) for k in sw.variables}
            rows.update({k: np.asarray(v) for k, v in res.items()})
            out.append("sweep", rows)

        res = run_sweep(fn, points, chunk_size=sw.chunk_size, on_chunk=on_chunk)
        out.finish_progress()
    feas = (res["worst_constraint"] >= 0) & (res["converged"] > 0.5)
    print(f"sweep: {n} points, {int(feas.sum())} feasible and converged")
    if feas.any():
        i = int(np.argmin(np.where(feas, res["total_mass_kg"], np.inf)))
        print("lightest feasible point: " + ", ".join(f"{k} = {format_value(points[k][i], by_name[k].units)}"
                                                      for k in sw.variables)
              + f" -> {format_value(res['total_mass_kg'][i], 'kg')}, junction "
                f"{format_value(res['junction_max_k'][i], 'K')}")
        for metric in ("junction_max_k", "radiator_mean_k"):
            front = pareto_indices(res["total_mass_kg"][feas], -res[metric][feas] if metric == "radiator_mean_k"
                                   else res[metric][feas])
            print(f"Pareto front mass vs {metric}: {len(front)} points")
    print(f"archive: {final}")
    return 0


def pareto_indices(f1, f2):
    """Indices of the non-dominated points minimising both f1 and f2."""
    order = np.lexsort((f2, f1))
    best = np.inf
    keep = []
    for i in order:
        if f2[i] < best:
            keep.append(int(i))
            best = f2[i]
    return keep


def cmd_inspect(args) -> int:
    print(ar.describe_archive(args.archive))
    return 0


def cmd_report(args) -> int:
    out = check_output_path(args.out if args.out else Path(args.archive).with_suffix(""))   # before any work
    for p in make_figures(Path(args.archive), ar.stage_dir(out)):   # staged: studies.cli.main commits them
        print(out / p.name)
    return 0


def cmd_rerun(args) -> int:
    text = ar.read_config_text(args.archive)
    tree = ar.read_archive(args.archive)   # repeat what the archive holds: sweep, evaluation or study
    kind = "sweep" if "sweep" in tree else tree["attrs"].get("study_kind", "run")
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write(text)
    ns = argparse.Namespace(config=f.name, out=args.out or str(Path(args.archive).parent / "rerun"))
    try:
        return {"sweep": cmd_sweep, "evaluate": cmd_evaluate}.get(kind, cmd_run)(ns)
    finally:
        Path(f.name).unlink(missing_ok=True)


COMMANDS = {"run": cmd_run, "optimize": cmd_optimize, "evaluate": cmd_evaluate, "uncertainty": cmd_uncertainty,
            "validate": cmd_validate, "audit": cmd_audit, "config": cmd_config, "check": cmd_check, "sweep": cmd_sweep, "inspect": cmd_inspect,
            "report": cmd_report, "rerun": cmd_rerun}
"""The verbs parsed by :func:`studies.cli.build_parser`, by name."""


def run(args) -> int:
    """Run the verb ``args.command`` (a namespace of :func:`studies.cli.build_parser`)."""
    return COMMANDS[args.command](args)
