"""The results pages: round results, points lost against last year, and the PAR Index upload.

The figures are the hand-worked ones of test_results_numbers.py and test_index_cli.py.
"""
from __future__ import annotations

import io

import openpyxl
import pytest
from flask_babel import refresh

from tests.builders import create_scored_round, create_user, log_in

# criterion 1.2 of SO-A: 1.2 points of 2, 0.8 fewer than last year (Vietnamese numbers)
LOST_1_2 = ('<tr class="lost"><td data-code="1.2">1.2 Đánh giá của đại biểu</td>'
            '<td>1,200</td><td>2,000</td><td>-0,800</td><td>0,800</td></tr>')


def _login(client, role: str) -> None:
    from survey_app.extensions import db

    user = create_user(role)
    db.session.commit()
    log_in(client, user)


@pytest.fixture
def two_years(app_ctx):
    """KQ-2024 (published; delegates rated SO-A A, A, A) and KQ-2025 (A, B, C and a quarantined
    D)."""
    from survey_app.extensions import db

    last = create_scored_round(status="published", code="KQ-2024", year=2024,
                               delegate_answers=(("A", "A", False), ("A", "A", False),
                                                 ("A", "A", False), ("B", "A", False),
                                                 ("B", "D", False)))
    this = create_scored_round(status="published", code="KQ-2025", year=2025,
                               province=last["province"], units=last["units"])
    db.session.commit()
    return this


def test_pages_need_admin_or_council(client, two_years):
    assert client.get("/results/KQ-2025").status_code == 302
    _login(client, "focal_point")
    assert client.get("/results/KQ-2025").status_code == 403


def test_round_page_shows_points_sipas_and_rates(client, two_years):
    _login(client, "council")
    page = client.get("/results/KQ-2025?min_n=3")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "1,675" in html          # SO-A criterion 8: 4 × the SIPAS share 41.875 %
    assert "1,200" in html and "0,900" in html   # 1.2 without / with the quarantined response
    assert "44,22" in html and "41,88" in html    # SIPAS overall score and share of SO-A
    assert "ô nhỏ" in html                        # XA-B's delegates: 2 answers < 3
    assert "Gắn cờ chất lượng" not in html        # council, and a published round
    assert "Đại biểu HĐND tỉnh" in html and "Đã công bố" in html   # codes shown by their names
    points = html[html.index('id="points"'):]
    assert '<td data-label="Tiêu chí" data-code="1.2">1.2 Đánh giá của đại biểu</td>' in points
    refresh()   # the test's app context outlives requests: forget the cached locale
    english = client.get("/results/KQ-2025?min_n=3&lang=en").get_data(as_text=True)
    refresh()
    assert 'data-code="1.2">1.2 Delegates&#39; rating</td>' in english


def test_unit_page_shows_points_lost_and_xlsx(client, two_years):
    _login(client, "admin")
    page = client.get("/results/KQ-2025/units/SO-A?min_n=3")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "KQ-2024" in html
    assert LOST_1_2 in html
    xlsx = client.get("/results/KQ-2025/units/SO-A?format=xlsx")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.get_data()), read_only=True).worksheets[0]
    rows = list(sheet.values)
    assert rows[0][:2] == ("unit_code", "criterion_code")
    assert rows[1][:2] == ("SO-A", "1.2") and rows[1][5] == pytest.approx(0.8)
    assert len(rows) == 2           # criterion 8 did not lose points


