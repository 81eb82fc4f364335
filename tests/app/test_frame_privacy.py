"""Personal data of a frame (names, phones) is masked on staff pages by default, shown in full only
to admins and only on request (a POST), and every showing is an audit event (who, which frame,
when); the member list download is audited too."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from builders import create_round, create_unit, create_user, log_in, sipas_frame_csv
from openpyxl import load_workbook

from survey_app.extensions import db
from survey_app.models import AuditEvent
from survey_app.operations.audit import verify_chain
from survey_app.operations.frames import import_frame
from survey_app.operations.personal_data import mask, mask_email, mask_name, mask_phone
from survey_app.operations.sample_plans import PlanOptions, draw_plan


def test_masks_keep_a_few_characters_only():
    assert mask_name("Nguyễn Văn An") == "Ng••• V•• A"
    assert mask_name("Hà") == "H•••"
    assert mask_phone("0912345123") == "09•••••123"
    assert mask_phone("091 234 5123") == "09•••••123"
    assert mask_email("an.nguyen@example.vn") == "a•••@example.vn"
    assert mask("phone", None) == "" and mask("address", "12 Lê Lợi") == "1•••"


@pytest.fixture
def world(app_ctx, client):
    admin = create_user("admin")
    survey_round = create_round(status="draft")
    unit = create_unit(survey_round.province, code="SNV")
    frame = import_frame(survey_round, "sipas_dossiers", "khung.csv",
                         sipas_frame_csv(["SNV"], 12), admin)
    plan = draw_plan(survey_round, frame, PlanOptions(size_mode="fixed", n=5), seed=3, user=admin)
    db.session.commit()
    log_in(client, admin)
    base = f"/admin/rounds/{survey_round.id}"
    return SimpleNamespace(
        round=survey_round, unit=unit, frame=frame, plan=plan, admin=admin,
        frame_url=f"{base}/frames/{frame.id}", plan_url=f"{base}/plans/{plan.id}",
    )


def shown_events() -> list[AuditEvent]:
    return list(db.session.scalars(
        db.select(AuditEvent).filter_by(action="frame.personal_shown").order_by(AuditEvent.id)))


def test_frame_page_masks_names_and_phones_by_default(client, world):
    html = client.get(world.frame_url).get_data(as_text=True)
    assert 'data-personal-state="masked"' in html
    assert "Người dân 1<" not in html and "0900000001" not in html
    assert "Ng••• d•• 1" in html and "09•••••001" in html
    assert shown_events() == []  # looking at the masked page is not a showing


def test_showing_is_a_post_that_is_audited(client, world):
    assert client.get(world.frame_url + "/personal").status_code == 405  # no GET: no link leak
    reply = client.post(world.frame_url + "/personal")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200 and reply.headers["Cache-Control"] == "no-store"
    assert 'data-personal-state="shown"' in html
    assert "Người dân 1<" in html and "0900000012" in html
    [event] = shown_events()
    assert event.user_id == world.admin.id and event.object_type == "sample_frames"
    assert event.object_id == str(world.frame.id) and event.at is not None
    assert event.detail == {"rows": 12, "page": "frame", "round": world.round.id}
    assert verify_chain().intact
    assert "0900000012" not in client.get(world.frame_url).get_data(as_text=True)  # masked again


@pytest.mark.parametrize("role", ["focal_point", "council"])
def test_other_roles_are_refused_and_nothing_is_recorded(client, world, role):
    other = create_user(role, unit=world.unit if role == "focal_point" else None)
    db.session.commit()
    client.post("/auth/logout")
    log_in(client, other)
    for url in (world.frame_url + "/personal", world.plan_url + "/personal"):
        reply = client.post(url)
        assert reply.status_code == 403
        assert "0900000001" not in reply.get_data(as_text=True)
    assert client.get(world.frame_url).status_code == 403
    assert shown_events() == []


def test_plan_page_masks_members_until_shown(client, world):
    html = client.get(world.plan_url).get_data(as_text=True)
    assert 'data-personal-state="masked"' in html and "09•••••" in html
    assert "Người dân" not in html.replace("Ng••• d••", "")
    shown = client.post(world.plan_url + "/personal").get_data(as_text=True)
    assert "Người dân" in shown and 'data-personal-state="shown"' in shown
    [event] = shown_events()
    assert event.detail["plan"] == world.plan.id and event.detail["page"] == "plan"
    assert event.object_id == str(world.frame.id)


def test_member_list_download_is_audited(client, world):
    reply = client.get(world.plan_url + "/members.xlsx")
    sheet = load_workbook(io.BytesIO(reply.data)).active
    cells = {str(v) for row in sheet.iter_rows(min_row=2, values_only=True) for v in row}
    assert any(v.startswith("0900000") for v in cells)  # the file is for contacting: full data
    [event] = shown_events()
    assert event.detail["page"] == "members.xlsx" and event.user_id == world.admin.id


def test_purged_frame_has_nothing_to_show(client, world):
    client.post(world.frame_url + "/purge", data={"confirm": "yes"})
    html = client.get(world.frame_url).get_data(as_text=True)
    assert "data-personal-state" not in html
    reply = client.post(world.frame_url + "/personal")
    assert reply.status_code == 302 and shown_events() == []
