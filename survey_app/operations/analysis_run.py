"""Analysing a round: responses and invitations from the database arranged as plain arrays, handed
to ``analysis``, and the results handed back. No statistics here: only arranging arrays.

Weighting (``WEIGHTING_METHOD``, written into every contract, says the same): a response's base
weight (1 when none was set, e.g. a QR response) is adjusted for non-response with
:func:`analysis.nonresponse_adjust` within cells of respondent group × rated unit × stratum × PSU,
the unused (issued, not revoked) invitations of a cell being its non-respondents.
Responses are never deleted: quality flags only mark them (``Response.quarantined``), and every
result exists with every response and with quarantined responses left out.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from survey_app.extensions import db
from survey_app.models import Invitation, Response, SurveyRound, Unit
from survey_app.operations.analysis_rows import (
    current_rows,
    quarantined_ids,
    sipas_maps,
    unit_codes,
)
from survey_app.refusals import N_, Refused

DEFAULT_MIN_N = 30
# What gather_round, _adjusted_weights and _design do, in order (written into every contract).
WEIGHTING_METHOD = (
    "1. base weight of each response: the design weight of the invitation it came through "
    "(inverse inclusion probability of the sample), 1 where none was set "
    "(e.g. answers through an open QR code); "
    "2. non-response adjustment within cells of respondent group x rated unit x stratum x PSU: "
    "each respondent's weight is multiplied by the base weight of the cell's eligible sample "
    "(respondents and issued, unused invitations; revoked invitations are out of the sample) "
    "over that of its respondents; no post-stratification, raking or trimming; "
    "3. variance by Taylor linearisation, one design per respondent group for the criterion "
    "points (groups independent) and one over the SIPAS responses, strata and PSUs as sampled, "
    "PSUs with replacement at the first stage, a response outside any PSU its own cluster, "
    "a stratum with a single PSU centred at the population mean; intervals: t on PSUs minus "
    "strata; "
    "4. quarantined responses stay in the design as out-of-domain rows and are left out of "
    "the estimates (the results with every response are kept beside them)")


@dataclass(frozen=True)
class SipasItems:
    """The 1..5 satisfaction items of the SIPAS questionnaires: item code → element code."""

    codes: tuple[str, ...]
    elements: tuple[str, ...]


@dataclass
class RoundData:
    """One row per response of a round, as arrays (the input of every ``analysis`` call)."""

    response_ids: np.ndarray
    questionnaire_ids: np.ndarray
    groups: np.ndarray
    units: np.ndarray
    strata: np.ndarray
    psus: np.ndarray
    base_weights: np.ndarray
    weights: np.ndarray
    quarantined: np.ndarray
    coefficients: dict[str, np.ndarray]
    sipas_rows: np.ndarray
    sipas_ratings: np.ndarray
    sipas_items: SipasItems
    durations: np.ndarray
    entry_labels: np.ndarray
    days: np.ndarray
    device_hashes: list
    answer_keys: np.ndarray  # one key per response, equal for equal answer sets
    grids: list = field(default_factory=list)

    @property
    def size(self) -> int:
        return int(self.response_ids.size)


def gather_round(survey_round: SurveyRound) -> RoundData:
    """Arrange a round's responses (and its invitations' outcomes, for the weights) as arrays.

    The responses are parsed once per process and kept
    (:mod:`~survey_app.operations.analysis_rows`): only new ones are read again, and the
    quarantine and the units' codes are read fresh every time."""
    rows, forms = current_rows(survey_round.id)
    # SIPAS items in the order of the forms, then of their items (columns of sipas_ratings)
    maps = sipas_maps({form_id: forms[form_id] for form_id in sorted(set(
        rows.questionnaire_ids.tolist()))})
    sipas_columns: dict[str, int] = {}
    sipas_elements: list[str] = []
    for items in maps.values():
        for code, element, _ in items:
            if code not in sipas_columns:
                sipas_columns[code] = len(sipas_columns)
                sipas_elements.append(element)
    with_items = [form_id for form_id, items in maps.items() if items]
    sipas_rows = np.flatnonzero(np.isin(rows.questionnaire_ids, with_items)).astype(np.intp)
    ratings = np.full((sipas_rows.size, len(sipas_columns)), np.nan)
    for form_id in with_items:
        own = np.flatnonzero(rows.questionnaire_ids == form_id)
        at = np.searchsorted(sipas_rows, own)
        for k, (code, _, _) in enumerate(maps[form_id]):
            ratings[at, sipas_columns[code]] = rows.ratings[form_id][own, k]
    code_of = unit_codes()
    units = np.array([code_of[u] for _, u, _, _ in rows.cell_keys], dtype=object)[rows.cells]
    return RoundData(
        response_ids=rows.ids, questionnaire_ids=rows.questionnaire_ids, groups=rows.groups,
        units=units, strata=rows.strata, psus=rows.psus, base_weights=rows.base_weights,
        weights=_adjusted_weights(survey_round, rows, code_of),
        quarantined=np.isin(rows.ids, quarantined_ids(survey_round.id)),
        coefficients=dict(rows.coefficients), sipas_rows=sipas_rows, sipas_ratings=ratings,
        sipas_items=SipasItems(tuple(sipas_columns), tuple(sipas_elements)),
        durations=rows.durations, entry_labels=rows.entry_labels, days=rows.days,
        device_hashes=list(rows.device_hashes), answer_keys=rows.answer_keys,
        grids=[rows.ratings[form_id] for form_id in with_items],
    )


