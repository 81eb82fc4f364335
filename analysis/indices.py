"""SIPAS satisfaction indices by criterion, element and overall, with design-based errors.

A SIPAS answer is a 1..5 rating (Rất không hài lòng … Rất hài lòng); "không biết / không trả
lời" and items a respondent was not asked are ``NaN`` and are excluded, never counted as zero.
Two measures are reported side by side for every index:

* ``share``: the weighted percentage answering 4 or 5 (Hài lòng + Rất hài lòng), 0–100;
* ``score``: the weighted mean rating on a 0–100 scale, ``(x̄ − 1) / 4 × 100``.

Definitions (DOMAIN.md, marked [tpl]: a reconstruction, not the official annex):
criterion index = weighted measure of that item; element index = mean of its criterion indices;
overall index = mean of the element indices.

Notes
-----
*Element and overall indices are linear combinations of criterion estimates*, not means of
per-respondent scores: ``E = Σ_j a_j θ_j`` where ``θ_j`` is the ratio estimator
``Σ w r_ij y_ij / Σ w r_ij`` over respondents who answered item ``j``. With no missing answers
both definitions agree; with missing answers only this one keeps "element = mean of its criteria".
Its standard error is the Taylor linearisation of the combination: the influence value of
respondent ``i`` is ``z_i = Σ_j a_j r_ij (y_ij − θ_j) / N̂_j``, and ``Var(Σ z_i)`` is the design's
Taylor variance (strata, PSUs, fpc, domains over the full design). It only needs the totals of
``z`` in each (PSU, unit) cell, which are linear in three weighted sums per item and cell
(answered, rating, satisfied): one sparse product of the rows gives them for every item, the
province's cells are sums of the units' cells, and the stratum formulas of
:mod:`analysis.variance` run on the cells for all indices at once (:mod:`analysis.sipas_cells`).
Calibrated and replicate designs hand the influence columns to ``design.means`` instead
(:mod:`analysis.sipas_general`). No design effect is reported for an index (``deff`` is NaN).
Within a unit, criteria nobody answered drop out and the remaining coefficients are rescaled
(an element with no answered criterion drops out of the overall index the same way).

Intervals (:mod:`analysis.intervals`, one rule for the package): scores use ``θ ± t(df)·SE``;
shares use the logit interval of R's ``svyciprop(method = "logit")``:
``expit(logit p ± t(df)·SE / (p(1 − p)))``; ``df`` is the design's PSUs − strata among the
rows carrying the index (R's ``degf`` of the domain).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analysis.estimate import Estimate
from analysis.intervals import logit_interval, t_interval
from analysis.points import SMALL_CELL_MIN_N, is_small_cell
from analysis.sipas_cells import Cells, encode_units, summing
from analysis.sipas_general import design_errors

__all__ = ["SipasIndex", "SipasResult", "sipas_indices"]

PROVINCE = None
NAN = float("nan")  # no design effect is reported for an index


@dataclass(frozen=True)
class SipasIndex:
    """One SIPAS index: ``level`` is "criterion", "element" or "overall"; ``unit`` None = province.

    ``small_cell`` is the small-cell rule of :func:`analysis.points.is_small_cell` applied to the
    respondents behind the index (``share.n``, the same as ``score.n``).
    """

    level: str
    code: str
    unit: str | None
    share: Estimate
    score: Estimate
    small_cell: bool = False


@dataclass(frozen=True)
class SipasResult:
    """All SIPAS indices of a round, in a stable order (province first, then units)."""

    indices: tuple[SipasIndex, ...]

    def get(self, level: str, code: str, unit: str | None = PROVINCE) -> SipasIndex:
        """Return one index; raise KeyError if it was not computed."""
        for index in self.indices:
            if index.level == level and index.code == code and index.unit == unit:
                return index
        raise KeyError(f"no {level} index {code!r} for unit {unit!r}")

    def for_unit(self, unit: str | None) -> list[SipasIndex]:
        """Every index of one unit (None = province)."""
        return [index for index in self.indices if index.unit == unit]


def _all_ratings(y: np.ndarray) -> bool:
    """Whether every non-NaN entry is a whole number in 1..5 (reductions that skip NaN)."""
    lowest = np.fmin.reduce(y, axis=None) if y.size else np.nan
    if np.isnan(lowest):
        return True  # nothing answered
    if lowest < 1.0 or np.fmax.reduce(y, axis=None) > 5.0:
        return False
    fraction = np.floor(y)
    np.subtract(y, fraction, out=fraction)
    return not np.fmax.reduce(fraction, axis=None) > 0.0


def _check_inputs(answers, item_codes, item_elements, design, exclude):
    """Ratings as given (NaN = no answer), the answered mask (exclusions applied), weights."""
    y = np.asarray(answers, dtype=float)
    if y.ndim != 2:
        raise ValueError("answers must be a respondents × items matrix.")
    n, k = y.shape
    if len(item_codes) != k or len(item_elements) != k:
        raise ValueError(
            f"answers has {k} items but item_codes has {len(item_codes)} and item_elements "
            f"{len(item_elements)} entries; give one code and one element per item."
        )
    if len(set(item_codes)) != k:
        raise ValueError("item_codes must be unique.")
    answered = np.logical_not(np.isnan(y), out=np.empty(y.shape, dtype=bool))
    if not _all_ratings(y):
        bad = answered & ~((y >= 1.0) & (y <= 5.0) & (y == np.floor(y)))
        row, col = np.argwhere(bad)[0]
        raise ValueError(
            f"Answer {y[row, col]!r} of respondent {row} to item {item_codes[col]!r} is not a "
            "rating 1..5; code missing or excluded answers as NaN."
        )
    weights = np.asarray(design.weights, dtype=float)
    if weights.shape != (n,):
        raise ValueError(f"design has {weights.shape[0]} rows but answers has {n}.")
    if exclude is not None:
        exclude = np.asarray(exclude, dtype=bool)
        if exclude.shape != (n,):
            raise ValueError(f"exclude has {exclude.shape[0]} entries but answers has {n} rows.")
        answered &= ~exclude[:, None]
    return y, answered, weights


@dataclass(frozen=True)
class _Scope:
    """The province (one group) or the units (one group per unit)."""

    groups: int
    labels: list  # unit of each group (None for the province)
    sums: tuple  # groups × k each: Σ w r, Σ w r y, Σ w r t per item
    counts: np.ndarray  # groups × indices: respondents carrying each index
    cells: Cells | None  # cell sums (plain Taylor designs)
    group: np.ndarray | None = None  # each row's group and ``by=`` (general route)
    by: np.ndarray | None = None


class _Estimates:
    """Point estimates of every index of a scope (groups × indices) from its weighted sums.

    Indices are the k criteria, then the elements, then the overall index. Two measures: the
    mean rating (``y``) and the share satisfied (``t``).
    """

    def __init__(self, sums, element_items):
        s_r, s_y, s_t = sums
        self.element_items = element_items
        has = s_r > 0
        self.theta_y = np.divide(s_y, s_r, out=np.zeros_like(s_y), where=has)
        self.theta_t = np.divide(s_t, s_r, out=np.zeros_like(s_t), where=has)
        self.inv_r = np.divide(1.0, s_r, out=np.zeros_like(s_r), where=has)
        self.count = np.stack([has[:, items].sum(axis=1) for items in element_items], axis=1)
        self.present = self.count > 0
        self.n_present = self.present.sum(axis=1)
        values = []
        for theta in (self.theta_y, self.theta_t):
            with np.errstate(invalid="ignore", divide="ignore"):
                element = np.stack([theta[:, i].sum(axis=1) for i in element_items], 1) / self.count
                overall = np.where(self.present, element, 0.0).sum(axis=1) / self.n_present
            values.append(np.column_stack([theta, element, overall]))
        self.has = np.column_stack([has, self.present, self.n_present > 0])
        self.value_y, self.value_t = (np.where(self.has, v, np.nan) for v in values)
        self._scaling = None  # (cells, per-cell factors), kept for the second measure

    def cell_totals(self, cells: Cells, m: int) -> tuple[np.ndarray, np.ndarray]:
        """The cells' totals of the influence values of measure ``m`` (0: y, 1: t): criteria
        (cells × k), then elements and the overall index (cells × elements + 1).

        Criterion ``j``: ``(Σ_c w r y − θ_j Σ_c w r) / N̂_j``, the linearisation of the ratio.
        Element: the mean of its answered criteria's totals; overall: the mean of the elements'.
        """
        s_r, s_m = cells.sums[0], cells.sums[m + 1]
        theta = (self.theta_y, self.theta_t)[m]
        if cells.n_domains * 32 <= s_r.shape[0]:  # domain by domain: no per-cell copies
            crit = np.empty_like(s_r)
            ends = np.cumsum(cells.cells_per_domain).tolist()
            for g, (a, b) in enumerate(zip([0, *ends], ends)):
                np.subtract(s_m[a:b], np.multiply(s_r[a:b], theta[g], out=crit[a:b]), out=crit[a:b])
                crit[a:b] *= self.inv_r[g]
        else:
            crit = cells.per_cell(theta)
            crit *= s_r
            np.subtract(s_m, crit, out=crit)
            crit *= cells.per_cell(self.inv_r)
        if self._scaling is None or self._scaling[0] is not cells:
            self._scaling = (cells, *self._cell_scaling(cells))
        inv_count, inv_elements = self._scaling[1:]
        order = [j for items in self.element_items for j in items]
        starts = np.cumsum([0] + [len(items) for items in self.element_items])[:-1]
        grouped = crit if order == list(range(len(order))) else crit[:, order]
        n_elements = len(self.element_items)
        combined = np.empty((crit.shape[0], n_elements + 1))
        combined[:, :n_elements] = np.add.reduceat(grouped, starts, axis=1)
        combined[:, :n_elements] *= inv_count
        overall = combined[:, 0].copy()
        for e in range(1, n_elements):
            overall += combined[:, e]
        np.multiply(overall, inv_elements, out=combined[:, -1])
        return crit, combined

    def _cell_scaling(self, cells: Cells):
        """Per cell: 1/count of each element's answered criteria (0 for an element without
        any) and 1/elements with an answer (0 without any)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            inv_count = np.where(self.present, 1.0 / self.count, 0.0)
            inv_elements = np.where(self.n_present > 0, 1.0 / self.n_present, 0.0)
        return cells.per_cell(inv_count), cells.per_cell(inv_elements)

    def live_cells(self, cells: Cells) -> np.ndarray:
        """Cells × indices: whether the cell holds a row carrying the index."""
        answered = cells.sums[0] > 0
        elements = [answered[:, items].any(axis=1) for items in self.element_items]
        return np.column_stack([answered, *elements, answered.any(axis=1)])


