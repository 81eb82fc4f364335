"""Vietnam's calendar date: the day a round's closing date is compared with.

Asia/Ho_Chi_Minh from the system's time-zone database; UTC+7 (Vietnam keeps no daylight saving
time) where that database is missing.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

try:
    VIETNAM_TIME: dt.tzinfo = ZoneInfo("Asia/Ho_Chi_Minh")
except ZoneInfoNotFoundError:  # pragma: no cover - a system without tzdata
    VIETNAM_TIME = dt.timezone(dt.timedelta(hours=7), "ICT")


def vietnam_today(now: dt.datetime | None = None) -> dt.date:
    """The date in Vietnam at ``now`` (an aware datetime; default: this moment)."""
    return (now or dt.datetime.now(dt.timezone.utc)).astimezone(VIETNAM_TIME).date()