def _adjusted_weights(survey_round, rows, code_of: dict) -> np.ndarray:
    """Non-response adjusted weights of the responses (``ParsedRows``): the cell (group × unit ×
    stratum × PSU)'s unused invitations are its non-respondents (revoked invitations are out of
    the sample). ``code_of``: unit id → code (cells are told apart by the unit's code)."""
    from analysis import nonresponse_adjust

    unused = db.session.execute(
        db.select(Invitation.respondent_group, Unit.code, Invitation.stratum, Invitation.psu,
                  Invitation.base_weight)
        .join(Unit, Unit.id == Invitation.rated_unit_id)
        .where(Invitation.round_id == survey_round.id, Invitation.status == "issued")
    ).all()
    base = rows.base_weights
    if base.size == 0:
        return base.copy()
    # the responses' cells are numbered once when parsed: label each cell, not each response
    labels = [f"{g}\x1f{code_of[u]}\x1f{s}\x1f{c}" for g, u, s, c in rows.cell_keys]
    labels += [f"{g}\x1f{u}\x1f{s or ''}\x1f{c or ''}" for g, u, s, c, _ in unused]
    numbered: dict[str, int] = {}
    label_codes = np.array([numbered.setdefault(label, len(numbered)) for label in labels],
                           dtype=np.int64)
    keys = len(rows.cell_keys)
    codes = np.concatenate([label_codes[:keys][rows.cells], label_codes[keys:]])
    weights = np.concatenate([base, [1.0 if w is None else float(w) for *_, w in unused]])
    responded = np.arange(weights.size) < base.size
    try:
        adjusted = nonresponse_adjust(weights, responded, codes)
    except ValueError:  # an empty cell: refused by its label
        cells = np.concatenate([np.array(labels[:keys], dtype=object)[rows.cells],
                                np.array(labels[keys:], dtype=object)])
        adjusted = nonresponse_adjust(weights, responded, cells)
    return np.asarray(adjusted, dtype=float)[: base.size]


def response_counts(survey_round: SurveyRound, data: RoundData | None = None) -> list[dict]:
    """Invited, completed and quarantined counts per respondent group × rated unit, with the
    round totals per group (``unit`` None).

    ``invited`` counts eligible (not revoked) invitations; it is None, and so is the response
    rate, where a cell had no invitations or received more responses than invitations (answers
    through open QR codes, which have no denominator).
    """
    invitations = db.session.execute(
        db.select(Invitation.respondent_group, Unit.code, db.func.count(Invitation.id))
        .join(Unit, Unit.id == Invitation.rated_unit_id)
        .where(Invitation.round_id == survey_round.id, Invitation.status != "revoked")
        .group_by(Invitation.respondent_group, Unit.code)
    ).all()
    invited = {(g, u): int(c) for g, u, c in invitations}
    if data is None:
        data = gather_round(survey_round)
    completed = Counter(zip(data.groups, data.units))
    quarantined = Counter(zip(data.groups[data.quarantined], data.units[data.quarantined]))
    cells = sorted(set(invited) | set(completed))
    out = []
    for group in sorted({g for g, _ in cells}):
        rows = [(g, u) for g, u in cells if g == group]
        for key in rows:
            known = invited.get(key)
            if known is not None and completed.get(key, 0) > known:
                known = None
            out.append({"group": group, "unit": key[1], "invited": known,
                        "completed": completed.get(key, 0), "quarantined": quarantined.get(key, 0)})
        known_all = all(row["invited"] is not None for row in out[-len(rows):])
        out.append({"group": group, "unit": None,
                    "invited": sum(invited[k] for k in rows) if known_all else None,
                    "completed": sum(completed.get(k, 0) for k in rows),
                    "quarantined": sum(quarantined.get(k, 0) for k in rows)})
    for row in out:
        row["response_rate"] = row["completed"] / row["invited"] if row["invited"] else None
    return out


