"""The demo round's results, a unit's results and the monitor in a real browser: charts first and
visible, the results page within a few screens at 1,366 px (it was 28,822 px before the charts),
and no page wider than the screen at 1,366 px or 360 px (a chart scrolls inside its own box)."""
from __future__ import annotations

import pytest

from survey_app.extensions import db
from tests.builders import STAFF_PASSWORD, create_user

pytestmark = pytest.mark.browser

LAPTOP, PHONE = (1366, 768), (360, 740)


@pytest.fixture
def demo_admin(app_ctx):
    from survey_app.operations.demo import seed_demo

    survey_round = seed_demo()["round"]
    user = create_user("admin")
    db.session.commit()
    return survey_round, user


def _page_size(page, url: str) -> tuple[int, int]:
    page.goto(url)
    return (page.evaluate("document.documentElement.scrollWidth"),
            page.evaluate("document.documentElement.scrollHeight"))


def test_results_and_monitor_charts_fit_the_screen(chromium, live_server, demo_admin):
    survey_round, user = demo_admin
    _playwright, browser = chromium
    # page → (address, charts expected: ranking and criterion points against their maximum;
    # elements and points; days and quotas)
    pages = {"results": (f"{live_server}/results/{survey_round.code}", 2),
             "unit": (f"{live_server}/results/{survey_round.code}/units/SO-NV", 2),
             "monitor": (f"{live_server}/admin/rounds/{survey_round.id}/monitor", 2)}
    for width, height in (LAPTOP, PHONE):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
        context.set_default_timeout(30_000)
        try:
            page = context.new_page()
            page.goto(f"{live_server}/auth/login")
            page.fill("#username", user.username)
            page.fill("#password", STAFF_PASSWORD)
            page.click("button[type=submit]")
            for name, (url, drawn) in pages.items():
                scroll_width, scroll_height = _page_size(page, url)
                assert scroll_width <= width, (name, width, scroll_width)
                charts = page.locator("figure.chart svg[role=img]")
                assert charts.count() == drawn, name
                box = charts.first.bounding_box()
                assert box["width"] > 0.8 * min(width, 760) and box["height"] > 100, (name, box)
                if name == "results" and width == LAPTOP[0]:
                    # a few screens: four since the criterion-points chart (17 rows) joined
                    assert scroll_height <= 4 * height, scroll_height
                    ranking = page.locator("#chart-sipas-ranking svg").bounding_box()
                    assert ranking["y"] < 2 * height       # summary and chart come first
        finally:
            context.close()
