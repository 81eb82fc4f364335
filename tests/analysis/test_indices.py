"""SIPAS indices against R's survey package on the 21-row Likert fixture.

Reference values: the ``likert.*`` entries of ``r-survey-golden.json`` (script r-survey-likert.R)
and, for missing answers, element/overall indices and domains, this R code (survey 4.1.1):

    d1 <- read.csv("likert_fixture.csv"); d1$q2[c(3,8,14)] <- NA; d1$q3[c(5,19)] <- NA
    for (j in 1:3) { q <- d1[[paste0("q",j)]]; r <- !is.na(q); d1[[paste0("r",j)]] <- as.numeric(r)
      d1[[paste0("y",j)]] <- ifelse(r, q, 0); d1[[paste0("t",j)]] <- as.numeric(ifelse(r, q >= 4, 0))
      # plus the same times (sex == "F") / (sex == "M") as y1F, r1F, t1F, ...
    }
    des1 <- svydesign(id=~psu, strata=~stratum, weights=~wt, fpc=~Npsu, data=d1)
    tot <- svytotal(~y1+r1+y2+r2+y3+r3+t1+t2+t3, des1)
    svycontrast(tot, quote((y1/r1 + y2/r2 + y3/r3)/3))               # element of q1..q3, mean
    svycontrast(tot, quote((t1/r1 + t2/r2 + t3/r3)/3))               # element, top-two-box
    svycontrast(tot, quote(((t1/r1 + t2/r2)/2 + t3/r3)/2))           # overall of {q1,q2},{q3}
    svyciprop(~I(q2>=4), des1, method="logit", na.rm=TRUE)
    # domains: the same contrasts on the F / M products (domain over the full design)
"""

import io

import numpy as np
import pytest
from scipy import stats

from analysis import SurveyDesign
from analysis.indices import sipas_indices
from analysis.intervals import logit_interval
from analysis.points import is_small_cell

FIXTURE = """id,stratum,psu,Npsu,wt,sex,q1,q2,q3
1,North,N1,20,12.5,F,5,4,4
2,North,N1,20,12.5,M,4,4,3
3,North,N1,20,12.5,F,3,3,4
4,North,N2,20,10.0,M,2,3,2
5,North,N2,20,10.0,F,4,5,4
6,North,N2,20,10.0,F,5,5,5
7,North,N2,20,10.0,M,3,2,3
8,North,N3,20,15.0,F,1,2,2
9,North,N3,20,15.0,M,4,4,5
10,North,N3,20,15.0,M,5,4,4
11,South,S1,15,8.0,F,3,3,3
12,South,S1,15,8.0,M,4,3,4
13,South,S1,15,8.0,F,2,2,1
14,South,S1,15,8.0,M,5,5,4
15,South,S2,15,9.5,F,4,4,4
16,South,S2,15,9.5,F,3,4,3
17,South,S2,15,9.5,M,5,5,5
18,South,S3,15,7.0,M,1,1,2
19,South,S3,15,7.0,F,2,3,3
20,South,S3,15,7.0,F,4,4,3
21,South,S3,15,7.0,M,3,3,4
"""

REL = 1e-8


def load_fixture():
    cols = np.genfromtxt(io.StringIO(FIXTURE), delimiter=",", names=True, dtype=None, encoding="utf-8")
    return {name: np.asarray(cols[name]) for name in cols.dtype.names}


@pytest.fixture
def fixture():
    data = load_fixture()
    design = SurveyDesign(data["wt"], strata=data["stratum"], psu=data["psu"], fpc=data["Npsu"])
    answers = np.column_stack([data["q1"], data["q2"], data["q3"]]).astype(float)
    return data, design, answers


@pytest.fixture
def with_missing(fixture):
    data, design, answers = fixture
    answers = answers.copy()
    answers[[2, 7, 13], 1] = np.nan
    answers[[4, 18], 2] = np.nan
    return data, design, answers


def test_element_of_complete_items_matches_r_per_respondent_index(fixture):
    data, design, answers = fixture
    result = sipas_indices(answers, ["q1", "q2", "q3"], ["E"] * 3, design)
    element = result.get("element", "E")
    # likert.fpc.mean.idx: svymean(~idx) with idx = (rowMeans(q1..q3) - 1)/4*100
    assert element.score.value == pytest.approx(62.4605055292, rel=REL)
    assert element.score.se == pytest.approx(3.78927709215, rel=REL)
    # likert.fpc.mean.idx.ci_t: confint(svymean(~idx), df=degf(des)) = 4
    assert element.score.ci_low == pytest.approx(51.9397856945, rel=REL)
    assert element.score.ci_high == pytest.approx(72.981225364, rel=REL)
    assert element.score.df == 4
    assert element.score.n == 21


