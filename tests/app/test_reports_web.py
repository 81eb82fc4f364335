"""Issue 13: the documents from the results page (staff), the officials' workbook and per-unit
sheets, and the public page of a published round: what it shows (each unit's index and interval
from the contract, responses, method, the PDF) and what it must not show (free text, small
cells, personal data), its caching, and no page for a round that is not published."""

from __future__ import annotations

import io
import re

import pytest

from survey_app.extensions import db
from tests.builders import create_user, log_in


@pytest.fixture
def demo_round(app_ctx):
    from survey_app.operations.demo import seed_demo

    survey_round = seed_demo()["round"]
    db.session.commit()
    return survey_round


def _publish(survey_round) -> None:
    from survey_app.operations.rounds import change_status

    change_status(survey_round, "closed")
    change_status(survey_round, "published")
    db.session.commit()


def _contract(min_n: int = 30) -> dict:
    from survey_app.operations.demo import demo_round as find
    from survey_app.operations.exports import round_contract

    return round_contract(find(), allow_unpublished=True, min_n=min_n)


def test_results_page_offers_the_documents_and_they_open(demo_round, client):
    import docx
    import openpyxl
    import pypdf
    from test_document_jobs import make_document

    log_in(client, create_user("council"))
    db.session.commit()
    page = client.get(f"/results/{demo_round.code}").get_data(as_text=True)
    assert f'action="/results/{demo_round.code}/documents"' in page
    assert set(re.findall(r'name="document" value="([^"]+)"', page)) == {
        "report.pdf",
        "report.docx",
        "tables.xlsx",
        "unit-sheets.pdf",
    }
    contract = _contract()
    names = [u["name"] for u in contract["units"]]

    word = make_document(client, demo_round.code, "report.docx")[1]
    assert word.status_code == 200 and "attachment" in word.headers["Content-Disposition"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.data)).paragraphs)
    assert "BẢN NHÁP" in text  # an unpublished round's report says so

    sheets = make_document(client, demo_round.code, "unit-sheets.pdf")[1]
    assert sheets.mimetype == "application/pdf"
    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(sheets.data)).pages]
    starts = [next(k for k, p in enumerate(pages) if name in p.split("\n")) for name in names]
    assert len(set(starts)) == len(names)  # every unit starts a page of its own

    book = openpyxl.load_workbook(
        io.BytesIO(make_document(client, demo_round.code, "tables.xlsx")[1].data)
    )
    assert book.sheetnames == ["Sở, ban, ngành", "UBND cấp xã", "Tiêu chí điều tra XHH",
                               "Theo nhóm đối tượng", "Tỷ lệ AAPOR"]
    by_group = list(book["Theo nhóm đối tượng"].iter_rows(values_only=True))
    assert by_group[0][4:7] == ("Nhóm đối tượng", "Điểm của nhóm", "Điểm tối đa")
    parts = [(u["code"], c, g) for u in contract["units"] for c in u["criteria"]
             for g in c["groups"]]
    assert len(by_group) - 1 == len(parts)
    for row, (code, cell, part) in zip(by_group[1:], parts):  # the contract's order, 2 decimals
        assert (row[0], row[2]) == (code, cell["code"])
        assert row[5] == round(part["points"], 2) and row[8] == part["n"]
        assert row[9] == round(cell["points"], 2)
    rows = list(book["Sở, ban, ngành"].iter_rows(values_only=True))
    header = rows[0]
    assert header[:3] == ("Mã đơn vị", "Tên đơn vị", "Chỉ số SIPAS")
    sipas = {
        u["code"]: next(i["share"] for i in u["sipas"] if i["level"] == "overall")
        for u in contract["units"]
    }
    values = [row[2] for row in rows[1:]]
    assert values == sorted(values, reverse=True)  # ranking order (SIPAS without self-assessment)
    for row in rows[1:]:
        assert row[2] == round(sipas[row[0]]["value"], 2) and row[4] == pytest.approx(
            round(sipas[row[0]]["ci_high"], 2)
        )
    assert all("–" in h for h in header[6:])  # criterion code – name


def test_no_public_page_before_publication(demo_round, client):
    assert client.get(f"/cong-khai/{demo_round.code}").status_code == 404
    assert client.get(f"/cong-khai/{demo_round.code}/bao-cao.pdf").status_code == 404


def test_public_page_shows_indices_and_hides_small_cells_text_and_people(demo_round, app, client):
    from survey_app.models import FrameRow, Response

    app.config["SMALL_CELL_N"] = 100  # a threshold some demo units fall under
    _publish(demo_round)
    contract = _contract(min_n=100)
    reply = client.get(f"/cong-khai/{demo_round.code}")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "Set-Cookie" not in reply.headers
    assert reply.headers["Cache-Control"].startswith("public")
    small = shown = 0
    for unit in contract["units"]:
        share = next(i["share"] for i in unit["sipas"] if i["level"] == "overall")
        row = re.search(
            rf"<tr><td>{re.escape(unit['name'])}</td><td>([^<]*)</td><td>([^<]*)</td>", html
        )
        assert row, unit["name"]
        if share["n"] < 100:
            small += 1
            assert row.groups() == ("ô nhỏ, không công bố", "")
            assert f"{share['value']:.2f}".replace(".", ",") not in html
        else:
            shown += 1
            low, high = (f"{share[k]:.2f}".replace(".", ",") for k in ("ci_low", "ci_high"))
            assert row.groups() == (f"{share['value']:.2f}".replace(".", ","), f"{low}–{high}")
    assert small and shown
    assert (
        "Khoảng tin cậy 95% (KTC 95%)" in html
        and f"/cong-khai/{demo_round.code}/bao-cao.pdf" in html
    )

    texts = {
        value
        for answers in db.session.scalars(db.select(Response.answers))
        for value in answers.values()
        if isinstance(value, str) and len(value) > 12
    }
    assert texts and not [t for t in texts if t in html]  # no free text
    phones = [r["phone"] for r in db.session.scalars(db.select(FrameRow.personal).limit(200))]
    assert phones and not [p for p in phones if p in html]  # no personal data
    assert not re.search(r"\b09\d{8}\b", html)

    again = client.get(
        f"/cong-khai/{demo_round.code}", headers={"If-None-Match": reply.headers["ETag"]}
    )
    assert again.status_code == 304
    english = client.get(f"/cong-khai/{demo_round.code}?lang=en").get_data(as_text=True)
    assert "Download the results report (PDF)" in english and "Set-Cookie" not in reply.headers
    assert 'href="/cong-khai/?lang=en"' in english  # back to the list of published rounds
    pdf = client.get(f"/cong-khai/{demo_round.code}/bao-cao.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
