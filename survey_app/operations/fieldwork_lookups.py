"""What the fieldwork pages name or list: mail jobs, a round's invitation or unit, unanswered
invitations, an invitation's reminders (views never query)."""
from __future__ import annotations

from dataclasses import dataclass

from survey_app.extensions import db
from survey_app.models import Invitation, MailJob, Reminder, SurveyRound, Unit

UNANSWERED_SHOWN = 200


def mail_jobs(survey_round: SurveyRound, limit: int = 10) -> list[MailJob]:
    return list(db.session.scalars(
        db.select(MailJob).where(MailJob.round_id == survey_round.id)
        .order_by(MailJob.id.desc()).limit(limit)))


def mail_job(survey_round: SurveyRound, job_id: int) -> MailJob | None:
    job = db.session.get(MailJob, job_id)
    return job if job is not None and job.round_id == survey_round.id else None


def round_invitation(survey_round: SurveyRound, invitation_id: int) -> Invitation | None:
    invitation = db.session.get(Invitation, invitation_id)
    return invitation if invitation is not None and invitation.round_id == survey_round.id else None


def unit_of_round(survey_round: SurveyRound, code: str) -> Unit | None:
    return db.session.scalar(db.select(Unit).filter_by(province_id=survey_round.province_id,
                                                       code=code))


def invitation_reminders(invitation: Invitation) -> list[Reminder]:
    return list(db.session.scalars(
        db.select(Reminder).where(Reminder.invitation_id == invitation.id)
        .order_by(Reminder.id)))


@dataclass(frozen=True)
class UnansweredRow:
    id: int
    unit_code: str
    unit_name: str
    respondent_group: str
    disposition: str
    reminder_count: int


def unanswered_invitations(survey_round: SurveyRound, unit_ids: set[int] | None,
                           limit: int = UNANSWERED_SHOWN) -> list[UnansweredRow]:
    """The first ``limit`` unused invitations of the round (of ``unit_ids``), by unit and id."""
    query = (db.select(Invitation.id, Unit.code, Unit.name, Invitation.respondent_group,
                       Invitation.disposition, Invitation.reminder_count)
             .join(Unit, Unit.id == Invitation.rated_unit_id)
             .where(Invitation.round_id == survey_round.id, Invitation.status == "issued")
             .order_by(Unit.code, Invitation.id).limit(limit))
    if unit_ids is not None:
        query = query.where(Invitation.rated_unit_id.in_(unit_ids or {-1}))
    return [UnansweredRow(*row) for row in db.session.execute(query)]
