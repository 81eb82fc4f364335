"""Replicate weights (JK1, JKn, BRR, bootstrap) and the replicate variance, as R ``survey``.

Replicate weights are stored compressed, as multipliers of the full-sample weight per
replicate unit (the first-stage PSU), like R's ``repweights_compressed``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from analysis.variance import Stage

__all__ = ["ReplicateWeights", "make_replicates", "user_replicates", "ReplicateVariance"]

REPLICATE_TYPES = ("JK1", "JKn", "BRR", "bootstrap")


@dataclass(frozen=True)
class ReplicateWeights:
    """Multipliers ``(U, R)`` per replicate unit, the unit of each row, and the variance factors.

    Variance: ``scale · Σ_r rscales_r (θ_r − θ̄)²`` with ``θ̄`` the mean of the replicates
    (or the full-sample estimate when ``mse``), as R's ``svrVar``.
    """

    kind: str
    multipliers: np.ndarray
    unit: np.ndarray
    scale: float
    rscales: np.ndarray
    mse: bool

    @property
    def df(self) -> int:
        """R's ``degf`` of a replicate design: rank of the replicate weights minus one."""
        return int(np.linalg.matrix_rank(self.multipliers, tol=1e-5)) - 1


def _first_appearance_order(stage: Stage) -> np.ndarray:
    """Units sorted by stratum, then by the row where each unit first appears."""
    first = np.full(stage.n_units, stage.unit.size, dtype=np.int64)
    np.minimum.at(first, stage.unit, np.arange(stage.unit.size))
    return np.lexsort((first, stage.unit_stratum))


def _hadamard_01(size: int) -> np.ndarray:
    """Sylvester Hadamard matrix of a power-of-two order, as 0/1 (R's ``hadamard`` layout)."""
    i = np.arange(size)
    bits = np.bitwise_and(i[:, None], i[None, :])
    parity = np.zeros_like(bits)
    while bits.any():
        parity ^= bits & 1
        bits >>= 1
    return (parity == 0).astype(int)


def make_replicates(stage: Stage, kind: str, lonely_psu: str, mse: bool,
                    replicates: int, seed) -> ReplicateWeights:
    """Replicate weights of a design from its first stage (later stages are ignored, as in R)."""
    u, h = stage.n_units, stage.n_strata
    n_h = stage.n_sampled
    f_h = stage.unsampled
    ustr = stage.unit_stratum
    if kind == "JK1":
        if h != 1:
            raise ValueError("JK1 needs an unstratified design; use 'JKn' for a stratified one.")
        n = u
        if n < 2:
            raise ValueError("JK1 needs at least two PSUs.")
        if f_h[0] == 0:
            raise ValueError("All PSUs were sampled: there is no sampling variance to replicate.")
        mult = np.full((u, u), n / (n - 1))
        np.fill_diagonal(mult, 0.0)
        return ReplicateWeights(kind, mult, stage.unit, float(f_h[0] * (n - 1) / n),
                                np.ones(u), mse)
    if kind == "JKn":
        columns, rscales = [], []
        for s in range(h):
            members = np.flatnonzero(ustr == s)
            if f_h[s] == 0:
                continue
            if n_h[s] == 1:
                if lonely_psu in ("certainty", "remove"):
                    continue
                if lonely_psu == "error":
                    raise ValueError("A stratum has only one PSU; choose a lonely_psu rule.")
                # "adjust", R's rule: drop the stratum's PSU, reweight the other strata
                columns.append(np.where(ustr == s, 0.0, h / (h - 1)))
                rscales.append((h - 1) / h)
                continue
            for m in members:
                col = np.ones(u)
                col[members] = n_h[s] / (n_h[s] - 1)
                col[m] = 0.0
                columns.append(col)
                rscales.append(f_h[s] * (n_h[s] - 1) / n_h[s])
        if not columns:
            raise ValueError("All strata were sampled exhaustively: no variance to replicate.")
        return ReplicateWeights(kind, np.column_stack(columns), stage.unit, 1.0,
                                np.asarray(rscales), mse)
    if kind == "BRR":
        if np.any(n_h != 2):
            raise ValueError("BRR needs exactly two PSUs in every stratum.")
        size = 1
        while size <= h:
            size *= 2
        had = _hadamard_01(size)
        order = _first_appearance_order(stage)
        first = order[0::2]
        second = order[1::2]
        mult = np.zeros((u, size))
        on = had[1 + ustr[first], :] == 1
        mult[first] = np.where(on, 2.0, 0.0)
        mult[second] = np.where(on, 0.0, 2.0)
        return ReplicateWeights(kind, mult, stage.unit, 1.0 / size, np.ones(size), mse)
    if kind == "bootstrap":
        if np.any(f_h < 1):
            raise ValueError(
                "Bootstrap replicates treat PSUs as drawn with replacement; build the design "
                "without fpc to use them."
            )
        if np.any(n_h < 2):
            raise ValueError("Bootstrap replicates need at least two PSUs in every stratum.")
        if int(replicates) < 2:
            raise ValueError("replicates must be at least 2.")
        rng = np.random.default_rng(seed)
        mult = np.zeros((u, int(replicates)))
        for s in range(h):
            members = np.flatnonzero(ustr == s)
            draws = rng.integers(0, members.size, size=(members.size, int(replicates)))
            counts = np.zeros((members.size, int(replicates)))
            np.add.at(counts, (draws, np.arange(int(replicates))[None, :]), 1.0)
            mult[members] = counts
        per_stratum = 1.0 / np.mean(1.0 / n_h)
        scale = per_stratum / ((per_stratum - 1) * (int(replicates) - 1))
        return ReplicateWeights(kind, mult, stage.unit, float(scale),
                                np.ones(int(replicates)), mse)
    raise ValueError(f"Replicate type must be one of {REPLICATE_TYPES}, got {kind!r}.")


