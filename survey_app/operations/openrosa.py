"""What ODK Collect is served (``survey_app.openrosa``): the forms an interviewer may fill, their
XForms, and the storing of a submitted instance through :func:`submissions.submit`.

One XForm per QR entry point of an open round: an entry point is one questionnaire (the one the
rating matrix assigns) for one rated unit, so the unit travels in the form id
(``par-<entry code>``) and the interviewer never picks it. XForms are built once per process per
form; pyxform runs once per questionnaire (a published questionnaire never changes) and each
entry point's copy only renames it.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from questionnaires.xform import InstanceRefused, named_xform, read_instance, xform_template
from survey_app.extensions import db
from survey_app.models import EntryPoint, QuestionnaireVersion, SurveyRound, User
from survey_app.operations import collect
from survey_app.operations.answer_sources import built_questionnaire, resolve_entry
from survey_app.operations.submissions import Receipt, submit
from survey_app.refusals import N_, Refused

FORM_PREFIX = "par-"
TEMPLATE_CACHE_LIMIT = 64
XFORM_CACHE_LIMIT = 256
_templates: OrderedDict[str, bytes] = OrderedDict()
_xforms: OrderedDict[tuple[str, str, str], bytes] = OrderedDict()
_xforms_lock = threading.Lock()

NOT_A_FORM = N_("Không tìm thấy biểu mẫu này trên máy chủ. Vui lòng tải lại danh sách biểu mẫu.")
NOT_ASSIGNED_FORM = N_("Biểu mẫu này không có trong danh sách được giao cho tài khoản này. Vui "
                       "lòng tải lại danh sách biểu mẫu hoặc báo giám sát viên.")
NOT_ASSIGNED = N_("Biểu mẫu này không có trong danh sách được giao cho tài khoản này; phiếu chưa "
                  "được lưu. Vui lòng báo giám sát viên.")
BAD_INSTANCE = N_("Tệp phiếu gửi lên không đọc được (XML lỗi hoặc có khai báo DTD).")


@dataclass(frozen=True)
class OdkForm:
    """One form of the form list: its id, name, version, XForm and the XForm's MD5, and its
    round's title (the form list's ``descriptionText`` when asked ``verbose``)."""

    form_id: str
    name: str
    version: str
    xform: bytes
    description: str = ""

    @property
    def md5(self) -> str:
        return hashlib.md5(self.xform, usedforsecurity=False).hexdigest()


def _remember(cache: OrderedDict, key, value: bytes, limit: int) -> None:
    with _xforms_lock:
        cache[key] = value
        while len(cache) > limit:
            cache.popitem(last=False)


def _form(entry: EntryPoint) -> OdkForm:
    row = entry.questionnaire
    form_id = f"{FORM_PREFIX}{entry.code}"
    counter = f" ({entry.counter})" if entry.counter else ""
    name = f"{row.title} — {entry.unit.name}{counter}"
    key = (row.content_hash, form_id, name)
    xform = _xforms.get(key)
    if xform is None:
        template = _templates.get(row.content_hash)
        if template is None:
            template = xform_template(built_questionnaire(row))
            _remember(_templates, row.content_hash, template, TEMPLATE_CACHE_LIMIT)
        xform = named_xform(template, form_id=form_id, title=name)
        _remember(_xforms, key, xform, XFORM_CACHE_LIMIT)
    return OdkForm(form_id=form_id, name=name, version=row.version, xform=xform,
                   description=entry.round.title)


def _open_entries():
    return (select(EntryPoint).join(EntryPoint.round).join(EntryPoint.questionnaire)
            .where(SurveyRound.status == "open", EntryPoint.revoked.is_(False),
                   QuestionnaireVersion.status == "published")
            .options(joinedload(EntryPoint.unit), joinedload(EntryPoint.questionnaire))
            .order_by(SurveyRound.id, EntryPoint.id))


def form_list(interviewer: User, form_id: str | None = None) -> list[OdkForm]:
    """The forms of the open rounds' QR entry points (published questionnaires only) that
    ``interviewer`` is assigned (:func:`collect.assigned_units`); only ``form_id`` if given."""
    assigned = collect.assigned_units(interviewer)
    if not assigned:
        return []
    forms = [_form(entry) for entry in db.session.scalars(_open_entries())
             if (entry.round_id, entry.unit_id) in assigned]
    return [form for form in forms if form_id is None or form.form_id == form_id]


def find_form(form_id: str, interviewer: User) -> OdkForm:
    """The form ``form_id`` names, even if its round has closed since; ``Refused`` 404 if none,
    403 if it is not one of ``interviewer``'s forms."""
    if not form_id.startswith(FORM_PREFIX):
        raise Refused(NOT_A_FORM, status=404, code="unknown")
    code = form_id[len(FORM_PREFIX):]
    entry = db.session.scalar(select(EntryPoint).where(EntryPoint.code == code)
                              .options(joinedload(EntryPoint.unit),
                                       joinedload(EntryPoint.questionnaire)))
    if entry is None:
        raise Refused(NOT_A_FORM, status=404, code="unknown")
    if not collect.may_fill(interviewer, entry):
        raise Refused(NOT_ASSIGNED_FORM, status=403, code="forbidden")
    return _form(entry)


def store_instance(document: bytes, interviewer: User, *, device: str | None = None) -> Receipt:
    """Store the instance ODK Collect sent, once per ``meta/instanceID``, through ``submit``
    (same cleaning, round and entry point rules). ``Refused`` 400 for a document that is not
    read (nothing stored), 404 for an unknown form, 403 for a form not in ``interviewer``'s list;
    ``submit``'s refusals otherwise. A stored submission gets its fieldwork record
    (:func:`collect.record_submission`); a resend does not."""
    try:
        instance = read_instance(document)
    except InstanceRefused:
        raise Refused(BAD_INSTANCE, status=400, code="bad_request") from None
    if not instance.form_id.startswith(FORM_PREFIX):
        raise Refused(NOT_A_FORM, status=404, code="unknown")
    source = resolve_entry(instance.form_id[len(FORM_PREFIX):])
    if not collect.may_fill(interviewer, source.entry_point):
        raise Refused(NOT_ASSIGNED, status=403, code="forbidden")
    repeats = {q.name for q in source.questionnaire.questions if q.type == "repeat"}
    answers = instance.with_rows(repeats)
    collect.refuse_changed_resend(source, instance.instance_id, answers)
    collect.refuse_edit_of_stored(instance.deprecated_id)
    receipt = submit(source, instance.instance_id, answers, channel="odk", device=device)
    if receipt.created:
        collect.record_submission(interviewer, source.entry_point, receipt)
    return receipt
