"""Multi-unit invitations: one link with which one respondent rates several units, one after
another, with one questionnaire (a People's Council delegate rating every agency).

A bundle holds one ordinary :class:`Invitation` per unit (``bundle_id`` set), whose token hash is
derived from the bundle's token and the unit, so no link opens it alone. Each unit is answered
and consumed exactly as a one-unit invitation is (:func:`survey_app.operations.submissions.submit`
holds the bundle's row first, so a finish and a unit's answer never cross), one response per
unit; unanswered units stay ``issued``, i.e. non-respondents, as the analysis expects. The
bundle is used up when every unit is answered or the respondent finishes (:func:`finish_bundle`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload

from survey_app.clock import vietnam_today
from survey_app.extensions import db
from survey_app.models import (
    Draft,
    Invitation,
    InvitationBundle,
    QuestionnaireVersion,
    RatingCell,
    SurveyRound,
    Unit,
)
from survey_app.operations.answer_sources import (
    BUNDLE_USED,
    Source,
    resolve_invitation,
    unknown_source,
)
from survey_app.operations.drafts import draft_hash, invitation_resume_key
from survey_app.refusals import N_, Refused
from survey_app.tokens import new_token, token_hash

UNIT_NOT_INVITED = N_("Đơn vị này không có trong danh sách đơn vị của lời mời này.")
UNIT_REQUIRED = N_("Lời mời này dành cho nhiều đơn vị: cần trường 'unit' (mã đơn vị được "
                   "đánh giá).")
TOO_FEW_UNITS = N_("Lời mời nhiều đơn vị cần ít nhất hai đơn vị khác nhau.")
NOT_IN_MATRIX = N_("Ma trận đánh giá của đợt không giao đơn vị %(unit)s cho nhóm người trả lời "
                   "này đánh giá bằng phiếu này.")


def unit_token_hash(token: str, unit_id: int) -> str:
    """The stored hash of one unit's invitation in a bundle: derived from the bundle's token."""
    return token_hash(f"bundle-unit:{unit_id}:{token}")


def unit_resume_key(token: str, unit_id: int) -> str:
    """Each unit's draft is found again from the bundle's link and the unit."""
    return f"{invitation_resume_key(token)}#unit:{unit_id}"


def issue_bundle(survey_round: SurveyRound, questionnaire: QuestionnaireVersion,
                 units: Sequence[Unit], respondent_group: str, *, stratum: str | None = None,
                 psu: str | None = None, base_weight: float | None = None,
                 sample_member_id: int | None = None) -> tuple[InvitationBundle, str]:
    """A new multi-unit invitation (one per unit inside, in the order given) and its token,
    returned once and stored only as keyed hashes. Every unit must be one the round's rating
    matrix gives this group to rate with this questionnaire."""
    ids = [unit.id for unit in units]
    if len(set(ids)) < 2 or len(set(ids)) != len(ids):
        raise Refused(TOO_FEW_UNITS, code="too_few_units")
    if not survey_round.accepts_invitations:
        raise Refused(N_("Đợt đã đóng, không phát thêm thư mời."), status=409,
                      code="round_closed")
    matrix = set(db.session.scalars(select(RatingCell.unit_type).where(
        RatingCell.round_id == survey_round.id, RatingCell.respondent_group == respondent_group,
        RatingCell.questionnaire_id == questionnaire.id)))
    for unit in units:
        if unit.unit_type not in matrix:
            raise Refused(NOT_IN_MATRIX, code="not_in_matrix", arguments={"unit": unit.name})
    token = new_token()
    bundle = InvitationBundle(round_id=survey_round.id, token_hash=token_hash(token),
                              questionnaire_id=questionnaire.id,
                              respondent_group=respondent_group)
    db.session.add(bundle)
    db.session.flush()
    db.session.add_all([
        Invitation(round_id=survey_round.id, token_hash=unit_token_hash(token, unit.id),
                   questionnaire_id=questionnaire.id, rated_unit_id=unit.id,
                   respondent_group=respondent_group, stratum=stratum, psu=psu,
                   base_weight=base_weight, sample_member_id=sample_member_id,
                   bundle_id=bundle.id)
        for unit in units])
    db.session.flush()
    return bundle, token


def issue_matrix_bundle(survey_round: SurveyRound, respondent_group: str, unit_type: str,
                        **design) -> tuple[InvitationBundle, str, list[Unit]]:
    """A multi-unit invitation for every current unit of ``unit_type`` in the round's province,
    with the questionnaire its rating-matrix cell gives ``respondent_group`` (``design``: the
    keywords of :func:`issue_bundle`); returns the bundle, its token and the units."""
    cell = db.session.scalar(select(RatingCell).filter_by(
        round_id=survey_round.id, respondent_group=respondent_group, unit_type=unit_type))
    if cell is None:
        raise Refused(N_("Ma trận đánh giá của đợt không có ô cho nhóm và loại đơn vị này."),
                      code="no_cell")
    units = [unit for unit in db.session.scalars(select(Unit).filter_by(
        province_id=survey_round.province_id, unit_type=unit_type).order_by(Unit.id))
        if unit.valid_to is None]
    bundle, token = issue_bundle(survey_round, cell.questionnaire, units, respondent_group,
                                 **design)
    return bundle, token, units


BUNDLE_QUERY = (
    select(InvitationBundle)
    .options(joinedload(InvitationBundle.round),
             joinedload(InvitationBundle.questionnaire).defer(QuestionnaireVersion.content))
)


def find_bundle(token: str) -> InvitationBundle | None:
    """The multi-unit invitation behind ``token``, or ``None``."""
    if not isinstance(token, str) or not 0 < len(token) <= 200:
        return None
    return db.session.scalar(BUNDLE_QUERY.where(InvitationBundle.token_hash == token_hash(token)))


def bundle_refusal(bundle: InvitationBundle) -> Refused | None:
    """Why this bundle's list cannot be answered from now on, or ``None`` (used up is not a
    refusal of the list: it shows what was answered)."""
    if bundle.status == "revoked":
        return Refused(N_("Lời mời này đã bị thu hồi."), status=410, code="revoked")
    if not bundle.round.accepts_answers_on(vietnam_today()) and bundle.status != "used":
        return Refused(N_("Đợt khảo sát này đã đóng hoặc chưa mở. Cảm ơn Ông/Bà đã quan tâm."),
                       status=410, code="closed")
    return None


@dataclass(frozen=True)
class UnitState:
    """One unit of a bundle as the respondent's list shows it: ``done`` (answered), ``started``
    (a draft is saved), ``todo`` or ``withdrawn`` (revoked by staff)."""

    unit: Unit
    state: str

    @property
    def open(self) -> bool:
        return self.state in ("started", "todo")


def bundle_units(bundle: InvitationBundle, token: str) -> list[UnitState]:
    """The bundle's units in the order they were issued, each with its state (two queries)."""
    rows = db.session.execute(
        select(Invitation.rated_unit_id, Invitation.status, Unit)
        .join(Unit, Unit.id == Invitation.rated_unit_id)
        .where(Invitation.bundle_id == bundle.id).order_by(Invitation.id)).all()
    hashes = {draft_hash(unit_resume_key(token, unit_id)): unit_id for unit_id, _, _ in rows}
    started = {hashes[h] for h in db.session.scalars(
        select(Draft.resume_key_hash).where(Draft.resume_key_hash.in_(list(hashes))))}
    states = []
    for unit_id, status, unit in rows:
        if status == "used":
            state = "done"
        elif status == "revoked":
            state = "withdrawn"
        else:
            state = "started" if unit_id in started else "todo"
        states.append(UnitState(unit, state))
    return states


