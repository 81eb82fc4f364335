"""The numbers of a round with known answers and weights, worked by hand.

Citizens of unit SO-A: stratum S1 (base weight 10; one of its two invitations unanswered, so the
non-response adjustment gives its respondent weight 20) answered 5,5,5; stratum S2 (weight 30)
answered 1,1,1 and 4,3,"don't know". Total weight 80.

* item a1: ratings 5,1,4 → mean (20·5 + 30·1 + 30·4)/80 = 3.125 → score 53.125; share (20+30)/80 =
62.5 %
* item a2: 5,1,3 → 2.75 → 43.75; share 25 %
* item b1: 5,1 (the third excluded) → (100+30)/50 = 2.6 → 40; share 40 %
* element g_a = mean(a1, a2): score 48.4375, share 43.75; g_b = b1; overall = mean of elements:
  score 44.21875, share 41.875
* criterion 8 (max 4) is the pack's SIPAS criterion (measure "share"): 4 × 41.875 % → 1.675
  points; XA-B's ratings 4,4,4 and 2,2,2 (weights 5, 5) → every share 50 % → 2.0 points
* criterion 1.2 (max 2) from delegates A, B, C (1, .6, .2) → 0.6 → 1.2 points; with the
  quarantined D (0) as well → 0.45 → 0.9 points
"""
from __future__ import annotations

import numpy as np
import pytest

from tests.builders import create_scored_round


@pytest.fixture
def scored(app_ctx):
    from survey_app.extensions import db

    objects = create_scored_round(status="published")
    db.session.commit()
    return objects


def _point(points, unit, criterion):
    return next(cp for cp in points if cp.unit == unit and cp.criterion == criterion)


def test_gather_arranges_weights_with_nonresponse_adjustment(scored):
    from survey_app.operations.analysis_run import gather_round

    data = gather_round(scored["round"])
    citizens = data.groups == "citizen"
    assert data.weights[citizens].tolist() == [20.0, 30.0, 30.0, 5.0, 5.0]
    assert data.base_weights[citizens].tolist() == [10.0, 30.0, 30.0, 5.0, 5.0]
    assert data.sipas_items.codes == ("a1", "a2", "b1")
    assert data.sipas_items.elements == ("g_a", "g_a", "g_b")
    assert np.isnan(data.sipas_ratings[2, 2]) and data.sipas_ratings[2, 0] == 4.0
    assert "8" not in data.coefficients  # SIPAS items score through the index, not coefficients
    assert data.quarantined.sum() == 1


def test_points_match_hand_computation(scored):
    from survey_app.operations.analysis_run import analyze_round

    result = analyze_round(scored["round"], min_n=3)
    assert _point(result.points, "SO-A", "8").points == pytest.approx(1.675, rel=1e-12)
    assert _point(result.points, "SO-A", "1.2").points == pytest.approx(1.2, rel=1e-12)
    assert _point(result.points_all, "SO-A", "1.2").points == pytest.approx(0.9, rel=1e-12)
    assert _point(result.points, "XA-B", "8").points == pytest.approx(2.0, rel=1e-12)
    assert _point(result.points, "XA-B", "1.2").points == pytest.approx(1.0, rel=1e-12)
    assert "quarantined_excluded" in _point(result.points, "SO-A", "1.2").flags
    assert "small_cell" in _point(result.points, "XA-B", "1.2").flags   # 2 answers < min_n 3
    assert "small_cell" not in _point(result.points, "SO-A", "1.2").flags


def test_sipas_matches_hand_computation(scored):
    from survey_app.operations.analysis_run import analyze_round

    sipas = analyze_round(scored["round"]).sipas
    expected = {("criterion", "a1"): (53.125, 62.5), ("criterion", "a2"): (43.75, 25.0),
                ("criterion", "b1"): (40.0, 40.0), ("element", "g_a"): (48.4375, 43.75),
                ("element", "g_b"): (40.0, 40.0), ("overall", "overall"): (44.21875, 41.875)}
    for (level, code), (score, share) in expected.items():
        index = sipas.get(level, code, "SO-A")
        assert index.score.value == pytest.approx(score, rel=1e-12)
        assert index.share.value == pytest.approx(share, rel=1e-12)


