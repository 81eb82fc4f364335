"""Times shown to people are Vietnam's (Asia/Ho_Chi_Minh, UTC+7 all year); stored times stay UTC.

A moment stored as 2026-06-15 20:30 UTC is 03:30 on 16 June in Vietnam: the staff pages' filters
(``vndatetime``, and ``vndate`` given a datetime) must show that day and hour, while a plain date
is shown as it is and the machine-readable contract keeps UTC.
"""
from __future__ import annotations

import datetime as dt

import pytest

STORED = dt.datetime(2026, 6, 15, 20, 30)   # naive UTC, as the models store it


@pytest.mark.parametrize("lang, moment, day", [
    ("vi", "16/06/2026 03:30", "16/06/2026"),
    ("en", "Jun 16, 2026, 3:30:00\u202fAM", "Jun 16, 2026"),
])
def test_stored_utc_times_are_shown_in_vietnam_time(app, lang, moment, day):
    template = "{{ when|vndatetime }}|{{ when|vndate }}|{{ date|vndate }}"
    with app.test_request_context(f"/?lang={lang}"):
        shown = app.jinja_env.from_string(template).render(when=STORED,
                                                           date=dt.date(2026, 6, 15))
    assert shown.split("|") == [moment, day, "15/06/2026" if lang == "vi" else "Jun 15, 2026"]


def test_an_aware_utc_time_is_converted_too_and_the_app_names_the_zone(app):
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == "Asia/Ho_Chi_Minh"
    aware = STORED.replace(tzinfo=dt.timezone.utc)
    with app.test_request_context("/?lang=vi"):
        shown = app.jinja_env.from_string("{{ when|vndatetime }}").render(when=aware)
    assert shown == "16/06/2026 03:30"
