"""Survey rounds: creation, status transitions with audit events, the rating matrix and progress."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func

from survey_app.extensions import db
from survey_app.models import (
    UNIT_TYPES,
    AuditEvent,
    Invitation,
    Province,
    QuestionnaireVersion,
    RatingCell,
    Response,
    SurveyRound,
    Unit,
    User,
)
from survey_app.models.rounds import ROUND_STATUSES
from survey_app.operations.audit import record_event

STATUS_LABELS = {
    "draft": "Nháp / draft",
    "open": "Đang mở / open",
    "closed": "Đã đóng / closed",
    "published": "Đã công bố / published",
}


def record_audit(user: User | None, action: str, obj, detail: dict | None = None) -> AuditEvent:
    """Append an audit event for ``obj`` (any model with an ``id``) to the hash chain."""
    return record_event(user, action, type(obj).__tablename__, str(obj.id), detail)


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
    """A new round in draft status; raises ValueError for a taken code or inverted dates."""
    from survey_app.downloads import check_identifier

    code = (code or "").strip()
    if not code:
        raise ValueError("Mã đợt khảo sát không được để trống / the round code must not be empty.")
    code = check_identifier(code)
    if db.session.scalar(db.select(SurveyRound.id).filter_by(code=code)) is not None:
        raise ValueError(
            f"Mã đợt {code!r} đã được dùng / the round code {code!r} is already taken."
        )
    if opens_on and closes_on and closes_on < opens_on:
        raise ValueError(
            "Ngày đóng phải sau ngày mở / the closing date must not precede the opening date."
        )
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


class RoundMisfit(ValueError):
    """A round's methodology pack and the questionnaires of its rating matrix do not fit, so the
    round cannot open (or, once open, its matrix cannot change that way).

    ``problems`` lists every ``questionnaires.Problem`` (Vietnamese and English sentences); the
    message is ``headline`` and then one line per problem.
    """

    OPEN = (
        "Không mở được đợt: bộ tiêu chí và các phiếu trong ma trận đánh giá chưa khớp / "
        "the round cannot open: its methodology pack and the questionnaires of its rating "
        "matrix do not fit."
    )
    CELL = (
        "Không đổi được ô ma trận: đợt đã mở, và sau thay đổi bộ tiêu chí và các phiếu sẽ không "
        "khớp / the cell cannot change: the round has opened, and its methodology pack and "
        "questionnaires would no longer fit."
    )

    def __init__(self, problems: list, headline: str = OPEN) -> None:
        self.problems = list(problems)
        self.headline = headline
        lines = [f"{p.message_vi} / {p.message_en}" for p in self.problems]
        super().__init__("\n".join([headline, *lines]))


def round_fit_problems(
    survey_round: SurveyRound,
    change: tuple[str, str, QuestionnaireVersion] | None = None,
) -> list:
    """Problems between the round's methodology pack and its rating matrix (see
    ``questionnaires.packs.check_round_fit``); empty when they fit or the round has no pack.

    ``change`` (group, unit type, questionnaire) checks the matrix as it would be with that cell
    set, without changing anything.
    """
    from questionnaires.packs import check_round_fit, load_pack

    from survey_app.operations.documents import load_questionnaire

    if survey_round.methodology_pack is None:
        return []
    pack = load_pack(survey_round.methodology_pack.content)
    matrix = {
        (cell.respondent_group, cell.unit_type): cell.questionnaire
        for cell in survey_round.rating_cells
    }
    if change is not None:
        matrix[change[:2]] = change[2]
    forms: dict[int, object] = {}
    cells = []
    for (group, unit_type), row in sorted(matrix.items(), key=lambda item: item[0][::-1]):
        if row.id not in forms:
            forms[row.id] = load_questionnaire(row)
        cells.append((group, unit_type, forms[row.id]))
    return check_round_fit(pack, cells, survey_round.year)


def change_status(survey_round: SurveyRound, status: str, user: User | None = None) -> None:
    """Move a round along draft → open → closed → published (a closed round may reopen).

    A round opens only when its methodology pack and the questionnaires of its rating matrix
    fit (:func:`round_fit_problems`); otherwise :class:`RoundMisfit` lists the problems and
    nothing changes.
    """
    if status not in ROUND_STATUSES:
        raise ValueError(f"Trạng thái không hợp lệ / unknown status {status!r}.")
    if not survey_round.can_move_to(status):
        raise ValueError(
            f"Không thể chuyển đợt từ {STATUS_LABELS[survey_round.status]} sang {STATUS_LABELS[status]} / "
            f"a round cannot move from {survey_round.status} to {status}."
        )
    if status == "open" and not survey_round.rating_cells:
        raise ValueError(
            "Cần có ít nhất một ô trong ma trận đánh giá trước khi mở đợt / "
            "a round needs at least one rating-matrix cell before it opens."
        )
    if status == "open":
        problems = round_fit_problems(survey_round)
        if problems:
            raise RoundMisfit(problems)
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

    ``quota`` is the number of forms wanted for each assessed unit of that type. A draft round's
    matrix may be edited freely; once the round has opened, a change that would make the matrix
    misfit its pack is refused with :class:`RoundMisfit`.
    """
    respondent_group = respondent_group.strip()
    if not respondent_group:
        raise ValueError(
            "Nhóm người trả lời không được để trống / the respondent group must not be empty."
        )
    if unit_type not in UNIT_TYPES:
        raise ValueError(f"Loại đơn vị không hợp lệ / unknown unit type {unit_type!r}.")
    if quota < 0:
        raise ValueError("Chỉ tiêu phiếu không được âm / the quota must not be negative.")
    if survey_round.status == "published":
        raise ValueError(
            "Đợt đã công bố, không sửa được ma trận / a published round's matrix cannot change."
        )
    if survey_round.status != "draft":  # an opened round keeps a matrix that fits its pack
        problems = round_fit_problems(survey_round, (respondent_group, unit_type, questionnaire))
        if problems:
            raise RoundMisfit(problems, RoundMisfit.CELL)
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
    if cell.round.status != "draft":
        raise ValueError(
            "Chỉ xoá được ô khi đợt còn ở trạng thái nháp / cells can be removed only from a draft round."
        )
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
    counts = {
        (group, unit_type): count
        for group, unit_type, count in db.session.execute(
            db.select(Response.respondent_group, Unit.unit_type, func.count(Response.id))
            .join(Unit, Unit.id == Response.rated_unit_id)
            .where(Response.round_id == survey_round.id, Response.quarantined.is_(False))
            .group_by(Response.respondent_group, Unit.unit_type)
        )
    }
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
    """Responses, quota and invitation response rate per assessed unit (optionally only ``unit_ids``)."""
    responses = dict(
        db.session.execute(
            db.select(Response.rated_unit_id, func.count(Response.id))
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
