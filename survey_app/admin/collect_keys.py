"""ODK Collect keys from the supervisor's interviewers page: make an interviewer's key (revoking
the previous one) and show it once with the QR code that configures Collect; revoke it."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from survey_app.admin import bp
from survey_app.admin.access import commit_or_flash, current_user, round_or_404
from survey_app.admin.forms import ActionForm
from survey_app.auth import login_required
from survey_app.operations import collect_keys
from survey_app.operations.posters import qr_inline_svg


def _interviewer_or_404(user_id: int):
    user = collect_keys.interviewer(user_id)
    if user is None:
        abort(404)
    return user


def _back(round_id: int):
    return redirect(url_for("admin.interviewers", round_id=round_id, _anchor="collect"), 303)


@bp.post("/rounds/<int:round_id>/interviewers/<int:user_id>/collect-key")
@login_required("admin")
def collect_key_create(round_id: int, user_id: int):
    """A new Collect key for the interviewer (the previous one revoked), shown once."""
    survey_round = round_or_404(round_id)
    user = _interviewer_or_404(user_id)
    if not ActionForm().validate_on_submit():
        flash(_("Phiên làm việc đã hết hạn; vui lòng thử lại."), "error")
        return _back(round_id)
    key = commit_or_flash(lambda: collect_keys.new_key(user, current_user()),
                          _("Đã tạo mã cấu hình ODK Collect; mã chỉ hiện một lần."))
    if key is None:
        return _back(round_id)
    url = collect_keys.server_url(key)
    qr = qr_inline_svg(collect_keys.settings_payload(url, user.display_name), size_mm=70)
    html = render_template("admin/collect_key.html", round=survey_round, interviewer=user,
                           server_url=url, qr=qr, form=ActionForm())
    return Response(html, mimetype="text/html", headers={"Cache-Control": "no-store"})


@bp.post("/rounds/<int:round_id>/interviewers/<int:user_id>/collect-key/revoke")
@login_required("admin")
def collect_key_revoke(round_id: int, user_id: int):
    round_or_404(round_id)
    user = _interviewer_or_404(user_id)
    if not ActionForm().validate_on_submit():
        flash(_("Phiên làm việc đã hết hạn; vui lòng thử lại."), "error")
    else:
        commit_or_flash(lambda: collect_keys.revoke(user, current_user()),
                        _("Đã thu hồi mã cấu hình ODK Collect của %(name)s.",
                          name=user.display_name))
    return _back(round_id)
