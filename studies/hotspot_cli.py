"""sunsink hotspot: a drop-in for HotSpot 7 users (its flags, files and numbers).

Takes HotSpot 7's command line (single-dash "-name value" pairs; the -c config
file supplies the rest, the command line wins) and writes HotSpot's output
files, so existing scripts keep working:

  -steady_file          block temperatures of every layer (silicon, iface_,
                        layer_<n>_, hsp_, hsink_) and the 12 package nodes inode_*
  -grid_steady_file     (grid model) every grid cell of every layer
  -o                    the transient temperature trace, one row per power-trace row
  -grid_transient_file  (grid model) every cell after every row (written afresh;
                        HotSpot appends to an existing file)

The output files appear only when the whole run succeeds: each is written under a
temporary name in its folder and renamed at the end.

-scheme hotspot (the default) reproduces HotSpot 7's own model (the modules
thermal.chip.hotspot.grid and thermal.chip.hotspot.block): the same numbers as a HotSpot 7
build, within 0.05 K.  -scheme converged also solves the same stack with
sunsink's cell-centred finite-volume model (thermal.chip.ChipModel: spreader and
sink meshed in full, no lumped periphery), refined through the thickness and
laterally until the dissipating layers' block temperatures are converged to
0.1 K (Richardson error estimate of the finest level), and prints both answers
side by side with the difference; the output files then hold the converged
values (steady state only; exit status 3 and no files if the tolerance is not
reached).

Supported HotSpot options: -c -f -p -o -materials_file -model_type -grid_rows
-grid_cols -grid_map_mode -grid_layer_file -detailed_3D -steady_file
-grid_steady_file -grid_transient_file -init_file -init_temp -sampling_intvl
and every package/material parameter (-t_chip, -k_sink, -r_convec,
-material_spreader ...).  Options of sunsink only:

  -scheme hotspot|converged
        as above (default hotspot).
  -transient_solver rk4|be
        rk4 (default): HotSpot's adaptive RK4, as in its default build (make);
        be: one backward-Euler step per sampling interval, as in its SuperLU
        build (make SUPERLU=1, grid model only).  The two builds' traces differ
        by up to ~0.5 K at 10 ms intervals; steady states agree.
  -converged_tol K
        target error of -scheme converged (default 0.1 K); it exits with
        status 3 and writes no file when the refinement does not reach it.
  -converged_max_cells N
        lateral cells across the sink at which the refinement gives up
        (default 512).

Unknown and repeated options: a deliberate difference from HotSpot 7.
HotSpot 7 stores every "-name value" pair of its command line and of its -c
file, then looks up the names it knows (case-insensitively); a name nobody
looks up is ignored without a word, and of a name given twice the first wins
(HotSpot 7.0 util.c: parse_cmdline, read_str_pairs, get_str_index,
str_pairs_remove_duplicates).  A misspelt option therefore runs the default:
-r_convek 5 answers as if no convection resistance had been given.  sunsink
hotspot refuses, with exit status 2 and the nearest known name, a command-line
option that HotSpot 7 does not read, and a command-line option given twice.
Names in the -c file that neither HotSpot 7 nor HotFloorplan (which shares the
file) reads get a warning with the nearest known name and are ignored, so
existing config files keep working.  Names HotSpot 7 reads for the features this
replica does not model (secondary heat path, leakage, detailed package model,
microchannels) are accepted while the feature is off, as HotSpot then ignores
them too; switching a feature on is refused.  -d (HotSpot's dump of the
configuration used) is refused: sunsink hotspot does not write it.

Numbers must be finite.  Input files (-c, -f, -p, -materials_file, -init_file,
-grid_layer_file and the floorplans it names) must be readable files, and the
folders of the output files must exist and be writable: each is checked before
any solve, and an error names the option and the path.

Exit status: 0 done; 2 bad input (one line on stderr naming the option);
3 -scheme converged did not reach its tolerance (no files written); 1 a
computation failed; 130 / 143 interrupted by SIGINT / SIGTERM (no files written).

Not modelled (refused with an error): the secondary heat path, the leakage
loop, the detailed fan/heat-sink package model, microchannels.

Examples:
  sunsink hotspot -c example.config -f ev6.flp -p gcc.ptrace -materials_file example.materials \\
      -model_type grid -steady_file gcc.steady -grid_steady_file gcc.grid.steady
  sunsink hotspot -c example.config -f ev6.flp -p gcc.ptrace -materials_file example.materials \\
      -model_type grid -scheme converged
"""
from __future__ import annotations

