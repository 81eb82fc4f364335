"""``/openrosa``: the OpenRosa form list and submission API that ODK Collect speaks.

ODK Collect's server URL is ``PUBLIC_BASE_URL/openrosa``: it asks ``GET formList``, downloads
each ``forms/<form id>.xml``, and sends each filled form by ``HEAD`` then ``POST submission``
(multipart, the instance in ``xml_submission_file``). Every request is authenticated by HTTP
Basic over the staff accounts with the ``interviewer`` role (use HTTPS), under the login rate
limit of ``survey_app.auth``. The same routes under ``/openrosa/key/<key>/`` name the
interviewer by a Collect key instead (``survey_app.operations.collect_keys``, like ODK Central's
app users): no credentials, so it works over plain http. Forms and storing live in
``survey_app.operations.openrosa``.
"""
from __future__ import annotations

import functools
from email.utils import formatdate
from xml.sax.saxutils import escape

from flask import Blueprint, Response, current_app, g, has_request_context, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from survey_app.extensions import db
from survey_app.guards import ODK_SUBMISSION_BYTES
from survey_app.operations import accounts, collect_keys, openrosa
from survey_app.refusals import N_, Refused

bp = Blueprint("openrosa", __name__, url_prefix="/openrosa")

ODK_ROLES = ("interviewer",)
REALM = "par-survey"
FORM_LIST_NS = "http://openrosa.org/xforms/xformsList"
RESPONSE_NS = "http://openrosa.org/http/response"
MANIFEST_NS = "http://openrosa.org/xforms/xformsManifest"


def _headers(response: Response) -> Response:
    response.headers["X-OpenRosa-Version"] = "1.0"
    response.headers["Date"] = formatdate(usegmt=True)
    response.headers["Content-Language"] = get_locale().language if has_request_context() else "vi"
    return response


def _xml(body: str | bytes, status: int = 200) -> Response:
    return _headers(Response(body, status=status, content_type="text/xml; charset=utf-8"))


def message_response(text: str, status: int) -> Response:
    """An OpenRosa response document carrying ``text`` (Collect shows it to the interviewer)."""
    return _message(text, status)


def _message(text: str, status: int) -> Response:
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<OpenRosaResponse xmlns="{RESPONSE_NS}">'
            f'<message nature="">{escape(text)}</message></OpenRosaResponse>')
    return _xml(body, status)


