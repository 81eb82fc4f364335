"""Engine settings: SQLite durability pragmas for the embedded default, psycopg for PostgreSQL."""
from __future__ import annotations

import os
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError

from survey_app.config import ConfigError, normalise_database_url

SQLITE_FILENAME = "par-survey.sqlite"


def resolve_database_uri(configured: str | None, instance_path: str) -> str:
    """The configured URL, checked, or a SQLite file in the instance folder."""
    if not configured:
        return "sqlite:///" + os.path.join(instance_path, SQLITE_FILENAME)
    url_text = normalise_database_url(configured)
    try:
        url = make_url(url_text)
    except ArgumentError as exc:
        raise ConfigError(
            f"DATABASE_URL không hợp lệ / DATABASE_URL is not a valid database URL: {configured!r}"
        ) from exc
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            "DATABASE_URL phải là SQLite hoặc PostgreSQL / DATABASE_URL must name SQLite or "
            f"PostgreSQL, not {url.get_backend_name()!r}."
        )
    return url_text


def engine_options(uri: str, base: dict, busy_timeout_ms: int, *,
                   connect_timeout_s: int = 5) -> dict:
    """The engine's options for ``uri``. On PostgreSQL pooled connections are recycled after
    ``pool_recycle`` seconds (``DATABASE_POOL_RECYCLE_SECONDS``) and a connection attempt gives up
    after ``connect_timeout_s``: a database that is down answers a request with a 503
    (``survey_app.unavailable``) within seconds. SQLAlchemy's ``pool_pre_ping`` (a round trip on
    every checkout) is replaced by :func:`ping_idle_connections`. A SQLite file needs none."""
    options = dict(base)
    options.pop("pool_pre_ping", None)
    connect_args = options["connect_args"] = dict(options.get("connect_args") or {})
    if uri.startswith("sqlite"):
        options.pop("pool_recycle", None)
        connect_args["timeout"] = busy_timeout_ms / 1000
    else:
        options.setdefault("pool_recycle", 1800)
        # Durability on PostgreSQL: a commit returns only once it is flushed to disk.
        connect_args["options"] = "-c synchronous_commit=on"
        connect_args.setdefault("connect_timeout", int(connect_timeout_s))
    return options


IDLE_SINCE = "par_survey_idle_since"


def ping_idle_connections(engine: Engine, after_idle_s: float) -> None:
    """The pool's pre-ping, for connections that waited in the pool more than ``after_idle_s``:
    one a database restart closed while the app was quiet is replaced before a request gets it
    (SQLAlchemy's pessimistic disconnect handling: ``DisconnectionError`` makes the pool connect
    anew). A busy worker's connection, back in the pool a moment ago, is handed on without the
    round trip; if the database went away in that moment, the request's first statement fails
    (a 503 with ``Retry-After``) and SQLAlchemy discards every connection the pool held then,
    so the next request connects anew."""

    def remember_checkin(dbapi_connection, connection_record) -> None:
        connection_record.info[IDLE_SINCE] = time.monotonic()

    def ping_if_idle(dbapi_connection, connection_record, connection_proxy) -> None:
        idle_since = connection_record.info.get(IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since <= after_idle_s:
            return  # new, or back in the pool a moment ago
        dialect = engine.dialect
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if not dialect.is_disconnect(error, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            raise DisconnectionError("the database closed this pooled connection")

    event.listen(engine, "checkin", remember_checkin)
    event.listen(engine, "checkout", ping_if_idle)


def bind_engine_events(engine: Engine, busy_timeout_ms: int, *,
                       ping_after_idle_s: float = 1.0) -> None:
    """Listen on this app's engine only (never on every ``Engine`` of the process): the database's
    refusal to change a published record turned into a sentence
    (``survey_app.models.immutability``); on PostgreSQL :func:`ping_idle_connections`; on SQLite
    the durability pragmas on each new connection."""
    from survey_app.models.immutability import translate_refusal

    event.listen(engine, "handle_error", translate_refusal)
    if engine.dialect.name != "sqlite":
        ping_idle_connections(engine, ping_after_idle_s)
        return

    def set_sqlite_pragmas(dbapi_connection, connection_record) -> None:
        """WAL, foreign keys, synchronous=FULL and a busy timeout on every SQLite connection."""
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    event.listen(engine, "connect", set_sqlite_pragmas)
