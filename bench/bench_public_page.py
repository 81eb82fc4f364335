"""Benchmark: the public results page of a published round on ONE gunicorn worker (sync) while
citizens' submissions to an open round go on through the JSON API on the same worker.

Set-up (a throw-away SQLite instance): the demo province and its round DEMO-2025 (published), and
an open round of the same province with a QR entry point for the SIPAS form. The page is
requested once to build its cache, then for ``--seconds`` by ``--clients`` threads while one
thread submits SIPAS answers as fast as the worker takes them. Prints page requests per second,
median and 95th-percentile latency, and submissions accepted per second; then, as a baseline in
the same run and load, the same for ``/healthz`` (a JSON reply after one database ping).

Run: ``python bench/bench_public_page.py [--seconds 20 --clients 4 --port 8765]``.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import numpy as np


def prepare(folder: str) -> tuple[str, list[dict]]:
    """Seed the demo, publish it, open a second round with an entry point; return its code and
    a few hundred valid SIPAS answer sets."""
    os.environ["PAR_SURVEY_INSTANCE"] = folder
    os.environ.pop("DATABASE_URL", None)
    from survey_app import create_app

    app = create_app()
    with app.app_context():
        from survey_app.extensions import db
        from survey_app.models import QuestionnaireVersion, RatingCell, SurveyRound, Unit
        from survey_app.operations.demo import seed_demo
        from survey_app.operations.documents import load_questionnaire
        from survey_app.operations.fieldwork_setup import create_entry_point
        from survey_app.operations.rounds import change_status
        from survey_app.operations.synthetic import synthesize_answers
        from survey_app.schema import upgrade_schema

        upgrade_schema()
        demo = seed_demo()["round"]
        change_status(demo, "closed")
        change_status(demo, "published")
        sipas = db.session.scalar(db.select(QuestionnaireVersion).filter_by(form_key="sipas_2025"))
        # opened directly: this round has one cell only, so it would not pass the scoring fit check
        other = SurveyRound(code="BENCH-OPEN", province_id=demo.province_id, year=2026,
                            period="Năm 2026", title="Benchmark", status="open", anonymous=True,
                            methodology_pack_id=demo.methodology_pack_id)
        db.session.add(other)
        db.session.flush()
        db.session.add(RatingCell(round_id=other.id, respondent_group="citizen",
                                  unit_type="agency", questionnaire_id=sipas.id, quota=1000))
        unit = db.session.scalar(db.select(Unit).filter_by(unit_type="agency").order_by(Unit.code))
        entry = create_entry_point(other, unit, sipas, counter="Bộ phận Một cửa")
        db.session.commit()
        questionnaire = load_questionnaire(sipas)
        rng = np.random.default_rng(1)
        answers = []
        while len(answers) < 300:
            candidate = synthesize_answers(questionnaire, rng, 0.8)
            if not questionnaire.validate(candidate):
                answers.append(candidate)
        return entry.code, answers


def request(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, float]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    payload = None if body is None else json.dumps(body)
    headers = {} if body is None else {"Content-Type": "application/json"}
    connection.request(method, path, body=payload, headers=headers)
    reply = connection.getresponse()
    reply.read()
    connection.close()
    return reply.status, time.perf_counter() - started


def wait_until_up(port: int, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        code, answer_sets = prepare(folder)
        env = dict(os.environ, PAR_SURVEY_INSTANCE=folder)
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind",
             f"127.0.0.1:{args.port}", "--timeout", "120", "survey_app.wsgi:app"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until_up(args.port)
            status, first = request(args.port, "GET", "/cong-khai/DEMO-2025")
            assert status == 200, status
            print(f"first request (builds the contract and the page): {first:.2f} s")
            latencies, accepted, elapsed = run(args, code, answer_sets, "/cong-khai/DEMO-2025")
            base, _accepted, base_elapsed = run(args, code, answer_sets, "/healthz")
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"load average during the run (other processes share the machine): "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    report(f"public page on 1 worker, {args.clients} clients", latencies, elapsed)
    created = sum(1 for s in accepted if s == 201)
    print(f"submissions meanwhile: {created / elapsed:.1f} accepted/s "
          f"({created} of {len(accepted)}; other statuses {sorted(set(accepted) - {201})})")
    report("baseline: /healthz (JSON after one database ping) the same way", base, base_elapsed)
    print(f"page ÷ baseline: {len(latencies) / elapsed / (len(base) / base_elapsed):.2f}")


def report(label: str, latencies: list[float], elapsed: float) -> None:
    latencies.sort()
    print(f"{label}, {elapsed:.1f} s: {len(latencies) / elapsed:.0f} requests/s, median "
          f"{statistics.median(latencies) * 1000:.1f} ms, p95 "
          f"{latencies[int(0.95 * (len(latencies) - 1))] * 1000:.1f} ms")


def run(args, code: str, answer_sets: list[dict], path: str) -> tuple[list, list, float]:
    """``args.clients`` threads GET ``path`` for ``args.seconds`` while one thread submits."""
    latencies: list[float] = []
    accepted: list[int] = []
    stop = time.perf_counter() + args.seconds

    def read_page() -> None:
        while time.perf_counter() < stop:
            status, seconds = request(args.port, "GET", path)
            assert status == 200, status
            latencies.append(seconds)

    def submit() -> None:
        k = 0
        while time.perf_counter() < stop:
            body = {"submission_id": str(uuid.uuid4()), "entry": code,
                    "answers": answer_sets[k % len(answer_sets)]}
            status, _seconds = request(args.port, "POST", "/api/v1/submissions", body)
            accepted.append(status)
            k += 1

    threads = [threading.Thread(target=read_page) for _ in range(args.clients)]
    threads.append(threading.Thread(target=submit))
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, accepted, time.perf_counter() - began

if __name__ == "__main__":
    main()
