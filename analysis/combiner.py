"""The PAR Index combiner: survey points + self-assessment points → index, ranks, changes.

Rules (DOMAIN.md; each documented here because officials will ask):

* **Scoring nodes.** Walking the pack's tree from each field, a survey-assessed node takes its
  points from the contract as a whole (its sub-criteria are not scored separately); otherwise a
  leaf takes its points from the self-assessment CSV.
* **Not applicable.** A node whose ``applies_to`` excludes the unit's type (or the data year), or
  a self-assessment row reading "không áp dụng" / "KAD" / "N/A", leaves both the points achieved
  and the points applicable. Index (%) = achieved ÷ applicable × 100. Thanh Hóa 2023: 68.32 points
  of an applicable 84 → 81.33 %.
* **Field sub-index**: the same ratio over the scoring nodes below each top-level field
  (``None`` when nothing in the field applies).
* **Rank** within each unit type, highest index first; the index is compared rounded to two
  decimals (as published) and ties share a rank, the next rank skipping ("1, 2, 2, 4").
* **Change against last year** per scoring node, after mapping last year's unit codes through
  the successor mapping (old → new). When several old units merged into one, last year's points
  of a criterion are the **mean of the old units' points** over the old units to which it
  applied (their index likewise the mean of their indices); a criterion that applied to none
  of them has no previous value.
* **Bad input** is never half-combined: every problem (unknown unit or criterion, points above
  the maximum, unreadable numbers, duplicate or missing rows, a contract of another version or
  not matching the schema) is collected with its CSV row and column and raised together in a
  :class:`CombinerError`.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from .contract.tables import write_xlsx
from .contract.validation import ContractError, contract_errors, read_contract

__all__ = [
    "Problem", "CombinerError", "FieldScore", "UnitScore", "CombinedIndex", "CriterionChange",
    "scoring_nodes", "read_self_assessment", "combine", "compare", "points_lost_table",
    "write_points_lost_xlsx",
]

NOT_APPLICABLE = {"không áp dụng", "khong ap dung", "kad", "n/a", "na", "not applicable"}
COLUMN_ALIASES = {
    "unit_code": ("unit_code", "ma_don_vi", "mã đơn vị", "don_vi"),
    "criterion_code": ("criterion_code", "ma_tieu_chi", "mã tiêu chí", "tieu_chi"),
    "points": ("points", "diem", "điểm"),
}
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Problem:
    """One problem of the input: CSV ``row`` (header = 1; None when not from the CSV), ``column``."""

    row: int | None
    column: str | None
    message_vi: str
    message_en: str


class CombinerError(ValueError):
    """Input the combiner refused; ``problems`` lists every problem found, nothing was combined."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        lines = [
            f"row {p.row if p.row is not None else '-'}, {p.column or '-'}: {p.message_vi} / {p.message_en}"
            for p in self.problems
        ]
        super().__init__(f"{len(self.problems)} problems; nothing was combined:\n" + "\n".join(lines))


@dataclass(frozen=True)
class FieldScore:
    """Points of one field: achieved, applicable maximum and the sub-index (%)."""

    points: float
    applicable_max: float
    index: float | None


@dataclass(frozen=True)
class UnitScore:
    """A unit's PAR Index: ``criteria`` maps scoring-node code → points (None = not applicable)."""

    code: str
    name: str
    unit_type: str
    points: float
    applicable_max: float
    index: float | None
    rank: int | None
    fields: Mapping[str, FieldScore]
    criteria: Mapping[str, float | None]


@dataclass(frozen=True)
class CombinedIndex:
    """The combined PAR Index of a round."""

    round_code: str
    year: int
    pack_id: str
    pack_version: str
    units: tuple[UnitScore, ...]

    def unit(self, code: str) -> UnitScore:
        """The score of one unit; raises KeyError."""
        for u in self.units:
            if u.code == code:
                return u
        raise KeyError(f"no unit {code!r}")

    def criterion_points(self) -> dict[str, dict[str, float | None]]:
        """unit → scoring node → points (None = not applicable): next year's ``previous``."""
        return {u.code: dict(u.criteria) for u in self.units}


