"""Every CSV and XLSX the product sends goes through one writer (``survey_app.spreadsheets``),
which escapes formula-leading cells (issue 11).

The first test walks every GET route of the app (and the invitation download, the one POST that
answers with a file), each plainly and with ``?format=csv`` / ``?format=xlsx`` (and every table
of the export), for a seeded round where an anonymous answer, a unit name and frame cells start
with ``=cmd|' /C calc'!A0``, ``+``, ``-`` or ``@``; every spreadsheet it gets back must hold no
cell starting with a formula character unescaped, and the routes that answered with one must be
exactly the known download routes (a new download is checked by the walk and must be named).
The second test keeps spreadsheet writing in that one module."""

from __future__ import annotations

import ast
import csv
import io
import pathlib
import sys

import pytest
from openpyxl import load_workbook

from survey_app.extensions import db
from survey_app.models import ExportJob
from survey_app.operations import rounds as round_ops
from survey_app.operations.exports import TABLES, export_file
from survey_app.operations.fieldwork_setup import create_entry_point, issue_invitation
from survey_app.operations.frames import import_frame
from survey_app.operations.invitation_files import store_issue_files
from survey_app.operations.invitations import IssuedInvitation
from survey_app.operations.sample_plans import PlanOptions, draw_plan
from tests.builders import (
    create_questionnaire,
    create_round,
    create_scored_response,
    create_scored_round,
    create_user,
    log_in,
)

CALC = "=cmd|' /C calc'!A0"
PAYLOADS = (CALC, "+cmd|' /C calc'!A0", "-cmd|' /C calc'!A0", "@cmd|' /C calc'!A0")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DOWNLOADS = {
    "admin.plan_members_xlsx",  # the drawn sample with names and phones
    "admin.plan_invitations",  # links issued once, CSV or XLSX
    "exports.export_round",  # contract tables, respondent data, codebook
    "exports.export_job_download",  # the same files, and the documents, built in the background
    "results.unit_changes",  # points lost against last year
    "admin.frame_template",  # an empty frame with its Vietnamese headings
    "admin.questionnaire_download",  # a questionnaire as XLSForm
    "results.self_assessment_xlsx",  # the self-assessment template of a round's units
    "admin.invitation_file_download",  # an issue's invitation list, kept for a few days
}
SPREADSHEET_TYPES = ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml")


def frame_csv() -> bytes:
    lines = ["ma_ho_so,ma_don_vi,thu_tuc,ngay_tra_ket_qua,ho_ten,so_dien_thoai"]
    for i in range(12):
        payload = PAYLOADS[i % len(PAYLOADS)]
        quoted = '"' + payload.replace('"', '""') + '"'
        lines.append(f"HS{i:05d},SO-A,{quoted},15/08/2025,{quoted},{quoted}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def world(app_ctx, client):
    scored = create_scored_round(status="open")
    unit_a = scored["units"][0]
    for payload in PAYLOADS:  # anonymous answers to the free-text question
        create_scored_response(scored["round"], unit_a, scored["forms"][0], "citizen",
                               stratum="S1", base_weight=10.0,
                               answers={"a1": "4", "a2": "4", "b1": "4", "comment": payload})
    scored["round"].status = "published"
    unit_a.name = f"{CALC} Sở A"
    admin = create_user("admin")
    fieldwork = create_round(status="open", province=unit_a.province, code="TD-2025")
    citizen = create_questionnaire(group="citizen")
    cell = round_ops.set_rating_cell(fieldwork, "citizen", "agency", citizen, 5, admin)
    entry = create_entry_point(fieldwork, unit_a, citizen)
    invitation, token = issue_invitation(fieldwork, citizen, unit_a, "citizen")
    frame = import_frame(fieldwork, "sipas_dossiers", "khung.csv", frame_csv(), admin)
    plan = draw_plan(fieldwork, frame, PlanOptions(size_mode="fixed", n=6, replacements=3),
                     seed=5, user=admin)
    # the files kept for an issue (PDF cards, XLSX list): a member whose name is a payload
    member = plan.members[0]
    kept = store_issue_files(fieldwork, [IssuedInvitation(member, unit_a, token,
                                                          {"name": CALC, "phone": CALC})],
                             plan=plan, user=admin)
    kept_xlsx = next(f for f in kept if f.kind == "xlsx")
    export = export_file(scored["round"], "csv", table="respondents")
    job = ExportJob(round_id=scored["round"].id, format="csv", status="done",
                    content=export.content, filename=export.filename, mimetype=export.mimetype,
                    sha256=export.sha256, size_bytes=len(export.content))
    db.session.add(job)
    db.session.commit()
    log_in(client, admin)
    return {
        "round_id": fieldwork.id, "cell_id": cell.id, "entry_id": entry.id,
        "frame_id": frame.id, "plan_id": plan.id, "invitation_id": invitation.id,
        "job_id": job.id, "code": scored["round"].code, "unit_code": unit_a.code,
        "token": token, "receipt": "RC-NONE", "form_key": citizen.form_key,
        "name": "tables.xlsx",
        "version": citizen.version, "filename": "site.css", "form": citizen.form_key,
        "kind": "sipas_dossiers", "origin": "stored", "key": str(citizen.id), "fmt": "xlsx",
        "questionnaire_id": citizen.id, "file_id": kept_xlsx.id,
        # a bundle's confirmation and an interviewer's case are pages, never files: none is needed
        "form_id": f"par-{entry.code}", "unit_id": unit_a.id, "bundle_id": 1, "assignment_id": 1,
        # ODK Collect keys: the OpenRosa routes answer XML, never a spreadsheet
        "collect_key": "khong-co-ma", "user_id": admin.id,
    }


def cells_of(reply) -> list:
    data = reply.get_data()
    if reply.mimetype == "text/csv":
        limit = csv.field_size_limit(sys.maxsize)
        try:
            text = io.StringIO(data.decode("utf-8-sig"), newline="")
            return [cell for row in csv.reader(text) for cell in row]
        finally:
            csv.field_size_limit(limit)
    book = load_workbook(io.BytesIO(data), read_only=True)
    return [cell for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True) for cell in row]


