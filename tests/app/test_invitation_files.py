"""Invitation files: every issue leaves a PDF of cards (printing) and an XLSX list (sending) kept
for a limited time; their links open the respondent page; downloads are audited; expired files are
gone. Re-issuing a unit's invitations revokes its unused links and makes new ones with new files,
after a confirmation page; a POST without confirmation or by another role changes nothing."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from builders import (
    create_questionnaire,
    create_round,
    create_unit,
    create_user,
    log_in,
    sipas_frame_csv,
)
from openpyxl import load_workbook
from pypdf import PdfReader

from survey_app.extensions import db
from survey_app.models import AuditEvent, Invitation, InvitationFile, RatingCell
from survey_app.operations.frames import import_frame
from survey_app.operations.invitation_files import purge_expired_files
from survey_app.operations.sample_plans import PlanOptions, draw_plan


@pytest.fixture
def world(app_ctx, client):
    admin = create_user("admin")
    survey_round = create_round(status="open")
    unit = create_unit(survey_round.province, code="SNV", name="Sở Nội vụ Thử")
    questionnaire = create_questionnaire(group="citizen")
    frame = import_frame(survey_round, "sipas_dossiers", "khung.csv",
                         sipas_frame_csv(["SNV"], 10), admin)
    plan = draw_plan(survey_round, frame, PlanOptions(size_mode="fixed", n=4), seed=7, user=admin)
    cell = RatingCell(round_id=survey_round.id, respondent_group="citizen", unit_type="agency",
                      questionnaire_id=questionnaire.id, quota=4)
    db.session.add(cell)
    db.session.commit()
    log_in(client, admin)
    base = f"/admin/rounds/{survey_round.id}"
    return SimpleNamespace(round=survey_round, unit=unit, plan=plan, cell=cell, admin=admin,
                           base=base, files_url=f"{base}/invitations/files")


def issue(client, world):
    reply = client.post(f"{world.base}/plans/{world.plan.id}/invitations",
                        data={"cell_id": world.cell.id, "output": "csv"})
    assert reply.status_code == 200, reply.get_data(as_text=True)[:300]


def stored_files() -> list[InvitationFile]:
    return list(db.session.scalars(db.select(InvitationFile).order_by(InvitationFile.id)))


def download(client, world, stored: InvitationFile) -> bytes:
    reply = client.get(f"{world.files_url}/{stored.id}")
    assert reply.status_code == 200 and reply.headers["Cache-Control"] == "no-store"
    return reply.data


def xlsx_links(content: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("link")
    return [row[column] for row in rows[1:]]


def pdf_links(content: bytes) -> list[str]:
    links = []
    for page in PdfReader(io.BytesIO(content)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action:
                links.append(str(action["/URI"]))
    return links


def opens_respondent_page(client, link: str) -> int:
    return client.get(urlsplit(link).path).status_code


def test_issuing_keeps_a_pdf_and_an_xlsx_whose_links_work(client, world):
    issue(client, world)
    files = {f.kind: f for f in stored_files()}
    assert set(files) == {"pdf", "xlsx"} and files["pdf"].batch == files["xlsx"].batch
    assert all(f.invitation_count == 4 and f.plan_id == world.plan.id for f in files.values())
    page = client.get(world.files_url).get_data(as_text=True)
    assert all(f'data-file="{f.id}"' in page for f in files.values())
    links = xlsx_links(download(client, world, files["xlsx"]))
    assert len(links) == 4 and all(link.startswith("http://localhost/i/") for link in links)
    pdf = download(client, world, files["pdf"])
    assert set(pdf_links(pdf)) == set(links)  # a wrapped link is one area per line
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Sở Nội vụ Thử" in text and "Ông/Bà" in text
    assert opens_respondent_page(client, links[0]) == 200
    downloads = db.session.scalars(
        db.select(AuditEvent).filter_by(action="invitation.file_download")).all()
    assert {e.object_id for e in downloads} == {str(f.id) for f in files.values()}
    assert all(e.user_id == world.admin.id for e in downloads)


def test_expired_files_are_refused_and_then_deleted(app, client, world):
    issue(client, world)
    first = stored_files()[0]
    first.expires_at, first_id = dt.datetime(2000, 1, 1), first.id
    db.session.commit()
    assert client.get(f"{world.files_url}/{first_id}").status_code == 410
    assert f'data-file="{first_id}"' not in client.get(world.files_url).get_data(as_text=True)
    assert purge_expired_files() == 1
    db.session.commit()
    assert client.get(f"{world.files_url}/{first_id}").status_code == 404
    assert len(stored_files()) == 1


def statuses() -> dict[int, str]:
    db.session.expire_all()
    return dict(db.session.execute(db.select(Invitation.id, Invitation.status)).all())


def test_reissue_without_confirmation_changes_nothing(client, world):
    issue(client, world)
    before, files = statuses(), len(stored_files())
    url = f"{world.base}/invitations/reissue"
    reply = client.post(url, data={"unit_id": world.unit.id})
    assert reply.status_code == 302
    assert reply.headers["Location"].endswith(f"{url}?unit_id={world.unit.id}")
    assert statuses() == before and len(stored_files()) == files
    html = client.get(reply.headers["Location"]).get_data(as_text=True)
    assert "4 thư mời chưa dùng" in html and 'name="confirm" value="yes"' in html


def test_reissue_revokes_unused_links_and_makes_new_files(client, world):
    issue(client, world)
    old_xlsx = next(f for f in stored_files() if f.kind == "xlsx")
    old_links = xlsx_links(download(client, world, old_xlsx))
    used = db.session.scalars(db.select(Invitation).order_by(Invitation.id)).first()
    used.status = "used"
    db.session.commit()
    reply = client.post(f"{world.base}/invitations/reissue",
                        data={"unit_id": world.unit.id, "confirm": "yes"},
                        follow_redirects=True)
    assert "3 thư mời mới" in reply.get_data(as_text=True)
    after = statuses()
    assert sorted(after.values()) == ["issued"] * 3 + ["revoked"] * 3 + ["used"]
    new = [f for f in stored_files() if f.unit_id == world.unit.id]
    assert {f.kind for f in new} == {"pdf", "xlsx"} and {f.invitation_count for f in new} == {3}
    xlsx = next(f for f in new if f.kind == "xlsx")
    pdf = next(f for f in new if f.kind == "pdf")
    links = xlsx_links(download(client, world, xlsx))
    assert set(pdf_links(download(client, world, pdf))) == set(links)
    assert not set(links) & set(old_links)
    assert all(opens_respondent_page(client, link) == 200 for link in links)
    assert all(opens_respondent_page(client, link) == 410 for link in old_links[1:])
    reissued = db.session.scalars(db.select(Invitation).filter_by(status="issued")).all()
    assert all(i.sample_member_id is not None and i.base_weight for i in reissued)
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="invitation.reissue_unit"))
    assert event.detail["count"] == 3 and len(event.detail["revoked"]) == 3


def test_reissue_with_nothing_unused_is_refused(client, world):
    issue(client, world)
    for invitation in db.session.scalars(db.select(Invitation)):
        invitation.status = "used"
    db.session.commit()
    files = len(stored_files())
    page = client.get(f"{world.base}/invitations/reissue?unit_id={world.unit.id}")
    assert 'name="confirm"' not in page.get_data(as_text=True)
    reply = client.post(f"{world.base}/invitations/reissue",
                        data={"unit_id": world.unit.id, "confirm": "yes"},
                        follow_redirects=True)
    assert "không còn thư mời chưa dùng" in reply.get_data(as_text=True)
    assert set(statuses().values()) == {"used"} and len(stored_files()) == files


def test_other_roles_cannot_download_or_reissue(client, world):
    issue(client, world)
    stored = stored_files()[0]
    before = statuses()
    focal = create_user("focal_point", unit=world.unit)
    db.session.commit()
    client.post("/auth/logout")
    log_in(client, focal)
    assert client.get(f"{world.files_url}/{stored.id}").status_code == 403
    assert client.post(f"{world.base}/invitations/reissue",
                       data={"unit_id": world.unit.id, "confirm": "yes"}).status_code == 403
    assert statuses() == before
    assert not db.session.scalars(
        db.select(AuditEvent).filter_by(action="invitation.file_download")).all()
