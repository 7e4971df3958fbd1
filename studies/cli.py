"""Command-line interface: ``sunsink run | inspect | report | rerun``.

The CLI is an entry point, so it (and only it) sets JAX's precision: float64 by
default, ``--x32`` for the float32 path.  Results go to stdout; progress and
logs to stderr.
"""
from __future__ import annotations

import argparse
import logging
import math
import shlex
import sys
import tempfile
from pathlib import Path

log = logging.getLogger("sunsink")


CACHE_ENV = "SUNSINK_CACHE_DIR"
"""Environment variable naming the persistent compilation-cache directory (``--cache-dir`` wins)."""


def default_cache_dir() -> Path:
    """Per-user cache of compiled XLA programs: ``$SUNSINK_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/sunsink/jax``, else ``~/.cache/sunsink/jax``."""
    import os

    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sunsink" / "jax"


def enable_compilation_cache(path=None) -> Path | None:
    """Turn on JAX's persistent compilation cache in ``path`` (default :func:`default_cache_dir`).

    Every program that takes longer than half a second to compile is stored, keyed by its XLA
    module and compile options (not by Python object identity), so a second process -- the next
    ``sunsink run`` of any config with the same model shapes -- loads it instead of compiling.
    Returns the directory, or None (with a warning) when it cannot be created.
    """
    import jax

    d = Path(path).expanduser() if path else default_cache_dir()
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("compilation cache %s unavailable (%s); compiling without it", d, exc.strerror or exc)
        return None
    jax.config.update("jax_compilation_cache_dir", str(d))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    runtime_errors_as_nan()
    return d


def runtime_errors_as_nan() -> None:
    """Make equinox's in-program error checks return NaN instead of raising through a host callback.

    Every implicitly differentiated solve (``optimistix`` ``ImplicitAdjoint``) checks its adjoint
    linear solve with ``equinox.error_if``, which by default (``EQX_ON_ERROR=raise``) embeds a host
    callback in the program, and JAX never writes a program with host callbacks to the persistent
    cache: every Jacobian program was compiled again in every process (the value programs, which
    have no adjoint solve, were cached).  With ``nan`` a failed adjoint solve yields NaN derivatives,
    which :meth:`studies.satellite.Kernels.value_and_jacobian` rejects with a clear error.

    equinox reads ``EQX_ON_ERROR`` once, at import; the CLI's process has imported it already, so its
    module-level default is set too (``equinox._errors.EQX_ON_ERROR``: no public setter exists).
    A user's own ``EQX_ON_ERROR`` wins.
    """
    import os

    if "EQX_ON_ERROR" in os.environ:
        return
    os.environ["EQX_ON_ERROR"] = "nan"   # for child processes
    from equinox import _errors

    if hasattr(_errors, "EQX_ON_ERROR"):
        _errors.EQX_ON_ERROR = "nan"


def _setup(x32: bool = False, verbose: bool = False, cache: bool = True, cache_dir=None) -> None:
    import jax

    jax.config.update("jax_enable_x64", not x32)
    if cache:
        enable_compilation_cache(cache_dir)
    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG if verbose else logging.INFO,
                        format="sunsink: %(message)s")
    logging.getLogger("jax._src.xla_bridge").setLevel(logging.ERROR)
    logging.getLogger("matplotlib").setLevel(logging.WARNING)


def output_dir(path) -> Path:
    """Create (if needed) and check an output directory before any computation: an existing file,
    a path under a file, or a directory that cannot be written is a bad input (exit 2)."""
    from .archive import ArchiveError

    p = Path(path)
    if p.exists() and not p.is_dir():
        raise ArchiveError(f"--out {str(p)!r} is a file, not a directory")
    try:
        p.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=p, prefix=".sunsink-write-test-", delete=True)
        probe.close()
    except OSError as exc:
        raise ArchiveError(f"--out {str(p)!r} cannot be used: {exc.strerror or exc}") from None
    return p


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
    from . import archive as ar
    from .radiator_study import run_radiator_study, slug
    from .report import format_satellite
    from .results import pareto_group, satellite_group, study_tree

    title = cfg.study.description or cfg.study.name
    with ar.StudyOutput(out_dir / f"{cfg.study.name}.h5", command=shlex.join(["sunsink", *sys.argv[1:]])) as out:
        results = run_radiator_study(cfg)
        print(format_summary(results))
        tree = study_tree(results)
        if cfg.satellite.enabled:
            from .satellite import build_variables
            from .satellite_study import pareto_fronts, run_orbit

            progress = {}
            for orb in cfg.orbits:
                names = build_variables(cfg, orb).free_names
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
        make_figures(path, ar.stage_dir(out_dir))   # staged: main() commits them with the archive
    return out.final_path, (sats if cfg.satellite.enabled else {})


