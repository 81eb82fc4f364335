"""Cells of SIPAS ratings and the Taylor variance of indices computed from them.

The linearised variance of a domain estimator (:mod:`analysis.variance`) only needs, at each
sampling stage, the total of the influence values in every (stage unit, domain) *cell*. For the
ratio ``θ_gj = Σ w r y / Σ w r`` of item ``j`` in domain ``g`` that total is

    ``z_c = (Σ_c w r y − θ_gj Σ_c w r) / Σ_g w r``,

so three weighted sums per item and cell (answered, rating, satisfied) carry everything; an
element or the overall index is a linear combination of its criteria, and so are its cell
totals. :mod:`analysis.sipas_rows` sums the rows into cells (a block of units at a time, the
province's cells from the units'); this module holds the cells of some domains and runs the
stratum formulas of :class:`analysis.variance.LinearisedVariance` on them, for all indices at
once, in the same order of summation (cells by domain, then unit; strata in order).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from analysis.variance import Stage

__all__ = ["Cells", "Plan", "encode", "encode_units", "small_matmul", "summing"]

_CHUNK_ROWS = 2048  # rows × a few columns per BLAS call: small enough to stay on one thread


def small_matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``a @ b`` for a tall ``a`` and a small ``b``, in chunks of rows (one BLAS thread each:
    a threaded product of this shape spends more time starting threads than multiplying)."""
    out = np.empty((a.shape[0], b.shape[1])) if out is None else out
    for start in range(0, a.shape[0], _CHUNK_ROWS):
        np.matmul(a[start:start + _CHUNK_ROWS], b, out=out[start:start + _CHUNK_ROWS])
    return out


