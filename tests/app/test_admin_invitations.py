"""The invitation list of a round (no tokens shown; filters; pages for thousands) and revocation
of one invitation or of every unused one of a unit: audited, admins only, CSRF-protected, and a
revoked link shows the refusal page."""

from __future__ import annotations

import datetime
import re
import secrets
from types import SimpleNamespace

import pytest
from builders import create_round, create_unit, create_user, invitation_for, log_in
from sqlalchemy import insert

from survey_app.extensions import db
from survey_app.models import AuditEvent, Invitation
from survey_app.tokens import token_hash


@pytest.fixture
def world(app_ctx, client):
    survey_round = create_round(status="open")
    first, first_token = invitation_for(survey_round=survey_round, group="delegate")
    second, second_token = invitation_for(survey_round=survey_round, group="leader")
    unit = first.rated_unit
    # Two more invitations to the first unit (one already used) and one in another round.
    more = [invitation_for(survey_round=survey_round)[0] for _ in range(2)]  # each rates a new unit
    for invitation in more:
        invitation.rated_unit_id = unit.id
    more[1].status = "used"
    elsewhere, _ = invitation_for()
    admin = create_user("admin")
    db.session.commit()
    log_in(client, admin)
    return SimpleNamespace(
        round=survey_round,
        unit=unit,
        other_unit=second.rated_unit,
        first=first,
        first_token=first_token,
        second=second,
        second_token=second_token,
        unused_same_unit=more[0],
        used=more[1],
        elsewhere=elsewhere,
        admin=admin,
        url=f"/admin/rounds/{survey_round.id}/invitations",
    )


def listed(html: str) -> dict[int, str]:
    """Invitation id → status, as the page lists them."""
    return {
        int(i): s
        for i, s in re.findall(r'data-invitation="(\d+)".*?data-status="(\w+)"', html, re.DOTALL)
    }


def status_of(invitation: Invitation) -> str:
    return db.session.scalar(db.select(Invitation.status).where(Invitation.id == invitation.id))


def test_list_shows_ids_units_groups_status_and_date_but_no_token(client, world):
    reply = client.get(world.url)
    assert reply.status_code == 200
    html = reply.get_data(as_text=True)
    assert listed(html) == {
        world.first.id: "issued",
        world.second.id: "issued",
        world.unused_same_unit.id: "issued",
        world.used.id: "used",
    }  # the other round's invitation is not listed
    assert world.unit.code in html and "leader" in html and "delegate" in html
    # stored in UTC, shown as Vietnam's day (UTC+7)
    shown = world.first.issued_at + datetime.timedelta(hours=7)
    assert shown.strftime("%d/%m/%Y") in html
    for invitation, token in ((world.first, world.first_token), (world.second, world.second_token)):
        assert token not in html and invitation.token_hash not in html
    assert token_hash(world.first_token) == world.first.token_hash  # the hash is what is stored
    round_page = client.get(f"/admin/rounds/{world.round.id}").get_data(as_text=True)
    assert world.url in round_page


def test_filters_by_status_and_unit(client, world):
    used = listed(client.get(world.url, query_string={"status": "used"}).get_data(as_text=True))
    assert used == {world.used.id: "used"}
    by_unit = client.get(world.url, query_string={"unit": world.unit.id}).get_data(as_text=True)
    assert set(listed(by_unit)) == {world.first.id, world.unused_same_unit.id, world.used.id}
    assert 'data-count-issued="2"' in by_unit and 'data-count-used="1"' in by_unit
    both = client.get(world.url, query_string={"unit": world.unit.id, "status": "issued"})
    assert set(listed(both.get_data(as_text=True))) == {world.first.id, world.unused_same_unit.id}
    bad = client.get(world.url, query_string={"status": "lost"})
    assert bad.status_code == 400 and "Lựa chọn không hợp lệ" in bad.get_data(as_text=True)
    foreign = client.get(world.url, query_string={"unit": world.elsewhere.rated_unit_id})
    assert foreign.status_code == 400


def test_revoking_one_invitation_audits_it_and_its_link_is_refused(client, world):
    assert client.get(f"/i/{world.first_token}").status_code == 200
    reply = client.post(
        f"{world.url}/{world.first.id}/revoke",
        data={"status": "issued", "page": "1", "confirm": "yes"},
    )
    assert reply.status_code == 302
    assert reply.headers["Location"].endswith(f"{world.url}?status=issued&page=1")
    assert status_of(world.first) == "revoked" and status_of(world.second) == "issued"
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="invitation.revoke"))
    assert event.object_id == str(world.first.id) and event.user_id == world.admin.id
    refused = client.get(f"/i/{world.first_token}")
    assert refused.status_code == 410 and "đã bị thu hồi" in refused.get_data(as_text=True)
    assert client.get(f"/i/{world.second_token}").status_code == 200
    # A used or already revoked invitation cannot be revoked: a sentence, nothing changes.
    for invitation, word in ((world.used, "được dùng"), (world.first, "bị thu hồi")):
        again = client.post(f"{world.url}/{invitation.id}/revoke", data={"confirm": "yes"},
                            follow_redirects=True)
        assert f"Thư mời #{invitation.id} đã {word}" in again.get_data(as_text=True)
    assert status_of(world.used) == "used"
    assert client.post(f"{world.url}/{world.elsewhere.id}/revoke").status_code == 404
    assert status_of(world.elsewhere) == "issued"


