"""Answering a questionnaire: who may answer, drafts, and the one idempotent submission.

The HTML flow (``survey_app.respond``) and the JSON API (``survey_app.api``) both go through
:func:`submit`. Functions here add, update and flush but never commit: the view commits once,
so the token is consumed in the same transaction as the response is inserted.
"""
from __future__ import annotations

import base64
import datetime as dt
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any, Mapping

from sqlalchemy import delete, insert, select, update

from survey_app.extensions import db
from survey_app.models import Draft, EntryPoint, Invitation, QuestionnaireVersion, Response, SurveyRound, Unit
from survey_app.models.base import utcnow
from survey_app.operations.documents import load_questionnaire
from survey_app.operations.fieldwork_setup import find_entry_point, find_invitation
from survey_app.tokens import new_token, token_hash

# Vietnam keeps UTC+7 all year; the day a response arrives is the day there.
VIETNAM_TIME = dt.timezone(dt.timedelta(hours=7))
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U
DEVICE_CLASSES = ("mobile", "tablet", "desktop")
MAX_PAGE_SECONDS = 6 * 3600


@dataclass
class Refusal(Exception):
    """Why an answer cannot be taken: ``kind`` maps to an HTTP status and a page."""

    kind: str  # unknown | closed | used | revoked | invalid | conflict
    message_vi: str
    message_en: str
    errors: list = field(default_factory=list)

    STATUS = {"unknown": 404, "closed": 410, "revoked": 410, "used": 409, "conflict": 409, "invalid": 422}

    @property
    def status(self) -> int:
        return self.STATUS[self.kind]

    def message(self, language: str = "vi") -> str:
        return self.message_en if language == "en" else self.message_vi

    def __str__(self) -> str:
        return f"{self.kind}: {self.message_en}"


def _unknown() -> Refusal:
    return Refusal("unknown", "Không tìm thấy phiếu khảo sát này. Vui lòng kiểm tra lại đường dẫn hoặc mã QR.",
                   "This survey link or QR code was not found. Please check it.")


@dataclass
class Source:
    """What authorises an answer: a QR entry point or a personal invitation, resolved."""

    round: SurveyRound
    questionnaire_row: QuestionnaireVersion
    rated_unit: Unit
    respondent_group: str
    entry_point: EntryPoint | None = None
    invitation: Invitation | None = None
    _questionnaire: Any = None

    @property
    def kind(self) -> str:
        return "invitation" if self.invitation is not None else "entry"

    @property
    def questionnaire(self):
        """The ``questionnaires.Questionnaire`` this source serves (built once)."""
        if self._questionnaire is None:
            self._questionnaire = load_questionnaire(self.questionnaire_row)
        return self._questionnaire

    def refusal(self) -> Refusal | None:
        """The reason this source cannot take a new answer now, or ``None``."""
        if self.entry_point is not None and self.entry_point.revoked:
            return Refusal("revoked", "Mã QR này đã ngừng sử dụng.", "This QR code is no longer in use.")
        if self.invitation is not None and self.invitation.status == "revoked":
            return Refusal("revoked", "Lời mời này đã bị thu hồi.", "This invitation has been withdrawn.")
        if self.invitation is not None and self.invitation.status == "used":
            return Refusal("used", "Lời mời này đã được dùng để gửi phiếu. Mỗi lời mời chỉ gửi được một lần.",
                           "This invitation has already been used. Each invitation can answer once.")
        if not self.round.is_open:
            return Refusal("closed",
                           "Đợt khảo sát này đã đóng hoặc chưa mở. Cảm ơn Ông/Bà đã quan tâm.",
                           "This survey round is closed or not open yet. Thank you for your interest.")
        return None


def resolve_entry(code: str) -> Source:
    """The source behind a QR code; raises :class:`Refusal` ("unknown") if there is none."""
    entry = find_entry_point(code) if isinstance(code, str) and 0 < len(code) <= 40 else None
    if entry is None:
        raise _unknown()
    return Source(round=entry.round, questionnaire_row=entry.questionnaire, rated_unit=entry.unit,
                  respondent_group=entry.questionnaire.respondent_group, entry_point=entry)


