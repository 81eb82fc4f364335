"""AAPOR dispositions: set by the product (submission, draft) and by staff with a history that
cannot be edited, refused where they would lie, and the rates (RR1, RR3, COOP1, REF1) of a
hand-made set of cases in the monitor and the export contract."""
from __future__ import annotations

import re

import pytest
from builders import create_round, create_unit, create_user, invitation_for, log_in
from sqlalchemy import text

from analysis.contract import validate_contract
from survey_app.extensions import db
from survey_app.models import DispositionEvent, ImmutableRecordError, Invitation
from survey_app.operations.fieldwork_setup import issue_invitation


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def post_page(client, url: str, html: str, answers: dict, action: str = "next"):
    data = {key: hidden(html, key) for key in ("_page", "_sid", "_shown", "_shown_at")}
    if hidden(html, "_page") == "0":
        data["_consent"] = "yes"
    data["_action"] = action
    data.update(answers)
    return client.post(url, data=data)


def answer_all(client, token: str) -> None:
    url = f"/i/{token}"
    html = client.get(url).get_data(as_text=True)
    post_page(client, url, html, {"age": "44", "gender": "f"})
    html = client.get(url).get_data(as_text=True)
    post_page(client, url, html, {"used_online": "no", "counter_rating": "5"})
    html = client.get(url).get_data(as_text=True)
    assert post_page(client, url, html, {}).status_code == 303


def events_of(invitation) -> list[DispositionEvent]:
    return list(db.session.scalars(db.select(DispositionEvent).filter_by(
        invitation_id=invitation.id).order_by(DispositionEvent.id)))


@pytest.mark.parametrize("anonymous", [True, False])
def test_a_draft_makes_a_partial_and_a_submission_a_complete(client, app_ctx, anonymous):
    invitation, token = invitation_for(anonymous=anonymous)
    db.session.commit()
    assert invitation.disposition == "unknown" and invitation.sealed_token
    url = f"/i/{token}"
    html = client.get(url).get_data(as_text=True)
    post_page(client, url, html, {"age": "44", "gender": "f"})  # saves the draft
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).disposition == "partial"
    html = client.get(url).get_data(as_text=True)
    post_page(client, url, html, {"used_online": "no", "counter_rating": "5"})
    html = client.get(url).get_data(as_text=True)
    assert post_page(client, url, html, {}).status_code == 303
    db.session.expire_all()
    stored = db.session.get(Invitation, invitation.id)
    assert (stored.status, stored.disposition, stored.sealed_token) == ("used", "complete", None)
    events = events_of(invitation)
    assert [(e.previous, e.disposition, e.source) for e in events] == [
        ("unknown", "partial", "draft"), ("partial", "complete", "submission")]
    # An anonymous round records no time that could be matched with the response's day.
    assert all((e.recorded_at is None) == anonymous for e in events)


@pytest.fixture
def staffed(app_ctx, client):
    invitation, token = invitation_for()
    other, _ = invitation_for(survey_round=invitation.round)
    admin = create_user("admin")
    db.session.commit()
    log_in(client, admin)
    url = (f"/admin/rounds/{invitation.round_id}/invitations/{invitation.id}/disposition")
    return invitation, token, other, admin, url


def test_staff_record_a_refusal_with_a_history(client, staffed):
    invitation, _, _, admin, url = staffed
    reply = client.post(url, data={"disposition": "refusal", "note": "Từ chối qua điện thoại"})
    assert reply.status_code == 302
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).disposition == "refusal"
    [event] = events_of(invitation)
    assert (event.previous, event.disposition, event.source, event.user_id, event.note) == (
        "unknown", "refusal", "staff", admin.id, "Từ chối qua điện thoại")
    assert event.recorded_at is not None
    page = client.get(url).get_data(as_text=True)
    assert 'data-event="refusal"' in page and "Từ chối qua điện thoại" in page
    # The invitations page shows the disposition beside each invitation, with the form's link.
    listing = client.get(f"/admin/rounds/{invitation.round_id}/fieldwork").get_data(as_text=True)
    assert f'data-invitation="{invitation.id}"' in listing
    assert 'data-disposition="refusal"' in listing
    invitations = client.get(f"/admin/rounds/{invitation.round_id}/invitations")
    assert 'data-disposition="refusal"' in invitations.get_data(as_text=True)
    assert f"/invitations/{invitation.id}/disposition" in invitations.get_data(as_text=True)


@pytest.mark.parametrize("code, sentence", [
    ("complete", "chỉ có khi phiếu đã được gửi"), ("no-such", "không hợp lệ")])
def test_staff_cannot_record_a_complete_or_an_unknown_code(client, staffed, code, sentence):
    invitation, _, _, _, url = staffed
    reply = client.post(url, data={"disposition": code}, follow_redirects=True)
    assert reply.status_code in (200, 400)
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).disposition == "unknown"
    assert events_of(invitation) == []


def test_a_submitted_invitation_keeps_its_complete(client, app, staffed):
    invitation, token, _, _, url = staffed
    answer_all(app.test_client(), token)
    reply = client.post(url, data={"disposition": "refusal"}, follow_redirects=True)
    assert "không đổi được" in reply.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).disposition == "complete"
    assert [e.source for e in events_of(invitation)] == ["draft", "submission"]


