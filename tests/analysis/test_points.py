"""Survey-assessed criterion points: group means against R, the combination rules by hand.

R reference (survey 4.1.1), each stratum of the Likert fixture taken as an independent group design:

    d0 <- read.csv("likert_fixture.csv"); d0$coef <- (d0$q1 - 1)/4
    for (g in c("North","South")) { dg <- d0[d0$stratum==g,]
      svyby(~coef, ~sex, svydesign(id=~psu, weights=~wt, fpc=~Npsu, data=dg), svymean) }
    # North: F 0.604166666667 (SE 0.210205348027), M 0.690000000000 (0.152290354258), degf 2
    # South: F 0.507653061224 (SE 0.0688599942113), M 0.683544303797 (0.2061612563070), degf 2
"""

import numpy as np
import pytest

from analysis import SurveyDesign
from analysis.points import GroupRatings, GroupRule, criterion_points

ROWS = [  # stratum, psu, Npsu, wt, sex, q1
    ("North", "N1", 20, 12.5, "F", 5), ("North", "N1", 20, 12.5, "M", 4),
    ("North", "N1", 20, 12.5, "F", 3), ("North", "N2", 20, 10.0, "M", 2),
    ("North", "N2", 20, 10.0, "F", 4), ("North", "N2", 20, 10.0, "F", 5),
    ("North", "N2", 20, 10.0, "M", 3), ("North", "N3", 20, 15.0, "F", 1),
    ("North", "N3", 20, 15.0, "M", 4), ("North", "N3", 20, 15.0, "M", 5),
    ("South", "S1", 15, 8.0, "F", 3), ("South", "S1", 15, 8.0, "M", 4),
    ("South", "S1", 15, 8.0, "F", 2), ("South", "S1", 15, 8.0, "M", 5),
    ("South", "S2", 15, 9.5, "F", 4), ("South", "S2", 15, 9.5, "F", 3),
    ("South", "S2", 15, 9.5, "M", 5), ("South", "S3", 15, 7.0, "M", 1),
    ("South", "S3", 15, 7.0, "F", 2), ("South", "S3", 15, 7.0, "F", 4),
    ("South", "S3", 15, 7.0, "M", 3),
]
R_MEANS = {
    ("North", "F"): (0.604166666667, 0.210205348027), ("North", "M"): (0.69, 0.152290354258),
    ("South", "F"): (0.507653061224, 0.0688599942113), ("South", "M"): (0.683544303797, 0.206161256307),
}
REL = 1e-8


def group(name, exclude=None, drop_unit=None):
    rows = [r for r in ROWS if r[0] == name]
    psu = np.array([r[1] for r in rows])
    npsu = np.array([r[2] for r in rows], dtype=float)
    wt = np.array([r[3] for r in rows])
    sex = np.array([r[4] for r in rows])
    coef = (np.array([r[5] for r in rows], dtype=float) - 1) / 4
    if drop_unit:
        coef[sex == drop_unit] = np.nan
    design = SurveyDesign(wt, psu=psu, fpc=npsu)
    return GroupRatings(name, design, sex, {"1.1": coef}, exclude=exclude)


def cell(points, unit, criterion="1.1"):
    (match,) = [p for p in points if p.unit == unit and p.criterion == criterion]
    return match


def test_group_means_match_r_and_mean_of_group_means_by_hand():
    points = criterion_points([group("North"), group("South")], {"1.1": 2.0}, min_n=5)
    for unit in ("F", "M"):
        p = cell(points, unit)
        (n_mean, n_se), (s_mean, s_se) = R_MEANS[("North", unit)], R_MEANS[("South", unit)]
        assert [g.value for g in p.groups] == pytest.approx([n_mean, s_mean], rel=REL)
        assert p.points == pytest.approx(2.0 * (n_mean + s_mean) / 2, rel=REL)
        assert p.se == pytest.approx(2.0 * np.hypot(n_se, s_se) / 2, rel=REL)
        assert p.ci_low < p.points < p.ci_high
        assert p.flags == ()
    female = cell(points, "F")
    assert female.n == 11  # 5 North + 6 South answers
    # Kish per group: North F weights 12.5, 12.5, 10, 10, 15 -> 60^2 / 737.5
    assert female.groups[0].effective_n == pytest.approx(60.0**2 / 737.5, rel=1e-12)


def test_fixed_weights_rule_and_satterthwaite_df():
    rule = GroupRule.from_pack({"weights": {"North": 0.75, "South": 0.25}})  # the pack's form
    assert GroupRule.from_pack({"North": 3, "South": 1}).weights == {"North": 3, "South": 1}
    p = cell(criterion_points([group("North"), group("South")], {"1.1": 4.0}, rule, min_n=5), "M")
    (n_mean, n_se), (s_mean, s_se) = R_MEANS[("North", "M")], R_MEANS[("South", "M")]
    assert p.points == pytest.approx(4.0 * (0.75 * n_mean + 0.25 * s_mean), rel=REL)
    a, b = (0.75 * n_se) ** 2, (0.25 * s_se) ** 2
    assert p.se == pytest.approx(4.0 * np.sqrt(a + b), rel=REL)
    assert p.df == pytest.approx((a + b) ** 2 / (a**2 / 2 + b**2 / 2), rel=1e-6)


def test_small_cells_are_flagged_not_hidden():
    points = criterion_points([group("North"), group("South")], {"1.1": 2.0})
    assert all("small_cell" in p.flags for p in points)
    assert {p.unit for p in points} == {"F", "M"}


