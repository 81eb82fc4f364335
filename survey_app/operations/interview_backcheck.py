"""Back-check (phúc tra) of completed phone interviews: the supervisor draws a share of each
interviewer's completed interviews to call again and confirm the interview took place.

The draw is reproducible: simple random sampling without replacement within each interviewer
(at least one interview of each, ``ceil(share × completed)``), by :class:`random.Random` seeded
with the stored seed, over the completed interviews up to the last one at the time of the draw
(``through``, an attempt id), in attempt order. The same (seed, share, through) gives the same
list at any later time, which is what the download is built from. The drawn members are marked
``backcheck`` (the supervisor's counts per interviewer), and the draw is in the audit log.
"""
from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import SampleMember, SurveyRound, User
from survey_app.models.cati import CallAttempt
from survey_app.refusals import N_, Refused


@dataclass(frozen=True)
class BackcheckDraw:
    seed: int
    share: float
    through: int
    attempts: list[CallAttempt]


def _completed(round_id: int, through: int | None = None) -> list[CallAttempt]:
    query = (select(CallAttempt)
             .where(CallAttempt.round_id == round_id, CallAttempt.outcome == "complete",
                    CallAttempt.sample_member_id.is_not(None))
             .order_by(CallAttempt.id))
    if through is not None:
        query = query.where(CallAttempt.id <= through)
    return list(db.session.scalars(query))


def _check_share(share: float) -> None:
    if not 0.0 < share <= 1.0:
        raise Refused(N_("Tỷ lệ phúc tra phải lớn hơn 0 và không quá 1."),
                      code="backcheck_share")


def draw(round_id: int, share: float, seed: int, through: int) -> BackcheckDraw:
    """The back-check sample given its seed, share and last attempt: always the same."""
    _check_share(share)
    by_interviewer: dict[int, list[CallAttempt]] = defaultdict(list)
    for attempt in _completed(round_id, through):
        by_interviewer[attempt.interviewer_id].append(attempt)
    rng = random.Random(seed)
    chosen: list[CallAttempt] = []
    for interviewer_id in sorted(by_interviewer):
        cases = by_interviewer[interviewer_id]
        chosen += rng.sample(cases, math.ceil(share * len(cases)))
    return BackcheckDraw(seed, share, through, sorted(chosen, key=lambda a: a.id))


def new_draw(survey_round: SurveyRound, share: float, user: User | None,
             seed: int | None = None) -> BackcheckDraw:
    """Draw with a fresh seed over every interview completed so far; mark the drawn members
    and write the draw to the audit log. Flushes."""
    from survey_app.operations.rounds import record_audit
    from survey_app.operations.sample_plans import new_seed

    _check_share(share)
    completed = _completed(survey_round.id)
    if not completed:
        raise Refused(N_("Chưa có phỏng vấn qua điện thoại nào hoàn thành để phúc tra."),
                      status=409, code="no_interviews")
    result = draw(survey_round.id, share, new_seed() if seed is None else seed,
                  completed[-1].id)
    for attempt in result.attempts:
        member = db.session.get(SampleMember, attempt.sample_member_id)
        member.backcheck = True
    record_audit(user, "interviews.backcheck", survey_round,
                 {"seed": result.seed, "share": share, "through": result.through,
                  "count": len(result.attempts)})
    db.session.flush()
    return result


def drawn_rows(result: BackcheckDraw) -> list[dict]:
    """The page's list: interviewer, invitation and unit (no personal data)."""
    from survey_app.models import Invitation

    rows = []
    for attempt in result.attempts:
        interviewer = db.session.get(User, attempt.interviewer_id)
        invitation = db.session.get(Invitation, attempt.invitation_id)
        rows.append({"interviewer": interviewer.display_name or interviewer.username,
                     "invitation_id": invitation.id, "unit": invitation.rated_unit.name})
    return rows


def backcheck_table(result: BackcheckDraw) -> tuple[list[str], list[list]]:
    """The list to call back: interviewer, invitation, unit, name and phone, time of the
    interview (none in an anonymous round). Vietnamese headers, as the other member lists."""
    from survey_app.operations.cati import personal_of

    headers = ["dieu_tra_vien", "thu_moi", "don_vi", "ho_ten", "dien_thoai",
               "thoi_diem_phong_van"]
    rows = []
    for attempt in result.attempts:
        interviewer = db.session.get(User, attempt.interviewer_id)
        from survey_app.models import Invitation

        invitation = db.session.get(Invitation, attempt.invitation_id)
        personal = personal_of(invitation)
        rows.append([interviewer.display_name or interviewer.username, invitation.id,
                     invitation.rated_unit.name, personal.get("name"), personal.get("phone"),
                     attempt.attempted_at.isoformat(timespec="minutes")
                     if attempt.attempted_at else None])
    return headers, rows
