"""Forty simultaneous submissions with one token: exactly one is accepted (SQLite and PostgreSQL).

Each thread has its own test client, hence its own app context, session and database connection;
a barrier releases them together.
"""
from __future__ import annotations

import threading
import uuid
from collections import Counter

from builders import GOOD_ANSWERS, invitation_for, open_round_with_entry
from survey_app.extensions import db
from survey_app.models import Invitation, Response

THREADS = 40


def post_together(app, payloads: list[dict]) -> list:
    barrier = threading.Barrier(len(payloads))
    replies: list = [None] * len(payloads)

    def worker(i: int) -> None:
        client = app.test_client()
        barrier.wait()
        reply = client.post("/api/v1/submissions", json=payloads[i])
        replies[i] = (reply.status_code, reply.get_json())

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(payloads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(reply is not None for reply in replies), "a request did not finish"
    return replies


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
