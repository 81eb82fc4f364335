"""The JSON API under ``/api/v1``: submissions, entry points, questionnaire definitions, OpenAPI.

Routes live in one module per resource and register on ``bp``; each is described in
``openapi.json`` (or a fragment under ``openapi.d/``). The API is CSRF-exempt: an entry code or
an invitation token in the body authorises a submission.
"""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from survey_app.api import errors, invitations, openapi, resources, submissions  # noqa: E402,F401  (register routes)
