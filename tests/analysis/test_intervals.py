"""One intervals module: the design, the SIPAS indices and the points share one rule.

R (survey 4.1): ``svyciprop`` has ``df = degf(design)`` by default and ``degf`` counts PSUs −
strata among the rows with non-zero sampling weight, so a domain's df is that of its rows.
Reference values: ``reference/r-intervals.json``, written by ``reference/r-intervals.R``.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from analysis import SurveyDesign
from analysis.indices import sipas_indices
from analysis.intervals import critical_value, logit_interval, satterthwaite_df, t_interval
from analysis.points import GroupRatings, criterion_points

R = json.loads((Path(__file__).parent / "reference" / "r-intervals.json").read_text())


def test_domain_df_is_rs_degf_of_the_subset(designs):
    design, data = designs["dclus1"]
    assert design.df == R["dclus1.degf"]["df"] == 14
    assert design.mean(data.api00, by=data.stype)["H"].df == R["dclus1.stypeH.degf"]["df"] == 7


def test_critical_value_is_students_t_normal_at_infinity_and_nan_without_df():
    assert critical_value(7) == pytest.approx(stats.t.ppf(0.975, 7), rel=1e-15)
    assert critical_value(np.inf) == pytest.approx(stats.norm.ppf(0.975), rel=1e-15)
    assert critical_value(None, 0.9) == pytest.approx(stats.norm.ppf(0.95), rel=1e-15)
    assert np.isnan(critical_value(0)) and np.isnan(critical_value(np.nan))
    with pytest.raises(ValueError):
        critical_value(5, level=1.0)


def test_t_and_logit_intervals():
    low, high = t_interval(10.0, 2.0, 4)
    assert (low, high) == pytest.approx((10 - 2 * stats.t.ppf(0.975, 4),
                                         10 + 2 * stats.t.ppf(0.975, 4)), rel=1e-15)
    p, se, df = 0.3, 0.05, 12
    half = stats.t.ppf(0.975, df) * se / (p * (1 - p))
    expected = stats.logistic.cdf(np.log(p / (1 - p)) + np.array([-half, half]))
    assert logit_interval(p, se, df) == pytest.approx(tuple(expected), rel=1e-13)
    assert logit_interval(0.0, 0.0, 3) == (0.0, 0.0)
    assert all(np.isnan(logit_interval(0.4, 0.1, 0)))


def test_satterthwaite_df():
    assert satterthwaite_df([0.5], [3]) == 3.0
    a, b = 0.2, 0.05
    assert satterthwaite_df([a, b], [4, 9]) == pytest.approx((a + b) ** 2 / (a**2 / 4 + b**2 / 9))
    assert satterthwaite_df([0.0, 0.0], [4, 9]) == np.inf
    assert satterthwaite_df([0.0, 0.3], [0, 9]) == 9.0  # a zero part adds nothing
    assert satterthwaite_df([0.1, 0.3], [0, 9]) == 0.0  # a positive part on no df: no interval


def _design_data(seed=3, n=60):
    rng = np.random.default_rng(seed)
    strata = np.repeat(["a", "b", "c"], n // 3)
    psu = np.array([f"{s}{i % 4}" for i, s in enumerate(strata)])
    weights = rng.uniform(1, 5, n)
    unit = np.where(np.arange(n) % 2 == 0, "U1", "U2")
    ratings = rng.integers(1, 6, size=(n, 3)).astype(float)
    ratings[rng.random((n, 3)) < 0.1] = np.nan
    return SurveyDesign(weights, strata=strata, psu=psu), unit, ratings


def test_design_proportion_and_sipas_share_use_the_same_interval():
    design, unit, ratings = _design_data()
    top = np.where(np.isnan(ratings[:, 0]), np.nan, ratings[:, 0] >= 4)
    share = design.proportion(top, by=unit)["U1"]
    assert (share.ci_low, share.ci_high) == pytest.approx(
        logit_interval(share.value, share.se, share.df), rel=1e-14)
    result = sipas_indices(ratings, ["c1", "c2", "c3"], ["e", "e", "e"], design, units=unit)
    index = result.get("criterion", "c1", "U1").share
    assert index.value == pytest.approx(100 * share.value, rel=1e-12)
    assert index.se == pytest.approx(100 * share.se, rel=1e-12)
    assert index.df == share.df  # PSUs − strata among the unit's rows, as R's degf of the subset
    assert (index.ci_low, index.ci_high) == pytest.approx(
        (100 * share.ci_low, 100 * share.ci_high), rel=1e-12)


def test_points_with_a_group_on_no_degree_of_freedom_have_no_interval():
    # group B rates unit U from one PSU in each of its two strata: df = 2 PSUs − 2 strata = 0,
    # yet a positive SE; alone or combined with group A, the cell gets no interval
    design_a = SurveyDesign(np.ones(6), psu=np.array(list("xxyyzz")))
    design_b = SurveyDesign(np.ones(8), strata=np.array(list("11112222")),
                            psu=np.array(list("ppqqrrss")))
    coef_a = np.array([1.0, 0.5, 0.25, 0.75, 1.0, 0.0])
    coef_b = np.array([1.0, 0.75, 1.0, 0.5, 0.0, 0.25, 1.0, 0.5])
    a = GroupRatings("A", design_a, np.array(["U", "U", "V", "V", "U", "U"]), {"1": coef_a})
    b = GroupRatings("B", design_b, np.array(list("UUVVUUVV")), {"1": coef_b})
    (alone,) = [p for p in criterion_points([b], {"1": 2.0}, min_n=1) if p.unit == "U"]
    ref = R["df0.mean.U"]  # R: mean 0.5, SE 0.265, degf 0, confint(df = 0) NaN
    assert alone.groups[0].value == pytest.approx(ref["est"], rel=1e-12)
    assert alone.groups[0].se == pytest.approx(ref["se"], rel=1e-10)
    assert alone.df == ref["df"] == 0 and ref["ci"] == [None, None]
    assert alone.se > 0 and np.isnan(alone.ci_low) and np.isnan(alone.ci_high)
    (both,) = [p for p in criterion_points([a, b], {"1": 2.0}, min_n=1) if p.unit == "U"]
    assert both.se > 0 and both.df == 0 and np.isnan(both.ci_low) and np.isnan(both.ci_high)