def test_criterion_share_and_mean_match_r(fixture):
    data, design, answers = fixture
    q1 = sipas_indices(answers, ["q1", "q2", "q3"], ["E"] * 3, design).get("criterion", "q1")
    # likert.fpc.mean.t2b and likert.fpc.t2b.ciprop_logit (svyciprop(~I(q1>=4), method="logit"))
    assert q1.share.value == pytest.approx(55.4502369668, rel=REL)
    assert q1.share.se == pytest.approx(5.25545946168, rel=REL)
    assert q1.share.ci_low == pytest.approx(40.8106368664, rel=REL)
    assert q1.share.ci_high == pytest.approx(69.201518067, rel=REL)
    # likert.fpc.mean.q1: 3.48815165877 (SE 0.187966249886) on the 1..5 scale
    assert q1.score.value == pytest.approx((3.48815165877 - 1) * 25, rel=REL)
    assert q1.score.se == pytest.approx(0.187966249886 * 25, rel=REL)


def test_domains_match_r_svyby(fixture):
    data, design, answers = fixture
    result = sipas_indices(answers, ["q1", "q2", "q3"], ["E"] * 3, design, units=data["sex"])
    # likert.fpc.by_sex.mean.crit.F / .M: svyby(~crit, ~sex, des, svymean)
    for unit, mean, se in [("F", 3.35321100917, 0.42151338436), ("M", 3.65359477124, 0.426315558503)]:
        score = result.get("element", "E", unit).score
        assert score.value == pytest.approx((mean - 1) * 25, rel=REL)
        assert score.se == pytest.approx(se * 25, rel=REL)
    assert result.get("element", "E").score.value == pytest.approx(62.4605055292, rel=REL)


def test_missing_answers_element_is_mean_of_criteria_with_linearised_se(with_missing):
    data, design, answers = with_missing
    result = sipas_indices(answers, ["q1", "q2", "q3"], ["E"] * 3, design, units=data["sex"])
    element = result.get("element", "E")
    assert element.score.value == pytest.approx((3.528498345680 - 1) * 25, rel=REL)
    assert element.score.se == pytest.approx(0.166140283014 * 25, rel=REL)
    assert element.share.value == pytest.approx(57.8559463683, rel=REL)
    assert element.share.se == pytest.approx(8.2592075770, rel=REL)
    male = result.get("element", "E", "M").score
    assert male.value == pytest.approx((3.611736893339 - 1) * 25, rel=REL)
    assert male.se == pytest.approx(0.432079685260 * 25, rel=REL)
    criteria = [result.get("criterion", c).share.value for c in ("q1", "q2", "q3")]
    assert element.share.value == pytest.approx(np.mean(criteria), rel=1e-12)


def test_missing_answers_criterion_share_logit_interval(with_missing):
    data, design, answers = with_missing
    q2 = sipas_indices(answers, ["q1", "q2", "q3"], ["E"] * 3, design).get("criterion", "q2")
    assert q2.share.value == pytest.approx(62.962962963, rel=REL)
    assert q2.share.se == pytest.approx(14.5724940788, rel=REL)
    assert q2.share.ci_low == pytest.approx(23.0696926241, rel=REL)
    assert q2.share.ci_high == pytest.approx(90.5990814053, rel=REL)
    assert q2.share.n == 18


def test_overall_is_mean_of_elements(with_missing):
    data, design, answers = with_missing
    result = sipas_indices(answers, ["q1", "q2", "q3"], ["A", "A", "B"], design, units=data["sex"])
    overall = result.get("overall", "overall")
    assert overall.share.value == pytest.approx(57.1806195701, rel=REL)
    assert overall.share.se == pytest.approx(7.6764737894, rel=REL)
    female = result.get("overall", "overall", "F").share
    assert female.value == pytest.approx(53.3680999949, rel=REL)
    assert female.se == pytest.approx(15.1186320304, rel=REL)
    elements = [result.get("element", e).score.value for e in ("A", "B")]
    assert overall.score.value == pytest.approx(np.mean(elements), rel=1e-12)


