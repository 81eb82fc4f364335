"""A delegate rates two agencies through one multi-unit invitation on a phone (Pixel 5, vi-VN,
Debian's Chromium, CSRF on): the list, one unit's pages, back to the list, finish."""
from __future__ import annotations

import pytest

import questionnaires
from builders import create_round, create_unit
from survey_app.extensions import db
from survey_app.models import Invitation, InvitationBundle, RatingCell, Response
from survey_app.operations.documents import publish_questionnaire
from survey_app.operations.invitation_bundles import issue_bundle
from test_respond_browser import answer_page, next_button
from test_respondent_phone import audit, axe_source  # noqa: F401  (axe_source: a fixture)

pytestmark = pytest.mark.browser


def rate_one_unit(page, list_path: str, max_pages: int = 8) -> None:
    """Answer the unit's pages until its answers are sent and the list shows again."""
    for _ in range(max_pages):
        answer_page(page)
        before = page.locator('input[name="_shown_at"]').input_value()
        next_button(page).click()
        page.wait_for_function(
            """([path, old]) => { if (location.pathname === path) return true;
                 const f = document.querySelector('input[name="_shown_at"]');
                 return f && f.value !== old; }""", arg=[list_path, before])
        assert not page.locator(".error-summary").count(), page.locator(".error").all_inner_texts()
        if page.evaluate("location.pathname") == list_path:
            return
    raise AssertionError("the unit's pages did not end")


def test_delegate_rates_one_agency_then_finishes_naming_the_other(app, app_ctx, live_server,
                                                                   phone, axe_source):  # noqa: F811
    survey_round = create_round()
    units = [create_unit(survey_round.province, code="SO-NV", name="Sở Nội vụ"),
             create_unit(survey_round.province, code="SO-TP", name="Sở Tư pháp")]
    form = publish_questionnaire(questionnaires.load_bundled("delegate_rates_agency_2025"))
    db.session.add(RatingCell(round_id=survey_round.id, respondent_group="delegate",
                              unit_type="agency", questionnaire_id=form.id, quota=20))
    bundle, token = issue_bundle(survey_round, form, units, "delegate", stratum="HĐND")
    db.session.commit()
    list_path = f"/i/{token}"
    page = phone.new_page()
    page.goto(live_server + list_path)
    assert page.locator('.unit-list li[data-state="todo"]').count() == 2
    audit(page, axe_source)  # the list of units, like every respondent page, has no violation
    assert page.goto(live_server + list_path + "/grid").status == 200
    assert page.locator("table.unit-grid select").count() > 0  # the unit × item grid
    audit(page, axe_source)
    page.goto(live_server + list_path)
    page.get_by_role("link", name="Đánh giá tiếp: Sở Nội vụ").click()
    assert page.get_by_text("Sở Nội vụ").count() >= 1
    rate_one_unit(page, list_path)
    assert page.get_by_text("Đã ghi nhận phiếu đánh giá Sở Nội vụ").count() == 1
    assert page.locator('.unit-list li[data-state="done"]').count() == 1

    page.get_by_role("link", name="Kết thúc, gửi phần đã đánh giá").click()
    assert page.get_by_role("alert").inner_text().startswith("Ông/Bà chưa đánh giá 1 đơn vị")
    assert page.locator("main li").all_inner_texts() == ["Sở Tư pháp"]
    audit(page, axe_source)
    page.get_by_role("button", name="Xác nhận kết thúc").click()
    page.wait_for_url(f"**{list_path}")
    assert page.get_by_text("Lời mời này đã hoàn tất").count() == 1
    audit(page, axe_source)
    with app.app_context():
        assert db.session.get(InvitationBundle, bundle.id).status == "used"
        assert db.session.scalars(db.select(Response.rated_unit_id)).all() == [units[0].id]
        assert sorted(db.session.scalars(db.select(Invitation.status))) == ["issued", "used"]
