"""Repeats on the respondent pages: one block per row headed "label (n)", rows from
``repeat_count`` or added and removed with buttons that post the page (no JavaScript), per-row
relevance and ``${…}``, errors named by row, drafts kept, answers stored as lists of rows."""
from __future__ import annotations

import re

from builders import open_round_with_entry
from survey_app.extensions import db
from survey_app.models import Draft, Response
from questionnaires.repeats import REPEAT_MAX_ROWS


def _l(vi: str, en: str) -> dict:
    return {"vi": vi, "en": en}


DEFINITION = {
    "id": "household", "version": "1", "title": _l("Hộ gia đình", "Household"),
    "languages": ["vi", "en"], "respondent_group": "citizen",
    "pages": [
        {"name": "p1", "title": _l("Số người", "People"), "questions": [
            {"name": "n", "type": "integer", "label": _l("Số người trong hộ", "People"),
             "required": True, "constraint": ". <= 5"}]},
        {"name": "p2", "title": _l("Thành viên", "Members"), "questions": [
            {"name": "members", "type": "repeat", "label": _l("Thành viên", "Member"),
             "repeat_count": "${n}", "questions": [
                 {"name": "who", "type": "text", "label": _l("Họ tên", "Name"), "required": True},
                 {"name": "age", "type": "integer", "label": _l("Tuổi của ${who}", "Age of ${who}")},
                 {"name": "school", "type": "text", "label": _l("Trường", "School"),
                  "required": True, "relevant": "${age} < 18"}]}]},
        {"name": "p3", "title": _l("Lần đến", "Visits"), "questions": [
            {"name": "visits", "type": "repeat", "label": _l("Lần đến", "Visit"), "questions": [
                {"name": "why", "type": "text", "label": _l("Việc cần làm", "Errand"),
                 "required": True}]}]},
    ],
}


def _hidden(html: str) -> dict:
    keys = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    return {key: value for key, value in keys if key not in ("csrf_token", "_rk")}


def _post(client, url, html, answers, action="next"):
    data = _hidden(html)
    data.update(_consent="yes", _action=action, **answers)
    return client.post(url, data=data)


def _follow(client, url, reply):
    assert reply.status_code == 303, reply.get_data(as_text=True)[:2000]
    return client.get(url).get_data(as_text=True)


def test_counted_and_open_repeats_are_answered_and_stored_as_rows(client, app_ctx):
    entry = open_round_with_entry(definition=DEFINITION)
    db.session.commit()
    url = f"/s/{entry.code}"
    html = _follow(client, url, _post(client, url, client.get(url).get_data(as_text=True),
                                      {"n": "2"}))
    assert "Thành viên (1)" in html and "Thành viên (2)" in html and "Thành viên (3)" not in html
    assert 'name="members[2].who"' in html and 'name="_rows.members" value="2"' in html
    assert "Xóa dòng" not in html                     # a counted repeat has no row buttons
    assert 'name="members[1].school"' not in html      # relevant per row: no age yet
    reply = _post(client, url, html, {"members[1].who": "An", "members[1].age": "40",
                                      "members[2].who": "Bình", "members[2].age": "9"})
    text = reply.get_data(as_text=True)
    assert reply.status_code == 200                    # row 2's school is newly shown
    assert 'name="members[2].school"' in text and 'name="members[1].school"' not in text
    assert "Tuổi của Bình" in text                     # ${who} is the same row's name
    reply = _post(client, url, text, {"members[1].who": "An", "members[1].age": "40",
                                      "members[2].who": "Bình", "members[2].age": "9"})
    text = reply.get_data(as_text=True)
    assert "Dòng 2: Câu hỏi này bắt buộc trả lời." in text and "Dòng 1:" not in text
    html = _follow(client, url, _post(client, url, text, {
        "members[1].who": "An", "members[1].age": "40", "members[2].who": "Bình",
        "members[2].age": "9", "members[2].school": "Tiểu học"}))
    # the open repeat: one row to start, rows added and removed by posting the page
    assert "Lần đến (1)" in html and 'name="_rows.visits" value="1"' in html
    html = _post(client, url, html, {"visits[1].why": "Cấp giấy"}, action="add:visits")
    html = html.get_data(as_text=True)
    assert "Lần đến (2)" in html and 'value="Cấp giấy"' in html
    html = _post(client, url, html, {"visits[1].why": "Cấp giấy", "visits[2].why": "Xóa"},
                 action="add:visits").get_data(as_text=True)
    html = _post(client, url, html, {"visits[1].why": "Cấp giấy", "visits[2].why": "Xóa",
                                     "visits[3].why": "Nộp thuế"},
                 action="remove:visits:2").get_data(as_text=True)
    assert "Lần đến (3)" not in html and 'value="Nộp thuế"' in html and 'value="Xóa"' not in html
    draft = db.session.scalars(db.select(Draft)).one()   # the rows are in the draft
    assert draft.answers["visits"] == [{"why": "Cấp giấy"}, {"why": "Nộp thuế"}]
    reply = _post(client, url, html, {"visits[1].why": "Cấp giấy", "visits[2].why": "Nộp thuế"})
    assert reply.status_code == 303 and "/receipt/" in reply.headers["Location"]
    stored = db.session.scalars(db.select(Response)).one()
    assert stored.answers == {
        "n": 2, "members": [{"who": "An", "age": 40},
                            {"who": "Bình", "age": 9, "school": "Tiểu học"}],
        "visits": [{"why": "Cấp giấy"}, {"why": "Nộp thuế"}]}