def resolve_invitation(token: str) -> Source:
    """The source behind an invitation token; raises :class:`Refusal` ("unknown") if there is none."""
    invitation = find_invitation(token) if isinstance(token, str) and 0 < len(token) <= 200 else None
    if invitation is None:
        raise _unknown()
    return Source(round=invitation.round, questionnaire_row=invitation.questionnaire,
                  rated_unit=invitation.rated_unit, respondent_group=invitation.respondent_group,
                  invitation=invitation)


# ---------------------------------------------------------------------------------------- drafts

# A QR respondent's resume key is made by the server: 32 random characters and a keyed signature
# binding them to the entry point. A key chosen by someone else (a crafted ``?resume=`` link) fails
# the signature; a key of another entry point fails it too.
RESUME_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{22}$")
# Keys made before signatures existed: honoured only to move an existing draft to a signed key.
LEGACY_RESUME_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _resume_binding(source: Source) -> str:
    if source.invitation is not None:
        return f"invitation:{source.invitation.id}"
    return f"entry:{source.entry_point.id}"


def _resume_signature(body: str, source: Source) -> str:
    digest = bytes.fromhex(token_hash(f"resume:{_resume_binding(source)}:{body}"))
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def new_resume_key(source: Source) -> str:
    """A new key under which a QR respondent's draft is kept (the browser's cookie holds it)."""
    body = new_token()[:32]
    return f"{body}.{_resume_signature(body, source)}"


def is_issued_resume_key(key: str | None, source: Source) -> bool:
    """True when ``key`` was made by this server for this source."""
    if not isinstance(key, str) or not RESUME_KEY_RE.match(key):
        return False
    body, signature = key.split(".")
    return hmac.compare_digest(signature, _resume_signature(body, source))


def claim_draft(key: str | None, source: Source) -> str | None:
    """Move the draft kept under ``key`` for this source to a new key and return it (``None`` when
    there is no such draft). The old key stops working: a resume link opens the draft once, and
    whoever sent it cannot read what is answered after."""
    if not isinstance(key, str) or not (is_issued_resume_key(key, source)
                                        or LEGACY_RESUME_KEY_RE.match(key)):
        return None
    draft = load_draft(key, source)
    if draft is None:
        return None
    fresh = new_resume_key(source)
    draft.resume_key_hash = _draft_hash(fresh)
    db.session.flush()
    return fresh


def invitation_resume_key(token: str) -> str:
    """An invitation's draft is found again from its link alone, on any device."""
    return "invitation:" + token


def _draft_hash(resume_key: str) -> str:
    return token_hash("draft:" + resume_key)


def load_draft(resume_key: str, source: Source) -> Draft | None:
    """The draft kept under ``resume_key`` for this source's round and questionnaire, or ``None``."""
    if not resume_key:
        return None
    draft = db.session.scalar(select(Draft).filter_by(resume_key_hash=_draft_hash(resume_key)))
    if draft is None or draft.round_id != source.round.id or draft.questionnaire_id != source.questionnaire_row.id:
        return None
    return draft


def save_draft(resume_key: str, source: Source, answers: Mapping[str, Any], paradata: Mapping[str, Any],
               page_index: int) -> Draft:
    """Create or update the draft under ``resume_key``; answers are kept as typed, not validated."""
    draft = load_draft(resume_key, source)
    if draft is None:
        draft = Draft(resume_key_hash=_draft_hash(resume_key), round_id=source.round.id,
                      questionnaire_id=source.questionnaire_row.id)
        db.session.add(draft)
    draft.answers = dict(answers)
    draft.paradata = dict(paradata)
    draft.page_index = int(page_index)
    draft.updated_at = utcnow()
    db.session.flush()
    return draft


def delete_draft(resume_key: str) -> None:
    db.session.execute(delete(Draft).where(Draft.resume_key_hash == _draft_hash(resume_key)))


# ---------------------------------------------------------------------------------------- paradata

