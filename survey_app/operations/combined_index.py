"""The PAR Index in the app: the methodology pack a contract names, and the combiner's result as
tables. The rules (not applicable, ranks, mergers) live in ``analysis.combiner``."""

from __future__ import annotations

import json

from survey_app.extensions import db
from survey_app.models import MethodologyPack
from survey_app.refusals import N_, Refused

COMBINER_PROBLEMS = N_("%(n)s lỗi; chưa tính chỉ số.")

# The file a problem comes from, as the CLI and the page name it (Vietnamese, English).
PROBLEM_FILES = {
    "self_assessment": ("tệp tự đánh giá", "self-assessment file"),
    "exclusions": ("tệp loại khỏi xếp hạng", "exclusions file"),
    "previous": ("kết quả năm trước", "last year's results"),
    "contract": ("tài liệu kết quả khảo sát", "export contract"),
}


def find_pack(contract: bytes | str | dict, source: str | None = None):
    """The ``questionnaires.MethodologyPack`` to combine with: ``source`` (a pack file or a bundled
    pack name) when given, else the stored pack the contract names; refused when it cannot be
    read or is not stored (404)."""
    import questionnaires
    from questionnaires.packs import load_pack

    if source:
        try:
            return (
                load_pack(source)
                if source.endswith((".yaml", ".yml", ".json"))
                else questionnaires.load_bundled_pack(source)
            )
        except (OSError, KeyError, ValueError) as exc:
            raise Refused(N_("Không đọc được bộ tiêu chí %(source)s: %(error)s"), status=404,
                          code="pack_not_found",
                          arguments={"source": source, "error": exc}) from None
    try:
        doc = contract if isinstance(contract, dict) else json.loads(contract)
        pack_id, version = doc["provenance"]["pack"]["id"], doc["provenance"]["pack"]["version"]
    except (ValueError, KeyError, TypeError):
        raise Refused(N_("Tài liệu kết quả không cho biết bộ tiêu chí; dùng --pack."),
                      code="contract_without_pack") from None
    row = db.session.scalar(
        db.select(MethodologyPack).filter_by(pack_key=str(pack_id), version=str(version))
    )
    if row is None:
        raise Refused(N_("Không có bộ tiêu chí %(pack)s %(version)s trong cơ sở dữ liệu; dùng "
                         "--pack."), status=404, code="pack_not_found",
                      arguments={"pack": pack_id, "version": version})
    return load_pack(row.content)


def combined_index_tables(result, changes=None) -> dict[str, tuple[tuple[str, ...], list[list]]]:
    """The combiner's tables (``analysis.combiner.result_tables``): index, fields, criteria,
    below_max and, with changes against last year, points_lost."""
    from analysis.combiner import result_tables

    return result_tables(result, changes)


def round_units(survey_round) -> list:
    """The units a round assesses: its province's units of the types in its rating matrix that
    are valid during the round, by type and code."""
    from survey_app.models import RatingCell

    types = set(
        db.session.scalars(db.select(RatingCell.unit_type).filter_by(round_id=survey_round.id))
    )
    return _province_units(survey_round, types)


def _province_units(survey_round, types) -> list:
    """The round's province's units of ``types`` valid during the round, by type and code."""
    import datetime as dt

    from survey_app.models import Unit

    types = set(types)
    start = survey_round.opens_on or dt.date(survey_round.year, 1, 1)
    end = survey_round.closes_on or dt.date(survey_round.year, 12, 31)
    units = db.session.scalars(
        db.select(Unit)
        .filter_by(province_id=survey_round.province_id)
        .order_by(Unit.unit_type, Unit.code)
    )
    return [
        u
        for u in units
        if u.unit_type in types
        and (u.valid_from is None or u.valid_from <= end)
        and (u.valid_to is None or u.valid_to >= start)
    ]


def assessed_units(contract: bytes | str | dict) -> list[dict]:
    """The units of the round a contract names, when this database holds that round (else none):
    passed to the combiner so that a unit nobody answered about gets "no data", not an error."""
    from survey_app.models import SurveyRound

    try:
        doc = contract if isinstance(contract, dict) else json.loads(contract)
        code = str(doc["round"]["code"])
    except (ValueError, KeyError, TypeError):
        return []
    survey_round = db.session.scalar(db.select(SurveyRound).filter_by(code=code))
    if survey_round is None:
        return []
    return [
        {"code": u.code, "name": u.name, "unit_type": u.unit_type}
        for u in round_units(survey_round)
    ]