def test_a_focal_point_records_only_for_the_own_unit(app, staffed):
    invitation, _, other, _, url = staffed
    focal = create_user("focal_point", unit=invitation.rated_unit)
    db.session.commit()
    client = app.test_client()
    log_in(client, focal)
    assert client.post(url, data={"disposition": "non_contact"}).status_code == 302
    other_url = url.replace(f"/{invitation.id}/", f"/{other.id}/")
    assert client.post(other_url, data={"disposition": "refusal"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Invitation, other.id).disposition == "unknown"
    assert events_of(other) == []


def test_the_history_is_append_only(client, staffed):
    invitation, _, _, _, url = staffed
    client.post(url, data={"disposition": "unable"})
    [event] = events_of(invitation)
    for statement in ("UPDATE disposition_events SET disposition = 'complete'",
                      "DELETE FROM disposition_events"):
        with pytest.raises(ImmutableRecordError, match="chỉ được ghi thêm"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert [e.disposition for e in events_of(invitation)] == ["unable"]


def hand_made_round():
    """10 cases of unit U1: 4 complete, 1 partial, 2 refusal, 1 non-contact, 1 ineligible,
    1 unknown; and 1 revoked invitation (no case)."""
    from survey_app.models import QuestionnaireVersion

    survey_round = create_round()
    unit = create_unit(survey_round.province, code="U1", name="Đơn vị Một")
    invitation, _ = invitation_for(survey_round=survey_round)
    questionnaire = db.session.get(QuestionnaireVersion, invitation.questionnaire_id)
    invitation.rated_unit_id = unit.id
    codes = ["complete"] * 4 + ["partial", "refusal", "refusal", "non_contact", "ineligible"]
    for code in codes:
        issued, _ = issue_invitation(survey_round, questionnaire, unit, "delegate", stratum="S1")
        issued.disposition = code
        if code == "complete":
            issued.status = "used"
    revoked, _ = issue_invitation(survey_round, questionnaire, unit, "delegate", stratum="S1")
    revoked.status, revoked.disposition = "revoked", "refusal"
    db.session.commit()
    return survey_round


def test_rates_of_a_hand_made_set_match_the_hand_worked_values(app_ctx):
    from survey_app.operations.dispositions import round_outcome_rates

    survey_round = hand_made_round()
    rows = {(r.level, r.key): r.rates for r in round_outcome_rates(survey_round)}
    unit = rows[("unit", "U1")]
    # I=4, P=1, R=2, NC=1, O=0, U=1 (the first invitation), ineligible 1.
    assert unit.counts["unknown"] == 1 and unit.counts["ineligible"] == 1
    assert unit.rr1 == pytest.approx(4 / 9)               # 4 / (5 + 3 + 1)
    e = 8 / 9                                             # eligible 8 of 9 resolved cases
    assert unit.rr3 == pytest.approx(4 / (8 + e * 1))
    assert unit.coop1 == pytest.approx(4 / 7)             # 4 / (5 + 2 + 0)
    assert unit.ref1 == pytest.approx(2 / 9)
    assert rows[("stratum", "S1")].rr1 == pytest.approx(4 / 9)
    assert rows[("group", "delegate")].counts == unit.counts


def test_the_contract_carries_the_rates_with_their_formulas(app_ctx):
    from analysis.contract import build_contract
    from survey_app.operations.dispositions import contract_outcome_rates

    survey_round = hand_made_round()
    block = contract_outcome_rates(survey_round)
    assert "RR3 = I / ((I+P) + (R+NC+O) + e·U)" in block["reference"]
    doc = build_contract(
        round={"code": "R", "year": 2025, "province": "P", "period_start": "2025-01-01",
               "period_end": "2025-12-31"},
        provenance={"pack": {"id": "P", "version": "1"}, "weighting_method": "base",
                    "software_version": "0"},
        units=[], outcome_rates=block)
    checked = validate_contract(doc)
    unit_row = next(r for r in checked["outcome_rates"]["rows"] if r["key"] == "U1")
    assert unit_row["rr1"] == pytest.approx(4 / 9) and unit_row["level"] == "unit"
    # Back-compatible: a v1 document without the block still validates.
    del doc["outcome_rates"]
    assert validate_contract(doc)["contract_version"] == "1"


def test_the_monitor_shows_the_rates_per_unit(client, app_ctx):
    survey_round = hand_made_round()
    log_in(client, create_user("admin"))
    db.session.commit()
    page = client.get(f"/admin/rounds/{survey_round.id}/fieldwork").get_data(as_text=True)
    assert 'data-level="unit" data-key="U1"' in page and "RR3" in page and "AAPOR" in page
    # the monitor: the four rates per unit, and the round, each stratum and group below
    from survey_app.operations.dispositions import round_outcome_rates

    monitor = client.get(f"/admin/rounds/{survey_round.id}/monitor").get_data(as_text=True)
    expected = {(r.level, r.key or "") for r in round_outcome_rates(survey_round)
                if r.level != "unit"}
    assert {"round", "stratum", "group"} <= {level for level, _key in expected}
    shown = set(re.findall(r'<tr data-level="(\w+)" data-key="([^"]*)">', monitor))
    assert shown == expected
    table = monitor[monitor.index('<table class="rates">'):]
    assert "<th>RR1</th><th>RR3</th><th>COOP1</th><th>REF1</th>" in table
