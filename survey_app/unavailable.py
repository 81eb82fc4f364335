"""A database that cannot answer, or a disk that is full: a 503 refusal with ``Retry-After``.

When PostgreSQL restarts, cannot be reached, runs out of connections, or the disk under SQLite
or PostgreSQL is full, the statement fails with a driver error that SQLAlchemy wraps as
``OperationalError`` (or ``InterfaceError`` for a connection already closed). Such an error is not
a bug of the request: the request is rolled back and the client is told, in its language, that
the service is unavailable for now and when to try again (``Retry-After``), as JSON under
``/api/`` and as a page elsewhere. Any other database error stays a bug (the 500 page).

A submission whose commit was cut off by a lost connection may or may not have been stored; the
sentence for a lost database does not claim "nothing was saved", and a client sending the same
``submission_id`` again gets the first receipt (idempotency). A full disk makes the database
refuse the transaction as a whole: nothing of it is stored.

The engine keeps its pooled connections honest (``survey_app.database``): a connection idle for
more than ``DATABASE_PING_AFTER_IDLE_SECONDS`` is pinged before a request gets it and replaced if
a restart closed it; a busy one that a restart closed fails its request with this 503 and the
pool then drops every connection it held; connections are recycled after
``DATABASE_POOL_RECYCLE_SECONDS``.
"""
from __future__ import annotations

import sqlite3

from flask import Flask, current_app, g, make_response, render_template, request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from survey_app.extensions import db
from survey_app.logmask import mask_target
from survey_app.refusals import N_, Refused

STORAGE_FULL = "storage_full"
DATABASE_UNAVAILABLE = "database_unavailable"

TITLE = N_("Hệ thống tạm thời gián đoạn")
SENTENCES = {
    STORAGE_FULL: N_("Bộ nhớ lưu trữ của hệ thống đã đầy nên chưa lưu được gì. "
                     "Vui lòng thử lại sau ít phút."),
    DATABASE_UNAVAILABLE: N_("Hệ thống tạm thời không kết nối được cơ sở dữ liệu. "
                             "Vui lòng thử lại sau ít phút."),
}

# SQLite's primary result codes (https://sqlite.org/rescode.html) that say "not now": busy or
# locked beyond the busy timeout, an I/O error, the database file cannot be opened; and full.
_SQLITE_FULL = 13
_SQLITE_TRANSIENT = {5, 6, 10, 14}
# PostgreSQL SQLSTATE: disk full; classes connection exception (08), insufficient resources
# (53), operator intervention (57: shutdown, restart, cancel), system error (58); serialisation
# failure and deadlock (40001, 40P01).
_PG_DISK_FULL = "53100"
_PG_TRANSIENT_CLASSES = {"08", "53", "57", "58"}
_PG_TRANSIENT_STATES = {"40001", "40P01"}


def classify(exc: BaseException) -> str | None:
    """``STORAGE_FULL``, ``DATABASE_UNAVAILABLE``, or ``None`` for an error that is a bug."""
    if isinstance(exc, PoolTimeout):
        return DATABASE_UNAVAILABLE  # every pooled connection busy for longer than the timeout
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        return _classify_sqlite(orig)
    state = getattr(orig, "sqlstate", None)
    if state == _PG_DISK_FULL:
        return STORAGE_FULL
    if state and (state[:2] in _PG_TRANSIENT_CLASSES or state in _PG_TRANSIENT_STATES):
        return DATABASE_UNAVAILABLE
    if exc.connection_invalidated:
        return DATABASE_UNAVAILABLE
    if state is None and type(orig).__name__ in ("OperationalError", "InterfaceError"):
        # psycopg without a SQLSTATE: the server could not be reached or closed the connection.
        return DATABASE_UNAVAILABLE
    return None


def _classify_sqlite(orig: sqlite3.Error) -> str | None:
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        primary = code & 0xFF
        if primary == _SQLITE_FULL:
            return STORAGE_FULL
        return DATABASE_UNAVAILABLE if primary in _SQLITE_TRANSIENT else None
    text = str(orig).lower()
    if "database or disk is full" in text:
        return STORAGE_FULL
    if any(s in text for s in ("database is locked", "disk i/o error", "unable to open")):
        return DATABASE_UNAVAILABLE
    return None


def retry_after(kind: str) -> int:
    """Seconds a client should wait: a restart is over in seconds, a full disk needs a person."""
    key = "RETRY_AFTER_STORAGE_FULL" if kind == STORAGE_FULL else "RETRY_AFTER_UNAVAILABLE"
    return int(current_app.config.get(key, 300 if kind == STORAGE_FULL else 10))


def refusal(kind: str) -> Refused:
    return Refused(SENTENCES[kind], status=503, code=kind)


def unavailable_response(exc: Exception):
    """The 503 refusal for a database that cannot answer now; any other error is re-raised (the
    500 page, logged with its traceback)."""
    kind = classify(exc)
    if kind is None:
        raise exc
    first_line = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
    current_app.logger.warning("503 %s on %s [%s]: %s", kind, mask_target(request.path),
                               request.method, first_line)
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the pool replaces it
        db.session.close()
    g.user = None  # the staff menu would read the user from the database: not on this page
    refused = refusal(kind)
    seconds = retry_after(kind)
    if request.path.startswith("/api/") or request.path == "/healthz":
        from survey_app.api.errors import error_body

        response = error_body(503, kind, refused.message("vi"), refused.message("en"),
                              retry_after=seconds)
    elif request.path.startswith("/openrosa/"):  # ODK Collect shows the message it reads
        from survey_app.openrosa import message_response

        response = message_response(refused.message(), 503)
    else:
        response = make_response(render_template(
            "errors/error.html", status=503, title=TITLE, sentence=SENTENCES[kind]), 503)
    response.headers["Retry-After"] = str(seconds)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(DBAPIError, unavailable_response)
    app.register_error_handler(PoolTimeout, unavailable_response)
