"""The landing page and health check."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import text

from survey_app.extensions import db
from survey_app.models import ImmutableRecordError

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.app_errorhandler(ImmutableRecordError)
def immutable_record_refused(exc: ImmutableRecordError):
    """The database refused to change a published record or an audit event: say so, 409."""
    db.session.rollback()
    if request.path.startswith("/api/"):
        from survey_app.api.errors import error_body

        vi, _, en = str(exc).partition(" / ")
        return error_body(409, "immutable_record", vi, en or vi)
    return render_template("refused.html", message=str(exc)), 409
