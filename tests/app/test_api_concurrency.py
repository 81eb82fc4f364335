"""Forty simultaneous submissions with one token: exactly one is accepted (SQLite and PostgreSQL).

Each thread has its own test client, hence its own app context, session and database connection;
a barrier releases them together.
"""
from __future__ import annotations

import uuid
from collections import Counter

from builders import GOOD_ANSWERS, invitation_for, open_round_with_entry, post_together
from survey_app.extensions import db
from survey_app.models import Invitation, Response

THREADS = 40



def test_forty_devices_one_token_exactly_one_accepted(app, app_ctx):
    invitation, token = invitation_for()
    db.session.commit()
    payloads = [{"token": token, "submission_id": str(uuid.uuid4()), "answers": GOOD_ANSWERS}
                for _ in range(THREADS)]
    replies = post_together(app, payloads)
    statuses = Counter(status for status, _ in replies)
    assert statuses == {201: 1, 409: THREADS - 1}, statuses
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 1
    assert db.session.get(Invitation, invitation.id).status == "used"


def test_forty_retries_of_one_submission_store_one_row_and_share_the_receipt(app, app_ctx):
    invitation, token = invitation_for()
    entry = open_round_with_entry()
    db.session.commit()
    for key, value in (("token", token), ("entry", entry.code)):
        payload = {key: value, "submission_id": str(uuid.uuid4()), "answers": GOOD_ANSWERS}
        replies = post_together(app, [payload] * THREADS)
        statuses = Counter(status for status, _ in replies)
        assert statuses == {201: 1, 200: THREADS - 1}, (key, statuses)
        assert len({body["receipt"] for _, body in replies}) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 2
