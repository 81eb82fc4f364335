"""Selection: reproducibility, SRS frequencies, stratification, replacements, back-checks."""

import itertools
import json
from collections import Counter

import numpy as np
import pytest
from scipy.stats import chisquare

from sampling import Selection, backcheck, inclusion_probabilities, select


def test_srs_follows_the_documented_rule_on_raw_pcg64_words():
    # Independent restatement of the rule: one raw PCG64 word per row, rows sorted by word.
    words = np.random.PCG64(2024).random_raw(30)
    order = np.argsort(words, kind="stable")
    selection = select(30, 6, seed=2024)
    assert selection.indices.tolist() == order[:6].tolist()
    assert selection.replacements.tolist() == order[6:].tolist()


def test_systematic_start_comes_from_the_first_raw_word():
    word = int(np.random.PCG64(7).random_raw())
    start = (word >> 11) * 2.0**-53
    expected = [int(np.floor((start + j) * 10 / 4)) for j in range(4)]
    assert select(10, 4, "systematic", seed=7).indices.tolist() == expected


@pytest.mark.parametrize("method", ["srs", "systematic", "pps_systematic"])
def test_same_seed_same_draw_and_another_seed_another(method):
    size = np.arange(1, 201) if method == "pps_systematic" else None
    first = select(200, 20, method, size=size, seed=11)
    again = select(list(range(200)), 20, method, size=size, seed=11)
    other = select(200, 20, method, size=size, seed=12)
    assert first.indices.tolist() == again.indices.tolist()
    assert first.replacements.tolist() == again.replacements.tolist()
    assert first.indices.tolist() != other.indices.tolist()
    assert first.seed == 11 and first.method == method and first.population == 200


def test_a_missing_seed_is_chosen_and_recorded():
    selection = select(50, 5)
    assert selection.indices.tolist() == select(50, 5, seed=selection.seed).indices.tolist()


def test_srs_gives_every_combination_the_same_chance():
    counts = Counter(tuple(sorted(select(5, 2, seed=seed).indices.tolist()))
                     for seed in range(4000))
    combinations = list(itertools.combinations(range(5), 2))
    assert set(counts) == set(combinations)
    assert chisquare([counts[c] for c in combinations]).pvalue > 0.001


def test_probabilities_and_weights():
    srs = select(40, 10, seed=1)
    np.testing.assert_allclose(srs.probabilities, 0.25)
    np.testing.assert_allclose(srs.weights, 4.0)
    sizes = [10, 20, 30, 40, 50, 60, 70, 80, 90, 500]
    pps = select(10, 4, "pps_systematic", size=sizes, seed=3)
    pi = inclusion_probabilities(sizes, 4)
    assert pps.indices[0] == 9  # the certainty unit comes first
    np.testing.assert_allclose(pps.probabilities, pi[pps.indices])
    np.testing.assert_allclose(pps.weights * pps.probabilities, 1.0)


def test_pps_certainty_units_are_always_selected_and_zero_sizes_never():
    sizes = [0, 5, 1000, 5, 5, 0, 5]
    for seed in range(50):
        selection = select(7, 3, "pps_systematic", size=sizes, seed=seed)
        assert 2 in selection.indices
        assert not {0, 5} & set(selection.indices.tolist() + selection.replacements.tolist())


def test_replacements_are_the_unselected_rows_and_a_longer_list_extends_a_shorter():
    for method in ("srs", "systematic"):
        full = select(30, 8, method, seed=5)
        assert sorted(full.indices.tolist() + full.replacements.tolist()) == list(range(30))
        short = select(30, 8, method, seed=5, replacements=4)
        assert short.indices.tolist() == full.indices.tolist()
        assert short.replacements.tolist() == full.replacements[:4].tolist()


def _stratified_frame():
    strata = ["A"] * 50 + ["B"] * 30 + ["C"] * 20
    return list(range(100)), strata


def test_stratified_selection_respects_the_allocation():
    frame, strata = _stratified_frame()
    selection = select(frame, 10, strata=strata, seed=9)
    assert selection.allocation == {"A": 5, "B": 3, "C": 2}
    assert Counter(selection.strata) == {"A": 5, "B": 3, "C": 2}
    for row, label in zip(selection.indices, selection.strata):
        assert strata[row] == label
    for row, label in zip(selection.replacements, selection.replacement_strata):
        assert strata[row] == label
    expected = {"A": 5 / 50, "B": 3 / 30, "C": 2 / 20}
    np.testing.assert_allclose(selection.probabilities, [expected[s] for s in selection.strata])
    assert len(selection.replacements) == 90


def test_stratified_sizes_by_dict_list_and_allocation_method():
    frame, strata = _stratified_frame()
    by_dict = select(frame, {"A": 1, "B": 2, "C": 3}, strata=strata, seed=1)
    by_list = select(frame, [1, 2, 3], strata=strata, seed=1)
    assert by_dict.indices.tolist() == by_list.indices.tolist()
    neyman = select(frame, 10, strata=strata, seed=1, allocation="neyman",
                    sds={"A": 1, "B": 1, "C": 10})
    assert neyman.allocation == {"A": 2, "B": 1, "C": 7}  # 50:30:200 of 10 -> 1.8/1.1/7.1


