"""Survey-assessed criterion points: weighted mean coefficient × max points, per unit.

Each scoring answer carries a coefficient in [0, 1] (e.g. 1, 0.75, 0.5, 0.25, 0); answers such as
"không biết" are ``NaN`` and excluded, not zero. For every respondent group, unit and criterion the
design gives the weighted mean coefficient ``m_g`` and its linearised SE (a domain of that group's
design). Groups are combined by the methodology pack's rule:

* ``mean_of_group_means``: ``C = Σ m_g / G`` over the groups with valid answers for the cell;
* ``fixed_weights``: ``C = Σ λ_g m_g / Σ λ_g`` over the weighted groups with valid answers.

Points are ``C × max_points``.

Notes
-----
Groups are separate samples, so they are independent: ``SE(C) = sqrt(Σ c_g² SE(m_g)²)`` with the
normalised coefficients ``c_g``; the interval uses ``t`` on the Welch–Satterthwaite degrees of
freedom ``(Σ c_g² s_g²)² / Σ (c_g² s_g²)² / df_g`` (:func:`analysis.intervals.satterthwaite_df`:
a group whose SE rests on no degree of freedom leaves the cell without an interval). ``n``
counts valid answers; the effective n is Kish's ``(Σw)² / Σw²`` per group, combined as
``1 / Σ (c_g² / n_eff,g)`` (the n of a simple random sample giving the same variance for
unit-variance answers).

Each row of a group's data is one rating (a respondent × an assessed unit): a respondent rating
several units appears in several rows carrying the same design variables.

Flags: ``small_cell`` (``n < min_n``), ``missing_group`` (a group that rates this criterion gave
no valid answer for this unit), ``quarantined_excluded`` (excluded responses fell in the cell).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .intervals import satterthwaite_df, t_interval

__all__ = [
    "SMALL_CELL_MIN_N",
    "CriterionPoints",
    "GroupMean",
    "GroupRatings",
    "GroupRule",
    "criterion_points",
    "is_small_cell",
    "sipas_criterion_points",
    "survey_part_se",
    "survey_total_se",
]

MEAN_OF_GROUP_MEANS = "mean_of_group_means"
SMALL_CELL_MIN_N = 30  # the default threshold of every small-cell flag (points and SIPAS indices)
FIXED_WEIGHTS = "fixed_weights"


@dataclass(frozen=True)
class GroupRatings:
    """The ratings given by one respondent group.

    Parameters
    ----------
    group : str
        Respondent group code (e.g. "BM-01").
    design : analysis.SurveyDesign
        Design over the rating rows of this group.
    units : array_like
        Assessed unit of each row.
    coefficients : mapping of str to array_like
        Criterion code → coefficient of each row in [0, 1], ``NaN`` when excluded or not asked.
    exclude : array_like of bool, optional
        Rows left out (quarantined responses); they stay in the design as out-of-domain rows.
    """

    group: str
    design: object
    units: object
    coefficients: Mapping[str, object]
    exclude: object = None


@dataclass(frozen=True)
class GroupRule:
    """How respondent groups are combined: ``kind`` and, for fixed weights, ``weights``."""

    kind: str = MEAN_OF_GROUP_MEANS
    weights: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in (MEAN_OF_GROUP_MEANS, FIXED_WEIGHTS):
            raise ValueError(
                f"Unknown group rule {self.kind!r}; use {MEAN_OF_GROUP_MEANS!r} or {FIXED_WEIGHTS!r}."
            )
        if self.kind == FIXED_WEIGHTS:
            if not self.weights:
                raise ValueError("A fixed-weights group rule needs a weight for each group.")
            if any(not np.isfinite(v) or v < 0 for v in self.weights.values()):
                raise ValueError("Group weights must be finite and non-negative.")

    @classmethod
    def from_pack(cls, rule) -> "GroupRule":
        """Build a rule from a pack's ``group_rule``: a kind string, a mapping of group weights,
        a mapping with ``kind``/``weights`` keys, or an object with those attributes."""
        if rule is None:
            return cls()
        if isinstance(rule, GroupRule):
            return rule
        if isinstance(rule, str):
            return cls(kind=rule)
        if isinstance(rule, Mapping):
            if "kind" in rule:
                return cls(kind=rule["kind"], weights=dict(rule.get("weights") or {}))
            if set(rule) == {"weights"}:  # the methodology pack's form {"weights": {group: w}}
                return cls(kind=FIXED_WEIGHTS, weights=dict(rule["weights"]))
            return cls(kind=FIXED_WEIGHTS, weights={str(k): float(v) for k, v in rule.items()})
        return cls(kind=getattr(rule, "kind"), weights=dict(getattr(rule, "weights", None) or {}))


@dataclass(frozen=True)
class GroupMean:
    """One group's weighted mean coefficient for a unit and criterion."""

    group: str
    value: float
    se: float
    df: float
    n: int
    effective_n: float


