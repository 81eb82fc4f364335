"""CPU seconds spent by a server's processes (Linux ``/proc``): a figure that a shared machine's
other load disturbs far less than requests a second, to print beside them.

``server_cpu_seconds(master)`` sums user and system time of a gunicorn master and its workers;
``postgres_backend_pids(url)`` names the PostgreSQL backends serving one database (same machine),
whose CPU ``cpu_seconds`` then adds.
"""
from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # the fields after the command name


def cpu_seconds(pids) -> float:
    """User + system seconds of these processes (those gone are skipped)."""
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields is not None:
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / TICKS


def children(parent: int) -> list[int]:
    """The processes whose parent is ``parent``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[1]) == parent:
                found.append(int(entry.name))
    return found


def server_cpu_seconds(master: int) -> float:
    """CPU seconds of a gunicorn master and its current workers."""
    return cpu_seconds([master, *children(master)])


def postgres_backend_pids(url: str) -> list[int]:
    """The backends connected to ``url``'s database (read through a connection of its own)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        pids = connection.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()")).scalars().all()
    engine.dispose()
    return list(pids)
