"""Survey rounds, their rating matrix and their QR entry points."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, utcnow
from survey_app.models.documents import MethodologyPack, QuestionnaireVersion
from survey_app.models.geography import Province, Unit

ROUND_STATUSES = ("draft", "open", "closed", "published")
# Allowed status transitions: a round only moves forward, except that a closed round may reopen.
ROUND_TRANSITIONS = {
    "draft": {"open"}, "open": {"closed"}, "closed": {"open", "published"}, "published": set(),
}


class SurveyRound(Base):
    """One period's fieldwork (đợt khảo sát) in one province."""

    __tablename__ = "survey_rounds"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'open', 'closed', 'published')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    methodology_pack_id: Mapped[int | None] = mapped_column(ForeignKey("methodology_packs.id"))
    opens_on: Mapped[dt.date | None] = mapped_column(Date)
    closes_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    province: Mapped[Province] = relationship()
    methodology_pack: Mapped[MethodologyPack | None] = relationship()
    rating_cells: Mapped[list[RatingCell]] = relationship(
        back_populates="round", cascade="all, delete-orphan"
    )

    # What the round accepts in each status: the one place these rules live (no queries here).
    # Staff close a round; answers also stop once its closing date has passed (Vietnam's date).

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def is_published(self) -> bool:
        """Published: its results are final and may be exported; nothing about it changes."""
        return self.status == "published"

    @property
    def has_opened(self) -> bool:
        """It left draft: its rating matrix must keep fitting its pack, cells stay."""
        return self.status != "draft"

    def has_ended(self, today: dt.date) -> bool:
        """Closed or published, or its closing date lies before ``today``."""
        if self.status in ("closed", "published"):
            return True
        return self.closes_on is not None and today > self.closes_on

    @property
    def accepts_answers(self) -> bool:
        """A respondent may submit a form (QR code or invitation) only while the round is open."""
        return self.is_open

    def accepts_answers_on(self, today: dt.date) -> bool:
        """Open and not past its closing date on ``today`` (Vietnam's date): what respondents'
        pages, drafts and API submissions check."""
        return self.accepts_answers and not self.has_ended(today)

    @property
    def accepts_frames(self) -> bool:
        """Sample frames may be uploaded until the round is published."""
        return not self.is_published

    @property
    def accepts_draws(self) -> bool:
        """New samples may be drawn until fieldwork closes."""
        return self.status in ("draft", "open")

    @property
    def accepts_invitations(self) -> bool:
        """New invitations may be issued until fieldwork closes."""
        return self.status in ("draft", "open")

    @property
    def accepts_entry_points(self) -> bool:
        """New QR entry points may be created until fieldwork closes."""
        return self.status in ("draft", "open")

    @property
    def accepts_edits(self) -> bool:
        """Its rating matrix and quality flags may change until it is published."""
        return not self.is_published

    @property
    def accepts_cell_removal(self) -> bool:
        """A rating-matrix cell may be removed only while the round is a draft."""
        return not self.has_opened

    def can_move_to(self, status: str) -> bool:
        return status in ROUND_TRANSITIONS.get(self.status, set())


class RatingCell(Base):
    """A rating-matrix cell: respondent group × assessed unit type → questionnaire and quota."""

    __tablename__ = "rating_cells"
    __table_args__ = (
        UniqueConstraint("round_id", "respondent_group", "unit_type", name="uq_rating_cells_cell"),
        CheckConstraint("quota >= 0", name="quota_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    respondent_group: Mapped[str] = mapped_column(String(32))
    unit_type: Mapped[str] = mapped_column(String(16))
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    quota: Mapped[int] = mapped_column(Integer, default=0)

    round: Mapped[SurveyRound] = relationship(back_populates="rating_cells")
    questionnaire: Mapped[QuestionnaireVersion] = relationship()


class EntryPoint(Base):
    """A QR entry point: one service point (unit, counter) serving one questionnaire in a round."""

    __tablename__ = "entry_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    counter: Mapped[str] = mapped_column(String(200), default="")
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    round: Mapped[SurveyRound] = relationship()
    unit: Mapped[Unit] = relationship()
    questionnaire: Mapped[QuestionnaireVersion] = relationship()
