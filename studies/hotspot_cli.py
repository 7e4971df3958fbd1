"""``sunsink hotspot``: a drop-in for HotSpot 7 users (its flags, files and numbers).

Takes HotSpot 7's command line (single-dash ``-name value`` pairs; the ``-c``
config file supplies the rest, the command line wins) and writes HotSpot's
output files, so existing scripts keep working:

* ``-steady_file``: block temperatures of every layer (silicon, ``iface_``,
  ``layer_<n>_``, ``hsp_``, ``hsink_``) and the 12 package nodes ``inode_*``;
* ``-grid_steady_file`` (grid model): every grid cell of every layer;
* ``-o``: the transient temperature trace, one row per power-trace row;
* ``-grid_transient_file`` (grid model): every cell after every row (written
  afresh; HotSpot appends to an existing file).

``-scheme hotspot`` (default) reproduces HotSpot 7's own model
(:mod:`thermal.chip.hotspot.grid`, :mod:`thermal.chip.hotspot.block`): the same numbers as a
HotSpot 7 build, within 0.05 K.  ``-scheme converged`` also solves the same stack
with sunsink's cell-centred finite-volume model (:class:`thermal.chip.ChipModel`:
spreader and sink meshed in full, no lumped periphery), refined through the
thickness and laterally until the dissipating layers' block temperatures are
converged to 0.1 K (Richardson error estimate of the finest level), and prints
both answers side by side with the difference; the output files then hold the
converged values (steady state only; exit status 3 and no files if the tolerance
is not reached).

Supported HotSpot options: ``-c -f -p -o -materials_file -model_type
-grid_rows -grid_cols -grid_map_mode -grid_layer_file -detailed_3D -steady_file
-grid_steady_file -grid_transient_file -init_file -init_temp -sampling_intvl``
and every package/material parameter (``-t_chip``, ``-k_sink``, ``-r_convec``,
``-material_spreader`` ...).  Options of sunsink only:

``-scheme hotspot|converged``
    as above (default ``hotspot``).
``-transient_solver rk4|be``
    ``rk4`` (default): HotSpot's adaptive RK4, as in its default build (``make``);
    ``be``: one backward-Euler step per sampling interval, as in its SuperLU build
    (``make SUPERLU=1``, grid model only).  The two builds' traces differ by up to
    ~0.5 K at 10 ms intervals; steady states agree.
``-converged_tol K``
    target error of ``-scheme converged`` (default 0.1 K); it exits with status 3
    and writes no file when the refinement does not reach it.
``-converged_max_cells N``
    lateral cells across the sink at which the refinement gives up (default 512).

Not modelled (refused with an error): the secondary heat path, the leakage
loop, the detailed fan/heat-sink package model, microchannels.

Examples
--------
    sunsink hotspot -c example.config -f ev6.flp -p gcc.ptrace -materials_file example.materials \\
        -model_type grid -steady_file gcc.steady -grid_steady_file gcc.grid.steady
    sunsink hotspot -c example.config -f ev6.flp -p gcc.ptrace -materials_file example.materials \\
        -model_type grid -scheme converged
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

USAGE = """usage: sunsink hotspot -f <flp> -p <ptrace> [-o <ttrace>] [-c <config>] [-materials_file <file>]
                       [-model_type block|grid] [-grid_rows N] [-grid_cols N] [-grid_map_mode avg|min|max|center]
                       [-grid_layer_file <lcf>] [-detailed_3D on|off] [-steady_file <file>]
                       [-grid_steady_file <file>] [-grid_transient_file <file>] [-init_file <file>]
                       [-sampling_intvl s] [-scheme hotspot|converged] [-transient_solver rk4|be]
                       [-converged_tol K] [-converged_max_cells N] [-<config name> <value> ...]
HotSpot 7's command line; see `sunsink hotspot -h` (module docstring of studies.hotspot_cli)."""