def test_revoking_every_unused_invitation_of_a_unit(client, world):
    reply = client.post(
        f"{world.url}/revoke-unit", data={"unit_id": world.unit.id, "confirm": "yes"},
        follow_redirects=True,
    )
    html = reply.get_data(as_text=True)
    assert "2 thư mời đã bị thu hồi" in html
    assert status_of(world.first) == status_of(world.unused_same_unit) == "revoked"
    assert status_of(world.used) == "used" and status_of(world.second) == "issued"
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="invitation.revoke_unit"))
    assert event.detail["count"] == 2 and event.detail["unit_code"] == world.unit.code
    assert event.detail["invitations"] == sorted([world.first.id, world.unused_same_unit.id])
    assert client.get(f"/i/{world.first_token}").status_code == 410
    again = client.post(
        f"{world.url}/revoke-unit", data={"unit_id": world.unit.id, "confirm": "yes"},
        follow_redirects=True,
    )
    assert "không còn thư mời chưa dùng" in again.get_data(as_text=True)
    foreign = client.post(
        f"{world.url}/revoke-unit",
        data={"unit_id": world.elsewhere.rated_unit_id, "confirm": "yes"},
        follow_redirects=True,
    )
    assert "Hãy chọn một đơn vị có thư mời" in foreign.get_data(as_text=True)
    assert status_of(world.elsewhere) == "issued"


def test_only_admins_see_or_revoke(client, world):
    focal = create_user("focal_point", unit=world.unit)
    db.session.commit()
    client.post("/auth/logout")
    assert client.get(world.url).status_code == 302  # to the login page
    log_in(client, focal)
    assert client.get(world.url).status_code == 403
    assert client.post(f"{world.url}/{world.first.id}/revoke").status_code == 403
    assert (
        client.post(f"{world.url}/revoke-unit", data={"unit_id": world.unit.id}).status_code == 403
    )
    assert status_of(world.first) == "issued"


def test_revoke_needs_a_csrf_token(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    confirm = {"confirm": "yes"}
    assert client.post(f"{world.url}/{world.first.id}/revoke", data=confirm).status_code == 400
    assert client.post(f"{world.url}/revoke-unit",
                       data={"unit_id": world.unit.id, **confirm}).status_code == 400
    assert status_of(world.first) == "issued"
    # The confirmation page carries the token.
    page = client.get(f"{world.url}/{world.first.id}/revoke").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    reply = client.post(f"{world.url}/{world.first.id}/revoke",
                        data={"csrf_token": token, **confirm})
    assert reply.status_code == 302 and status_of(world.first) == "revoked"


def test_large_round_is_paginated(client, world):
    # 2,500 more invitations for a new unit, stored in bulk (their tokens are never needed).
    unit = create_unit(world.round.province, code="BIG")
    db.session.execute(
        insert(Invitation),
        [
            {
                "round_id": world.round.id,
                "token_hash": secrets.token_hex(32),
                "questionnaire_id": world.first.questionnaire_id,
                "rated_unit_id": unit.id,
                "respondent_group": "citizen",
                "status": "used" if i % 10 == 0 else "issued",
            }
            for i in range(2500)
        ],
    )
    db.session.commit()
    ids = db.session.scalars(
        db.select(Invitation.id).filter_by(rated_unit_id=unit.id).order_by(Invitation.id)
    ).all()
    first = client.get(world.url, query_string={"unit": unit.id}).get_data(as_text=True)
    assert list(listed(first)) == ids[:100]
    assert "Trang 1 / 25 (2.500 thư mời)" in first and 'rel="next"' in first
    assert f"unit={unit.id}" in re.search(r'href="([^"]+)" rel="next"', first)[1]
    last = client.get(world.url, query_string={"unit": unit.id, "page": 25}).get_data(as_text=True)
    assert list(listed(last)) == ids[2400:] and 'rel="next"' not in last
    beyond = client.get(world.url, query_string={"unit": unit.id, "page": 99})
    assert list(listed(beyond.get_data(as_text=True))) == ids[2400:]
    issued = client.get(world.url, query_string={"unit": unit.id, "status": "issued", "page": 23})
    html = issued.get_data(as_text=True)
    assert "Trang 23 / 23 (2.250 thư mời)" in html and len(listed(html)) == 50
    assert set(listed(html).values()) == {"issued"}
    zero = client.get(world.url, query_string={"page": 0})
    assert zero.status_code == 400 and "Giá trị phải từ 1 trở lên" in zero.get_data(as_text=True)
    # Revoking all unused invitations of the unit is one statement and counts 2,250.
    reply = client.post(
        f"{world.url}/revoke-unit", data={"unit_id": unit.id, "confirm": "yes"},
        follow_redirects=True,
    )
    assert "2.250 thư mời đã bị thu hồi" in reply.get_data(as_text=True)
    assert status_of(world.first) == "issued"
