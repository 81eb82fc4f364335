"""Codes are shown by their names, in the page's language."""
from __future__ import annotations

from survey_app.labels import channel_label, group_label, round_status_label, unit_type_label
from survey_app.operations.submissions import CHANNELS


def test_labels_follow_the_page_language(app):
    with app.test_request_context("/"):
        assert group_label("delegate") == "Đại biểu HĐND tỉnh"
        assert unit_type_label("commune") == "UBND cấp xã"
        assert round_status_label("published") == "Đã công bố"
    with app.test_request_context("/?lang=en"):
        assert group_label("delegate") == "Provincial People's Council delegates"
        assert round_status_label("open") == "Open"


def test_unknown_codes_are_shown_as_they_are(app):
    with app.test_request_context("/"):
        assert group_label("ward_police") == "ward_police"
        assert group_label(None) == ""


def test_every_channel_is_named_in_both_languages(app):
    names = {}
    for query in ("/", "/?lang=en"):
        with app.test_request_context(query):
            names[query] = [channel_label(code) for code in CHANNELS]
    for vi, en, code in zip(names["/"], names["/?lang=en"], CHANNELS):
        assert code not in (vi, en) and vi != en, code
    assert names["/"][CHANNELS.index("odk")].startswith("ODK Collect")
