"""Reproducible random streams: one seed gives the same draw on every machine.

Every draw uses only the raw 64-bit output of ``numpy.random.PCG64`` seeded through
``numpy.random.SeedSequence``.  NumPy guarantees that stream across platforms and versions
(NEP 19: bit generators are stream-stable; ``Generator`` methods are not), so this package
never calls ``Generator.choice``, ``shuffle`` or ``random``: it turns raw words into uniforms
and orders itself, by the fixed rules below.

* A uniform number in [0, 1) is ``(word >> 11) * 2**-53``.
* A random order of ``m`` rows gives each row one raw word (in row order) and sorts rows by
  word, ties by row; the first ``k`` rows of that order do not depend on how many are kept.
* Independent sub-streams (strata, stages, primary units) use
  ``SeedSequence(seed, spawn_key=key)``; the plain stream ``key = ()`` equals
  ``numpy.random.PCG64(seed)``, i.e. ``numpy.random.Generator(PCG64(seed)).bit_generator``.
"""

from __future__ import annotations

import operator
import random

import numpy as np

__all__ = ["stream", "uniforms", "random_order", "new_seed", "check_seed"]

_SEED_BITS = 63


def new_seed() -> int:
    """A fresh seed (63 bits, so it fits a signed 64-bit database column)."""
    return random.SystemRandom().getrandbits(_SEED_BITS)


def check_seed(seed: int | None) -> int:
    """Return ``seed`` as an int, or a fresh one when it is None."""
    if seed is None:
        return new_seed()
    if isinstance(seed, bool):
        raise ValueError(f"seed must be a whole number, got {seed!r}.")
    try:
        value = operator.index(seed)
    except TypeError:
        raise ValueError(f"seed must be a whole number, got {seed!r}.") from None
    if value < 0:
        raise ValueError(f"seed must not be negative, got {value}.")
    return value


def stream(seed: int, *key: int) -> np.random.PCG64:
    """The bit generator for ``seed`` and sub-stream ``key``."""
    return np.random.PCG64(np.random.SeedSequence(seed, spawn_key=tuple(key)))


def uniforms(bits: np.random.PCG64, count: int) -> np.ndarray:
    """``count`` uniform numbers in [0, 1) from the next raw words of ``bits``."""
    words = np.asarray(bits.random_raw(count), dtype=np.uint64)
    return (words >> np.uint64(11)).astype(np.float64) * 2.0**-53


def random_order(bits: np.random.PCG64, rows: np.ndarray, keep: int | None = None) -> np.ndarray:
    """``rows`` in random order (one raw word each), truncated to the first ``keep``."""
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) == 0 or (keep is not None and keep <= 0):
        return rows[:0]
    keys = np.asarray(bits.random_raw(len(rows)), dtype=np.uint64)
    if keep is None or keep >= len(rows):
        return rows[np.argsort(keys, kind="stable")]
    threshold = np.partition(keys, keep - 1)[keep - 1]
    below = np.flatnonzero(keys < threshold)
    ties = np.flatnonzero(keys == threshold)[: keep - len(below)]
    chosen = np.concatenate([below, ties])
    return rows[chosen[np.argsort(keys[chosen], kind="stable")]]
