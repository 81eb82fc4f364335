"""Every spreadsheet and CSV the product offers for download escapes formula-leading cells, and
every download's Content-Disposition is safe (issue 14). Frame values and answers that start
with ``=``, ``+``, ``-``, ``@``, tab or CR reach the sample list, the invitation lists and every
export; none of their cells may start with a formula character unescaped."""

from __future__ import annotations

import csv
import io
import re
import sys

import pytest
from openpyxl import load_workbook

from survey_app.extensions import db
from survey_app.models import RatingCell, SampleFrame, SamplePlan
from survey_app.operations.exports import TABLES
from survey_app.refusals import Refused
from tests.builders import (
    create_province,
    create_questionnaire,
    create_scored_response,
    create_scored_round,
    create_unit,
    create_user,
    log_in,
)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NASTY = [
    '=HYPERLINK("http://example.invalid","x")',
    "+84 912 345 678",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1",
]


def frame_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["ma_ho_so", "ma_don_vi", "thu_tuc", "ngay_tra_ket_qua", "ho_ten", "so_dien_thoai"]
    )
    for i in range(30):
        writer.writerow(
            [
                f"HS{i:04d}",
                "SNV",
                NASTY[i % len(NASTY)],
                "15/08/2025",
                NASTY[i % len(NASTY)],
                NASTY[(i + 1) % len(NASTY)],
            ]
        )
    return buffer.getvalue().encode()


def cells_of(kind: str, data: bytes) -> list:
    if kind == "csv":
        limit = csv.field_size_limit(sys.maxsize)
        try:
            return [
                c
                for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
                for c in row
            ]
        finally:
            csv.field_size_limit(limit)
    book = load_workbook(io.BytesIO(data), read_only=True)
    return [
        c for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row
    ]


