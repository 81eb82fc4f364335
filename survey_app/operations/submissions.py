"""The one idempotent submission: every answer path stores a response through :func:`submit`.

The HTML flow (``survey_app.respond``) and the JSON API (``survey_app.api``) both go through
:func:`submit`. Functions here add, update and flush but never commit: the view commits once,
so the token is consumed in the same transaction as the response is inserted.

A new submission costs the source's one query (``answer_sources``), one INSERT (plus one
conditional UPDATE for an invitation) and the commit; a repeated one is found by its id.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from survey_app.clock import vietnam_today
from survey_app.extensions import db
from survey_app.models import Invitation, InvitationBundle, Response
from survey_app.operations.answer_sources import BUNDLE_USED, UNIT_ANSWERED, USED, Source
from survey_app.operations.drafts import delete_draft
from survey_app.operations.paradata import clean_paradata
from survey_app.operations.dispositions import record_submission
from survey_app.refusals import N_, Refused

# Vietnam keeps UTC+7 all year; the day a response arrives is the day there.
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U
CHANNELS = ("qr", "invitation", "api_entry", "api_token", "demo", "odk")
SUBMISSION_ID_RE = re.compile(r"[0-9a-fA-F-]{32,36}")
BAD_SUBMISSION_ID = N_("'submission_id' phải là một UUID, do thiết bị tạo một lần cho mỗi phiếu.")


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
    """The canonical form of a submission UUID; raises ``Refused`` (400) otherwise."""
    text = value.strip() if isinstance(value, str) else ""
    if SUBMISSION_ID_RE.fullmatch(text):
        try:
            return str(uuid.UUID(text))
        except ValueError:
            pass
    raise Refused(BAD_SUBMISSION_ID, status=400, code="bad_request")


def answer_errors(refused: Refused) -> list:
    """The answer-by-answer errors (``questionnaires`` ``ValidationError``) behind a refusal of
    invalid answers; empty for any other refusal."""
    from questionnaires.problems import AnswersInvalid

    cause = refused.__cause__
    return list(cause.errors) if isinstance(cause, AnswersInvalid) else []


def _new_receipt() -> str:
    """Ten letters of ``RECEIPT_ALPHABET``, uniformly at random, from one read of the system's
    random source (bytes of 240 or more, which would favour some letters, are skipped)."""
    letters: list[str] = []
    while len(letters) < 10:
        letters += [RECEIPT_ALPHABET[b % 30] for b in secrets.token_bytes(16) if b < 240]
    body = "".join(letters[:10])
    return f"{body[:5]}-{body[5:]}"


def _receipt(source: Source, *, receipt: str, submission_id: str, response_id: int,
             submitted_on: dt.date, created: bool) -> Receipt:
    row = source.questionnaire_row
    return Receipt(receipt=receipt, submission_id=submission_id, response_id=response_id,
                   round_code=source.round.code, questionnaire_id=row.form_key,
                   questionnaire_version=row.version, content_hash=row.content_hash,
                   submitted_on=submitted_on, created=created)


def find_submission(submission_id: str, source: Source) -> Receipt | None:
    """The receipt of an earlier submission with this id for the same source, or ``None``.

    Raises ``Refused`` (409, "conflict") when the id was used for another survey.
    """
    row = db.session.execute(
        select(Response.id, Response.receipt, Response.submitted_on, Response.round_id,
               Response.questionnaire_id, Response.rated_unit_id, Response.respondent_group)
        .where(Response.submission_id == submission_id)).one_or_none()
    if row is None:
        return None
    same = (row.round_id == source.round.id and row.questionnaire_id == source.questionnaire_row.id
            and row.rated_unit_id == source.rated_unit.id
            and row.respondent_group == source.respondent_group)
    if not same:
        raise Refused(N_("Mã lần gửi (submission_id) này đã được dùng cho một phiếu khác."),
                      status=409, code="conflict")
    return _receipt(source, receipt=row.receipt, submission_id=submission_id, response_id=row.id,
                    submitted_on=row.submitted_on, created=False)


def _consume_invitation(invitation_id: int, used_on: dt.date | None) -> bool:
    """One conditional UPDATE: True only for the single transaction that turns 'issued' into 'used'
    (AAPOR disposition ``complete``; the token sealed for reminders is emptied)."""
    consumed = db.session.execute(
        update(Invitation).where(Invitation.id == invitation_id, Invitation.status == "issued")
        .values(status="used", used_on=used_on, disposition="complete", sealed_token=None)
        .returning(Invitation.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    return consumed is not None


def _hold_open_bundle(bundle_id: int) -> bool:
    """Lock a multi-unit invitation's row while it is open (an UPDATE that changes nothing):
    answers to its units and its finish then take turns, so a unit is never answered after the
    bundle is used up and the last unit's answer sees every other one. False once used up."""
    held = db.session.execute(
        update(InvitationBundle)
        .where(InvitationBundle.id == bundle_id, InvitationBundle.status == "issued")
        .values(status="issued").returning(InvitationBundle.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    return held is not None


def _close_bundle_if_complete(bundle_id: int) -> None:
    """Use up a multi-unit invitation once none of its units is left to answer."""
    left = (select(Invitation.id)
            .where(Invitation.bundle_id == bundle_id, Invitation.status == "issued").exists())
    db.session.execute(
        update(InvitationBundle)
        .where(InvitationBundle.id == bundle_id, InvitationBundle.status == "issued", ~left)
        .values(status="used").execution_options(synchronize_session=False))


def _insert_statement(dialect: str):
    """``INSERT … ON CONFLICT (submission_id) DO NOTHING RETURNING id`` on the responses table,
    built once per dialect (Core, so that a submission pays no ORM bookkeeping for it)."""
    statement = _INSERTS.get(dialect)
    if statement is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        table = Response.__table__
        statement = (dialect_insert(table).on_conflict_do_nothing(index_elements=["submission_id"])
                     .returning(table.c.id))
        _INSERTS[dialect] = statement
    return statement


_INSERTS: dict[str, Any] = {}


def _insert_response(values: dict[str, Any]) -> int | None:
    """Insert unless a response with this submission id exists; the new row's id, or ``None``."""
    dialect = db.session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):  # pragma: no cover - only these are supported
        return db.session.execute(insert(Response).values(**values)).inserted_primary_key[0]
    # On the session's connection (its transaction): a Core statement needs no ORM execution.
    return db.session.connection().execute(_insert_statement(dialect), values).scalar_one_or_none()


def _cleaned_answers(source: Source, answers: Any) -> dict[str, Any]:
    """The answers as the questionnaire stores them; ``Refused`` (422) naming every error."""
    from questionnaires.problems import AnswersInvalid

    if not isinstance(answers, Mapping):
        raise Refused(N_("Câu trả lời phải là một bảng tên câu hỏi → giá trị."), status=422,
                      code="invalid_answers")
    try:
        return source.questionnaire.clean(dict(answers))
    except AnswersInvalid as exc:
        raise Refused(N_("Một số câu trả lời chưa hợp lệ."), status=422,
                      code="invalid_answers") from exc


def submit(source: Source, submission_id: str, answers: Mapping[str, Any], *, channel: str,
           paradata: Mapping[str, Any] | None = None, device: str | None = None,
           resume_key: str | None = None, today: dt.date | None = None) -> Receipt:
    """Store one response, exactly once.

    A repeated ``submission_id`` returns the first receipt (``created=False``) and stores nothing,
    even once the round has closed. Otherwise the answers are cleaned by the questionnaire
    (``Refused`` 422 "invalid_answers"; :func:`answer_errors` lists every error), an invitation is
    consumed by a single conditional UPDATE (``Refused`` 409 "used" if another transaction got
    there first) and the response is inserted in the same transaction. The draft under
    ``resume_key`` is deleted. Flushes; the caller commits (and rolls back on a refusal).
    """
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}; not {channel!r}")
    submission_id = normalise_submission_id(submission_id)
    today = today or vietnam_today()
    try:
        refusal = source.refusal(today)
        if refusal is not None:
            raise refusal
        cleaned = _cleaned_answers(source, answers)
    except Refused:
        earlier = find_submission(submission_id, source)  # a retry of a stored submission
        if earlier is not None:
            return earlier
        raise
    invitation = source.invitation
    # In an anonymous round the day of use is not recorded: matched with the response's day it
    # could single out who sent which answers.
    anonymous = source.round.anonymous
    bundle_id = invitation.bundle_id if invitation is not None else None
    if bundle_id is not None and not _hold_open_bundle(bundle_id):
        earlier = find_submission(submission_id, source)
        if earlier is not None:
            return earlier
        raise Refused(BUNDLE_USED, status=409, code="used")
    if invitation is not None and not _consume_invitation(invitation.id, None if anonymous else today):
        # Another request consumed it; if that was this very submission, answer with its receipt.
        earlier = find_submission(submission_id, source)
        if earlier is not None:
            return earlier
        raise Refused(UNIT_ANSWERED if bundle_id is not None else USED, status=409, code="used")
    if invitation is not None:
        record_submission(invitation, invitation.disposition, anonymous)
    receipt = _new_receipt()
    response_id = _insert_response({
        "submission_id": submission_id, "receipt": receipt, "round_id": source.round.id,
        "questionnaire_id": source.questionnaire_row.id, "rated_unit_id": source.rated_unit.id,
        "respondent_group": source.respondent_group, "channel": channel,
        "entry_point_id": source.entry_point.id if source.entry_point is not None else None,
        "invitation_id": invitation.id if invitation is not None and not anonymous else None,
        "stratum": invitation.stratum if invitation is not None else None,
        "psu": invitation.psu if invitation is not None else None,
        "base_weight": invitation.base_weight if invitation is not None else None,
        "answers": cleaned, "paradata": clean_paradata(paradata, device), "quality_flags": [],
        "quarantined": False, "submitted_on": today,
    })
    if response_id is None:  # the id is stored already: the same survey's retry, or a conflict
        earlier = find_submission(submission_id, source)
        if earlier is not None:
            return earlier
        raise Refused(N_("Không lưu được phiếu, vui lòng gửi lại."),  # pragma: no cover
                      status=409, code="conflict")
    if bundle_id is not None:
        _close_bundle_if_complete(bundle_id)
    if resume_key:
        delete_draft(resume_key)
    return _receipt(source, receipt=receipt, submission_id=submission_id, response_id=response_id,
                    submitted_on=today, created=True)


def store_in_one_statement() -> None:
    """Before the request's first query: an answer at an entry point (QR) writes one row with one
    statement and nothing else, so on PostgreSQL the session's connection runs in autocommit and
    the INSERT commits by itself (durably: ``synchronous_commit=on``), without the BEGIN and
    COMMIT round trips. The source is read as in a READ COMMITTED transaction (a SELECT holds no
    lock there either) and ``ON CONFLICT (submission_id)`` keeps the submission exactly-once.
    Nothing to gain on SQLite (its commit is the file's sync either way): left as it is."""
    if db.session().in_transaction() or db.session.get_bind().dialect.name != "postgresql":
        return
    db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def find_receipt(receipt: str) -> Response | None:
    """The response a receipt code names, or ``None``."""
    return db.session.scalar(select(Response).where(Response.receipt == receipt))
