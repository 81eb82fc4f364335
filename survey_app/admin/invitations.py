"""A round's invitations: filtered, paginated list (no tokens: only their hashes exist) and
revocation of one invitation or of every unused invitation of a rated unit, each confirmed on a
page that says how many links stop working."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from survey_app.admin import bp
from survey_app.admin.access import (
    commit_or_flash,
    current_user,
    invited_unit,
    round_or_404,
)
from survey_app.admin.confirm import confirmation_page, confirmed
from survey_app.admin.forms import ActionForm, InvitationFilterForm, RevokeUnitForm, options
from survey_app.auth import login_required
from survey_app.admin.invitation_bundles import bundle_form
from survey_app.operations import invitation_bundles as bundle_ops
from survey_app.operations import invitations as invitation_ops
from survey_app.operations.confirmations import unused_invitation_count
from flask_babel import gettext as _
from survey_app.i18n import format_number


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
        [("", _("Mọi đơn vị"))] + [(str(u.id), f"{u.code} — {u.name}") for u in units]
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
        action_form=ActionForm(),
        revoke_unit=revoke_unit,
        bundle_form=bundle_form(survey_round),
        bundles=bundle_ops.round_bundles(survey_round),
    )


def _invitation_or_404(survey_round, invitation_id: int):
    invitation = invitation_ops.round_invitation(survey_round, invitation_id)
    if invitation is None:
        abort(404)
    return invitation


@bp.get("/rounds/<int:round_id>/invitations/<int:invitation_id>/revoke")
@login_required("admin")
def invitation_revoke_confirm(round_id: int, invitation_id: int):
    survey_round = round_or_404(round_id)
    invitation = _invitation_or_404(survey_round, invitation_id)
    possible = invitation.status == "issued"
    consequences = [
        _("Thư mời #%(id)s (đơn vị %(unit)s) bị thu hồi: liên kết của nó không còn dùng được, "
          "người nhận sẽ thấy trang từ chối.", id=invitation.id,
          unit=invitation.rated_unit.name),
        _("Không thể hoàn tác; muốn mời lại phải phát thư mời mới."),
    ]
    if not possible:
        consequences = [_("Thư mời #%(id)s không còn ở trạng thái chưa dùng, không thu hồi được.",
                          id=invitation.id)]
    return confirmation_page(
        survey_round, kind="revoke", heading=_("Thu hồi thư mời #%(id)s", id=invitation.id),
        consequences=consequences,
        action_url=url_for("admin.invitation_revoke", round_id=round_id,
                           invitation_id=invitation_id),
        hidden=_filters(request.args), button=_("Xác nhận thu hồi"),
        cancel_url=_list_url(round_id, request.args), possible=possible,
    )


def _filters(source) -> dict:
    return {key: source.get(key) for key in ("status", "unit", "page") if source.get(key)}


@bp.post("/rounds/<int:round_id>/invitations/<int:invitation_id>/revoke")
@login_required("admin")
def invitation_revoke(round_id: int, invitation_id: int):
    survey_round = round_or_404(round_id)
    _invitation_or_404(survey_round, invitation_id)
    if not confirmed():
        return redirect(url_for("admin.invitation_revoke_confirm", round_id=round_id,
                                invitation_id=invitation_id, **_filters(request.form)))
    invitation = invitation_ops.round_invitation(survey_round, invitation_id)
    if ActionForm().validate_on_submit():
        commit_or_flash(
            lambda: invitation_ops.revoke_invitation(invitation, current_user()),
            _("Đã thu hồi thư mời #%(id)s; liên kết của nó không còn dùng được.", id=invitation_id),
        )
    return redirect(_list_url(round_id, request.form))



@bp.get("/rounds/<int:round_id>/invitations/revoke-unit")
@login_required("admin")
def invitation_revoke_unit_confirm(round_id: int):
    survey_round = round_or_404(round_id)
    unit = invited_unit(survey_round, request.args)
    if unit is None:
        flash(_("Hãy chọn một đơn vị có thư mời."), "error")
        return redirect(_list_url(round_id, request.args))
    count = unused_invitation_count(survey_round, unit)
    consequences = [
        _("%(n)s thư mời chưa dùng của %(unit)s bị thu hồi: liên kết của chúng không còn dùng "
          "được.", n=format_number(count), unit=unit.name),
        _("Thư mời đã dùng và phiếu đã nhận không đổi. Không thể hoàn tác."),
    ]
    return confirmation_page(
        survey_round, kind="revoke_unit",
        heading=_("Thu hồi thư mời chưa dùng của %(unit)s", unit=unit.name),
        consequences=consequences,
        action_url=url_for("admin.invitation_revoke_unit", round_id=round_id),
        hidden={"unit_id": unit.id, **_filters(request.args)},
        button=_("Xác nhận thu hồi %(n)s thư mời", n=format_number(count)),
        cancel_url=_list_url(round_id, request.args), possible=count > 0,
    )


@bp.post("/rounds/<int:round_id>/invitations/revoke-unit")
@login_required("admin")
def invitation_revoke_unit(round_id: int):
    survey_round = round_or_404(round_id)
    form = RevokeUnitForm()
    units = {u.id: u for u in invitation_ops.invited_units(survey_round)}
    form.unit_id.choices = options([(u.id, u.code) for u in units.values()])
    if not form.validate_on_submit():
        flash(_("Hãy chọn một đơn vị có thư mời."), "error")
        return redirect(_list_url(round_id, request.form))
    if not confirmed():
        return redirect(url_for("admin.invitation_revoke_unit_confirm", round_id=round_id,
                                unit_id=form.unit_id.data, **_filters(request.form)))
    unit = units[form.unit_id.data]
    count = commit_or_flash(
        lambda: invitation_ops.revoke_unused_invitations(survey_round, unit, current_user()),
        _("Đã thu hồi mọi thư mời chưa dùng của %(unit)s.", unit=unit.code),
    )
    if count:
        flash(_("%(n)s thư mời đã bị thu hồi.", n=format_number(count)), "ok")
    return redirect(_list_url(round_id, request.form))
