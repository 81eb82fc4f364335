"""Results pages for staff and the appraisal council: SIPAS indices and criterion points of a round
(with and without quarantined responses), response rates, points lost against last year, and the
PAR Index combined with a self-assessment CSV. Views call ``survey_app.operations``; no
statistics."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("results", __name__, url_prefix="/results")

from survey_app.results import routes  # noqa: E402, F401 (the routes need bp)
