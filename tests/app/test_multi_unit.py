"""Multi-unit invitations: one link, several units rated one after another with one
questionnaire, one response per unit, the invitation used once (issue 17)."""
from __future__ import annotations

import re
import threading
import uuid
from collections import Counter

import pytest

from builders import (
    GOOD_ANSWERS,
    create_questionnaire,
    create_round,
    create_unit,
    post_together,
    small_questionnaire_dict,
)
from survey_app.extensions import db
from survey_app.models import Draft, Invitation, InvitationBundle, RatingCell, Response
from survey_app.operations.invitation_bundles import issue_bundle, issue_matrix_bundle
from survey_app.refusals import Refused

PAGE_ANSWERS = [{"age": "51", "gender": "m"}, {"used_online": "no", "counter_rating": "4"},
                {"comment": "Tốt"}]


@pytest.fixture
def bundle(app_ctx):
    survey_round = create_round()
    units = [create_unit(survey_round.province, code=code, name=name) for code, name in
             (("SO-NV", "Sở Nội vụ"), ("SO-TP", "Sở Tư pháp"), ("SO-YT", "Sở Y tế"))]
    outsider = create_unit(survey_round.province, code="SO-XD", name="Sở Xây dựng")
    form = create_questionnaire(small_questionnaire_dict(group="delegate"))
    db.session.add(RatingCell(round_id=survey_round.id, respondent_group="delegate",
                              unit_type="agency", questionnaire_id=form.id, quota=20))
    bundle, token = issue_bundle(survey_round, form, units, "delegate", stratum="delegate",
                                 base_weight=1.0)
    db.session.commit()
    return {"bundle": bundle, "token": token, "units": units, "outsider": outsider}


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def answer_page(client, url: str, answers: dict):
    """Post the page the respondent sees at ``url`` with ``answers`` (consent on the first)."""
    html = client.get(url).get_data(as_text=True)
    data = {key: hidden(html, key) for key in ("_page", "_sid", "_shown", "_shown_at")}
    if hidden(html, "_page") == "0":
        data["_consent"] = "yes"
    data["_action"] = "next"
    data.update(answers)
    return client.post(url, data=data)


def answer_unit(client, token: str, unit, pages=PAGE_ANSWERS):
    url = f"/i/{token}/u/{unit.id}"
    reply = None
    for answers in pages:
        reply = answer_page(client, url, answers)
        assert reply.status_code == 303, reply.get_data(as_text=True)
    return reply


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_three_units_across_two_visits_store_three_responses_and_use_the_invitation_once(
        app, bundle):
    token, units = bundle["token"], bundle["units"]
    first_visit = app.test_client()
    html = first_visit.get(f"/i/{token}").get_data(as_text=True)
    assert all(name in html for name in ("Sở Nội vụ", "Sở Tư pháp", "Sở Y tế"))
    assert "Sở Xây dựng" not in html and "SO-NV" not in html  # names, never codes
    assert "Đã đánh giá 0/3 đơn vị" in html
    reply = answer_unit(first_visit, token, units[0])
    # back to the list, not a receipt
    assert reply.headers["Location"].endswith(f"/i/{token}?sent={units[0].id}")
    html = first_visit.get(reply.headers["Location"]).get_data(as_text=True)
    assert "Đã ghi nhận phiếu đánh giá Sở Nội vụ" in html and "Đã đánh giá 1/3 đơn vị" in html
    answer_unit(first_visit, token, units[1], pages=PAGE_ANSWERS[:1])  # part of unit 2
    assert count(Response) == 1 and count(Draft) == 1

    second_visit = app.test_client()  # another day, another device: the link alone
    html = second_visit.get(f"/i/{token}").get_data(as_text=True)
    assert re.search(r'data-state="done"><strong>Sở Nội vụ', html)
    assert re.search(r'data-state="started"><strong>Sở Tư pháp', html)
    assert re.search(r'data-state="todo"><strong>Sở Y tế', html)
    html = second_visit.get(f"/i/{token}/u/{units[1].id}").get_data(as_text=True)
    assert "Trang 2/3" in html and "Sở Tư pháp" in html  # the draft resumes where it stopped
    answer_unit(second_visit, token, units[1], pages=PAGE_ANSWERS[1:])
    answer_unit(second_visit, token, units[2])

    db.session.expire_all()
    responses = db.session.scalars(db.select(Response).order_by(Response.id)).all()
    assert [r.rated_unit_id for r in responses] == [u.id for u in units]
    assert {(r.respondent_group, r.stratum, r.base_weight, r.channel, r.invitation_id)
            for r in responses} == {("delegate", "delegate", 1.0, "invitation", None)}
    assert responses[1].answers["age"] == 51  # the first visit's page of unit 2 was kept
    assert db.session.get(InvitationBundle, bundle["bundle"].id).status == "used"
    assert [i.status for i in db.session.scalars(db.select(Invitation))] == ["used"] * 3
    assert count(Draft) == 0
    html = second_visit.get(f"/i/{token}").get_data(as_text=True)
    assert "Lời mời này đã hoàn tất" in html and "Đánh giá:" not in html


