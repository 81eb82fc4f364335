"""The self-assessment reader takes the first sheet of an XLSX workbook as it takes a CSV."""
from __future__ import annotations

import io

from openpyxl import Workbook

from analysis.combiner import read_self_assessment


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.create_sheet("ghi-chu").append(["not read"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_rows_are_read_like_csv_rows():
    data = _xlsx([
        ["Mã đơn vị", "Tên đơn vị", "Mã tiêu chí", "Điểm", "Lý do", None],
        ["SO-A", "Sở A", "1.1", 7.5, None],
        ["SO-A", "Sở A", "1.2", "7,5", None],
        ["XA-B", "Xã B", 2, 3, None],
        [None, None, None, None, None],
        ["XA-B", "Xã B", "1.1", "không áp dụng", "Không phát sinh"],
    ])
    rows, problems = read_self_assessment(data)
    assert problems == []
    assert [(r.unit, r.criterion, r.points, r.reason) for r in rows] == [
        ("SO-A", "1.1", 7.5, None), ("SO-A", "1.2", 7.5, None), ("XA-B", "2", 3.0, None),
        ("XA-B", "1.1", None, "Không phát sinh")]
    assert [r.row for r in rows] == [2, 3, 4, 6]


def test_xlsx_problems_name_their_row_and_a_broken_workbook_is_one_problem():
    rows, problems = read_self_assessment(_xlsx([
        ["Mã đơn vị", "Mã tiêu chí", "Điểm"], ["SO-A", "1.1", None], ["SO-A", "1.2", "nhiều"]]))
    assert rows == [] and [(p.row, p.column) for p in problems] == [(2, "points"), (3, "points")]
    rows, problems = read_self_assessment(b"PK\x03\x04 not a workbook")
    assert rows == [] and len(problems) == 1 and "Excel" in problems[0].message_vi
