"""The PAR Index combiner: survey points + self-assessment points → index, ranks, changes.

Rules (DOMAIN.md; each documented here because officials will ask):

* **Scoring nodes.** Walking the pack's tree from each field, a survey-assessed node takes its
  points from the contract as a whole (its sub-criteria are not scored separately); otherwise a
  leaf takes its points from the self-assessment CSV.
* **Self-assessment CSV.** Columns (any order, extra columns ignored): ``unit_code``
  (``ma_don_vi``), ``criterion_code`` (``ma_tieu_chi``), ``points`` (``diem``), and optionally
  ``source`` (``nguon``) and ``reason`` (``ly_do``). ``points`` is a number (decimal point or
  comma) or "không áp dụng" / "KAD" / "N/A".
* **Not applicable.** A node whose ``applies_to`` excludes the unit's type (or the data year), or
  a self-assessment row reading "không áp dụng", leaves both the points achieved and the points
  applicable. A "không áp dụng" row **must give its reason** (``reason`` / ``ly_do``); the reason
  is carried into the result. Index (%) = achieved ÷ applicable × 100. Thanh Hóa 2023: 68.32
  points of an applicable 84 → 81.33 %.
* **Survey points given from outside.** A self-assessment row may give points (or "không áp
  dụng" with a reason) for a *survey-assessed* criterion when it names where they come from in
  ``source`` / ``nguon`` (e.g. "SIPAS 2025 – Bộ Nội vụ", "PAPI 2025"), and only when the contract
  has no points for that unit and criterion: the contract's points are never overwritten (the
  published survey is the province's own measurement; to use other points for a unit, the
  round must not have scored it). The source is carried into the result and its tables; points
  from the contract have source ``contract``, self-assessed ones ``self_assessment``.
* **No survey data.** A unit for which an applicable survey-assessed criterion has points neither
  in the contract nor from a named source (e.g. no SIPAS answers for it) gets that criterion as
  *chưa có dữ liệu* (no data), its index is ``None`` with status ``no_data`` and a reason naming
  the criteria, and it has no rank; every other unit is combined and ranked as usual. A unit
  nobody answered about is missing from the contract altogether: pass the round's units to
  :func:`combine` (``units=``) and it is scored the same way.
* **Missing self-assessment rows stay refused.** Self-assessment is the unit's own duty, checked
  by the appraisal council, and one file holds every unit's points: a missing row is a clerical
  slip that the Department of Home Affairs can put right the same day (enter the points, or
  "không áp dụng" with a reason), whereas quietly giving such a unit "no data" would hide the
  slip until the index is published. Survey data, by contrast, cannot be made up after the
  fieldwork, so only survey gaps become "no data".
* **Left out of the ranking.** An exclusions CSV (``unit_code`` / ``ma_don_vi``, ``reason`` /
  ``ly_do``; e.g. Tuyên Quang's rule for units found to report dishonestly) keeps the unit's
  index but gives it no rank and status ``excluded`` with the reason; the ranks of the others
  close up.
* **Field sub-index**: the same ratio over the scoring nodes below each top-level field
  (``None`` when nothing in the field applies or a criterion of it has no data).
* **Rank** within each unit type among the ranked units, highest index first; the index is
  compared rounded to two decimals (as published) and ties share a rank, the next rank skipping
  ("1, 2, 2, 4").
* **Change against last year** per scoring node, after mapping last year's unit codes through
  the successor mapping (old → new). When several old units merged into one, last year's points
  of a criterion are the **mean of the old units' points** over the old units to which it
  applied; a criterion that applied to none of them has no previous value. Last year's points
  are read by :func:`read_previous` from last year's contract (survey criteria only), the
  combiner's own XLSX or JSON output, or a CSV ``unit_code, criterion_code, points``.
* **Criteria below their maximum**: every scored criterion whose points are below its maximum,
  with the shortfall (:func:`below_max_table`); it needs no previous year.
* **Bad input** is never half-combined: every problem (unknown unit or criterion, points above
  the maximum, unreadable numbers, duplicate or missing rows, "không áp dụng" without a reason,
  survey points without a source or clashing with the contract, a contract of another version or
  not matching the schema) is collected with its file, CSV row and column and raised together in
  a :class:`CombinerError`.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from .contract.tables import write_xlsx
from .contract.validation import ContractError, contract_errors, read_contract

__all__ = [
    "Problem",
    "CombinerError",
    "FieldScore",
    "CriterionScore",
    "UnitScore",
    "CombinedIndex",
    "CriterionChange",
    "SelfAssessmentRow",
    "scoring_nodes",
    "read_self_assessment",
    "read_exclusions",
    "read_previous",
    "combine",
    "compare",
    "points_lost_table",
    "below_max_table",
    "result_tables",
    "result_json",
    "write_points_lost_xlsx",
    "SCORED",
    "NOT_APPLICABLE_STATUS",
    "NO_DATA",
    "RANKED",
    "EXCLUDED",
]

NOT_APPLICABLE = {"không áp dụng", "khong ap dung", "kad", "n/a", "na", "not applicable"}
COLUMN_ALIASES = {
    "unit_code": ("unit_code", "ma_don_vi", "mã đơn vị", "don_vi"),
    "criterion_code": ("criterion_code", "ma_tieu_chi", "mã tiêu chí", "tieu_chi"),
    "points": ("points", "diem", "điểm"),
    "source": ("source", "nguon", "nguồn", "nguon_diem"),
    "reason": ("reason", "ly_do", "lý do"),
}
REQUIRED_COLUMNS = ("unit_code", "criterion_code", "points")
_TOLERANCE = 1e-9

# Criterion status
SCORED = "scored"
NOT_APPLICABLE_STATUS = "not_applicable"
NO_DATA = "no_data"
# Unit status
RANKED = "ranked"
EXCLUDED = "excluded"
# Where points come from, besides an external source's own name
FROM_CONTRACT = "contract"
FROM_SELF = "self_assessment"
FROM_PACK = "pack"

SELF_FILE, EXCLUSIONS_FILE, PREVIOUS_FILE, CONTRACT_FILE = (
    "self_assessment",
    "exclusions",
    "previous",
    "contract",
)


@dataclass(frozen=True)
class Problem:
    """One problem of the input: CSV ``row`` (header = 1; None when not from a CSV), ``column``
    and ``file`` (``self_assessment``, ``exclusions``, ``previous``, ``contract`` or None)."""

    row: int | None
    column: str | None
    message_vi: str
    message_en: str
    file: str | None = None


class CombinerError(ValueError):
    """Input the combiner refused; ``problems`` lists every problem found, nothing was combined."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        lines = [
            f"{p.file or '-'} row {p.row if p.row is not None else '-'}, {p.column or '-'}: "
            f"{p.message_vi} / {p.message_en}"
            for p in self.problems
        ]
        super().__init__(
            f"{len(self.problems)} problems; nothing was combined:\n" + "\n".join(lines)
        )


