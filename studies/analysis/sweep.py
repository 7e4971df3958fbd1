"""Design sweeps: grids and Latin hypercubes evaluated with vmap, sharded over devices.

Points are evaluated in chunks (bounded memory).  Each chunk is a batch whose
leading axis is sharded over every local device with ``jax.sharding`` (a 1-D mesh
named ``"points"``), so a GPU node or a CPU with virtual devices
(``XLA_FLAGS=--xla_force_host_platform_device_count=8``) splits the work.  With
``jax.distributed`` initialised (several hosts), every process takes the
contiguous share of the points given by its process index and evaluates it on
its own local devices; results are gathered by the caller (each host writes its
own archive part).  Results of each chunk are handed to ``on_chunk`` as soon as
they are ready, so they can be streamed into an archive.
"""
from __future__ import annotations

import functools
import sys
import time
from typing import Callable, Mapping

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
from scipy.stats import qmc


def latin_hypercube(bounds: Mapping[str, tuple[float, float]], n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """``n`` Latin-hypercube points inside ``bounds`` {name: (lo, hi)} (scipy.stats.qmc)."""
    names = list(bounds)
    for k, (lo, hi) in bounds.items():
        if not hi > lo:
            raise ValueError(f"sweep bound {k} = ({lo}, {hi}) must have hi > lo")
    u = qmc.LatinHypercube(d=len(names), seed=seed).random(n)
    lo = np.array([bounds[k][0] for k in names])
    hi = np.array([bounds[k][1] for k in names])
    x = lo + u * (hi - lo)
    return {k: x[:, i] for i, k in enumerate(names)}


def full_grid(axes: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Cartesian product of 1-D axes {name: values}, flattened to points."""
    names = list(axes)
    mesh = np.meshgrid(*[np.asarray(axes[k], dtype=float) for k in names], indexing="ij")
    return {k: m.ravel() for k, m in zip(names, mesh)}


def process_share(n_points: int) -> slice:
    """The contiguous slice of points this process evaluates under jax.distributed.

    Process k of P takes points [k n // P, (k + 1) n // P): the shares are in process order,
    cover every point once and differ in size by at most one (empty only where n < P)."""
    n_proc, idx = jax.process_count(), jax.process_index()
    return slice(idx * n_points // n_proc, (idx + 1) * n_points // n_proc)


def _batched(fn, vectorize: str, n_dev: int):
    """Chunk evaluator: ``vmap`` (all points of the chunk in lock-step) or ``map`` (each device
    walks through its share of the chunk one point at a time inside one compiled program)."""
    if vectorize == "vmap":
        return jax.vmap(fn)

    def per_device(local):
        return jax.lax.map(fn, local)

    if n_dev == 1:
        return per_device

    def split(batch):
        shaped = jax.tree_util.tree_map(lambda a: a.reshape((n_dev, -1) + a.shape[1:]), batch)
        out = jax.vmap(per_device)(shaped)
        return jax.tree_util.tree_map(lambda a: a.reshape((-1,) + a.shape[2:]), out)

    return split


def _host_loop(fn, batch):
    """``fn`` at every point of ``batch`` from Python, stacked (run_sweep's ``vectorize="host"``)."""
    names = list(batch)
    rows = [fn({k: batch[k][i] for k in names}) for i in range(len(batch[names[0]]))]
    return jax.tree_util.tree_map(lambda *a: np.stack([np.asarray(x) for x in a]), *rows)


@functools.lru_cache(maxsize=32)
def _compiled(fn, vectorize: str, devices: tuple | None):
    """(sharding, jitted chunk evaluator), cached so that repeated sweeps of the same function
    (same chunk shape) reuse the compiled program instead of tracing a new closure."""
    if devices is None:
        return None, jax.jit(_batched(fn, vectorize, 1))
    mesh = Mesh(np.array(devices), ("points",))
    sharding = NamedSharding(mesh, P("points"))
    return sharding, jax.jit(_batched(fn, vectorize, len(devices)), in_shardings=(sharding,), out_shardings=sharding)


def run_sweep(fn: Callable[[dict], dict], points: Mapping[str, np.ndarray], *, chunk_size: int = 256,
              devices=None, on_chunk: Callable[[int, dict], None] | None = None, progress=sys.stderr,
              shard: bool = True, vectorize: str | None = None) -> dict[str, np.ndarray]:
    """Evaluate ``fn`` (a dict of scalars -> dict of scalars/arrays) at every point.

    Parameters
    ----------
    fn : traceable function of one point.
    points : {name: (n,) array}.
    chunk_size : points per batch (rounded up to a multiple of the device count).
    devices : devices to shard over (default: all local devices).
    on_chunk : called as ``on_chunk(start_index, results_of_chunk)`` after each chunk.
    shard : False evaluates unsharded on the default device (the reference).
    vectorize : "vmap" evaluates a device's points in lock-step (the right choice on a GPU/TPU);
        "map" evaluates them one after the other inside the same compiled program (the right
        choice on a CPU, where a vmapped iterative solver runs every point to the slowest
        point's iteration count and gains nothing from the batch: for the satellite model on
        one CPU device "vmap" ran at 0.5-0.7x and "map" at 1.2-1.4x the throughput of a loop of
        jitted calls, benchmarks/design.py).  Over several (virtual) CPU devices
        "map" has to synchronise the devices at every solver iteration and was 3x slower than
        "vmap" (2 devices).  Default: "map" on a single CPU device, "vmap" otherwise.  Both
        shard the chunk over the devices.  "host" calls ``fn`` once per point from Python, unjitted:
        for a ``fn`` that calls an already compiled program (a study's
        :meth:`studies.analysis.kernels.Kernels.evaluate`), so that the sweep compiles nothing new (the
        coupled model takes ~20-25 s to compile, the calls ~16 ms each).
    """
    if vectorize not in (None, "vmap", "map", "host"):
        raise ValueError(f"vectorize = {vectorize!r}; allowed: 'vmap', 'map', 'host' or None (automatic)")
    names = list(points)
    n = len(points[names[0]])
    if any(len(points[k]) != n for k in names):
        raise ValueError("all sweep point arrays must have the same length")
    devices = list(devices if devices is not None else jax.local_devices())
    n_dev = len(devices) if shard else 1
    if vectorize is None:
        vectorize = "map" if (devices[0].platform == "cpu" and n_dev == 1) else "vmap"
    if vectorize == "host":   # one point at a time from Python: no sharding, no chunk padding to devices
        n_dev, sharding, compiled = 1, None, functools.partial(_host_loop, fn)
    else:
        sharding, compiled = _compiled(fn, vectorize, tuple(devices) if (shard and n_dev > 1) else None)
    chunk = max(n_dev, -(-chunk_size // n_dev) * n_dev)
    out: dict[str, list] = {}
    t0 = time.perf_counter()
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        idx = np.arange(start, start + chunk).clip(max=stop - 1)  # pad by repeating the last point
        batch = {k: jnp.asarray(np.asarray(points[k])[idx]) for k in names}
        if sharding is not None:
            batch = jax.device_put(batch, sharding)
        res = jax.tree_util.tree_map(lambda a: np.asarray(a)[: stop - start], compiled(batch))
        for k, v in res.items():
            out.setdefault(k, []).append(v)
        if on_chunk is not None:
            on_chunk(start, res)
        if progress is not None:
            done = stop / n
            bar = "#" * int(30 * done)
            rate = stop / max(time.perf_counter() - t0, 1e-9)
            print(f"\rsweep [{bar:<30}] {stop}/{n} points, {rate:.1f} pts/s", end="", file=progress, flush=True)
    if progress is not None:
        print(file=progress)
    if n == 0:   # an empty share (more processes than points): the right columns, no rows
        point = {k: jax.ShapeDtypeStruct((), jax.dtypes.canonicalize_dtype(np.asarray(points[k]).dtype))
                 for k in names}
        shapes = jax.eval_shape(fn, point)
        return jax.tree_util.tree_map(lambda s: np.zeros((0,) + s.shape, s.dtype), shapes)
    return {k: np.concatenate(v, axis=0) for k, v in out.items()}
