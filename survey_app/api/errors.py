"""JSON error bodies: ``{"error": {"code", "message_vi", "message_en", ...}}``, never an HTML
page."""
from __future__ import annotations

from flask import jsonify
from werkzeug.exceptions import HTTPException

from survey_app.api import bp

MESSAGES = {
    400: ("Yêu cầu không hợp lệ.", "The request is not valid."),
    404: ("Không tìm thấy.", "Not found."),
    405: ("Phương thức không được hỗ trợ cho địa chỉ này.", "This method is not allowed here."),
    413: ("Nội dung gửi lên quá lớn.", "The request body is too large."),
    415: ("Nội dung phải là JSON (Content-Type: application/json).", "The body must be JSON."),
}


def error_body(status: int, code: str, message_vi: str, message_en: str, **extra):
    """A JSON error response with both messages."""
    payload = {"code": code, "message_vi": message_vi, "message_en": message_en}
    payload.update(extra)
    response = jsonify({"error": payload})
    response.status_code = status
    return response


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    vi, en = MESSAGES.get(exc.code or 500, ("Lỗi máy chủ.", "Server error."))
    return error_body(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"), vi, en)
