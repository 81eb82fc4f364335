"""Staff downloads of a round's documents, linked from its results page: the results report (PDF,
Word), the officials' workbook and the per-unit sheets; Vietnamese unless ``?lang=en``."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for

from survey_app.auth import login_required
from survey_app.operations.lookups import round_by_code
from survey_app.operations.reports import report_sources
from survey_app.refusals import Refused
from survey_app.spreadsheets import send_file
from survey_app.reports.render import (
    LANGUAGES,
    officials_xlsx_file,
    report_file,
    unit_sheets_file,
)

bp = Blueprint("reports", __name__, url_prefix="/results")

DOCUMENTS = {
    "report.pdf": lambda sources, lang: report_file(sources, "pdf", lang),
    "report.docx": lambda sources, lang: report_file(sources, "docx", lang),
    "tables.xlsx": officials_xlsx_file,
    "unit-sheets.pdf": unit_sheets_file,
}


@bp.get("/<code>/documents/<name>")
@login_required("admin", "council")
def document(code: str, name: str):
    """One document of a round (a draft while the round is unpublished)."""
    if name not in DOCUMENTS:
        abort(404)
    survey_round = round_by_code(code)  # an unknown code is refused with 404
    lang = request.args.get("lang") if request.args.get("lang") in LANGUAGES else "vi"
    try:
        sources = report_sources(survey_round)
    except Refused as refused:
        for line in refused.lines():
            flash(line, "error")
        return redirect(url_for("results.round_results", code=code))
    result = DOCUMENTS[name](sources, lang)
    return send_file(result.content, result.filename, result.mimetype)


def combined_document(survey_round, name: str, self_assessment: bytes, *, exclusions=None,
                      previous=None, previous_name: str = "", min_n: int):
    """One document of a round combined with an uploaded self-assessment (and last year's
    results), in the page's language, for the PAR Index page's form; None when the files are
    refused (the page then shows why, as when it computes the index)."""
    from survey_app.i18n import current_lang

    if name not in DOCUMENTS:
        abort(404)
    try:
        sources = report_sources(survey_round, self_assessment=self_assessment,
                                 previous=previous, previous_name=previous_name,
                                 exclusions=exclusions, min_n=min_n)
    except Refused:
        return None
    lang = current_lang() if current_lang() in LANGUAGES else "vi"
    result = DOCUMENTS[name](sources, lang)
    return send_file(result.content, result.filename, result.mimetype)
