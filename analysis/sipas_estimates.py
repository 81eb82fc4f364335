"""Point estimates of SIPAS indices from weighted sums, and their Taylor errors on cell sums.

Indices are the k criteria, then the elements, then the overall index; two measures, the mean
rating (``y``) and the share satisfied (``t``). A criterion is the ratio
``θ_gj = Σ w r y / Σ w r`` of its domain ``g``; an element is the mean of its answered criteria,
the overall index the mean of the elements with an answer (module :mod:`analysis.indices`).
"""

from __future__ import annotations

import numpy as np

from analysis.sipas_cells import Cells, small_matmul

__all__ = ["Estimates", "cell_errors"]

DOMAIN_LOOP_CELLS = 16  # cells per domain from which the influence totals go domain by domain


class Estimates:
    """Point estimates of every index of some domains (groups × indices) from their sums.

    ``sums`` are three groups × k matrices: ``Σ w r``, ``Σ w r y`` and ``Σ w r t`` per item.
    """

    def __init__(self, sums, element_items):
        s_r, s_y, s_t = sums
        self.element_items = element_items
        has = s_r > 0
        self.theta_y = np.divide(s_y, s_r, out=np.zeros(s_y.shape), where=has)
        self.theta_t = np.divide(s_t, s_r, out=np.zeros(s_t.shape), where=has)
        self.inv_r = np.divide(1.0, s_r, out=np.zeros(s_r.shape), where=has)
        self.count = np.stack([has[:, items].sum(axis=1) for items in element_items], axis=1)
        self.present = self.count > 0
        self.n_present = self.present.sum(axis=1)
        values = []
        with np.errstate(invalid="ignore", divide="ignore"):
            for theta in (self.theta_y, self.theta_t):
                element = np.stack([theta[:, i].sum(axis=1) for i in element_items], 1) / self.count
                overall = np.where(self.present, element, 0.0).sum(axis=1) / self.n_present
                values.append(np.column_stack([theta, element, overall]))
            # 1/count of each element's answered criteria, 1/elements with an answer (0: none)
            self.inv_count = np.where(self.present, 1.0 / self.count, 0.0)
            self.inv_elements = np.where(self.n_present > 0, 1.0 / self.n_present, 0.0)
        self.member = np.zeros((s_r.shape[1], len(element_items)))  # criterion in element
        for e, items in enumerate(element_items):
            self.member[items, e] = 1.0
        self.has = np.column_stack([has, self.present, self.n_present > 0])
        self.value_y, self.value_t = (np.where(self.has, v, np.nan) for v in values)

    def cell_totals(self, cells: Cells) -> tuple[np.ndarray, np.ndarray]:
        """The cells' totals of the influence values of every index, as ``(z, factor)``:
        ``z`` is cells × (2 · indices), the mean rating's indices first, then the share's, and
        each index's variance is the variance of its column of ``z`` times ``factor``
        (groups × 2 · indices).

        Criterion ``j``: ``(Σ_c w r y − θ_j Σ_c w r) / N̂_j``, the linearisation of the ratio;
        ``z`` holds the bracket and ``factor`` is ``1/N̂_j²`` (a constant of the domain). Element:
        the mean of its answered criteria's totals; overall: the mean of the elements'.
        """
        s_r = cells.sums[0]
        n_cells, k = s_r.shape
        n_indices = k + self.member.shape[1] + 1
        z = np.empty((n_cells, 2 * n_indices))
        by_domain = n_cells >= DOMAIN_LOOP_CELLS * cells.n_domains
        if by_domain:
            coefficients = self._coefficients()
            ends = np.cumsum(cells.cells_per_domain).tolist()
        for m, theta in enumerate((self.theta_y, self.theta_t)):
            s_m = cells.sums[m + 1]
            criteria = z[:, m * n_indices:m * n_indices + k]
            combined = z[:, m * n_indices + k:(m + 1) * n_indices]
            if by_domain:  # domain by domain: no per-cell copies of the domains' figures
                for g, (a, b) in enumerate(zip([0, *ends], ends)):
                    np.multiply(s_r[a:b], theta[g], out=criteria[a:b])
                    np.subtract(s_m[a:b], criteria[a:b], out=criteria[a:b])
                    small_matmul(criteria[a:b], coefficients[g], out=combined[a:b])
                continue
            np.multiply(cells.per_cell(theta), s_r, out=criteria)
            np.subtract(s_m, criteria, out=criteria)
            elements = combined[:, :-1]
            small_matmul(criteria * cells.per_cell(self.inv_r), self.member, out=elements)
            elements *= cells.per_cell(self.inv_count)
            small_matmul(elements, np.ones((elements.shape[1], 1)), out=combined[:, -1:])
            combined[:, -1] *= cells.per_cell(self.inv_elements)
        factor = np.ones((self.inv_r.shape[0], 2 * n_indices))
        squared = self.inv_r * self.inv_r
        factor[:, :k] = squared
        factor[:, n_indices:n_indices + k] = squared
        return z, factor

    def _coefficients(self) -> np.ndarray:
        """Groups × k × (elements + 1): the coefficient of ``Σ w r y − θ Σ w r`` of each
        criterion in its element's and in the overall index's influence total."""
        n_elements = self.member.shape[1]
        coefficients = np.empty((self.inv_r.shape[0], self.member.shape[0], n_elements + 1))
        element = coefficients[:, :, :-1]
        np.multiply(self.member, self.inv_count[:, None, :], out=element)
        element *= self.inv_r[:, :, None]
        np.sum(element, axis=2, out=coefficients[:, :, -1])
        coefficients[:, :, -1] *= self.inv_elements[:, None]
        return coefficients

    def live_cells(self, cells: Cells) -> np.ndarray:
        """Cells × indices: 1.0 where the cell holds a row carrying the index, else 0.0."""
        k, n_elements = self.member.shape
        live = np.empty((cells.sums[0].shape[0], k + n_elements + 1))
        np.greater(cells.sums[0], 0.0, out=live[:, :k])
        member = np.column_stack([self.member, np.ones(k)])
        np.greater(small_matmul(live[:, :k], member), 0.0, out=live[:, k:])
        return live


def cell_errors(cells: Cells, est: Estimates):
    """SE of both measures and df of every index of the cells' domains (each groups × indices)."""
    z, factor = est.cell_totals(cells)
    var = cells.variance(z)
    var *= factor
    se = np.sqrt(np.maximum(var, 0.0))
    n_indices = se.shape[1] // 2
    df = cells.degrees_of_freedom(est.live_cells(cells))
    return se[:, :n_indices], se[:, n_indices:], df