#: Options HotSpot reads from the command line only (never from the -c file).
_CMDLINE_ONLY = ("f", "p", "o", "c", "d", "detailed_3d", "use_microchannels", "materials_file")
_OURS = ("scheme", "transient_solver", "converged_tol", "converged_max_cells")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print(USAGE, file=sys.stderr)
        return 2
    if argv[0] in ("-h", "--help", "-help"):
        print(__doc__)
        return 0
    from .cli import _setup

    _setup(x32=False)   # the entry point's precision: float64, set in one place (studies.cli)
    from thermal.chip.hotspot.config import HotSpotError

    try:
        return run(argv)
    except (HotSpotError, ValueError, OSError) as exc:
        msg = " ".join(str(exc).split()) or type(exc).__name__
        print(f"sunsink hotspot: error: {msg}", file=sys.stderr)
        return 2


def _first(pairs, key):
    key = key.lower()
    for name, value in pairs:
        if name.lower() == key:
            return value
    return None


def _resolve(path: str, base: Path | None) -> Path:
    """HotSpot opens files relative to the working directory; fall back to ``base`` (the lcf's folder)."""
    p = Path(path)
    if p.exists() or p.is_absolute() or base is None:
        return p
    alt = base / p
    return alt if alt.exists() else p


def _power_columns(names, layers):
    """Map the trace's columns to ``(layer, block index)``: blocks of the power layers, in layer order."""
    cols = []
    k = 0
    for n, (prefix, fp) in layers:
        lower = {b.name.lower(): i for i, b in enumerate(fp.blocks)}
        chunk = names[k:k + len(fp.blocks)]
        if len(chunk) < len(fp.blocks):
            break
        seen = set()
        for nm in chunk:
            i = lower.get(nm.lower())
            if i is None:
                raise ValueError(f"power trace column {nm!r} is not a block of the floorplan of layer "
                                 f"{prefix or n} (columns must list the power layers' blocks in layer order)")
            if i in seen:
                raise ValueError(f"power trace column {nm!r} appears twice")
            seen.add(i)
            cols.append((n, i))
        k += len(fp.blocks)
    total = sum(len(fp.blocks) for _, (_, fp) in layers)
    if len(names) != total:
        raise ValueError(f"no. of units in floorplan and trace file differ: the trace has {len(names)} "
                         f"columns, the power-dissipating layers have {total} blocks")
    return cols


