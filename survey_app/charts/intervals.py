"""Estimates with their confidence intervals: units ranked (dot and whisker, one row per unit) and
a unit's estimates beside the province's (two dots and whiskers per row)."""
from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from survey_app.charts.core import (
    ACCENT,
    MUTED,
    OTHER,
    Row,
    Scale,
    element,
    figure,
    formatter,
    interval_text,
    label,
    missing,
    nice_domain,
    row_height,
    svg,
    table,
    text,
    x_axis,
)

WIDTH = 760
LABEL_WIDTH = 240
VALUE_WIDTH = 90
ROW_HEIGHT = 24
TOP = 30
BOTTOM = 34
LABEL_CHARS = 34


def _rank_key(row: Row):
    return (missing(row.value), -(row.value if not missing(row.value) else 0.0), row.label)


def ranked(rows: Sequence[Row]) -> list[Row]:
    """Highest value first (ties by label); rows without a value last."""
    return sorted(rows, key=_rank_key)


def _whisker(scale: Scale, y: float, low, high, colour: str, cls: str, width: float = 2.0) -> str:
    if missing(low) or missing(high):
        return ""
    return element("line", x1=float(scale(low)), x2=float(scale(high)), y1=y, y2=y,
                   stroke=colour, stroke_width=width, class_=cls)


def _dot(scale: Scale, y: float, value, colour: str, cls: str, hollow: bool = False) -> str:
    if missing(value):
        return ""
    return element("circle", cx=float(scale(value)), cy=y, r=5.0,
                   fill="#ffffff" if hollow else colour, stroke=colour, stroke_width=2.0,
                   class_=cls, data_value=repr(float(value)))


def _legend(x: float, y: float, label: str, colour: str, hollow: bool) -> str:
    return (element("circle", cx=float(x), cy=y, r=5.0, fill="#ffffff" if hollow else colour,
                    stroke=colour, stroke_width=2.0, class_="legend")
            + text(x + 10, y + 4, label, size=12, fill=colour))


def _scale_for(rows: Sequence[Row], floor, ceiling, include=()) -> Scale:
    values = [v for r in rows for v in (r.value, r.low, r.high, r.reference, r.reference_low,
                                        r.reference_high)]
    low, high = nice_domain(values, floor=floor, ceiling=ceiling, include=include)
    return Scale(low, high, LABEL_WIDTH, WIDTH - VALUE_WIDTH)


def ranked_intervals(rows: Sequence[Row], *, chart_id: str, title: str, caption: str,
                     headers: Sequence[str], table_summary: str, locale: str,
                     kind: str = "percent", digits: int = 2, floor: float | None = 0.0,
                     ceiling: float | None = 100.0, reference: float | None = None,
                     reference_label: str = "") -> Markup:
    """One row per unit, highest estimate first: a dot at the estimate and a whisker over its
    confidence interval, the estimate written at the right; an optional vertical line marks a
    reference (the province). ``headers``: label, estimate, interval (and rank first)."""
    order = ranked(rows)
    write = formatter(kind, locale, digits)
    scale = _scale_for(order, floor, ceiling, () if missing(reference) else (reference,))
    step = row_height([row.label for row in order], LABEL_CHARS, ROW_HEIGHT)
    bottom = TOP + step * len(order)
    height = bottom + BOTTOM
    marks = [x_axis(scale, TOP - 6, bottom, write)]
    if not missing(reference):
        x = float(scale(reference))
        marks.append(element("line", x1=x, x2=x, y1=float(TOP - 10), y2=float(bottom),
                             stroke=OTHER, stroke_width=2.0, stroke_dasharray="5 3",
                             class_="reference", data_value=repr(float(reference))))
        marks.append(text(x, TOP - 14, f"{reference_label} {write(reference)}", anchor="middle",
                          size=12, fill=OTHER))
    for i, row in enumerate(order):
        y = float(TOP + step * i + step / 2)
        tip = element("title", str(Markup.escape(
            f"{row.label}: {write(row.value)} ({interval_text(row.low, row.high, write)})")))
        marks.append(element(
            "g",
            tip + label(LABEL_WIDTH - 8, y, row.label, LABEL_CHARS)
            + _whisker(scale, y, row.low, row.high, ACCENT, "interval")
            + _dot(scale, y, row.value, ACCENT, "estimate")
            + text(WIDTH - 4, y + 4, write(row.value), anchor="end", fill=MUTED),
            class_="row", data_label=row.label, data_rank=str(i + 1)))
    body = svg(chart_id, title, WIDTH, height, "".join(marks), scale)
    cells = [(row.label, "—" if missing(row.value) else str(i + 1), write(row.value),
              interval_text(row.low, row.high, write)) for i, row in enumerate(order)]
    data = table(caption, headers, cells, [row.href for row in order])
    return figure(chart_id, body, caption, data, table_summary)


def compared_intervals(rows: Sequence[Row], *, chart_id: str, title: str, caption: str,
                       headers: Sequence[str], table_summary: str, locale: str,
                       value_label: str, reference_label: str, kind: str = "percent",
                       digits: int = 2, floor: float | None = 0.0,
                       ceiling: float | None = 100.0) -> Markup:
    """One row per item (a SIPAS element): the unit's estimate and interval (filled dot) above the
    reference's (the province, hollow dot), in the given order. ``headers``: item, unit estimate,
    unit interval, reference estimate, reference interval."""
    write = formatter(kind, locale, digits)
    scale = _scale_for(rows, floor, ceiling)
    pair = ROW_HEIGHT * 2
    bottom = TOP + pair * len(rows)
    marks = [x_axis(scale, TOP - 6, bottom, write)]
    legend_y = float(TOP - 14)
    marks.append(_legend(LABEL_WIDTH + 6, legend_y, value_label, ACCENT, hollow=False))
    marks.append(_legend(LABEL_WIDTH + 220, legend_y, reference_label, OTHER, hollow=True))
    for i, row in enumerate(rows):
        y = float(TOP + pair * i + ROW_HEIGHT / 2 + 2)
        y_ref = y + ROW_HEIGHT - 6
        tip = element("title", str(Markup.escape(
            f"{row.label}: {write(row.value)}; {reference_label}: {write(row.reference)}")))
        marks.append(element(
            "g",
            tip + label(LABEL_WIDTH - 8, y, row.label, LABEL_CHARS)
            + _whisker(scale, y, row.low, row.high, ACCENT, "interval")
            + _dot(scale, y, row.value, ACCENT, "estimate")
            + text(WIDTH - 4, y + 4, write(row.value), anchor="end")
            + _whisker(scale, y_ref, row.reference_low, row.reference_high, OTHER,
                       "reference-interval", 1.5)
            + _dot(scale, y_ref, row.reference, OTHER, "reference", hollow=True)
            + text(WIDTH - 4, y_ref + 4, write(row.reference), anchor="end", fill=OTHER),
            class_="row", data_label=row.label))
    height = bottom + BOTTOM
    body = svg(chart_id, title, WIDTH, height, "".join(marks), scale)
    cells = [(row.label, write(row.value), interval_text(row.low, row.high, write),
              write(row.reference), interval_text(row.reference_low, row.reference_high, write))
             for row in rows]
    data = table(caption, headers, cells, [row.href for row in rows])
    return figure(chart_id, body, caption, data, table_summary)

