"""Export API: ``GET /api/v1/rounds/<code>/export`` (contract JSON, CSV, XLSX, SPSS .sav, checksum)
and ``GET /api/v1/contract/schema``. Views only call ``survey_app.operations.exports``."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/api/v1")

from survey_app.exports import routes  # noqa: F401
