"""Uploaded frames are bounded before they are parsed (issue 14): decompression bombs, too many
rows, an error on every row and oversized cells are refused with a sentence, nothing is stored
and the error page stays small."""

from __future__ import annotations

import io
import re
import zipfile
from types import SimpleNamespace

import pytest
from flask_babel import refresh
from openpyxl import Workbook

from sampling.frames import MAX_ERRORS, SIPAS_DOSSIERS, read_csv_rows, validate_frame
from survey_app.extensions import db
from survey_app.models import FrameRow, SampleFrame
from tests.builders import (
    create_province,
    create_round,
    create_unit,
    create_user,
    log_in,
    sipas_frame_csv,
)


@pytest.fixture
def world(client, app_ctx):
    province = create_province()
    unit = create_unit(province, code="SNV", name="Sở Nội vụ")
    survey_round = create_round(status="draft", province=province)
    admin = create_user("admin")
    db.session.commit()
    log_in(client, admin)
    return SimpleNamespace(round=survey_round, unit=unit)


def upload(client, world, data: bytes, filename: str = "frame.csv", **headers):
    return client.post(
        f"/admin/rounds/{world.round.id}/frames/upload",
        data={"kind": "sipas_dossiers", "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        headers=headers,
    )


def stored() -> tuple[int, int]:
    db.session.rollback()
    return (
        db.session.scalar(db.select(db.func.count(SampleFrame.id))),
        db.session.scalar(db.select(db.func.count(FrameRow.id))),
    )


def bomb(unpacked_bytes: int) -> bytes:
    """A valid workbook whose sheet is ``unpacked_bytes`` of identical rows (compressing ~1000×)."""
    workbook = Workbook()
    workbook.active.append(["ma_ho_so", "ma_don_vi", "thu_tuc", "ngay_tra_ket_qua"])
    plain = io.BytesIO()
    workbook.save(plain)
    source = zipfile.ZipFile(io.BytesIO(plain.getvalue()))
    row = (
        b"<row>"
        + b"".join(
            b'<c t="inlineStr"><is><t>%s</t></is></c>' % v
            for v in (b"HS1", b"ZZ", b"Thu tuc", b"x")
        )
        + b"</row>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info, source.read(info.filename))
                continue
            with target.open(info.filename, "w") as sheet:
                sheet.write(
                    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                    b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                )
                chunk = row * 1000
                for _ in range(unpacked_bytes // len(chunk)):
                    sheet.write(chunk)
                sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def test_a_decompression_bomb_is_refused_before_it_is_parsed(client, world):
    data = bomb(40 * 1024 * 1024)
    assert len(data) < 200 * 1024
    reply = upload(client, world, data, "bom.xlsx")
    assert reply.status_code == 400
    assert "giải nén ra 40 MB" in reply.get_data(as_text=True)
    refresh()  # the test's app context keeps the first request's locale otherwise
    english = client.post(  # the refusal in the page's language
        f"/admin/rounds/{world.round.id}/frames/upload?lang=en",
        data={"kind": "sipas_dossiers", "file": (io.BytesIO(data), "bom.xlsx")},
        content_type="multipart/form-data",
    )
    assert english.status_code == 400 and "unpacks to 40 MB" in english.get_data(as_text=True)
    assert stored() == (0, 0)


def test_the_unpacked_limit_is_a_setting(client, world, app):
    workbook = Workbook()
    workbook.active.append(["ma_ho_so", "ma_don_vi", "thu_tuc", "ngay_tra_ket_qua"])
    for i in range(3000):
        workbook.active.append([f"HS{i:07d}", "SNV", f"Thủ tục số {i} " + "x" * 200, "15/08/2025"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    app.config["UPLOAD_MAX_UNPACKED_BYTES"] = 256 * 1024
    reply = upload(client, world, buffer.getvalue(), "khung.xlsx")
    assert reply.status_code == 400 and "0 MB" in reply.get_data(as_text=True)
    assert stored() == (0, 0)
    app.config["UPLOAD_MAX_UNPACKED_BYTES"] = 100 * 1024 * 1024
    assert upload(client, world, buffer.getvalue(), "khung.xlsx").status_code == 302
    assert stored() == (1, 3000)


def test_too_many_rows_stop_the_reading(client, world, app):
    app.config["UPLOAD_MAX_ROWS"] = 50
    reply = upload(client, world, sipas_frame_csv(["SNV"], 51))
    assert reply.status_code == 400
    page = reply.get_data(as_text=True)
    assert "hơn 50 dòng" in page and "more than 50 data rows" in page
    assert stored() == (0, 0)
    assert upload(client, world, sipas_frame_csv(["SNV"], 50)).status_code == 302
    assert stored() == (1, 50)


def test_an_error_on_every_row_shows_the_first_errors_and_counts_the_rest(client, world):
    # the body stays under 500 KB, which the test client would spool to a file it never closes
    rows = 700
    csv_text = "ma_ho_so,ma_don_vi,thu_tuc,ngay_tra_ket_qua\n" + "".join(
        f"HS{i:07d},ZZ-{'Q' * 500},Cấp phép,32/13/2025\n" for i in range(rows)
    )
    reply = upload(client, world, csv_text.encode())
    assert reply.status_code == 400
    page = reply.get_data(as_text=True)
    assert page.count('<td class="num">') == MAX_ERRORS
    total = 2 * rows
    assert f"Khung mẫu có {total:,} lỗi nên chưa được nhập" in page
    assert (
        f"và {total - MAX_ERRORS:,} lỗi khác" in page
        and f"and {total - MAX_ERRORS:,} more errors" in page
    )
    assert "Q" * 61 not in page  # quoted cell values are cut
    assert len(page) < 100_000
    assert stored() == (0, 0)
    # the same through the progress-bar (XHR) path
    reply = upload(client, world, csv_text.encode(), **{"X-Requested-With": "XMLHttpRequest"})
    assert (
        reply.status_code == 400
        and reply.get_json()["html"].count('<td class="num">') == MAX_ERRORS
    )


def test_validate_frame_keeps_the_first_errors_and_counts_all():
    text = "ma_ho_so,ma_don_vi,thu_tuc,ngay_tra_ket_qua\n" + "".join(
        f"HS{i},ZZ,x,bad\n" for i in range(300)
    )
    check = validate_frame(
        read_csv_rows(text), SIPAS_DOSSIERS, known_unit_codes=["SNV"], max_errors=7
    )
    assert (
        not check.ok
        and len(check.errors) == 7
        and check.error_count == 600
        and check.more_errors == 593
    )
    assert [e.row for e in check.errors] == [2, 2, 3, 3, 4, 4, 5]
    assert check.rows == () and check.content_hash is None


def test_a_cell_beyond_the_csv_field_limit_is_a_sentence(client, world):
    data = (
        'ma_ho_so,ma_don_vi,thu_tuc,ngay_tra_ket_qua\nHS1,SNV,"' + "x" * 200_000 + '",15/08/2025\n'
    ).encode()
    reply = upload(client, world, data)
    assert reply.status_code == 400
    assert re.search(r"CSV bị lỗi định dạng ở dòng \d+", reply.get_data(as_text=True))
    assert stored() == (0, 0)


def test_an_upload_over_the_upload_limit_is_413_with_a_sentence(client, world, app):
    app.config["MAX_UPLOAD_BYTES"] = 100_000
    reply = upload(client, world, sipas_frame_csv(["SNV"], 3000))
    assert reply.status_code == 413
    assert "quá lớn" in reply.get_data(as_text=True)
    assert stored() == (0, 0)


def test_control_characters_leave_the_file_name(client, world):
    assert (
        upload(client, world, sipas_frame_csv(["SNV"], 3), "khung\x00\x1b.csv").status_code == 302
    )
    assert db.session.scalar(db.select(SampleFrame.filename)) == "khung.csv"


def test_an_xlsform_bomb_is_refused_before_it_is_opened(tmp_path):
    from questionnaires.problems import QuestionnaireError
    from questionnaires.xlsform import read_xlsform

    path = tmp_path / "form.xlsx"
    path.write_bytes(bomb(25 * 1024 * 1024))
    with pytest.raises(QuestionnaireError) as caught:
        read_xlsform(path)
    assert "25 MB" in caught.value.problems[0].message_vi
    assert "too large for an XLSForm" in caught.value.problems[0].message_en
