"""Set-up mistakes refused with a sentence (Vietnamese, English through the switch), nothing
stored: a QR point's questionnaire comes from the rating matrix, the respondent group is a choice,
a round past its closing date takes no answers and does not open, and the demo's links use the
address it serves on."""
from __future__ import annotations

import datetime as dt
import html as html_text
import json
import re
import uuid
from types import SimpleNamespace

from flask_babel import refresh

import pytest
from builders import (
    GOOD_ANSWERS,
    STAFF_PASSWORD,
    create_province,
    create_questionnaire,
    create_round,
    create_unit,
    create_user,
    log_in,
)

from survey_app.clock import vietnam_today
from survey_app.extensions import db
from survey_app.models import (
    AuditEvent,
    Draft,
    EntryPoint,
    FrameRow,
    RatingCell,
    Response,
    SampleMember,
    SurveyRound,
    Unit,
    User,
)
from survey_app.operations.entry_points import add_entry_point
from survey_app.operations.fieldwork_setup import create_entry_point
from survey_app.operations.invitations import IssuedInvitation, issued_cards
from survey_app.operations.rounds import change_status, set_rating_cell
from survey_app.refusals import Refused


def _flashes(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", html_text.unescape(m)).strip()
            for m in re.findall(r'class="flash error"[^>]*>(.*?)<', html, re.DOTALL)]


def _request(client, method: str, url: str, **kw):
    """A request in its own language: the test's app context would keep the first locale."""
    refresh()
    reply = getattr(client, method)(url, **kw)
    refresh()
    return reply


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.fixture
def world(app_ctx, client):
    """An open round whose matrix sends the citizens' form to agencies only; a commune too."""
    province = create_province()
    agency = create_unit(province, code="SO-TP", name="Sở Tư pháp")
    commune = create_unit(province, code="XA-AB", name="Xã An Bình", unit_type="commune")
    survey_round = create_round(status="open", province=province)
    citizen = create_questionnaire(group="citizen")
    delegate = create_questionnaire(group="delegate")
    set_rating_cell(survey_round, "citizen", "agency", citizen, 30)
    admin = create_user("admin")
    db.session.commit()
    log_in(client, admin)
    return SimpleNamespace(round=survey_round, agency=agency, commune=commune, citizen=citizen,
                           delegate=delegate, base=f"/admin/rounds/{survey_round.id}")


# --- 1. a QR point's questionnaire comes from the rating matrix ------------------------------


def test_entry_point_form_offers_groups_by_name_and_takes_the_matrix_questionnaire(client, world):
    page = client.get(f"{world.base}/entry-points").get_data(as_text=True)
    assert 'name="questionnaire_id"' not in page  # no questionnaire to pick
    select = re.search(r'<select[^>]*name="respondent_group".*?</select>', page, re.DOTALL)
    assert select and "Người dân, tổ chức" in select.group(0) and ">citizen<" not in page
    english = _request(client, "get", f"{world.base}/entry-points?lang=en").get_data(
        as_text=True)
    select = re.search(r'<select[^>]*name="respondent_group".*?</select>', english, re.DOTALL)
    assert "Citizens and organisations" in select.group(0)
    reply = _request(client, "post", f"{world.base}/entry-points?lang=vi",
                        data={"unit_id": world.agency.id, "respondent_group": "citizen",
                              "counter": "Quầy 1"})
    assert reply.status_code == 302
    entry = db.session.scalar(db.select(EntryPoint))
    assert entry.questionnaire_id == world.citizen.id and entry.unit_id == world.agency.id


@pytest.mark.parametrize("lang, sentence", [
    ("vi", "Ma trận đánh giá của đợt không có ô cho nhóm Người dân, tổ chức đánh giá loại đơn vị "
           "UBND cấp xã."),
    ("en", "The round's rating matrix has no cell for"),
])
def test_entry_point_without_a_matrix_cell_is_refused(client, world, lang, sentence):
    reply = _request(client, "post", f"{world.base}/entry-points?lang={lang}",
                        data={"unit_id": world.commune.id, "respondent_group": "citizen",
                              "counter": "Quầy 2"})
    assert reply.status_code == 400
    assert any(line.startswith(sentence) for line in _flashes(reply.get_data(as_text=True)))
    assert _count(EntryPoint) == 0
    assert "entry_point.create" not in db.session.scalars(db.select(AuditEvent.action)).all()


def test_an_operation_given_a_questionnaire_the_matrix_does_not_assign_is_refused(world):
    before = _count(AuditEvent)
    with pytest.raises(Refused) as refused:
        add_entry_point(world.round, world.agency.id, "citizen", "Quầy 3",
                        questionnaire_id=world.delegate.id)
    db.session.rollback()
    assert refused.value.code == "questionnaire_not_in_matrix"
    assert refused.value.message("vi").startswith("Phiếu này không phải phiếu mà ma trận")
    assert refused.value.message("en").startswith("This questionnaire is not the one")
    assert _count(EntryPoint) == 0 and _count(AuditEvent) == before
    entry = add_entry_point(world.round, world.agency.id, "citizen", "Quầy 3",
                            questionnaire_id=world.citizen.id)  # the matrix's own form is fine
    assert entry.questionnaire_id == world.citizen.id


