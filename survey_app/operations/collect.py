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

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import CollectSubmission, EntryPoint, Invitation, User
from survey_app.models.base import utcnow
from survey_app.models.cati import InterviewerAssignment
from survey_app.operations.submissions import Receipt


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