def device_class(user_agent: str | None) -> str:
    """``mobile``, ``tablet`` or ``desktop`` from a User-Agent header (nothing else is kept of it)."""
    agent = (user_agent or "").lower()
    if "ipad" in agent or "tablet" in agent or ("android" in agent and "mobile" not in agent):
        return "tablet"
    if any(word in agent for word in ("mobi", "iphone", "ipod", "android", "windows phone")):
        return "mobile"
    return "desktop"


def clean_paradata(paradata: Any, device: str | None = None) -> dict[str, Any]:
    """Keep only what quality control needs: seconds per page, total seconds, device class.

    Unknown keys, negative or absurd times are dropped; no timestamp or address survives.
    """
    kept: dict[str, Any] = {}
    raw = paradata if isinstance(paradata, Mapping) else {}
    pages = raw.get("page_seconds")
    if isinstance(pages, Mapping):
        page_seconds = {
            str(name)[:64]: round(float(value), 1) for name, value in pages.items()
            if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= MAX_PAGE_SECONDS
        }
        if page_seconds:
            kept["page_seconds"] = page_seconds
    total = raw.get("total_seconds")
    if isinstance(total, (int, float)) and not isinstance(total, bool) and 0 <= total <= 10 * MAX_PAGE_SECONDS:
        kept["total_seconds"] = round(float(total), 1)
    elif "page_seconds" in kept:
        kept["total_seconds"] = round(sum(kept["page_seconds"].values()), 1)
    claimed = raw.get("device")
    kept["device"] = device or (claimed if claimed in DEVICE_CLASSES else "unknown")
    if raw.get("language") in ("vi", "en"):
        kept["language"] = raw["language"]
    if raw.get("consent") is True:
        kept["consent"] = True
    return kept


# ---------------------------------------------------------------------------------------- submission

@dataclass(frozen=True)
class Receipt:
    """What a respondent is told: the receipt code. ``created`` is False for a repeated submission."""

    receipt: str
    submission_id: str
    response_id: int
    round_code: str
    questionnaire_id: str
    questionnaire_version: str
    content_hash: str
    submitted_on: dt.date
    created: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "receipt": self.receipt, "submission_id": self.submission_id, "round": self.round_code,
            "questionnaire": {"id": self.questionnaire_id, "version": self.questionnaire_version,
                              "content_hash": self.content_hash},
            "submitted_on": self.submitted_on.isoformat(),
        }


def normalise_submission_id(value: Any) -> str:
    """The canonical form of a submission UUID; raises ``ValueError`` with a sentence otherwise."""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-fA-F-]{32,36}", value.strip()):
        raise ValueError("submission_id phải là một UUID / submission_id must be a UUID string.")
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise ValueError("submission_id phải là một UUID / submission_id must be a UUID string.") from None


def _new_receipt() -> str:
    body = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(10))
    return f"{body[:5]}-{body[5:]}"


def _receipt(row: Response, source: Source, created: bool) -> Receipt:
    return Receipt(receipt=row.receipt, submission_id=row.submission_id, response_id=row.id,
                   round_code=source.round.code, questionnaire_id=source.questionnaire_row.form_key,
                   questionnaire_version=source.questionnaire_row.version,
                   content_hash=source.questionnaire_row.content_hash, submitted_on=row.submitted_on,
                   created=created)


def find_submission(submission_id: str, source: Source) -> Receipt | None:
    """The receipt of an earlier submission with this id for the same source, or ``None``.

    Raises :class:`Refusal` ("conflict") when the id was used for another survey.
    """
    row = db.session.scalar(select(Response).filter_by(submission_id=submission_id))
    if row is None:
        return None
    same = (row.round_id == source.round.id and row.questionnaire_id == source.questionnaire_row.id
            and row.rated_unit_id == source.rated_unit.id and row.respondent_group == source.respondent_group)
    if not same:
        raise Refusal("conflict", "Mã lần gửi (submission_id) này đã được dùng cho một phiếu khác.",
                      "This submission_id was already used for another questionnaire.")
    return _receipt(row, source, created=False)


