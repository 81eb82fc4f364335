"""Views of the interviewer's pages; each POST commits once."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, TextAreaField
from wtforms.validators import Optional

from survey_app.admin.access import commit_or_flash, current_user
from survey_app.admin.fields import SelectField, at_most, given, options
from survey_app.admin.fieldwork_forms import DISPOSITION_LABELS
from survey_app.auth import login_required
from survey_app.extensions import csrf, db
from survey_app.interviewer import bp
from survey_app.operations import cati
from survey_app.operations.dispositions import STAFF_DISPOSITIONS
from survey_app.refusals import Refused


class AttemptForm(FlaskForm):
    outcome = SelectField(_l("Kết quả cuộc gọi"), validators=[given()],
                          choices=options([(code, _l(DISPOSITION_LABELS[code]))
                                           for code in STAFF_DISPOSITIONS]))
    note = TextAreaField(_l("Ghi chú"), validators=[Optional(), at_most(500)])
    callback_at = DateTimeLocalField(_l("Hẹn gọi lại lúc"), validators=[Optional()],
                                     format="%Y-%m-%dT%H:%M")


def _case_or_404(assignment_id: int):
    row = cati.assignment_for(current_user(), assignment_id)
    if row is None:
        abort(404)
    return row


@bp.get("/")
@login_required("interviewer")
def cases():
    return render_template("interviewer/cases.html", cases=cati.cases_of(current_user()))


@bp.route("/cases/<int:assignment_id>", methods=["GET", "POST"])
@login_required("interviewer")
def case(assignment_id: int):
    assignment = _case_or_404(assignment_id)
    form = AttemptForm()
    if request.method == "POST":
        if form.validate_on_submit():
            commit_or_flash(
                lambda: cati.record_attempt(assignment, current_user(), form.outcome.data,
                                            form.note.data,
                                            cati.local_to_utc(form.callback_at.data)),
                _("Đã ghi cuộc gọi."))
            return redirect(url_for("interviewer.case", assignment_id=assignment_id), 303)
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
    personal = cati.personal_of(assignment.invitation)
    return render_template("interviewer/case.html", assignment=assignment, form=form,
                           invitation=assignment.invitation, personal=personal,
                           attempts=cati.attempts_of(assignment.invitation_id))


@bp.route("/cases/<int:assignment_id>/interview", methods=["GET", "POST"])
@csrf.exempt  # checked inside the respondent flow, so a stale token re-renders the page
@login_required("interviewer")
def interview(assignment_id: int):
    """The respondent pages of the case's invitation, in interviewer mode."""
    from survey_app.operations.answer_sources import resolve_invitation
    from survey_app.operations.drafts import invitation_resume_key
    from survey_app.respond.routes import _refused, _respond

    assignment = _case_or_404(assignment_id)
    interviewer = current_user()
    try:
        token = cati.interview_token(assignment)
    except Refused as refusal:
        return _refused(refusal)
    g.interviewer_mode = True
    g.interviewer_back = url_for("interviewer.case", assignment_id=assignment_id)

    def after_submit(source, receipt):
        cati.link_completed_interview(assignment, interviewer, receipt.response_id)
        db.session.commit()
        flash(_("Đã lưu phiếu phỏng vấn. Biên nhận: %(receipt)s", receipt=receipt.receipt), "ok")
        return redirect(url_for("interviewer.case", assignment_id=assignment_id), 303)

    return _respond(lambda: resolve_invitation(token), channel="invitation",
                    self_url=url_for("interviewer.interview", assignment_id=assignment_id),
                    resume_key=invitation_resume_key(token), after_submit=after_submit)
