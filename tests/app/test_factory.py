"""The app factory, configuration and database durability settings."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from survey_app import create_app
from survey_app.config import ConfigError
from survey_app.extensions import db


def test_factory_wires_testing_config(app):
    assert app.testing
    assert app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0] in ("sqlite", "postgresql+psycopg")


def test_default_database_is_sqlite_in_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("PAR_SURVEY_INSTANCE", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": None})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/par-survey.sqlite"


def test_production_refuses_development_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("PAR_SURVEY_INSTANCE", str(tmp_path))
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"PRODUCTION": True, "SQLALCHEMY_DATABASE_URI": "postgresql://x@localhost/db"})
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"PRODUCTION": True, "SECRET_KEY": "short",
                    "SQLALCHEMY_DATABASE_URI": "postgresql://x@localhost/db"})
    app = create_app({"PRODUCTION": True, "SECRET_KEY": "k" * 40,
                      "SQLALCHEMY_DATABASE_URI": "postgresql://x@localhost/db"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


@pytest.mark.parametrize("url", ["mysql://u@h/d", "::not a url"])
def test_bad_database_url_is_a_config_error(url, tmp_path, monkeypatch):
    monkeypatch.setenv("PAR_SURVEY_INSTANCE", str(tmp_path))
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        create_app({"SQLALCHEMY_DATABASE_URI": url})


def test_durability_settings(app_ctx):
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
        else:
            assert connection.dialect.name == "postgresql"
            assert connection.execute(text("SHOW synchronous_commit")).scalar() == "on"
            assert connection.execute(text("SHOW fsync")).scalar() == "on"


def test_healthz_and_vietnamese_landing_page(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    page = client.get("/")
    assert page.status_code == 200
    assert 'lang="vi"' in page.get_data(as_text=True)
    assert "Khảo sát" in page.get_data(as_text=True)
    english = client.get("/?lang=en")
    assert 'lang="en"' in english.get_data(as_text=True)


def test_pragmas_are_the_apps_own_not_every_engines(tmp_path):
    """The listener is bound to each app's engine: another engine in the process keeps SQLite's
    defaults, and two apps keep their own busy timeouts."""
    from sqlalchemy import create_engine

    def busy_timeout(milliseconds: int, name: str) -> int:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / name}.sqlite",
                          "SQLITE_BUSY_TIMEOUT_MS": milliseconds}, instance_path=str(tmp_path))
        with app.app_context(), db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            value = connection.execute(text("PRAGMA busy_timeout")).scalar()
        with app.app_context():
            db.engine.dispose()
        return value

    assert (busy_timeout(1500, "a"), busy_timeout(2500, "b")) == (1500, 2500)
    other = create_engine(f"sqlite:///{tmp_path / 'other.sqlite'}")
    with other.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 0
        assert connection.execute(text("PRAGMA journal_mode")).scalar() != "wal"
    other.dispose()
