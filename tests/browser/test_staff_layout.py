"""Issue 12: every staff page of the demo fits a 360 px phone and a 1,366 px laptop screen.

Chromium opens each page of ``staff_pages`` (the same list the language test renders) at both
widths, logged in as the admin, then the demo interviewer's pages (``interviewer_pages``: case
list, a case with its call form, the questionnaire in interviewer mode) as that interviewer: the
document may not be wider than the window (a wide table
scrolls inside its own box), and every link, button and form field standing on its own is at
least 24 × 24 px (WCAG 2.5.8; a link inside a sentence is exempt, as WCAG exempts it). On the
phone, the main lists (rounds, units on the results page, the monitor's units) are cards: one
box per row, each value named by its column.
"""
from __future__ import annotations

import pytest
from builders import STAFF_PASSWORD
from staff_pages import interviewer_pages, seed_demo_world, staff_pages

from survey_app.extensions import db

pytestmark = pytest.mark.browser

WIDTHS = (360, 1366)
MIN_TARGET = 24

# Targets smaller than 24 px, described for the message; inline links in running text are exempt.
SMALL_TARGETS = """(minimum) => {
  const small = [];
  for (const el of document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
    if (el.tagName === 'A' && style.display === 'inline' && el.closest('p, .hint')) continue;
    if (box.width < minimum || box.height < minimum) {
      small.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.name || '').trim()
        .slice(0, 30)}" ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}"""
OVERFLOW = """() => {
  const width = window.innerWidth, page = document.documentElement.scrollWidth;
  if (page <= width) return null;
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > width + 1
                  && el.closest('.table-wrap, table') === null)
    .slice(0, 3).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
  return `${page} px > ${width} px: ${wide.join(', ')}`;
}"""

# The main lists become cards on a phone: every row of a table.cards (inside <details> too, opened
# here) fits the window, its head is hidden and every cell shows its column's name before it.
CARDS = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const found = [];
  const tables = [...document.querySelectorAll('table.cards')];
  for (const table of tables) {
    if (table.querySelector('thead').getBoundingClientRect().height > 1) found.push('head shown');
    for (const row of [...table.querySelectorAll('tbody tr')].slice(0, 5)) {
      const box = row.getBoundingClientRect();
      if (box.right > window.innerWidth + 1 || getComputedStyle(row).display !== 'block') {
        found.push(`row ${Math.round(box.width)} px wide, ${getComputedStyle(row).display}`);
      }
      for (const cell of row.querySelectorAll('td[data-label]')) {
        const label = getComputedStyle(cell, '::before').content;
        if (label !== `"${cell.dataset.label}"`) found.push(`cell without its label ${label}`);
      }
    }
  }
  return {tables: tables.length, found: found.slice(0, 4)};
}"""
CARD_PAGES = {"admin.rounds_list", "results.rounds", "results.round_results", "admin.monitor"}


def _walk(page, url: str, endpoint: str, width: int, problems: dict) -> None:
    """Open one page and note what does not fit the width."""
    reply = page.goto(url)
    assert reply is not None and reply.status == 200, (endpoint, width)
    found = []
    overflow = page.evaluate(OVERFLOW)
    if overflow:
        found.append(overflow)
    found += page.evaluate(SMALL_TARGETS, MIN_TARGET)
    if width == WIDTHS[0]:
        cards = page.evaluate(CARDS)
        found += cards["found"]
        if endpoint in CARD_PAGES and not cards["tables"]:
            found.append("no list shown as cards")
    if found:
        problems[f"{endpoint} @ {width}px"] = found[:6]


def test_every_staff_page_fits_a_phone_and_a_laptop(app, chromium, live_server, tmp_path):
    from survey_app.operations.demo import demo_previous_results, demo_round, demo_self_assessment

    with app.app_context():
        world = seed_demo_world()
        uploads = {"#csv_file": tmp_path / "tu-danh-gia.csv",
                   "#previous_file": tmp_path / "ket-qua-nam-truoc.csv"}
        uploads["#csv_file"].write_text(demo_self_assessment(demo_round()), encoding="utf-8")
        uploads["#previous_file"].write_text(demo_previous_results(demo_round()),
                                             encoding="utf-8")
        db.session.remove()
    pages = staff_pages(world)
    _, browser = chromium
    problems: dict[str, list[str]] = {}
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 800}, locale="vi-VN")
        context.set_default_timeout(30_000)
        try:
            page = context.new_page()
            page.goto(f"{live_server}/auth/login")
            page.fill("#username", world["users"]["admin"][0])
            page.fill("#password", STAFF_PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_url(f"{live_server}/admin/")
            for endpoint, url in pages.items():
                _walk(page, f"{live_server}{url}", endpoint, width, problems)
            # the combined index with its tables and the change chart, as the upload shows it
            page.goto(f"{live_server}{pages['results.par_index']}")
            for field, path in uploads.items():
                page.set_input_files(field, str(path))
            page.click("main form button[type=submit]")
            page.wait_for_selector("#chart-unit-changes")
            found = [page.evaluate(OVERFLOW)] if page.evaluate(OVERFLOW) else []
            found += page.evaluate(SMALL_TARGETS, MIN_TARGET)
            if found:
                problems[f"results.par_index (uploaded) @ {width}px"] = found[:6]
            # the demo interviewer's pages: case list, a case with its call form, interview mode
            context.clear_cookies()
            page.goto(f"{live_server}/auth/login")
            page.fill("#username", world["users"]["interviewer"][0])
            page.fill("#password", STAFF_PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_url(f"{live_server}/interviewer/")
            for endpoint, url in interviewer_pages(world).items():
                _walk(page, f"{live_server}{url}", endpoint, width, problems)
        finally:
            context.close()
    assert not problems, problems
