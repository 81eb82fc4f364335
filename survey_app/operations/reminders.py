"""Reminders of unanswered invitations: who may be reminded, the focal points' XLSX of their
unanswered invitations with personal links, and the record of every reminder.

An invitation may be reminded while it is unused (``issued``), its outcome is still open
(not a refusal, ineligible or unable) and it has had fewer than ``REMINDER_MAX_PER_INVITATION``
reminders. Its link comes from the token sealed for sending (``survey_app.sealing``); an
invitation issued before seals existed has none and is left out (named in the count). Each
reminder is a row of ``reminders`` (when, channel, the how-many-th, outcome) and raises the
invitation's ``reminder_count``; e-mail goes out in ``operations.mail``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import update

from survey_app.extensions import db
from survey_app.models import FrameRow, Invitation, Reminder, SampleMember, SurveyRound, Unit, User
from survey_app.operations.posters import invitation_url
from survey_app.operations.rounds import record_audit
from survey_app.refusals import N_, Refused
from survey_app.sealing import has_seal_key, unseal

CLOSED_OUTCOMES = ("refusal", "ineligible", "unable")
WORKBOOK_HEADERS = ["invitation", "unit_code", "unit_name", "group", "name", "phone", "email",
                    "reminders_before", "link"]


def reminder_limit() -> int:
    return int(current_app.config.get("REMINDER_MAX_PER_INVITATION", 3))


@dataclass
class Candidate:
    """An unanswered invitation that may be reminded, with its contact and its link."""

    invitation: Invitation
    unit: Unit
    personal: dict
    link: str | None

    @property
    def email(self) -> str | None:
        value = (self.personal.get("email") or "").strip()
        return value or None


@dataclass
class Selection:
    candidates: list[Candidate] = field(default_factory=list)
    at_limit: int = 0     # unanswered but reminded as often as allowed
    without_link: int = 0  # issued before tokens were sealed


def check_can_remind(survey_round: SurveyRound) -> None:
    if not survey_round.accepts_answers:
        raise Refused(N_("Đợt khảo sát không mở; không nhắc được."), status=409,
                      code="round_not_open")
    if not has_seal_key():
        raise Refused(N_("Chưa đặt khoá niêm phong TOKEN_SEAL_KEY; không gửi được liên kết "
                         "nhắc."), status=409, code="no_seal_key")


def select_candidates(survey_round: SurveyRound, unit_ids: set[int] | None = None,
                      invitation_ids: set[int] | None = None) -> Selection:
    """The round's invitations that may be reminded now (of ``unit_ids``, or only
    ``invitation_ids``), by unit and id."""
    query = (
        db.select(Invitation, Unit, FrameRow.personal)
        .join(Unit, Unit.id == Invitation.rated_unit_id)
        .outerjoin(SampleMember, SampleMember.id == Invitation.sample_member_id)
        .outerjoin(FrameRow, FrameRow.id == SampleMember.frame_row_id)
        .where(Invitation.round_id == survey_round.id, Invitation.status == "issued",
               Invitation.disposition.not_in(CLOSED_OUTCOMES))
        .order_by(Unit.code, Invitation.id))
    if unit_ids is not None:
        query = query.where(Invitation.rated_unit_id.in_(unit_ids or {-1}))
    if invitation_ids is not None:
        query = query.where(Invitation.id.in_(invitation_ids or {-1}))
    limit = reminder_limit()
    selection = Selection()
    for invitation, unit, personal in db.session.execute(query):
        if invitation.reminder_count >= limit:
            selection.at_limit += 1
            continue
        token = unseal(invitation.sealed_token, invitation.id)
        if token is None:
            selection.without_link += 1
            continue
        selection.candidates.append(Candidate(invitation, unit, personal or {},
                                              invitation_url(token)))
    return selection


def record_reminder(invitation: Invitation, channel: str, outcome: str, *,
                    user: User | None = None, detail: str | None = None,
                    mail_job_id: int | None = None, message_id: str | None = None) -> Reminder:
    """Record one reminder; a reminder that left (sent, listed) counts towards the limit, by a
    conditional UPDATE so two senders never pass it."""
    sequence = invitation.reminder_count + 1
    if outcome in ("sent", "listed"):
        result = db.session.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id, Invitation.reminder_count < reminder_limit())
            .values(reminder_count=Invitation.reminder_count + 1)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise Refused(N_("Thư mời #%(id)s đã được nhắc đủ số lần cho phép."), status=409,
                          code="reminder_limit", arguments={"id": invitation.id})
        invitation.reminder_count = sequence
    reminder = Reminder(round_id=invitation.round_id, invitation_id=invitation.id,
                        channel=channel, sequence=sequence, outcome=outcome,
                        detail=(detail or None) and detail[:500], mail_job_id=mail_job_id,
                        message_id=message_id,
                        user_id=user.id if user is not None else None)
    db.session.add(reminder)
    db.session.flush()
    return reminder


def unanswered_workbook(survey_round: SurveyRound, unit_ids: set[int] | None,
                        user: User | None) -> tuple[dict, int]:
    """One sheet per unit of its unanswered invitations with their personal links, for its focal
    point to send by Zalo or SMS; each row is recorded as a reminder (channel ``xlsx``).

    Returns ``({sheet: (headers, rows)}, rows)``; refused when no invitation may be reminded.
    """
    check_can_remind(survey_round)
    selection = select_candidates(survey_round, unit_ids)
    if not selection.candidates:
        raise Refused(N_("Không còn thư mời chưa trả lời nào được nhắc (đã nhắc đủ %(max)s lần "
                         "hoặc không có liên kết)."), status=409, code="nothing_to_remind",
                      arguments={"max": reminder_limit()})
    sheets: dict[str, tuple[list[str], list[list]]] = {}
    for c in selection.candidates:
        before = c.invitation.reminder_count
        record_reminder(c.invitation, "xlsx", "listed", user=user)
        sheets.setdefault(c.unit.code, (list(WORKBOOK_HEADERS), []))[1].append(
            [c.invitation.id, c.unit.code, c.unit.name, c.invitation.respondent_group,
             c.personal.get("name"), c.personal.get("phone"), c.email, before, c.link])
    record_audit(user, "reminders.xlsx", survey_round,
                 {"count": len(selection.candidates), "units": sorted(sheets)})
    return sheets, len(selection.candidates)


def reminder_counts(survey_round: SurveyRound) -> dict[str, int]:
    """Reminders of the round by outcome and by channel (``sent``, ``failed``, ``listed``,
    ``email``, ``xlsx``) and the last one's time (``last``, or absent)."""
    counts: dict = {}
    for channel, outcome, n, last in db.session.execute(
        db.select(Reminder.channel, Reminder.outcome, db.func.count(Reminder.id),
                  db.func.max(Reminder.sent_at))
        .where(Reminder.round_id == survey_round.id)
        .group_by(Reminder.channel, Reminder.outcome)):
        counts[outcome] = counts.get(outcome, 0) + n
        counts[channel] = counts.get(channel, 0) + n
        if last is not None and (counts.get("last") is None or last > counts["last"]):
            counts["last"] = last
    return counts


def today_in_vietnam() -> dt.date:
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=7)).date()
