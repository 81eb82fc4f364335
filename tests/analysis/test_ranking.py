"""Ranks with their uncertainty: simulated 90 % rank intervals (analysis.combiner.ranking)."""

import numpy as np
import pytest

from analysis.combiner import UnitScore
from analysis.combiner.ranking import _simulated_ranks, rank_intervals
from analysis.points import survey_part_se


def unit(code, unit_type, index, se, status="ranked"):
    return UnitScore(code=code, name=code, unit_type=unit_type, points=index, applicable_max=100.0,
                     index=index, rank=None, fields={}, criteria={}, status=status, index_se=se)


CASE = [
    unit("A", "department", 80.0, 2.0),
    unit("B", "department", 80.1, 2.0),
    unit("FAR", "commune", 99.0, 2.0),
    unit("C", "commune", 80.0, 2.0),
    unit("D", "commune", 80.1, 2.0),
    unit("OUT", "commune", 99.5, 2.0, status="excluded"),  # no rank, takes no place
]


def test_close_units_overlap_and_a_unit_far_ahead_is_first():
    intervals = rank_intervals(CASE, seed=7, draws=2000)
    assert intervals["A"] == intervals["B"] == (1, 2)  # 0.1 point apart, SE 2
    assert intervals["FAR"] == (1, 1)
    assert intervals["C"] == intervals["D"] == (2, 3)
    assert "OUT" not in intervals


def test_the_seed_reproduces_the_intervals():
    first = rank_intervals(CASE, seed=2026, draws=2000)
    assert rank_intervals(list(reversed(CASE)), seed=2026, draws=2000) == first


def test_without_sampling_error_the_interval_is_the_published_rank():
    fixed = [unit("A", "t", 70.004, 0.0), unit("B", "t", 70.0, 0.0), unit("C", "t", 60.0, 0.0),
             unit("D", "t", 50.0, None)]  # ties on the index rounded to two decimals
    intervals = rank_intervals(fixed, seed=1, draws=50)
    assert intervals == {"A": (1, 1), "B": (1, 1), "C": (3, 3)}
    assert "D" not in intervals  # SE unknown: drawn at its estimate, no interval of its own


def test_simulated_ranks_are_competition_ranks():
    draws = np.array([[3.0, 1.0, 3.0, 2.0], [0.0, 1.0, 2.0, 3.0]])
    assert _simulated_ranks(draws).tolist() == [[1, 4, 1, 3], [4, 3, 2, 1]]


def test_survey_part_se_is_the_sum_of_the_criteria_ses():
    assert survey_part_se([0.5, 0.25, 1.0]) == pytest.approx(1.75)
    assert survey_part_se([]) == 0.0
    assert survey_part_se([0.5, None]) is None
    # an upper bound of the SE of the sum whatever the correlation (here: independent)
    assert survey_part_se([0.5, 0.25]) >= np.hypot(0.5, 0.25)


def test_bad_simulation_settings_are_refused():
    with pytest.raises(ValueError, match="draws"):
        rank_intervals(CASE, draws=0)
    with pytest.raises(ValueError, match="level"):
        rank_intervals(CASE, level=1.5)
