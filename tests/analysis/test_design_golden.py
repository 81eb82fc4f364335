"""Every golden value of R's survey package that concerns the design core, at rel 1e-8.

Values: ``reference/r-survey-golden.json`` (R 4.2.2, survey 4.1.1), written by
``reference/r-survey-oracle.R``. Keys not tested here: ``sampling.inclusionprobabilities_n4``
(sampling package) and ``likert.cronbach_alpha_q1q2q3`` (tested with analysis.reliability).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from analysis import SurveyDesign, kish_deff, kish_effective_n

REL = 1e-8
POP_TYPES = {"E": 4421, "H": 755, "M": 1018}
POP_SCHWIDE = {"No": 1072, "Yes": 5122}


def close(actual, expected):
    assert actual == pytest.approx(expected, rel=REL, abs=1e-12)


def check(estimate, ref):
    close(estimate.value, ref["est"])
    close(estimate.se, ref["se"])


NAMES = ["dsrs", "dstrat", "dstratwr", "dclus1", "dclus1wr", "dclus2", "dclus2wr"]


@pytest.mark.parametrize("name", NAMES)
def test_mean_and_total(designs, golden, name):
    design, data = designs[name]
    check(design.mean(data.api00), golden[f"{name}.mean.api00"])
    check(design.total(data.enroll), golden[f"{name}.total.enroll"])  # NA rows in apiclus2


@pytest.mark.parametrize("name", ["dstrat", "dclus1", "dclus2"])
def test_design_effects(designs, golden, name):
    design, data = designs[name]
    ref = golden[f"{name}.deff.api00"]
    close(design.mean(data.api00).deff, ref["est"])
    close(design.mean(data.api00, deff="replace").deff, ref["deff_replace"])


def test_proportions(designs, golden):
    design, data = designs["dclus1"]
    for level in "EHM":
        check(design.proportion(data.stype == level), golden[f"dclus1.prop.stype{level}"])


@pytest.mark.parametrize("name", ["dclus1", "dstrat"])
def test_ratio(designs, golden, name):
    design, data = designs[name]
    check(design.ratio(data["api.stu"], data.enroll), golden[f"{name}.ratio.apistu_enroll"])


@pytest.mark.parametrize("name", ["dstrat", "dclus1"])
def test_domain_means(designs, golden, name):
    design, data = designs[name]
    result = design.mean(data.api00, by=data.stype)
    assert set(result) == {"E", "H", "M"}
    for level in "EHM":
        check(result[level], golden[f"{name}.by_stype.mean.api00.{level}"])


@pytest.mark.parametrize("q", [25, 50, 75])
def test_quantiles(designs, golden, q):
    design, data = designs["dclus1"]
    ref = golden[f"dclus1.quantile.api00.q{q}"]
    est = design.quantile(data.api00, q / 100)
    check(est, ref)
    close(est.ci_low, ref["ci"][0])
    close(est.ci_high, ref["ci"][1])


def test_t_interval_on_design_df_and_r_default_normal(designs, golden):
    design, data = designs["dstrat"]
    est = design.mean(data.api00)
    ref = golden["dstrat.mean.api00.ci_t_degf"]
    assert est.df == ref["df"] == design.df
    close(est.ci_low, ref["ci"][0])
    close(est.ci_high, ref["ci"][1])
    # R's confint() without df= is normal: our SE reproduces it too
    z = stats.norm.ppf(0.975)
    normal = golden["dstrat.mean.api00.ci_normal"]["ci"]
    close(est.value - z * est.se, normal[0])
    close(est.value + z * est.se, normal[1])


def test_replicate_jackknives(designs, golden):
    d1, c1 = designs["dclus1"]
    check(d1.replicate("JK1").mean(c1.api00), golden["dclus1.JK1_fpc.mean.api00"])
    d1wr, _ = designs["dclus1wr"]
    check(d1wr.replicate("JK1").mean(c1.api00), golden["dclus1wr.JK1.mean.api00"])
    ds, strat = designs["dstrat"]
    check(ds.replicate("JKn").mean(strat.api00), golden["dstrat.JKn_fpc.mean.api00"])


def test_poststratified(designs, golden):
    design, data = designs["dclus1"]
    dp = design.poststratify(data.stype, POP_TYPES)
    check(dp.mean(data.api00), golden["dclus1.poststrat_stype.mean.api00"])
    check(dp.total(data.enroll), golden["dclus1.poststrat_stype.total.enroll"])


def test_raked_uses_residuals_not_weights(designs, golden):
    design, data = designs["dclus1"]
    margins = {"stype": (data.stype, POP_TYPES), "sch.wide": (data["sch.wide"], POP_SCHWIDE)}
    dr = design.rake(margins, tol=1e-10)
    check(dr.mean(data.api00), golden["dclus1.rake_stype_schwide.mean.api00"])
    total = dr.total(data.enroll)
    check(total, golden["dclus1.rake_stype_schwide.total.enroll"])
    naive = SurveyDesign(dr.weights, psu=data.dnum, fpc=data.fpc).total(data.enroll)
    assert naive.value == pytest.approx(total.value, rel=1e-12)
    assert naive.se == pytest.approx(1_000_326, rel=1e-6)  # the wrong SE the issue warns of


def _calibration_model(data):
    return np.column_stack([
        np.ones(len(data)), data.stype == "H", data.stype == "M", data.api99,
    ]).astype(float)


CAL_TOTALS = [6194, 755, 1018, 3914069]


def test_calibrated(designs, golden):
    design, data = designs["dclus1"]
    X = _calibration_model(data)
    linear = design.calibrate(X, CAL_TOTALS)
    check(linear.mean(data.api00), golden["dclus1.calib_linear_stype_api99.mean.api00"])
    check(linear.total(data.enroll), golden["dclus1.calib_linear_stype_api99.total.enroll"])
    raking = design.calibrate(X, CAL_TOTALS, calfun="raking")
    check(raking.mean(data.api00), golden["dclus1.calib_raking_stype_api99.mean.api00"])
    bounded = design.calibrate(X, CAL_TOTALS, bounds=(0.6, 1.6))
    check(bounded.mean(data.api00), golden["dclus1.calib_bounded_0.6_1.6.mean.api00"])
    trimmed = linear.trim(upper=40, lower=20)
    check(trimmed.mean(data.api00), golden["dclus1.calib_linear.trim_20_40.mean.api00"])


def test_fpc_dataset(golden, reference_csv):
    fpc = reference_csv("fpc")
    with_fpc = SurveyDesign(fpc.weight, strata=fpc.stratid, psu=fpc.psuid, fpc=fpc.Nh)
    without = SurveyDesign(fpc.weight, strata=fpc.stratid, psu=fpc.psuid)
    check(with_fpc.mean(fpc.x), golden["fpcdata.withfpc.mean.x"])
    check(with_fpc.total(fpc.x), golden["fpcdata.withfpc.total.x"])
    check(without.mean(fpc.x), golden["fpcdata.withoutfpc.mean.x"])


def test_scd_taylor_and_brr(golden, reference_csv):
    scd = reference_csv("scd")
    ones = np.ones(len(scd))
    wr = SurveyDesign(ones, strata=scd.ESA, psu=scd.ambulance)
    fpc5 = SurveyDesign(ones, strata=scd.ESA, psu=scd.ambulance, fpc=np.full(len(scd), 5))
    check(wr.mean(scd.alive), golden["scd.taylor_wr.mean.alive"])
    check(fpc5.mean(scd.alive), golden["scd.taylor_fpc5.mean.alive"])
    check(wr.ratio(scd.alive, scd.arrests), golden["scd.taylor_wr.ratio.alive_arrests"])
    brr = wr.replicate("BRR")
    check(brr.mean(scd.alive), golden["scd.BRR.mean.alive"])
    check(brr.ratio(scd.alive, scd.arrests), golden["scd.BRR.ratio.alive_arrests"])


def test_pps_brewer_and_with_replacement(golden, reference_csv):
    election = reference_csv("election_pps")
    brewer = SurveyDesign(election.wt, fpc=election.p, pps="brewer")
    check(brewer.total(election.Bush), golden["election_pps.brewer.total.Bush"])
    wr = SurveyDesign(election.wt)
    check(wr.total(election.Bush), golden["election_pps.wr.total.Bush"])


def test_kish(api, likert, golden):
    w = api["apistrat"].pw.to_numpy()
    close(kish_deff(w), golden["apistrat.kish"]["deff_w"])
    close(kish_effective_n(w), golden["apistrat.kish"]["n_eff"])
    close(kish_deff(likert.wt), golden["likert.kish"]["deff_w"])
    close(kish_effective_n(likert.wt), golden["likert.kish"]["n_eff"])


def _likert_designs(d0):
    fpc = SurveyDesign(d0.wt, strata=d0.stratum, psu=d0.psu, fpc=d0.Npsu)
    wr = SurveyDesign(d0.wt, strata=d0.stratum, psu=d0.psu)
    return fpc, wr


@pytest.mark.parametrize("variable", ["q1", "crit", "idx", "t2b"])
def test_likert_means(likert, golden, variable):
    fpc, wr = _likert_designs(likert)
    check(fpc.mean(likert[variable]), golden[f"likert.fpc.mean.{variable}"])
    check(wr.mean(likert[variable]), golden[f"likert.wr.mean.{variable}"])


def test_likert_logit_interval_and_t_interval(likert, golden):
    fpc, _ = _likert_designs(likert)
    ref = golden["likert.fpc.t2b.ciprop_logit"]
    est = fpc.proportion(likert.q1 >= 4)
    assert est.value == pytest.approx(ref["est"], rel=1e-9)  # R fits a glm: 1e-10 apart
    close(est.se, ref["se"])
    close(est.ci_low, ref["ci"][0])
    close(est.ci_high, ref["ci"][1])
    ref = golden["likert.fpc.mean.idx.ci_t"]
    idx = fpc.mean(likert.idx)
    assert idx.df == ref["df"]
    close(idx.ci_low, ref["ci"][0])
    close(idx.ci_high, ref["ci"][1])


def test_likert_domains(likert, golden):
    fpc, _ = _likert_designs(likert)
    result = fpc.mean(likert.crit, by=likert.sex)
    for sex in "FM":
        check(result[sex], golden[f"likert.fpc.by_sex.mean.crit.{sex}"])
