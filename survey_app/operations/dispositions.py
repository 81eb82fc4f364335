"""AAPOR dispositions of invitations and sample members, their append-only history, and the
outcome rates (RR1, RR3, COOP1, REF1, CON1) per unit, stratum and respondent group.

The product sets a disposition where it knows it: ``complete`` when an invitation's answers are
submitted, ``partial`` when its respondent saves a draft, ``non_contact`` when its e-mail bounces
(the frame lists known, eligible people: an undeliverable address means they were not reached,
AAPOR 2.20). Staff and a unit's focal point record the rest (refusal, unable, ineligible…). Every
change is a row of ``disposition_events``; in an anonymous round an automatic change carries no
time, which could be matched with a response's day. Rates are computed by
:func:`analysis.response_rates.outcome_rates` over the round's invitations (revoked ones left out:
a revoked invitation is replaced by another, not a case of the sample).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import insert, update

from analysis.response_rates import OutcomeRates, outcome_rates
from survey_app.extensions import db
from survey_app.models import DispositionEvent, Invitation, SampleMember, Unit, User
from survey_app.models.base import utcnow
from survey_app.models.outcomes import DISPOSITIONS
from survey_app.refusals import N_, Refused

# What staff may record by hand: a complete is only ever a submitted response.
STAFF_DISPOSITIONS = tuple(d for d in DISPOSITIONS if d != "complete")
# Automatic 'partial' and 'non_contact' never overwrite what staff or a submission recorded.
_UPGRADABLE = {"partial": ("unknown", "non_contact"), "non_contact": ("unknown",)}
AAPOR_REFERENCE = (
    "AAPOR (2023), Standard Definitions, 10th ed.: RR1 = I / ((I+P) + (R+NC+O) + U); "
    "RR3 = I / ((I+P) + (R+NC+O) + e·U), e = eligible ÷ (eligible + ineligible) among resolved "
    "cases; COOP1 = I / ((I+P) + R + O); REF1 = R / ((I+P) + (R+NC+O) + U); "
    "CON1 = ((I+P) + R + O) / ((I+P) + (R+NC+O) + U)")


def _event(invitation_id: int | None, sample_member_id: int | None, round_id: int,
           disposition: str, previous: str | None, source: str, *, user: User | None = None,
           note: str | None = None, timed: bool = True) -> None:
    db.session.execute(insert(DispositionEvent).values(
        round_id=round_id, invitation_id=invitation_id, sample_member_id=sample_member_id,
        disposition=disposition, previous=previous, source=source, note=note,
        user_id=user.id if user is not None else None,
        recorded_at=utcnow() if timed else None))


def _member(sample_member_id: int | None, disposition: str) -> None:
    if sample_member_id is not None:
        db.session.execute(update(SampleMember).where(SampleMember.id == sample_member_id)
                           .values(disposition=disposition)
                           .execution_options(synchronize_session=False))


def record_submission(invitation: Invitation, previous: str, anonymous: bool) -> None:
    """The invitation's answers were stored (its UPDATE already set ``complete``): the history
    row, untimed in an anonymous round, and the sample member's disposition."""
    _event(invitation.id, invitation.sample_member_id, invitation.round_id, "complete", previous,
           "submission", timed=not anonymous)
    _member(invitation.sample_member_id, "complete")


def _automatic(invitation: Invitation, disposition: str, source: str, *, timed: bool,
               note: str | None = None) -> bool:
    """Set ``disposition`` by one conditional UPDATE if the current one may be upgraded."""
    previous = invitation.disposition
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id,
               Invitation.disposition.in_(_UPGRADABLE[disposition]))
        .values(disposition=disposition)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    invitation.disposition = disposition
    _event(invitation.id, invitation.sample_member_id, invitation.round_id, disposition, previous,
           source, note=note, timed=timed)
    _member(invitation.sample_member_id, disposition)
    return True


def record_draft(invitation: Invitation, anonymous: bool) -> bool:
    """A draft was saved from the invitation's link: ``partial`` (AAPOR 1.2)."""
    return _automatic(invitation, "partial", "draft", timed=not anonymous)