def is_number(text: str) -> bool:
    """A CSV cell holding a number (numbers stay numbers; ``-0.5`` is not a formula)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_no_live_formula(kind: str, data: bytes, must_contain: tuple[str, ...] = ()) -> None:
    cells = [c for c in cells_of(kind, data) if isinstance(c, str)]
    live = [c for c in cells if c.startswith(FORMULA_START) and not is_number(c)]
    assert live == []
    for text in must_contain:
        assert "'" + text in cells, text
    rows = cells_of(kind, data)
    assert not any(isinstance(c, str) and c.startswith("=1") for c in rows)  # no row broken by a CR


def assert_safe_disposition(reply) -> None:
    header = reply.headers["Content-Disposition"]
    assert header.startswith("attachment; ") and "\n" not in header and "\r" not in header
    fallback = re.search(r'filename="?([^";]*)', header).group(1)
    assert re.fullmatch(r"[A-Za-z0-9._-]+", fallback)


@pytest.fixture
def staff(client, app_ctx):
    user = create_user("admin")
    db.session.commit()
    log_in(client, user)
    return user


def test_sample_list_and_invitation_lists_escape_formulas(client, staff):
    province = create_province()
    create_unit(province, code="SNV", name="=Sở Nội vụ")
    from tests.builders import create_round

    survey_round = create_round(status="draft", province=province)
    questionnaire = create_questionnaire(group="citizen")
    db.session.commit()
    reply = client.post(
        f"/admin/rounds/{survey_round.id}/frames/upload",
        content_type="multipart/form-data",
        data={"kind": "sipas_dossiers", "file": (io.BytesIO(frame_csv()), "f.csv")},
    )
    assert reply.status_code == 302, reply.get_data(as_text=True)
    frame = db.session.scalar(db.select(SampleFrame))
    reply = client.post(
        f"/admin/rounds/{survey_round.id}/frames/{frame.id}/plan",
        data={
            "size_mode": "fixed",
            "n": "20",
            "margin": "0.05",
            "confidence": "0.95",
            "p": "0.5",
            "deff": "1",
            "response_rate": "1",
            "strata_column": "",
            "allocation": "proportional",
            "minimum": "0",
            "method": "srs",
            "size_column": "",
            "replacements": "5",
            "sds": "",
            "action": "draw",
        },
    )
    assert reply.status_code == 302, reply.get_data(as_text=True)
    plan = db.session.scalar(db.select(SamplePlan))
    members = client.get(f"/admin/rounds/{survey_round.id}/plans/{plan.id}/members.xlsx")
    assert members.status_code == 200
    assert_safe_disposition(members)
    assert_no_live_formula("xlsx", members.data, ("=Sở Nội vụ",))
    assert any(c.startswith("'") for c in cells_of("xlsx", members.data) if isinstance(c, str))
    cell = RatingCell(
        round_id=survey_round.id,
        respondent_group="citizen",
        unit_type="agency",
        questionnaire_id=questionnaire.id,
        quota=10,
    )
    db.session.add(cell)
    db.session.commit()
    url = f"/admin/rounds/{survey_round.id}/plans/{plan.id}/invitations"
    for output in ("xlsx", "csv"):  # each member is invited once: replacements come second
        reply = client.post(
            url,
            data={"cell_id": cell.id, "output": output, "include_replacements": "y"}
            if output == "csv"
            else {"cell_id": cell.id, "output": output},
        )
        assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
        assert_safe_disposition(reply)
        assert_no_live_formula(output, reply.data, ("=Sở Nội vụ",))


def test_every_export_of_a_round_escapes_formulas(client, staff):
    objects = create_scored_round(status="published")
    sipas = objects["forms"][0]
    for text in NASTY:
        create_scored_response(
            objects["round"],
            objects["units"][0],
            sipas,
            "citizen",
            stratum="S1",
            base_weight=10.0,
            answers={"a1": "4", "a2": "4", "b1": "4", "comment": text},
        )
    db.session.commit()
    for fmt in ("csv", "xlsx"):
        for table in (None, *TABLES):
            reply = client.get(
                f"/api/v1/rounds/KQ-2025/export?format={fmt}" + (f"&table={table}" if table else "")
            )
            data = reply.get_data()
            assert reply.status_code == 200
            assert_safe_disposition(reply)
            respondent_level = table in ("respondents",) or (fmt == "xlsx" and table == "codebook")
            assert_no_live_formula(fmt, data, tuple(NASTY[:4]) if respondent_level else ())
    for fmt in ("json", "sav"):
        reply = client.get(f"/api/v1/rounds/KQ-2025/export?format={fmt}")
        reply.get_data()
        assert reply.status_code == 200
        assert_safe_disposition(reply)
    lost = client.get("/results/KQ-2025/units/SO-A?format=xlsx")
    assert lost.status_code == 200
    assert_no_live_formula("xlsx", lost.data)
    assert_safe_disposition(lost)


@pytest.mark.parametrize(
    "code",
    ["KQ 2025", "KQ/2025", 'KQ"2025', "KQ\r\nX-Injected: 1", "Đợt-2025", "=CMD()", "x" * 41, ""],
)
def test_round_codes_use_a_safe_alphabet(client, staff, code):
    province = create_province()
    db.session.commit()
    reply = client.post(
        "/admin/rounds/new",
        data={"code": code, "province_id": province.id, "year": "2025", "title": "Đợt thử"},
    )
    assert reply.status_code == 400
    page = reply.get_data(as_text=True)
    assert "chữ cái không dấu" in page or "bắt buộc" in page or "không được" in page
    from survey_app.models import SurveyRound

    assert db.session.scalar(db.select(db.func.count(SurveyRound.id))) == 0


def test_a_safe_round_code_is_taken_and_the_operation_refuses_others(client, staff):
    from survey_app.operations.rounds import create_round as create_round_op

    province = create_province()
    db.session.commit()
    reply = client.post(
        "/admin/rounds/new",
        data={
            "code": "CCHC_2025-1",
            "province_id": province.id,
            "year": "2025",
            "title": "Đợt thử",
        },
    )
    assert reply.status_code == 302
    with pytest.raises(Refused, match="chữ cái không dấu"):
        create_round_op(province, "Đợt 1", 2025, "", "Đợt thử")


def test_content_disposition_of_any_name():
    from survey_app.downloads import content_disposition

    assert (
        content_disposition("KQ-2025-contract-v1.json")
        == 'attachment; filename="KQ-2025-contract-v1.json"'
    )
    header = content_disposition('Đợt "1"\r\n/../x.csv')
    assert header.startswith(
        "attachment; filename=\"Dot_1_._x.csv\"; filename*=UTF-8''%C4%90%E1%BB%A3t"
    )
    assert "\r" not in header and "\n" not in header and '"1"' not in header