def _consume_invitation(invitation_id: int, used_on: dt.date | None) -> bool:
    """One conditional UPDATE: True only for the single transaction that turns 'issued' into 'used'."""
    consumed = db.session.execute(
        update(Invitation).where(Invitation.id == invitation_id, Invitation.status == "issued")
        .values(status="used", used_on=used_on).returning(Invitation.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    return consumed is not None


def _insert_response(values: dict[str, Any]) -> bool:
    """Insert unless a response with this submission id exists; True when this call inserted it."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        dialect_insert = None
    if dialect_insert is None:  # pragma: no cover
        db.session.execute(insert(Response).values(**values))
        return True
    statement = (dialect_insert(Response).values(**values)
                 .on_conflict_do_nothing(index_elements=["submission_id"]).returning(Response.id))
    return db.session.execute(statement).scalar_one_or_none() is not None


def submit(source: Source, submission_id: str, answers: Mapping[str, Any], *, channel: str,
           paradata: Mapping[str, Any] | None = None, device: str | None = None,
           resume_key: str | None = None, today: dt.date | None = None) -> Receipt:
    """Store one response, exactly once.

    A repeated ``submission_id`` returns the first receipt (``created=False``) and stores nothing.
    Otherwise the answers are cleaned by the questionnaire (``Refusal("invalid")`` listing every
    error), an invitation is consumed by a single conditional UPDATE (``Refusal("used")`` if another
    transaction got there first) and the response is inserted in the same transaction. The draft
    under ``resume_key`` is deleted. Flushes; the caller commits.
    """
    from questionnaires.problems import AnswersInvalid

    if channel not in ("qr", "invitation", "api_entry", "api_token", "demo"):
        raise ValueError(f"channel must be one of qr, invitation, api_entry, api_token, demo; not {channel!r}")
    submission_id = normalise_submission_id(submission_id)
    earlier = find_submission(submission_id, source)
    if earlier is not None:
        return earlier
    refusal = source.refusal()
    if refusal is not None:
        raise refusal
    if not isinstance(answers, Mapping):
        raise Refusal("invalid", "Câu trả lời phải là một bảng tên câu hỏi → giá trị.",
                      "Answers must be an object mapping question names to values.")
    try:
        cleaned = source.questionnaire.clean(dict(answers))
    except AnswersInvalid as exc:
        raise Refusal("invalid", "Một số câu trả lời chưa hợp lệ.", "Some answers are not valid.",
                      errors=list(exc.errors)) from None
    today = today or dt.datetime.now(VIETNAM_TIME).date()
    invitation = source.invitation
    # In an anonymous round the day of use is not recorded: matched with the response's day it
    # could single out who sent which answers.
    used_on = None if source.round.anonymous else today
    if invitation is not None and not _consume_invitation(invitation.id, used_on):
        # Another request consumed it; if that was this very submission, answer with its receipt.
        earlier = find_submission(submission_id, source)
        if earlier is not None:
            return earlier
        raise Refusal("used", "Lời mời này đã được dùng để gửi phiếu. Mỗi lời mời chỉ gửi được một lần.",
                      "This invitation has already been used. Each invitation can answer once.")
    values = dict(
        submission_id=submission_id, receipt=_new_receipt(), round_id=source.round.id,
        questionnaire_id=source.questionnaire_row.id, rated_unit_id=source.rated_unit.id,
        respondent_group=source.respondent_group, channel=channel,
        entry_point_id=source.entry_point.id if source.entry_point is not None else None,
        invitation_id=invitation.id if invitation is not None and not source.round.anonymous else None,
        stratum=invitation.stratum if invitation is not None else None,
        psu=invitation.psu if invitation is not None else None,
        base_weight=invitation.base_weight if invitation is not None else None,
        answers=cleaned, paradata=clean_paradata(paradata, device), quality_flags=[], quarantined=False,
        submitted_on=today,
    )
    if not _insert_response(values):
        earlier = find_submission(submission_id, source)
        if earlier is not None:
            return earlier
        raise Refusal("conflict", "Không lưu được phiếu, vui lòng gửi lại.",  # pragma: no cover
                      "The response could not be stored; please send it again.")
    if resume_key:
        delete_draft(resume_key)
    row = db.session.scalar(select(Response).filter_by(submission_id=submission_id))
    return _receipt(row, source, created=True)
