"""Every bundled questionnaire walked from its QR entry on a Pixel 5 and at 1,366 px, axe-core's
WCAG 2.1 A/AA rules run on every respondent page (questions, errors, receipt, refusals), page
heights on the phone, reflow at 200 % zoom and Vietnamese dates in an en-US browser.

axe-core comes from the ``axe-playwright-python`` package (pyproject's test extra): its bundled
``axe.min.js`` is evaluated in the page, nothing is downloaded at test time.
"""
from __future__ import annotations

from importlib.resources import files

import pytest

import questionnaires
from builders import create_questionnaire, create_round, create_unit
from survey_app.extensions import db
from survey_app.models import Response
from survey_app.operations.documents import publish_questionnaire
from survey_app.operations.fieldwork_setup import create_entry_point, issue_invitation

pytestmark = pytest.mark.browser

PHONE_MAX_HEIGHT = 3_500
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BUNDLED = sorted(questionnaires.bundled())
#: page heights measured in this run, by questionnaire and device (for a debugger or a print)
HEIGHTS: dict[str, list[int]] = {}


@pytest.fixture(scope="session")
def axe_source() -> str:
    return (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


@pytest.fixture
def desktop(chromium):
    """A 1,366 × 768 browser window in Vietnamese."""
    _, browser = chromium
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def zoomed(chromium):
    """A 1,366 px screen at 200 % zoom: 683 CSS pixels wide, two device pixels each."""
    _, browser = chromium
    context = browser.new_context(viewport={"width": 683, "height": 384}, device_scale_factor=2,
                                  locale="vi-VN")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def us_phone(chromium):
    """A Pixel 5 whose browser speaks American English (its own date format is mm/dd/yyyy)."""
    playwright, browser = chromium
    context = browser.new_context(**playwright.devices["Pixel 5"], locale="en-US")
    context.set_default_timeout(10_000)
    yield context
    context.close()


def audit(page, axe_source: str) -> None:
    """Fail with every WCAG 2.1 A/AA violation axe-core finds on the page as it is now."""
    page.evaluate(axe_source)
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           WCAG_TAGS)
    found = [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
             for v in result["violations"]]
    assert not found, f"{page.url}: {found}"


def overflow(page) -> list[str]:
    """Elements reaching past the right edge of the window, and a page wider than the window."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth, out = [];
        const wide = document.documentElement.scrollWidth;
        if (wide > width) out.push('page ' + wide);
        for (const el of document.querySelectorAll('main *, header *')) {
            const r = el.getBoundingClientRect();
            if (r.width && r.right > width + 1)
                out.push(el.tagName + '.' + el.className + ' ' + Math.round(r.right));
        }
        return out.slice(0, 10);
    }""")


def overlaps(page) -> list[str]:
    """Pairs of answer cells, labels or buttons drawn over one another."""
    return page.evaluate("""() => {
        const drawn = 'label, legend, button, .scale-ends span, h1, h2, p';
        const boxes = [...document.querySelectorAll(drawn)]
            .map(el => [el, el.getBoundingClientRect()]).filter(([el, r]) => r.width && r.height);
        const out = [];
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
            const [a, ra] = boxes[i], [b, rb] = boxes[j];
            if (a.contains(b) || b.contains(a)) continue;
            const x = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
            const y = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
            const name = el => el.tagName + ':' + el.textContent.slice(0, 30);
            if (x > 1 && y > 1) out.push(name(a) + ' / ' + name(b));
        }
        return out.slice(0, 10);
    }""")


def page_height(page) -> int:
    return page.evaluate("() => document.documentElement.scrollHeight")


def qr_entry(name: str) -> str:
    survey_round = create_round()
    unit_type = "commune" if "rates_commune" in name else "agency"
    unit = create_unit(survey_round.province, unit_type=unit_type)
    entry = create_entry_point(survey_round, unit,
                               publish_questionnaire(questionnaires.load_bundled(name)),
                               counter="Quầy 3")
    db.session.commit()
    return entry.code


def answer_page(page) -> None:
    """Consent, and the first option of every question not yet answered; text where asked."""
    consent = page.locator('input[name="_consent"]')
    if consent.count() and not consent.is_checked():
        consent.check()
    seen: set[str] = set()
    for control in page.locator('form.survey input[type="radio"], '
                                'form.survey input[type="checkbox"]').all():
        name = control.get_attribute("name")
        if name in seen or name == "_consent":
            continue
        seen.add(name)
        if not page.locator(f'input[name="{name}"]:checked').count():
            control.check()
    for control in page.locator('form.survey input[type="text"], form.survey textarea').all():
        if control.input_value() or (control.get_attribute("id") or "").endswith("_other"):
            continue
        numeric = control.get_attribute("inputmode") in ("numeric", "decimal")
        control.fill("30" if numeric else "Phường Ba Đình")


