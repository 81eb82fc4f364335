"""Taylor-linearised variance of influence values over a stratified multistage design.

The algorithm is R ``survey``'s ``svyrecvar``/``multistage``/``onestrat`` (survey 4.1), rewritten
as grouped sums so that many domains cost one pass over the rows:

* stage 1: within stratum ``h`` with ``n_h`` sampled PSUs and sampling fraction ``n_h/N_h``,
  ``V_h = (1 - n_h/N_h) n_h/(n_h - 1) Σ_c (z_c - z̄_h)²`` where ``z_c`` is the PSU total of the
  influence values (PSUs with no row in the domain count as zeros);
* stage ``k > 1`` (only when the population sizes of every stage are given): the same formula
  within each stage ``k-1`` unit, multiplied by the product of the earlier sampling fractions;
* lonely PSUs (``n_h = 1``): ``"certainty"`` and ``"remove"`` add nothing, ``"adjust"`` adds
  ``f z_c²`` (centred at the population mean), ``"error"`` is refused when the design is built;
* calibrated designs first replace the influence values by their residuals from each
  calibration step (post-stratification, raking, GREG), in the order the steps were applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

__all__ = ["Stage", "CalibrationStep", "build_stages", "build_pps_stage", "LinearisedVariance"]

LONELY_PSU = ("error", "certainty", "adjust", "remove")
_DENSE_CELLS = 4_000_000  # units × domains handled at once on the calibrated path
_RAKING_ROUNDS = 10  # backfitting rounds R's svyrecvar uses for raked designs


@dataclass(frozen=True)
class Stage:
    """One sampling stage: its units, the strata they were drawn in and the variance factors.

    ``unit`` codes rows (0..U-1); ``unit_stratum`` codes each unit's stratum (0..H-1);
    ``n_sampled`` counts sampled units per stratum; ``scale`` is the per-stratum factor
    ``multiplier · f · n/(n-1)`` (``multiplier · f`` when ``n = 1``; 0 for certainty strata);
    ``lonely`` marks strata with one sampled unit and a non-zero factor; ``unsampled`` is
    ``1 - n/N`` per stratum (1 without fpc). ``unit_scale`` replaces ``scale`` with a factor
    per unit for PPS designs (Brewer's approximation: ``(1 - π_c) n/(n-1)``).
    """

    unit: np.ndarray
    unit_stratum: np.ndarray
    n_sampled: np.ndarray
    scale: np.ndarray
    lonely: np.ndarray
    unsampled: np.ndarray
    unit_scale: np.ndarray | None = None

    @property
    def n_units(self) -> int:
        return int(self.unit_stratum.size)

    @property
    def n_strata(self) -> int:
        return int(self.n_sampled.size)


@dataclass(frozen=True)
class CalibrationStep:
    """One calibration, kept so that the variance uses residuals as R does.

    The residual of influence values ``x`` is ``x - psw ⊙ (M γ)`` with
    ``γ = H⁺ Mᵀ (c ⊙ x)``. Post-stratification and GREG: ``c = w_old / psw``,
    ``H = Mᵀ diag(w_old) M``; a raking margin: ``c = 1 / psw``, ``H = diag(row counts)``.

    ``model`` is an ``n × p`` matrix (dense ``ndarray`` or ``scipy.sparse`` indicator matrix);
    ``raking_group`` joins the margins of one raking, applied in 10 backfitting rounds.
    """

    model: object
    psw: np.ndarray
    coef: np.ndarray
    h_inverse: np.ndarray
    raking_group: int | None = None
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def n_params(self) -> int:
        return int(self.model.shape[1])


def _codes(values) -> np.ndarray:
    """Integer codes 0..k-1 of any 1-D label array."""
    arr = np.asarray(values)
    if arr.dtype == object:
        arr = arr.astype(str)
    return np.unique(arr, return_inverse=True)[1].reshape(-1).astype(np.int64)


def _pair_codes(outer: np.ndarray, inner) -> np.ndarray:
    """Codes of (outer, inner) pairs: inner units nested in outer ones."""
    inner_codes = _codes(inner)
    key = outer * (int(inner_codes.max()) + 1) + inner_codes
    return np.unique(key, return_inverse=True)[1].reshape(-1).astype(np.int64)


def build_pps_stage(strata, ids: list, prob: np.ndarray, lonely_psu: str) -> Stage:
    """One-stage PPS design with Brewer's variance approximation (R's ``pps="brewer"``).

    ``prob`` is each row's PSU inclusion probability; a PSU contributes with factor
    ``(1 - π_c) n_h/(n_h - 1)`` to the variance of its stratum.
    """
    if len(ids) > 1:
        raise ValueError("PPS designs are supported with one sampling stage.")
    if np.any(~np.isfinite(prob)) or np.any(prob <= 0) or np.any(prob > 1):
        raise ValueError("For a PPS design fpc must hold inclusion probabilities in (0, 1].")
    (stage,), _ = build_stages(strata, ids, None, lonely_psu)
    unit_prob = np.full(stage.n_units, np.nan)
    unit_prob[stage.unit] = prob
    lo = np.full(stage.n_units, np.inf)
    np.minimum.at(lo, stage.unit, prob)
    if np.any(lo != unit_prob):
        raise ValueError("Inclusion probabilities must not vary within a PSU.")
    f = 1.0 - unit_prob
    n_h = stage.n_sampled[stage.unit_stratum]
    unit_scale = np.where(n_h > 1, f * n_h / np.maximum(n_h - 1, 1), f)
    return Stage(stage.unit, stage.unit_stratum, stage.n_sampled, stage.scale, stage.lonely,
                 np.full(stage.n_strata, np.nan), unit_scale)


def build_stages(strata, ids: list, fpc: list | None, lonely_psu: str):
    """Sampling stages of a design, and the weights its fpc implies.

    Parameters
    ----------
    strata : array of int codes (n,)
    ids : list of per-stage id arrays (each (n,)); an empty list means one row per PSU
    fpc : list of per-stage fpc arrays, or None
    lonely_psu : one of ``LONELY_PSU``

    Returns
    -------
    stages : list of Stage
        The first stage, plus later stages when ``fpc`` covers them.
    fpc_weights : ndarray or None
        ``1 / Π_k (n_k / N_k)`` per row when ``fpc`` is given.
    """
    n = strata.size
    if not ids:
        ids = [np.arange(n)]
    if fpc is not None:
        all_fpc = np.concatenate([np.asarray(f, dtype=float) for f in fpc])
        if np.any(~np.isfinite(all_fpc)) or np.any(all_fpc <= 0):
            raise ValueError("fpc must be positive and finite.")
        is_popsize = bool(np.any(all_fpc > 1))
        if is_popsize and not np.all(all_fpc >= 1):
            raise ValueError(
                "fpc must be all population sizes (>= 1) or all sampling fractions (<= 1)."
            )
    n_stages = 1 if fpc is None else min(len(ids), len(fpc))
    stages = []
    stratum = strata
    multiplier_rows = np.ones(n)
    prob = np.ones(n)
    unit = None
    for k in range(len(ids)):
        unit = _pair_codes(stratum, ids[k])
        n_units = int(unit.max()) + 1
        unit_stratum = np.zeros(n_units, dtype=np.int64)
        unit_stratum[unit] = stratum
        n_strata = int(stratum.max()) + 1
        n_sampled = np.bincount(unit_stratum, minlength=n_strata).astype(float)
        popsize = np.full(n_strata, np.inf)
        if fpc is not None and k < len(fpc):
            f_rows = np.asarray(fpc[k], dtype=float)
            lo = np.full(n_strata, np.inf)
            hi = np.full(n_strata, -np.inf)
            np.minimum.at(lo, stratum, f_rows)
            np.maximum.at(hi, stratum, f_rows)
            if np.any(lo != hi):
                raise ValueError(f"fpc varies within a stratum at stage {k + 1}; it must not.")
            popsize = lo if is_popsize else n_sampled / lo
            if np.any(popsize < n_sampled - 1e-9 * n_sampled):
                raise ValueError(
                    f"fpc implies more than 100 % sampling in some stratum at stage {k + 1}."
                )
            prob = prob * (n_sampled / popsize)[stratum]
        if k < n_stages:
            finite = np.isfinite(popsize)
            f = np.ones(n_strata)
            f[finite] = (popsize[finite] - n_sampled[finite]) / popsize[finite]
            f = np.where(f < 1e-7, 0.0, f)
            mult = np.zeros(n_strata)
            mult[stratum] = multiplier_rows
            factor = np.where(n_sampled > 1, f * n_sampled / np.maximum(n_sampled - 1, 1), f)
            lonely = (n_sampled == 1) & (f > 0)
            if lonely_psu == "error" and np.any(lonely):
                raise ValueError(
                    f"A stratum has only one sampled unit at stage {k + 1}; choose "
                    "lonely_psu='certainty', 'adjust' or 'remove' (Một tầng chỉ có một đơn vị "
                    "mẫu; hãy chọn cách xử lý lonely_psu)."
                )
            stages.append(Stage(unit, unit_stratum, n_sampled, mult * factor, lonely, f))
            multiplier_rows = multiplier_rows * (n_sampled / popsize)[stratum]
        stratum = unit
    fpc_weights = None if fpc is None else 1.0 / prob
    return stages, fpc_weights


def _stratum_sums(stage: Stage) -> sparse.csr_matrix:
    """H × U indicator matrix summing unit rows into strata."""
    cache = stage.__dict__.setdefault("_sum_matrix", None)
    if cache is None:
        u = stage.n_units
        cache = sparse.csr_matrix(
            (np.ones(u), (stage.unit_stratum, np.arange(u))), shape=(stage.n_strata, u)
        )
        object.__setattr__(stage, "_sum_matrix", cache)
    return cache


def _stratum_scale_sums(stage: Stage) -> np.ndarray:
    """Σ of the PPS unit factors per stratum."""
    return np.bincount(stage.unit_stratum, weights=stage.unit_scale, minlength=stage.n_strata)


def _unit_sums(stage: Stage) -> sparse.csr_matrix:
    """U × n indicator matrix summing rows into the stage's units."""
    cache = stage.__dict__.setdefault("_unit_matrix", None)
    if cache is None:
        n = stage.unit.size
        cache = sparse.csr_matrix(
            (np.ones(n), (stage.unit, np.arange(n))), shape=(stage.n_units, n)
        )
        object.__setattr__(stage, "_unit_matrix", cache)
    return cache


