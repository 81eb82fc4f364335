"""A round's named deadlines (fieldwork ends, units report, results due), each assessed unit's due
date, and the units behind schedule with what they still miss.

A unit's task in a round is to bring in its quota of answers (the rating matrix: quota per
respondent group and unit type). Its due date is its own, else the round's ``units_report``
deadline, else ``fieldwork_ends``. A unit is behind schedule once that date has passed with a
quota not reached.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func

from survey_app.extensions import db
from survey_app.models import (
    Invitation, Response, RoundDeadline, SurveyRound, Unit, UnitTask, User,
)
from survey_app.models.outcomes import DEADLINE_KINDS
from survey_app.operations.rounds import record_audit, round_units
from survey_app.refusals import N_, Refused


def deadlines(survey_round: SurveyRound) -> dict[str, dt.date]:
    """Kind → date of the round's deadlines that are set."""
    return dict(db.session.execute(
        db.select(RoundDeadline.kind, RoundDeadline.due_on)
        .where(RoundDeadline.round_id == survey_round.id)).all())


def _check_editable(survey_round: SurveyRound) -> None:
    if survey_round.is_published:
        raise Refused(N_("Đợt khảo sát đã công bố; không đổi hạn được nữa."), status=409,
                      code="round_published")


def set_deadline(survey_round: SurveyRound, kind: str, due_on: dt.date | None,
                 user: User | None = None) -> None:
    """Set (or, with ``due_on`` None, remove) one named deadline of the round."""
    if kind not in DEADLINE_KINDS:
        raise Refused(N_("Loại hạn “%(kind)s” không hợp lệ."), code="bad_deadline",
                      arguments={"kind": kind})
    _check_editable(survey_round)
    row = db.session.scalar(db.select(RoundDeadline).filter_by(round_id=survey_round.id,
                                                               kind=kind))
    if due_on is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(RoundDeadline(round_id=survey_round.id, kind=kind, due_on=due_on))
    else:
        row.due_on = due_on
    record_audit(user, "round.deadline", survey_round,
                 {"kind": kind, "due_on": due_on.isoformat() if due_on else None})
    db.session.flush()


def set_unit_due(survey_round: SurveyRound, unit: Unit, due_on: dt.date | None,
                 user: User | None = None) -> None:
    """Set (or remove) the due date of ``unit``'s task in the round."""
    _check_editable(survey_round)
    if unit.province_id != survey_round.province_id:
        raise Refused(N_("Đơn vị %(unit)s không thuộc tỉnh của đợt này."), code="unit_elsewhere",
                      arguments={"unit": unit.code})
    row = db.session.scalar(db.select(UnitTask).filter_by(round_id=survey_round.id,
                                                          unit_id=unit.id))
    if due_on is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(UnitTask(round_id=survey_round.id, unit_id=unit.id, due_on=due_on))
    else:
        row.due_on = due_on
    record_audit(user, "round.unit_due", survey_round,
                 {"unit": unit.code, "due_on": due_on.isoformat() if due_on else None})
    db.session.flush()


@dataclass(frozen=True)
class Shortfall:
    group: str
    quota: int
    responses: int

    @property
    def missing(self) -> int:
        return max(self.quota - self.responses, 0)


@dataclass(frozen=True)
class UnitSchedule:
    unit: Unit
    due_on: dt.date | None
    shortfalls: list[Shortfall]  # respondent groups still short of their quota
    unanswered_invitations: int

    @property
    def missing(self) -> int:
        return sum(s.missing for s in self.shortfalls)

    def behind(self, today: dt.date) -> bool:
        return self.due_on is not None and today > self.due_on and self.missing > 0


def unit_schedules(survey_round: SurveyRound,
                   unit_ids: set[int] | None = None) -> list[UnitSchedule]:
    """Every assessed unit with a quota: its due date, what it misses, invitations unanswered."""
    named = deadlines(survey_round)
    default_due = named.get("units_report") or named.get("fieldwork_ends")
    own = dict(db.session.execute(
        db.select(UnitTask.unit_id, UnitTask.due_on)
        .where(UnitTask.round_id == survey_round.id)).all())
    answered = {
        (unit_id, group): count for unit_id, group, count in db.session.execute(
            db.select(Response.rated_unit_id, Response.respondent_group, func.count())
            .where(Response.round_id == survey_round.id, Response.quarantined.is_(False))
            .group_by(Response.rated_unit_id, Response.respondent_group))}
    unanswered = dict(db.session.execute(
        db.select(Invitation.rated_unit_id, func.count(Invitation.id))
        .where(Invitation.round_id == survey_round.id, Invitation.status == "issued")
        .group_by(Invitation.rated_unit_id)).all())
    quotas: dict[str, list[tuple[str, int]]] = {}
    for cell in survey_round.rating_cells:
        quotas.setdefault(cell.unit_type, []).append((cell.respondent_group, cell.quota))
    rows = []
    for unit in round_units(survey_round):
        if unit.unit_type not in quotas or (unit_ids is not None and unit.id not in unit_ids):
            continue
        shortfalls = [Shortfall(group, quota, answered.get((unit.id, group), 0))
                      for group, quota in sorted(quotas[unit.unit_type])]
        rows.append(UnitSchedule(unit, own.get(unit.id, default_due),
                                 [s for s in shortfalls if s.missing],
                                 unanswered.get(unit.id, 0)))
    return rows


def behind_schedule(survey_round: SurveyRound, today: dt.date,
                    unit_ids: set[int] | None = None) -> list[UnitSchedule]:
    """The units whose due date has passed with a quota not reached, most missing first."""
    rows = [r for r in unit_schedules(survey_round, unit_ids) if r.behind(today)]
    return sorted(rows, key=lambda r: (-r.missing, r.unit.code))
