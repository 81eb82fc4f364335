"""Frame upload (CSV/XLSX, with a progress bar for large files), frame page, personal-data purge."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for

from survey_app.admin import bp
from survey_app.admin.access import commit_or_flash, current_user, frame_or_404, round_or_404
from survey_app.admin.forms import ActionForm, FrameUploadForm, options
from survey_app.admin.plans import plan_form_for
from survey_app.auth import login_required
from survey_app.extensions import db
from survey_app.models import FrameRow
from survey_app.operations.frames import (
    FRAME_KIND_LABELS,
    frame_columns,
    import_frame,
    purge_personal_data,
)

PREVIEW_ROWS = 20


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


@bp.route("/rounds/<int:round_id>/frames/upload", methods=["GET", "POST"])
@login_required("admin")
def frame_upload(round_id: int):
    survey_round = round_or_404(round_id)
    form = FrameUploadForm()
    form.kind.choices = options(list(FRAME_KIND_LABELS.items()))
    errors, problem, status, more = (), None, 200, 0
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = import_frame(
                survey_round,
                form.kind.data,
                upload.filename or "frame",
                upload.read(),
                current_user(),
            )
        except ValueError as exc:
            db.session.rollback()
            problem, status = str(exc), 400
        else:
            if result.frame is not None:
                db.session.commit()
                flash(
                    f"Đã nhập {result.frame.row_count} dòng / {result.frame.row_count} rows imported.",
                    "ok",
                )
                target = url_for("admin.frame_detail", round_id=round_id, frame_id=result.frame.id)
                return jsonify(ok=True, redirect=target) if _wants_json() else redirect(target)
            db.session.rollback()
            errors, status, more = result.errors, 400, result.check.more_errors
            total = result.check.error_count
            problem = (
                f"Khung mẫu có {total:,} lỗi nên chưa được nhập; hãy sửa và tải lại / "
                f"the frame has {total:,} errors and was not imported: correct them and upload "
                "again."
            )
    elif request.method == "POST":
        status = 400
        problem = "; ".join(message for messages in form.errors.values() for message in messages)
    if _wants_json() and request.method == "POST":
        html = render_template(
            "admin/_frame_errors.html", errors=errors, problem=problem, more=more
        )
        return jsonify(ok=False, html=html), status
    return render_template(
        "admin/frame_upload.html", round=survey_round, form=form, errors=errors, problem=problem,
        more=more,
    ), status


@bp.get("/rounds/<int:round_id>/frames/<int:frame_id>")
@login_required("admin")
def frame_detail(round_id: int, frame_id: int):
    survey_round = round_or_404(round_id)
    frame = frame_or_404(survey_round, frame_id)
    return render_frame(survey_round, frame, plan_form_for(frame))


def render_frame(survey_round, frame, plan_form, preview=None, status: int = 200):
    sample_rows = db.session.scalars(
        db.select(FrameRow)
        .filter_by(frame_id=frame.id)
        .order_by(FrameRow.row_number)
        .limit(PREVIEW_ROWS)
    )
    return render_template(
        "admin/frame_detail.html",
        round=survey_round,
        frame=frame,
        columns=frame_columns(frame),
        sample_rows=list(sample_rows),
        plan_form=plan_form,
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
            "Đã xoá dữ liệu cá nhân của khung / personal data of the frame erased.",
        )
    return redirect(url_for("admin.frame_detail", round_id=round_id, frame_id=frame_id))
