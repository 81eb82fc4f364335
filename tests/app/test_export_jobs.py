"""Background export jobs: queued from the results page, built in a worker thread with progress
kept in the database, served by the API once done; failures and lost workers are reported."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import time

import pytest

from survey_app.extensions import db
from survey_app.models import ExportJob
from survey_app.operations import export_jobs
from survey_app.operations.exports import export_file
from tests.builders import create_scored_round, create_user, log_in, published_round_as_council


@pytest.fixture
def council(client, app_ctx):
    return published_round_as_council(client)


def wait_for(client, job_id: int, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = client.get(f"/api/v1/exports/{job_id}").get_json()
        if status["status"] in ("done", "failed"):
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.1)


def start(client, kind: str) -> int:
    reply = client.post("/results/KQ-2025/exports", data={"kind": kind})
    assert reply.status_code == 302
    return int(re.search(r"/exports/(\d+)$", reply.headers["Location"]).group(1))


def test_job_builds_the_same_file_as_a_direct_export_and_serves_it(client, council):
    job_id = start(client, "json")
    page = client.get(f"/results/KQ-2025/exports/{job_id}")
    assert page.status_code == 200 and 'role="progressbar"' in page.get_data(as_text=True)
    status = wait_for(client, job_id)
    assert status["status"] == "done" and status["percent"] == 100
    assert status["step"] == status["total"] == 4
    download = client.get(f"/api/v1/exports/{job_id}/download")
    assert download.status_code == 200
    direct = export_file(council["round"], "json")
    assert download.data == direct.content
    assert (download.headers["X-Checksum-SHA256"] == status["sha256"]
            == hashlib.sha256(direct.content).hexdigest())
    done_page = client.get(f"/results/KQ-2025/exports/{job_id}").get_data(as_text=True)
    assert f"/api/v1/exports/{job_id}/download" in done_page
    assert 'http-equiv="refresh"' not in done_page


def test_respondent_level_job(client, council):
    status = wait_for(client, start(client, "sav"))
    assert status["status"] == "done" and status["filename"].endswith(".sav")
    assert client.get(f"/api/v1/exports/{status['id']}/download").data[:4] == b"$FL2"


def test_failure_is_recorded_with_a_sentence(client, council, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("ổ đĩa đầy")

    monkeypatch.setattr(export_jobs, "export_file", broken)
    status = wait_for(client, start(client, "xlsx"))
    assert status["status"] == "failed" and "ổ đĩa đầy" in status["message_vi"]
    assert client.get(f"/api/v1/exports/{status['id']}/download").status_code == 409


def test_a_job_whose_worker_died_is_reported_failed(client, council):
    job = ExportJob(round_id=council["round"].id, format="json", status="running",
                    updated_at=dt.datetime(2025, 1, 1), created_at=dt.datetime(2025, 1, 1))
    db.session.add(job)
    db.session.commit()
    status = client.get(f"/api/v1/exports/{job.id}").get_json()
    assert status["status"] == "failed" and status["message_en"]
    assert client.get(f"/api/v1/exports/{job.id}/download").status_code == 409


def test_unpublished_round_queues_nothing(client, app_ctx):
    create_scored_round(status="closed")
    user = create_user("admin")
    db.session.commit()
    log_in(client, user)
    reply = client.post("/results/KQ-2025/exports", data={"kind": "json"})
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/results/KQ-2025")
    assert db.session.scalar(db.select(db.func.count(ExportJob.id))) == 0


def test_status_and_download_need_a_reader(client, council):
    job_id = start(client, "json")
    wait_for(client, job_id)
    client.post("/auth/logout")
    assert client.get(f"/api/v1/exports/{job_id}").status_code == 401
    assert client.get(f"/api/v1/exports/{job_id}/download").status_code == 401
    assert client.get("/api/v1/exports/999999").status_code == 401


def test_a_running_export_does_not_block_submissions(client, council, monkeypatch):
    import threading
    import uuid

    from tests.builders import GOOD_ANSWERS, open_round_with_entry

    entry = open_round_with_entry()
    db.session.commit()
    reached, release = threading.Event(), threading.Event()

    def slow_export(survey_round, fmt, *, table=None, progress=None):
        progress(1, 4)
        reached.set()
        assert release.wait(30), "the test never released the export"
        return export_file(survey_round, fmt, table=table, progress=progress)

    monkeypatch.setattr(export_jobs, "export_file", slow_export)
    job_id = start(client, "json")
    try:
        assert reached.wait(30)
        assert client.get(f"/api/v1/exports/{job_id}").get_json()["status"] == "running"
        reply = client.post("/api/v1/submissions", json={
            "entry": entry.code, "submission_id": str(uuid.uuid4()), "answers": GOOD_ANSWERS})
        assert reply.status_code == 201, reply.get_json()
    finally:
        release.set()
    assert wait_for(client, job_id)["status"] == "done"
