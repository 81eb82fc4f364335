"""The rows of a SIPAS round, read in blocks: rating codes, weighted sums, counts, cell errors.

Every pass works on blocks of about 16,000 rows so that its temporaries stay in the processor's
cache (one pass over a whole 1,000,000 × 19 matrix costs more than the same work in blocks).
The answers are first checked and coded in row order (one byte per answer: the rating 1..5, 0
for no answer; excluded rows are then set to 0). With units, the rows are taken unit by unit
(one stable sort of the unit codes) and each block of whole units is summed, by sparse
products, into its (unit, PSU) cells on plain Taylor designs (:mod:`analysis.sipas_cells`),
whose errors are computed there and then (:mod:`analysis.sipas_estimates`); the province's
cells (the PSUs) are the sums of the units' cells, added in block order. Two threads share the
blocks where there are two processors; the numbers do not depend on it. Other designs only need
each unit's weighted sums here.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from analysis.sipas_cells import Cells, Plan, encode, small_matmul
from analysis.sipas_estimates import Estimates, cell_errors

__all__ = ["Scan", "rating_codes", "scan_rows"]

_BLOCK_ROWS = 16_384
_THREADS = min(2, os.cpu_count() or 1)


def _first_bad(y: np.ndarray, item_codes) -> ValueError:
    """The error naming the first answer (in row order) that is not a rating 1..5."""
    answered = ~np.isnan(y)
    bad = answered & ~((y >= 1.0) & (y <= 5.0) & (y == np.floor(y)))
    row, col = np.argwhere(bad)[0]
    return ValueError(
        f"Answer {y[row, col]!r} of respondent {row} to item {item_codes[col]!r} is not a "
        "rating 1..5; code missing or excluded answers as NaN."
    )


def rating_codes(y: np.ndarray, item_codes) -> np.ndarray:
    """Rows × items ``uint8``: each answer's rating 1..5, 0 where ``y`` is NaN. Raises
    ValueError on the first other value."""
    n, k = y.shape
    codes = np.empty((n, k), dtype=np.uint8)
    for a in range(0, n, _BLOCK_ROWS):
        part = y[a:a + _BLOCK_ROWS]
        lowest = np.fmin.reduce(part, axis=None)
        rating = np.fmax(part, 0.0)  # NaN (no answer) becomes 0
        if lowest < 1.0 or rating.max() > 5.0:
            raise _first_bad(y, item_codes)
        coded = codes[a:a + _BLOCK_ROWS]
        np.copyto(coded, rating, casting="unsafe")
        if not np.array_equal(coded, rating):
            raise _first_bad(y, item_codes)
    return codes


def _row_block(coded, satisfied_from, member):
    """A block's rows × k floats (answered, rating, satisfied) and rows × (elements + 1)
    flags (1.0 where the row carries the element, the overall index)."""
    answered, rating, satisfied = (np.empty(coded.shape) for _ in range(3))
    np.greater(coded, 0, out=answered)
    np.copyto(rating, coded)
    np.greater_equal(coded, satisfied_from, out=satisfied)
    carried = small_matmul(answered, np.column_stack([member, np.ones(coded.shape[1])]))
    np.greater(carried, 0.0, out=carried)
    return (answered, rating, satisfied), carried


def _summing(into, n_out, weights=None) -> sparse.csc_matrix:
    """``n_out`` × rows matrix summing (with ``weights``) the rows into their codes ``into``."""
    m = into.size
    data = np.ones(m) if weights is None else weights
    return sparse.csc_matrix((data, into, np.arange(m + 1)), shape=(n_out, m))


@dataclass
class Scan:
    """What the rows give: per unit (None without units) and for the province, the weighted
    sums (``Σ w r``, ``Σ w r y``, ``Σ w r t``: rows × k each), respondents carrying each index,
    and on plain Taylor designs the units' ``(se_y, se_t, df)`` and the province's cells."""

    unit_sums: list | None
    unit_counts: np.ndarray | None
    unit_errors: tuple | None
    province_sums: list
    province_counts: np.ndarray
    province_cells: Cells | None


def scan_rows(codes, w, plan: Plan | None, unit_codes, n_units, element_items,
              satisfied_from) -> Scan:
    """Sums, counts and (with a ``plan``) cell errors of the units and the province."""
    n, k = codes.shape
    member = np.zeros((k, len(element_items)))  # criterion j in element e
    for e, items in enumerate(element_items):
        member[items, e] = 1.0
    fine_units = plan.n_units if plan is not None else 1
    fine = plan.stages[-1].unit if plan is not None else np.zeros(n, dtype=np.int64)
    province = [np.zeros((fine_units, k)) for _ in range(3)]
    n_indices = k + len(element_items) + 1
    if unit_codes is None:
        counts = np.zeros(n_indices)
        for a in range(0, n, _BLOCK_ROWS):
            columns, carried = _row_block(codes[a:a + _BLOCK_ROWS], satisfied_from, member)
            into = _summing(fine[a:a + _BLOCK_ROWS], fine_units, w[a:a + _BLOCK_ROWS])
            for total, column in zip(province, columns):
                total += into @ column
            counts[:k] += columns[0].sum(axis=0)
            counts[k:] += carried.sum(axis=0)
        return Scan(None, None, None, province, counts[None].astype(np.int64),
                    _province_cells(plan, province))
    small = n_units <= np.iinfo(np.int16).max  # 16-bit codes sort by radix
    rows = np.argsort(unit_codes.astype(np.int16) if small else unit_codes, kind="stable")
    rows_per_unit = np.bincount(unit_codes, minlength=n_units)
    unit_end = np.cumsum(rows_per_unit)
    cuts = np.searchsorted(unit_end, np.arange(_BLOCK_ROWS, n, _BLOCK_ROWS)) + 1
    edges = np.unique(np.concatenate([[0], cuts, [n_units]])).tolist()
    sums = [np.empty((n_units, k)) for _ in range(3)]
    counts = np.empty((n_units, n_indices))

    def units_block(u0: int, u1: int):
        """Fill the block's sums and counts; its units' errors and the province's part."""
        block = rows[unit_end[u0] - rows_per_unit[u0]:unit_end[u1 - 1]]
        local = np.repeat(np.arange(u1 - u0), rows_per_unit[u0:u1])
        columns, carried = _row_block(np.take(codes, block, axis=0), satisfied_from, member)
        into = _summing(local, u1 - u0)
        counts[u0:u1, :k] = into @ columns[0]
        counts[u0:u1, k:] = into @ carried
        if plan is None:
            into = _summing(local, u1 - u0, np.take(w, block))
            for total, column in zip(sums, columns):
                total[u0:u1] = into @ column
            return None, None
        cell_key, row_cell = encode(local * fine_units + np.take(fine, block),
                                    (u1 - u0) * fine_units)
        into = _summing(row_cell, cell_key.size, np.take(w, block))
        cell_sums = tuple(into @ column for column in columns)
        cell_unit = cell_key % fine_units
        cells = Cells(plan, cell_unit, cell_key // fine_units, u1 - u0, cell_sums)
        for total, cell_sum in zip(sums, cell_sums):
            total[u0:u1] = cells.domain_sum @ cell_sum
        est = Estimates(tuple(total[u0:u1] for total in sums), element_items)
        into_units = _summing(cell_unit, fine_units)
        return cell_errors(cells, est), [into_units @ cell_sum for cell_sum in cell_sums]

    errors = []
    for block_errors, block_province in _in_order(units_block, zip(edges[:-1], edges[1:])):
        errors.append(block_errors)
        if block_province is not None:
            for total, part in zip(province, block_province):
                total += part  # in block order, whichever thread summed the block
    counts = counts.astype(np.int64)
    province_counts = counts.sum(axis=0, keepdims=True)
    if plan is None:
        return Scan(sums, counts, None, [total.sum(axis=0, keepdims=True) for total in sums],
                    province_counts, None)
    unit_errors = tuple(np.concatenate(parts) for parts in zip(*errors))
    return Scan(sums, counts, unit_errors, province, province_counts,
                _province_cells(plan, province))


def _in_order(work, blocks):
    """``work(*block)`` of every block, yielded in block order; with several processors two
    threads share the blocks (numpy and scipy release the GIL in their loops), at most a few
    blocks ahead of the caller."""
    blocks = list(blocks)
    if _THREADS < 2 or len(blocks) < 2:
        yield from (work(*block) for block in blocks)
        return
    with ThreadPoolExecutor(max_workers=_THREADS) as pool:
        pending = deque()
        for block in blocks:
            pending.append(pool.submit(work, *block))
            if len(pending) > 2 * _THREADS:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _province_cells(plan: Plan | None, sums: list) -> Cells | None:
    """The province's cells: every unit of the last stage (plain Taylor designs)."""
    if plan is None:
        return None
    u = plan.n_units
    return Cells(plan, np.arange(u), np.zeros(u, dtype=np.int64), 1, tuple(sums))
