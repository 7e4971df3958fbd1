"""Host-side input validation shared by all packages.

Every check raises :class:`ValueError` naming the parameter, the offending value
and the allowed range.  Checks run only on concrete (non-traced) values, so the
same public functions stay usable under ``jit``/``grad``/``vmap``; under tracing
the caller is expected to have validated at the edge (config, CLI, solver entry).
"""
from __future__ import annotations

import math

import jax
import numpy as np


def is_concrete(value) -> bool:
    """True when ``value`` holds no JAX tracer (so it can be inspected on the host)."""
    leaves = jax.tree_util.tree_leaves(value)
    return not any(isinstance(leaf, jax.core.Tracer) for leaf in leaves)


def _as_array(value):
    return np.asarray(value, dtype=float)


def check_finite(name: str, value) -> None:
    """Raise if any element of ``value`` is NaN or infinite."""
    if not is_concrete(value):
        return
    arr = _as_array(value)
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)].ravel()[0]
        raise ValueError(f"{name} must be finite, got {bad!r}")


def check_range(
    name: str,
    value,
    lo: float = -math.inf,
    hi: float = math.inf,
    *,
    lo_inclusive: bool = True,
    hi_inclusive: bool = True,
    units: str = "",
) -> None:
    """Raise ``ValueError`` unless every element of ``value`` lies in the range.

    Parameters
    ----------
    name : parameter name as the user wrote it (e.g. ``"radiator.emissivity"``).
    value : scalar or array.
    lo, hi : bounds; ``lo_inclusive``/``hi_inclusive`` choose closed or open ends.
    units : unit string appended to the message.
    """
    if not is_concrete(value):
        return
    check_finite(name, value)
    arr = _as_array(value)
    ok_lo = arr >= lo if lo_inclusive else arr > lo
    ok_hi = arr <= hi if hi_inclusive else arr < hi
    ok = ok_lo & ok_hi
    if not np.all(ok):
        bad = arr[~ok].ravel()[0]
        left = "[" if lo_inclusive else "("
        right = "]" if hi_inclusive else ")"
        u = f" {units}" if units else ""
        raise ValueError(
            f"{name} = {bad:g}{u} is outside the allowed range {left}{lo:g}, {hi:g}{right}{u}"
        )


def check_positive(name: str, value, units: str = "") -> None:
    """Raise unless every element of ``value`` is finite and strictly positive."""
    check_range(name, value, 0.0, math.inf, lo_inclusive=False, units=units)
