"""The issue's Kobo-style form answered on a Pixel 5 (JavaScript on: the form is sent with fetch),
axe-core's WCAG 2.1 A/AA rules run on each page with repeat rows, errors named by row and the
add / remove row buttons; the stored answers hold the rows."""
from __future__ import annotations

import pytest
from tests.app.test_respond_kobo_form import kobo_workbook
from tests.app.test_respond_repeats import DEFINITION
from tests.browser.test_respondent_phone import audit, axe_source  # noqa: F401 (a fixture)

from builders import create_round, create_unit, open_round_with_entry
from survey_app.extensions import db
from survey_app.models import Response
from survey_app.operations.fieldwork_setup import create_entry_point
from survey_app.operations.questionnaire_library import import_questionnaire, publish_draft

pytestmark = pytest.mark.browser


def _press(page, button) -> None:
    """Press ``button``; wait for the page (or receipt) respond.js writes in place of this one."""
    before = page.locator('input[name="_shown_at"]').input_value()
    button.click()
    page.wait_for_function(
        """old => { const f = document.querySelector('input[name="_shown_at"]');
                    return document.querySelector('.receipt') || (f && f.value !== old); }""",
        arg=before)


def _next(page) -> None:
    _press(page, page.get_by_role("button", name="Tiếp tục"))


def test_the_kobo_form_is_answered_on_a_phone_without_an_axe_violation(
        live_server, phone, axe_source, app_ctx, tmp_path):  # noqa: F811
    path = tmp_path / "ho_gia_dinh.xlsx"
    kobo_workbook(path)
    row, _notes = import_questionnaire(path.name, path.read_bytes(), "citizen")
    publish_draft(row)
    survey_round = create_round()
    entry = create_entry_point(survey_round, create_unit(survey_round.province), row)
    db.session.commit()
    page = phone.new_page()
    page.goto(f"{live_server}/s/{entry.code}")
    page.locator('input[name="_consent"]').check()
    page.fill('input[name="tuoi"]', "45")
    page.fill('input[name="so_lan"]', "2")
    _next(page)
    assert page.get_by_text("Ông/Bà sinh khoảng năm 1980.").is_visible()
    assert page.get_by_text("Lần đến (2)").is_visible()
    audit(page, axe_source)
    page.get_by_label("Đăng ký khai sinh").first.check()
    page.get_by_label("Đất đai").last.check()
    page.fill('input[name="lan_den[1].cho"]', "30")
    page.fill('input[name="lan_den[2].cho"]', "90")
    _next(page)                                          # row 2's reason is newly shown
    audit(page, axe_source)
    _next(page)                                          # left empty: an error named by row
    assert page.locator(".error-summary").get_by_text("Dòng 2:").count() == 1
    audit(page, axe_source)
    page.fill('input[name="lan_den[2].ly_do"]', "Thiếu hồ sơ")
    _next(page)
    page.get_by_label("Khác", exact=True).check()  # or_other, named in Vietnamese
    page.fill('input[name="nguon_other"]', "Loa phát thanh xã")
    _press(page, page.get_by_role("button", name="Gửi phiếu"))
    page.wait_for_url("**/receipt/**")
    stored = db.session.scalars(db.select(Response)).one()
    assert stored.answers["lan_den"] == [{"thu_tuc": "khai_sinh", "cho": 30},
                                         {"thu_tuc": "dat_dai", "cho": 90, "ly_do": "Thiếu hồ sơ"}]
    assert stored.answers["nam_sinh"] == 1980
    assert stored.answers["nguon_other"] == "Loa phát thanh xã"


def test_rows_are_added_and_removed_on_a_phone(live_server, phone, axe_source, app_ctx):  # noqa: F811
    entry = open_round_with_entry(definition=DEFINITION)
    db.session.commit()
    page = phone.new_page()
    page.goto(f"{live_server}/s/{entry.code}")
    page.locator('input[name="_consent"]').check()
    page.fill('input[name="n"]', "1")
    _next(page)
    page.fill('input[name="members[1].who"]', "An")
    _next(page)
    page.fill('input[name="visits[1].why"]', "Cấp giấy")
    _press(page, page.get_by_role("button", name="Thêm một dòng: Lần đến"))
    page.fill('input[name="visits[2].why"]', "Nộp thuế")
    audit(page, axe_source)
    _press(page, page.get_by_role("button", name="Xóa dòng 1"))
    assert page.locator('input[name="visits[1].why"]').input_value() == "Nộp thuế"
    assert page.locator('input[name="visits[2].why"]').count() == 0
    # Enter sends the page (the hidden default button), not the first row button
    page.locator('input[name="visits[1].why"]').press("Enter")
    page.wait_for_url("**/receipt/**")
    stored = db.session.scalars(db.select(Response)).one()
    assert stored.answers["visits"] == [{"why": "Nộp thuế"}]