# --- 2. the respondent group is a choice, never free text ------------------------------------


def test_matrix_form_offers_the_rounds_groups_by_name(client, world):
    page = client.get(world.base).get_data(as_text=True)
    select = re.search(r'<select[^>]*name="respondent_group".*?</select>', page, re.DOTALL)
    assert select, "the respondent group is a select, not a text box"
    assert 'value="citizen"' in select.group(0) and "Người dân, tổ chức" in select.group(0)
    assert "Đại biểu HĐND tỉnh" in select.group(0)  # a published form is written for delegates
    english = _request(client, "get", f"{world.base}?lang=en").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="respondent_group".*?</select>', english, re.DOTALL)
    assert "Citizens and organisations" in select.group(0) and "Người dân" not in select.group(0)


@pytest.mark.parametrize("lang, sentence", [
    ("vi", "Nhóm người trả lời “khach_vang_lai” không có trong danh sách nhóm của đợt"),
    ("en", "Respondent group “khach_vang_lai” is not one of the round's groups"),
])
def test_an_unknown_group_posted_to_the_matrix_is_refused(client, world, lang, sentence):
    cells = _count(RatingCell)
    reply = _request(client, "post", f"{world.base}/matrix?lang={lang}",
                        data={"respondent_group": "khach_vang_lai", "unit_type": "commune",
                              "questionnaire_id": world.citizen.id, "quota": 5},
                        follow_redirects=True)
    assert any(line.startswith(sentence) for line in _flashes(reply.get_data(as_text=True)))
    assert _count(RatingCell) == cells


def test_an_unknown_group_for_a_qr_point_is_refused(client, world):
    reply = _request(client, "post", f"{world.base}/entry-points?lang=vi",
                        data={"unit_id": world.agency.id, "respondent_group": "khach_vang_lai"})
    assert reply.status_code == 400
    assert any("“khach_vang_lai” không có trong danh sách nhóm" in line
               for line in _flashes(reply.get_data(as_text=True)))
    assert _count(EntryPoint) == 0


def test_a_pack_that_weighs_groups_names_the_rounds_groups(world):
    import questionnaires

    from survey_app.operations.documents import publish_pack
    from survey_app.operations.matrix import pack_groups

    pack = questionnaires.load_bundled_pack("national_2023")  # weighs four officials' groups
    world.round.methodology_pack_id = publish_pack(pack, pack.to_dict()).id
    db.session.flush()
    db.session.expire(world.round, ["methodology_pack"])
    assert pack_groups(world.round) == ["delegate"]  # weighed, and a form is published for it
    with pytest.raises(Refused) as refused:  # citizens have a form but no weight in this pack
        set_rating_cell(world.round, "citizen", "commune", world.citizen, 5)
    assert refused.value.code == "unknown_group"


def test_a_matrix_cell_with_another_groups_questionnaire_is_refused(world):
    cells = _count(RatingCell)
    with pytest.raises(Refused) as refused:
        set_rating_cell(world.round, "delegate", "commune", world.citizen, 5)
    db.session.rollback()
    assert refused.value.code == "questionnaire_group"
    assert "dành cho nhóm Người dân, tổ chức" in refused.value.message("vi")
    assert refused.value.message("en").startswith("Questionnaire ")
    assert _count(RatingCell) == cells


# --- 3. no answers after the closing date; no opening past it --------------------------------


def test_vietnams_date_is_the_day_in_ho_chi_minh_city():
    late_evening_utc = dt.datetime(2026, 11, 30, 17, 30, tzinfo=dt.timezone.utc)
    assert vietnam_today(late_evening_utc) == dt.date(2026, 12, 1)
    assert vietnam_today(dt.datetime(2026, 11, 30, 16, 59, tzinfo=dt.timezone.utc)) == dt.date(
        2026, 11, 30)


@pytest.fixture
def past_entry(app_ctx):
    """An open round whose closing date was yesterday in Vietnam, and a QR point of it."""
    yesterday = vietnam_today() - dt.timedelta(days=1)
    survey_round = create_round(status="open", opens_on=yesterday - dt.timedelta(days=30),
                                closes_on=yesterday)
    entry = create_entry_point(survey_round, create_unit(survey_round.province),
                               create_questionnaire())
    db.session.commit()
    return entry


