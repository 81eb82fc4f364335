"""The survey design and its estimators: totals, means, proportions, ratios, quantiles.

A :class:`SurveyDesign` holds weights, strata, PSUs (one column per sampling stage) and finite
population corrections, plus any calibration applied to the weights or replicate weights.
Estimators follow R's ``survey`` package 4.1 (``svytotal``, ``svymean``, ``svyratio``,
``svyciprop(method="logit")``, ``svyquantile``, ``svyby``); see ``analysis/README.md``.
"""

from __future__ import annotations

import numpy as np

from analysis import calibration as cal
from analysis.estimate import DomainTable, Estimate
from analysis.intervals import check_level, critical_value, logit_interval
from analysis.quantile import quantile_math
from analysis.replicate import ReplicateVariance, ReplicateWeights, make_replicates, user_replicates
from analysis.variance import LONELY_PSU, LinearisedVariance, build_pps_stage, build_stages

__all__ = ["SurveyDesign"]

_DEFF = ("wor", "replace")


def _as_vector(values, n: int, what: str, *, numeric=True) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.size != n:
        raise ValueError(f"{what} must be a 1-D array of length {n}, got shape {arr.shape}.")
    if numeric:
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            raise ValueError(f"{what} must be numeric.") from None
    return arr


def _label_codes(values, n: int, what: str):
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.size != n:
        raise ValueError(f"{what} must be a 1-D array of length {n}, got shape {arr.shape}.")
    try:
        labels, codes = np.unique(arr, return_inverse=True)
    except TypeError:
        raise ValueError(f"{what} must not mix label types or contain None.") from None
    if labels.dtype.kind == "f" and np.isnan(labels).any():
        raise ValueError(f"{what} must not contain missing values (NaN).")
    return tuple(lab.item() if hasattr(lab, "item") else lab for lab in labels), \
        codes.reshape(-1).astype(np.int64)


