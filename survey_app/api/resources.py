"""Read-only resources an interviewer app needs: what an entry code serves, and the definition."""
from __future__ import annotations

from flask import request, url_for

from survey_app.api import bp
from survey_app.api.errors import error_body
from survey_app.extensions import db
from survey_app.models import QuestionnaireVersion
from survey_app.operations.submissions import Refusal, resolve_entry


@bp.get("/entries/<code>")
def entry(code: str):
    try:
        source = resolve_entry(code)
    except Refusal as refusal:
        return error_body(refusal.status, refusal.kind, refusal.message_vi, refusal.message_en)
    refusal = source.refusal()
    if refusal is not None:
        return error_body(refusal.status, refusal.kind, refusal.message_vi, refusal.message_en)
    row, survey_round, unit = source.questionnaire_row, source.round, source.rated_unit
    return {
        "code": source.entry_point.code,
        "counter": source.entry_point.counter,
        "round": {"code": survey_round.code, "title": survey_round.title, "year": survey_round.year,
                  "status": survey_round.status, "anonymous": survey_round.anonymous},
        "unit": {"code": unit.code, "name": unit.name, "unit_type": unit.unit_type},
        "respondent_group": source.respondent_group,
        "questionnaire": {
            "id": row.form_key, "version": row.version, "content_hash": row.content_hash,
            "url": url_for("api.questionnaire", form_key=row.form_key, version=row.version),
        },
    }


@bp.get("/questionnaires/<form_key>/<version>")
def questionnaire(form_key: str, version: str):
    row = db.session.scalar(db.select(QuestionnaireVersion).filter_by(
        form_key=form_key, version=version, status="published"))
    if row is None:
        return error_body(404, "unknown", "Không có phiếu khảo sát với mã và phiên bản này.",
                          "There is no published questionnaire with this id and version.")
    etag = f'"{row.content_hash}"'
    if etag in request.headers.get("If-None-Match", ""):
        return "", 304, {"ETag": etag}
    return row.content, 200, {"ETag": etag, "Cache-Control": "public, max-age=3600"}
