"""Confidence intervals of design-based estimates: one critical value, one degrees-of-freedom rule.

Every interval of ``analysis`` (design estimators, SIPAS indices, criterion points) comes from
this module, so that one rule holds everywhere:

* **Degrees of freedom** of a design estimate: primary sampling units minus strata among the
  rows behind the estimate, as R's ``survey`` ``degf(design)`` (``degf`` of the subset design
  for a domain; replicate designs: the rank of the replicate weights − 1). A sum of independent
  estimates (respondent groups) gets Welch–Satterthwaite's df, :func:`satterthwaite_df`.
* **Critical value**: Student's t on ``df`` (:func:`critical_value`); ``df`` infinite or None:
  the normal quantile; ``df`` ≤ 0 or NaN (a single PSU, or no row): NaN, no interval.
* **Means, totals, ratios, points**: ``θ ± t(df)·SE`` (:func:`t_interval`), R's
  ``confint(est, df = degf(design))``. R's plain ``confint(est)`` uses the normal quantile.
* **Proportions and shares**: the logit interval of R's ``svyciprop(method = "logit")``,
  whose default is ``df = degf(design)``: ``expit(logit p ± t(df)·SE / (p(1 − p)))``
  (:func:`logit_interval`).

References
----------
Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 2.
R package ``survey`` 4.1: ``?degf``, ``?confint.svystat``, ``?svyciprop``.
Satterthwaite, F. E. (1946). An approximate distribution of estimates of variance components.
*Biometrics Bulletin* 2(6), 110–114.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["check_level", "critical_value", "logit_interval", "satterthwaite_df", "t_interval"]


def check_level(level: float) -> float:
    """Validate a confidence level in (0, 1) and return it as a float."""
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"The confidence level must lie strictly between 0 and 1, got {level}.")
    return level


def critical_value(df, level: float = 0.95) -> np.ndarray:
    """Two-sided critical value of Student's t on ``df`` degrees of freedom.

    Parameters
    ----------
    df : float or array_like
        Degrees of freedom; ``None`` or ``inf`` give the normal quantile, ``df <= 0`` or NaN
        give NaN (no interval).
    level : float
        Confidence level, e.g. 0.95.

    Returns
    -------
    ndarray
        ``t_{df}^{-1}(0.5 + level / 2)``, the shape of ``df``.
    """
    q = 0.5 + check_level(level) / 2.0
    df = np.asarray(np.inf if df is None else df, dtype=float)
    with np.errstate(invalid="ignore"):
        crit = np.where(np.isinf(df) & (df > 0), stats.norm.ppf(q),
                        stats.t.ppf(q, np.where(df > 0, df, np.nan)))
    return np.asarray(crit, dtype=float)


def _scalar(x):
    return float(x) if np.ndim(x) == 0 else x


def t_interval(value, se, df, level: float = 0.95):
    """Symmetric interval ``value ± t(df)·se`` (scalars or arrays).

    Returns
    -------
    (low, high)
        Floats for scalar input, arrays otherwise; NaN where ``df`` gives no critical value.
    """
    value = np.asarray(value, dtype=float)
    half = critical_value(df, level) * np.asarray(se, dtype=float)
    return _scalar(value - half), _scalar(value + half)


def logit_interval(p, se, df, level: float = 0.95):
    """Logit interval of a proportion, as R's ``svyciprop(method = "logit")``.

    ``expit(logit p ± t(df)·se / (p(1 − p)))``. At ``p`` = 0 or 1 the logit is undefined and the
    interval collapses to ``(p, p)``; a NaN proportion or, inside (0, 1), a NaN SE gives NaN.

    Parameters
    ----------
    p : float or array_like
        Proportions in [0, 1].
    se : float or array_like
        Their standard errors (on the proportion scale).
    df : float or array_like
        Degrees of freedom (see :func:`critical_value`).
    level : float
        Confidence level.

    Returns
    -------
    (low, high)
        Floats for scalar input, arrays otherwise.
    """
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    inside = (p > 0) & (p < 1)
    q = np.where(inside, p, 0.5)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.log(q / (1 - q))
        half = critical_value(df, level) * se / (q * (1 - q))
        low = np.where(inside, stats.logistic.cdf(centre - half), p)
        high = np.where(inside, stats.logistic.cdf(centre + half), p)
    return _scalar(low), _scalar(high)


def satterthwaite_df(variances, dfs) -> float:
    """Welch–Satterthwaite degrees of freedom of a sum of independent variance estimates.

    ``(Σ v_g)² / Σ (v_g² / df_g)`` over the parts ``v_g`` (e.g. ``c_g² SE_g²`` of independent
    respondent groups). A part with zero variance adds nothing; a positive part estimated on
    ``df_g <= 0`` makes the sum's df 0 (no interval), as a single such estimate has; when every
    part is zero the df is infinite (the interval is the point itself).

    Parameters
    ----------
    variances : array_like
        Variance parts ``v_g >= 0``.
    dfs : array_like
        Degrees of freedom of each part.

    Returns
    -------
    float
    """
    v = np.asarray(variances, dtype=float)
    d = np.asarray(dfs, dtype=float)
    if v.size == 1:
        return float(d.reshape(-1)[0])
    positive = v > 0
    if np.any(positive & ~(d > 0)):
        return 0.0
    denom = np.sum(np.divide(v**2, d, out=np.zeros_like(v), where=positive))
    return float(v.sum() ** 2 / denom) if denom > 0 else float("inf")
