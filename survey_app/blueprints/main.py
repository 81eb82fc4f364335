"""The landing page and health check."""
from __future__ import annotations

from flask import Blueprint, render_template

from survey_app.operations.lookups import database_ok

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/healthz")
def healthz():
    database_ok()
    return {"status": "ok"}
