"""Background document jobs: a round's documents (the results report as PDF or Word, the officials'
workbook, the per-unit sheets) built outside the request, like an export (:mod:`export_jobs`).

The job is a row of ``export_jobs`` naming the document and its language; the request records it
and returns, and :func:`survey_app.jobs.start` runs :func:`run_document_job` in a thread of the web
worker or on an RQ worker. The file, its progress and a refusal (in both languages) are kept on the
row, so the export progress page and download serve it from any worker or host.
"""
from __future__ import annotations

import hashlib

from flask import Flask

from survey_app import jobs
from survey_app.extensions import db
from survey_app.models import ExportJob, SurveyRound, User
from survey_app.models.base import utcnow
from survey_app.operations.export_jobs import failures_recorded, queued_job, record_job
from survey_app.operations.reports import report_sources
from survey_app.reports.render import DOCUMENTS, LANGUAGES, render_document


def request_document(survey_round: SurveyRound, name: str, lang: str,
                     user: User | None) -> ExportJob:
    """Record a queued document ``name`` (a key of ``DOCUMENTS``) of a round, a draft while it is
    unpublished, in ``lang``; flushes, the caller commits and then starts it."""
    if name not in DOCUMENTS or lang not in LANGUAGES:
        raise ValueError(f"document {name!r} / language {lang!r}")
    job = ExportJob(round_id=survey_round.id, format=name.rsplit(".", 1)[1], document=name,
                    lang=lang, status="queued", progress_total=2,
                    requested_by_id=user.id if user is not None else None)
    db.session.add(job)
    db.session.flush()
    return job


def start_document_job(job_id: int):
    """Run the job after the request that created it committed (:func:`survey_app.jobs.start`)."""
    return jobs.start("document", job_id)


def run_document_job(app: Flask, job_id: int) -> None:
    """Build the job's document; a refusal or any error marks it failed with a sentence."""
    with app.app_context(), failures_recorded(job_id, "document", "Tạo tài liệu thất bại",
                                              "The document could not be made"):
        job = queued_job(job_id)
        if job is None:
            return
        record_job(job_id, status="running")
        sources = report_sources(job.round)
        record_job(job_id, progress_step=1)
        result = render_document(job.document, sources, job.lang)
        record_job(job_id, status="done", progress_step=2, content=result.content,
                   filename=result.filename, mimetype=result.mimetype,
                   sha256=hashlib.sha256(result.content).hexdigest(),
                   size_bytes=len(result.content), finished_at=utcnow())