import contextlib
import dataclasses
import difflib
import math
import os
import sys
import uuid
from pathlib import Path

import numpy as np

from thermal.chip.floorplan import (read_flp, read_lcf, read_materials, read_ptrace, read_temperature_file,
                                    write_grid_temperatures, write_temperature_file, write_temperature_trace)
from thermal.chip.hotspot import converged as hotspot_converged
from thermal.chip.hotspot.block import HotSpotBlock
from thermal.chip.hotspot.config import (_MATERIAL_PARTS, NULLFILE, HotSpotConfig, HotSpotError, hotspot_config,
                                         parse_hotspot_pairs, read_config_pairs)
from thermal.chip.hotspot.grid import GridLayer, HotSpotGrid

from .archive import TerminationSignal, exit_on_signals
from .cli_setup import setup

SUMMARY = "HotSpot 7 drop-in: HotSpot's single-dash flags and files (-c -f -p -o ...); see 'sunsink hotspot -h'"
"""One-line description (the verb listing of ``sunsink --help``)."""

USAGE = """usage: sunsink hotspot -f <flp> -p <ptrace> [-o <ttrace>] [-c <config>] [-materials_file <file>]
                       [-model_type block|grid] [-grid_rows N] [-grid_cols N] [-grid_map_mode avg|min|max|center]
                       [-grid_layer_file <lcf>] [-detailed_3D on|off] [-steady_file <file>]
                       [-grid_steady_file <file>] [-grid_transient_file <file>] [-init_file <file>]
                       [-sampling_intvl s] [-scheme hotspot|converged] [-transient_solver rk4|be]
                       [-converged_tol K] [-converged_max_cells N] [-<config name> <value> ...]
HotSpot 7's command line; see `sunsink hotspot -h`."""

HELP_FLAGS = ("-h", "-help", "--help")
EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_NOT_CONVERGED = 0, 1, 2, 3

#: Options HotSpot reads from the command line only (never from the -c file).
_CMDLINE_ONLY = ("f", "p", "o", "c", "d", "detailed_3d", "use_microchannels", "materials_file")
_OURS = ("scheme", "transient_solver", "converged_tol", "converged_max_cells")
#: Input files of the command line, by option.
_INPUT_OPTIONS = ("c", "materials_file", "f", "p")
#: HotSpot 7 (commit f18831e) reads these names only for features this replica refuses to switch on
#: (temperature.c: secondary heat path, leakage mode, DTM clock; package.c: the detailed package model;
#: microchannel.c: microchannels).  With the feature off HotSpot ignores them, and so does sunsink.
_HOTSPOT7_INERT = (
    "r_convec_sec", "c_convec_sec", "n_metal", "t_metal", "t_c4", "s_c4", "n_c4", "s_sub", "t_sub", "s_solder",
    "t_solder", "s_pcb", "t_pcb", "leakage_mode", "base_proc_freq", "package_config_file",
    "natural_convec", "flow_type", "sink_type", "fin_height", "fin_width", "channel_width", "pin_height",
    "pin_diam", "pin_dist", "fan_radius", "motor_radius", "rpm",
    "pumping_pressure", "pump_internal_res", "inlet_temperature", "coolant_capac", "coolant_res", "coolant_visc",
    "wall_capac", "wall_res", "htc", "network_file", "wall_material", "coolant_material",
)
#: Names of HotFloorplan (HotSpot 7 flp.c), which reads the same config files.
_HOTFLOORPLAN = ("wrap_l2", "l2_label", "model_rim", "rim_thickness", "compact_ratio", "n_orients", "p0", "davg",
                 "kmoves", "rcool", "rreject", "nmax", "lambdaa", "lambdat", "lambdaw")
