"""Background export jobs: a request records the job and returns; a worker thread (or an RQ
worker, see :mod:`survey_app.jobs`) builds the file with ``export_file``, writing its progress on
a connection of its own so the page can show it.

The job row, its progress and the finished file live in the database, so every gunicorn worker
and every host can report and serve a job that another one runs. A job whose worker died stops
moving and is reported failed after ``STALE_AFTER`` (``QUEUED_STALE_AFTER`` while it waits).
"""
from __future__ import annotations

from contextlib import contextmanager

from flask import Flask, current_app
from sqlalchemy import update

from survey_app import jobs
from survey_app.extensions import db
from survey_app.models import ExportJob, SurveyRound, User
from survey_app.models.base import utcnow
from survey_app.operations.exports import check_export, export_file
from survey_app.refusals import Refused


def request_export(survey_round: SurveyRound, fmt: str, table: str | None,
                   user: User | None) -> ExportJob:
    """Record a queued export of a published round (refused otherwise, see
    :func:`~survey_app.operations.exports.check_export`); flushes, the caller commits and then
    starts it."""
    check_export(survey_round, fmt, table)
    job = ExportJob(round_id=survey_round.id, format=fmt, table=table, status="queued",
                    requested_by_id=user.id if user is not None else None)
    db.session.add(job)
    db.session.flush()
    return job


def start_export_job(job_id: int):
    """Run the job after the request that created it committed: in a thread of this process, or
    on an RQ worker when ``REDIS_URL`` is set (:mod:`survey_app.jobs`)."""
    return jobs.start("export", job_id)


def record_job(job_id: int, **values) -> None:
    """Write job fields in a transaction of their own, apart from the job's reading session."""
    values["updated_at"] = utcnow()
    with db.engine.begin() as connection:
        connection.execute(update(ExportJob).where(ExportJob.id == job_id).values(**values))


@contextmanager
def failures_recorded(job_id: int, kind: str, failed_vi: str, failed_en: str):
    """Around a job's body: a refusal (the round changed since the request) is recorded as the
    job's failure in both languages; any other error is logged and recorded as ``failed_vi`` /
    ``failed_en`` with the error; the job is never lost. The session is removed at the end."""
    try:
        yield
    except Refused as refused:
        db.session.rollback()
        record_job(job_id, status="failed", finished_at=utcnow(),
                   message_vi="\n".join(refused.lines("vi")),
                   message_en="\n".join(refused.lines("en")))
    except Exception as exc:  # noqa: BLE001 (the job records every failure for the user)
        current_app.logger.exception("%s job %s failed", kind, job_id)
        db.session.rollback()
        record_job(job_id, status="failed", finished_at=utcnow(),
                   message_vi=f"{failed_vi}: {exc}", message_en=f"{failed_en}: {exc}")
    finally:
        db.session.remove()


def queued_job(job_id: int) -> ExportJob | None:
    """The job to run now, or ``None`` if it is gone, taken by another worker or reported lost."""
    job = db.session.get(ExportJob, job_id)
    return job if job is not None and job.effective_status() == "queued" else None


def run_export_job(app: Flask, job_id: int) -> None:
    """Build the job's file; on any error the job is marked failed with a sentence, never lost."""
    with app.app_context(), failures_recorded(job_id, "export", "Xuất dữ liệu thất bại",
                                              "The export failed"):
        job = queued_job(job_id)
        if job is None:
            return
        record_job(job_id, status="running")
        export = export_file(job.round, job.format, table=job.table,
                             progress=lambda step, total: record_job(
                                 job_id, progress_step=step, progress_total=total))
        record_job(job_id, status="done", content=export.content, filename=export.filename,
                   mimetype=export.mimetype, sha256=export.sha256,
                   size_bytes=len(export.content), finished_at=utcnow())


def job_status(job: ExportJob) -> dict:
    """The job as the status endpoint and the progress page report it."""
    status = job.effective_status()
    body = {"id": job.id, "round": job.round.code, "format": job.format, "table": job.table,
            "document": job.document, "lang": job.lang, "status": status,
            "percent": job.percent, "step": job.progress_step, "total": job.progress_total,
            "created_at": job.created_at.isoformat(timespec="seconds") + "Z"}
    if status == "done":
        body.update(filename=job.filename, sha256=job.sha256, size_bytes=job.size_bytes)
    if status == "failed":
        again_vi, again_en = (("hãy tạo lại tài liệu", "request the document again")
                              if job.document else ("hãy xuất lại", "request the export again"))
        body.update(message_vi=job.message_vi or f"Tác vụ bị gián đoạn; {again_vi}.",
                    message_en=job.message_en or f"The job was interrupted; {again_en}.")
    return body
