"""The chart functions, tested on the marks they draw: one mark per row, each mark's coordinate
read back through the axis the reader sees (two tick marks give the map from pixels to numbers),
the order of the rows, the accessible name and the table of the numbers in the page's language."""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from survey_app.charts import (
    Row,
    Scale,
    bars_against_maximum,
    change_bars,
    compared_intervals,
    daily_columns,
    number,
    percent,
    ranked_intervals,
    share_bars,
)

SVG = "{http://www.w3.org/2000/svg}"
TEXTS = {"title": "Xếp hạng", "caption": "Chú thích", "table_summary": "Bảng số liệu"}


def parse(markup) -> ET.Element:
    """The whole figure (HTML written as well-formed XML) as an element tree."""
    return ET.fromstring(str(markup))


def svg_of(figure: ET.Element) -> ET.Element:
    return figure.find(f".//{SVG}svg")


def rows_of(figure: ET.Element, cls: str = "row") -> list[ET.Element]:
    return [g for g in svg_of(figure).iter(f"{SVG}g") if g.get("class") == cls]


def marks(element: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [m for m in element.iter(f"{SVG}{tag}") if m.get("class") == cls]


def axis_map(figure: ET.Element):
    """Pixels → numbers from the first and last tick marks the reader sees (their text is the
    number written in the page's language; their position is where the grid line is drawn)."""
    ticks = [t for t in svg_of(figure).iter(f"{SVG}text") if t.get("class") == "tick"]
    assert len(ticks) >= 2
    (p0, v0), (p1, v1) = [(float(t.get("x")), float(t.get("data-value")))
                          for t in (ticks[0], ticks[-1])]
    return lambda pixel: v0 + (pixel - p0) * (v1 - v0) / (p1 - p0)


def axis_map_y(figure: ET.Element):
    """As :func:`axis_map` for a vertical axis: the tick text sits 4 px below its grid line."""
    ticks = [t for t in svg_of(figure).iter(f"{SVG}text") if t.get("class") == "tick"]
    (p0, v0), (p1, v1) = [(float(t.get("y")) - 4, float(t.get("data-value"))) for t in (ticks[0], ticks[-1])]
    return lambda pixel: v0 + (pixel - p0) * (v1 - v0) / (p1 - p0)


def table_rows(figure: ET.Element) -> list[list[str]]:
    body = figure.find(".//table/tbody")
    return [["".join(cell.itertext()) for cell in tr] for tr in body.findall("tr")]


UNITS = [Row("Xã Bình Minh", 61.25, 50.0, 71.5), Row("Sở Nội vụ", 86.35, 83.0, 89.1),
         Row("Sở Y tế", 72.5, 60.25, 82.0), Row("Phường <Đông> & Hải", 49.0, 40.0, 58.0)]


def ranking(rows=UNITS, locale="vi", **kw):
    return parse(ranked_intervals(rows, chart_id="ranking", locale=locale,
                                  headers=("Đơn vị", "Hạng", "Tỉ lệ", "KTC 95%"),
                                  reference=70.0, reference_label="Toàn tỉnh", **TEXTS, **kw))


def test_ranking_draws_one_dot_and_whisker_per_unit_at_its_estimate_highest_first():
    figure = ranking()
    to_value = axis_map(figure)
    rows = rows_of(figure)
    assert [r.get("data-label") for r in rows] == [
        "Sở Nội vụ", "Sở Y tế", "Xã Bình Minh", "Phường <Đông> & Hải"]
    expected = sorted(UNITS, key=lambda r: -r.value)
    for row, unit in zip(rows, expected):
        [dot] = marks(row, "circle", "estimate")
        [whisker] = marks(row, "line", "interval")
        assert to_value(float(dot.get("cx"))) == pytest.approx(unit.value, abs=0.01)
        assert to_value(float(whisker.get("x1"))) == pytest.approx(unit.low, abs=0.01)
        assert to_value(float(whisker.get("x2"))) == pytest.approx(unit.high, abs=0.01)
        assert float(dot.get("cy")) == float(whisker.get("y1"))
    ys = [float(marks(r, "circle", "estimate")[0].get("cy")) for r in rows]
    assert ys == sorted(ys) and len(set(ys)) == len(ys)   # one line each, top to bottom
    [reference] = [m for m in svg_of(figure).iter(f"{SVG}line") if m.get("class") == "reference"]
    assert to_value(float(reference.get("x1"))) == pytest.approx(70.0, abs=0.01)


def test_ranking_scale_written_on_the_plot_agrees_with_its_ticks():
    figure = ranking()
    plot = next(g for g in svg_of(figure).iter(f"{SVG}g") if g.get("class") == "plot")
    low, high = map(float, plot.get("data-domain").split())
    start, end = map(float, plot.get("data-range").split())
    scale = Scale(low, high, start, end)
    to_value = axis_map(figure)
    assert low <= 40.0 and high >= 89.1
    for value in (low, 55.5, high):
        assert to_value(scale(value)) == pytest.approx(value, abs=0.01)


def test_ranking_is_an_image_named_by_its_title_with_its_numbers_in_a_table():
    figure = ranking()
    svg = svg_of(figure)
    assert svg.get("role") == "img"
    title = svg.find(f"{SVG}title")
    assert svg.get("aria-labelledby") == title.get("id") and title.text == "Xếp hạng"
    assert figure.tag == "figure" and figure.find("figcaption").text == "Chú thích"
    assert figure.find("details/summary").text == "Bảng số liệu"
    assert [th.text for th in figure.findall(".//thead/tr/th")] == ["Đơn vị", "Hạng", "Tỉ lệ", "KTC 95%"]
    assert table_rows(figure) == [
        ["Sở Nội vụ", "1", "86,35 %", "83,00 % – 89,10 %"],
        ["Sở Y tế", "2", "72,50 %", "60,25 % – 82,00 %"],
        ["Xã Bình Minh", "3", "61,25 %", "50,00 % – 71,50 %"],
        ["Phường <Đông> & Hải", "4", "49,00 %", "40,00 % – 58,00 %"],
    ]


def test_ranking_in_english_and_a_unit_without_estimate_last_and_undrawn():
    rows = UNITS[:2] + [Row("Xã Mới", float("nan")), Row("Xã Khác", None, href="/results/X/units/K")]
    figure = ranking(rows, locale="en")
    drawn = rows_of(figure)
    assert [r.get("data-label") for r in drawn][-2:] == ["Xã Khác", "Xã Mới"]
    assert all(not marks(r, "circle", "estimate") for r in drawn[-2:])
    assert table_rows(figure)[0] == ["Sở Nội vụ", "1", "86.35%", "83.00% – 89.10%"]
    assert table_rows(figure)[2] == ["Xã Khác", "—", "—", "—"]
    assert figure.find(".//tbody/tr[3]/th/a").get("href") == "/results/X/units/K"


def test_unit_against_province_draws_both_estimates_per_element():
    rows = [Row("Tiếp cận dịch vụ", 86.35, 83.0, 89.7, reference=75.07, reference_low=74.0,
                reference_high=76.1),
            Row("Thủ tục hành chính", 80.0, 70.0, 88.0, reference=75.37, reference_low=74.3,
                reference_high=76.4)]
    figure = parse(compared_intervals(
        rows, chart_id="elements", locale="vi", value_label="Đơn vị", reference_label="Toàn tỉnh",
        headers=("Yếu tố", "Đơn vị", "KTC", "Toàn tỉnh", "KTC"), **TEXTS))
    to_value = axis_map(figure)
    drawn = rows_of(figure)
    assert [r.get("data-label") for r in drawn] == ["Tiếp cận dịch vụ", "Thủ tục hành chính"]
    for row, element in zip(drawn, rows):
        [own] = marks(row, "circle", "estimate")
        [province] = marks(row, "circle", "reference")
        [province_interval] = marks(row, "line", "reference-interval")
        assert to_value(float(own.get("cx"))) == pytest.approx(element.value, abs=0.01)
        assert to_value(float(province.get("cx"))) == pytest.approx(element.reference, abs=0.01)
        assert to_value(float(province_interval.get("x2"))) == pytest.approx(element.reference_high,
                                                                              abs=0.01)
    assert table_rows(figure)[0] == ["Tiếp cận dịch vụ", "86,35 %", "83,00 % – 89,70 %", "75,07 %",
                                     "74,00 % – 76,10 %"]


def test_points_bars_reach_their_points_and_their_maximum():
    rows = [Row("1.5 Chỉ đạo, điều hành", 2.81, 2.5, 3.0, maximum=3.0),
            Row("8.1 Sự hài lòng của người dân, tổ chức với dịch vụ hành chính công (SIPAS)", 6.96,
                6.8, 7.1, maximum=8.0)]
    figure = parse(bars_against_maximum(rows, chart_id="points", locale="vi",
                                        headers=("Tiêu chí", "Điểm", "Tối đa", "KTC"), **TEXTS))
    to_value = axis_map(figure)
    for row, criterion in zip(rows_of(figure), rows):
        [bar] = marks(row, "rect", "value")
        [whole] = marks(row, "rect", "maximum")
        assert to_value(float(bar.get("x"))) == pytest.approx(0.0, abs=1e-6)
        assert to_value(float(bar.get("x")) + float(bar.get("width"))) == pytest.approx(criterion.value, abs=0.01)
        assert to_value(float(whole.get("x")) + float(whole.get("width"))) == pytest.approx(
            criterion.maximum, abs=0.01)
    long_label = rows_of(figure)[1].find(f"{SVG}text")
    assert len(long_label.findall(f"{SVG}tspan")) == 2      # a long name on two lines
    assert table_rows(figure) == [["1.5 Chỉ đạo, điều hành", "2,81", "3,00", "2,50 – 3,00"],
                                  [rows[1].label, "6,96", "8,00", "6,80 – 7,10"]]


def test_quota_bars_show_counts_and_the_share_computed_before():
    rows = [Row("Sở Nội vụ", 173, maximum=170, reference=101.76), Row("Xã An Bình", 87, maximum=170,
                                                                     reference=51.18)]
    figure = parse(bars_against_maximum(rows, chart_id="quota", locale="vi", kind="count",
                                        share_of="của chỉ tiêu",
                                        headers=("Đơn vị", "Đã nhận", "Chỉ tiêu", "Đạt"), **TEXTS))
    to_value = axis_map(figure)
    bars = [marks(r, "rect", "value")[0] for r in rows_of(figure)]
    assert [round(to_value(float(b.get("x")) + float(b.get("width"))), 2) for b in bars] == [173, 87]
    assert table_rows(figure) == [["Sở Nội vụ", "173", "170", "101,8 %"],
                                  ["Xã An Bình", "87", "170", "51,2 %"]]


def test_change_bars_go_right_for_gains_and_left_for_losses_from_zero():
    rows = [Row("1.2", -0.8, maximum=1.2, reference=2.0), Row("8", 0.35, maximum=1.675, reference=1.325),
            Row("9", None, maximum=1.0)]
    figure = parse(change_bars(rows, chart_id="changes", locale="vi",
                               headers=("Tiêu chí", "Năm nay", "Năm trước", "Thay đổi"), **TEXTS))
    to_value = axis_map(figure)
    lost, gained, nothing = rows_of(figure)
    [bar] = marks(lost, "rect", "loss")
    assert to_value(float(bar.get("x"))) == pytest.approx(-0.8, abs=0.001)
    assert to_value(float(bar.get("x")) + float(bar.get("width"))) == pytest.approx(0.0, abs=0.001)
    [bar] = marks(gained, "rect", "gain")
    assert to_value(float(bar.get("x"))) == pytest.approx(0.0, abs=0.001)
    assert to_value(float(bar.get("x")) + float(bar.get("width"))) == pytest.approx(0.35, abs=0.001)
    assert not list(nothing.iter(f"{SVG}rect"))
    assert table_rows(figure) == [["1.2", "1,20", "2,00", "-0,80"], ["8", "1,68", "1,32", "0,35"],
                                  ["9", "1,00", "—", "—"]]


def test_daily_columns_rise_to_each_days_count():
    counts = [3, 0, 12, 7]
    rows = [Row(f"{d}/9", c) for d, c in zip(range(15, 19), counts)]
    figure = parse(daily_columns(rows, chart_id="days", locale="vi", headers=("Ngày", "Phiếu"),
                                 table_labels=[f"{d}/09/2025" for d in range(15, 19)], **TEXTS))
    to_value = axis_map_y(figure)
    columns = rows_of(figure, "column")
    assert [c.get("data-label") for c in columns] == ["15/9", "16/9", "17/9", "18/9"]
    for column, count in zip(columns, counts):
        [bar] = marks(column, "rect", "value")
        top, bottom = float(bar.get("y")), float(bar.get("y")) + float(bar.get("height"))
        assert to_value(top) == pytest.approx(count, abs=0.01)
        assert to_value(bottom) == pytest.approx(0.0, abs=0.01)
    xs = [float(marks(c, "rect", "value")[0].get("x")) for c in columns]
    assert xs == sorted(xs)
    assert table_rows(figure) == [["15/09/2025", "3"], ["16/09/2025", "0"], ["17/09/2025", "12"],
                                  ["18/09/2025", "7"]]


def test_share_bars_reach_each_flags_percentage():
    rows = [Row("Trả lời quá nhanh", 2.5, reference=60), Row("Bị cách ly", 0.26, reference=6)]
    figure = parse(share_bars(rows, chart_id="flags", locale="vi",
                              headers=("Cờ", "Số phiếu", "Tỷ lệ"), **TEXTS))
    to_value = axis_map(figure)
    widths = [to_value(float(b.get("x")) + float(b.get("width")))
              for r in rows_of(figure) for b in marks(r, "rect", "value")]
    assert widths == pytest.approx([2.5, 0.26], abs=0.001)
    assert table_rows(figure) == [["Trả lời quá nhanh", "60", "2,5 %"], ["Bị cách ly", "6", "0,3 %"]]


def test_numbers_follow_the_locale():
    assert percent(75.6321, "vi") == "75,63 %"
    assert percent(75.6321, "en") == "75.63%"
    assert number(2460, "vi", 0) == "2.460" and number(2460, "en", 0) == "2,460"
    assert number(1.675, "vi", 3) == "1,675" and number(math.nan, "vi") == "—"


def test_scale_ticks_are_round_and_inside_the_domain():
    assert Scale(40.0, 100.0, 0, 600).ticks(5) == [40, 60, 80, 100]
    assert Scale(40.0, 100.0, 0, 600).ticks(10) == [40, 50, 60, 70, 80, 90, 100]
    assert Scale(0.0, 8.0, 0, 100).ticks(5) == [0, 2, 4, 6, 8]
    assert Scale(-1.0, 0.5, 0, 100).ticks(5) == [-1.0, -0.5, 0.0, 0.5]
