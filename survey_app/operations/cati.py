"""Phone interviews (CATI): assigning invitations to interviewers, logging call attempts, and
opening an assigned invitation's questionnaire in interviewer mode.

An attempt's outcome is an AAPOR disposition and goes to the invitation's history through
:mod:`survey_app.operations.dispositions` (a repeat of the current outcome, e.g. a second
non-contact, adds the attempt without a new history row). ``complete`` is never typed: it is
recorded by :func:`link_completed_interview` when the interview's response is stored, which also
links the response to the attempt (collected by phone, by whom: in the attempt, never in the
anonymous response).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from survey_app import sealing
from survey_app.clock import VIETNAM_TIME, vietnam_today
from survey_app.extensions import db
from survey_app.models import Invitation, SampleMember, User
from survey_app.models.base import utcnow
from survey_app.models.cati import CallAttempt, InterviewerAssignment
from survey_app.operations import dispositions
from survey_app.refusals import N_, Refused


# A callback whose time passed more than this long ago, on a case still open, is overdue.
OVERDUE_AFTER = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class AssignedCase:
    assignment: InterviewerAssignment
    invitation: Invitation
    name: str
    phone: str
    last: CallAttempt | None
    attempts: int
    callback: str | None  # None, "scheduled" (a later day), "due" (today or now), "overdue"

    @property
    def callback_due(self) -> bool:
        return self.callback in ("due", "overdue")


def local_to_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """A time typed on a form (Vietnam's wall clock, naive) as the naive UTC the database keeps."""
    if moment is None:
        return None
    return (moment.replace(tzinfo=VIETNAM_TIME).astimezone(dt.timezone.utc)
            .replace(tzinfo=None))


def callback_state(last: CallAttempt | None, invitation: Invitation,
                   now: dt.datetime) -> str | None:
    """The state of the callback the last attempt scheduled (``now`` naive UTC): none once the
    case is answered or revoked or a later call was made; ``overdue`` once its time passed by
    more than :data:`OVERDUE_AFTER`; ``due`` on its day (Vietnam's) or within that margin;
    ``scheduled`` before."""
    if last is None or last.callback_at is None or invitation.status != "issued":
        return None
    if last.callback_at < now - OVERDUE_AFTER:
        return "overdue"
    utc = dt.timezone.utc
    if vietnam_today(last.callback_at.replace(tzinfo=utc)) <= vietnam_today(
            now.replace(tzinfo=utc)):
        return "due"
    return "scheduled"


def personal_of(invitation: Invitation) -> dict:
    """The case's personal columns (name, phone…): shown to its interviewer only."""
    if invitation.sample_member_id is None:
        return {}
    member = db.session.get(SampleMember, invitation.sample_member_id)
    return (member.frame_row.personal or {}) if member is not None else {}


def interviewers() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == "interviewer",
                                                      User.active.is_(True))
                                   .order_by(User.username)))


def assign(invitation: Invitation, interviewer: User, by: User | None) -> InterviewerAssignment:
    """Give (or give again) an invitation to an interviewer to call."""
    if interviewer.role != "interviewer" or not interviewer.active:
        raise Refused(N_("Tài khoản “%(name)s” không phải điều tra viên."), code="not_interviewer",
                      arguments={"name": interviewer.username})
    if invitation.status != "issued":
        raise Refused(N_("Thư mời #%(id)s đã được trả lời hoặc thu hồi; không giao được nữa."),
                      status=409, code="invitation_closed", arguments={"id": invitation.id})
    row = db.session.scalar(select(InterviewerAssignment)
                            .where(InterviewerAssignment.invitation_id == invitation.id))
    if row is None:
        row = InterviewerAssignment(round_id=invitation.round_id, invitation_id=invitation.id,
                                    sample_member_id=invitation.sample_member_id)
        db.session.add(row)
    row.interviewer_id = interviewer.id
    row.assigned_by_id = by.id if by is not None else None
    row.assigned_at = utcnow()
    db.session.flush()
    return row


