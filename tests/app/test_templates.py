"""Templates in the web (issue 12): the frame upload page's XLSX template and the PAR Index page's
self-assessment template, each downloaded, filled and uploaded back as it is."""
from __future__ import annotations

import io
from types import SimpleNamespace

import openpyxl
import pytest
from builders import create_province, create_round, create_scored_round, create_unit, create_user
from builders import log_in

from survey_app.extensions import db
from survey_app.models import FrameRow, SampleFrame


@pytest.fixture
def frame_world(app_ctx):
    province = create_province()
    units = [create_unit(province, code=code, name=f"Sở {code}") for code in ("SNV", "STP")]
    survey_round = create_round(status="draft", province=province)
    admin = create_user("admin")
    db.session.commit()
    return SimpleNamespace(round=survey_round, units=units, admin=admin)


def _workbook(reply) -> openpyxl.Workbook:
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert reply.mimetype.endswith("spreadsheetml.sheet")
    return openpyxl.load_workbook(io.BytesIO(reply.get_data()))


def _saved(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_frame_page_names_the_columns_in_vietnamese_and_links_the_template(client, frame_world):
    log_in(client, frame_world.admin)
    html = client.get(f"/admin/rounds/{frame_world.round.id}/frames/upload").get_data(as_text=True)
    assert "Mã hồ sơ" in html and "Ngày trả kết quả" in html and "Số điện thoại" in html
    assert "Không bắt buộc" in html   # name and phone may be left out
    assert f"/admin/rounds/{frame_world.round.id}/frames/template/sipas_dossiers.xlsx" in html


def test_frame_template_filled_with_two_rows_uploads_as_it_is(client, frame_world):
    log_in(client, frame_world.admin)
    base = f"/admin/rounds/{frame_world.round.id}/frames"
    book = _workbook(client.get(f"{base}/template/sipas_dossiers.xlsx"))
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers == ["Mã hồ sơ", "Mã đơn vị", "Tên thủ tục", "Ngày trả kết quả", "Họ và tên",
                       "Số điện thoại", "Thư điện tử"]
    assert sheet.max_row == 1 and book.sheetnames[1] == "huong-dan"
    sheet.append(["HS-1", "SNV", "Cấp giấy phép", "15/08/2025", "Nguyễn Văn A", "0900000001"])
    sheet.append(["HS-2", "STP", "Đăng ký hộ tịch", "16/08/2025", None, None])
    reply = client.post(f"{base}/upload", content_type="multipart/form-data",
                        data={"kind": "sipas_dossiers",
                              "file": (io.BytesIO(_saved(book)), "khung.xlsx")})
    assert reply.status_code == 302, reply.get_data(as_text=True)
    frame = db.session.scalar(db.select(SampleFrame))
    assert frame.row_count == 2
    rows = db.session.scalars(db.select(FrameRow).order_by(FrameRow.row_number)).all()
    assert rows[0].design == {"dossier_id": "HS-1", "unit_code": "SNV",
                              "procedure": "Cấp giấy phép", "completed_date": "2025-08-15"}
    assert rows[0].personal == {"name": "Nguyễn Văn A", "phone": "0900000001"}
    assert rows[1].unit_id == frame_world.units[1].id


@pytest.mark.parametrize(("kind", "row"), [
    ("officials", ["CB-1", "SNV", "Đại biểu", "Trần Thị B", "0900000002", "b@example.vn"]),
    ("communes", ["SNV", "Xã Một", 12000]),
])
def test_every_frame_template_reads_back_as_it_is(client, frame_world, kind, row):
    from sampling.frames import validate_frame

    from survey_app.operations.frames import FRAME_SPECS, read_upload

    log_in(client, frame_world.admin)
    reply = client.get(f"/admin/rounds/{frame_world.round.id}/frames/template/{kind}.xlsx")
    book = _workbook(reply)
    book.worksheets[0].append(row)
    check = validate_frame(read_upload("mau.xlsx", _saved(book)), FRAME_SPECS[kind])
    assert check.ok and not check.ignored_columns and check.row_count == 1


def test_an_unknown_frame_kind_has_no_template(client, frame_world):
    log_in(client, frame_world.admin)
    reply = client.get(f"/admin/rounds/{frame_world.round.id}/frames/template/khac.xlsx")
    assert reply.status_code == 404


@pytest.fixture
def scored(app_ctx):
    round_ = create_scored_round(status="published", code="KQ-2025", year=2025)
    admin = create_user("admin")
    db.session.commit()
    return SimpleNamespace(round=round_["round"], admin=admin)


def test_self_assessment_template_lists_every_self_criterion_for_every_unit(client, scored):
    from analysis.combiner import scoring_nodes

    from survey_app.operations.analysis_run import load_round_pack
    from survey_app.models import Unit

    log_in(client, scored.admin)
    html = client.get("/results/KQ-2025/index").get_data(as_text=True)
    assert "/results/KQ-2025/index/self-assessment.xlsx" in html
    rows = list(_workbook(client.get("/results/KQ-2025/index/self-assessment.xlsx"))
                .worksheets[0].values)
    assert rows[0] == ("Mã đơn vị", "Tên đơn vị", "Mã tiêu chí", "Tên tiêu chí", "Điểm tối đa",
                       "Điểm", "Lý do")
    nodes = [n for n in scoring_nodes(load_round_pack(scored.round)) if n.assessment == "self"]
    units = db.session.scalars(db.select(Unit)).all()   # SO-A and XA-B; no matrix: every unit
    wanted = {(u.code, n.code) for u in units for n in nodes
              if n.applies(u.unit_type, 2025)}
    assert wanted and {(r[0], r[2]) for r in rows[1:]} == wanted
    assert len(rows) - 1 == len(wanted)
    assert all(r[5] is None and r[4] > 0 for r in rows[1:])


def test_self_assessment_template_filled_is_read_back_by_the_index_page(client, scored):
    log_in(client, scored.admin)
    book = _workbook(client.get("/results/KQ-2025/index/self-assessment.xlsx"))
    sheet = book.worksheets[0]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "SO-A":
            row[5].value = 3
        else:
            row[5].value, row[6].value = "không áp dụng", "Không phát sinh"
    page = client.post("/results/KQ-2025/index", content_type="multipart/form-data",
                       data={"csv_file": (io.BytesIO(_saved(book)), "tu-danh-gia.xlsx")})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="problems"' not in html
    assert 'id="par-index"' in html and "58,75" in html   # as the CSV of test_results_pages


def test_self_assessment_template_left_empty_lists_a_problem_per_row(client, scored):
    log_in(client, scored.admin)
    empty = client.get("/results/KQ-2025/index/self-assessment.xlsx").get_data()
    rows = openpyxl.load_workbook(io.BytesIO(empty)).worksheets[0].max_row - 1
    page = client.post("/results/KQ-2025/index", content_type="multipart/form-data",
                       data={"csv_file": (io.BytesIO(empty), "tu-danh-gia.xlsx")})
    html = page.get_data(as_text=True)
    assert 'id="par-index"' not in html
    assert html.count("không phải là số") == rows


def test_every_frame_column_has_a_vietnamese_heading_and_meaning():
    """A column added to a frame kind must get its heading and meaning here, or the template and
    the upload page would show its code."""
    from survey_app.operations.frame_templates import HEADINGS, MEANINGS
    from survey_app.operations.frames import FRAME_SPECS

    missing = [(kind, column.name) for kind, spec in FRAME_SPECS.items()
               for column in spec.columns
               if (kind, column.name) not in HEADINGS or (kind, column.name) not in MEANINGS]
    assert not missing