def cmd_run(args) -> int:
    from .config import load_config

    cfg, text = load_config(args.config)  # validation before any computation
    out_dir = output_dir(args.out or Path("out") / cfg.study.name)
    log.info("study %s: %d orbit(s)", cfg.study.name, len(cfg.orbits))
    _run_study(cfg, text, args.config, out_dir)
    return 0


def cmd_optimize(args) -> int:
    """Like ``run`` with the whole-satellite model and the optimiser switched on."""
    from .config import load_config

    cfg, text = load_config(args.config, overrides={"satellite": {"enabled": True}, "optimize": {"enabled": True}})
    out_dir = output_dir(args.out or Path("out") / cfg.study.name)
    _run_study(cfg, text, args.config, out_dir)
    return 0


EXIT_INFEASIBLE = 3
"""``sunsink evaluate`` exit status of a design that does not close (0: closes; 1: a solve did not
converge; 2: bad input)."""


def cmd_evaluate(args) -> int:
    """Judge the configured design as it is: no optimisation, every constraint with its margin,
    the verdict and the limiting constraint, per orbit."""
    from .config import load_config
    from .radiator_study import run_radiator_study, slug
    from .report import format_satellite, verdict
    from .satellite_study import run_orbit

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
    if not all(v["converged"] for v in verdicts):
        return 1  # no verdict on an unconverged solve
    return 0 if all(v["feasible"] for v in verdicts) else EXIT_INFEASIBLE


def cmd_uncertainty(args) -> int:
    """Propagate the declared uncertain inputs (studies.uncertainty) through the coupled model at the
    configured design of every orbit: P5/P50/P95 of every metric, the probability that the design
    closes, the tornado and (with ``[uncertainty] sobol_base_samples``) Sobol indices; archive + figures."""
    from .config import load_config

    unc = {"enabled": True}
    if args.samples:
        unc["n_samples"] = args.samples
    cfg, text = load_config(args.config, overrides={"satellite": {"enabled": True}, "uncertainty": unc})
    out_dir = output_dir(args.out or Path("out") / f"{cfg.study.name}_uncertainty")
    _run_study(cfg, text, args.config, out_dir, kind="evaluate")
    return 0


def cmd_config(args) -> int:
    """Print every configuration key with its type, units, default, allowed range and source."""
    from .report import config_listing, update_readme

    if args.readme:
        update_readme(args.readme)
        return 0
    print(config_listing(markdown=args.markdown))
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
    from .config import ConfigError

    if n_proc is not None and n_proc < 1:
        raise ConfigError(f"--num-processes = {n_proc} must be >= 1")
    if pid is not None and n_proc is not None and not 0 <= pid < n_proc:
        raise ConfigError(f"--process-id = {pid} must be in [0, {n_proc - 1}] (--num-processes = {n_proc})")
    import jax

    jax.distributed.initialize(coordinator, n_proc, pid)
    log.info("jax.distributed: process %d of %d, %d local / %d global devices", jax.process_index(),
             jax.process_count(), jax.local_device_count(), jax.device_count())


