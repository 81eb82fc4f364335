"""Invitation files: the PDF cards (printing) and XLSX list (sending) of every issue, built when
the links exist (tokens are stored only as keyed hashes, so never afterwards), kept in the database
for ``INVITATION_FILE_DAYS`` and then deleted; and re-issuing a unit's invitations, which revokes
its unused links and makes new ones (with new files) in one step.
"""
from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, render_template
from sqlalchemy import delete, update

from survey_app.extensions import db
from survey_app.models import (
    FrameRow,
    Invitation,
    InvitationFile,
    SampleMember,
    SamplePlan,
    SurveyRound,
    Unit,
    User,
)
from survey_app.models.base import utcnow
from survey_app.operations.fieldwork_setup import issue_invitation
from survey_app.operations.invitations import IssuedInvitation, issued_table
from survey_app.operations.posters import qr_png
from survey_app.operations.rounds import record_audit
from survey_app.refusals import N_, Refused
from survey_app.spreadsheets import XLSX_MIMETYPE, xlsx_bytes

PRINT_CSS = Path(__file__).resolve().parent.parent / "static" / "print.css"


def cards_pdf(survey_round: SurveyRound, issued: list[IssuedInvitation]) -> bytes:
    """The printable A4 cards of ``issued`` (QR code, unit, link as a clickable address).

    The QR codes go in as PNG images: WeasyPrint lays out an inline SVG QR code some hundred
    times slower (see bench/README.md)."""
    from weasyprint import CSS, HTML

    cards = [
        {"unit": item.unit, "link": item.link, "name": item.personal.get("name"),
         "qr": "data:image/png;base64," + base64.b64encode(qr_png(item.link, 4)).decode()}
        for item in issued
    ]
    html = render_template("admin/invitation_cards_pdf.html", round=survey_round, cards=cards)
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=str(PRINT_CSS))])


def purge_expired_files(now: dt.datetime | None = None) -> int:
    """Delete the files past their keeping time (their links are then nowhere but with staff)."""
    result = db.session.execute(
        delete(InvitationFile).where(InvitationFile.expires_at <= (now or utcnow()))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def store_issue_files(survey_round: SurveyRound, issued: list[IssuedInvitation], *,
                      plan: SamplePlan | None = None, unit: Unit | None = None,
                      user: User | None = None) -> list[InvitationFile]:
    """Build the PDF and XLSX of an issue and keep them until they expire; flushes."""
    purge_expired_files()
    batch = secrets.token_hex(8)
    stem = f"thu-moi-{survey_round.code}-" + (f"{unit.code}-" if unit is not None else "") + batch
    expires = utcnow() + dt.timedelta(days=int(current_app.config["INVITATION_FILE_DAYS"]))
    contents = {
        "xlsx": (xlsx_bytes({"thu moi": issued_table(issued)}, bold_header=True), XLSX_MIMETYPE),
        "pdf": (cards_pdf(survey_round, issued), "application/pdf"),
    }
    files = [
        InvitationFile(round_id=survey_round.id, plan_id=plan.id if plan is not None else None,
                       unit_id=unit.id if unit is not None else None, batch=batch, kind=kind,
                       filename=f"{stem}.{kind}", mimetype=mimetype, content=content,
                       invitation_count=len(issued), expires_at=expires,
                       created_by_id=user.id if user is not None else None)
        for kind, (content, mimetype) in contents.items()
    ]
    db.session.add_all(files)
    db.session.flush()
    record_audit(user, "invitation.files", survey_round,
                 {"batch": batch, "count": len(issued), "files": [f.id for f in files]})
    return files


def round_files(survey_round: SurveyRound) -> list[InvitationFile]:
    """The round's files still kept, newest first."""
    return list(db.session.scalars(
        db.select(InvitationFile)
        .where(InvitationFile.round_id == survey_round.id, InvitationFile.expires_at > utcnow())
        .order_by(InvitationFile.created_at.desc(), InvitationFile.id.desc())
    ))


def round_file(survey_round: SurveyRound, file_id: int) -> InvitationFile | None:
    found = db.session.get(InvitationFile, file_id)
    return found if found is not None and found.round_id == survey_round.id else None


def record_download(user: User | None, stored: InvitationFile) -> None:
    record_audit(user, "invitation.file_download", stored,
                 {"round": stored.round_id, "kind": stored.kind, "batch": stored.batch})


@dataclass(frozen=True)
class _NoMember:
    """Stands for the sample member of an invitation issued without a sample (a list, a test)."""

    stratum: str | None
    selection_order: None = None
    role: None = None


def reissue_unit_invitations(survey_round: SurveyRound, unit: Unit,
                             user: User | None = None) -> list[IssuedInvitation]:
    """Revoke every unused invitation of ``unit`` in the round and issue one new invitation for
    each, with the same questionnaire, group, design variables and sample member; returns the new
    ones (their tokens, once). Refused, changing nothing, when the unit has no unused invitation
    or the round no longer takes invitations."""
    if not survey_round.accepts_invitations:
        raise Refused(N_("Đợt đã đóng, không phát thêm thư mời."), status=409,
                      code="round_closed")
    unused = list(db.session.scalars(
        db.select(Invitation).where(
            Invitation.round_id == survey_round.id, Invitation.rated_unit_id == unit.id,
            Invitation.status == "issued",
        ).order_by(Invitation.id)
    ))
    revoked = set(db.session.scalars(
        update(Invitation)
        .where(Invitation.id.in_([i.id for i in unused]), Invitation.status == "issued")
        .values(status="revoked")
        .returning(Invitation.id)
        .execution_options(synchronize_session=False)
    )) if unused else set()
    if not revoked:
        raise Refused(N_("Đơn vị %(unit)s không còn thư mời chưa dùng."), status=409,
                      code="nothing_to_revoke", arguments={"unit": unit.code})
    issued = []
    for old in unused:
        if old.id not in revoked:
            continue  # used by a respondent in the meantime: nothing to replace
        _, token = issue_invitation(
            survey_round, old.questionnaire, unit, old.respondent_group, stratum=old.stratum,
            psu=old.psu, base_weight=old.base_weight, sample_member_id=old.sample_member_id,
        )
        member, personal = _member_of(old)
        issued.append(IssuedInvitation(member, unit, token, personal))
    record_audit(user, "invitation.reissue_unit", survey_round,
                 {"unit": unit.id, "unit_code": unit.code, "revoked": sorted(revoked),
                  "count": len(issued)})
    return issued


def _member_of(invitation: Invitation):
    if invitation.sample_member_id is None:
        return _NoMember(invitation.stratum), {}
    member = db.session.get(SampleMember, invitation.sample_member_id)
    row = db.session.get(FrameRow, member.frame_row_id)
    return member, (row.personal or {}) if row is not None else {}
