"""The bare baseline of ``bench_intake.py``: Flask under gunicorn storing each JSON body, durably.

``POST /api/v1/submissions`` parses the JSON body and inserts it, with its ``submission_id``
(unique), into one table of the same kind of database as par-survey's: SQLite in WAL mode with
``synchronous=FULL`` or PostgreSQL with ``synchronous_commit=on``; one statement and a commit per
request, nothing else (no validation, no lookup). Served with
``gunicorn --chdir bench intake_baseline:app``; ``BASELINE_DATABASE_URL`` names the database.
"""
from __future__ import annotations

import json
import os

from flask import Flask, request
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, event, insert

metadata = MetaData()
stored = Table("intake", metadata,
               Column("id", Integer, primary_key=True),
               Column("submission_id", String(36), unique=True, nullable=False),
               Column("body", Text, nullable=False))


def make_engine(url: str):
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.close()
        return engine
    return create_engine(url, connect_args={"options": "-c synchronous_commit=on"})


app = Flask(__name__)
engine = make_engine(os.environ.get("BASELINE_DATABASE_URL", "sqlite:///baseline.sqlite"))


@app.post("/api/v1/submissions")
def store():
    body = request.get_json()
    with engine.begin() as connection:
        new_id = connection.execute(insert(stored).values(
            submission_id=body["submission_id"], body=json.dumps(body, ensure_ascii=False))
            .returning(stored.c.id)).scalar_one()
    return {"id": new_id, "submission_id": body["submission_id"]}, 201