@dataclass(frozen=True)
class CriterionChange:
    """One unit's points on one scoring node against last year; ``lost`` = max(0, previous − now)."""

    unit: str
    criterion: str
    points: float | None
    previous: float | None
    change: float | None
    lost: float | None


@dataclass(frozen=True)
class _Node:
    code: str
    field: str
    max_points: float
    assessment: str
    source: object = field(repr=False, default=None)

    def applies(self, unit_type: str, year: int | None) -> bool:
        node = self.source
        if hasattr(node, "applies"):
            return bool(node.applies(unit_type, year))
        return unit_type in tuple(getattr(node, "applies_to", ()))


def scoring_nodes(pack) -> list[_Node]:
    """The nodes that carry points: top-most survey-assessed nodes and self-assessed leaves."""
    out: list[_Node] = []

    def visit(node, top: str) -> None:
        if node.assessment == "survey" or not tuple(node.children):
            out.append(_Node(str(node.code), top, float(node.max_points), str(node.assessment), node))
            return
        for child in node.children:
            visit(child, top)

    for top in pack.criteria:
        visit(top, str(top.code))
    return out


def _number(text: str) -> float:
    """Parse points written with a decimal point or a Vietnamese decimal comma ("7,5")."""
    cleaned = text.strip().replace(" ", "")
    if re.fullmatch(r"[+-]?\d+,\d+", cleaned):
        cleaned = cleaned.replace(",", ".")
    value = float(cleaned)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _columns(header: Sequence[str]) -> dict[str, int] | None:
    found = {}
    for position, name in enumerate(header):
        key = name.strip().lower()
        for column, aliases in COLUMN_ALIASES.items():
            if key in aliases and column not in found:
                found[column] = position
    return found if len(found) == 3 else None


def read_self_assessment(text: str | bytes) -> tuple[list[tuple[int, str, str, float | None]], list[Problem]]:
    """Parse the self-assessment CSV: ``(row, unit, criterion, points or None)`` and problems.

    Columns (any order, extra columns ignored): ``unit_code``, ``criterion_code``, ``points``
    (Vietnamese names ``ma_don_vi``, ``ma_tieu_chi``, ``diem`` also accepted); ``points`` is a
    number or "không áp dụng" / "KAD".
    """
    problems: list[Problem] = []
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            return [], [Problem(None, None, "Tệp CSV phải được mã hóa UTF-8.",
                                "The CSV file must be encoded in UTF-8.")]
    text = text.lstrip("\ufeff")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        return [], [Problem(None, None, f"Tệp CSV bị lỗi định dạng ({exc}).",
                            f"The CSV file is malformed ({exc}).")]
    if not rows:
        return [], [Problem(1, None, "Tệp CSV trống.", "The CSV file is empty.")]
    columns = _columns(rows[0])
    if columns is None:
        return [], [Problem(1, None,
                            "Dòng tiêu đề phải có các cột unit_code, criterion_code và points.",
                            "The header row must name the columns unit_code, criterion_code and points.")]
    width = len(rows[0])
    out = []
    for row_number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != width:
            problems.append(Problem(row_number, None,
                                    f"Dòng có {len(row)} ô, tiêu đề có {width} ô.",
                                    f"The row has {len(row)} cells but the header has {width}."))
            continue
        unit = row[columns["unit_code"]].strip()
        criterion = row[columns["criterion_code"]].strip()
        raw = row[columns["points"]].strip()
        if not unit:
            problems.append(Problem(row_number, "unit_code", "Thiếu mã đơn vị.", "The unit code is missing."))
        if not criterion:
            problems.append(Problem(row_number, "criterion_code", "Thiếu mã tiêu chí.",
                                    "The criterion code is missing."))
        if raw.lower() in NOT_APPLICABLE:
            points = None
        else:
            try:
                points = _number(raw)
            except ValueError:
                problems.append(Problem(
                    row_number, "points",
                    f"Điểm {raw!r} không phải là số hoặc 'không áp dụng'.",
                    f"Points {raw!r} are neither a number nor 'không áp dụng'.",
                ))
                continue
        if unit and criterion:
            out.append((row_number, unit, criterion, points))
    return out, problems