@dataclass(frozen=True)
class FieldScore:
    """Points of one field: achieved, applicable maximum and the sub-index (%)."""

    points: float
    applicable_max: float
    index: float | None


@dataclass(frozen=True)
class CriterionScore:
    """One unit's scoring node: ``status`` is ``scored``, ``not_applicable`` or ``no_data``;
    ``source`` is ``contract``, ``self_assessment``, ``pack`` (not applicable by the pack) or
    the name of an outside source; ``reason`` explains "không áp dụng" or "no data"."""

    code: str
    field: str
    max_points: float
    points: float | None
    status: str
    source: str
    reason: str | None = None


@dataclass(frozen=True)
class UnitScore:
    """A unit's PAR Index: ``criteria`` maps scoring-node code → points (None = not applicable or
    no data); ``details`` the same nodes as :class:`CriterionScore`. ``status`` is ``ranked``,
    ``excluded`` (``excluded`` holds the reason) or ``no_data`` (``no_data`` lists the criteria;
    ``index`` is None and ``points`` / ``applicable_max`` cover the criteria with data only)."""

    code: str
    name: str
    unit_type: str
    points: float
    applicable_max: float
    index: float | None
    rank: int | None
    fields: Mapping[str, FieldScore]
    criteria: Mapping[str, float | None]
    details: Mapping[str, CriterionScore] = field(default_factory=dict)
    status: str = RANKED
    excluded: str | None = None
    no_data: tuple[str, ...] = ()

    @property
    def reason(self) -> str | None:
        """Why the unit has no index or no rank, in Vietnamese (None when ranked)."""
        parts = []
        if self.no_data:
            parts.append("chưa có dữ liệu điều tra cho tiêu chí " + ", ".join(self.no_data))
        if self.excluded:
            parts.append("không xếp hạng: " + self.excluded)
        return "; ".join(parts) or None


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
        """unit → scoring node → points (None = not applicable or no data): next year's
        ``previous``."""
        return {u.code: dict(u.criteria) for u in self.units}


