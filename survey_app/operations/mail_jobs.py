"""Background jobs that send a round's invitations and reminders by e-mail, one message per
person, never faster than ``MAIL_PER_MINUTE``.

A request records the job (the invitations to write to, in order) and returns; a thread of the
worker, or ``par-survey remind`` in its own process, sends. Each message's outcome and the job's
progress are committed together, so the progress page (any worker, any host) and the reminder
record always agree. A refused recipient or a dropped connection fails that invitation alone
(recorded, and a refused address makes its disposition ``non_contact``); the others go on.
"""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from flask import Flask, current_app

from survey_app import jobs
from survey_app.extensions import db
from survey_app.models import MailJob, SurveyRound, User
from survey_app.models.base import utcnow
from survey_app.operations import reminders
from survey_app.operations.dispositions import record_bounce
from survey_app.operations.mail import DeliveryFailure, Sender, reminder_message, smtp_settings
from survey_app.operations.rounds import record_audit
from survey_app.refusals import N_, Refused


def request_reminder_mail(survey_round: SurveyRound, user: User | None,
                          unit_ids: set[int] | None = None) -> MailJob:
    """Record a queued job for every invitation that may be reminded and has an e-mail address;
    refused when the SMTP server is not configured or nobody can be written to. Flushes."""
    reminders.check_can_remind(survey_round)
    smtp_settings()
    selection = reminders.select_candidates(survey_round, unit_ids)
    ids = [c.invitation.id for c in selection.candidates if c.email]
    if not ids:
        raise Refused(N_("Không có thư mời chưa trả lời nào có địa chỉ thư điện tử để nhắc."),
                      status=409, code="nobody_to_mail")
    job = MailJob(round_id=survey_round.id, status="queued",
                  invitation_ids=",".join(map(str, ids)), progress_total=len(ids),
                  requested_by_id=user.id if user is not None else None)
    db.session.add(job)
    db.session.flush()
    record_audit(user, "reminders.mail", survey_round, {"job": job.id, "count": len(ids)})
    return job


def start_mail_job(job_id: int):
    """Run the job after the request that created it committed: in a thread of this process, or
    on an RQ worker when ``REDIS_URL`` is set (:mod:`survey_app.jobs`)."""
    return jobs.start("mail", job_id)


class RateCap:
    """At most ``per_minute`` sends in any 60 seconds: waits before a send that would pass it."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.per_minute, self.clock, self.sleep = per_minute, clock, sleep
        self.sent: deque[float] = deque()

    def wait(self) -> None:
        now = self.clock()
        while self.sent and now - self.sent[0] >= 60:
            self.sent.popleft()
        if len(self.sent) >= self.per_minute:
            self.sleep(60 - (now - self.sent[0]))
            self.sent.popleft()
        self.sent.append(self.clock())


def run_mail_job(app: Flask, job_id: int, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 progress: Callable[[MailJob], None] | None = None) -> None:
    """Send the job's messages; any error ends the job as failed with a sentence, never lost."""
    with app.app_context():
        sender = None
        try:
            job = db.session.get(MailJob, job_id)
            if job is None or job.effective_status() != "queued":  # taken, or reported lost
                return
            job.status, job.updated_at = "running", utcnow()
            db.session.commit()
            settings = smtp_settings()
            sender, cap = Sender(settings), RateCap(settings.per_minute, clock, sleep)
            for invitation_id in [int(i) for i in job.invitation_ids.split(",") if i]:
                _send_one(job, invitation_id, settings, sender, cap)
                job.progress_step += 1
                job.updated_at = utcnow()
                db.session.commit()
                if progress is not None:
                    progress(job)
            job.status, job.finished_at = "done", utcnow()
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 (the job records every failure for the user)
            current_app.logger.exception("mail job %s failed", job_id)
            db.session.rollback()
            job = db.session.get(MailJob, job_id)
            if job is not None:
                job.status, job.finished_at = "failed", utcnow()
                job.message = (f"{exc}" if isinstance(exc, Refused) is False
                               else " / ".join(exc.lines("vi") + exc.lines("en")))[:1000]
                db.session.commit()
        finally:
            if sender is not None:
                sender.close()
            db.session.remove()


def _send_one(job: MailJob, invitation_id: int, settings, sender: Sender, cap: RateCap) -> None:
    """One invitation's message, if it may still be reminded, and its record."""
    survey_round = job_round(job)
    selection = reminders.select_candidates(survey_round, invitation_ids={invitation_id})
    candidate = selection.candidates[0] if selection.candidates else None
    if candidate is None or not candidate.email:  # answered, refused or at its limit meanwhile
        return
    invitation = candidate.invitation
    message = reminder_message(
        settings, to=candidate.email, name=candidate.personal.get("name"),
        round_title=survey_round.title, unit_name=candidate.unit.name, link=candidate.link,
        closes_on=survey_round.closes_on.strftime("%d/%m/%Y") if survey_round.closes_on else None,
        first=invitation.reminder_count == 0)
    cap.wait()
    try:
        sender.send(message, candidate.email)
    except DeliveryFailure as failure:
        current_app.logger.warning("mail job %s: invitation %s not delivered: %s", job.id,
                                   invitation_id, failure.detail)
        reminders.record_reminder(invitation, "email", "failed", detail=failure.detail,
                                  mail_job_id=job.id, message_id=message["Message-ID"])
        if failure.bounced:
            record_bounce(invitation, failure.detail)
        job.failed += 1
        return
    reminders.record_reminder(invitation, "email", "sent", mail_job_id=job.id,
                              message_id=message["Message-ID"])
    job.sent += 1


def job_round(job: MailJob) -> SurveyRound:
    return db.session.get(SurveyRound, job.round_id)


def mail_job_status(job: MailJob) -> dict:
    """The job as its progress page and JSON report it."""
    status = job.effective_status()
    message = job.message or ("Tác vụ bị gián đoạn; hãy gửi lại (thư đã gửi được ghi ở từng thư "
                              "mời, không gửi trùng quá giới hạn)." if status == "failed" else None)
    return {"id": job.id, "status": status, "percent": job.percent,
            "step": job.progress_step, "total": job.progress_total, "sent": job.sent,
            "failed": job.failed, "message": message}
