"""Invitations (the token ledger), drafts and responses, kept apart from one another."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Date, DateTime, Float, ForeignKey, Index, Integer, String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, utcnow
from survey_app.models.documents import QuestionnaireVersion
from survey_app.models.geography import Unit
from survey_app.models.outcomes import DISPOSITION_CHECK
from survey_app.models.rounds import SurveyRound

INVITATION_STATUSES = ("issued", "used", "revoked")


class InvitationBundle(Base):
    """One link for several units rated with one questionnaire (a delegate rating every agency).

    Each unit keeps its own :class:`Invitation` (``bundle_id`` set, its ``token_hash`` derived
    from the bundle's token and the unit), consumed per unit as any invitation is, so response
    rates and non-response weights per unit stay as they are. The bundle is used up
    (``issued`` → ``used``) when every unit is answered or the respondent finishes.
    """

    __tablename__ = "invitation_bundles"
    __table_args__ = (
        CheckConstraint("status IN ('issued', 'used', 'revoked')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    respondent_group: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="issued")
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    round: Mapped[SurveyRound] = relationship()
    questionnaire: Mapped[QuestionnaireVersion] = relationship()


class Invitation(Base):
    """A personal invitation. Only a keyed hash of its token is stored.

    Consuming it is one conditional UPDATE (``status = 'issued'`` → ``'used'``), so concurrent
    submissions with one token accept exactly one response.
    """

    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint("status IN ('issued', 'used', 'revoked')", name="status"),
        CheckConstraint(DISPOSITION_CHECK, name="disposition"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    rated_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    respondent_group: Mapped[str] = mapped_column(String(32))
    sample_member_id: Mapped[int | None] = mapped_column(ForeignKey("sample_members.id"))
    # Design variables the response inherits; they describe a stratum, not a person.
    stratum: Mapped[str | None] = mapped_column(String(100))
    # The primary sampling unit (e.g. a commune of a two-stage draw), so variance treats it as a
    # cluster.
    psu: Mapped[str | None] = mapped_column(String(100))
    base_weight: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="issued")
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    used_on: Mapped[dt.date | None] = mapped_column(Date)
    # Set when this invitation is one unit of a multi-unit invitation (one link, several units).
    bundle_id: Mapped[int | None] = mapped_column(ForeignKey("invitation_bundles.id"), index=True)
    # AAPOR disposition (models.outcomes.DISPOSITIONS); its history is in disposition_events.
    disposition: Mapped[str] = mapped_column(String(16), default="unknown",
                                             server_default="unknown")
    # The token sealed under TOKEN_SEAL_KEY (survey_app.sealing) so reminders carry a working
    # link; emptied once the invitation is used or revoked.
    sealed_token: Mapped[str | None] = mapped_column(Text)
    reminder_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    round: Mapped[SurveyRound] = relationship()
    rated_unit: Mapped[Unit] = relationship()
    questionnaire: Mapped[QuestionnaireVersion] = relationship()


class Draft(Base):
    """Answers saved part-way, under a keyed hash of an opaque resume key; deleted on submission."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    resume_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    paradata: Mapped[dict] = mapped_column(JSON, default=dict)
    page_index: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Response(Base):
    """A submitted questionnaire. No token, IP address or exact time is kept in an anonymous
    round."""

    __tablename__ = "responses"
    __table_args__ = (
        # 'odk': sent from ODK Collect through /openrosa (revision 0011).
        CheckConstraint("channel IN ('qr', 'invitation', 'api_entry', 'api_token', 'demo', "
                        "'odk')", name="channel"),
        # the monitor's counts and the analysis cache's data version, from the index alone
        Index("ix_responses_round_counts", "round_id", "quarantined", "rated_unit_id",
              "respondent_group", "submitted_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    receipt: Mapped[str] = mapped_column(String(20), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    # No index: no query looks responses up by questionnaire (revision 0017 dropped it).
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    rated_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    respondent_group: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    entry_point_id: Mapped[int | None] = mapped_column(ForeignKey("entry_points.id"))
    # Set only in a round declared non-anonymous.
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"))
    stratum: Mapped[str | None] = mapped_column(String(100))
    psu: Mapped[str | None] = mapped_column(String(100))
    base_weight: Mapped[float | None] = mapped_column(Float)
    answers: Mapped[dict] = mapped_column(JSON)
    paradata: Mapped[dict] = mapped_column(JSON, default=dict)
    quality_flags: Mapped[list] = mapped_column(JSON, default=list)
    quarantined: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_on: Mapped[dt.date] = mapped_column(Date)

    round: Mapped[SurveyRound] = relationship()
    questionnaire: Mapped[QuestionnaireVersion] = relationship()
    rated_unit: Mapped[Unit] = relationship()