class _Model:
    """Common face of the grid and block replicas for the command."""

    def __init__(self, cfg, flp_path, lcf_path, materials):
        from thermal.chip.floorplan import read_flp, read_lcf
        from thermal.chip.hotspot.block import HotSpotBlock
        from thermal.chip.hotspot.grid import HotSpotGrid
        from thermal.chip.hotspot.config import HotSpotError

        self.cfg = cfg
        self.kind = cfg.model_type
        if lcf_path is not None and self.kind != "grid":
            raise HotSpotError("-grid_layer_file needs -model_type grid")
        if self.kind == "grid":
            if lcf_path is not None:
                lcf = read_lcf(lcf_path, materials)
                base = Path(lcf_path).parent
                layers = [(L, read_flp(_resolve(L.floorplan_file, base))) for L in lcf]
                self.m = HotSpotGrid(cfg, lcf_layers=layers)
            else:
                if flp_path is None:
                    raise HotSpotError("either -f <floorplan> or -grid_layer_file <lcf> is required")
                self.m = HotSpotGrid(cfg, read_flp(flp_path))
            self.layers = [(n, (L.prefix, L.floorplan)) for n, L in enumerate(self.m.layers)]
            self.power_layers = [self.layers[n] for n in self.m.power_layers]
        else:
            if flp_path is None:
                raise HotSpotError("-f <floorplan> is required by the block model")
            self.m = HotSpotBlock(cfg, read_flp(flp_path))
            fp = self.m.floorplan
            self.layers = [(n, (p, fp)) for n, p in enumerate(("", "iface_", "hsp_", "hsink_"))]
            self.power_layers = [self.layers[0]]

    def chip_layers(self):
        """The chip part of the stack (layers above the spreader) as :class:`GridLayer` records."""
        if self.kind == "grid":
            return list(self.m.layers[:self.m.spidx])
        from thermal.chip.hotspot.grid import GridLayer

        c, fp = self.cfg, self.m.floorplan
        return [GridLayer("", fp, True, True, c.k_chip, c.p_chip, c.t_chip),
                GridLayer("iface_", fp, True, False, c.k_interface, c.p_interface, c.t_interface)]

    def entry_names(self):
        out = [p + b.name for _, (p, fp) in self.layers for b in fp.blocks]
        return out + [f"inode_{i}" for i in range(12)]

    def powers(self, row, cols):
        out = {n: np.zeros(len(fp.blocks)) for n, (_, fp) in self.power_layers}
        for (n, i), v in zip(cols, row):
            out[n][i] = v
        return out

    def _block_power(self, pw):
        return pw if self.kind == "grid" else pw[0]

    def steady(self, pw):
        """Steady node vector and the ``.steady`` values (entry order)."""
        t = self.m.steady_nodes(self._block_power(pw))
        return t, self.entries(t)

    def entries(self, t):
        if self.kind == "grid":
            st = self.m.state(t)
            return np.concatenate(st.block_k + [st.package_k])
        out = np.array(t, float)
        out[4 * self.m.n_blocks:][self.m.dead_extra] = np.nan
        return out

    def block_values(self, t, cols):
        if self.kind == "grid":
            st = self.m.state(t)
            return np.array([st.block_k[n][i] for n, i in cols])
        nb = self.m.n_blocks
        return np.array([t[n * nb + i] for n, i in cols])

    def initial(self, cfg):
        """Initial node vector: from -init_file (HotSpot's format) or uniform init_temp."""
        from thermal.chip.floorplan import read_temperature_file

        names = self.entry_names()
        if cfg.init_file is not None:
            raw = read_temperature_file(cfg.init_file)
            table = {k.lower(): v for k, v in raw.items()}
            missing = [n for n in names if n.lower() not in table]
            if missing:
                raise ValueError(f"init file {cfg.init_file} has no entry {missing[0]!r} "
                                 f"({len(missing)} of the model's {len(names)} entries missing)")
            extra = set(table) - {n.lower() for n in names}
            if extra:
                raise ValueError(f"init file {cfg.init_file} has entries this model does not have, "
                                 f"e.g. {sorted(extra)[0]!r}")
            vals = np.array([table[n.lower()] for n in names])
            if cfg.dtm_used:   # HotSpot clips the initial temperatures to the DTM threshold
                n0 = len(self.layers[0][1][1].blocks)
                tmax = max(vals[:n0].max(), 0.0)
                if tmax > cfg.thermal_threshold:
                    f = (cfg.thermal_threshold - cfg.ambient) / (tmax - cfg.ambient)
                    vals = (vals - cfg.ambient) * f + cfg.ambient
        else:
            vals = np.full(len(names), cfg.init_temp)
        if self.kind == "block":
            return vals
        blocks, k = [], 0
        for _, (_, fp) in self.layers:
            blocks.append(vals[k:k + len(fp.blocks)])
            k += len(fp.blocks)
        return self.m.node_temperatures_from_blocks(blocks, vals[k:])

    def step(self, t, pw, dt, solver):
        bp = self._block_power(pw)
        return self.m.step_rk4(t, bp, dt) if solver == "rk4" else self.m.step_be(t, bp, dt)