def _contract(contract) -> tuple[dict | None, list[Problem]]:
    if isinstance(contract, (str, bytes)):
        try:
            return read_contract(contract), []
        except ContractError as exc:
            problems = [Problem(None, "contract", exc.message_vi, exc.message_en)]
            problems += [Problem(None, "contract", p, p) for p in exc.problems]
            return None, problems
    version = contract.get("contract_version") if isinstance(contract, Mapping) else None
    if version != "1":
        return None, [Problem(None, "contract_version",
                              f"Phiên bản tài liệu kết quả {version!r} không được hỗ trợ (cần '1').",
                              f"Contract version {version!r} is not supported (expected '1').")]
    errors = contract_errors(contract)
    if errors:
        return None, [Problem(None, "contract", f"Tài liệu kết quả không hợp lệ: {e}",
                              f"The contract is not valid: {e}") for e in errors]
    return dict(contract), []


def _ranks(units: list[UnitScore]) -> dict[str, int]:
    """Competition ranking within each unit type on the index rounded to two decimals."""
    ranks = {}
    for u in units:
        if u.index is None:
            continue
        mine = round(u.index, 2)
        ranks[u.code] = 1 + sum(
            1 for o in units
            if o.unit_type == u.unit_type and o.index is not None and round(o.index, 2) > mine
        )
    return ranks


