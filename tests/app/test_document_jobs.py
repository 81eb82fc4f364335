"""Issue 18: a round's documents (report PDF and Word, officials' workbook, unit sheets) are built
by a background job like an export: the results page starts it, the export progress page follows
it and serves the file kept in the database; the same file as the direct renderer, its draft name
and language, a refusal in both languages, and who may start and fetch it."""
from __future__ import annotations

import io
import re

import pytest
from flask_babel import refresh
from test_export_jobs import wait_for

from survey_app.extensions import db
from survey_app.models import ExportJob
from survey_app.operations.reports import report_sources
from survey_app.reports.render import render_document
from tests.builders import (
    create_round,
    create_scored_round,
    create_user,
    log_in,
    published_round_as_council,
)


def start_document(client, code: str, name: str, lang: str = "vi") -> int:
    reply = client.post(f"/results/{code}/documents", data={"document": name, "lang": lang})
    assert reply.status_code == 302, reply.get_data(as_text=True)
    return int(re.search(rf"/results/{code}/exports/(\d+)$", reply.headers["Location"]).group(1))


def make_document_of(client, job_id: int):
    """Wait for the document job, download its file: (the job's status, the download reply)."""
    status = wait_for(client, job_id, timeout=600)
    assert status["status"] == "done", status
    return status, client.get(f"/api/v1/exports/{job_id}/download")


def make_document(client, code: str, name: str, lang: str = "vi"):
    """A document started from the results page's form, waited for and downloaded."""
    return make_document_of(client, start_document(client, code, name, lang))


def stable_content(name: str, data: bytes):
    """What of a document does not depend on when it was made: the text of a Word file's
    paragraphs and tables, every cell of a workbook, a PDF's page count and its pages' text."""
    if name.endswith(".docx"):
        import docx

        document = docx.Document(io.BytesIO(data))
        return ([p.text for p in document.paragraphs],
                [[cell.text for row in table.rows for cell in row.cells]
                 for table in document.tables])
    if name.endswith(".xlsx"):
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(data))
        return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}
    import pypdf

    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


@pytest.fixture
def council(client, app_ctx):
    return published_round_as_council(client)


@pytest.mark.parametrize("name, lang", [("report.docx", "vi"), ("tables.xlsx", "en"),
                                        ("report.pdf", "en"), ("unit-sheets.pdf", "vi")])
def test_the_job_makes_the_direct_renderers_file(client, council, name, lang):
    job_id = start_document(client, "KQ-2025", name, lang)
    page = client.get(f"/results/KQ-2025/exports/{job_id}").get_data(as_text=True)
    assert 'role="progressbar"' in page and name in page
    status, download = make_document_of(client, job_id)
    direct = render_document(name, report_sources(council["round"]), lang)
    assert status["filename"] == direct.filename and f"-{lang}." in direct.filename
    assert (status["document"], status["lang"], status["step"]) == (name, lang, 2)
    assert download.status_code == 200 and download.mimetype == direct.mimetype
    assert "attachment" in download.headers["Content-Disposition"]
    assert stable_content(name, download.data) == stable_content(name, direct.content)
    done = client.get(f"/results/KQ-2025/exports/{job_id}").get_data(as_text=True)
    assert f"/api/v1/exports/{job_id}/download" in done and 'http-equiv="refresh"' not in done


def test_an_unpublished_round_gives_a_draft(client, app_ctx):
    import docx

    create_scored_round(status="closed")
    log_in(client, create_user("admin"))
    db.session.commit()
    status, download = make_document(client, "KQ-2025", "report.docx", "en")
    assert status["filename"] == "KQ-2025-bao-cao-ket-qua-en-draft.docx"
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(download.data)).paragraphs)
    assert "DRAFT" in text


def test_a_refusal_is_shown_in_both_languages(client, app_ctx):
    create_round(status="closed", code="TRONG-2025")  # no methodology pack: no contract
    log_in(client, create_user("council"))
    db.session.commit()
    job_id = start_document(client, "TRONG-2025", "report.pdf")
    status = wait_for(client, job_id)
    assert status["status"] == "failed"
    assert "TRONG-2025 chưa gắn bộ phương pháp" in status["message_vi"]
    assert "TRONG-2025" in status["message_en"] and "chưa" not in status["message_en"]
    page = client.get(f"/results/TRONG-2025/exports/{job_id}").get_data(as_text=True)
    assert status["message_vi"] in page
    refresh()  # the test's app context keeps the first page's locale otherwise
    english = client.get(f"/results/TRONG-2025/exports/{job_id}?lang=en").get_data(as_text=True)
    assert status["message_en"] in english
    assert client.get(f"/api/v1/exports/{job_id}/download").status_code == 409


def test_the_results_page_and_a_document_link_only_offer_a_button(client, council):
    page = client.get("/results/KQ-2025?lang=en").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/results/KQ-2025/documents".*?</form>', page,
                     re.S).group(0)
    assert set(re.findall(r'name="document" value="([^"]+)"', form)) == {
        "report.pdf", "report.docx", "tables.xlsx", "unit-sheets.pdf"}
    assert 'name="csrf_token"' in form or "csrf" not in form  # CSRF is off in the tests' config
    assert '<option selected value="en">' in form
    link = client.get("/results/KQ-2025/documents/tables.xlsx?lang=en")
    assert link.status_code == 200 and link.mimetype == "text/html"
    assert 'name="document" value="tables.xlsx"' in link.get_data(as_text=True)
    assert client.get("/results/KQ-2025/documents/other.pdf").status_code == 404
    assert db.session.scalar(db.select(db.func.count(ExportJob.id))) == 0  # links make nothing
    reply = client.post("/results/KQ-2025/documents", data={"document": "other.pdf"})
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/results/KQ-2025")
    assert db.session.scalar(db.select(db.func.count(ExportJob.id))) == 0


@pytest.mark.parametrize("role", ["focal_point", "interviewer"])
def test_only_admins_and_council_start_and_fetch_documents(app, client, council, role):
    job_id = start_document(client, "KQ-2025", "tables.xlsx")
    assert wait_for(client, job_id)["status"] == "done"
    other = app.test_client()
    assert other.post("/results/KQ-2025/documents",
                      data={"document": "tables.xlsx"}).status_code == 302  # to the login page
    assert other.get(f"/api/v1/exports/{job_id}/download").status_code == 401
    log_in(other, create_user(role))
    db.session.commit()
    assert other.post("/results/KQ-2025/documents",
                      data={"document": "tables.xlsx"}).status_code == 403
    assert other.get("/results/KQ-2025/documents/tables.xlsx").status_code == 403
    assert other.get(f"/results/KQ-2025/exports/{job_id}").status_code == 403
    assert other.get(f"/api/v1/exports/{job_id}/download").status_code == 403
    assert db.session.scalar(db.select(db.func.count(ExportJob.id))) == 1


def test_a_document_job_whose_worker_died_asks_for_the_document_again(client, council):
    import datetime as dt

    job = ExportJob(round_id=council["round"].id, format="pdf", document="report.pdf", lang="vi",
                    status="running", updated_at=dt.datetime(2025, 1, 1),
                    created_at=dt.datetime(2025, 1, 1))
    db.session.add(job)
    db.session.commit()
    status = client.get(f"/api/v1/exports/{job.id}").get_json()
    assert status["status"] == "failed" and "tạo lại tài liệu" in status["message_vi"]
    assert status["message_en"] == "The job was interrupted; request the document again."