#: In HotSpot 7's own example.config, read by no HotSpot 7 program (microchannels: -use_microchannels).
_UNREAD_EXAMPLE = ("use_microfluidic_cooling",)
#: Refused with a reason: HotSpot options whose output sunsink does not produce.
_REFUSED = {"d": "-d (HotSpot's dump of the configuration used) is not written by sunsink hotspot; drop it"}


def _known_names() -> tuple[str, ...]:
    """Every option name the command line accepts (lower case): the replica's configuration
    (:class:`thermal.chip.hotspot.config.HotSpotConfig` and ``material_<part>``), HotSpot's command-line-only
    options, sunsink's own, and HotSpot 7's names for the features refused when switched on."""

    names = [f.name.lower() for f in dataclasses.fields(HotSpotConfig)]
    names += [f"material_{part}" for part in _MATERIAL_PARTS]
    return tuple(dict.fromkeys(names + list(_CMDLINE_ONLY) + list(_OURS) + list(_HOTSPOT7_INERT)))


def _suggest(name: str, known) -> str:
    close = difflib.get_close_matches(name.lstrip("-").lower(), known, n=1, cutoff=0.6)
    return f"; did you mean -{close[0]}?" if close else "; see 'sunsink hotspot -h' for the options"


def _shown(name: str) -> str:
    """An option name as typed, escaped if it holds characters a terminal would not show."""
    return name if name.isprintable() else ascii(name)[1:-1]


def check_option_names(pairs) -> None:
    """Refuse (:class:`HotSpotError`) a command-line name HotSpot 7 does not read, a refused option and
    a name given twice (compared case-insensitively, as HotSpot does)."""

    known = _known_names()
    seen: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        if key in _REFUSED:
            raise HotSpotError(_REFUSED[key])
        if key not in known:
            hint = (" (read by HotFloorplan, not by HotSpot 7)" if key in _HOTFLOORPLAN else
                    " (read by no HotSpot 7 program)" if key in _UNREAD_EXAMPLE else "")
            raise HotSpotError(f"unknown option -{_shown(name)} {value!r}{hint}{_suggest(name, known)}")
        if key in seen:
            raise HotSpotError(f"-{_shown(name)} is given twice ({seen[key]!r} and {value!r}); HotSpot would keep the "
                               "first without a word: give it once")
        seen[key] = value


def warn_unknown_config_names(pairs, path) -> None:
    """One warning line per name of the -c file that neither HotSpot 7 nor HotFloorplan reads."""
    known = _known_names()
    for name, _ in pairs:
        key = name.lower()
        if key not in known + _HOTFLOORPLAN + _UNREAD_EXAMPLE:
            print(f"sunsink hotspot: warning: -c {path}: -{_shown(name)} is read by neither HotSpot 7 nor HotFloorplan; "
                  f"ignored{_suggest(name, known)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print(USAGE, file=sys.stderr)
        return EXIT_BAD_INPUT
    if any(tok in HELP_FLAGS for tok in argv[::2]):      # a help flag where an option name stands
        print(__doc__)
        return EXIT_OK

    setup(x32=False)   # the entry point's precision: float64, set in one place (studies.cli)

    try:
        with exit_on_signals():
            return run(argv)
    except TerminationSignal as exc:
        _error(f"interrupted by {exc.signal_name}; no files written")
        return int(exc.code)
    except KeyboardInterrupt:
        _error("interrupted by SIGINT; no files written")
        return 130
    except (HotSpotError, ValueError, OSError) as exc:
        _error(" ".join(str(exc).split()) or type(exc).__name__)
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001 -- a computation failed: one line, no traceback
        _error(f"computation failed: {type(exc).__name__}: {' '.join(str(exc).split())}")
        return EXIT_FAILED


def _error(message: str) -> None:
    print(f"sunsink hotspot: error: {message}", file=sys.stderr)


@contextlib.contextmanager
def _reading(flag: str, path):
    """Errors of reading an input file name the option and the path, on one line."""

    try:
        yield
    except (OSError, ValueError) as exc:
        msg = (exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)) or type(exc).__name__
        p = str(path)
        raise HotSpotError(f"{flag}: {msg}" if p in msg else f"{flag} {p}: {msg}") from None


