"""First-order inclusion probabilities proportional to size, with certainty units."""

from __future__ import annotations

import operator
from collections.abc import Sequence

import numpy as np

__all__ = ["inclusion_probabilities"]

# A probability within this distance of 1 is a certainty unit; without the slack a unit whose
# exact probability is 1 could miss certainty through rounding (e.g. 0.9999999999999999).
_CERTAINTY_SLACK = 1e-12


def _as_sizes(sizes: Sequence[float] | np.ndarray) -> np.ndarray:
    values = np.asarray(sizes, dtype=float)
    if values.ndim != 1:
        raise ValueError("sizes must be a flat sequence of numbers, one per unit.")
    if not np.all(np.isfinite(values)):
        raise ValueError("sizes must be finite numbers; found a missing or infinite size.")
    if np.any(values < 0):
        first = int(np.flatnonzero(values < 0)[0])
        raise ValueError(f"sizes must not be negative; unit {first} has size {values[first]}.")
    return values


def inclusion_probabilities(sizes: Sequence[float] | np.ndarray, n: int) -> np.ndarray:
    """Inclusion probabilities proportional to size for a sample of ``n`` units.

    Parameters
    ----------
    sizes : sequence of float
        Measure of size of each unit (not negative; a unit of size 0 is never selected).
    n : int
        Sample size, at most the number of units with a positive size.

    Returns
    -------
    numpy.ndarray
        ``pi_i = n x_i / sum(x)``; units whose value reaches 1 are certainty units, set to 1,
        and the others are recomputed over the remaining sample until none exceeds 1.  The
        values sum to ``n``.

    Notes
    -----
    Same algorithm as R's ``sampling::inclusionprobabilities`` (Tillé and Matei), except
    that negative sizes raise an error instead of being set to zero with a warning.

    Examples
    --------
    >>> inclusion_probabilities([10, 20, 30, 40, 50, 60, 70, 80, 90, 500], 4)[-3:].round(4)
    array([0.5333, 0.6   , 1.    ])
    """
    values = _as_sizes(sizes)
    try:
        count = operator.index(n)
    except TypeError:
        raise ValueError(f"n must be a whole number, got {n!r}.") from None
    if count < 0:
        raise ValueError(f"n must not be negative, got {count}.")
    positive = values > 0
    available = int(positive.sum())
    if count > available:
        raise ValueError(
            f"n = {count} is larger than the {available} units with a positive size."
        )
    result = np.zeros_like(values)
    if count == 0:
        return result
    # Written to avoid copies of the size vector: frames can have millions of rows.
    certain = np.zeros(values.shape, dtype=bool)
    certain_count = 0
    while True:
        remaining = count - certain_count
        free_total = float(values.sum(where=~certain))
        scale = remaining / free_total if remaining else 0.0
        np.multiply(values, scale, out=result)
        result[certain] = 1.0
        newly = result >= 1.0 - _CERTAINTY_SLACK
        newly &= ~certain
        added = int(newly.sum())
        if not added:
            break
        certain |= newly
        certain_count += added
        result[certain] = 1.0
    return result
