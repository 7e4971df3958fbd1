"""A sweep split over two ``jax.distributed`` processes equals the same sweep in one process.

The test launches two local processes. Each initialises ``jax.distributed`` with the
coordinator on 127.0.0.1. Process 0 has one CPU device and process 1 has two virtual CPU
devices, so the job has three global devices. Each process takes its share of the points
with :func:`studies.analysis.sweep.process_share` and evaluates it with
:func:`studies.analysis.sweep.run_sweep`, as ``sunsink sweep`` does. Both engine paths run:
process 0 uses ``map`` on one CPU device, and process 1 uses ``vmap`` sharded over its two
local devices. Each process writes its rows to a file. The test concatenates the files in
process order and compares them with a single-process run of the same sweep.

The sweep function combines three things:

- a closed form evaluated independently with numpy, which checks that every gathered
  row belongs to its point;
- the cylindrical eclipse fraction, also checked against its closed form;
- real leaf models: the orbital flux time series on a sun-edge-on plate
  (``thermal.plate_environment``), and the level-0 isothermal radiator area it implies
  (``thermal.isothermal_panel_area_m2``).

The test is skipped, with the reason, only where no TCP connection to 127.0.0.1 can be
made (``jax.distributed`` needs one). Any other failure to initialise fails the test. A
hung coordinator fails the test after a bounded time (a process gives up waiting for its
peer after 30 s; both are killed after 60 s) instead of hanging.

References
----------
- JAX documentation, "Introduction to multi-controller JAX": ``jax.distributed.initialize(
  coordinator_address, num_processes, process_id)``, ``jax.process_index``,
  ``jax.local_devices``.
- Rickman, S. L. (2014), NASA TFAWS "Introduction to Orbital Mechanics and Spacecraft
  Attitudes for Thermal Engineers": cylindrical-shadow eclipse fraction
  f = arccos(sqrt(h^2 + 2 R h) / ((R + h) cos beta)) / pi where the argument is below 1,
  else 0.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

N_POINTS = 37          # odd: the two shares differ in size (18 + 19), and chunks are padded
CHUNK = 8
N_ORBIT_SAMPLES = 24
HEAT_LOAD_W = 150e3
PANEL_TEMPERATURE_K = 330.0
R_EARTH_M = 6378137.0  # must match orbit.constants (checked below)
CHILD_TIMEOUT_S = 60.0
INIT_TIMEOUT_S = 30    # jax.distributed waits this long for the other process, then fails


def sweep_points() -> dict[str, np.ndarray]:
    """The sweep's points: a Latin hypercube over altitude [m] and beta angle [rad]."""
    from studies.analysis.sweep import latin_hypercube

    return latin_hypercube({"altitude_m": (400e3, 1200e3), "beta_rad": (-1.2, 1.2)}, N_POINTS, seed=7)


def sweep_fn(p):
    """One sweep point -> a closed form, the eclipse fraction and two leaf-model results."""
    import jax.numpy as jnp

    import orbit
    import thermal

    h, beta = p["altitude_m"], p["beta_rad"]
    env = thermal.plate_environment(h, beta, "sun_edge_on", N_ORBIT_SAMPLES)
    q = jnp.stack([thermal.absorbed_flux_w_m2(env.face_a, 0.2, 0.9),
                   thermal.absorbed_flux_w_m2(env.face_b, 0.2, 0.9)], axis=-1)       # (samples, 2)
    area = thermal.isothermal_panel_area_m2(HEAT_LOAD_W, PANEL_TEMPERATURE_K, jnp.array([0.9, 0.9]),
                                            jnp.mean(q, axis=0))
    return {
        "closed_form": (2.0 + jnp.sin(beta)) * (h / 1e6) ** 2 + jnp.exp(-h / 1e6),
        "eclipse_fraction": orbit.eclipse_fraction(h, beta),
        "absorbed_w_m2": q,
        "radiator_area_m2": area,
    }


