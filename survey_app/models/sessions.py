"""Staff sessions kept on the server, and failed logins counted for rate limiting.

Both live in the database so that every gunicorn worker and every app host sees the same state:
a session ended on one host is ended on all, and failed logins count wherever they were tried.
Only keyed hashes of session ids, user names and addresses are stored.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.accounts import User
from survey_app.models.base import Base, utcnow

LOGIN_SCOPES = ("account", "address")


class StaffSession(Base):
    """A staff login. The signed cookie holds a random session id; this row makes it valid.

    Logging out, changing the password or an administrator's revocation deletes the row, so the
    cookie stops working on every worker at once; idle and absolute time-outs are checked against
    ``last_seen_at`` and ``created_at`` on every request.
    """

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship()


class LoginFailure(Base):
    """One failed login, counted against the account name and against the client address."""

    __tablename__ = "login_failures"
    __table_args__ = (CheckConstraint("scope IN ('account', 'address')", name="scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(8))
    key_hash: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
