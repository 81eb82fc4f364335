"""Where long jobs run: every long job (exports, e-mail waves, a round's documents) starts through
:func:`start`.

Without ``REDIS_URL`` (the embedded default) the job runs in a daemon thread of the web worker
that recorded it. With ``REDIS_URL`` the web process only enqueues the job's kind and database id
on RQ; ``par-survey worker`` (any host, same ``DATABASE_URL``) runs it, so it survives a restart
of the web worker. Either way the job reloads everything from the database and writes its progress
and result there, so every web worker and host reports it alike.
"""
from __future__ import annotations

import functools
import importlib
import os
import threading
import time
from collections.abc import Callable

from flask import Flask, current_app, has_app_context

# Kind of job → its runner, "module:function" taking (app, job_id). Only these kinds are run.
RUNNERS = {
    "export": "survey_app.operations.export_jobs:run_export_job",
    "mail": "survey_app.operations.mail_jobs:run_mail_job",
    "document": "survey_app.operations.document_jobs:run_document_job",
}

# Long jobs run below the requests' priority (Linux: the nice value of the job's own thread, or of
# the RQ work-horse process), so that intake keeps its latency while an export runs.
JOB_NICENESS = 10
# A long job in a web worker's thread pauses this long between its chunks (:func:`pause`), so
# that the worker's requests take the interpreter (the GIL) without waiting for a switch.
PAUSE_SECONDS = 0.002

_job_thread = threading.local()  # ``.running`` in the thread of a long job of a web worker


def runner(kind: str) -> Callable[[Flask, int], None]:
    module, function = RUNNERS[kind].split(":")
    return getattr(importlib.import_module(module), function)


@functools.lru_cache(maxsize=4)
def redis_connection(url: str):
    """One client (a connection pool, safe across threads and forks) per URL and process."""
    from redis import Redis

    return Redis.from_url(url)


def job_queue(app: Flask, name: str | None = None):
    """The RQ queue of ``app``'s configuration (``REDIS_URL``, ``JOB_QUEUE``)."""
    from rq import Queue

    return Queue(name or app.config["JOB_QUEUE"],
                 connection=redis_connection(app.config["REDIS_URL"]),
                 default_timeout=app.config["JOB_TIMEOUT_SECONDS"])


def start(kind: str, job_id: int):
    """Run the recorded job ``kind`` number ``job_id``, after the request that recorded it
    committed: the enqueued RQ job with ``REDIS_URL``, else (or when Redis cannot be reached, said
    in the log) a started thread of this process."""
    app = current_app._get_current_object()
    if app.config.get("REDIS_URL"):
        from redis.exceptions import ConnectionError, TimeoutError

        try:
            return job_queue(app).enqueue(run_job, kind, job_id, job_id=f"{kind}-{job_id}",
                                          description=f"par-survey {kind} job {job_id}",
                                          result_ttl=3600)
        except (ConnectionError, TimeoutError):
            app.logger.exception("Redis unreachable: %s job %s runs in this process", kind,
                                 job_id)
    thread = threading.Thread(target=_gently, args=(runner(kind), app, job_id),
                              name=f"{kind}-{job_id}", daemon=True)
    thread.start()
    return thread


def lower_priority() -> None:
    """Lower the priority of the calling thread (a per-thread value on Linux) or process to
    ``JOB_NICENESS`` (never raised, never lowered twice)."""
    try:
        current = os.nice(0)
        if current < JOB_NICENESS:
            os.nice(JOB_NICENESS - current)
    except (AttributeError, OSError):  # no nice on this system, or not allowed: run as is
        pass


def _gently(function: Callable[[Flask, int], None], app: Flask, job_id: int) -> None:
    lower_priority()
    _job_thread.running = True
    function(app, job_id)


def pause() -> None:
    """Called by long jobs between chunks of work: in a web worker's job thread, sleep
    ``PAUSE_SECONDS`` (the requests of that worker run meanwhile); elsewhere (a request, an RQ
    work-horse, the CLI) return at once."""
    if getattr(_job_thread, "running", False):
        time.sleep(PAUSE_SECONDS)


def run_job(kind: str, job_id: int) -> None:
    """RQ's entry point (importable, ids only): run the job with the worker's app, or an app of
    its own built from the environment."""
    if has_app_context():
        app = current_app._get_current_object()
    else:
        from survey_app import create_app

        app = create_app()
    lower_priority()  # the RQ work-horse: a process of its own, forked for this job
    runner(kind)(app, job_id)
