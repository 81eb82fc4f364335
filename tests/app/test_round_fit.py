"""Opening a round needs its methodology pack and its rating matrix to fit; a draft stays
editable, and a refusal changes nothing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from builders import create_province, create_round, create_unit, create_user, log_in

import questionnaires as qn
from survey_app.extensions import db
from survey_app.models import AuditEvent, SurveyRound
from survey_app.operations.documents import publish_pack, publish_questionnaire
from survey_app.operations.round_fit import CANNOT_CHANGE_CELL, CANNOT_OPEN, round_fit_problems
from survey_app.operations.rounds import change_status, remove_rating_cell, set_rating_cell
from survey_app.refusals import Refused


@pytest.fixture
def world(app_ctx):
    province = create_province()
    create_unit(province, code="SO-1", name="Sở Một")
    create_unit(province, code="XA-1", name="Xã Một", unit_type="commune")
    pack = qn.load_bundled_pack("province_default")
    pack_row = publish_pack(pack, pack.to_dict())
    forms = {name: publish_questionnaire(qn.load_bundled(name))
             for name in ("sipas_2025", "delegate_rates_agency_2025",
                          "commune_leader_rates_agency_2025")}
    survey_round = create_round(status="draft", province=province, year=2025,
                                methodology_pack_id=pack_row.id)
    admin = create_user("admin")
    db.session.commit()
    return SimpleNamespace(pack=pack, round=survey_round, forms=forms, admin=admin)


def _state(survey_round):
    db.session.expire_all()
    fresh = db.session.get(SurveyRound, survey_round.id)
    events = db.session.scalars(db.select(AuditEvent.action).filter_by(
        object_type="survey_rounds", object_id=str(survey_round.id))).all()
    return fresh.status, sorted((c.respondent_group, c.unit_type) for c in fresh.rating_cells), \
        sorted(events)


def test_a_misfit_round_is_refused_with_every_problem_and_nothing_changes(world):
    set_rating_cell(world.round, "delegate", "agency", world.forms["delegate_rates_agency_2025"], 5)
    # commune leaders' agency form sent to communes: it scores 6.3, which does not apply
    set_rating_cell(world.round, "commune_leader", "commune",
                    world.forms["commune_leader_rates_agency_2025"], 5)
    db.session.commit()
    before = _state(world.round)
    with pytest.raises(Refused) as refused:
        change_status(world.round, "open")
    db.session.rollback()
    assert refused.value.code == "round_misfit"
    columns = {p.column for p in refused.value.details}
    # no SIPAS form is sent to either unit type: criterion 8.1 is missing for both
    assert {"agency/8.1", "commune/8.1"} <= columns
    form = qn.load_bundled("commune_leader_rates_agency_2025")
    off_commune = {f"{form.id}.{x.name}.criterion" for x in form.questions
                   if x.criterion == "6.3"}
    assert off_commune and off_commune <= columns
    title = world.pack.criterion("8.1").title.en
    assert any(title in p.message_en and "'agency'" in p.message_en
               for p in refused.value.details)
    assert refused.value.message_id == CANNOT_OPEN
    english = refused.value.lines("en")
    assert english[0].startswith("The round cannot open")
    assert english[1:] == [p.message_en for p in refused.value.details]
    assert _state(world.round) == before and before[0] == "draft"
    assert round_fit_problems(world.round) == refused.value.details


def test_the_draft_stays_editable_and_opens_once_it_fits(world):
    set_rating_cell(world.round, "delegate", "agency", world.forms["delegate_rates_agency_2025"], 5)
    cell = set_rating_cell(world.round, "commune_leader", "commune",
                           world.forms["commune_leader_rates_agency_2025"], 5)
    with pytest.raises(Refused):
        change_status(world.round, "open")
    remove_rating_cell(cell)
    set_rating_cell(world.round, "citizen", "agency", world.forms["sipas_2025"], 100)
    assert round_fit_problems(world.round) == []
    change_status(world.round, "open")
    db.session.commit()
    assert _state(world.round)[0] == "open"


def test_the_admin_page_lists_the_problems_and_the_refusal_flashes_them(client, world):
    set_rating_cell(world.round, "delegate", "agency", world.forms["delegate_rates_agency_2025"], 5)
    db.session.commit()
    problems = round_fit_problems(world.round)
    assert [p.column for p in problems] == ["agency/8.1"]
    log_in(client, world.admin)
    page = client.get(f"/admin/rounds/{world.round.id}").get_data(as_text=True)
    assert 'data-fit-problems="1"' in page
    refused = client.post(f"/admin/rounds/{world.round.id}/status", data={"status": "open"},
                          follow_redirects=True)
    html = refused.get_data(as_text=True)
    assert html.count('class="flash error"') == 2  # the headline and the one problem
    assert CANNOT_OPEN in html and "tiêu chí 8.1" in html
    db.session.expire_all()
    assert db.session.get(SurveyRound, world.round.id).status == "draft"


def test_an_open_round_refuses_a_matrix_change_that_would_misfit(world):
    set_rating_cell(world.round, "delegate", "agency", world.forms["delegate_rates_agency_2025"], 5)
    set_rating_cell(world.round, "citizen", "agency", world.forms["sipas_2025"], 100)
    change_status(world.round, "open")
    db.session.commit()
    before = _state(world.round)
    # the SIPAS form in the delegates' cell would leave every officials' criterion unscored
    with pytest.raises(Refused) as refused:
        set_rating_cell(world.round, "delegate", "agency", world.forms["sipas_2025"], 5)
    db.session.rollback()
    assert "agency/1.5" in {p.column for p in refused.value.details}
    assert refused.value.message_id == CANNOT_CHANGE_CELL
    assert _state(world.round) == before
    cell = set_rating_cell(world.round, "delegate", "agency",
                           world.forms["delegate_rates_agency_2025"], 8)  # a new quota is fine
    assert cell.quota == 8
