"""Survey rounds: creation, status transitions with audit events, the rating matrix, the round's
units, and its invitations (listed and revoked).

Whether a round accepts a change is the round's own rule (``SurveyRound.accepts_*``); the
operations here refuse with :class:`survey_app.refusals.Refused` when it does not.
"""

from __future__ import annotations

import datetime as dt
import re

from survey_app.clock import vietnam_today
from survey_app.extensions import db
from survey_app.models import (
    UNIT_TYPES,
    AuditEvent,
    Province,
    QuestionnaireVersion,
    RatingCell,
    SurveyRound,
    Unit,
    User,
)
from survey_app.models.rounds import ROUND_STATUSES
from survey_app.operations.audit import record_event
from survey_app.operations.matrix import check_pack_group, check_questionnaire_group
from survey_app.operations.round_fit import check_round_fits
from survey_app.refusals import N_, Refused

ROUND_CODE = r"[A-Za-z0-9_-]{1,40}"
# Why a round cannot move to a status, by that status (the rule: ``ROUND_TRANSITIONS``).
CANNOT_MOVE_TO = {
    "draft": N_("Đợt đã rời trạng thái nháp, không trở lại nháp được."),
    "open": N_("Chỉ mở được đợt đang ở trạng thái nháp hoặc đã đóng."),
    "closed": N_("Chỉ đóng được đợt đang mở."),
    "published": N_("Chỉ công bố được đợt đã đóng."),
}


def record_audit(user: User | None, action: str, obj, detail: dict | None = None) -> AuditEvent:
    """Append an audit event for ``obj`` (any model with an ``id``) to the hash chain."""
    return record_event(user, action, type(obj).__tablename__, str(obj.id), detail)


def get_round(round_id: int) -> SurveyRound | None:
    return db.session.get(SurveyRound, round_id)


def create_round(
    province: Province,
    code: str,
    year: int,
    period: str,
    title: str,
    *,
    anonymous: bool = True,
    opens_on: dt.date | None = None,
    closes_on: dt.date | None = None,
    user: User | None = None,
) -> SurveyRound:
    """A new round in draft status; refused for a missing, unsafe or taken code or inverted
    dates."""
    code = (code or "").strip()
    if not code:
        raise Refused(N_("Mã đợt khảo sát không được để trống."), code="round_code")
    if not re.fullmatch(ROUND_CODE, code):
        raise Refused(N_("Mã đợt khảo sát chỉ được gồm chữ cái không dấu, chữ số, dấu gạch ngang "
                         "(-) và gạch dưới (_), tối đa 40 ký tự, ví dụ CCHC-2025."),
                      code="round_code")
    if db.session.scalar(db.select(SurveyRound.id).filter_by(code=code)) is not None:
        raise Refused(N_("Mã đợt %(code)s đã được dùng."), status=409, code="round_code_taken",
                      arguments={"code": code})
    if opens_on and closes_on and closes_on < opens_on:
        raise Refused(N_("Ngày đóng phải sau ngày mở."), code="round_dates")
    survey_round = SurveyRound(
        code=code,
        province_id=province.id,
        year=year,
        period=period.strip(),
        title=title.strip(),
        anonymous=anonymous,
        opens_on=opens_on,
        closes_on=closes_on,
        status="draft",
    )
    db.session.add(survey_round)
    db.session.flush()
    record_audit(user, "round.create", survey_round, {"code": code})
    return survey_round


def change_status(survey_round: SurveyRound, status: str, user: User | None = None, *,
                  today: dt.date | None = None) -> None:
    """Move a round along draft → open → closed → published (a closed round may reopen).

    A round opens only before its closing date has passed (``today``: Vietnam's date by default)
    and with a rating matrix that fits its methodology pack
    (:func:`survey_app.operations.round_fit.check_round_fits`); otherwise the refusal lists
    every problem and nothing changes.
    """
    if status not in ROUND_STATUSES:
        raise Refused(N_("Trạng thái %(status)s không hợp lệ."), code="round_status",
                      arguments={"status": status})
    if not survey_round.can_move_to(status):
        raise Refused(CANNOT_MOVE_TO[status], status=409, code="round_status")
    today = today or vietnam_today()
    if status == "open" and survey_round.closes_on is not None and survey_round.closes_on < today:
        raise Refused(N_("Không mở được đợt %(code)s: ngày đóng của đợt (%(closes_on)s) đã qua, "
                         "đợt không nhận thêm câu trả lời."), status=409, code="round_past_closing",
                      arguments={"code": survey_round.code,
                                 "closes_on": survey_round.closes_on.strftime("%d/%m/%Y")})
    if status == "open" and not survey_round.rating_cells:
        raise Refused(N_("Cần có ít nhất một ô trong ma trận đánh giá trước khi mở đợt."),
                      status=409, code="round_matrix_empty")
    if status == "open":
        check_round_fits(survey_round)
    previous = survey_round.status
    survey_round.status = status
    record_audit(user, "round.status", survey_round, {"from": previous, "to": status})
    db.session.flush()


