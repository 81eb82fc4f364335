"""``choice_filter`` and ``${…}`` in labels on the respondent page: the options offered are those
the filter keeps given an earlier page's answer, a forged option outside it is refused with a
sentence and nothing is stored; labels show the referenced answer."""
from __future__ import annotations

import re

from builders import open_round_with_entry
from survey_app.extensions import db
from survey_app.models import Response

DISTRICTS = [{"name": code, "label": {"vi": label, "en": label}, "properties": {"province": p}}
             for code, label, p in (("bd", "Ba Đình", "hn"), ("hk", "Hoàn Kiếm", "hn"),
                                    ("pv", "Phú Vang", "hue"))]
DEFINITION = {
    "id": "cf", "version": "1", "title": {"vi": "Lọc", "en": "Filter"},
    "languages": ["vi", "en"], "respondent_group": "citizen",
    "pages": [
        {"name": "p1", "title": {"vi": "Trang 1", "en": "Page 1"}, "questions": [
            {"name": "province", "type": "single", "label": {"vi": "Tỉnh", "en": "Province"},
             "required": True,
             "choices": [{"name": "hn", "label": {"vi": "Hà Nội", "en": "Hanoi"}},
                         {"name": "hue", "label": {"vi": "Huế", "en": "Hue"}}]},
            {"name": "years", "type": "integer", "label": {"vi": "Số năm", "en": "Years"}}]},
        {"name": "p2", "title": {"vi": "Trang 2", "en": "Page 2"}, "questions": [
            {"name": "district", "type": "single", "choices": DISTRICTS,
             "choice_filter": "province = ${province}",
             "label": {"vi": "Huyện nào ở ${province}?", "en": "Which district of ${province}?"},
             "hint": {"vi": "Ông/Bà đã sống ${years} năm.", "en": "${years} years."}}]}],
}


def _post(client, url, html, answers):
    data = {key: re.search(rf'name="{key}" value="([^"]*)"', html).group(1)
            for key in ("_page", "_sid", "_shown", "_shown_at")}
    data.update(_consent="yes", _action="next", **answers)
    return client.post(url, data=data)


def test_filtered_options_and_filled_labels_on_the_next_page(client, app_ctx):
    entry = open_round_with_entry(definition=DEFINITION)
    db.session.commit()
    url = f"/s/{entry.code}"
    html = client.get(url).get_data(as_text=True)
    reply = _post(client, url, html, {"province": "hue", "years": "12"})
    assert reply.status_code in (200, 303)
    html = client.get(reply.headers.get("Location", url)).get_data(as_text=True) \
        if reply.status_code == 303 else reply.get_data(as_text=True)
    assert "Huyện nào ở Huế?" in html and "Ông/Bà đã sống 12 năm." in html
    assert 'value="pv"' in html and 'value="bd"' not in html and 'value="hk"' not in html
    reply = _post(client, url, html, {"district": "bd"})
    text = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert "Phương án &#39;bd&#39; không có trong các phương án được đưa ra" in text
    assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 0
    reply = _post(client, url, text, {"district": "pv"})
    assert reply.status_code == 303 and "/receipt/" in reply.headers["Location"]
    stored = db.session.scalars(db.select(Response)).one()
    assert stored.answers == {"province": "hue", "years": 12, "district": "pv"}


def test_a_repeat_counted_on_its_own_page_shows_its_rows_once_the_count_is_posted(
        client, app_ctx):
    definition = {**DEFINITION, "id": "rep", "pages": [
        {"name": "p1", "title": {"vi": "Trang 1", "en": "Page 1"}, "questions": [
            {"name": "n", "type": "integer", "label": {"vi": "Số người", "en": "People"}},
            {"name": "members", "type": "repeat", "repeat_count": "${n}",
             "label": {"vi": "Thành viên", "en": "Members"},
             "questions": [{"name": "who", "type": "text", "required": True,
                            "label": {"vi": "Họ tên", "en": "Name"}}]}]}]}
    entry = open_round_with_entry(definition=definition)
    db.session.commit()
    url = f"/s/{entry.code}"
    html = client.get(url).get_data(as_text=True)
    assert 'name="_rows.members" value="0"' in html and "Thành viên (1)" not in html
    reply = _post(client, url, html, {"n": "2", "_rows.members": "0"})
    text = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "Thành viên (2)" in text   # new questions: no error yet
    assert "Câu hỏi này bắt buộc" not in text
    data = {"n": "2", "_rows.members": "2", "members[1].who": "An", "members[2].who": "Bình"}
    reply = _post(client, url, text, data)
    assert reply.status_code == 303
    stored = db.session.scalars(db.select(Response)).one()
    assert stored.answers == {"n": 2, "members": [{"who": "An"}, {"who": "Bình"}]}


def test_the_staff_preview_draws_a_repeat_as_its_rows(app):
    from questionnaires import Questionnaire
    from survey_app.respond.forms import build_fields

    definition = {**DEFINITION, "id": "rep", "pages": [
        {"name": "p1", "title": {"vi": "Trang 1", "en": "Page 1"}, "questions": [
            {"name": "members", "type": "repeat", "repeat_count": "2",
             "label": {"vi": "Thành viên", "en": "Members"},
             "questions": [{"name": "who", "type": "text",
                            "label": {"vi": "Họ tên", "en": "Name"}}]}]}]}
    q = Questionnaire.from_dict(definition)
    with app.test_request_context():
        fields = build_fields(q, q.pages[0], {}, {"members", "who"}, {}, "vi", "preview",
                              preview=True)
    assert [(f.type, [c.name for c in f.children]) for f in fields] == [
        ("repeat", ["members[1]", "members[2]"])]
    assert [c.name for c in fields[0].children[0].children] == ["members[1].who"]
