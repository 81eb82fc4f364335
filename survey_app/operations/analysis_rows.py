"""A round's stored responses parsed once per process, so that after a change an analysis reads and
parses only the new responses (a round of 100,000 responses: see the README's "Big rounds").

What :func:`~survey_app.operations.analysis_run.gather_round` takes from each response (criterion
coefficients, SIPAS ratings, design columns, the quality check's inputs) is kept per round, column
by column, in response id order. Stored responses never change except their quarantine: intake
writes each one once, and only the quality decision updates ``quarantined`` and ``quality_flags``.
So every gather reads, in this order:

1. a check of the kept rows: the count, the sum of the ids and the sum of the rated units of the
   round's responses up to the largest id kept (from an index), and the content hash of each of
   their questionnaires; any difference (a response deleted or moved to another unit, a draft
   form imported again) drops the kept rows, and the round is read again from scratch;
2. the responses with a larger id, parsed and appended;
3. the ids of the quarantined responses and the units' codes, fresh every time.

The rows of :data:`MAX_ROUNDS` rounds are kept per application (per web worker), the least
recently used dropped first; their arrays are never changed in place, only replaced.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from flask import current_app

from survey_app.extensions import db
from survey_app.models import QuestionnaireVersion, Response, Unit

MAX_ROUNDS = 4
CHUNK = 10_000
_EPOCH = dt.date(2000, 1, 1)
_PER_ROW = ("ids", "questionnaire_ids", "unit_ids", "groups", "strata", "psus", "base_weights",
            "entry_labels", "days", "durations", "device_hashes", "answer_keys")


@dataclass(frozen=True)
class ParsedRows:
    """The parsed responses of a round, one array element per response, in id order."""

    ids: np.ndarray
    questionnaire_ids: np.ndarray
    unit_ids: np.ndarray
    groups: np.ndarray
    strata: np.ndarray
    psus: np.ndarray
    base_weights: np.ndarray
    entry_labels: np.ndarray
    days: np.ndarray
    durations: np.ndarray
    device_hashes: np.ndarray
    answer_keys: np.ndarray   # a digest of the sorted JSON of (questionnaire, answers)
    cells: np.ndarray         # the number of each response's cell in cell_keys
    cell_keys: tuple          # (group, unit id, stratum, PSU) of each weighting cell
    coefficients: dict        # criterion → mean coefficient of each response (NaN: none)
    ratings: dict             # questionnaire id → responses × its SIPAS items (NaN: none)

    @property
    def size(self) -> int:
        return int(self.ids.size)

    def check(self) -> tuple[int, int, int]:
        """What :func:`_stored_check` reads for these rows."""
        return self.size, int(self.ids.sum()), int(self.unit_ids.sum())

    def extended(self, more: ParsedRows) -> ParsedRows:
        """These rows followed by ``more`` (criteria in order of first appearance)."""
        if not more.size:
            return self
        if not self.size:
            return more

        def column(own: dict, key, other: dict, width: tuple = ()) -> np.ndarray:
            parts = [part.get(key) if part.get(key) is not None
                     else np.full((size, *width), np.nan)
                     for part, size in ((own, self.size), (other, more.size))]
            return np.concatenate(parts)

        coefficients = {code: column(self.coefficients, code, more.coefficients)
                        for code in dict.fromkeys([*self.coefficients, *more.coefficients])}
        widths = {form: grid.shape[1:] for form, grid in [*more.ratings.items(),
                                                          *self.ratings.items()]}
        ratings = {form: column(self.ratings, form, more.ratings, widths[form])
                   for form in dict.fromkeys([*self.ratings, *more.ratings])}
        numbered = {key: i for i, key in enumerate(self.cell_keys)}
        renumbered = np.array([numbered.setdefault(key, len(numbered)) for key in more.cell_keys],
                              dtype=np.int64)
        return ParsedRows(**{name: np.concatenate([getattr(self, name), getattr(more, name)])
                             for name in _PER_ROW},
                          cells=np.concatenate([self.cells, renumbered[more.cells]]),
                          cell_keys=tuple(numbered), coefficients=coefficients, ratings=ratings)


def sipas_maps(forms: dict) -> dict:
    """Questionnaire id → ``(item, element, scale)`` of its SIPAS items, found by the form's
    declared roles, never by the values of the coefficients."""
    return {form_id: [(code, element, questionnaire.satisfaction_scale(code))
                      for code, element in questionnaire.sipas_items("service")]
            for form_id, questionnaire in forms.items()}


def parse_rows(rows: list, forms: dict) -> ParsedRows:
    """Parse stored responses (rows of :func:`_response_rows`) with their questionnaires."""
    n = len(rows)
    maps = sipas_maps({form_id: forms[form_id] for form_id in {r[1] for r in rows}})
    coefficients: dict[str, np.ndarray] = {}
    ratings = {form_id: np.full((n, len(items)), np.nan) for form_id, items in maps.items()
               if items}
    for i, row in enumerate(rows):
        for code, values in forms[row[1]].stored_scores(row[7]).items():  # cleaned at intake
            column = coefficients.setdefault(code, np.full(n, np.nan))
            if values:
                column[i] = float(np.mean(values))
        for k, (code, _, scale) in enumerate(maps[row[1]]):
            answer = row[7].get(code)
            rating = scale.get(answer) if isinstance(answer, str) else None
            if rating is not None:
                ratings[row[1]][i, k] = rating
    paradata = [r[8] or {} for r in rows]
    strata = ["" if r[4] is None else str(r[4]) for r in rows]
    psus = ["" if r[11] is None else str(r[11]) for r in rows]
    numbered: dict[tuple, int] = {}
    cells = [numbered.setdefault((r[2], r[3], stratum, psu), len(numbered))
             for r, stratum, psu in zip(rows, strata, psus)]
    return ParsedRows(
        ids=np.array([r[0] for r in rows], dtype=np.int64),
        questionnaire_ids=np.array([r[1] for r in rows], dtype=np.int64),
        unit_ids=np.array([r[3] for r in rows], dtype=np.int64),
        groups=np.array([r[2] for r in rows], dtype=object),
        strata=np.array(strata, dtype=object), psus=np.array(psus, dtype=object),
        base_weights=np.array([1.0 if r[5] is None else float(r[5]) for r in rows], dtype=float),
        entry_labels=np.array([f"entry-{r[9]}" if r[9] is not None else f"response-{r[0]}"
                               for r in rows], dtype=object),
        days=np.array([(r[10] - _EPOCH).days * 86400.0 if r[10] else np.nan for r in rows],
                      dtype=float),
        durations=np.array([_seconds(p.get("total_seconds")) for p in paradata], dtype=float),
        device_hashes=np.array([p.get("device_hash") for p in paradata], dtype=object),
        answer_keys=np.array([_answer_key(r[1], r[7]) for r in rows], dtype=object),
        cells=np.array(cells, dtype=np.int64), cell_keys=tuple(numbered),
        coefficients=coefficients, ratings=ratings,
    )


def _answer_key(questionnaire_id: int, answers: dict) -> str:
    """Equal for equal answer sets to one questionnaire (the burst-duplicate check's key)."""
    text = f"{questionnaire_id}:" + json.dumps(answers, sort_keys=True, ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _seconds(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _response_chunks(round_id: int, after_id: int):
    """The round's responses with an id above ``after_id``, in id order, by chunks of
    :data:`CHUNK` rows (the answers of a big round are parsed a chunk at a time)."""
    found = db.session.execute(
        db.select(Response.id, Response.questionnaire_id, Response.respondent_group,
                  Response.rated_unit_id, Response.stratum, Response.base_weight,
                  Response.quarantined, Response.answers, Response.paradata,
                  Response.entry_point_id, Response.submitted_on, Response.psu)
        .where(Response.round_id == round_id, Response.id > after_id).order_by(Response.id)
        .execution_options(yield_per=CHUNK))
    yield from found.partitions()


def _stored_check(round_id: int, up_to_id: int) -> tuple[int, int, int]:
    kept = Response.id <= up_to_id  # in the sums, not the filter: the round's index answers it

    def kept_sum(value):
        return db.func.sum(db.case((kept, value), else_=0))

    found = db.session.execute(
        db.select(kept_sum(1), kept_sum(Response.id), kept_sum(Response.rated_unit_id))
        .where(Response.round_id == round_id)).one()
    return tuple(int(v or 0) for v in found)


@dataclass(frozen=True)
class _Kept:
    rows: ParsedRows
    forms: dict   # questionnaire id → questionnaires.Questionnaire
    hashes: dict  # questionnaire id → the content hash it was parsed from (a draft may change)


class _Store:
    """The kept rows of one application: round id → _Kept, behind a lock (threads of a worker),
    and a lock per round held while its rows are read (one round's long first read does not hold
    up the others)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.rounds: OrderedDict[int, _Kept] = OrderedDict()
        self.reading: dict[int, threading.Lock] = {}


def _store() -> _Store:
    return current_app.extensions.setdefault("analysis_rows", _Store(MAX_ROUNDS))


def _with_forms(forms: dict, hashes: dict, wanted: set) -> tuple[dict, dict]:
    from survey_app.operations.documents import load_questionnaire

    missing = sorted(wanted - set(forms))
    if not missing:
        return forms, hashes
    loaded = db.session.scalars(
        db.select(QuestionnaireVersion).where(QuestionnaireVersion.id.in_(missing))).all()
    return ({**forms, **{row.id: load_questionnaire(row) for row in loaded}},
            {**hashes, **{row.id: row.content_hash for row in loaded}})


def _form_hashes(form_ids) -> dict:
    return dict(db.session.execute(db.select(QuestionnaireVersion.id,
                                             QuestionnaireVersion.content_hash)
                                   .where(QuestionnaireVersion.id.in_(sorted(form_ids)))).all())


def current_rows(round_id: int) -> tuple[ParsedRows, dict]:
    """The parsed responses of round ``round_id`` as stored now, and their questionnaires (id →
    ``Questionnaire``): the kept rows checked and extended by the new responses."""
    store = _store()
    with store.lock:
        reading = store.reading.setdefault(round_id, threading.Lock())
    with reading:
        with store.lock:
            kept = store.rounds.pop(round_id, None)
        if kept is not None and kept.rows.size and (
                _stored_check(round_id, int(kept.rows.ids[-1])) != kept.rows.check()
                or _form_hashes(kept.hashes) != kept.hashes):
            kept = None  # a response deleted or changed, or a draft form: read the round again
        forms, hashes = (kept.forms, kept.hashes) if kept is not None else ({}, {})
        last = int(kept.rows.ids[-1]) if kept is not None and kept.rows.size else 0
        rows = kept.rows if kept is not None else parse_rows([], forms)
        for chunk in _response_chunks(round_id, last):
            forms, hashes = _with_forms(forms, hashes, {r[1] for r in chunk})
            rows = rows.extended(parse_rows(chunk, forms))
        with store.lock:
            store.rounds[round_id] = _Kept(rows, forms, hashes)
            while len(store.rounds) > store.size:
                store.rounds.popitem(last=False)
    return rows, forms


def quarantined_ids(round_id: int) -> np.ndarray:
    """The ids of the round's quarantined responses (read from an index)."""
    return np.array(db.session.scalars(db.select(Response.id).where(
        Response.round_id == round_id, Response.quarantined.is_(True))).all(), dtype=np.int64)


def unit_codes() -> dict[int, str]:
    """Unit id → code (units are few; read at every gather, a code may change)."""
    return dict(db.session.execute(db.select(Unit.id, Unit.code)).all())


def forget_rows() -> None:
    """Drop every kept row of this application (tests, or after a change made outside the
    operations)."""
    store = _store()
    with store.lock:
        store.rounds.clear()
