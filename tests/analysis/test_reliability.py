"""Cronbach's alpha and Feldt's interval.

R reference (psych 2.2.9) on the Likert fixture's q1..q3 (21 respondents):

    a <- psych::alpha(d0[,c("q1","q2","q3")]); a$total$raw_alpha   # 0.919529837251
    a$feldt                                                        # 0.833610714168 ..
    0.964819049889
"""

import numpy as np
import pytest

from analysis.reliability import cronbach_alpha, element_reliability

Q = np.array([
    [5, 4, 4], [4, 4, 3], [3, 3, 4], [2, 3, 2], [4, 5, 4], [5, 5, 5], [3, 2, 3], [1, 2, 2],
    [4, 4, 5], [5, 4, 4], [3, 3, 3], [4, 3, 4], [2, 2, 1], [5, 5, 4], [4, 4, 4], [3, 4, 3],
    [5, 5, 5], [1, 1, 2], [2, 3, 3], [4, 4, 3], [3, 3, 4],
], dtype=float)


def test_alpha_and_feldt_interval_match_psych():
    r = cronbach_alpha(Q)
    assert r.alpha == pytest.approx(0.919529837251, rel=1e-10)
    assert r.ci_low == pytest.approx(0.833610714168, rel=1e-10)
    assert r.ci_high == pytest.approx(0.964819049889, rel=1e-10)
    assert (r.n, r.k) == (21, 3)


def test_alpha_hand_worked():
    # items (1,2,3,4), (2,2,3,5), (1,3,3,5): item variances 5/3, 2, 8/3 (sum 19/3);
    # totals 4, 7, 9, 14 have variance 53/3 -> alpha = 3/2 * (1 - 19/53) = 51/53
    r = cronbach_alpha(np.array([[1, 2, 1], [2, 2, 3], [3, 3, 3], [4, 5, 5]]))
    assert r.alpha == pytest.approx(51 / 53, rel=1e-12)


def test_incomplete_rows_dropped_and_elements_split():
    x = np.vstack([Q, [[np.nan, 1, 1]]])
    assert cronbach_alpha(x).n == 21
    both = element_reliability(np.hstack([Q, Q[:, :1]]), ["A", "A", "A", "B"])
    assert set(both) == {"A"}  # a one-item element has no alpha
    assert both["A"].alpha == pytest.approx(0.919529837251, rel=1e-10)


def test_constant_total_is_an_error():
    with pytest.raises(ValueError, match="does not vary"):
        cronbach_alpha(np.ones((5, 3)))
