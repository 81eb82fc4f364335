"""Shared fixtures: a fresh database per test run (SQLite, or PostgreSQL via TEST_DATABASE_URL),
migrated once with Alembic, emptied after every test that used it."""
from __future__ import annotations


import pytest
from sqlalchemy import text

from survey_app import create_app
from tests.databases import fresh_database

TEST_SECRET = "test-secret-key-that-is-long-enough-1234567890"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A database of this test run's own: a new PostgreSQL database, or a new SQLite file."""
    with fresh_database(tmp_path_factory.mktemp("db") / "test.sqlite") as url:
        yield url


def make_test_app(database_url: str, instance_path, **overrides):
    """The app on ``database_url`` with ``instance_path`` as its instance folder (passed to the
    factory: the process environment is left alone)."""
    config = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "PUBLIC_BASE_URL": "http://localhost",
    }
    config.update(overrides)
    return create_app(config, instance_path=str(instance_path))


@pytest.fixture(scope="session")
def migrated_database(database_url, tmp_path_factory):
    """The test database, upgraded from empty by the Alembic revision chain."""
    app = make_test_app(database_url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        from survey_app.schema import upgrade_schema

        upgrade_schema()
        from survey_app.extensions import db

        db.engine.dispose()
    return database_url


def _empty_all_tables(db) -> None:
    from survey_app.models import Base

    tables = [t for t in reversed(Base.metadata.sorted_tables)]
    # The triggers of revision 0005 refuse to delete audit events and published records: they are
    # set aside while the tables are emptied, in the same transaction.
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            guarded = connection.execute(text(
                "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal"
            )).scalars().all()
            for name in guarded:
                connection.execute(text(f"ALTER TABLE {name} DISABLE TRIGGER USER"))
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            for name in guarded:
                connection.execute(text(f"ALTER TABLE {name} ENABLE TRIGGER USER"))
        else:
            triggers = connection.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
            )).all()
            for name, _ in triggers:
                connection.execute(text(f'DROP TRIGGER "{name}"'))
            for table in tables:
                connection.execute(table.delete())
            for _, sql in triggers:
                connection.exec_driver_sql(sql)


@pytest.fixture
def app(migrated_database, tmp_path, monkeypatch):
    monkeypatch.setenv("PAR_SURVEY_INSTANCE", str(tmp_path / "instance"))
    app = make_test_app(migrated_database, tmp_path / "instance")
    yield app
    with app.app_context():
        from survey_app.extensions import db

        db.session.remove()
        _empty_all_tables(db)
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app
