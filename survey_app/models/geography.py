"""Provinces and assessed units, with validity dates and successor mappings across mergers."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Float, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base

UNIT_TYPES = ("agency", "commune", "district")


class Province(Base):
    __tablename__ = "provinces"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)

    units: Mapped[list["Unit"]] = relationship(back_populates="province")


class Unit(Base):
    """An assessed unit: a provincial agency, a commune, or (for data up to 2024) a district."""

    __tablename__ = "units"
    __table_args__ = (
        CheckConstraint("unit_type IN ('agency', 'commune', 'district')", name="unit_type"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    unit_type: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)

    province: Mapped[Province] = relationship(back_populates="units")

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class UnitSuccession(Base):
    """An old → new mapping: ``predecessor`` was merged into (or renamed as) ``successor``."""

    __tablename__ = "unit_successions"
    __table_args__ = (
        UniqueConstraint("predecessor_id", "successor_id", name="uq_unit_successions_pair"),
        CheckConstraint("predecessor_id <> successor_id", name="distinct_units"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    predecessor_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    successor_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    effective_on: Mapped[dt.date] = mapped_column(Date)
    # Share of the predecessor carried into the successor (population share), when known.
    share: Mapped[float | None] = mapped_column(Float)

    predecessor: Mapped[Unit] = relationship(foreign_keys=[predecessor_id])
    successor: Mapped[Unit] = relationship(foreign_keys=[successor_id])
