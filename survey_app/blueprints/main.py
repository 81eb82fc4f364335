"""The landing page and health check."""
from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import text

from survey_app.extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
