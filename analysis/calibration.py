"""Weight calibration: post-stratification, raking and GREG calibration as R ``survey`` does it.

Each function returns the new weights and the :class:`~analysis.variance.CalibrationStep`
records the variance needs (standard errors from residuals, not from the weights alone).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from analysis.variance import CalibrationStep

__all__ = ["poststratify_weights", "rake_weights", "calibrate_weights", "trim_weights"]


def _labels_and_codes(groups, n: int, what: str):
    arr = np.asarray(groups)
    if arr.ndim != 1 or arr.size != n:
        raise ValueError(f"{what} must be a 1-D array with one entry per row ({n}).")
    if arr.dtype == object:
        try:
            labels, codes = np.unique(arr, return_inverse=True)
        except TypeError:
            raise ValueError(f"{what} must not mix label types or contain None.") from None
    else:
        labels, codes = np.unique(arr, return_inverse=True)
    return [lab.item() if hasattr(lab, "item") else lab for lab in labels], codes.reshape(-1)


def _indicator(codes: np.ndarray, k: int) -> sparse.csr_matrix:
    n = codes.size
    return sparse.csr_matrix((np.ones(n), (np.arange(n), codes)), shape=(n, k))


def _population_vector(labels, totals: dict, what: str) -> np.ndarray:
    if not isinstance(totals, dict):
        raise ValueError(f"{what}: population totals must be a dict {{label: count}}.")
    missing = [lab for lab in labels if lab not in totals]
    if missing:
        raise ValueError(
            f"{what}: no population total for sample group(s) {missing!r} "
            f"(Thiếu tổng thể cho nhóm {missing!r})."
        )
    absent = [lab for lab, t in totals.items() if lab not in labels and t != 0]
    if absent:
        raise ValueError(
            f"{what}: population group(s) {absent!r} have no respondents; merge them with a "
            f"neighbouring group (Nhóm {absent!r} không có người trả lời; hãy gộp nhóm)."
        )
    pop = np.array([float(totals[lab]) for lab in labels])
    if np.any(~np.isfinite(pop)) or np.any(pop <= 0):
        raise ValueError(f"{what}: population totals must be positive numbers.")
    return pop


def poststratify_weights(weights: np.ndarray, groups, totals: dict):
    """Post-stratify ``weights`` to population counts ``totals`` of ``groups``.

    Returns
    -------
    new_weights : ndarray
    step : CalibrationStep
        R's ``postStratify`` variance record (residuals from post-stratum means).
    """
    labels, codes = _labels_and_codes(groups, weights.size, "groups")
    pop = _population_vector(labels, totals, "poststratify")
    k = len(labels)
    sample = np.bincount(codes, weights=weights, minlength=k)
    new = _scaled(weights, pop, sample, codes)
    step = CalibrationStep(_indicator(codes, k), new, _ratio(weights, new),
                           np.diag(_ratio(np.ones(k), sample)))
    return new, step


def _scaled(weights, pop, sample, codes):
    """``weights · pop/sample`` per group; rows of zero weight (a replicate's dropped PSUs) stay
    0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = pop / sample
    return np.where(weights > 0, weights * np.nan_to_num(factor[codes], posinf=0.0), 0.0)


def _ratio(a, b):
    """``a / b`` with 0 where ``b`` is 0 (R sets such post-stratum weights aside)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b != 0, a / np.where(b != 0, b, 1.0), 0.0)


def rake_weights(weights: np.ndarray, margins: dict, tol: float, maxit: int, group_id: int):
    """Rake ``weights`` to the margins by iterative post-stratification (R's ``rake``).

    ``margins`` maps a name to ``(groups, {label: population count})``. Convergence: the
    largest change of a cell of the cross-table of all margins is below ``tol · Σw`` when
    ``tol < 1`` (else below ``tol``), as R's ``control$epsilon``.
    """
    if not isinstance(margins, dict) or not margins:
        raise ValueError("margins must be a non-empty dict {name: (groups, {label: count})}.")
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError("tol must be a positive number.")
    if int(maxit) < 1:
        raise ValueError("maxit must be at least 1.")
    prepared = []
    for name, spec in margins.items():
        if not (isinstance(spec, tuple) and len(spec) == 2):
            raise ValueError(f"margin {name!r} must be a pair (groups, {{label: count}}).")
        labels, codes = _labels_and_codes(spec[0], weights.size, f"margin {name!r}")
        prepared.append((codes, len(labels), _population_vector(labels, spec[1], str(name))))
    cross_key = np.zeros(weights.size, dtype=np.int64)
    for codes, k, _ in prepared:
        cross_key = cross_key * k + codes
    cross = np.unique(cross_key, return_inverse=True)[1].reshape(-1)
    epsilon = tol * weights.sum() if tol < 1 else tol
    w = weights.copy()
    old_table = np.bincount(cross, weights=w)
    converged = False
    margin_weights = []
    for _ in range(int(maxit)):
        margin_weights = []
        for codes, k, pop in prepared:
            sample = np.bincount(codes, weights=w, minlength=k)
            w = _scaled(w, pop, sample, codes)
            margin_weights.append(w)
        new_table = np.bincount(cross, weights=w)
        if np.max(np.abs(old_table - new_table)) < epsilon:
            converged = True
            break
        old_table = new_table
    if not converged:
        raise ValueError(
            f"Raking did not converge in {maxit} iterations; check that the margins agree "
            "(Phép cân chỉnh biên không hội tụ)."
        )
    steps = []
    for (codes, k, _), psw in zip(prepared, margin_weights):
        counts = np.bincount(codes, minlength=k).astype(float)
        steps.append(CalibrationStep(_indicator(codes, k), psw, _ratio(1.0, psw),
                                     np.diag(1.0 / counts),
                                     raking_group=group_id))
    return w, steps


def _calfun(calfun: str, lower: float, upper: float):
    if calfun == "linear":
        def fm1(u):
            return np.minimum(np.maximum(u + 1, lower), upper) - 1

        def df(u):
            return ((u < upper - 1) & (u > lower - 1)).astype(float)
    elif calfun == "raking":
        def fm1(u):
            return np.minimum(np.maximum(np.exp(u), lower), upper) - 1

        def df(u):
            return np.where((u < upper - 1) & (u > lower - 1), np.exp(u), 0.0)
    else:
        raise ValueError(f"calfun must be 'linear' or 'raking', got {calfun!r}.")
    return fm1, df


def calibrate_weights(weights, X, population_totals, calfun="linear", bounds=None,
                      maxit=50, epsilon=1e-7):
    """GREG calibration of ``weights`` so that ``Σ w_new X = population_totals`` (R's
    ``calibrate``).

    Parameters
    ----------
    X : (n, p) model matrix (include a column of ones for the population size)
    population_totals : (p,) totals of the columns of ``X``
    calfun : ``"linear"`` (GREG) or ``"raking"`` (exponential distance)
    bounds : ``(lower, upper)`` on the g-weights ``w_new / w``, or None
    maxit, epsilon : Newton iterations and relative misfit, as R's ``grake``

    Returns
    -------
    new_weights : ndarray
    step : CalibrationStep
    """
    n = weights.size
    mm = np.asarray(X, dtype=float)
    if mm.ndim == 1:
        mm = mm[:, None]
    if mm.ndim != 2 or mm.shape[0] != n:
        raise ValueError(f"X must be an (n, p) matrix with n = {n} rows.")
    if not np.all(np.isfinite(mm)):
        raise ValueError("X must not contain missing values.")
    pop = np.asarray(population_totals, dtype=float).reshape(-1)
    if pop.size != mm.shape[1]:
        raise ValueError(
            f"population_totals has {pop.size} entries but X has {mm.shape[1]} columns."
        )
    lower, upper = (-np.inf, np.inf) if bounds is None else map(float, bounds)
    if not lower < upper:
        raise ValueError("bounds must be (lower, upper) with lower < upper.")
    sample_total = mm.T @ weights
    if np.any(sample_total == 0):
        keep = ~((pop == 0) & np.all(mm == 0, axis=0))
        mm, pop, sample_total = mm[:, keep], pop[keep], sample_total[keep]
    whalf = np.sqrt(weights)
    if calfun == "linear" and np.isinf(lower) and np.isinf(upper):
        t_mat = (mm * whalf[:, None]).T @ (mm * whalf[:, None])
        g = 1.0 + mm @ np.linalg.solve(t_mat, pop - sample_total)
    else:
        g = _grake(mm, weights, calfun, lower, upper, pop, maxit, epsilon)
    new = weights * g
    h = (mm * weights[:, None]).T @ mm
    step = CalibrationStep(mm, new, 1.0 / g, np.linalg.pinv(h))
    return new, step


def _grake(mm, ww, calfun, lower, upper, pop, maxit, epsilon):
    fm1, dfun = _calfun(calfun, lower, upper)
    sample_total = mm.T @ ww
    eta = np.zeros(mm.shape[1])
    scales = pop / sample_total
    scale = None
    if np.min(scales) > 20:
        scale = float(np.mean(scales))
        ww = ww * scale
        sample_total = sample_total * scale
    xeta = mm @ eta
    g = 1 + fm1(xeta)
    deriv = dfun(xeta)
    iteration = 1
    while True:
        t_mat = (mm * (ww * deriv)[:, None]).T @ mm
        misfit = pop - sample_total - mm.T @ (ww * fm1(xeta))
        deta = np.linalg.pinv(t_mat, rcond=256 * np.finfo(float).eps) @ misfit
        eta = eta + deta
        xeta = mm @ eta
        with np.errstate(over="ignore"):
            g = 1 + fm1(xeta)
            deriv = dfun(xeta)
        while iteration < maxit and not (np.all(np.isfinite(g)) and np.all(np.isfinite(deriv))):
            iteration += 1
            deta = deta / 2
            eta = eta - deta
            xeta = mm @ eta
            with np.errstate(over="ignore"):
                g = 1 + fm1(xeta)
                deriv = dfun(xeta)
        misfit = pop - sample_total - mm.T @ (ww * fm1(xeta))
        if np.all(np.abs(misfit) / (1 + np.abs(pop)) < epsilon):
            break
        iteration += 1
        if iteration > maxit:
            achieved = float(np.max(np.abs(misfit) / (1 + np.abs(pop))))
            raise ValueError(
                f"Calibration failed to converge (relative misfit {achieved:.3g} after "
                f"{maxit} iterations); widen the bounds or check the totals "
                "(Hiệu chỉnh trọng số không hội tụ)."
            )
    if scale is not None:
        g = g * scale
    return g


def trim_weights(weights: np.ndarray, upper=np.inf, lower=-np.inf, strict=False) -> np.ndarray:
    """Trim weights to ``[lower, upper]`` and share the trimmed amount equally among the rest.

    As R's ``trimWeights``: the amount cut (or added) is spread additively over the weights
    that were inside the bounds, so the total is kept. ``strict=True`` repeats until no weight
    lies outside (the redistribution can push weights over a bound).
    """
    upper, lower = float(upper), float(lower)
    if not lower < upper:
        raise ValueError("trim needs lower < upper.")
    pw = weights.copy()
    if strict and not lower <= pw.mean() <= upper:
        raise ValueError(
            f"The mean weight {pw.mean():.6g} lies outside [{lower}, {upper}]: no trimming "
            "can keep the total within these bounds."
        )
    for _ in range(1000):
        outside = (pw < lower) | (pw > upper)
        if not outside.any():
            return pw
        if outside.all():
            raise ValueError("Every weight lies outside the trimming bounds.")
        new = np.clip(pw, lower, upper)
        new[~outside] += (pw - new).sum() / np.count_nonzero(~outside)
        pw = new
        if not strict:
            return pw
    raise ValueError("Strict trimming did not settle in 1000 rounds.")
