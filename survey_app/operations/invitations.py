"""Invitations: issue one per drawn member, list a round's invitations, revoke them, and the
``(headers, rows)`` tables staff download (the members of a plan, the links just issued).

A token is returned once, when it is issued, and stored only as a keyed hash: no listing but the
one built right after issuing can show a link.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, update

from survey_app.extensions import db
from survey_app.models import (
    FrameRow,
    Invitation,
    RatingCell,
    SampleMember,
    SamplePlan,
    SurveyRound,
    Unit,
    User,
)
from survey_app.models.fieldwork import INVITATION_STATUSES
from survey_app.operations.fieldwork_setup import issue_invitation
from survey_app.operations.frames import frame_spec
from survey_app.operations.matrix import check_questionnaire_group
from survey_app.operations.posters import invitation_url, qr_inline_svg
from survey_app.operations.rounds import record_audit
from survey_app.refusals import N_, Refused

INVITATION_PAGE_SIZE = 100
CARD_QR_SIZE = 38
ISSUED_HEADERS = ["order", "role", "stratum", "unit_code", "unit_name", "name", "phone", "email",
                  "link"]


# --- a plan's members and the invitations issued to them ----------------------------------------

@dataclass(frozen=True)
class MemberTable:
    """A plan's selected members then replacements, personal columns included for contact;
    ``personal`` is the slice of the columns that hold personal data."""

    headers: list[str]
    rows: list[list[Any]]
    personal: slice


def member_table(plan: SamplePlan) -> MemberTable:
    spec = frame_spec(plan.frame.kind)
    design_columns = [c.name for c in spec.columns if not c.personal]
    personal_columns = list(spec.personal_columns)
    leading = ["order", "role", "stratum", "frame_row", "unit_code", "unit_name"] + design_columns
    headers = leading + personal_columns + ["inclusion_probability", "base_weight", "backcheck"]
    query = (
        db.select(SampleMember, FrameRow, Unit)
        .join(FrameRow, FrameRow.id == SampleMember.frame_row_id)
        .outerjoin(Unit, Unit.id == FrameRow.unit_id)
        .where(SampleMember.plan_id == plan.id)
        .order_by(SampleMember.selection_order)
    )
    rows = []
    for member, frame_row, unit in db.session.execute(query):
        personal = frame_row.personal or {}
        rows.append(
            [
                member.selection_order,
                member.role,
                member.stratum,
                frame_row.row_number,
                unit.code if unit else None,
                unit.name if unit else None,
            ]
            + [frame_row.design.get(c) for c in design_columns]
            + [personal.get(c) for c in personal_columns]
            + [member.inclusion_probability, member.base_weight, "x" if member.backcheck else None]
        )
    return MemberTable(headers, rows, slice(len(leading), len(headers) - 3))


def member_counts(plan: SamplePlan) -> dict[str, int]:
    """Members of the plan by role (``selected``, ``replacement``) and marked for back-check."""
    counts = dict(
        db.session.execute(
            db.select(SampleMember.role, db.func.count(SampleMember.id))
            .where(SampleMember.plan_id == plan.id)
            .group_by(SampleMember.role)
        ).all()
    )
    counts["backcheck"] = db.session.scalar(
        db.select(db.func.count(SampleMember.id)).where(
            SampleMember.plan_id == plan.id, SampleMember.backcheck.is_(True))
    )
    return counts


@dataclass(frozen=True)
class IssuedInvitation:
    member: SampleMember
    unit: Unit
    token: str
    personal: dict

    @property
    def link(self) -> str:
        return invitation_url(self.token)


def rating_cells(survey_round: SurveyRound) -> list[RatingCell]:
    """The round's rating-matrix cells, by respondent group and unit type."""
    return list(db.session.scalars(
        db.select(RatingCell)
        .filter_by(round_id=survey_round.id)
        .order_by(RatingCell.respondent_group, RatingCell.unit_type)
    ))


