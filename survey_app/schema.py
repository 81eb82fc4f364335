"""Schema checks and upgrades through Alembic, with operator errors as sentences."""
from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import upgrade

from survey_app.extensions import db


class SchemaError(RuntimeError):
    """The database schema does not fit this version of the code."""


def _script_directory() -> ScriptDirectory:
    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config)


def database_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _check_known(revision: str | None, scripts: ScriptDirectory) -> None:
    if revision is None:
        return
    known = {script.revision for script in scripts.walk_revisions()}
    if revision not in known:
        raise SchemaError(
            f"cơ sở dữ liệu ở phiên bản lược đồ {revision!r}, mới hơn phần mềm này; hãy cài "
            f"phiên bản par-survey mới hơn / the database schema ({revision!r}) is newer than "
            "this par-survey: install a newer release."
        )


def upgrade_schema() -> str:
    scripts = _script_directory()
    _check_known(database_revision(), scripts)
    upgrade(directory=current_app.extensions["migrate"].directory)
    return scripts.get_current_head()


def check_schema_current() -> None:
    scripts = _script_directory()
    revision = database_revision()
    _check_known(revision, scripts)
    if revision != scripts.get_current_head():
        raise SchemaError(
            "cơ sở dữ liệu chưa được nâng cấp; chạy `par-survey db upgrade` / the database "
            "schema is not up to date: run `par-survey db upgrade`."
        )
