"""Paradata: what quality control keeps of how a questionnaire was answered, nothing more."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DEVICE_CLASSES = ("mobile", "tablet", "desktop")
MAX_PAGE_SECONDS = 6 * 3600


def device_class(user_agent: str | None) -> str:
    """``mobile``, ``tablet`` or ``desktop`` from a User-Agent header (nothing else is kept)."""
    agent = (user_agent or "").lower()
    if "ipad" in agent or "tablet" in agent or ("android" in agent and "mobile" not in agent):
        return "tablet"
    if any(word in agent for word in ("mobi", "iphone", "ipod", "android", "windows phone")):
        return "mobile"
    return "desktop"


def clean_paradata(paradata: Any, device: str | None = None) -> dict[str, Any]:
    """Keep only what quality control needs: seconds per page, total seconds, device class.

    Unknown keys, negative or absurd times are dropped; no timestamp or address survives.
    """
    kept: dict[str, Any] = {}
    raw = paradata if isinstance(paradata, Mapping) else {}
    pages = raw.get("page_seconds")
    if isinstance(pages, Mapping):
        page_seconds = {
            str(name)[:64]: round(float(value), 1)
            for name, value in pages.items()
            if isinstance(value, (int, float))
            and not isinstance(value, bool)
            and 0 <= value <= MAX_PAGE_SECONDS
        }
        if page_seconds:
            kept["page_seconds"] = page_seconds
    total = raw.get("total_seconds")
    if (
        isinstance(total, (int, float))
        and not isinstance(total, bool)
        and 0 <= total <= 10 * MAX_PAGE_SECONDS
    ):
        kept["total_seconds"] = round(float(total), 1)
    elif "page_seconds" in kept:
        kept["total_seconds"] = round(sum(kept["page_seconds"].values()), 1)
    claimed = raw.get("device")
    kept["device"] = device or (claimed if claimed in DEVICE_CLASSES else "unknown")
    if raw.get("language") in ("vi", "en"):
        kept["language"] = raw["language"]
    if raw.get("consent") is True:
        kept["consent"] = True
    return kept
