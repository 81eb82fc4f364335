"""A big round: the monitor and results pages at 100,000 responses, and a background export of
everything while intake goes on.

1. ``par-survey demo --no-serve`` seeds the demo round (DEMO-2025, QR entry points for SIPAS);
   ``big_round.write_big_round`` bulk-inserts ``--responses`` realistic SIPAS responses into it.
2. The monitor (``/admin/rounds/<id>/monitor``) and results (``/results/DEMO-2025``) pages are
   requested by a logged-in admin through the Flask test client, in a process of their own: the
   first (cold) request, then ``--repeats`` warm ones (median); then one response is added and
   both pages are timed again (the results recomputed once), then one response is quarantined and
   the results timed again (and once more, warm); the process's RSS before and after.
   ``--baseline CHECKOUT`` times the same pages with the code of another checkout first (side by
   side, on the same database; ``--rounds`` alternates them).
3. The round is published and an open round (BENCH-OPEN, QR entry points) takes the intake:
   ``par-survey serve`` under ``wrk`` (``--clients`` connections, ``--duration`` s, as in
   ``bench_intake.py``) first alone, then in windows of ``--duration`` s for as long as a
   background export of every response of the published round (the respondent-level ``.sav``, and
   the rest: ``--export``) runs, then alone again. The export runs where the product runs it:
   ``--jobs thread`` (the embedded default, a thread of a web worker) or ``--jobs rq``
   (``REDIS_URL`` set, a queue of this run's own, one ``par-survey worker`` process). Prints p50/p99
   of every window, the ratios of the during-export p99 (median and worst window) to the p99
   alone before, and the export's duration.

    python bench/bench_big_round.py --database sqlite
    python bench/bench_big_round.py --database postgresql --jobs rq
    python bench/bench_big_round.py --database sqlite --responses 8000 --no-pages
    git worktree add ../base main   # or any checkout of the code to compare with
    python bench/bench_big_round.py --pages-only --baseline ../base
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


def _rss_mb() -> float:
    """The resident set of this process (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _quarantine_one(setup) -> None:
    """Quarantine the round's last response, as a quality decision would."""
    from sqlalchemy import MetaData, Table, create_engine, func, select, update

    engine = create_engine(setup.app_url)
    responses = Table("responses", MetaData(), autoload_with=engine)
    with engine.begin() as connection:
        last = connection.execute(select(func.max(responses.c.id))).scalar_one()
        connection.execute(update(responses).where(responses.c.id == last)
                           .values(quarantined=True, quality_flags=["speeder"]))
    engine.dispose()


def time_pages(setup, repeats: int) -> dict:
    """Seconds of the monitor and results pages: the first (cold) request and the median of
    ``repeats`` warm ones; then the first request after one new response and after one response
    quarantined; and the process's RSS (MB) before and after."""
    from big_round import write_big_round

    app = _app(setup)
    with app.app_context():
        from survey_app.extensions import db
        from survey_app.operations.demo import demo_round, ensure_admin

        ensure_admin(ADMIN_PASSWORD)
        round_id = demo_round().id
        db.session.commit()
    client = app.test_client()
    client.post("/auth/login", data={"username": "admin", "password": ADMIN_PASSWORD})
    paths = {"monitor": f"/admin/rounds/{round_id}/monitor", "results": "/results/DEMO-2025"}
    figures: dict = {"rss_before_mb": _rss_mb()}
    for name, path in paths.items():
        cold = _timed(client, path)
        warm = [_timed(client, path) for _ in range(repeats)]
        figures[name] = {"cold": cold, "warm": statistics.median(warm)}
    figures["rss_after_mb"] = _rss_mb()
    write_big_round(setup.app_url, "DEMO-2025", 1)
    figures["results"]["new response"] = _timed(client, paths["results"])
    figures["monitor"]["new response"] = _timed(client, paths["monitor"])
    _quarantine_one(setup)
    figures["results"]["quarantine"] = _timed(client, paths["results"])
    figures["results"]["warm again"] = _timed(client, paths["results"])
    figures["rss_end_mb"] = _rss_mb()
    return figures


def time_pages_of(setup, args, code: str | None) -> dict:
    """:func:`time_pages` in a process of its own (a cold cache), with the code of ``code`` (a
    checkout of the baseline) or of this one."""
    import json
    import subprocess

    command = [sys.executable, __file__, "--time-pages", setup.app_url, str(setup.instance),
               "--repeats", str(args.repeats)] + (["--code", code] if code else [])
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def print_pages(label: str, figures: dict) -> None:
    load = os.getloadavg()[0]
    for name in ("monitor", "results"):
        times = "  ".join(f"{key} {seconds * 1000:6.0f} ms"
                          for key, seconds in figures[name].items())
        print(f"{label:<9} {name:<8} {times}; load {load:.2f}", flush=True)
    print(f"{label:<9} RSS {figures['rss_before_mb']:.0f} MB before, "
          f"{figures['rss_after_mb']:.0f} MB after the pages, {figures['rss_end_mb']:.0f} MB at "
          f"the end", flush=True)


def open_intake_round(setup) -> dict:
    """Publish the big round (exports need it) and open BENCH-OPEN with a QR entry point per
    agency for the intake load; a manifest as ``bench_intake.answer_bodies`` reads it."""
    app = _app(setup)
    with app.app_context():
        from survey_app.extensions import db
        from survey_app.models import QuestionnaireVersion, RatingCell, SurveyRound, Unit
        from survey_app.operations.demo import demo_round, ensure_admin
        from survey_app.operations.fieldwork_setup import create_entry_point
        from survey_app.operations.rounds import change_status

        ensure_admin(ADMIN_PASSWORD)  # also without the pages (--no-pages)
        big = demo_round()
        change_status(big, "closed")
        change_status(big, "published")
        sipas = db.session.scalar(db.select(QuestionnaireVersion).filter_by(form_key="sipas_2025"))
        other = SurveyRound(code="BENCH-OPEN", province_id=big.province_id, year=2026,
                            period="Năm 2026", title="Benchmark", status="open", anonymous=True,
                            methodology_pack_id=big.methodology_pack_id)
        db.session.add(other)
        db.session.flush()
        db.session.add(RatingCell(round_id=other.id, respondent_group="citizen",
                                  unit_type="agency", questionnaire_id=sipas.id, quota=1000))
        units = db.session.scalars(db.select(Unit).filter_by(unit_type="agency")).all()
        entries = [create_entry_point(other, unit, sipas, counter="Bộ phận Một cửa")
                   for unit in units]
        db.session.commit()
        return {"entry_points": [{"code": e.code, "questionnaire_id": "sipas_2025"}
                                 for e in entries]}


class Staff:
    """An admin's browser session on the served app (login and forms with their CSRF token)."""

    def __init__(self, port: int) -> None:
        import http.cookiejar
        import urllib.request

        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def _csrf(self, path: str) -> str:
        import re

        with self.opener.open(self.base + path, timeout=120) as reply:
            html = reply.read().decode()
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    def post(self, path: str, form_path: str, data: dict) -> str:
        import urllib.parse

        data = dict(data, csrf_token=self._csrf(form_path))
        with self.opener.open(self.base + path, urllib.parse.urlencode(data).encode(),
                              timeout=120) as reply:
            return reply.geturl()

    def json(self, path: str) -> dict:
        import json

        with self.opener.open(self.base + path, timeout=60) as reply:
            return json.loads(reply.read())


def start_rq_worker(setup, args):
    """With ``--jobs rq``: the server's environment gets ``REDIS_URL`` and a queue of this run's
    own, and one ``par-survey worker`` process takes the jobs; the process (None otherwise)."""
    import subprocess

    from bench_intake import PAR_SURVEY

    if args.jobs != "rq":
        return None
    setup.env.update(REDIS_URL=args.redis_url, JOB_QUEUE=f"bench-big-round-{os.getpid()}")
    log = open(setup.work / "worker.log", "ab")  # noqa: SIM115 - open while it runs
    return subprocess.Popen([PAR_SURVEY, "worker"], env=setup.env, cwd=ROOT, stdout=log,
                            stderr=log)


def _row(name: str, figures: dict) -> str:
    return (f"{name:<20} {figures['rate']:7.0f} req/s  p50 {figures['p50_ms']:7.1f} ms  "
            f"p99 {figures['p99_ms']:7.1f} ms  errors {figures['errors']}")


def export_under_load(setup, args) -> None:
    """Intake p50/p99 alone, then in windows while a background export of the big round runs,
    then alone again; the export's duration."""
    import threading

    from bench_intake import Server, answer_bodies, stop

    bodies = answer_bodies(open_intake_round(setup))
    worker = start_rq_worker(setup, args)
    server = Server(setup, "par-survey")
    try:
        server.wait()
        server.load(bodies, 3)
        staff = Staff(server.port)
        staff.post("/auth/login", "/auth/login", {"username": "admin", "password": ADMIN_PASSWORD})
        alone = server.load(bodies, args.duration)
        finished: dict = {}

        def export() -> None:
            started = time.perf_counter()
            page = staff.post("/results/DEMO-2025/exports", "/results/DEMO-2025",
                              {"kind": args.export})
            job_id = int(page.rstrip("/").rsplit("/", 1)[1])
            while True:
                status = staff.json(f"/api/v1/exports/{job_id}")
                if status["status"] in ("done", "failed"):
                    break
                time.sleep(0.5)
            finished.update(status, seconds=time.perf_counter() - started)

        thread = threading.Thread(target=export)
        thread.start()
        time.sleep(1)
        during = [server.load(bodies, args.duration)]
        while thread.is_alive() and len(during) < args.max_windows:
            during.append(server.load(bodies, args.duration))
        load_during = os.getloadavg()[0]
        thread.join()
        after = server.load(bodies, args.duration)
        server.stop()
    finally:
        if server.process.poll() is None:
            server.stop()
        if worker is not None:
            stop(worker)
    print(_row("intake alone", alone))
    for number, figures in enumerate(during, start=1):
        print(_row(f"intake + export {number}", figures))
    print(_row("intake alone after", after))
    p99s = [figures["p99_ms"] for figures in during]
    print(f"p99 with the export / alone: median {statistics.median(p99s) / alone['p99_ms']:.2f}, "
          f"worst {max(p99s) / alone['p99_ms']:.2f} ({len(during)} windows); export "
          f"({args.export}, {args.jobs}) {finished.get('status')} in "
          f"{finished.get('seconds', 0):.1f} s ({finished.get('size_bytes', 0) / 1e6:.1f} MB); "
          f"load {load_during:.2f}")


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
    parser.add_argument("--export", default="sav", help="export kind of the results page form")
    parser.add_argument("--jobs", choices=("thread", "rq"), default="thread",
                        help="where the export runs: a web worker's thread, or an RQ worker")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL",
                                                              "redis://127.0.0.1:6379/0"))
    parser.add_argument("--max-windows", type=int, default=40,
                        help="most load windows while the export runs")
    parser.add_argument("--pages-only", action="store_true")
    parser.add_argument("--baseline", metavar="CHECKOUT",
                        help="also time the pages with the code of this checkout (side by side)")
    parser.add_argument("--rounds", type=int, default=1, help="page timings per code, alternated")
    parser.add_argument("--no-pages", action="store_true", help="skip the monitor/results pages")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--time-pages", nargs=2, metavar=("URL", "INSTANCE"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--code", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.time_pages:  # the child of time_pages_of
        import json

        if args.code:
            sys.path.insert(0, args.code)
        setup = argparse.Namespace(app_url=args.time_pages[0], instance=Path(args.time_pages[1]))
        print(json.dumps(time_pages(setup, args.repeats)))
        return
    from bench_intake import Setup
    from big_round import write_big_round

    work = Path(tempfile.mkdtemp(prefix="par-biground-"))
    setup = Setup(args, work)
    try:
        setup.seed()
        seconds = write_big_round(setup.app_url, "DEMO-2025", args.responses)
        print(f"{args.database}: wrote {args.responses:,} responses in {seconds:.1f} s; "
              f"load {os.getloadavg()[0]:.2f}", flush=True)
        if not args.no_pages:
            for _ in range(args.rounds):
                if args.baseline:
                    print_pages("baseline", time_pages_of(setup, args, args.baseline))
                print_pages("this", time_pages_of(setup, args, None))
        if not args.pages_only:
            export_under_load(setup, args)
    finally:
        if args.keep:
            print(f"kept: {setup.app_url} (instance {setup.instance})")
        else:
            setup.drop()
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