@dataclass(frozen=True)
class CriterionPoints:
    """Points of one survey-assessed criterion for one unit, with uncertainty and flags."""

    unit: str
    criterion: str
    points: float
    max_points: float
    se: float
    ci_low: float
    ci_high: float
    df: float
    n: int
    effective_n: float
    flags: tuple[str, ...]
    groups: tuple[GroupMean, ...]
    measure: str | None = None  # "sipas_share" / "sipas_score": points = max × that index ÷ 100


def is_small_cell(n: int, min_n: int = SMALL_CELL_MIN_N) -> bool:
    """The small-cell rule of every result: fewer than ``min_n`` valid answers (or respondents).

    Criterion points carry it as the flag ``small_cell``, SIPAS indices as
    :attr:`analysis.indices.SipasIndex.small_cell`; pages and documents read the flag and never
    apply a threshold of their own.
    """
    if min_n < 1:
        raise ValueError("min_n must be a positive number of answers.")
    return int(n) < min_n


def _domain_means(design, y: np.ndarray, units: np.ndarray) -> dict:
    return design.mean(y, by=units)


def _group_cells(ratings: GroupRatings, criteria: Sequence[str]) -> dict:
    """(unit, criterion) → (GroupMean, excluded_count) for one group."""
    weights = np.asarray(ratings.design.weights, dtype=float)
    units = np.asarray(ratings.units).astype(str)
    if units.shape != weights.shape:
        raise ValueError(
            f"Group {ratings.group!r}: units has {units.size} rows but its design has {weights.size}."
        )
    exclude = (
        np.zeros(units.size, dtype=bool) if ratings.exclude is None
        else np.asarray(ratings.exclude, dtype=bool)
    )
    if exclude.shape != units.shape:
        raise ValueError(f"Group {ratings.group!r}: exclude must have one entry per row.")
    labels, inverse = np.unique(units, return_inverse=True)
    cells = {}
    for criterion in criteria:
        if criterion not in ratings.coefficients:
            continue
        coef = np.array(ratings.coefficients[criterion], dtype=float)
        if coef.shape != units.shape:
            raise ValueError(
                f"Group {ratings.group!r}, criterion {criterion!r}: {coef.size} coefficients "
                f"for {units.size} rows."
            )
        valid_all = ~np.isnan(coef)
        if ((coef[valid_all] < 0) | (coef[valid_all] > 1)).any():
            raise ValueError(
                f"Group {ratings.group!r}, criterion {criterion!r}: coefficients must lie in [0, 1]."
            )
        dropped = np.bincount(inverse, weights=valid_all & exclude, minlength=labels.size)
        coef[exclude] = np.nan
        valid = ~np.isnan(coef)
        counts = np.bincount(inverse, weights=valid, minlength=labels.size)
        w_sum = np.bincount(inverse, weights=weights * valid, minlength=labels.size)
        w_sq = np.bincount(inverse, weights=weights**2 * valid, minlength=labels.size)
        if not valid.any():
            continue
        # rows without a valid answer are out of every domain whatever their label; relabel
        # them so that units without any valid answer are not asked for (0/0)
        by = np.where(valid, units, units[np.flatnonzero(valid)[0]])
        estimates = _domain_means(ratings.design, coef, by)
        for u, label in enumerate(labels):
            if counts[u] == 0:
                cells[(label, criterion)] = (None, int(dropped[u]))
                continue
            est = estimates[label]
            mean = GroupMean(
                ratings.group, float(est.value), float(est.se), float(est.df),
                int(counts[u]), float(w_sum[u] ** 2 / w_sq[u]),
            )
            cells[(label, criterion)] = (mean, int(dropped[u]))
    return cells