def check_input_file(flag: str, path) -> Path:
    """``path`` must be a readable regular file (checked before any work)."""

    try:
        p = Path(path)
        if not p.exists():
            why = "no such file"
        elif p.is_dir():
            why = "is a directory, not a file"
        elif not os.access(p, os.R_OK):
            why = "cannot be read (permission denied)"
        else:
            return p
    except (OSError, ValueError) as exc:      # e.g. an embedded NUL byte, a name too long
        why = f"not a usable path ({exc})"
    raise HotSpotError(f"{flag} {str(path)!r}: {why}")


class _Outputs:
    """The run's output files: each checked (its folder exists and is writable) before any solve, written
    under a temporary name next to it, and renamed over the final name only when the whole run succeeds;
    on any failure the temporary files are removed and nothing appears."""

    def __init__(self):
        self._tmp: dict[Path, Path] = {}
        self._flag: dict[Path, str] = {}

    def reserve(self, flag: str, path) -> Path:

        try:
            final = Path(path)
            key = final.resolve()
            if key in self._flag:
                raise HotSpotError(f"{flag} and {self._flag[key]} name the same file {str(path)!r}")
            if final.is_dir():
                raise HotSpotError(f"{flag} {str(path)!r}: is a directory, not a file")
            parent = final.parent
            if not parent.is_dir():
                raise HotSpotError(f"{flag} {str(path)!r}: folder {str(parent)!r} "
                                   f"{'is not a directory' if parent.exists() else 'does not exist'}")
            tmp = parent / f".{final.name}.{uuid.uuid4().hex[:12]}.sunsink-tmp"
            tmp.open("x").close()           # writable? (and the name is ours)
        except OSError as exc:
            raise HotSpotError(f"{flag} {str(path)!r}: cannot be written ({exc.strerror or exc})") from None
        except ValueError as exc:
            if isinstance(exc, HotSpotError):
                raise
            raise HotSpotError(f"{flag} {str(path)!r}: not a usable path ({exc})") from None
        self._tmp[final] = tmp
        self._flag[key] = flag
        return tmp

    def commit(self) -> None:
        for final, tmp in self._tmp.items():
            os.replace(tmp, final)
        self._tmp.clear()

    def discard(self) -> None:
        for tmp in self._tmp.values():
            with contextlib.suppress(OSError):
                tmp.unlink()
        self._tmp.clear()


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

        self.cfg = cfg
        self.kind = cfg.model_type
        if lcf_path is not None and self.kind != "grid":
            raise HotSpotError("-grid_layer_file needs -model_type grid")
        if self.kind == "grid":
            if lcf_path is not None:
                with _reading("-grid_layer_file", lcf_path):
                    lcf = read_lcf(lcf_path, materials)
                base = Path(lcf_path).parent
                layers = []
                for n, L in enumerate(lcf):
                    flag = f"-grid_layer_file {lcf_path}: layer {n}'s floorplan"
                    path = check_input_file(flag, _resolve(L.floorplan_file, base))
                    with _reading(flag, path):
                        layers.append((L, read_flp(path)))
                self.m = HotSpotGrid(cfg, lcf_layers=layers)
            else:
                if flp_path is None:
                    raise HotSpotError("either -f <floorplan> or -grid_layer_file <lcf> is required")
                with _reading("-f", flp_path):
                    fp = read_flp(flp_path)
                self.m = HotSpotGrid(cfg, fp)
            self.layers = [(n, (L.prefix, L.floorplan)) for n, L in enumerate(self.m.layers)]
            self.power_layers = [self.layers[n] for n in self.m.power_layers]
        else:
            if flp_path is None:
                raise HotSpotError("-f <floorplan> is required by the block model")
            with _reading("-f", flp_path):
                fp = read_flp(flp_path)
            self.m = HotSpotBlock(cfg, fp)
            fp = self.m.floorplan
            self.layers = [(n, (p, fp)) for n, p in enumerate(("", "iface_", "hsp_", "hsink_"))]
            self.power_layers = [self.layers[0]]

    def chip_layers(self):
        """The chip part of the stack (layers above the spreader) as :class:`GridLayer` records."""
        if self.kind == "grid":
            return list(self.m.layers[:self.m.spidx])

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

        names = self.entry_names()
        if cfg.init_file is not None:
            with _reading("-init_file", cfg.init_file):
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
    """The command (``argv`` without the verb); raises :class:`HotSpotError` on bad input."""
    outputs = _Outputs()
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):   # _finite_result says it once
            status = _run(argv, outputs)
        if status == EXIT_OK:
            outputs.commit()
        return status
    finally:
        outputs.discard()


