"""Real-browser journeys of respondents on a phone (Pixel 5, vi-VN, Debian's Chromium)."""
from __future__ import annotations

import pytest

import questionnaires
from builders import create_round, create_unit
from survey_app.extensions import db
from survey_app.models import Invitation, Response
from survey_app.operations.documents import publish_questionnaire
from survey_app.operations.fieldwork_setup import create_entry_point, issue_invitation

pytestmark = pytest.mark.browser


def publish(name: str):
    return publish_questionnaire(questionnaires.load_bundled(name))


def qr_entry(name: str = "sipas_2025") -> str:
    survey_round = create_round()
    entry = create_entry_point(survey_round, create_unit(survey_round.province, unit_type="agency"),
                               publish(name), counter="Quầy 3")
    db.session.commit()
    return entry.code


def answer_page(page) -> None:
    """Give a plausible answer to every empty control on the page (first option of each group)."""
    consent = page.locator('input[name="_consent"]')
    if consent.count() and not consent.is_checked():
        consent.check()
    done: set[str] = set()
    for control in page.locator('form.survey input[type="radio"], form.survey input[type="checkbox"]').all():
        name = control.get_attribute("name")
        if name in done or name == "_consent":
            continue
        done.add(name)
        if not page.locator(f'input[name="{name}"]:checked').count():
            control.check()
    for control in page.locator('form.survey input[type="text"], form.survey textarea').all():
        if control.input_value():
            continue
        numeric = control.get_attribute("inputmode") in ("numeric", "decimal")
        if numeric or not control.get_attribute("id", timeout=1000).endswith("_other"):
            control.fill("30" if numeric else "Phường Ba Đình")
    for control in page.locator('form.survey input[type="date"]').all():
        if not control.input_value():
            control.fill("2025-08-15")


def next_button(page):
    return page.locator('button[name="_action"][value="next"]')


def press_next(page) -> None:
    """Press the main button and wait until a new page (or the receipt) has replaced this one."""
    before = page.locator('input[name="_shown_at"]').input_value()
    next_button(page).click()
    page.wait_for_function(
        """old => { const f = document.querySelector('input[name="_shown_at"]');
                    return document.querySelector('.receipt') || (f && f.value !== old); }""", arg=before)


def finish(page, max_pages: int = 12) -> str:
    """Answer page after page until the receipt shows; return the receipt code."""
    for _ in range(max_pages):
        if page.locator(".receipt").count():
            return page.locator(".receipt").inner_text()
        answer_page(page)
        press_next(page)
        assert not page.locator(".error-summary").count(), page.locator(".error").all_inner_texts()
    raise AssertionError("the survey did not end")


def count_responses(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Response))


def test_citizen_answers_sipas_from_a_qr_code(app, app_ctx, live_server, phone):
    code = qr_entry()
    page = phone.new_page()
    page.goto(f"{live_server}/s/{code}")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_text("91/2025/QH15").count() == 1
    receipt = finish(page)
    assert len(receipt) == 11
    with app.app_context():
        row = db.session.scalar(db.select(Response))
        assert row.receipt == receipt and row.channel == "qr"
        assert row.paradata["device"] == "mobile"
        assert set(row.paradata["page_seconds"]) <= {p.name for p in questionnaires.load_bundled("sipas_2025").pages}


def test_official_answers_from_an_invitation(app, app_ctx, live_server, phone):
    survey_round = create_round()
    invitation, token = issue_invitation(survey_round, publish("delegate_rates_agency_2025"),
                                         create_unit(survey_round.province), "delegate", stratum="HĐND")
    db.session.commit()
    page = phone.new_page()
    page.goto(f"{live_server}/i/{token}")
    finish(page)
    with app.app_context():
        assert db.session.get(Invitation, invitation.id).status == "used"
        assert db.session.scalar(db.select(Response.stratum)) == "HĐND"
    page.goto(f"{live_server}/i/{token}")
    assert page.locator(".refusal").get_attribute("data-kind") == "used"


def test_reload_half_way_resumes_with_unsent_answers_from_local_storage(app, app_ctx, live_server, phone):
    code = qr_entry()
    page = phone.new_page()
    page.goto(f"{live_server}/s/{code}")
    answer_page(page)
    press_next(page)
    assert page.get_by_text("Trang 2/").count() == 1
    first_text = page.locator('form.survey input[type="text"]').first
    first_text.fill("Đã gõ nhưng chưa gửi")
    page.reload()
    assert page.get_by_text("Trang 2/").count() == 1          # the server draft
    assert page.locator('form.survey input[type="text"]').first.input_value() == "Đã gõ nhưng chưa gửi"
    page.close()
    again = phone.new_page()                                   # a new tab: cookie and storage remain
    again.goto(f"{live_server}/s/{code}")
    assert again.get_by_text("Trang 2/").count() == 1
    finish(again)
    assert count_responses(app) == 1


def test_offline_at_the_moment_of_submit_stores_exactly_one_response(app, app_ctx, live_server, phone):
    code = qr_entry()
    page = phone.new_page()
    page.goto(f"{live_server}/s/{code}")
    for _ in range(12):
        answer_page(page)
        if next_button(page).inner_text().strip() == "Gửi phiếu":
            break
        press_next(page)
    phone.set_offline(True)
    next_button(page).click()
    page.wait_for_selector(".offline:not([hidden])")
    assert count_responses(app) == 0
    phone.set_offline(False)
    page.wait_for_selector(".receipt", timeout=15_000)
    assert count_responses(app) == 1
    page.reload()  # reloading the receipt page stores nothing more
    assert count_responses(app) == 1