def record_bounce(invitation: Invitation, detail: str, source: str = "mail") -> bool:
    """The invitation's e-mail was refused (``mail``) or bounced later (``bounce``, from a
    delivery status notification): ``non_contact`` (AAPOR 2.20)."""
    return _automatic(invitation, "non_contact", source, timed=True, note=detail[:500])


def set_disposition(invitation: Invitation, disposition: str, user: User | None,
                    note: str | None = None) -> None:
    """Staff or a focal point record an outcome; a submitted invitation keeps ``complete``."""
    if disposition not in STAFF_DISPOSITIONS:
        raise Refused(N_("Kết quả liên hệ “%(code)s” không hợp lệ; “hoàn thành” chỉ có khi "
                         "phiếu đã được gửi."), code="bad_disposition",
                      arguments={"code": disposition})
    if invitation.round.is_published:
        raise Refused(N_("Đợt khảo sát đã công bố; kết quả liên hệ không đổi được nữa."),
                      status=409, code="round_published")
    if invitation.status == "used":
        raise Refused(N_("Thư mời #%(id)s đã có phiếu trả lời; kết quả “hoàn thành” không đổi "
                         "được."), status=409, code="already_complete",
                      arguments={"id": invitation.id})
    previous = invitation.disposition
    if previous == disposition:
        raise Refused(N_("Thư mời #%(id)s đã mang kết quả này."), status=409,
                      code="same_disposition", arguments={"id": invitation.id})
    note = (note or "").strip()[:500] or None
    invitation.disposition = disposition
    _event(invitation.id, invitation.sample_member_id, invitation.round_id, disposition, previous,
           "staff", user=user, note=note)
    _member(invitation.sample_member_id, disposition)
    db.session.flush()


def history(invitation: Invitation) -> list[DispositionEvent]:
    return list(db.session.scalars(
        db.select(DispositionEvent).where(DispositionEvent.invitation_id == invitation.id)
        .order_by(DispositionEvent.id)))


# --- outcome rates --------------------------------------------------------------------------

@dataclass(frozen=True)
class RateRow:
    level: str  # "round", "unit", "stratum", "group"
    key: str | None
    label: str | None
    rates: OutcomeRates


def _cases(round_id: int, unit_ids: set[int] | None = None):
    query = (db.select(Unit.code, Unit.name, Invitation.stratum, Invitation.respondent_group,
                       Invitation.disposition)
             .join(Unit, Unit.id == Invitation.rated_unit_id)
             .where(Invitation.round_id == round_id, Invitation.status != "revoked"))
    if unit_ids is not None:
        query = query.where(Invitation.rated_unit_id.in_(unit_ids or {-1}))
    return db.session.execute(query).all()


def round_outcome_rates(survey_round, unit_ids: set[int] | None = None) -> list[RateRow]:
    """AAPOR rates of the round's invitations: the whole round, then per unit, stratum, group."""
    cases = _cases(survey_round.id, unit_ids)
    groups: dict[tuple, list[str]] = defaultdict(list)
    labels: dict[tuple, str] = {}
    for code, name, stratum, group, disposition in cases:
        for key in (("unit", code), ("stratum", stratum), ("group", group)):
            if key[1] is not None:
                groups[key].append(disposition)
        labels[("unit", code)] = name
    rows = []
    if cases:
        rows.append(RateRow("round", None, None, outcome_rates(c[4] for c in cases)))
    for level in ("unit", "stratum", "group"):
        for key in sorted(k for k in groups if k[0] == level):
            rows.append(RateRow(level, key[1], labels.get(key), outcome_rates(groups[key])))
    return rows


def contract_outcome_rates(survey_round) -> dict | None:
    """The contract's optional ``outcome_rates`` block, or ``None`` without invitations."""
    rows = round_outcome_rates(survey_round)
    if not rows:
        return None
    return {
        "reference": AAPOR_REFERENCE,
        "rows": [{"level": r.level, "key": r.key, "counts": dict(r.rates.counts),
                  "e": r.rates.e, "rr1": r.rates.rr1, "rr3": r.rates.rr3,
                  "coop1": r.rates.coop1, "ref1": r.rates.ref1, "con1": r.rates.con1}
                 for r in rows],
    }
