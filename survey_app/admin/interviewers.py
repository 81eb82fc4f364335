"""Supervisor's page of phone interviews (admin): assign or re-assign a round's invitations to
interviewers, see attempts, completed interviews and overdue callbacks per interviewer, and draw
a back-check sample of completed interviews (reproducible from its seed, listed and
downloadable)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from survey_app.admin import bp
from survey_app.admin.access import commit_or_flash, current_user, round_or_404
from survey_app.admin.forms import ActionForm, BackcheckForm
from survey_app.auth import login_required
from survey_app.operations import cati, collect_keys, interview_backcheck
from survey_app.refusals import Refused
from survey_app.spreadsheets import send_xlsx


def _draw_args() -> tuple[float, int, int] | None:
    """The (share, seed, through) of a back-check draw named in the query string, or None."""
    try:
        return (float(request.args["share"]), int(request.args["seed"]),
                int(request.args["through"]))
    except (KeyError, ValueError):
        return None


def _shown_draw(round_id: int):
    args = _draw_args()
    if args is None:
        return None
    try:
        return interview_backcheck.draw(round_id, *args)
    except Refused as refused:
        flash(refused.message(), "error")
        return None


@bp.route("/rounds/<int:round_id>/interviewers", methods=["GET", "POST"])
@login_required("admin")
def interviewers(round_id: int):
    survey_round = round_or_404(round_id)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("Phiên làm việc đã hết hạn; vui lòng thử lại."), "error")
        else:
            try:
                interviewer_id = int(request.form.get("interviewer_id", ""))
                ids = [int(v) for v in request.form.getlist("invitation_id")]
            except ValueError:
                interviewer_id, ids = 0, []
            if not ids or not interviewer_id:
                flash(_("Hãy chọn điều tra viên và ít nhất một thư mời."), "error")
            else:
                commit_or_flash(
                    lambda: cati.assign_by_ids(survey_round.id, ids, interviewer_id,
                                               current_user()),
                    _("Đã giao %(n)s thư mời.", n=len(ids)))
        return redirect(url_for("admin.interviewers", round_id=round_id), 303)
    drawn = _shown_draw(survey_round.id)
    people = cati.interviewers()
    return render_template("admin/interviewers.html", round=survey_round, form=form,
                           people=people,
                           collect_keyed=collect_keys.has_key([u.id for u in people]),
                           productivity=cati.productivity(survey_round.id),
                           overdue=cati.overdue_callbacks(survey_round.id),
                           cases=cati.assignable(survey_round.id),
                           backcheck_form=BackcheckForm(), drawn=drawn,
                           drawn_rows=interview_backcheck.drawn_rows(drawn) if drawn else [])


@bp.post("/rounds/<int:round_id>/interviewers/backcheck")
@login_required("admin")
def interviewers_backcheck(round_id: int):
    survey_round = round_or_404(round_id)
    form = BackcheckForm()
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
        return redirect(url_for("admin.interviewers", round_id=round_id), 303)
    result = commit_or_flash(
        lambda: interview_backcheck.new_draw(survey_round, float(form.fraction.data),
                                             current_user()),
        _("Đã chọn mẫu phúc tra các phỏng vấn hoàn thành."))
    if result is None:
        return redirect(url_for("admin.interviewers", round_id=round_id), 303)
    return redirect(url_for("admin.interviewers", round_id=round_id, seed=result.seed,
                            share=result.share, through=result.through, _anchor="backcheck"),
                    303)


@bp.get("/rounds/<int:round_id>/interviewers/backcheck.xlsx")
@login_required("admin")
def interviewers_backcheck_xlsx(round_id: int):
    survey_round = round_or_404(round_id)
    drawn = _shown_draw(survey_round.id)
    if drawn is None:
        flash(_("Hãy chọn mẫu phúc tra trước khi tải danh sách."), "error")
        return redirect(url_for("admin.interviewers", round_id=round_id), 303)
    headers, rows = interview_backcheck.backcheck_table(drawn)
    return send_xlsx(f"phuc-tra-{survey_round.code}-{drawn.seed}.xlsx",
                     {"phuc-tra": (headers, rows)}, bold_header=True)
