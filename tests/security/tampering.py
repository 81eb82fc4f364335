"""Tampering as an intruder with the database owner's rights would: behind the triggers' back."""
from __future__ import annotations

import contextlib

from sqlalchemy import text

from migrations import record_triggers
from survey_app.extensions import db


@contextlib.contextmanager
def tamper(table: str):
    """A connection on which ``table``'s refusal triggers are dropped (as an intruder with the
    database owner's rights would), restored on leaving; the changes made through it commit."""
    db.session.commit()  # the test's own session holds no lock the change would wait for
    with db.engine.begin() as connection:
        dialect = connection.dialect.name
        if dialect == "postgresql":
            connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        else:
            for statement in record_triggers.drop_statements(dialect, (table,)):
                connection.execute(text(statement))
        yield connection
        if dialect == "postgresql":
            connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        else:
            for statement in record_triggers.create_statements(dialect, (table,)):
                connection.exec_driver_sql(statement)
