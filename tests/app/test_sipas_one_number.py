"""One SIPAS number: the SIPAS criterion's points are the SIPAS page's index, on the demo round,
before and after a province edits the answer coefficients of the SIPAS form."""
from __future__ import annotations

import re

import pytest


def _sipas_points_and_indices(survey_round):
    from survey_app.operations.analysis_run import analyze_round

    result = analyze_round(survey_round)
    [criterion] = result.pack.sipas_criteria()
    points = {cp.unit: cp for cp in result.points if cp.criterion == criterion.code}
    shares = {i.unit: i.share for i in result.sipas.indices
              if i.level == "overall" and i.unit is not None}
    return criterion, points, shares


@pytest.fixture
def demo(app_ctx):
    from survey_app.extensions import db
    from survey_app.operations.demo import seed_demo

    seeded = seed_demo()
    db.session.commit()
    return seeded["round"]


def test_sipas_points_equal_the_index_before_and_after_editing_coefficients(demo, client):
    from questionnaires import Questionnaire
    from survey_app.extensions import db
    from survey_app.models import QuestionnaireVersion, Response
    from survey_app.operations.documents import load_questionnaire, publish_questionnaire

    criterion, points, shares = _sipas_points_and_indices(demo)
    assert criterion.sipas == "share" and points and set(points) == set(shares)
    for unit, cp in points.items():
        expected = criterion.max_points * shares[unit].value / 100
        assert cp.points == pytest.approx(expected, rel=1e-12)
        assert cp.measure == "sipas_share"

    # the province edits the coefficients of the satisfaction scale (and publishes a new version)
    row = db.session.scalar(db.select(QuestionnaireVersion).filter_by(form_key="sipas_2025"))
    edited = load_questionnaire(row).to_dict()
    for choice in edited["choice_lists"]["sat5"]:
        if not choice.get("excluded"):
            coefficients = {"1": 0.0, "2": 0.2, "3": 0.5, "4": 0.8, "5": 1.0}
            choice["coefficient"] = coefficients[choice["name"]]
    edited["version"] = "2025.1-hs"
    new_row = publish_questionnaire(Questionnaire.from_dict(edited))
    db.session.execute(db.update(Response).where(Response.questionnaire_id == row.id)
                       .values(questionnaire_id=new_row.id))
    db.session.commit()

    _, points_after, shares_after = _sipas_points_and_indices(demo)
    assert set(shares_after) == set(shares)
    for unit, share in shares.items():
        assert shares_after[unit].value == pytest.approx(share.value, rel=1e-12)
        assert points_after[unit].points == pytest.approx(points[unit].points, rel=1e-12)

    # the results page shows the same number beside the points
    from tests.builders import create_user, log_in

    log_in(client, create_user(role="council"))
    html = client.get(f"/results/{demo.code}").get_data(as_text=True)
    unit = sorted(points)[0]
    share = points[unit].points / criterion.max_points * 100
    assert re.search(rf"= tối đa × tỷ lệ hài lòng SIPAS {share:.2f} %", html)
