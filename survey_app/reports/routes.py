"""Staff documents of a round, started from its results page: the results report (PDF, Word), the
officials' workbook and the per-unit sheets, Vietnamese or English. Each is built by a background
job (:mod:`survey_app.operations.document_jobs`) and served from the export progress page."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField

from survey_app.auth import login_required
from survey_app.extensions import db
from survey_app.operations.document_jobs import request_document, start_document_job
from survey_app.operations.lookups import round_by_code
from survey_app.operations.reports import report_sources
from survey_app.refusals import Refused
from survey_app.reports.render import DOCUMENTS, LANGUAGES, render_document
from survey_app.spreadsheets import send_file

bp = Blueprint("reports", __name__, url_prefix="/results")


class DocumentForm(FlaskForm):
    """Which document, in which language: the results page's buttons and the page of one link."""

    document = SelectField(choices=list(DOCUMENTS))
    lang = SelectField("Ngôn ngữ", choices=[SelectChoice("vi", lazy_gettext("Tiếng Việt")),
                                            SelectChoice("en", "English")])


@bp.post("/<code>/documents")
@login_required("admin", "council")
def start_document(code: str):
    """Record a background job making one document of a round (a draft while it is unpublished)
    and show its progress page."""
    survey_round = round_by_code(code)  # an unknown code is refused with 404
    form = DocumentForm()
    if not form.validate_on_submit():
        flash(_("Loại tệp không hợp lệ."), "error")
        return redirect(url_for("results.round_results", code=code))
    job = request_document(survey_round, form.document.data, form.lang.data, g.user)
    db.session.commit()
    start_document_job(job.id)
    return redirect(url_for("results.export_job", code=code, job_id=job.id))


@bp.get("/<code>/documents/<name>")
@login_required("admin", "council")
def document(code: str, name: str):
    """A page with the button that starts the document ``name`` (links stay free of effects)."""
    if name not in DOCUMENTS:
        abort(404)
    survey_round = round_by_code(code)
    lang = request.args.get("lang") if request.args.get("lang") in LANGUAGES else "vi"
    form = DocumentForm(formdata=None, document=name, lang=lang)
    return render_template("reports/document_request.html", survey_round=survey_round,
                           name=name, form=form)


def combined_document(survey_round, name: str, self_assessment: bytes, *, exclusions=None,
                      previous=None, previous_name: str = "", min_n: int):
    """One document of a round combined with an uploaded self-assessment (and last year's
    results), in the page's language, for the PAR Index page's form; None when the files are
    refused (the page then shows why, as when it computes the index). Built in the request: the
    uploaded files are not kept."""
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
    result = render_document(name, sources, lang)
    return send_file(result.content, result.filename, result.mimetype)