@dataclass(frozen=True)
class CriterionChange:
    """One unit's points on one scoring node against last year.

    ``lost`` = max(0, previous − now).
    """

    unit: str
    criterion: str
    points: float | None
    previous: float | None
    change: float | None
    lost: float | None


@dataclass(frozen=True)
class SelfAssessmentRow:
    """One data row of the self-assessment CSV (``points`` None = "không áp dụng")."""

    row: int
    unit: str
    criterion: str
    points: float | None
    source: str | None = None
    reason: str | None = None


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
            out.append(
                _Node(str(node.code), top, float(node.max_points), str(node.assessment), node)
            )
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


def _columns(header: Sequence[str], wanted: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for position, name in enumerate(header):
        key = name.strip().lower()
        for column in wanted:
            if key in COLUMN_ALIASES[column] and column not in found:
                found[column] = position
    return found


def _csv_rows(text: str | bytes, file: str) -> tuple[list[list[str]] | None, list[Problem]]:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None, [
                Problem(
                    None,
                    None,
                    "Tệp CSV phải được mã hóa UTF-8.",
                    "The CSV file must be encoded in UTF-8.",
                    file,
                )
            ]
    text = text.lstrip("\ufeff")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        return None, [
            Problem(
                None,
                None,
                f"Tệp CSV bị lỗi định dạng ({exc}).",
                f"The CSV file is malformed ({exc}).",
                file,
            )
        ]
    if not rows:
        return None, [Problem(1, None, "Tệp CSV trống.", "The CSV file is empty.", file)]
    return rows, []


def read_self_assessment(
    text: str | bytes, *, file: str = SELF_FILE
) -> tuple[list[SelfAssessmentRow], list[Problem]]:
    """Parse the self-assessment CSV into :class:`SelfAssessmentRow` and problems.

    Columns (any order, extra columns ignored): ``unit_code``, ``criterion_code``, ``points``
    (Vietnamese names ``ma_don_vi``, ``ma_tieu_chi``, ``diem`` also accepted), optional
    ``source`` (``nguon``: where survey points given from outside come from) and ``reason``
    (``ly_do``: why a criterion is "không áp dụng"); ``points`` is a number or "không áp dụng" /
    "KAD", and a "không áp dụng" row without a reason is a problem.
    """
    rows, problems = _csv_rows(text, file)
    if rows is None:
        return [], problems
    columns = _columns(rows[0], tuple(COLUMN_ALIASES))
    if not set(REQUIRED_COLUMNS) <= set(columns):
        return [], [
            Problem(
                1,
                None,
                "Dòng tiêu đề phải có các cột unit_code, criterion_code và points.",
                "The header row must name the columns unit_code, criterion_code and points.",
                file,
            )
        ]
    width = len(rows[0])
    out = []
    for row_number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != width:
            problems.append(
                Problem(
                    row_number,
                    None,
                    f"Dòng có {len(row)} ô, tiêu đề có {width} ô.",
                    f"The row has {len(row)} cells but the header has {width}.",
                    file,
                )
            )
            continue
        unit = row[columns["unit_code"]].strip()
        criterion = row[columns["criterion_code"]].strip()
        raw = row[columns["points"]].strip()
        source = row[columns["source"]].strip() if "source" in columns else ""
        reason = row[columns["reason"]].strip() if "reason" in columns else ""
        if not unit:
            problems.append(
                Problem(
                    row_number, "unit_code", "Thiếu mã đơn vị.", "The unit code is missing.", file
                )
            )
        if not criterion:
            problems.append(
                Problem(
                    row_number,
                    "criterion_code",
                    "Thiếu mã tiêu chí.",
                    "The criterion code is missing.",
                    file,
                )
            )
        if raw.lower() in NOT_APPLICABLE:
            points = None
            if not reason:
                problems.append(
                    Problem(
                        row_number,
                        "reason",
                        f"Dòng {row_number} (đơn vị {unit or '?'}, "
                        f"tiêu chí {criterion or '?'}) ghi "
                        "'không áp dụng' nhưng không nêu lý do ở cột reason (ly_do).",
                        f"Row {row_number} (unit {unit or '?'}, criterion {criterion or '?'}) "
                        "reads 'không áp dụng' (not applicable) but gives no reason in the "
                        "column reason (ly_do).",
                        file,
                    )
                )  # the row is kept, so it is not also reported as missing
        else:
            try:
                points = _number(raw)
            except ValueError:
                problems.append(
                    Problem(
                        row_number,
                        "points",
                        f"Điểm {raw!r} không phải là số hoặc 'không áp dụng'.",
                        f"Points {raw!r} are neither a number nor 'không áp dụng'.",
                        file,
                    )
                )
                continue
        if unit and criterion:
            out.append(
                SelfAssessmentRow(
                    row_number, unit, criterion, points, source or None, reason or None
                )
            )
    return out, problems


def read_exclusions(text: str | bytes) -> tuple[dict[str, tuple[int, str]], list[Problem]]:
    """Parse the exclusions CSV (``unit_code`` / ``ma_don_vi``, ``reason`` / ``ly_do``): unit →
    (row, reason) of units left out of the ranking, and problems (missing reason, duplicates)."""
    rows, problems = _csv_rows(text, EXCLUSIONS_FILE)
    if rows is None:
        return {}, problems
    columns = _columns(rows[0], ("unit_code", "reason"))
    if len(columns) != 2:
        return {}, [
            Problem(
                1,
                None,
                "Dòng tiêu đề của tệp loại khỏi xếp hạng phải có các cột unit_code "
                "và reason (ly_do).",
                "The header row of the exclusions file must name the columns unit_code and "
                "reason (ly_do).",
                EXCLUSIONS_FILE,
            )
        ]
    out: dict[str, tuple[int, str]] = {}
    for row_number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(rows[0]):
            problems.append(
                Problem(
                    row_number,
                    None,
                    f"Dòng có {len(row)} ô, tiêu đề có {len(rows[0])} ô.",
                    f"The row has {len(row)} cells but the header has {len(rows[0])}.",
                    EXCLUSIONS_FILE,
                )
            )
            continue
        unit, reason = row[columns["unit_code"]].strip(), row[columns["reason"]].strip()
        if not unit:
            problems.append(
                Problem(
                    row_number,
                    "unit_code",
                    "Thiếu mã đơn vị.",
                    "The unit code is missing.",
                    EXCLUSIONS_FILE,
                )
            )
        elif not reason:
            problems.append(
                Problem(
                    row_number,
                    "reason",
                    f"Dòng {row_number}: đơn vị {unit} bị loại khỏi xếp hạng "
                    "nhưng không nêu lý do.",
                    f"Row {row_number}: unit {unit} is left out of the ranking without a reason.",
                    EXCLUSIONS_FILE,
                )
            )
        elif unit in out:
            problems.append(
                Problem(
                    row_number,
                    "unit_code",
                    f"Trùng dòng với dòng {out[unit][0]}.",
                    f"Duplicate of row {out[unit][0]}.",
                    EXCLUSIONS_FILE,
                )
            )
        else:
            out[unit] = (row_number, reason)
    return out, problems


def _contract(contract) -> tuple[dict | None, list[Problem]]:
    if isinstance(contract, (str, bytes)):
        try:
            return read_contract(contract), []
        except ContractError as exc:
            problems = [Problem(None, "contract", exc.message_vi, exc.message_en, CONTRACT_FILE)]
            problems += [Problem(None, "contract", p, p, CONTRACT_FILE) for p in exc.problems]
            return None, problems
    version = contract.get("contract_version") if isinstance(contract, Mapping) else None
    if version != "1":
        return None, [
            Problem(
                None,
                "contract_version",
                f"Phiên bản tài liệu kết quả {version!r} không được hỗ trợ (cần '1').",
                f"Contract version {version!r} is not supported (expected '1').",
                CONTRACT_FILE,
            )
        ]
    errors = contract_errors(contract)
    if errors:
        return None, [
            Problem(
                None,
                "contract",
                f"Tài liệu kết quả không hợp lệ: {e}",
                f"The contract is not valid: {e}",
                CONTRACT_FILE,
            )
            for e in errors
        ]
    return dict(contract), []


def _ranks(units: list[UnitScore]) -> dict[str, int]:
    """Competition ranking within each unit type, among ranked units, on the index rounded to two
    decimals."""
    ranked = [u for u in units if u.status == RANKED and u.index is not None]
    ranks = {}
    for u in ranked:
        mine = round(u.index, 2)
        ranks[u.code] = 1 + sum(
            1 for o in ranked if o.unit_type == u.unit_type and round(o.index, 2) > mine
        )
    return ranks


def _exclusion_map(exclusions) -> tuple[dict[str, tuple[int | None, str]], list[Problem]]:
    if exclusions is None:
        return {}, []
    if isinstance(exclusions, (str, bytes)):
        return read_exclusions(exclusions)
    out: dict[str, tuple[int | None, str]] = {}
    problems = []
    for unit, reason in dict(exclusions).items():
        if not str(reason or "").strip():
            problems.append(
                Problem(
                    None,
                    "reason",
                    f"Đơn vị {unit} bị loại khỏi xếp hạng nhưng không nêu lý do.",
                    f"Unit {unit} is left out of the ranking without a reason.",
                    EXCLUSIONS_FILE,
                )
            )
        else:
            out[str(unit)] = (None, str(reason).strip())
    return out, problems


def combine(
    pack,
    contract,
    self_assessment: str | bytes,
    *,
    year: int | None = None,
    exclusions: str | bytes | Mapping[str, str] | None = None,
    units: Sequence[Mapping] = (),
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
    return CombinedIndex(doc["round"]["code"], year, str(pack.id), str(pack.version), tuple(scores))


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


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)


def _previous_by_new_code(
    previous, successors: Mapping[str, str]
) -> dict[str, dict[str, float | None]]:
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


def compare(
    current: CombinedIndex, previous, successors: Mapping[str, str] | None = None
) -> list[CriterionChange]:
    """Change per unit and scoring node against last year.

    Parameters
    ----------
    current : CombinedIndex
    previous : CombinedIndex or mapping
        Last year's result, or ``{unit: {criterion: points or None}}`` (e.g. from
        :func:`read_previous`).
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


# --------------------------------------------------------------------------- last year's results

RESULT_KIND = "par_index_result"
RESULT_FORMAT_VERSION = "1"


def read_previous(
    content: str | bytes, filename: str = ""
) -> tuple[dict[str, dict[str, float | None]], list[Problem]]:
    """Last year's published points, ``{unit: {criterion: points or None}}``, and problems.

    Accepted (told apart by the file name's extension, else by the content):

    * last year's export contract (JSON): the survey-assessed criteria only;
    * the combiner's own output: XLSX (sheet ``criteria``) or JSON (:func:`result_json`);
    * a CSV ``unit_code, criterion_code, points`` (a number, "không áp dụng" or empty = no
      points), e.g. typed in from last year's published decision in the product's first year.
    """
    raw = content if isinstance(content, bytes) else content.encode("utf-8")
    extension = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if extension == "xlsx" or (not extension and raw[:2] == b"PK"):
        return _previous_xlsx(raw)
    if extension == "json" or (not extension and raw.lstrip(b"\xef\xbb\xbf \r\n\t")[:1] == b"{"):
        return _previous_json(raw)
    rows, problems = _csv_rows(raw, PREVIOUS_FILE)
    if rows is None:
        return {}, problems
    return _previous_table(rows[0], rows[1:], lambda v: v, problems)


def _previous_problem(row, column, vi, en) -> Problem:
    return Problem(row, column, vi, en, PREVIOUS_FILE)


def _previous_table(header, rows, cell, problems) -> tuple[dict, list[Problem]]:
    columns = _columns([str(h or "") for h in header], REQUIRED_COLUMNS)
    if len(columns) != 3:
        return {}, problems + [
            _previous_problem(
                1,
                None,
                "Kết quả năm trước phải có các cột unit_code, criterion_code và points.",
                "Last year's results must have the columns unit_code, criterion_code and points.",
            )
        ]
    out: dict[str, dict[str, float | None]] = {}
    seen: dict[tuple[str, str], int] = {}
    for number, row in enumerate(rows, start=2):
        values = [cell(v) for v in row]
        if not any(str(v if v is not None else "").strip() for v in values):
            continue
        if len(values) < len(header):
            values += [None] * (len(header) - len(values))
        unit = str(values[columns["unit_code"]] or "").strip()
        criterion = str(values[columns["criterion_code"]] or "").strip()
        value = values[columns["points"]]
        if not unit or not criterion:
            problems.append(
                _previous_problem(
                    number,
                    None,
                    "Thiếu mã đơn vị hoặc mã tiêu chí.",
                    "The unit or criterion code is missing.",
                )
            )
            continue
        if (unit, criterion) in seen:
            problems.append(
                _previous_problem(
                    number,
                    "criterion_code",
                    f"Trùng dòng với dòng {seen[(unit, criterion)]}.",
                    f"Duplicate of row {seen[(unit, criterion)]}.",
                )
            )
            continue
        seen[(unit, criterion)] = number
        if value is None or (
            isinstance(value, str)
            and (not value.strip() or value.strip().lower() in NOT_APPLICABLE)
        ):
            points = None
        elif (
            isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        ):
            points = float(value)
        else:
            try:
                points = _number(str(value))
            except ValueError:
                problems.append(
                    _previous_problem(
                        number,
                        "points",
                        f"Điểm {value!r} không phải là số.",
                        f"Points {value!r} are not a number.",
                    )
                )
                continue
        out.setdefault(unit, {})[criterion] = points
    return out, problems


def _previous_xlsx(raw: bytes) -> tuple[dict, list[Problem]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, InvalidFileException) as exc:
        return {}, [
            _previous_problem(
                None,
                None,
                f"Không đọc được tệp XLSX ({type(exc).__name__}).",
                f"The XLSX file cannot be read ({type(exc).__name__}).",
            )
        ]
    try:
        if "criteria" not in book.sheetnames:
            return {}, [
                _previous_problem(
                    None,
                    None,
                    "Tệp XLSX không có trang 'criteria' (điểm từng tiêu chí).",
                    "The XLSX file has no sheet 'criteria' (points per criterion).",
                )
            ]
        rows = list(book["criteria"].iter_rows(values_only=True))
    finally:
        book.close()
    if not rows:
        return {}, [
            _previous_problem(1, None, "Trang 'criteria' trống.", "The sheet 'criteria' is empty.")
        ]

    def cell(
        value,
    ):  # undo escape_cell's apostrophe before text a spreadsheet would read as a formula
        return value[1:] if isinstance(value, str) and value.startswith("'") else value

    return _previous_table(rows[0], rows[1:], cell, [])


def _previous_json(raw: bytes) -> tuple[dict, list[Problem]]:
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        return {}, [
            _previous_problem(
                None,
                None,
                f"Tệp JSON không đọc được ({exc}).",
                f"The JSON file cannot be read ({exc}).",
            )
        ]
    if isinstance(doc, dict) and "contract_version" in doc:
        contract, problems = _contract(doc)
        if contract is None:
            return {}, [replace(p, file=PREVIOUS_FILE) for p in problems]
        return {
            u["code"]: {c["code"]: float(c["points"]) for c in u["criteria"]}
            for u in contract["units"]
        }, []
    if (
        isinstance(doc, dict)
        and doc.get("kind") == RESULT_KIND
        and isinstance(doc.get("units"), list)
    ):
        header = ("unit_code", "criterion_code", "points")
        rows = [
            (u.get("unit_code"), c.get("criterion_code"), c.get("points"))
            for u in doc["units"]
            if isinstance(u, dict)
            for c in (u.get("criteria") or [])
            if isinstance(c, dict)
        ]
        return _previous_table(header, rows, lambda v: v, [])
    return {}, [
        _previous_problem(
            None,
            None,
            "Tệp JSON không phải tài liệu kết quả khảo sát hay kết quả Chỉ số CCHC.",
            "The JSON file is neither an export contract nor a PAR Index result.",
        )
    ]


# --------------------------------------------------------------------------- tables and outputs

INDEX_HEADERS = (
    "rank",
    "unit_code",
    "unit_name",
    "unit_type",
    "points",
    "applicable_max",
    "index",
    "status",
    "reason",
)
FIELD_HEADERS = ("unit_code", "field", "points", "applicable_max", "index")
CRITERIA_HEADERS = (
    "unit_code",
    "criterion_code",
    "field",
    "points",
    "max_points",
    "status",
    "source",
    "reason",
)
BELOW_MAX_HEADERS = ("unit_code", "criterion_code", "points", "max_points", "shortfall")
POINTS_LOST_HEADERS = (
    "unit_code",
    "criterion_code",
    "points",
    "previous_points",
    "change",
    "points_lost",
)


def _ordered(result: CombinedIndex) -> list[UnitScore]:
    return sorted(
        result.units,
        key=lambda u: (
            u.unit_type,
            u.rank if u.rank is not None else 10**9,
            u.index is None,
            -(u.index or 0),
            u.code,
        ),
    )


def points_lost_table(
    changes: Sequence[CriterionChange], unit: str | None = None
) -> tuple[tuple[str, ...], list[list]]:
    """Rows of criteria that lost points (largest loss first), for one unit or all."""
    rows = [
        [c.unit, c.criterion, c.points, c.previous, c.change, c.lost]
        for c in changes
        if (unit is None or c.unit == unit) and c.lost
    ]
    rows.sort(key=lambda r: (r[0], -r[5], r[1]))
    return POINTS_LOST_HEADERS, rows


def below_max_table(
    result: CombinedIndex, unit: str | None = None
) -> tuple[tuple[str, ...], list[list]]:
    """Rows of scored criteria below their maximum (largest shortfall first), for one unit or all:
    criterion, points, maximum, shortfall."""
    rows = []
    for u in _ordered(result):
        if unit is not None and u.code != unit:
            continue
        cells = [
            c for c in u.details.values() if c.status == SCORED and c.points < c.max_points - 1e-9
        ]
        cells.sort(key=lambda c: (-(c.max_points - c.points), c.code))
        rows += [[u.code, c.code, c.points, c.max_points, c.max_points - c.points] for c in cells]
    return BELOW_MAX_HEADERS, rows


def result_tables(
    result: CombinedIndex, changes: Sequence[CriterionChange] | None = None
) -> dict[str, tuple[tuple[str, ...], list[list]]]:
    """The result as tables: ``index`` (by unit type and rank; status and reason), ``fields``,
    ``criteria`` (every scoring node of every unit with its source or reason: next year's
    ``--previous``), ``below_max`` and, given changes, ``points_lost``."""
    units = _ordered(result)
    tables = {
        "index": (
            INDEX_HEADERS,
            [
                [
                    u.rank,
                    u.code,
                    u.name,
                    u.unit_type,
                    u.points,
                    u.applicable_max,
                    u.index,
                    u.status,
                    u.reason,
                ]
                for u in units
            ],
        ),
        "fields": (
            FIELD_HEADERS,
            [
                [u.code, code, f.points, f.applicable_max, f.index]
                for u in units
                for code, f in u.fields.items()
            ],
        ),
        "criteria": (
            CRITERIA_HEADERS,
            [
                [u.code, c.code, c.field, c.points, c.max_points, c.status, c.source, c.reason]
                for u in units
                for c in u.details.values()
            ],
        ),
        "below_max": below_max_table(result),
    }
    if changes is not None:
        tables["points_lost"] = points_lost_table(changes)
    return tables


def result_json(result: CombinedIndex, changes: Sequence[CriterionChange] | None = None) -> dict:
    """The result as a JSON-ready document (kind ``par_index_result``), readable by
    :func:`read_previous` next year."""
    tables = result_tables(result, changes)

    def records(name):
        headers, rows = tables[name]
        return [dict(zip(headers, row)) for row in rows]

    criteria: dict[str, list] = {}
    for record in records("criteria"):
        criteria.setdefault(record["unit_code"], []).append(record)
    fields: dict[str, list] = {}
    for record in records("fields"):
        fields.setdefault(record["unit_code"], []).append(record)
    units = []
    for record in records("index"):
        unit = result.unit(record["unit_code"])
        units.append(
            dict(
                record,
                excluded=unit.excluded,
                no_data=list(unit.no_data),
                fields=fields.get(unit.code, []),
                criteria=criteria.get(unit.code, []),
            )
        )
    doc = {
        "kind": RESULT_KIND,
        "format_version": RESULT_FORMAT_VERSION,
        "round": result.round_code,
        "year": result.year,
        "pack": {"id": result.pack_id, "version": result.pack_version},
        "units": units,
        "below_max": records("below_max"),
    }
    if changes is not None:
        doc["points_lost"] = records("points_lost")
    return doc


def write_points_lost_xlsx(
    changes: Sequence[CriterionChange], target, units: Sequence[str] | None = None
) -> None:
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
