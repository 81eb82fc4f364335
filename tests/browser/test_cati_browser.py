"""An interviewer on a phone (Pixel 5, vi-VN, Debian's Chromium): logs in, records a non-contact,
then completes the interview in interviewer mode; the response and the attempt are linked."""
from __future__ import annotations

import pytest
from builders import STAFF_PASSWORD, create_user, invitation_for

from survey_app.extensions import db
from survey_app.models import CallAttempt, Invitation, Response
from survey_app.operations import cati

pytestmark = pytest.mark.browser


def test_interviewer_records_a_non_contact_then_completes_an_interview(app, app_ctx, live_server,
                                                                       phone):
    invitation, _token = invitation_for(anonymous=False)
    ana = create_user("interviewer", display_name="Điều tra viên An")
    assignment = cati.assign(invitation, ana, None)
    db.session.commit()
    page = phone.new_page()
    page.goto(f"{live_server}/auth/login")
    page.fill('input[name="username"]', ana.username)
    page.fill('input[name="password"]', STAFF_PASSWORD)
    page.press('input[name="password"]', "Enter")
    page.wait_for_url(f"{live_server}/interviewer/")
    page.click(f'tr[data-case="{assignment.id}"] a')
    page.select_option('select[name="outcome"]', "non_contact")
    page.fill('textarea[name="note"]', "Không nghe máy")
    page.click('button[type="submit"]:has-text("Ghi cuộc gọi")')
    assert page.locator('[data-disposition="non_contact"]').count() == 1
    page.click("text=Mở phiếu để phỏng vấn")
    assert page.locator("[data-interviewer-mode]").count() == 1
    case_url = f"{live_server}/interviewer/cases/{assignment.id}"
    for _ in range(6):
        if page.url == case_url:
            break
        consent = page.locator('input[name="_consent"]')
        if consent.count() and not consent.is_checked():
            consent.check()
        if page.locator('input[name="age"]').count():
            page.locator('input[name="age"]').fill("44")
        for name in ("gender", "used_online", "counter_rating"):
            choices = page.locator(f'input[name="{name}"]')
            if choices.count():
                (choices.last if name == "used_online" else choices.first).evaluate(
                    "e => { e.checked = true; }")
        before = page.locator('input[name="_shown_at"]').input_value()
        page.locator('button[name="_action"][value="next"]').click()
        # respond.js posts with fetch: a next page is written in place, the end is a redirect
        page.wait_for_function(
            """old => { const f = document.querySelector('input[name="_shown_at"]');
                        return !f || f.value !== old; }""", arg=before)
        page.wait_for_load_state()
    assert page.url == case_url, (page.locator(".error").all_inner_texts(),
                                  page.locator("h1, h2, legend").all_inner_texts())
    db.session.expire_all()
    stored = db.session.get(Invitation, invitation.id)
    assert stored.status == "used" and stored.disposition == "complete"
    response = db.session.scalar(db.select(Response).filter_by(invitation_id=invitation.id))
    attempts = db.session.scalars(db.select(CallAttempt).filter_by(invitation_id=invitation.id)
                                  .order_by(CallAttempt.id)).all()
    assert [a.outcome for a in attempts] == ["non_contact", "complete"]
    assert attempts[-1].response_id == response.id and attempts[-1].interviewer_id == ana.id