def run(argv: list[str]) -> int:
    from thermal.chip.floorplan import (read_materials, read_ptrace, write_grid_temperatures, write_temperature_file,
                                   write_temperature_trace)
    from thermal.chip.hotspot.config import HotSpotError, hotspot_config, parse_hotspot_pairs, read_config_pairs

    cmd = parse_hotspot_pairs(argv)
    config_file = _first(cmd, "c")
    filed = []
    if config_file is not None:
        filed = [(k, v) for k, v in read_config_pairs(config_file) if k.lower() not in _CMDLINE_ONLY + _OURS]
    pairs = cmd + filed
    scheme = (_first(cmd, "scheme") or "hotspot").lower()
    if scheme not in ("hotspot", "converged"):
        raise HotSpotError(f"-scheme {scheme!r}: use 'hotspot' or 'converged'")
    solver = (_first(cmd, "transient_solver") or "rk4").lower()
    if solver not in ("rk4", "be"):
        raise HotSpotError(f"-transient_solver {solver!r}: use 'rk4' or 'be'")
    try:
        tol = float(_first(cmd, "converged_tol") or 0.1)
        max_cells = int(_first(cmd, "converged_max_cells") or 512)
    except ValueError:
        raise HotSpotError(f"-converged_tol {_first(cmd, 'converged_tol')!r} / -converged_max_cells "
                           f"{_first(cmd, 'converged_max_cells')!r}: expected a number / an integer") from None
    if not (tol > 0 and max_cells >= 8):
        raise HotSpotError(f"-converged_tol {tol!r} must be > 0 K and -converged_max_cells {max_cells} >= 8")
    mfile = _first(cmd, "materials_file")
    materials = read_materials(mfile) if mfile and mfile != "(null)" else {}
    cfg = hotspot_config(pairs, materials)
    ptrace = _first(cmd, "p")
    if ptrace is None:
        raise HotSpotError("required parameter -p <power trace> missing")
    flp = _first(cmd, "f")
    out_trace = _first(cmd, "o")
    if scheme == "converged" and out_trace is not None:
        raise HotSpotError("-scheme converged computes the steady state only; drop -o or use -scheme hotspot")
    if solver == "be" and out_trace is not None and cfg.model_type == "block":
        raise HotSpotError("-transient_solver be reproduces HotSpot's SuperLU build, which changes the grid "
                           "model only; the block model always uses RK4")
    if cfg.model_type != "grid":
        for key in ("grid_steady_file", "grid_transient_file"):
            if getattr(cfg, key) is not None:
                print(f"sunsink hotspot: warning: ignoring -{key} because the grid model is not used",
                      file=sys.stderr)
    model = _Model(cfg, flp, cfg.grid_layer_file if cfg.model_type == "grid" else None, materials)
    if flp is not None and cfg.grid_layer_file is not None and cfg.model_type == "grid":
        print(f"sunsink hotspot: warning: layer configuration file {cfg.grid_layer_file} overrides "
              f"floorplan file {flp}", file=sys.stderr)
    names, trace = read_ptrace(ptrace)
    if trace.shape[0] == 0:
        raise HotSpotError(f"{ptrace}: no power numbers in the trace file")
    cols = _power_columns(names, model.power_layers)
    desc = (f"{cfg.model_type} model" + (f" {cfg.grid_rows} x {cfg.grid_cols}, {model.m.n_layers} layers"
                                          if cfg.model_type == "grid" else f", {model.m.n_blocks} blocks"))
    print(f"sunsink hotspot: HotSpot 7 {desc}; {trace.shape[0]} power rows")

    if out_trace is not None:
        dt = cfg.sampling_intvl
        t = model.initial(cfg)
        rows = np.empty((trace.shape[0], len(cols)))
        gfile = cfg.grid_transient_file if cfg.model_type == "grid" else None
        gchunks = []
        for r in range(trace.shape[0]):
            t = model.step(t, model.powers(trace[r], cols), dt, solver)
            rows[r] = model.block_values(t, cols)
            if gfile is not None:
                g = t[:model.m.n_grid].reshape(model.m.n_layers, model.m.rows, model.m.cols)
                gchunks.append(f"t = {r * dt:.6f}\n" + _grid_text(g))
        write_temperature_trace(out_trace, names, rows)
        if gfile is not None:
            Path(gfile).write_text("".join(gchunks))
        print(f"transient ({'adaptive RK4' if solver == 'rk4' else 'backward Euler'}, {dt:g} s per row): "
              f"{trace.shape[0]} rows -> {out_trace}")

    mean_power = trace.sum(axis=0) / trace.shape[0]
    pw = model.powers(mean_power, cols)
    t_ss, entries = model.steady(pw)
    names_all = model.entry_names()
    if scheme == "hotspot":
        hot = int(np.argmax(entries[:len(model.layers[0][1][1].blocks)]))
        print(f"steady state ({mean_power.sum():.4g} W mean power): hottest block {names_all[hot]} "
              f"{entries[hot]:.2f} K")
        out_entries, out_grid = entries, (t_ss[:model.m.n_grid].reshape(model.m.n_layers, model.m.rows,
                                                                         model.m.cols)
                                          if cfg.model_type == "grid" else None)
    else:
        from thermal.chip.hotspot.converged import converged_steady

        sizes = [len(fp.blocks) for _, (_, fp) in model.layers]
        starts = np.cumsum([0] + sizes)
        check = np.zeros(starts[-1] + 12, bool)
        for n, _ in model.power_layers:
            check[starts[n]:starts[n + 1]] = True
        conv = converged_steady(cfg, model.chip_layers(), pw, tol, max_cells=max_cells, progress=_progress,
                                check=check)
        print(format_comparison(names_all, entries, conv, [len(fp.blocks) for _, (_, fp) in model.layers],
                                [n for n, _ in model.power_layers], tol))
        if not conv.converged:
            print(f"sunsink hotspot: error: the converged scheme did not reach {tol:g} K (estimated error "
                  f"{conv.z_change_k + conv.x_change_k:.3g} K at {conv.cells} cells, sub-layers "
                  f"{conv.n_sublayers}); no files written", file=sys.stderr)
            return 3
        out_entries, out_grid = conv.entries, conv.grid_k
    if cfg.steady_file is not None:
        write_temperature_file(cfg.steady_file, names_all, out_entries)
    if cfg.model_type == "grid" and cfg.grid_steady_file is not None:
        write_grid_temperatures(cfg.grid_steady_file, out_grid)
    return 0


