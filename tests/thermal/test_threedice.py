"""ChipModel reproduces 3D-ICE's solid-stack test cases (tests/data/3dice, README there).

3D-ICE (EPFL) is a cell-centred finite-volume model like ChipModel: one node per
cell, two-point conductances in series between half cells, the heat-sink face
through ``2 k h A / (h dz + 2 k)``, floorplan power by overlap area, backward-Euler
transients.  Mapped onto the same cells (``threedice_cases.chip_model``, which
also reproduces one 3D-ICE detail: an adiabatic outermost layer coupled over its
whole thickness), the two solve the same linear system, so agreement is asserted
at the level of the solvers and of 3D-ICE's printing, not of discretisation error:

* ``T`` probes (printed with 12 decimals): 1e-9 K -- PCG stops at a relative
  residual of 1e-11 of ~10 K rises, 3D-ICE solves directly (SuperLU); observed
  <= 7e-12 K;
* ``Tmap``, ``Tflp`` and 3D-ICE's shipped ``output_*.txt`` (3 decimals): half a unit
  of the last decimal, 5e-4 K, plus 1e-9 K; observed 5.0e-4 K (the rounding).

Where the schemes differ (the cell-centred half-cell at the adiabatic face;
ChipModel's own BDF2 transient against 3D-ICE's backward Euler) the difference is
compared with its analytic size or shown to shrink under refinement.

The microchannel and pin-fin cases (mc4rm, mc2rm, pf2rm) cannot be expressed in
ChipModel (no inter-tier coolant layer); they are recognised and skipped with the
reason.
"""
import re
from pathlib import Path

import numpy as np
import pytest

from threedice_cases import (UM, cell_index, chip_model, element_values, read_floorplan, read_probe, read_stack,
                             read_tmap)

DATA = Path(__file__).resolve().parents[1] / "data" / "3dice"
CASES = ("top", "bottom", "both")
DIES = ("die1", "die2")
TOL_PROBE_K = 1e-9            # 12-decimal probes: solver tolerance (see the module docstring)
TOL_PRINT_K = 5e-4 + 1e-9     # 3-decimal outputs: their rounding


def stk(name):
    return read_stack(DATA / name, root=DATA)


def out(path):
    p = DATA / path
    return p if p.exists() else p.with_name(p.name + ".gz")    # Tmaps are kept gzipped


def worst(diff, where=""):
    """max |diff| and, for the failure message, where it is."""
    d = np.abs(np.asarray(diff))
    i = np.unravel_index(int(np.argmax(d)), d.shape)
    return float(d[i]), f"{where} at index {tuple(int(v) for v in i)}"


def assert_probes(st, fields, times=None):
    """Every ``T``/``Tmap``/``Tflp`` output of ``st`` against ``fields`` (3D-ICE layer order);
    returns how many outputs of each kind were compared."""
    seen = {}
    for p in st.probes:
        layer = fields[..., st.source_index(p.element), :, :]
        if p.kind == "T":
            ref = read_probe(out(p.path))
            r, c = cell_index(st, *p.args)
            ours = layer[..., r, c]
            if times is not None:
                assert np.allclose(ref[:, 0], times, atol=1e-9)
            err, msg = worst(np.atleast_1d(ours) - ref[:, 1], p.path)
            assert err <= TOL_PROBE_K, (err, msg)
        elif p.kind == "Tmap":
            final = layer[-1] if times is not None else layer
            err, msg = worst(final - read_tmap(out(p.path)), p.path)
            assert err <= TOL_PRINT_K, (err, msg)
        elif p.kind == "Tflp":
            ref = read_probe(out(p.path))
            err, msg = worst(element_values(st, p.element, layer, p.args[0]) - ref[:, 1:], p.path)
            assert err <= TOL_PRINT_K, (err, msg)
        else:
            continue
        seen[p.kind] = seen.get(p.kind, 0) + 1
    return seen


# ---------------------------------------------------------------------- reading
def test_reader_maps_units_layers_and_floorplans():
    st = stk("solid/steady/bothsink.stk")
    assert st.materials == {"silicon": pytest.approx((130.0, 1.63566e6), rel=1e-12)}
    assert st.top_sink == pytest.approx((1e5, 300.0)) and st.bottom_sink == pytest.approx((1e5, 300.0))
    assert st.shape == (50, 200) and st.chip_m == pytest.approx((1e-2, 1e-2))
    assert [(L.name, L.thickness_m / UM, L.source) for L in st.layers] == [
        ("die2.source", 2.0, True), ("die2.1", 48.0, False), ("die1.0", 48.0, False), ("die1.source", 2.0, True)]
    assert st.step_s is None and st.initial_temperature_k == 300.0
    four = st.floorplans["die2"]
    assert [e.name for e in four] == ["background1", "background2", "background3", "background4"]
    assert [len(e.rects_m) for e in four] == [5, 1, 1, 6]
    assert sum(e.area_m2 for e in four) == pytest.approx(1e-4, rel=1e-12)        # tiles the chip
    slots = np.array([e.power_w for e in four])
    assert slots.shape == (4, 12) and slots[:, 0].sum() == 25.0 and slots[:, 4].sum() == 25.0
    assert read_floorplan(DATA / "background.flp")[0].power_w[:5] == (50.0, 50.0, 50.0, 50.0, 0.0)
    tr = stk("solid/transient/topsink.stk")
    assert (tr.step_s, tr.slot_s, tr.bottom_sink) == (0.002, 0.02, None)


