"""Multi-unit invitations on a round's invitations page: issue one for a rating-matrix cell
(one link with which one respondent rates every current unit of the cell's type; the link is
shown once, never stored) and revoke one after a confirmation page."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm

from survey_app.admin import bp
from survey_app.admin.access import commit_or_flash, current_user, round_or_404
from survey_app.admin.confirm import confirmation_page, confirmed
from survey_app.admin.fields import SelectField, given, options
from survey_app.admin.forms import ActionForm
from survey_app.auth import login_required
from survey_app.labels import cell_choice
from survey_app.operations import invitation_bundles as bundle_ops
from survey_app.operations import lookups
from survey_app.operations.invitations import rating_cells
from survey_app.operations.posters import invitation_url


class BundleForm(FlaskForm):
    cell_id = SelectField(_("Ô ma trận (nhóm × loại đơn vị)"), coerce=int, validators=[given()])


def bundle_form(survey_round) -> BundleForm:
    """The issuing form, its choices the round's rating-matrix cells."""
    form = BundleForm()
    form.cell_id.choices = options([(c.id, cell_choice(c)) for c in rating_cells(survey_round)])
    return form


def _back(round_id: int):
    return redirect(url_for("admin.invitations", round_id=round_id) + "#bundles")


@bp.post("/rounds/<int:round_id>/invitations/bundles")
@login_required("admin")
def invitation_bundle_issue(round_id: int):
    """Issue a multi-unit invitation and show its link once (never again: only its hash is
    kept)."""
    survey_round = round_or_404(round_id)
    form = bundle_form(survey_round)
    if not form.validate_on_submit():
        flash(gettext("Hãy chọn ô ma trận."), "error")
        return _back(round_id)
    issued = commit_or_flash(
        lambda: bundle_ops.issue_cell_bundle(
            survey_round, lookups.get_rating_cell(form.cell_id.data), current_user()),
        gettext("Đã phát lời mời nhiều đơn vị; liên kết chỉ hiện một lần."),
    )
    if issued is None:
        return _back(round_id)
    bundle, token, units = issued
    html = render_template("admin/invitation_bundle_issued.html", round=survey_round,
                           bundle=bundle, link=invitation_url(token), units=units)
    return Response(html, mimetype="text/html", headers={"Cache-Control": "no-store"})


def _bundle_or_404(survey_round, bundle_id: int):
    bundle = bundle_ops.round_bundle(survey_round, bundle_id)
    if bundle is None:
        abort(404)
    return bundle


@bp.get("/rounds/<int:round_id>/invitations/bundles/<int:bundle_id>/revoke")
@login_required("admin")
def invitation_bundle_revoke_confirm(round_id: int, bundle_id: int):
    survey_round = round_or_404(round_id)
    bundle = _bundle_or_404(survey_round, bundle_id)
    possible = bundle.status == "issued"
    consequences = [
        gettext("Lời mời nhiều đơn vị #%(id)s bị thu hồi: liên kết của nó không còn dùng được, "
                "người nhận sẽ thấy trang từ chối.", id=bundle.id),
        gettext("Các đơn vị chưa được đánh giá trong lời mời này bị rút lại; phiếu đã nhận không "
                "đổi. Không thể hoàn tác."),
    ]
    if not possible:
        consequences = [gettext("Lời mời nhiều đơn vị #%(id)s không còn ở trạng thái chưa dùng, "
                                "không thu hồi được.", id=bundle.id)]
    return confirmation_page(
        survey_round, kind="revoke_bundle",
        heading=gettext("Thu hồi lời mời nhiều đơn vị #%(id)s", id=bundle.id),
        consequences=consequences,
        action_url=url_for("admin.invitation_bundle_revoke", round_id=round_id,
                           bundle_id=bundle_id),
        button=gettext("Xác nhận thu hồi"),
        cancel_url=url_for("admin.invitations", round_id=round_id) + "#bundles",
        possible=possible,
    )


@bp.post("/rounds/<int:round_id>/invitations/bundles/<int:bundle_id>/revoke")
@login_required("admin")
def invitation_bundle_revoke(round_id: int, bundle_id: int):
    survey_round = round_or_404(round_id)
    bundle = _bundle_or_404(survey_round, bundle_id)
    if not confirmed():
        return redirect(url_for("admin.invitation_bundle_revoke_confirm", round_id=round_id,
                                bundle_id=bundle_id))
    if ActionForm().validate_on_submit():
        commit_or_flash(
            lambda: bundle_ops.revoke_bundle(bundle, current_user()),
            gettext("Đã thu hồi lời mời nhiều đơn vị #%(id)s; liên kết của nó không còn dùng "
                    "được.", id=bundle_id),
        )
    return _back(round_id)