CHILD = textwrap.dedent("""
    import sys, time
    t0 = time.perf_counter()
    port, pid, out_path, test_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    import jax
    jax.config.update("jax_enable_x64", True)
    jax.distributed.initialize(coordinator_address=f"127.0.0.1:{port}", num_processes=2, process_id=pid,
                               coordinator_bind_address=f"127.0.0.1:{port}",
                               initialization_timeout=%(init)d, shutdown_timeout_seconds=%(init)d)
    print(f"process {pid}: initialised at {time.perf_counter() - t0:.1f} s", flush=True)
    import numpy as np
    sys.path.insert(0, test_dir)
    from test_sweep_distributed import sweep_fn, sweep_points
    from studies.analysis.sweep import process_share, run_sweep
    print(f"process {pid}: imported at {time.perf_counter() - t0:.1f} s", flush=True)
    assert jax.process_count() == 2 and jax.process_index() == pid, (jax.process_count(), jax.process_index())
    n_local = pid + 1                       # process 0: one CPU device, process 1: two
    assert len(jax.local_devices()) == n_local and len(jax.devices()) == 3, (jax.local_devices(), jax.devices())
    pts = sweep_points()
    share = process_share(len(pts["altitude_m"]))
    mine = {k: v[share] for k, v in pts.items()}
    starts = []
    # As `sunsink sweep` calls it: all local devices, automatic vectorisation ("map" on one CPU
    # device in process 0; "vmap" sharded over the two local devices in process 1).
    res = run_sweep(sweep_fn, mine, chunk_size=%(chunk)d, progress=None, on_chunk=lambda s, r: starts.append(s))
    print(f"process {pid}: sweep done at {time.perf_counter() - t0:.1f} s", flush=True)
    np.savez(out_path, start=share.start, stop=share.stop, chunk_starts=np.array(starts),
             **{"points_" + k: v for k, v in mine.items()}, **{"result_" + k: v for k, v in res.items()})
    jax.distributed.shutdown()
    print(f"process {pid}: done at {time.perf_counter() - t0:.1f} s", flush=True)
""") % {"init": INIT_TIMEOUT_S, "chunk": CHUNK}

BIND_FAILURE = ("failed to add port", "failed to start rpc server", "address already in use")


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _child_env(process_id: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "_proxy" not in k.lower()}  # gRPC would obey a proxy
    env.update(JAX_PLATFORMS="cpu", XLA_FLAGS=f"--xla_force_host_platform_device_count={process_id + 1}")
    return env


def _launch(tmp_path: Path, attempt: int) -> tuple[list[int], bool, str, list[Path]]:
    """Start both processes on a fresh port; return exit codes, timed out?, their logs and outputs.

    Both are killed when the time is up or as soon as one of them fails."""
    port = _free_port()
    outs = [tmp_path / f"attempt{attempt}_p{i}.npz" for i in range(2)]
    logs = [tmp_path / f"attempt{attempt}_p{i}.log" for i in range(2)]
    procs = []
    for i in range(2):
        with open(logs[i], "w") as log:
            procs.append(subprocess.Popen(
                [sys.executable, "-c", CHILD, str(port), str(i), str(outs[i]), str(Path(__file__).parent)],
                stdout=log, stderr=subprocess.STDOUT, env=_child_env(i), cwd=Path(__file__).parents[2]))
    deadline = time.monotonic() + CHILD_TIMEOUT_S
    while True:
        codes = [p.poll() for p in procs]
        if None not in codes or any(c not in (None, 0) for c in codes):
            timed_out = False    # both finished, or one failed (the other cannot finish without it)
            break
        if time.monotonic() > deadline:
            timed_out = True
            break
        time.sleep(0.1)
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    codes = [p.returncode for p in procs]
    text = "\n".join(f"--- process {i} (exit {codes[i]}) ---\n{logs[i].read_text()}" for i in range(2))
    return codes, timed_out, text, outs