def test_standard_errors_are_those_of_analysis_on_the_same_arrays(scored):
    """The web layer adds nothing: SEs equal a direct call of ``analysis`` on the arrays, and the
    SIPAS criterion's points carry the overall index's SE and interval scaled to its points."""
    from analysis import SurveyDesign
    from analysis.points import GroupRatings, criterion_points
    from survey_app.operations.analysis_run import analyze_round

    result = analyze_round(scored["round"], min_n=3)
    weights = np.ones(6)  # delegates: no design weights, no invitations
    design = SurveyDesign(weights)
    direct = criterion_points(
        [GroupRatings("delegate", design, np.array(["SO-A"] * 4 + ["XA-B"] * 2),
                      {"1.2": np.array([1.0, 0.6, 0.2, np.nan, 1.0, 0.0])})], {"1.2": 2.0}, min_n=3)
    mine, theirs = _point(result.points, "SO-A", "1.2"), _point(direct, "SO-A", "1.2")
    assert mine.se == pytest.approx(theirs.se, rel=1e-12) and mine.se > 0
    assert (mine.ci_low, mine.ci_high) == pytest.approx((theirs.ci_low, theirs.ci_high), rel=1e-12)
    overall = result.sipas.get("overall", "overall", "SO-A").share
    sipas_points = _point(result.points, "SO-A", "8")
    assert sipas_points.se == pytest.approx(overall.se * 4 / 100, rel=1e-12) and overall.se > 0
    assert (sipas_points.ci_low, sipas_points.ci_high) == pytest.approx(
        (overall.ci_low * 4 / 100, overall.ci_high * 4 / 100), rel=1e-12)


def test_response_counts_and_rates(scored):
    from survey_app.extensions import db
    from survey_app.operations.analysis_run import analyze_round
    from survey_app.operations.fieldwork_setup import issue_invitation

    sipas_form, unit_b = scored["forms"][0], scored["units"][1]
    for status in ("used", "used", "issued", "issued", "revoked"):
        invitation, _ = issue_invitation(scored["round"], sipas_form, unit_b, "citizen",
                                         stratum="B", base_weight=5.0)
        invitation.status = status
    db.session.commit()
    counts = {(c["group"], c["unit"]): c for c in analyze_round(scored["round"]).counts}
    # XA-B citizens: 2 responses of 4 eligible invitations (the revoked one is out)
    assert counts[("citizen", "XA-B")]["invited"] == 4
    assert counts[("citizen", "XA-B")]["response_rate"] == 0.5
    # SO-A citizens: 3 responses but only 1 eligible invitation: open QR answers, no rate
    assert counts[("citizen", "SO-A")]["invited"] is None
    assert counts[("citizen", None)]["response_rate"] is None
    assert counts[("delegate", "SO-A")] == {"group": "delegate", "unit": "SO-A", "invited": None,
                                            "completed": 4, "quarantined": 1, "response_rate": None}
    assert counts[("delegate", None)]["completed"] == 6


def test_bundled_sipas_form_has_nineteen_service_items_in_five_elements():
    """DOMAIN.md: access 4, procedure 4, officials 5, results 3, feedback 3; policy items and the
    single overall question sit outside the element groups and are not counted."""
    from collections import Counter

    import questionnaires

    items = questionnaires.load_bundled("sipas_2025").sipas_items("service")
    assert len(items) == 19
    assert sorted(Counter(element for _, element in items).values()) == [3, 3, 4, 4, 5]


def test_quality_flags_are_stored_as_quarantine_without_deleting(app_ctx):
    from survey_app.extensions import db
    from survey_app.models import Response
    from survey_app.operations.analysis_run import apply_quality_flags

    closed = create_scored_round(status="closed")  # a published round's flags do not change
    db.session.commit()
    before = db.session.scalar(db.select(db.func.count(Response.id)))
    counts = apply_quality_flags(closed["round"])
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(Response.id))) == before
    flagged = db.session.scalars(db.select(Response).filter_by(quarantined=True)).all()
    assert counts["quarantined"] == len(flagged)
    assert all(r.quality_flags for r in flagged)


def test_with_nothing_quarantined_both_views_equal_a_pass_over_all_responses(scored):
    """Worked out once when no response is quarantined: the points and SIPAS indices "without the
    quarantined" are those of every response, as the view with them computes them."""
    from survey_app.extensions import db
    from survey_app.models import Response
    from survey_app.operations.analysis_run import analyze_round

    with_quarantine = analyze_round(scored["round"], min_n=3)
    db.session.execute(db.update(Response).values(quarantined=False))
    db.session.commit()
    result = analyze_round(scored["round"], min_n=3)
    assert result.quarantined == 0
    assert repr(result.points) == repr(result.points_all) == repr(with_quarantine.points_all)
    for level, code in (("criterion", "a1"), ("element", "g_a"), ("overall", "overall")):
        for sipas in (result.sipas, result.sipas_all):
            assert sipas.get(level, code, "SO-A").score.value == pytest.approx(
                with_quarantine.sipas_all.get(level, code, "SO-A").score.value, rel=1e-12)
