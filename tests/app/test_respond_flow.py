"""The respondent flow through the Flask test client: entry, pages, skip logic, drafts, submission."""
from __future__ import annotations

import re

import pytest

from survey_app.extensions import db
from survey_app.models import Draft, Invitation, Response
from builders import invitation_for, open_round_with_entry


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def post_page(client, url: str, html: str, answers: dict, action: str = "next", consent: bool = True):
    data = {key: hidden(html, key) for key in ("_page", "_sid", "_shown", "_shown_at")}
    if 'name="_rk"' in html:
        data["_rk"] = hidden(html, "_rk")
    if consent and hidden(html, "_page") == "0":
        data["_consent"] = "yes"
    data["_action"] = action
    data.update(answers)
    return client.post(url, data=data)


@pytest.fixture
def entry(app_ctx):
    entry = open_round_with_entry()
    db.session.commit()
    return entry


def test_qr_entry_renders_the_first_page_with_notice_and_anonymity(client, entry):
    page = client.get(f"/s/{entry.code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "91/2025/QH15" in html
    assert "không thể liên kết với Ông/Bà" in html
    assert '<legend>Giới tính' in html and 'for="age"' in html
    assert "Trang 1/3" in html
    assert page.headers["Cache-Control"] == "no-store"


def test_english_is_available_with_lang_parameter(client, entry):
    html = client.get(f"/s/{entry.code}?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Gender" in html and "Giới tính" not in html


def test_answering_three_pages_stores_one_response(client, entry):
    url = f"/s/{entry.code}"
    html = client.get(url).get_data(as_text=True)
    reply = post_page(client, url, html, {"age": "35", "gender": "m"})
    assert reply.status_code == 303
    html = client.get(url).get_data(as_text=True)
    assert "Trang 2/3" in html
    assert "online_rating" not in html  # skip logic: hidden until used_online = yes
    reply = post_page(client, url, html, {"used_online": "yes", "counter_rating": "4"})
    # the newly relevant question appears on the same page, without an error
    assert reply.status_code == 200
    html = reply.get_data(as_text=True)
    assert 'name="online_rating"' in html and 'class="error"' not in html
    reply = post_page(client, url, html, {"used_online": "yes", "counter_rating": "4", "online_rating": "5"})
    assert reply.status_code == 303
    html = client.get(url).get_data(as_text=True)
    assert "Gửi phiếu" in html
    reply = post_page(client, url, html, {"priorities": ["speed", "other"], "priorities_other": "Chỗ để xe"})
    assert reply.status_code == 303 and "/receipt/" in reply.headers["Location"]
    stored = db.session.scalars(db.select(Response)).all()
    assert len(stored) == 1
    response = stored[0]
    assert response.answers == {"age": 35, "gender": "m", "used_online": "yes", "online_rating": "5",
                                "counter_rating": "4", "priorities": ["speed", "other"],
                                "priorities_other": "Chỗ để xe"}
    assert response.channel == "qr" and response.entry_point_id == entry.id
    assert response.rated_unit_id == entry.unit_id and response.respondent_group == "citizen"
    assert response.paradata["device"] == "desktop" and response.paradata["consent"] is True
    assert set(response.paradata["page_seconds"]) == {"profile", "service", "wishes"}
    assert db.session.scalar(db.select(db.func.count()).select_from(Draft)) == 0
    done = client.get(reply.headers["Location"]).get_data(as_text=True)
    assert response.receipt in done


def test_inline_errors_keep_other_answers(client, entry):
    url = f"/s/{entry.code}"
    html = client.get(url).get_data(as_text=True)
    reply = post_page(client, url, html, {"age": "12", "gender": "f"})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert "Tuổi từ 18 đến 110." in html
    assert 'value="12"' in html
    assert re.search(r'value="f" checked', html)


def test_consent_is_required_before_the_questions(client, entry):
    url = f"/s/{entry.code}"
    html = client.get(url).get_data(as_text=True)
    reply = post_page(client, url, html, {"age": "30", "gender": "f"}, consent=False)
    assert reply.status_code == 200
    assert "đồng ý tham gia" in reply.get_data(as_text=True)
    assert 'id="err-consent"' in reply.get_data(as_text=True)


def test_back_keeps_answers_and_does_not_validate(client, entry):
    url = f"/s/{entry.code}"
    html = client.get(url).get_data(as_text=True)
    post_page(client, url, html, {"age": "35", "gender": "m"})
    html = client.get(url).get_data(as_text=True)
    reply = post_page(client, url, html, {"counter_rating": "2"}, action="back")
    assert reply.status_code == 303
    html = client.get(url).get_data(as_text=True)
    assert "Trang 1/3" in html and 'value="35"' in html
    post_page(client, url, html, {"age": "35", "gender": "m"})
    html = client.get(url).get_data(as_text=True)
    assert re.search(r'name="counter_rating" value="2" checked', html)


def test_a_qr_draft_resumes_from_the_cookie_and_from_the_resume_link(app, entry):
    url = f"/s/{entry.code}"
    first = app.test_client()
    html = first.get(url).get_data(as_text=True)
    post_page(first, url, html, {"age": "50", "gender": "f"})
    assert "Trang 2/3" in first.get(url).get_data(as_text=True)  # cookie
    resume_key = hidden(html, "_rk")
    other_device = app.test_client()
    assert "Trang 1/3" in other_device.get(url).get_data(as_text=True)
    moved = other_device.get(f"{url}?resume={resume_key}")
    assert moved.status_code == 303 and moved.headers["Location"].endswith(url)  # key off the URL
    assert "Trang 2/3" in other_device.get(url).get_data(as_text=True)
    # The draft moved to the other device's new key: the link and the first cookie are spent.
    assert "Trang 1/3" in first.get(url).get_data(as_text=True)


def test_save_shows_a_resume_link(client, entry):
    url = f"/s/{entry.code}"
    html = client.get(url).get_data(as_text=True)
    reply = post_page(client, url, html, {"age": "50"}, action="save")
    text = reply.get_data(as_text=True)
    assert "Đã lưu câu trả lời" in text and f"resume={hidden(html, '_rk')}" in text


def test_retrying_the_final_post_returns_the_same_receipt(client, entry):
    url = f"/s/{entry.code}"
    html = client.get(url).get_data(as_text=True)
    post_page(client, url, html, {"age": "35", "gender": "m"})
    html = client.get(url).get_data(as_text=True)
    post_page(client, url, html, {"used_online": "no", "counter_rating": "3"})
    html = client.get(url).get_data(as_text=True)
    first = post_page(client, url, html, {"comment": "ok"})
    again = post_page(client, url, html, {"comment": "ok"})
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 1


def test_invitation_flow_consumes_the_token_and_keeps_design_variables(client, app_ctx):
    invitation, token = invitation_for(group="delegate", stratum="S2", base_weight=7.5)
    db.session.commit()
    url = f"/i/{token}"
    html = client.get(url).get_data(as_text=True)
    assert 'name="_rk"' not in html  # the link itself is the resume key
    post_page(client, url, html, {"age": "44", "gender": "f"})
    html = client.get(url).get_data(as_text=True)
    post_page(client, url, html, {"used_online": "no", "counter_rating": "5"})
    html = client.get(url).get_data(as_text=True)
    reply = post_page(client, url, html, {})
    assert reply.status_code == 303
    response = db.session.scalar(db.select(Response))
    assert (response.channel, response.stratum, response.base_weight) == ("invitation", "S2", 7.5)
    assert response.respondent_group == "delegate" and response.invitation_id is None  # anonymous round
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).status == "used"
    used = client.get(url)
    assert used.status_code == 409 and "đã được dùng" in used.get_data(as_text=True)


def test_non_anonymous_round_links_the_invitation(client, app_ctx):
    invitation, token = invitation_for(anonymous=False)
    db.session.commit()
    url = f"/i/{token}"
    html = client.get(url).get_data(as_text=True)
    assert "không ẩn danh" in html
    post_page(client, url, html, {"age": "44", "gender": "f"})
    html = client.get(url).get_data(as_text=True)
    post_page(client, url, html, {"used_online": "no", "counter_rating": "5"})
    html = client.get(url).get_data(as_text=True)
    post_page(client, url, html, {})
    assert db.session.scalar(db.select(Response.invitation_id)) == invitation.id


def test_invitation_draft_resumes_on_another_device(app, app_ctx):
    invitation, token = invitation_for()
    db.session.commit()
    url = f"/i/{token}"
    phone = app.test_client()
    html = phone.get(url).get_data(as_text=True)
    post_page(phone, url, html, {"age": "61", "gender": "m"})
    desktop = app.test_client()
    html = desktop.get(url).get_data(as_text=True)
    assert "Trang 2/3" in html


@pytest.mark.parametrize("kind, status, text", [
    ("unknown", 404, "Không tìm thấy"), ("closed", 410, "đã đóng"), ("revoked", 410, "ngừng sử dụng"),
])
def test_refusal_pages_for_qr_codes(client, app_ctx, kind, status, text):
    entry = open_round_with_entry(status="closed" if kind == "closed" else "open")
    entry.revoked = kind == "revoked"
    db.session.commit()
    code = "nosuchcode" if kind == "unknown" else entry.code
    page = client.get(f"/s/{code}")
    assert page.status_code == status
    assert text in page.get_data(as_text=True)


def test_revoked_and_unknown_invitations(client, app_ctx):
    invitation, token = invitation_for()
    invitation.status = "revoked"
    db.session.commit()
    assert client.get(f"/i/{token}").status_code == 410
    assert "thu hồi" in client.get(f"/i/{token}").get_data(as_text=True)
    assert client.get(f"/i/{token}x").status_code == 404
