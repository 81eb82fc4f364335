"""Background export and document jobs: built outside the request, their progress and file kept in
the database so any worker or host can report and serve them."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from survey_app.models.base import Base, utcnow
from survey_app.models.rounds import SurveyRound

EXPORT_JOB_STATUSES = ("queued", "running", "done", "failed")
# A job whose progress has not moved for this long lost its worker (a restart, a crash).
STALE_AFTER = dt.timedelta(minutes=15)
# A queued job may wait this long for an RQ worker (behind a long e-mail wave, say) before it is
# reported lost; a thread takes it out of "queued" at once.
QUEUED_STALE_AFTER = dt.timedelta(hours=24)


def job_is_stale(status: str, updated_at: dt.datetime, now: dt.datetime) -> bool:
    """Whether a queued or running job stopped moving so long ago that its worker is gone."""
    if status == "queued":
        return now - updated_at > QUEUED_STALE_AFTER
    return status == "running" and now - updated_at > STALE_AFTER


class JobProgress:
    """What every background job row shows: its status as the pages read it, and its percent."""

    def effective_status(self, now: dt.datetime | None = None) -> str:
        """``failed`` for a job left queued or running whose progress stopped moving long ago
        (its worker died)."""
        if job_is_stale(self.status, self.updated_at, now or utcnow()):
            return "failed"
        return self.status

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return int(100 * self.progress_step / max(self.progress_total, 1))


class ExportJob(JobProgress, Base):
    __tablename__ = "export_jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    format: Mapped[str] = mapped_column(String(8))
    table: Mapped[str | None] = mapped_column(String(32))
    # A round's document (report.pdf, tables.xlsx, ...) in ``lang`` instead of an export
    document: Mapped[str | None] = mapped_column(String(32))
    lang: Mapped[str | None] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress_step: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=1)
    message_vi: Mapped[str | None] = mapped_column(Text)
    message_en: Mapped[str | None] = mapped_column(Text)
    filename: Mapped[str | None] = mapped_column(String(200))
    mimetype: Mapped[str | None] = mapped_column(String(100))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    round: Mapped[SurveyRound] = relationship()

