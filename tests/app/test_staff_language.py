"""Issue 12, "Language and form": every staff page of the demo speaks one language, the page's.

Every staff GET page of the seeded demo round is rendered in Vietnamese and in English with the
test client; none may show a "Vietnamese / English" pair, a raw code (``agency_leader``,
``citizen``, ``g_access``, ``srs``…) or JSON; in English, no heading, label, button or table
header may keep Vietnamese words. Numbers and dates follow the page's locale, the header names
who is logged in and offers log-out, and login lands on each role's staff home.
"""
from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest
from staff_pages import (
    interviewer_pages, log_in_as, seed_demo_world, staff_pages, uncovered_routes,
)

from survey_app.extensions import db

# A pair: a word, " / ", then an English word: letters without accents only, so a page count
# ("1 / 25") or a Vietnamese division ("thư mời đã dùng / thư mời đã phát") is not one.
PAIR = re.compile(r"[^\W\d_]\)? / (?=[A-Za-z]{2,}(?![^\W\d_]))")
RAW_CODES = re.compile(
    r"(?<![\w-])(agency_leader|commune_leader|district_leader|citizen|delegate|g_[a-z_]+|srs|"
    r"pps_systematic|two_stage|proportional|cochran|sipas_dossiers|sipas_share)"
    r"(?![\w-])"
)
# English code words that a Vietnamese page must name (unit types, statuses, SIPAS levels,
# methods); checked on Vietnamese pages only, where no English word is expected.
RAW_CODES_VI = re.compile(
    r"(?<![\w-])(agency|commune|district|draft|open|closed|published|issued|revoked|overall|"
    r"element|neyman|slovin|systematic)(?![\w-])"
)
JSON = re.compile(r"\{\s*(\"|&#34;|&quot;|')")
VIETNAMESE = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.IGNORECASE
)
# Interface text: in English these hold no Vietnamese (names of units and rounds are data and
# appear in headings, cells, row headers and options, so those are not checked).
INTERFACE_TEXT = re.compile(r"<(label|button|th|dt|legend)\b(?![^>]*scope=\"row\")[^>]*>(.*?)</\1>",
                            re.DOTALL)


@pytest.fixture(scope="module")
def demo(migrated_database, tmp_path_factory):
    """One app and one seeded demo database for the module, and a logged-in client per role."""
    from tests.conftest import _empty_all_tables, make_test_app

    with pytest.MonkeyPatch.context() as patch:
        instance = tmp_path_factory.mktemp("staff-language-instance")
        patch.setenv("PAR_SURVEY_INSTANCE", str(instance))
        app = make_test_app(migrated_database, instance)
        with app.app_context():
            world = seed_demo_world()
            db.session.remove()
        world["app"] = app
        world["pages"] = staff_pages(world)
        try:
            yield world
        finally:
            with app.app_context():
                db.session.remove()
                _empty_all_tables(db)
                db.engine.dispose()


@pytest.fixture(scope="module")
def admin_client(demo):
    client = demo["app"].test_client()
    log_in_as(client, demo["users"]["admin"][0])
    return client


def visible_text(page: str) -> str:
    """The text a reader sees (charts' text included): no scripts, styles, tags or attributes;
    nor a questionnaire's own wording in its preview (its labels, in both of its languages, are
    the form's content, not the page's; marked ``<!-- form content -->``)."""
    page = re.sub(r"<!-- form content -->.*?<!-- /form content -->", " ", page, flags=re.DOTALL)
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page)))


def render(client, url: str, lang: str) -> str:
    # Some pages (confirmation pages) name what they act on in their own query string.
    reply = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
    assert reply.status_code == 200, (url, lang, reply.status_code)
    return reply.get_data(as_text=True)


@pytest.fixture(scope="module")
def interviewer_client(demo):
    client = demo["app"].test_client()
    log_in_as(client, demo["users"]["interviewer"][0])
    return client


def test_every_staff_page_of_the_demo_is_listed(demo):
    assert not uncovered_routes(demo["app"], {**demo["pages"], **interviewer_pages(demo)})