def test_missing_group_and_quarantine_flags():
    quarantine = np.zeros(11, dtype=bool)
    quarantine[0] = True  # a woman rated by the South group
    points = criterion_points(
        [group("North", drop_unit="M"), group("South", exclude=quarantine)], {"1.1": 2.0}, min_n=1
    )
    male = cell(points, "M")
    assert "missing_group" in male.flags
    assert male.points == pytest.approx(2.0 * R_MEANS[("South", "M")][0], rel=REL)
    female = cell(points, "F")
    assert "quarantined_excluded" in female.flags
    assert female.n == 10


def test_bad_arguments():
    with pytest.raises(ValueError, match="Unknown group rule"):
        GroupRule("median")
    with pytest.raises(ValueError, match="must be positive"):
        criterion_points([group("North")], {"1.1": 0.0})
    bad = group("North")
    coef = np.full(10, 1.5)
    with pytest.raises(ValueError, match=r"coefficients must lie in \[0, 1\]"):
        criterion_points([GroupRatings("N", bad.design, bad.units, {"1.1": coef})], {"1.1": 1.0})


def test_missing_group_follows_the_rating_matrix_when_given():
    ratings = [group("North", drop_unit="M"), group("South")]
    # North is not meant to rate unit M: its absence there is by design, not a gap.
    by_design = criterion_points(ratings, {"1.1": 2.0}, min_n=1,
                                 expected_groups={"F": ("North", "South"), "M": ("South",)})
    assert "missing_group" not in cell(by_design, "M").flags
    expected = criterion_points(ratings, {"1.1": 2.0}, min_n=1,
                                expected_groups={"F": ("North", "South"), "M": ("North", "South")})
    assert "missing_group" in cell(expected, "M").flags


def test_sipas_criterion_points_are_the_overall_index_in_the_chosen_measure():
    """Hand-worked: unit U1 answers (5, 5) and (4, 1) on two one-item elements, unit U2 (3, 3).
    U1: item a rated 5, 4 → share 100 %, mean 4.5 → score 87.5; item b rated 5, 1 → share 50 %,
    mean 3 → score 50; overall share 75 %, score 68.75. A 10-point criterion: 7.5 points by
    share, 6.875 by score. U2: share 0 %, score 50."""
    from analysis import SurveyDesign
    from analysis.indices import sipas_indices
    from analysis.points import sipas_criterion_points

    ratings = np.array([[5.0, 5.0], [4.0, 1.0], [3.0, 3.0]])
    sipas = sipas_indices(ratings, ["a", "b"], ["A", "B"], SurveyDesign(np.ones(3)),
                          units=np.array(["U1", "U1", "U2"]))
    points = sipas_criterion_points(sipas, {"8.1": (10.0, "share"), "8.9": (10.0, "score")},
                                    min_n=2, excluded={"U2": 1})
    by = {(p.unit, p.criterion): p for p in points}
    assert by[("U1", "8.1")].points == pytest.approx(7.5)
    assert by[("U1", "8.9")].points == pytest.approx(6.875)
    assert by[("U2", "8.1")].points == 0.0 and by[("U2", "8.9")].points == pytest.approx(5.0)
    overall = sipas.get("overall", "overall", "U1")
    assert by[("U1", "8.1")].se == pytest.approx(overall.share.se / 10)
    assert by[("U1", "8.9")].ci_high == pytest.approx(overall.score.ci_high / 10)
    assert by[("U1", "8.1")].measure == "sipas_share" and by[("U1", "8.9")].measure == "sipas_score"
    assert by[("U2", "8.1")].flags == ("small_cell", "quarantined_excluded")
    assert by[("U1", "8.1")].flags == ()
    with pytest.raises(ValueError, match="share' or 'score"):
        sipas_criterion_points(sipas, {"8.1": (10.0, "mean")})


def test_survey_total_se_takes_the_covariance_of_criteria_from_the_design(likert):
    """SE of a unit's points summed over two criteria, against R's svycontrast within each group
    (``reference/r-intervals.R``, entries ``total.<group>.<unit>``), groups independent."""
    import json
    from pathlib import Path

    from analysis.points import survey_part_se, survey_total_se

    ref = json.loads((Path(__file__).parent / "reference" / "r-intervals.json").read_text())
    data = likert.copy()
    data.loc[[2, 7, 13], "q2"] = np.nan
    ratings = []
    for name in ("North", "South"):
        d = data[data.stratum == name]
        design = SurveyDesign(d.wt.to_numpy(), psu=d.psu.to_numpy(), fpc=d.Npsu.to_numpy())
        ratings.append(GroupRatings(name, design, d.sex.to_numpy(), {
            "1.1": (d.q1.to_numpy() - 1) / 4, "1.2": (d.q2.to_numpy() - 1) / 4}))
    points = criterion_points(ratings, {"1.1": 2.0, "1.2": 3.0}, min_n=1)
    se = survey_total_se(ratings, points)
    for unit in ("F", "M"):
        north, south = ref[f"total.North.{unit}"], ref[f"total.South.{unit}"]
        assert sum(p.points for p in points if p.unit == unit) == pytest.approx(
            north["est"] + south["est"], rel=1e-10)
        assert se[unit] == pytest.approx(np.hypot(north["se"], south["se"]), rel=1e-9)
        # below the conservative sum of the criteria's SEs, as the bound says
        assert se[unit] <= survey_part_se(p.se for p in points if p.unit == unit)
