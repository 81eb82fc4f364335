"""Re-linking a response to the person invited, in an anonymous round: the invitation keeps no day
(or time) of use and the response row carries nothing that joins back to the invitation, the
sample member or the token. A round declared non-anonymous keeps both, as the control."""

from __future__ import annotations

import re

import pytest

from builders import GOOD_ANSWERS, invitation_for
from survey_app.extensions import db
from survey_app.models import Draft, Invitation, Response


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def answer_all_pages(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    for _ in range(6):
        data = {key: hidden(html, key) for key in ("_page", "_sid", "_shown", "_shown_at")}
        data.update({"_consent": "yes", "_action": "next"}, **GOOD_ANSWERS)
        reply = client.post(url, data=data)
        if reply.status_code == 303 and "/receipt/" in reply.headers["Location"]:
            return reply.headers["Location"].rsplit("/", 1)[1]
        html = client.get(url).get_data(as_text=True)
    raise AssertionError("not sent")


@pytest.mark.parametrize("anonymous", [True, False])
def test_an_invitation_does_not_lead_back_to_the_response_in_an_anonymous_round(
    app, app_ctx, anonymous
):
    invitation, token = invitation_for(anonymous=anonymous, stratum="S1", base_weight=12.5)
    db.session.commit()
    receipt = answer_all_pages(app.test_client(), f"/i/{token}")
    db.session.expire_all()
    used = db.session.get(Invitation, invitation.id)
    response = db.session.scalar(db.select(Response).filter_by(receipt=receipt))
    assert used.status == "used" and response is not None
    assert db.session.scalar(db.select(db.func.count()).select_from(Draft)) == 0
    if not anonymous:  # the control: a declared non-anonymous round links both ways
        assert used.used_on == response.submitted_on and response.invitation_id == used.id
        return
    assert used.used_on is None
    assert response.invitation_id is None
    row = {c.name: getattr(response, c.name) for c in Response.__table__.columns}
    kept = {str(v) for v in row.values() if v is not None}
    secrets = {used.token_hash, token, str(used.sample_member_id), used.issued_at.isoformat()}
    assert not (kept & {s for s in secrets if s and s != "None"})
    allowed = {"page_seconds", "total_seconds", "device", "language", "consent"}
    assert set(response.paradata) <= allowed  # no timestamp or address
