"""The invitation files of one issue (printable PDF cards, XLSX list for sending), kept for a
limited time: the links in them exist nowhere else, since tokens are stored only as keyed hashes."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from survey_app.models.base import Base, utcnow
from survey_app.models.geography import Unit

INVITATION_FILE_KINDS = ("pdf", "xlsx")


class InvitationFile(Base):
    __tablename__ = "invitation_files"
    __table_args__ = (CheckConstraint("kind IN ('pdf', 'xlsx')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("sample_plans.id"))
    # Set when the file comes from re-issuing one unit's invitations.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # The files of one issue share a batch (the first file's id is not known before flushing).
    batch: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    filename: Mapped[str] = mapped_column(String(200))
    mimetype: Mapped[str] = mapped_column(String(100))
    invitation_count: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)

    unit: Mapped[Unit | None] = relationship()

    def expired(self, now: dt.datetime | None = None) -> bool:
        return (now or utcnow()) >= self.expires_at
