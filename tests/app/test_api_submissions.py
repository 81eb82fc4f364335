"""The JSON API: submissions (status codes, idempotency, errors), entries, definitions, OpenAPI."""
from __future__ import annotations

import uuid

import pytest

from builders import GOOD_ANSWERS, invitation_for, open_round_with_entry, small_questionnaire_dict
from survey_app.extensions import db
from survey_app.models import Invitation, Response


@pytest.fixture
def entry(app_ctx):
    entry = open_round_with_entry()
    db.session.commit()
    return entry


def count_responses() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Response))


def body(**kw):
    data = {"submission_id": str(uuid.uuid4()), "answers": dict(GOOD_ANSWERS)}
    data.update(kw)
    return data


def test_entry_submission_returns_201_then_200_with_the_same_receipt(client, entry):
    payload = body(entry=entry.code, paradata={"page_seconds": {"p1": 12.5, "p2": -4}, "ip": "10.0.0.1",
                                               "started_at": "2025-09-01T10:00:00"})
    first = client.post("/api/v1/submissions", json=payload, headers={"User-Agent": "Mozilla/5.0 (iPad)"})
    assert first.status_code == 201, first.get_json()
    again = client.post("/api/v1/submissions", json=payload)
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    receipt = first.get_json()
    assert receipt["submission_id"] == payload["submission_id"]
    assert receipt["questionnaire"]["id"] == "test_form" and len(receipt["questionnaire"]["content_hash"]) == 64
    assert count_responses() == 1
    row = db.session.scalar(db.select(Response))
    assert row.channel == "api_entry" and row.answers["age"] == 42
    # only the allowed, plausible paradata survives; no address or timestamp
    assert row.paradata == {"page_seconds": {"p1": 12.5}, "total_seconds": 12.5, "device": "tablet"}
    assert row.submitted_on.isoformat() == receipt["submitted_on"]


def test_token_submission_consumes_the_token_and_a_second_submission_is_409(client, app_ctx):
    invitation, token = invitation_for()
    db.session.commit()
    first = client.post("/api/v1/submissions", json=body(token=token))
    assert first.status_code == 201
    second = client.post("/api/v1/submissions", json=body(token=token))
    assert second.status_code == 409
    error = second.get_json()["error"]
    assert error["code"] == "used" and "một lần" in error["message_vi"] and error["message_en"]
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).status == "used"
    assert db.session.scalar(db.select(Response.channel)) == "api_token"
    assert count_responses() == 1


def test_invalid_answers_are_422_listing_each_error_in_both_languages(client, entry):
    answers = {"age": "abc", "used_online": "maybe", "counter_rating": "4", "nonsense": 1}
    reply = client.post("/api/v1/submissions", json=body(entry=entry.code, answers=answers))
    assert reply.status_code == 422
    errors = {(e["question"], e["code"]) for e in reply.get_json()["error"]["errors"]}
    assert errors == {("age", "type"), ("gender", "required"), ("used_online", "choice"),
                      ("nonsense", "unknown_question")}
    assert all(e["message_vi"] and e["message_en"] for e in reply.get_json()["error"]["errors"])
    assert count_responses() == 0


def test_invalid_answers_do_not_consume_the_token(client, app_ctx):
    invitation, token = invitation_for()
    db.session.commit()
    assert client.post("/api/v1/submissions", json=body(token=token, answers={})).status_code == 422
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).status == "issued"
    assert client.post("/api/v1/submissions", json=body(token=token)).status_code == 201


def test_closed_round_is_410_and_unknown_code_404(client, app_ctx):
    closed = open_round_with_entry(status="closed")
    db.session.commit()
    assert client.post("/api/v1/submissions", json=body(entry=closed.code)).status_code == 410
    reply = client.post("/api/v1/submissions", json=body(entry="doesnotexist"))
    assert reply.status_code == 404 and reply.get_json()["error"]["code"] == "unknown"
    reply = client.post("/api/v1/submissions", json=body(token="not-a-real-token"))
    assert reply.status_code == 404