def _unit_source(bundle: InvitationBundle | None, where) -> Source:
    if bundle is None:
        raise unknown_source()
    invitation = db.session.scalar(
        select(Invitation).options(joinedload(Invitation.rated_unit))
        .where(Invitation.bundle_id == bundle.id, where))
    if invitation is None:
        raise Refused(UNIT_NOT_INVITED, status=404, code="unit_not_invited")
    return Source(round=bundle.round, questionnaire_row=bundle.questionnaire,
                  rated_unit=invitation.rated_unit, respondent_group=bundle.respondent_group,
                  invitation=invitation, bundle=bundle)


def unit_source(token: str, unit_id: int) -> Source:
    """What authorises answering unit ``unit_id`` (its id) of the bundle behind ``token``;
    ``Refused`` 404 ``unknown`` or ``unit_not_invited``."""
    return _unit_source(find_bundle(token), Invitation.rated_unit_id == unit_id)


def resolve_token(token: str, unit_code: str | None = None) -> Source:
    """The source behind an invitation token for the JSON API: a one-unit invitation, or with
    ``unit_code`` one unit of a multi-unit invitation (``Refused`` 400 ``unit_required`` when a
    multi-unit token comes without it)."""
    if unit_code is not None:
        if not isinstance(unit_code, str):
            raise Refused(UNIT_NOT_INVITED, status=404, code="unit_not_invited")
        unit_ids = select(Unit.id).where(Unit.code == unit_code).scalar_subquery()
        return _unit_source(find_bundle(token), Invitation.rated_unit_id.in_(unit_ids))
    try:
        return resolve_invitation(token)
    except Refused as refused:
        if refused.code == "unknown" and find_bundle(token) is not None:
            raise Refused(UNIT_REQUIRED, status=400, code="unit_required") from None
        raise


