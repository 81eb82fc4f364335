"""What authorises an answer (a QR entry point or a personal invitation) and the questionnaire
it serves, resolved in one query; published questionnaires built once per process.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from survey_app.clock import vietnam_today
from survey_app.extensions import db
from survey_app.models import (
    EntryPoint, Invitation, InvitationBundle, QuestionnaireVersion, SurveyRound, Unit,
)
from survey_app.operations.documents import load_questionnaire
from survey_app.refusals import N_, Refused
from survey_app.tokens import token_hash

USED = N_("Lời mời này đã được dùng để gửi phiếu. Mỗi lời mời chỉ gửi được một lần.")
# A multi-unit invitation (``invitation_bundles``): used up as a whole, or one unit answered.
BUNDLE_USED = N_("Lời mời này đã dùng xong: Ông/Bà đã đánh giá mọi đơn vị hoặc đã kết thúc. "
                 "Mỗi lời mời chỉ dùng được một lần.")
UNIT_ANSWERED = N_("Ông/Bà đã gửi phiếu đánh giá đơn vị này. Mỗi đơn vị chỉ được đánh giá một "
                   "lần.")

# A published questionnaire never changes, and its content hash names its content: the built
# ``questionnaires.Questionnaire`` is kept per process under that hash (a few dozen forms at most).
BUILT_LIMIT = 64
_built: OrderedDict[str, Any] = OrderedDict()
_built_lock = threading.Lock()


def built_questionnaire(row: QuestionnaireVersion):
    """The ``questionnaires.Questionnaire`` of ``row``; a published one is built once per process.

    A draft version is built from its content each time (its content may still change).
    """
    if not row.is_published:
        return load_questionnaire(row)
    built = _built.get(row.content_hash)
    if built is None:
        built = load_questionnaire(row)  # loads the deferred content only now
        with _built_lock:
            _built[row.content_hash] = built
            while len(_built) > BUILT_LIMIT:
                _built.popitem(last=False)
    return built


def unknown_source() -> Refused:
    return Refused(
        N_("Không tìm thấy phiếu khảo sát này. Vui lòng kiểm tra lại đường dẫn hoặc mã QR."),
        status=404,
        code="unknown",
    )


@dataclass
class Source:
    """What authorises an answer: a QR entry point or a personal invitation, resolved."""

    round: SurveyRound
    questionnaire_row: QuestionnaireVersion
    rated_unit: Unit
    respondent_group: str
    entry_point: EntryPoint | None = None
    invitation: Invitation | None = None
    # Set when the invitation is one unit of a multi-unit invitation.
    bundle: InvitationBundle | None = None

    @property
    def kind(self) -> str:
        return "invitation" if self.invitation is not None else "entry"

    @property
    def questionnaire(self):
        """The ``questionnaires.Questionnaire`` this source serves."""
        return built_questionnaire(self.questionnaire_row)

    def refusal(self, today: dt.date | None = None) -> Refused | None:
        """The reason this source cannot take a new answer on ``today`` (Vietnam's date, default
        now), or ``None``: revoked, used, or a round that is not open or past its closing date."""
        if self.entry_point is not None and self.entry_point.revoked:
            return Refused(N_("Mã QR này đã ngừng sử dụng."), status=410, code="revoked")
        if self.bundle is not None and self.bundle.status == "revoked":
            return Refused(N_("Lời mời này đã bị thu hồi."), status=410, code="revoked")
        if self.bundle is not None and self.bundle.status == "used":
            return Refused(BUNDLE_USED, status=409, code="used")
        if self.invitation is not None and self.invitation.status == "revoked":
            return Refused(N_("Lời mời này đã bị thu hồi."), status=410, code="revoked")
        if self.invitation is not None and self.invitation.status == "used":
            return Refused(UNIT_ANSWERED if self.bundle is not None else USED, status=409,
                           code="used")
        if not self.round.accepts_answers_on(today or vietnam_today()):
            return Refused(
                N_("Đợt khảo sát này đã đóng hoặc chưa mở. Cảm ơn Ông/Bà đã quan tâm."),
                status=410,
                code="closed",
            )
        return None


def _source_query(model, key_column, unit_relation):
    """One query for the source row, its round, its unit and its questionnaire's header (the
    questionnaire's content is loaded only when the built form is not cached yet). Built once:
    the key is a bound parameter, so a request pays for neither building nor compiling it."""
    return (
        select(model)
        .where(key_column == bindparam("key"))
        .options(
            joinedload(model.round),
            joinedload(unit_relation),
            joinedload(model.questionnaire).defer(QuestionnaireVersion.content),
        )
    )


ENTRY_QUERY = _source_query(EntryPoint, EntryPoint.code, EntryPoint.unit)
INVITATION_QUERY = _source_query(Invitation, Invitation.token_hash, Invitation.rated_unit)


def resolve_entry(code: str) -> Source:
    """The source behind a QR code; raises ``Refused`` (404, "unknown") if there is none."""
    if not isinstance(code, str) or not 0 < len(code) <= 40:
        raise unknown_source()
    entry = db.session.scalar(ENTRY_QUERY, {"key": code})
    if entry is None:
        raise unknown_source()
    return Source(
        round=entry.round,
        questionnaire_row=entry.questionnaire,
        rated_unit=entry.unit,
        respondent_group=entry.questionnaire.respondent_group,
        entry_point=entry,
    )


def _entry_head_query():
    """The columns a QR submission needs, in one Core query on the tables (no ORM loading)."""
    entries, rounds = EntryPoint.__table__.c, SurveyRound.__table__.c
    forms = QuestionnaireVersion.__table__.c
    return (
        select(entries.id, entries.unit_id, entries.revoked, rounds.id.label("round_id"),
               rounds.code.label("round_code"), rounds.status.label("round_status"),
               rounds.anonymous, rounds.closes_on, forms.id.label("form_id"), forms.form_key,
               forms.version, forms.content_hash, forms.status.label("form_status"),
               forms.respondent_group)
        .select_from(EntryPoint.__table__
                     .join(SurveyRound.__table__, rounds.id == entries.round_id)
                     .join(QuestionnaireVersion.__table__, forms.id == entries.questionnaire_id))
        .where(entries.code == bindparam("key"))
    )


ENTRY_HEAD_QUERY = _entry_head_query()


def resolve_entry_for_submission(code: str) -> Source:
    """:func:`resolve_entry` for storing an answer (``operations.submissions.submit``): the same
    source and refusals, read with one Core query into objects that are never added to the
    session (the entry point, its round, unit and questionnaire header hold what ``submit`` and
    ``Source.refusal`` read). A questionnaire not yet built in this process goes the ORM way."""
    if not isinstance(code, str) or not 0 < len(code) <= 40:
        raise unknown_source()
    row = db.session.connection().execute(ENTRY_HEAD_QUERY, {"key": code}).one_or_none()
    if row is None:
        raise unknown_source()
    if row.form_status != "published" or row.content_hash not in _built:
        return resolve_entry(code)
    form = QuestionnaireVersion(id=row.form_id, form_key=row.form_key, version=row.version,
                                content_hash=row.content_hash, status=row.form_status,
                                respondent_group=row.respondent_group)
    return Source(
        round=SurveyRound(id=row.round_id, code=row.round_code, status=row.round_status,
                          anonymous=row.anonymous, closes_on=row.closes_on),
        questionnaire_row=form,
        rated_unit=Unit(id=row.unit_id),
        respondent_group=row.respondent_group,
        entry_point=EntryPoint(id=row.id, code=code, revoked=row.revoked),
    )


def resolve_invitation(token: str) -> Source:
    """The source behind an invitation token; ``Refused`` (404, "unknown") if there is none."""
    if not isinstance(token, str) or not 0 < len(token) <= 200:
        raise unknown_source()
    invitation = db.session.scalar(INVITATION_QUERY, {"key": token_hash(token)})
    if invitation is None:
        raise unknown_source()
    return Source(
        round=invitation.round,
        questionnaire_row=invitation.questionnaire,
        rated_unit=invitation.rated_unit,
        respondent_group=invitation.respondent_group,
        invitation=invitation,
    )


def find_published_questionnaire(form_key: str, version: str) -> QuestionnaireVersion | None:
    """The published questionnaire version with this id and version, or ``None``."""
    return db.session.scalar(
        select(QuestionnaireVersion).filter_by(
            form_key=form_key, version=version, status="published"
        )
    )