def _finite_result(what: str, values) -> None:
    """A NaN or infinite temperature is never written or printed as an answer (exit status 1)."""
    if not np.all(np.isfinite(values)):
        raise FloatingPointError(f"the {what} is not finite (NaN or inf temperatures): the inputs overflow the "
                                 "model (look at extreme values such as -init_temp or -ambient); no files written")


def _finite(cfg) -> None:
    """Every number of the configuration is finite (HotSpot 7 reads 'nan' and 'inf' as numbers)."""

    for f in dataclasses.fields(cfg):
        v = getattr(cfg, f.name)
        if isinstance(v, float) and not math.isfinite(v):
            raise HotSpotError(f"-{f.name} {v!r}: must be a finite number")


def _run(argv: list[str], outputs: _Outputs) -> int:

    cmd = parse_hotspot_pairs(argv)
    check_option_names(cmd)
    for key in _INPUT_OPTIONS:
        value = _first(cmd, key)
        if value is not None and not (key == "materials_file" and value == NULLFILE):
            check_input_file(f"-{key}", value)
    config_file = _first(cmd, "c")
    filed = []
    if config_file is not None:
        with _reading("-c", config_file):
            raw = read_config_pairs(config_file)
        warn_unknown_config_names(raw, config_file)
        filed = [(k, v) for k, v in raw if k.lower() not in _CMDLINE_ONLY + _OURS]
    pairs = cmd + filed
    scheme = (_first(cmd, "scheme") or "hotspot").lower()
    if scheme not in ("hotspot", "converged"):
        raise HotSpotError(f"-scheme {scheme!r}: use 'hotspot' or 'converged'")
    solver = (_first(cmd, "transient_solver") or "rk4").lower()
    if solver not in ("rk4", "be"):
        raise HotSpotError(f"-transient_solver {solver!r}: use 'rk4' or 'be'")
    tol_s, cells_s = _first(cmd, "converged_tol"), _first(cmd, "converged_max_cells")
    try:
        tol = float(tol_s or 0.1)
    except ValueError:
        raise HotSpotError(f"-converged_tol {tol_s!r}: expected a number [K]") from None
    try:
        max_cells = int(cells_s or 512)
    except ValueError:
        raise HotSpotError(f"-converged_max_cells {cells_s!r}: expected an integer") from None
    if not (math.isfinite(tol) and tol > 0):
        raise HotSpotError(f"-converged_tol {tol_s}: must be a finite number > 0 K")
    if max_cells < 8:
        raise HotSpotError(f"-converged_max_cells {cells_s}: must be an integer >= 8")
    mfile = _first(cmd, "materials_file")
    materials = {}
    if mfile and mfile != NULLFILE:
        with _reading("-materials_file", mfile):
            materials = read_materials(mfile)
    cfg = hotspot_config(pairs, materials)
    _finite(cfg)
    ptrace = _first(cmd, "p")
    if ptrace is None:
        raise HotSpotError("required parameter -p <power trace> missing")
    flp = _first(cmd, "f")
    out_trace = _first(cmd, "o")
    if out_trace == NULLFILE:
        out_trace = None
    if scheme == "converged" and out_trace is not None:
        raise HotSpotError("-scheme converged computes the steady state only; drop -o or use -scheme hotspot")
    if solver == "be" and out_trace is not None and cfg.model_type == "block":
        raise HotSpotError("-transient_solver be reproduces HotSpot's SuperLU build, which changes the grid "
                           "model only; the block model always uses RK4")
    grid = cfg.model_type == "grid"
    if not grid:
        for key in ("grid_steady_file", "grid_transient_file"):
            if getattr(cfg, key) is not None:
                print(f"sunsink hotspot: warning: ignoring -{key} because the grid model is not used",
                      file=sys.stderr)
    if grid and cfg.grid_transient_file is not None and out_trace is None:
        print("sunsink hotspot: warning: ignoring -grid_transient_file because no transient (-o) is computed",
              file=sys.stderr)
    for key in ("init_file", "grid_layer_file"):
        if getattr(cfg, key) is not None and (grid or key == "init_file"):
            check_input_file(f"-{key}", getattr(cfg, key))
    # every output checked (and reserved under a temporary name) before any solve
    files = {"o": out_trace, "steady_file": cfg.steady_file,
             "grid_steady_file": cfg.grid_steady_file if grid else None,
             "grid_transient_file": cfg.grid_transient_file if grid and out_trace is not None else None}
    tmp = {key: outputs.reserve(f"-{key}", path) for key, path in files.items() if path is not None}

    model = _Model(cfg, flp, cfg.grid_layer_file if grid else None, materials)
    if flp is not None and cfg.grid_layer_file is not None and grid:
        print(f"sunsink hotspot: warning: layer configuration file {cfg.grid_layer_file} overrides "
              f"floorplan file {flp}", file=sys.stderr)
    with _reading("-p", ptrace):
        names, trace = read_ptrace(ptrace)
    if trace.shape[0] == 0:
        raise HotSpotError(f"-p {ptrace}: no power numbers in the trace file")
    cols = _power_columns(names, model.power_layers)
    init = model.initial(cfg) if out_trace is not None else None    # reads -init_file: before any solve
    desc = (f"{cfg.model_type} model" + (f" {cfg.grid_rows} x {cfg.grid_cols}, {model.m.n_layers} layers"
                                          if grid else f", {model.m.n_blocks} blocks"))
    print(f"sunsink hotspot: HotSpot 7 {desc}; {trace.shape[0]} power rows")

    if out_trace is not None:
        dt = cfg.sampling_intvl
        t = init
        rows = np.empty((trace.shape[0], len(cols)))
        gchunks = []
        for r in range(trace.shape[0]):
            t = model.step(t, model.powers(trace[r], cols), dt, solver)
            rows[r] = model.block_values(t, cols)
            if "grid_transient_file" in tmp:
                g = t[:model.m.n_grid].reshape(model.m.n_layers, model.m.rows, model.m.cols)
                gchunks.append(f"t = {r * dt:.6f}\n" + _grid_text(g))
        _finite_result("transient", rows)
        write_temperature_trace(tmp["o"], names, rows)
        if "grid_transient_file" in tmp:
            tmp["grid_transient_file"].write_text("".join(gchunks))
        print(f"transient ({'adaptive RK4' if solver == 'rk4' else 'backward Euler'}, {dt:g} s per row): "
              f"{trace.shape[0]} rows -> {out_trace}")

    mean_power = trace.sum(axis=0) / trace.shape[0]
    pw = model.powers(mean_power, cols)
    t_ss, entries = model.steady(pw)
    _finite_result("steady state", t_ss)
    names_all = model.entry_names()
    if scheme == "hotspot":
        hot = int(np.argmax(entries[:len(model.layers[0][1][1].blocks)]))
        print(f"steady state ({mean_power.sum():.4g} W mean power): hottest block {names_all[hot]} "
              f"{entries[hot]:.2f} K")
        out_entries = entries
        out_grid = (t_ss[:model.m.n_grid].reshape(model.m.n_layers, model.m.rows, model.m.cols) if grid else None)
    else:

        sizes = [len(fp.blocks) for _, (_, fp) in model.layers]
        starts = np.cumsum([0] + sizes)
        check = np.zeros(starts[-1] + 12, bool)
        for n, _ in model.power_layers:
            check[starts[n]:starts[n + 1]] = True
        conv = hotspot_converged.converged_steady(cfg, model.chip_layers(), pw, tol, max_cells=max_cells, progress=_progress,
                                check=check)
        print(format_comparison(names_all, entries, conv, sizes, [n for n, _ in model.power_layers], tol,
                                max_cells))
        if not conv.converged:
            _error(f"the converged scheme did not reach {tol:g} K: {_shortfall(conv, tol, max_cells)}; "
                   "no files written")
            return EXIT_NOT_CONVERGED
        out_entries, out_grid = conv.entries, conv.grid_k
    if "steady_file" in tmp:
        write_temperature_file(tmp["steady_file"], names_all, out_entries)
    if "grid_steady_file" in tmp:
        write_grid_temperatures(tmp["grid_steady_file"], out_grid)
    return EXIT_OK


