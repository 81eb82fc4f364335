"""Combining survey points (contract) and self-assessment points into each unit's PAR Index."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from .inputs import _contract, _exclusion_map, read_self_assessment
from .model import (
    _TOLERANCE,
    CONTRACT_FILE,
    EXCLUDED,
    EXCLUSIONS_FILE,
    FROM_CONTRACT,
    FROM_PACK,
    FROM_SELF,
    NO_DATA,
    NOT_APPLICABLE_STATUS,
    RANKED,
    SCORED,
    SELF_FILE,
    CombinedIndex,
    CombinerError,
    CriterionScore,
    FieldScore,
    Problem,
    SelfAssessmentRow,
    UnitScore,
    _Node,
    _walk,
    scoring_nodes,
)
from .ranking import RANK_DRAWS, RANK_LEVEL, RANK_SEED, _ranks, rank_intervals, with_index_se


def combine(
    pack,
    contract,
    self_assessment: str | bytes,
    *,
    year: int | None = None,
    exclusions: str | bytes | Mapping[str, str] | None = None,
    units: Sequence[Mapping] = (),
    rank_seed: int = RANK_SEED,
    rank_draws: int = RANK_DRAWS,
) -> CombinedIndex:
    """Combine survey points (contract) and self-assessment points under ``pack``.

    Parameters
    ----------
    pack : methodology pack
        Anything with ``id``, ``version`` and ``criteria`` (top-level fields), whose nodes have
        ``code``, ``max_points``, ``assessment`` ("survey" | "self"), ``children`` and either
        ``applies(unit_type, year)`` or ``applies_to`` (unit types).
    contract : dict, str or bytes
        Contract v1 document (or its JSON text); its units are the units scored.
    self_assessment : str or bytes
        CSV text of self-assessment / appraisal points, and of survey points given from outside
        with their ``source`` (see the module docstring).
    year : int, optional
        Data year for applicability; default the contract's round year.
    exclusions : str, bytes or mapping, optional
        Units left out of the ranking: CSV text (``unit_code``, ``reason``) or ``{unit: reason}``.
    units : sequence of mapping, optional
        Units the round assesses (``code``, ``name``, ``unit_type``) that may be missing from the
        contract because nobody answered about them: they are scored with no survey data.
    rank_seed, rank_draws : int, optional
        Seed and number of the normal draws that give each rank its 90 % interval
        (:func:`analysis.combiner.ranking.rank_intervals`); recorded in the result.

    Returns
    -------
    CombinedIndex
        Every unit of the contract, with an index or the status ``no_data`` and its reason.

    Raises
    ------
    CombinerError
        With every problem found; nothing is combined.
    """
    units_arg, problems = list(units), []
    doc, contract_problems = _contract(contract)
    problems += contract_problems
    rows, csv_problems = read_self_assessment(self_assessment)
    problems += csv_problems
    excluded, exclusion_problems = _exclusion_map(exclusions)
    problems += exclusion_problems
    if doc is None:
        raise CombinerError(problems)
    year = int(doc["round"]["year"]) if year is None else int(year)
    nodes = scoring_nodes(pack)
    by_code = {n.code: n for n in nodes}
    all_codes = {str(node.code) for top in pack.criteria for node in _walk(top)}
    units = {u["code"]: u for u in doc["units"]}
    for extra in units_arg:
        units.setdefault(
            str(extra["code"]),
            {
                "code": str(extra["code"]),
                "name": str(extra["name"]),
                "unit_type": str(extra["unit_type"]),
                "criteria": [],
            },
        )

    if (doc["provenance"]["pack"]["id"], doc["provenance"]["pack"]["version"]) != (
        str(pack.id),
        str(pack.version),
    ):
        problems.append(
            Problem(
                None,
                "provenance.pack",
                f"Tài liệu kết quả dùng bộ tiêu chí {doc['provenance']['pack']['id']} "
                f"{doc['provenance']['pack']['version']}, khác bộ {pack.id} {pack.version}.",
                f"The contract was scored with pack {doc['provenance']['pack']['id']} "
                f"{doc['provenance']['pack']['version']}, not {pack.id} {pack.version}.",
                CONTRACT_FILE,
            )
        )
    for unit, (row, _reason) in excluded.items():
        if unit not in units:
            problems.append(
                Problem(
                    row,
                    "unit_code",
                    f"Mã đơn vị {unit!r} (loại khỏi xếp hạng) không có trong đợt khảo sát.",
                    f"Unit code {unit!r} (left out of the ranking) is not in the round.",
                    EXCLUSIONS_FILE,
                )
            )

    reported: set[tuple[str, str]] = set()  # cells with a problem already: not also "missing"
    surveyed = _contract_points(units, by_code, problems, reported)
    given: dict[tuple[str, str], CriterionScore] = {}
    seen: dict[tuple[str, str], int] = {}
    for r in rows:
        reported.add((r.unit, r.criterion))
        node = by_code.get(r.criterion)
        if r.unit not in units:
            problems.append(
                Problem(
                    r.row,
                    "unit_code",
                    f"Mã đơn vị {r.unit!r} không có trong đợt khảo sát.",
                    f"Unit code {r.unit!r} is not in the round.",
                    SELF_FILE,
                )
            )
        if node is None:
            if r.criterion in all_codes:
                problems.append(
                    Problem(
                        r.row,
                        "criterion_code",
                        f"Tiêu chí {r.criterion!r} có tiêu chí thành phần; "
                        "hãy chấm điểm từng tiêu chí thành phần.",
                        f"Criterion {r.criterion!r} has sub-criteria; "
                        "give points for each sub-criterion.",
                        SELF_FILE,
                    )
                )
            else:
                problems.append(
                    Problem(
                        r.row,
                        "criterion_code",
                        f"Mã tiêu chí {r.criterion!r} không có trong bộ tiêu chí.",
                        f"Criterion code {r.criterion!r} is not in the methodology pack.",
                        SELF_FILE,
                    )
                )
            continue
        if (r.unit, r.criterion) in seen:
            problems.append(
                Problem(
                    r.row,
                    "criterion_code",
                    f"Trùng dòng với dòng {seen[(r.unit, r.criterion)]}.",
                    f"Duplicate of row {seen[(r.unit, r.criterion)]}.",
                    SELF_FILE,
                )
            )
            continue
        seen[(r.unit, r.criterion)] = r.row
        problem = _row_problem(r, node, units, surveyed, year)
        if problem is not None:
            problems.append(problem)
            continue
        if r.unit in units:
            status = SCORED if r.points is not None else NOT_APPLICABLE_STATUS
            given[(r.unit, r.criterion)] = CriterionScore(
                node.code,
                node.field,
                node.max_points,
                r.points,
                status,
                r.source or FROM_SELF,
                r.reason,
            )

    details: dict[str, dict[str, CriterionScore]] = {}
    for code, unit in units.items():
        details[code] = {}
        for node in nodes:
            cell = _cell(code, unit["unit_type"], node, year, given, surveyed)
            if cell is None and (code, node.code) not in reported:
                problems.append(
                    Problem(
                        None,
                        "criterion_code",
                        f"Đơn vị {code}: thiếu điểm tiêu chí {node.code} trong tệp tự đánh giá.",
                        f"Unit {code}: no points for criterion {node.code} in the self-assessment.",
                        SELF_FILE,
                    )
                )
            if cell is not None:
                details[code][node.code] = cell
    if problems:
        raise CombinerError(problems)

    scores = [
        _unit_score(code, unit, nodes, details[code], excluded) for code, unit in units.items()
    ]
    ranks = _ranks(scores)
    scores = [replace(s, rank=ranks.get(s.code)) for s in scores]
    scores = [with_index_se(s, units[s.code]) for s in scores]
    intervals = rank_intervals(scores, seed=rank_seed, draws=rank_draws, level=RANK_LEVEL)
    scores = [replace(s, rank_interval=intervals.get(s.code)) for s in scores]
    return CombinedIndex(doc["round"]["code"], year, str(pack.id), str(pack.version), tuple(scores),
                         rank_seed=int(rank_seed), rank_draws=int(rank_draws),
                         rank_level=RANK_LEVEL)



def _contract_points(units, by_code, problems, reported) -> dict[str, dict[str, float]]:
    """unit → survey criterion → the contract's points, checked against the pack."""
    out: dict[str, dict[str, float]] = {}
    for code, unit in units.items():
        out[code] = {}
        for entry in unit["criteria"]:
            criterion = entry["code"]
            reported.add((code, criterion))
            node = by_code.get(criterion)
            if node is None or node.assessment != "survey":
                problems.append(
                    Problem(
                        None,
                        "contract",
                        f"Đơn vị {code}: tiêu chí điều tra {criterion!r} "
                        "không có trong bộ tiêu chí.",
                        f"Unit {code}: survey criterion {criterion!r} is not a survey-assessed "
                        "criterion of the pack.",
                        CONTRACT_FILE,
                    )
                )
            elif abs(entry["max_points"] - node.max_points) > 1e-6:
                problems.append(
                    Problem(
                        None,
                        "contract",
                        f"Đơn vị {code}, tiêu chí {criterion}: điểm tối đa {entry['max_points']:g} "
                        f"khác bộ tiêu chí ({node.max_points:g}).",
                        f"Unit {code}, criterion {criterion}: maximum {entry['max_points']:g} "
                        f"differs from the pack's {node.max_points:g}.",
                        CONTRACT_FILE,
                    )
                )
            elif entry["points"] > node.max_points + _TOLERANCE:
                problems.append(
                    Problem(
                        None,
                        "contract",
                        f"Đơn vị {code}, tiêu chí {criterion}: điểm vượt tối đa.",
                        f"Unit {code}, criterion {criterion}: points exceed the maximum.",
                        CONTRACT_FILE,
                    )
                )
            else:
                out[code][criterion] = float(entry["points"])
    return out


