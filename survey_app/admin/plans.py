"""The plan page: members (personal data masked unless shown on request, audited), redraw to
verify, back-check, the member list download, invitations (issued once, as a CSV, XLSX or
printable cards, and kept as PDF and XLSX files for a limited time)."""

from __future__ import annotations

from flask import Response, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext

from survey_app.admin import bp
from survey_app.admin.access import commit_or_flash, current_user, plan_or_404, round_or_404
from survey_app.admin.forms import ActionForm, BackcheckForm, InvitationForm, options
from survey_app.auth import login_required
from survey_app.operations import invitations, sample_plans
from survey_app.extensions import db
from survey_app.operations.frames import FRAME_KIND_LABELS
from survey_app.operations.invitation_files import store_issue_files
from survey_app.operations.personal_data import PERSONAL_DATA_ROLES, mask, may_see, record_showing
from survey_app.refusals import Refused
from survey_app.spreadsheets import send_csv, send_xlsx
from survey_app.labels import cell_choice

MEMBERS_SHOWN = 200


def _invitation_form(survey_round) -> InvitationForm:
    form = InvitationForm()
    form.cell_id.choices = options(
        [(c.id, cell_choice(c)) for c in invitations.rating_cells(survey_round)]
    )
    return form


@bp.get("/rounds/<int:round_id>/plans/<int:plan_id>")
@login_required("admin")
def plan_detail(round_id: int, plan_id: int):
    survey_round = round_or_404(round_id)
    plan = plan_or_404(survey_round, plan_id)
    return _render_plan(survey_round, plan)


@bp.post("/rounds/<int:round_id>/plans/<int:plan_id>/personal")
@login_required(*PERSONAL_DATA_ROLES)
def plan_personal_show(round_id: int, plan_id: int):
    """The plan page with its members' personal data in full, audited; never cached."""
    survey_round = round_or_404(round_id)
    plan = plan_or_404(survey_round, plan_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("admin.plan_detail", round_id=round_id, plan_id=plan_id))
    html = _render_plan(survey_round, plan, reveal=True, user=current_user())
    db.session.commit()
    return html, 200, {"Cache-Control": "no-store"}


def _render_plan(survey_round, plan, reveal: bool = False, user=None):
    """The plan page; the members' personal columns masked unless ``reveal`` (then audited)."""
    members = invitations.member_table(plan)
    rows = [list(row) for row in members.rows[:MEMBERS_SHOWN]]
    personal_headers = members.headers[members.personal]
    if reveal:
        record_showing(user, plan.frame, len(rows), page="plan", plan_id=plan.id)
    else:
        for row in rows:
            row[members.personal] = [mask(column, value)
                                     for column, value in zip(personal_headers,
                                                              row[members.personal])]
    return render_template(
        "admin/plan_detail.html",
        round=survey_round,
        plan=plan,
        reveal=reveal,
        may_reveal=may_see(g.get("user")) and bool(personal_headers),
        headers=members.headers,
        rows=rows,
        hidden=max(0, len(members.rows) - MEMBERS_SHOWN),
        personal_start=members.personal.start,
        personal_end=members.personal.stop,
        counts=invitations.member_counts(plan),
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
            gettext("Đã chọn mẫu phúc tra."),
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
    if members.headers[members.personal]:
        record_showing(current_user(), plan.frame, len(members.rows), page="members.xlsx",
                       plan_id=plan.id)
        db.session.commit()
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
        flash(gettext("Hãy chọn ô ma trận."), "error")
        return redirect(url_for("admin.plan_detail", round_id=round_id, plan_id=plan_id))
    def issue():
        issued = invitations.issue_plan_invitations(
            plan, form.cell_id.data, form.include_replacements.data, current_user()
        )
        store_issue_files(survey_round, issued, plan=plan, user=current_user())
        return issued

    issued = commit_or_flash(
        issue,
        gettext("Đã phát thư mời; tệp PDF và XLSX được giữ trong trang Tệp thư mời %(days)s "
                "ngày.", days=current_app.config["INVITATION_FILE_DAYS"]),
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