def test_unit_without_answers_to_one_element_uses_the_others(fixture):
    data, design, answers = fixture
    answers = answers.copy()
    answers[data["sex"] == "F", 2] = np.nan
    result = sipas_indices(answers, ["q1", "q2", "q3"], ["A", "A", "B"], design, units=data["sex"])
    with pytest.raises(KeyError):
        result.get("element", "B", "F")
    assert result.get("overall", "overall", "F").score.value == pytest.approx(
        result.get("element", "A", "F").score.value, rel=1e-12
    )


def test_exclusion_is_domain_estimation_not_subsetting(fixture):
    data, design, answers = fixture
    keep_out = np.zeros(21, dtype=bool)
    keep_out[[0, 5]] = True
    excluded = sipas_indices(answers, ["q1", "q2", "q3"], ["E"] * 3, design, exclude=keep_out)
    blanked = answers.copy()
    blanked[keep_out] = np.nan
    same = sipas_indices(blanked, ["q1", "q2", "q3"], ["E"] * 3, design)
    full = sipas_indices(answers, ["q1", "q2", "q3"], ["E"] * 3, design)
    assert excluded.get("element", "E").score == same.get("element", "E").score
    assert excluded.get("element", "E").score.n == 19
    assert excluded.get("element", "E").score.value != full.get("element", "E").score.value


def test_logit_interval_degenerate_share():
    assert logit_interval(1.0, 0.0, 10) == (1.0, 1.0)


@pytest.mark.parametrize(
    "answers, message",
    [
        ([[1, 2, 6]], "not a rating 1..5"),
        ([[1, 2]], "give one code and one element per item"),
    ],
)
def test_bad_answers_raise_clear_errors(answers, message):
    design = SurveyDesign(np.ones(4))
    with pytest.raises(ValueError, match=message):
        sipas_indices(np.array(answers, dtype=float), ["a", "b", "c"], ["E"] * 3, design)


# --- the vectorised path against a straightforward per-unit computation ---------------------


def reference_unit_indices(answers, codes, elements, design, in_unit, satisfied_from=4):
    """Every index of one domain, computed directly from its definition, index by index.

    Criterion j: the ratio θ_j = Σ w x_ij / Σ w over the domain's rows that answered j.
    Element / overall: Σ_j a_j θ_j with a_j = 1/(answered criteria of the element) (overall:
    further divided by the number of elements with an answer). Its SE: ``design.total`` of the
    influence z_i = Σ_j a_j r_ij (x_ij − θ_j) / N̂_j, NaN on rows carrying none of its criteria.
    Returns {(level, code): (share, score)} with (value, se, df, n) for each measure.
    """
    w = design.weights
    y = np.where(in_unit[:, None], answers, np.nan)
    answered = ~np.isnan(y)
    measures = {"share": np.where(answered, y >= satisfied_from, 0.0),
                "score": np.where(answered, y, 0.0)}
    live = [j for j in range(len(codes)) if answered[:, j].any()]
    coefficients = {("criterion", codes[j]): {j: 1.0} for j in live}
    groups = {}
    for j in live:
        groups.setdefault(elements[j], []).append(j)
    for element, items in groups.items():
        coefficients[("element", element)] = {j: 1.0 / len(items) for j in items}
    if groups:
        coefficients[("overall", "overall")] = {
            j: 1.0 / (len(groups) * len(items)) for items in groups.values() for j in items
        }
    out = {}
    for key, coef in coefficients.items():
        carried = np.zeros(len(w), dtype=bool)
        for j in coef:
            carried |= answered[:, j]
        pair = []
        for name in ("share", "score"):
            x = measures[name]
            value, z = 0.0, np.zeros(len(w))
            for j, a in coef.items():
                r = answered[:, j]
                n_hat = w[r].sum()
                theta = (w[r] * x[r, j]).sum() / n_hat
                value += a * theta
                z += a * r * (x[:, j] - theta) / n_hat
            total = design.total(np.where(carried, z, np.nan))
            pair.append((value, total.se, total.df, total.n))
        out[key] = tuple(pair)
    return out