def assign_by_ids(round_id: int, invitation_ids: list[int], interviewer_id: int,
                  by: User | None) -> int:
    """Assign the round's listed invitations to one interviewer; returns how many."""
    interviewer = db.session.get(User, interviewer_id)
    if interviewer is None:
        raise Refused(N_("Không tìm thấy điều tra viên này."), status=404, code="unknown")
    count = 0
    for invitation_id in invitation_ids:
        invitation = db.session.get(Invitation, invitation_id)
        if invitation is None or invitation.round_id != round_id:
            raise Refused(N_("Không tìm thấy thư mời #%(id)s trong đợt này."), status=404,
                          code="unknown", arguments={"id": invitation_id})
        assign(invitation, interviewer, by)
        count += 1
    return count


def assignment_for(interviewer: User, assignment_id: int) -> InterviewerAssignment | None:
    """The interviewer's own assignment, or ``None`` (someone else's is not found either)."""
    row = db.session.get(InterviewerAssignment, assignment_id)
    if row is None or row.interviewer_id != interviewer.id:
        return None
    return row


def attempts_of(invitation_id: int) -> list[CallAttempt]:
    return list(db.session.scalars(select(CallAttempt)
                                   .where(CallAttempt.invitation_id == invitation_id)
                                   .order_by(CallAttempt.id.desc())))


def cases_of(interviewer: User, now: dt.datetime | None = None) -> list[AssignedCase]:
    """The interviewer's assigned invitations with name, phone, last outcome, callbacks due."""
    now = now or utcnow()
    rows = db.session.scalars(select(InterviewerAssignment)
                              .where(InterviewerAssignment.interviewer_id == interviewer.id)
                              .order_by(InterviewerAssignment.id))
    cases = []
    for row in rows:
        attempts = attempts_of(row.invitation_id)
        last = attempts[0] if attempts else None
        personal = personal_of(row.invitation)
        cases.append(AssignedCase(row, row.invitation, str(personal.get("name") or ""),
                                  str(personal.get("phone") or ""), last, len(attempts),
                                  callback_state(last, row.invitation, now)))
    return cases


def overdue_callbacks(round_id: int, now: dt.datetime | None = None) -> list[dict]:
    """Per interviewer (by name), the round's open cases whose callback is overdue, oldest
    first: what the supervisor chases."""
    now = now or utcnow()
    rows = db.session.scalars(select(InterviewerAssignment)
                              .where(InterviewerAssignment.round_id == round_id)
                              .order_by(InterviewerAssignment.id))
    late: dict[int, dict] = {}
    for row in rows:
        attempts = attempts_of(row.invitation_id)
        last = attempts[0] if attempts else None
        if callback_state(last, row.invitation, now) == "overdue":
            entry = late.setdefault(row.interviewer_id, {"user": row.interviewer, "cases": []})
            entry["cases"].append({"assignment": row, "invitation": row.invitation,
                                   "callback_at": last.callback_at})
    for entry in late.values():
        entry["cases"].sort(key=lambda c: c["callback_at"])
    return sorted(late.values(), key=lambda e: e["user"].display_name or e["user"].username)


def record_attempt(assignment: InterviewerAssignment, interviewer: User, outcome: str,
                   note: str | None = None, callback_at: dt.datetime | None = None) -> CallAttempt:
    """Log a call and set the invitation's disposition (with history) from its outcome."""
    invitation = assignment.invitation
    if outcome not in dispositions.STAFF_DISPOSITIONS:
        raise Refused(N_("Kết quả liên hệ “%(code)s” không hợp lệ; “hoàn thành” chỉ có khi "
                         "phiếu đã được gửi."), code="bad_disposition", arguments={"code": outcome})
    if invitation.status != "issued":
        raise Refused(N_("Thư mời #%(id)s đã được trả lời hoặc thu hồi; không giao được nữa."),
                      status=409, code="invitation_closed", arguments={"id": invitation.id})
    note = (note or "").strip()[:500] or None
    if invitation.disposition != outcome:
        dispositions.set_disposition(invitation, outcome, interviewer, note=note)
    attempt = CallAttempt(round_id=invitation.round_id, invitation_id=invitation.id,
                          sample_member_id=invitation.sample_member_id,
                          interviewer_id=interviewer.id, outcome=outcome, note=note,
                          callback_at=callback_at, attempted_at=utcnow())
    db.session.add(attempt)
    db.session.flush()
    return attempt


