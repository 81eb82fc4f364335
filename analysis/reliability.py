"""Internal consistency of SIPAS elements: Cronbach's alpha with Feldt's interval.

Notes
-----
Alpha is computed on complete cases (respondents who answered every item of the element) and
unweighted, as psychometric practice and R's ``psych::alpha`` report it for complete data:
``α = k/(k − 1) · (1 − Σ s_j² / s_X²)`` with sample variances of the items and of their sum.

Feldt's interval uses ``(1 − α) / (1 − α̂) ~ F(n − 1, (n − 1)(k − 1))``:
``[1 − (1 − α̂)·F_{1−γ/2}, 1 − (1 − α̂)·F_{γ/2}]`` (``psych::alpha.ci``).

References
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests. *Psychometrika* 16.
Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson reliability
coefficient twenty. *Psychometrika* 30, 357–370.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["Reliability", "cronbach_alpha", "element_reliability"]


@dataclass(frozen=True)
class Reliability:
    """Cronbach's alpha of ``k`` items over ``n`` complete cases, with Feldt's interval."""

    alpha: float
    ci_low: float
    ci_high: float
    n: int
    k: int


def cronbach_alpha(items, *, confidence: float = 0.95) -> Reliability:
    """Cronbach's alpha of the columns of ``items`` (rows with any ``NaN`` are dropped).

    Parameters
    ----------
    items : array_like, shape (n, k)
        Item scores, ``NaN`` for missing.
    confidence : float
        Level of Feldt's interval.
    """
    x = np.asarray(items, dtype=float)
    if x.ndim != 2 or x.shape[1] < 2:
        raise ValueError("Cronbach's alpha needs a respondents × items matrix with at least 2 "
                         "items.")
    if not 0 < confidence < 1:
        raise ValueError("confidence must lie strictly between 0 and 1.")
    x = x[~np.isnan(x).any(axis=1)]
    n, k = x.shape
    if n < 3:
        raise ValueError(f"Cronbach's alpha needs at least 3 complete responses, got {n}.")
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var == 0:
        raise ValueError("The item total does not vary, so Cronbach's alpha is undefined.")
    alpha = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total_var)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    gamma = 1 - confidence
    low = 1 - (1 - alpha) * stats.f.ppf(1 - gamma / 2, df1, df2)
    high = 1 - (1 - alpha) * stats.f.ppf(gamma / 2, df1, df2)
    return Reliability(float(alpha), float(low), float(high), int(n), int(k))


def element_reliability(
    answers, item_elements: Sequence[str], *, confidence: float = 0.95
) -> dict[str, Reliability]:
    """Alpha per element (elements with fewer than two items are skipped)."""
    x = np.asarray(answers, dtype=float)
    if x.ndim != 2 or x.shape[1] != len(item_elements):
        raise ValueError("answers must have one column per entry of item_elements.")
    out = {}
    for element in dict.fromkeys(item_elements):
        cols = [j for j, e in enumerate(item_elements) if e == element]
        if len(cols) >= 2:
            out[element] = cronbach_alpha(x[:, cols], confidence=confidence)
    return out