def _cell_errors(scope: _Scope, est: _Estimates):
    """SE of both measures and df of every index of a scope (each groups × indices)."""
    cells = scope.cells
    se = []
    for m in (0, 1):
        var = np.hstack([cells.variance(z) for z in est.cell_totals(cells, m)])
        se.append(np.sqrt(np.maximum(var, 0.0)))
    df = cells.degrees_of_freedom(est.live_cells(cells))
    return se[0], se[1], df


def _row_matrices(y, answered, element_items, satisfied_from):
    """Rows × k (answered, rating or 0, satisfied); rows × (elements + 1): carries the index."""
    n, k = y.shape
    r = answered.astype(float)
    rating = np.where(answered, y, 0.0)
    top = np.greater_equal(rating, satisfied_from, out=np.empty_like(r, dtype=bool)).astype(float)
    flags = np.empty((n, len(element_items) + 1))
    overall = np.zeros(n, dtype=bool)
    for e, items in enumerate(element_items):
        carried = answered[:, items[0]].copy()
        for j in items[1:]:
            carried |= answered[:, j]
        flags[:, e] = carried
        overall |= carried
    flags[:, -1] = overall
    return (r, rating, top), flags


def _scopes(design, units, n, w, columns, flags) -> list[_Scope]:
    """The province and, with ``units``, the units: their sums, counts and cells."""
    if units is None:
        labels, codes = [PROVINCE], np.zeros(n, dtype=np.int64)
    else:
        labels, codes = encode_units(units, n)
    groups = len(labels)
    into_groups = summing(codes, groups)
    counts = np.hstack([into_groups @ columns[0], into_groups @ flags])
    route = getattr(design, "_taylor_stages", None)
    plain = route() if route is not None else None
    if plain is not None:
        cells = Cells.from_rows(*plain, codes, groups, w, columns)
        scope = _Scope(groups, labels, tuple(cells.domain_sum @ c for c in cells.sums), counts,
                       cells)
        if units is None:
            return [scope]
        province = cells.province()
        top = _Scope(1, [PROVINCE], tuple(province.domain_sum @ c for c in province.sums),
                     counts.sum(axis=0, keepdims=True), province)
        return [top, scope]
    into = summing(codes, groups, weights=w)
    sums = tuple(into @ c for c in columns)
    scope = _Scope(groups, labels, sums, counts, None, codes, None if units is None else codes)
    if units is None:
        return [scope]
    top = _Scope(1, [PROVINCE], tuple(c.sum(axis=0, keepdims=True) for c in sums),
                 counts.sum(axis=0, keepdims=True), None, np.zeros(n, dtype=np.int64), None)
    return [top, scope]


