"""Routes of the results pages (admin and council; quality flags by admins only)."""
from __future__ import annotations

import io

from flask import abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from survey_app.auth import login_required
from survey_app.extensions import db
from survey_app.models import SurveyRound, Unit
from survey_app.operations.analysis_run import (
    DEFAULT_MIN_N,
    RoundNotReady,
    analyze_round,
    apply_quality_flags,
    round_by_code,
)
from survey_app.operations.combined_index import (
    combined_index_tables,
    previous_round,
    survey_points_changes,
)
from survey_app.operations.exports import RoundNotPublished, round_contract
from survey_app.results import bp

READERS = ("admin", "council")


class SelfAssessmentForm(FlaskForm):
    csv_file = FileField("Tệp CSV tự đánh giá", validators=[FileRequired()])


class QualityForm(FlaskForm):
    pass


def _round_or_404(code: str) -> SurveyRound:
    try:
        return round_by_code(code)
    except LookupError:
        abort(404)


def _min_n() -> int:
    value = request.args.get("min_n", "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_MIN_N


@bp.get("/")
@login_required(*READERS)
def rounds():
    items = db.session.scalars(db.select(SurveyRound).order_by(SurveyRound.year.desc(), SurveyRound.code)).all()
    return render_template("results/rounds.html", rounds=items)


@bp.get("/<code>")
@login_required(*READERS)
def round_results(code: str):
    survey_round = _round_or_404(code)
    try:
        result = analyze_round(survey_round, min_n=_min_n())
    except RoundNotReady as exc:
        flash(f"{exc.message_vi} / {exc.message_en}", "error")
        return redirect(url_for("results.rounds"))
    units = {u.code: u for u in db.session.scalars(db.select(Unit))}
    every = {(cp.unit, cp.criterion): cp for cp in result.points_all}
    return render_template("results/round.html", survey_round=survey_round, result=result, units=units,
                           every=every, quality_form=QualityForm())


@bp.post("/<code>/quality")
@login_required("admin")
def quality(code: str):
    survey_round = _round_or_404(code)
    if not QualityForm().validate_on_submit():
        abort(400)
    if survey_round.status == "published":
        flash(_("Đợt đã công bố: không thay đổi cờ chất lượng."), "error")
        return redirect(url_for("results.round_results", code=code))
    counts = apply_quality_flags(survey_round)
    db.session.commit()
    flash(_("Đã gắn cờ chất lượng: %(n)s phiếu bị cách ly (không xoá phiếu nào).", n=counts["quarantined"]),
          "success")
    return redirect(url_for("results.round_results", code=code))


@bp.get("/<code>/units/<unit_code>")
@login_required(*READERS)
def unit_changes(code: str, unit_code: str):
    survey_round = _round_or_404(code)
    unit = db.session.scalar(db.select(Unit).filter_by(code=unit_code)) or abort(404)
    chosen = request.args.get("previous")
    before = _round_or_404(chosen) if chosen else previous_round(survey_round)
    try:
        current = analyze_round(survey_round, min_n=_min_n())
        prior = analyze_round(before, min_n=_min_n()) if before is not None else None
    except RoundNotReady as exc:
        flash(f"{exc.message_vi} / {exc.message_en}", "error")
        return redirect(url_for("results.round_results", code=code))
    changes = [c for c in survey_points_changes(current, prior) if c.unit == unit.code]
    if request.args.get("format") == "xlsx":
        from analysis.combiner import write_points_lost_xlsx

        buffer = io.BytesIO()
        write_points_lost_xlsx(changes, buffer, units=[unit.code])
        buffer.seek(0)
        return send_file(buffer, as_attachment=True, download_name=f"{code}-{unit.code}-diem-bi-mat.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return render_template("results/unit.html", survey_round=survey_round, unit=unit, previous=before,
                           changes=changes)


@bp.route("/<code>/index", methods=["GET", "POST"])
@login_required(*READERS)
def par_index(code: str):
    from analysis.combiner import CombinerError, combine

    survey_round = _round_or_404(code)
    form = SelfAssessmentForm()
    problems, tables = [], None
    if form.validate_on_submit():
        try:
            contract = round_contract(survey_round, allow_unpublished=True, min_n=_min_n())
            from survey_app.operations.analysis_run import load_round_pack

            tables = combined_index_tables(combine(load_round_pack(survey_round), contract,
                                                   form.csv_file.data.read()))
        except CombinerError as exc:
            problems = exc.problems
        except (RoundNotReady, RoundNotPublished) as exc:
            flash(str(exc), "error")
    elif request.method == "POST":
        flash(_("Hãy chọn tệp CSV tự đánh giá."), "error")
    return render_template("results/index.html", survey_round=survey_round, form=form, problems=problems,
                           tables=tables, draft=survey_round.status != "published", user=g.user)
