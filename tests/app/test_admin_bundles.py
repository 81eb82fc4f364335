"""Multi-unit invitations on the round's invitations page (issue 12): staff issue one for a
rating-matrix cell and see its link once, listing the units; revoking asks for confirmation
first and then the link shows the refusal page; other roles get 403."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from builders import (
    create_questionnaire,
    create_round,
    create_unit,
    create_user,
    log_in,
    small_questionnaire_dict,
)

from survey_app.extensions import db
from survey_app.models import AuditEvent, Invitation, InvitationBundle, RatingCell
from survey_app.operations.invitation_bundles import issue_cell_bundle
from survey_app.refusals import Refused


@pytest.fixture
def world(app_ctx, client):
    survey_round = create_round(status="open")
    units = [create_unit(survey_round.province, code=code, name=name) for code, name in
             (("SO-NV", "Sở Nội vụ"), ("SO-TP", "Sở Tư pháp"))]
    create_unit(survey_round.province, code="XA-A", name="Xã A", unit_type="commune")
    form = create_questionnaire(small_questionnaire_dict(group="delegate"))
    cell = RatingCell(round_id=survey_round.id, respondent_group="delegate",
                      unit_type="agency", questionnaire_id=form.id, quota=20)
    db.session.add(cell)
    admin = create_user("admin")
    db.session.commit()
    log_in(client, admin)
    return SimpleNamespace(round=survey_round, units=units, cell=cell,
                           url=f"/admin/rounds/{survey_round.id}/invitations")


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def issue(client, world) -> tuple[str, str]:
    """Issue a bundle for the delegates × agencies cell; (its link's token, the page)."""
    page = client.post(f"{world.url}/bundles", data={"cell_id": world.cell.id})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    token = re.search(r'id="bundle-link">[^<]*/i/([^<\s]+)</p>', html).group(1)
    return token, html


def test_issue_shows_the_link_once_listing_the_units(client, world):
    form = client.get(world.url).get_data(as_text=True)
    assert 'id="bundles"' in form and "Đại biểu HĐND tỉnh × " in form
    token, html = issue(client, world)
    assert re.findall(r'data-code="([^"]+)">', html) == ["SO-NV", "SO-TP"]  # not the commune
    assert "Sở Nội vụ (SO-NV)" in html
    [bundle] = db.session.scalars(db.select(InvitationBundle)).all()
    assert count(Invitation) == 2 and token not in client.get(world.url).get_data(as_text=True)
    respondent = client.get(f"/i/{token}").get_data(as_text=True)
    assert "Sở Nội vụ" in respondent and "Sở Tư pháp" in respondent
    assert db.session.scalar(db.select(AuditEvent.action).where(
        AuditEvent.object_id == str(bundle.id))) == "invitation_bundle.issue"
    listing = client.get(world.url).get_data(as_text=True)
    assert f'data-bundle="{bundle.id}"' in listing


def test_issue_for_a_cell_of_another_round_is_refused_and_nothing_stored(client, world):
    other = create_round(status="open", province=world.round.province, code="KHAC-2025")
    form = create_questionnaire(small_questionnaire_dict(form_id="khac", group="delegate"))
    foreign = RatingCell(round_id=other.id, respondent_group="delegate", unit_type="agency",
                         questionnaire_id=form.id, quota=5)
    db.session.add(foreign)
    db.session.commit()
    reply = client.post(f"{world.url}/bundles", data={"cell_id": foreign.id},
                        follow_redirects=True)
    assert "Hãy chọn ô ma trận." in reply.get_data(as_text=True)  # not a choice of this round
    with pytest.raises(Refused) as refused:  # the operation checks the round too
        issue_cell_bundle(world.round, foreign)
    assert refused.value.code == "no_cell"
    db.session.rollback()
    assert count(InvitationBundle) == 0 and count(Invitation) == 0


def test_revoke_asks_first_then_the_link_shows_the_refusal_page(client, world):
    token, _html = issue(client, world)
    bundle = db.session.scalars(db.select(InvitationBundle)).one()
    revoke = f"{world.url}/bundles/{bundle.id}/revoke"
    unconfirmed = client.post(revoke)
    assert unconfirmed.status_code == 302 and unconfirmed.headers["Location"].endswith(revoke)
    db.session.expire_all()
    assert bundle.status == "issued"
    assert set(db.session.scalars(db.select(Invitation.status))) == {"issued"}
    assert client.get(f"/i/{token}").status_code == 200
    page = client.get(revoke).get_data(as_text=True)
    assert 'data-confirmation="revoke_bundle"' in page and "trang từ chối" in page
    done = client.post(revoke, data={"confirm": "yes"}, follow_redirects=True)
    assert "Đã thu hồi lời mời nhiều đơn vị" in done.get_data(as_text=True)
    db.session.expire_all()
    assert bundle.status == "revoked"
    assert set(db.session.scalars(db.select(Invitation.status))) == {"revoked"}
    refused = client.get(f"/i/{token}")
    assert refused.status_code == 410 and "đã bị thu hồi" in refused.get_data(as_text=True)
    again = client.post(revoke, data={"confirm": "yes"}, follow_redirects=True)
    assert "không còn ở trạng thái chưa dùng" in again.get_data(as_text=True)
    assert "Thu hồi</a>" not in client.get(revoke).get_data(as_text=True)


def test_roles_without_the_right_get_403_and_change_nothing(client, world):
    token, _html = issue(client, world)
    bundle = db.session.scalars(db.select(InvitationBundle)).one()
    client.post("/auth/logout")
    council = create_user("council")
    db.session.commit()
    log_in(client, council)
    assert client.post(f"{world.url}/bundles", data={"cell_id": world.cell.id}).status_code == 403
    revoke = f"{world.url}/bundles/{bundle.id}/revoke"
    assert client.get(revoke).status_code == 403
    assert client.post(revoke, data={"confirm": "yes"}).status_code == 403
    db.session.expire_all()
    assert count(InvitationBundle) == 1 and bundle.status == "issued"
    assert client.get(f"/i/{token}").status_code == 200
