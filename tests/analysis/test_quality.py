"""Quality flags, each rule checked on small hand-built cases."""

import numpy as np
import pytest

from analysis import SurveyDesign
from analysis.indices import sipas_indices
from analysis.quality import (
    burst_duplicate_flags, duplicate_device_flags, quality_flags, speeder_flags,
    straight_lining_flags,
)

NAN = np.nan


def test_speeders_below_fraction_of_group_median():
    # group A median 600 -> threshold 180; group B median 100 -> threshold 30
    t = [600, 170, 700, 650, 181, 100, 29, 120, NAN]
    g = ["A", "A", "A", "A", "A", "B", "B", "B", "B"]
    assert speeder_flags(t, groups=g).tolist() == [
        False, True, False, False, False, False, True, False, False
    ]
    # one median for all: (170 + 181) / 2 = 175.5 -> threshold 52.65
    assert speeder_flags(t).tolist() == [False] * 6 + [True, False, False]


def test_straight_lining_needs_enough_answered_items():
    grid = [
        [3, 3, 3, 3, 3],
        [3, 3, 3, 3, 4],
        [5, 5, 5, 5, NAN],
        [1, 1, 1, 1, 1],
    ]
    assert straight_lining_flags(grid, min_items=5).tolist() == [True, False, False, True]
    assert straight_lining_flags(grid, min_items=4).tolist() == [True, False, True, True]


def test_bursts_same_vector_same_entry_within_window():
    vectors = [[1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 4]]
    times = [0, 100, 100, 5000, 110]
    entries = ["qr1", "qr1", "qr2", "qr1", "qr1"]
    assert burst_duplicate_flags(vectors, times, entries, window_seconds=600).tolist() == [
        True, True, False, False, False
    ]


def test_duplicate_devices_keep_earliest():
    hashes = ["d1", "d2", "d1", None, None, "d1"]
    times = [50, 10, 20, 1, 2, 30]
    flags = duplicate_device_flags(hashes, times).tolist()
    assert flags == [True, False, False, False, False, True]
    assert duplicate_device_flags(hashes, times, keep="none").tolist() == [
        True, False, True, False, False, True
    ]


def test_quarantine_mask_and_indices_with_and_without_it():
    answers = np.array([[5, 5, 5, 5, 5], [4, 3, 4, 2, 4], [2, 3, 1, 2, 2], [5, 5, 5, 5, 5]], float)
    flags = quality_flags(
        durations=[400, 380, 420, 20], grids=[answers], device_hashes=["a", "b", "c", "d"],
        quarantine_on=("speeder",),
    )
    assert flags.counts() == {"speeder": 1, "straight_lining": 2, "duplicate_device": 0}
    assert flags.quarantine.tolist() == [False, False, False, True]
    assert flags.reasons(3) == ["speeder", "straight_lining"]
    design = SurveyDesign(np.ones(4))
    codes, elements = ["a", "b", "c", "d", "e"], ["E"] * 5
    kept = sipas_indices(answers, codes, elements, design).get("overall", "overall")
    clean = sipas_indices(answers, codes, elements, design, exclude=flags.quarantine)
    clean = clean.get("overall", "overall")
    assert kept.share.value == pytest.approx(100 * (5 + 3 + 0 + 5) / 20)
    assert clean.share.value == pytest.approx(100 * (5 + 3 + 0) / 15)
    assert clean.score.n == 3


def test_bad_quality_arguments():
    with pytest.raises(ValueError, match="between 0 and 1"):
        speeder_flags([1, 2], fraction=1.5)
    with pytest.raises(ValueError, match="Unknown flag names"):
        quality_flags(durations=[1, 2], quarantine_on=("late",))
