"""Behaviour of the design core checked against hand-written brute force and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import SurveyDesign


def brute_force_mean_variance(y, w, strata, psu, in_domain):
    """Textbook with-replacement linearised variance of a domain mean, loop by loop."""
    idx = [i for i in range(len(y)) if in_domain[i]]
    big_n = sum(w[i] for i in idx)
    mean = sum(w[i] * y[i] for i in idx) / big_n
    total = 0.0
    for h in sorted(set(strata)):
        psus = sorted({psu[i] for i in range(len(y)) if strata[i] == h})
        z = []
        for c in psus:
            z.append(sum(w[i] * (y[i] - mean) / big_n for i in idx
                         if strata[i] == h and psu[i] == c))
        n_h = len(z)
        zbar = sum(z) / n_h
        total += n_h / (n_h - 1) * sum((zc - zbar) ** 2 for zc in z)
    return mean, total


@st.composite
def designs(draw):
    n_strata = draw(st.integers(1, 3))
    rows = []
    for h in range(n_strata):
        for c in range(draw(st.integers(2, 4))):
            for _ in range(draw(st.integers(1, 4))):
                rows.append((h, c))
    n = len(rows)
    w = draw(st.lists(st.floats(0.5, 20), min_size=n, max_size=n))
    y = draw(st.lists(st.floats(-100, 100), min_size=n, max_size=n))
    dom = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    return [r[0] for r in rows], [r[1] for r in rows], w, y, dom


@settings(max_examples=60, deadline=None)
@given(designs())
def test_domain_means_match_brute_force(case):
    strata, psu, w, y, dom = case
    design = SurveyDesign(w, strata=strata, psu=psu)
    result = design.mean(y, by=dom)
    for label in set(dom):
        mean, var = brute_force_mean_variance(y, w, strata, psu, [d == label for d in dom])
        assert result[label].value == pytest.approx(mean, rel=1e-9, abs=1e-9)
        assert result[label].se == pytest.approx(np.sqrt(var), rel=1e-7, abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(designs())
def test_nan_masking_equals_domain(case):
    """A domain estimate equals the estimate with every other row missing (R: na.rm=TRUE)."""
    strata, psu, w, y, dom = case
    design = SurveyDesign(w, strata=strata, psu=psu)
    by = design.mean(y, by=dom)
    for label, est in by.items():
        masked = np.where(np.asarray(dom) == label, y, np.nan)
        alone = design.mean(masked)
        assert alone.value == pytest.approx(est.value, rel=1e-12, abs=1e-12)
        assert alone.se == pytest.approx(est.se, rel=1e-9, abs=1e-12)
        assert alone.df == est.df and alone.n == est.n


def test_many_columns_at_once_match_one_at_a_time(designs):
    design, data = designs["dclus1"]
    rng = np.random.default_rng(3)
    Y = np.column_stack([data.api00, data.api99, data.enroll]).astype(float)
    Y[rng.random(Y.shape) < 0.1] = np.nan
    table = design.means(Y, by=data.stype)
    assert table.value.shape == (3, 3) and table.labels == ("E", "H", "M")
    for j in range(3):
        single = design.mean(Y[:, j], by=data.stype)
        for label in table.labels:
            assert table.estimate(label, j) == single[label]
    props = design.proportions(np.column_stack([data.stype == "E", data.awards == "Yes"]))
    assert props.estimate(None, 1) == design.proportion(data.awards == "Yes")


def test_total_of_indicator_is_population_size_with_known_strata(api):
    strat = api["apistrat"]
    design = SurveyDesign(None, strata=strat.stype, fpc=strat.fpc)  # weights N_h / n_h
    est = design.total(np.ones(design.n))
    assert est.value == pytest.approx(6194, rel=1e-12)
    assert est.se == pytest.approx(0.0, abs=1e-6)  # N_h known in each stratum


def test_calibration_hits_its_totals(designs):
    design, data = designs["dclus1"]
    X = np.column_stack([np.ones(design.n), data.stype == "H", data.api99]).astype(float)
    totals = [6194, 755, 3914069]
    for calfun, bounds in [("linear", None), ("raking", None), ("linear", (0.5, 2.0))]:
        cal = design.calibrate(X, totals, calfun=calfun, bounds=bounds)
        assert cal.weights @ X == pytest.approx(totals, rel=1e-6)
        assert cal.is_calibrated and not design.is_calibrated
    raked = design.rake({"s": (data.stype, {"E": 4421, "H": 755, "M": 1018}),
                         "w": (data["sch.wide"], {"No": 1072, "Yes": 5122})})
    w = raked.weights
    assert w[data["sch.wide"].to_numpy() == "Yes"].sum() == pytest.approx(5122, rel=1e-9)
    assert w[data.stype.to_numpy() == "M"].sum() == pytest.approx(1018, rel=1e-9)


def test_trim_keeps_total_and_bounds(designs):
    design, data = designs["dstrat"]
    trimmed = design.trim(upper=35, strict=True)
    assert trimmed.weights.max() <= 35 + 1e-9
    hand = SurveyDesign([1.0, 1.0, 1.0, 10.0]).trim(upper=5)  # 5 cut, 5/3 added to the rest
    assert hand.weights == pytest.approx([1 + 5 / 3] * 3 + [5.0])
    with pytest.raises(ValueError, match="mean weight"):
        design.trim(upper=30, strict=True)  # the mean weight is 30.97
    assert trimmed.weights.sum() == pytest.approx(design.weights.sum(), rel=1e-12)


def test_user_replicate_weights_reproduce_jackknife(designs):
    design, data = designs["dclus1wr"]
    jk = design.replicate("JK1")
    psu = data.dnum.to_numpy()
    units = np.unique(psu)
    k = units.size
    rep = np.column_stack([
        np.where(psu == u, 0.0, k / (k - 1)) * design.weights for u in units
    ])
    user = SurveyDesign.with_replicate_weights(design.weights, rep, scale=(k - 1) / k)
    assert user.mean(data.api00).se == pytest.approx(jk.mean(data.api00).se, rel=1e-12)
    assert user.df == jk.df == k - 1


def test_bootstrap_is_close_to_linearisation(designs):
    design, data = designs["dclus1wr"]
    boot = design.replicate("bootstrap", replicates=2000, seed=11)
    assert boot.mean(data.api00).se == pytest.approx(design.mean(data.api00).se, rel=0.08)
    again = design.replicate("bootstrap", replicates=2000, seed=11)
    assert again.mean(data.api00).se == boot.mean(data.api00).se  # seeded


def test_empty_domain_level_and_bad_arguments(designs):
    design, data = designs["dclus1"]
    y = np.where(data.stype == "H", np.nan, data.api00)
    res = design.mean(y, by=data.stype)
    assert res["H"].n == 0 and np.isnan(res["H"].value)
    with pytest.raises(ValueError, match="lonely_psu"):
        SurveyDesign(design.weights, lonely_psu="drop")
    with pytest.raises(ValueError, match="positive"):
        SurveyDesign(-design.weights)
    with pytest.raises(ValueError, match="183 rows"):
        design.mean(np.ones(3))
    with pytest.raises(ValueError, match="0/1"):
        design.proportion(data.api00)
    with pytest.raises(ValueError, match="confidence level"):
        design.mean(data.api00, level=95)
    with pytest.raises(ValueError, match="no population total"):
        design.poststratify(data.stype, {"E": 4421, "H": 755})
    with pytest.raises(ValueError, match="JK1 needs an unstratified"):
        designs["dstrat"][0].replicate("JK1")
    with pytest.raises(ValueError, match="fpc varies"):
        SurveyDesign(np.ones(4), strata=[1, 1, 2, 2], fpc=[10, 11, 5, 5])