def issue_plan_invitations(
    plan: SamplePlan, cell: RatingCell | int, include_replacements: bool = False,
    user: User | None = None,
) -> list[IssuedInvitation]:
    """One invitation per drawn member (rated unit = the member's frame unit) not yet invited,
    for a rating-matrix ``cell`` (or its id), whose group and questionnaire it carries: staff pick
    a cell, never a questionnaire.

    Tokens are returned once, for the download, and stored only as keyed hashes.
    """
    if not isinstance(cell, RatingCell):
        cell = db.session.get(RatingCell, cell)
    survey_round = db.session.get(SurveyRound, plan.round_id)
    if cell is None or cell.round_id != plan.round_id:
        raise Refused(N_("Ô ma trận không thuộc đợt này."), code="cell_of_another_round")
    if not survey_round.accepts_invitations:
        raise Refused(N_("Đợt đã đóng, không phát thêm thư mời."), status=409,
                      code="round_closed")
    # The questionnaire and the group come from the cell; a cell stored with another group's form
    # (before the matrix checked it) issues nothing.
    check_questionnaire_group(cell.questionnaire, cell.respondent_group)
    invited = set(
        db.session.scalars(
            db.select(Invitation.sample_member_id).where(
                Invitation.sample_member_id.is_not(None),
                Invitation.status != "revoked",
                Invitation.round_id == plan.round_id,
            )
        )
    )
    roles = ("selected", "replacement") if include_replacements else ("selected",)
    query = (
        db.select(SampleMember, FrameRow, Unit)
        .join(FrameRow, FrameRow.id == SampleMember.frame_row_id)
        .outerjoin(Unit, Unit.id == FrameRow.unit_id)
        .where(SampleMember.plan_id == plan.id, SampleMember.role.in_(roles))
        .order_by(SampleMember.selection_order)
    )
    issued = []
    two_stage = plan.method == "two_stage"
    for member, frame_row, unit in db.session.execute(query).all():
        if member.id in invited:
            continue
        if unit is None:
            raise Refused(N_("Dòng khung %(row)s không có đơn vị được đánh giá."),
                          code="row_without_unit", arguments={"row": frame_row.row_number})
        if unit.unit_type != cell.unit_type:
            raise Refused(N_("Đơn vị %(unit)s không thuộc loại %(unit_type)s của ô ma trận."),
                          code="unit_type_mismatch",
                          arguments={"unit": unit.code, "unit_type": cell.unit_type})
        _, token = issue_invitation(
            survey_round,
            cell.questionnaire,
            unit,
            cell.respondent_group,
            # A two-stage member's label is its PSU (a cluster), not a stratum.
            stratum=None if two_stage else member.stratum,
            psu=member.stratum if two_stage else None,
            base_weight=member.base_weight,
            sample_member_id=member.id,
        )
        issued.append(IssuedInvitation(member, unit, token, frame_row.personal or {}))
    if not issued:
        raise Refused(N_("Mọi đơn vị trong mẫu đã có thư mời."), status=409,
                      code="all_invited")
    record_audit(user, "plan.invitations", plan, {"cell": cell.id, "count": len(issued)})
    return issued


def issued_table(issued: list[IssuedInvitation]) -> tuple[list[str], list[list[Any]]]:
    """The invitations just issued, with their links, as ``(headers, rows)``."""
    rows = [
        [
            item.member.selection_order,
            item.member.role,
            item.member.stratum,
            item.unit.code,
            item.unit.name,
            item.personal.get("name"),
            item.personal.get("phone"),
            item.personal.get("email"),
            item.link,
        ]
        for item in issued
    ]
    return list(ISSUED_HEADERS), rows


def issued_cards(issued: list[IssuedInvitation]) -> list[dict[str, Any]]:
    """One printable card per invitation just issued: unit, name, link and its QR code."""
    return [
        {"unit": item.unit, "link": item.link, "qr": qr_inline_svg(item.link, CARD_QR_SIZE),
         "name": item.personal.get("name")}
        for item in issued
    ]


# --- a round's invitations: list (no tokens, only their hashes exist) and revoke ----------------

@dataclass(frozen=True)
class InvitationRow:
    """One invitation as the staff list shows it; the token itself is never stored."""

    id: int
    unit_id: int
    unit_code: str
    unit_name: str
    respondent_group: str
    status: str
    issued_at: dt.datetime
    disposition: str = "unknown"


@dataclass(frozen=True)
class InvitationPage:
    rows: list[InvitationRow]
    total: int
    page: int
    pages: int
    status_counts: dict[str, int]