def criterion_points(
    ratings: Sequence[GroupRatings],
    max_points: Mapping[str, float],
    rule: GroupRule | str | Mapping | None = None,
    *,
    min_n: int = SMALL_CELL_MIN_N,
    expected_groups: Mapping[str, Sequence[str]] | None = None,
) -> list[CriterionPoints]:
    """Survey-assessed points per unit and criterion, groups combined by ``rule``.

    Parameters
    ----------
    ratings : sequence of GroupRatings
        One entry per respondent group (group codes must be unique).
    max_points : mapping of str to float
        Maximum points of each survey-assessed criterion to score.
    rule : GroupRule, str or mapping, optional
        The pack's group rule (see :meth:`GroupRule.from_pack`); default mean of group means.
    min_n : int
        Cells with fewer valid answers are flagged ``small_cell``.
    expected_groups : mapping of unit to groups, optional
        The groups meant to rate each unit (a round's rating matrix). When given, ``missing_group``
        is flagged only for an expected group; otherwise for any group that rates the criterion
        for some unit.

    Returns
    -------
    list of CriterionPoints
        Sorted by unit, then criterion in the order of ``max_points``.

    References
    ----------
    Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 2 (domain
    means); R package ``survey``: ``?svyby``, ``?degf``.
    Satterthwaite, F. E. (1946). An approximate distribution of estimates of variance
    components. *Biometrics Bulletin* 2(6), 110–114 (df of the combined groups).
    Kish, L. (1992). Weighting for unequal P_i. *Journal of Official Statistics* 8(2), 183–200
    (effective n).
    """
    rule = GroupRule.from_pack(rule)
    is_small_cell(0, min_n)  # refuses a threshold below 1 before any work
    groups = [r.group for r in ratings]
    if len(set(groups)) != len(groups):
        raise ValueError("Each respondent group may appear only once in ratings.")
    if rule.kind == FIXED_WEIGHTS:
        unknown = sorted(set(rule.weights) - set(groups))
        if unknown:
            raise ValueError(f"Group weights name groups without ratings: {', '.join(unknown)}.")
    for code, mx in max_points.items():
        if not np.isfinite(mx) or mx <= 0:
            raise ValueError(f"Max points of criterion {code!r} must be positive, not {mx!r}.")
    criteria = list(max_points)
    per_group = {r.group: _group_cells(r, criteria) for r in ratings}
    raters = {
        (g, c) for g, cells in per_group.items() for (_, c), (m, _) in cells.items() if m is not None
    }
    keys = sorted({key for cells in per_group.values() for key in cells},
                  key=lambda k: (k[0], criteria.index(k[1])))
    out = []
    for unit, criterion in keys:
        means, flags, dropped = [], [], 0
        for g in groups:
            mean, excluded = per_group[g].get((unit, criterion), (None, 0))
            dropped += excluded
            in_rule = rule.kind == MEAN_OF_GROUP_MEANS or rule.weights.get(g, 0) > 0
            if mean is not None and in_rule:
                means.append(mean)
            elif in_rule and (g, criterion) in raters and (
                    expected_groups is None or g in expected_groups.get(unit, ())):
                flags.append("missing_group")
        if not means:
            continue
        raw = np.array([1.0 if rule.kind == MEAN_OF_GROUP_MEANS else rule.weights[m.group]
                        for m in means])
        c = raw / raw.sum()
        value = float(np.dot(c, [m.value for m in means]))
        parts = c**2 * np.array([m.se for m in means]) ** 2
        se = float(np.sqrt(parts.sum()))
        df = satterthwaite_df(parts, [m.df for m in means])
        n = int(sum(m.n for m in means))
        eff = float(1.0 / np.sum(c**2 / np.array([m.effective_n for m in means])))
        if is_small_cell(n, min_n):
            flags.insert(0, "small_cell")
        if dropped:
            flags.append("quarantined_excluded")
        mx = float(max_points[criterion])
        lo, hi = t_interval(value * mx, se * mx, df)
        out.append(CriterionPoints(
            unit=str(unit), criterion=criterion, points=value * mx, max_points=mx, se=se * mx,
            ci_low=lo, ci_high=hi, df=df, n=n, effective_n=eff,
            flags=tuple(dict.fromkeys(flags)), groups=tuple(means),
        ))
    return out


