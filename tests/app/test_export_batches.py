"""Respondent-level exports read the responses in batches (operations/export_respondents.py):
the files do not depend on the batch size, and a long job pauses between batches only in a web
worker's job thread (survey_app.jobs.pause)."""
from __future__ import annotations

import threading

import pytest

from survey_app import jobs
from survey_app.extensions import db
from survey_app.operations import export_respondents
from survey_app.operations.exports import export_file
from tests.builders import create_scored_round

KINDS = (("csv", "respondents"), ("csv", "codebook"), ("sav", None))


def _without_sav_clock(fmt: str, content: bytes) -> bytes:
    """A .sav header holds the time it was written (bytes 92..109): left out of the comparison."""
    return content[:92] + content[109:] if fmt == "sav" else content


@pytest.mark.parametrize("fmt,table", KINDS)
def test_files_are_the_same_whatever_the_batch_size(app_ctx, monkeypatch, fmt, table):
    objects = create_scored_round(status="published")  # two forms, a quarantined response
    db.session.commit()
    whole = export_file(objects["round"], fmt, table=table).content
    pauses = []
    monkeypatch.setattr(export_respondents, "BATCH_ROWS", 2)
    monkeypatch.setattr(jobs, "pause", lambda: pauses.append(1))
    batched = export_file(objects["round"], fmt, table=table).content
    assert _without_sav_clock(fmt, batched) == _without_sav_clock(fmt, whole)
    assert len(pauses) >= 3  # at least 5 citizen responses and the delegates' in batches of 2


def test_a_job_thread_pauses_between_chunks_and_a_request_does_not(app, monkeypatch):
    slept = []
    monkeypatch.setattr(jobs.time, "sleep", slept.append)
    jobs.pause()  # this thread is no job's: returns at once
    assert slept == []

    def job(_app, _job_id):
        jobs.pause()

    thread = threading.Thread(target=jobs._gently, args=(job, app, 1))
    thread.start()
    thread.join()
    assert slept == [jobs.PAUSE_SECONDS]
