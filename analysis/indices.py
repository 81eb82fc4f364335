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
(answered, rating, satisfied): the rows are read a block of whole units at a time and summed
into their cells for every item (:mod:`analysis.sipas_rows`), the province's cells are sums of
the units' cells, and the stratum formulas of :mod:`analysis.variance` run on the cells for all
indices at once (:mod:`analysis.sipas_cells`, :mod:`analysis.sipas_estimates`).
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
from analysis.sipas_cells import Plan, encode_units
from analysis.sipas_estimates import Estimates, cell_errors
from analysis.sipas_general import design_errors
from analysis.sipas_rows import rating_codes, scan_rows

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


def _check_inputs(answers, item_codes, item_elements, design, exclude):
    """Ratings as given (NaN = no answer), their codes (exclusions applied) and the weights."""
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
    codes = rating_codes(y, item_codes)
    weights = np.asarray(design.weights, dtype=float)
    if weights.shape != (n,):
        raise ValueError(f"design has {weights.shape[0]} rows but answers has {n}.")
    if exclude is not None:
        exclude = np.asarray(exclude, dtype=bool)
        if exclude.shape != (n,):
            raise ValueError(f"exclude has {exclude.shape[0]} entries but answers has {n} rows.")
        codes[exclude] = 0
    return y, codes, weights


def _records(names, labels, est: Estimates, se_y, se_t, df, count,
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
            np.asarray(df, dtype=np.int64),
            np.asarray(count, dtype=np.int64),
        )
    ]
    small = {c: is_small_cell(c, min_n) for c in np.unique(columns[-1]).tolist()}
    out = []
    append = out.append
    for i, (level, code) in enumerate(names):
        sc, sc_se, lo, hi, sh, sh_se, sh_lo, sh_hi, dfs, counts = (col[i] for col in columns)
        for g in np.flatnonzero(est.has[:, i]).tolist():
            d, n = dfs[g], counts[g]
            append(SipasIndex(level, code, labels[g],
                              Estimate(sh[g], sh_se[g], sh_lo[g], sh_hi[g], d, NAN, n),
                              Estimate(sc[g], sc_se[g], lo[g], hi[g], d, NAN, n), small[n]))
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
    The answers are checked and coded once (one byte each); unit labels are encoded once to
    integer codes and the rows taken unit by unit, in blocks of whole units small enough for
    the processor's cache (two threads share the blocks where there are two processors): each
    block is summed into its (unit, PSU) cells for all items (:mod:`analysis.sipas_rows`), and
    everything else works on cells.
    Element and overall SEs are Taylor linearisations of the combination (module docstring);
    intervals follow :mod:`analysis.intervals`.

    References
    ----------
    Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 2.
    R package ``survey``: ``?svymean``, ``?svyciprop``, ``?svycontrast``, ``?svyby``.
    Binder, D. A. (1983). On the variances of asymptotically normal estimators from complex
    surveys. *International Statistical Review* 51, 279–292.
    """
    y, codes, w = _check_inputs(answers, item_codes, item_elements, design, exclude)
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
    labels, unit_codes = encode_units(units, n) if units is not None else ([PROVINCE], None)
    route = getattr(design, "_taylor_stages", None)
    plain = route() if route is not None else None
    plan = Plan(*plain) if plain is not None else None
    scan = scan_rows(codes, w, plan, unit_codes, len(labels), element_items, satisfied_from)
    cells = scan.province_cells
    sums = scan.province_sums
    if cells is not None:
        sums = [cells.domain_sum @ total for total in sums]
    scopes = [([PROVINCE], sums, scan.province_counts, cells, np.zeros(n, dtype=np.int64), None)]
    if units is not None:
        scopes.append((labels, scan.unit_sums, scan.unit_counts, None, unit_codes, unit_codes))
    results: list[SipasIndex] = []
    for i, (scope_labels, sums, counts, cells, group, by) in enumerate(scopes):
        est = Estimates(tuple(sums), element_items)
        if plan is None:
            answered = codes > 0
            se_y, se_t, df, _ = design_errors(design, est, group, len(scope_labels), by, y,
                                              answered, w, satisfied_from)
        elif cells is not None:
            se_y, se_t, df = cell_errors(cells, est)
        else:
            se_y, se_t, df = scan.unit_errors
        results.extend(_records(names, scope_labels, est, se_y, se_t, df, counts, min_n))
    return SipasResult(tuple(results))