def interview_token(assignment: InterviewerAssignment) -> str:
    """The invitation's token, unsealed, to open the respondent pages in interviewer mode."""
    invitation = assignment.invitation
    token = sealing.unseal(invitation.sealed_token, invitation.id)
    if token is None or invitation.status != "issued":
        raise Refused(N_("Không mở được phiếu của thư mời này: thư mời đã được trả lời, bị thu "
                         "hồi hoặc không còn đường dẫn."), status=409, code="no_token")
    return token


def link_completed_interview(assignment: InterviewerAssignment, interviewer: User,
                             response_id: int) -> CallAttempt | None:
    """The interview's response was stored (its submission wrote the ``complete`` history row):
    a ``complete`` attempt, by this interviewer, linked to the response. In an anonymous round
    the attempt carries neither the response nor a time (either would tie the answers to the
    person called). ``None`` if the interview was already recorded."""
    anonymous = assignment.invitation.round.anonymous
    done = select(CallAttempt.id).where(CallAttempt.invitation_id == assignment.invitation_id,
                                        CallAttempt.outcome == "complete")
    if db.session.scalar(done) is not None:
        return None
    attempt = CallAttempt(round_id=assignment.round_id, invitation_id=assignment.invitation_id,
                          sample_member_id=assignment.sample_member_id,
                          interviewer_id=interviewer.id, outcome="complete",
                          response_id=None if anonymous else response_id,
                          attempted_at=None if anonymous else utcnow())
    db.session.add(attempt)
    db.session.flush()
    return attempt


def productivity(round_id: int) -> list[dict]:
    """Per interviewer in a round: assigned cases, attempts, completed interviews, and how many
    of those are in the plan's back-check sample (drawn on the plan's page)."""
    out = []
    for user in interviewers():
        assigned = db.session.scalar(select(func.count()).select_from(InterviewerAssignment)
                                     .where(InterviewerAssignment.interviewer_id == user.id,
                                            InterviewerAssignment.round_id == round_id))
        attempts = db.session.scalar(select(func.count()).select_from(CallAttempt)
                                     .where(CallAttempt.interviewer_id == user.id,
                                            CallAttempt.round_id == round_id))
        completed = db.session.scalar(select(func.count()).select_from(CallAttempt)
                                      .where(CallAttempt.interviewer_id == user.id,
                                             CallAttempt.round_id == round_id,
                                             CallAttempt.outcome == "complete"))
        backcheck = db.session.scalar(
            select(func.count()).select_from(CallAttempt)
            .join(SampleMember, SampleMember.id == CallAttempt.sample_member_id)
            .where(CallAttempt.interviewer_id == user.id, CallAttempt.round_id == round_id,
                   CallAttempt.outcome == "complete", SampleMember.backcheck.is_(True)))
        out.append({"user": user, "assigned": assigned, "attempts": attempts,
                    "completed": completed, "backcheck": backcheck})
    return out


def assignable(round_id: int) -> list[tuple[Invitation, InterviewerAssignment | None]]:
    """The round's open invitations of sample members, with their current assignment."""
    invitations = db.session.scalars(select(Invitation).where(
        Invitation.round_id == round_id, Invitation.status == "issued",
        Invitation.sample_member_id.is_not(None)).order_by(Invitation.id))
    current = {row.invitation_id: row for row in db.session.scalars(
        select(InterviewerAssignment).where(InterviewerAssignment.round_id == round_id))}
    return [(inv, current.get(inv.id)) for inv in invitations]


DEMO_INTERVIEWER = "dieutravien"
DEMO_CASES = 5


def ensure_demo_interviewer(survey_round, password: str) -> tuple[User, int]:
    """The demo's interviewer account (a fresh password each run) and, the first time, a few of
    the round's unanswered invitations of sample members assigned to it; returns the account and
    how many cases it holds."""
    user = db.session.scalar(select(User).where(User.username == DEMO_INTERVIEWER))
    if user is None:
        user = User(username=DEMO_INTERVIEWER, display_name="Điều tra viên (demo)",
                    role="interviewer")
        db.session.add(user)
    user.set_password(password)
    db.session.flush()
    held = db.session.scalar(select(func.count()).select_from(InterviewerAssignment)
                             .where(InterviewerAssignment.interviewer_id == user.id))
    if not held:
        for invitation, assigned in assignable(survey_round.id):
            if held >= DEMO_CASES:
                break
            if assigned is None and invitation.sealed_token:
                assign(invitation, user, None)
                held += 1
    return user, held
