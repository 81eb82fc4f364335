"""``POST /api/v1/submissions``: one submission, stored exactly once, for tablets and phone interviews."""
from __future__ import annotations

from typing import Any

from flask import request

from survey_app.api import bp
from survey_app.api.errors import error_body
from survey_app.extensions import db
from survey_app.operations.submissions import (
    Refusal, device_class, normalise_submission_id, resolve_entry, resolve_invitation, submit,
)


def _bad_request(message_vi: str, message_en: str, field: str | None = None):
    extra = {"field": field} if field else {}
    return error_body(400, "bad_request", message_vi, message_en, **extra)


def _refused(refusal: Refusal):
    extra: dict[str, Any] = {}
    if refusal.errors:
        extra["errors"] = [
            {"question": e.question, "code": e.code, "message_vi": e.message_vi, "message_en": e.message_en}
            for e in refusal.errors
        ]
    return error_body(refusal.status, refusal.kind if refusal.kind != "invalid" else "invalid_answers",
                      refusal.message_vi, refusal.message_en, **extra)


def _read_body() -> tuple[dict | None, Any]:
    """The JSON object of the request, or ``(None, error response)``."""
    if not request.is_json:
        return None, error_body(415, "unsupported_media_type", "Nội dung phải là JSON (Content-Type: "
                                "application/json).", "The body must be JSON (Content-Type: application/json).")
    body = request.get_json(silent=True)
    if body is None:
        return None, _bad_request("Nội dung không phải JSON hợp lệ.", "The body is not valid JSON.")
    if not isinstance(body, dict):
        return None, _bad_request("Nội dung phải là một đối tượng JSON.", "The body must be a JSON object.")
    return body, None


@bp.post("/submissions")
def create_submission():
    body, problem = _read_body()
    if problem is not None:
        return problem
    entry, token = body.get("entry"), body.get("token")
    if (entry is None) == (token is None):
        return _bad_request("Cần đúng một trong hai trường 'entry' (mã QR) hoặc 'token' (lời mời).",
                            "Give exactly one of 'entry' (a QR entry code) or 'token' (an invitation token).")
    if not isinstance(entry if entry is not None else token, str):
        return _bad_request("'entry' hoặc 'token' phải là chuỗi ký tự.", "'entry' or 'token' must be a string.")
    try:
        submission_id = normalise_submission_id(body.get("submission_id"))
    except ValueError:
        return _bad_request("'submission_id' phải là một UUID, do thiết bị tạo một lần cho mỗi phiếu.",
                            "'submission_id' must be a UUID, made once per questionnaire by the device.",
                            field="submission_id")
    answers = body.get("answers")
    if not isinstance(answers, dict):
        return _bad_request("'answers' phải là một đối tượng: tên câu hỏi → câu trả lời.",
                            "'answers' must be an object mapping question names to answers.", field="answers")
    paradata = body.get("paradata", {})
    if not isinstance(paradata, dict):
        return _bad_request("'paradata' phải là một đối tượng.", "'paradata' must be an object.", field="paradata")
    try:
        source = resolve_entry(entry) if entry is not None else resolve_invitation(token)
        receipt = submit(source, submission_id, answers, paradata=paradata,
                         channel="api_entry" if entry is not None else "api_token",
                         device=paradata.get("device") if paradata.get("device") in ("mobile", "tablet", "desktop")
                         else device_class(request.headers.get("User-Agent")))
    except Refusal as refusal:
        db.session.rollback()
        return _refused(refusal)
    db.session.commit()
    return receipt.to_json(), 201 if receipt.created else 200
