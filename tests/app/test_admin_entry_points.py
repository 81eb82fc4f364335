"""QR entry points: create, revoke, PNG and SVG downloads that decode, A4 posters with inline
SVG."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
import zlib
from types import SimpleNamespace

import pytest
from builders import (
    create_province,
    create_questionnaire,
    create_round,
    create_unit,
    create_user,
    log_in,
)

from survey_app.extensions import db
from survey_app.models import AuditEvent, EntryPoint
from survey_app.operations.posters import qr_matrix, qr_png
from survey_app.operations.rounds import set_rating_cell

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def world(app_ctx, client):
    province = create_province()
    unit = create_unit(province, code="BPMC", name="Bộ phận Một cửa Sở Tư pháp")
    survey_round = create_round(status="open", province=province)
    questionnaire = create_questionnaire()
    set_rating_cell(survey_round, "citizen", "agency", questionnaire, 30)
    admin = create_user("admin")
    db.session.commit()
    log_in(client, admin)
    base = f"/admin/rounds/{survey_round.id}/entry-points"
    reply = client.post(  # the questionnaire comes from the matrix
        base,
        data={"unit_id": unit.id, "counter": "Quầy số 3", "respondent_group": "citizen"},
    )
    assert reply.status_code == 302, reply.get_data(as_text=True)
    entry = db.session.scalar(db.select(EntryPoint))
    return SimpleNamespace(round=survey_round, unit=unit, entry=entry, base=base)


def decode_png(data: bytes) -> tuple[int, int, list[list[int]]]:
    """Width, height and pixel rows of a 1-bit greyscale PNG (an independent minimal reader)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, header = 8, b"", None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        payload = data[position + 8 : position + 8 + length]
        crc = struct.unpack(">I", data[position + 8 + length : position + 12 + length])[0]
        assert crc == zlib.crc32(kind + payload) & 0xFFFFFFFF
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", payload)
        elif kind == b"IDAT":
            idat += payload
        position += 12 + length
    width, height, depth, colour = header[:4]
    assert (depth, colour) == (1, 0)
    raw = zlib.decompress(idat)
    stride = (width + 7) // 8 + 1
    rows = []
    for y in range(height):
        line = raw[y * stride : (y + 1) * stride]
        assert line[0] == 0
        bits = "".join(f"{byte:08b}" for byte in line[1:])[:width]
        rows.append([int(b) for b in bits])
    return width, height, rows


def test_png_download_is_a_valid_png_of_the_entry_link(client, world):
    reply = client.get(f"{world.base}/{world.entry.id}/qr.png")
    assert reply.status_code == 200 and reply.mimetype == "image/png"
    width, height, pixels = decode_png(reply.data)
    matrix = qr_matrix(f"http://localhost/s/{world.entry.code}")
    scale = width // len(matrix)
    assert width == height == len(matrix) * scale
    assert all(
        pixels[y * scale][x * scale] == (0 if matrix[y][x] else 1)
        for y in range(len(matrix))
        for x in range(len(matrix))
    )
    assert matrix[4][4] and not matrix[0][0]  # finder pattern corner inside a white quiet zone


def test_svg_download_parses_and_scales(client, world):
    reply = client.get(f"{world.base}/{world.entry.id}/qr.svg")
    assert reply.status_code == 200 and reply.mimetype == "image/svg+xml"
    root = ET.fromstring(reply.data)
    assert root.tag == f"{SVG}svg" and root.get("viewBox")
    assert root.find(f"{SVG}path") is not None


def test_poster_is_an_a4_page_with_unit_name_instruction_and_inline_qr(client, world):
    page = client.get(f"{world.base}/{world.entry.id}/poster").get_data(as_text=True)
    assert "/static/print.css" in page and "Bộ phận Một cửa Sở Tư pháp" in page
    assert "Quầy số 3" in page
    with client.get("/static/print.css") as css:  # the A4 layout, not inline: the CSP forbids it
        assert "size: A4" in css.get_data(as_text=True)
    assert "Quét mã QR" in page and f"/s/{world.entry.code}" in page
    svg = page[page.index("<svg") : page.index("</svg>") + 6]
    assert ET.fromstring(svg).get("width") == "120mm"


def test_revoked_entry_points_leave_the_poster_sheet(client, world, app_ctx):
    second = client.post(
        world.base,
        data={
            "unit_id": world.unit.id,
            "counter": "Quầy số 4",
            "respondent_group": "citizen",
        },
    )
    assert second.status_code == 302
    assert client.get(f"{world.base}/posters").get_data(as_text=True).count("<svg") == 2
    client.post(f"{world.base}/{world.entry.id}/revoke")
    db.session.expire_all()
    assert db.session.get(EntryPoint, world.entry.id).revoked is True
    sheet = client.get(f"{world.base}/posters").get_data(as_text=True)
    assert sheet.count("<svg") == 1 and "Quầy số 4" in sheet and "Quầy số 3" not in sheet
    actions = db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("entry_point.create") == 2 and "entry_point.revoke" in actions


def test_entry_point_for_another_province_is_refused(client, world, app_ctx):
    stranger = create_unit(create_province(), code="OTHER")
    db.session.commit()
    reply = client.post(
        world.base,
        data={
            "unit_id": stranger.id,
            "counter": "",
            "respondent_group": "citizen",
        },
    )
    assert reply.status_code == 400
    assert db.session.scalar(db.select(db.func.count(EntryPoint.id))) == 1


def test_qr_png_rejects_empty_content():
    with pytest.raises(ValueError, match="QR"):
        qr_png("")
