"""The implementation of SIPAS indices before cell sums (kept verbatim as the tests' oracle).

SIPAS satisfaction indices by criterion, element and overall, with design-based errors.

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
respondent ``i`` is ``z_i = Σ_j a_j r_ij (y_ij − θ_j) / N̂_j``. We hand the design the variable
``v_i = N̂ · z_i`` (``N̂`` = weight total of the domain), whose domain mean is exactly zero and
whose linearised domain-mean variance is therefore ``Var(Σ z_i)`` — so the variance comes from
:class:`analysis.SurveyDesign` itself (strata, PSUs, fpc, domains over the full design).
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

__all__ = ["SipasIndex", "SipasResult", "sipas_indices"]

PROVINCE = None
NAN = float("nan")  # no design effect is reported for an index
_LEVELS = ("criterion", "element", "overall")


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


def _encode_units(units, n: int) -> tuple[list[str], np.ndarray]:
    """Sorted string labels of the units and each row's integer code, from one sort of the rows.

    Labels compare as strings (as ``np.unique(units.astype(str))`` would order them); the rows
    are sorted once on their own values (fast for integer codes), then the few distinct values
    are turned into strings and merged where two values print alike.
    """
    arr = np.asarray(units)
    if arr.shape != (n,):
        raise ValueError(
            f"units has {arr.shape[0] if arr.ndim else 1} labels but answers has "
            f"{n} rows; give one unit label per respondent."
        )
    try:
        distinct, inverse = np.unique(arr, return_inverse=True)
    except TypeError:  # labels of mixed types: compare them as strings
        distinct, inverse = np.unique(arr.astype(str), return_inverse=True)
    labels, merged = np.unique(distinct.astype(str), return_inverse=True)
    return [str(label) for label in labels], merged.reshape(-1)[inverse.reshape(-1)]


def _check_inputs(answers, item_codes, item_elements, design, exclude):
    y = np.array(answers, dtype=float, order="F")  # column passes below read contiguous memory
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
    valid = ~np.isnan(y)
    bad = valid & ~np.isin(y, [1.0, 2.0, 3.0, 4.0, 5.0])
    if bad.any():
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
        y[exclude] = np.nan
    return y, weights


_BLOCK_VALUES = 25_000_000  # floats per design call (200 MB)


@dataclass(frozen=True)
class _Scope:
    """The province (one group) or the units (one group per unit) as integer group codes."""

    group: np.ndarray
    groups: int
    by: np.ndarray | None  # what the design's ``means(by=)`` receives
    labels: list  # unit of each group (None for the province)

    def per_row(self, values: np.ndarray):
        """Each row's entry of a per-group array (a scalar when there is one group)."""
        return values[0] if self.groups == 1 else values[self.group]


class _Estimates:
    """Point estimates of every index of a scope (groups × indices) and its influence columns.

    Indices are the k criteria, then the elements, then the overall index. Two measures: the
    mean rating (``y``) and the share satisfied (``t``).
    """

    def __init__(self, scope: _Scope, y, top, answered, w, element_items):
        k = y.shape[1]
        groups, group = scope.groups, scope.group
        self.scope, self.element_items = scope, element_items
        s_r, s_y, s_t = (np.empty((groups, k)) for _ in range(3))
        for j in range(k):  # one vectorised pass over the rows per item
            wa = np.where(answered[:, j], w, 0.0)
            s_r[:, j] = np.bincount(group, weights=wa, minlength=groups)
            s_y[:, j] = np.bincount(
                group, weights=np.where(answered[:, j], wa * y[:, j], 0.0), minlength=groups
            )
            s_t[:, j] = np.bincount(group, weights=wa * top[:, j], minlength=groups)
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

    def influence_columns(self, y, top, answered, w) -> np.ndarray:
        """Columns (y, t) of each element, then of the overall index, for ``design.means``.

        The influence of row i on element e is ``z_i = Σ_{j∈e} a_gj r_ij (y_ij − θ_gj) / N̂_gj``
        with ``a_gj = 1/count_ge`` for answered criteria (a criterion nobody in group g answered
        has ``r = 0`` on all of g's rows, so it needs no coefficient of its own). The design gets
        ``v = N̂ · z`` (``N̂``: weight of the rows carrying the index in the group), whose domain
        mean is zero and whose linearised variance is ``Var(Σ z)``; rows carrying none of the
        index's criteria are NaN.
        """
        scope, n = self.scope, y.shape[0]
        group, groups = scope.group, scope.groups
        n_elements = len(self.element_items)
        dev_sums = np.zeros((n, 2 * n_elements), order="F")
        involved = np.zeros((n, n_elements), dtype=bool, order="F")
        for e, items in enumerate(self.element_items):
            for j in items:
                scale = scope.per_row(self.inv_r[:, j])
                dy = (y[:, j] - scope.per_row(self.theta_y[:, j])) * scale
                dt = (top[:, j] - scope.per_row(self.theta_t[:, j])) * scale
                dev_sums[:, 2 * e] += np.where(answered[:, j], dy, 0.0)
                dev_sums[:, 2 * e + 1] += np.where(answered[:, j], dt, 0.0)
                involved[:, e] |= answered[:, j]
        columns = np.empty((n, 2 * n_elements + 2), order="F")
        any_answer = involved.any(axis=1)
        n_overall = np.bincount(group, weights=np.where(any_answer, w, 0.0), minlength=groups)
        overall = np.zeros((n, 2))
        present, count = self.present, self.count
        with np.errstate(invalid="ignore", divide="ignore"):
            for e in range(n_elements):
                n_elem = np.bincount(
                    group, weights=np.where(involved[:, e], w, 0.0), minlength=groups
                )
                factor = np.where(present[:, e], n_elem / count[:, e], 0.0)
                to_overall = np.where(
                    present[:, e], n_overall / (self.n_present * count[:, e]), 0.0
                )
                for m in range(2):
                    z_sum = dev_sums[:, 2 * e + m]
                    columns[:, 2 * e + m] = np.where(
                        involved[:, e], scope.per_row(factor) * z_sum, np.nan
                    )
                    overall[:, m] += scope.per_row(to_overall) * z_sum
        for m in range(2):
            columns[:, 2 * n_elements + m] = np.where(any_answer, overall[:, m], np.nan)
        return columns