def apply_quality_flags(survey_round: SurveyRound, data: RoundData | None = None, *,
                        user=None, **options) -> dict[str, int]:
    """Compute ``analysis.quality`` flags for every response of the round and store them as
    quarantine (``Response.quality_flags``, ``Response.quarantined``); nothing is deleted.
    A published round's flags do not change (refused, 409).

    ``options`` go to :func:`analysis.quality.quality_flags` (e.g. ``speed_fraction``,
    ``quarantine_on``). The decision is recorded in the audit log (``round.quality_flags``, by
    ``user``; cached analyses are keyed by it). Flushes, never commits. Returns the count of each
    flag and of the quarantined responses.
    """
    from analysis.quality import quality_flags

    if not survey_round.accepts_edits:
        raise Refused(N_("Đợt %(code)s đã công bố; không đổi cờ chất lượng."), status=409,
                      code="round_published", arguments={"code": survey_round.code})
    data = data if data is not None else gather_round(survey_round)
    if data.size == 0:
        _record_decision(survey_round, user, {"quarantined": 0})
        return {"quarantined": 0}
    flags = quality_flags(
        durations=data.durations, duration_groups=data.questionnaire_ids, grids=data.grids,
        vectors=np.asarray(data.answer_keys, dtype=object).reshape(-1, 1), times=data.days,
        entry_points=data.entry_labels,
        device_hashes=data.device_hashes if any(data.device_hashes) else None, **options,
    )
    mask = flags.quarantine
    updates = [{"id": int(rid), "quality_flags": flags.reasons(i), "quarantined": bool(mask[i])}
               for i, rid in enumerate(data.response_ids)]
    db.session.execute(db.update(Response), updates)
    data.quarantined = mask.copy()
    counts = flags.counts()
    counts["quarantined"] = int(mask.sum())
    _record_decision(survey_round, user, counts)
    return counts


def _record_decision(survey_round: SurveyRound, user, counts: dict[str, int]) -> None:
    from survey_app.operations.audit import record_event

    record_event(user, "round.quality_flags", "survey_rounds", str(survey_round.id),
                 {"counts": {k: int(v) for k, v in counts.items()}})


@dataclass(frozen=True)
class RoundAnalysis:
    """Results of a round, with quarantined responses left out and with every response."""

    round_code: str
    pack: object
    points: tuple
    points_all: tuple
    sipas: object | None
    sipas_all: object | None
    counts: list
    responses: int
    quarantined: int
    min_n: int
    survey_se: dict = field(default_factory=dict)  # unit → SE of its survey points summed

    def points_by_unit(self, every_response: bool = False) -> dict[str, list]:
        """Unit code → its criterion points (CriterionPoints), in pack order."""
        out: dict[str, list] = {}
        for cp in (self.points_all if every_response else self.points):
            out.setdefault(cp.unit, []).append(cp)
        return out


def load_round_pack(survey_round: SurveyRound):
    """The ``questionnaires.MethodologyPack`` of a round; refused (409, ``round_not_ready``) when
    it has none."""
    from questionnaires.packs import load_pack

    if survey_round.methodology_pack is None:
        raise Refused(N_("Đợt %(code)s chưa gắn bộ phương pháp (methodology pack)."), status=409,
                      code="round_not_ready", arguments={"code": survey_round.code})
    return load_pack(survey_round.methodology_pack.content)


def _design(weights, strata, psus):
    """Strata and PSUs as sampled (PSUs with replacement at the first stage), when the round has
    them."""
    from analysis import SurveyDesign

    def labels_or_none(values):
        labels = np.asarray(values, dtype=object)
        return labels.astype(str) if labels.size and (labels != "").any() else None

    clusters = labels_or_none(psus)
    if clusters is not None:  # responses outside any PSU are each their own cluster
        clusters = np.where(clusters == "", [f"\x1frow{i}" for i in range(clusters.size)], clusters)
    return SurveyDesign(np.asarray(weights, dtype=float), strata=labels_or_none(strata),
                        psu=clusters,
                        lonely_psu="adjust")


