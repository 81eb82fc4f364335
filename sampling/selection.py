"""Drawing samples: SRS, systematic, PPS systematic, stratified; replacement lists; back-checks.

A frame is either a sequence (one element per frame row) or the number of rows; selected units
are reported by their 0-based row position in the frame.  Every draw is reproducible from its
seed (see :mod:`sampling.streams`) and depends on the frame order, which the frame's content
hash pins down.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence, Sized
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .allocation import allocate
from .probabilities import _as_sizes, inclusion_probabilities
from .streams import check_seed, random_order, stream, uniforms
from .systematic import pps_systematic_positions, systematic_positions

__all__ = ["Selection", "select", "backcheck", "SELECTION_METHODS"]

SELECTION_METHODS = ("srs", "systematic", "pps_systematic")
SELECTION_FORMAT = "par-survey.selection"
SELECTION_FORMAT_VERSION = 1


def _frozen(values: Any, dtype: Any) -> np.ndarray:
    array = np.array(values, dtype=dtype)
    array.setflags(write=False)
    return array


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (for labels and JSON)."""
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True, eq=False)
class Selection:
    """The result of a draw.

    Attributes
    ----------
    indices : numpy.ndarray of int
        Selected frame rows (0-based), in selection order.
    probabilities : numpy.ndarray of float
        First-order inclusion probability of each selected row.
    weights : numpy.ndarray of float
        Base weights, ``1 / probabilities``.
    replacements : numpy.ndarray of int
        Frame rows not selected, in a seeded random order (within stratum when stratified):
        substitute a refusal in a stratum by the next unused replacement of that stratum.
    seed : int
        The seed that reproduces the draw.
    method : str
        ``"srs"``, ``"systematic"``, ``"pps_systematic"``, ``"two_stage"`` or ``"backcheck"``.
    population : int
        Number of rows in the frame.
    strata : tuple or None
        Stratum label of each selected row, when stratified.
    replacement_strata : tuple or None
        Stratum label of each replacement, when stratified.
    allocation : dict or None
        Units drawn per stratum, in stratum order, when stratified.
    """

    indices: np.ndarray
    probabilities: np.ndarray
    weights: np.ndarray
    replacements: np.ndarray
    seed: int
    method: str
    population: int
    strata: tuple | None = None
    replacement_strata: tuple | None = None
    allocation: dict | None = field(default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "indices", _frozen(self.indices, np.int64))
        object.__setattr__(self, "probabilities", _frozen(self.probabilities, np.float64))
        object.__setattr__(self, "weights", _frozen(self.weights, np.float64))
        object.__setattr__(self, "replacements", _frozen(self.replacements, np.int64))

    @property
    def n(self) -> int:
        """Number of selected rows."""
        return len(self.indices)

    def to_dict(self) -> dict:
        """A JSON-ready description of the plan and its result, for storing with a round."""
        return {
            "format": SELECTION_FORMAT,
            "version": SELECTION_FORMAT_VERSION,
            "rng": "numpy PCG64 raw words, SeedSequence(seed, spawn_key)",
            "method": self.method,
            "seed": self.seed,
            "population": self.population,
            "indices": self.indices.tolist(),
            "probabilities": self.probabilities.tolist(),
            "weights": self.weights.tolist(),
            "replacements": self.replacements.tolist(),
            "strata": None if self.strata is None else [_plain(s) for s in self.strata],
            "replacement_strata": (None if self.replacement_strata is None
                                   else [_plain(s) for s in self.replacement_strata]),
            "allocation": (None if self.allocation is None
                           else [[_plain(k), v] for k, v in self.allocation.items()]),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Selection:
        """Rebuild a selection written by :meth:`to_dict`."""
        if data.get("format") != SELECTION_FORMAT or data.get("version") != SELECTION_FORMAT_VERSION:
            raise ValueError("This is not a version 1 par-survey selection document.")
        strata = data.get("strata")
        replacement_strata = data.get("replacement_strata")
        allocation = data.get("allocation")
        return cls(
            indices=data["indices"], probabilities=data["probabilities"],
            weights=data["weights"], replacements=data["replacements"], seed=data["seed"],
            method=data["method"], population=data["population"],
            strata=None if strata is None else tuple(strata),
            replacement_strata=None if replacement_strata is None else tuple(replacement_strata),
            allocation=None if allocation is None else {k: v for k, v in allocation},
        )


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a whole number, got {value!r}.")
    try:
        count = operator.index(value)
    except TypeError:
        raise ValueError(f"{what} must be a whole number, got {value!r}.") from None
    if count < 0:
        raise ValueError(f"{what} must not be negative, got {count}.")
    return count


def _frame_size(frame: Sequence[Any] | Sized | int) -> int:
    if isinstance(frame, Sized):
        return len(frame)
    return _count(frame, "frame (a sequence of rows or the number of rows)")


def _group_strata(strata: Sequence[Any], population: int) -> list[tuple[Any, np.ndarray]]:
    """Rows of each stratum, strata in order of first appearance in the frame."""
    if len(strata) != population:
        raise ValueError(
            f"strata has {len(strata)} labels but the frame has {population} rows."
        )
    # Fast path for numpy arrays of numbers or strings; lists go through a dict, so that
    # mixed labels such as 1 and "1" stay distinct.
    labels = strata
    if isinstance(labels, np.ndarray) and labels.ndim == 1 and labels.dtype.kind in "iuUSb":
        unique, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        rows_sorted = np.argsort(inverse, kind="stable")
        bounds = np.cumsum(np.bincount(inverse, minlength=len(unique)))[:-1]
        chunks = np.split(rows_sorted, bounds)
        return [(_plain(unique[u]), chunks[u].astype(np.int64)) for u in order]
    groups: dict[Any, list[int]] = {}
    for row, label in enumerate(strata):
        if label is None:
            raise ValueError(f"Frame row {row} has no stratum label.")
        groups.setdefault(label, []).append(row)
    return [(label, np.asarray(rows, dtype=np.int64)) for label, rows in groups.items()]


def _draw(method: str, rows: np.ndarray | int, n: int, sizes: np.ndarray | None,
          bits: np.random.PCG64, replacements: int | None
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Selected rows, their probabilities and the replacement order within one stratum.

    ``rows`` lists the stratum's frame rows, or is the frame size for the whole frame (so
    that a large frame needs no index array).
    """
    count = rows if isinstance(rows, int) else len(rows)
    if method == "srs":
        keep = None if replacements is None else n + replacements
        order = random_order(bits, np.arange(count) if isinstance(rows, int) else rows, keep)
        return order[:n], np.full(n, n / count if count else 0.0), order[n:]
    start = float(uniforms(bits, 1)[0])
    if method == "systematic":
        positions = systematic_positions(count, n, start)
        probabilities = np.full(n, n / count if count else 0.0)
        eligible = np.ones(count, dtype=bool)
    else:
        pi = inclusion_probabilities(sizes, n)
        positions = pps_systematic_positions(pi, start)
        probabilities = pi[positions]
        eligible = pi > 0
        del pi
    eligible[positions] = False
    if replacements == 0:
        pool = np.zeros(0, dtype=np.int64)
    elif isinstance(rows, int):
        pool = np.flatnonzero(eligible)
    else:
        pool = rows[eligible]
    chosen = positions if isinstance(rows, int) else rows[positions]
    return chosen, probabilities, random_order(bits, pool, replacements)


def _per_stratum_n(n: Any, labels: list[Any], counts: list[int], sds: Any, allocation: str,
                   minimum: int) -> list[int]:
    if isinstance(n, Mapping):
        unknown = [label for label in n if label not in set(labels)]
        if unknown:
            raise ValueError(
                f"Stratum {unknown[0]!r} in n has no units in the frame."
            )
        missing = [label for label in labels if label not in n]
        if missing:
            raise ValueError(
                f"n gives no size for stratum {missing[0]!r}; give 0 to leave it out."
            )
        return [_count(n[label], f"n for stratum {label!r}") for label in labels]
    if isinstance(n, Sequence) and not isinstance(n, str):
        if len(n) != len(labels):
            raise ValueError(f"n lists {len(n)} sizes but the frame has {len(labels)} strata.")
        return [_count(value, f"n for stratum {label!r}") for label, value in zip(labels, n)]
    total = _count(n, "n")
    if isinstance(sds, Mapping):
        sds = [sds[label] for label in labels]
    return allocate(total, counts, sds=sds, method=allocation, minimum=minimum)


def select(frame: Sequence[Any] | int, n: Any, method: str = "srs",
           strata: Sequence[Any] | None = None, size: Sequence[float] | None = None,
           seed: int | None = None, *, allocation: str = "proportional",
           sds: Sequence[float] | Mapping[Any, float] | None = None, minimum: int = 0,
           replacements: int | None = None) -> Selection:
    """Draw a sample from a frame.

    Parameters
    ----------
    frame : sequence or int
        The frame rows, or their number.
    n : int, or dict / sequence of int when stratified
        Sample size.  With ``strata``, an int is split by :func:`allocate`; a dict maps every
        stratum label to its size; a sequence gives sizes in order of first appearance.
    method : {"srs", "systematic", "pps_systematic"}
        Simple random sampling without replacement; systematic sampling in frame order with
        a fractional interval ``N/n`` and a random start; systematic sampling proportional to
        ``size`` with certainty units (probability capped at 1, see
        :func:`inclusion_probabilities`), in frame order.
    strata : sequence, optional
        Stratum label of each frame row; the method is applied within each stratum.
    size : sequence of float, optional
        Measure of size of each frame row, for ``"pps_systematic"`` only.
    seed : int, optional
        Seed of the draw; a fresh one is chosen and recorded when None.  The same seed, frame
        and arguments give the same selection on every machine.
    allocation, sds, minimum
        Passed to :func:`allocate` when ``strata`` is given and ``n`` is an int.
    replacements : int, optional
        Length of the replacement list (per stratum when stratified); all unselected rows
        when None.  A longer list starts with the shorter one.

    Returns
    -------
    Selection

    Notes
    -----
    The unstratified draw uses the stream ``PCG64(seed)``; stratum ``h`` (0-based, order of
    first appearance) uses ``SeedSequence(seed, spawn_key=(h,))``.  Within a stream, SRS
    orders all rows randomly (the first ``n`` are the sample, the next ones the
    replacements); the systematic methods take one uniform start, then order the unselected
    rows randomly for replacement.  Rows of size 0 are never selected nor replacements.
    """
    population = _frame_size(frame)
    if method not in SELECTION_METHODS:
        raise ValueError(
            f"Unknown selection method {method!r}; use one of {', '.join(SELECTION_METHODS)}."
        )
    seed = check_seed(seed)
    if replacements is not None:
        replacements = _count(replacements, "replacements")
    sizes = None
    if method == "pps_systematic":
        if size is None:
            raise ValueError("PPS systematic selection needs size, one value per frame row.")
        sizes = _as_sizes(size)
        if len(sizes) != population:
            raise ValueError(f"size has {len(sizes)} values but the frame has {population} rows.")
    elif size is not None:
        raise ValueError("size is used only by method 'pps_systematic'.")

    if strata is None:
        total = _count(n, "n")
        if total > population:
            raise ValueError(f"n = {total} is larger than the {population} rows of the frame.")
        chosen, probabilities, spare = _draw(method, population, total, sizes, stream(seed),
                                             replacements)
        return Selection(chosen, probabilities, 1.0 / probabilities, spare, seed, method,
                         population)

    groups = _group_strata(strata, population)
    labels = [label for label, _ in groups]
    counts = [len(rows) for _, rows in groups]
    per_stratum = _per_stratum_n(n, labels, counts, sds, allocation, minimum)
    parts = []
    for h, ((label, rows), n_h) in enumerate(zip(groups, per_stratum)):
        if n_h > len(rows):
            raise ValueError(
                f"Stratum {label!r} has {len(rows)} units, fewer than the {n_h} requested."
            )
        try:
            parts.append(_draw(method, rows, n_h, None if sizes is None else sizes[rows],
                               stream(seed, h), replacements))
        except ValueError as error:
            raise ValueError(f"Stratum {label!r}: {error}") from None
    chosen = np.concatenate([part[0] for part in parts])
    probabilities = np.concatenate([part[1] for part in parts])
    return Selection(
        chosen, probabilities, 1.0 / probabilities,
        np.concatenate([part[2] for part in parts]), seed, method, population,
        strata=tuple(label for label, part in zip(labels, parts) for _ in part[0]),
        replacement_strata=tuple(label for label, part in zip(labels, parts) for _ in part[2]),
        allocation=dict(zip(labels, per_stratum)),
    )


def backcheck(selection: Selection, *, fraction: float | None = None, n: int | None = None,
              seed: int | None = None, eligible: Sequence[int] | None = None) -> Selection:
    """Draw a back-check (phúc tra) subsample from a selection by SRS.

    Parameters
    ----------
    selection : Selection
        The main sample.
    fraction : float, optional
        Share of the selected rows to re-contact, in (0, 1]; rounded up per stratum, so every
        stratum with eligible rows gets at least one.
    n : int, optional
        Number of rows to re-contact instead of ``fraction``, split proportionally across
        strata.
    seed : int, optional
        Seed of the back-check draw (fresh when None).
    eligible : sequence of int, optional
        Frame rows that may be checked (e.g. those with a completed interview); by default all
        selected rows.

    Returns
    -------
    Selection
        ``method="backcheck"``; ``probabilities`` are conditional on the main sample (rows
        checked over rows eligible, per stratum); ``replacements`` are the other eligible rows
        in random order.
    """
    if (fraction is None) == (n is None):
        raise ValueError("Give exactly one of fraction or n for the back-check.")
    seed = check_seed(seed)
    pool = np.asarray(selection.indices)
    labels = selection.strata if selection.strata is not None else (None,) * len(pool)
    if eligible is not None:
        allowed = set(int(row) for row in eligible)
        outside = allowed - set(pool.tolist())
        if outside:
            raise ValueError(f"Frame row {min(outside)} is eligible but was not selected.")
        keep = np.array([int(row) in allowed for row in pool], dtype=bool)
        pool = pool[keep]
        labels = tuple(label for label, kept in zip(labels, keep) if kept)
    groups: dict[Any, list[int]] = {}
    for row, label in zip(pool.tolist(), labels):
        groups.setdefault(label, []).append(row)
    counts = [len(rows) for rows in groups.values()]
    if fraction is not None:
        if not 0.0 < fraction <= 1.0:
            raise ValueError(f"fraction must lie in (0, 1], got {fraction!r}.")
        per_group = [math.ceil(fraction * count - 1e-9) for count in counts]
    else:
        total = _count(n, "n")
        if total > len(pool):
            raise ValueError(f"n = {total} is larger than the {len(pool)} rows eligible.")
        per_group = allocate(total, counts) if counts else []
    parts = [
        _draw("srs", np.asarray(rows, dtype=np.int64), k, None, stream(seed, h), None)
        for h, (rows, k) in enumerate(zip(groups.values(), per_group))
    ]
    if not parts:
        empty = np.zeros(0)
        return Selection(empty, empty, empty, empty, seed, "backcheck", selection.population)
    probabilities = np.concatenate([part[1] for part in parts])
    stratified = selection.strata is not None
    return Selection(
        np.concatenate([part[0] for part in parts]), probabilities, 1.0 / probabilities,
        np.concatenate([part[2] for part in parts]), seed, "backcheck", selection.population,
        strata=(tuple(label for label, part in zip(groups, parts) for _ in part[0])
                if stratified else None),
        replacement_strata=(tuple(label for label, part in zip(groups, parts) for _ in part[2])
                            if stratified else None),
        allocation=dict(zip(groups, per_group)) if stratified else None,
    )
