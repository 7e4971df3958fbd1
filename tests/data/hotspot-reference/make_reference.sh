#!/usr/bin/env bash
# Regenerate the HotSpot 7 reference outputs in this folder (see README.md).
#
# usage: make_reference.sh HOTSPOT_SRC OUT_DIR
#   HOTSPOT_SRC  a checkout of https://github.com/uvahotspot/HotSpot (commit in README.md),
#                built twice outside this repository:
#                  make                -> $HOTSPOT_SRC/hotspot      (default build: multigrid steady,
#                                                                    adaptive RK4 transient)
#                  make SUPERLU=1, in a copy $HOTSPOT_SRC-slu -> hotspot (SuperLU build: direct
#                                                                    steady, backward-Euler transient)
#   OUT_DIR      where the result files are written (this folder's layout).
# Nothing of HotSpot is vendored; only the small result files are kept.
set -euo pipefail
SRC=$(cd "$1" && pwd)
OUT=$(mkdir -p "$2" && cd "$2" && pwd)
HS=${HOTSPOT:-$SRC/hotspot}
HS_SLU=${HOTSPOT_SLU:-$SRC-slu/hotspot}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
q() { "$@" > /dev/null 2>&1; }

# ---------------------------------------------------------------- EV6 (examples/example2)
mkdir -p "$OUT/ev6"
cp -r "$SRC/examples/example2" "$WORK/ev6"   # inputs identical to tests/data/hotspot-ev6
cd "$WORK/ev6"
head -21 gcc.ptrace > gcc20.ptrace          # header + 20 rows, for the transient excerpts
head -11 gcc.ptrace > gcc10.ptrace
base="-c example.config -f ev6.flp -materials_file example.materials"
# grid steady, SuperLU build, several grids (square and one 32 rows x 16 columns)
for g in 16x16 32x32 64x64 128x128 32x16; do
  r=${g%x*}; c=${g#*x}
  q "$HS_SLU" $base -p gcc.ptrace -model_type grid -grid_rows $r -grid_cols $c \
     -steady_file "$OUT/ev6/grid$g.steady" -grid_steady_file "$WORK/ev6/grid$g.grid.steady"
done
cp grid16x16.grid.steady grid32x16.grid.steady "$OUT/ev6/"
# the default build's multigrid steady solver on the same grids
for n in 16 64; do
  q "$HS" $base -p gcc.ptrace -model_type grid -grid_rows $n -grid_cols $n \
     -steady_file "$OUT/ev6/grid${n}x${n}.multigrid.steady"
done
# grid-to-block mapping modes
for m in min max center; do
  q "$HS_SLU" $base -p gcc.ptrace -model_type grid -grid_rows 32 -grid_cols 32 -grid_map_mode $m \
     -steady_file "$OUT/ev6/grid32x32.$m.steady"
done
# transient, SuperLU build (one backward-Euler step per sampling interval), from the steady state
for n in 16 64; do
  q "$HS_SLU" $base -p gcc20.ptrace -model_type grid -grid_rows $n -grid_cols $n -steady_file init$n.steady
  q "$HS_SLU" $base -p gcc20.ptrace -model_type grid -grid_rows $n -grid_cols $n -init_file init$n.steady \
     -o "$OUT/ev6/grid${n}x${n}.be.ttrace"
done
# transient from the uniform init_temp, with a config override on the command line
q "$HS_SLU" $base -p gcc10.ptrace -model_type grid -grid_rows 32 -grid_cols 32 -init_temp 330.0 \
   -sampling_intvl 0.002 -o "$OUT/ev6/grid32x32.be.init330.dt2ms.ttrace"
# transient, default build (adaptive RK4), 16 x 16, 10 rows from the steady state
q "$HS" $base -p gcc10.ptrace -model_type grid -grid_rows 16 -grid_cols 16 -steady_file init16rk.steady
q "$HS" $base -p gcc10.ptrace -model_type grid -grid_rows 16 -grid_cols 16 -init_file init16rk.steady \
   -o "$OUT/ev6/grid16x16.rk4.ttrace"
# block model: steady, and transient (adaptive RK4) from the steady state and from init_temp
q "$HS" $base -p gcc.ptrace -model_type block -steady_file "$OUT/ev6/block.steady"
q "$HS" $base -p gcc.ptrace -model_type block -init_file "$OUT/ev6/block.steady" -o "$OUT/ev6/block.ttrace"
q "$HS" $base -p gcc20.ptrace -model_type block -o "$OUT/ev6/block.init_temp.ttrace"

# ---------------------------------------------------------------- 3-D stack (examples/example3)
mkdir -p "$OUT/example3"
cp -r "$SRC/examples/example3" "$WORK/ex3"
(cd "$WORK/ex3" && cp example.config example.lcf example.materials example.ptrace floorplan1.flp floorplan2.flp "$OUT/example3/")
cd "$WORK/ex3"
base="-c example.config -p example.ptrace -grid_layer_file example.lcf -materials_file example.materials -model_type grid"
for d in off on; do
  for n in 16 32 64; do
    q "$HS_SLU" $base -detailed_3D $d -grid_rows $n -grid_cols $n -steady_file "$OUT/example3/grid${n}x${n}.3d$d.steady" \
       -grid_steady_file "$WORK/ex3/grid${n}x${n}.3d$d.grid.steady"
  done
  cp grid16x16.3d$d.grid.steady "$OUT/example3/"
  q "$HS_SLU" $base -detailed_3D $d -grid_rows 32 -grid_cols 32 -init_file "$OUT/example3/grid32x32.3d$d.steady" \
     -o "$OUT/example3/grid32x32.3d$d.be.ttrace"
done

# ---------------------------------------------------------------- heterogeneous 3-D stack (examples/example4)
mkdir -p "$OUT/example4"
cp -r "$SRC/examples/example4" "$WORK/ex4"
(cd "$WORK/ex4" && cp example.config ev6_3D.lcf ev6_3D.ptrace ev6_3D_*.flp "$OUT/example4/")
cd "$WORK/ex4"
base="-c example.config -p ev6_3D.ptrace -grid_layer_file ev6_3D.lcf -model_type grid -detailed_3D on"
for n in 32 64; do
  q "$HS_SLU" $base -grid_rows $n -grid_cols $n -steady_file "$OUT/example4/grid${n}x${n}.steady"
done
q "$HS_SLU" $base -grid_rows 32 -grid_cols 32 -init_file "$OUT/example4/grid32x32.steady" \
   -o "$OUT/example4/grid32x32.be.ttrace"
echo "reference outputs written to $OUT"
