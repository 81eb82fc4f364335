"""Loading the objects a staff URL names, and the one-commit-per-request pattern."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, g

from survey_app.extensions import db
from survey_app.models import SampleFrame, SamplePlan, SurveyRound
from survey_app.operations.lookups import get_frame, get_plan, get_round
from survey_app.refusals import Refused


def round_or_404(round_id: int) -> SurveyRound:
    survey_round = get_round(round_id)
    if survey_round is None:
        abort(404)
    return survey_round


def frame_or_404(survey_round: SurveyRound, frame_id: int) -> SampleFrame:
    frame = get_frame(frame_id)
    if frame is None or frame.round_id != survey_round.id:
        abort(404)
    return frame


def plan_or_404(survey_round: SurveyRound, plan_id: int) -> SamplePlan:
    plan = get_plan(plan_id)
    if plan is None or plan.round_id != survey_round.id:
        abort(404)
    return plan


def invited_unit(survey_round: SurveyRound, source):
    """The invited unit of the round that ``source['unit_id']`` (a form or query) names, or
    ``None``."""
    from survey_app.operations.invitations import invited_units

    units = {str(u.id): u for u in invited_units(survey_round)}
    return units.get(source.get("unit_id", ""))


def commit_or_flash(change: Callable[[], object], success: str):
    """Run an operation, commit once, flash ``success``; when it is refused roll back and flash the
    refusal (one flash per line, so a refusal listing several problems shows as a list).

    Returns the operation's result, or None when it was refused.
    """
    try:
        result = change()
    except Refused as refused:
        db.session.rollback()
        for line in refused.lines():
            flash(line, "error")
        return None
    db.session.commit()
    flash(success, "ok")
    return result


def current_user():
    return g.get("user")