def group_ratings(data: RoundData, max_points: dict, *, exclude_quarantined: bool) -> list:
    """One :class:`analysis.points.GroupRatings` per respondent group that scores a criterion."""
    from analysis.points import GroupRatings

    out = []
    for group in sorted(set(data.groups)):
        rows = np.flatnonzero(data.groups == group)
        coefficients = {code: column[rows] for code, column in data.coefficients.items()
                        if code in max_points and not np.isnan(column[rows]).all()}
        if not coefficients:
            continue
        out.append(GroupRatings(
            group=str(group),
            design=_design(data.weights[rows], data.strata[rows], data.psus[rows]),
            units=data.units[rows].astype(str), coefficients=coefficients,
            exclude=data.quarantined[rows] if exclude_quarantined else None,
        ))
    return out


def expected_groups(survey_round: SurveyRound, unit_types: dict) -> dict[str, tuple[str, ...]]:
    """The groups the round's rating matrix sends to rate each unit (by the unit's type)."""
    groups_by_type: dict[str, list[str]] = {}
    for cell in survey_round.rating_cells:
        groups_by_type.setdefault(cell.unit_type, []).append(cell.respondent_group)
    return {code: tuple(groups_by_type.get(unit_type, ()))
            for code, unit_type in unit_types.items()}


def _applicable(points, pack, unit_types: dict, year: int) -> tuple:
    def applies(cp) -> bool:
        try:
            return pack.criterion(cp.criterion).applies(unit_types[cp.unit], year)
        except KeyError:
            return False
    return tuple(cp for cp in points if applies(cp))


def analyze_round(survey_round: SurveyRound, *, min_n: int = DEFAULT_MIN_N,
                  data: RoundData | None = None) -> RoundAnalysis:
    """Survey-assessed criterion points and SIPAS indices of a round, with and without the
    quarantined responses (as stored on ``Response.quarantined``)."""
    from analysis.indices import sipas_indices
    from analysis.points import criterion_points, sipas_criterion_points, survey_total_se

    pack = load_round_pack(survey_round)
    data = data if data is not None else gather_round(survey_round)
    sipas_criteria = {c.code: (c.max_points, c.sipas) for c in pack.sipas_criteria()}
    max_points = {c.code: c.max_points for c in pack.survey_criteria()
                  if c.code in data.coefficients and c.code not in sipas_criteria}
    unit_types = dict(db.session.execute(db.select(Unit.code, Unit.unit_type)).all())
    expected = expected_groups(survey_round, unit_types)
    pack_order = {c.code: i for i, c in enumerate(pack.all_criteria())}

    def order(cp):
        return cp.unit, pack_order.get(cp.criterion, len(pack_order))

    results = {}
    # With no response quarantined, both views hold the same responses: worked out once.
    views = (True, False) if data.quarantined.any() else (True,)
    for excluded in views:
        ratings = group_ratings(data, max_points, exclude_quarantined=excluded)
        points = criterion_points(ratings, max_points, pack.group_rule, min_n=min_n,
                                  expected_groups=expected) if ratings else []
        sipas = None
        if data.sipas_rows.size:
            rows = data.sipas_rows
            sipas = sipas_indices(
                data.sipas_ratings, data.sipas_items.codes, data.sipas_items.elements,
                _design(data.weights[rows], data.strata[rows], data.psus[rows]),
                units=data.units[rows].astype(str),
                exclude=data.quarantined[rows] if excluded else None, min_n=min_n,
            )
            dropped = Counter(data.units[rows][data.quarantined[rows]]) if excluded else {}
            points = sorted(points + sipas_criterion_points(
                sipas, sipas_criteria, min_n=min_n, excluded=dropped), key=order)
        applicable = _applicable(points, pack, unit_types, survey_round.year)
        results[excluded] = (applicable, sipas,
                             survey_total_se(ratings, applicable, pack.group_rule))
    results.setdefault(False, results[True])
    return RoundAnalysis(
        round_code=survey_round.code, pack=pack, points=results[True][0],
        points_all=results[False][0],
        sipas=results[True][1], sipas_all=results[False][1],
        counts=response_counts(survey_round, data),
        responses=data.size, quarantined=int(data.quarantined.sum()), min_n=min_n,
        survey_se=results[True][2],
    )
