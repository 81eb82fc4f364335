"""ODK Collect per interviewer: which forms an interviewer is given, and the fieldwork record of
each form they send.

An interviewer's forms are the QR entry points whose round and rated unit are those of at least
one invitation assigned to them for phone or field interviewing (``interviewer_assignments``, the
same assignments a supervisor makes for CATI): an interviewer sent to the members of a commune's
sample gets that commune's forms in that round, and no other. An interviewer with no assignment
gets an empty form list. Re-assigning the members to someone else takes the forms away too (a
form filled before and not yet sent is then refused with 403: the supervisor assigns it back).

A stored submission adds a :class:`~survey_app.models.CollectSubmission` (who sent it, when);
the response itself records nothing about the interviewer. In an anonymous round the record keeps
only the Vietnam day, not the time, instance id or response.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import CollectSubmission, EntryPoint, Invitation, Response, User
from survey_app.models.base import utcnow
from survey_app.models.cati import InterviewerAssignment
from survey_app.operations.answer_sources import Source
from survey_app.operations.submissions import Receipt, normalise_submission_id
from survey_app.refusals import N_, Refused

EDIT_REFUSED = N_("Phiếu này là bản sửa của phiếu %(instance)s đã được nhận; phiếu đã gửi không "
                  "sửa được, bản sửa không được lưu. Vui lòng báo giám sát viên.")
CHANGED_RESEND = N_("Phiếu mã %(instance)s đã được nhận trước đây với câu trả lời khác; bản gửi "
                    "lại không được lưu. Vui lòng báo giám sát viên.")


def assigned_units(interviewer: User) -> set[tuple[int, int]]:
    """(round id, unit id) of every invitation assigned to ``interviewer``."""
    rows = db.session.execute(
        select(InterviewerAssignment.round_id, Invitation.rated_unit_id)
        .join(Invitation, Invitation.id == InterviewerAssignment.invitation_id)
        .where(InterviewerAssignment.interviewer_id == interviewer.id)).all()
    return {(round_id, unit_id) for round_id, unit_id in rows}


def may_fill(interviewer: User, entry: EntryPoint) -> bool:
    """Whether ``entry``'s form is in ``interviewer``'s form list."""
    return (entry.round_id, entry.unit_id) in assigned_units(interviewer)


def record_submission(interviewer: User, entry: EntryPoint, receipt: Receipt) -> CollectSubmission:
    """The fieldwork record of a stored Collect submission (call once, when it was created)."""
    named = not entry.round.anonymous
    row = CollectSubmission(round_id=entry.round_id, entry_point_id=entry.id,
                            interviewer_id=interviewer.id, received_on=receipt.submitted_on,
                            received_at=utcnow() if named else None,
                            instance_id=receipt.submission_id if named else None,
                            response_id=receipt.response_id if named else None)
    db.session.add(row)
    db.session.flush()
    return row


def _as_stored(answers: Mapping[str, Any]) -> Any:
    return json.loads(json.dumps(answers, default=str, sort_keys=True))


def refuse_edit_of_stored(deprecated_id: str | None) -> None:
    """``Refused`` 409 for an edit (``meta/deprecatedID``) of a form already stored: a stored
    response is never replaced, and storing the edit beside it would count the respondent
    twice. An edit of a form the server never received is stored as the only version."""
    if not deprecated_id:
        return
    try:
        key = normalise_submission_id(deprecated_id)
    except Refused:
        return
    if db.session.scalar(select(Response.id).where(Response.submission_id == key)) is not None:
        raise Refused(EDIT_REFUSED, status=409, code="conflict",
                      arguments={"instance": deprecated_id})


def refuse_changed_resend(source: Source, instance_id: str, answers: Mapping[str, Any]) -> None:
    """``Refused`` 409 when ``instance_id`` is stored already with other answers: a resend must
    be the same form (as ODK Central answers), so a changed one is never taken for a lost reply's
    resend and dropped in silence. The same answers, or a new id, pass."""
    stored = db.session.scalar(select(Response.answers).where(
        Response.submission_id == normalise_submission_id(instance_id)))
    if stored is None:
        return
    try:
        cleaned = source.questionnaire.clean(dict(answers))
    except ValueError:
        cleaned = None
    if cleaned is None or _as_stored(cleaned) != _as_stored(stored):
        raise Refused(CHANGED_RESEND, status=409, code="conflict",
                      arguments={"instance": instance_id})
