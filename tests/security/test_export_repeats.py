"""The long table of repeat rows (one row per row of a repeat) beside the respondent-level table:
its rows are what was submitted, the respondent table keeps each repeat's number of rows, and
hostile text in a row survives every file as in test_exports_survive_stored_answers."""
from __future__ import annotations

import csv
import io
import sys
import uuid

import openpyxl
import pyreadstat
import pytest

from analysis.contract.tables import TRUNCATED_MARK, XLSX_MAX_CELL_CHARS
from survey_app.extensions import db
from survey_app.models import Response
from tests.app.test_respond_repeats import DEFINITION
from tests.builders import (
    create_questionnaire,
    create_scored_response,
    create_scored_round,
    create_user,
    log_in,
    open_round_with_entry,
)

HUGE = "Góp ý dài 😀 " * 83_334  # about 1,000,000 characters, stored as legacy data would be
FORMULA = "=cmd|' /C calc'!A0"
SUBMITTED = [  # (n, members, visits)
    (2, [{"who": "An", "age": 40}, {"who": FORMULA, "age": 9, "school": "Tiểu học"}],
     [{"why": "Cấp giấy"}]),
    (1, [{"who": "Cường", "age": 70}], [{"why": HUGE}, {"why": "Nộp thuế"}, {"why": "@SUM(A1)"}]),
]


@pytest.fixture
def repeat_round(client, app_ctx):
    objects = create_scored_round(status="published")
    form = create_questionnaire(DEFINITION)
    for n, members, visits in SUBMITTED:
        create_scored_response(objects["round"], objects["units"][0], form, "citizen",
                               stratum="S1", base_weight=10.0,
                               answers={"n": n, "members": members, "visits": visits})
    user = create_user("council")
    db.session.commit()
    log_in(client, user)
    return objects


def _csv(client, query: str) -> list[list[str]]:
    reply = client.get(f"/api/v1/rounds/KQ-2025/export?{query}")
    assert reply.status_code == 200, reply.get_data()[:300]
    limit = csv.field_size_limit(sys.maxsize)
    try:
        return list(csv.reader(io.StringIO(reply.get_data().decode("utf-8-sig"), newline="")))
    finally:
        csv.field_size_limit(limit)


def _expected(first: int) -> list[tuple]:
    """The long table's rows as submitted (respondent numbers after the round's ``first - 1``
    other responses)."""
    rows = []
    for offset, (_n, members, visits) in enumerate(SUBMITTED):
        for name, given in (("members", members), ("visits", visits)):
            for index, row in enumerate(given, start=1):
                rows.append((first + offset, name, index, row))
    return rows


def test_the_long_table_holds_the_rows_submitted_and_formulas_are_escaped(client, repeat_round):
    table = _csv(client, "format=csv&table=repeats")
    headers = table[0]
    assert headers == ["respondent", "form", "repeat", "row", "who", "age", "school", "why"]
    first = db.session.scalar(db.select(db.func.count()).select_from(Response)) - 1
    found = [(int(r[0]), r[2], int(r[3]), {k: v for k, v in zip(headers[4:], r[4:]) if v})
             for r in table[1:]]
    assert {r[1] for r in table[1:]} == {"household@1"}
    expected = [(number, name, index, {k: ("'" + v if v in (FORMULA, "@SUM(A1)") else str(v))
                                       for k, v in row.items()})
                for number, name, index, row in _expected(first)]
    assert found == expected                      # HUGE kept whole in CSV, FORMULA escaped
    respondents = _csv(client, "format=csv&table=respondents")
    head = respondents[0]
    counts = [(r[head.index("members")], r[head.index("visits")]) for r in respondents[1:]]
    assert counts[-2:] == [("2", "1"), ("1", "3")]   # the respondent table: the numbers of rows
    assert all(not cell.startswith("[{") for r in respondents[1:] for cell in r)


def test_the_respondent_workbook_carries_the_long_table_as_a_sheet(client, repeat_round):
    reply = client.get("/api/v1/rounds/KQ-2025/export?format=xlsx&table=respondents")
    book = openpyxl.load_workbook(io.BytesIO(reply.get_data()), read_only=True)
    assert book.sheetnames == ["data", "codebook", "repeats"]
    rows = [r + (None,) * 8 for r in book["repeats"].values]  # read-only rows end early
    whys = [r[rows[0].index("why")] for r in rows[1:] if r[rows[0].index("why")]]
    huge = next(w for w in whys if w.startswith("Góp ý"))
    assert len(huge) == XLSX_MAX_CELL_CHARS and huge.endswith(TRUNCATED_MARK)
    assert "'" + FORMULA in [r[rows[0].index("who")] for r in rows[1:]]
    assert len(rows) - 1 == sum(len(m) + len(v) for _n, m, v in SUBMITTED)


def test_the_sav_file_keeps_the_number_of_rows(client, repeat_round, tmp_path):
    path = tmp_path / "r.sav"
    path.write_bytes(client.get("/api/v1/rounds/KQ-2025/export?format=sav").get_data())
    frame, _meta = pyreadstat.read_sav(str(path))
    assert list(frame["members"].dropna())[-2:] == [2.0, 1.0]


def test_a_huge_text_in_a_row_is_refused_at_intake(client, app_ctx):
    entry = open_round_with_entry(definition=DEFINITION)
    db.session.commit()
    reply = client.post("/api/v1/submissions", json={
        "submission_id": str(uuid.uuid4()), "entry": entry.code,
        "answers": {"n": 1, "members": [{"who": HUGE, "age": 40}], "visits": []}})
    assert reply.status_code in (413, 422)
    assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 0


def test_results_pages_and_every_export_succeed_with_repeat_rows(client, repeat_round):
    from survey_app.operations.exports import TABLES

    assert client.get("/results/KQ-2025").status_code == 200
    assert client.get("/results/KQ-2025/units/SO-A?format=xlsx").status_code == 200
    for fmt in ("json", "csv", "xlsx", "sav"):
        for table in (None, *TABLES):
            query = f"format={fmt}" + (f"&table={table}" if table else "")
            reply = client.get(f"/api/v1/rounds/KQ-2025/export?{query}")
            assert reply.status_code == 200 and reply.get_data(), query
