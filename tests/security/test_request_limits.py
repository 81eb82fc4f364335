"""Request bodies, JSON and URLs are bounded: each attack is refused with a sentence, nothing is
stored and no 5xx is answered (issue 14)."""

from __future__ import annotations

import io
import uuid

import pytest

from survey_app.extensions import db
from survey_app.models import Draft, Response
from tests.builders import (
    GOOD_ANSWERS,
    create_scored_round,
    create_user,
    log_in,
    open_round_with_entry,
)


@pytest.fixture
def entry(app_ctx):
    entry = open_round_with_entry()
    db.session.commit()
    return entry


def stored() -> int:
    db.session.rollback()
    return db.session.scalar(db.select(db.func.count()).select_from(Response)) + db.session.scalar(
        db.select(db.func.count()).select_from(Draft)
    )


def payload(entry, **answers) -> dict:
    return {
        "entry": entry.code,
        "submission_id": str(uuid.uuid4()),
        "answers": {**GOOD_ANSWERS, **answers},
    }


def assert_json_refusal(reply, status: int) -> dict:
    assert reply.status_code == status, reply.get_data()[:300]
    error = reply.get_json()["error"]
    assert error["message_vi"] and error["message_en"] and error["code"]
    return error


def test_a_one_megabyte_answer_is_refused_as_too_large(client, entry):
    reply = client.post("/api/v1/submissions", json=payload(entry, comment="x" * 1_000_000))
    error = assert_json_refusal(reply, 413)
    assert "quá lớn" in error["message_vi"] and "too large" in error["message_en"]
    assert stored() == 0


def test_a_body_without_content_length_is_cut_at_the_limit(client, entry, app):
    import json

    body = json.dumps(payload(entry, comment="x" * (app.config["MAX_REQUEST_BYTES"] + 10))).encode()

    reply = client.post(
        "/api/v1/submissions",
        input_stream=io.BytesIO(body),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": None},
    )
    assert reply.status_code == 413
    assert stored() == 0


def test_a_text_over_its_length_limit_is_refused_with_the_question_named(client, entry):
    reply = client.post("/api/v1/submissions", json=payload(entry, comment="ă" * 2001))
    error = assert_json_refusal(reply, 422)
    assert [(e["question"], e["code"]) for e in error["errors"]] == [("comment", "max_length")]
    assert "2000" in error["errors"][0]["message_vi"]
    assert stored() == 0
    reply = client.post("/api/v1/submissions", json=payload(entry, comment="ă" * 2000))
    assert reply.status_code == 201
    assert db.session.scalar(db.select(Response.answers))["comment"] == "ă" * 2000


def test_control_characters_are_removed_from_text_answers(client, entry):
    text = "a\x01b\x1bc\x7fd\x85e\u202ef\r\ng\th 😀"
    reply = client.post("/api/v1/submissions", json=payload(entry, comment=text))
    assert reply.status_code == 201
    # a single-line question: line breaks and tab become spaces; bidi marks and emoji stay
    assert db.session.scalar(db.select(Response.answers))["comment"] == "abcde\u202ef g h 😀"


@pytest.mark.parametrize(
    "raw",
    [
        '{"answers": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"answers": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}",
        '{"answers": {"age": ' + "1" + "0" * 400 + "}}",
        '{"answers": {"age": 1e400}}',
        '{"answers": {"age": NaN}}',
        '{"answers": {"comment": "a\\u0000b"}}',
        '{"answers": {"comment": "a\\ud800b"}}',
        '{"answers": {"a\\u0000": "1"}}',
    ],
)
def test_bad_json_is_a_400_with_a_sentence(client, entry, raw):
    raw = raw.replace(
        '{"answers"', f'{{"entry": "{entry.code}", "submission_id": "{uuid.uuid4()}", "answers"', 1
    )
    reply = client.post("/api/v1/submissions", data=raw, content_type="application/json")
    assert_json_refusal(reply, 400)
    assert stored() == 0


@pytest.mark.parametrize(
    "encoded", [b"a\xed\xa0\x80b", "a\ud800b".encode("utf-16-le", "surrogatepass")]
)
def test_a_lone_surrogate_sent_as_raw_bytes_is_a_400(client, entry, encoded):
    """Not only as a ``\\u`` escape: as UTF-8 bytes of a surrogate, or inside a UTF-16 body."""
    head = (f'{{"entry": "{entry.code}", "submission_id": "{uuid.uuid4()}", '
            f'"answers": {{"comment": "')
    if encoded.startswith(b"a\x00"):  # the whole body in UTF-16
        raw = (head.encode("utf-16-le") + encoded + '"}}'.encode("utf-16-le"))
    else:
        raw = head.encode() + encoded + b'"}}'
    reply = client.post("/api/v1/submissions", data=raw, content_type="application/json")
    assert_json_refusal(reply, 400)
    assert stored() == 0


def test_numbers_beyond_what_analysis_holds_are_refused_as_answers(client, entry):
    for age in (2**60, "1" * 5000, "9" * 17):
        reply = client.post("/api/v1/submissions", json=payload(entry, age=age))
        error = assert_json_refusal(reply, 422)
        assert error["errors"][0]["question"] == "age"
    assert stored() == 0


def test_nul_in_a_url_query_or_form_is_a_400_on_every_database(client, entry):
    for url in (f"/s/{entry.code}%00", "/s/%00", f"/s/{entry.code}?lang=vi%00"):
        reply = client.get(url)
        assert reply.status_code == 400, url
        assert "NUL" in reply.get_data(as_text=True)
    reply = client.get("/api/v1/entries/abc%00")
    assert_json_refusal(reply, 400)
    reply = client.post(f"/s/{entry.code}", data={"age": "4\x002", "_page": "profile"})
    assert reply.status_code == 400
    assert stored() == 0


def test_html_refusals_follow_the_language_switch(client, entry):
    from flask_babel import refresh

    assert "ký tự NUL" in client.get("/s/%00").get_data(as_text=True)
    refresh()  # the test's app context is shared by its requests: forget the cached locale
    assert client.get(f"/s/{entry.code}?lang=en").status_code == 200
    refresh()
    page = client.get("/s/%00").get_data(as_text=True)
    assert "NUL character" in page and 'lang="en"' in page


def test_ids_beyond_64_bits_are_404(client, app_ctx):
    create_scored_round(status="published")
    user = create_user("admin")
    db.session.commit()
    log_in(client, user)
    for huge in (2**31, 2**63, 2**64 + 1, 10**30, int("9" * 400)):
        for url in (
            f"/api/v1/exports/{huge}",
            f"/api/v1/exports/{huge}/download",
            f"/results/KQ-2025/exports/{huge}",
            f"/admin/rounds/{huge}",
            f"/admin/rounds/{huge}/frames/1",
        ):
            reply = client.get(url)
            assert reply.status_code == 404, (url, reply.status_code)
    reply = client.get(f"/api/v1/exports/{2**31 - 1}")  # the largest id: looked up, not found
    assert reply.status_code == 404 and "2147483647" in reply.get_json()["error"]["message_en"]