def invitation_page(
    survey_round: SurveyRound,
    *,
    status: str | None = None,
    unit_id: int | None = None,
    page: int = 1,
    per_page: int = INVITATION_PAGE_SIZE,
) -> InvitationPage:
    """A page of a round's invitations (oldest first), filtered by status and rated unit."""
    if status is not None and status not in INVITATION_STATUSES:
        raise Refused(N_("Trạng thái thư mời “%(status)s” không hợp lệ."),
                      code="unknown_status", arguments={"status": status})
    if page < 1 or per_page < 1:
        raise Refused(N_("Trang phải từ 1 trở lên."), code="bad_page")
    where = [Invitation.round_id == survey_round.id]
    if unit_id is not None:
        where.append(Invitation.rated_unit_id == unit_id)
    status_counts = dict(
        db.session.execute(
            db.select(Invitation.status, func.count(Invitation.id))
            .where(*where)
            .group_by(Invitation.status)
        ).all()
    )
    if status is not None:
        where.append(Invitation.status == status)
    total = status_counts.get(status, 0) if status else sum(status_counts.values())
    pages = max(1, -(-total // per_page))
    page = min(page, pages)
    query = (
        db.select(
            Invitation.id,
            Invitation.rated_unit_id,
            Unit.code,
            Unit.name,
            Invitation.respondent_group,
            Invitation.status,
            Invitation.issued_at,
            Invitation.disposition,
        )
        .join(Unit, Unit.id == Invitation.rated_unit_id)
        .where(*where)
        .order_by(Invitation.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = [InvitationRow(*row) for row in db.session.execute(query)]
    return InvitationPage(rows, total, page, pages, status_counts)


def invited_units(survey_round: SurveyRound) -> list[Unit]:
    """The units rated by at least one invitation of the round, by code."""
    return list(
        db.session.scalars(
            db.select(Unit)
            .where(
                Unit.id.in_(
                    db.select(Invitation.rated_unit_id).where(
                        Invitation.round_id == survey_round.id
                    )
                )
            )
            .order_by(Unit.code)
        )
    )


def round_invitation(survey_round: SurveyRound, invitation_id: int) -> Invitation | None:
    """Invitation ``invitation_id`` if it belongs to the round."""
    invitation = db.session.get(Invitation, invitation_id)
    return invitation if invitation is not None and invitation.round_id == survey_round.id else None


_NOT_REVOCABLE = {
    "used": N_("Thư mời #%(id)s đã được dùng, không thu hồi được."),
    "revoked": N_("Thư mời #%(id)s đã bị thu hồi, không thu hồi được."),
    "issued": N_("Thư mời #%(id)s đã được phát, không thu hồi được."),
}


def revoke_invitation(invitation: Invitation, user: User | None = None) -> None:
    """Withdraw one unused invitation; its link then shows the refusal page.

    One conditional UPDATE (``issued`` → ``revoked``), so it cannot overtake a submission that
    has just used the invitation.
    """
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.status == "issued")
        .values(status="revoked", sealed_token=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(invitation)
        raise Refused(_NOT_REVOCABLE.get(invitation.status, _NOT_REVOCABLE["used"]), status=409,
                      code="not_revocable", arguments={"id": invitation.id})
    db.session.refresh(invitation)
    record_audit(
        user,
        "invitation.revoke",
        invitation,
        {"round": invitation.round_id, "unit": invitation.rated_unit_id},
    )
    db.session.flush()


def revoke_unused_invitations(
    survey_round: SurveyRound, unit: Unit | int, user: User | None = None
) -> int:
    """Withdraw every unused (issued) invitation of ``unit`` (or its id) in the round; returns
    how many."""
    if not isinstance(unit, Unit):
        unit = db.session.get(Unit, unit)
    if unit is None:
        raise Refused(N_("Hãy chọn một đơn vị có thư mời."), code="no_unit")
    ids = list(
        db.session.scalars(
            update(Invitation)
            .where(
                Invitation.round_id == survey_round.id,
                Invitation.rated_unit_id == unit.id,
                Invitation.status == "issued",
            )
            .values(status="revoked", sealed_token=None)
            .returning(Invitation.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not ids:
        raise Refused(N_("Đơn vị %(unit)s không còn thư mời chưa dùng."), status=409,
                      code="nothing_to_revoke", arguments={"unit": unit.code})
    record_audit(
        user,
        "invitation.revoke_unit",
        survey_round,
        {"unit": unit.id, "unit_code": unit.code, "count": len(ids), "invitations": sorted(ids)},
    )
    db.session.flush()
    return len(ids)