def _progress(cells, n_sub, change):
    ch = "" if change != change else f", change {change:.3f} K"
    print(f"sunsink hotspot: converged scheme: {cells} x {cells} cells, sub-layers {n_sub}{ch}", file=sys.stderr)


def format_comparison(names, hotspot, conv, layer_sizes, power_layers, tol) -> str:
    """Side-by-side table: HotSpot's model vs the converged scheme, with the difference."""
    lines = [f"{'block':<24} {'HotSpot [K]':>12} {'converged [K]':>14} {'diff [K]':>9}"]
    lines.append("-" * len(lines[0]))
    starts = np.cumsum([0] + list(layer_sizes))
    for n in power_layers:
        for i in range(starts[n], starts[n + 1]):
            d = conv.entries[i] - hotspot[i]
            lines.append(f"{names[i]:<24} {hotspot[i]:12.2f} {conv.entries[i]:14.2f} {d:+9.2f}")
    lines.append("")
    for n in range(len(layer_sizes)):
        sl = slice(starts[n], starts[n + 1])
        d = conv.entries[sl] - hotspot[sl]
        lines.append(f"layer {n} ({layer_sizes[n]} blocks): mean diff {d.mean():+.2f} K, max |diff| "
                     f"{np.abs(d).max():.2f} K")
    d = conv.entries[starts[-1]:] - hotspot[starts[-1]:]
    dmax = f"{np.nanmax(np.abs(d)):.2f} K" if np.isfinite(d).any() else "n/a (no package rim)"
    lines.append(f"package nodes inode_0..11: max |diff| {dmax}")
    pw = slice(starts[power_layers[0]], starts[power_layers[0] + 1])
    lines.append(f"hottest block: HotSpot {hotspot[pw].max():.2f} K, converged {conv.entries[pw].max():.2f} K")
    state = "converged" if conv.converged else "NOT converged"
    lines.append(f"converged scheme: {conv.cells} x {conv.cells} cells over the sink, sub-layers "
                 f"{conv.n_sublayers}; estimated error of the dissipating layers' blocks "
                 f"{conv.z_change_k + conv.x_change_k:.3f} K "
                 f"(thickness {conv.z_change_k:.3f}, lateral {conv.x_change_k:.3f}); {state} to {tol:g} K")
    return "\n".join(lines)


def _grid_text(g) -> str:
    nl, nr, nc = g.shape
    out = []
    for n in range(nl):
        out.append(f"Layer {n}:")
        out.extend(f"{i}\t{v:.2f}" for i, v in enumerate(g[n].ravel()))
    return "\n".join(out) + "\n"



if __name__ == "__main__":
    sys.exit(main())
