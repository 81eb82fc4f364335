"""Per-response quality flags and the quarantine mask.

Flags never delete anything: a flagged response is quarantined (a boolean mask) and every index
can be computed with and without it (pass the mask as ``exclude=`` to the estimators).

Rules (each configurable):

* ``speeder``: total time below ``fraction`` × the median time of responses to the same
  questionnaire (default 0.3; missing times are not flagged).
* ``straight_lining``: the same answer to every item of a grid of at least ``min_items``
  answered items (default 5).
* ``burst_duplicate``: an answer vector identical to another one submitted through the same
  entry point (QR code or link) within ``window_seconds`` (default 600 s); every member of such a
  burst is flagged, since which one is genuine is unknown.
* ``duplicate_device``: a device hash already seen in an earlier response; the earliest response
  of a device is kept unflagged (``keep="first"``) or all are flagged (``keep="none"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "QualityFlags", "speeder_flags", "straight_lining_flags", "burst_duplicate_flags",
    "duplicate_device_flags", "quality_flags",
]

FLAG_NAMES = ("speeder", "straight_lining", "burst_duplicate", "duplicate_device")


def speeder_flags(durations, *, fraction: float = 0.3, groups=None) -> np.ndarray:
    """True where the duration is below ``fraction`` × the median of its group."""
    t = np.asarray(durations, dtype=float)
    if not 0 < fraction < 1:
        raise ValueError("fraction must lie strictly between 0 and 1.")
    if (t[~np.isnan(t)] < 0).any():
        raise ValueError("Durations cannot be negative.")
    groups = np.zeros(t.size, dtype=np.intp) if groups is None else np.asarray(groups)
    if groups.shape != t.shape:
        raise ValueError("groups must give one label per duration.")
    flags = np.zeros(t.size, dtype=bool)
    for label in np.unique(groups):
        member = (groups == label) & ~np.isnan(t)
        if member.any():
            flags[member] = t[member] < fraction * np.median(t[member])
    return flags


def straight_lining_flags(grid, *, min_items: int = 5) -> np.ndarray:
    """True where every answered item of the grid has the same value and at least
    ``min_items`` items were answered (``NaN`` = not answered)."""
    x = np.asarray(grid, dtype=float)
    if x.ndim != 2:
        raise ValueError("grid must be a respondents × items matrix.")
    if min_items < 2:
        raise ValueError("min_items must be at least 2.")
    answered = ~np.isnan(x)
    count = answered.sum(axis=1)
    hi = np.where(answered, x, -np.inf).max(axis=1)
    lo = np.where(answered, x, np.inf).min(axis=1)
    return (count >= min_items) & (hi == lo)


def _vector_keys(vectors) -> np.ndarray:
    x = np.asarray(vectors, dtype=object)
    if x.ndim != 2:
        raise ValueError("vectors must be a responses × questions matrix.")
    keys = ["\x1f".join("" if v is None or v != v else repr(v) for v in row) for row in x]
    return np.asarray(keys, dtype=object)


def burst_duplicate_flags(vectors, times, entry_points, *,
                          window_seconds: float = 600) -> np.ndarray:
    """True where an identical answer vector came through the same entry point within the window.

    ``times`` are submission times in seconds (any origin); ``NaN`` in ``vectors`` is a blank.
    """
    keys = _vector_keys(vectors)
    t = np.asarray(times, dtype=float)
    entry = np.asarray(entry_points).astype(str)
    if not (t.shape == entry.shape == keys.shape):
        raise ValueError("vectors, times and entry_points must describe the same responses.")
    if window_seconds < 0:
        raise ValueError("window_seconds cannot be negative.")
    order = np.lexsort((t, keys, entry))
    same = (entry[order][1:] == entry[order][:-1]) & (keys[order][1:] == keys[order][:-1])
    close = np.diff(t[order]) <= window_seconds
    pair = same & close
    flags = np.zeros(t.size, dtype=bool)
    flags[order[1:][pair]] = True
    flags[order[:-1][pair]] = True
    return flags


def duplicate_device_flags(device_hashes, times=None, *, keep: str = "first") -> np.ndarray:
    """True for responses whose device hash was seen before (``None``/"" never match)."""
    if keep not in ("first", "none"):
        raise ValueError('keep must be "first" or "none".')
    h = np.array(["" if v is None else str(v) for v in device_hashes], dtype=object)
    t = np.arange(h.size, dtype=float) if times is None else np.asarray(times, dtype=float)
    if t.shape != h.shape:
        raise ValueError("times must give one time per device hash.")
    order = np.lexsort((t, h))
    repeat = np.zeros(h.size, dtype=bool)
    sh = h[order]
    later = np.concatenate([[False], sh[1:] == sh[:-1]]) & (sh != "")
    repeat[order] = later
    if keep == "none":
        earlier = np.concatenate([sh[:-1] == sh[1:], [False]]) & (sh != "")
        repeat[order] |= earlier
    return repeat


@dataclass(frozen=True)
class QualityFlags:
    """Boolean flag arrays per rule and the quarantine mask built from ``quarantine_on``."""

    flags: Mapping[str, np.ndarray]
    quarantine_on: tuple[str, ...]

    @property
    def quarantine(self) -> np.ndarray:
        """True for responses to leave out of the quarantine-excluded estimates."""
        n = len(next(iter(self.flags.values()))) if self.flags else 0
        mask = np.zeros(n, dtype=bool)
        for name in self.quarantine_on:
            if name in self.flags:
                mask |= self.flags[name]
        return mask

    def reasons(self, index: int) -> list[str]:
        """Names of the flags raised for response ``index``."""
        return [name for name, f in self.flags.items() if f[index]]

    def counts(self) -> dict[str, int]:
        """Number of responses raising each flag."""
        return {name: int(f.sum()) for name, f in self.flags.items()}


def quality_flags(
    *,
    durations=None,
    duration_groups=None,
    grids: Sequence = (),
    vectors=None,
    times=None,
    entry_points=None,
    device_hashes=None,
    speed_fraction: float = 0.3,
    min_grid_items: int = 5,
    window_seconds: float = 600,
    quarantine_on: Sequence[str] = FLAG_NAMES,
) -> QualityFlags:
    """Compute every flag whose inputs are given; a straight-lining flag on any grid counts."""
    unknown = set(quarantine_on) - set(FLAG_NAMES)
    if unknown:
        raise ValueError(f"Unknown flag names: {', '.join(sorted(unknown))}.")
    flags: dict[str, np.ndarray] = {}
    if durations is not None:
        flags["speeder"] = speeder_flags(durations, fraction=speed_fraction, groups=duration_groups)
    if grids:
        flags["straight_lining"] = np.logical_or.reduce(
            [straight_lining_flags(g, min_items=min_grid_items) for g in grids]
        )
    if vectors is not None:
        if times is None or entry_points is None:
            raise ValueError("Burst duplicates need times and entry_points with the vectors.")
        flags["burst_duplicate"] = burst_duplicate_flags(
            vectors, times, entry_points, window_seconds=window_seconds
        )
    if device_hashes is not None:
        flags["duplicate_device"] = duplicate_device_flags(device_hashes, times)
    sizes = {len(f) for f in flags.values()}
    if len(sizes) > 1:
        raise ValueError("All quality inputs must describe the same responses.")
    return QualityFlags(flags, tuple(quarantine_on))
