"""Rounds: list, create, status transitions, and the rating matrix with progress per cell."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for

from survey_app.admin import bp
from survey_app.admin.access import commit_or_flash, current_user, round_or_404
from survey_app.admin.confirm import confirmation_page, confirmed
from survey_app.admin.forms import ActionForm, RatingCellForm, RoundForm, options
from survey_app.auth import login_required
from survey_app.models import SurveyRound
from survey_app.models.rounds import ROUND_TRANSITIONS
from survey_app.operations import lookups
from survey_app.operations import rounds as round_ops
from survey_app.operations.confirmations import publish_summary
from survey_app.operations.frames import FRAME_KIND_LABELS
from survey_app.operations.matrix import group_choices, pack_groups
from survey_app.operations.round_fit import round_fit_problems
from survey_app.operations.round_progress import matrix_progress
from flask_babel import gettext as _
from survey_app.i18n import format_number
from survey_app.labels import questionnaire_choice


def questionnaire_choices() -> list[tuple[int, str]]:
    rows = lookups.published_questionnaires()
    return [(q.id, questionnaire_choice(q)) for q in rows]


@bp.get("/")
@login_required("admin")
def rounds_list():
    return render_template("admin/rounds.html", rounds=lookups.all_rounds())


@bp.route("/rounds/new", methods=["GET", "POST"])
@login_required("admin")
def round_new():
    form = RoundForm()
    form.province_id.choices = options([(p.id, p.name) for p in lookups.provinces()])
    if form.validate_on_submit():
        province = lookups.get_province(form.province_id.data)
        created = commit_or_flash(
            lambda: round_ops.create_round(
                province,
                form.code.data,
                form.year.data,
                form.period.data or "",
                form.title.data,
                anonymous=form.anonymous.data,
                opens_on=form.opens_on.data,
                closes_on=form.closes_on.data,
                user=current_user(),
            ),
            _("Đã tạo đợt khảo sát."),
        )
        if created is not None:
            return redirect(url_for("admin.round_detail", round_id=created.id))
    return render_template("admin/round_new.html", form=form), (
        400 if request.method == "POST" else 200
    )


@bp.get("/rounds/<int:round_id>")
@login_required("admin")
def round_detail(round_id: int):
    survey_round = round_or_404(round_id)
    return render_round(survey_round, matrix_form(survey_round))


def matrix_form(survey_round: SurveyRound) -> RatingCellForm:
    """The matrix form: the round's respondent groups by name, the published questionnaires."""
    form = RatingCellForm()
    form.respondent_group.choices = options(group_choices(pack_groups(survey_round)))
    form.questionnaire_id.choices = options(questionnaire_choices())
    return form


def render_round(survey_round: SurveyRound, cell_form: RatingCellForm, status: int = 200):
    return render_template(
        "admin/round_detail.html",
        round=survey_round,
        next_statuses=sorted(ROUND_TRANSITIONS[survey_round.status]),
        progress=matrix_progress(survey_round),
        fit_problems=(
            round_fit_problems(survey_round)
            if "open" in ROUND_TRANSITIONS[survey_round.status] and survey_round.rating_cells
            else []
        ),
        cell_form=cell_form,
        action_form=ActionForm(),
        frames=lookups.round_frames(survey_round),
        plans=lookups.round_plans(survey_round),
        entry_count=lookups.entry_point_count(survey_round),
        kind_labels=FRAME_KIND_LABELS,
    ), status


@bp.post("/rounds/<int:round_id>/status")
@login_required("admin")
def round_status(round_id: int):
    survey_round = round_or_404(round_id)
    if ActionForm().validate_on_submit():
        status = request.form.get("status", "")
        if status == "published" and not confirmed():
            return redirect(url_for("admin.round_publish", round_id=round_id))
        commit_or_flash(
            lambda: round_ops.change_status(survey_round, status, current_user()),
            _("Đã chuyển trạng thái đợt."),
        )
    return redirect(url_for("admin.round_detail", round_id=round_id))


@bp.get("/rounds/<int:round_id>/publish")
@login_required("admin")
def round_publish(round_id: int):
    """What publishing freezes, and the confirming form (which posts to ``round_status``)."""
    survey_round = round_or_404(round_id)
    summary = publish_summary(survey_round)
    possible = "published" in ROUND_TRANSITIONS[survey_round.status]
    consequences = [
        _("%(n)s phiếu trả lời về %(units)s đơn vị được chốt làm kết quả của đợt.",
          n=format_number(summary.responses), units=format_number(summary.units)),
        _("Sau khi công bố, đợt không thể sửa nữa (trạng thái, ma trận, khung, kết quả); "
          "muốn sửa phải tạo một đợt mới."),
    ]
    if summary.open_invitations:
        consequences.append(_("%(n)s thư mời chưa dùng sẽ không bao giờ dùng được nữa.",
                              n=format_number(summary.open_invitations)))
    if not possible:
        consequences.insert(0, _("Đợt ở trạng thái này không công bố được; hãy đóng đợt trước."))
    return confirmation_page(
        survey_round, kind="publish",
        heading=_("Công bố đợt %(code)s", code=survey_round.code),
        consequences=consequences,
        action_url=url_for("admin.round_status", round_id=round_id),
        hidden={"status": "published"}, button=_("Xác nhận công bố"),
        cancel_url=url_for("admin.round_detail", round_id=round_id), possible=possible,
    )


@bp.post("/rounds/<int:round_id>/matrix")
@login_required("admin")
def matrix_set(round_id: int):
    survey_round = round_or_404(round_id)
    form = matrix_form(survey_round)
    if form.validate_on_submit():
        questionnaire = lookups.get_questionnaire(form.questionnaire_id.data)
        commit_or_flash(
            lambda: round_ops.set_rating_cell(
                survey_round,
                form.respondent_group.data,
                form.unit_type.data,
                questionnaire,
                form.quota.data,
                current_user(),
            ),
            _("Đã lưu ô ma trận."),
        )
        return redirect(url_for("admin.round_detail", round_id=round_id))
    return render_round(survey_round, form, 400)


@bp.post("/rounds/<int:round_id>/matrix/<int:cell_id>/delete")
@login_required("admin")
def matrix_remove(round_id: int, cell_id: int):
    survey_round = round_or_404(round_id)
    cell = lookups.get_rating_cell(cell_id)
    if cell is None or cell.round_id != survey_round.id:
        abort(404)
    if ActionForm().validate_on_submit():
        commit_or_flash(
            lambda: round_ops.remove_rating_cell(cell, current_user()),
            _("Đã xoá ô ma trận."),
        )
    return redirect(url_for("admin.round_detail", round_id=round_id))
