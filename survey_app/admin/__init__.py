"""Staff pages of the Department of Home Affairs: rounds, rating matrix, frames, samples,
invitations, QR entry points and the monitor. Views call ``survey_app.operations``; no statistics
here."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from survey_app.admin import (  # noqa: E402, F401 (the routes need bp)
    collect_keys,
    entry_points,
    interviewers,
    fieldwork,
    frames,
    invitation_bundles,
    invitation_files,
    invitations,
    monitor,
    plans,
    questionnaires,
    rounds,
)