def test_rows_beyond_the_maximum_are_refused_with_a_sentence(client, app_ctx):
    entry = open_round_with_entry(definition=DEFINITION)
    db.session.commit()
    url = f"/s/{entry.code}"
    html = client.get(url).get_data(as_text=True)
    html = _follow(client, url, _post(client, url, html, {"n": "1"}))
    html = _follow(client, url, _post(client, url, html, {"members[1].who": "An"}))
    rows = {f"visits[{i}].why": f"v{i}" for i in range(1, REPEAT_MAX_ROWS + 1)}
    data = _hidden(html)
    data.update(rows, **{"_rows.visits": str(REPEAT_MAX_ROWS), "_action": "add:visits"})
    text = client.post(url, data=data).get_data(as_text=True)
    assert f"Chỉ nhập được tối đa {REPEAT_MAX_ROWS} dòng." in text
    assert f"Lần đến ({REPEAT_MAX_ROWS})" in text and f"({REPEAT_MAX_ROWS + 1})" not in text
    data = _hidden(text)
    data.update(rows, **{"_rows.visits": "100000", "_action": "next"})  # a forged count is bounded
    reply = client.post(url, data=data)
    assert reply.status_code == 303
    stored = db.session.scalars(db.select(Response)).one()
    assert len(stored.answers["visits"]) == REPEAT_MAX_ROWS


def test_the_english_page_names_rows_in_english(client, app_ctx):
    entry = open_round_with_entry(definition=DEFINITION)
    db.session.commit()
    url = f"/s/{entry.code}"
    html = client.get(url + "?lang=en").get_data(as_text=True)
    _post(client, url, html, {"n": "1"})
    _post(client, url, client.get(url).get_data(as_text=True), {"n": "1"})
    html = client.get(url + "?lang=en").get_data(as_text=True)
    html = _follow(client, url, _post(client, url, html, {"members[1].who": "An"}))
    html = client.get(url + "?lang=en").get_data(as_text=True)
    assert "Visit (1)" in html and "Add a row: Visit" in html and "Remove row 1" in html
    text = _post(client, url + "?lang=en", html, {}).get_data(as_text=True)
    assert "Row 1: This question is required." in text


def test_the_api_takes_repeat_answers_as_lists_of_row_objects(client, app_ctx):
    import uuid

    entry = open_round_with_entry(definition=DEFINITION)
    db.session.commit()

    def send(answers):
        return client.post("/api/v1/submissions", json={
            "submission_id": str(uuid.uuid4()), "entry": entry.code, "answers": answers})

    rows = [{"who": "An", "age": "40"}, {"who": "Bình", "age": 9, "school": "Tiểu học"}]
    wrong = send({"n": 2, "members": [{"who": "An", "age": "x"}], "visits": "two"})
    assert wrong.status_code == 422
    said = {(e["question"], e["code"]) for e in wrong.get_json()["error"]["errors"]}
    assert said == {("members", "repeat_count"), ("visits", "type")}
    wrong = send({"n": 2, "members": [{"age": "x"}, {"who": "B", "age": 3, "pet": "cat"}],
                  "visits": []})
    said = {(e["question"], e["code"]) for e in wrong.get_json()["error"]["errors"]}
    assert said == {("members[1].who", "required"), ("members[1].age", "type"),
                    ("members[2].pet", "unknown_question"), ("members[2].school", "required")}
    assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 0
    reply = send({"n": 2, "members": rows, "visits": [{"why": "Cấp giấy"}]})
    assert reply.status_code == 201, reply.get_json()
    stored = db.session.scalars(db.select(Response)).one()
    assert stored.answers == {"n": 2, "members": [{"who": "An", "age": 40}, rows[1]],
                              "visits": [{"why": "Cấp giấy"}]}


def test_the_staff_preview_shows_every_row_question_with_its_rule(client, app_ctx):
    from builders import create_questionnaire, create_user, log_in

    form = create_questionnaire(DEFINITION)
    admin = create_user("admin")
    db.session.commit()
    log_in(client, admin)
    html = client.get(f"/admin/questionnaires/stored/{form.id}").get_data(as_text=True)
    assert "Thành viên (1)" in html and 'name="members[1].school"' in html  # every question
    assert 'id="rule-members[1].school"' in html and "Trường" in html
