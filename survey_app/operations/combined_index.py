"""The PAR Index in the app: the methodology pack a contract names, and the combiner's result as
tables. The rules (not applicable, ranks, mergers) live in ``analysis.combiner``."""
from __future__ import annotations

import json

from survey_app.extensions import db
from survey_app.models import MethodologyPack

INDEX_HEADERS = ("rank", "unit_code", "unit_name", "unit_type", "points", "applicable_max", "index")
FIELD_HEADERS = ("unit_code", "field", "points", "applicable_max", "index")


def find_pack(contract: bytes | str | dict, source: str | None = None):
    """The ``questionnaires.MethodologyPack`` to combine with: ``source`` (a pack file or a bundled
    pack name) when given, else the stored pack the contract names. Raises LookupError."""
    import questionnaires
    from questionnaires.packs import load_pack

    if source:
        try:
            return load_pack(source) if source.endswith((".yaml", ".yml", ".json")) \
                else questionnaires.load_bundled_pack(source)
        except (OSError, KeyError, ValueError) as exc:
            raise LookupError(f"Không đọc được bộ tiêu chí {source!r} / cannot read pack {source!r}: {exc}") from None
    try:
        doc = contract if isinstance(contract, dict) else json.loads(contract)
        pack_id, version = doc["provenance"]["pack"]["id"], doc["provenance"]["pack"]["version"]
    except (ValueError, KeyError, TypeError):
        raise LookupError("Tài liệu kết quả không cho biết bộ tiêu chí; dùng --pack / the contract does not "
                          "name its methodology pack; give --pack.") from None
    row = db.session.scalar(db.select(MethodologyPack).filter_by(pack_key=str(pack_id), version=str(version)))
    if row is None:
        raise LookupError(f"Không có bộ tiêu chí {pack_id} {version} trong cơ sở dữ liệu; dùng --pack / "
                          f"methodology pack {pack_id} {version} is not stored; give --pack.")
    return load_pack(row.content)


def combined_index_tables(result) -> dict[str, tuple[tuple[str, ...], list[list]]]:
    """``index`` (one row per unit, by unit type and rank) and ``fields`` (field sub-indices)."""
    units = sorted(result.units, key=lambda u: (u.unit_type, u.rank if u.rank is not None else 10**9, u.code))
    index_rows = [[u.rank, u.code, u.name, u.unit_type, u.points, u.applicable_max, u.index] for u in units]
    field_rows = [[u.code, code, f.points, f.applicable_max, f.index]
                  for u in units for code, f in u.fields.items()]
    return {"index": (INDEX_HEADERS, index_rows), "fields": (FIELD_HEADERS, field_rows)}


def previous_round(survey_round):
    """The latest published round of the same province in an earlier year, or None."""
    from survey_app.models import SurveyRound

    return db.session.scalar(
        db.select(SurveyRound).where(SurveyRound.province_id == survey_round.province_id,
                                     SurveyRound.year < survey_round.year, SurveyRound.status == "published")
        .order_by(SurveyRound.year.desc(), SurveyRound.id.desc()))


def successor_codes() -> dict[str, str]:
    """Old unit code → new unit code for merges and renames (a predecessor with one successor).
    A unit split into several successors has no single successor and is not compared."""
    from survey_app.models import Unit, UnitSuccession

    pairs = db.session.execute(
        db.select(UnitSuccession.predecessor_id, UnitSuccession.successor_id)).all()
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
        scores.append(UnitScore(code=code, name=unit.name, unit_type=unit.unit_type, points=sum(criteria.values()),
                                applicable_max=sum(cp.max_points for cp in points), index=None, rank=None,
                                fields={}, criteria=criteria))
    combined = CombinedIndex(current.round_code, 0, str(current.pack.id), str(current.pack.version), tuple(scores))
    prior = {} if previous is None else {
        code: {cp.criterion: cp.points for cp in points} for code, points in previous.points_by_unit().items()}
    return compare(combined, prior, successor_codes())