def test_a_round_past_its_closing_date_shows_the_closed_page(client, past_entry):
    for lang, heading in (("vi", "Đợt khảo sát đã đóng"), ("en", "The survey round is closed")):
        page = _request(client, "get", f"/s/{past_entry.code}?lang={lang}")
        assert page.status_code == 410
        assert heading in page.get_data(as_text=True)
    reply = client.post(f"/s/{past_entry.code}", data={"_page": "0", "age": "40", "gender": "f"})
    assert reply.status_code == 410  # no draft saved either
    assert _count(Draft) == 0 and _count(Response) == 0


def test_an_api_submission_after_the_closing_date_is_refused(client, past_entry):
    reply = client.post("/api/v1/submissions", json={
        "entry": past_entry.code, "submission_id": str(uuid.uuid4()), "answers": GOOD_ANSWERS})
    assert reply.status_code == 410
    error = reply.get_json()["error"]
    assert error["code"] == "closed"
    assert error["message_vi"].startswith("Đợt khảo sát này đã đóng")
    assert error["message_en"]
    assert _count(Response) == 0


def test_the_closing_day_itself_still_takes_answers(app_ctx):
    today = vietnam_today()
    survey_round = SurveyRound(status="open", closes_on=today)
    assert survey_round.accepts_answers_on(today)
    assert not survey_round.accepts_answers_on(today + dt.timedelta(days=1))
    assert not SurveyRound(status="closed", closes_on=None).accepts_answers_on(today)


@pytest.mark.parametrize("lang, sentence", [
    ("vi", "Không mở được đợt R-QUA-HAN: ngày đóng của đợt (30/11/2025) đã qua"),
    ("en", "Round R-QUA-HAN cannot open: its closing date (30/11/2025) has passed"),
])
def test_opening_a_round_past_its_closing_date_is_refused(client, world, lang, sentence):
    draft = create_round(status="draft", province=world.round.province, code="R-QUA-HAN",
                         opens_on=dt.date(2025, 9, 1), closes_on=dt.date(2025, 11, 30))
    set_rating_cell(draft, "citizen", "agency", world.citizen, 30)
    db.session.commit()
    events = _count(AuditEvent)
    reply = _request(client, "post", f"/admin/rounds/{draft.id}/status?lang={lang}",
                     data={"status": "open"}, follow_redirects=True)
    assert any(line.startswith(sentence) for line in _flashes(reply.get_data(as_text=True)))
    assert db.session.get(SurveyRound, draft.id).status == "draft"
    assert _count(AuditEvent) == events
    with pytest.raises(Refused) as refused:  # the operation itself, on any day after
        change_status(draft, "open", today=dt.date(2025, 12, 1))
    assert refused.value.code == "round_past_closing"
    db.session.rollback()
    change_status(draft, "open", today=dt.date(2025, 11, 30))  # on the closing day it opens
    assert draft.status == "open"


# --- 4. the demo's links use the address it serves on ----------------------------------------


def test_demo_links_posters_and_cards_use_the_demo_port(app, runner, client, monkeypatch):
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    from survey_app.commands.demo import demo

    result = runner.invoke(demo, ["--no-serve", "--port", "5123"])
    assert result.exit_code == 0, result.output
    with open(f"{app.instance_path}/demo-manifest.json", encoding="utf-8") as handle:
        manifest = json.load(handle)
    base = "http://127.0.0.1:5123"
    assert manifest["base_url"] == base
    links = [e["url"] for e in manifest["entry_points"]] + [i["url"] for i in
                                                          manifest["invitations"]]
    assert links and all(link.startswith(base + "/") for link in links)
    assert manifest["entry_points"][0]["url"] in result.output
    with app.app_context():
        survey_round = db.session.scalar(db.select(SurveyRound).filter_by(code="DEMO-2025"))
        assert survey_round.accepts_answers_on(vietnam_today())  # seeded today, open today
        round_id = survey_round.id
        member, unit = db.session.execute(
            db.select(SampleMember, Unit).join(FrameRow, FrameRow.id == SampleMember.frame_row_id)
            .join(Unit, Unit.id == FrameRow.unit_id).limit(1)).one()
        # the printable cards of invitations issued by this process
        [card] = issued_cards([IssuedInvitation(member, unit, "the-token", {})])
        assert card["link"] == f"{base}/i/the-token" and "<svg" in card["qr"]
        admin = db.session.scalar(db.select(User).filter_by(username="admin"))
        admin.set_password(STAFF_PASSWORD)
        db.session.commit()
    assert client.get(manifest["entry_points"][0]["url"].removeprefix(base)).status_code == 200
    log_in(client, SimpleNamespace(username="admin"))
    posters = client.get(f"/admin/rounds/{round_id}/entry-points/posters").get_data(as_text=True)
    assert posters.count(f"{base}/s/") >= len(manifest["entry_points"])
    assert "http://localhost/" not in posters
    listing = client.get(f"/admin/rounds/{round_id}/entry-points").get_data(as_text=True)
    assert f"{base}/s/" in listing and "http://localhost/" not in listing