def test_a_stored_submission_is_still_acknowledged_after_the_round_closes(client, entry):
    payload = body(entry=entry.code)
    assert client.post("/api/v1/submissions", json=payload).status_code == 201
    entry.round.status = "closed"
    db.session.commit()
    assert client.post("/api/v1/submissions", json=payload).status_code == 200


def test_a_submission_id_reused_for_another_questionnaire_is_409(client, app_ctx):
    first = open_round_with_entry()
    second = open_round_with_entry(definition=small_questionnaire_dict(form_id="other_form"))
    db.session.commit()
    payload = body(entry=first.code)
    assert client.post("/api/v1/submissions", json=payload).status_code == 201
    reply = client.post("/api/v1/submissions", json=dict(payload, entry=second.code))
    assert reply.status_code == 409 and reply.get_json()["error"]["code"] == "conflict"


@pytest.mark.parametrize("raw, content_type, status, field", [
    ("{not json", "application/json", 400, None),
    ("[1, 2]", "application/json", 400, None),
    ('{"answers": {}}', "text/plain", 415, None),
])
def test_malformed_bodies(client, entry, raw, content_type, status, field):
    reply = client.post("/api/v1/submissions", data=raw, content_type=content_type)
    assert reply.status_code == status
    error = reply.get_json()["error"]
    assert error["message_vi"] and error["message_en"]


@pytest.mark.parametrize("change, field", [
    ({"submission_id": "123"}, "submission_id"),
    ({"answers": ["age", 3]}, "answers"),
    ({"paradata": "fast"}, "paradata"),
])
def test_bad_fields_are_400_naming_the_field(client, entry, change, field):
    reply = client.post("/api/v1/submissions", json=dict(body(entry=entry.code), **change))
    assert reply.status_code == 400
    assert reply.get_json()["error"]["field"] == field


def test_entry_and_token_together_or_neither_are_400(client, entry):
    assert client.post("/api/v1/submissions", json=body()).status_code == 400
    both = client.post("/api/v1/submissions", json=body(entry=entry.code, token="x"))
    assert both.status_code == 400 and "entry" in both.get_json()["error"]["message_en"]


def test_get_entry_describes_round_unit_and_questionnaire(client, entry):
    reply = client.get(f"/api/v1/entries/{entry.code}")
    assert reply.status_code == 200
    data = reply.get_json()
    assert data["round"]["code"] == entry.round.code and data["round"]["anonymous"] is True
    assert data["unit"] == {"code": entry.unit.code, "name": entry.unit.name, "unit_type": "agency"}
    assert data["questionnaire"]["id"] == "test_form" and data["questionnaire"]["version"] == "1"
    definition = client.get(data["questionnaire"]["url"])
    assert definition.status_code == 200
    assert definition.get_json() == entry.questionnaire.content
    assert definition.headers["ETag"] == f'"{entry.questionnaire.content_hash}"'
    cached = client.get(data["questionnaire"]["url"], headers={"If-None-Match": definition.headers["ETag"]})
    assert cached.status_code == 304


def test_definition_round_trips_into_the_same_questionnaire(client, entry):
    from questionnaires import Questionnaire

    data = client.get("/api/v1/questionnaires/test_form/1").get_json()
    assert Questionnaire.from_dict(data).content_hash == entry.questionnaire.content_hash


def test_unknown_entry_questionnaire_and_route_are_json_404(client, entry):
    assert client.get("/api/v1/entries/nothing").status_code == 404
    assert client.get("/api/v1/questionnaires/test_form/99").status_code == 404
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing.get_json()["error"]["message_en"]
    assert client.get("/api/v1/submissions").status_code == 405


def test_revoked_entry_is_410(client, entry):
    entry.revoked = True
    db.session.commit()
    assert client.get(f"/api/v1/entries/{entry.code}").status_code == 410


