"""Intake under load: par-survey's ``POST /api/v1/submissions`` beside a bare durable-insert app.

Starts everything itself, on a fresh instance of the chosen database kind:

1. ``par-survey demo --no-serve`` seeds a round with SIPAS QR entry points; valid SIPAS answer
   sets are synthesised (``survey_app.operations.synthetic``) and checked by the questionnaire.
2. ``par-survey serve`` (its default workers) and the bare baseline (``intake_baseline.py``, the
   same number of gunicorn workers, storing each JSON body in the same kind of database) are
   both started and warmed up; then, ``--rounds`` times in turn, ``--clients`` concurrent
   connections post new submissions (a fresh ``submission_id`` each) to one of them for
   ``--duration`` seconds with ``wrk`` (a Lua script): on a machine whose load changes, each
   pair is measured side by side. Then acknowledged submissions are posted again (replays: 200,
   the same receipt).
3. Every acknowledged ``submission_id`` is looked up in the database afterwards.
4. With ``--prefill N``, N responses (and N baseline rows) are bulk-inserted and both runs repeat.

    python bench/bench_intake.py --database sqlite --duration 20 --prefill 100000
    python bench/bench_intake.py --database postgresql --postgres-url postgresql+psycopg://...

Prints requests a second, p50 and p99 latency, errors, acknowledged ids found again, and
par-survey's ratio to the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
from cpu_use import cpu_seconds, postgres_backend_pids, server_cpu_seconds  # noqa: E402

PAR_SURVEY = str(Path(sys.executable).with_name("par-survey"))  # the console script beside Python

LUA = r"""
local bodies = {BODIES}
local counter = 0
local ids_path = "{IDS}"
local replay = {REPLAY}
local replays = {}
local thread_no = 0
local out = nil

function setup(thread)
  thread_no = thread_no + 1
  thread:set("thread_no", thread_no)
end

