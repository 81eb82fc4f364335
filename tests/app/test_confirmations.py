"""Irreversible staff steps (publish a round, revoke invitations, purge or delete a frame) ask for
confirmation on a page that says what will happen, working without JavaScript: a POST without
``confirm=yes`` changes nothing and lands on that page; the page's form carries a CSRF token."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from builders import (
    create_response,
    create_round,
    create_user,
    invitation_for,
    log_in,
    sipas_frame_csv,
)

from survey_app.extensions import db
from survey_app.models import AuditEvent, FrameRow, Invitation, SampleFrame, SurveyRound
from survey_app.operations.frames import import_frame
from survey_app.operations.sample_plans import PlanOptions, draw_plan


def audit_count() -> int:
    return db.session.scalar(db.select(db.func.count(AuditEvent.id)))


def status_of(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id).status


@pytest.fixture
def world(app_ctx, client):
    admin = create_user("admin")
    survey_round = create_round(status="open")
    first, _ = invitation_for(survey_round=survey_round)
    unit = first.rated_unit
    second, _ = invitation_for(survey_round=survey_round)
    second.rated_unit_id = unit.id
    used, _ = invitation_for(survey_round=survey_round)
    used.rated_unit_id, used.status = unit.id, "used"
    draft = create_round(status="draft", province=survey_round.province)
    frame = import_frame(draft, "sipas_dossiers", "khung.csv", sipas_frame_csv([unit.code], 7),
                         admin)
    closed = create_round(status="closed", province=survey_round.province)
    for _ in range(3):
        create_response(closed, unit, first.questionnaire)
    db.session.commit()
    log_in(client, admin)
    return SimpleNamespace(round=survey_round, unit=unit, first=first, second=second, used=used,
                           draft=draft, frame=frame, closed=closed, admin=admin)


def confirmation(reply) -> str:
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "data-confirmation" in html, html[:500]
    assert 'name="confirm" value="yes"' in html and 'name="csrf_token"' in html
    return html


# --- publishing a round ---------------------------------------------------------------------

def test_publish_without_confirmation_lands_on_the_page_and_changes_nothing(client, world):
    before = audit_count()
    url = f"/admin/rounds/{world.closed.id}/status"
    reply = client.post(url, data={"status": "published"})
    assert reply.status_code == 302
    assert reply.headers["Location"].endswith(f"/admin/rounds/{world.closed.id}/publish")
    assert status_of(SurveyRound, world.closed.id) == "closed" and audit_count() == before
    html = confirmation(client.get(reply.headers["Location"]))
    assert "3 phiếu trả lời về 1 đơn vị" in html and "không thể sửa" in html
    assert f'action="{url}"' in html and 'name="status" value="published"' in html
    done = client.post(url, data={"status": "published", "confirm": "yes"})
    assert done.status_code == 302 and status_of(SurveyRound, world.closed.id) == "published"


def test_other_status_changes_need_no_confirmation(client, world):
    reply = client.post(f"/admin/rounds/{world.round.id}/status", data={"status": "closed"})
    assert reply.status_code == 302 and status_of(SurveyRound, world.round.id) == "closed"


def test_publish_page_of_an_open_round_offers_no_form(client, world):
    html = client.get(f"/admin/rounds/{world.round.id}/publish").get_data(as_text=True)
    assert "không công bố được" in html and 'name="confirm"' not in html


def test_publish_page_in_english(client, world):
    html = client.get(f"/admin/rounds/{world.closed.id}/publish?lang=en").get_data(as_text=True)
    assert "cannot be edited" in html and "không thể sửa" not in html


# --- revoking invitations -------------------------------------------------------------------

def test_revoke_one_without_confirmation_changes_nothing(client, world):
    base = f"/admin/rounds/{world.round.id}/invitations/{world.first.id}/revoke"
    before = audit_count()
    reply = client.post(base, data={"status": "issued"})
    assert reply.status_code == 302 and reply.headers["Location"].startswith(base)
    assert "status=issued" in reply.headers["Location"]  # the list's filters are kept
    assert status_of(Invitation, world.first.id) == "issued" and audit_count() == before
    html = confirmation(client.get(reply.headers["Location"]))
    assert f"#{world.first.id}" in html and world.unit.name in html
    client.post(base, data={"confirm": "yes"})
    assert status_of(Invitation, world.first.id) == "revoked"


def test_revoke_unit_page_counts_the_unused_invitations(client, world):
    url = f"/admin/rounds/{world.round.id}/invitations/revoke-unit"
    before = audit_count()
    reply = client.post(url, data={"unit_id": world.unit.id})
    assert reply.status_code == 302 and f"unit_id={world.unit.id}" in reply.headers["Location"]
    assert {status_of(Invitation, i.id) for i in (world.first, world.second)} == {"issued"}
    assert audit_count() == before
    html = confirmation(client.get(reply.headers["Location"]))
    assert "2 thư mời chưa dùng" in html  # the used one is not counted
    client.post(url, data={"unit_id": world.unit.id, "confirm": "yes"})
    assert {status_of(Invitation, i.id) for i in (world.first, world.second)} == {"revoked"}
    assert status_of(Invitation, world.used.id) == "used"


def test_list_links_to_the_confirmation_pages_not_to_a_post(client, world):
    html = client.get(f"/admin/rounds/{world.round.id}/invitations?unit={world.unit.id}"
                      ).get_data(as_text=True)
    assert f"/invitations/revoke-unit?unit_id={world.unit.id}" in html
    assert f'href="/admin/rounds/{world.round.id}/invitations/{world.first.id}/revoke' in html


# --- a frame's personal data and the frame itself -------------------------------------------

def personal_rows(frame_id) -> int:
    db.session.expire_all()
    rows = db.session.scalars(db.select(FrameRow).filter_by(frame_id=frame_id))
    return sum(1 for row in rows if row.personal)


def test_purge_without_confirmation_keeps_the_personal_data(client, world):
    url = f"/admin/rounds/{world.draft.id}/frames/{world.frame.id}/purge"
    reply = client.post(url)
    assert reply.status_code == 302 and reply.headers["Location"].endswith(url)
    assert personal_rows(world.frame.id) == 7
    html = confirmation(client.get(url))
    assert "7 dòng" in html
    client.post(url, data={"confirm": "yes"})
    assert personal_rows(world.frame.id) == 0


def test_delete_frame_without_confirmation_keeps_it(client, world):
    url = f"/admin/rounds/{world.draft.id}/frames/{world.frame.id}/delete"
    before = audit_count()
    reply = client.post(url)
    assert reply.status_code == 302 and reply.headers["Location"].endswith(url)
    assert db.session.get(SampleFrame, world.frame.id) is not None and audit_count() == before
    html = confirmation(client.get(url))
    assert "7 dòng" in html and "khung.csv" in html
    done = client.post(url, data={"confirm": "yes"})
    assert done.headers["Location"].endswith(f"/admin/rounds/{world.draft.id}")
    db.session.expire_all()
    assert db.session.get(SampleFrame, world.frame.id) is None
    assert db.session.scalar(db.select(db.func.count(FrameRow.id))) == 0
    event = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "frame.delete" and event.detail["rows"] == 7


def test_a_frame_with_a_sample_cannot_be_deleted(client, world):
    draw_plan(world.draft, world.frame, PlanOptions(size_mode="fixed", n=3), seed=5,
              user=world.admin)
    db.session.commit()
    url = f"/admin/rounds/{world.draft.id}/frames/{world.frame.id}/delete"
    html = client.get(url).get_data(as_text=True)
    assert "Đã rút 1 mẫu từ khung này" in html and 'name="confirm"' not in html
    before = audit_count()
    reply = client.post(url, data={"confirm": "yes"}, follow_redirects=True)
    assert "không xoá được khung" in reply.get_data(as_text=True)
    assert db.session.get(SampleFrame, world.frame.id) is not None and audit_count() == before
    assert db.session.scalar(db.select(db.func.count(FrameRow.id))) == 7


def test_a_confirmation_without_its_csrf_token_is_refused(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get(f"/admin/rounds/{world.closed.id}/publish").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    url = f"/admin/rounds/{world.closed.id}/status"
    client.post(url, data={"status": "published", "confirm": "yes"})
    assert status_of(SurveyRound, world.closed.id) == "closed"
    client.post(url, data={"status": "published", "confirm": "yes", "csrf_token": token})
    assert status_of(SurveyRound, world.closed.id) == "published"
