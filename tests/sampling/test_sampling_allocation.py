"""Allocation: reference values, bounds, and brute-force comparison on small cases."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling import allocate


def test_reference_values_from_the_issue():
    assert allocate(100, [500, 300, 200]) == [50, 30, 20]
    assert allocate(100, [500, 300, 200], sds=[5, 10, 20], method="neyman") == [26, 32, 42]


def test_equal_allocation_redistributes_what_a_small_stratum_cannot_take():
    assert allocate(100, [10, 1000, 1000], method="equal") == [10, 45, 45]


def test_neyman_over_allocation_is_capped_and_the_rest_goes_to_the_others():
    # Unbounded Neyman: 150 * 10000 / 10100 = 148.5 > 100, so stratum 1 is taken whole
    # and stratum 2 gets the remaining 50.
    assert allocate(150, [100, 100], sds=[100, 1], method="neyman") == [100, 50]


def test_minimum_per_stratum_and_small_strata_taken_whole():
    # Proportional would give 0.06 / 6 / 4 units; the minimum of 3 lifts stratum 1 and the
    # remaining 7 are shared 300:200 -> 4.2 / 2.8 -> 4 / 3.
    assert allocate(10, [3, 300, 200], minimum=3) == [3, 4, 3]
    assert allocate(10, [2, 300, 200], minimum=3) == [2, 5, 3]


def test_largest_remainder_ties_go_to_the_earlier_stratum():
    assert allocate(1, [5, 5]) == [1, 0]
    assert allocate(2, [1, 1, 1], method="equal") == [1, 1, 0]


def _reference_continuous(n, sizes, weights, lower):
    """x_h = clip(lam w_h, m_h, N_h) with sum n, lam found by bisection (floats)."""
    low, high = 0.0, 1.0
    def total(lam):
        return sum(min(max(lam * w, m), c) for w, m, c in zip(weights, lower, sizes))

    while total(high) < n - 1e-12:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if total(middle) < n else (low, middle)
    return [min(max(high * w, m), c) for w, m, c in zip(weights, lower, sizes)]


def _all_integer_allocations(n, lower, upper):
    for combination in itertools.product(*(range(m, c + 1) for m, c in zip(lower, upper))):
        if sum(combination) == n:
            yield list(combination)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_against_brute_force_enumeration(data):
    strata = data.draw(st.integers(1, 4))
    sizes = data.draw(st.lists(st.integers(1, 8), min_size=strata, max_size=strata))
    method = data.draw(st.sampled_from(["proportional", "neyman", "equal"]))
    sds = data.draw(st.lists(st.integers(1, 9).map(float), min_size=strata, max_size=strata))
    minimum = data.draw(st.integers(0, 3))
    lower = [min(minimum, size) for size in sizes]
    n = data.draw(st.integers(sum(lower), sum(sizes)))

    result = allocate(n, sizes, sds=sds if method == "neyman" else None, method=method,
                      minimum=minimum)

    weights = {"proportional": sizes, "equal": [1] * strata,
               "neyman": [size * sd for size, sd in zip(sizes, sds)]}[method]
    target = _reference_continuous(n, sizes, weights, lower)
    def distance(alloc):
        return sum((a - x) ** 2 for a, x in zip(alloc, target))

    best = min(distance(alloc) for alloc in _all_integer_allocations(n, lower, sizes))
    assert sum(result) == n
    assert all(m <= r <= c for m, r, c in zip(lower, result, sizes))
    assert distance(result) <= best + 1e-9
    assert all(abs(r - x) < 1 + 1e-9 for r, x in zip(result, target))


@pytest.mark.parametrize("args, kwargs, pattern", [
    ((101, [50, 50]), {}, "larger than"),
    ((10, [5, 0]), {}, "no units"),
    ((10, [5, -1]), {}, "negative"),
    ((-1, [5, 5]), {}, "negative"),
    ((2.5, [5, 5]), {}, "whole number"),
    ((10, [5, 5]), {"method": "neyman"}, "needs sds"),
    ((10, [5, 5]), {"method": "neyman", "sds": [1]}, "strata"),
    ((10, [5, 5]), {"method": "neyman", "sds": [1, -2]}, "not negative"),
    ((10, [5, 5]), {"method": "optimal"}, "Unknown allocation method"),
    ((5, [5, 5, 5]), {"minimum": 2}, "minimum"),
    ((10, []), {}, "at least one stratum"),
    ((10, [5, 5]), {"method": "neyman", "sds": [0, 0]}, "Cannot allocate"),
])
def test_bad_arguments_raise_a_sentence(args, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        allocate(*args, **kwargs)
