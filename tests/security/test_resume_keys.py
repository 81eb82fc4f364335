"""Attacks on QR resume keys: a chosen ``?resume=`` key, a sent link, a key of another entry
point, a key posted by another site's form. Each is refused, stores nothing under the attacker's
key and never shows a respondent's answers to anyone else."""

from __future__ import annotations

import re

import pytest
from flask_babel import refresh

from builders import invitation_for, open_round_with_entry
from survey_app.extensions import db
from survey_app.models import Draft
from survey_app.operations.drafts import draft_hash

CHOSEN_KEY = "attacker-chosen-resume-key-0123456789"


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def answer_first_page(
    client, url: str, age: str, *, action: str = "next", extra: dict | None = None
):
    html = client.get(url, follow_redirects=True).get_data(as_text=True)
    data = {key: hidden(html, key) for key in ("_page", "_sid", "_shown", "_shown_at")}
    data.update({"_consent": "yes", "_action": action, "age": age, "gender": "f"}, **(extra or {}))
    reply = client.post(url, data=data)
    assert reply.status_code in (200, 303), reply.status_code
    return html


def draft_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Draft))


def resume_cookie(client, url: str) -> str | None:
    cookie = client.get_cookie("par_resume", path=url)
    return cookie.value if cookie is not None else None


@pytest.fixture
def url(app_ctx):
    entry = open_round_with_entry()
    db.session.commit()
    return f"/s/{entry.code}"


def test_a_chosen_resume_key_is_refused_and_never_stored(app, url):
    victim = app.test_client()
    opened = victim.get(f"{url}?resume={CHOSEN_KEY}")
    assert opened.status_code == 303 and opened.headers["Location"].endswith(url)
    assert CHOSEN_KEY not in (opened.headers.get("Set-Cookie") or "")
    page = victim.get(url).get_data(as_text=True)
    assert "không còn dùng được" in page  # the refusal, in Vietnamese
    answer_first_page(victim, url, "41")
    assert resume_cookie(victim, url) != CHOSEN_KEY
    assert (
        db.session.scalar(db.select(Draft).filter_by(resume_key_hash=draft_hash(CHOSEN_KEY)))
        is None
    )

    attacker = app.test_client()
    seen = attacker.get(f"{url}?resume={CHOSEN_KEY}", follow_redirects=True)
    assert seen.status_code == 200
    assert 'value="41"' not in seen.get_data(as_text=True) and "Trang 1/3" in seen.get_data(
        as_text=True
    )


def test_the_refusal_is_in_english_through_the_language_switch(app, url):
    client = app.test_client()
    client.get(f"{url}?lang=en")
    page = client.get(f"{url}?resume={CHOSEN_KEY}", follow_redirects=True).get_data(as_text=True)
    assert "This link to continue can no longer be used" in page


def test_an_english_resume_link_stays_in_english(app, url):
    owner = app.test_client()
    planted = hidden(answer_first_page(owner, url, "63", action="save"), "_rk")
    other = app.test_client()
    moved = other.get(f"{url}?resume={planted}&lang=en")
    assert moved.status_code == 303 and moved.headers["Location"].endswith(f"{url}?lang=en")
    assert planted not in moved.headers["Location"]
    refresh()  # the test's shared app context caches the last request's locale
    page = other.get(moved.headers["Location"]).get_data(as_text=True)
    assert '<html lang="en">' in page and 'value="63"' in page


def test_a_sent_link_moves_the_draft_so_its_sender_cannot_read_the_answers(app, url):
    attacker = app.test_client()
    html = answer_first_page(attacker, url, "99", action="save")
    planted = hidden(html, "_rk")  # a real key of the server, with a draft behind it
    assert resume_cookie(attacker, url) == planted

    victim = app.test_client()
    moved = victim.get(f"{url}?resume={planted}")
    assert moved.status_code == 303
    victim_key = resume_cookie(victim, url)
    assert victim_key and victim_key != planted
    answer_first_page(victim, url, "41")
    assert "Trang 2/3" in victim.get(url).get_data(as_text=True)  # the victim's draft, page 2

    for attempt in (
        attacker.get(url),
        attacker.get(f"{url}?resume={planted}", follow_redirects=True),
    ):
        text = attempt.get_data(as_text=True)
        assert attempt.status_code == 200
        assert 'value="41"' not in text and "Trang 1/3" in text
    assert (
        db.session.scalar(db.select(Draft).filter_by(resume_key_hash=draft_hash(planted))) is None
    )


def test_a_key_of_another_entry_point_is_not_accepted(app, url):
    other = open_round_with_entry()
    db.session.commit()
    other_url = f"/s/{other.code}"
    first = app.test_client()
    html = answer_first_page(first, other_url, "58", action="save")
    foreign = hidden(html, "_rk")
    second = app.test_client()
    reply = second.get(f"{url}?resume={foreign}", follow_redirects=True)
    assert reply.status_code == 200 and 'value="58"' not in reply.get_data(as_text=True)
    # the draft stays where it was, still readable by its owner only
    assert 'value="58"' in first.get(other_url).get_data(as_text=True)
    assert (
        db.session.scalar(db.select(Draft).filter_by(resume_key_hash=draft_hash(foreign)))
        is not None
    )


def test_a_key_posted_by_another_sites_form_is_ignored(app, url):
    attacker = app.test_client()
    html = answer_first_page(attacker, url, "99", action="save")
    planted = hidden(html, "_rk")
    drafts = draft_count()

    victim = app.test_client()
    page = victim.get(url).get_data(as_text=True)
    own = resume_cookie(victim, url)
    data = {key: hidden(page, key) for key in ("_page", "_sid", "_shown", "_shown_at")}
    data.update({"_rk": planted, "_consent": "yes", "_action": "save", "age": "41", "gender": "f"})
    reply = victim.post(url, data=data)
    assert reply.status_code == 200
    assert resume_cookie(victim, url) == own != planted
    assert 'value="99"' not in reply.get_data(as_text=True)  # the planted draft was not loaded
    assert draft_count() == drafts + 1  # the victim's own draft, under the victim's own key
    db.session.expire_all()
    planted_draft = db.session.scalar(
        db.select(Draft).filter_by(resume_key_hash=draft_hash(planted))
    )
    assert planted_draft.answers["age"] == "99"  # untouched by the victim's post


def test_a_resume_parameter_on_an_invitation_link_is_ignored(app, app_ctx):
    invitation, token = invitation_for()
    db.session.commit()
    client = app.test_client()
    reply = client.get(f"/i/{token}?resume={CHOSEN_KEY}")
    assert reply.status_code == 200
    assert client.get_cookie("par_resume") is None
    assert draft_count() == 0