def cmd_sweep(args) -> int:
    """Sweep the configured variables over their bounds (LHS or grid) for the first orbit."""
    import equinox as eqx
    import jax
    import jax.numpy as jnp
    import numpy as np

    from . import archive as ar
    from . import satellite as S
    from .config import load_config
    from .metrics import CONSTRAINT_NAMES, METRICS
    from .model import evaluate
    from .radiator_study import run_radiator_study, slug
    from .sweep import full_grid, latin_hypercube, process_share, run_sweep

    _start_distributed(args)     # before anything touches JAX (load_config does)
    cfg, text = load_config(args.config)
    sw = cfg.sweep
    out_dir = output_dir(args.out or Path("out") / f"{cfg.study.name}_sweep")
    orb = cfg.orbits[0]
    vs = S.build_variables(cfg, orb)
    by_name = {v.name: v for v in vs.variables}
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
    n_total = len(next(iter(points.values())))
    share = process_share(n_total)
    points = {k: v[share] for k, v in points.items()}
    n = len(next(iter(points.values())))

    def fn(p):
        d = eqx.tree_at(lambda d: [getattr(d, k) for k in sw.variables], base, [p[k] for k in sw.variables])
        o = evaluate(d, mission, numerics)
        res = {m.name: o[m.name] for m in METRICS}
        g = jnp.stack([o[f"g_{c}"] for c in CONSTRAINT_NAMES])
        res["worst_constraint"] = jnp.min(g)
        res["converged"] = o["converged"].astype(g.dtype)
        return res

    cols = {k: ar.Column(by_name[k].units, by_name[k].doc) for k in sw.variables}
    cols.update({m.name: ar.Column(m.units, m.long_name) for m in METRICS})
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
        print("lightest feasible point: " + ", ".join(f"{k} = {points[k][i]:.4g}" for k in sw.variables)
              + f" -> {res['total_mass_kg'][i]:,.0f} kg, junction {res['junction_max_k'][i]:.1f} K")
        for metric in ("junction_max_k", "radiator_mean_k"):
            front = pareto_indices(res["total_mass_kg"][feas], -res[metric][feas] if metric == "radiator_mean_k"
                                   else res[metric][feas])
            print(f"Pareto front mass vs {metric}: {len(front)} points")
    print(f"archive: {final}")
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
    from .archive import stage_dir

    out = Path(args.out) if args.out else Path(args.archive).with_suffix("")
    for p in make_figures(Path(args.archive), stage_dir(out)):   # staged: main() commits them
        print(out / p.name)
    return 0


