"""Bars: values against their maximum (criterion points, responses against a quota, flag counts
against the responses checked), changes from last year around zero, and counts per day."""
from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from survey_app.charts.core import (
    ACCENT,
    GAIN,
    GRID,
    LOSS,
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
VALUE_WIDTH = 130
ROW_HEIGHT = 26
BAR_HEIGHT = 14
TOP = 12
BOTTOM = 34
LABEL_CHARS = 34


def _row_group(row: Row, y: float, content: str, tip: str) -> str:
    return element("g", element("title", str(Markup.escape(tip)))
                   + label(LABEL_WIDTH - 8, y, row.label, LABEL_CHARS)
                   + content, class_="row", data_label=row.label)


def _rows_layout(rows: Sequence[Row]) -> tuple[int, int]:
    """The rows' height and where the plot ends."""
    step = row_height([row.label for row in rows], LABEL_CHARS, ROW_HEIGHT)
    return step, TOP + step * len(rows)


def bars_against_maximum(rows: Sequence[Row], *, chart_id: str, title: str, caption: str,
                         headers: Sequence[str], table_summary: str, locale: str,
                         kind: str = "number", digits: int = 2, share_of: str = "",
                         domain_high: float | None = None) -> Markup:
    """One row per item: a pale bar to the item's maximum (its quota, its maximum points), a
    solid bar to its value over it, and a whisker over the value's interval when it has one.
    ``share_of`` (e.g. "của chỉ tiêu") adds the value as a percentage of the maximum, read from
    ``Row.reference`` (computed before, not here). ``headers``: item, value, maximum, and then the
    interval or the percentage when shown."""
    write = formatter(kind, locale, digits)
    write_pct = formatter("percent", locale, 1)
    high = domain_high
    if high is None:
        high = nice_domain([v for r in rows for v in (r.value, r.maximum, r.high)], floor=0.0)[1]
    scale = Scale(0.0, float(high), LABEL_WIDTH, WIDTH - VALUE_WIDTH)
    step, bottom = _rows_layout(rows)
    marks = [x_axis(scale, TOP, bottom, write)]
    for i, row in enumerate(rows):
        y = float(TOP + step * i + step / 2)
        top = y - BAR_HEIGHT / 2
        content = ""
        if not missing(row.maximum):
            content += element("rect", x=float(scale(0)), y=top, height=float(BAR_HEIGHT),
                               width=float(scale(min(row.maximum, high)) - scale(0)),
                               fill="#e8eef6", stroke=GRID, class_="maximum",
                               data_value=repr(float(row.maximum)))
        if not missing(row.value):
            content += element("rect", x=float(scale(0)), y=top + 3, height=float(BAR_HEIGHT - 6),
                               width=float(scale(min(row.value, high)) - scale(0)),
                               fill=ACCENT, class_="value", data_value=repr(float(row.value)))
        if not (missing(row.low) or missing(row.high)):
            content += element("line", x1=float(scale(row.low)), x2=float(scale(min(row.high, high))),
                               y1=y, y2=y, stroke=OTHER, stroke_width=2.0, class_="interval")
        said = f"{write(row.value)} / {write(row.maximum)}"
        if share_of and not missing(row.reference):
            said += f" ({write_pct(row.reference)})"
        content += text(WIDTH - 4, y + 4, said, anchor="end", fill=MUTED)
        marks.append(_row_group(row, y, content, f"{row.label}: {said}"))
    body = svg(chart_id, title, WIDTH, bottom + BOTTOM, "".join(marks), scale)
    cells = []
    for row in rows:
        extra = (write_pct(row.reference),) if share_of else (
            (interval_text(row.low, row.high, write),) if len(headers) > 3 else ())
        cells.append((row.label, write(row.value), write(row.maximum)) + extra)
    data = table(caption, headers, cells, [row.href for row in rows])
    return figure(chart_id, body, caption, data, table_summary)


def share_bars(rows: Sequence[Row], *, chart_id: str, title: str, caption: str,
               headers: Sequence[str], table_summary: str, locale: str, digits: int = 1) -> Markup:
    """One row per item, a bar from zero to its percentage (``Row.value``, 0–100, computed
    before), written with its count (``Row.reference``). The axis ends at the largest percentage
    rounded up, so rare flags stay visible. ``headers``: item, count, percentage."""
    write, count = formatter("percent", locale, digits), formatter("count", locale)
    high = nice_domain([r.value for r in rows], floor=0.0, ceiling=100.0, include=(0.0, 1.0))[1]
    scale = Scale(0.0, float(high), LABEL_WIDTH, WIDTH - VALUE_WIDTH)
    step, bottom = _rows_layout(rows)
    marks = [x_axis(scale, TOP, bottom, write)]
    for i, row in enumerate(rows):
        y = float(TOP + step * i + step / 2)
        content = ""
        if not missing(row.value):
            content += element("rect", x=float(scale(0)), y=y - BAR_HEIGHT / 2,
                               height=float(BAR_HEIGHT), width=float(scale(row.value) - scale(0)),
                               fill=OTHER, class_="value", data_value=repr(float(row.value)))
        said = f"{count(row.reference)} ({write(row.value)})"
        content += text(WIDTH - 4, y + 4, said, anchor="end", fill=MUTED)
        marks.append(_row_group(row, y, content, f"{row.label}: {said}"))
    body = svg(chart_id, title, WIDTH, bottom + BOTTOM, "".join(marks), scale)
    data = table(caption, headers, [(r.label, count(r.reference), write(r.value)) for r in rows])
    return figure(chart_id, body, caption, data, table_summary)


def change_bars(rows: Sequence[Row], *, chart_id: str, title: str, caption: str,
                headers: Sequence[str], table_summary: str, locale: str, digits: int = 2) -> Markup:
    """One row per item, a bar from zero to its change from last year (``Row.value``; gains to
    the right in green, losses to the left in red). ``Row.reference`` is last year's number and
    ``Row.maximum`` this year's, shown in the table. ``headers``: item, this year, last year,
    change."""
    write = formatter("number", locale, digits)
    changes = [r.value for r in rows]
    low, high = nice_domain(changes, include=(0.0,))
    scale = Scale(low, high, LABEL_WIDTH, WIDTH - VALUE_WIDTH)
    step, bottom = _rows_layout(rows)
    zero = float(scale(0.0))
    marks = [x_axis(scale, TOP, bottom, write),
             element("line", x1=zero, x2=zero, y1=float(TOP), y2=float(bottom), stroke=MUTED,
                     stroke_width=1.5, class_="zero")]
    for i, row in enumerate(rows):
        y = float(TOP + step * i + step / 2)
        content = ""
        if not missing(row.value):
            end = float(scale(row.value))
            content += element("rect", x=min(zero, end), y=y - BAR_HEIGHT / 2,
                               width=abs(end - zero), height=float(BAR_HEIGHT),
                               fill=GAIN if row.value >= 0 else LOSS,
                               class_="gain" if row.value >= 0 else "loss",
                               data_value=repr(float(row.value)))
        said = write(row.value) if missing(row.value) or row.value < 0 else "+" + write(row.value)
        content += text(WIDTH - 4, y + 4, said, anchor="end", fill=MUTED)
        marks.append(_row_group(row, y, content, f"{row.label}: {said}"))
    body = svg(chart_id, title, WIDTH, bottom + BOTTOM, "".join(marks), scale)
    cells = [(r.label, write(r.maximum), write(r.reference), write(r.value)) for r in rows]
    data = table(caption, headers, cells, [row.href for row in rows])
    return figure(chart_id, body, caption, data, table_summary)


COLUMN_TOP = 16
COLUMN_LEFT = 56
COLUMN_HEIGHT = 180


def daily_columns(rows: Sequence[Row], *, chart_id: str, title: str, caption: str,
                  headers: Sequence[str], table_summary: str, locale: str,
                  label_every: int | None = None, table_labels: Sequence[str] = ()) -> Markup:
    """One column per day (``Row.label`` is the date as the axis writes it, ``Row.value`` the
    count), in the given order, on a vertical count axis; ``table_labels`` name the days in the
    table (in full) when given."""
    write = formatter("count", locale)
    high = nice_domain([r.value for r in rows], floor=0.0, include=(0.0,))[1]
    scale = Scale(0.0, float(high), COLUMN_TOP + COLUMN_HEIGHT, COLUMN_TOP)
    band = (WIDTH - COLUMN_LEFT - 8) / max(len(rows), 1)
    every = label_every or max(1, round(len(rows) / 10))
    marks = []
    for tick in scale.ticks(4):
        y = float(scale(tick))
        marks.append(element("line", x1=float(COLUMN_LEFT), x2=float(WIDTH - 8), y1=y, y2=y,
                             stroke=GRID, class_="grid"))
        marks.append(text(COLUMN_LEFT - 6, y + 4, write(tick), anchor="end", size=12, fill=MUTED,
                          class_="tick", data_value=repr(tick)))
    base = float(scale(0.0))
    for i, row in enumerate(rows):
        x = COLUMN_LEFT + band * i
        content = element("title", str(Markup.escape(f"{row.label}: {write(row.value)}")))
        if not missing(row.value):
            top = float(scale(row.value))
            content += element("rect", x=float(x + band * 0.1), y=top, width=float(band * 0.8),
                               height=base - top, fill=ACCENT, class_="value",
                               data_value=repr(float(row.value)))
        if i % every == 0:
            content += text(x + band / 2, base + 16, row.label, anchor="middle", size=11,
                            fill=MUTED)
        marks.append(element("g", content, class_="column", data_label=row.label))
    body = svg(chart_id, title, WIDTH, COLUMN_TOP + COLUMN_HEIGHT + 26, "".join(marks), scale,
               axis="y")
    names = list(table_labels) or [r.label for r in rows]
    data = table(caption, headers, [(name, write(r.value)) for name, r in zip(names, rows)])
    return figure(chart_id, body, caption, data, table_summary)
