"""Late bounces: ``par-survey bounces FILE`` reads delivery status notifications (RFC 3464) from
an mbox or one .eml, matches each to the reminder by the Message-ID it was sent with (recorded
when aiosmtpd accepted it), makes a hard bounce a non-contact with history (source ``bounce``),
records a soft one without changing the disposition, reports a notice that matches nothing, and
refuses a file that is not a DSN with a sentence, storing nothing."""
from __future__ import annotations

import email
import email.policy
import mailbox

from fieldwork_world import fieldwork_world
from test_mail_delivery import smtp  # noqa: F401 (the aiosmtpd fixture)

from survey_app.commands.bounces import bounces
from survey_app.extensions import db
from survey_app.models import DispositionEvent, Invitation, MailBounce, Reminder
from survey_app.operations import mail_jobs


def dsn(message_id: str, recipient: str, status: str, action: str, *, headers_only=False,
        dsn_id: str = "<dsn-1@mx.example.net>") -> bytes:
    """A DSN as an MTA writes it: a human part, the delivery-status part, the original."""
    original = (f"Message-ID: {message_id}\r\nFrom: so-noi-vu@example.org\r\nTo: {recipient}\r\n"
                "Subject: =?utf-8?q?Nh=E1=BA=AFc?=\r\n\r\n")
    kind = "text/rfc822-headers" if headers_only else "message/rfc822"
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n"
        "To: so-noi-vu@example.org\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {dsn_id}\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.net\r\nArrival-Date: Tue, 1 Dec 2026 10:00:00 +0700\r\n"
        "\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nOriginal-Recipient: rfc822; {recipient}\r\n"
        f"Action: {action}\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} <{recipient}>: mailbox unavailable\r\n\r\n"
        f"--B\r\nContent-Type: {kind}\r\n\r\n{original}"
        "--B--\r\n").encode()


def sent_world(app):
    """Six reminders really sent to aiosmtpd; invitation id → the Message-ID it went with."""
    world = fieldwork_world()
    job = mail_jobs.request_reminder_mail(world.round, world.admin)
    db.session.commit()
    mail_jobs.run_mail_job(app, job.id, sleep=lambda s: None)
    return world, {r.invitation_id: r.message_id for r in db.session.scalars(
        db.select(Reminder).filter_by(outcome="sent"))}


def test_each_sent_message_carries_the_message_id_recorded_for_its_invitation(
        app, app_ctx, smtp):  # noqa: F811
    world, ids = sent_world(app)
    assert len(ids) == 6 and len(set(ids.values())) == 6
    received = {email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"]
                for _to, raw in smtp.messages}
    assert received == set(ids.values())


def test_hard_soft_unknown_and_not_a_dsn_in_one_mbox(app, app_ctx, smtp, runner,  # noqa: F811
                                                    tmp_path):
    world, ids = sent_world(app)
    hard, soft = world.invitations[0], world.invitations[1]
    path = tmp_path / "bounces.mbox"
    box = mailbox.mbox(str(path))
    box.add(dsn(ids[hard.id], "nguoi1@example.org", "5.1.1", "failed"))
    box.add(dsn(ids[soft.id], "nguoi2@example.org", "4.2.2", "delayed", headers_only=True,
                dsn_id="<dsn-2@mx.example.net>"))
    box.add(dsn("<khong-co@example.org>", "ai-do@example.org", "5.1.1", "failed",
                dsn_id="<dsn-3@mx.example.net>"))
    box.add(b"From: ai@example.org\r\nSubject: Xin chao\r\n\r\nKhong phai DSN\r\n")
    box.flush()
    box.close()

    result = runner.invoke(bounces, [str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert f"bounces.mbox #1: 5.1.1 failed @example.org → thư mời / invitation #{hard.id}: " \
           "unknown → non_contact (bounce)" in lines
    assert any(f"invitation #{soft.id}: lỗi tạm thời đã ghi" in line for line in lines)
    assert any("#3" in line and "MATCHES NO message sent (Message-ID <khong-co@example.org>)"
               in line for line in lines)
    assert any("#4" in line and "not a DSN" in line for line in lines)
    assert "hard: 1 (đổi thành không liên hệ được / made non-contact: 1); tạm thời / soft: 1; " \
           "không khớp / unmatched: 1" in result.output
    assert "nguoi1@" not in result.output  # addresses are not echoed

    db.session.expire_all()
    assert db.session.get(Invitation, hard.id).disposition == "non_contact"
    assert db.session.get(Invitation, soft.id).disposition == "unknown"
    [event] = db.session.scalars(db.select(DispositionEvent).filter_by(invitation_id=hard.id))
    assert (event.source, event.previous, event.disposition) == ("bounce", "unknown",
                                                                 "non_contact")
    assert "5.1.1" in event.note and "nguoi1" not in event.note
    assert not list(db.session.scalars(db.select(DispositionEvent)
                                       .filter_by(invitation_id=soft.id)))
    rows = {b.invitation_id: b for b in db.session.scalars(db.select(MailBounce))}
    assert set(rows) == {hard.id, soft.id}
    assert (rows[hard.id].hard, rows[hard.id].status, rows[hard.id].recipient_domain) == (
        True, "5.1.1", "example.org")
    assert (rows[soft.id].hard, rows[soft.id].action) == (False, "delayed")
    assert "nguoi1" not in (rows[hard.id].diagnostic or "")

    again = runner.invoke(bounces, [str(path)])  # the same file twice: recorded once
    assert again.exit_code == 0 and "already recorded: 2" in again.output
    assert db.session.scalar(db.select(db.func.count()).select_from(MailBounce)) == 2
    assert db.session.scalar(db.select(db.func.count()).select_from(DispositionEvent)) == 1


def test_a_single_eml_and_a_malformed_file(app, app_ctx, smtp, runner, tmp_path):  # noqa: F811
    world, ids = sent_world(app)
    target = world.invitations[2]
    single = tmp_path / "bounce.eml"
    single.write_bytes(dsn(ids[target.id], "nguoi3@example.org", "5.2.1", "failed"))
    result = runner.invoke(bounces, [str(single)])
    assert result.exit_code == 0, result.output
    assert f"invitation #{target.id}: unknown → non_contact (bounce)" in result.output
    db.session.expire_all()
    assert db.session.get(Invitation, target.id).disposition == "non_contact"

    plain = tmp_path / "thu.eml"
    plain.write_bytes(b"From: ai@example.org\r\nSubject: Xin chao\r\n\r\nKhong phai DSN\r\n")
    broken = tmp_path / "hong.eml"
    broken.write_bytes(dsn(ids[world.invitations[3].id], "nguoi4@example.org", "5.1",
                           "failed"))
    empty = tmp_path / "rong.eml"
    empty.write_bytes(b"")
    for path, sentence in (
            (plain, "thu.eml không phải thư báo lỗi gửi (DSN, RFC 3464): không phải "
                    "multipart/report"),
            (broken, "hong.eml không phải thư báo lỗi gửi hợp lệ (DSN, RFC 3464): một khối "
                     "người nhận thiếu Final-Recipient, Action hoặc Status hợp lệ."),
            (empty, "Tệp rong.eml rỗng.")):
        refused = runner.invoke(bounces, [str(path)])
        assert refused.exit_code == 1 and sentence in refused.output, refused.output
    assert "is not a valid delivery status notification" in runner.invoke(
        bounces, [str(broken)]).output
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(MailBounce)) == 1
    assert db.session.get(Invitation, world.invitations[3].id).disposition == "unknown"
