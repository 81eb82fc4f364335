"""Page-level promises: CSRF that loses nothing, the weight budget, English, device classes."""
from __future__ import annotations

import re

import pytest

import questionnaires
from builders import create_round, create_unit, open_round_with_entry
from survey_app.extensions import db
from survey_app.models import Draft
from survey_app.operations.documents import publish_questionnaire
from survey_app.operations.fieldwork_setup import create_entry_point
from survey_app.operations.paradata import device_class

PAGE_BUDGET_BYTES = 60 * 1024


def test_a_stale_csrf_token_re_renders_the_page_with_the_answers_and_a_fresh_token(app, app_ctx):
    app.config["WTF_CSRF_ENABLED"] = True
    entry = open_round_with_entry()
    db.session.commit()
    client = app.test_client()
    url = f"/s/{entry.code}"
    html = client.get(url).get_data(as_text=True)
    fields = {name: re.search(rf'name="{name}" value="([^"]*)"', html).group(1)
              for name in ("_page", "_sid", "_shown", "_shown_at", "_rk")}
    stale = dict(fields, csrf_token="expired-or-forged", _consent="yes", age="67", gender="m", _action="next")
    reply = client.post(url, data=stale)
    assert reply.status_code == 400
    text = reply.get_data(as_text=True)
    assert "Phiên làm việc đã hết hạn" in text
    assert 'value="67"' in text and re.search(r'value="m" checked', text)
    assert db.session.scalar(db.select(db.func.count()).select_from(Draft)) == 0  # nothing stored untrusted
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
    reply = client.post(url, data=dict(stale, csrf_token=fresh))
    assert reply.status_code == 303
    assert "Trang 2/3" in client.get(url).get_data(as_text=True)


def test_first_sipas_page_is_under_the_weight_budget(client, app_ctx):
    survey_round = create_round()
    row = publish_questionnaire(questionnaires.load_bundled("sipas_2025"))
    entry = create_entry_point(survey_round, create_unit(survey_round.province), row, counter="Quầy 1")
    db.session.commit()
    page = client.get(f"/s/{entry.code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert {a.split("/")[-1] for a in assets} == {"site.css", "respond.css", "respond.js"}
    assert not re.search(r'(?:href|src)="(?:https?:)?//', html)  # no CDN, no web font
    total = len(page.data)
    for asset in assets:
        with client.get(asset) as reply:
            total += len(reply.data)
    assert total < PAGE_BUDGET_BYTES, total


def test_english_interface_strings_come_from_the_catalogue(client, app_ctx):
    entry = open_round_with_entry()
    db.session.commit()
    html = client.get(f"/s/{entry.code}?lang=en").get_data(as_text=True)
    assert "Personal data protection notice" in html and "Continue" in html
    assert "answers cannot be linked to you" in html
    assert "Tiếp tục" not in html
    # the choice is kept for the next page without the parameter
    assert "Continue" in client.get(f"/s/{entry.code}").get_data(as_text=True)


def test_choice_groups_are_fieldsets_and_every_input_is_labelled(client, app_ctx):
    entry = open_round_with_entry()
    db.session.commit()
    html = client.get(f"/s/{entry.code}").get_data(as_text=True)
    assert re.search(r'<fieldset id="q-gender"[^>]*>\s*<legend>', html)
    for name in re.findall(r'<input type="text"[^>]* id="([^"]+)"', html):
        assert f'for="{name}"' in html
    radios = html.count('type="radio"')
    assert radios > 0 and html.count('<label class="choice"><input type="radio"') == radios


@pytest.mark.parametrize("agent, expected", [
    ("Mozilla/5.0 (Linux; Android 11; Pixel 5) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36", "mobile"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148", "mobile"),
    ("Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X)", "tablet"),
    ("Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 Chrome/120 Safari/537.36", "tablet"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120 Safari/537.36", "desktop"),
    (None, "desktop"),
])
def test_device_class_from_user_agent(agent, expected):
    assert device_class(agent) == expected