def user_replicates(weights: np.ndarray, replicate_weights, scale: float, rscales, mse: bool):
    """Replicate weights given by the user as full analysis weights ``(n, R)``."""
    rep = np.asarray(replicate_weights, dtype=float)
    n = weights.size
    if rep.ndim != 2 or rep.shape[0] != n or rep.shape[1] < 2:
        raise ValueError(f"replicate_weights must be an (n, R) array with n = {n} and R >= 2.")
    if not np.all(np.isfinite(rep)) or np.any(rep < 0):
        raise ValueError("replicate_weights must be finite and non-negative.")
    rs = np.ones(rep.shape[1]) if rscales is None else np.asarray(rscales, dtype=float)
    if rs.shape != (rep.shape[1],):
        raise ValueError("rscales must have one entry per replicate.")
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError("scale must be a positive number.")
    return ReplicateWeights("user", rep / weights[:, None], np.arange(n), float(scale), rs,
                            bool(mse))


class ReplicateVariance:
    """Replicate sums per domain for one domain coding."""

    def __init__(self, reps: ReplicateWeights, domain: np.ndarray, n_domains: int):
        self.reps = reps
        self.n_domains = n_domains
        key = reps.unit * n_domains + domain
        cell_key, self.row_cell = np.unique(key, return_inverse=True)
        self.row_cell = self.row_cell.reshape(-1)
        self.n_cells = cell_key.size
        self.cell_mult = reps.multipliers[cell_key // n_domains]
        self.cell_domain = cell_key % n_domains

    def sums(self, row_values: np.ndarray) -> np.ndarray:
        """``(D, R)`` replicate totals of ``row_values`` (already multiplied by the weight)."""
        cell = np.bincount(self.row_cell, weights=row_values, minlength=self.n_cells)
        agg = sparse.csr_matrix((cell, (self.cell_domain, np.arange(self.n_cells))),
                                shape=(self.n_domains, self.n_cells))
        return np.asarray(agg @ self.cell_mult)

    def variance(self, thetas: np.ndarray, full: np.ndarray) -> np.ndarray:
        """Replicate variance per domain from ``(D, R)`` replicate estimates."""
        rs = self.reps.rscales
        if self.reps.mse:
            centre = full
        else:
            centre = thetas[:, rs > 0].mean(axis=1)
        dev = thetas - centre[:, None]
        return self.reps.scale * (dev * dev * rs[None, :]).sum(axis=1)