def combine_with_previous(
    pack,
    contract,
    self_assessment,
    *,
    exclusions=None,
    previous=None,
    previous_name: str = "",
    units=(),
):
    """Combine, and compare with last year's results when given (read by
    ``analysis.combiner.read_previous``; merged units followed through :func:`successor_codes`).

    ``units``: the round's assessed units (see :func:`assessed_units`).
    Returns ``(result, changes)``, ``changes`` None without a previous file. Refused
    (``code`` ``combiner_problems``) with every problem of every input as its details (each a
    ``questionnaires.Problem`` naming its file, row and column).
    """
    from analysis.combiner import CombinerError, combine, compare, read_previous

    prior, problems = ({}, []) if previous is None else read_previous(previous, previous_name)
    try:
        result = combine(pack, contract, self_assessment, exclusions=exclusions, units=units)
    except CombinerError as exc:
        problems = exc.problems + problems
    if problems:
        raise Refused(COMBINER_PROBLEMS, code="combiner_problems", arguments={"n": len(problems)},
                      details=problems)
    changes = None if previous is None else compare(result, prior, successor_codes())
    return result, changes


def previous_round(survey_round):
    """The latest published round of the same province in an earlier year, or None."""
    from survey_app.models import SurveyRound

    return db.session.scalar(
        db.select(SurveyRound)
        .where(
            SurveyRound.province_id == survey_round.province_id,
            SurveyRound.year < survey_round.year,
            SurveyRound.status == "published",
        )
        .order_by(SurveyRound.year.desc(), SurveyRound.id.desc())
    )


def successor_codes() -> dict[str, str]:
    """Old unit code → new unit code for merges and renames (a predecessor with one successor).
    A unit split into several successors has no single successor and is not compared."""
    from survey_app.models import Unit, UnitSuccession

    pairs = db.session.execute(
        db.select(UnitSuccession.predecessor_id, UnitSuccession.successor_id)
    ).all()
    codes = dict(db.session.execute(db.select(Unit.id, Unit.code)).all())
    successors: dict[str, list[str]] = {}
    for old, new in pairs:
        successors.setdefault(codes[old], []).append(codes[new])
    return {old: news[0] for old, news in successors.items() if len(news) == 1}


def survey_points_changes(current, previous=None) -> list:
    """Per unit and survey-assessed criterion, the change against the previous round's points
    (``analysis.combiner.compare``, following :func:`successor_codes` for merged units).

    ``current`` and ``previous`` are :class:`~survey_app.operations.analysis_run.RoundAnalysis`.
    """
    from analysis.combiner import CombinedIndex, UnitScore, compare
    from survey_app.models import Unit

    units = {u.code: u for u in db.session.scalars(db.select(Unit))}
    scores = []
    for code, points in current.points_by_unit().items():
        unit = units[code]
        criteria = {cp.criterion: cp.points for cp in points}
        scores.append(
            UnitScore(
                code=code,
                name=unit.name,
                unit_type=unit.unit_type,
                points=sum(criteria.values()),
                applicable_max=sum(cp.max_points for cp in points),
                index=None,
                rank=None,
                fields={},
                criteria=criteria,
            )
        )
    combined = CombinedIndex(
        current.round_code, 0, str(current.pack.id), str(current.pack.version), tuple(scores)
    )
    prior = (
        {}
        if previous is None
        else {
            code: {cp.criterion: cp.points for cp in points}
            for code, points in previous.points_by_unit().items()
        }
    )
    return compare(combined, prior, successor_codes())


# The self-assessment template's headings: each an alias ``analysis.combiner.read_self_assessment``
# accepts (Mã đơn vị, Mã tiêu chí, Điểm, Lý do); the name and maximum columns are read past.
SELF_ASSESSMENT_HEADINGS = ("Mã đơn vị", "Tên đơn vị", "Mã tiêu chí", "Tên tiêu chí",
                            "Điểm tối đa", "Điểm", "Lý do")


def self_assessment_template(survey_round, language: str = "vi") -> tuple[tuple, list[list]]:
    """Headings and one row per unit of the round (of the pack's unit types when the round has no
    rating matrix yet) and self-assessed criterion of its pack that applies to the unit's type in
    the round's year, with the criterion's maximum and the points left empty; read back, filled,
    by the page's upload (``combine_with_previous``)."""
    from analysis.combiner import scoring_nodes
    from survey_app.operations.analysis_run import load_round_pack

    pack = load_round_pack(survey_round)
    nodes = [node for node in scoring_nodes(pack) if node.assessment == "self"]
    rows = [
        [unit.code, unit.name, node.code, node.source.title.get(language), node.max_points,
         None, None]
        for unit in round_units(survey_round) or _province_units(survey_round, pack.unit_types)
        for node in nodes
        if node.applies(unit.unit_type, survey_round.year)
    ]
    return SELF_ASSESSMENT_HEADINGS, rows
