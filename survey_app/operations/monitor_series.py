"""Counts the monitor draws: responses per day and responses carrying each quality flag.

Counting only (no weights, no estimates); quarantined responses are counted like the others, as
they were received. ``unit_ids`` limits the counts to some rated units (a focal point's own).
"""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Text, cast, func

from survey_app.extensions import db
from survey_app.models import Response, SurveyRound

FLAG_ORDER = ("speeder", "straight_lining", "burst_duplicate", "duplicate_device")


def _of_round(query, survey_round: SurveyRound, unit_ids: set[int] | None):
    query = query.where(Response.round_id == survey_round.id)
    if unit_ids is not None:
        query = query.where(Response.rated_unit_id.in_(sorted(unit_ids)))
    return query


def responses_per_day(survey_round: SurveyRound,
                      unit_ids: set[int] | None = None) -> list[tuple[dt.date, int]]:
    """``(day, responses received that day)`` from the first day with a response to the last,
    days without one included (as 0), in date order."""
    counted = dict(db.session.execute(_of_round(
        db.select(Response.submitted_on, func.count()), survey_round, unit_ids
    ).group_by(Response.submitted_on)).all())
    if not counted:
        return []
    first, last = min(counted), max(counted)
    return [(first + dt.timedelta(days=i), counted.get(first + dt.timedelta(days=i), 0))
            for i in range((last - first).days + 1)]


@dataclass(frozen=True)
class FlagCounts:
    """How many responses were received and how many carry each quality flag, or are
    quarantined."""

    responses: int
    flags: dict[str, int]
    quarantined: int

    def rows(self) -> list[tuple[str, int, float]]:
        """``(flag, count, share of the responses)``: the known flags in order, any other flag
        found after them, then "quarantined"."""
        names = list(FLAG_ORDER) + sorted(set(self.flags) - set(FLAG_ORDER))
        counts = [(name, self.flags.get(name, 0)) for name in names]
        counts.append(("quarantined", self.quarantined))
        return [(name, count, count / self.responses if self.responses else 0.0)
                for name, count in counts]


def quality_flag_counts(survey_round: SurveyRound, unit_ids: set[int] | None = None) -> FlagCounts:
    """Responses of the round and the number carrying each flag stored by the quality check:
    counted by the database per distinct stored flag list (a handful), never row by row."""
    flags: Counter = Counter()
    responses = quarantined = 0
    stored_text = cast(Response.quality_flags, Text)
    for stored, is_quarantined, count in db.session.execute(_of_round(
            db.select(stored_text, Response.quarantined, func.count(Response.id)),
            survey_round, unit_ids).group_by(stored_text, Response.quarantined)):
        responses += count
        quarantined += count if is_quarantined else 0
        for flag in set(json.loads(stored or "null") or ()):
            flags[flag] += count
    return FlagCounts(responses, dict(flags), quarantined)