def test_a_published_questionnaire_is_built_once_and_its_content_not_reloaded(client, entry,
                                                                            monkeypatch):
    from survey_app.operations import answer_sources

    built = []
    real = answer_sources.load_questionnaire
    monkeypatch.setattr(answer_sources, "_built", type(answer_sources._built)())
    monkeypatch.setattr(answer_sources, "load_questionnaire",
                        lambda row: built.append(row.content_hash) or real(row))
    for _ in range(3):
        assert client.post("/api/v1/submissions", json=body(entry=entry.code)).status_code == 201
    assert built == [entry.questionnaire.content_hash]
    assert count_responses() == 3


def _statements_of(app, client, payload) -> tuple[list[tuple[str, bool]], object]:
    """``(first word, the connection in autocommit)`` of each statement one submission ran, and
    the reply; BEGIN and COMMIT are seen by the engine's own events."""
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    autocommit = {"postgresql": lambda dbapi: dbapi.autocommit,
                  "sqlite": lambda dbapi: dbapi.isolation_level is None}[engine.dialect.name]
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement.split()[0].upper(),
                           autocommit(conn.connection.dbapi_connection)))

    def begin(conn):
        if not autocommit(conn.connection.dbapi_connection):
            statements.append(("BEGIN", False))

    db.session.remove()  # a request starts with a session of its own, in no transaction
    event.listen(engine, "before_cursor_execute", record)
    event.listen(engine, "begin", begin)
    try:
        reply = client.post("/api/v1/submissions", json=payload)
    finally:
        event.remove(engine, "before_cursor_execute", record)
        event.remove(engine, "begin", begin)
    return statements, reply


def test_a_new_submission_is_one_select_and_one_insert(client, entry, app):
    """The source, its round, unit and form header in one query; no read-back of the new row. On
    PostgreSQL without BEGIN and COMMIT: the connection is in autocommit, the INSERT commits by
    itself (SQLite's transaction costs no round trip and is kept)."""
    client.post("/api/v1/submissions", json=body(entry=entry.code))  # the form is built now
    statements, reply = _statements_of(app, client, body(entry=entry.code))
    assert reply.status_code == 201
    if db.engine.dialect.name == "postgresql":
        assert statements == [("SELECT", True), ("INSERT", True)], statements
    else:
        assert statements == [("BEGIN", False), ("SELECT", False), ("INSERT", False)], statements
    assert count_responses() == 2


def test_an_invitation_is_consumed_in_a_transaction_after_an_entry_submission(client, entry,
                                                                             app):
    """The connection a QR submission used in autocommit goes back to the pool as it was: the
    next submission, by invitation, consumes its token and stores its answers in one
    transaction."""
    invitation, token = invitation_for()
    db.session.commit()
    assert client.post("/api/v1/submissions", json=body(entry=entry.code)).status_code == 201
    statements, reply = _statements_of(app, client, body(token=token))
    assert reply.status_code == 201
    assert statements[0] == ("BEGIN", False)
    words = [word for word, _ in statements]
    assert "UPDATE" in words and "INSERT" in words
    assert not any(in_autocommit for _, in_autocommit in statements), statements


def test_a_retry_after_the_round_closed_with_answers_now_invalid_gets_its_receipt(client, entry):
    payload = body(entry=entry.code)
    first = client.post("/api/v1/submissions", json=payload).get_json()
    entry.round.status = "closed"
    db.session.commit()
    again = client.post("/api/v1/submissions", json=dict(payload, answers={"age": "abc"}))
    assert again.status_code == 200 and again.get_json() == first
    assert count_responses() == 1


def test_invalid_answers_read_in_english_through_the_catalogue(client, entry):
    reply = client.post("/api/v1/submissions", json=body(entry=entry.code, answers={"age": "x"}))
    error = reply.get_json()["error"]
    assert error["code"] == "invalid_answers"
    assert (error["message_vi"], error["message_en"]) == ("Một số câu trả lời chưa hợp lệ.",
                                                          "Some answers are not valid.")