def test_a_unit_not_listed_or_after_the_invitation_is_used_up_is_refused_and_nothing_stored(
        app, bundle):
    token, units, outsider = bundle["token"], bundle["units"], bundle["outsider"]
    client = app.test_client()
    for reply in (client.get(f"/i/{token}/u/{outsider.id}"),
                  client.post(f"/i/{token}/u/{outsider.id}",
                              data={"_page": "2", "_consent": "yes", **GOOD_ANSWERS})):
        assert reply.status_code == 404
        assert "Đơn vị này không có trong danh sách đơn vị của lời mời này." in reply.get_data(
            as_text=True)
    assert count(Response) == 0 and count(Draft) == 0

    for unit in units:
        answer_unit(client, token, unit)
    assert count(Response) == 3
    again = client.post(f"/i/{token}/u/{units[0].id}",
                        data={"_page": "2", "_sid": str(uuid.uuid4()), **GOOD_ANSWERS})
    assert again.status_code == 409
    assert "Lời mời này đã dùng xong" in again.get_data(as_text=True)
    assert client.post(f"/i/{token}/finish").status_code == 409
    assert count(Response) == 3 and count(Draft) == 0


def test_finish_names_the_units_left_then_uses_the_invitation_up(app, bundle):
    token, units = bundle["token"], bundle["units"]
    client = app.test_client()
    answer_unit(client, token, units[0])
    answer_unit(client, token, units[1], pages=PAGE_ANSWERS[:1])
    page = client.get(f"/i/{token}/finish").get_data(as_text=True)
    assert "Ông/Bà chưa đánh giá 2 đơn vị sau:" in page
    assert "Sở Tư pháp" in page and "Sở Y tế" in page and "phần đã trả lời sẽ bị xoá" in page
    assert "Sở Nội vụ" not in page
    # the confirmation page changes nothing
    assert count(InvitationBundle) == 1 and bundle["bundle"].status == "issued"

    assert client.post(f"/i/{token}/finish").status_code == 303
    db.session.expire_all()
    assert db.session.get(InvitationBundle, bundle["bundle"].id).status == "used"
    # the units left unanswered stay non-respondents (issued), as the analysis counts them
    assert [i.status for i in db.session.scalars(db.select(Invitation).order_by(Invitation.id))] \
        == ["used", "issued", "issued"]
    assert count(Response) == 1 and count(Draft) == 0
    assert client.get(f"/i/{token}/u/{units[2].id}").status_code == 409
    refused = client.post(f"/i/{token}/u/{units[2].id}", data={"_page": "2", **GOOD_ANSWERS})
    assert refused.status_code == 409 and count(Response) == 1


