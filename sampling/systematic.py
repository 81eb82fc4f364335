"""Systematic and PPS-systematic selection for a given random start.

These two functions are the deterministic core of the draws: given the start they return
the selected positions.  Tests enumerate every start to check inclusion probabilities exactly.
"""

from __future__ import annotations

import numpy as np

__all__ = ["systematic_positions", "pps_systematic_positions"]


def _check_start(start: float) -> None:
    if not 0.0 <= start < 1.0:
        raise ValueError(f"The random start must lie in [0, 1), got {start!r}.")


def systematic_positions(population: int, n: int, start: float) -> np.ndarray:
    """Positions ``floor((start + j) * N / n)``, j = 0 … n-1 (interval N/n, may be fractional).

    Each of the ``N`` positions is selected with probability exactly ``n / N`` when ``start``
    is uniform on [0, 1).
    """
    _check_start(start)
    if not 0 <= n <= population:
        raise ValueError(f"n = {n} must lie between 0 and the population size {population}.")
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    steps = (start + np.arange(n, dtype=np.float64)) * population / n
    return np.minimum(np.floor(steps).astype(np.int64), population - 1)


def pps_systematic_positions(probabilities: np.ndarray, start: float) -> np.ndarray:
    """Positions selected by systematic sampling on the cumulated inclusion probabilities.

    Units with probability 1 (certainty units) come first, in frame order; the others follow
    in frame order, unit ``i`` being hit when a point ``start + j`` falls in its interval
    ``[C_{i-1}, C_i)`` of the cumulated probabilities.  Each unit is thus selected with its
    probability exactly.
    """
    _check_start(start)
    pi = np.asarray(probabilities, dtype=np.float64)
    certain = pi >= 1.0
    certain_rows = np.flatnonzero(certain)
    # Certainty units get an interval of width 0, so no point can land on them.
    cumulated = np.where(certain, 0.0, pi)
    np.cumsum(cumulated, out=cumulated)
    total = float(cumulated[-1]) if len(cumulated) else 0.0
    draws = int(round(total))
    if abs(total - draws) > 1e-6 * max(1.0, total):
        raise ValueError("Inclusion probabilities must sum to a whole number of units.")
    if draws == 0:
        return certain_rows.astype(np.int64)
    cumulated *= draws / total  # remove rounding drift so the last point stays inside
    points = start + np.arange(draws, dtype=np.float64)
    hits = np.searchsorted(cumulated, points, side="right")
    # A point can pass the last boundary by one rounding step; it belongs to the last unit
    # with a positive interval.
    last_positive = int(np.searchsorted(cumulated, cumulated[-1], side="left"))
    hits = np.minimum(hits, last_positive)
    return np.concatenate([certain_rows, hits]).astype(np.int64)
