"""Allocation of a sample across strata: proportional, Neyman, equal, with a minimum.

The continuous allocation is ``x_h = clip(lam * w_h, m_h, N_h)`` with ``lam`` chosen so that
the ``x_h`` sum to ``n``: ``w_h`` is ``N_h`` (proportional), ``N_h S_h`` (Neyman) or 1 (equal),
``m_h = min(minimum, N_h)`` and ``N_h`` the stratum's population.  A stratum that would get
more than its population is capped and the excess goes to the others in proportion to their
weights (the usual Neyman over-allocation rule).  The integers are then found by largest
remainder (Hamilton) rounding, which keeps every stratum within its bounds and sums exactly
to ``n``.  All arithmetic is exact (``fractions.Fraction``), so ties and results do not
depend on the machine.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from fractions import Fraction

__all__ = ["allocate", "continuous_allocation", "ALLOCATION_METHODS"]

ALLOCATION_METHODS = ("proportional", "neyman", "equal")


def _check_count(value: object, what: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a whole number, got {value!r}.")
    try:
        count = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        if isinstance(value, float) and value.is_integer():
            count = int(value)
        else:
            raise ValueError(f"{what} must be a whole number, got {value!r}.") from None
    if count < 0:
        raise ValueError(f"{what} must not be negative, got {count}.")
    return count


def _weights(sizes: list[int], sds: Sequence[float] | None, method: str) -> list[Fraction]:
    if method == "proportional":
        return [Fraction(size) for size in sizes]
    if method == "equal":
        return [Fraction(1) for _ in sizes]
    if method == "neyman":
        if sds is None:
            raise ValueError("Neyman allocation needs sds, one standard deviation per stratum.")
        if len(sds) != len(sizes):
            raise ValueError(
                f"sds has {len(sds)} values but there are {len(sizes)} strata."
            )
        weights = []
        for sd in sds:
            sd = float(sd)
            if not math.isfinite(sd) or sd < 0:
                raise ValueError(f"Standard deviations must be finite and not negative, got {sd}.")
            weights.append(Fraction(sd))
        return [Fraction(size) * sd for size, sd in zip(sizes, weights)]
    raise ValueError(
        f"Unknown allocation method {method!r}; use one of {', '.join(ALLOCATION_METHODS)}."
    )


def continuous_allocation(n: int, sizes: Sequence[int], weights: Sequence[Fraction],
                          lower: Sequence[int]) -> list[Fraction]:
    """Exact ``clip(lam * w_h, lower_h, sizes_h)`` summing to ``n`` (see the module docstring).

    Raises ValueError when no ``lam`` reaches ``n`` (all remaining weight is zero).
    """
    total_lower = sum(lower)
    if n == total_lower:
        return [Fraction(m) for m in lower]
    # g(lam) = sum clip(lam w, m, N) is continuous, non-decreasing and piecewise linear with
    # breakpoints at m/w and N/w.  Walk the breakpoints until g reaches n.
    breakpoints = sorted({Fraction(b, 1) / w for w, m, cap in zip(weights, lower, sizes)
                          if w > 0 for b in (m, cap)})

    def g(lam: Fraction) -> Fraction:
        return sum((min(max(lam * w, Fraction(m)), Fraction(cap))
                    for w, m, cap in zip(weights, lower, sizes)), Fraction(0))

    # Binary search for the first breakpoint where g reaches n.
    if not breakpoints or g(breakpoints[-1]) < n:
        reachable = g(breakpoints[-1]) if breakpoints else total_lower
        raise ValueError(
            f"Cannot allocate {n} units: the strata with a positive weight can take only "
            f"{reachable} (are all their standard deviations zero?)."
        )
    low, high = 0, len(breakpoints) - 1
    while low < high:
        middle = (low + high) // 2
        if g(breakpoints[middle]) >= n:
            high = middle
        else:
            low = middle + 1
    point = breakpoints[low]
    previous = breakpoints[low - 1] if low > 0 else Fraction(0)
    # On (previous, point] the free strata are those with m < lam w < N on that interval.
    mid = (previous + point) / 2
    fixed = Fraction(0)
    free_weight = Fraction(0)
    for w, m, cap in zip(weights, lower, sizes):
        value = mid * w
        if w > 0 and m < value < cap:
            free_weight += w
        else:
            fixed += min(max(value, Fraction(m)), Fraction(cap))
    lam = (n - fixed) / free_weight
    return [min(max(lam * w, Fraction(m)), Fraction(cap))
            for w, m, cap in zip(weights, lower, sizes)]


def _largest_remainder(values: list[Fraction], n: int) -> list[int]:
    floors = [math.floor(v) for v in values]
    short = n - sum(floors)
    order = sorted(range(len(values)), key=lambda h: (-(values[h] - floors[h]), h))
    for h in order[:short]:
        floors[h] += 1
    return floors


def allocate(n: int, sizes: Sequence[int], sds: Sequence[float] | None = None,
             method: str = "proportional", minimum: int = 0) -> list[int]:
    """Split ``n`` sample units across strata.

    Parameters
    ----------
    n : int
        Total sample size, at most the sum of ``sizes``.
    sizes : sequence of int
        Population of each stratum (each at least 1).
    sds : sequence of float, optional
        Standard deviation in each stratum; required for ``"neyman"``.
    method : {"proportional", "neyman", "equal"}
        How ``n`` is shared before the bounds apply.
    minimum : int
        Least number of units per stratum (a smaller stratum is taken whole).

    Returns
    -------
    list of int
        Units per stratum, in the order of ``sizes``; they sum to ``n`` and none exceeds its
        stratum's population.

    Notes
    -----
    Rounding is by largest remainder; ties go to the earlier stratum.

    Examples
    --------
    >>> allocate(100, [500, 300, 200])
    [50, 30, 20]
    >>> allocate(100, [500, 300, 200], sds=[5, 10, 20], method="neyman")
    [26, 32, 42]
    """
    n = _check_count(n, "n")
    minimum = _check_count(minimum, "minimum")
    if len(sizes) == 0:
        raise ValueError("sizes must list at least one stratum.")
    counts = []
    for h, size in enumerate(sizes):
        size = _check_count(size, f"The size of stratum {h + 1}")
        if size == 0:
            raise ValueError(f"Stratum {h + 1} has no units; remove it or give its size.")
        counts.append(size)
    if n > sum(counts):
        raise ValueError(f"n = {n} is larger than the {sum(counts)} units in all strata.")
    lower = [min(minimum, size) for size in counts]
    if sum(lower) > n:
        raise ValueError(
            f"A minimum of {minimum} per stratum needs {sum(lower)} units, more than n = {n}."
        )
    weights = _weights(counts, sds, method)
    return _largest_remainder(continuous_allocation(n, counts, weights, lower), n)
