"""The field types beyond text, numbers, dates and choices on the respondent page: rendered,
validated on the server with a sentence, stored (computed values too)."""
from __future__ import annotations

import re

from builders import open_round_with_entry
from survey_app.extensions import db
from survey_app.models import Draft, Response

L = {"vi": "X", "en": "X"}
DEFINITION = {
    "id": "types", "version": "1", "title": {"vi": "Loại", "en": "Types"},
    "languages": ["vi", "en"], "respondent_group": "citizen",
    "pages": [{"name": "p1", "title": {"vi": "Trang", "en": "Page"}, "questions": [
        {"name": "visits", "type": "integer", "label": L, "default": "2"},
        {"name": "office", "type": "text", "label": L, "default": "UBND xã", "read_only": True,
         "guidance_hint": {"vi": "Đọc chậm", "en": "Read slowly"}},
        {"name": "double", "type": "calculate", "calculation": "${visits} * 2"},
        {"name": "source", "type": "hidden", "default": "qr"},
        {"name": "agree", "type": "acknowledge", "label": L, "required": True,
         "required_message": {"vi": "Xin Ông/Bà xác nhận.", "en": "Please confirm."}},
        {"name": "at", "type": "time", "label": L},
        {"name": "when", "type": "datetime", "label": L},
        {"name": "score", "type": "range", "label": L, "range": {"start": 0, "end": 10, "step": 2}},
    ]}],
}


def _post(client, url, html, answers):
    data = {key: re.search(rf'name="{key}" value="([^"]*)"', html).group(1)
            for key in ("_page", "_sid", "_shown", "_shown_at")}
    data.update(_consent="yes", _action="next", **answers)
    return client.post(url, data=data)


def test_new_types_render_validate_and_store_with_computed_values(client, app_ctx):
    entry = open_round_with_entry(definition=DEFINITION)
    db.session.commit()
    url = f"/s/{entry.code}"
    html = client.get(url).get_data(as_text=True)
    assert 'type="checkbox" id="agree" name="agree" value="OK"' in html
    assert 'type="time" id="at"' in html and 'type="datetime-local" id="when"' in html
    assert 'type="number"' in html and 'min="0" max="10" step="2"' in html
    assert 'name="visits" value="2"' in html                       # the default is shown
    assert '<output id="office"' in html and "UBND xã" in html       # read-only: no input
    assert 'name="double"' not in html and 'name="source"' not in html
    assert "Đọc chậm" not in html                                  # guidance is for interviewers
    bad = {"visits": "3", "office": "forged", "at": "25:61", "score": "3", "when": "2025-02-30T10:00"}
    reply = _post(client, url, html, bad)
    text = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert "Cần nhập giờ hợp lệ dạng HH:MM" in text
    assert "Giá trị phải nằm giữa 0 và 10, bước 2." in text
    assert "Cần nhập ngày giờ hợp lệ" in text and "Xin Ông/Bà xác nhận." in text
    assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 0
    good = {"visits": "3", "office": "forged", "agree": "OK", "at": "07:30",
            "when": "2025-02-03T10:15", "score": "4", "double": "999", "source": "forged"}
    reply = _post(client, url, text, good)
    assert reply.status_code == 303 and "/receipt/" in reply.headers["Location"]
    stored = db.session.scalars(db.select(Response)).one()
    assert stored.answers == {"visits": 3, "office": "UBND xã", "double": 6, "source": "qr",
                              "agree": "OK", "at": "07:30", "when": "2025-02-03T10:15",
                              "score": 4}
    assert db.session.scalar(db.select(db.func.count()).select_from(Draft)) == 0


def test_range_answers_are_exported_as_numbers():
    """A range answer is a number in the respondent-level files (SAV, XLSX), not text."""
    from types import SimpleNamespace

    from survey_app.operations.exports import _answer_variables

    question = SimpleNamespace(name="score", type="range", label={"vi": "Điểm"})
    variables = _answer_variables(question, [{"score": 4}, {"score": None}, {}],
                                  [True, True, False], "form", set())
    assert len(variables) == 1
    values = list(variables[0].values)
    assert values[0] == 4.0 and all(v != v for v in values[1:])  # NaN where none
