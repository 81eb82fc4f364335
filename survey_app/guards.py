"""Guards every request passes before a view runs: bounded bodies, strict JSON, 64-bit ids, no NUL.

* **Body size per route.** Uploads (frames, the self-assessment CSV) may send up to
  ``MAX_UPLOAD_BYTES``; every other request (answer pages, the JSON API, staff forms) up to
  ``MAX_REQUEST_BYTES``. A larger body is refused with 413 before it is read.
* **Strict JSON.** The app's JSON parser refuses ``NaN``/``Infinity``, numbers beyond 64 bits or
  floating point, nesting deeper than ``MAX_JSON_DEPTH``, and NUL characters or lone surrogates
  in strings; a JSON body that fails is a 400 with a sentence, never a 500.
* **Ids in URLs.** ``<int:...>`` accepts at most 10 digits and values up to 2**31 − 1 (the id
  columns are PostgreSQL ``integer``), so an id no id column can hold — 64-bit and beyond
  included — is a 404, not a database error.
* **NUL characters** in the path, the query string, form fields or JSON are a 400: PostgreSQL
  cannot store or even compare them.

Refusals answer in JSON (``survey_app.api.errors`` shape) under ``/api/`` and as a short page in
the reader's language elsewhere; nothing is stored.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider
from markupsafe import escape
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter, ValidationError

INT64_MAX = 2**63 - 1
ID_MAX = 2**31 - 1  # id columns are SQL INTEGER (32-bit on PostgreSQL)
MAX_JSON_DEPTH = 32
# Endpoints that take file uploads and so may receive MAX_UPLOAD_BYTES.
UPLOAD_ENDPOINTS = frozenset({"admin.frame_upload", "results.par_index"})
# Questionnaire files are small: their upload may send a 5 MiB file and its form, no more
# (``operations.questionnaire_library.MAX_FORM_BYTES`` refuses a larger file by its name).
FORM_UPLOAD_ENDPOINTS = frozenset({"admin.questionnaire_import"})
FORM_UPLOAD_BYTES = 6 * 1024 * 1024
# ODK Collect's submission: the instance XML and its attachments (``survey_app.openrosa``).
ODK_SUBMISSION_ENDPOINTS = frozenset({"openrosa.submission"})
ODK_SUBMISSION_BYTES = 10 * 1024 * 1024


class JSONRefused(ValueError):
    """A JSON document the app will not take; ``message_vi`` and ``message_en`` say why."""

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(f"{message_vi} / {message_en}")
        self.message_vi = message_vi
        self.message_en = message_en


def _refuse_constant(name: str):
    raise JSONRefused(f"JSON không nhận giá trị {name}.", f"JSON may not hold {name}.")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 19 or abs(value := int(text)) > INT64_MAX:
        raise JSONRefused("Số trong JSON quá lớn.", "A number in the JSON is too large.")
    return value


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONRefused("Số trong JSON quá lớn.", "A number in the JSON is too large.")
    return value


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise JSONRefused(
            "Nội dung chứa ký tự NUL (\\u0000), không được nhận.",
            "The body holds a NUL character (\\u0000), which is not accepted.",
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise JSONRefused(
            "Nội dung chứa ký tự Unicode không hợp lệ.",
            "The body holds an invalid Unicode character.",
        ) from None


def check_json_value(value: Any) -> None:
    """Raise :class:`JSONRefused` for nesting deeper than ``MAX_JSON_DEPTH`` or bad strings."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                raise JSONRefused(
                    f"JSON lồng nhau quá {MAX_JSON_DEPTH} tầng.",
                    f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.",
                )
            if isinstance(item, dict):
                for key, child in item.items():
                    _check_text(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


def _plainly_bounded(text: str | bytes) -> bool:
    """True when a parsed JSON text cannot hold what :func:`check_json_value` looks for, so the
    walk is skipped. UTF-8 bytes without a zero byte, a ``\\u`` escape or the lead byte 0xED (of
    an encoded surrogate) hold no NUL and no lone surrogate once parsed (JSON refuses raw control
    characters in strings); with at most ``MAX_JSON_DEPTH`` opening brackets, nesting is at most
    that deep."""
    return (isinstance(text, bytes) and b"\x00" not in text and b"\\u" not in text
            and b"\xed" not in text and text.count(b"[") + text.count(b"{") <= MAX_JSON_DEPTH)


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider whose ``loads`` refuses what the database or analysis cannot hold."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = json.loads(
                s,
                parse_constant=_refuse_constant,
                parse_int=_bounded_int,
                parse_float=_finite_float,
                **kwargs,
            )
        except RecursionError:
            raise JSONRefused(
                f"JSON lồng nhau quá {MAX_JSON_DEPTH} tầng.",
                f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.",
            ) from None
        if not _plainly_bounded(s):
            check_json_value(value)
        return value


