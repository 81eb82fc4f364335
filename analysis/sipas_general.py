"""SIPAS index errors through the design's own estimator, for calibrated and replicate designs.

Plain Taylor designs (strata, clusters, fpc, PPS) take the cell sums of
:mod:`analysis.sipas_cells`. A calibrated design needs each row's influence value (its residual
from the calibration model) and a replicate design re-estimates every index on every replicate,
so here the influence columns of elements and the overall index are built row by row and handed,
with the criteria themselves, to ``design.means(by=)``. The influence of row ``i`` on element
``e`` is ``z_i = Σ_{j∈e} a_gj r_ij (y_ij − θ_gj) / N̂_gj`` with ``a_gj = 1/count_ge``; the design
gets ``v = N̂ · z`` (``N̂``: weight of the rows carrying the index in the group), whose domain mean
is zero and whose linearised variance is ``Var(Σ z)`` (module :mod:`analysis.indices`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["design_errors"]

_BLOCK_VALUES = 25_000_000  # floats per design call (200 MB)


def _influence_columns(est, group, groups, y, top, answered, w) -> np.ndarray:
    """Columns (y, t) of each element, then of the overall index; NaN off the index's rows."""
    n = y.shape[0]

    def per_row(values):
        return values[0] if groups == 1 else values[group]

    n_elements = len(est.element_items)
    dev_sums = np.zeros((n, 2 * n_elements), order="F")
    involved = np.zeros((n, n_elements), dtype=bool, order="F")
    for e, items in enumerate(est.element_items):
        for j in items:
            scale = per_row(est.inv_r[:, j])
            dy = (y[:, j] - per_row(est.theta_y[:, j])) * scale
            dt = (top[:, j] - per_row(est.theta_t[:, j])) * scale
            dev_sums[:, 2 * e] += np.where(answered[:, j], dy, 0.0)
            dev_sums[:, 2 * e + 1] += np.where(answered[:, j], dt, 0.0)
            involved[:, e] |= answered[:, j]
    columns = np.empty((n, 2 * n_elements + 2), order="F")
    any_answer = involved.any(axis=1)
    n_overall = np.bincount(group, weights=np.where(any_answer, w, 0.0), minlength=groups)
    overall = np.zeros((n, 2))
    present, count = est.present, est.count
    with np.errstate(invalid="ignore", divide="ignore"):
        for e in range(n_elements):
            n_elem = np.bincount(group, weights=np.where(involved[:, e], w, 0.0),
                                 minlength=groups)
            factor = np.where(present[:, e], n_elem / count[:, e], 0.0)
            to_overall = np.where(present[:, e], n_overall / (est.n_present * count[:, e]), 0.0)
            for m in range(2):
                z_sum = dev_sums[:, 2 * e + m]
                columns[:, 2 * e + m] = np.where(involved[:, e], per_row(factor) * z_sum, np.nan)
                overall[:, m] += per_row(to_overall) * z_sum
    for m in range(2):
        columns[:, 2 * n_elements + m] = np.where(any_answer, overall[:, m], np.nan)
    return columns


def design_errors(design, est, group, groups, by, y, answered, w, satisfied_from):
    """SE of both measures, df and n of every index (each groups × indices), by the design.

    ``est`` carries the groups' ratios (``theta_y``, ``theta_t``, ``inv_r``) and element counts;
    ``group`` is each row's group code, ``by`` what ``design.means(by=)`` receives.
    """
    n, k = y.shape
    y = np.where(answered, y, np.nan)
    top = np.asfortranarray(answered & (y >= satisfied_from))
    combined = _influence_columns(est, group, groups, y, top, answered, w)
    n_indices = k + combined.shape[1] // 2

    def column(c: int) -> np.ndarray:
        i, m = divmod(c, 2)
        if i >= k:
            return combined[:, 2 * (i - k) + m]
        return y[:, i] if m == 0 else np.where(answered[:, i], top[:, i], np.nan)

    total = 2 * n_indices
    se, df, count = (np.empty((groups, total)) for _ in range(3))
    per_block = max(1, _BLOCK_VALUES // max(n, 1))
    for start in range(0, total, per_block):
        stop = min(start + per_block, total)
        block = np.empty((n, stop - start), order="F")
        for c in range(start, stop):
            block[:, c - start] = column(c)
        table = design.means(block, by=by)
        se[:, start:stop], df[:, start:stop], count[:, start:stop] = table.se, table.df, table.n
    return se[:, 0::2], se[:, 1::2], df[:, 0::2].astype(np.int64), count[:, 0::2]