def _errors(design, scope: _Scope, y, top, answered, combined) -> tuple[np.ndarray, ...]:
    """SE of both measures, df and n of every index of a scope (each groups × indices).

    The columns handed to the design are, per index, the measure itself for a criterion (its
    linearisation is that of the ratio θ_j) and the influence columns for elements and the
    overall index; they are assembled in blocks bounded in memory, column-major so that the
    design reads them without a copy.
    """
    n, k = y.shape
    n_indices = k + combined.shape[1] // 2

    def column(c: int) -> np.ndarray:
        i, m = divmod(c, 2)
        if i >= k:
            return combined[:, 2 * (i - k) + m]
        return y[:, i] if m == 0 else np.where(answered[:, i], top[:, i], np.nan)

    total = 2 * n_indices
    se = np.empty((scope.groups, total))
    df = np.empty((scope.groups, total))
    count = np.empty((scope.groups, total))
    per_block = max(1, _BLOCK_VALUES // max(n, 1))
    for start in range(0, total, per_block):
        stop = min(start + per_block, total)
        block = np.empty((n, stop - start), order="F")
        for c in range(start, stop):
            block[:, c - start] = column(c)
        table = design.means(block, by=scope.by)
        se[:, start:stop], df[:, start:stop], count[:, start:stop] = table.se, table.df, table.n
    return se[:, 0::2], se[:, 1::2], df[:, 0::2], count[:, 0::2]


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
    Unit labels are encoded once to integer codes; each scope (province, units) costs one
    pass of grouped sums per item and one ``design.means`` column per index and measure.
    Element and overall SEs are Taylor linearisations of the combination (module docstring);
    intervals follow :mod:`analysis.intervals`.

    References
    ----------
    Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 2.
    R package ``survey``: ``?svymean``, ``?svyciprop``, ``?svycontrast``, ``?svyby``.
    Binder, D. A. (1983). On the variances of asymptotically normal estimators from complex
    surveys. *International Statistical Review* 51, 279–292.
    """
    y, w = _check_inputs(answers, item_codes, item_elements, design, exclude)
    if satisfied_from not in (2, 3, 4, 5):
        raise ValueError("satisfied_from must be a rating between 2 and 5.")
    is_small_cell(0, min_n)  # refuses a threshold below 1
    n, k = y.shape
    answered = ~np.isnan(y)
    top = np.asfortranarray(y >= satisfied_from)  # False where not answered
    elements = list(dict.fromkeys(item_elements))
    element_items = [[j for j in range(k) if item_elements[j] == e] for e in elements]
    names = (
        [("criterion", code) for code in item_codes]
        + [("element", e) for e in elements]
        + [("overall", "overall")]
    )

    scopes = [_Scope(np.zeros(n, dtype=np.intp), 1, None, [PROVINCE])]
    if units is not None:
        labels, codes = _encode_units(units, n)
        scopes.append(_Scope(codes, len(labels), codes, labels))
    results: list[SipasIndex] = []
    for scope in scopes:
        est = _Estimates(scope, y, top, answered, w, element_items)
        combined = est.influence_columns(y, top, answered, w)
        se_y, se_t, df, count = _errors(design, scope, y, top, answered, combined)
        results.extend(_records(names, scope, est, se_y, se_t, df, count, min_n))
    return SipasResult(tuple(results))
