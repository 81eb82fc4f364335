"""A two-stage sample keeps its PSUs as clusters from the draw through invitations and responses
into the variance, instead of treating each PSU as a stratum."""
from __future__ import annotations

import uuid

import numpy as np
import pytest
from builders import GOOD_ANSWERS, create_questionnaire

from analysis import SurveyDesign
from survey_app.extensions import db
from survey_app.models import Invitation, Response
from survey_app.operations import invitations as invitation_ops
from survey_app.operations.analysis_run import _design
from survey_app.operations.rounds import set_rating_cell
from survey_app.operations.answer_sources import resolve_invitation
from survey_app.operations.submissions import submit
from tests.app.test_admin_two_stage import draw, world  # noqa: F401  (the fixture is reused)


def test_two_stage_invitations_and_responses_carry_the_psu(client, world):  # noqa: F811
    plan = draw(client, world, seed="7")
    world.round.status = "open"
    form = create_questionnaire()
    cell = set_rating_cell(world.round, "citizen", "commune", form, 10, None)
    issued = invitation_ops.issue_plan_invitations(plan, cell)
    db.session.commit()
    invitations = db.session.scalars(db.select(Invitation).filter_by(round_id=world.round.id)).all()
    assert invitations and all(i.stratum is None for i in invitations)
    assert all(i.psu == i.rated_unit.code for i in invitations)  # the PSU is the commune drawn
    submit(resolve_invitation(issued[0].token), str(uuid.uuid4()), GOOD_ANSWERS, channel="api_token")
    db.session.commit()
    response = db.session.scalars(db.select(Response)).one()
    assert response.psu == issued[0].unit.code and response.stratum is None


def test_design_treats_psus_as_clusters_and_lone_rows_as_their_own():
    weights = np.array([2.0, 2.0, 3.0, 3.0, 3.0, 1.0])
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0])
    psus = np.array(["X1", "X1", "X2", "X2", "X2", ""], dtype=object)
    built = _design(weights, np.array([""] * 6, dtype=object), psus).mean(y)
    expected = SurveyDesign(weights, psu=np.array(["X1", "X1", "X2", "X2", "X2", "lone"])).mean(y)
    assert built.value == pytest.approx(expected.value, rel=1e-12)
    assert built.se == pytest.approx(expected.se, rel=1e-12)
    as_strata = SurveyDesign(weights, strata=psus.astype(str), lonely_psu="adjust").mean(y)
    assert built.se != pytest.approx(as_strata.se, rel=1e-3)