def test_changing_one_stratum_leaves_the_others_unchanged():
    frame, strata = _stratified_frame()
    one = select(frame, {"A": 4, "B": 2, "C": 2}, strata=strata, seed=3)
    two = select(frame, {"A": 4, "B": 5, "C": 2}, strata=strata, seed=3)
    def pick(selection, label):
        return [r for r, s in zip(selection.indices.tolist(), selection.strata) if s == label]

    assert pick(one, "A") == pick(two, "A") and pick(one, "C") == pick(two, "C")


def test_numpy_strata_labels_give_the_same_draw_as_a_list():
    frame, strata = _stratified_frame()
    as_list = select(frame, 10, "systematic", strata=strata, seed=4)
    as_array = select(frame, 10, "systematic", strata=np.array(strata), seed=4)
    assert as_list.indices.tolist() == as_array.indices.tolist()
    assert as_list.strata == as_array.strata


def test_stratified_pps_uses_sizes_within_each_stratum():
    strata = ["x"] * 4 + ["y"] * 3
    sizes = [1, 1, 1, 7, 2, 2, 4]
    selection = select(7, {"x": 2, "y": 1}, "pps_systematic", strata=strata, size=sizes,
                       seed=2)
    pi = np.concatenate([inclusion_probabilities(sizes[:4], 2),
                         inclusion_probabilities(sizes[4:], 1)])
    assert 3 in selection.indices
    np.testing.assert_allclose(selection.probabilities, pi[selection.indices])


def test_to_dict_round_trips_through_json():
    frame, strata = _stratified_frame()
    selection = select(frame, 10, strata=strata, seed=9, replacements=2)
    text = json.dumps(selection.to_dict())
    again = Selection.from_dict(json.loads(text))
    assert again.to_dict() == selection.to_dict()
    assert again.strata == selection.strata and again.allocation == selection.allocation


def test_selection_arrays_are_read_only():
    selection = select(10, 2, seed=1)
    with pytest.raises(ValueError):
        selection.indices[0] = 5


@pytest.mark.parametrize("kwargs, pattern", [
    ({"frame": 5, "n": 6}, "larger than the 5 rows"),
    ({"frame": 5, "n": 2, "method": "cluster"}, "Unknown selection method"),
    ({"frame": 5, "n": 2, "method": "pps_systematic"}, "needs size"),
    ({"frame": 3, "n": 1, "method": "pps_systematic", "size": [1, -1, 2]}, "negative"),
    ({"frame": 3, "n": 1, "method": "pps_systematic", "size": [1, 2]}, "has 2 values"),
    ({"frame": 3, "n": 1, "size": [1, 2, 3]}, "only by method"),
    ({"frame": 4, "n": 1, "strata": ["a", "a", "b"]}, "3 labels"),
    ({"frame": 4, "n": {"a": 1, "c": 1}, "strata": ["a", "a", "b", "b"]}, "'c' in n has no units"),
    ({"frame": 4, "n": {"a": 1}, "strata": ["a", "a", "b", "b"]}, "no size for stratum 'b'"),
    ({"frame": 4, "n": {"a": 3, "b": 1}, "strata": ["a", "a", "b", "b"]}, "fewer than the 3"),
    ({"frame": 4, "n": [1], "strata": ["a", "a", "b", "b"]}, "2 strata"),
    ({"frame": 3, "n": 1, "strata": ["a", None, "a"]}, "no stratum label"),
    ({"frame": 4, "n": 1, "method": "pps_systematic", "size": [0, 0, 1, 1],
      "strata": ["a", "a", "b", "b"]}, "Stratum 'a'"),
    ({"frame": 4, "n": 1, "seed": -3}, "seed"),
    ({"frame": 4, "n": 1, "replacements": -1}, "replacements"),
])
def test_bad_arguments_raise_a_sentence(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        select(**kwargs)


def test_backcheck_by_fraction_takes_at_least_one_per_stratum():
    frame, strata = _stratified_frame()
    selection = select(frame, 20, strata=strata, seed=9)  # 10 / 6 / 4
    check = backcheck(selection, fraction=0.1, seed=1)
    assert check.allocation == {"A": 1, "B": 1, "C": 1}
    assert set(check.indices.tolist()) <= set(selection.indices.tolist())
    assert sorted(check.indices.tolist() + check.replacements.tolist()) == sorted(
        selection.indices.tolist())
    np.testing.assert_allclose(check.probabilities, [1 / 10, 1 / 6, 1 / 4])
    assert check.method == "backcheck"


def test_backcheck_by_count_among_eligible_rows():
    selection = select(100, 20, seed=4)
    eligible = selection.indices[:12].tolist()
    check = backcheck(selection, n=3, seed=8, eligible=eligible)
    assert len(check.indices) == 3 and set(check.indices.tolist()) <= set(eligible)
    np.testing.assert_allclose(check.probabilities, 3 / 12)
    assert check.indices.tolist() == backcheck(selection, n=3, seed=8,
                                               eligible=eligible).indices.tolist()


@pytest.mark.parametrize("kwargs, pattern", [
    ({}, "exactly one"),
    ({"fraction": 0.1, "n": 2}, "exactly one"),
    ({"fraction": 1.5}, "fraction"),
    ({"n": 30}, "larger than"),
    ({"n": 1, "eligible": [1000]}, "not selected"),
])
def test_backcheck_bad_arguments(kwargs, pattern):
    selection = select(1000, 20, seed=4)
    if kwargs.get("eligible") == [1000]:
        kwargs["eligible"] = [next(r for r in range(1000) if r not in selection.indices)]
    with pytest.raises(ValueError, match=pattern):
        backcheck(selection, **kwargs)
