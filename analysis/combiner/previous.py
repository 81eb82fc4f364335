"""Last year's results: reading them (contract, the combiner's XLSX or JSON, a CSV) and the
change of every unit's points against them, through successor mappings."""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import replace

from .inputs import _columns, _contract, _csv_rows, _number
from .model import (
    NOT_APPLICABLE,
    PREVIOUS_FILE,
    REQUIRED_COLUMNS,
    RESULT_KIND,
    CombinedIndex,
    CriterionChange,
    Problem,
    UnitChange,
)


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


def unit_changes(changes: Sequence[CriterionChange]) -> list[UnitChange]:
    """Per unit (in the order of ``changes``), its points this year and last year summed over the
    nodes known in both years, the change and the points lost. Units with no node known in both
    years (e.g. communes formed since) are left out: their change is unknown, not zero."""
    sums: dict[str, list[float]] = {}
    for c in changes:
        if c.points is None or c.previous is None:
            continue
        total = sums.setdefault(c.unit, [0.0, 0.0, 0.0, 0])
        total[0] += c.points
        total[1] += c.previous
        total[2] += c.lost or 0.0
        total[3] += 1
    return [UnitChange(unit, now, before, now - before, lost, int(count))
            for unit, (now, before, lost, count) in sums.items()]


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


def previous_ranks(current: CombinedIndex, changes) -> dict[str, int]:
    """Last year's rank of each unit with last year's points, from :func:`compare`'s changes.

    Last year's index of a unit is its previous points summed over the scoring nodes that had
    points, ÷ the same nodes' maximum (this year's pack) × 100; units are ranked within their
    type, among this year's units with previous points, by competition ranking on the index
    rounded to two decimals (as this year's ranks). A unit without previous points has none.
    """
    points: dict[str, float] = {}
    maximum: dict[str, float] = {}
    for change in changes:
        if change.previous is None:
            continue
        try:
            detail = current.unit(change.unit).details.get(change.criterion)
        except KeyError:
            continue
        if detail is None or not detail.max_points:
            continue
        points[change.unit] = points.get(change.unit, 0.0) + change.previous
        maximum[change.unit] = maximum.get(change.unit, 0.0) + detail.max_points
    index = {code: round(100.0 * points[code] / maximum[code], 2) for code in points}
    types = {u.code: u.unit_type for u in current.units}
    return {
        code: 1 + sum(1 for other, value in index.items()
                      if types[other] == types[code] and value > mine)
        for code, mine in index.items()
    }
