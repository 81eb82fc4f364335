"""par-survey web application: the only layer with a web, a database and a session."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from survey_app.config import Config, check_production_settings
from survey_app.database import bind_engine_events, engine_options, resolve_database_uri

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(config: dict | type | None = None, *, instance_path: str | None = None) -> Flask:
    """Build the app. Only wires things up: no migrations, network calls or sleeps.

    The instance folder (the embedded database, uploads) is ``instance_path``, else
    ``PAR_SURVEY_INSTANCE``, else Flask's default.
    """
    instance_path = instance_path or os.environ.get("PAR_SURVEY_INSTANCE") or None
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    check_production_settings(app.config)
    os.makedirs(app.instance_path, exist_ok=True)

    uri = resolve_database_uri(app.config.get("SQLALCHEMY_DATABASE_URI"), app.instance_path)
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        uri, app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}), app.config["SQLITE_BUSY_TIMEOUT_MS"],
        connect_timeout_s=app.config["DATABASE_CONNECT_TIMEOUT_SECONDS"],
    )

    from survey_app import charts
    from survey_app.extensions import babel, csrf, db, migrate
    from survey_app.i18n import current_lang, select_locale
    from survey_app.labels import register_label_filters

    from survey_app.cookie_sessions import CookieSessionInterface

    app.session_interface = CookieSessionInterface()
    db.init_app(app)  # creates the engine; its listeners are this app's alone
    with app.app_context():
        bind_engine_events(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"],
                           ping_after_idle_s=app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["current_lang"] = current_lang
    register_label_filters(app)
    charts.init_app(app)  # the pages' SVG charts and locale number filters

    from survey_app import guards
    from survey_app.blueprints import register_blueprints

    guards.init_app(app)  # before the blueprints: routes compile with its int converter
    register_blueprints(app)

    from survey_app import errors

    errors.init_app(app)  # refusals, own error pages, rollback on unexpected errors

    from survey_app import security

    security.init_app(app)  # response headers, ProxyFix, masked exception log
    return app
