"""The plan page: members, redraw to verify, back-check, the member list download, invitations
(issued once, as a CSV, XLSX or printable cards)."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext

from survey_app.admin import bp
from survey_app.admin.access import commit_or_flash, current_user, plan_or_404, round_or_404
from survey_app.admin.forms import ActionForm, BackcheckForm, InvitationForm, options
from survey_app.auth import login_required
from survey_app.operations import invitations, sample_plans
from survey_app.operations.frames import FRAME_KIND_LABELS
from survey_app.refusals import Refused
from survey_app.spreadsheets import send_csv, send_xlsx

MEMBERS_SHOWN = 200


def _invitation_form(survey_round) -> InvitationForm:
    form = InvitationForm()
    form.cell_id.choices = options(
        [(c.id, f"{c.respondent_group} × {c.unit_type} → {c.questionnaire.form_key}")
         for c in invitations.rating_cells(survey_round)]
    )
    return form


@bp.get("/rounds/<int:round_id>/plans/<int:plan_id>")
@login_required("admin")
def plan_detail(round_id: int, plan_id: int):
    survey_round = round_or_404(round_id)
    plan = plan_or_404(survey_round, plan_id)
    members = invitations.member_table(plan)
    return render_template(
        "admin/plan_detail.html",
        round=survey_round,
        plan=plan,
        headers=members.headers,
        rows=members.rows[:MEMBERS_SHOWN],
        hidden=max(0, len(members.rows) - MEMBERS_SHOWN),
        personal_start=members.personal.start,
        personal_end=members.personal.stop,
        counts=sample_plans.member_counts(plan),
        invitation_form=_invitation_form(survey_round),
        action_form=ActionForm(),
        backcheck_form=BackcheckForm(),
        kind_label=FRAME_KIND_LABELS.get(plan.frame.kind, plan.frame.kind),
    )


@bp.post("/rounds/<int:round_id>/plans/<int:plan_id>/verify")
@login_required("admin")
def plan_verify(round_id: int, plan_id: int):
    survey_round = round_or_404(round_id)
    plan = plan_or_404(survey_round, plan_id)
    if ActionForm().validate_on_submit():
        try:
            count = sample_plans.verify_plan(plan)
        except Refused as refused:
            for line in refused.lines():
                flash(line, "error")
        else:
            flash(gettext("Rút lại với hạt giống %(seed)s cho đúng %(count)s đơn vị đã chọn.",
                          seed=plan.seed, count=count), "ok")
    return redirect(url_for("admin.plan_detail", round_id=round_id, plan_id=plan_id))


@bp.post("/rounds/<int:round_id>/plans/<int:plan_id>/backcheck")
@login_required("admin")
def plan_backcheck(round_id: int, plan_id: int):
    survey_round = round_or_404(round_id)
    plan = plan_or_404(survey_round, plan_id)
    form = BackcheckForm()
    if form.validate_on_submit():
        commit_or_flash(
            lambda: sample_plans.draw_backcheck(plan, float(form.fraction.data),
                                                user=current_user()),
            "Đã chọn mẫu phúc tra / back-check subsample drawn.",
        )
    else:
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
    return redirect(url_for("admin.plan_detail", round_id=round_id, plan_id=plan_id))


@bp.get("/rounds/<int:round_id>/plans/<int:plan_id>/members.xlsx")
@login_required("admin")
def plan_members_xlsx(round_id: int, plan_id: int):
    survey_round = round_or_404(round_id)
    plan = plan_or_404(survey_round, plan_id)
    members = invitations.member_table(plan)
    return send_xlsx(f"mau-{survey_round.code}-{plan.id}.xlsx",
                     {"mau": (members.headers, members.rows)}, bold_header=True)


@bp.post("/rounds/<int:round_id>/plans/<int:plan_id>/invitations")
@login_required("admin")
def plan_invitations(round_id: int, plan_id: int):
    """Issue invitations and return their links once (CSV, XLSX or printable cards); never again."""
    survey_round = round_or_404(round_id)
    plan = plan_or_404(survey_round, plan_id)
    form = _invitation_form(survey_round)
    if not form.validate_on_submit():
        flash("Hãy chọn ô ma trận / choose a matrix cell.", "error")
        return redirect(url_for("admin.plan_detail", round_id=round_id, plan_id=plan_id))
    issued = commit_or_flash(
        lambda: invitations.issue_plan_invitations(
            plan, form.cell_id.data, form.include_replacements.data, current_user()
        ),
        "Đã phát thư mời; liên kết chỉ hiển thị một lần / invitations issued: links are shown only once.",
    )
    if issued is None:
        return redirect(url_for("admin.plan_detail", round_id=round_id, plan_id=plan_id))
    stem = f"thu-moi-{survey_round.code}-{plan.id}"
    if form.output.data == "csv":
        return send_csv(f"{stem}.csv", *invitations.issued_table(issued), no_store=True)
    if form.output.data == "xlsx":
        return send_xlsx(f"{stem}.xlsx", {"thu moi": invitations.issued_table(issued)},
                         bold_header=True, no_store=True)
    html = render_template("admin/invitation_cards.html", round=survey_round,
                           cards=invitations.issued_cards(issued))
    return Response(html, mimetype="text/html", headers={"Cache-Control": "no-store"})
