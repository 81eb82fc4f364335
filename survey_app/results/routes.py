"""Routes of the results pages (admin and council; quality flags by admins only)."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, SelectField

from survey_app.auth import login_required
from survey_app.i18n import current_lang
from survey_app.extensions import db
from survey_app.models import SurveyRound
from survey_app.operations import lookups
from survey_app.operations.analysis_cache import cached_analysis
from survey_app.operations.analysis_run import (
    DEFAULT_MIN_N,
    apply_quality_flags,
    load_round_pack,
)
from survey_app.operations.combined_index import (
    assessed_units,
    combine_with_previous,
    combined_index_tables,
    previous_round,
    self_assessment_template,
    survey_points_changes,
)
from survey_app.operations.export_jobs import job_status, request_export, start_export_job
from survey_app.operations.exports import round_contract
from survey_app.operations.frames import check_unpacked_size, upload_limits
from survey_app.refusals import N_, Refused
from survey_app.reports.routes import DocumentForm
from survey_app.results import bp
from survey_app.spreadsheets import send_xlsx

READERS = ("admin", "council")


class SelfAssessmentForm(FlaskForm):
    csv_file = FileField("Tệp tự đánh giá", validators=[FileRequired()])
    exclusions_file = FileField("Tệp CSV đơn vị không xếp hạng")
    previous_file = FileField("Kết quả năm trước")


class QualityForm(FlaskForm):
    pass


# What the background export form offers: (format, table) under a label.
EXPORT_KINDS = {  # labels marked N_ for the catalogue, translated when the form is shown
    "json": ("json", None, N_("Hợp đồng dữ liệu JSON")),
    "xlsx": ("xlsx", None, N_("Bảng kết quả XLSX")),
    "csv": ("csv", "criteria", N_("Điểm tiêu chí CSV")),
    "respondents": ("xlsx", "respondents", N_("Dữ liệu từng phiếu XLSX kèm sổ mã")),
    "sav": ("sav", None, N_("Dữ liệu từng phiếu SPSS (.sav)")),
}


class ExportForm(FlaskForm):
    kind = SelectField("Loại tệp", choices=[SelectChoice(key, lazy_gettext(label))
                                            for key, (_f, _t, label) in EXPORT_KINDS.items()])


def _round_or_404(code: str) -> SurveyRound:
    try:
        return lookups.round_by_code(code)
    except Refused:
        abort(404)


def _flash(refused: Refused) -> None:
    db.session.rollback()
    for line in refused.lines():
        flash(line, "error")


def _min_n() -> int:
    value = request.args.get("min_n", "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_MIN_N


@bp.get("/")
@login_required(*READERS)
def rounds():
    return render_template("results/rounds.html", rounds=lookups.all_rounds())


@bp.get("/<code>")
@login_required(*READERS)
def round_results(code: str):
    survey_round = _round_or_404(code)
    try:
        result = cached_analysis(survey_round, min_n=_min_n())
    except Refused as refused:
        _flash(refused)
        return redirect(url_for("results.rounds"))
    units = lookups.units_by_code()
    every = {(cp.unit, cp.criterion): cp for cp in result.points_all}
    return render_template("results/round.html", survey_round=survey_round, result=result,
                           units=units, per_unit=_changes_per_unit(survey_round, result),
                           criterion_names=lookups.criterion_names(result.pack, current_lang()),
                           every=every, quality_form=QualityForm(), export_form=ExportForm(),
                           document_form=DocumentForm(formdata=None, lang=current_lang()))


def _changes_per_unit(survey_round: SurveyRound, result) -> list:
    """Each unit's survey points against the latest published round of an earlier year (none
    without one), summed by ``analysis.combiner.unit_changes``."""
    before = previous_round(survey_round)
    if before is None:
        return []
    from analysis.combiner import unit_changes as changes_per_unit

    prior = cached_analysis(before, min_n=result.min_n)
    return changes_per_unit(survey_points_changes(result, prior))


@bp.post("/<code>/exports")
@login_required(*READERS)
def start_export(code: str):
    """Queue a background export of a published round and show its progress page."""
    survey_round = _round_or_404(code)
    form = ExportForm()
    if not form.validate_on_submit():
        flash(_("Loại tệp không hợp lệ."), "error")
        return redirect(url_for("results.round_results", code=code))
    fmt, table, _label = EXPORT_KINDS[form.kind.data]
    try:
        job = request_export(survey_round, fmt, table, g.user)
    except Refused as refused:
        _flash(refused)
        return redirect(url_for("results.round_results", code=code))
    db.session.commit()
    start_export_job(job.id)
    return redirect(url_for("results.export_job", code=code, job_id=job.id))


@bp.get("/<code>/exports/<int:job_id>")
@login_required(*READERS)
def export_job(code: str, job_id: int):
    job = lookups.get_export_job(job_id)
    if job is None or job.round.code != code:
        abort(404)
    return render_template("results/export_job.html", job=job, status=job_status(job))


@bp.post("/<code>/quality")
@login_required("admin")
def quality(code: str):
    survey_round = _round_or_404(code)
    if not QualityForm().validate_on_submit():
        abort(400)
    try:
        counts = apply_quality_flags(survey_round, user=g.user)
    except Refused as refused:
        _flash(refused)
        return redirect(url_for("results.round_results", code=code))
    db.session.commit()
    flash(_("Đã gắn cờ chất lượng: %(n)s phiếu bị cách ly (không xoá phiếu nào).",
            n=counts["quarantined"]),
          "success")
    return redirect(url_for("results.round_results", code=code))


@bp.get("/<code>/units/<unit_code>")
@login_required(*READERS)
def unit_changes(code: str, unit_code: str):
    survey_round = _round_or_404(code)
    try:
        unit = lookups.unit_by_code(unit_code)
    except Refused:
        abort(404)
    chosen = request.args.get("previous")
    before = _round_or_404(chosen) if chosen else previous_round(survey_round)
    try:
        current = cached_analysis(survey_round, min_n=_min_n())
        prior = cached_analysis(before, min_n=_min_n()) if before is not None else None
    except Refused as refused:
        _flash(refused)
        return redirect(url_for("results.round_results", code=code))
    changes = [c for c in survey_points_changes(current, prior) if c.unit == unit.code]
    if request.args.get("format") == "xlsx":
        from analysis.combiner import points_lost_table

        return send_xlsx(f"{code}-{unit.code}-diem-bi-mat.xlsx",
                         {unit.code: points_lost_table(changes, unit.code)})
    return render_template("results/unit.html", survey_round=survey_round, unit=unit,
                           previous=before, changes=changes, result=current,
                           criterion_names=lookups.criterion_names(current.pack, current_lang()))


def _upload(field) -> tuple[bytes | None, str]:
    """The bytes and file name of an optional upload (None when no file was chosen)."""
    data = field.data
    if data is None or not getattr(data, "filename", ""):
        return None, ""
    return data.read(), data.filename


@bp.route("/<code>/index", methods=["GET", "POST"])
@login_required(*READERS)
def par_index(code: str):
    """The PAR Index of a round: its survey points (a draft while unpublished) + an uploaded
    self-assessment, optional exclusions from the ranking and last year's results."""
    survey_round = _round_or_404(code)
    form = SelfAssessmentForm()
    problems, tables, compared, per_unit, rank_note = [], None, False, [], None
    criterion_names = {}
    if form.validate_on_submit():
        exclusions, _name = _upload(form.exclusions_file)
        previous, previous_name = _upload(form.previous_file)
        self_assessment = form.csv_file.data.read()
        try:
            if self_assessment[:4] == b"PK\x03\x04":  # a workbook: bounded before it is read
                check_unpacked_size(self_assessment, upload_limits()[0])
            if request.form.get("document"):  # the report (or another document) with these files
                from survey_app.reports.routes import combined_document

                reply = combined_document(survey_round, request.form["document"],
                                          self_assessment, exclusions=exclusions,
                                          previous=previous, previous_name=previous_name,
                                          min_n=_min_n())
                if reply is not None:
                    return reply
            contract = round_contract(survey_round, allow_unpublished=True, min_n=_min_n())
            pack = load_round_pack(survey_round)
            criterion_names = lookups.criterion_names(pack, current_lang())
            result, changes = combine_with_previous(
                pack, contract, self_assessment,
                exclusions=exclusions, previous=previous, previous_name=previous_name,
                units=assessed_units(contract))
            tables, compared = combined_index_tables(result, changes), changes is not None
            rank_note = {"draws": result.rank_draws, "seed": result.rank_seed}
            if compared:
                from analysis.combiner import unit_changes as changes_per_unit

                per_unit = changes_per_unit(changes)
        except Refused as refused:
            if refused.code == "combiner_problems":
                problems = refused.details
            else:
                _flash(refused)
    elif request.method == "POST":
        flash(_("Hãy chọn tệp tự đánh giá (CSV hoặc XLSX)."), "error")
    return render_template("results/index.html", survey_round=survey_round, form=form,
                           problems=problems, tables=tables, compared=compared,
                           per_unit=per_unit, criterion_names=criterion_names,
                           units=lookups.units_by_code() if tables else {},
                           rank_note=rank_note,
                           draft=not survey_round.is_published, user=g.user)


@bp.get("/<code>/index/self-assessment.xlsx")
@login_required(*READERS)
def self_assessment_xlsx(code: str):
    """The self-assessment template of a round: every self-assessed criterion of its pack for
    every unit, ready to fill in and upload on the index page."""
    survey_round = _round_or_404(code)
    try:
        headings, rows = self_assessment_template(survey_round, current_lang())
    except Refused as refused:
        _flash(refused)
        return redirect(url_for("results.par_index", code=code))
    return send_xlsx(f"tu-danh-gia-{survey_round.code}.xlsx",
                     {"tu-danh-gia": (headings, rows)}, bold_header=True)
