"""A council member starts a background export in a real browser and watches it finish."""
from __future__ import annotations

import pytest

from builders import STAFF_PASSWORD, create_scored_round, create_user
from survey_app.extensions import db

pytestmark = pytest.mark.browser


def _results_page(browser, live_server: str, user, timeout_ms: int):
    """A new browser context (Vietnamese) with ``user`` logged in on KQ-2025's results page:
    ``(context, page)``; the caller closes the context."""
    context = browser.new_context(locale="vi-VN")
    context.set_default_timeout(timeout_ms)
    page = context.new_page()
    page.goto(f"{live_server}/auth/login")
    page.fill("#username", user.username)
    page.fill("#password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/results/KQ-2025")
    return context, page


def test_export_progress_page_ends_with_a_download_link(chromium, live_server, app_ctx):
    create_scored_round(status="published")
    user = create_user("council")
    db.session.commit()
    playwright, browser = chromium
    context, page = _results_page(browser, live_server, user, 20_000)
    try:
        page.select_option("#export-kind", "xlsx")
        page.click("form.export-job button[type=submit]")
        assert "/results/KQ-2025/exports/" in page.url
        link = page.locator("#export-download")
        link.wait_for()
        with page.expect_download() as download:
            link.click()
        assert download.value.suggested_filename.endswith(".xlsx")
        assert page.locator('[role="progressbar"]').get_attribute("aria-valuenow") == "100"
    finally:
        context.close()


def test_a_document_button_leads_to_its_progress_page_and_file(chromium, live_server, app_ctx):
    """Issue 18: the results page's document buttons post (with CSRF) a background job."""
    create_scored_round(status="closed")
    user = create_user("council")
    db.session.commit()
    playwright, browser = chromium
    context, page = _results_page(browser, live_server, user, 60_000)
    try:
        page.select_option("#document-lang", "en")
        page.click('form.documents button[value="tables.xlsx"]')
        assert "/results/KQ-2025/exports/" in page.url
        link = page.locator("#export-download")
        link.wait_for()
        with page.expect_download() as download:
            link.click()
        assert download.value.suggested_filename == "KQ-2025-bang-xep-hang-en-draft.xlsx"
    finally:
        context.close()
