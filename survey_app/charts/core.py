"""What every chart shares: rows of numbers, a linear scale with round ticks, locale number
formats, SVG elements and the accessible figure (the SVG, its caption and its numbers as a table).

Nothing here computes a statistic: rows carry numbers the analysis (or a count) already produced.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale
from babel.numbers import format_percent, parse_pattern
from markupsafe import Markup, escape

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "system-ui, sans-serif"
INK, MUTED, GRID, ACCENT, OTHER = "#111111", "#555555", "#dddddd", "#0b57a4", "#b35900"
GAIN, LOSS = "#0a6b2d", "#a40000"


@dataclass(frozen=True)
class Row:
    """One labelled number of a chart: an estimate with its interval, a count, points or a change.

    ``maximum`` is what the value is measured against (a criterion's maximum points, a quota);
    ``href`` makes the label a link; ``reference`` is a second number drawn beside the value (the
    province beside a unit), with its own interval.
    """

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    maximum: float | None = None
    href: str | None = None
    reference: float | None = None
    reference_low: float | None = None
    reference_high: float | None = None


def missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# --- numbers in the page's language ------------------------------------------------------------

PERCENT_PATTERNS = {"vi": "#,##0.{digits} %", "en": "#,##0.{digits}%"}


def number(value, locale: str, digits: int = 2) -> str:
    """``75,63`` in Vietnamese, ``75.63`` in English; an em dash for a missing number."""
    if missing(value):
        return "—"
    parsed, pattern = _decimal_format(str(locale), digits)
    return pattern.apply(value, parsed)  # what babel's format_decimal does, parsed once


@lru_cache(maxsize=64)
def _decimal_format(locale: str, digits: int):
    return Locale.parse(locale), parse_pattern("#,##0." + "0" * digits if digits else "#,##0")


def percent(value, locale: str, digits: int = 2) -> str:
    """A percentage given on the 0–100 scale: ``75,63 %`` in Vietnamese, ``75.63%`` in English."""
    if missing(value):
        return "—"
    language = str(locale).split("_")[0].split("-")[0]
    pattern = PERCENT_PATTERNS.get(language, PERCENT_PATTERNS["en"]).replace(
        ".{digits}", "." + "0" * digits if digits else "")
    return format_percent(value / 100, format=pattern, locale=locale)


# --- scale ---------------------------------------------------------------------------------------

def nice_step(span: float, count: int) -> float:
    """A round tick step (1, 2 or 5 × 10^k) giving about ``count`` intervals over ``span``."""
    raw = span / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


@dataclass(frozen=True)
class Scale:
    """A linear map from the numbers' domain ``(low, high)`` to pixels ``(start, end)``."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)

    def ticks(self, count: int = 5) -> list[float]:
        step = nice_step(self.high - self.low, count)
        first = math.ceil(self.low / step - 1e-9) * step
        out, tick = [], first
        while tick <= self.high + step * 1e-9:
            out.append(round(tick, 10))
            tick += step
        return out


def nice_domain(values: Sequence[float], *, floor: float | None = None,
                ceiling: float | None = None, include: Sequence[float] = (),
                count: int = 5) -> tuple[float, float]:
    """The smallest round range holding every value (and ``include``), within floor/ceiling."""
    present = [v for v in list(values) + list(include) if not missing(v)]
    if not present:
        return (floor if floor is not None else 0.0, ceiling if ceiling is not None else 1.0)
    low, high = min(present), max(present)
    if high == low:
        low, high = low - 1, high + 1
    step = nice_step(high - low, count)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    if floor is not None:
        low = max(low, floor)
    if ceiling is not None:
        high = min(high, ceiling)
    return float(low), float(high)


# --- SVG and the figure around it ----------------------------------------------------------------

def fmt(value: float) -> str:
    """A coordinate with two decimals at most (short markup, exact enough for a screen)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def element(name: str, content: str = "", **attributes) -> str:
    """An SVG element; attribute names use ``_`` for ``-`` (``font_size`` → ``font-size``),
    ``class_`` for ``class``; None values are left out; text content is escaped by the caller."""
    parts = []
    for key, value in attributes.items():
        if value is None:
            continue
        key = key.rstrip("_").replace("_", "-")
        text = fmt(value) if isinstance(value, float) else str(value)
        parts.append(f' {key}="{escape(text)}"')
    attrs = "".join(parts)
    return f"<{name}{attrs}>{content}</{name}>" if content else f"<{name}{attrs}/>"


def text(x: float, y: float, content: str, *, anchor: str = "start", size: int = 13,
         fill: str = INK, **attributes) -> str:
    return element("text", str(escape(content)), x=float(x), y=float(y), text_anchor=anchor,
                   font_size=size, fill=fill, **attributes)


def tick_digits(ticks: Sequence[float]) -> int:
    """Decimals enough to tell round ticks apart (none for 0, 20, 40…; one for 0.5, 1.0…)."""
    if len(ticks) < 2:
        return 0
    step = abs(ticks[1] - ticks[0])
    return 0 if step >= 1 else max(0, -math.floor(math.log10(step)))


def x_axis(scale: Scale, top: float, bottom: float, label_of, *, count: int = 5) -> str:
    """Vertical grid lines at round ticks, with their numbers under the plot; ``label_of`` is a
    function ``(value, digits) -> text``."""
    marks = []
    ticks = scale.ticks(count)
    digits = tick_digits(ticks)
    for tick in ticks:
        x = float(scale(tick))
        marks.append(element("line", x1=x, x2=x, y1=float(top), y2=float(bottom), stroke=GRID,
                             class_="grid"))
        marks.append(text(x, bottom + 16, label_of(tick, digits), anchor="middle", size=12,
                          fill=MUTED,
                          class_="tick", data_value=repr(tick)))
    return "".join(marks)


def svg(chart_id: str, title: str, width: int, height: int, body: str, scale: Scale | None = None,
        axis: str = "x") -> str:
    """The SVG root: ``role="img"`` named by its title; the scale is written on the plot group
    (``data-domain``/``data-range``) so a reader or a test can map a coordinate back to a number."""
    plot = body
    if scale is not None:
        plot = element("g", body, class_="plot", data_axis=axis,
                       data_domain=f"{scale.low!r} {scale.high!r}",
                       data_range=f"{fmt(scale.start)} {fmt(scale.end)}")
    title_id = f"{chart_id}-title"
    return element("svg", element("title", str(escape(title)), id=title_id) + plot,
                   xmlns=SVG_NS, viewBox=f"0 0 {width} {height}", width=width, height=height,
                   role="img", aria_labelledby=title_id, font_family=FONT, class_="chart",
                   preserveAspectRatio="xMinYMin meet")


def table(caption: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
          links: Sequence[str | None] = ()) -> str:
    """The chart's numbers; the first cell of a row heads it (a link when ``links`` gives one:
    links live here, not in the SVG, whose ``role="img"`` hides its children from assistive
    technology)."""
    head = "".join(f"<th scope=\"col\">{escape(h)}</th>" for h in headers)
    links = list(links) + [None] * (len(rows) - len(links))
    body = []
    for cells, href in zip(rows, links):
        first = escape(cells[0])
        if href:
            first = Markup(f"<a href=\"{escape(href)}\">{first}</a>")
        body.append(f"<tr><th scope=\"row\">{first}</th>"
                    + "".join(f"<td>{escape(c)}</td>" for c in cells[1:]) + "</tr>")
    body = "".join(body)
    return (f"<table class=\"chart-data\"><caption>{escape(caption)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def figure(chart_id: str, svg_markup: str, caption: str, data_table: str,
           table_summary: str) -> Markup:
    """The chart as a ``<figure>``: the SVG in a box that scrolls on a narrow screen, a caption,
    and the same numbers as a table in a ``<details>`` (read by screen readers, open on demand)."""
    return Markup(
        f"<figure class=\"chart\" id=\"{escape(chart_id)}\">"
        f"<div class=\"chart-box\">{svg_markup}</div>"
        f"<figcaption>{escape(caption)}</figcaption>"
        f"<details class=\"chart-numbers\"><summary>{escape(table_summary)}</summary>"
        f"{data_table}</details></figure>")


def formatter(kind: str, locale: str, digits: int = 2):
    """How a chart writes its numbers: ``"percent"`` (0–100 → 75,63 %), ``"number"`` or
    ``"count"`` (no decimals); the function takes the value and, optionally, other digits."""
    if kind == "count":
        digits = 0
    write = percent if kind == "percent" else number
    return lambda value, places=digits: write(value, locale, places)


def interval_text(low, high, write) -> str:
    if missing(low) or missing(high):
        return "—"
    return f"{write(low)} – {write(high)}"


def wrap(label: str, limit: int, lines: int = 2) -> list[str]:
    """A label broken between words into at most ``lines`` lines of ``limit`` characters, the
    last one shortened with an ellipsis if the label is longer still."""
    out, current = [], ""
    for word in label.split():
        if current and len(current) + 1 + len(word) > limit:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    out.append(current)
    if len(out) > lines:
        out = out[: lines - 1] + [shorten(" ".join(out[lines - 1:]), limit)]
    return [shorten(line, limit) for line in out]


def label(x: float, y: float, content: str, limit: int, line_height: int = 14) -> str:
    """A row's label, right-aligned at ``x`` and centred on ``y`` over one or two lines."""
    lines = wrap(content, limit)
    first = y + 4 - (len(lines) - 1) * line_height / 2
    spans = "".join(element("tspan", str(escape(line)), x=float(x),
                            y=float(first + i * line_height)) for i, line in enumerate(lines))
    return element("text", spans, text_anchor="end", font_size=13, fill=INK, class_="label")


def row_height(labels, limit: int, single: int, double: int = 34) -> int:
    """The height of a chart's rows: taller when some label needs two lines."""
    return double if any(len(text) > limit for text in labels) else single


def shorten(label: str, limit: int) -> str:
    """A label cut to ``limit`` characters with an ellipsis (the full one is in the table)."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"