def encode(key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of ``key`` (all in ``0..size-1``) and each entry's position.

    A lookup table when ``size`` is at most 8 entries per key (no sort), ``np.unique`` otherwise.
    """
    if size <= 8 * key.size:
        present = np.zeros(size, dtype=bool)
        present[key] = True
        index = np.cumsum(present) - 1
        return np.flatnonzero(present), index[key]
    distinct, inverse = np.unique(key, return_inverse=True)
    return distinct, inverse.reshape(-1)


def _packed_text(arr: np.ndarray) -> np.ndarray | None:
    """One int64 per fixed-width text label, ordered as the strings, when the characters fit."""
    if arr.dtype.kind != "U" or arr.size == 0 or arr.dtype.itemsize == 0:
        return None
    width = arr.dtype.itemsize // 4
    chars = np.ascontiguousarray(arr).view(np.uint32).reshape(arr.size, width)
    bits = max(int(chars.max()).bit_length(), 1)
    if bits * width > 63:
        return None
    key = np.zeros(arr.size, dtype=np.int64)
    for col in range(width):  # NUL padding sorts first, as a shorter string does
        key <<= bits
        key |= chars[:, col]
    return key


def encode_units(units, n: int) -> tuple[list[str], np.ndarray]:
    """Sorted string labels of the units and each row's integer code.

    Labels compare as strings (as ``np.unique(units.astype(str))`` would order them). Text
    labels whose characters fit are packed into one integer per row in string order and hashed
    (``pandas.factorize``) rather than sorted; other labels go through ``np.unique``, and the
    few distinct values are turned into strings and merged where two values print alike.
    """
    arr = np.asarray(units)
    if arr.shape != (n,):
        raise ValueError(
            f"units has {arr.shape[0] if arr.ndim else 1} labels but answers has "
            f"{n} rows; give one unit label per respondent."
        )
    packed = _packed_text(arr)
    if packed is not None:
        codes, distinct = pd.factorize(packed)
        order = np.argsort(distinct)
        rank = np.empty(order.size, dtype=np.int64)
        rank[order] = np.arange(order.size)
        row_of = np.empty(order.size, dtype=np.int64)
        row_of[codes] = np.arange(n)
        return [str(label) for label in arr[row_of[order]]], rank[codes]
    try:
        distinct, inverse = np.unique(arr, return_inverse=True)
    except TypeError:  # labels of mixed types: compare them as strings
        distinct, inverse = np.unique(arr.astype(str), return_inverse=True)
    labels, merged = np.unique(distinct.astype(str), return_inverse=True)
    return [str(label) for label in labels], merged.reshape(-1)[inverse.reshape(-1)]


def summing(codes: np.ndarray, n_out: int, weights=None) -> sparse.csr_matrix:
    """``n_out × len(codes)`` matrix summing entries into their codes, in entry order."""
    m = codes.size
    data = np.ones(m) if weights is None else weights
    if m and np.all(codes[1:] >= codes[:-1]):
        indptr = np.searchsorted(codes, np.arange(n_out + 1))
        return sparse.csr_matrix((data, np.arange(m), indptr), shape=(n_out, m))
    return sparse.csr_matrix((data, (codes, np.arange(m))), shape=(n_out, m))


class _Level:
    """One stage of one scope: cells (domain, stage unit) sorted by domain then unit."""

    def __init__(self, stage: Stage, cell_unit, cell_domain, n_domains: int, lonely_psu: str):
        self.stage, self.lonely_psu = stage, lonely_psu
        self.cell_unit = cell_unit
        h = stage.n_strata
        group_key, self.cell_group = encode(
            cell_domain * h + stage.unit_stratum[cell_unit], n_domains * h)
        self.n_groups = group_key.size
        self.group_stratum = group_key % h
        group_domain = group_key // h
        self.group_sum = summing(self.cell_group, self.n_groups)
        self.domain_sum = summing(group_domain, n_domains)
        self.cell_domain_sum = summing(cell_domain, n_domains)
        self.cells_per_group = np.bincount(self.cell_group, minlength=self.n_groups)
        self.grouped = bool(np.all(self.cell_group[1:] >= self.cell_group[:-1]))

    def variance(self, z: np.ndarray) -> np.ndarray:
        """Domains × columns variance contributed by this stage (``z``: cells × columns)."""
        st = self.stage
        s1 = self.group_sum @ z
        n_h = st.n_sampled[self.group_stratum][:, None]
        mean = s1 / n_h
        dev = (np.repeat(mean, self.cells_per_group, axis=0) if self.grouped
               else mean[self.cell_group])
        np.subtract(z, dev, out=dev)
        lonely = st.lonely[self.group_stratum]
        adjust = self.lonely_psu == "adjust"
        if st.unit_scale is None:
            dev *= dev
            ss = self.group_sum @ dev
            ss += (n_h - self.cells_per_group[:, None]) * mean * mean
            if lonely.any():
                ss[lonely] = s1[lonely] * s1[lonely] if adjust else 0.0
            contrib = st.scale[self.group_stratum][:, None] * ss
        else:  # PPS: a factor per PSU; PSUs without a row in the domain have z = 0
            s_cell = st.unit_scale[self.cell_unit][:, None]
            scale_sums = np.bincount(st.unit_stratum, weights=st.unit_scale,
                                     minlength=st.n_strata)
            absent = (scale_sums[self.group_stratum] - self.group_sum @ s_cell[:, 0])[:, None]
            contrib = self.group_sum @ (s_cell * dev * dev) + absent * mean * mean
            if lonely.any():
                alt = (self.group_sum @ (s_cell * z * z))[lonely] if adjust else 0.0
                contrib[lonely] = alt
        return self.domain_sum @ contrib

    def degrees_of_freedom(self, live: np.ndarray) -> np.ndarray:
        """PSUs − strata per domain among the cells flagged ``live`` (cells × columns)."""
        live = live.astype(float, copy=False)
        psus = self.cell_domain_sum @ live
        strata = self.domain_sum @ ((self.group_sum @ live) > 0).astype(float)
        return np.rint(psus - strata).astype(np.int64)


class Plan:
    """The design's sampling stages and, for every stage but the last, the stage unit of each
    last-stage unit (computed once, shared by the cells of every block of units)."""

    def __init__(self, stages, lonely_psu: str):
        self.stages, self.lonely_psu = stages, lonely_psu
        fine = stages[-1]
        self.ups = []
        for stage in stages[:-1]:
            up = np.empty(fine.n_units, dtype=np.int64)
            up[fine.unit] = stage.unit
            self.ups.append(up)

    @property
    def n_units(self) -> int:
        """Units of the last stage."""
        return self.stages[-1].n_units


class Cells:
    """Weighted sums of rows in the cells (domain, unit of the last stage) of one scope.

    ``sums`` holds three cells × k matrices, ``Σ w r_j``, ``Σ w r_j y_j`` and ``Σ w r_j t_j``
    for the ``k`` items (``r``: answered, ``y``: rating, ``t``: satisfied); cells are sorted by
    domain then unit.
    """

    def __init__(self, plan: Plan, cell_unit, cell_domain, n_domains, sums):
        self.plan = plan
        self.cell_unit, self.cell_domain, self.n_domains = cell_unit, cell_domain, n_domains
        self.sums = sums
        self.domain_sum = summing(cell_domain, n_domains)
        self.cells_per_domain = np.bincount(cell_domain, minlength=n_domains)
        self._levels = None

    def per_cell(self, values: np.ndarray) -> np.ndarray:
        """Each cell's row of a per-domain array."""
        return np.take(values, self.cell_domain, axis=0)

    def levels(self) -> list:
        """One :class:`_Level` per stage, with the matrix summing last-stage cells into it."""
        if self._levels is None:
            plan = self.plan
            self._levels = []
            for stage, up in zip(plan.stages[:-1], plan.ups):
                key, cell = encode(self.cell_domain * stage.n_units + up[self.cell_unit],
                                   self.n_domains * stage.n_units)
                level = _Level(stage, key % stage.n_units, key // stage.n_units, self.n_domains,
                               plan.lonely_psu)
                self._levels.append((summing(cell, key.size), level))
            self._levels.append((None, _Level(plan.stages[-1], self.cell_unit, self.cell_domain,
                                              self.n_domains, plan.lonely_psu)))
        return self._levels

    def variance(self, z: np.ndarray) -> np.ndarray:
        """Domains × columns variance of the estimators whose cell totals are ``z``."""
        total = np.zeros((self.n_domains, z.shape[1]))
        for up, level in self.levels():
            total += level.variance(z if up is None else up @ z)
        return total

    def degrees_of_freedom(self, live: np.ndarray) -> np.ndarray:
        """Domains × columns df (first stage) of columns live in the cells flagged ``live``."""
        up, level = self.levels()[0]
        if up is not None:
            live = (up @ live) > 0
        return level.degrees_of_freedom(live)