def _challenge(text: str) -> Response:
    response = _message(text, 401)
    response.headers["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
    return response


def _by_key(key: str) -> Response | None:
    """Resolve the interviewer from a Collect key into ``g.user`` (None), or the refusal."""
    try:
        g.user = collect_keys.interviewer_of(key)
    except Refused as refused:
        return _refused(refused)
    g.collect_key = key
    return None


def interviewer_auth(view):
    """The interviewer of the request, into ``g.user``: from the Collect key in the URL
    (``/openrosa/key/<collect_key>/...``: 401 for an unknown or revoked key, 403 when the account
    is no longer an active interviewer), else by HTTP Basic (401 with a challenge, 429 when the
    address or account is rate limited, 403 for another role)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        g.collect_key = None
        if "collect_key" in kwargs:
            refusal = _by_key(kwargs.pop("collect_key"))
            return refusal if refusal is not None else view(*args, **kwargs)
        credentials = request.authorization
        if credentials is None or credentials.type != "basic" or not credentials.username:
            return _challenge(_("Vui lòng đăng nhập bằng tài khoản điều tra viên."))
        limits = accounts.LoginLimits.from_config(current_app.config)
        result = accounts.authenticate(credentials.username, credentials.password or "",
                                       request.remote_addr, limits)
        db.session.commit()  # a failure is counted; a success clears the account's failures
        if result.refused == "limited":
            response = _message(_("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(n)s phút.",
                                  n=result.retry_minutes), 429)
            response.headers["Retry-After"] = str(60 * result.retry_minutes)
            return response
        if result.user is None:
            return _challenge(_("Tên đăng nhập hoặc mật khẩu không đúng."))
        if result.user.role not in ODK_ROLES:
            return _message(_("Tài khoản này không phải tài khoản điều tra viên."), 403)
        g.user = result.user
        return view(*args, **kwargs)

    return wrapped


def _refused(refused: Refused) -> Response:
    db.session.rollback()
    return _message(refused.message(), refused.status)


@bp.get("/formList")
@bp.get("/key/<collect_key>/formList", endpoint="key_form_list")
@interviewer_auth
def form_list():
    """The OpenRosa form list: the forms the interviewer is assigned (``survey_app.operations.
    collect``); ``formID`` lists that form only, ``verbose=true`` adds each form's round as its
    ``descriptionText``. No ``manifestUrl``: the forms have no media (the Form List API reads its
    absence as "no media files")."""
    verbose = request.args.get("verbose", "").lower() == "true"
    items = []
    for form in openrosa.form_list(g.user, request.args.get("formID") or None):
        url = _form_url(form.form_id)
        description = (f"<descriptionText>{escape(form.description)}</descriptionText>"
                       if verbose else "")
        items.append(f"<xform><formID>{escape(form.form_id)}</formID>"
                     f"<name>{escape(form.name)}</name>"
                     f"<version>{escape(form.version)}</version>"
                     f"<hash>md5:{form.md5}</hash>{description}"
                     f"<downloadUrl>{escape(url)}</downloadUrl></xform>")
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<xforms xmlns="{FORM_LIST_NS}">'
            + "".join(items) + "</xforms>")
    return _xml(body)


def _form_url(form_id: str) -> str:
    """A form's download URL, under the key when the form list was asked for by key."""
    if g.collect_key:
        return url_for("openrosa.key_form_xml", collect_key=g.collect_key, form_id=form_id,
                       _external=True)
    return url_for("openrosa.form_xml", form_id=form_id, _external=True)


@bp.get("/forms/<form_id>.xml")
@bp.get("/key/<collect_key>/forms/<form_id>.xml", endpoint="key_form_xml")
@interviewer_auth
def form_xml(form_id: str):
    """One XForm, generated by pyxform from the questionnaire's XLSForm."""
    try:
        form = openrosa.find_form(form_id, g.user)
    except Refused as refused:
        return _refused(refused)
    return _xml(form.xform)


@bp.get("/forms/<form_id>/manifest")
@bp.get("/key/<collect_key>/forms/<form_id>/manifest", endpoint="key_form_manifest")
@interviewer_auth
def form_manifest(form_id: str):
    """The form's media manifest: always empty (no form has media, so the form list gives no
    ``manifestUrl``; served for clients that ask anyway, with the download's 403/404 rules)."""
    try:
        openrosa.find_form(form_id, g.user)
    except Refused as refused:
        return _refused(refused)
    return _xml(f'<?xml version="1.0" encoding="UTF-8"?>\n<manifest xmlns="{MANIFEST_NS}"/>')


def _accepting(response: Response) -> Response:
    response.headers["X-OpenRosa-Accept-Content-Length"] = str(ODK_SUBMISSION_BYTES)
    return response


@bp.route("/submission", methods=["HEAD", "POST"])
@bp.route("/key/<collect_key>/submission", methods=["HEAD", "POST"], endpoint="key_submission")
@interviewer_auth
def submission():
    """``HEAD``: 204 and the largest body accepted. ``POST``: store the instance once (201; 202
    for a resend). Any file beside ``xml_submission_file`` is refused by name (400), nothing
    stored: the forms have no media question and no ``meta/audit``, so a photo or Collect's
    ``audit.csv`` would otherwise be dropped in silence."""
    if request.method == "HEAD":
        return _accepting(_headers(Response(status=204)))
    return _accepting(_store())


def _store() -> Response:
    extra = sorted({upload.filename or name for name, upload in request.files.items(multi=True)
                    if name != "xml_submission_file"})
    upload = request.files.get("xml_submission_file")
    if upload is None:
        return _message(_(NO_INSTANCE), 400)
    if extra:
        names = ", ".join(extra)
        if any(name.lower().endswith("audit.csv") for name in extra):
            return _message(_(AUDIT_REFUSED, names=names), 400)
        return _message(_(FILES_REFUSED, names=names), 400)
    document = upload.read()
    try:
        receipt = openrosa.store_instance(document, g.user, device="mobile")
    except Refused as refused:
        return _refused(refused)
    db.session.commit()
    if receipt.created:
        return _message(_("Đã nhận phiếu. Mã biên nhận: %(receipt)s", receipt=receipt.receipt), 201)
    return _message(_("Phiếu này đã được nhận trước đây. Mã biên nhận: %(receipt)s",
                      receipt=receipt.receipt), 202)


NO_INSTANCE = N_("Thiếu tệp phiếu (xml_submission_file).")
FILES_REFUSED = N_("Phiếu gửi kèm tệp %(names)s nhưng biểu mẫu không có câu hỏi nhận tệp; phiếu "
                   "chưa được lưu. Vui lòng xoá tệp đính kèm rồi gửi lại, hoặc báo giám sát viên.")
AUDIT_REFUSED = N_("Phiếu gửi kèm nhật ký %(names)s của ODK Collect nhưng biểu mẫu không khai "
                   "báo meta/audit; phiếu chưa được lưu. Vui lòng báo giám sát viên.")
