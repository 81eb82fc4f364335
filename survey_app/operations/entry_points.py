"""A round's QR entry points as staff manage them: list, add (with the round's rule), revoke."""

from __future__ import annotations

from survey_app.extensions import db
from survey_app.models import EntryPoint, SurveyRound, Unit, User
from survey_app.operations.fieldwork_setup import create_entry_point
from survey_app.operations.matrix import (
    assigned_questionnaire,
    check_pack_group,
    check_questionnaire_group,
)
from survey_app.operations.rounds import record_audit
from survey_app.refusals import N_, Refused


def get_entry_point(survey_round_id: int, entry_id: int) -> EntryPoint | None:
    """The entry point ``entry_id`` if it belongs to the round, else ``None``."""
    entry = db.session.get(EntryPoint, entry_id)
    return entry if entry is not None and entry.round_id == survey_round_id else None


def round_entry_points(survey_round: SurveyRound, *, active_only: bool = False) -> list[EntryPoint]:
    """The round's entry points: active ones first (or only them), oldest first."""
    query = db.select(EntryPoint).filter_by(round_id=survey_round.id)
    if active_only:
        query = query.filter_by(revoked=False)
    return list(db.session.scalars(query.order_by(EntryPoint.revoked, EntryPoint.id)))


def add_entry_point(survey_round: SurveyRound, unit_id: int, respondent_group: str,
                    counter: str, user: User | None = None, *,
                    questionnaire_id: int | None = None) -> EntryPoint:
    """A new QR entry point for a unit of the round's province and a respondent group, serving
    the questionnaire the round's rating matrix assigns to that group for the unit's type;
    audited. Refused once the round has closed, for a unit outside the province, a group the
    matrix does not name, or a ``questionnaire_id`` other than the matrix's."""
    if not survey_round.accepts_entry_points:
        raise Refused(N_("Đợt đã đóng, không tạo thêm điểm QR."), status=409,
                      code="round_closed")
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.province_id != survey_round.province_id:
        raise Refused(N_("Đơn vị không thuộc tỉnh của đợt."), code="unit_not_in_province")
    group = check_pack_group(survey_round, respondent_group)
    questionnaire = assigned_questionnaire(survey_round, group, unit.unit_type, questionnaire_id)
    check_questionnaire_group(questionnaire, group)  # its answers carry the form's group
    entry = create_entry_point(survey_round, unit, questionnaire, counter.strip())
    record_audit(user, "entry_point.create", entry,
                 {"unit": unit.code, "group": group, "counter": entry.counter})
    return entry


def revoke_entry_point(entry: EntryPoint, user: User | None = None) -> None:
    """Stop an entry point taking answers; its QR code then shows the refusal page."""
    entry.revoked = True
    record_audit(user, "entry_point.revoke", entry)
    db.session.flush()
