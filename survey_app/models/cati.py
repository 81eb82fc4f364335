"""Phone interviews (CATI): which interviewer calls which invitation, and each call attempt.

A call attempt is a fieldwork record, never part of the anonymous response: it says who called,
when, what came of it (an AAPOR disposition), an optional callback time, and, when the interview
was completed by phone, the response it produced (``response_id``: collected by phone, by
``interviewer_id``; left empty in an anonymous round, like the response's own invitation link).
The response itself keeps its ordinary ``invitation`` channel and learns nothing of the call.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, utcnow
from survey_app.models.outcomes import DISPOSITION_CHECK

OUTCOME_CHECK = DISPOSITION_CHECK.replace("disposition IN", "outcome IN")


class InterviewerAssignment(Base):
    """One invitation (and its sample member) given to an interviewer to call."""

    __tablename__ = "interviewer_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"), unique=True)
    sample_member_id: Mapped[int | None] = mapped_column(ForeignKey("sample_members.id"))
    interviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    invitation = relationship("Invitation")
    interviewer = relationship("User", foreign_keys=[interviewer_id])


class CallAttempt(Base):
    """One call to an assigned invitation: when, by whom, its outcome, note and callback."""

    __tablename__ = "call_attempts"
    __table_args__ = (CheckConstraint(OUTCOME_CHECK, name="outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"), index=True)
    sample_member_id: Mapped[int | None] = mapped_column(ForeignKey("sample_members.id"))
    interviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # empty for the completing attempt of an anonymous round (its time would match the response)
    attempted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    callback_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"))
