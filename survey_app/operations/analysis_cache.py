"""A round's analysis kept between requests, keyed by the round's data version, so it is never
stale: any change the analysis could see changes the key and the next request recomputes.

The data version is read by a few aggregate queries over indexed columns (no row is loaded):

- the round's responses: how many, the largest id, how many are quarantined and the sum of their
  ids (a new response, or any change of the quarantined set, changes it);
- the quarantine decisions: the id of the round's last ``round.quality_flags`` audit event
  (every :func:`~survey_app.operations.analysis_run.apply_quality_flags` records one);
- the invitations (their unused ones weigh the responses): how many, the largest id, how many
  are issued, used and revoked;
- what the round is analysed with: its pack, year and rating cells, and every unit's code and
  type; and the ``min_n`` asked for.

The results live in a small LRU per application (per web worker process); a result computed
while responses arrive carries the version read before it was computed, so it is replaced at the
next request, never served for newer data.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from flask import current_app
from sqlalchemy import case, func

from survey_app.extensions import db
from survey_app.models import AuditEvent, Invitation, Response, SurveyRound, Unit
from survey_app.operations.analysis_run import DEFAULT_MIN_N, RoundAnalysis, analyze_round

MAX_ENTRIES = 8
QUALITY_ACTION = "round.quality_flags"


class _Results:
    """The LRU of one application: key → RoundAnalysis, behind a lock (threads of a worker)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.entries: OrderedDict[tuple, RoundAnalysis] = OrderedDict()

    def get(self, key: tuple) -> RoundAnalysis | None:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key: tuple, value: RoundAnalysis) -> None:
        with self.lock:
            # an older version of the same round is of no more use
            for old in [k for k in self.entries if k[0] == key[0] and k[1] == key[1]]:
                del self.entries[old]
            self.entries[key] = value
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


def _results() -> _Results:
    return current_app.extensions.setdefault("analysis_results", _Results(MAX_ENTRIES))


def data_version(survey_round: SurveyRound) -> tuple:
    """Everything the analysis of ``survey_round`` reads, summed up (see the module's text)."""
    quarantined_id = case((Response.quarantined.is_(True), Response.id), else_=0)
    responses = db.session.execute(
        db.select(func.count(Response.id), func.max(Response.id),
                  func.sum(case((Response.quarantined.is_(True), 1), else_=0)),
                  func.sum(quarantined_id))
        .where(Response.round_id == survey_round.id)).one()
    decision = db.session.scalar(
        db.select(func.max(AuditEvent.id)).where(
            AuditEvent.action == QUALITY_ACTION, AuditEvent.object_type == "survey_rounds",
            AuditEvent.object_id == str(survey_round.id)))

    def status_count(status: str):
        return func.sum(case((Invitation.status == status, 1), else_=0))

    invitations = db.session.execute(
        db.select(func.count(Invitation.id), func.max(Invitation.id), status_count("issued"),
                  status_count("used"), status_count("revoked"))
        .where(Invitation.round_id == survey_round.id)).one()
    cells = tuple(sorted((c.respondent_group, c.unit_type, c.questionnaire_id, c.quota)
                         for c in survey_round.rating_cells))
    units = tuple(db.session.execute(
        db.select(Unit.id, Unit.code, Unit.unit_type).order_by(Unit.id)).all())
    return (tuple(int(v or 0) for v in responses), decision,
            tuple(int(v or 0) for v in invitations), survey_round.methodology_pack_id,
            survey_round.year, survey_round.code, cells, units)


def cached_analysis(survey_round: SurveyRound, *, min_n: int = DEFAULT_MIN_N) -> RoundAnalysis:
    """:func:`~survey_app.operations.analysis_run.analyze_round`, computed once per data version
    of the round (and ``min_n``) in this process."""
    key = (survey_round.id, min_n, data_version(survey_round))
    results = _results()
    found = results.get(key)
    if found is None:
        found = analyze_round(survey_round, min_n=min_n)
        results.put(key, found)
    return found
