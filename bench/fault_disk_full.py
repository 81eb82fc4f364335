"""Fault scenario: the disk under the embedded SQLite database fills up during intake.

Run as root (it mounts a file system). Starts everything itself:

1. A small file system is mounted on the instance folder: ``tmpfs`` of ``--size``, or with
   ``--fs ext4`` a loop-mounted ext4 image (no blocks reserved for root) on a real disk.
2. ``par-survey demo --no-serve`` seeds a round there; a filler file then takes all but
   ``--headroom`` of the free space, and ``par-survey serve`` (default workers) serves the
   SQLite database in that folder (``synchronous=FULL``, WAL).
3. ``--clients`` threads post valid SIPAS submissions (``fault_load.py``) until the disk is full
   and the server has refused for ``--full-for`` seconds; then the filler is deleted and the
   load goes on for ``--after`` seconds.
4. Then: every receipt's ``submission_id`` is looked up, ``PRAGMA integrity_check`` must say
   ``ok``, the refusals while full are counted (503 ``storage_full`` with ``Retry-After``, never
   a 500), and how long after the space came back the first receipt came. The file system is
   unmounted at the end, whatever happened.

    sudo python bench/fault_disk_full.py [--fs tmpfs|ext4] [--size 48] [--headroom 2]

Exits 1 when a check fails.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from bench_intake import stop  # noqa: E402
from fault_load import Load, seed_demo, serve  # noqa: E402

MB = 1024 * 1024


def mount(fs: str, size_mb: int, target: Path, work: Path) -> None:
    target.mkdir()
    if fs == "tmpfs":
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(target)],
                       check=True)
        return
    image = work / "disk.img"
    with open(image, "wb") as handle:
        handle.truncate(size_mb * MB)
    subprocess.run(["mkfs.ext4", "-q", "-m", "0", "-F", str(image)], check=True)
    subprocess.run(["mount", "-o", "loop", str(image), str(target)], check=True)


def free_bytes(path: Path) -> int:
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


def fill(path: Path, keep: int) -> int:
    """Write zeros to ``path`` until ``keep`` bytes are left free; the bytes written."""
    written = 0
    block = b"\0" * MB
    with open(path, "wb") as handle:
        while True:
            room = free_bytes(path.parent) - keep
            if room <= 0:
                break
            chunk = block if room >= MB else block[:room]
            handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
            written += len(chunk)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fs", choices=("tmpfs", "ext4"), default="tmpfs")
    parser.add_argument("--size", type=int, default=48, help="MB of the file system")
    parser.add_argument("--headroom", type=float, default=2, help="MB left free by the filler")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=None, help="default: par-survey serve's")
    parser.add_argument("--full-for", type=float, default=5,
                        help="seconds of refusals before the space is freed")
    parser.add_argument("--max-fill", type=float, default=120,
                        help="give up if the disk is not full after this many seconds")
    parser.add_argument("--after", type=float, default=15, help="seconds of load after freeing")
    parser.add_argument("--pause", type=float, default=0.5,
                        help="a client's pause after a 503 or a cut connection")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: the scenario mounts a small file system")

    work = Path(tempfile.mkdtemp(prefix="par-fault-disk-"))
    instance = work / "instance"
    mount(args.fs, args.size, instance, work)
    server = log = None
    try:
        env = dict(os.environ, PAR_SURVEY_INSTANCE=str(instance), FLASK_DEBUG="0")
        env.pop("DATABASE_URL", None)
        bodies = seed_demo(env, instance)
        database = instance / "par-survey.sqlite"
        seeded = database.stat().st_size
        filler = instance / "filler"
        filled = fill(filler, int(args.headroom * MB))
        port, server, log = serve(env, work, args.workers)

        print(f"Disk full under load: {args.fs} of {args.size} MB on the instance folder, "
              f"database {seeded / MB:.1f} MB after seeding, filler {filled / MB:.1f} MB, "
              f"{free_bytes(instance) / MB:.1f} MB left; {args.clients} clients, "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        load = Load(port, bodies, clients=args.clients, pause=args.pause)
        load.start()
        full_at = None
        deadline = time.monotonic() + args.max_fill
        while time.monotonic() < deadline:
            time.sleep(0.2)
            refusals = [r for r in list(load.replies) if r.code == "storage_full"]
            if refusals and full_at is None:
                full_at = load.mark("first 503 storage_full")
            if full_at is not None and time.monotonic() - load.t0 - full_at >= args.full_for:
                break
        receipts_before = len(load.acknowledged())
        freed_at = load.mark(f"filler deleted ({filled / MB:.1f} MB freed)")
        filler.unlink()
        time.sleep(args.after)
        load.mark("load stopped")
        load.stop()
        stop(server)
        ok = report(load, database, full_at, freed_at, receipts_before, args)
    finally:
        if server is not None and server.poll() is None:
            stop(server)
        if log is not None:
            log.close()
        subprocess.run(["umount", str(instance)], check=False)
        shutil.rmtree(work, ignore_errors=True)
    raise SystemExit(0 if ok else 1)


def stored_and_integrity(database: Path, ids: list[str]) -> tuple[int, str, int]:
    connection = sqlite3.connect(database)
    try:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        found = 0
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found += connection.execute(
                f"SELECT count(*) FROM responses WHERE submission_id IN ({marks})", chunk
            ).fetchone()[0]
        total = connection.execute("SELECT count(*) FROM responses").fetchone()[0]
    finally:
        connection.close()
    return found, integrity, total


def report(load: Load, database: Path, full_at: float | None, freed_at: float,
           receipts_before: int, args) -> bool:
    load.print_timeline()
    acked = load.acknowledged()
    found, integrity, total = stored_and_integrity(database, list(acked))
    statuses = load.statuses()
    refusals, well_formed = load.refusals_well_formed()
    codes = sorted({r.code for r in load.replies if r.status == 503})
    recovery = load.first_receipt_after(freed_at)
    errors = sum(n for s, n in statuses.items() if s not in ("200", "201", "503", "connection"))
    print(f"answers: {dict(sorted(statuses.items()))}")
    print(f"receipts before the space was freed: {receipts_before:,}; 503 answers: {refusals} "
          f"({', '.join(c or '?' for c in codes) or 'none'}), of which {well_formed} JSON with "
          f"a code and Retry-After; other errors (500 …): {errors}")
    print("first receipt " + (f"{recovery:.2f} s after the space was freed"
                              if recovery is not None else "never came after freeing space"))
    rate = load.rate(freed_at + (recovery or 0), freed_at + args.after)
    print(f"receipts a second after freeing: {rate:.0f}")
    print(f"submissions answered 503 or cut off, then sent again: {dict(load.retried_outcomes())}")
    print(f"acknowledged ids found in the database: {found:,} of {len(acked):,} "
          f"({total:,} responses stored in all); PRAGMA integrity_check: {integrity}")
    checks = {
        "the disk filled and the server said so with a 503 storage_full": full_at is not None,
        "every receipt's submission is stored": found == len(acked),
        "the database passes its integrity check": integrity == "ok",
        "no answer other than a receipt, a 503 or a cut connection": errors == 0,
        "every 503 is the JSON refusal with Retry-After": refusals == well_formed,
        "intake resumed once space was freed": recovery is not None,
    }
    for name, passed in checks.items():
        print(f"  {'PASS' if passed else 'FAIL'}  {name}")
    return all(checks.values())


if __name__ == "__main__":
    main()