def _dense(a) -> np.ndarray:
    return a.toarray() if sparse.issparse(a) else np.asarray(a)


class _Level:
    """Row → (unit, domain) cell and cell → (stratum, domain) group codes for one stage."""

    def __init__(self, stage: Stage, domain: np.ndarray, n_domains: int):
        self.stage = stage
        key = stage.unit * n_domains + domain
        cell_key, self.row_cell = np.unique(key, return_inverse=True)
        self.row_cell = self.row_cell.reshape(-1)
        self.cell_unit = cell_key // n_domains
        self.cell_domain = cell_key % n_domains
        gkey = stage.unit_stratum[self.cell_unit] * n_domains + self.cell_domain
        group_key, self.cell_group = np.unique(gkey, return_inverse=True)
        self.cell_group = self.cell_group.reshape(-1)
        self.group_stratum = group_key // n_domains
        self.group_domain = group_key % n_domains
        self.cells_per_group = np.bincount(self.cell_group, minlength=group_key.size)
        self.n_cells = cell_key.size
        self.n_groups = group_key.size


class LinearisedVariance:
    """Variance of domain estimators from row influence values, for one domain coding.

    Building it sorts the rows once; :meth:`variance` then costs a few grouped sums per call.
    """

    def __init__(self, stages, calibration, lonely_psu: str, domain: np.ndarray, n_domains: int):
        self.stages = stages
        self.calibration = tuple(calibration)
        self.lonely_psu = lonely_psu
        self.domain = domain
        self.n_domains = n_domains
        self.levels = [_Level(st, domain, n_domains) for st in stages]

    # ---------------------------------------------------------------- degrees of freedom
    def degrees_of_freedom(self, valid: np.ndarray) -> np.ndarray:
        """PSUs minus strata among the rows flagged ``valid``, per domain."""
        level = self.levels[0]
        counts = np.bincount(level.row_cell, weights=valid.astype(float), minlength=level.n_cells)
        live = counts > 0
        psus = np.bincount(level.cell_domain[live], minlength=self.n_domains)
        live_groups = np.bincount(level.cell_group[live], minlength=level.n_groups) > 0
        strata = np.bincount(level.group_domain[live_groups], minlength=self.n_domains)
        return (psus - strata).astype(np.int64)

    # ---------------------------------------------------------------- variance
    def variance(self, v: np.ndarray) -> np.ndarray:
        """Variance per domain of the estimator whose row influence values are ``v``.

        ``v`` must be zero on rows outside every domain (each row belongs to its domain code).
        """
        if self.calibration:
            return self._calibrated_variance(v)
        total = np.zeros(self.n_domains)
        for level in self.levels:
            z = np.bincount(level.row_cell, weights=v, minlength=level.n_cells)
            total += self._sparse_stage(level, z)
        return total

    def _sparse_stage(self, level: _Level, z: np.ndarray) -> np.ndarray:
        st = level.stage
        s1 = np.bincount(level.cell_group, weights=z, minlength=level.n_groups)
        n_h = st.n_sampled[level.group_stratum]
        mean = s1 / n_h
        dev = z - mean[level.cell_group]
        lonely = st.lonely[level.group_stratum]
        if st.unit_scale is None:
            ss = np.bincount(level.cell_group, weights=dev * dev, minlength=level.n_groups)
            ss += (n_h - level.cells_per_group) * mean * mean
            if lonely.any():
                ss = np.where(lonely, s1 * s1 if self.lonely_psu == "adjust" else 0.0, ss)
            contrib = st.scale[level.group_stratum] * ss
        else:  # PPS: a factor per PSU; PSUs without a row in the domain have z = 0
            s_cell = st.unit_scale[level.cell_unit]
            absent = (_stratum_scale_sums(st)[level.group_stratum]
                      - np.bincount(level.cell_group, weights=s_cell, minlength=level.n_groups))
            contrib = (np.bincount(level.cell_group, weights=s_cell * dev * dev,
                                   minlength=level.n_groups) + absent * mean * mean)
            if lonely.any():
                alt = (np.bincount(level.cell_group, weights=s_cell * z * z,
                                   minlength=level.n_groups)
                       if self.lonely_psu == "adjust" else 0.0)
                contrib = np.where(lonely, alt, contrib)
        return np.bincount(level.group_domain, weights=contrib, minlength=self.n_domains)

    # ---------------------------------------------------------------- calibrated designs
    def _calibrated_variance(self, v: np.ndarray) -> np.ndarray:
        n = v.size
        d = self.n_domains
        x0 = sparse.csr_matrix((v, (np.arange(n), self.domain)), shape=(n, d))
        gammas = self._residual_coefficients(x0)
        total = np.zeros(d)
        for level in self.levels:
            st = level.stage
            z_cells = np.bincount(level.row_cell, weights=v, minlength=level.n_cells)
            block = max(1, _DENSE_CELLS // max(st.n_units, 1))
            for start in range(0, d, block):
                stop = min(d, start + block)
                z = np.zeros((st.n_units, stop - start))
                in_block = (level.cell_domain >= start) & (level.cell_domain < stop)
                np.add.at(z, (level.cell_unit[in_block], level.cell_domain[in_block] - start),
                          z_cells[in_block])
                for step, gamma in zip(self.calibration, gammas):
                    z -= self._unit_model_sums(step, st) @ gamma[:, start:stop]
                total[start:stop] += self._dense_stage(st, z)
        return total

    def _dense_stage(self, st: Stage, z: np.ndarray) -> np.ndarray:
        sums = _stratum_sums(st)
        s1 = sums @ z
        mean = s1 / st.n_sampled[:, None]
        dev = z - mean[st.unit_stratum]
        if st.unit_scale is None:
            ss = sums @ (dev * dev)
            alt = s1 * s1
            factor = st.scale[:, None]
        else:
            ss = sums @ (st.unit_scale[:, None] * dev * dev)
            alt = sums @ (st.unit_scale[:, None] * z * z)
            factor = 1.0
        if st.lonely.any():
            ss = np.where(st.lonely[:, None], alt if self.lonely_psu == "adjust" else 0.0, ss)
        return (factor * ss).sum(axis=0)

    @staticmethod
    def _unit_model_sums(step: CalibrationStep, st: Stage) -> np.ndarray:
        key = ("unit_sums", id(st))
        if key not in step._cache:
            weighted = (
                step.model.multiply(step.psw[:, None]).tocsr()
                if sparse.issparse(step.model) else step.model * step.psw[:, None]
            )
            step._cache[key] = _dense(_unit_sums(st) @ weighted)
        return step._cache[key]

    def _residual_coefficients(self, x0: sparse.csr_matrix) -> list:
        """γ of every calibration step after applying the steps in R's order."""
        steps = self.calibration
        sequence = []
        i = 0
        while i < len(steps):
            group = steps[i].raking_group
            if group is None:
                sequence.append(i)
                i += 1
                continue
            j = i
            while j < len(steps) and steps[j].raking_group == group:
                j += 1
            sequence.extend(list(range(i, j)) * _RAKING_ROUNDS)
            i = j
        targets = [_dense(s.model.T @ x0.multiply(s.coef[:, None]).tocsr()) for s in steps]
        gammas = [np.zeros((s.n_params, self.n_domains)) for s in steps]
        used = set()
        for s in sequence:
            r = targets[s].copy()
            for t in used:
                r -= _cross(steps[s], steps[t]) @ gammas[t]
            gammas[s] += steps[s].h_inverse @ r
            used.add(s)
        return gammas


def _cross(a: CalibrationStep, b: CalibrationStep) -> np.ndarray:
    """``M_aᵀ diag(c_a ⊙ psw_b) M_b``, cached on ``a``."""
    key = ("cross", id(b))
    if key not in a._cache:
        scale = a.coef * b.psw
        mb = b.model.multiply(scale[:, None]).tocsr() if sparse.issparse(b.model) else (
            b.model * scale[:, None])
        a._cache[key] = _dense(a.model.T @ mb)
    return a._cache[key]
