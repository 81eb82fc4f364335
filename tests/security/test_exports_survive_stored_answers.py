"""Every export survives every answer that was ever stored (issue 14).

Answers are written straight into the database, bypassing today's input checks, as legacy data
would be: a 1 MB text, NUL and other control characters, formula-leading text, emoji and
right-to-left marks. Every format the results page, the export API, the background jobs and the
command line offer must then succeed, keeping the text or showing visibly where it was cleaned.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import time
import tracemalloc

import numpy as np
import openpyxl
import pyreadstat
import pytest

from analysis.contract import (
    Variable,
    respondent_table,
    write_respondents_sav,
    write_respondents_xlsx,
)
from analysis.contract.tables import TRUNCATED_MARK, XLSX_MAX_CELL_CHARS
from survey_app.commands.export import export
from survey_app.extensions import db
from survey_app.operations.exports import TABLES
from survey_app.results.routes import EXPORT_KINDS
from tests.builders import create_scored_response, create_scored_round, create_user, log_in

HUGE = "Góp ý dài 😀 " * 83_334  # about 1,000,000 characters
CONTROL = "a\x00b\x01c\x1bd\x7fe\x0bf"
FORMULA = '=HYPERLINK("http://example.invalid","bấm vào")'
BIDI = "\u202eabc\u200f xin chào \u200e"
EMOJI = "Rất tốt 👍🏽🇻🇳"
WORST = (
    HUGE,
    CONTROL,
    FORMULA,
    "+84 912 345 678",
    "@SUM(A1)",
    "-1+2",
    BIDI,
    EMOJI,
    "\tbắt đầu bằng tab",
    "dòng 1\ndòng 2",
)


@pytest.fixture
def worst_round(client, app_ctx):
    objects = create_scored_round(status="published")
    sipas = objects["forms"][0]
    unit = objects["units"][0]
    for text in WORST:
        create_scored_response(
            objects["round"],
            unit,
            sipas,
            "citizen",
            stratum="S1",
            base_weight=10.0,
            answers={"a1": "4", "a2": "4", "b1": "4", "comment": text},
            paradata={"total_seconds": 300.0},
        )
    user = create_user("council")
    db.session.commit()
    log_in(client, user)
    return objects


def _comments_from_rows(headers, rows) -> list[str]:
    column = list(headers).index("comment")
    return [row[column] for row in rows if row[column]]


def _check_cleaned(found: list[str], *, whole: bool, apostrophe: bool) -> None:
    """Each worst answer is there, intact or visibly cleaned (never silently dropped)."""
    by_start = {text[:12]: text for text in found}
    assert len(found) >= len(WORST) - 0
    huge = next(t for t in found if t.startswith("Góp ý dài"))
    if whole:
        assert huge == HUGE
    else:
        assert huge.endswith(TRUNCATED_MARK) and HUGE.startswith(huge[: -len(TRUNCATED_MARK)])
    control = next(t for t in found if t.startswith("a"))
    assert control == "a\ufffdb\ufffdc\ufffdd\x7fe\ufffdf"
    prefix = "'" if apostrophe else ""
    for text in (FORMULA, "+84 912 345 678", "@SUM(A1)", "-1+2", "\tbắt đầu bằng tab"):
        assert prefix + text in found, text
    for text in (BIDI, EMOJI, "dòng 1\ndòng 2"):
        assert text in found
    assert by_start


def test_api_exports_of_every_format_and_table_succeed(client, worst_round):
    for fmt in ("json", "csv", "xlsx", "sav"):
        for table in (None, *TABLES):
            query = f"format={fmt}" + (f"&table={table}" if table else "")
            reply = client.get(f"/api/v1/rounds/KQ-2025/export?{query}")
            body = reply.get_data()
            assert reply.status_code == 200, (query, body[:300])
            assert len(body) > 0
            assert (
                client.get(f"/api/v1/rounds/KQ-2025/export?format=sha256&of={fmt}").status_code
                == 200
            )
    contract = client.get("/api/v1/rounds/KQ-2025/export?format=json").get_json()
    assert contract["contract_version"] == "1"

    text = (
        client.get("/api/v1/rounds/KQ-2025/export?format=csv&table=respondents")
        .get_data()
        .decode("utf-8-sig")
    )
    limit = csv.field_size_limit(sys.maxsize)
    try:
        reader = list(csv.reader(io.StringIO(text, newline="")))
    finally:
        csv.field_size_limit(limit)
    _check_cleaned(_comments_from_rows(reader[0], reader[1:]), whole=True, apostrophe=True)

    xlsx = client.get("/api/v1/rounds/KQ-2025/export?format=xlsx&table=respondents").get_data()
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)["data"]
    rows = list(sheet.values)
    comments = _comments_from_rows(rows[0], rows[1:])
    assert max(len(c) for c in comments) == XLSX_MAX_CELL_CHARS
    _check_cleaned(comments, whole=False, apostrophe=True)


def test_sav_keeps_every_answer_and_cuts_only_beyond_the_spss_limit(client, worst_round, tmp_path):
    reply = client.get("/api/v1/rounds/KQ-2025/export?format=sav")
    assert reply.status_code == 200
    path = tmp_path / "r.sav"
    path.write_bytes(reply.get_data())
    frame, _meta = pyreadstat.read_sav(str(path))
    comments = [c for c in frame["comment"] if c]
    _check_cleaned(comments, whole=False, apostrophe=False)
    assert max(len(c.encode("utf-8")) for c in comments) <= 32767


def test_background_jobs_of_every_kind_succeed(client, worst_round):
    for kind in EXPORT_KINDS:
        reply = client.post("/results/KQ-2025/exports", data={"kind": kind})
        assert reply.status_code == 302
        job_id = int(re.search(r"/exports/(\d+)$", reply.headers["Location"]).group(1))
        deadline = time.monotonic() + 120
        while (status := client.get(f"/api/v1/exports/{job_id}").get_json())["status"] not in (
            "done",
            "failed",
        ):
            assert time.monotonic() < deadline, status
            time.sleep(0.1)
        assert status["status"] == "done", status
        download = client.get(f"/api/v1/exports/{job_id}/download")
        assert download.status_code == 200 and len(download.get_data()) == status["size_bytes"]


def test_results_pages_and_command_line_exports_succeed(client, worst_round, runner, tmp_path):
    assert client.get("/results/KQ-2025").status_code == 200
    assert client.get("/results/KQ-2025/units/SO-A?format=xlsx").status_code == 200
    for fmt, table in (
        ("json", None),
        ("csv", "respondents"),
        ("csv", "codebook"),
        ("xlsx", "respondents"),
        ("sav", None),
        ("xlsx", None),
    ):
        target = tmp_path / f"out-{fmt}-{table}"
        args = ["KQ-2025", "--format", fmt, "-o", str(target)] + (
            ["--table", table] if table else []
        )
        result = runner.invoke(export, args)
        assert result.exit_code == 0, result.output
        assert target.stat().st_size > 0
    json.loads((tmp_path / "out-json-None").read_bytes())


def test_respondent_table_memory_does_not_grow_with_the_longest_answer():
    """The old code built a NumPy ``<U1000000`` array: 200 rows × 4 MB = 800 MB for one answer."""
    texts = ["ngắn"] * 199 + [HUGE]
    variables = [
        Variable("respondent", "Số thứ tự", np.arange(1, 201, dtype=float)),
        Variable("comment", "Góp ý", texts),
    ]
    tracemalloc.start()
    try:
        headers, rows = respondent_table(variables)
        write_respondents_xlsx(variables, io.BytesIO())
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows[-1][1] == HUGE and headers == ("respondent", "comment")
    assert peak < 100 * 1024 * 1024, peak


def test_sav_writer_takes_controls_surrogates_and_long_labels(tmp_path):
    variables = [
        Variable("q", "Nhãn\x00 có NUL", ["x\ud800y", "z" * 70_000, None]),
        Variable("c", "Mã", np.array([1.0, 2.0, np.nan]), {1.0: "Một\x01", 2.0: "Hai"}),
    ]
    path = tmp_path / "t.sav"
    write_respondents_sav(variables, path)
    frame, meta = pyreadstat.read_sav(str(path))
    assert list(frame["q"])[:2] == [
        "x\ufffdy",
        "z" * (32767 - len(TRUNCATED_MARK.encode())) + TRUNCATED_MARK,
    ]
    assert meta.column_labels[0] == "Nhãn\ufffd có NUL"
    assert meta.variable_value_labels["c"][1.0] == "Một\ufffd"
