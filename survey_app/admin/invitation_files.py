"""A round's invitation files (PDF cards, XLSX lists of each issue, kept for a limited time and
downloaded with an audit event) and re-issuing a unit's invitations after a confirmation page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from survey_app.admin import bp
from survey_app.admin.access import (
    commit_or_flash,
    current_user,
    invited_unit,
    round_or_404,
)
from survey_app.admin.confirm import confirmation_page, confirmed
from survey_app.admin.forms import ActionForm
from survey_app.auth import login_required
from survey_app.extensions import db
from survey_app.i18n import format_number
from survey_app.operations import invitation_files as file_ops
from survey_app.operations import invitations as invitation_ops
from survey_app.operations.confirmations import unused_invitation_count
from survey_app.spreadsheets import send_file


@bp.get("/rounds/<int:round_id>/invitations/files")
@login_required("admin")
def invitation_files(round_id: int):
    survey_round = round_or_404(round_id)
    return render_template(
        "admin/invitation_files.html", round=survey_round,
        files=file_ops.round_files(survey_round),
        units=invitation_ops.invited_units(survey_round),
    )


@bp.get("/rounds/<int:round_id>/invitations/files/<int:file_id>")
@login_required("admin")
def invitation_file_download(round_id: int, file_id: int):
    survey_round = round_or_404(round_id)
    stored = file_ops.round_file(survey_round, file_id)
    if stored is None:
        abort(404)
    if stored.expired():
        abort(410)
    file_ops.record_download(current_user(), stored)
    db.session.commit()
    return send_file(stored.content, stored.filename, stored.mimetype, no_store=True)



@bp.get("/rounds/<int:round_id>/invitations/reissue")
@login_required("admin")
def invitation_reissue_confirm(round_id: int):
    survey_round = round_or_404(round_id)
    unit = invited_unit(survey_round, request.args)
    if unit is None:
        flash(_("Hãy chọn một đơn vị có thư mời."), "error")
        return redirect(url_for("admin.invitation_files", round_id=round_id))
    count = unused_invitation_count(survey_round, unit)
    consequences = [
        _("%(n)s thư mời chưa dùng của %(unit)s bị thu hồi: liên kết cũ không còn dùng được.",
          n=format_number(count), unit=unit.name),
        _("%(n)s thư mời mới được phát cho đúng những người đó, kèm tệp PDF để in và tệp XLSX "
          "để gửi.", n=format_number(count)),
        _("Thư mời đã dùng và phiếu đã nhận không đổi. Không thể hoàn tác."),
    ]
    if not survey_round.accepts_invitations:
        consequences = [_("Đợt đã đóng, không phát thêm thư mời.")]
    return confirmation_page(
        survey_round, kind="reissue", heading=_("Phát lại thư mời của %(unit)s", unit=unit.name),
        consequences=consequences,
        action_url=url_for("admin.invitation_reissue", round_id=round_id),
        hidden={"unit_id": unit.id}, button=_("Xác nhận phát lại %(n)s thư mời",
                                              n=format_number(count)),
        cancel_url=url_for("admin.invitation_files", round_id=round_id),
        possible=count > 0 and survey_round.accepts_invitations,
    )


@bp.post("/rounds/<int:round_id>/invitations/reissue")
@login_required("admin")
def invitation_reissue(round_id: int):
    survey_round = round_or_404(round_id)
    unit = invited_unit(survey_round, request.form)
    if unit is None:
        flash(_("Hãy chọn một đơn vị có thư mời."), "error")
        return redirect(url_for("admin.invitation_files", round_id=round_id))
    if not confirmed() or not ActionForm().validate_on_submit():
        return redirect(url_for("admin.invitation_reissue_confirm", round_id=round_id,
                                unit_id=unit.id))
    user = current_user()

    def reissue():
        issued = file_ops.reissue_unit_invitations(survey_round, unit, user)
        file_ops.store_issue_files(survey_round, issued, unit=unit, user=user)
        return len(issued)

    count = commit_or_flash(reissue, _("Đã phát lại thư mời của %(unit)s.", unit=unit.name))
    if count:
        flash(_("%(n)s thư mời mới; tải tệp PDF hoặc XLSX bên dưới.", n=format_number(count)),
              "ok")
    return redirect(url_for("admin.invitation_files", round_id=round_id))
