"""E-mail delivery against a real SMTP server (aiosmtpd on 127.0.0.1, started by the test): one
Vietnamese message per person with plain text, HTML and a working personal link; the per-minute
cap; a refused recipient and a dropped connection each reported on their own invitation while
the others are delivered; no token in the app's logs; ``par-survey remind`` end to end."""
from __future__ import annotations

import email
import email.policy
import logging
import re
import socket

import pytest
from aiosmtpd.controller import Controller
from fieldwork_world import fieldwork_world

from survey_app.commands.remind import remind
from survey_app.extensions import db
from survey_app.models import DispositionEvent, Invitation, MailJob, Reminder
from survey_app.operations import mail_jobs

REFUSED = "tu-choi@example.org"
DROPPED = "ngat-ket-noi@example.org"


class Mailbox:
    """aiosmtpd handler: keeps every message; refuses one recipient; drops the connection of
    another."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 Hop thu khong ton tai"
        if address == DROPPED:
            server.transport.close()
            return "421 4.3.0 closing"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app):
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_SECURITY="none",
                      MAIL_FROM="so-noi-vu@example.org", SMTP_TIMEOUT_SECONDS=10)
    try:
        yield mailbox
    finally:
        controller.stop()


class FakeClock:
    """Time that moves only when the job sleeps, so the cap is checked without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def parsed(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


def link_of(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(r"http://localhost/i/\S+", text).group(0)


def test_messages_arrive_with_working_links_under_the_cap_and_failures_stay_apart(
        app, app_ctx, smtp, caplog):
    world = fieldwork_world()
    refused, dropped = world.invitations[1], world.invitations[3]
    _set_email(refused, REFUSED)
    _set_email(dropped, DROPPED)
    db.session.commit()
    app.config["MAIL_PER_MINUTE"] = 2
    job = mail_jobs.request_reminder_mail(world.round, world.admin)
    db.session.commit()
    clock = FakeClock()
    caplog.set_level(logging.DEBUG)
    mail_jobs.run_mail_job(app, job.id, clock=clock, sleep=clock.sleep)

    db.session.expire_all()
    job = db.session.get(MailJob, job.id)
    assert (job.status, job.sent, job.failed, job.progress_step) == ("done", 4, 2, 6)
    # 6 attempts at 2 a minute: the job waited before the 3rd and the 5th.
    assert clock.sleeps == [60.0, 60.0]
    delivered = {i.id for i in world.invitations} - {refused.id, dropped.id}
    assert len(smtp.messages) == 4
    by_recipient = {}
    for recipients, raw in smtp.messages:
        assert len(recipients) == 1  # one message per person
        by_recipient[recipients[0]] = parsed(raw)
    respondent = app.test_client()
    for invitation in world.invitations:
        if invitation.id not in delivered:
            continue
        address = invitation_email(invitation)
        message = by_recipient[address]
        assert message["Subject"].startswith("Mời tham gia khảo sát")
        assert message["To"] == address and message["From"] == "so-noi-vu@example.org"
        html = message.get_body(("html",)).get_content()
        link = link_of(message)
        assert link == f"http://localhost/i/{world.tokens[invitation.id]}" and link in html
        assert "Kính gửi Ông/Bà" in message.get_body(("plain",)).get_content()
        page = respondent.get(link.removeprefix("http://localhost"))
        assert page.status_code == 200
    outcomes = {(r.invitation_id, r.channel, r.sequence, r.outcome)
                for r in db.session.scalars(db.select(Reminder))}
    assert outcomes == ({(i, "email", 1, "sent") for i in delivered}
                        | {(refused.id, "email", 1, "failed"), (dropped.id, "email", 1, "failed")})
    stored = {i.id: db.session.get(Invitation, i.id) for i in world.invitations}
    assert stored[refused.id].disposition == "non_contact"  # the address does not exist
    assert stored[dropped.id].disposition == "unknown"      # the server failed, not the address
    assert {stored[i].reminder_count for i in delivered} == {1}
    assert (stored[refused.id].reminder_count, stored[dropped.id].reminder_count) == (0, 0)
    failure = db.session.scalar(db.select(Reminder.detail).filter_by(invitation_id=refused.id))
    assert failure.startswith("550")
    [bounce] = db.session.scalars(db.select(DispositionEvent).filter_by(invitation_id=refused.id))
    assert (bounce.source, bounce.disposition) == ("mail", "non_contact")
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    assert "not delivered" in ours
    for token in world.tokens.values():
        assert token not in ours


def test_the_limit_holds_across_runs(app, app_ctx, smtp):
    world = fieldwork_world(per_unit=1)
    app.config["REMINDER_MAX_PER_INVITATION"] = 2
    for expected in (2, 4):
        job = mail_jobs.request_reminder_mail(world.round, world.admin)
        db.session.commit()
        mail_jobs.run_mail_job(app, job.id)
        assert len(smtp.messages) == expected
    db.session.expire_all()
    from survey_app.refusals import Refused

    with pytest.raises(Refused, match="địa chỉ thư điện tử"):
        mail_jobs.request_reminder_mail(world.round, world.admin)
    second = [parsed(raw) for _, raw in smtp.messages[2:]]
    assert all(m["Subject"].startswith("Nhắc trả lời") for m in second)
    assert {db.session.get(Invitation, i.id).reminder_count for i in world.invitations} == {2}


def test_remind_command_sends_and_answered_invitations_are_left_alone(app, app_ctx, smtp, runner):
    world = fieldwork_world()
    answered = world.invitations[0]
    respondent = app.test_client()
    # The respondent answers through the link before the reminders go out.
    _answer(respondent, world.tokens[answered.id])
    result = runner.invoke(remind, [world.round.code])
    assert result.exit_code == 0, result.output
    assert "sent: 5; lỗi / failed: 0" in result.output
    recipients = sorted(r[0] for r, _ in smtp.messages)
    assert invitation_email(answered) not in recipients and len(recipients) == 5
    for token in world.tokens.values():
        assert token not in result.output
    db.session.expire_all()
    assert db.session.get(Invitation, answered.id).disposition == "complete"


def test_the_monitor_button_sends_in_a_background_job_with_progress(app, app_ctx, smtp):
    import time

    from builders import log_in

    world = fieldwork_world(per_unit=2)
    client = app.test_client()
    log_in(client, world.admin)
    reply = client.post(f"/admin/rounds/{world.round.id}/fieldwork/remind-mail")
    assert reply.status_code == 302 and "/mail-jobs/" in reply.location
    for _ in range(200):  # the worker's thread sends; wait for it (bounded, not timed)
        page = client.get(reply.location).get_data(as_text=True)
        if 'data-status="done"' in page:
            break
        time.sleep(0.1)
    assert 'data-status="done"' in page and "4 / 4" in page
    assert len(smtp.messages) == 4


def test_without_a_server_every_invitation_is_reported_failed(app, app_ctx):
    world = fieldwork_world(per_unit=1)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_SECURITY="none",
                      MAIL_FROM="so-noi-vu@example.org", SMTP_TIMEOUT_SECONDS=5)
    job = mail_jobs.request_reminder_mail(world.round, world.admin)
    db.session.commit()
    mail_jobs.run_mail_job(app, job.id)
    db.session.expire_all()
    job = db.session.get(MailJob, job.id)
    assert (job.status, job.sent, job.failed) == ("done", 0, 2)
    details = list(db.session.scalars(db.select(Reminder.detail)))
    assert len(details) == 2 and all("ConnectionRefusedError" in d for d in details)


# --- helpers -------------------------------------------------------------------------------

def invitation_email(invitation) -> str:
    from survey_app.models import FrameRow, SampleMember

    member = db.session.get(SampleMember, invitation.sample_member_id)
    return db.session.get(FrameRow, member.frame_row_id).personal["email"]


def _set_email(invitation, address: str) -> None:
    from survey_app.models import FrameRow, SampleMember

    member = db.session.get(SampleMember, invitation.sample_member_id)
    row = db.session.get(FrameRow, member.frame_row_id)
    row.personal = {**row.personal, "email": address}


def _answer(client, token: str) -> None:
    from test_dispositions import answer_all

    answer_all(client, token)


def test_a_job_whose_worker_died_is_reported_failed(app_ctx):
    import datetime as dt

    from builders import create_round

    survey_round = create_round()
    job = MailJob(round_id=survey_round.id, status="running", invitation_ids="1,2",
                  progress_total=2, updated_at=dt.datetime(2025, 1, 1))
    db.session.add(job)
    db.session.commit()
    status = mail_jobs.mail_job_status(job)
    assert status["status"] == "failed" and "gửi lại" in status["message"]