def _records(names, scope: _Scope, est: _Estimates, se_y, se_t, df, count,
             min_n: int) -> list[SipasIndex]:
    """Index records of a scope, index by index, groups in label order."""
    score = 25.0 * (est.value_y - 1.0)
    score_se = 25.0 * se_y
    low, high = t_interval(score, score_se, df)
    p_low, p_high = logit_interval(est.value_t, se_t, df)
    columns = [
        a.T.tolist()
        for a in (
            score,
            score_se,
            low,
            high,
            100 * est.value_t,
            100 * se_t,
            100 * np.asarray(p_low),
            100 * np.asarray(p_high),
            df,
        )
    ]
    counts = count.T.astype(np.int64).tolist()
    out = []
    for i, (level, code) in enumerate(names):
        sc, sc_se, lo, hi, sh, sh_se, sh_lo, sh_hi, dfs = (col[i] for col in columns)
        for g in np.flatnonzero(est.has[:, i]).tolist():
            out.append(
                SipasIndex(
                    level,
                    code,
                    scope.labels[g],
                    share=Estimate(sh[g], sh_se[g], sh_lo[g], sh_hi[g], int(dfs[g]), NAN,
                                   counts[i][g]),
                    score=Estimate(sc[g], sc_se[g], lo[g], hi[g], int(dfs[g]), NAN, counts[i][g]),
                    small_cell=is_small_cell(counts[i][g], min_n),
                )
            )
    return out


