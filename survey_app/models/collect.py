"""ODK Collect submissions as fieldwork records: which interviewer sent a form, and when.

Like a call attempt (``survey_app.models.cati``), this record is fieldwork, never part of the
response: the response keeps its ``odk`` channel and learns nothing of the interviewer. In an
anonymous round the record keeps the Vietnam day but neither the exact time, the instance id nor
the response (any of them would tie the answers to the interviewer's visit); in a named round it
keeps all three, for back-checks.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.models.base import Base


class CollectSubmission(Base):
    """One form an interviewer sent from ODK Collect and the server stored (not its resends)."""

    __tablename__ = "collect_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    entry_point_id: Mapped[int] = mapped_column(ForeignKey("entry_points.id"))
    interviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    # Empty in an anonymous round.
    received_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    instance_id: Mapped[str | None] = mapped_column(String(36))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"))
