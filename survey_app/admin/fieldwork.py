"""Fieldwork pages: AAPOR outcomes and rates, a round's deadlines and the units behind schedule,
reminders (e-mail job, the focal points' XLSX) and each invitation's disposition history.

Admins see every unit; a focal point sees and records only the unit of the account.
"""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from survey_app import spreadsheets
from survey_app.admin import bp
from survey_app.admin.access import commit_or_flash, current_user, round_or_404
from survey_app.admin.fieldwork_forms import (
    DEADLINE_LABELS, DISPOSITION_LABELS, REMINDER_CHANNEL_LABELS, REMINDER_OUTCOME_LABELS,
    SOURCE_LABELS, DeadlinesForm, DispositionForm, UnitChoiceForm, UnitDueForm,
)
from survey_app.admin.forms import ActionForm, options
from survey_app.auth import login_required
from survey_app.extensions import db
from survey_app.operations import deadlines as deadline_ops
from survey_app.operations import dispositions, fieldwork_lookups, mail_jobs, reminders
from survey_app.refusals import Refused


@bp.app_template_filter("disposition_label")
def disposition_label(code):
    return _(DISPOSITION_LABELS[code]) if code in DISPOSITION_LABELS else (code or "—")


@bp.app_template_filter("deadline_label")
def deadline_label(code):
    return _(DEADLINE_LABELS[code]) if code in DEADLINE_LABELS else code


@bp.app_template_filter("reminder_label")
def reminder_label(code):
    table = {**REMINDER_CHANNEL_LABELS, **REMINDER_OUTCOME_LABELS, **SOURCE_LABELS}
    return _(table[code]) if code in table else code


def visible_units() -> set[int] | None:
    """None for admins (every unit); a focal point sees only the unit of the account."""
    if g.user.role == "admin":
        return None
    return {g.user.unit_id} if g.user.unit_id is not None else set()


def _round_for_staff(round_id: int):
    survey_round = round_or_404(round_id)
    if not survey_round.has_opened and g.user.role != "admin":
        abort(404)
    return survey_round


@bp.get("/rounds/<int:round_id>/fieldwork")
@login_required("admin", "focal_point")
def fieldwork(round_id: int):
    survey_round = _round_for_staff(round_id)
    visible = visible_units()
    return render_template(
        "admin/fieldwork.html", round=survey_round, limited=visible is not None,
        rates=dispositions.round_outcome_rates(survey_round, visible),
        reference=dispositions.AAPOR_REFERENCE,
        selection=reminders.select_candidates(survey_round, visible),
        counts=reminders.reminder_counts(survey_round),
        limit=reminders.reminder_limit(),
        jobs=fieldwork_lookups.mail_jobs(survey_round) if visible is None else [],
        unanswered=fieldwork_lookups.unanswered_invitations(survey_round, visible),
        action_form=ActionForm(), unit_form=UnitChoiceForm())