def cmd_rerun(args) -> int:
    from . import archive as ar

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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sunsink", description="Thermal, radiation and power studies for compute satellites")
    p.add_argument("--x32", action="store_true", help="run in float32 (default float64)")
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--debug", action="store_true", help="show tracebacks (default: one line per error)")
    p.add_argument("--no-cache", action="store_true",
                   help="do not use the persistent compilation cache (compile every program in this process)")
    p.add_argument("--cache-dir", metavar="DIR",
                   help=f"persistent compilation cache directory (default ${CACHE_ENV} or ~/.cache/sunsink/jax)")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="evaluate a study config, print a summary, write archive and figures")
    r.add_argument("config")
    r.add_argument("--out", help="output directory (default out/<study name>)")
    r.set_defaults(func=cmd_run)
    o = sub.add_parser("optimize", help="run the whole-satellite optimisation of a study config")
    o.add_argument("config")
    o.add_argument("--out")
    o.set_defaults(func=cmd_optimize)
    e = sub.add_parser("evaluate", help="judge one fixed design: constraints with margins, verdict, exit status "
                                        f"0 closes / {EXIT_INFEASIBLE} does not close / 1 not converged / 2 bad input")
    e.add_argument("config")
    e.add_argument("--out", help="also write the archive and figures here (with sensitivities and life)")
    e.set_defaults(func=cmd_evaluate)
    un = sub.add_parser("uncertainty", help="propagate the declared input distributions at the configured design "
                                             "(P5/P50/P95, tornado, Sobol); archive and figures")
    un.add_argument("config")
    un.add_argument("--out")
    un.add_argument("--samples", type=int, help="samples (default [uncertainty] n_samples)")
    un.set_defaults(func=cmd_uncertainty)
    cf = sub.add_parser("config", help="list every configuration key with units, default, range and source")
    cf.add_argument("--list", action="store_true", help="(the default action)")
    cf.add_argument("--markdown", action="store_true", help="as a Markdown table (the README reference)")
    cf.add_argument("--readme", metavar="PATH", help="rewrite the configuration reference in this README")
    cf.set_defaults(func=cmd_config)
    c = sub.add_parser("check", help="compare autodiff gradients with central finite differences")
    c.add_argument("config")
    c.add_argument("--step", type=float, nargs="+", default=[1e-5, 1e-6],
                   help="relative FD step(s) on the scaled variables; with several, the best per variable")
    c.add_argument("--tolerance", type=float, default=1e-4, help="exit 1 if any error exceeds this")
    c.set_defaults(func=cmd_check)
    sw = sub.add_parser("sweep", help="evaluate a grid or Latin hypercube of designs (vmap, sharded)")
    sw.add_argument("config")
    sw.add_argument("--out")
    sw.add_argument("--distributed", action="store_true",
                    help="run as one process of a jax.distributed job (implied by the three options below; "
                         "what they leave out JAX detects under SLURM, Open MPI, Kubernetes or Cloud TPU)")
    sw.add_argument("--coordinator", metavar="HOST:PORT", help="process 0's address, reachable from every process")
    sw.add_argument("--num-processes", type=int, metavar="N", help="processes in the job")
    sw.add_argument("--process-id", type=int, metavar="I", help="this process, 0 .. N-1")
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
    """Run one command; return its exit status (the statuses below).

    The whole command runs inside :func:`studies.archive.exit_on_signals`: SIGINT and SIGTERM
    stop it at the next point where Python may be interrupted (never silently: a signal that
    a library swallows is delivered again) and it returns 130/143 after one line on stderr;
    and inside :func:`studies.archive.staged_outputs`: what it writes (archives, figures)
    appears under the final names only when it has completed, all together, and nothing of it
    when it is interrupted or fails.  The verbs of :data:`EXTERNAL_COMMANDS` run the same way.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    from .archive import ArchiveError, TerminationSignal, exit_on_signals, staged_outputs
    from .config import ConfigError

    args = outputs = None
    try:
        with exit_on_signals(), staged_outputs() as outputs:
            if argv and argv[0] in EXTERNAL_COMMANDS:
                import importlib

                return importlib.import_module(EXTERNAL_COMMANDS[argv[0]]).main(argv[1:])
            args = build_parser().parse_args(argv)
            _setup(args.x32, args.verbose, cache=not args.no_cache, cache_dir=args.cache_dir)
            return args.func(args)
    except TerminationSignal as exc:
        return _interrupted(args, exc.signum, outputs.committed if outputs is not None else [])
    except (ConfigError, ArchiveError) as exc:
        return _fail(args, EXIT_BAD_INPUT, str(exc))
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError, FileExistsError) as exc:
        return _fail(args, EXIT_BAD_INPUT, f"{exc.strerror or exc}: {exc.filename!r}" if exc.filename else str(exc))
    except Exception as exc:  # noqa: BLE001 -- a computation failed: one line, the traceback with --debug
        return _fail(args, EXIT_FAILED, f"computation failed: {type(exc).__name__}: {exc}")


EXIT_FAILED, EXIT_BAD_INPUT, EXIT_SIGINT, EXIT_SIGTERM = 1, 2, 130, 143
"""Exit statuses: 1 a computation failed (e.g. non-convergence), 2 bad input (config, paths, archives),
130/143 interrupted by SIGINT/SIGTERM (128 + the signal's number); ``evaluate`` also returns 3 for a
design that does not close."""


def _fail(args, status: int, message: str) -> int:
    if getattr(args, "debug", False):
        import traceback

        traceback.print_exc()
    print(f"sunsink: error: {message}", file=sys.stderr)
    return status


def _interrupted(args, signum: int, committed=(), status=None) -> int:
    """The one line and the exit status (128 + signum) of a command ended by a signal.  ``committed``:
    the outputs it had written when the signal came; ``status``: the status it had already returned."""
    from .archive.signals import signal_name

    name = signal_name(signum)
    if status is not None:
        message = f"interrupted by {name} after the command had completed (status {status})"
    elif committed:
        where = ", ".join(sorted({str(Path(p).parent) for p in committed}))
        message = (f"interrupted by {name} after the command had completed: its {len(committed)} "
                   f"output file(s) in {where} are complete")
    else:
        message = f"interrupted by {name}; nothing written (temporary files removed)"
    return _fail(args, 128 + signum, message)


def entry() -> None:
    """Console entry point (``sunsink``, ``python -m studies.cli``): :func:`main`, then exit.

    A signal that arrives outside :func:`main`'s own handling -- while ``studies`` is imported (it is
    recorded from the import of :mod:`studies.archive` on, see :mod:`studies.archive.signals`), or
    after the command has returned -- is not lost either: one line, exit 130/143.  After an
    interruption the process ends at once with ``os._exit``: the interpreter's finalisation would
    otherwise tear down XLA's compiler threads while they may still be running, which can crash the
    process (seen as SIGSEGV instead of the documented 130/143)."""
    import os

    from .archive import record_signals, take_recorded_signal

    record_signals()      # outside main()'s handlers: recorded (main raises one recorded before it)
    code = main()
    late = take_recorded_signal()
    if late is not None and code not in (EXIT_SIGINT, EXIT_SIGTERM):
        code = _interrupted(None, late, status=code)
    if code in (EXIT_SIGINT, EXIT_SIGTERM):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
