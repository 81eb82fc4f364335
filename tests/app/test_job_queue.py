"""Long jobs through ``survey_app.jobs``: with ``REDIS_URL`` the web process only enqueues the
job's kind and id on RQ, and ``par-survey worker`` (another process, its own app) runs it, so the
job outlives the web worker; without it the job runs in a thread of the web worker as before.

Needs the Redis server of every machine of this project (127.0.0.1:6379, database 15 here,
emptied by the tests); an unreachable Redis fails these tests, it does not skip them."""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import threading

import pytest
from fieldwork_world import fieldwork_world
from test_mail_delivery import Controller, Mailbox, free_port
from redis import Redis
from rq import Queue, SimpleWorker

from survey_app import jobs
from survey_app.commands.worker import worker
from survey_app.extensions import db
from survey_app.models import ExportJob, MailJob, SurveyRound
from survey_app.models.base import utcnow
from survey_app.operations import export_jobs, mail_jobs
from survey_app.operations.exports import export_file
from tests.builders import published_round_as_council

REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url():
    connection = Redis.from_url(REDIS_TEST_URL)
    connection.flushdb()  # raises when Redis is unreachable: the test fails, loudly
    yield REDIS_TEST_URL
    connection.flushdb()
    connection.close()


@pytest.fixture
def council(client, app_ctx):
    return published_round_as_council(client)


def request_export(client) -> int:
    reply = client.post("/results/KQ-2025/exports", data={"kind": "json"})
    assert reply.status_code == 302
    return int(re.search(r"/exports/(\d+)$", reply.headers["Location"]).group(1))


def job_threads() -> list[str]:
    return [t.name for t in threading.enumerate()
            if re.fullmatch(r"(export|mail|document)-\d+", t.name)]


def test_with_redis_the_web_process_only_enqueues_and_a_worker_process_finishes_the_export(
        app, client, council, redis_url, tmp_path):
    app.config["REDIS_URL"] = redis_url
    round_id = council["round"].id
    job_id = request_export(client)

    # The web process recorded and enqueued the job, and did not run it.
    assert job_threads() == []
    db.session.expire_all()
    assert db.session.get(ExportJob, job_id).status == "queued"
    queue = Queue(app.config["JOB_QUEUE"], connection=Redis.from_url(redis_url))
    assert [(j.func_name, j.args) for j in queue.jobs] == [("survey_app.jobs.run_job",
                                                            ("export", job_id))]
    assert client.get(f"/api/v1/exports/{job_id}").get_json()["status"] == "queued"

    # The web worker goes away; a worker of its own (another process, an app built from the
    # environment) takes the job from Redis and runs it.
    db.session.remove()
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               REDIS_URL=redis_url, PAR_SURVEY_INSTANCE=str(tmp_path / "worker"))
    command = [sys.executable, "-c", "from survey_app.cli import main; main()", "worker", "--burst"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr

    job = db.session.get(ExportJob, job_id)
    assert (job.status, job.progress_step, job.progress_total) == ("done", 4, 4)
    assert job.content == export_file(db.session.get(SurveyRound, round_id), "json").content
    assert client.get(f"/api/v1/exports/{job_id}/download").data == job.content
    assert queue.count == 0


def test_without_redis_the_job_runs_in_a_thread_of_the_web_worker(app, council, redis_url):
    assert not app.config.get("REDIS_URL")
    job = export_jobs.request_export(council["round"], "json", None, None)
    db.session.commit()
    started = export_jobs.start_export_job(job.id)
    assert isinstance(started, threading.Thread) and started.name == f"export-{job.id}"
    started.join(timeout=120)
    assert not started.is_alive()
    db.session.expire_all()
    assert db.session.get(ExportJob, job.id).status == "done"
    assert Redis.from_url(redis_url).keys("*") == []  # nothing went through Redis


def test_an_e_mail_wave_goes_through_the_queue_too(app, app_ctx, redis_url):
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_SECURITY="none",
                          MAIL_FROM="so-noi-vu@example.org", SMTP_TIMEOUT_SECONDS=10,
                          REDIS_URL=redis_url)
        world = fieldwork_world(per_unit=1)
        job = mail_jobs.request_reminder_mail(world.round, world.admin)
        db.session.commit()
        mail_jobs.start_mail_job(job.id)
        assert job_threads() == [] and mailbox.messages == []
        queue = jobs.job_queue(app)
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    finally:
        controller.stop()
    db.session.expire_all()
    job = db.session.get(MailJob, job.id)
    assert (job.status, job.sent, job.failed) == ("done", 2, 0)
    assert len(mailbox.messages) == 2


def test_a_round_document_goes_through_the_queue_too(app, client, council, redis_url):
    from test_document_jobs import stable_content

    from survey_app.operations.reports import report_sources
    from survey_app.reports.render import render_document

    app.config["REDIS_URL"] = redis_url
    reply = client.post("/results/KQ-2025/documents", data={"document": "report.docx",
                                                            "lang": "en"})
    job_id = int(re.search(r"/exports/(\d+)$", reply.headers["Location"]).group(1))
    assert job_threads() == []
    queue = jobs.job_queue(app)
    assert [(j.func_name, j.args) for j in queue.jobs] == [("survey_app.jobs.run_job",
                                                            ("document", job_id))]
    assert client.get(f"/api/v1/exports/{job_id}").get_json()["status"] == "queued"
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    db.session.expire_all()
    job = db.session.get(ExportJob, job_id)
    direct = render_document("report.docx", report_sources(council["round"]), "en")
    assert (job.status, job.filename, job.document, job.lang) == (
        "done", direct.filename, "report.docx", "en")
    download = client.get(f"/api/v1/exports/{job_id}/download")
    assert stable_content("report.docx", download.data) == stable_content("report.docx",
                                                                          direct.content)


def test_the_worker_command_needs_redis(runner, app):
    result = runner.invoke(worker, ["--burst"])
    assert result.exit_code == 1 and "REDIS_URL" in result.output


def test_a_job_may_wait_hours_for_a_worker_but_one_left_a_day_is_reported_lost_and_not_run(
        app, council):
    now = utcnow()
    waiting, lost = (ExportJob(round_id=council["round"].id, format="json", status="queued",
                               created_at=now - age, updated_at=now - age)
                     for age in (dt.timedelta(hours=2), dt.timedelta(hours=25)))
    db.session.add_all([waiting, lost])
    db.session.commit()
    assert (waiting.effective_status(), lost.effective_status()) == ("queued", "failed")
    for job in (waiting, lost):
        jobs.run_job("export", job.id)
    db.session.expire_all()
    assert db.session.get(ExportJob, waiting.id).status == "done"
    lost = db.session.get(ExportJob, lost.id)
    assert (lost.status, lost.content) == ("queued", None)
    assert export_jobs.job_status(lost)["status"] == "failed"


def test_when_redis_cannot_be_reached_the_job_still_runs_in_this_process(app, council):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    job = export_jobs.request_export(council["round"], "json", None, None)
    db.session.commit()
    started = export_jobs.start_export_job(job.id)
    assert isinstance(started, threading.Thread)
    started.join(timeout=120)
    db.session.expire_all()
    assert db.session.get(ExportJob, job.id).status == "done"