def test_probe_cells_are_those_3dice_reports():
    """``cell_index`` picks the cell 3D-ICE names in each probe file's header."""
    st, n = stk("derived/steady_bothsink.stk"), 0
    for path in sorted((DATA / "derived" / "results").glob("*/die*_x*_y*.txt")):
        head = path.read_text().splitlines()[1]
        col, row = map(int, re.search(r"found= \[(\d+),(\d+)\]", head).groups())
        x, y = map(float, re.search(r"_x(\d+)_y(\d+)", path.name).groups())
        assert cell_index(st, x * UM, y * UM) == (row, col), path
        n += 1
    assert n == 60


def test_derived_inputs_are_the_shipped_cases():
    """The stacks run for the references differ from 3D-ICE's own only where README.md says."""
    def model_part(name):
        text = (DATA / name).read_text()
        return text[:text.index("output:")]
    for an in ("steady", "transient"):
        for case in CASES:
            assert model_part(f"derived/{an}_{case}sink.stk") == model_part(f"solid/{an}/{case}sink.stk")
    shipped = model_part("solid/transient/bothsink.stk")
    for us in (1000, 500, 250, 125):
        expect = (shipped.replace('"background.flp"', '"derived/background_off.flp"')
                  .replace("cell length    50 , width    200 ;", "cell length   200 , width    500 ;")
                  .replace("transient step 0.002,", f"transient step {us * 1e-6:.6f},"))
        assert model_part(f"derived/die2only_coarse_step{us}us.stk") == expect
    off = read_floorplan(DATA / "derived" / "background_off.flp")
    assert [e.rects_m for e in off] == [e.rects_m for e in read_floorplan(DATA / "background.flp")]
    assert all(p == 0.0 for e in off for p in e.power_w)


# ---------------------------------------------------------------------- steady
@pytest.mark.parametrize("case", CASES)
def test_steady_matches_3dice(case):
    st = stk(f"derived/steady_{case}sink.stk")
    fields = chip_model(st).steady()
    assert assert_probes(st, fields) == {"T": 10, "Tmap": 2}
    # 3D-ICE's own expected output (its test/solid/steady/output_*.txt): time, T(die1 probe), T(die2 probe)
    shipped = stk(f"solid/steady/{case}sink.stk")
    ref = read_probe(DATA / "solid" / "steady" / f"output_{case}.txt")[0, 1:]
    ours = [fields[shipped.source_index(p.element)][cell_index(shipped, *p.args)] for p in shipped.probes]
    assert np.max(np.abs(np.array(ours) - ref)) <= TOL_PRINT_K


@pytest.mark.parametrize("case", ["top", "bottom"])
def test_steady_cell_centred_face_differs_by_half_a_cell(case):
    """Mapped without 3D-ICE's full-thickness coupling of the adiabatic outer layer, ChipModel's
    cell-centred scheme puts that layer's node half a cell closer to its neighbour: the outer
    layer's cells run cooler by the heat they make times dz/(2 k A) (the 1-D resistance of the
    half cell; here 50 W over 1 cm^2 in 2 um of silicon: 3.85 mK), the rest is unchanged.
    Exact under uniform power (top sink: die 1's background); where the power steps
    (bottom sink: die 2's four elements) lateral conduction in the 2 um layer moves some heat
    sideways before it crosses, 6.4 % of the peak at the worst cell: 10 % is asserted."""
    st = stk(f"derived/steady_{case}sink.stk")
    matched, physical = chip_model(st).steady(), chip_model(st, match_3dice=False).steady()
    outer = len(st.layers) - 1 if case == "top" else 0          # the layer at the adiabatic face
    heat = chip_model(st).heat_by_layer(0)[outer]
    L = st.layers[outer]
    k = st.materials[L.material][0]
    expect = heat * L.thickness_m / (2 * k * st.cell_m[0] * st.cell_m[1])
    assert np.max(expect) == pytest.approx(3.846e-3, rel=1e-3)
    err, msg = worst(matched[outer] - physical[outer] - expect, "outer layer")
    assert err <= 0.1 * np.max(expect), (err, msg)
    inner = [i for i in range(len(st.layers)) if i != outer]
    assert np.max(np.abs(matched[inner] - physical[inner])) <= 0.1 * np.max(expect)


