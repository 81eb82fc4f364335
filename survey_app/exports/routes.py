"""Routes of the export API.

Authorisation: a logged-in session of an ``admin`` or ``council`` user (401 without a session,
403 for other roles). Only published rounds are exported: the operations refuse anything else
(``Refused``: 404 unknown round, 400 unknown format or table, 409 unpublished round), and the
app-wide handler answers with the JSON error in both languages. The file is built once,
its SHA-256 is sent in the ``X-Checksum-SHA256`` header (and as ``?format=sha256``), and the body
is streamed in chunks so that large files do not sit in the response buffer.
"""
from __future__ import annotations

from flask import Response, g, jsonify, request, stream_with_context

from analysis.contract import contract_schema
from survey_app.api.errors import error_body
from survey_app.downloads import content_disposition
from survey_app.exports import bp
from survey_app.operations.export_jobs import job_status
from survey_app.operations.exports import check_export, export_file
from survey_app.operations.lookups import get_export_job, round_by_code

READER_ROLES = ("admin", "council")
CHUNK = 64 * 1024


ERROR_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               409: "round_not_published"}


def _problem(status: int, vi: str, en: str):
    return error_body(status, ERROR_CODES[status], vi, en)


def _refusal():
    if g.get("user") is None:
        response = _problem(401, "Cần đăng nhập để tải kết quả.", "Log in to download results.")
        response.headers["WWW-Authenticate"] = 'Cookie realm="par-survey"'
        return response
    if g.user.role not in READER_ROLES:
        return _problem(403, "Tài khoản của bạn không được tải kết quả.",
                        "Your account may not download results.")
    return None


@bp.get("/contract/schema")
def contract_schema_document():
    """The JSON Schema (2020-12) of export contract v1."""
    response = jsonify(contract_schema())
    response.mimetype = "application/schema+json"
    return response


@bp.get("/rounds/<code>/export")
def export_round(code: str):
    refusal = _refusal()
    if refusal is not None:
        return refusal
    fmt = request.args.get("format", "json")
    table = request.args.get("table") or None
    checksum_only = fmt == "sha256"
    if checksum_only:
        fmt = request.args.get("of", "json")
    survey_round = round_by_code(code)
    check_export(survey_round, fmt, table)
    export = export_file(survey_round, fmt, table=table)
    headers = {"X-Checksum-SHA256": export.sha256, "Cache-Control": "no-store"}
    if checksum_only:
        return Response(export.checksum_text(), content_type="text/plain; charset=utf-8", headers=headers)
    return _attachment(export.content, export.filename, export.mimetype, export.sha256)


def _attachment(content: bytes, filename: str, mimetype: str, sha256: str) -> Response:
    """A file sent in chunks, with its checksum in a header."""

    def chunks():
        for start in range(0, len(content), CHUNK):
            yield content[start:start + CHUNK]

    headers = {"X-Checksum-SHA256": sha256, "Cache-Control": "no-store",
               "Content-Disposition": content_disposition(filename),
               "Content-Length": str(len(content))}
    return Response(stream_with_context(chunks()), content_type=mimetype, headers=headers)


def _readable_job(job_id: int):
    """``(job, None)`` for a reader of results, else ``(None, the refusal)``."""
    refusal = _refusal()
    if refusal is not None:
        return None, refusal
    job = get_export_job(job_id)
    if job is None:
        return None, _problem(404, f"Không có tác vụ xuất dữ liệu số {job_id}.", f"There is no export job {job_id}.")
    return job, None


@bp.get("/exports/<int:job_id>")
def export_job_status(job_id: int):
    """Progress of a background export job (started from the round's results page)."""
    job, problem = _readable_job(job_id)
    if problem is not None:
        return problem
    response = jsonify(job_status(job))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/exports/<int:job_id>/download")
def export_job_download(job_id: int):
    """The finished file of a background export job; 409 while it is still being built."""
    job, problem = _readable_job(job_id)
    if problem is not None:
        return problem
    if job.effective_status() != "done":
        return error_body(409, "export_not_ready", "Tệp chưa sẵn sàng; hãy chờ tác vụ hoàn thành.",
                          "The file is not ready yet; wait until the job is done.")
    return _attachment(job.content, job.filename, job.mimetype, job.sha256)
