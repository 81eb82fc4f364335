"""Reading the combiner's inputs: the self-assessment CSV, the exclusions CSV and the contract.

Every problem is collected as a :class:`~analysis.combiner.model.Problem` (file, row, column,
Vietnamese and English message); nothing is half-read.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping, Sequence

from ..contract.validation import ContractError, contract_errors, read_contract
from .model import (
    COLUMN_ALIASES,
    CONTRACT_FILE,
    EXCLUSIONS_FILE,
    NOT_APPLICABLE,
    REQUIRED_COLUMNS,
    SELF_FILE,
    Problem,
    SelfAssessmentRow,
)


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


XLSX_MAX_ROWS = 200_000  # rows read from a self-assessment workbook


def _xlsx_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _xlsx_rows(data: bytes, file: str) -> tuple[list[list[str]] | None, list[Problem]]:
    """The first sheet of a workbook as rows of text, cut to the header's width (cells beyond it
    are kept only when they hold something, so that the row is reported)."""
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        return None, [Problem(None, None, f"Không đọc được tệp Excel ({type(exc).__name__}).",
                              f"The Excel file cannot be read ({type(exc).__name__}).", file)]
    try:
        raw = [[_xlsx_text(v).strip() for v in row]
               for row in book.worksheets[0].iter_rows(values_only=True, max_row=XLSX_MAX_ROWS)]
    finally:
        book.close()
    if not raw or not any(raw[0]):
        return None, [Problem(1, None, "Trang tính trống.", "The sheet is empty.", file)]
    header = list(raw[0])
    while header and not header[-1]:
        header.pop()
    width = len(header)
    rows = [header]
    for row in raw[1:]:
        row = list(row) + [""] * (width - len(row))
        while len(row) > width and not row[-1]:
            row.pop()
        rows.append(row)
    return rows, []


def _csv_rows(text: str | bytes, file: str) -> tuple[list[list[str]] | None, list[Problem]]:
    if isinstance(text, bytes) and text[:4] == b"PK\x03\x04":
        return _xlsx_rows(text, file)
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
    """Parse the self-assessment CSV (or the first sheet of an XLSX workbook, given as bytes, such
    as the template of the PAR Index page) into :class:`SelfAssessmentRow` and problems.

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
