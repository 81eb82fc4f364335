"""Ranks within each unit type, and their uncertainty.

**Rank**: competition ranking ("1, 2, 2, 4") within each unit type among the ranked units, on
the index rounded to two decimals (as published).

**Standard error of a unit's index.** Only the survey-assessed part of a unit's points is
estimated from a sample; self-assessed points, points "không áp dụng" and points given from a
named outside source carry no sampling error here. The survey part's SE is the contract's
``survey_total.se`` when it was derived from the design (``se_method`` "design",
:func:`analysis.points.survey_total_se`: the covariances between a respondent group's criteria
from the group's design, groups independent, the SIPAS criteria's part added to the rest's SE)
and the unit's survey points are exactly the contract's criteria. Otherwise the contract gives
each criterion's SE but not their covariances, and we take the conservative bound
``SE(Σ_j P_j) <= Σ_j SE(P_j)`` (Minkowski's inequality; equality under perfect positive
correlation), never understated whatever the correlation: :func:`survey_part_se`. The index's
SE is ``100 × that SE ÷ applicable maximum``. A unit one of whose survey criteria has no SE
(e.g. a single answer) has none either.

**Rank interval** (:func:`rank_intervals`): ``draws`` independent normal draws of every ranked
unit's index around its estimate with its SE (a unit without SE stays at its estimate), from
``numpy.random.default_rng(seed)``, unit types in sorted order and units by code within a type;
each draw is ranked by the rule above; the interval is the 5th and 95th percentile (for a 90 %
interval; ``numpy.quantile`` with ``method="inverted_cdf"``, so both ends are ranks that
occur) of the unit's simulated ranks. Independence between units is assumed (different
respondents); the seed is recorded with the result, so the intervals can be reproduced.

References
----------
Goldstein, H. and Spiegelhalter, D. J. (1996). League tables and their limitations: statistical
issues in comparisons of institutional performance. *JRSS A* 159(3), 385–443.
Hall, P. and Miller, H. (2009). Using the bootstrap to quantify the authority of an empirical
ranking. *Annals of Statistics* 37(6B), 3929–3959.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from ..points import survey_part_se
from .model import FROM_CONTRACT, RANKED, SCORED, CriterionScore, UnitScore

RANK_SEED = 20_261_201
RANK_DRAWS = 2_000
RANK_LEVEL = 0.90
COVARIANCE_ASSUMPTION = (
    "SE of the survey part: the contract's design-based survey_total.se (covariances of a "
    "group's criteria from its design, groups independent, SIPAS part added) where the unit's "
    "survey points are the contract's criteria, else the sum of the criteria's SEs (an upper "
    "bound for any correlation); self-assessed and outside-source points without sampling "
    "error; units independent"
)
_CHUNK = 2_000_000  # draws × units × units booleans compared at once


def _ranks(units: list[UnitScore]) -> dict[str, int]:
    """Competition ranking within each unit type, among ranked units, on the index rounded to two
    decimals."""
    ranked = [u for u in units if u.status == RANKED and u.index is not None]
    ranks = {}
    for u in ranked:
        mine = round(u.index, 2)
        ranks[u.code] = 1 + sum(
            1 for o in ranked if o.unit_type == u.unit_type and round(o.index, 2) > mine
        )
    return ranks


def unit_survey_se(details: Mapping[str, CriterionScore],
                   ses: Mapping[str, float | None]) -> float | None:
    """:func:`survey_part_se` over a unit's scored criteria whose points come from the contract."""
    return survey_part_se(ses.get(code) for code, cell in details.items()
                          if cell.status == SCORED and cell.source == FROM_CONTRACT)


def with_index_se(score: UnitScore, unit: Mapping) -> UnitScore:
    """The unit's survey-part SE and its index's SE.

    The contract's design-based ``survey_total.se`` (``se_method`` "design") is used when the
    unit's survey points are exactly the contract's criteria of that unit; otherwise (points
    given from outside, criteria not applicable, an older contract) the sum of the SEs of the
    criteria taken from the contract.
    """
    ses = {str(c["code"]): c.get("se") for c in unit["criteria"]}
    used = {code for code, cell in score.details.items()
            if cell.status == SCORED and cell.source == FROM_CONTRACT}
    total = unit.get("survey_total") or {}
    if total.get("se_method") == "design" and total.get("se") is not None and used == set(ses):
        survey_se = float(total["se"])
    else:
        survey_se = unit_survey_se(score.details, ses)
    index_se = None
    if survey_se is not None and score.index is not None and score.applicable_max > 0:
        index_se = 100.0 * survey_se / score.applicable_max
    return replace(score, survey_se=survey_se, index_se=index_se)


def _simulated_ranks(draws: np.ndarray) -> np.ndarray:
    """Competition ranks (1 = highest) of each row of ``draws`` (draws × units), on values
    rounded to two decimals as the published ranks."""
    values = np.round(draws, 2)
    n, k = values.shape
    ranks = np.empty((n, k), dtype=np.int64)
    step = max(1, _CHUNK // max(k * k, 1))
    for start in range(0, n, step):
        block = values[start:start + step]
        ranks[start:start + step] = 1 + (block[:, None, :] > block[:, :, None]).sum(axis=2)
    return ranks


def rank_intervals(
    units: Sequence[UnitScore],
    *,
    seed: int = RANK_SEED,
    draws: int = RANK_DRAWS,
    level: float = RANK_LEVEL,
) -> dict[str, tuple[int, int]]:
    """Simulated rank intervals of the ranked units, within each unit type.

    Parameters
    ----------
    units : sequence of UnitScore
        Units with ``index``, ``index_se`` (None: no sampling error known), ``status`` and
        ``unit_type``; only ranked units with an index take part.
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same intervals.
    draws : int
        Number of simulated index vectors.
    level : float
        Coverage of the interval (0.90: 5th to 95th percentile of the simulated ranks).

    Returns
    -------
    dict
        Unit code → (lowest rank, highest rank) of the interval. Units whose ``index_se`` is
        None are drawn at their estimate but get no interval of their own.
    """
    if int(draws) < 1:
        raise ValueError("draws must be a positive number of simulations.")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}.")
    rng = np.random.default_rng(seed)
    tail = (1.0 - level) / 2.0
    out: dict[str, tuple[int, int]] = {}
    ranked = [u for u in units if u.status == RANKED and u.index is not None]
    for unit_type in sorted({u.unit_type for u in ranked}):
        group = sorted((u for u in ranked if u.unit_type == unit_type), key=lambda u: u.code)
        centre = np.array([u.index for u in group], dtype=float)
        se = np.array([u.index_se or 0.0 for u in group], dtype=float)
        simulated = centre + se * rng.standard_normal((int(draws), len(group)))
        ranks = _simulated_ranks(simulated)
        low = np.quantile(ranks, tail, axis=0, method="inverted_cdf")
        high = np.quantile(ranks, 1.0 - tail, axis=0, method="inverted_cdf")
        for j, u in enumerate(group):
            if u.index_se is not None:
                out[u.code] = (int(low[j]), int(high[j]))
    return out
