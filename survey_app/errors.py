"""App-wide error handling: refusals, the product's own 403/404/410/500 pages, JSON under /api/.

A ``Refused`` raised anywhere becomes a page (or, under ``/api/``, a JSON error carrying both
languages) with its status. Anything else that escapes a view is a bug: the session is rolled
back and the 500 page is shown (the exception is logged by Flask, secrets masked).
"""
from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from survey_app.extensions import db
from survey_app.models.immutability import ImmutableRecordError
from survey_app.refusals import N_, Refused

PAGES = {
    403: (N_("Không có quyền truy cập"),
          N_("Tài khoản của Ông/Bà không có quyền xem trang này.")),
    404: (N_("Không tìm thấy trang"),
          N_("Địa chỉ này không có trên hệ thống. Vui lòng kiểm tra lại đường dẫn.")),
    410: (N_("Không còn hiệu lực"),
          N_("Đường dẫn này không còn hiệu lực.")),
    500: (N_("Lỗi hệ thống"),
          N_("Hệ thống gặp lỗi ngoài dự kiến; không có thay đổi nào được lưu. "
             "Vui lòng thử lại sau ít phút.")),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def refusal_response(refused: Refused):
    """A refusal as the page or JSON error the request expects, in the page's language."""
    db.session.rollback()
    if _wants_json():
        from survey_app.api.errors import error_body

        return error_body(refused.status, refused.code, "\n".join(refused.lines("vi")),
                          "\n".join(refused.lines("en")))
    return render_template("errors/refused.html", refusal=refused), refused.status


def immutable_record_response(exc: ImmutableRecordError):
    """The database refused to change a published record or an audit event: a 409 refusal."""
    return refusal_response(exc.refusal())


def http_error_page(exc: HTTPException):
    """403/404/410 outside the API: the product's page in the page's language; JSON under /api/."""
    if _wants_json():
        from survey_app.api.errors import http_error

        return http_error(exc)
    title, sentence = PAGES[exc.code]
    return render_template("errors/error.html", status=exc.code, title=title,
                           sentence=sentence), exc.code


def method_not_allowed(exc: HTTPException):
    """405: JSON under /api/, Werkzeug's own answer elsewhere (only a crafted request gets it)."""
    if _wants_json():
        from survey_app.api.errors import http_error

        return http_error(exc)
    return exc


def server_error_page(exc: InternalServerError):
    """An unexpected error: roll back whatever the request changed and say so."""
    db.session.rollback()
    if _wants_json():
        from survey_app.api.errors import error_body

        return error_body(500, "server_error", PAGES[500][1], "An unexpected error occurred; "
                          "nothing was saved. Please try again in a few minutes.")
    title, sentence = PAGES[500]
    return render_template("errors/error.html", status=500, title=title, sentence=sentence), 500


def init_app(app: Flask) -> None:
    app.register_error_handler(Refused, refusal_response)
    app.register_error_handler(ImmutableRecordError, immutable_record_response)
    for status in (403, 404, 410):
        app.register_error_handler(status, http_error_page)
    app.register_error_handler(405, method_not_allowed)
    app.register_error_handler(InternalServerError, server_error_page)
    from survey_app import unavailable

    unavailable.init_app(app)  # a database that cannot answer now, a full disk: 503