def _progress(cells, n_sub, change):
    ch = "" if change != change else f", change {change:.3f} K"
    print(f"sunsink hotspot: converged scheme: {cells} x {cells} cells, sub-layers {n_sub}{ch}", file=sys.stderr)


def _shortfall(conv, tol, max_cells) -> str:
    """Why a refinement that did not converge stopped, with the error estimate it has (never 'inf')."""
    where = f"{conv.cells} x {conv.cells} cells, sub-layers {conv.n_sublayers}"
    if not math.isfinite(conv.x_change_k):
        return (f"no lateral error estimate: -converged_max_cells {max_cells} allowed no refinement beyond "
                f"the first lateral level ({where})")
    err = conv.z_change_k + conv.x_change_k
    if err < tol:
        return f"a linear solve of the refinement did not converge (estimated error {err:.3g} K at {where})"
    return f"estimated error {err:.3g} K at {where} (-converged_max_cells {max_cells})"


def format_comparison(names, hotspot, conv, layer_sizes, power_layers, tol, max_cells=None) -> str:
    """Side-by-side table: HotSpot's model vs the converged scheme, with the difference.

    When the refinement did not reach ``tol`` the column holds the finest level's values and is headed
    ``finest level [K]``, and the table says so first and last (never "converged").
    """
    ok = bool(conv.converged)
    label = "converged" if ok else "finest level"
    lines = [] if ok else [f"NOT CONVERGED to {tol:g} K: the '{label}' column is the last refinement level, "
                           "not a converged answer"]
    head = f"{'block':<24} {'HotSpot [K]':>12} {label + ' [K]':>17} {'diff [K]':>9}"
    lines += [head, "-" * len(head)]
    starts = np.cumsum([0] + list(layer_sizes))
    for n in power_layers:
        for i in range(starts[n], starts[n + 1]):
            d = conv.entries[i] - hotspot[i]
            lines.append(f"{names[i]:<24} {hotspot[i]:12.2f} {conv.entries[i]:17.2f} {d:+9.2f}")
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
    lines.append(f"hottest block: HotSpot {hotspot[pw].max():.2f} K, {label} {conv.entries[pw].max():.2f} K")
    if ok:
        lines.append(f"converged scheme: {conv.cells} x {conv.cells} cells over the sink, sub-layers "
                     f"{conv.n_sublayers}; estimated error of the dissipating layers' blocks "
                     f"{conv.z_change_k + conv.x_change_k:.3f} K (thickness {conv.z_change_k:.3f}, lateral "
                     f"{conv.x_change_k:.3f}); converged to {tol:g} K")
    else:
        lines.append(f"converged scheme: NOT converged to {tol:g} K: "
                     f"{_shortfall(conv, tol, 'N' if max_cells is None else max_cells)}")
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
