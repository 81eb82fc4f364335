"""Read-only resources an interviewer app needs: what an entry code serves, and the definition."""
from __future__ import annotations

from flask import request, url_for

from survey_app.api import bp
from survey_app.operations.answer_sources import find_published_questionnaire, resolve_entry
from survey_app.refusals import N_, Refused


@bp.get("/entries/<code>")
def entry(code: str):
    source = resolve_entry(code)  # a Refused becomes the JSON error (survey_app.errors)
    refusal = source.refusal()
    if refusal is not None:
        raise refusal
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
    row = find_published_questionnaire(form_key, version)
    if row is None:
        raise Refused(N_("Không có phiếu khảo sát với mã và phiên bản này."), status=404,
                      code="unknown")
    etag = f'"{row.content_hash}"'
    if etag in request.headers.get("If-None-Match", ""):
        return "", 304, {"ETag": etag}
    return row.content, 200, {"ETag": etag, "Cache-Control": "public, max-age=3600"}
