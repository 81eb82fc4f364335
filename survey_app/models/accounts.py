"""Staff accounts, their roles, and the audit log."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from survey_app.models.base import Base, utcnow

# admin: Sở Nội vụ staff running rounds; focal_point: a unit's contact chasing responses;
# council: the appraisal council reading results.
# interviewer: fills questionnaires offline in ODK Collect (survey_app/openrosa) and calls the
# sample members assigned to them (survey_app/interviewer).
ROLES = ("admin", "focal_point", "council", "interviewer")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class AuditEvent(Base):
    """Who did what to which object, and when; append-only and hash-chained.

    ``row_hash`` is the SHA-256 of ``prev_hash`` (the previous row's ``row_hash``) and this row's
    canonical content; rows are written only by ``survey_app.operations.audit.record_event`` and
    the database refuses UPDATE and DELETE on them (revision 0005).
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))

    user: Mapped[User | None] = relationship()


class AuditChainHead(Base):
    """The one row naming the audit chain's last event and hash.

    Writers lock it (an UPDATE first, so PostgreSQL's row lock and SQLite's writer lock both
    serialise them) before chaining a new event, so the chain never forks; ``audit verify`` also
    checks that the chain ends where the head says, which finds rows cut off the end.
    """

    __tablename__ = "audit_chain_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    event_id: Mapped[int | None] = mapped_column(Integer)
    row_hash: Mapped[str] = mapped_column(String(64))
