"""Creating QR entry points and invitations for a round."""
from __future__ import annotations

from survey_app.extensions import db
from survey_app.models import EntryPoint, Invitation, QuestionnaireVersion, SurveyRound, Unit
from survey_app.sealing import seal
from survey_app.tokens import new_entry_code, new_token, token_hash


def create_entry_point(survey_round: SurveyRound, unit: Unit, questionnaire: QuestionnaireVersion,
                       counter: str = "") -> EntryPoint:
    """A QR entry point with a fresh unguessable code."""
    entry = EntryPoint(code=new_entry_code(), round_id=survey_round.id, unit_id=unit.id,
                       questionnaire_id=questionnaire.id, counter=counter)
    db.session.add(entry)
    db.session.flush()
    return entry


def issue_invitation(survey_round: SurveyRound, questionnaire: QuestionnaireVersion,
                     rated_unit: Unit,
                     respondent_group: str, *, stratum: str | None = None, psu: str | None = None,
                     base_weight: float | None = None,
                     sample_member_id: int | None = None) -> tuple[Invitation, str]:
    """A new invitation and its token. The token is returned once and stored only as a keyed
    hash."""
    token = new_token()
    invitation = Invitation(
        round_id=survey_round.id, token_hash=token_hash(token), questionnaire_id=questionnaire.id,
        rated_unit_id=rated_unit.id, respondent_group=respondent_group, stratum=stratum, psu=psu,
        base_weight=base_weight, sample_member_id=sample_member_id,
    )
    db.session.add(invitation)
    db.session.flush()
    invitation.sealed_token = seal(token, invitation.id)  # for reminders (survey_app/sealing.py)
    return invitation, token


def find_invitation(token: str) -> Invitation | None:
    return db.session.scalar(db.select(Invitation).filter_by(token_hash=token_hash(token)))


def find_entry_point(code: str) -> EntryPoint | None:
    return db.session.scalar(db.select(EntryPoint).filter_by(code=code))