def page_problems(page: str, lang: str) -> list[str]:
    """A language pair, a raw code or JSON shown; in English, Vietnamese interface text."""
    assert f'<html lang="{lang}">' in page
    text = visible_text(page)
    problems = ([text[max(m.start() - 25, 0):m.end() + 10].strip() for m in PAIR.finditer(text)]
                + [m.group(0) for m in RAW_CODES.finditer(text)]
                + [m.group(0) for m in JSON.finditer(text)])
    if lang == "vi":
        problems += [m.group(0) for m in RAW_CODES_VI.finditer(text)]
    if lang == "en":
        problems += [
            visible_text(m.group(2)).strip() for m in INTERFACE_TEXT.finditer(page)
            if VIETNAMESE.search(visible_text(m.group(2)))
        ]
    return sorted(set(problems))[:8]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_staff_page_shows_a_language_pair_a_raw_code_or_json(demo, admin_client, lang):
    found = {}
    for endpoint, url in demo["pages"].items():
        problems = page_problems(render(admin_client, url, lang), lang)
        if problems:
            found[endpoint] = problems
    assert not found, found


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_interviewer_page_shows_a_language_pair_a_raw_code_or_json(demo, interviewer_client,
                                                                      lang):
    """The demo interviewer's case list (an overdue callback on it), a case with its call form,
    and the questionnaire in interviewer mode, in each language."""
    found = {}
    pages = {endpoint: render(interviewer_client, url, lang)
             for endpoint, url in interviewer_pages(demo).items()}
    for endpoint, page in pages.items():
        problems = page_problems(page, lang)
        if problems:
            found[endpoint] = problems
    assert not found, found
    assert 'data-callback="overdue"' in pages["interviewer.cases"]
    assert 'name="outcome"' in pages["interviewer.case"]
    assert "data-interviewer-mode" in pages["interviewer.interview"]


def test_the_checks_would_see_a_pair_a_code_and_json():
    text = visible_text('<p>Đã dùng / used</p><td>citizen</td><dd>{&#34;strata&#34;: 1}</dd>')
    assert PAIR.search(text) and RAW_CODES.search(text) and JSON.search(text)
    assert not PAIR.search(visible_text("<p>Trang 1 / 25</p>"))
    assert not PAIR.search("Tỷ lệ phản hồi = thư mời đã dùng / thư mời đã phát")
    assert not RAW_CODES.search("Citizens and organisations; Provincial People's Council delegates")
    assert RAW_CODES_VI.search("Loại đơn vị: agency") and RAW_CODES_VI.search("Trạng thái: open")
    assert not RAW_CODES_VI.search("Mở đợt; open-source; Phương pháp Neyman")


def test_codes_are_named_in_the_page_language(demo, admin_client):
    url = demo["pages"]["admin.round_detail"]
    vi, en = (visible_text(render(admin_client, url, lang)) for lang in ("vi", "en"))
    assert "Người dân, tổ chức" in vi and "Đại biểu HĐND tỉnh" in vi and "Đang mở" in vi
    assert "Citizens and organisations" in en and "Provincial People's Council delegates" in en
    assert "Status: Open" in en
    plan = demo["pages"]["admin.plan_detail"]
    vi, en = (visible_text(render(admin_client, plan, lang)) for lang in ("vi", "en"))
    assert "Ngẫu nhiên đơn giản" in vi and "Phân bổ: Tỷ lệ theo quy mô" in vi
    assert "Simple random" in en and "Allocation: Proportional" in en


def test_numbers_and_dates_follow_the_page_locale(demo, admin_client):
    n = demo["plan_n"]
    url = demo["pages"]["admin.plan_detail"]
    vi, en = render(admin_client, url, "vi"), render(admin_client, url, "en")
    assert n >= 1000  # the demo draws 3,300: a thousands separator is needed
    assert f"{n:,}".replace(",", ".") in vi and f"{n:,}" in en
    vietnam = dt.timedelta(hours=7)   # stored in UTC, shown in Vietnam's time
    drawn = demo["plan_drawn_at"] + vietnam
    assert drawn.strftime("%d/%m/%Y %H:%M") in vi and drawn.strftime("%b %-d, %Y") in en
    invitations = render(admin_client, demo["pages"]["admin.invitations"], "vi")
    assert (demo["invitation_issued_at"] + vietnam).strftime("%d/%m/%Y") in invitations


def test_share_and_decimal_filters(demo):
    app = demo["app"]
    template = "{{ 0.75634|pct(2) }}|{{ 12345.678|num(2) }}|{{ day|vndate }}"
    with app.test_request_context("/?lang=vi"):
        shown = app.jinja_env.from_string(template).render(day=dt.date(2025, 6, 15))
        assert shown == "75,63 %|12.345,68|15/06/2025"
    with app.test_request_context("/?lang=en"):
        shown = app.jinja_env.from_string(template).render(day=dt.date(2025, 6, 15))
        assert shown == "75.63%|12,345.68|Jun 15, 2025"


