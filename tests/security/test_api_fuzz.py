"""Schemathesis against the API's own OpenAPI document (issue 14): every operation, a bounded
number of generated examples, no server error and responses as the document describes them.

The document is loaded from the app through the WSGI loader, so it is the one served at
``/api/v1/openapi.json``. A seeded database lets the path parameters and bodies reach real objects:
every other example of an operation is pointed at one (a published round's code for the exports, a
QR entry code or an invitation token for submissions, a published questionnaire, a finished export
job), the rest keep what was generated. The protected operations are called with the session
cookie of a logged-in council user. Hypothesis is derandomized and keeps no example database, so a
run is repeatable in CI, on SQLite and on PostgreSQL alike.
"""
from __future__ import annotations

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance, not_a_server_error, response_headers_conformance,
    response_schema_conformance, status_code_conformance,
)

from tests.builders import (
    create_scored_round, create_user, invitation_for, log_in, open_round_with_entry,
)

MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


@pytest.fixture
def seeded(app_ctx, client):
    """A published round with responses, an open round's QR code, an unused invitation, a finished
    export job, and a council user's session cookie."""
    from survey_app.extensions import db
    from survey_app.operations.export_jobs import request_export, run_export_job

    scored = create_scored_round(status="published")
    entry = open_round_with_entry()
    _, token = invitation_for()
    user = create_user("council")
    job = request_export(scored["round"], "csv", "criteria", user)
    db.session.commit()
    run_export_job(app_ctx, job.id)
    log_in(client, user)
    cookie = client.get_cookie("par_session")
    assert cookie is not None
    questionnaire = scored["forms"][0]
    return {
        "round": scored["round"].code, "entry": entry.code, "token": token, "job_id": job.id,
        "questionnaire": (questionnaire.form_key, questionnaire.version),
        "cookies": {"par_session": cookie.value},
    }


def _operations() -> list[tuple[str, str]]:
    """Every (method, path) the document describes; read as data, no app or database needed."""
    from survey_app.api.openapi import openapi_document

    return [(method, path) for path, item in openapi_document()["paths"].items() for method in item]


def _aim_at_seeded_objects(case, seeded, turn: int) -> None:
    """Every other example: the path parameters (or the submission's credential) name a real
    object, so the fuzzing reaches past the 404 of an unknown code."""
    if turn % 2:
        return
    path = case.operation.path
    params = case.path_parameters if case.path_parameters is not None else {}
    if path == "/rounds/{code}/export":
        params["code"] = seeded["round"]
    elif path.startswith("/exports/{job_id}"):
        params["job_id"] = seeded["job_id"]
    elif path == "/entries/{code}":
        params["code"] = seeded["entry"]
    elif path == "/questionnaires/{id}/{version}":
        params["id"], params["version"] = seeded["questionnaire"]
    elif path == "/submissions" and isinstance(case.body, dict):
        credential = "token" if "token" in case.body else "entry"
        case.body[credential] = seeded[credential]


@pytest.mark.parametrize(("method", "path"), _operations())
def test_operation_answers_without_server_error_and_as_documented(app, seeded, method, path):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema[path][method.upper()]
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                      operation.as_strategy(GenerationMode.NEGATIVE))
    turns = itertools.count()

    @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink])
    @given(case=cases)
    def run(case):
        _aim_at_seeded_objects(case, seeded, next(turns))
        case.call_and_validate(cookies=seeded["cookies"], checks=CHECKS)

    run()