def _row_problem(r: SelfAssessmentRow, node: _Node, units, surveyed, year) -> Problem | None:
    """The problem of a self-assessment row whose unit and criterion are known, or None."""
    if node.assessment == "survey":
        if r.criterion in surveyed.get(r.unit, {}):
            return Problem(
                r.row,
                "criterion_code",
                f"Đơn vị {r.unit}, tiêu chí {r.criterion}: tài liệu kết quả khảo sát đã có điểm; "
                "không thay bằng điểm từ nguồn khác.",
                f"Unit {r.unit}, criterion {r.criterion}: the contract already has survey points; "
                "they are not replaced by points from another source.",
                SELF_FILE,
            )
        if r.points is not None and not r.source:
            return Problem(
                r.row,
                "source",
                f"Tiêu chí {r.criterion!r} được chấm bằng điều tra xã hội học; "
                "điểm lấy từ nơi khác "
                "phải ghi nguồn ở cột source (nguon).",
                f"Criterion {r.criterion!r} is scored by the survey, not self-assessment; points "
                "taken from elsewhere must name their source in the column source (nguon).",
                SELF_FILE,
            )
    if r.points is not None and r.points > node.max_points + _TOLERANCE:
        return Problem(
            r.row,
            "points",
            f"Điểm {r.points:g} vượt điểm tối đa {node.max_points:g}.",
            f"Points {r.points:g} exceed the maximum {node.max_points:g}.",
            SELF_FILE,
        )
    if r.points is not None and r.points < 0:
        return Problem(
            r.row, "points", "Điểm không được âm.", "Points cannot be negative.", SELF_FILE
        )
    unit_type = units[r.unit]["unit_type"] if r.unit in units else None
    if unit_type is not None and r.points is not None and not node.applies(unit_type, year):
        return Problem(
            r.row,
            "criterion_code",
            f"Tiêu chí {r.criterion!r} không áp dụng cho loại đơn vị {unit_type!r}.",
            f"Criterion {r.criterion!r} does not apply to unit type {unit_type!r}.",
            SELF_FILE,
        )
    return None