def _loopback_works() -> str | None:
    """None if a TCP connection to 127.0.0.1 can be made here, else the reason it cannot."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as srv:
            srv.bind(("127.0.0.1", 0))
            srv.listen(1)
            with socket.create_connection(srv.getsockname(), timeout=5):
                pass
    except OSError as exc:
        return f"no TCP on 127.0.0.1 for the jax.distributed coordinator: {exc}"
    return None


@pytest.fixture(scope="module")
def distributed_run(tmp_path_factory):
    """Run the sweep in two jax.distributed processes; their saved shares, in process order."""
    reason = _loopback_works()
    if reason is not None:
        pytest.skip(reason)
    tmp_path = tmp_path_factory.mktemp("distributed_sweep")
    for attempt in range(3):
        codes, timed_out, text, outs = _launch(tmp_path, attempt)
        if codes == [0, 0]:
            return [dict(np.load(o)) for o in outs]
        if any(s in text.lower() for s in BIND_FAILURE) and "initialised" not in text:
            continue   # another program took the port between the probe and the bind: new port
        if timed_out:
            pytest.fail(f"distributed sweep did not finish within {CHILD_TIMEOUT_S:.0f} s\n{text}")
        pytest.fail(f"distributed sweep failed\n{text}")
    pytest.fail(f"could not bind a coordinator port on 127.0.0.1 in 3 attempts\n{text}")


@pytest.fixture(scope="module")
def reference():
    """The same sweep in this (single) process, unsharded."""
    from studies.analysis.sweep import run_sweep

    pts = sweep_points()
    return pts, run_sweep(sweep_fn, pts, chunk_size=CHUNK, progress=None, shard=False)


def _gathered(run, key):
    """Concatenate one saved array of every process, in process order (the gather)."""
    return np.concatenate([p[key] for p in run], axis=0)


def test_two_processes_match_single_process(distributed_run, reference):
    pts, ref = reference
    p0, p1 = distributed_run
    # The shares are contiguous, ordered, disjoint and cover every point once: 18 + 19.
    assert (int(p0["start"]), int(p0["stop"]), int(p1["start"]), int(p1["stop"])) == (0, 18, 18, N_POINTS)
    # Chunks of 8 points (a multiple of both local device counts); each share's last chunk is padded.
    assert list(p0["chunk_starts"]) == [0, 8, 16] and list(p1["chunk_starts"]) == [0, 8, 16]
    for k in pts:
        np.testing.assert_array_equal(_gathered(distributed_run, "points_" + k), pts[k])
    assert set(ref) == {k[len("result_"):] for k in p0 if k.startswith("result_")}
    for k, v in ref.items():
        got = _gathered(distributed_run, "result_" + k)
        assert got.shape == v.shape, (k, got.shape, v.shape)
        np.testing.assert_allclose(got, v, rtol=1e-13, atol=1e-13 * float(np.max(np.abs(v))), err_msg=k)
    assert ref["absorbed_w_m2"].shape == (N_POINTS, N_ORBIT_SAMPLES, 2)


def test_gathered_rows_against_closed_forms(distributed_run):
    """Independent of JAX: each gathered row belongs to its point."""
    import orbit.constants

    assert orbit.constants.R_EARTH_M == R_EARTH_M
    h = _gathered(distributed_run, "points_altitude_m")
    b = _gathered(distributed_run, "points_beta_rad")
    closed = (2.0 + np.sin(b)) * (h / 1e6) ** 2 + np.exp(-h / 1e6)
    arg = np.sqrt(h * h + 2 * R_EARTH_M * h) / ((R_EARTH_M + h) * np.cos(b))
    eclipse = np.where(arg < 1.0, np.arccos(np.minimum(arg, 1.0)) / np.pi, 0.0)
    assert 0 < np.count_nonzero(eclipse) < N_POINTS   # both eclipsing and eclipse-free orbits are swept
    np.testing.assert_allclose(_gathered(distributed_run, "result_closed_form"), closed, rtol=1e-14)
    np.testing.assert_allclose(_gathered(distributed_run, "result_eclipse_fraction"), eclipse, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("n_proc", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("n_points", [0, 1, 3, 5, 9, 37, 1000])
def test_process_share_partitions_the_points(monkeypatch, n_points, n_proc):
    """Shares in process order tile [0, n) exactly once, with sizes differing by at most one.
    (The earlier ceiling split gave 9 points on 4 processes the shares 3, 3, 3, 0.)"""
    import jax

    from studies.analysis.sweep import process_share

    monkeypatch.setattr(jax, "process_count", lambda: n_proc)
    shares = []
    for k in range(n_proc):
        monkeypatch.setattr(jax, "process_index", lambda k=k: k)
        shares.append(process_share(n_points))
    assert shares[0].start == 0 and shares[-1].stop == n_points
    assert all(a.stop == b.start for a, b in zip(shares, shares[1:]))
    sizes = [s.stop - s.start for s in shares]
    assert min(sizes) >= 0 and max(sizes) - min(sizes) <= 1, sizes


def test_empty_share_gives_empty_columns():
    """A process whose share is empty (more processes than points) returns every column with no
    rows, so its caller (``sunsink sweep``: feasibility, archive) runs as for any other share."""
    import jax.numpy as jnp

    from studies.analysis.sweep import run_sweep

    res = run_sweep(lambda p: {"y": jnp.sin(p["x"]), "v": jnp.ones(3) * p["x"]}, {"x": np.zeros(0)}, progress=None)
    assert set(res) == {"y", "v"} and res["y"].shape == (0,) and res["v"].shape == (0, 3)
    assert res["y"].dtype == np.float64   # float64 on (tests' conftest)


IMPORT_THEN_INITIALISE = textwrap.dedent("""
    import sys
    import jax
    jax.config.update("jax_enable_x64", True)
    import studies.cli            # everything `sunsink` imports before it can read its arguments
    jax.distributed.initialize(coordinator_address=f"127.0.0.1:{sys.argv[1]}", num_processes=1, process_id=0,
                               coordinator_bind_address=f"127.0.0.1:{sys.argv[1]}", initialization_timeout=20)
    assert jax.process_count() == 1
    jax.distributed.shutdown()
    print("INITIALISED_AFTER_IMPORT")
""")


def test_sunsink_imports_leave_jax_distributed_possible():
    """``jax.distributed.initialize`` must precede every JAX computation, so importing the CLI
    (and the packages it composes) must not compute anything with JAX."""
    if (reason := _loopback_works()) is not None:
        pytest.skip(reason)
    r = subprocess.run([sys.executable, "-c", IMPORT_THEN_INITIALISE, str(_free_port())], capture_output=True,
                       text=True, timeout=CHILD_TIMEOUT_S, env=_child_env(0), cwd=Path(__file__).parents[2])
    assert "INITIALISED_AFTER_IMPORT" in r.stdout, r.stdout + r.stderr[-3000:]
