"""Frame upload: every row error shown, nothing stored on error, personal columns kept apart, XLSX too."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from builders import (
    create_province,
    create_round,
    create_unit,
    create_user,
    log_in,
    sipas_frame_csv,
)
from openpyxl import Workbook

from survey_app.extensions import db
from survey_app.models import AuditEvent, FrameRow, SampleFrame


@pytest.fixture
def world(app_ctx):
    province = create_province()
    units = [create_unit(province, code=code, name=f"Sở {code}") for code in ("SNV", "STP", "SXD")]
    survey_round = create_round(status="draft", province=province)
    admin = create_user("admin")
    db.session.commit()
    return SimpleNamespace(province=province, units=units, round=survey_round, admin=admin)


def upload(
    client, world, data: bytes, filename: str = "frame.csv", kind: str = "sipas_dossiers", **headers
):
    return client.post(
        f"/admin/rounds/{world.round.id}/frames/upload",
        data={"kind": kind, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        headers=headers,
    )


def counts():
    return (
        db.session.scalar(db.select(db.func.count(SampleFrame.id))),
        db.session.scalar(db.select(db.func.count(FrameRow.id))),
    )


def test_good_csv_is_stored_with_personal_data_apart(client, world):
    log_in(client, world.admin)
    reply = upload(client, world, sipas_frame_csv(["SNV", "STP"], [3, 2]))
    assert reply.status_code == 302
    frame = db.session.scalar(db.select(SampleFrame))
    assert frame.row_count == 5 and len(frame.content_hash) == 64
    rows = db.session.scalars(db.select(FrameRow).order_by(FrameRow.row_number)).all()
    assert [r.row_number for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].design == {
        "dossier_id": "HS0000001",
        "unit_code": "SNV",
        "procedure": "Cấp giấy phép",
        "completed_date": "2025-08-15",
    }
    assert rows[0].personal == {"name": "Người dân 1", "phone": "0900000001"}
    assert rows[3].unit_id == world.units[1].id and rows[3].stratum == "STP"
    assert (
        db.session.scalar(db.select(AuditEvent).filter_by(action="frame.import")).detail["rows"]
        == 5
    )
    page = client.get(reply.headers["Location"]).get_data(as_text=True)
    assert frame.content_hash in page and "Người dân 1" not in page  # the frame page shows no names


def test_bad_frame_reports_every_row_and_stores_nothing(client, world):
    log_in(client, world.admin)
    bad = (
        sipas_frame_csv(["SNV"], 3).decode()
        + "HS0000002,SNV,Cấp giấy phép,15/08/2025,,\n"  # row 5: duplicate dossier id
        + "HS0000009,XXX,Cấp giấy phép,15/08/2025,,\n"  # row 6: unknown unit code
        + "HS0000010,STP,Cấp giấy phép,31/02/2025,,\n"
    )  # row 7: impossible date
    reply = upload(client, world, bad.encode())
    assert reply.status_code == 400
    html = reply.get_data(as_text=True)
    assert "3 lỗi" in html and "chưa được nhập" in html
    for row, text in (
        (5, "trùng với dòng 3"),
        (6, "Mã đơn vị “XXX”"),
        (7, "không phải là ngày hợp lệ"),
    ):
        assert f'<td class="num">{row}</td>' in html and text in html
    assert counts() == (0, 0)


def test_unreadable_files_are_refused_in_vietnamese(client, world):
    log_in(client, world.admin)
    reply = upload(client, world, b"\x00\x01binary", filename="frame.pdf")
    assert reply.status_code == 400 and "Chỉ nhận tệp .csv hoặc .xlsx" in reply.get_data(
        as_text=True
    )
    reply = upload(client, world, b"not a zip", filename="frame.xlsx")
    assert reply.status_code == 400 and "không phải bảng tính Excel" in reply.get_data(as_text=True)
    reply = upload(
        client,
        world,
        "mã hồ sơ\nX\n".encode("cp1258", errors="replace") + b"\xff\xfe",
        filename="frame.csv",
    )
    assert reply.status_code == 400 and "UTF-8" in reply.get_data(as_text=True)
    assert counts() == (0, 0)


def test_xlsx_frame_gives_the_same_hash_as_csv(client, world):
    log_in(client, world.admin)
    csv_bytes = sipas_frame_csv(["SNV", "SXD"], 2)
    book = Workbook()
    sheet = book.active
    for line in csv_bytes.decode().splitlines():
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    assert upload(client, world, buffer.getvalue(), filename="frame.xlsx").status_code == 302
    assert upload(client, world, csv_bytes).status_code == 302
    hashes = db.session.scalars(db.select(SampleFrame.content_hash)).all()
    assert len(hashes) == 2 and hashes[0] == hashes[1]


def test_xhr_upload_answers_json_for_the_progress_page(client, world):
    log_in(client, world.admin)
    good = upload(client, world, sipas_frame_csv(["SNV"], 2), X_Requested_With="XMLHttpRequest")
    assert good.status_code == 200 and good.get_json()["ok"] is True
    assert good.get_json()["redirect"].startswith(f"/admin/rounds/{world.round.id}/frames/")
    bad = upload(client, world, b"ma_ho_so\nA\n", X_Requested_With="XMLHttpRequest")
    assert bad.status_code == 400 and bad.get_json()["ok"] is False
    assert "Thiếu cột bắt buộc" in bad.get_json()["html"]
    assert counts() == (1, 2)


def test_purging_personal_data_keeps_design_columns(client, world):
    log_in(client, world.admin)
    reply = upload(client, world, sipas_frame_csv(["SNV"], 2))
    frame_url = reply.headers["Location"]
    client.post(frame_url + "/purge", data={"confirm": "yes"})
    db.session.expire_all()
    rows = db.session.scalars(db.select(FrameRow)).all()
    assert all(r.personal is None for r in rows) and all(
        r.design["unit_code"] == "SNV" for r in rows
    )
    assert db.session.scalar(db.select(SampleFrame)).personal_data_purged_at is not None
