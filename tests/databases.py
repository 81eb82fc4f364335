"""Databases of the tests' own: a new PostgreSQL database per use, or a SQLite file."""
from __future__ import annotations

import contextlib
import os
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from survey_app.config import normalise_database_url


@contextlib.contextmanager
def fresh_database(sqlite_path):
    """A new empty database: on the PostgreSQL server of ``TEST_DATABASE_URL`` (dropped on exit)
    or, without it, the SQLite file ``sqlite_path``. Yields its URL."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        yield "sqlite:///" + str(sqlite_path)
        return
    server = make_url(normalise_database_url(server_url))
    name = f"par_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"
            ), {"name": name})
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
