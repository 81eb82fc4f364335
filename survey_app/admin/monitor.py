"""Fieldwork monitor: responses and response rate per unit against quota (admins and focal
points)."""

from __future__ import annotations

from flask import abort, g, render_template

from survey_app.admin import bp
from survey_app.admin.access import round_or_404
from survey_app.admin.fieldwork_forms import UnitChoiceForm
from survey_app.admin.forms import ActionForm
from survey_app.auth import login_required
from survey_app.operations import lookups, monitor_series
from survey_app.operations.deadlines import behind_schedule
from survey_app.operations.dispositions import round_outcome_rates
from survey_app.operations.reminders import today_in_vietnam
from survey_app.operations.round_progress import matrix_progress, unit_progress


def _visible_units() -> set[int] | None:
    """None for admins (every unit); a focal point sees only the unit of the account."""
    if g.user.role == "admin":
        return None
    return {g.user.unit_id} if g.user.unit_id is not None else set()


@bp.get("/monitor")
@login_required("admin", "focal_point")
def monitor_rounds():
    return render_template("admin/monitor_rounds.html", rounds=lookups.rounds_past_draft())


@bp.get("/rounds/<int:round_id>/monitor")
@login_required("admin", "focal_point")
def monitor(round_id: int):
    survey_round = round_or_404(round_id)
    if not survey_round.has_opened and g.user.role != "admin":
        abort(404)
    visible = _visible_units()
    rows = unit_progress(survey_round, visible)
    cells = matrix_progress(survey_round) if visible is None else []
    rates = round_outcome_rates(survey_round, visible)
    unit_names = {r.key: r.label for r in rates if r.level == "unit"}
    return render_template(
        "admin/monitor.html",
        round=survey_round,
        rows=rows,
        cells=cells,
        limited=visible is not None,
        days=monitor_series.responses_per_day(survey_round, visible),
        flags=monitor_series.quality_flag_counts(survey_round, visible),
        behind={s.unit.id: s for s in behind_schedule(survey_round, today_in_vietnam(), visible)},
        unit_rates={r.key: r.rates for r in rates if r.level == "unit"},
        other_rates=[r for r in rates if r.level != "unit"], unit_names=unit_names,
        action_form=ActionForm(), unit_form=UnitChoiceForm(),
    )
