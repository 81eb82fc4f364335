"""ODK Collect keys: a per-interviewer secret in the server URL (``/openrosa/key/<key>``), so
Collect sends no credentials at all (ODK Central's "app users"). Only the keyed hash of the key is
stored (``survey_app.tokens.token_hash``); it is shown once, when made."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.models.base import Base, utcnow


class CollectKey(Base):
    """One interviewer's Collect key; at most one is unrevoked (a new key revokes the old)."""

    __tablename__ = "collect_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
