"""Sample frames, sampling plans and the members they drew."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, utcnow

FRAME_KINDS = ("sipas_dossiers", "officials", "communes")


class SampleFrame(Base):
    """An imported frame; rows keep design fields apart from personal data (purged after the
    round)."""

    __tablename__ = "sample_frames"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    personal_data_purged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    rows: Mapped[list["FrameRow"]] = relationship(back_populates="frame",
                                                  cascade="all, delete-orphan",
                                                  order_by="FrameRow.row_number")


class FrameRow(Base):
    __tablename__ = "frame_rows"
    __table_args__ = (UniqueConstraint("frame_id", "row_number", name="uq_frame_rows_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    frame_id: Mapped[int] = mapped_column(ForeignKey("sample_frames.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    stratum: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[float | None] = mapped_column(Float)
    design: Mapped[dict] = mapped_column(JSON, default=dict)   # non-personal columns
    personal: Mapped[dict | None] = mapped_column(JSON)        # names, phones, e-mails: purged

    frame: Mapped[SampleFrame] = relationship(back_populates="rows")


class SamplePlan(Base):
    """A sampling plan stored with its seed and the frame's hash, so anyone can redraw and check."""

    __tablename__ = "sample_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    frame_id: Mapped[int] = mapped_column(ForeignKey("sample_frames.id"))
    frame_hash: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(32))
    n: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(BigInteger)  # sampling seeds are up to 63 bits
    # strata, allocation, sizes column…
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    allocation: Mapped[dict] = mapped_column(JSON, default=dict)  # stratum → n
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    drawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    frame: Mapped[SampleFrame] = relationship()
    members: Mapped[list["SampleMember"]] = relationship(back_populates="plan",
                                                         cascade="all, delete-orphan",
                                                         order_by="SampleMember.selection_order")


class SampleMember(Base):
    """A frame row drawn by a plan, either selected or held on the ordered replacement list."""

    __tablename__ = "sample_members"
    __table_args__ = (UniqueConstraint("plan_id", "frame_row_id", name="uq_sample_members_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("sample_plans.id"), index=True)
    frame_row_id: Mapped[int] = mapped_column(ForeignKey("frame_rows.id"))
    role: Mapped[str] = mapped_column(String(16))  # "selected" | "replacement"
    selection_order: Mapped[int] = mapped_column(Integer)
    stratum: Mapped[str | None] = mapped_column(String(100))
    inclusion_probability: Mapped[float | None] = mapped_column(Float)
    base_weight: Mapped[float | None] = mapped_column(Float)
    backcheck: Mapped[bool] = mapped_column(Boolean, default=False)
    # AAPOR disposition, kept equal to its latest invitation's (models.outcomes.DISPOSITIONS).
    disposition: Mapped[str] = mapped_column(String(16), default="unknown",
                                             server_default="unknown")

    plan: Mapped[SamplePlan] = relationship(back_populates="members")
    frame_row: Mapped[FrameRow] = relationship()
