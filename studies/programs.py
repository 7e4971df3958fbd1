"""Compiled programs that survive the process: traced once, exported with :mod:`jax.export`, loaded by the
next process without tracing.

A second ``sunsink run`` of a study finds its programs in the persistent compilation cache, but before it
can ask the cache it must trace and lower the coupled model again to compute the cache key -- 6 s for the
value program and 13 s for its Jacobian on 2 CPU cores, most of a warm start.  A :class:`ProgramStore`
keeps each program's exported StableHLO (and its output tree) on disk, keyed by everything that can
change the program: the source and data files of the packages, the JAX version, the precision and the
XLA flags, the program's name, the input tree and the input shapes and dtypes.  A later process
deserialises the program instead of tracing it; compiling the deserialised module then hits the
persistent compilation cache.  A program that cannot be exported (one with host callbacks, e.g. with
``EQX_ON_ERROR=raise``) is traced and jitted as before.

The store is off unless an entry point turns it on (:func:`use_program_store`; the CLI does, beside the
persistent compilation cache).

What the key cannot see: a change made to sunsink's code at run time (a module constant patched by a
script, a monkeypatched function) leaves the source files as they were, so a stored program traced before
the change would be loaded.  Code that patches sunsink at run time runs the CLI with ``--no-cache`` (or
calls :func:`use_program_store` with None).

Measured (2-core CPU, another job beside it; ``sunsink evaluate tests/golden/small_satellite.toml`` with a
warm cache): the value program is ready in 4.0 s instead of 16.6 s (trace, lower and load from the
compilation cache), the whole command in 28 s instead of 40 s.
"""
from __future__ import annotations

import hashlib
from importlib import metadata
import logging
import os
import pickle
from pathlib import Path
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax import export

__all__ = ["ProgramStore", "use_program_store", "program_store", "fingerprint", "stored_jit"]

log = logging.getLogger("sunsink")

PACKAGES = ("orbit", "thermal", "radiation", "power", "studies")
"""The packages whose source files key the stored programs (with data/)."""

LIBRARIES = ("jax", "jaxlib", "equinox", "optimistix", "lineax", "numpy")
"""The installed libraries whose versions key the stored programs."""

_STORE: "ProgramStore | None" = None
_FINGERPRINT: str | None = None


def fingerprint() -> str:
    """Hash of every source file of :data:`PACKAGES` and every file under ``data/`` (tables baked into
    the programs), the versions of :data:`LIBRARIES`, the precision and the ``XLA_*``, ``JAX_*`` and
    ``EQX_*`` environment (compiler flags, error handling): a change to any makes new programs."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        root = Path(__file__).resolve().parents[1]
        h = hashlib.sha256()
        for pkg in PACKAGES + ("data",):
            for p in sorted((root / pkg).rglob("*")):
                if p.is_file() and p.suffix not in (".pyc",) and "__pycache__" not in p.parts:
                    h.update(str(p.relative_to(root)).encode())
                    h.update(p.read_bytes())
        h.update(f"x64={jax.config.jax_enable_x64};".encode())
        for dist in LIBRARIES:   # the libraries whose code is traced into the programs
            try:
                h.update(f"{dist}={metadata.version(dist)};".encode())
            except metadata.PackageNotFoundError:
                h.update(f"{dist}=absent;".encode())
        # environment that changes what is traced or compiled: XLA_FLAGS, JAX_*, EQX_ON_ERROR (host callbacks)
        for name in sorted(n for n in os.environ if n.startswith(("XLA_", "JAX_", "EQX_"))):
            h.update(f"{name}={os.environ[name]};".encode())
        _FINGERPRINT = h.hexdigest()
    return _FINGERPRINT


class ProgramStore:
    """Exported programs in ``directory`` (one ``.exported`` file and one ``.tree`` file per program)."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def key(self, name: str, in_tree, leaves) -> str:
        h = hashlib.sha256(fingerprint().encode())
        h.update(name.encode())
        h.update(str(in_tree).encode())
        for x in leaves:
            h.update(f"{np.shape(x)}:{jnp.result_type(x)};".encode())
        return h.hexdigest()[:32]

    def load(self, key: str):
        """(exported, output tree) stored under ``key``, or None.  The output tree is stored as a template
        (the output with a 0 for every leaf, pickled as objects): a pickled tree definition of equinox
        modules would not unflatten (their sentinels compare by identity)."""
        exported_path, tree_path = self.directory / f"{key}.exported", self.directory / f"{key}.tree"
        if not (exported_path.is_file() and tree_path.is_file()):
            return None
        try:
            template = pickle.loads(tree_path.read_bytes())
            return export.deserialize(bytearray(exported_path.read_bytes())), jax.tree_util.tree_structure(template)
        except Exception as exc:  # noqa: BLE001 -- a damaged or foreign entry is traced again, with a note
            log.info("stored program %s unreadable (%s): tracing it again", key, exc)
            return None

    def save(self, key: str, exported, out_tree) -> None:
        """Write both files atomically (a temporary name, then a rename)."""
        template = jax.tree_util.tree_unflatten(out_tree, [0] * out_tree.num_leaves)
        for suffix, data in ((".tree", pickle.dumps(template)), (".exported", exported.serialize())):
            final = self.directory / f"{key}{suffix}"
            tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
            tmp.write_bytes(bytes(data))
            tmp.replace(final)