def test_english_page_lists_the_units(app, bundle):
    html = app.test_client().get(f"/i/{bundle['token']}?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "Rated 0 of 3 units" in html
    assert "Sở Nội vụ" in html and "Đã đánh giá" not in html


# --- the JSON API ---------------------------------------------------------------------------------

def api_post(client, token: str, unit: str | None, submission_id: str | None = None):
    body = {"token": token, "submission_id": submission_id or str(uuid.uuid4()),
            "answers": GOOD_ANSWERS}
    if unit is not None:
        body["unit"] = unit
    reply = client.post("/api/v1/submissions", json=body)
    return reply.status_code, reply.get_json()


def test_api_answers_each_unit_by_code_and_refuses_what_the_invitation_does_not_allow(
        client, bundle):
    token = bundle["token"]
    assert api_post(client, token, None)[1]["error"]["code"] == "unit_required"
    status, body = api_post(client, token, "SO-XD")
    assert (status, body["error"]["code"]) == (404, "unit_not_invited")
    assert count(Response) == 0
    for code in ("SO-NV", "SO-TP", "SO-YT"):
        assert api_post(client, token, code)[0] == 201
    status, body = api_post(client, token, "SO-NV")
    assert (status, body["error"]["code"]) == (409, "used")
    assert count(Response) == 3
    assert db.session.get(InvitationBundle, bundle["bundle"].id).status == "used"



def test_concurrent_submissions_for_one_unit_store_one_response(app, bundle):
    payloads = [{"token": bundle["token"], "unit": "SO-TP", "submission_id": str(uuid.uuid4()),
                 "answers": GOOD_ANSWERS} for _ in range(20)]
    statuses = Counter(status for status, _ in post_together(app, payloads))
    assert statuses == {201: 1, 409: 19}, statuses
    db.session.expire_all()
    assert count(Response) == 1
    assert db.session.get(InvitationBundle, bundle["bundle"].id).status == "issued"


def test_the_last_units_answered_at_once_use_the_invitation_up(app, bundle):
    """Every unit answered at the same moment (several each): three responses, and the last
    one to commit sees the others, so the invitation is used up."""
    first = bundle["bundle"]
    bundles = [(first, bundle["token"])] + [  # a race is tried several times
        issue_bundle(first.round, first.questionnaire, bundle["units"], "delegate")
        for _ in range(2)]
    db.session.commit()
    for attempt, (each, token) in enumerate(bundles, start=1):
        payloads = [{"token": token, "unit": code, "submission_id": str(uuid.uuid4()),
                     "answers": GOOD_ANSWERS} for code in ("SO-NV", "SO-TP", "SO-YT") * 4]
        statuses = Counter(status for status, _ in post_together(app, payloads))
        assert statuses == {201: 3, 409: 9}, statuses
        db.session.expire_all()
        assert count(Response) == 3 * attempt
        assert db.session.get(InvitationBundle, each.id).status == "used"


def test_a_finish_racing_the_answers_never_lets_an_answer_in_after_it(app, bundle):
    """A finish and answers to the two remaining units at once: whatever order they take, no
    response is stored once the invitation is used up, and the invitation ends used."""
    token = bundle["token"]
    barrier = threading.Barrier(3)
    results: dict = {}

    def finish() -> None:
        client = app.test_client()
        barrier.wait()
        results["finish"] = client.post(f"/i/{token}/finish").status_code

    def answer(code: str) -> None:
        client = app.test_client()
        barrier.wait()
        results[code] = api_post(client, token, code)[0]

    threads = [threading.Thread(target=finish)] + [
        threading.Thread(target=answer, args=(code,)) for code in ("SO-NV", "SO-TP")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    db.session.expire_all()
    stored = count(Response)
    assert stored == sum(1 for code in ("SO-NV", "SO-TP") if results[code] == 201)
    assert db.session.get(InvitationBundle, bundle["bundle"].id).status == "used"
    assert results["finish"] == 303
    # an answer after the finish is refused and stores nothing
    assert api_post(app.test_client(), token, "SO-YT")[0] == 409
    assert count(Response) == stored


def test_api_lists_the_units_of_an_invitation_and_what_is_answered(client, bundle):
    from builders import invitation_for
    from survey_app.logmask import mask_path

    token = bundle["token"]
    listed = client.get(f"/api/v1/i/{token}").get_json()
    assert listed["multi_unit"] is True and listed["status"] == "issued"
    assert [(u["code"], u["name"], u["status"]) for u in listed["units"]] == [
        ("SO-NV", "Sở Nội vụ", "open"), ("SO-TP", "Sở Tư pháp", "open"),
        ("SO-YT", "Sở Y tế", "open")]
    assert listed["questionnaire"]["url"].startswith("/api/v1/questionnaires/")
    assert api_post(client, token, "SO-TP")[0] == 201
    listed = client.get(f"/api/v1/i/{token}").get_json()
    assert [u["status"] for u in listed["units"]] == ["open", "answered", "open"]

    _, single = invitation_for()
    db.session.commit()
    one = client.get(f"/api/v1/i/{single}").get_json()
    assert one["multi_unit"] is False and len(one["units"]) == 1
    assert client.get("/api/v1/i/khong-co-thu-moi-nay").status_code == 404
    assert mask_path(f"/api/v1/i/{token}") == "/api/v1/i/…"  # the token never reaches a log


def test_only_units_the_rating_matrix_gives_the_group_are_bundled_and_nothing_is_stored(
        app_ctx, bundle):
    first = bundle["bundle"]
    commune = create_unit(first.round.province, code="XA-A", name="Xã A", unit_type="commune")
    before = count(Invitation), count(InvitationBundle)
    for units, code in (([bundle["units"][0], commune], "not_in_matrix"),
                        ([bundle["units"][0]], "too_few_units"),
                        ([bundle["units"][0]] * 2, "too_few_units")):
        with pytest.raises(Refused) as refused:
            issue_bundle(first.round, first.questionnaire, units, "delegate")
        assert refused.value.code == code
    with pytest.raises(Refused) as refused:  # another questionnaire than the matrix's
        issue_bundle(first.round, create_questionnaire(small_questionnaire_dict(
            form_id="khac", group="delegate")), bundle["units"], "delegate")
    assert "Sở Nội vụ" in refused.value.message("vi") and refused.value.code == "not_in_matrix"
    with pytest.raises(Refused) as refused:  # no cell of the matrix for citizens
        issue_matrix_bundle(first.round, "citizen", "agency")
    assert refused.value.code == "no_cell"
    db.session.rollback()
    assert (count(Invitation), count(InvitationBundle)) == before
    bundled, _, units = issue_matrix_bundle(first.round, "delegate", "agency")
    assert [u.code for u in units] == ["SO-NV", "SO-TP", "SO-YT", "SO-XD"]  # not the commune
    assert bundled.questionnaire_id == first.questionnaire_id


def test_a_unit_withdrawn_by_staff_is_not_waited_for(client, bundle):
    from survey_app.operations.invitations import revoke_invitation

    withdrawn = db.session.scalar(db.select(Invitation).filter_by(
        bundle_id=bundle["bundle"].id, rated_unit_id=bundle["units"][2].id))
    revoke_invitation(withdrawn)
    db.session.commit()
    html = client.get(f"/i/{bundle['token']}").get_data(as_text=True)
    assert re.search(r'data-state="withdrawn"><strong>Sở Y tế', html)
    status, body = api_post(client, bundle["token"], "SO-YT")
    assert (status, body["error"]["code"]) == (410, "revoked")
    for code in ("SO-NV", "SO-TP"):
        assert api_post(client, bundle["token"], code)[0] == 201
    db.session.expire_all()
    assert db.session.get(InvitationBundle, bundle["bundle"].id).status == "used"
    assert count(Response) == 2


def test_the_grid_saves_each_units_ratings_into_its_own_draft(app_ctx, client):
    import questionnaires
    from survey_app.operations.documents import publish_questionnaire
    from survey_app.respond.unit_grid import grid_items

    survey_round = create_round()
    units = [create_unit(survey_round.province, name=name) for name in ("Sở A", "Sở B")]
    form = publish_questionnaire(questionnaires.load_bundled("delegate_rates_agency_2025"))
    db.session.add(RatingCell(round_id=survey_round.id, respondent_group="delegate",
                              unit_type="agency", questionnaire_id=form.id, quota=20))
    _, token = issue_bundle(survey_round, form, units, "delegate")
    db.session.commit()
    items = [q.name for q in grid_items(questionnaires.load_bundled("delegate_rates_agency_2025"))]
    assert "c1_5" in items and "position" not in items and "comments" not in items
    assert "Đánh giá dạng bảng" in client.get(f"/i/{token}").get_data(as_text=True)
    grid = client.get(f"/i/{token}/grid").get_data(as_text=True)
    assert grid.count("<select") == 2 * len(items) and 'aria-label="Sở B: ' in grid
    reply = client.post(f"/i/{token}/grid", data={
        f"u{units[0].id}.c1_5": "a", f"u{units[1].id}.c1_5": "c",
        f"u{units[1].id}.c2_3": "not-a-choice"})
    assert reply.status_code == 303 and reply.headers["Location"].endswith("grid=saved")
    drafts = {d.answers.get("c1_5") for d in db.session.scalars(db.select(Draft))}
    assert drafts == {"a", "c"} and count(Response) == 0
    assert all("c2_3" not in d.answers for d in db.session.scalars(db.select(Draft)))
    assert 'value="c" selected' in client.get(f"/i/{token}/grid").get_data(as_text=True)
    url = f"/i/{token}/u/{units[1].id}"
    assert answer_page(client, url, {"position": "member", "familiarity": "often"}).status_code \
        == 303
    rating_page = client.get(url).get_data(as_text=True)  # the unit's own page, filled in
    assert "Sở B" in rating_page and 'name="c1_5" value="c" checked' in rating_page
    assert count(Response) == 0
