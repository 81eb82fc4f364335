"""Weighted quantiles as R ``survey``'s ``qrule="math"`` (the inverse of the weighted ECDF)."""

from __future__ import annotations

import numpy as np

__all__ = ["quantile_math"]


def quantile_math(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """The smallest ``x`` whose weighted cumulative share reaches ``p`` (R's ``qrule_math``).

    Rows with zero weight are ignored; ties keep the data order (a stable sort), as R does.
    """
    keep = w != 0
    x, w = x[keep], w[keep]
    if x.size == 0:
        return float("nan")
    order = np.argsort(x, kind="stable")
    xs = x[order]
    cumw = np.cumsum(w[order])
    total = w.sum()
    below = np.flatnonzero(cumw <= p * total)
    if below.size == 0:  # R's fallback here returns the second value; the first is right
        return float(xs[0])
    pos = int(below[-1])
    nxt = pos if pos == xs.size - 1 else pos + 1
    wlow = p - cumw[pos] / total
    return float(xs[pos] if wlow == 0 else xs[nxt])
