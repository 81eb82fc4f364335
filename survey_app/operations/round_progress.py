"""A round's progress: responses counted against the quota of each rating-matrix cell and of each
assessed unit, with the invitations' response rate."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func

from survey_app.extensions import db
from survey_app.models import Invitation, RatingCell, Response, SurveyRound, Unit
from survey_app.operations.rounds import round_units


@dataclass(frozen=True)
class CellProgress:
    cell: RatingCell
    units: int
    target: int
    responses: int

    @property
    def share(self) -> float | None:
        return self.responses / self.target if self.target else None


def matrix_progress(survey_round: SurveyRound) -> list[CellProgress]:
    """Each cell with its target (quota × units of its type) and the responses counted in it."""
    # counted per rated unit from the index alone, then summed by the units' types (no join)
    unit_types = dict(db.session.execute(db.select(Unit.id, Unit.unit_type)).all())
    counts: dict[tuple[str, str], int] = {}
    for group, unit_id, count in db.session.execute(
            db.select(Response.respondent_group, Response.rated_unit_id, func.count())
            .where(Response.round_id == survey_round.id, Response.quarantined.is_(False))
            .group_by(Response.respondent_group, Response.rated_unit_id)):
        key = (group, unit_types[unit_id])
        counts[key] = counts.get(key, 0) + count
    unit_counts: dict[str, int] = {}
    for unit in round_units(survey_round):
        unit_counts[unit.unit_type] = unit_counts.get(unit.unit_type, 0) + 1
    result = []
    for cell in sorted(survey_round.rating_cells, key=lambda c: (c.respondent_group, c.unit_type)):
        units = unit_counts.get(cell.unit_type, 0)
        result.append(
            CellProgress(
                cell,
                units,
                cell.quota * units,
                counts.get((cell.respondent_group, cell.unit_type), 0),
            )
        )
    return result


@dataclass(frozen=True)
class UnitProgress:
    unit: Unit
    target: int
    responses: int
    invitations: int
    invitations_used: int

    @property
    def share(self) -> float | None:
        """Responses as a share of the unit's quota."""
        return self.responses / self.target if self.target else None

    @property
    def response_rate(self) -> float | None:
        """Used invitations as a share of invitations issued (QR responses have no denominator)."""
        return self.invitations_used / self.invitations if self.invitations else None


def unit_progress(
    survey_round: SurveyRound, unit_ids: set[int] | None = None
) -> list[UnitProgress]:
    """Responses, quota and invitation response rate per assessed unit (optionally only
    ``unit_ids``)."""
    responses = dict(
        db.session.execute(
            db.select(Response.rated_unit_id, func.count())
            .where(Response.round_id == survey_round.id, Response.quarantined.is_(False))
            .group_by(Response.rated_unit_id)
        ).all()
    )
    issued: dict[int, int] = {}
    used: dict[int, int] = {}
    for unit_id, status, count in db.session.execute(
        db.select(Invitation.rated_unit_id, Invitation.status, func.count(Invitation.id))
        .where(Invitation.round_id == survey_round.id, Invitation.status != "revoked")
        .group_by(Invitation.rated_unit_id, Invitation.status)
    ):
        issued[unit_id] = issued.get(unit_id, 0) + count
        if status == "used":
            used[unit_id] = used.get(unit_id, 0) + count
    quota_by_type: dict[str, int] = {}
    for cell in survey_round.rating_cells:
        quota_by_type[cell.unit_type] = quota_by_type.get(cell.unit_type, 0) + cell.quota
    rows = []
    for unit in round_units(survey_round):
        if unit_ids is not None and unit.id not in unit_ids:
            continue
        if unit.unit_type not in quota_by_type and unit.id not in responses:
            continue
        rows.append(
            UnitProgress(
                unit,
                quota_by_type.get(unit.unit_type, 0),
                responses.get(unit.id, 0),
                issued.get(unit.id, 0),
                used.get(unit.id, 0),
            )
        )
    return rows
