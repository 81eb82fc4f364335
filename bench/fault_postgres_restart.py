"""Fault scenario: PostgreSQL restarted in the middle of a load run.

Starts everything itself, on a private throwaway PostgreSQL cluster (``initdb`` in a temporary
folder, its own port, run as the ``postgres`` user when started by root), never the machine's
shared server:

1. ``par-survey demo --no-serve`` seeds a round with SIPAS QR entry points on that cluster, and
   ``par-survey serve`` (its default workers) serves it.
2. ``--clients`` threads post valid SIPAS submissions (``fault_load.py``: after a 503 or a cut
   connection a client pauses ``--pause`` seconds and sends the same submission again).
3. After ``--before`` seconds the cluster is stopped (``pg_ctl stop -m fast``, or ``immediate``
   for a crash), stays down ``--down`` seconds and is started again; the load goes on for
   ``--after`` seconds.
4. Then: every receipt's ``submission_id`` is looked up in the database; the answers while the
   database was away are counted (503 with ``Retry-After`` in the API's JSON error format, never
   a 500); the requests in flight at the stop and how they ended; how long after the start the
   first receipt came and the rate of receipts before and after.

    python bench/fault_postgres_restart.py [--clients 16] [--down 5] [--mode fast|immediate]

Exits 1 when a check fails. Needs PostgreSQL's server programs (Debian: postgresql-15).
"""
from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from bench_intake import (  # noqa: E402
    count_stored,
    stop,
)
from fault_load import Load, seed_demo, serve  # noqa: E402


def pg_bin(name: str, given: str | None) -> str:
    if given:
        return str(Path(given) / name)
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    if shutil.which(name):
        return shutil.which(name)
    raise SystemExit(f"{name} not found: give --pg-bin (the folder of initdb and pg_ctl)")


class Cluster:
    """A throwaway PostgreSQL cluster in ``folder`` on ``port``."""

    def __init__(self, folder: Path, port: int, bindir: str | None):
        self.folder, self.port = folder, port
        self.data = folder / "pgdata"
        self.log = folder / "postgresql.log"
        self.pg_ctl = pg_bin("pg_ctl", bindir)
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(folder, "postgres")
        self._run(pg_bin("initdb", bindir), "-D", str(self.data), "-A", "trust", "-U",
                  "postgres", "--no-sync", "-E", "UTF8")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

    def _run(self, *command: str) -> None:
        subprocess.run(self.as_user + list(command), check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run(self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.log), "-w",
                  "-t", "120", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "-t", "120", "stop")

    def running(self) -> bool:
        return subprocess.run(self.as_user + [self.pg_ctl, "-D", str(self.data), "status"],
                              stdout=subprocess.DEVNULL).returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5499, help="the private cluster's port")
    parser.add_argument("--pg-bin", default=None, help="folder of initdb and pg_ctl")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=None, help="default: par-survey serve's")
    parser.add_argument("--before", type=float, default=8, help="seconds of load before the stop")
    parser.add_argument("--down", type=float, default=4, help="seconds the database stays down")
    parser.add_argument("--after", type=float, default=15, help="seconds of load after the start")
    parser.add_argument("--mode", choices=("fast", "immediate"), default="fast",
                        help="pg_ctl stop mode: fast (a restart) or immediate (a crash)")
    parser.add_argument("--pause", type=float, default=0.5,
                        help="a client's pause after a 503 or a cut connection")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="par-fault-pg-"))
    cluster = Cluster(work, args.port, args.pg_bin)
    server = log = None
    try:
        cluster.start()
        instance = work / "instance"
        env = dict(os.environ, PAR_SURVEY_INSTANCE=str(instance), FLASK_DEBUG="0",
                   DATABASE_URL=cluster.url)
        instance.mkdir()
        bodies = seed_demo(env, instance)
        port, server, log = serve(env, work, args.workers)

        print(f"PostgreSQL restart under load: {args.clients} clients, {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f}; stop mode {args.mode}, "
              f"down {args.down:g} s")
        load = Load(port, bodies, clients=args.clients, pause=args.pause)
        load.start()
        time.sleep(args.before)
        stop_at = load.mark(f"pg_ctl stop -m {args.mode}")
        cluster.stop(args.mode)
        stopped_at = load.mark("database stopped")
        time.sleep(args.down)
        load.mark("pg_ctl start")
        cluster.start()
        started_at = load.mark("database accepting connections")
        time.sleep(args.after)
        load.mark("load stopped")
        load.stop()
        stop(server)
        ok = report(load, cluster.url, stop_at, stopped_at, started_at, args)
    finally:
        if server is not None and server.poll() is None:
            stop(server)
        if log is not None:
            log.close()
        if cluster.running():
            cluster.stop("fast")
        if args.keep:
            print(f"(work folder kept: {work})")
        else:
            shutil.rmtree(work, ignore_errors=True)
    raise SystemExit(0 if ok else 1)


def report(load: Load, url: str, stop_at: float, stopped_at: float, started_at: float,
           args) -> bool:
    load.print_timeline()
    acked = load.acknowledged()
    found = count_stored(url, "responses", list(acked))
    statuses = load.statuses()
    refusals, well_formed = load.refusals_well_formed()
    in_flight = load.in_flight(stop_at)
    flight = ", ".join(f"{n} × {s}" for s, n in
                       sorted(Counter(str(r.status) for r in in_flight).items()))
    recovery = load.first_receipt_after(started_at)
    before = load.rate(1.0, stop_at)
    after = load.rate(started_at + (recovery or 0) + 1, started_at + args.after)
    errors = sum(n for s, n in statuses.items() if s not in ("200", "201", "503", "connection"))
    print(f"answers: {dict(sorted(statuses.items()))}")
    print(f"in flight when the stop began: {len(in_flight)} ({flight or 'none'})")
    print(f"503 answers: {refusals}, of which {well_formed} JSON with a code and Retry-After; "
          f"other errors (500 …): {errors}")
    down = (f"the database was down {started_at - stop_at:.1f} s (the stop took "
            f"{stopped_at - stop_at:.1f} s); ")
    print(down + (f"first receipt {recovery:.2f} s after it accepted connections again"
                  if recovery is not None else "no receipt after the restart"))
    print(f"receipts a second: {before:.0f} before the stop, {after:.0f} after the recovery")
    print(f"submissions answered 503 or cut off, then sent again: "
          f"{dict(load.retried_outcomes())} (200: stored before the connection was lost)")
    print(f"acknowledged ids found in the database: {found:,} of {len(acked):,}; "
          f"still unsent when the load stopped: {len(load.unsent)}")
    checks = {
        "every receipt's submission is stored": found == len(acked),
        "no answer other than a receipt, a 503 or a cut connection": errors == 0,
        "every 503 is the JSON refusal with Retry-After": refusals == well_formed,
        "intake recovered by itself": recovery is not None and after > 0,
    }
    for name, passed in checks.items():
        print(f"  {'PASS' if passed else 'FAIL'}  {name}")
    return all(checks.values())


if __name__ == "__main__":
    main()
