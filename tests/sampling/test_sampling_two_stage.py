"""Two-stage selection: overall probabilities are the product of the stage probabilities."""

from collections import Counter

import numpy as np
import pytest

from sampling import inclusion_probabilities, select, select_two_stage

COMMUNES = ["c1"] * 5 + ["c2"] * 8 + ["c3"] * 3 + ["c4"] * 4


def test_overall_probability_is_the_product_of_the_stages():
    result = select_two_stage(COMMUNES, 2, 2, seed=5)
    pi_psu = inclusion_probabilities([5, 8, 3, 4], 2)
    rows_in = Counter(COMMUNES)
    for row, probability, conditional, label in zip(
            result.units.indices, result.units.probabilities,
            result.conditional_probabilities, result.units.strata):
        assert COMMUNES[row] == label
        position = result.psu_labels.index(label)
        assert conditional == pytest.approx(min(2, rows_in[label]) / rows_in[label])
        assert probability == pytest.approx(pi_psu[position] * conditional)
    # Sizes are the row counts and the take is fixed, so the design is self-weighting.
    np.testing.assert_allclose(result.units.probabilities, 2 * 2 / 20)


def test_first_stage_equals_a_plain_pps_draw_with_the_same_seed():
    result = select_two_stage(COMMUNES, 2, 2, seed=17)
    first = select(4, 2, "pps_systematic", size=[5, 8, 3, 4], seed=17)
    assert result.psus.indices.tolist() == first.indices.tolist()


def test_empirical_inclusion_frequency_matches_the_product():
    draws = 3000
    counts = np.zeros(len(COMMUNES))
    for seed in range(draws):
        result = select_two_stage(COMMUNES, 2, 3, seed=seed)
        counts[result.units.indices] += 1
    result = select_two_stage(COMMUNES, 2, 3, seed=0)
    sizes = {"c1": 5, "c2": 8, "c3": 3, "c4": 4}
    pi_psu = dict(zip(sizes, inclusion_probabilities(list(sizes.values()), 2)))
    expected = np.array([pi_psu[c] * min(3, sizes[c]) / sizes[c] for c in COMMUNES])
    standard_error = np.sqrt(expected * (1 - expected) / draws)
    assert np.all(np.abs(counts / draws - expected) < 4 * standard_error + 1e-12)
    assert result.units.method == "two_stage"


def test_size_from_a_commune_list_and_small_units_taken_whole():
    size = {"c1": 100, "c2": 100, "c3": 10_000, "c4": 100}
    result = select_two_stage(COMMUNES, 2, 4, size=size, seed=2)
    assert "c3" in [result.psu_labels[i] for i in result.psus.indices]
    taken = Counter(result.units.strata)
    assert taken["c3"] == 3  # only 3 rows: taken whole, conditional probability 1
    for label, conditional in zip(result.units.strata, result.conditional_probabilities):
        assert conditional == pytest.approx(min(4, COMMUNES.count(label)) / COMMUNES.count(label))


def test_replacements_stay_within_their_primary_unit():
    result = select_two_stage(COMMUNES, 2, 2, seed=8, replacements=2)
    for row, label in zip(result.units.replacements, result.units.replacement_strata):
        assert COMMUNES[row] == label
    left = {label: min(2, COMMUNES.count(label) - 2) for label in set(result.units.strata)}
    assert Counter(result.units.replacement_strata) == {k: v for k, v in left.items() if v}


def test_stratified_first_stage_and_to_dict():
    strata = {"c1": "north", "c2": "north", "c3": "south", "c4": "south"}
    result = select_two_stage(COMMUNES, {"north": 1, "south": 1}, 2, psu_strata=strata,
                              seed=4)
    chosen = {strata[result.psu_labels[i]] for i in result.psus.indices}
    assert chosen == {"north", "south"}
    document = result.to_dict()
    assert document["psu_labels"] == ["c1", "c2", "c3", "c4"]
    assert document["units"]["seed"] == 4


@pytest.mark.parametrize("kwargs, pattern", [
    ({"size": {"c1": 1, "c2": 1, "c3": 1}}, "'c4' of the frame has no size"),
    ({"size": {"c1": 1, "c2": 1, "c3": 1, "c4": 1, "c9": 5}}, "'c9' has a positive size"),
    ({"psu_strata": {"c1": "a"}}, "has no stratum"),
    ({"n_psu": 5}, "larger than"),
    ({"n_per_psu": -1}, "negative"),
])
def test_bad_arguments_raise_a_sentence(kwargs, pattern):
    arguments = {"psu": COMMUNES, "n_psu": 2, "n_per_psu": 2, "seed": 1} | kwargs
    with pytest.raises(ValueError, match=pattern):
        select_two_stage(**arguments)