def combine(pack, contract, self_assessment: str | bytes, *, year: int | None = None) -> CombinedIndex:
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
        CSV text of self-assessment / appraisal points.
    year : int, optional
        Data year for applicability; default the contract's round year.

    Raises
    ------
    CombinerError
        With every problem found; nothing is combined.
    """
    problems: list[Problem] = []
    doc, contract_problems = _contract(contract)
    problems += contract_problems
    rows, csv_problems = read_self_assessment(self_assessment)
    problems += csv_problems
    if doc is None:
        raise CombinerError(problems)
    year = int(doc["round"]["year"]) if year is None else int(year)
    nodes = scoring_nodes(pack)
    by_code = {n.code: n for n in nodes}
    all_codes = {str(node.code) for top in pack.criteria for node in _walk(top)}
    units = {u["code"]: u for u in doc["units"]}

    if (doc["provenance"]["pack"]["id"], doc["provenance"]["pack"]["version"]) != (
            str(pack.id), str(pack.version)):
        problems.append(Problem(
            None, "provenance.pack",
            f"Tài liệu kết quả dùng bộ tiêu chí {doc['provenance']['pack']['id']} "
            f"{doc['provenance']['pack']['version']}, khác bộ {pack.id} {pack.version}.",
            f"The contract was scored with pack {doc['provenance']['pack']['id']} "
            f"{doc['provenance']['pack']['version']}, not {pack.id} {pack.version}.",
        ))

    points: dict[str, dict[str, float | None]] = {code: {} for code in units}
    seen: dict[tuple[str, str], int] = {}
    reported: set[tuple[str, str]] = set()  # cells with a problem already: not also "missing"
    for row, unit, criterion, value in rows:
        reported.add((unit, criterion))
        node = by_code.get(criterion)
        if unit not in units:
            problems.append(Problem(row, "unit_code", f"Mã đơn vị {unit!r} không có trong đợt khảo sát.",
                                    f"Unit code {unit!r} is not in the round."))
        if node is None:
            if criterion in all_codes:
                problems.append(Problem(
                    row, "criterion_code",
                    f"Tiêu chí {criterion!r} có tiêu chí thành phần; hãy chấm điểm từng tiêu chí thành phần.",
                    f"Criterion {criterion!r} has sub-criteria; give points for each sub-criterion.",
                ))
            else:
                problems.append(Problem(row, "criterion_code",
                                        f"Mã tiêu chí {criterion!r} không có trong bộ tiêu chí.",
                                        f"Criterion code {criterion!r} is not in the methodology pack."))
            continue
        if node.assessment == "survey":
            problems.append(Problem(row, "criterion_code",
                                    f"Tiêu chí {criterion!r} được chấm bằng điều tra xã hội học.",
                                    f"Criterion {criterion!r} is scored by the survey, not self-assessment."))
            continue
        if (unit, criterion) in seen:
            problems.append(Problem(row, "criterion_code",
                                    f"Trùng dòng với dòng {seen[(unit, criterion)]}.",
                                    f"Duplicate of row {seen[(unit, criterion)]}."))
            continue
        seen[(unit, criterion)] = row
        if value is not None and value > node.max_points + _TOLERANCE:
            problems.append(Problem(row, "points",
                                    f"Điểm {value:g} vượt điểm tối đa {node.max_points:g}.",
                                    f"Points {value:g} exceed the maximum {node.max_points:g}."))
            continue
        if value is not None and value < 0:
            problems.append(Problem(row, "points", "Điểm không được âm.", "Points cannot be negative."))
            continue
        if unit in units:
            if not node.applies(units[unit]["unit_type"], year) and value is not None:
                problems.append(Problem(
                    row, "criterion_code",
                    f"Tiêu chí {criterion!r} không áp dụng cho loại đơn vị {units[unit]['unit_type']!r}.",
                    f"Criterion {criterion!r} does not apply to unit type {units[unit]['unit_type']!r}.",
                ))
                continue
            points[unit][criterion] = value

    for code, unit in units.items():
        survey = {c["code"]: c for c in unit["criteria"]}
        for criterion, entry in survey.items():
            reported.add((code, criterion))
            node = by_code.get(criterion)
            if node is None or node.assessment != "survey":
                problems.append(Problem(None, "contract",
                                        f"Đơn vị {code}: tiêu chí điều tra {criterion!r} không có trong bộ tiêu chí.",
                                        f"Unit {code}: survey criterion {criterion!r} is not a survey-assessed "
                                        "criterion of the pack."))
            elif abs(entry["max_points"] - node.max_points) > 1e-6:
                problems.append(Problem(None, "contract",
                                        f"Đơn vị {code}, tiêu chí {criterion}: điểm tối đa {entry['max_points']:g} "
                                        f"khác bộ tiêu chí ({node.max_points:g}).",
                                        f"Unit {code}, criterion {criterion}: maximum {entry['max_points']:g} "
                                        f"differs from the pack's {node.max_points:g}."))
            elif entry["points"] > node.max_points + _TOLERANCE:
                problems.append(Problem(None, "contract",
                                        f"Đơn vị {code}, tiêu chí {criterion}: điểm vượt tối đa.",
                                        f"Unit {code}, criterion {criterion}: points exceed the maximum."))
            else:
                points[code][criterion] = float(entry["points"])
        for node in nodes:
            applies = node.applies(unit["unit_type"], year)
            if not applies:
                points[code][node.code] = None
            elif node.code not in points[code] and (code, node.code) not in reported:
                source = "contract" if node.assessment == "survey" else "self-assessment"
                problems.append(Problem(
                    None, "criterion_code",
                    f"Đơn vị {code}: thiếu điểm tiêu chí {node.code}"
                    + (" trong tài liệu kết quả khảo sát." if source == "contract" else " trong tệp tự đánh giá."),
                    f"Unit {code}: no points for criterion {node.code} in the {source}.",
                ))
    if problems:
        raise CombinerError(problems)

    scores = []
    for code, unit in units.items():
        fields: dict[str, list[float]] = {}
        for node in nodes:
            value = points[code][node.code]
            achieved, applicable = fields.setdefault(node.field, [0.0, 0.0])
            if value is not None:
                fields[node.field] = [achieved + value, applicable + node.max_points]
        total = sum(v[0] for v in fields.values())
        applicable = sum(v[1] for v in fields.values())
        scores.append(UnitScore(
            code=code, name=unit["name"], unit_type=unit["unit_type"], points=total,
            applicable_max=applicable, index=100 * total / applicable if applicable > 0 else None,
            rank=None,
            fields={f: FieldScore(a, m, 100 * a / m if m > 0 else None) for f, (a, m) in fields.items()},
            criteria={n.code: points[code][n.code] for n in nodes},
        ))
    ranks = _ranks(scores)
    scores = [replace(s, rank=ranks.get(s.code)) for s in scores]
    return CombinedIndex(doc["round"]["code"], year, str(pack.id), str(pack.version), tuple(scores))


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)


def _previous_by_new_code(previous, successors: Mapping[str, str]) -> dict[str, dict[str, float | None]]:
    if isinstance(previous, CombinedIndex):
        previous = previous.criterion_points()
    merged: dict[str, list[Mapping[str, float | None]]] = {}
    for old, criteria in previous.items():
        merged.setdefault(successors.get(old, old), []).append(criteria)
    out = {}
    for new, parts in merged.items():
        codes = dict.fromkeys(c for part in parts for c in part)
        out[new] = {}
        for c in codes:
            values = [part[c] for part in parts if part.get(c) is not None]
            out[new][c] = sum(values) / len(values) if values else None
    return out


def compare(current: CombinedIndex, previous, successors: Mapping[str, str] | None = None) -> list[CriterionChange]:
    """Change per unit and scoring node against last year.

    Parameters
    ----------
    current : CombinedIndex
    previous : CombinedIndex or mapping
        Last year's result, or ``{unit: {criterion: points or None}}``.
    successors : mapping, optional
        Old unit code → new unit code; several old codes may map to one new code (merger: the
        previous points are the mean over the old units to which the criterion applied).
    """
    prior = _previous_by_new_code(previous, dict(successors or {}))
    out = []
    for unit in current.units:
        last = prior.get(unit.code, {})
        for criterion, now in unit.criteria.items():
            before = last.get(criterion)
            change = now - before if now is not None and before is not None else None
            lost = max(0.0, -change) if change is not None else None
            out.append(CriterionChange(unit.code, criterion, now, before, change, lost))
    return out


POINTS_LOST_HEADERS = ("unit_code", "criterion_code", "points", "previous_points", "change", "points_lost")


def points_lost_table(changes: Sequence[CriterionChange], unit: str | None = None) -> tuple[tuple[str, ...], list[list]]:
    """Rows of criteria that lost points (largest loss first), for one unit or all."""
    rows = [
        [c.unit, c.criterion, c.points, c.previous, c.change, c.lost]
        for c in changes if (unit is None or c.unit == unit) and c.lost
    ]
    rows.sort(key=lambda r: (r[0], -r[5], r[1]))
    return POINTS_LOST_HEADERS, rows


def write_points_lost_xlsx(changes: Sequence[CriterionChange], target, units: Sequence[str] | None = None) -> None:
    """One sheet per unit listing where points were lost against last year."""
    units = list(dict.fromkeys(c.unit for c in changes)) if units is None else list(units)
    tables = {}
    for unit in units:
        name = re.sub(r"[\[\]:*?/\\]", "_", unit)[:31] or "unit"
        while name in tables:
            name = name[:28] + f"_{len(tables)}"
        headers, rows = points_lost_table(changes, unit)
        tables[name] = (headers, rows)
    write_xlsx(tables, target)
