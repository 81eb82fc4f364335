"""``POST /api/v1/submissions``: one submission, stored exactly once, for tablets and phone interviews."""
from __future__ import annotations

from flask import request

from survey_app.api import bp
from survey_app.api.errors import error_body
from survey_app.extensions import db
from survey_app.operations.answer_sources import resolve_entry_for_submission
from survey_app.operations.invitation_bundles import resolve_token
from survey_app.operations.paradata import DEVICE_CLASSES, device_class
from survey_app.operations.submissions import (
    answer_errors,
    normalise_submission_id,
    store_in_one_statement,
    submit,
)
from survey_app.refusals import N_, Refused


def _bad_request(message_id: str, field: str | None = None, status: int = 400,
                 code: str = "bad_request"):
    refused = Refused(message_id, status=status, code=code)
    extra = {"field": field} if field else {}
    return error_body(status, code, refused.message("vi"), refused.message("en"), **extra)


def _refused(refused: Refused):
    """A refusal as the API's JSON error; invalid answers list each error in both languages."""
    db.session.rollback()
    extra = {}
    errors = answer_errors(refused)
    if errors:
        extra["errors"] = [{"question": e.question, "code": e.code, "message_vi": e.message_vi,
                            "message_en": e.message_en} for e in errors]
    return error_body(refused.status, refused.code, refused.message("vi"), refused.message("en"),
                      **extra)


def _read_body():
    """The JSON object of the request, or ``(None, error response)``."""
    if not request.is_json:
        return None, _bad_request(N_("Nội dung phải là JSON (Content-Type: application/json)."),
                                  status=415, code="unsupported_media_type")
    body = request.get_json(silent=True)
    if body is None:
        return None, _bad_request(N_("Nội dung không phải JSON hợp lệ."))
    if not isinstance(body, dict):
        return None, _bad_request(N_("Nội dung phải là một đối tượng JSON."))
    return body, None


@bp.post("/submissions")
def create_submission():
    body, problem = _read_body()
    if problem is not None:
        return problem
    entry, token = body.get("entry"), body.get("token")
    if (entry is None) == (token is None):
        return _bad_request(N_("Cần đúng một trong hai trường 'entry' (mã QR) hoặc 'token' (lời mời)."))
    if not isinstance(entry if entry is not None else token, str):
        return _bad_request(N_("'entry' hoặc 'token' phải là chuỗi ký tự."))
    try:
        submission_id = normalise_submission_id(body.get("submission_id"))
    except Refused as refused:
        return _bad_request(refused.message_id, field="submission_id")
    answers = body.get("answers")
    if not isinstance(answers, dict):
        return _bad_request(N_("'answers' phải là một đối tượng: tên câu hỏi → câu trả lời."),
                            field="answers")
    paradata = body.get("paradata", {})
    if not isinstance(paradata, dict):
        return _bad_request(N_("'paradata' phải là một đối tượng."), field="paradata")
    claimed_device = paradata.get("device")
    device = (claimed_device if claimed_device in DEVICE_CLASSES
              else device_class(request.headers.get("User-Agent")))
    if entry is not None:  # one INSERT and nothing else: no transaction around it
        store_in_one_statement()
    try:
        source = (resolve_entry_for_submission(entry) if entry is not None
                  else resolve_token(token, body.get("unit")))
        receipt = submit(source, submission_id, answers, paradata=paradata, device=device,
                         channel="api_entry" if entry is not None else "api_token")
    except Refused as refused:
        return _refused(refused)
    db.session.commit()
    return receipt.to_json(), 201 if receipt.created else 200
