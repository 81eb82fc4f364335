"""Sample size: reference values, order of corrections, brute-force search, errors."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from sampling import sample_size, sample_size_mean, slovin_size


def test_reference_values_from_the_issue():
    assert sample_size() == 385
    assert sample_size(margin=0.05, confidence=0.95, p=0.5, population=1000) == 278


def test_design_effect_is_applied_before_the_finite_population_correction():
    # Hand-worked: n0 = 1.959964^2 * 0.25 / 0.0025 = 384.146; deff first: 576.22 ->
    # 576.22 / (1 + 575.22 / 1000) = 365.8 -> 366.  Applying deff after the correction
    # would give 277.75 * 1.5 = 416.6 -> 417 (shared reference README).
    assert sample_size(population=1000, deff=1.5) == 366
    assert sample_size(deff=2.0) == 769  # 2 * 384.146 = 768.29


def test_response_rate_is_applied_last_and_rounds_up():
    assert sample_size(response_rate=0.8) == math.ceil(384.14588206941244 / 0.8)  # 481
    assert sample_size(population=1000, response_rate=0.5) == 556  # 277.75 / 0.5 = 555.5


def test_size_never_exceeds_the_population():
    assert sample_size(population=50, response_rate=0.3) == 50


def test_other_confidence_and_proportion():
    # 99 %: z = 2.575829; p = 0.2: n0 = 2.575829^2 * 0.16 / 0.03^2 = 1179.5 -> 1180
    assert sample_size(margin=0.03, confidence=0.99, p=0.2) == 1180


def test_mean_size_hand_worked():
    # n0 = (1.959964 * 10 / 2)^2 = 96.04 -> 97; with N = 500: 96.04 / 1.19207 = 80.56 -> 81
    assert sample_size_mean(sd=10, margin=2) == 97
    assert sample_size_mean(sd=10, margin=2, population=500) == 81


def test_slovin():
    assert slovin_size(1000) == 286  # 1000 / 3.5 = 285.7
    assert slovin_size(38000) == 396  # 38000 / 96 = 395.8
    assert slovin_size(400, margin=0.05) == 200  # exactly 200: no spurious rounding up


def _brute_force(margin, confidence, p, population, deff):
    """Smallest n whose margin of error, with deff on the SRSWOR variance, is within margin."""
    z = norm.ppf(1 - (1 - confidence) / 2)
    for n in range(1, population + 1):
        variance = deff * (population - n) / (population - 1) * p * (1 - p) / n
        if z * math.sqrt(variance) <= margin * (1 + 1e-9):
            return n
    return population


@settings(max_examples=200, deadline=None)
@given(
    margin=st.floats(0.02, 0.2),
    confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]),
    p=st.floats(0.05, 0.95),
    population=st.integers(2, 3000),
    deff=st.floats(0.5, 3.0),
)
def test_matches_brute_force_search_on_the_variance_equation(margin, confidence, p,
                                                             population, deff):
    expected = _brute_force(margin, confidence, p, population, deff)
    assert sample_size(margin, confidence, p, population, deff) == expected


@pytest.mark.parametrize("kwargs", [
    {"margin": 0}, {"margin": 1}, {"margin": -0.1}, {"confidence": 1.0}, {"confidence": 0},
    {"p": 0}, {"p": 1.2}, {"population": 0}, {"population": 10.5}, {"deff": 0},
    {"response_rate": 0}, {"response_rate": 1.5},
])
def test_bad_arguments_raise_a_sentence(kwargs):
    with pytest.raises(ValueError, match=r"must .*\.$"):
        sample_size(**kwargs)


def test_bad_mean_and_slovin_arguments():
    with pytest.raises(ValueError, match="sd"):
        sample_size_mean(sd=0, margin=1)
    with pytest.raises(ValueError, match="margin"):
        sample_size_mean(sd=1, margin=-1)
    with pytest.raises(ValueError, match="population"):
        slovin_size(None)