def press_next(page, *, script: bool = True) -> None:
    """Press the main button; wait for the page (or receipt) that replaces this one."""
    button = page.locator('button[name="_action"][value="next"]')
    if not script:  # a plain form post: the browser navigates
        with page.expect_navigation():
            button.click()
        return
    before = page.locator('input[name="_shown_at"]').input_value()
    button.click()
    page.wait_for_function(
        """old => { const f = document.querySelector('input[name="_shown_at"]');
                    return document.querySelector('.receipt') || (f && f.value !== old); }""",
        arg=before)


def walk(page, axe_source: str | None, *, label: str, max_height: int | None,
         script: bool = True) -> None:
    """Answer page after page up to the receipt, auditing each page and the receipt."""
    heights = HEIGHTS.setdefault(label, [])
    for _ in range(15):
        if axe_source is not None:
            audit(page, axe_source)
        if page.locator(".receipt").count():
            return
        heights.append(page_height(page))
        if max_height is not None:
            assert heights[-1] <= max_height, (label, len(heights), heights[-1])
        answer_page(page)
        press_next(page, script=script)
        assert not page.locator(".error-summary").count(), page.locator(".error").all_inner_texts()
    raise AssertionError(f"{label}: the survey did not end")


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_questionnaire_on_a_phone_and_a_laptop(name, app, app_ctx, live_server,
                                                             phone, desktop, axe_source):
    code = qr_entry(name)
    for context, label, limit in ((phone, f"{name} phone", PHONE_MAX_HEIGHT),
                                  (desktop, f"{name} 1366", None)):
        page = context.new_page()
        page.goto(f"{live_server}/s/{code}")
        walk(page, axe_source, label=label, max_height=limit)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 2


def test_sipas_without_javascript(app, app_ctx, live_server, chromium):
    """SIPAS answered with JavaScript off on a Pixel 5: plain form posts, each page within the
    height limit (axe-core itself needs scripts: the same pages are audited with them on)."""
    playwright, browser = chromium
    code = qr_entry("sipas_2025")
    plain = browser.new_context(**playwright.devices["Pixel 5"], locale="vi-VN",
                                java_script_enabled=False)
    plain.set_default_timeout(10_000)
    try:
        page = plain.new_page()
        page.goto(f"{live_server}/s/{code}")
        walk(page, None, label="sipas_2025 phone, no JavaScript",
             max_height=PHONE_MAX_HEIGHT, script=False)
    finally:
        plain.close()
    assert count_responses(app) == 1


def test_sipas_at_200_percent_zoom(app, app_ctx, live_server, zoomed):
    """At 200 % zoom (683 CSS px) nothing is wider than the window and no label, cell or button
    is drawn over another, on every page."""
    code = qr_entry("sipas_2025")
    page = zoomed.new_page()
    page.goto(f"{live_server}/s/{code}")
    for _ in range(15):
        assert not overflow(page), overflow(page)
        assert not overlaps(page), overlaps(page)
        if page.locator(".receipt").count():
            break
        answer_page(page)
        press_next(page)
    assert page.locator(".receipt").count()


def test_scale_rows_give_full_labels_and_answer_to_the_keyboard(app, app_ctx, live_server, phone):
    code = qr_entry("sipas_2025")
    page = phone.new_page()
    page.goto(f"{live_server}/s/{code}")
    for _ in range(3):
        answer_page(page)
        press_next(page)
    assert page.get_by_text("Trang 4/").count() == 1
    assert page.locator("h1").inner_text() == "Phiếu SIPAS"        # the short title after page 1
    item = page.locator("fieldset.q-scale").first
    radios = item.locator('input[type="radio"]')
    assert radios.count() == 6
    names = [item.get_by_role("radio").nth(i).evaluate("el => el.labels[0].textContent")
             for i in range(6)]
    assert names[0] == "1Rất không hài lòng" and names[4] == "5Rất hài lòng"
    assert names[5] == "Không biết / không trả lời"
    ends = item.locator(".scale-ends").inner_text()
    assert "Rất không hài lòng" in ends and "Rất hài lòng" in ends
    boxes = [radios.nth(i).bounding_box() for i in range(5)]
    assert len({round(box["y"]) for box in boxes}) == 1               # one row of five
    assert min(box["height"] for box in boxes) >= 40 and min(box["width"] for box in boxes) >= 44
    radios.nth(0).focus()
    page.keyboard.press("ArrowRight")
    assert radios.nth(1).is_checked()
    page.keyboard.press("ArrowRight")
    assert radios.nth(2).is_checked() and not radios.nth(1).is_checked()


