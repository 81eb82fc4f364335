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
respondent ``i`` is ``z_i = Σ_j a_j r_ij (y_ij − θ_j) / N̂_j``. We hand the design the variable
``v_i = N̂ · z_i`` (``N̂`` = weight total of the domain), whose domain mean is exactly zero and
whose linearised domain-mean variance is therefore ``Var(Σ z_i)`` — so the variance comes from
:class:`analysis.SurveyDesign` itself (strata, PSUs, fpc, domains over the full design).
Within a unit, criteria nobody answered drop out and the remaining coefficients are rescaled
(an element with no answered criterion drops out of the overall index the same way).

Intervals: scores use ``θ ± t(df)·SE``; shares use the logit interval of R's
``svyciprop(method = "logit")``: ``expit(logit p ± t(df)·SE / (p(1 − p)))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["IndexValue", "SipasIndex", "SipasResult", "sipas_indices"]

PROVINCE = None
_LEVELS = ("criterion", "element", "overall")


@dataclass(frozen=True)
class IndexValue:
    """An index estimate with its standard error and 95 % confidence interval.

    ``n`` is the number of respondents contributing at least one valid answer.
    """

    value: float
    se: float
    ci_low: float
    ci_high: float
    df: float
    n: int


@dataclass(frozen=True)
class SipasIndex:
    """One SIPAS index: ``level`` is "criterion", "element" or "overall"; ``unit`` None = province."""

    level: str
    code: str
    unit: str | None
    share: IndexValue
    score: IndexValue


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


def _critical_value(df, level: float = 0.95):
    """t quantile on ``df`` (normal when ``df`` is infinite or None, NaN when ``df`` ≤ 0)."""
    q = 0.5 + level / 2
    df = np.asarray(np.inf if df is None else df, dtype=float)
    with np.errstate(invalid="ignore"):
        crit = np.where(np.isinf(df), stats.norm.ppf(q), stats.t.ppf(q, np.where(df > 0, df, np.nan)))
    return crit


def _scalar(x):
    return float(x) if np.ndim(x) == 0 else x


def t_interval(value, se, df):
    """Symmetric 95 % interval ``value ± t(df)·se`` (arrays allowed)."""
    half = _critical_value(df) * np.asarray(se, dtype=float)
    return _scalar(value - half), _scalar(value + half)


def logit_interval(p, se, df):
    """95 % logit interval for a proportion, as R's ``svyciprop(method = "logit")``.

    At ``p`` = 0 or 1 the logit is undefined and the interval collapses to ``(p, p)``.
    """
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    inside = (p > 0) & (p < 1)
    q = np.where(inside, p, 0.5)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.log(q / (1 - q))
        half = _critical_value(df) * se / (q * (1 - q))
    low = np.where(inside, stats.logistic.cdf(centre - half), p)
    high = np.where(inside, stats.logistic.cdf(centre + half), p)
    bad = ~np.isfinite(p) | ~np.isfinite(se)
    low, high = np.where(bad, np.nan, low), np.where(bad, np.nan, high)
    return _scalar(low), _scalar(high)


def _domain_ses(design, columns: np.ndarray, units: np.ndarray | None) -> list[dict]:
    """Linearised (SE, df, n) of the domain mean of each column, keyed by domain label.

    Uses the design's vectorised ``means(Y, by=)`` when it has one, else one ``mean`` per column.
    """
    if units is None:
        units = np.zeros(columns.shape[0], dtype=np.int8)
        relabel = {0: None}
    else:
        relabel = None
    if hasattr(design, "means"):
        table = design.means(columns, by=units)
        return [
            {(relabel[label] if relabel else label): (float(table.se[i, j]), float(table.df[i, j]),
                                                      int(table.n[i, j]))
             for i, label in enumerate(table.labels)}
            for j in range(columns.shape[1])
        ]
    out = []
    for column in columns.T:
        by = design.mean(column, by=units)
        out.append({(relabel[label] if relabel else label): (float(e.se), float(e.df), int(e.n))
                    for label, e in by.items()})
    return out


