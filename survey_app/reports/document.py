"""The shape every report renderer lays out: sections of paragraphs and tables of text, and the
number formats they use (two decimals, the reader's separators: ``75,63`` in Vietnamese)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from babel.numbers import format_decimal

PUBLISHED_DECIMALS = 2
DASH = "—"


def published(value: float | None) -> Decimal | None:
    """A number at the published rounding (two decimals, as the results page's ``%.2f``)."""
    if value is None or math.isnan(value):
        return None
    return Decimal(f"{value:.{PUBLISHED_DECIMALS}f}")


def number(value: float | None, lang: str) -> str:
    """``75,63`` (vi) or ``75.63`` (en); a dash for no number."""
    rounded = published(value)
    if rounded is None:
        return DASH
    return format_decimal(rounded, format="#,##0.00", locale=lang)


def count(value: int | None, lang: str) -> str:
    return DASH if value is None else format_decimal(value, format="#,##0", locale=lang)


def interval(low: float | None, high: float | None, lang: str) -> str:
    if low is None or high is None:
        return DASH
    return f"{number(low, lang)}–{number(high, lang)}"


def percent(rate: float | None, lang: str) -> str:
    """A rate 0..1 as a percentage at the published rounding."""
    return number(None if rate is None else rate * 100, lang)


@dataclass
class Table:
    """A table of text; ``key`` names it for style and tests (e.g. ``sipas-agency``)."""

    key: str
    headers: list[str]
    rows: list[list[str]]
    caption: str = ""
    wide: bool = False


@dataclass
class Section:
    """A heading and its blocks, in order: paragraphs (str) and tables."""

    title: str
    blocks: list = field(default_factory=list)
    page_break: bool = False


@dataclass
class Document:
    """A whole document: title lines, sections, the contract's SHA-256 and a signature block."""

    lang: str
    title: str
    subtitle: str
    province: str
    round_code: str
    sha256: str
    draft: bool
    sections: list[Section]
    signature: list[tuple[str, str]] = field(default_factory=list)
    place_date: str = ""
    stamp: str = ""
    compact: bool = False
