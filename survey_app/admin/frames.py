"""The frame pages: upload (CSV/XLSX, with a progress bar for large files), the frame page with
its sample design (preview of n per stratum, then draw), personal-data purge."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for

from survey_app.admin import bp
from survey_app.admin.access import commit_or_flash, current_user, frame_or_404, round_or_404
from survey_app.admin.forms import ActionForm, FrameUploadForm, options
from survey_app.admin.plan_form import plan_form, plan_options
from survey_app.auth import login_required
from survey_app.extensions import db
from survey_app.operations import sample_plans
from survey_app.operations.frame_templates import (
    frame_template_filename,
    frame_template_tables,
    template_columns,
)
from survey_app.operations.frames import (
    FRAME_KIND_LABELS,
    frame_columns,
    import_frame,
    preview_rows,
    purge_personal_data,
)
from survey_app.refusals import Refused
from flask_babel import gettext as _
from survey_app.i18n import format_number
from survey_app.labels import frame_kind_choices
from survey_app.spreadsheets import send_xlsx

PREVIEW_ROWS = 20


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


@bp.route("/rounds/<int:round_id>/frames/upload", methods=["GET", "POST"])
@login_required("admin")
def frame_upload(round_id: int):
    survey_round = round_or_404(round_id)
    form = FrameUploadForm()
    form.kind.choices = options(frame_kind_choices())
    errors, problem, status, more = (), None, 200, 0
    if form.validate_on_submit():
        upload = form.file.data
        try:
            frame = import_frame(
                survey_round,
                form.kind.data,
                upload.filename or "frame",
                upload.read(),
                current_user(),
            )
        except Refused as refused:
            db.session.rollback()
            problem, status = refused.message(), 400
            errors = refused.arguments.get("errors", ())
            more = refused.arguments.get("more", 0)
        else:
            db.session.commit()
            flash(_("Đã nhập %(n)s dòng.", n=format_number(frame.row_count)), "ok")
            target = url_for("admin.frame_detail", round_id=round_id, frame_id=frame.id)
            return jsonify(ok=True, redirect=target) if _wants_json() else redirect(target)
    elif request.method == "POST":
        status = 400
        problem = "; ".join(message for messages in form.errors.values() for message in messages)
    if _wants_json() and request.method == "POST":
        html = render_template(
            "admin/_frame_errors.html", errors=errors, problem=problem, more=more
        )
        return jsonify(ok=False, html=html), status
    kinds = [(code, label, template_columns(code)) for code, label in frame_kind_choices()]
    return render_template(
        "admin/frame_upload.html", round=survey_round, form=form, errors=errors, problem=problem,
        more=more, kinds=kinds,
    ), status


@bp.get("/rounds/<int:round_id>/frames/template/<kind>.xlsx")
@login_required("admin")
def frame_template(round_id: int, kind: str):
    """An empty frame of ``kind`` as XLSX: headings the upload accepts back, and a guide sheet."""
    round_or_404(round_id)
    try:
        tables = frame_template_tables(kind)
    except Refused:
        abort(404)
    return send_xlsx(frame_template_filename(kind), tables, bold_header=True)


@bp.get("/rounds/<int:round_id>/frames/<int:frame_id>")
@login_required("admin")
def frame_detail(round_id: int, frame_id: int):
    survey_round = round_or_404(round_id)
    frame = frame_or_404(survey_round, frame_id)
    return _render_frame(survey_round, frame, plan_form(frame))


@bp.post("/rounds/<int:round_id>/frames/<int:frame_id>/plan")
@login_required("admin")
def plan_design(round_id: int, frame_id: int):
    """``action=preview`` shows n per stratum; ``action=draw`` draws and stores the plan."""
    survey_round = round_or_404(round_id)
    frame = frame_or_404(survey_round, frame_id)
    form = plan_form(frame, request.form)
    if not form.validate():
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
        return _render_frame(survey_round, frame, form, status=400)
    try:
        options = plan_options(form)
        preview = sample_plans.preview_plan(frame, options)
    except Refused as refused:
        for line in refused.lines():
            flash(line, "error")
        return _render_frame(survey_round, frame, form, status=400)
    if request.form.get("action") != "draw":
        return _render_frame(survey_round, frame, form, preview=preview)
    plan = commit_or_flash(
        lambda: sample_plans.draw_plan(survey_round, frame, options, form.seed.data,
                                       current_user()),
        _("Đã rút mẫu."),
    )
    if plan is None:
        return _render_frame(survey_round, frame, form, preview=preview, status=400)
    return redirect(url_for("admin.plan_detail", round_id=round_id, plan_id=plan.id))


def _render_frame(survey_round, frame, form, preview=None, status: int = 200):
    return render_template(
        "admin/frame_detail.html",
        round=survey_round,
        frame=frame,
        columns=frame_columns(frame),
        sample_rows=preview_rows(frame, PREVIEW_ROWS),
        plan_form=form,
        preview=preview,
        action_form=ActionForm(),
        kind_label=FRAME_KIND_LABELS.get(frame.kind, frame.kind),
    ), status


@bp.post("/rounds/<int:round_id>/frames/<int:frame_id>/purge")
@login_required("admin")
def frame_purge(round_id: int, frame_id: int):
    survey_round = round_or_404(round_id)
    frame = frame_or_404(survey_round, frame_id)
    if ActionForm().validate_on_submit():
        commit_or_flash(
            lambda: purge_personal_data(frame, current_user()),
            _("Đã xoá dữ liệu cá nhân của khung."),
        )
    return redirect(url_for("admin.frame_detail", round_id=round_id, frame_id=frame_id))
