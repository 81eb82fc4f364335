"""Phone interviewers' pages (``/interviewer/``, role ``interviewer`` only): their assigned cases
with phone numbers, the call-attempt log and callbacks, and the questionnaire in interviewer mode
(the respondent pages of the case's invitation, with ``guidance_hint`` shown). Another
interviewer's case answers 404. Operations live in :mod:`survey_app.operations.cati`."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("interviewer", __name__, url_prefix="/interviewer")

from survey_app.interviewer import routes  # noqa: E402, F401 (the routes need bp)
