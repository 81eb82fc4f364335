"""Supervisor's page of phone interviews (admin): assign or re-assign a round's invitations to
interviewers, and see attempts and completed interviews per interviewer."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from survey_app.admin import bp
from survey_app.admin.access import commit_or_flash, current_user, round_or_404
from survey_app.admin.forms import ActionForm
from survey_app.auth import login_required
from survey_app.operations import cati


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
    return render_template("admin/interviewers.html", round=survey_round, form=form,
                           people=cati.interviewers(),
                           productivity=cati.productivity(survey_round.id),
                           overdue=cati.overdue_callbacks(survey_round.id),
                           cases=cati.assignable(survey_round.id))