def test_errors_are_summarised_focused_and_linked_to_their_fields(app, app_ctx, live_server, phone,
                                                                  axe_source):
    code = qr_entry("sipas_2025")
    page = phone.new_page()
    page.goto(f"{live_server}/s/{code}")
    before = page.locator('input[name="_shown_at"]').input_value()
    page.locator('button[name="_action"][value="next"]').click()
    page.wait_for_function(
        "old => document.querySelector('input[name=\"_shown_at\"]').value !== old", arg=before)
    summary = page.locator(".error-summary")
    assert summary.get_attribute("role") == "alert"
    assert page.evaluate("() => document.activeElement.classList.contains('error-summary')")
    links = summary.locator("a")
    assert links.count() >= 3
    for i in range(links.count()):
        target = links.nth(i).get_attribute("href")[1:]
        control = page.locator(f"#{target}")
        assert control.count() == 1, target
        described = control.evaluate(
            "el => (el.closest('fieldset.q') || el).getAttribute('aria-describedby') || ''")
        error_id = described.split()[0]
        assert page.locator(f"#{error_id}").inner_text().strip(), target
    audit(page, axe_source)
    links.nth(1).click()
    assert page.evaluate("() => document.activeElement.type") in ("radio", "checkbox")
    assert count_responses(app) == 0


def test_date_typed_day_first_in_an_en_us_browser_is_stored_iso(app, app_ctx, live_server, us_phone,
                                                                axe_source):
    entry = create_entry_point(create_round(), create_unit(), create_questionnaire({
        "id": "visit_form", "version": "1", "respondent_group": "citizen",
        "languages": ["vi", "en"],
        "title": {"vi": "Phiếu ngày đến", "en": "Visit form"},
        "pages": [{"name": "visit", "title": {"vi": "Ngày đến", "en": "Visit"}, "questions": [
            {"name": "visit_date", "type": "date", "required": True,
             "label": {"vi": "Ông/Bà đến Bộ phận Một cửa ngày nào?",
                       "en": "On what day did you come to the one-stop shop?"}}]}],
    }), counter="Quầy 1")
    db.session.commit()
    page = us_phone.new_page()
    page.goto(f"{live_server}/s/{entry.code}")
    field = page.locator("#visit_date")
    assert field.get_attribute("type") == "text"
    assert "15/06/2025" in page.locator("#fmt-visit_date").inner_text()
    page.locator("#consent").check()
    field.fill("31/02/2025")
    press_next(page)
    assert page.locator(".error-summary a").get_attribute("href") == "#visit_date"
    assert "err-visit_date" in field.get_attribute("aria-describedby")
    assert "15/06/2025" in page.locator("#err-visit_date").inner_text()
    assert field.input_value() == "31/02/2025"
    audit(page, axe_source)
    assert count_responses(app) == 0
    field.fill("15/06/2025")
    press_next(page)
    assert page.locator(".receipt").count() == 1
    audit(page, axe_source)
    with app.app_context():
        assert db.session.scalar(db.select(Response.answers))["visit_date"] == "2025-06-15"


def test_refusal_pages_pass_axe(app, app_ctx, live_server, phone, axe_source):
    survey_round = create_round()
    invitation, token = issue_invitation(
        survey_round,
        publish_questionnaire(questionnaires.load_bundled("delegate_rates_agency_2025")),
        create_unit(survey_round.province), "delegate", stratum="HĐND")
    closed = create_entry_point(create_round(status="closed"), create_unit(),
                                create_questionnaire(), counter="Quầy 2")
    db.session.commit()
    page = phone.new_page()
    page.goto(f"{live_server}/i/{token}")
    walk(page, axe_source, label="delegate_rates_agency_2025 invitation",
         max_height=PHONE_MAX_HEIGHT)
    for url, kind in ((f"/i/{token}", "used"), (f"/s/{closed.code}", "closed"),
                      ("/s/khong-co-ma-nay", None), ("/receipt/KHONGCO", None)):
        page.goto(live_server + url)
        if kind:
            assert page.locator(".refusal").get_attribute("data-kind") == kind
        assert page.locator("h1").count() == 1
        audit(page, axe_source)
        assert not overflow(page), overflow(page)


def count_responses(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Response))
