"""PPS inclusion probabilities: R reference, an independent solver, exact enumeration."""

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling import inclusion_probabilities
from sampling.systematic import pps_systematic_positions, systematic_positions

DATA = Path(__file__).parent / "data"


def test_matches_r_sampling_inclusionprobabilities():
    reference = json.loads((DATA / "r_inclusionprobabilities.json").read_text())
    result = inclusion_probabilities(reference["sizes"], reference["n"])
    np.testing.assert_allclose(result, reference["pik"], rtol=1e-11)


def test_certainty_is_iterated_until_no_unit_exceeds_one():
    # First pass: 3 * 100 / 130 = 2.3 -> certainty; then 2 * 20 / 30 = 1.33 -> certainty;
    # then 1 unit left over sizes 5, 5 -> 0.5 each.
    result = inclusion_probabilities([100, 20, 5, 5], 3)
    np.testing.assert_allclose(result, [1, 1, 0.5, 0.5])


def test_zero_sizes_get_zero_probability():
    np.testing.assert_allclose(inclusion_probabilities([0, 1, 3], 1), [0, 0.25, 0.75])
    np.testing.assert_allclose(inclusion_probabilities([0, 1, 3], 0), [0, 0, 0])


def _independent_pi(sizes, n):
    """pi = min(1, c x) with c found by bisection so that the sum is n."""
    sizes = np.asarray(sizes, float)
    low, high = 0.0, n / sizes[sizes > 0].min() + 1.0
    for _ in range(300):
        c = (low + high) / 2
        low, high = (c, high) if np.minimum(1, c * sizes).sum() < n else (low, c)
    return np.minimum(1, high * sizes)


sizes_strategy = st.lists(st.integers(0, 60), min_size=1, max_size=12).filter(
    lambda sizes: any(sizes))


@settings(max_examples=300, deadline=None)
@given(sizes=sizes_strategy, data=st.data())
def test_agrees_with_an_independent_solver(sizes, data):
    n = data.draw(st.integers(0, sum(1 for s in sizes if s > 0)))
    result = inclusion_probabilities(sizes, n)
    assert result.sum() == pytest.approx(n)
    if n:
        np.testing.assert_allclose(result, _independent_pi(sizes, n), atol=1e-9)


def _exact_frequencies(pi):
    """Inclusion frequency of every unit over all random starts, segment by segment."""
    cumulated = np.cumsum(pi[pi < 1])
    breaks = np.unique(np.concatenate([[0.0, 1.0], np.mod(cumulated, 1.0)]))
    frequency = np.zeros(len(pi))
    for left, right in zip(breaks[:-1], breaks[1:]):
        if right - left < 1e-13:
            continue
        chosen = pps_systematic_positions(pi, (left + right) / 2)
        assert len(chosen) == len(set(chosen.tolist())) == round(pi.sum())
        frequency[chosen] += right - left
    return frequency


@settings(max_examples=200, deadline=None)
@given(sizes=sizes_strategy, data=st.data())
def test_pps_systematic_inclusion_frequency_over_all_starts_equals_pi(sizes, data):
    n = data.draw(st.integers(1, sum(1 for s in sizes if s > 0)))
    pi = inclusion_probabilities(sizes, n)
    np.testing.assert_allclose(_exact_frequencies(pi), pi, atol=1e-9)


@settings(max_examples=200, deadline=None)
@given(population=st.integers(1, 30), data=st.data())
def test_systematic_inclusion_frequency_over_all_starts_is_n_over_N(population, data):
    n = data.draw(st.integers(1, population))
    # The sample changes where (start + j) N / n crosses an integer: start = frac(i n / N).
    breaks = np.unique(np.concatenate([[0.0, 1.0], np.mod(np.arange(population) * n / population,
                                                           1.0)]))
    frequency = np.zeros(population)
    for left, right in zip(breaks[:-1], breaks[1:]):
        chosen = systematic_positions(population, n, (left + right) / 2)
        assert len(set(chosen.tolist())) == n
        frequency[chosen] += right - left
    np.testing.assert_allclose(frequency, n / population, atol=1e-12)


@pytest.mark.parametrize("sizes, n, pattern", [
    ([1, -2, 3], 1, "negative"),
    ([1, 0, 3], 3, "larger than the 2 units"),
    ([1, float("nan")], 1, "finite"),
    ([[1, 2]], 1, "flat"),
    ([1, 2], 1.5, "whole number"),
    ([1, 2], -1, "negative"),
])
def test_bad_arguments_raise_a_sentence(sizes, n, pattern):
    with pytest.raises(ValueError, match=pattern):
        inclusion_probabilities(sizes, n)


def test_random_start_outside_unit_interval_is_refused():
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        systematic_positions(10, 2, 1.0)