def test_index_upload_combines_or_lists_problems(client, two_years):
    _login(client, "council")
    good = ("unit_code,criterion_code,points,ly_do\nSO-A,1.1,3,\n"
            "XA-B,1.1,không áp dụng,Không phát sinh\n").encode()
    page = client.post("/results/KQ-2025/index", data={"csv_file": (io.BytesIO(good), "tda.csv")},
                       content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "58,75" in html and "50,00" in html and "6,00" in html   # (3 + 1.2 + 1.675) / 10
    bad = b"unit_code,criterion_code,points\nSO-A,1.1,7\nXA-Z,1.1,1\n"
    page = client.post("/results/KQ-2025/index", data={"csv_file": (io.BytesIO(bad), "tda.csv")},
                       content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert 'id="problems"' in html and "<td>2</td>" in html and "<td>3</td>" in html
    assert 'id="par-index"' not in html


def test_index_upload_with_exclusions_and_last_years_results(client, two_years):
    """SO-A is left out of the ranking; last year's CSV gave SO-A 4 of 4 on 1.1, now 3."""
    _login(client, "admin")
    form = client.get("/results/KQ-2025/index").get_data(as_text=True)
    assert 'id="exclusions_file"' in form and 'id="previous_file"' in form
    assert 'id="par-index"' not in form
    good = b"unit_code,criterion_code,points\nSO-A,1.1,3\nXA-B,1.1,2.5\n"
    exclusions = "unit_code,reason\nSO-A,Phát hiện thiếu trung thực\n".encode()
    previous = b"unit_code,criterion_code,points\nSO-A,1.1,4\n"
    page = client.post("/results/KQ-2025/index", content_type="multipart/form-data",
                       data={"csv_file": (io.BytesIO(good), "tda.csv"),
                             "exclusions_file": (io.BytesIO(exclusions), "loai.csv"),
                             "previous_file": (io.BytesIO(previous), "2024.csv")})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="problems"' not in html
    so_a = html[html.index('<tr class="excluded">'):]
    assert so_a.startswith('<tr class="excluded"><td>—</td><td>SO-A</td>')
    so_a = so_a[:so_a.index("</tr>")]
    assert "58,75" in so_a and "Phát hiện thiếu trung thực" in so_a
    lost = html[html.index('id="points-lost"'):]
    assert ('<td data-code="SO-A">Sở A (SO-A)</td><td data-code="1.1">1.1 Kế hoạch</td>'
            '<td>3,00</td><td>4,00</td><td>-1,00</td><td>1,00</td>') in lost
    below = html[html.index('id="below-max"'):html.index('id="points-lost"')]
    assert ('<td data-code="XA-B">Xã B (XA-B)</td><td data-code="1.1">1.1 Kế hoạch</td>'
            '<td>2,50</td><td>4,00</td><td>1,50</td>') in below
    bad = client.post("/results/KQ-2025/index", content_type="multipart/form-data",
                      data={"csv_file": (io.BytesIO(good), "tda.csv"),
                            "exclusions_file": (io.BytesIO(b"unit_code,reason\nSO-A,\n"),
                                                "loai.csv")})
    html = bad.get_data(as_text=True)
    assert 'id="problems"' in html and "Tệp đơn vị không xếp hạng" in html and "SO-A" in html


def test_admin_applies_quality_flags_to_an_unpublished_round(client, app_ctx):
    from survey_app.extensions import db
    from survey_app.models import Response

    create_scored_round(status="closed", code="KQ-DONG")
    db.session.commit()
    _login(client, "admin")
    assert "Gắn cờ chất lượng" in client.get("/results/KQ-DONG").get_data(as_text=True)
    before = db.session.scalar(db.select(db.func.count(Response.id)))
    response = client.post("/results/KQ-DONG/quality")
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count(Response.id))) == before


def test_round_without_responses_or_pack(client, app_ctx):
    from questionnaires.packs import load_pack
    from survey_app.extensions import db
    from survey_app.operations.documents import publish_pack
    from tests.builders import RESULTS_PACK, create_round

    pack = publish_pack(load_pack(RESULTS_PACK), RESULTS_PACK)
    create_round(status="published", code="KQ-TRONG", methodology_pack_id=pack.id)
    create_round(status="open", code="KQ-KHONG-BO")
    db.session.commit()
    _login(client, "admin")
    page = client.get("/results/KQ-TRONG")
    assert page.status_code == 200 and "0 phiếu" in page.get_data(as_text=True)
    export = client.get("/api/v1/rounds/KQ-TRONG/export?format=json")
    assert export.status_code == 200 and export.get_json()["units"] == []
    missing = client.get("/results/KQ-KHONG-BO", follow_redirects=True)
    assert "chưa gắn bộ phương pháp" in missing.get_data(as_text=True)
    listing = client.get("/results/").get_data(as_text=True)
    assert "KQ-TRONG" in listing and "KQ-KHONG-BO" in listing


def test_points_lost_follow_a_merged_unit(client, app_ctx):
    """Last year SO-CU was rated (delegates A, A, A → 1.2 scores 2.0); it merged into SO-A,
    whose 2025 points (1.2) are therefore compared with SO-CU's."""
    import datetime as dt

    from survey_app.extensions import db
    from survey_app.models import UnitSuccession
    from tests.builders import create_province, create_unit

    province = create_province()
    old = create_unit(province, code="SO-CU", name="Sở Cũ", unit_type="agency")
    unit_a = create_unit(province, code="SO-A", name="Sở A", unit_type="agency")
    unit_b = create_unit(province, code="XA-B", name="Xã B", unit_type="commune")
    create_scored_round(status="published", code="KQ-2024", year=2024, province=province,
                        units=(old, unit_b),
                        delegate_answers=(("A", "A", False), ("A", "A", False), ("A", "A", False)))
    create_scored_round(status="published", code="KQ-2025", year=2025, province=province,
                        units=(unit_a, unit_b))
    db.session.add(UnitSuccession(predecessor_id=old.id, successor_id=unit_a.id,
                                  effective_on=dt.date(2025, 7, 1)))
    db.session.commit()
    _login(client, "council")
    html = client.get("/results/KQ-2025/units/SO-A").get_data(as_text=True)
    assert LOST_1_2 in html