# ---------------------------------------------------------------------- transient
@pytest.mark.parametrize("case", CASES)
def test_transient_matches_3dice_backward_euler(case):
    """Every step of 3D-ICE's backward-Euler run (2 ms steps, 12 slots of 20 ms)."""
    st = stk(f"derived/transient_{case}sink.stk")
    times, fields = chip_model(st).transient_backward_euler()
    assert times.shape == (120,)
    assert assert_probes(st, fields, times) == {"T": 10, "Tmap": 2, "Tflp": 4}
    shipped = stk(f"solid/transient/{case}sink.stk")
    ref = read_probe(DATA / "solid" / "transient" / f"output_{case}.txt")
    assert np.allclose(ref[:, 0], times, atol=5e-4)
    ours = np.stack([fields[:, shipped.source_index(p.element)][(slice(None),) + cell_index(shipped, *p.args)]
                     for p in shipped.probes], axis=1)
    err, msg = worst(ours - ref[:, 1:], "shipped output")
    assert err <= TOL_PRINT_K, (err, msg)


def test_bdf2_transient_converges_to_3dice():
    """ChipModel's own transient (BDF2) against 3D-ICE's backward Euler, die 2 powered only.

    The schemes differ, so agreement is shown by refinement: the reference is the
    Richardson extrapolation of 3D-ICE's first-order runs at 250 and 125 us steps
    (``2 T(dt/2) - T(dt)``; the same from 500 and 250 us differs from it by 0.006 K),
    on a 50 x 20-cell version of the both-sink stack, over the first 0.12 s (the
    start and a power switch at 0.08 s), at 2 ms instants, for the four element
    averages and the hottest cell.  The stack's fastest time constant (C/h of 100 um of
    silicon between two 1e5 W/(m^2 K) sinks, ~0.8 ms) is resolved from dt ~ 0.5 ms:
    BDF2's error, 0.49 K at 1 ms steps, falls 3.2x to 0.15 K at 0.5 ms (first order
    would give 2x), where it is below 3D-ICE's own backward-Euler error at that step
    (0.23 K).  Asserted: < 0.6 K and < 0.2 K, a fall of more than 2.5x, and below
    backward Euler at 0.5 ms.
    """
    def sampled(us):                                            # 3D-ICE prints every step; keep t = 2, 4, ... ms
        d, k = f"derived/results/die2only_coarse_step{us}us", 2000 // us
        return (read_probe(out(f"{d}/flp_die2_avg.txt"))[k - 1::k, 1:][:n],
                read_probe(out(f"{d}/flp_die2_max.txt"))[k - 1::k, 1:].max(axis=1)[:n])

    def error(avg_hottest, reference):
        return max(np.max(np.abs(a - b)) for a, b in zip(avg_hottest, reference))

    n = 60                                                      # 0.12 s at 2 ms
    ref = {us: sampled(us) for us in (1000, 500, 250, 125)}
    rich = [2 * a - b for a, b in zip(ref[125], ref[250])]
    assert error(rich, [2 * a - b for a, b in zip(ref[250], ref[500])]) < 0.01   # the reference's own error
    st = stk("derived/die2only_coarse_step1000us.stk")
    mp = chip_model(st)
    assert not mp.cell_heat(0).any() and mp.dies[0] == "die2"
    sizes = [len(e.rects_m) for e in st.floorplans["die2"]]
    bdf2, euler = {}, {}
    for dt in (1e-3, 5e-4):                                     # 240 steps both: one compiled program
        sol = mp.model.transient(mp.params, mp.block_trace(dt, 240), dt, initial_temperature_k=300.0)
        assert bool(sol.converged)
        k = int(round(2e-3 / dt))
        blocks = np.asarray(sol.block_temperature_k)[k - 1::k][:n]
        # element average as 3D-ICE takes it: the plain mean of its rectangles (cell-aligned blocks)
        avg = np.stack([b.mean(axis=1) for b in np.split(blocks, np.cumsum(sizes)[:-1], axis=1)], axis=1)
        bdf2[dt] = error((avg, np.asarray(sol.max_junction_k)[k - 1::k][:n]), rich)
        euler[dt] = error(ref[int(round(dt * 1e6))], rich)
    assert bdf2[1e-3] < 0.6 and bdf2[5e-4] < 0.2, bdf2
    assert bdf2[5e-4] < bdf2[1e-3] / 2.5, bdf2
    assert bdf2[5e-4] < euler[5e-4], (bdf2, euler)


# ---------------------------------------------------------------------- microchannels
@pytest.mark.parametrize("case", ["mc4rm", "mc2rm", "pf2rm"])
@pytest.mark.parametrize("analysis", ["steady", "transient"])
def test_microchannel_cases_are_not_representable(case, analysis):
    st = stk(f"{case}/{analysis}/2dies_four_elements.stk")
    assert st.channel == {"mc4rm": "microchannel 4rm", "mc2rm": "microchannel 2rm", "pf2rm": "pinfin"}[case]
    with pytest.raises(ValueError, match="inter-tier coolant layer"):
        chip_model(st)
    pytest.skip(f"3D-ICE {case}: the coolant flows between the two dies (an inter-tier channel whose "
                f"temperature is advected along the flow); ChipModel cools only its bottom (and top) face "
                f"with a prescribed coolant temperature (tests/data/3dice/README.md)")