def sipas_criterion_points(
    sipas,
    criteria: Mapping[str, tuple[float, str]],
    *,
    min_n: int = SMALL_CELL_MIN_N,
    group: str = "citizen",
    excluded: Mapping[str, int] | None = None,
) -> list[CriterionPoints]:
    """Points of the SIPAS criteria from the units' overall SIPAS indices.

    One SIPAS number: a SIPAS criterion's points are its maximum × the unit's overall index in
    the pack's measure ÷ 100, with that index's standard error and interval scaled alike, so
    the points and the SIPAS page can never disagree.

    Parameters
    ----------
    sipas : analysis.indices.SipasResult
        The round's SIPAS indices (units' overall indices are used; the province's is not).
    criteria : mapping of str to (float, str)
        Criterion code → (max points, measure), the measure being ``"share"`` (% Hài lòng and
        Rất hài lòng) or ``"score"`` (mean rating on 0–100).
    min_n : int
        Units whose index rests on fewer respondents are flagged ``small_cell``.
    group : str
        The respondent group named in the points' breakdown.
    excluded : mapping of str to int, optional
        Unit → number of quarantined SIPAS responses left out (flags ``quarantined_excluded``).

    Returns
    -------
    list of CriterionPoints
        Sorted by unit, then criterion in the order of ``criteria``. ``effective_n`` is NaN:
        the index averages several items, so no single Kish n describes it.

    References
    ----------
    See :func:`analysis.indices.sipas_indices`.
    """
    for code, (mx, measure) in criteria.items():
        if not np.isfinite(mx) or mx <= 0:
            raise ValueError(f"Max points of criterion {code!r} must be positive, not {mx!r}.")
        if measure not in ("share", "score"):
            raise ValueError(f"SIPAS measure of criterion {code!r} must be 'share' or 'score'.")
    excluded = excluded or {}
    overall = sorted((i for i in sipas.indices if i.level == "overall" and i.unit is not None),
                     key=lambda i: str(i.unit))
    out = []
    for index in overall:
        for code, (mx, measure) in criteria.items():
            estimate = getattr(index, measure)
            scale = float(mx) / 100.0
            flags = ["small_cell"] if is_small_cell(estimate.n, min_n) else []
            if excluded.get(str(index.unit), 0):
                flags.append("quarantined_excluded")
            out.append(CriterionPoints(
                unit=str(index.unit), criterion=code, points=estimate.value * scale,
                max_points=float(mx), se=estimate.se * scale, ci_low=estimate.ci_low * scale,
                ci_high=estimate.ci_high * scale, df=estimate.df, n=int(estimate.n),
                effective_n=float("nan"), flags=tuple(flags),
                groups=(GroupMean(group, estimate.value / 100.0, estimate.se / 100.0, estimate.df,
                                  int(estimate.n), float("nan")),),
                measure=f"sipas_{measure}",
            ))
    return out


def survey_part_se(ses: Iterable[float | None]) -> float | None:
    """Conservative SE of a sum of survey-assessed points (a unit's survey part): Σ SE_j.

    The criteria of a unit are estimated from the same respondents and their covariances are not
    kept, so the sum of the SEs is used: by Minkowski's inequality it bounds ``SE(Σ P_j)`` from
    above for any correlation (equality under perfect positive correlation).

    Parameters
    ----------
    ses : iterable of float or None
        The standard errors of the criteria summed (None: unknown).

    Returns
    -------
    float or None
        ``Σ SE_j``, an upper bound of ``SE(Σ P_j)`` for any correlation between the criteria;
        None when one SE is unknown; 0.0 for no criterion.
    """
    total = 0.0
    for se in ses:
        if se is None or not np.isfinite(se):
            return None
        total += float(se)
    return total