def use_program_store(directory) -> ProgramStore | None:
    """Keep exported programs in ``directory`` from now on in this process (None: off)."""
    global _STORE
    _STORE = None if directory is None else ProgramStore(directory)
    return _STORE


def program_store() -> ProgramStore | None:
    """The store in use, or None."""
    return _STORE


class stored_jit:
    """``jax.jit(fn)`` whose program, per input signature, comes from the :class:`ProgramStore` when one
    is in use: loaded without tracing when stored, else traced once, exported and stored.  Without a
    store, or for a program that cannot be exported, it is plain ``jax.jit``."""

    def __init__(self, fn: Callable, name: str):
        self.fn, self.name = fn, name
        self.jitted = jax.jit(fn)
        self._programs: dict = {}

    def __call__(self, *args):
        store = program_store()
        if store is None:
            return self.jitted(*args)
        leaves, in_tree = jax.tree_util.tree_flatten(args)
        if any(isinstance(x, jax.core.Tracer) for x in leaves):   # inside vmap/grad/jit: trace it as usual
            return self.jitted(*args)
        signature = (in_tree, tuple((np.shape(x), jnp.result_type(x)) for x in leaves))
        entry = self._programs.get(signature)
        if entry is None:
            entry = self._programs[signature] = self._program(store, in_tree, leaves)
        call, out_tree = entry
        if out_tree is None:   # not exportable: plain jit
            return self.jitted(*args)
        return jax.tree_util.tree_unflatten(out_tree, call(*leaves))

    def _cache_size(self) -> int:
        """Programs this process holds (jitted or loaded), as ``jax.jit``'s ``_cache_size``."""
        return self.jitted._cache_size() + sum(1 for c, _ in self._programs.values() if c is not None)

    def _program(self, store: ProgramStore, in_tree, leaves):
        key = store.key(self.name, in_tree, leaves)
        found = store.load(key)
        if found is not None:
            exported, out_tree = found
            return jax.jit(exported.call), out_tree
        box = {}

        def flat(*xs):
            out = self.fn(*jax.tree_util.tree_unflatten(in_tree, xs))
            out_leaves, box["tree"] = jax.tree_util.tree_flatten(out)
            return out_leaves

        specs = [jax.ShapeDtypeStruct(np.shape(x), jnp.result_type(x)) for x in leaves]
        try:
            exported = export.export(jax.jit(flat))(*specs)
        except Exception as exc:  # noqa: BLE001 -- e.g. host callbacks: no stored program, plain jit
            log.debug("program %s not exportable (%s): plain jit", self.name, exc)
            return None, None
        try:
            store.save(key, exported, box["tree"])
        except Exception as exc:  # noqa: BLE001 -- storing is an optimisation: the program still runs
            log.info("program %s not stored in %s (%s)", self.name, store.directory, exc)
        return jax.jit(exported.call), box["tree"]