@pytest.mark.parametrize("role, home", [("admin", "/admin/"), ("focal_point", "/admin/monitor"),
                                        ("council", "/results/")])
def test_login_lands_on_the_staff_home_and_the_header_offers_log_out(demo, role, home):
    client = demo["app"].test_client()
    username, display_name = demo["users"][role]
    assert log_in_as(client, username).headers["Location"].endswith(home)
    page = client.get(home).get_data(as_text=True)
    assert display_name in page and 'action="/auth/logout"' in page
    assert ">Đăng xuất<" in page


def test_every_staff_page_names_itself_and_offers_log_out(demo, admin_client):
    titles = {}
    for endpoint, url in demo["pages"].items():
        page = render(admin_client, url, "vi")
        title = re.search(r"<title>(.*?)</title>", page, re.DOTALL).group(1).strip()
        titles[endpoint] = title
        if endpoint != "admin.entry_point_posters":  # an A4 poster to print, without the header
            assert 'action="/auth/logout"' in page, endpoint
    generic = [endpoint for endpoint, title in titles.items() if title in ("", "Khảo sát CCHC")]
    assert not generic
    assert len(set(titles.values())) >= len(titles) - 2, titles  # pages are told apart


@pytest.mark.parametrize("typed, read", [("0,05", "0.05"), ("0.05", "0.05"),
                                         (" 1.234,5 ", "1234.5"), ("0,1", "0.1")])
def test_decimal_commas_are_read(typed, read):
    from survey_app.admin.fields import read_decimal_text

    assert read_decimal_text(typed) == read


def test_the_plan_form_takes_a_decimal_comma_and_shows_one(demo, admin_client):
    """A preview with margin 0,05 and confidence 0,95 plans the same n as 0.05 and 0.95; the
    Vietnamese page shows the defaults with a comma, the English one with a point."""
    url = demo["pages"]["admin.frame_detail"] + "/plan"
    sizes = []
    for margin, confidence in (("0,05", "0,95"), ("0.05", "0.95")):
        reply = admin_client.post(url, data={"action": "preview", "size_mode": "cochran",
                                             "margin": margin, "confidence": confidence,
                                             "p": "0,5", "deff": "1", "response_rate": "1",
                                             "allocation": "proportional", "method": "srs",
                                             "strata_column": "", "size_column": "",
                                             "psu_column": "", "psu_size_column": ""})
        assert reply.status_code == 200, visible_text(reply.get_data(as_text=True))[:2000]
        sizes.append(re.search(r'data-n="(\d+)"', reply.get_data(as_text=True)).group(1))
    assert sizes[0] == sizes[1] and int(sizes[0]) > 300  # Cochran at ±5 %, 95 %: 385 before fpc
    vi = render(admin_client, demo["pages"]["admin.frame_detail"], "vi")
    en = render(admin_client, demo["pages"]["admin.frame_detail"], "en")
    assert 'name="margin" type="text" value="0,05"' in vi
    assert 'name="margin" type="text" value="0.05"' in en


def test_label_tables_name_every_code_they_know_in_both_languages(demo):
    """Every code of the label tables has a Vietnamese name and its own English one."""
    from survey_app import labels

    tables = [labels.GROUP_LABELS, labels.UNIT_TYPE_LABELS, labels.ROUND_STATUS_LABELS,
              labels.INVITATION_STATUS_LABELS, labels.FRAME_KIND_LABELS, labels.METHOD_LABELS,
              labels.SIZE_MODE_LABELS, labels.ALLOCATION_LABELS, labels.MEMBER_ROLE_LABELS,
              labels.MEMBER_COLUMN_LABELS, labels.PARAMETER_LABELS, labels.SIPAS_LEVEL_LABELS,
              labels.SIPAS_ELEMENT_LABELS]
    app = demo["app"]
    for table in tables:
        for code in table:
            with app.test_request_context("/?lang=vi"):
                vi = labels._label(table, code)
            with app.test_request_context("/?lang=en"):
                en = labels._label(table, code)
            assert vi == table[code] and en and (en != vi or code == "neyman"), (code, en)
    with app.test_request_context("/?lang=en"):
        assert labels.sipas_element_label("g_access") == "Access to the service"
        assert labels.method_label("pps_systematic") == "PPS systematic"
        assert labels.sipas_element_label("g_local") == "g_local"  # a province's own element
