"""Page-level skip logic in the respondent flow: skipped forwards and back, left out of progress."""
from __future__ import annotations

import re

import pytest
from builders import open_round_with_entry, small_questionnaire_dict

from survey_app.extensions import db
from survey_app.models import Draft, Response


def paged_definition() -> dict:
    """The small test form with ``online_rating`` moved to its own page ``online``, which is
    relevant only when ``used_online`` is yes: pages profile, service, online, wishes."""
    definition = small_questionnaire_dict(form_id="paged_form")
    profile, service, wishes = definition["pages"]
    rating = next(q for q in service["questions"] if q["name"] == "online_rating")
    service["questions"].remove(rating)
    del rating["relevant"]
    online = {"name": "online", "title": {"vi": "Dịch vụ trực tuyến", "en": "Online service"},
              "relevant": "${used_online} = 'yes'", "questions": [rating]}
    definition["pages"] = [profile, service, online, wishes]
    return definition


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def heading(html: str) -> str:
    """The page title and the progress text, e.g. ``"Mong đợi 3/3"``."""
    title = re.search(r"<h2>([^<]*)</h2>", html.split("</section>")[-1]).group(1)
    position = re.search(r"Trang (\d+/\d+)", html).group(1)
    return f"{title} {position}"


def post(client, url: str, html: str, answers: dict, action: str = "next", consent: bool = True):
    data = {key: hidden(html, key) for key in ("_page", "_sid", "_shown", "_shown_at", "_rk")}
    if consent and 'name="_consent"' in html:
        data["_consent"] = "yes"
    data["_action"] = action
    data.update(answers)
    return client.post(url, data=data)


def step(client, url: str, answers: dict, action: str = "next") -> str:
    """Post the current page and return the page shown next."""
    reply = post(client, url, client.get(url).get_data(as_text=True), answers, action)
    assert reply.status_code == 303, reply.get_data(as_text=True)[:2000]
    return client.get(url).get_data(as_text=True)


@pytest.fixture
def url(app_ctx):
    entry = open_round_with_entry(definition=paged_definition())
    db.session.commit()
    return f"/s/{entry.code}"


def test_a_skipped_page_is_left_out_of_the_walk_and_of_the_progress(client, url):
    first = client.get(url).get_data(as_text=True)
    assert heading(first) == "Thông tin chung 1/3"  # online is not relevant while unanswered
    html = step(client, url, {"age": "35", "gender": "m"})
    assert heading(html) == "Dịch vụ 2/3"
    html = step(client, url, {"used_online": "no", "counter_rating": "4"})
    assert heading(html) == "Mong đợi 3/3" and "Gửi phiếu" in html
    html = step(client, url, {}, action="back")
    assert heading(html) == "Dịch vụ 2/3"
    html = step(client, url, {"used_online": "no", "counter_rating": "4"})
    assert heading(html) == "Mong đợi 3/3"
    reply = post(client, url, html, {"comment": "Tốt"})
    assert reply.status_code == 303 and "/receipt/" in reply.headers["Location"]
    response = db.session.scalar(db.select(Response))
    assert response.answers == {"age": 35, "gender": "m", "used_online": "no", "counter_rating": "4",
                                "comment": "Tốt"}
    assert set(response.paradata["page_seconds"]) == {"profile", "service", "wishes"}


def test_a_page_that_becomes_relevant_is_visited_and_counted(client, url):
    step(client, url, {"age": "35", "gender": "f"})
    html = step(client, url, {"used_online": "yes", "counter_rating": "4"})
    assert heading(html) == "Dịch vụ trực tuyến 3/4" and 'name="online_rating"' in html
    reply = post(client, url, html, {})  # the required rating on the now-relevant page
    assert reply.status_code == 200 and 'class="error"' in reply.get_data(as_text=True)
    html = step(client, url, {"online_rating": "5"})
    assert heading(html) == "Mong đợi 4/4"
    html = step(client, url, {}, action="back")
    assert heading(html) == "Dịch vụ trực tuyến 3/4"


def test_changing_the_answer_skips_the_page_again_and_drops_its_answers(client, url):
    step(client, url, {"age": "50", "gender": "f"})
    step(client, url, {"used_online": "yes", "counter_rating": "3"})
    step(client, url, {"online_rating": "2"})
    html = step(client, url, {}, action="back")                         # wishes → online
    html = step(client, url, {"online_rating": "2"}, action="back")     # online → service
    assert heading(html) == "Dịch vụ 2/4"
    html = step(client, url, {"used_online": "no", "counter_rating": "3"})
    assert heading(html) == "Mong đợi 3/3"
    draft = db.session.scalar(db.select(Draft))
    assert draft.answers["online_rating"] == "2"  # kept in the draft, in case they change back
    reply = post(client, url, html, {})
    assert reply.status_code == 303
    response = db.session.scalar(db.select(Response))
    assert "online_rating" not in response.answers
    assert response.answers["used_online"] == "no"


def test_a_draft_on_a_page_that_is_now_skipped_resumes_on_the_next_page(client, url):
    step(client, url, {"age": "50", "gender": "f"})
    step(client, url, {"used_online": "no", "counter_rating": "3"})
    draft = db.session.scalar(db.select(Draft))
    draft.page_index = 2  # the online page, e.g. saved before the answer that skips it changed
    db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert heading(html) == "Mong đợi 3/3" and hidden(html, "_page") == "3"


def test_when_the_first_page_is_skipped_the_notice_and_consent_move_to_the_first_shown(client, app_ctx):
    definition = paged_definition()
    # a first page shown only to those over 60, asked on the page after it
    retired = {"name": "retired", "title": {"vi": "Người cao tuổi", "en": "Older people"},
               "relevant": "${age} > 60", "questions": [
                   {"name": "pension", "type": "text", "label": {"vi": "Lương hưu", "en": "Pension"}}]}
    definition["pages"].insert(0, retired)
    entry = open_round_with_entry(definition=definition)
    db.session.commit()
    url = f"/s/{entry.code}"
    html = client.get(url).get_data(as_text=True)
    assert heading(html) == "Thông tin chung 1/3" and hidden(html, "_page") == "1"
    assert 'name="_consent"' in html and "91/2025/QH15" in html
    reply = post(client, url, html, {"age": "35", "gender": "m"}, consent=False)
    assert reply.status_code == 200 and 'id="err-consent"' in reply.get_data(as_text=True)
    html = step(client, url, {"age": "35", "gender": "m"})
    assert heading(html) == "Dịch vụ 2/3" and 'name="_consent"' not in html
    html = step(client, url, {"used_online": "no", "counter_rating": "5"})
    reply = post(client, url, html, {})
    assert reply.status_code == 303
    response = db.session.scalar(db.select(Response))
    assert response.paradata["consent"] is True and "pension" not in response.answers


def test_a_final_post_without_consent_is_sent_back_to_the_notice(client, url):
    html = client.get(url).get_data(as_text=True)
    tampered = html.replace('name="_page" value="0"', 'name="_page" value="3"').replace(
        f'name="_shown" value="{hidden(html, "_shown")}"',
        'name="_shown" value="priorities priorities_other comment"')
    reply = post(client, url, tampered, {}, consent=False)
    assert reply.status_code == 200
    shown = reply.get_data(as_text=True)
    assert 'id="err-consent"' in shown and heading(shown) == "Thông tin chung 1/3"
    assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 0