def live_formulas(cells: list) -> list[str]:
    def number(text: str) -> bool:
        try:
            float(text)
        except ValueError:
            return False
        return True

    return [c for c in cells
            if isinstance(c, str) and c.startswith(FORMULA_START) and not number(c)]


def test_every_download_escapes_formula_leading_cells(app, client, world):
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        built = rule.build({name: world[name] for name in rule.arguments}, append_unknown=False)
        assert built is not None, rule.rule
        base = built[1]
        variants = [base, f"{base}?format=csv", f"{base}?format=xlsx"]
        if rule.endpoint == "exports.export_round":
            variants += [f"{base}?format={fmt}&table={table}"
                         for fmt in ("csv", "xlsx") for table in TABLES]
        urls += [(rule.endpoint, "GET", url, None) for url in variants]
    invitations = f"/admin/rounds/{world['round_id']}/plans/{world['plan_id']}/invitations"
    urls += [("admin.plan_invitations", "POST", invitations,
              {"cell_id": world["cell_id"], "output": output, "include_replacements": "y"})
             for output in ("csv", "xlsx")]
    sent, escaped = set(), set()
    for endpoint, method, url, form in urls:
        reply = client.get(url) if method == "GET" else client.post(url, data=form)
        if not reply.content_type.startswith(SPREADSHEET_TYPES):
            reply.close()
            continue
        assert reply.status_code == 200, url
        assert reply.headers["Content-Disposition"].startswith("attachment; "), url
        cells = cells_of(reply)
        assert live_formulas(cells) == [], url
        sent.add(endpoint)
        escaped |= {payload for payload in PAYLOADS if "'" + payload in cells
                    or any(isinstance(c, str) and c.startswith("'" + payload) for c in cells)}
        if endpoint in ("admin.plan_members_xlsx", "admin.plan_invitations"):
            assert any(isinstance(c, str) and c.startswith("'" + CALC) for c in cells), url
    assert sent == DOWNLOADS
    assert escaped == set(PAYLOADS)  # every payload reached a download, escaped


ALLOWED = {
    "spreadsheets.py": "the one writer",
    "downloads.py": "content_disposition, used by the writer",
    "admin/entry_points.py": "QR codes as PNG and SVG images, not spreadsheets",
    "operations/demo.py": "the demo's own input files for `par-survey index`, never downloaded",
    "reports/public.py": "the public report as a PDF (with its ETag), not a spreadsheet",
}
# Writers and responses that would bypass survey_app.spreadsheets.
WRITERS = {"writer", "DictWriter", "Workbook", "send_file", "csv_bytes", "write_csv",
           "write_xlsx", "write_respondents_xlsx", "write_points_lost_xlsx"}
MARKERS = ("text/csv", "spreadsheetml", "Content-Disposition")


def writing(tree: ast.AST) -> set[str]:
    """Names of spreadsheet writers a module imports or calls other than through the writer."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module != "survey_app.spreadsheets":
            found |= {alias.name for alias in node.names if alias.name in WRITERS}
        elif isinstance(node, ast.Attribute) and node.attr in WRITERS:
            if not (isinstance(node.value, ast.Name) and node.value.id == "spreadsheets"):
                found.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found |= {marker for marker in MARKERS if marker in node.value}
    return found


def test_only_the_writer_writes_spreadsheets():
    package = pathlib.Path(__file__).resolve().parents[2] / "survey_app"
    found = {}
    for path in sorted(package.rglob("*.py")):
        name = path.relative_to(package).as_posix()
        hits = writing(ast.parse(path.read_text(encoding="utf-8")))
        if hits and name not in ALLOWED:
            found[name] = sorted(hits)
    assert found == {}
    assert writing(ast.parse("from flask import send_file")) == {"send_file"}
    assert writing(ast.parse("w = csv.writer(out)")) == {"writer"}
    assert writing(ast.parse("spreadsheets.csv_bytes(h, r)")) == set()
