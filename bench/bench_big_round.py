"""A big round: the monitor and results pages at 100,000 responses, and a background export of
everything while intake goes on.

1. ``par-survey demo --no-serve`` seeds the demo round (DEMO-2025, QR entry points for SIPAS);
   ``big_round.write_big_round`` bulk-inserts ``--responses`` realistic SIPAS responses into it.
2. The monitor (``/admin/rounds/<id>/monitor``) and results (``/results/DEMO-2025``) pages are
   requested by a logged-in admin through the Flask test client: the first (cold) request, then
   ``--repeats`` warm ones (median); then one response is added and the results page is timed
   again (recomputed once, then warm).
3. The round is published and an open round (BENCH-OPEN, QR entry points) takes the intake:
   ``par-survey serve`` under ``wrk`` (``--clients`` connections, ``--duration`` s, as in
   ``bench_intake.py``) first alone, then while a background export of every response of the
   published round (the respondent-level ``.sav``, and the rest: ``--export``) runs in a thread of
   a web worker. Prints p50/p99 both ways, their ratio, and the export's duration.

    python bench/bench_big_round.py --database sqlite
    python bench/bench_big_round.py --database postgresql
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

ADMIN_PASSWORD = "bench-admin-password-1"


def _app(setup):
    from survey_app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": setup.app_url, "WTF_CSRF_ENABLED": False,
                       "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789"},
                      instance_path=str(setup.instance))


def _timed(client, path: str) -> float:
    started = time.perf_counter()
    reply = client.get(path)
    seconds = time.perf_counter() - started
    if reply.status_code != 200:
        raise SystemExit(f"{path}: {reply.status_code}")
    return seconds


def time_pages(setup, repeats: int) -> dict:
    """Cold and warm (median) seconds of the monitor and results pages; then after one new
    response, the results page again."""
    app = _app(setup)
    with app.app_context():
        from survey_app.extensions import db
        from survey_app.operations.demo import ensure_admin, demo_round

        ensure_admin(ADMIN_PASSWORD)
        round_id = demo_round().id
        db.session.commit()
    client = app.test_client()
    client.post("/auth/login", data={"username": "admin", "password": ADMIN_PASSWORD})
    figures = {}
    for name, path in (("monitor", f"/admin/rounds/{round_id}/monitor"),
                       ("results", "/results/DEMO-2025")):
        cold = _timed(client, path)
        warm = [_timed(client, path) for _ in range(repeats)]
        figures[name] = (cold, statistics.median(warm))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    from bench_intake import Setup
    from big_round import write_big_round

    work = Path(tempfile.mkdtemp(prefix="par-biground-"))
    setup = Setup(args, work)
    try:
        setup.seed()
        seconds = write_big_round(setup.app_url, "DEMO-2025", args.responses)
        print(f"{args.database}: wrote {args.responses:,} responses in {seconds:.1f} s; "
              f"load {os.getloadavg()[0]:.2f}")
        for name, (cold, warm) in time_pages(setup, args.repeats).items():
            print(f"{name:<8} cold {cold * 1000:8.0f} ms   warm (median of {args.repeats}) "
                  f"{warm * 1000:8.0f} ms")
    finally:
        if not args.keep:
            setup.drop()
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