def random_round(seed):
    """A stratified cluster sample with units, missing answers, gaps and a calibrated variant."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(60, 160))
    k = int(rng.integers(2, 7))
    strata = rng.integers(0, 3, n)
    psu = strata * 10 + rng.integers(0, 4, n)
    units = rng.choice(["d01", "d02", "d10", "x", "Y"][: int(rng.integers(1, 6))], n)
    elements = [f"E{e}" for e in rng.integers(0, 3, k)]
    answers = rng.integers(1, 6, (n, k)).astype(float)
    answers[rng.random((n, k)) < rng.uniform(0, 0.4)] = np.nan
    answers[units == units[0], 0] = np.nan  # a unit nobody in which answered criterion 0
    design = SurveyDesign(rng.uniform(1, 30, n), strata=strata, psu=psu)
    if seed % 3 == 0:
        sex = rng.choice(["F", "M"], n)
        design = design.poststratify(sex, {"F": 1300.0, "M": 1200.0})
    codes = [f"c{j}" for j in range(k)]
    return answers, codes, elements, design, units, int(rng.integers(2, 6))


@pytest.mark.parametrize("seed", range(12))
def test_vectorised_indices_equal_per_unit_reference(seed):
    answers, codes, elements, design, units, satisfied_from = random_round(seed)
    result = sipas_indices(answers, codes, elements, design, units=units,
                           satisfied_from=satisfied_from)
    computed = 0
    for unit in [None, *sorted(set(units))]:
        in_unit = np.ones(len(units), dtype=bool) if unit is None else units == unit
        expected = reference_unit_indices(answers, codes, elements, design, in_unit,
                                          satisfied_from)
        got = {(i.level, i.code): i for i in result.for_unit(unit)}
        assert set(got) == set(expected)
        for key, (share, score) in expected.items():
            index = got[key]
            assert index.share.value == pytest.approx(100 * share[0], rel=1e-10, abs=1e-10)
            assert index.share.se == pytest.approx(100 * share[1], rel=1e-8, abs=1e-10)
            assert index.score.value == pytest.approx(25 * (score[0] - 1), rel=1e-10, abs=1e-10)
            assert index.score.se == pytest.approx(25 * score[1], rel=1e-8, abs=1e-10)
            assert (index.score.df, index.score.n) == (score[2], score[3])
            assert (index.share.df, index.share.n) == (share[2], share[3])
            computed += 1
    assert computed == len(result.indices)


def test_unit_order_and_scores_interval_from_t():
    answers, codes, elements, design, _, _ = random_round(4)
    units = np.array([2, 10, 1] * (len(answers) // 3) + [2] * (len(answers) % 3))
    result = sipas_indices(answers, codes, elements, design, units=units)
    order = list(dict.fromkeys(index.unit for index in result.indices))
    assert order == [None, "1", "10", "2"]  # labels sort as strings, as before
    for index in result.indices:
        half = stats.t.ppf(0.975, index.score.df) * index.score.se
        assert index.score.ci_low == pytest.approx(index.score.value - half, rel=1e-12)
        assert index.score.ci_high == pytest.approx(index.score.value + half, rel=1e-12)


def test_units_of_mixed_types_compare_as_strings(fixture):
    data, design, answers = fixture
    mixed = np.array([1 if s == "F" else "1" for s in data["sex"]], dtype=object)
    one = sipas_indices(answers, ["q1", "q2", "q3"], ["E"] * 3, design, units=mixed)
    assert {index.unit for index in one.indices} == {None, "1"}
    assert one.get("element", "E", "1").score == one.get("element", "E").score


def test_units_of_wrong_length_raise():
    design = SurveyDesign(np.ones(4))
    with pytest.raises(ValueError, match="one unit label per respondent"):
        sipas_indices(np.full((4, 1), 3.0), ["a"], ["E"], design, units=["u"] * 3)


def test_small_cell_flag_uses_the_points_rule(fixture):
    data, design, answers = fixture
    answers = answers.copy()
    answers[data["sex"] == "M", 2] = np.nan  # item q3 answered by the 11 women only
    result = sipas_indices(answers, ["q1", "q2", "q3"], ["E", "E", "F"], design,
                           units=data["sex"], min_n=11)
    women, men = result.get("element", "F", "F"), result.get("element", "E", "M")
    assert (women.share.n, women.small_cell) == (11, False)  # 11 respondents: not below 11
    assert (men.share.n, men.small_cell) == (10, True)
    assert [i.small_cell for i in result.indices] == [
        is_small_cell(i.share.n, 11) for i in result.indices]
    province = sipas_indices(answers, ["q1", "q2", "q3"], ["E", "E", "F"], design, min_n=21)
    assert [(i.code, i.small_cell) for i in province.indices if i.level != "criterion"] == [
        ("E", False), ("F", True), ("overall", False)]  # 21 respondents; 11 answered q3
    with pytest.raises(ValueError, match="min_n"):
        sipas_indices(answers, ["q1", "q2", "q3"], ["E"] * 3, design, min_n=0)
