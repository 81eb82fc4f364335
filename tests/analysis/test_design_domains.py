"""Domains, missing values, lonely PSUs and replicate domains against R (``r-survey-extra.R``)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from analysis import SurveyDesign

REL = 1e-8
POP_TYPES = {"E": 4421, "H": 755, "M": 1018}
POP_SCHWIDE = {"No": 1072, "Yes": 5122}


@pytest.fixture(scope="module")
def extra():
    from pathlib import Path
    return json.loads((Path(__file__).parent / "reference" / "r-survey-extra.json").read_text())


def check(estimate, ref):
    assert estimate.value == pytest.approx(ref["est"], rel=REL)
    assert estimate.se == pytest.approx(ref["se"], rel=REL)


def check_by(result, extra, key):
    labels = [k[len(key) + 1:] for k in extra if k.startswith(key + ".")]
    assert sorted(result) == sorted(labels)
    for label in labels:
        check(result[label], extra[f"{key}.{label}"])


@pytest.mark.parametrize("name", ["dclus1", "dclus2", "dstrat"])
def test_design_effect_of_total(designs, extra, name):
    design, data = designs[name]
    ref = extra[f"{name}.total_deff.api00"]
    est = design.total(data.api00)
    check(est, ref)
    assert est.deff == pytest.approx(ref["deff"], rel=REL)


def test_two_stage_domains(designs, extra):
    design, data = designs["dclus2"]
    check_by(design.mean(data.api00, by=data.stype), extra, "dclus2.by_stype.mean.api00")
    check_by(design.total(data.enroll, by=data.stype), extra, "dclus2.by_stype.total.enroll")


def test_calibrated_domains(designs, extra):
    design, data = designs["dclus1"]
    dp = design.poststratify(data.stype, POP_TYPES)
    check_by(dp.mean(data.api00, by=data.awards), extra, "dclus1.poststrat.by_awards.mean.api00")
    dr = design.rake({"s": (data.stype, POP_TYPES), "w": (data["sch.wide"], POP_SCHWIDE)})
    check_by(dr.mean(data.api00, by=data.awards), extra, "dclus1.rake.by_awards.mean.api00")
    X = np.column_stack([np.ones(len(data)), data.stype == "H", data.stype == "M", data.api99])
    dg = design.calibrate(X.astype(float), [6194, 755, 1018, 3914069])
    check_by(dg.mean(data.api00, by=data.awards), extra, "dclus1.calib.by_awards.mean.api00")
    check_by(dg.total(data.enroll, by=data.awards), extra, "dclus1.calib.by_awards.total.enroll")


def test_ratio_domains(designs, extra):
    design, data = designs["dclus1"]
    result = design.ratio(data["api.stu"], data.enroll, by=data.awards)
    check_by(result, extra, "dclus1.by_awards.ratio.apistu_enroll")


def test_replicate_domains_and_recalibration(designs, extra):
    d1, c1 = designs["dclus1"]
    check_by(d1.replicate("JK1").mean(c1.api00, by=c1.awards), extra,
             "dclus1.JK1.by_awards.mean.api00")
    ds, strat = designs["dstrat"]
    jk = ds.replicate("JKn")
    check_by(jk.mean(strat.api00, by=strat.awards), extra, "dstrat.JKn.by_awards.mean.api00")
    post = jk.poststratify(strat["sch.wide"], POP_SCHWIDE)  # every replicate re-post-stratified
    check(post.mean(strat.api00), extra["dstrat.JKn.poststrat_schwide.mean.api00"])


def test_missing_values_are_a_domain(designs, extra):
    design, data = designs["dclus1"]
    y = data.api00.to_numpy(dtype=float).copy()
    y[np.arange(1, y.size + 1) % 7 == 0] = np.nan
    ref = extra["dclus1.na7.mean.api00"]
    est = design.mean(y)
    check(est, ref)
    assert est.deff == pytest.approx(ref["deff"], rel=REL)
    assert est.df == ref["df"]
    assert est.n == np.count_nonzero(~np.isnan(y))
    check_by(design.mean(y, by=data.stype), extra, "dclus1.na7.by_stype.mean.api00")


def test_domain_proportions_with_logit_interval(designs, extra):
    design, data = designs["dclus1"]
    result = design.proportion(data["sch.wide"] == "Yes", by=data.stype)
    for s in "EHM":
        ref = extra[f"dclus1.by_stype.ciprop_schwide.{s}"]
        check(result[s], ref)
        assert result[s].df == ref["df"]
        assert result[s].ci_low == pytest.approx(ref["ci"][0], rel=REL)
        assert result[s].ci_high == pytest.approx(ref["ci"][1], rel=REL)


def test_domain_quantile(designs, extra):
    design, data = designs["dclus1"]
    ref = extra["dclus1.stypeE.quantile.api00.q50"]
    est = design.quantile(data.api00, 0.5, by=data.stype)["E"]
    check(est, ref)
    assert (est.ci_low, est.ci_high) == pytest.approx(tuple(ref["ci"]), rel=REL)


@pytest.mark.parametrize("rule", ["certainty", "adjust", "remove"])
def test_lonely_psu_rules(api, extra, rule):
    strat = api["apistrat"]
    first_h = strat.dnum[strat.stype == "H"].iloc[0]
    lon = strat[~((strat.stype == "H") & (strat.dnum != first_h))]
    design = SurveyDesign(lon.pw, strata=lon.stype, psu=lon.dnum, lonely_psu=rule)
    check(design.mean(lon.api00), extra[f"lonely.{rule}.mean.api00"])
    with pytest.raises(ValueError, match="only one sampled unit"):
        SurveyDesign(lon.pw, strata=lon.stype, psu=lon.dnum)
