"""``par-survey worker [--queue NAME …] [--burst]``: run long jobs (exports, e-mail waves) from
the RQ queue on ``REDIS_URL``, on any host that reaches the same database (``DATABASE_URL``)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from survey_app.extensions import db
from survey_app.jobs import job_queue


@click.command("worker")
@click.option("--queue", "queues", multiple=True,
              help="Queue to take jobs from (repeatable); default JOB_QUEUE (par-survey).")
@click.option("--burst", is_flag=True, help="Run the jobs waiting now, then stop.")
@click.option("--name", default=None, help="Worker name shown by `rq info` (default: host.pid).")
@with_appcontext
def worker(queues: tuple[str, ...], burst: bool, name: str | None) -> None:
    """Start an RQ worker for par-survey's long jobs (needs REDIS_URL)."""
    from rq import Worker

    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("Cần REDIS_URL để chạy worker / the worker needs REDIS_URL "
                                   "(without it long jobs run in the web worker's threads).")
    queue_objects = [job_queue(app, q) for q in (queues or (app.config["JOB_QUEUE"],))]
    # The work horses are forked from this process: it holds no database connection to share.
    db.engine.dispose()
    click.echo(f"par-survey worker: {', '.join(q.name for q in queue_objects)} on "
               f"{queue_objects[0].connection.connection_pool.connection_kwargs.get('host')}",
               err=True)
    Worker(queue_objects, connection=queue_objects[0].connection, name=name).work(burst=burst)
