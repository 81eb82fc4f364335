"""Kish's measures and the weighting-class non-response adjustment, worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import kish_deff, kish_effective_n, nonresponse_adjust


def test_kish_hand_worked():
    w = [1.0, 1.0, 2.0, 4.0]  # Σw = 8, Σw² = 22
    assert kish_effective_n(w) == pytest.approx(64 / 22)
    assert kish_deff(w) == pytest.approx(4 * 22 / 64)
    assert kish_deff([3.0] * 5) == pytest.approx(1.0)


def test_nonresponse_adjustment_hand_worked():
    base = np.array([10.0, 10.0, 10.0, 20.0, 20.0, 5.0])
    responded = np.array([True, False, True, True, False, True])
    cells = np.array(["a", "a", "a", "b", "b", "c"])
    adjusted = nonresponse_adjust(base, responded, cells)
    # cell a: 30 invited / 20 responding -> 1.5; cell b: 40/20 -> 2; cell c: 1
    assert adjusted.tolist() == [15.0, 0.0, 15.0, 40.0, 0.0, 5.0]
    assert adjusted.sum() == pytest.approx(base.sum())


def test_nonresponse_cell_without_response_is_refused_in_both_languages():
    with pytest.raises(ValueError, match="no response.*không có phiếu"):
        nonresponse_adjust([1.0, 1.0], np.array([True, False]), ["x", "y"])
    with pytest.raises(ValueError, match="boolean"):
        nonresponse_adjust([1.0, 1.0], [1, 0], ["x", "x"])
