"""Staff logins, server-side sessions and the failed-login counters. Flushes, never commits.

- A login checks a password hash whether or not the account exists (a dummy hash for unknown
  names), so the answer takes as long for a name that does not exist as for a wrong password.
- Failed logins are counted per account name and per client address in the database, shared by
  every worker and host; past the limit a login is refused before any password is checked.
- A session is a random id in the signed cookie and a row here (its keyed hash): deleting the row
  ends the session everywhere. Idle and absolute time-outs are checked on every request.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from survey_app.extensions import db
from survey_app.models import LoginFailure, StaffSession, User
from survey_app.models.base import utcnow
from survey_app.passwords import password_problems
from survey_app.tokens import new_token, token_hash

# A session's last_seen_at is written at most this often (one small UPDATE a minute per user).
TOUCH_SECONDS = 60


@functools.cache
def _dummy_hash() -> str:
    """A hash made like users' hashes, checked when the account does not exist."""
    return generate_password_hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class LoginLimits:
    account: int
    address: int
    window: dt.timedelta

    @classmethod
    def from_config(cls, config) -> "LoginLimits":
        return cls(
            account=int(config["LOGIN_MAX_FAILURES_ACCOUNT"]),
            address=int(config["LOGIN_MAX_FAILURES_ADDRESS"]),
            window=dt.timedelta(minutes=int(config["LOGIN_WINDOW_MINUTES"])),
        )


@dataclass(frozen=True)
class LoginResult:
    """``user`` on success; otherwise ``refused`` is ``"invalid"`` or ``"limited"``."""

    user: User | None
    refused: str | None = None
    retry_minutes: int = 0


def _account_key(username: str) -> str:
    return token_hash("login-account:" + username.strip().lower())


def _address_key(address: str | None) -> str:
    return token_hash("login-address:" + (address or "-"))


def _failures(scope: str, key: str, since: dt.datetime) -> tuple[int, dt.datetime | None]:
    count, oldest = db.session.execute(
        select(func.count(LoginFailure.id), func.min(LoginFailure.at)).where(
            LoginFailure.scope == scope, LoginFailure.key_hash == key, LoginFailure.at >= since
        )
    ).one()
    return int(count), oldest


def limited_for(
    username: str, address: str | None, limits: LoginLimits, now: dt.datetime | None = None
) -> int:
    """Minutes until a login may be tried again for this name or address (0: it may now)."""
    now = now or utcnow()
    since = now - limits.window
    waits = []
    for scope, key, limit in (
        ("account", _account_key(username), limits.account),
        ("address", _address_key(address), limits.address),
    ):
        count, oldest = _failures(scope, key, since)
        if count >= limit:
            remaining = (oldest + limits.window - now).total_seconds() if oldest else 60
            waits.append(max(1, int(-(-remaining // 60))))
    return max(waits, default=0)


def record_failure(
    username: str, address: str | None, limits: LoginLimits, now: dt.datetime | None = None
) -> None:
    """Count one failed login against the name and the address; forget failures past the window."""
    now = now or utcnow()
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - limits.window))
    db.session.add_all(
        [
            LoginFailure(scope="account", key_hash=_account_key(username), at=now),
            LoginFailure(scope="address", key_hash=_address_key(address), at=now),
        ]
    )
    db.session.flush()


def authenticate(
    username: str, password: str, address: str | None, limits: LoginLimits
) -> LoginResult:
    """Check a login. Failures are recorded (flushed); a success clears the account's failures."""
    username = (username or "").strip()
    wait = limited_for(username, address, limits)
    if wait:
        return LoginResult(None, "limited", wait)
    user = db.session.scalar(select(User).filter_by(username=username)) if username else None
    if user is None:
        check_password_hash(_dummy_hash(), password)
        good = False
    else:
        good = user.check_password(password) and user.active
    if not good:
        record_failure(username, address, limits)
        return LoginResult(None, "invalid")
    db.session.execute(
        delete(LoginFailure).where(
            LoginFailure.scope == "account", LoginFailure.key_hash == _account_key(username)
        )
    )
    return LoginResult(user)


# ------------------------------------------------------------------------------------ sessions


def _session_hash(session_id: str) -> str:
    return token_hash("staff-session:" + session_id)


def start_session(user: User, now: dt.datetime | None = None) -> str:
    """A new session for ``user``; returns the id the cookie holds (only its hash is stored)."""
    now = now or utcnow()
    session_id = new_token()
    db.session.add(
        StaffSession(
            key_hash=_session_hash(session_id), user_id=user.id, created_at=now, last_seen_at=now
        )
    )
    db.session.flush()
    return session_id


def find_session(session_id: str | None) -> StaffSession | None:
    if not isinstance(session_id, str) or not 0 < len(session_id) <= 100:
        return None
    return db.session.scalar(select(StaffSession).filter_by(key_hash=_session_hash(session_id)))


def session_expired(
    row: StaffSession, *, idle: dt.timedelta, absolute: dt.timedelta, now: dt.datetime | None = None
) -> bool:
    now = now or utcnow()
    return now - row.last_seen_at > idle or now - row.created_at > absolute


def touch_session(row: StaffSession, now: dt.datetime | None = None) -> bool:
    """Record activity; True when the row was changed (at most once a minute)."""
    now = now or utcnow()
    if (now - row.last_seen_at).total_seconds() < TOUCH_SECONDS:
        return False
    row.last_seen_at = now
    db.session.flush()
    return True


def end_session(session_id: str | None) -> None:
    if isinstance(session_id, str) and session_id:
        db.session.execute(
            delete(StaffSession).where(StaffSession.key_hash == _session_hash(session_id))
        )


def end_sessions_of(user: User, *, keep: str | None = None) -> int:
    """End every session of ``user`` except ``keep``; returns how many were ended."""
    statement = delete(StaffSession).where(StaffSession.user_id == user.id)
    if keep:
        statement = statement.where(StaffSession.key_hash != _session_hash(keep))
    return db.session.execute(statement).rowcount or 0


def purge_sessions(absolute: dt.timedelta, now: dt.datetime | None = None) -> None:
    """Forget sessions older than the absolute time-out (they can no longer be used)."""
    now = now or utcnow()
    db.session.execute(delete(StaffSession).where(StaffSession.created_at < now - absolute))


# ------------------------------------------------------------------------------------ passwords


def change_password(user: User, new_password: str, *, min_length: int, keep_session: str | None):
    """Set a new password (problems are returned, nothing changed, when it is refused) and end the
    user's other sessions."""
    problems = password_problems(new_password, username=user.username, min_length=min_length)
    if problems:
        return problems
    user.set_password(new_password)
    end_sessions_of(user, keep=keep_session)
    db.session.flush()
    return []
