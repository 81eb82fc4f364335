"""Sample design (preview of n per stratum, then draw), plan page, verification, downloads, invitations."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for

from survey_app.admin import bp
from survey_app.admin.access import (
    commit_or_flash,
    current_user,
    frame_or_404,
    plan_or_404,
    round_or_404,
)
from survey_app.admin.forms import ActionForm, BackcheckForm, InvitationForm, PlanForm, options
from survey_app.auth import login_required
from survey_app.downloads import content_disposition
from survey_app.extensions import db
from survey_app.models import RatingCell, SampleFrame, SampleMember
from survey_app.operations import samples
from survey_app.operations.frames import FRAME_KIND_LABELS, frame_columns, numeric_columns
from survey_app.operations.posters import invitation_url, qr_inline_svg

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEMBERS_SHOWN = 200


def plan_form_for(frame: SampleFrame, formdata=None) -> PlanForm:
    form = PlanForm(formdata=formdata) if formdata is not None else PlanForm()
    form.strata_column.choices = options(
        [("", "Không phân tầng / no strata")] + [(c, c) for c in frame_columns(frame)]
    )
    form.size_column.choices = options([("", "—")] + [(c, c) for c in numeric_columns(frame)])
    form.psu_column.choices = options([("", "—")] + [(c, c) for c in frame_columns(frame)])
    form.psu_size_column.choices = options(_psu_size_choices(frame))
    return form


def _psu_size_choices(frame: SampleFrame) -> list[tuple[str, str]]:
    """Row counts, a numeric column of the frame, or the population in a communes frame of the round."""
    communes = db.session.scalars(
        db.select(SampleFrame)
        .filter_by(round_id=frame.round_id, kind="communes")
        .order_by(SampleFrame.id)
    )
    return (
        [("", "Số dòng của khung trong đơn vị / rows of the frame in the unit")]
        + [(c, f"Cột / column {c}") for c in numeric_columns(frame)]
        + [
            (
                f"{samples.COMMUNES_SIZE_PREFIX}{c.id}",
                f"Dân số theo khung xã #{c.id} / population from communes frame #{c.id}",
            )
            for c in communes
        ]
    )


def options_from(form: PlanForm) -> samples.PlanOptions:
    return samples.PlanOptions(
        method=form.method.data,
        size_mode=form.size_mode.data,
        n=form.n.data,
        margin=float(form.margin.data or 0.05),
        confidence=float(form.confidence.data or 0.95),
        p=float(form.p.data or 0.5),
        deff=float(form.deff.data or 1.0),
        response_rate=float(form.response_rate.data or 1.0),
        strata_column=form.strata_column.data or None,
        per_stratum=bool(form.per_stratum.data),
        allocation=form.allocation.data,
        sds=samples.parse_sds(form.sds.data),
        minimum=form.minimum.data or 0,
        size_column=form.size_column.data or None,
        replacements=form.replacements.data or 0,
        psu_column=form.psu_column.data or None,
        n_psu=form.n_psu.data,
        per_psu=form.per_psu.data,
        psu_size_column=form.psu_size_column.data or None,
        psu_replacements=form.psu_replacements.data or 0,
    )


@bp.post("/rounds/<int:round_id>/frames/<int:frame_id>/plan")
@login_required("admin")
def plan_design(round_id: int, frame_id: int):
    """``action=preview`` shows n per stratum; ``action=draw`` draws and stores the plan."""
    from survey_app.admin.frames import render_frame

    survey_round = round_or_404(round_id)
    frame = frame_or_404(survey_round, frame_id)
    form = plan_form_for(frame, request.form)
    if not form.validate():
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
        return render_frame(survey_round, frame, form, status=400)
    try:
        options = options_from(form)
        preview = samples.preview_plan(frame, options)
    except ValueError as exc:
        flash(str(exc), "error")
        return render_frame(survey_round, frame, form, status=400)
    if request.form.get("action") != "draw":
        return render_frame(survey_round, frame, form, preview=preview)
    plan = commit_or_flash(
        lambda: samples.draw_plan(survey_round, frame, options, form.seed.data, current_user()),
        "Đã rút mẫu / sample drawn.",
    )
    if plan is None:
        return render_frame(survey_round, frame, form, preview=preview, status=400)
    return redirect(url_for("admin.plan_detail", round_id=round_id, plan_id=plan.id))


@bp.get("/rounds/<int:round_id>/plans/<int:plan_id>")
@login_required("admin")
def plan_detail(round_id: int, plan_id: int):
    survey_round = round_or_404(round_id)
    plan = plan_or_404(survey_round, plan_id)
    headers, rows = samples.member_rows(plan)
    personal_start = 6 + len(frame_columns(plan.frame))
    form = InvitationForm()
    form.cell_id.choices = options(_cell_choices(survey_round.id))
    counts = dict(
        db.session.execute(
            db.select(SampleMember.role, db.func.count(SampleMember.id))
            .where(SampleMember.plan_id == plan.id)
            .group_by(SampleMember.role)
        ).all()
    )
    counts["backcheck"] = sum(1 for row in rows if row[-1])
    return render_template(
        "admin/plan_detail.html",
        round=survey_round,
        plan=plan,
        headers=headers,
        rows=rows[:MEMBERS_SHOWN],
        hidden=max(0, len(rows) - MEMBERS_SHOWN),
        personal_start=personal_start,
        personal_end=len(headers) - 3,
        counts=counts,
        invitation_form=form,
        action_form=ActionForm(),
        backcheck_form=BackcheckForm(),
        kind_label=FRAME_KIND_LABELS.get(plan.frame.kind, plan.frame.kind),
    )


def _cell_choices(round_id: int) -> list[tuple[int, str]]:
    cells = db.session.scalars(
        db.select(RatingCell)
        .filter_by(round_id=round_id)
        .order_by(RatingCell.respondent_group, RatingCell.unit_type)
    )
    return [
        (c.id, f"{c.respondent_group} × {c.unit_type} → {c.questionnaire.form_key}") for c in cells
    ]


@bp.post("/rounds/<int:round_id>/plans/<int:plan_id>/verify")
@login_required("admin")
def plan_verify(round_id: int, plan_id: int):
    survey_round = round_or_404(round_id)
    plan = plan_or_404(survey_round, plan_id)
    if ActionForm().validate_on_submit():
        result = samples.verify_plan(plan)
        flash(result.message, "ok" if result.ok else "error")
    return redirect(url_for("admin.plan_detail", round_id=round_id, plan_id=plan_id))


@bp.post("/rounds/<int:round_id>/plans/<int:plan_id>/backcheck")
@login_required("admin")
def plan_backcheck(round_id: int, plan_id: int):
    survey_round = round_or_404(round_id)
    plan = plan_or_404(survey_round, plan_id)
    form = BackcheckForm()
    if form.validate_on_submit():
        commit_or_flash(
            lambda: samples.draw_backcheck(plan, float(form.fraction.data), user=current_user()),
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
    headers, rows = samples.member_rows(plan)
    data = samples.table_xlsx(headers, rows, "mau")
    name = f"mau-{survey_round.code}-{plan.id}.xlsx"
    return Response(
        data, mimetype=XLSX, headers={"Content-Disposition": content_disposition(name)}
    )


@bp.post("/rounds/<int:round_id>/plans/<int:plan_id>/invitations")
@login_required("admin")
def plan_invitations(round_id: int, plan_id: int):
    """Issue invitations and return their links once (CSV, XLSX or printable cards); never again."""
    survey_round = round_or_404(round_id)
    plan = plan_or_404(survey_round, plan_id)
    form = InvitationForm()
    form.cell_id.choices = options(_cell_choices(round_id))
    if not form.validate_on_submit():
        flash("Hãy chọn ô ma trận / choose a matrix cell.", "error")
        return redirect(url_for("admin.plan_detail", round_id=round_id, plan_id=plan_id))
    cell = db.session.get(RatingCell, form.cell_id.data)
    issued = commit_or_flash(
        lambda: samples.issue_plan_invitations(
            plan, cell, form.include_replacements.data, current_user()
        ),
        "Đã phát thư mời; liên kết chỉ hiển thị một lần / invitations issued: links are shown only once.",
    )
    if issued is None:
        return redirect(url_for("admin.plan_detail", round_id=round_id, plan_id=plan_id))
    headers = [
        "order",
        "role",
        "stratum",
        "unit_code",
        "unit_name",
        "name",
        "phone",
        "email",
        "link",
    ]
    rows = [
        [
            item.member.selection_order,
            item.member.role,
            item.member.stratum,
            item.unit.code,
            item.unit.name,
            item.personal.get("name"),
            item.personal.get("phone"),
            item.personal.get("email"),
            invitation_url(item.token),
        ]
        for item in issued
    ]
    no_store = {"Cache-Control": "no-store"}
    stem = f"thu-moi-{survey_round.code}-{plan.id}"
    if form.output.data == "csv":
        return Response(
            samples.table_csv(headers, rows),
            mimetype="text/csv",
            headers={**no_store, "Content-Disposition": content_disposition(f"{stem}.csv")},
        )
    if form.output.data == "xlsx":
        return Response(
            samples.table_xlsx(headers, rows, "thu moi"),
            mimetype=XLSX,
            headers={**no_store, "Content-Disposition": content_disposition(f"{stem}.xlsx")},
        )
    cards = [
        {
            "unit": item.unit,
            "link": invitation_url(item.token),
            "qr": qr_inline_svg(invitation_url(item.token), 38),
            "name": item.personal.get("name"),
        }
        for item in issued
    ]
    html = render_template("admin/invitation_cards.html", round=survey_round, cards=cards)
    return Response(html, mimetype="text/html", headers=no_store)
