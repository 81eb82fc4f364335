"""Staff pages for rounds: login and roles, creation, status transitions with audit, the rating
matrix."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from builders import (
    create_province,
    create_questionnaire,
    create_response,
    create_round,
    create_unit,
    create_user,
    log_in,
)

from survey_app.extensions import db
from survey_app.models import AuditEvent, RatingCell, SurveyRound


@pytest.fixture
def world(app_ctx):
    province = create_province()
    units = [create_unit(province, code=f"S{i}", name=f"Sở {i}") for i in range(1, 4)]
    commune = create_unit(province, code="X1", name="Xã Một", unit_type="commune")
    questionnaire = create_questionnaire(form_id="bm01", group="delegate")
    survey_round = create_round(status="draft", province=province)
    admin = create_user("admin")
    focal = create_user("focal_point", unit=units[0])
    db.session.commit()
    return SimpleNamespace(
        province=province,
        units=units,
        commune=commune,
        questionnaire=questionnaire,
        round=survey_round,
        admin=admin,
        focal=focal,
    )


@pytest.mark.parametrize("url", ["/admin/", "/admin/rounds/new", "/admin/monitor"])
def test_anonymous_visitors_are_sent_to_login(client, world, url):
    page = client.get(url)
    assert page.status_code == 302
    assert "/auth/login" in page.headers["Location"]


def test_focal_point_cannot_run_rounds_but_sees_own_unit_on_monitor(client, world):
    world.round.status = "open"
    create_response(world.round, world.units[0], world.questionnaire, group="delegate")
    create_response(world.round, world.units[1], world.questionnaire, group="delegate")
    db.session.add(
        RatingCell(
            round_id=world.round.id,
            respondent_group="delegate",
            unit_type="agency",
            questionnaire_id=world.questionnaire.id,
            quota=4,
        )
    )
    db.session.commit()
    log_in(client, world.focal)
    assert client.get("/admin/").status_code == 403
    assert (
        client.post(f"/admin/rounds/{world.round.id}/status", data={"status": "closed"}).status_code
        == 403
    )
    page = client.get(f"/admin/rounds/{world.round.id}/monitor")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-unit="S1"' in html and 'data-unit="S2"' not in html
    assert "25 %" in html  # 1 response of a quota of 4


def test_admin_creates_a_round_and_a_taken_code_is_refused(client, world):
    log_in(client, world.admin)
    form = {
        "code": "SIPAS-2025",
        "province_id": world.province.id,
        "year": 2025,
        "period": "Năm 2025",
        "title": "Khảo sát SIPAS 2025",
        "anonymous": "y",
    }
    reply = client.post("/admin/rounds/new", data=form)
    assert reply.status_code == 302
    created = db.session.scalar(db.select(SurveyRound).filter_by(code="SIPAS-2025"))
    assert created.status == "draft" and created.title == "Khảo sát SIPAS 2025"
    again = client.post("/admin/rounds/new", data=form)
    assert again.status_code == 400
    assert "đã được dùng" in again.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(SurveyRound.id))) == 2
    missing = client.post("/admin/rounds/new", data={**form, "code": "", "title": ""})
    assert missing.status_code == 400 and "bắt buộc" in missing.get_data(as_text=True)


def test_status_moves_forward_with_audit_events(client, world):
    log_in(client, world.admin)
    url = f"/admin/rounds/{world.round.id}/status"
    refused = client.post(url, data={"status": "open"}, follow_redirects=True)
    assert "ít nhất một ô" in refused.get_data(as_text=True)  # no matrix cell yet
    client.post(
        f"/admin/rounds/{world.round.id}/matrix",
        data={
            "respondent_group": "delegate",
            "unit_type": "agency",
            "questionnaire_id": world.questionnaire.id,
            "quota": 3,
        },
    )
    for status in ("open", "closed", "published"):
        client.post(url, data={"status": status, "confirm": "yes"})
        db.session.expire_all()
        assert db.session.get(SurveyRound, world.round.id).status == status
    backwards = client.post(url, data={"status": "draft"}, follow_redirects=True)
    from survey_app.operations.rounds import CANNOT_MOVE_TO

    assert CANNOT_MOVE_TO["draft"] in backwards.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SurveyRound, world.round.id).status == "published"
    events = db.session.scalars(
        db.select(AuditEvent).filter_by(action="round.status").order_by(AuditEvent.id)
    ).all()
    assert [(e.detail["from"], e.detail["to"]) for e in events] == [
        ("draft", "open"),
        ("open", "closed"),
        ("closed", "published"),
    ]
    assert all(e.user_id == world.admin.id for e in events)


def test_matrix_cells_show_progress_against_quota(client, world):
    leader_form = create_questionnaire(form_id="bm02", group="commune_leader")
    db.session.commit()
    log_in(client, world.admin)
    url = f"/admin/rounds/{world.round.id}/matrix"
    assert (
        client.post(
            url,
            data={
                "respondent_group": "delegate",
                "unit_type": "agency",
                "questionnaire_id": world.questionnaire.id,
                "quota": 2,
            },
        ).status_code
        == 302
    )
    assert (
        client.post(
            url,
            data={
                "respondent_group": "commune_leader",
                "unit_type": "commune",
                "questionnaire_id": leader_form.id,
                "quota": 5,
            },
        ).status_code
        == 302
    )
    # Changing an existing cell updates it instead of adding a second one.
    client.post(
        url,
        data={
            "respondent_group": "delegate",
            "unit_type": "agency",
            "questionnaire_id": world.questionnaire.id,
            "quota": 4,
        },
    )
    cells = db.session.scalars(db.select(RatingCell).filter_by(round_id=world.round.id)).all()
    assert sorted((c.respondent_group, c.unit_type, c.quota) for c in cells) == [
        ("commune_leader", "commune", 5),
        ("delegate", "agency", 4),
    ]
    for unit in (world.units[0], world.units[0], world.units[1]):
        create_response(world.round, unit, world.questionnaire, group="delegate")
    create_response(
        world.round, world.units[2], world.questionnaire, group="delegate", quarantined=True
    )
    create_response(world.round, world.commune, leader_form, group="commune_leader")
    db.session.commit()
    from survey_app.operations.round_progress import matrix_progress

    progress = {
        (p.cell.respondent_group, p.cell.unit_type): p for p in matrix_progress(world.round)
    }
    delegate = progress[("delegate", "agency")]
    assert (delegate.units, delegate.target, delegate.responses) == (
        3,
        12,
        3,
    )  # quarantined not counted
    leader = progress[("commune_leader", "commune")]
    assert (leader.units, leader.target, leader.responses) == (1, 5, 1)
    html = client.get(f"/admin/rounds/{world.round.id}").get_data(as_text=True)
    assert "25 %" in html and "20 %" in html


def test_bad_matrix_input_is_a_vietnamese_message_and_changes_nothing(client, world):
    log_in(client, world.admin)
    reply = client.post(
        f"/admin/rounds/{world.round.id}/matrix",
        data={
            "respondent_group": "delegate",
            "unit_type": "agency",
            "questionnaire_id": world.questionnaire.id,
            "quota": -1,
        },
    )
    assert reply.status_code == 400
    assert "Giá trị phải từ 0 đến 100.000" in reply.get_data(as_text=True)
    assert "delegate" not in [c.respondent_group for c in db.session.scalars(db.select(RatingCell))]


def test_posts_without_a_csrf_token_are_refused(app, client, world):
    log_in(client, world.admin)
    app.config["WTF_CSRF_ENABLED"] = True
    reply = client.post(
        f"/admin/rounds/{world.round.id}/matrix",
        data={
            "respondent_group": "delegate",
            "unit_type": "agency",
            "questionnaire_id": world.questionnaire.id,
            "quota": 3,
        },
    )
    assert reply.status_code == 400
    assert db.session.scalar(db.select(db.func.count(RatingCell.id))) == 0
    page = client.get(f"/admin/rounds/{world.round.id}").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    reply = client.post(
        f"/admin/rounds/{world.round.id}/matrix",
        data={
            "csrf_token": token,
            "respondent_group": "delegate",
            "unit_type": "agency",
            "questionnaire_id": world.questionnaire.id,
            "quota": 3,
        },
    )
    assert reply.status_code == 302
    assert db.session.scalar(db.select(db.func.count(RatingCell.id))) == 1