local function uuid4()
  local template = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
  return (string.gsub(template, "[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

function init(args)
  math.randomseed(os.time() * 1000 + thread_no * 7919 + math.floor(os.clock() * 1e6))
  out = io.open(ids_path .. "." .. thread_no, "w")
  out:setvbuf("line")
  if replay then
    for line in io.lines(ids_path .. ".replay") do table.insert(replays, line) end
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local sid, body
  if replay then
    body = replays[(counter + thread_no * 7919) % #replays + 1]
  else
    -- the id's last two hex digits name the body, so that a replay can rebuild it
    local index = (counter + thread_no) % #bodies
    sid = string.sub(uuid4(), 1, 34) .. string.format("%02x", index)
    body = bodies[index + 1][1] .. sid .. bodies[index + 1][2]
  end
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 200 or status == 201 then
    local sid = string.match(body, '"submission_id"%s*:%s*"([0-9a-f-]+)"')
    if sid then out:write(status, " ", sid, "\n") end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 300) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited ({process.returncode}); see its log")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Setup:
    """The databases, environment and seeded round of one run."""

    def __init__(self, args, work: Path):
        self.args = args
        self.work = work
        self.instance = work / "instance"
        self.env = dict(os.environ, PAR_SURVEY_INSTANCE=str(self.instance), FLASK_DEBUG="0")
        self.env.pop("DATABASE_URL", None)
        self.created: list[str] = []
        if args.database == "sqlite":
            self.app_url = f"sqlite:///{self.instance / 'par-survey.sqlite'}"
            self.baseline_url = f"sqlite:///{work / 'baseline.sqlite'}"
        else:
            suffix = f"{os.getpid()}_{int(time.time())}"
            self.app_url = self._create_database(f"bench_intake_{suffix}")
            self.baseline_url = self._create_database(f"bench_intake_base_{suffix}")
            self.env["DATABASE_URL"] = self.app_url
        self.env["BASELINE_DATABASE_URL"] = self.baseline_url

    def _create_database(self, name: str) -> str:
        from sqlalchemy import create_engine, make_url, text

        admin = create_engine(self.args.postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.created.append(name)
        return (
            make_url(self.args.postgres_url)
            .set(database=name)
            .render_as_string(hide_password=False)
        )

    def drop(self) -> None:
        from sqlalchemy import create_engine, text

        if not self.created:
            return
        admin = create_engine(self.args.postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in self.created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    def seed(self) -> dict:
        self.instance.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [PAR_SURVEY, "demo", "--no-serve"],
            env=self.env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        manifest = json.loads((self.instance / "demo-manifest.json").read_text(encoding="utf-8"))
        from intake_baseline import metadata
        from sqlalchemy import MetaData, Table, create_engine

        engine = create_engine(self.baseline_url)
        metadata.create_all(engine)
        engine.dispose()
        self.responses = Table("responses", MetaData(), autoload_with=create_engine(self.app_url))
        return manifest


def answer_bodies(manifest: dict, count: int = 40) -> list[tuple[str, str]]:
    """Request bodies around a ``submission_id`` hole: valid SIPAS answers at the entries."""
    import questionnaires
    from survey_app.operations.synthetic import synthesize_answers

    form = questionnaires.load_bundled("sipas_2025")
    entries = [e["code"] for e in manifest["entry_points"] if e["questionnaire_id"] == form.id]
    rng = np.random.default_rng(18)
    bodies = []
    for i in range(count):
        answers = synthesize_answers(form, rng, float(rng.uniform(0.55, 0.92)))
        form.clean(dict(answers))  # raises if the synthetic answers were not valid
        text = json.dumps(
            {
                "entry": entries[i % len(entries)],
                "submission_id": "@SID@",
                "answers": answers,
                "paradata": {"device": "tablet", "total_seconds": 240.0},
            },
            ensure_ascii=False,
        )
        before, after = text.split("@SID@")
        bodies.append((before, after))
    return bodies


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def write_lua(path: Path, bodies, ids: Path, replay: bool) -> None:
    table = (
        "{" + ",\n".join("{" + lua_string(a) + ", " + lua_string(b) + "}" for a, b in bodies) + "}"
    )
    path.write_text(
        LUA.replace("{BODIES}", table)
        .replace("{IDS}", str(ids))
        .replace("{REPLAY}", "true" if replay else "false"),
        encoding="utf-8",
    )


def run_wrk(url: str, script: Path, seconds: int, clients: int) -> dict:
    command = [
        "wrk",
        "-t",
        "2",
        "-c",
        str(clients),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def read_acked(ids: Path) -> dict[str, int]:
    acked: dict[str, int] = {}
    for part in ids.parent.glob(ids.name + ".*"):
        if part.suffix == ".replay":
            continue
        for line in part.read_text().splitlines():
            status, sid = line.split()
            acked[sid] = int(status)
        part.unlink()
    return acked


def count_stored(url: str, table: str, ids: list[str]) -> int:
    from sqlalchemy import bindparam, create_engine, text

    engine = create_engine(url)
    found = 0
    statement = text(f"SELECT count(*) FROM {table} WHERE submission_id IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    with engine.connect() as connection:
        for start in range(0, len(ids), 5000):
            found += connection.execute(statement, {"ids": ids[start : start + 5000]}).scalar_one()
    engine.dispose()
    return found


class Server:
    """One app under gunicorn on a free port, its log in the work folder, and its load runs."""

    def __init__(self, setup: Setup, name: str):
        self.setup, self.name = setup, name
        args = setup.args
        self.port = free_port()
        if name == "par-survey":
            command = [PAR_SURVEY, "serve", "--port", str(self.port)] + (
                ["--workers", str(args.workers)] if args.workers else []
            )
            self.table, self.db_url = "responses", setup.app_url
        else:
            workers = args.workers or min(2 * (os.cpu_count() or 1) + 1, 9)
            command = [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--chdir",
                str(HERE),
                "intake_baseline:app",
            ]
            self.table, self.db_url = "intake", setup.baseline_url
        self.log = open(setup.work / f"{name}.log", "ab")  # noqa: SIM115 - open while it runs
        self.process = subprocess.Popen(
            command, env=setup.env, cwd=ROOT, stdout=self.log, stderr=self.log
        )
        self.url = f"http://127.0.0.1:{self.port}/api/v1/submissions"
        self.ids = setup.work / f"ids-{name}"
        self.script = setup.work / f"post-{name}.lua"
        self.acked: dict[str, int] = {}

    def wait(self) -> None:
        if self.name == "par-survey":
            wait_until_up(f"http://127.0.0.1:{self.port}/api/v1/openapi.json", self.process)
        else:
            _wait_port(self.port)

    def load(self, bodies, seconds: int, replay: list[str] | None = None) -> dict:
        """Post new submissions (or ``replay`` bodies) for ``seconds``; the figures."""
        if replay is not None:
            (self.setup.work / f"ids-{self.name}.replay").write_text("\n".join(replay) + "\n")
        write_lua(self.script, bodies, self.ids, replay=replay is not None)
        before = self.cpu_seconds()
        figures = run_wrk(self.url, self.script, seconds, self.setup.args.clients)
        cpu = self.cpu_seconds() - before
        acked = read_acked(self.ids)
        self.acked.update(acked)
        return summarise(figures, acked, cpu)

    def cpu_seconds(self) -> float:
        """CPU seconds so far of this app's gunicorn processes and, on PostgreSQL, of the
        database's backends (those alive now: the pools keep theirs)."""
        seconds = server_cpu_seconds(self.process.pid)
        if self.setup.args.database == "postgresql":
            seconds += cpu_seconds(postgres_backend_pids(self.db_url))
        return seconds

    def stop(self) -> None:
        stop(self.process)
        self.log.close()

    def found(self) -> int:
        """How many of the ids this server acknowledged are stored."""
        return count_stored(self.db_url, self.table, list(self.acked))


def measure(setup: Setup, bodies, replay_bodies, label: str) -> None:
    """Start both apps, warm them up, then alternate load runs (the shared machine's load
    changes over minutes: each pair is measured side by side), replays last; print the rows."""
    args = setup.args
    servers = [Server(setup, "baseline"), Server(setup, "par-survey")]
    try:
        for server in servers:
            server.wait()
            server.load(bodies, args.warmup)
        runs: dict[str, list[dict]] = {"baseline": [], "par-survey": []}
        for _ in range(args.rounds):
            for server in servers:
                runs[server.name].append(server.load(bodies, args.duration))
        app = servers[1]
        replays = app.load(bodies, args.duration, replay=replay_bodies(app.acked))
        for server in servers:
            server.stop()
        found = {server.name: (server.found(), len(server.acked)) for server in servers}
    finally:
        for server in servers:
            if server.process.poll() is None:
                server.stop()
    print_rows(setup.args.database, label, runs, replays, found)


def _wait_port(port: int, seconds: float = 300) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"port {port} did not open")


def summarise(figures: dict, acked: dict[str, int], cpu: float) -> dict:
    seconds = figures["duration_us"] / 1e6
    errors = sum(figures[k] for k in ("connect", "read", "write", "status", "timeout"))
    return {
        "rate": figures["requests"] / seconds,
        "p50_ms": figures["p50_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "errors": errors,
        "requests": figures["requests"],
        "acked": len(acked),
        "created": sum(1 for s in acked.values() if s == 201),
        "cpu_ms": 1000 * cpu / max(figures["requests"], 1),
    }


APP_COLUMNS = ("submission_id", "receipt", "round_id", "questionnaire_id", "rated_unit_id",
               "respondent_group", "channel", "entry_point_id", "answers", "paradata",
               "quality_flags", "quarantined", "submitted_on")


def _bulk_insert(engine, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Rows in one transaction: ``COPY`` on PostgreSQL, one ``executemany`` on SQLite (the JSON
    columns already as text, as SQLAlchemy would have written them)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        raw.commit()
    finally:
        raw.close()


def prefill(setup: Setup, manifest: dict, bodies, rows: int) -> float:
    """Bulk-insert ``rows`` responses (SIPAS answers at the round's entries) and baseline rows."""
    from sqlalchemy import create_engine, select, text

    started = time.time()
    engine = create_engine(setup.app_url)
    responses = setup.responses
    with engine.connect() as connection:
        template = connection.execute(
            select(
                responses.c.round_id,
                responses.c.questionnaire_id,
                responses.c.rated_unit_id,
                responses.c.entry_point_id,
            )
            .where(responses.c.channel == "api_entry")
            .limit(1)
        ).one()
    baseline = create_engine(setup.baseline_url)
    answers = [json.loads(a + str(uuid.uuid4()) + b) for a, b in bodies]
    answer_texts = [json.dumps(body["answers"]) for body in answers]
    postgres = setup.args.database == "postgresql"
    quarantined = False if postgres else 0
    today = dt.date.today() if postgres else dt.date.today().isoformat()
    paradata, flags = json.dumps({"device": "tablet"}), json.dumps([])
    chunk = 50_000
    for start in range(0, rows, chunk):
        app_rows, base_rows = [], []
        for i in range(start, min(rows, start + chunk)):
            sid = str(uuid.uuid4())
            k = i % len(answers)
            app_rows.append((sid, f"PF{i:012d}", template.round_id, template.questionnaire_id,
                             template.rated_unit_id, "citizen", "api_entry",
                             template.entry_point_id, answer_texts[k], paradata, flags,
                             quarantined, today))
            base_rows.append((sid, bodies[k][0] + sid + bodies[k][1]))
        _bulk_insert(engine, "responses", APP_COLUMNS, app_rows)
        _bulk_insert(baseline, "intake", ("submission_id", "body"), base_rows)
    if postgres:
        for e in (engine, baseline):
            with e.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    baseline.dispose()
    return time.time() - started


def print_rows(database: str, label: str, runs: dict, replays: dict, found: dict) -> None:
    ratios = []
    for i, (base, app) in enumerate(zip(runs["baseline"], runs["par-survey"]), 1):
        ratios.append(app["rate"] / base["rate"])
        for name, figures in (("baseline (bare insert)", base), ("par-survey", app)):
            print(
                f"{database:<10} {label:<14} {i:>3} {name:<22} {figures['rate']:>7.0f} "
                f"{figures['p50_ms']:>7.1f} {figures['p99_ms']:>7.1f} {figures['errors']:>6} "
                f"{figures['cpu_ms']:>7.2f}"
            )
        print(f"{'':<10} {label:<14} {i:>3} {'ratio':<22} {ratios[-1]:>7.2f}")
    print(
        f"{database:<10} {label:<14} {'':>3} {'par-survey replays':<22} {replays['rate']:>7.0f} "
        f"{replays['p50_ms']:>7.1f} {replays['p99_ms']:>7.1f} {replays['errors']:>6} "
        f"{replays['cpu_ms']:>7.2f}"
    )
    print(
        f"{database:<10} {label:<14} median ratio {statistics.median(ratios):.2f}; "
        + "; ".join(
            f"{name}: {stored:,} of {acked:,} acknowledged ids stored"
            for name, (stored, acked) in found.items()
        )
    )
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--duration", type=int, default=20, help="seconds of load per run")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="alternating baseline / par-survey runs (each printed, median ratio)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn workers for both apps (default: par-survey serve's)",
    )
    parser.add_argument(
        "--prefill", type=int, default=0, help="then store this many responses and measure again"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder and databases")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (Debian: apt-get install wrk)")
    sys.path.insert(0, str(HERE))
    work = Path(tempfile.mkdtemp(prefix="par-intake-"))
    setup = Setup(args, work)
    try:
        manifest = setup.seed()
        bodies = answer_bodies(manifest)

        def replay_bodies(acked: dict[str, int]) -> list[str]:
            """The bodies of (up to 20,000) acknowledged submissions, sent again as they were."""
            chosen = list(acked)[:20_000]
            return [
                bodies[int(sid[-2:], 16)][0] + sid + bodies[int(sid[-2:], 16)][1] for sid in chosen
            ]

        print(
            f"{args.clients} clients, {args.duration} s a run, {args.rounds} runs each, "
            f"wrk; {os.cpu_count()} cores; workers: {args.workers or 'default'}"
        )
        print(
            f"{'database':<10} {'stored':<14} {'run':>3} {'app':<22} {'req/s':>7} "
            f"{'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'cpu ms':>7}"
        )
        print("(cpu ms: CPU time per request of the app's gunicorn processes and, on PostgreSQL, "
              "its database backends)")
        measure(setup, bodies, replay_bodies, "fresh round")
        if args.prefill:
            seconds = prefill(setup, manifest, bodies, args.prefill)
            print(f"(prefilled {args.prefill:,} responses and baseline rows in {seconds:.0f} s)")
            measure(setup, bodies, replay_bodies, f"{args.prefill:,} stored")
    finally:
        if not args.keep:
            setup.drop()
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