class SurveyDesign:
    """A complex survey design: weights, strata, clusters, fpc, calibration.

    Parameters
    ----------
    weights : array (n,) or None
        Sampling weights, positive. ``None`` derives them from ``fpc`` (``1/Π n_k/N_k``) or,
        without ``fpc``, uses 1.
    strata : array (n,), optional
        First-stage strata labels.
    psu : array (n,) or (n, k) or list of k arrays, optional
        Cluster ids of each sampling stage (first column: PSUs). ``None``: each row is a PSU.
        Ids are nested in strata and in the previous stage (R's ``nest=TRUE``).
    fpc : array (n,) or (n, k) or list, optional
        Per stage, the population number of units in the row's stratum (or the sampling
        fraction when every value is <= 1), as R. Variance is computed for the stages that
        have an fpc column (all stages with replacement at stage 1 when ``fpc`` is None).
    lonely_psu : {"error", "certainty", "adjust", "remove"}
        Strata with a single sampled PSU: refuse, contribute nothing (``certainty``, ``remove``;
        these give the same variance in R 4.1), or centre at the population mean (``adjust``).
    pps : None or "brewer"
        Unequal-probability (PPS) sampling of PSUs without replacement: ``fpc`` then holds each
        row's PSU inclusion probability and the variance uses Brewer's approximation, as R's
        ``svydesign(..., pps="brewer")``.

    Notes
    -----
    Missing values of the analysis variable (NaN) drop the row from that estimate only; the
    row stays in the design as an out-of-domain row (R's ``na.rm=TRUE``).
    """

    def __init__(self, weights, strata=None, psu=None, fpc=None, lonely_psu="error",
                 pps=None):
        if pps not in (None, "brewer"):
            raise ValueError(f"pps must be None or 'brewer', got {pps!r}.")
        if lonely_psu not in LONELY_PSU:
            raise ValueError(f"lonely_psu must be one of {LONELY_PSU}, got {lonely_psu!r}.")
        ids = self._stage_columns(psu, "psu")
        fpcs = None if fpc is None else self._stage_columns(fpc, "fpc")
        lengths = {c.size for c in ids + (fpcs or [])}
        if weights is not None:
            lengths.add(np.asarray(weights).size)
        if strata is not None:
            lengths.add(np.asarray(strata).size)
        if not lengths:
            raise ValueError("Give weights, or psu/fpc from which the design size follows.")
        if len(lengths) != 1:
            raise ValueError("weights, strata, psu and fpc must all have one entry per row.")
        n = lengths.pop()
        if n < 2:
            raise ValueError("A design needs at least two rows.")
        strata_codes = (np.zeros(n, dtype=np.int64) if strata is None
                        else _label_codes(strata, n, "strata")[1])
        if fpcs is not None and len(fpcs) > max(len(ids), 1):
            raise ValueError("fpc has more stages than psu.")
        if fpcs is not None:
            fpcs = [_as_vector(f, n, "fpc") for f in fpcs]
        if pps is None:
            stages, fpc_weights = build_stages(strata_codes, ids, fpcs, lonely_psu)
        else:
            if fpcs is None or len(fpcs) != 1:
                raise ValueError("A PPS design needs fpc: each row's PSU inclusion probability.")
            stages = [build_pps_stage(strata_codes, ids, fpcs[0], lonely_psu)]
            fpc_weights = 1.0 / fpcs[0]
        if weights is None:
            w = fpc_weights if fpc_weights is not None else np.ones(n)
        else:
            w = _as_vector(weights, n, "weights")
            if not np.all(np.isfinite(w)) or np.any(w <= 0):
                raise ValueError("weights must be positive and finite (trọng số phải dương).")
        self._n = n
        self._weights = w
        self._strata = strata_codes
        self._stages = stages
        self._lonely_psu = lonely_psu
        self._calibration: tuple = ()
        self._replicates: ReplicateWeights | None = None
        self._has_fpc = fpc is not None

    @staticmethod
    def _stage_columns(values, what: str) -> list:
        if values is None:
            return []
        if isinstance(values, (list, tuple)) and values and np.ndim(values[0]) == 1:
            return [np.asarray(v) for v in values]
        arr = np.asarray(values)
        if arr.ndim == 1:
            return [arr]
        if arr.ndim == 2:
            return [arr[:, k] for k in range(arr.shape[1])]
        raise ValueError(f"{what} must be 1-D, 2-D (one column per stage) or a list of arrays.")

    # ------------------------------------------------------------------ properties
    @property
    def weights(self) -> np.ndarray:
        """The analysis weights (a copy)."""
        return self._weights.copy()

    @property
    def n(self) -> int:
        """Number of rows."""
        return self._n

    @property
    def df(self) -> int:
        """Design degrees of freedom (PSUs − strata, or replicate rank − 1)."""
        if self._replicates is not None:
            return self._replicates.df
        st = self._stages[0]
        return int(st.n_units - st.n_strata)

    @property
    def is_calibrated(self) -> bool:
        return bool(self._calibration)

    @property
    def replicate_kind(self) -> str | None:
        return None if self._replicates is None else self._replicates.kind

    def _taylor_stages(self):
        """``(stages, lonely_psu)`` when variances are plain Taylor linearisation over the
        sampling stages (no calibration, no replicate weights), else None; SIPAS indices then
        work on cell sums (:mod:`analysis.sipas_cells`)."""
        if self._replicates is not None or self._calibration:
            return None
        return self._stages, self._lonely_psu

    def _derive(self, weights=None, calibration=None, replicates=None) -> "SurveyDesign":
        new = object.__new__(SurveyDesign)
        new.__dict__.update(self.__dict__)
        if weights is not None:
            new._weights = weights
        if calibration is not None:
            new._calibration = calibration
        if replicates is not None:
            new._replicates = replicates
        return new

    # ------------------------------------------------------------------ weighting
    def poststratify(self, groups, totals: dict) -> "SurveyDesign":
        """Post-stratify to population counts of ``groups`` (R's ``postStratify``).

        Parameters
        ----------
        groups : array_like (n,)
            Post-stratum of each row.
        totals : dict
            ``{label: population count}`` for every post-stratum present.

        Returns
        -------
        SurveyDesign
            A new design; its variances use the post-strata residuals.

        References
        ----------
        Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 7.
        R package ``survey``: ``?postStratify``.
        """
        if self._replicates is not None:
            return self._recalibrate(lambda w: cal.poststratify_weights(w, groups, totals))
        new, step = cal.poststratify_weights(self._weights, groups, totals)
        return self._derive(weights=new, calibration=self._calibration + (step,))

    def rake(self, margins: dict, tol: float = 1e-10, maxit: int = 100) -> "SurveyDesign":
        """Rake to several margins (iterative proportional fitting, R's ``rake``).

        Parameters
        ----------
        margins : dict
            ``{name: (groups, {label: population count})}``, one entry per margin.
        tol : float
            Convergence when no cell of the margins' cross-table moves by more than ``tol · Σw``.
        maxit : int
            Most rounds of fitting.

        Returns
        -------
        SurveyDesign
            A new design; its variances use the raking residuals.

        References
        ----------
        Deming, W. E. and Stephan, F. F. (1940). On a least squares adjustment of a sampled
        frequency table when the expected marginal totals are known. *Ann. Math. Statist.* 11.
        Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 7.
        R package ``survey``: ``?rake``.
        """
        group = len(self._calibration)
        if self._replicates is not None:
            return self._recalibrate(
                lambda w: cal.rake_weights(w, margins, tol, maxit, group)[:1] + (None,))
        new, steps = cal.rake_weights(self._weights, margins, tol, maxit, group)
        return self._derive(weights=new, calibration=self._calibration + tuple(steps))

    def calibrate(self, X, population_totals, calfun: str = "linear", bounds=None,
                  maxit: int = 50, epsilon: float = 1e-7) -> "SurveyDesign":
        """Calibrate to population totals of the columns of ``X`` (R's ``calibrate``).

        Parameters
        ----------
        X : array_like (n, p)
            The model matrix (add a column of ones for the population size).
        population_totals : array_like (p,)
            Population totals of the columns of ``X``.
        calfun : {"linear", "raking"}
            Distance function (GREG or raking ratio).
        bounds : (float, float), optional
            Bounds of the g-weights (new weight ÷ old weight).
        maxit, epsilon
            Iterations and tolerance of the Newton steps.

        Returns
        -------
        SurveyDesign
            A new design; its variances use the regression residuals.

        References
        ----------
        Deville, J.-C. and Särndal, C.-E. (1992). Calibration estimators in survey sampling.
        *JASA* 87, 376–382.
        Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 7.
        R package ``survey``: ``?calibrate``.
        """
        def run(w):
            return cal.calibrate_weights(w, X, population_totals, calfun, bounds, maxit, epsilon)
        if self._replicates is not None:
            return self._recalibrate(run)
        new, step = run(self._weights)
        return self._derive(weights=new, calibration=self._calibration + (step,))

    def trim(self, upper=np.inf, lower=-np.inf, strict: bool = False) -> "SurveyDesign":
        """Trim weights to ``[lower, upper]``, sharing the excess (R's ``trimWeights``).

        Parameters
        ----------
        upper, lower : float
            Bounds of the weights.
        strict : bool
            Repeat until no weight lies outside the bounds after the excess is shared.

        Returns
        -------
        SurveyDesign
            A new design; the calibration records are kept, as R keeps them, so SEs still
            use the residuals.

        References
        ----------
        R package ``survey``: ``?trimWeights``.
        """
        new = cal.trim_weights(self._weights, upper, lower, strict)
        if self._replicates is not None:
            reps = self._replicates
            full = self._weights[:, None] * reps.multipliers[reps.unit]
            trimmed = np.column_stack([
                cal.trim_weights(full[:, r], upper, lower, strict) for r in range(full.shape[1])
            ])
            return self._derive(weights=new, replicates=user_replicates(
                new, trimmed, reps.scale, reps.rscales, reps.mse))
        return self._derive(weights=new)

    def _recalibrate(self, run) -> "SurveyDesign":
        """Calibrate the full-sample weights and every replicate's weights (as R does)."""
        reps = self._replicates
        full = self._weights[:, None] * reps.multipliers[reps.unit]
        new = run(self._weights)[0]
        columns = [run(full[:, r])[0] for r in range(full.shape[1])]
        return self._derive(weights=new, replicates=ReplicateWeights(
            reps.kind, np.column_stack(columns) / new[:, None], np.arange(self._n),
            reps.scale, reps.rscales, reps.mse))

    # ------------------------------------------------------------------ replicates
    def replicate(self, kind: str = "JKn", mse: bool = False, replicates: int = 200,
                  seed=None) -> "SurveyDesign":
        """A design whose estimators use replicate variance (R's ``as.svrepdesign``).

        Parameters
        ----------
        kind : {"JK1", "JKn", "BRR", "bootstrap"}
            Unstratified or stratified jackknife, balanced repeated replication (two PSUs per
            stratum; Sylvester Hadamard matrices), or the Rao–Wu rescaling bootstrap as R's
            ``bootweights``. First-stage fpc is used by the jackknives; later stages are
            ignored, as in R.
        mse : bool
            Centre the replicates at the full-sample estimate instead of their mean.
        replicates : int
            Number of bootstrap replicates.
        seed : int, optional
            Seed of the bootstrap draws.

        Returns
        -------
        SurveyDesign
            A new design; calibrate after this call so that each replicate is recalibrated.

        References
        ----------
        Wolter, K. M. (2007). *Introduction to Variance Estimation*, 2nd ed. Springer.
        Rao, J. N. K. and Wu, C. F. J. (1988). Resampling inference with complex survey data.
        *JASA* 83, 231–241.
        Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 2.
        R package ``survey``: ``?as.svrepdesign``, ``?bootweights``.
        """
        if self._replicates is not None:
            raise ValueError("This design already uses replicate weights.")
        if self._stages[0].unit_scale is not None:
            raise ValueError("Replicate weights are not available for PPS designs here.")
        if self._calibration:
            raise ValueError(
                "Build replicate weights before calibrating, so that every replicate is "
                "calibrated in turn."
            )
        reps = make_replicates(self._stages[0], kind, self._lonely_psu, bool(mse), replicates,
                               seed)
        return self._derive(replicates=reps)

    @classmethod
    def with_replicate_weights(cls, weights, replicate_weights, scale: float, rscales=None,
                               mse: bool = False) -> "SurveyDesign":
        """A design given by replicate weights (R's ``svrepdesign(combined.weights=TRUE)``).

        Parameters
        ----------
        weights : array_like (n,)
            Full-sample weights.
        replicate_weights : array_like (n, R)
            Replicate analysis weights.
        scale : float
            Overall multiplier of the variance.
        rscales : array_like (R,), optional
            Per-replicate multipliers (default 1).
        mse : bool
            Centre at the full-sample estimate instead of the replicates' mean.

        Returns
        -------
        SurveyDesign
            Its variance is ``scale · Σ_r rscales_r (θ_r − θ̄)²``.

        References
        ----------
        R package ``survey``: ``?svrepdesign``.
        """
        design = cls(weights)
        reps = user_replicates(design._weights, replicate_weights, scale, rscales, mse)
        return design._derive(replicates=reps)

    # ------------------------------------------------------------------ estimators
    def total(self, y, by=None, level: float = 0.95, deff: str = "wor"):
        """Estimated population total of ``y`` (R's ``svytotal``).

        Parameters
        ----------
        y : array_like (n,)
            The variable; NaN rows are left out of this estimate only (R's ``na.rm=TRUE``).
        by : array_like (n,), optional
            Domain label of each row; the estimate is then given per domain, over the full
            design (R's ``svyby``).
        level : float
            Confidence level of the interval (:mod:`analysis.intervals`: t on the design df).
        deff : {"wor", "replace"}
            Design effect against simple random sampling without (R's ``deff=TRUE``) or with
            replacement.

        Returns
        -------
        Estimate or dict
            An :class:`~analysis.estimate.Estimate` (value, se, ci_low, ci_high, df, deff, n);
            with ``by``, ``{label: Estimate}``.

        References
        ----------
        Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 2.
        R package ``survey``: ``?svytotal``, ``?svyby``, ``?degf``.
        Kish, L. (1965). *Survey Sampling*. Wiley (design effect).
        """
        return self._single("total", y, None, by, level, deff)

    def mean(self, y, by=None, level: float = 0.95, deff: str = "wor"):
        """Estimated population mean of ``y`` (R's ``svymean``), a ratio to the weight total.

        Parameters
        ----------
        y : array_like (n,)
            The variable; NaN rows are left out of this estimate only (R's ``na.rm=TRUE``).
        by : array_like (n,), optional
            Domain label of each row; the estimate is then given per domain, over the full
            design (R's ``svyby``).
        level : float
            Confidence level of the interval (:mod:`analysis.intervals`: t on the design df).
        deff : {"wor", "replace"}
            Design effect against simple random sampling without (R's ``deff=TRUE``) or with
            replacement.

        Returns
        -------
        Estimate or dict
            An :class:`~analysis.estimate.Estimate` (value, se, ci_low, ci_high, df, deff, n);
            with ``by``, ``{label: Estimate}``.

        References
        ----------
        Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 2 and 3.
        R package ``survey``: ``?svymean``, ``?svyby``, ``?confint.svystat``.
        Kish, L. (1965). *Survey Sampling*. Wiley (design effect).
        """
        return self._single("mean", y, None, by, level, deff)

    def proportion(self, y, by=None, level: float = 0.95, deff: str = "wor"):
        """Proportion of a 0/1 (or boolean) variable with the logit interval of ``svyciprop``.

        Parameters
        ----------
        y : array_like (n,)
            0/1 or boolean values, NaN for missing.
        by : array_like (n,), optional
            Domain label of each row; the estimate is then given per domain, over the full
            design (R's ``svyby``).
        level : float
            Confidence level of the interval (:mod:`analysis.intervals`: t on the design df).
        deff : {"wor", "replace"}
            Design effect against simple random sampling without (R's ``deff=TRUE``) or with
            replacement.

        Returns
        -------
        Estimate or dict
            An :class:`~analysis.estimate.Estimate` (value, se, ci_low, ci_high, df, deff, n);
            with ``by``, ``{label: Estimate}``.
            The interval is ``expit(logit p ± t(df)·SE / (p(1 − p)))``.

        References
        ----------
        Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 2.
        R package ``survey``: ``?svyciprop`` (``method="logit"``, ``df=degf(design)``).
        """
        return self._single("proportion", y, None, by, level, deff)

    def ratio(self, y, x, by=None, level: float = 0.95, deff: str = "wor"):
        """Ratio of totals ``Σwy / Σwx`` (R's ``svyratio``), linearised.

        Parameters
        ----------
        y, x : array_like (n,)
            Numerator and denominator variables; a row missing either is left out.
        by : array_like (n,), optional
            Domain label of each row; the estimate is then given per domain, over the full
            design (R's ``svyby``).
        level : float
            Confidence level of the interval (:mod:`analysis.intervals`: t on the design df).
        deff : {"wor", "replace"}
            Design effect against simple random sampling without (R's ``deff=TRUE``) or with
            replacement.

        Returns
        -------
        Estimate or dict
            An :class:`~analysis.estimate.Estimate` (value, se, ci_low, ci_high, df, deff, n);
            with ``by``, ``{label: Estimate}``.

        References
        ----------
        Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 5.
        R package ``survey``: ``?svyratio``.
        """
        return self._single("ratio", y, x, by, level, deff)

    def totals(self, Y, by=None, level: float = 0.95, deff: str = "wor") -> DomainTable:
        """Totals of every column of ``Y`` in every domain of ``by``, one pass per column.

        Parameters
        ----------
        Y : array_like (n, k)
            One column per variable, NaN for missing.
        by : array_like (n,), optional
            Domain label of each row; the estimate is then given per domain, over the full
            design (R's ``svyby``).
        level : float
            Confidence level of the interval (:mod:`analysis.intervals`: t on the design df).
        deff : {"wor", "replace"}
            Design effect against simple random sampling without (R's ``deff=TRUE``) or with
            replacement.

        Returns
        -------
        DomainTable
            Arrays of shape (domains, k): value, se, ci_low, ci_high, df, deff, n.

        References
        ----------
        Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 2.
        R package ``survey``: ``?svyby``, ``?svytotal``.
        """
        return self._table("total", Y, None, by, level, deff)

    def means(self, Y, by=None, level: float = 0.95, deff: str = "wor") -> DomainTable:
        """Means of every column of ``Y`` in every domain of ``by``, one pass per column.

        Parameters
        ----------
        Y : array_like (n, k)
            One column per variable, NaN for missing.
        by : array_like (n,), optional
            Domain label of each row; the estimate is then given per domain, over the full
            design (R's ``svyby``).
        level : float
            Confidence level of the interval (:mod:`analysis.intervals`: t on the design df).
        deff : {"wor", "replace"}
            Design effect against simple random sampling without (R's ``deff=TRUE``) or with
            replacement.

        Returns
        -------
        DomainTable
            Arrays of shape (domains, k): value, se, ci_low, ci_high, df, deff, n.

        References
        ----------
        Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 2.
        R package ``survey``: ``?svyby``, ``?svymean``.
        """
        return self._table("mean", Y, None, by, level, deff)

    def proportions(self, Y, by=None, level: float = 0.95, deff: str = "wor") -> DomainTable:
        """Proportions (logit intervals) of every 0/1 column of ``Y`` in every domain.

        Parameters
        ----------
        Y : array_like (n, k)
            One column per variable, NaN for missing.
        by : array_like (n,), optional
            Domain label of each row; the estimate is then given per domain, over the full
            design (R's ``svyby``).
        level : float
            Confidence level of the interval (:mod:`analysis.intervals`: t on the design df).
        deff : {"wor", "replace"}
            Design effect against simple random sampling without (R's ``deff=TRUE``) or with
            replacement.

        Returns
        -------
        DomainTable
            Arrays of shape (domains, k): value, se, ci_low, ci_high, df, deff, n.

        References
        ----------
        Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 2.
        R package ``survey``: ``?svyby``, ``?svyciprop``.
        """
        return self._table("proportion", Y, None, by, level, deff)

    def _single(self, kind, y, x, by, level, deff):
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError("y must be 1-D here; use means()/totals()/proportions() for 2-D.")
        table = self._table(kind, y[:, None], None if x is None else np.asarray(x)[:, None],
                            by, level, deff)
        if by is None:
            return table.estimate(table.labels[0], 0)
        return table.column(0)

    # ------------------------------------------------------------------ engine
    def _prepare(self, Y, what="y"):
        arr = np.asarray(Y)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2 or arr.shape[0] != self._n:
            raise ValueError(f"{what} must have {self._n} rows, got shape {np.shape(Y)}.")
        if arr.dtype == bool:
            arr = arr.astype(float)
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            raise ValueError(f"{what} must be numeric (NaN for missing).") from None
        if np.any(np.isinf(arr)):
            raise ValueError(f"{what} must not contain infinite values.")
        return arr

    def _domains(self, by):
        if by is None:
            return (None,), np.zeros(self._n, dtype=np.int64)
        return _label_codes(by, self._n, "by")

    def _engine(self, domain, n_domains):
        if self._replicates is not None:
            return ReplicateVariance(self._replicates, domain, n_domains)
        return LinearisedVariance(self._stages, self._calibration, self._lonely_psu, domain,
                                  n_domains)

    def _table(self, kind, Y, X, by, level, deff) -> DomainTable:
        level = check_level(level)
        if deff not in _DEFF:
            raise ValueError(f"deff must be one of {_DEFF}, got {deff!r}.")
        Y = self._prepare(Y)
        if kind == "proportion":
            ok = np.isnan(Y) | (Y == 0) | (Y == 1)
            if not ok.all():
                raise ValueError("proportion() needs 0/1 or boolean values (NaN for missing).")
        if X is not None:
            X = self._prepare(X, "x")
            if X.shape != Y.shape:
                raise ValueError("x must have the same shape as y.")
        labels, domain = self._domains(by)
        d = len(labels)
        engine = self._engine(domain, d)
        k = Y.shape[1]
        out = {name: np.empty((d, k)) for name in ("value", "se", "df", "deff", "n")}
        w = self._weights
        columns = np.ascontiguousarray(Y.T)  # row-contiguous columns: faster passes
        x_columns = None if X is None else np.ascontiguousarray(X.T)
        full_df = None
        for j in range(k):
            yj = columns[j]
            valid = ~np.isnan(yj)
            if x_columns is not None:
                valid &= ~np.isnan(x_columns[j])
            all_valid = bool(valid.all())
            y0 = yj if all_valid else np.where(valid, yj, 0.0)
            wv = w if all_valid else w * valid
            n_d = np.bincount(domain, weights=valid, minlength=d)
            big_n = np.bincount(domain, weights=wv, minlength=d)
            t_y = np.bincount(domain, weights=wv * y0, minlength=d)
            with np.errstate(invalid="ignore", divide="ignore"):
                if kind == "total":
                    est = t_y
                    u = y0
                    lin = wv * y0
                elif kind == "ratio":
                    x0 = np.where(valid, x_columns[j], 0.0)
                    t_x = np.bincount(domain, weights=wv * x0, minlength=d)
                    est = t_y / t_x
                    u = np.nan_to_num((y0 - np.nan_to_num(est)[domain] * x0) / t_x[domain])
                    lin = wv * u
                else:
                    est = t_y / big_n
                    u = y0
                    lin = wv * ((y0 - np.nan_to_num(est)[domain]) / big_n[domain])
            if not all_valid:
                lin = np.where(valid, lin, 0.0)  # finite on valid rows: their domain has N > 0
            if isinstance(engine, ReplicateVariance):
                var = self._replicate_var(engine, kind, wv, y0, x_columns, j, valid, est)
                df = np.full(d, self._replicates.df)
            else:
                var = engine.variance(lin)
                if not all_valid:
                    df = engine.degrees_of_freedom(valid)
                else:
                    if full_df is None:
                        full_df = engine.degrees_of_freedom(valid)
                    df = full_df
            out["value"][:, j] = est
            out["se"][:, j] = np.sqrt(np.maximum(var, 0.0))
            out["df"][:, j] = df
            out["n"][:, j] = n_d
            out["deff"][:, j] = self._deff(kind, var, wv, u, domain, d, n_d, big_n, deff)
        empty = out["n"] == 0
        for name in ("value", "se", "deff"):
            out[name][empty] = np.nan
        crit = critical_value(out["df"], level)
        if kind == "proportion":
            low, high = logit_interval(out["value"], out["se"], out["df"], level)
        else:
            low, high = out["value"] - crit * out["se"], out["value"] + crit * out["se"]
        return DomainTable(labels, tuple(range(k)), out["value"], out["se"], low, high,
                           out["df"].astype(np.int64), out["deff"], out["n"].astype(np.int64))

    def _replicate_var(self, engine, kind, wv, y0, X, j, valid, est):
        t_y = engine.sums(wv * y0)
        with np.errstate(invalid="ignore", divide="ignore"):
            if kind == "total":
                thetas = t_y
            elif kind == "ratio":
                thetas = t_y / engine.sums(wv * np.where(valid, X[j], 0.0))
            else:
                thetas = t_y / engine.sums(wv)
        return engine.variance(thetas, est)

    @staticmethod
    def _deff(kind, var, wv, u, domain, d, n_d, big_n, method):
        """R's design effect: var / var under SRS of the same n (without replacement)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_u = np.bincount(domain, weights=wv * u, minlength=d) / big_n
            dev = u - np.nan_to_num(mean_u)[domain]
            s2 = (np.bincount(domain, weights=wv * dev * dev, minlength=d) / big_n
                  * n_d / (n_d - 1))
            vsrs = s2 / n_d
            if method == "wor":
                vsrs = np.where(big_n >= n_d, vsrs * (big_n - n_d) / big_n, np.nan)
            if kind in ("total", "ratio"):
                vsrs = vsrs * big_n ** 2
            return var / vsrs

    # ------------------------------------------------------------------ quantiles
    def quantile(self, y, p: float = 0.5, by=None, level: float = 0.95):
        """Quantile with R's ``svyquantile`` defaults (qrule "math", Woodruff "mean" interval).

        Parameters
        ----------
        y : array_like (n,)
            The variable, NaN for missing.
        p : float
            The probability, in [0, 1] (0.5: the median).
        by : array_like (n,), optional
            Domain label of each row.
        level : float
            Confidence level of the Woodruff interval.

        Returns
        -------
        Estimate or dict
            ``deff`` is NaN; the SE is the interval's width over ``2 t(df)``, as R reports it.

        References
        ----------
        Woodruff, R. S. (1952). Confidence intervals for medians and other position measures.
        *JASA* 47, 635–646.
        Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 2.
        R package ``survey``: ``?svyquantile`` (``qrule="math"``, ``interval.type="mean"``).
        """
        level = check_level(level)
        p = float(p)
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p must lie in [0, 1], got {p}.")
        y = self._prepare(y)[:, 0]
        labels, domain = self._domains(by)
        d = len(labels)
        valid = ~np.isnan(y)
        w = self._weights
        q = np.full(d, np.nan)
        order = np.argsort(domain, kind="stable")
        bounds = np.searchsorted(domain[order], np.arange(d + 1))
        for i in range(d):
            rows = order[bounds[i]:bounds[i + 1]]
            rows = rows[valid[rows]]
            if rows.size:
                q[i] = quantile_math(y[rows], w[rows], p)
        below = np.where(valid, (y <= np.nan_to_num(q)[domain]).astype(float), np.nan)
        prop = self._table("mean", below[:, None], None, by, level, "wor")
        crit = critical_value(prop.df[:, 0], level)
        p_low = prop.value[:, 0] - crit * prop.se[:, 0]
        p_high = prop.value[:, 0] + crit * prop.se[:, 0]
        results = {}
        for i in range(d):
            rows = order[bounds[i]:bounds[i + 1]]
            rows = rows[valid[rows]]
            lo = hi = np.nan
            if rows.size:
                if 0 <= p_low[i] <= 1:
                    lo = quantile_math(y[rows], w[rows], p_low[i])
                if 0 <= p_high[i] <= 1:
                    hi = quantile_math(y[rows], w[rows], p_high[i])
            se = (hi - lo) / (2 * crit[i])
            results[labels[i]] = Estimate(float(q[i]), float(se), float(lo), float(hi),
                                          int(prop.df[i, 0]), float("nan"), int(prop.n[i, 0]))
        return results[None] if by is None else results