@bp.post("/rounds/<int:round_id>/fieldwork/remind-mail")
@login_required("admin")
def fieldwork_remind_mail(round_id: int):
    survey_round = round_or_404(round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    job = commit_or_flash(
        lambda: mail_jobs.request_reminder_mail(survey_round, current_user()),
        _("Đã xếp lịch gửi thư nhắc."))
    if job is None:
        return redirect(url_for("admin.fieldwork", round_id=round_id))
    mail_jobs.start_mail_job(job.id)
    return redirect(url_for("admin.fieldwork_mail_job", round_id=round_id, job_id=job.id))


@bp.get("/rounds/<int:round_id>/fieldwork/mail-jobs/<int:job_id>")
@login_required("admin")
def fieldwork_mail_job(round_id: int, job_id: int):
    survey_round = round_or_404(round_id)
    job = fieldwork_lookups.mail_job(survey_round, job_id)
    if job is None:
        abort(404)
    return render_template("admin/mail_job.html", round=survey_round, job=job,
                           status=mail_jobs.mail_job_status(job))


@bp.post("/rounds/<int:round_id>/fieldwork/unanswered.xlsx")
@login_required("admin", "focal_point")
def fieldwork_unanswered_xlsx(round_id: int):
    survey_round = _round_for_staff(round_id)
    form = UnitChoiceForm()
    if not form.validate_on_submit():
        abort(400)
    visible = visible_units()
    unit_ids = visible
    if form.unit.data:
        unit = fieldwork_lookups.unit_of_round(survey_round, form.unit.data)
        if unit is None or (visible is not None and unit.id not in visible):
            abort(404)
        unit_ids = {unit.id}
    try:
        sheets, count = reminders.unanswered_workbook(survey_round, unit_ids, current_user())
    except Refused as refused:
        db.session.rollback()
        for line in refused.lines():
            flash(line, "error")
        return redirect(url_for("admin.fieldwork", round_id=round_id))
    db.session.commit()
    name = f"{survey_round.code}-chua-tra-loi" + (f"-{form.unit.data}" if form.unit.data else "")
    return spreadsheets.send_xlsx(f"{name}.xlsx", sheets, bold_header=True, no_store=True,
                                  headers={"X-Reminders-Recorded": str(count)})


# --- an invitation's disposition ------------------------------------------------------------

def _invitation_or_404(survey_round, invitation_id: int):
    invitation = fieldwork_lookups.round_invitation(survey_round, invitation_id)
    visible = visible_units()
    if invitation is None or (visible is not None and invitation.rated_unit_id not in visible):
        abort(404)
    return invitation


@bp.route("/rounds/<int:round_id>/invitations/<int:invitation_id>/disposition",
          methods=["GET", "POST"])
@login_required("admin", "focal_point")
def invitation_disposition(round_id: int, invitation_id: int):
    survey_round = _round_for_staff(round_id)
    invitation = _invitation_or_404(survey_round, invitation_id)
    form = DispositionForm()
    if request.method == "POST":
        if form.validate_on_submit():
            commit_or_flash(
                lambda: dispositions.set_disposition(invitation, form.disposition.data,
                                                     current_user(), form.note.data),
                _("Đã ghi kết quả liên hệ của thư mời #%(id)s.", id=invitation_id))
            return redirect(url_for("admin.invitation_disposition", round_id=round_id,
                                    invitation_id=invitation_id))
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
    return render_template("admin/disposition.html", round=survey_round, invitation=invitation,
                           form=form, events=dispositions.history(invitation),
                           reminders=fieldwork_lookups.invitation_reminders(invitation))


# --- deadlines and units behind schedule ----------------------------------------------------

@bp.get("/rounds/<int:round_id>/schedule")
@login_required("admin", "focal_point")
def schedule(round_id: int):
    survey_round = _round_for_staff(round_id)
    visible = visible_units()
    named = deadline_ops.deadlines(survey_round)
    form = DeadlinesForm(data=named)
    unit_form = UnitDueForm()
    schedules = deadline_ops.unit_schedules(survey_round, visible)
    unit_form.unit_id.choices = options([(s.unit.id, f"{s.unit.code} — {s.unit.name}")
                                         for s in schedules])
    today = reminders.today_in_vietnam()
    return render_template(
        "admin/schedule.html", round=survey_round, form=form, unit_form=unit_form,
        named=named, schedules=schedules, today=today, limited=visible is not None,
        behind=[s for s in schedules if s.behind(today)])


@bp.post("/rounds/<int:round_id>/schedule/deadlines")
@login_required("admin")
def schedule_deadlines(round_id: int):
    survey_round = round_or_404(round_id)
    form = DeadlinesForm()
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
        return redirect(url_for("admin.schedule", round_id=round_id))

    def change():
        for kind in DEADLINE_LABELS:
            deadline_ops.set_deadline(survey_round, kind, getattr(form, kind).data,
                                      current_user())

    commit_or_flash(change, _("Đã lưu các hạn của đợt."))
    return redirect(url_for("admin.schedule", round_id=round_id))


@bp.post("/rounds/<int:round_id>/schedule/unit-due")
@login_required("admin")
def schedule_unit_due(round_id: int):
    survey_round = round_or_404(round_id)
    form = UnitDueForm()
    units = {s.unit.id: s.unit for s in deadline_ops.unit_schedules(survey_round)}
    form.unit_id.choices = options([(i, u.code) for i, u in units.items()])
    if not form.validate_on_submit():
        flash(_("Hãy chọn một đơn vị có chỉ tiêu."), "error")
        return redirect(url_for("admin.schedule", round_id=round_id))
    unit = units[form.unit_id.data]
    commit_or_flash(
        lambda: deadline_ops.set_unit_due(survey_round, unit, form.due_on.data, current_user()),
        _("Đã lưu hạn của %(unit)s.", unit=unit.code))
    return redirect(url_for("admin.schedule", round_id=round_id))