def _check_inputs(answers, item_codes, item_elements, design, units, exclude):
    y = np.array(answers, dtype=float)
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
    if units is not None:
        units = np.asarray(units).astype(str)
        if units.shape != (n,):
            raise ValueError(f"units has {units.shape[0]} labels but answers has {n} rows.")
    if exclude is not None:
        exclude = np.asarray(exclude, dtype=bool)
        if exclude.shape != (n,):
            raise ValueError(f"exclude has {exclude.shape[0]} entries but answers has {n} rows.")
        y[exclude] = np.nan
    return y, weights, units


_BLOCK_VALUES = 20_000_000  # floats per design call (160 MB)


def _records(level, code, a_i, theta_y, theta_t, se_y, se_t, kind, labels) -> list[SipasIndex]:
    """Index records of one criterion/element/overall for every group of a scope."""
    groups = a_i.shape[0]
    has = a_i.any(axis=1)
    value_y = np.where(has, np.sum(a_i * np.nan_to_num(theta_y), axis=1), np.nan)
    value_t = np.where(has, np.sum(a_i * np.nan_to_num(theta_t), axis=1), np.nan)
    keys = [None] if kind is None else list(range(groups))
    missing = (np.nan, np.nan, 0)
    sy = np.array([se_y.get(key, missing)[0] for key in keys])
    df = np.array([se_y.get(key, missing)[1] for key in keys])
    nn = [se_y.get(key, missing)[2] for key in keys]
    st = np.array([se_t.get(key, missing)[0] for key in keys])
    score = 25.0 * (value_y - 1.0)
    lo, hi = (np.atleast_1d(x) for x in t_interval(score, 25.0 * sy, df))
    p_lo, p_hi = (np.atleast_1d(x) for x in logit_interval(value_t, st, df))
    out = []
    for g in np.flatnonzero(has):
        unit = None if kind is None else labels[1 + g]
        out.append(SipasIndex(
            level, code, unit,
            share=IndexValue(100 * float(value_t[g]), 100 * float(st[g]), 100 * float(p_lo[g]),
                             100 * float(p_hi[g]), float(df[g]), int(nn[g])),
            score=IndexValue(float(score[g]), 25.0 * float(sy[g]), float(lo[g]), float(hi[g]),
                             float(df[g]), int(nn[g])),
        ))
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
        The design of the ``n`` respondents (its ``weights`` and ``mean(y, by=)`` are used).
    units : array_like, optional
        Unit label of each respondent; indices are then also given per unit (as domains).
    exclude : array_like of bool, optional
        Responses left out (e.g. quarantined); they stay in the design as out-of-domain rows.
    satisfied_from : int
        Lowest rating counted as satisfied (4: Hài lòng and Rất hài lòng).

    Returns
    -------
    SipasResult
        Province indices first, then each unit's, each with ``share`` and ``score``.
    """
    y, w, units = _check_inputs(answers, item_codes, item_elements, design, units, exclude)
    if satisfied_from not in (2, 3, 4, 5):
        raise ValueError("satisfied_from must be a rating between 2 and 5.")
    n, k = y.shape
    answered = ~np.isnan(y)
    ratings = np.where(answered, y, 0.0)
    satisfied = (ratings >= satisfied_from).astype(float)
    elements = list(dict.fromkeys(item_elements))
    member = np.array([[e == item_elements[j] for j in range(k)] for e in elements], dtype=float)

    scopes: list[tuple[str | None, np.ndarray]] = [(None, np.zeros(n, dtype=np.intp))]
    labels = [None]
    if units is not None:
        labels_u, inverse = np.unique(units, return_inverse=True)
        labels = [None] + [str(u) for u in labels_u]
        scopes.append(("units", inverse))

    results: list[SipasIndex] = []
    per_scope = []
    for kind, group in scopes:
        groups = int(group.max()) + 1 if n else 0
        wr = w[:, None] * answered
        s_r = np.zeros((groups, k))
        s_y = np.zeros((groups, k))
        s_t = np.zeros((groups, k))
        for j in range(k):
            s_r[:, j] = np.bincount(group, weights=wr[:, j], minlength=groups)
            s_y[:, j] = np.bincount(group, weights=wr[:, j] * ratings[:, j], minlength=groups)
            s_t[:, j] = np.bincount(group, weights=wr[:, j] * satisfied[:, j], minlength=groups)
        n_hat = np.bincount(group, weights=w, minlength=groups)
        has = s_r > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            theta_y = np.where(has, s_y / np.where(has, s_r, 1), np.nan)
            theta_t = np.where(has, s_t / np.where(has, s_r, 1), np.nan)
        # coefficient sets: one row per index, per group (groups × indices × k)
        coef = []
        names = []
        for j, code in enumerate(item_codes):
            c = np.zeros((groups, k))
            c[:, j] = 1.0
            coef.append(c * has)
            names.append(("criterion", code))
        elem_coefs = []
        for e_index, e in enumerate(elements):
            c = member[e_index][None, :] * has
            count = c.sum(axis=1, keepdims=True)
            c = np.divide(c, count, out=np.zeros_like(c), where=count > 0)
            coef.append(c)
            elem_coefs.append(c)
            names.append(("element", e))
        stacked = np.stack(elem_coefs)  # E × groups × k
        present = (stacked.sum(axis=2) > 0).astype(float)  # E × groups
        n_present = present.sum(axis=0)  # groups
        overall = np.divide(
            stacked.sum(axis=0), n_present[:, None],
            out=np.zeros((groups, k)), where=n_present[:, None] > 0,
        )
        coef.append(overall)
        names.append(("overall", "overall"))
        coef_arr = np.stack(coef, axis=1)  # groups × indices × k
        per_scope.append((kind, group, groups, coef_arr, names, theta_y, theta_t, s_r, n_hat))

    for kind, group, groups, coef_arr, names, theta_y, theta_t, s_r, n_hat in per_scope:
        with np.errstate(invalid="ignore", divide="ignore"):
            inv_sr = np.where(s_r > 0, 1.0 / np.where(s_r > 0, s_r, 1), 0.0)[group]
        dev_y = np.where(answered, ratings - np.nan_to_num(theta_y[group]), 0.0) * inv_sr
        dev_t = np.where(answered, satisfied - np.nan_to_num(theta_t[group]), 0.0) * inv_sr
        # one design call per block of indices (two columns each), blocks bounded in memory
        per_block = max(1, _BLOCK_VALUES // max(2 * n, 1))
        for start in range(0, len(names), per_block):
            block = range(start, min(start + per_block, len(names)))
            columns = np.full((n, 2 * len(block)), np.nan)
            for c, i in enumerate(block):
                a_i = coef_arr[:, i, :]  # groups × k
                used = np.flatnonzero(a_i.any(axis=0))
                a_rows = a_i[:, used][group]
                involved = ((a_rows > 0) & answered[:, used]).any(axis=1)
                # N̂ of the rows carrying the index, so v's domain mean is exactly the combination
                n_involved = np.bincount(group, weights=w * involved, minlength=groups)[group]
                for m, dev in enumerate((dev_y, dev_t)):
                    v = np.einsum("nk,nk->n", a_rows, dev[:, used]) * n_involved
                    columns[:, 2 * c + m] = np.where(involved, v, np.nan)
            ses = _domain_ses(design, columns, None if kind is None else group)
            for c, i in enumerate(block):
                level, code = names[i]
                results.extend(_records(level, code, coef_arr[:, i, :], theta_y, theta_t,
                                        ses[2 * c], ses[2 * c + 1], kind, labels))
    return SipasResult(tuple(results))