class IdConverter(IntegerConverter):
    """``<int:...>`` limited to what an id column holds: anything larger is a 404."""

    regex = r"\d{1,10}"

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        if len(value) > 10:
            raise ValidationError()
        return super().to_python(value)


def body_limit() -> int:
    """The largest body the current request may send."""
    config = current_app.config
    if request.endpoint in UPLOAD_ENDPOINTS:
        return config["MAX_UPLOAD_BYTES"]
    if request.endpoint in FORM_UPLOAD_ENDPOINTS:
        return max(config["MAX_REQUEST_BYTES"], FORM_UPLOAD_BYTES)
    if request.endpoint in ODK_SUBMISSION_ENDPOINTS:
        return ODK_SUBMISSION_BYTES
    return config["MAX_REQUEST_BYTES"]


def _refusal(status: int, code: str, message_vi: str, message_en: str):
    if request.path.startswith("/api/"):
        from survey_app.api.errors import error_body

        return error_body(status, code, message_vi, message_en)
    from survey_app.i18n import current_lang

    english = current_lang() == "en"
    message = message_en if english else message_vi
    if request.path.startswith("/openrosa/"):  # ODK Collect shows an OpenRosa message
        from survey_app.openrosa import message_response

        return message_response(message, status)
    language = "en" if english else "vi"
    page = (
        f'<!doctype html><html lang="{language}"><meta charset="utf-8"><title>{status}</title>'
        f'<p role="alert">{escape(message)}</p></html>'
    )
    return page, status, {"Content-Type": "text/html; charset=utf-8"}


def _too_large(limit: int):
    size = f"{limit / (1024 * 1024):.1f} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
    return _refusal(
        413,
        "request_entity_too_large",
        f"Nội dung gửi lên quá lớn (tối đa {size}).",
        f"The request body is too large (at most {size}).",
    )


def _has_nul() -> bool:
    if "\x00" in request.path or b"%00" in request.query_string or b"\x00" in request.query_string:
        return True
    if any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
        return True
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return any(
            "\x00" in key or "\x00" in value for key, value in request.form.items(multi=True)
        )
    return False


def guard_request():
    """``before_request``: refuse oversized bodies, bad JSON and NUL characters."""
    limit = body_limit()
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        return _too_large(limit)
    try:
        if _has_nul():
            return _refusal(
                400,
                "bad_request",
                "Địa chỉ hoặc nội dung gửi lên chứa ký tự NUL, không được nhận.",
                "The address or the body holds a NUL character, which is not accepted.",
            )
        if request.is_json and request.content_length != 0:
            # A body without Content-Length is cut silently at the stream's limit: read one byte
            # more than allowed to tell a body that fits from one that was cut.
            request.max_content_length = limit + 1
            data = request.get_data(cache=True)
            request.max_content_length = limit
            if len(data) > limit:
                return _too_large(limit)
            # Parsed once: get_json keeps the value for the view (and None when it fails).
            if data.strip() and request.get_json(silent=True) is None:
                try:
                    current_app.json.loads(data)  # again, only to say why it failed
                except JSONRefused as refused:
                    return _refusal(400, "bad_request", refused.message_vi, refused.message_en)
                except ValueError:
                    return _refusal(
                        400,
                        "bad_request",
                        "Nội dung không phải JSON hợp lệ.",
                        "The body is not valid JSON.",
                    )
    except RequestEntityTooLarge:
        return _too_large(limit)
    return None


def handle_too_large(exc: HTTPException):
    """413 raised while a view reads its body: the same sentence as the guard's."""
    return _too_large(body_limit())


def init_app(app: Flask) -> None:
    """Install the JSON provider and the int converter (before any route is added) and the guard."""
    app.json = StrictJSONProvider(app)
    app.url_map.converters["int"] = IdConverter
    app.before_request(guard_request)
    app.register_error_handler(RequestEntityTooLarge, handle_too_large)
