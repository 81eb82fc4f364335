"""The load of the fault scenarios (``fault_postgres_restart.py``, ``fault_disk_full.py``): client
threads posting valid SIPAS submissions to ``POST /api/v1/submissions`` on keep-alive
connections, every response recorded, and the figures the scenarios print.

Each client sends a new submission (a fresh ``submission_id``) after a receipt; after a 503 or a
broken connection it pauses (``--pause``, shorter than ``Retry-After``, so that the moment intake
resumes is seen) and sends the same body again, with the same ``submission_id``, as a device
keeping an unsent submission would: a submission stored before its connection was cut is then
answered 200 with its first receipt, one never stored 201.
"""
from __future__ import annotations

import http.client
import json
import subprocess
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench_intake import PAR_SURVEY, answer_bodies, free_port, wait_until_up

ROOT = Path(__file__).resolve().parent.parent


def seed_demo(env: dict, instance: Path) -> list:
    """``par-survey demo --no-serve`` in ``instance``; valid SIPAS bodies for its QR entries."""
    subprocess.run([PAR_SURVEY, "demo", "--no-serve"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    manifest = json.loads((instance / "demo-manifest.json").read_text(encoding="utf-8"))
    return answer_bodies(manifest)


def serve(env: dict, work: Path, workers: int | None):
    """``par-survey serve`` on a free port, logging to ``work``; ``(port, server, log)`` once
    ``/healthz`` answers (the caller stops the server and closes the log)."""
    port = free_port()
    log = open(work / "par-survey.log", "ab")  # noqa: SIM115 - open while the server runs
    command = [PAR_SURVEY, "serve", "--port", str(port)]
    if workers:
        command += ["--workers", str(workers)]
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log)
    wait_until_up(f"http://127.0.0.1:{port}/healthz", server)
    return port, server, log

SUBMISSIONS = "/api/v1/submissions"


@dataclass
class Reply:
    started: float
    ended: float
    status: int | str  # an HTTP status, or "connection" for a refused or broken connection
    submission_id: str
    attempt: int
    code: str | None = None  # the JSON error's code
    retry_after: str | None = None


@dataclass
class Load:
    """``clients`` threads posting ``bodies`` (``(before, after)`` around the id) to a server."""

    port: int
    bodies: list[tuple[str, str]]
    clients: int = 16
    pause: float = 0.5
    timeout: float = 60.0
    replies: list[Reply] = field(default_factory=list)
    unsent: list[str] = field(default_factory=list)  # ids still waiting when the load stopped
    events: list[tuple[float, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._client, args=(n,), daemon=True)
                         for n in range(self.clients)]
        self.t0 = time.monotonic()

    def start(self) -> None:
        self.t0 = time.monotonic()
        for thread in self._threads:
            thread.start()

    def mark(self, what: str) -> float:
        """Note an event of the scenario on the timeline; its time since the start."""
        now = time.monotonic() - self.t0
        self.events.append((now, what))
        print(f"  {now:6.1f} s  {what}", flush=True)
        return now

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _client(self, number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = {"Content-Type": "application/json", "User-Agent": "fault-scenario"}
        pending: tuple[str, str, int] | None = None
        index = number
        while not self._stop.is_set():
            if pending is None:
                sid = str(uuid.uuid4())
                before, after = self.bodies[index % len(self.bodies)]
                index += self.clients
                pending = (sid, before + sid + after, 0)
            sid, body, attempt = pending
            started = time.monotonic()
            code = retry_after = None
            try:
                connection.request("POST", SUBMISSIONS, body.encode(), headers)
                response = connection.getresponse()
                data = response.read()
                status: int | str = response.status
                retry_after = response.getheader("Retry-After")
                if status >= 400:
                    try:
                        code = json.loads(data)["error"]["code"]
                    except (ValueError, KeyError, TypeError):
                        code = "not-json"
                elif json.loads(data).get("submission_id") != sid:
                    code = "wrong-receipt"
            except (OSError, http.client.HTTPException):
                status = "connection"
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port,
                                                        timeout=self.timeout)
            reply = Reply(started - self.t0, time.monotonic() - self.t0, status, sid, attempt,
                          code, retry_after)
            with self._lock:
                self.replies.append(reply)
            if status in (200, 201) or (isinstance(status, int) and status not in (502, 503)):
                pending = None  # acknowledged, or refused for good (counted as a failure)
            else:
                pending = (sid, body, attempt + 1)
                self._stop.wait(self.pause)
        if pending is not None:
            with self._lock:
                self.unsent.append(pending[0])
        connection.close()

    # -- figures -----------------------------------------------------------------------------

    def acknowledged(self) -> dict[str, int]:
        return {r.submission_id: r.status for r in self.replies if r.status in (200, 201)}

    def statuses(self) -> Counter:
        return Counter(str(r.status) for r in self.replies)

    def timeline(self, width: int = 1) -> list[tuple[int, Counter]]:
        buckets: dict[int, Counter] = defaultdict(Counter)
        for r in self.replies:
            key = "ok" if r.status in (200, 201) else str(r.status)
            buckets[int(r.ended // width)][key] += 1
        last = max(buckets) if buckets else 0
        return [(second, buckets.get(second, Counter())) for second in range(last + 1)]

    def print_timeline(self) -> None:
        """One line a second: receipts, 503s, broken connections, anything else; events."""
        events = defaultdict(list)
        for when, what in self.events:
            events[int(when)].append(what)
        print(f"  {'second':>6} {'receipts':>8} {'503':>5} {'conn':>5} {'other':>5}")
        for second, counts in self.timeline():
            other = sum(n for k, n in counts.items() if k not in ("ok", "503", "connection"))
            note = "  ← " + "; ".join(events[second]) if events[second] else ""
            print(f"  {second:>6} {counts['ok']:>8} {counts['503']:>5} "
                  f"{counts['connection']:>5} {other:>5}{note}")

    def in_flight(self, moment: float) -> list[Reply]:
        """The requests that had been sent and were not yet answered at ``moment``."""
        return [r for r in self.replies if r.started <= moment < r.ended]

    def first_receipt_after(self, moment: float) -> float | None:
        times = [r.ended for r in self.replies if r.status in (200, 201) and r.started >= moment]
        return min(times) - moment if times else None

    def retried_outcomes(self) -> Counter:
        """How submissions answered 503 (or cut off) at least once ended: 201 (never stored
        before), 200 (stored although the client was told otherwise), or still unsent."""
        retried = {r.submission_id for r in self.replies if r.attempt > 0}
        acked = self.acknowledged()
        out = Counter()
        for sid in retried:
            out[str(acked.get(sid, "unsent"))] += 1
        return out

    def refusals_well_formed(self) -> tuple[int, int]:
        """(503 answers, of which JSON with a known code and a Retry-After header)."""
        refusals = [r for r in self.replies if r.status == 503]
        good = [r for r in refusals if r.code in ("database_unavailable", "storage_full")
                and r.retry_after and r.retry_after.isdigit()]
        return len(refusals), len(good)

    def rate(self, start: float, end: float) -> float:
        n = sum(1 for r in self.replies if r.status in (200, 201) and start <= r.ended < end)
        return n / max(end - start, 1e-9)
