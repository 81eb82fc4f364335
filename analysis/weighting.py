"""Weight diagnostics and adjustments that need no design: Kish's measures, non-response."""

from __future__ import annotations

import numpy as np

__all__ = ["kish_effective_n", "kish_deff", "nonresponse_adjust"]


def _weights(weights) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or w.size == 0:
        raise ValueError("weights must be a non-empty 1-D array.")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or not np.any(w > 0):
        raise ValueError("weights must be finite, non-negative and not all zero.")
    return w


def kish_effective_n(weights) -> float:
    """Kish's effective sample size ``(Σw)² / Σw²``.

    Parameters
    ----------
    weights : array_like (n,)
        Non-negative weights, not all zero.

    Returns
    -------
    float
        The size of a simple random sample with the same precision for a mean, counting only the
        loss from unequal weights (no clustering).

    References
    ----------
    Kish, L. (1965). *Survey Sampling*. Wiley.
    Kish, L. (1992). Weighting for unequal P_i. *Journal of Official Statistics* 8(2), 183–200.
    """
    w = _weights(weights)
    return float(w.sum() ** 2 / np.sum(w * w))


def kish_deff(weights) -> float:
    """Kish's design effect due to unequal weighting, ``n Σw² / (Σw)²``.

    Parameters
    ----------
    weights : array_like (n,)
        Non-negative weights, not all zero.

    Returns
    -------
    float
        ``1 + CV²`` of the weights: the variance inflation of a mean from weighting alone.

    References
    ----------
    Kish, L. (1992). Weighting for unequal P_i. *Journal of Official Statistics* 8(2), 183–200.
    """
    w = _weights(weights)
    return float(w.size * np.sum(w * w) / w.sum() ** 2)


def nonresponse_adjust(base_weights, responded, cells) -> np.ndarray:
    """Weighting-class non-response adjustment from the outcomes of the invitations.

    Within each cell the respondents' base weights are multiplied by
    ``Σ base weight of everyone invited / Σ base weight of the respondents``, so that the
    respondents carry the weight of the whole invited sample of their cell.

    Parameters
    ----------
    base_weights : (n,) base (design) weights of every invited unit
    responded : (n,) bool, True when the invitation produced a response
    cells : (n,) weighting-class labels (e.g. unit × respondent group)

    Returns
    -------
    ndarray (n,)
        Adjusted weights: respondents' weights, 0 for non-respondents (keep
        ``weights[responded]`` for the design of the respondents).

    Raises
    ------
    ValueError
        When a cell has invitations but no response (merge it with a similar cell).

    References
    ----------
    Kalton, G. and Flores-Cervantes, I. (2003). Weighting methods. *Journal of Official
    Statistics* 19(2), 81–97.
    Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley.
    """
    w = _weights(base_weights)
    n = w.size
    r = np.asarray(responded)
    if r.shape != (n,) or r.dtype != bool:
        raise ValueError(f"responded must be a boolean array of length {n}.")
    c = np.asarray(cells)
    if c.shape != (n,):
        raise ValueError(f"cells must have one label per invitation ({n}).")
    try:
        labels, codes = np.unique(c, return_inverse=True)
    except TypeError:
        raise ValueError("cells must not mix label types or contain None.") from None
    codes = codes.reshape(-1)
    invited = np.bincount(codes, weights=w, minlength=labels.size)
    answered = np.bincount(codes, weights=w * r, minlength=labels.size)
    empty = (answered == 0) & (invited > 0)
    if empty.any():
        bad = [lab.item() if hasattr(lab, "item") else lab for lab in labels[empty]]
        raise ValueError(
            f"Weighting cell(s) {bad!r} have invitations but no response; merge them with a "
            f"similar cell (Ô điều chỉnh {bad!r} không có phiếu trả lời; hãy gộp với ô tương tự)."
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(answered > 0, invited / answered, 0.0)
    return np.where(r, w * factor[codes], 0.0)
