"""Engine settings: SQLite durability pragmas for the embedded default, psycopg for PostgreSQL."""
from __future__ import annotations

import os

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError

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
    """The engine's options for ``uri``. On PostgreSQL every pooled connection is pinged when
    checked out (``pool_pre_ping``: one closed by a database restart is replaced, not handed to a
    request) and recycled after ``pool_recycle`` seconds (``DATABASE_POOL_RECYCLE_SECONDS``), and
    a connection attempt gives up after ``connect_timeout_s``: a database that is down answers a
    request with a 503 (``survey_app.unavailable``) within seconds, and the app recovers by itself
    once the database is back. A SQLite file needs neither."""
    options = dict(base)
    connect_args = options["connect_args"] = dict(options.get("connect_args") or {})
    if uri.startswith("sqlite"):
        options.pop("pool_pre_ping", None)
        options.pop("pool_recycle", None)
        connect_args["timeout"] = busy_timeout_ms / 1000
    else:
        options.setdefault("pool_pre_ping", True)
        options.setdefault("pool_recycle", 1800)
        # Durability on PostgreSQL: a commit returns only once it is flushed to disk.
        connect_args["options"] = "-c synchronous_commit=on"
        connect_args.setdefault("connect_timeout", int(connect_timeout_s))
    return options


def bind_engine_events(engine: Engine, busy_timeout_ms: int) -> None:
    """Listen on this app's engine only (never on every ``Engine`` of the process): SQLite's
    durability pragmas on each new connection, and the database's refusal to change a published
    record turned into a sentence (``survey_app.models.immutability``)."""
    from survey_app.models.immutability import translate_refusal

    event.listen(engine, "handle_error", translate_refusal)
    if engine.dialect.name != "sqlite":
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