def set_rating_cell(
    survey_round: SurveyRound,
    respondent_group: str,
    unit_type: str,
    questionnaire: QuestionnaireVersion,
    quota: int,
    user: User | None = None,
) -> RatingCell:
    """Create or update the cell (respondent group × unit type) with its questionnaire and quota.

    ``quota`` is the number of forms wanted for each assessed unit of that type. The group must be
    one of the round's groups (:func:`survey_app.operations.matrix.pack_groups`) and the
    questionnaire written for it. A draft round's matrix may be edited freely; once the round has
    opened, a change that would make the matrix misfit its pack is refused.
    """
    if unit_type not in UNIT_TYPES:
        raise Refused(N_("Loại đơn vị %(unit_type)s không hợp lệ."), code="rating_cell",
                      arguments={"unit_type": unit_type})
    if quota < 0:
        raise Refused(N_("Chỉ tiêu phiếu không được âm."), code="rating_cell")
    if not survey_round.accepts_edits:
        raise Refused(N_("Đợt đã công bố, không sửa được ma trận."), status=409,
                      code="round_published")
    respondent_group = check_pack_group(survey_round, respondent_group)
    if survey_round.has_opened:
        check_round_fits(survey_round, (respondent_group, unit_type, questionnaire))
    check_questionnaire_group(questionnaire, respondent_group)
    cell = db.session.scalar(
        db.select(RatingCell).filter_by(
            round_id=survey_round.id, respondent_group=respondent_group, unit_type=unit_type
        )
    )
    if cell is None:
        cell = RatingCell(
            round_id=survey_round.id,
            respondent_group=respondent_group,
            unit_type=unit_type,
            questionnaire_id=questionnaire.id,
            quota=quota,
        )
        survey_round.rating_cells.append(cell)
    else:
        cell.questionnaire_id = questionnaire.id
        cell.quota = quota
    db.session.flush()
    record_audit(
        user,
        "round.matrix",
        survey_round,
        {
            "group": respondent_group,
            "unit_type": unit_type,
            "questionnaire": questionnaire.id,
            "quota": quota,
        },
    )
    return cell


def remove_rating_cell(cell: RatingCell, user: User | None = None) -> None:
    if not cell.round.accepts_cell_removal:
        raise Refused(N_("Chỉ xoá được ô khi đợt còn ở trạng thái nháp."), status=409,
                      code="round_not_draft")
    record_audit(
        user,
        "round.matrix.remove",
        cell.round,
        {"group": cell.respondent_group, "unit_type": cell.unit_type},
    )
    survey_round = cell.round
    db.session.delete(cell)
    db.session.flush()
    db.session.expire(survey_round, ["rating_cells"])  # the loaded matrix no longer holds it


def round_units(survey_round: SurveyRound, unit_type: str | None = None) -> list[Unit]:
    """The assessed units of the round's province valid at some time during the round.

    The round runs from ``opens_on`` to ``closes_on``, or over its year when they are not set.
    """
    query = (
        db.select(Unit)
        .filter_by(province_id=survey_round.province_id)
        .order_by(Unit.unit_type, Unit.code)
    )
    if unit_type is not None:
        query = query.filter_by(unit_type=unit_type)
    first = survey_round.opens_on or dt.date(survey_round.year, 1, 1)
    last = survey_round.closes_on or dt.date(survey_round.year, 12, 31)
    return [
        unit
        for unit in db.session.scalars(query)
        if unit.valid_from <= last and (unit.valid_to is None or unit.valid_to >= first)
    ]