def sipas_indices(
    answers,
    item_codes: Sequence[str],
    item_elements: Sequence[str],
    design,
    units=None,
    *,
    exclude=None,
    satisfied_from: int = 4,
    min_n: int = SMALL_CELL_MIN_N,
) -> SipasResult:
    """SIPAS criterion, element and overall indices for the province and each unit.

    Parameters
    ----------
    answers : array_like, shape (n, k)
        Ratings 1..5, ``NaN`` for missing or excluded answers.
    item_codes : sequence of str
        Criterion code of each column.
    item_elements : sequence of str
        Element code of each column; elements keep their order of first appearance.
    design : analysis.SurveyDesign
        The design of the ``n`` respondents (its ``weights`` and ``means(Y, by=)`` are used).
    units : array_like, optional
        Unit label of each respondent; indices are then also given per unit (as domains).
    exclude : array_like of bool, optional
        Responses left out (e.g. quarantined); they stay in the design as out-of-domain rows.
    satisfied_from : int
        Lowest rating counted as satisfied (4: Hài lòng and Rất hài lòng).
    min_n : int
        Indices resting on fewer respondents are flagged ``small_cell`` (the rule of the
        criterion points, :func:`analysis.points.is_small_cell`).

    Returns
    -------
    SipasResult
        Province indices first, then each unit's, each with ``share`` and ``score``.

    Notes
    -----
    Unit labels are encoded once to integer codes; the rows are summed once into (unit, PSU)
    cells for all items (:mod:`analysis.sipas_cells`), and everything else works on cells.
    Element and overall SEs are Taylor linearisations of the combination (module docstring);
    intervals follow :mod:`analysis.intervals`.

    References
    ----------
    Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 2.
    R package ``survey``: ``?svymean``, ``?svyciprop``, ``?svycontrast``, ``?svyby``.
    Binder, D. A. (1983). On the variances of asymptotically normal estimators from complex
    surveys. *International Statistical Review* 51, 279–292.
    """
    y, answered, w = _check_inputs(answers, item_codes, item_elements, design, exclude)
    if satisfied_from not in (2, 3, 4, 5):
        raise ValueError("satisfied_from must be a rating between 2 and 5.")
    is_small_cell(0, min_n)  # refuses a threshold below 1
    n, k = y.shape
    elements = list(dict.fromkeys(item_elements))
    element_items = [[j for j in range(k) if item_elements[j] == e] for e in elements]
    names = (
        [("criterion", code) for code in item_codes]
        + [("element", e) for e in elements]
        + [("overall", "overall")]
    )
    columns, flags = _row_matrices(y, answered, element_items, satisfied_from)
    results: list[SipasIndex] = []
    for scope in _scopes(design, units, n, w, columns, flags):
        est = _Estimates(scope.sums, element_items)
        if scope.cells is not None:
            se_y, se_t, df = _cell_errors(scope, est)
        else:
            se_y, se_t, df, _ = design_errors(design, est, scope.group, scope.groups, scope.by,
                                              y, answered, w, satisfied_from)
        results.extend(_records(names, scope, est, se_y, se_t, df, scope.counts, min_n))
    return SipasResult(tuple(results))
