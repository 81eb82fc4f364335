"""Export API: ``GET /api/v1/rounds/<code>/export`` (contract JSON, CSV, XLSX, SPSS .sav, checksum),
``GET /api/v1/contract/schema``, and the status and file of background export jobs
(``GET /api/v1/exports/<id>`` and ``/download``). Views only call operations."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/api/v1")

from survey_app.exports import routes  # noqa: E402, F401 (the routes need bp)
