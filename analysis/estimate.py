"""Result objects of the estimators: one :class:`Estimate`, or a :class:`DomainTable` of many."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DomainTable", "Estimate"]


@dataclass(frozen=True)
class Estimate:
    """A design-based estimate with its uncertainty.

    Attributes
    ----------
    value : float
        The point estimate.
    se : float
        Its standard error (Taylor linearisation or replicate variance).
    ci_low, ci_high : float
        Confidence interval with Student's t on ``df`` degrees of freedom (logit interval for
        proportions, Woodruff interval for quantiles).
    df : int
        Design degrees of freedom: primary sampling units minus strata among the rows that
        carry this estimate (R's ``degf`` of the subset design).
    deff : float
        Design effect: the variance over the variance of simple random sampling of the same
        number of respondents (without replacement unless ``deff="replace"`` was asked); NaN
        where none is reported (quantiles, SIPAS indices).
    n : int
        Respondents (rows with a valid value and non-zero weight) behind the estimate; for a
        SIPAS index, respondents with at least one valid answer among its items.

    Notes
    -----
    One type for every estimate of the package: the design's estimators and the SIPAS indices
    (:func:`analysis.indices.sipas_indices`, ``share`` and ``score`` on 0–100) return it; the
    interval rule is that of :mod:`analysis.intervals`.
    """

    value: float
    se: float
    ci_low: float
    ci_high: float
    df: int
    deff: float
    n: int


@dataclass(frozen=True)
class DomainTable:
    """Estimates of several variables in several domains, as arrays.

    Rows are domains (``labels``), columns are variables (``columns``); every array has shape
    ``(len(labels), len(columns))``.
    """

    labels: tuple
    columns: tuple
    value: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    df: np.ndarray
    deff: np.ndarray
    n: np.ndarray

    def estimate(self, label, column=0) -> Estimate:
        """The :class:`Estimate` of one domain and one column (a name or a position)."""
        try:
            i = self.labels.index(label)
        except ValueError:
            raise ValueError(f"No domain labelled {label!r} in this table.") from None
        if column in self.columns:
            j = self.columns.index(column)
        elif isinstance(column, (int, np.integer)) and 0 <= column < len(self.columns):
            j = int(column)
        else:
            raise ValueError(f"No column {column!r} in this table.")
        return Estimate(
            float(self.value[i, j]), float(self.se[i, j]), float(self.ci_low[i, j]),
            float(self.ci_high[i, j]), int(self.df[i, j]), float(self.deff[i, j]),
            int(self.n[i, j]),
        )

    def column(self, column=0) -> dict:
        """``{label: Estimate}`` for one column."""
        return {label: self.estimate(label, column) for label in self.labels}