def _cell(code, unit_type, node, year, given, surveyed) -> CriterionScore | None:
    """One unit's scoring node; None when a self-assessed node has no row."""
    if not node.applies(unit_type, year):
        return CriterionScore(
            node.code, node.field, node.max_points, None, NOT_APPLICABLE_STATUS, FROM_PACK
        )
    if (code, node.code) in given:
        return given[(code, node.code)]
    if node.assessment == "survey":
        if node.code in surveyed[code]:
            return CriterionScore(
                node.code,
                node.field,
                node.max_points,
                surveyed[code][node.code],
                SCORED,
                FROM_CONTRACT,
            )
        return CriterionScore(
            node.code,
            node.field,
            node.max_points,
            None,
            NO_DATA,
            FROM_CONTRACT,
            "chưa có dữ liệu: tài liệu kết quả khảo sát không có điểm và không có nguồn khác",
        )
    return None


def _unit_score(code, unit, nodes, cells, excluded) -> UnitScore:
    fields: dict[str, list] = {}
    for node in nodes:
        cell = cells[node.code]
        entry = fields.setdefault(node.field, [0.0, 0.0, False])
        if cell.status == SCORED:
            entry[0] += cell.points
            entry[1] += node.max_points
        elif cell.status == NO_DATA:
            entry[2] = True
    total = sum(v[0] for v in fields.values())
    applicable = sum(v[1] for v in fields.values())
    no_data = tuple(n.code for n in nodes if cells[n.code].status == NO_DATA)
    reason = excluded[code][1] if code in excluded else None
    status = NO_DATA if no_data else EXCLUDED if reason else RANKED
    return UnitScore(
        code=code,
        name=unit["name"],
        unit_type=unit["unit_type"],
        points=total,
        applicable_max=applicable,
        index=100 * total / applicable if applicable > 0 and not no_data else None,
        rank=None,
        fields={
            f: FieldScore(a, m, 100 * a / m if m > 0 and not gap else None)
            for f, (a, m, gap) in fields.items()
        },
        criteria={n.code: cells[n.code].points for n in nodes},
        details=dict(cells),
        status=status,
        excluded=reason,
        no_data=no_data,
    )
