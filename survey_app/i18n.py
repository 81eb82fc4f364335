"""Locale selection: Vietnamese by default, English when asked for (``?lang=en``, kept in the
session)."""
from __future__ import annotations

from flask import current_app, request, session


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in languages:
        session["lang"] = asked
        return asked
    kept = session.get("lang")
    return kept if kept in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def current_lang() -> str:
    from flask_babel import get_locale

    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
