"""``GET /api/v1/i/<token>``: what an invitation asks an interviewer to collect: its round,
questionnaire and the units to rate, each with whether it is answered (a multi-unit invitation
lists several; answers go to ``POST /api/v1/submissions`` with ``unit``). The path segment after
``/i/`` is masked in logs like the respondent's link."""
from __future__ import annotations

from flask import url_for

from survey_app.api import bp
from survey_app.operations.invitation_bundles import (
    bundle_refusal,
    bundle_units,
    find_bundle,
    resolve_token,
)

API_STATES = {"done": "answered", "started": "open", "todo": "open", "withdrawn": "withdrawn"}


def _unit(unit, state: str) -> dict:
    return {"code": unit.code, "name": unit.name, "unit_type": unit.unit_type, "status": state}


@bp.get("/i/<token>")
def invitation(token: str):
    bundle = find_bundle(token)
    if bundle is not None:
        refusal = bundle_refusal(bundle)
        if refusal is not None:
            raise refusal  # a Refused becomes the JSON error (survey_app.errors)
        units = [_unit(u.unit, API_STATES[u.state]) for u in bundle_units(bundle, token)]
        survey_round, row, group, status = (bundle.round, bundle.questionnaire,
                                            bundle.respondent_group, bundle.status)
    else:
        source = resolve_token(token)
        refusal = source.refusal()
        if refusal is not None and refusal.code != "used":
            raise refusal
        status = source.invitation.status
        units = [_unit(source.rated_unit, "answered" if status == "used" else "open")]
        survey_round, row, group = source.round, source.questionnaire_row, source.respondent_group
    return {
        "round": {"code": survey_round.code, "title": survey_round.title, "year": survey_round.year,
                  "status": survey_round.status, "anonymous": survey_round.anonymous},
        "respondent_group": group,
        "questionnaire": {
            "id": row.form_key, "version": row.version, "content_hash": row.content_hash,
            "url": url_for("api.questionnaire", form_key=row.form_key, version=row.version),
        },
        "multi_unit": bundle is not None,
        "status": status,
        "units": units,
    }
