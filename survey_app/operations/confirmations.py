"""What an irreversible staff step would change, counted before it is confirmed: publishing a
round, revoking or re-issuing a unit's invitations, purging or deleting a frame.

The confirmation pages show these counts; the steps themselves live in ``rounds``,
``invitations`` and ``frames``.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, cast, func

from survey_app.extensions import db
from survey_app.models import (
    FrameRow,
    Invitation,
    Response,
    SampleFrame,
    SamplePlan,
    SurveyRound,
    Unit,
)


@dataclass(frozen=True)
class PublishSummary:
    responses: int
    units: int
    open_invitations: int


def publish_summary(survey_round: SurveyRound) -> PublishSummary:
    """Responses that publishing freezes, the units they rate, invitations still unused."""
    responses, units = db.session.execute(
        db.select(func.count(Response.id), func.count(func.distinct(Response.rated_unit_id)))
        .where(Response.round_id == survey_round.id)
    ).one()
    open_invitations = db.session.scalar(
        db.select(func.count(Invitation.id))
        .where(Invitation.round_id == survey_round.id, Invitation.status == "issued")
    )
    return PublishSummary(responses, units, open_invitations)


def unused_invitation_count(survey_round: SurveyRound, unit: Unit) -> int:
    """Invitations of ``unit`` in the round not used nor revoked yet (what revoking withdraws)."""
    return db.session.scalar(
        db.select(func.count(Invitation.id)).where(
            Invitation.round_id == survey_round.id,
            Invitation.rated_unit_id == unit.id,
            Invitation.status == "issued",
        )
    )


def personal_row_count(frame: SampleFrame) -> int:
    """Rows of the frame still holding personal data (what a purge erases)."""
    # An empty value is stored as JSON ``null`` (not SQL NULL): compare the text on both databases.
    stored = func.coalesce(cast(FrameRow.personal, String), "null")
    return db.session.scalar(
        db.select(func.count(FrameRow.id))
        .where(FrameRow.frame_id == frame.id, stored != "null")
    )


def frame_plan_count(frame: SampleFrame) -> int:
    """Sample plans drawn from the frame (a frame with plans cannot be deleted)."""
    return db.session.scalar(
        db.select(func.count(SamplePlan.id)).where(SamplePlan.frame_id == frame.id)
    )
