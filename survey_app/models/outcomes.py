"""Fieldwork outcomes: AAPOR dispositions and their append-only history, a round's deadlines and
each unit's due date, reminders sent, and the background jobs that send e-mail."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.models.base import Base, utcnow
from survey_app.models.exports import JobProgress

# AAPOR final dispositions (analysis.response_rates.DISPOSITIONS); 'unknown' until something is
# known: AAPOR's unknown eligibility (3.0).
DISPOSITIONS = ("complete", "partial", "refusal", "non_contact", "unable", "unknown",
                "ineligible")
DISPOSITION_CHECK = "disposition IN ('" + "', '".join(DISPOSITIONS) + "')"
# Who set a disposition: the product itself (a submission, a draft, an e-mail refused by the
# server, a late bounce read from a delivery status notification) or staff.
DISPOSITION_SOURCES = ("submission", "draft", "mail", "staff", "bounce")
DEADLINE_KINDS = ("fieldwork_ends", "units_report", "results_due")
REMINDER_CHANNELS = ("email", "xlsx")
REMINDER_OUTCOMES = ("sent", "failed", "listed")
MAIL_JOB_STATUSES = ("queued", "running", "done", "failed")


class DispositionEvent(Base):
    """One change of an invitation's (or sample member's) disposition: who, when, what, why.

    Append-only: the database refuses UPDATE and DELETE (revision 0007). ``recorded_at`` is empty
    for automatic events of an anonymous round, whose time could be matched with a response.
    """

    __tablename__ = "disposition_events"
    __table_args__ = (
        CheckConstraint(DISPOSITION_CHECK, name="disposition"),
        CheckConstraint("source IN ('submission', 'draft', 'mail', 'staff', 'bounce')",
                        name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"), index=True)
    sample_member_id: Mapped[int | None] = mapped_column(ForeignKey("sample_members.id"),
                                                         index=True)
    disposition: Mapped[str] = mapped_column(String(16))
    previous: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class RoundDeadline(Base):
    """A named deadline of a round: fieldwork ends, units report, results due."""

    __tablename__ = "round_deadlines"
    __table_args__ = (
        UniqueConstraint("round_id", "kind", name="uq_round_deadlines_round_kind"),
        CheckConstraint("kind IN ('fieldwork_ends', 'units_report', 'results_due')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    due_on: Mapped[dt.date] = mapped_column(Date)


class UnitTask(Base):
    """An assessed unit's task in a round (reaching its quota of answers) and its due date."""

    __tablename__ = "unit_tasks"
    __table_args__ = (UniqueConstraint("round_id", "unit_id", name="uq_unit_tasks_round_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    due_on: Mapped[dt.date] = mapped_column(Date)


class Reminder(Base):
    """One reminder of one invitation: when, how (e-mail, a focal point's XLSX), the how-many-th,
    and whether it left."""

    __tablename__ = "reminders"
    __table_args__ = (
        CheckConstraint("channel IN ('email', 'xlsx')", name="channel"),
        CheckConstraint("outcome IN ('sent', 'failed', 'listed')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    sequence: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(8))
    detail: Mapped[str | None] = mapped_column(Text)
    # The Message-ID the e-mail was sent with: what a late bounce (DSN) is matched by.
    message_id: Mapped[str | None] = mapped_column(String(255), index=True)
    mail_job_id: Mapped[int | None] = mapped_column(ForeignKey("mail_jobs.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class MailBounce(Base):
    """A bounce that arrived after the server accepted the message: one failed (or delayed)
    recipient of a delivery status notification (RFC 3464), matched to the reminder it concerns
    by the Message-ID that reminder was sent with. ``hard`` for a permanent failure (5.x.x),
    which makes the invitation's disposition ``non_contact``; a soft one (4.x.x) is only kept.
    ``notice_key`` (SHA-256 of the notification and recipient) records each notice once."""

    __tablename__ = "mail_bounces"
    __table_args__ = (UniqueConstraint("reminder_id", "notice_key",
                                       name="uq_mail_bounces_reminder_notice"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"), index=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id"))
    notice_key: Mapped[str] = mapped_column(String(64))
    recipient_domain: Mapped[str] = mapped_column(String(255))  # never the whole address
    action: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    hard: Mapped[bool] = mapped_column(Boolean)
    diagnostic: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class MailJob(JobProgress, Base):
    """A background job sending a round's reminders by e-mail, its progress in the database."""

    __tablename__ = "mail_jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    invitation_ids: Mapped[str] = mapped_column(Text, default="")  # comma-separated, in order
    progress_step: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
