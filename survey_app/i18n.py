"""Locale selection (Vietnamese by default, English when asked for: ``?lang=en``, kept in the
session) and the page's number, percentage and date formats, through Babel."""
from __future__ import annotations

import datetime as dt
import math

from flask import current_app, request, session

NO_VALUE = "—"
# Vietnamese writes dates day first with two-digit day and month (15/06/2025); English pages use
# Babel's medium format (Jun 15, 2025), which cannot be misread either way round.
DATE_FORMATS = {"vi": "dd/MM/yyyy"}
DATETIME_FORMATS = {"vi": "dd/MM/yyyy HH:mm"}


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


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_number(value, digits: int | None = None) -> str:
    """``value`` with the locale's separators (12.345,68 in Vietnamese); ``digits`` fixes the
    decimals, otherwise whole numbers show none and others up to three."""
    from flask_babel import format_decimal

    if _missing(value):
        return NO_VALUE
    if digits is None:
        pattern = "#,##0" if float(value).is_integer() else "#,##0.###"
    else:
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern)


def format_share(value, digits: int = 1) -> str:
    """A share (0.7563) as a percentage of the page's locale: 75,6 % (vi), 75.6% (en)."""
    from flask_babel import format_percent

    if _missing(value):
        return NO_VALUE
    sign = " %" if current_lang() == "vi" else "%"
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "") + sign
    return format_percent(value, format=pattern)


def format_day(value) -> str:
    """A date in the page's locale: 15/06/2025 (vi), Jun 15, 2025 (en); of a stored (naive UTC)
    datetime, its day in the app's time zone (Vietnam: 20:30 UTC is already the next day)."""
    from flask_babel import format_date, to_user_timezone

    if value is None:
        return NO_VALUE
    if isinstance(value, dt.datetime):
        value = to_user_timezone(value).date()
    return format_date(value, format=DATE_FORMATS.get(current_lang(), "medium"))


def format_moment(value) -> str:
    """A stored (naive UTC) datetime in the page's locale and the app's time zone
    (``BABEL_DEFAULT_TIMEZONE``, Asia/Ho_Chi_Minh): 2026-06-15 20:30 UTC is 16/06/2026 03:30."""
    from flask_babel import format_datetime

    if value is None:
        return NO_VALUE
    return format_datetime(value, format=DATETIME_FORMATS.get(current_lang(), "medium"))


def in_language(vi: str | None, en: str | None) -> str:
    """Of a text given in both languages (a check's message), the one of the page."""
    return (en if current_lang() == "en" and en else vi) or ""


def register_format_filters(app) -> None:
    app.jinja_env.filters.update(num=format_number, pct=format_share, vndate=format_day,
                                 vndatetime=format_moment)
    app.jinja_env.globals["in_language"] = in_language
