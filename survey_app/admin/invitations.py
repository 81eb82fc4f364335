"""A round's invitations: filtered, paginated list (no tokens: only their hashes exist) and
revocation of one invitation or of every unused invitation of a rated unit."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from survey_app.admin import bp
from survey_app.admin.access import commit_or_flash, current_user, round_or_404
from survey_app.admin.forms import ActionForm, InvitationFilterForm, RevokeUnitForm, options
from survey_app.auth import login_required
from survey_app.operations import invitations as invitation_ops

STATUS_LABELS = {
    "issued": "Chưa dùng / unused",
    "used": "Đã dùng / used",
    "revoked": "Đã thu hồi / revoked",
}


def _list_url(round_id: int, source) -> str:
    """The list URL with the filters the request carried (status, unit, page) kept."""
    keep = {key: source.get(key) for key in ("status", "unit", "page") if source.get(key)}
    return url_for("admin.invitations", round_id=round_id, **keep)


@bp.get("/rounds/<int:round_id>/invitations")
@login_required("admin")
def invitations(round_id: int):
    survey_round = round_or_404(round_id)
    units = invitation_ops.invited_units(survey_round)
    filters = InvitationFilterForm(formdata=request.args)
    filters.unit.choices = options(
        [("", "Mọi đơn vị / every unit")] + [(str(u.id), f"{u.code} — {u.name}") for u in units]
    )
    if not filters.validate():
        for messages in filters.errors.values():
            for message in messages:
                flash(message, "error")
        return _render(survey_round, filters, units, None, None), 400
    unit_id = int(filters.unit.data) if filters.unit.data else None
    listing = invitation_ops.invitation_page(
        survey_round,
        status=filters.status.data or None,
        unit_id=unit_id,
        page=filters.page.data or 1,
    )
    return _render(survey_round, filters, units, listing, unit_id)


def _render(survey_round, filters, units, listing, unit_id):
    revoke_unit = RevokeUnitForm()
    revoke_unit.unit_id.choices = options([(u.id, f"{u.code} — {u.name}") for u in units])
    if unit_id is not None:
        revoke_unit.unit_id.data = unit_id
    args = {key: request.args.get(key) for key in ("status", "unit") if request.args.get(key)}
    return render_template(
        "admin/invitations.html",
        round=survey_round,
        filters=filters,
        listing=listing,
        unit_id=unit_id,
        args=args,
        labels=STATUS_LABELS,
        action_form=ActionForm(),
        revoke_unit=revoke_unit,
    )


@bp.post("/rounds/<int:round_id>/invitations/<int:invitation_id>/revoke")
@login_required("admin")
def invitation_revoke(round_id: int, invitation_id: int):
    survey_round = round_or_404(round_id)
    invitation = invitation_ops.round_invitation(survey_round, invitation_id)
    if invitation is None:
        abort(404)
    if ActionForm().validate_on_submit():
        commit_or_flash(
            lambda: invitation_ops.revoke_invitation(invitation, current_user()),
            f"Đã thu hồi thư mời #{invitation_id}; liên kết của nó không còn dùng được / "
            f"invitation #{invitation_id} revoked: its link no longer works.",
        )
    return redirect(_list_url(round_id, request.form))


@bp.post("/rounds/<int:round_id>/invitations/revoke-unit")
@login_required("admin")
def invitation_revoke_unit(round_id: int):
    survey_round = round_or_404(round_id)
    form = RevokeUnitForm()
    units = {u.id: u for u in invitation_ops.invited_units(survey_round)}
    form.unit_id.choices = options([(u.id, u.code) for u in units.values()])
    if not form.validate_on_submit():
        flash("Hãy chọn một đơn vị có thư mời / choose a unit that has invitations.", "error")
        return redirect(_list_url(round_id, request.form))
    unit = units[form.unit_id.data]
    count = commit_or_flash(
        lambda: invitation_ops.revoke_unused_invitations(survey_round, unit, current_user()),
        f"Đã thu hồi mọi thư mời chưa dùng của {unit.code} / every unused invitation of "
        f"{unit.code} revoked.",
    )
    if count:
        flash(f"{count} thư mời đã bị thu hồi / {count} invitations revoked.", "ok")
    return redirect(_list_url(round_id, request.form))