def finish_bundle(bundle: InvitationBundle, token: str) -> None:
    """The respondent submits what they have: the bundle is used up (one conditional UPDATE, so
    it cannot cross a unit's answer), the drafts of its unanswered units are deleted; those units
    stay unanswered (non-respondents). ``Refused`` 409 ``used`` if it was used up already."""
    if bundle_refusal(bundle) is not None:
        raise bundle_refusal(bundle)
    finished = db.session.execute(
        update(InvitationBundle)
        .where(InvitationBundle.id == bundle.id, InvitationBundle.status == "issued")
        .values(status="used").returning(InvitationBundle.id)
        .execution_options(synchronize_session=False)).scalar_one_or_none()
    if finished is None:
        raise Refused(BUNDLE_USED, status=409, code="used")
    unit_ids = db.session.scalars(select(Invitation.rated_unit_id)
                                  .where(Invitation.bundle_id == bundle.id)).all()
    db.session.execute(delete(Draft).where(Draft.resume_key_hash.in_(
        [draft_hash(unit_resume_key(token, unit_id)) for unit_id in unit_ids])))
    db.session.refresh(bundle)


@dataclass(frozen=True)
class BundleRow:
    """A multi-unit invitation as the staff list shows it (no token: only its hash exists)."""

    bundle: InvitationBundle
    units: int
    answered: int


def round_bundles(survey_round: SurveyRound) -> list[BundleRow]:
    """The round's multi-unit invitations, newest first, with their unit and answer counts."""
    counts = dict(((bundle_id, status), n) for bundle_id, status, n in db.session.execute(
        select(Invitation.bundle_id, Invitation.status, func.count())
        .where(Invitation.round_id == survey_round.id, Invitation.bundle_id.is_not(None))
        .group_by(Invitation.bundle_id, Invitation.status)))
    bundles = db.session.scalars(BUNDLE_QUERY.where(InvitationBundle.round_id == survey_round.id)
                                 .order_by(InvitationBundle.id.desc())).all()
    return [BundleRow(b, sum(n for (i, _s), n in counts.items() if i == b.id),
                      counts.get((b.id, "used"), 0)) for b in bundles]


def round_bundle(survey_round: SurveyRound, bundle_id: int) -> InvitationBundle | None:
    """The round's multi-unit invitation ``bundle_id``, or ``None``."""
    return db.session.scalar(BUNDLE_QUERY.where(InvitationBundle.id == bundle_id,
                                                InvitationBundle.round_id == survey_round.id))


def revoke_bundle(bundle: InvitationBundle, user=None) -> int:
    """Withdraw an unused multi-unit invitation: its link shows the refusal page; its units'
    unused invitations are revoked (answers already given stay). One conditional UPDATE
    (``issued`` → ``revoked``), so it cannot cross a finish; returns the units withdrawn."""
    revoked = db.session.execute(
        update(InvitationBundle)
        .where(InvitationBundle.id == bundle.id, InvitationBundle.status == "issued")
        .values(status="revoked").returning(InvitationBundle.id)
        .execution_options(synchronize_session=False)).scalar_one_or_none()
    if revoked is None:
        raise Refused(N_("Lời mời nhiều đơn vị #%(id)s không còn ở trạng thái chưa dùng, không "
                         "thu hồi được."), status=409, code="not_revocable",
                      arguments={"id": bundle.id})
    units = db.session.execute(
        update(Invitation)
        .where(Invitation.bundle_id == bundle.id, Invitation.status == "issued")
        .values(status="revoked").execution_options(synchronize_session=False)).rowcount
    db.session.refresh(bundle)
    from survey_app.operations.rounds import record_audit

    record_audit(user, "invitation_bundle.revoke", bundle,
                 {"round": bundle.round_id, "units": units})
    db.session.flush()
    return units


def issue_cell_bundle(survey_round: SurveyRound, cell: RatingCell | None,
                      user=None) -> tuple[InvitationBundle, str, list[Unit]]:
    """Staff issue a multi-unit invitation for a rating-matrix cell of the round (every current
    unit of its type), audited; the token is returned once."""
    if cell is None or cell.round_id != survey_round.id:
        raise Refused(N_("Ma trận đánh giá của đợt không có ô cho nhóm và loại đơn vị này."),
                      code="no_cell")
    bundle, token, units = issue_matrix_bundle(survey_round, cell.respondent_group,
                                               cell.unit_type)
    from survey_app.operations.rounds import record_audit

    record_audit(user, "invitation_bundle.issue", bundle,
                 {"round": survey_round.id, "units": len(units)})
    db.session.flush()
    return bundle, token, units