def survey_total_se(
    ratings: Sequence[GroupRatings],
    points: Sequence[CriterionPoints],
    rule: GroupRule | str | Mapping | None = None,
) -> dict[str, float]:
    """Standard error of each unit's survey-assessed points summed, covariances included.

    Within a respondent group the criteria are estimated from the same respondents, so their
    covariances come from the group's design: the unit's part of group ``g`` is
    ``L_g = Σ_j b_j m_gj`` with ``b_j = max_j × c_gj`` (the group's coefficient in the cell's
    combination, as in :func:`criterion_points`) and its linearised influence is
    ``z_i = Σ_j b_j r_ij (y_ij − m_gj) / N̂_gj`` over the unit's rows; ``Var(L_g)`` is the
    design variance of the unit's domain total of ``z`` (R's ``svycontrast`` of ``svyby``
    means). Groups are independent samples, so their variances add. The SIPAS criteria (their
    points all scale one overall index) add their SEs, and that part is added to the rest's SE
    (``SE(A + B) <= SE(A) + SE(B)``), since the contract keeps no covariance between the SIPAS
    index and the groups' criteria.

    Parameters
    ----------
    ratings : sequence of GroupRatings
        The groups' data that gave ``points`` (same exclusions).
    points : sequence of CriterionPoints
        The criterion points summed per unit (e.g. the applicable ones of a round).
    rule : GroupRule, str or mapping, optional
        The group rule that gave ``points``.

    Returns
    -------
    dict
        Unit → SE of the sum of its points (NaN where a group's variance is undefined).

    References
    ----------
    Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 2.
    R package ``survey``: ``?svycontrast``, ``?svyby`` (``covmat=TRUE``).
    """
    rule = GroupRule.from_pack(rule)
    by_group = {r.group: r for r in ratings}
    coefficients: dict[str, dict[tuple[str, str], tuple[float, float]]] = {}
    variance: dict[str, float] = {}
    sipas_se: dict[str, float] = {}
    for cp in points:
        variance.setdefault(cp.unit, 0.0)
        if cp.measure is not None:
            sipas_se[cp.unit] = sipas_se.get(cp.unit, 0.0) + cp.se
            continue
        raw = np.array([1.0 if rule.kind == MEAN_OF_GROUP_MEANS else rule.weights[m.group]
                        for m in cp.groups])
        for mean, c in zip(cp.groups, raw / raw.sum()):
            coefficients.setdefault(mean.group, {})[(cp.unit, cp.criterion)] = (
                cp.max_points * c, mean.value)
    for group, cells in coefficients.items():
        for unit, var in _group_total_variances(by_group[group], cells).items():
            variance[unit] += var
    return {unit: float(np.sqrt(var) + sipas_se.get(unit, 0.0)) for unit, var in variance.items()}


def _group_total_variances(ratings: GroupRatings, cells: Mapping) -> dict[str, float]:
    """Unit → ``Var(Σ_j b_j m_gj)`` in one group (``cells``: (unit, criterion) → (b, m))."""
    weights = np.asarray(ratings.design.weights, dtype=float)
    units = np.asarray(ratings.units).astype(str)
    exclude = (np.zeros(units.size, dtype=bool) if ratings.exclude is None
               else np.asarray(ratings.exclude, dtype=bool))
    z = np.zeros(units.size)
    for criterion in dict.fromkeys(c for _, c in cells):
        coef = np.array(ratings.coefficients[criterion], dtype=float)
        valid = ~np.isnan(coef) & ~exclude
        for unit in dict.fromkeys(u for u, c in cells if c == criterion):
            b, m = cells[(unit, criterion)]
            rows = valid & (units == unit)
            z[rows] += b * (coef[rows] - m) / weights[rows].sum()
    wanted = sorted({u for u, _ in cells})
    table = ratings.design.totals(z[:, None], by=units)
    return {unit: float(table.se[table.labels.index(unit), 0] ** 2) for unit in wanted}
