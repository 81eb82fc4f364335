"""Deadlines and units behind schedule; reminders: who may be reminded, the focal points' XLSX
with working personal links, the limit per invitation, the record of each reminder, sealed
tokens, and ``par-survey remind --dry-run``."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from builders import create_user, log_in
from fieldwork_world import fieldwork_world
from openpyxl import load_workbook

from survey_app.commands.remind import remind
from survey_app.extensions import db
from survey_app.models import AuditEvent, Invitation, Reminder, RoundDeadline, UnitTask
from survey_app.operations import deadlines
from survey_app.sealing import seal, unseal


@pytest.fixture
def world(app_ctx, client):
    world = fieldwork_world()
    log_in(client, world.admin)
    return world


def reminders_stored() -> list[tuple]:
    return [(r.invitation_id, r.channel, r.sequence, r.outcome)
            for r in db.session.scalars(db.select(Reminder).order_by(Reminder.id))]


# --- deadlines -----------------------------------------------------------------------------

def test_units_past_their_due_date_short_of_quota_are_listed_and_marked(client, world):
    base = f"/admin/rounds/{world.round.id}"
    reply = client.post(f"{base}/schedule/deadlines",
                        data={"fieldwork_ends": "2025-10-31", "units_report": "2025-10-15",
                              "results_due": "2025-12-20"})
    assert reply.status_code == 302
    unit_a, unit_b = world.units
    client.post(f"{base}/schedule/unit-due", data={"unit_id": unit_b.id, "due_on": "2099-01-01"})
    db.session.expire_all()
    assert deadlines.deadlines(world.round) == {
        "fieldwork_ends": dt.date(2025, 10, 31), "units_report": dt.date(2025, 10, 15),
        "results_due": dt.date(2025, 12, 20)}
    behind = deadlines.behind_schedule(world.round, dt.date(2025, 11, 1))
    assert [(s.unit.code, s.missing, s.unanswered_invitations) for s in behind] == [
        ("SO-A", 3, 3)]  # SO-B has its own later due date
    [shortfall] = behind[0].shortfalls
    assert (shortfall.group, shortfall.quota, shortfall.responses) == ("delegate", 3, 0)
    assert deadlines.behind_schedule(world.round, dt.date(2025, 10, 15)) == []  # due that day
    page = client.get(f"{base}/schedule").get_data(as_text=True)
    assert 'data-unit="SO-A" data-missing="3"' in page and 'data-unit="SO-B" data-missing' \
        not in page
    monitor = client.get(f"{base}/monitor").get_data(as_text=True)
    assert 'data-behind="SO-A"' in monitor and 'data-behind="SO-B"' not in monitor
    assert "fieldwork/remind-mail" in monitor and "unanswered.xlsx" in monitor


def test_a_published_round_refuses_new_deadlines(client, world):
    from survey_app.refusals import Refused

    world.round.status = "published"
    with pytest.raises(Refused, match="đã công bố"):
        deadlines.set_deadline(world.round, "results_due", dt.date(2026, 1, 10))
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(RoundDeadline.id))) == 0
    assert db.session.scalar(db.select(db.func.count(UnitTask.id))) == 0


# --- sealed tokens -------------------------------------------------------------------------

def test_a_token_is_sealed_under_its_own_key_for_its_own_invitation(app, world):
    invitation = world.invitations[0]
    token = world.tokens[invitation.id]
    assert token not in invitation.sealed_token and token not in invitation.token_hash
    assert unseal(invitation.sealed_token, invitation.id) == token
    assert unseal(invitation.sealed_token, invitation.id + 1) is None  # copied to another row
    sealed_elsewhere = seal(token, invitation.id)
    app.config["TOKEN_SEAL_KEY"] = "another-key-entirely-0123456789abcdef"
    assert unseal(sealed_elsewhere, invitation.id) is None


# --- the focal points' XLSX ----------------------------------------------------------------

def download(client, world, unit: str = ""):
    return client.post(f"/admin/rounds/{world.round.id}/fieldwork/unanswered.xlsx",
                       data={"unit": unit})


def sheets_of(reply) -> dict[str, list[tuple]]:
    workbook = load_workbook(io.BytesIO(reply.data), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in workbook.worksheets}


def test_the_xlsx_lists_unanswered_invitations_with_working_links(app, client, world):
    answered = world.invitations[0]
    refused = world.invitations[1]
    answered.status, answered.disposition = "used", "complete"
    refused.disposition = "refusal"
    db.session.commit()
    reply = download(client, world)
    assert reply.status_code == 200 and reply.headers["Cache-Control"] == "no-store"
    sheets = sheets_of(reply)
    assert sorted(sheets) == ["SO-A", "SO-B"]
    header, *rows_a = sheets["SO-A"]
    assert header[-1] == "link" and len(rows_a) == 1 and len(sheets["SO-B"]) == 4
    listed = {row[0]: row for rows in sheets.values() for row in rows[1:]}
    assert answered.id not in listed and refused.id not in listed
    for invitation_id, row in listed.items():
        assert row[-1].endswith("/i/" + world.tokens[invitation_id])
        assert row[6].endswith("@example.org")
        respondent = app.test_client()
        assert respondent.get(row[-1].removeprefix("http://localhost")).status_code == 200
    assert sorted(reminders_stored()) == sorted((i, "xlsx", 1, "listed") for i in listed)
    db.session.expire_all()
    assert {db.session.get(Invitation, i).reminder_count for i in listed} == {1}
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="reminders.xlsx"))


def test_no_invitation_is_reminded_more_than_the_limit(app, client, world):
    app.config["REMINDER_MAX_PER_INVITATION"] = 2
    assert download(client, world, "SO-A").status_code == 200
    assert download(client, world, "SO-A").status_code == 200
    before = reminders_stored()
    third = download(client, world, "SO-A")
    assert third.status_code == 302  # refused, said on the page
    assert "đủ 2 lần" in client.get(third.location).get_data(as_text=True)
    assert reminders_stored() == before and len(before) == 6
    db.session.expire_all()
    assert {i.reminder_count for i in world.invitations[:3]} == {2}
    assert {i.reminder_count for i in world.invitations[3:]} == {0}


def test_a_focal_point_downloads_only_the_own_unit(app, world):
    focal = create_user("focal_point", unit=world.units[1])
    db.session.commit()
    client = app.test_client()
    log_in(client, focal)
    assert download(client, world, "SO-A").status_code == 404
    assert reminders_stored() == []
    sheets = sheets_of(download(client, world))
    assert list(sheets) == ["SO-B"]
    page = client.get(f"/admin/rounds/{world.round.id}/fieldwork").get_data(as_text=True)
    assert "SO-B" in page and "SO-A" not in page
    assert "fieldwork/remind-mail" not in page  # sending e-mail is the admins'


# --- the command ---------------------------------------------------------------------------

def test_remind_dry_run_names_the_counts_and_records_nothing(app, runner, world):
    world.invitations[0].status = "used"
    db.session.commit()
    result = runner.invoke(remind, [world.round.code, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "SO-A: 2" in result.output and "SO-B: 3" in result.output
    assert "would send: 5" in result.output
    assert reminders_stored() == []
    for token in world.tokens.values():
        assert token not in result.output


def test_remind_without_an_smtp_server_is_refused(runner, world):
    result = runner.invoke(remind, [world.round.code])
    assert result.exit_code == 1 and "SMTP_HOST" in result.output
    assert reminders_stored() == []


def test_the_demo_frame_gives_some_citizens_an_example_org_address():
    from types import SimpleNamespace

    import numpy as np

    from sampling.frames import SIPAS_DOSSIERS, validate_frame
    from survey_app.operations.demo import DEMO_EMAIL_EVERY, _demo_dossiers

    rows = _demo_dossiers([SimpleNamespace(code="SO-A")], np.random.default_rng(1))
    check = validate_frame(rows, SIPAS_DOSSIERS, known_unit_codes={"SO-A": 1})
    emails = [row["email"] for row in check.rows if row.get("email")]
    assert "email" in check.personal_columns
    assert len(emails) == -(-len(rows) // DEMO_EMAIL_EVERY)
    assert all(address.endswith("@example.org") for address in emails)
