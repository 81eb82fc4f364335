"""The charts of the results and monitor pages: picks the numbers the analysis (or the monitor's
counts) already produced out of their objects, names them in the page's language and hands them
to the drawing functions. Registered as Jinja globals by :func:`survey_app.charts.init_app`."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel.dates import format_date, format_skeleton
from flask import url_for
from flask_babel import gettext as _

from survey_app.charts.bars import (
    bars_against_maximum,
    change_bars,
    daily_columns,
    share_bars,
)
from survey_app.charts.core import Row, number
from survey_app.charts.intervals import compared_intervals, ranked_intervals
from survey_app.i18n import current_lang

SIPAS_MEASURES = ("share", "score")


def _measure(result) -> str:
    """The SIPAS measure the round's pack turns into points ("share" unless it says "score")."""
    for criterion in result.pack.sipas_criteria():
        if criterion.sipas in SIPAS_MEASURES:
            return criterion.sipas
    return "share"


def _measure_name(measure: str) -> str:
    return _("tỷ lệ hài lòng SIPAS") if measure == "share" else _("điểm SIPAS 0–100")


def _interval_headers(first: str, value: str) -> tuple[str, ...]:
    return (first, _("Hạng"), value, _("KTC 95%"))


def sipas_ranking(result, units: dict) -> str:
    """Round page: every unit's overall SIPAS index with its 95 % interval, highest first, and
    the province's as a dashed line."""
    if not result.sipas:
        return ""
    measure = _measure(result)
    overall = [i for i in result.sipas.indices if i.level == "overall"]
    province = next((getattr(i, measure).value for i in overall if i.unit is None), None)
    rows = []
    for index in overall:
        if index.unit is None:
            continue
        value = getattr(index, measure)
        unit = units.get(index.unit)
        rows.append(Row(unit.name if unit is not None else index.unit, value.value, value.ci_low,
                        value.ci_high, href=url_for("results.unit_changes",
                                                    code=result.round_code, unit_code=index.unit)))
    name = _measure_name(measure)
    return ranked_intervals(
        rows, chart_id="chart-sipas-ranking", locale=current_lang(),
        kind="percent" if measure == "share" else "number",
        title=_("Đơn vị xếp theo %(measure)s, với khoảng tin cậy 95%%", measure=name),
        caption=_("Chấm: %(measure)s của đơn vị; vạch ngang: khoảng tin cậy 95%%; "
                  "đường gạch: toàn tỉnh.", measure=name),
        headers=_interval_headers(_("Đơn vị"), name), table_summary=_("Bảng số liệu"),
        reference=province, reference_label=_("Toàn tỉnh"))


@lru_cache(maxsize=4)
def _bundled_element_names(language: str) -> dict[str, str]:
    import questionnaires

    form = questionnaires.load_bundled("sipas_2025")
    names = {}
    for code in form.sipas_elements():
        label = form.question(code).label
        names[code] = getattr(label, language, None) or label.vi
    return names


def sipas_elements(result, unit_code: str) -> str:
    """Unit page: the unit's five SIPAS elements against the province's, with their intervals."""
    if not result.sipas:
        return ""
    measure = _measure(result)
    elements = [i for i in result.sipas.indices if i.level == "element"]
    province = {i.code: getattr(i, measure) for i in elements if i.unit is None}
    names = _bundled_element_names(current_lang())
    rows = []
    for index in elements:
        if index.unit != unit_code:
            continue
        own, whole = getattr(index, measure), province.get(index.code)
        rows.append(Row(names.get(index.code, index.code), own.value, own.ci_low, own.ci_high,
                        reference=whole.value if whole else None,
                        reference_low=whole.ci_low if whole else None,
                        reference_high=whole.ci_high if whole else None))
    if not rows:
        return ""
    name = _measure_name(measure)
    return compared_intervals(
        rows, chart_id="chart-sipas-elements", locale=current_lang(),
        kind="percent" if measure == "share" else "number",
        title=_("Các yếu tố SIPAS của đơn vị so với toàn tỉnh (%(measure)s)", measure=name),
        caption=_("Chấm đặc: đơn vị; chấm rỗng: toàn tỉnh; vạch ngang: khoảng tin cậy 95%."),
        headers=(_("Yếu tố"), _("Đơn vị"), _("KTC 95%"), _("Toàn tỉnh"), _("KTC 95%")),
        table_summary=_("Bảng số liệu"), value_label=_("Đơn vị"), reference_label=_("Toàn tỉnh"))


def _criterion_name(pack, code: str) -> str:
    try:
        title = pack.criterion(code).title
    except KeyError:
        return code
    text = title.en if current_lang() == "en" and getattr(title, "en", None) else title.vi
    return f"{code} {text}"


def criterion_points(result, unit_code: str) -> str:
    """Unit page: the points of each survey-assessed criterion against its maximum."""
    points = result.points_by_unit().get(unit_code, [])
    if not points:
        return ""
    rows = [Row(_criterion_name(result.pack, cp.criterion), cp.points, cp.ci_low, cp.ci_high,
                maximum=cp.max_points) for cp in points]
    return bars_against_maximum(
        rows, chart_id="chart-criterion-points", locale=current_lang(), digits=2,
        title=_("Điểm tiêu chí chấm bằng điều tra so với điểm tối đa"),
        caption=_("Thanh đậm: điểm đạt; thanh nhạt: điểm tối đa; vạch: khoảng tin cậy 95%."),
        headers=(_("Tiêu chí"), _("Điểm"), _("Tối đa"), _("KTC 95%")),
        table_summary=_("Bảng số liệu"))


def criterion_overview(result, units: dict) -> str:
    """Round page: for each survey-assessed criterion and unit type, the units' mean points (bar)
    and the lowest to highest unit (whisker) against the criterion's maximum
    (:func:`analysis.criterion_spread.criterion_spread`)."""
    from analysis.criterion_spread import criterion_spread

    from survey_app.labels import unit_type_label

    types = {code: unit.unit_type for code, unit in units.items()}
    spread = criterion_spread(result.points, types)
    if not spread:
        return ""
    several = len({s.unit_type for s in spread}) > 1
    rows = [Row((f"{unit_type_label(s.unit_type)}: " if several else "")
                + _criterion_name(result.pack, s.criterion), s.mean, s.low, s.high,
                maximum=s.max_points) for s in spread]
    return bars_against_maximum(
        rows, chart_id="chart-criterion-overview", locale=current_lang(), digits=2,
        title=_("Điểm tiêu chí chấm bằng điều tra của các đơn vị so với điểm tối đa"),
        caption=_("Thanh đậm: điểm trung bình của các đơn vị cùng loại (mỗi đơn vị tính một lần); "
                  "thanh nhạt: điểm tối đa; vạch: từ đơn vị thấp nhất đến đơn vị cao nhất."),
        headers=(_("Tiêu chí"), _("Trung bình các đơn vị"), _("Tối đa"),
                 _("Thấp nhất – cao nhất")),
        table_summary=_("Bảng số liệu"))


def unit_changes(per_unit, units: dict, round_code: str | None = None) -> str:
    """Each unit's points against last year (``per_unit`` from
    :func:`analysis.combiner.unit_changes`), summed over the criteria known in both years."""
    if not per_unit:
        return ""
    rows = []
    for change in per_unit:
        unit = units.get(change.unit)
        href = (url_for("results.unit_changes", code=round_code, unit_code=change.unit)
                if round_code else None)
        rows.append(Row(unit.name if unit is not None else change.unit, change.change,
                        maximum=change.points, reference=change.previous, href=href))
    return change_bars(
        rows, chart_id="chart-unit-changes", locale=current_lang(),
        title=_("Thay đổi điểm của từng đơn vị so với năm trước"),
        caption=_("Cộng trên các tiêu chí có điểm cả hai năm. Thanh xanh: tăng điểm; thanh đỏ: "
                  "giảm điểm. Đơn vị không có kết quả năm trước không được vẽ."),
        headers=(_("Đơn vị"), _("Điểm năm nay"), _("Điểm năm trước"), _("Thay đổi")),
        table_summary=_("Bảng số liệu"))


def points_changes(changes, pack) -> str:
    """Unit page: each criterion's change in points from last year's round."""
    rows = [Row(_criterion_name(pack, c.criterion), c.change, maximum=c.points,
                reference=c.previous) for c in changes]
    if not rows:
        return ""
    return change_bars(
        rows, chart_id="chart-points-changes", locale=current_lang(),
        title=_("Thay đổi điểm tiêu chí so với năm trước"),
        caption=_("Thanh xanh: tăng điểm; thanh đỏ: mất điểm so với năm trước."),
        headers=(_("Tiêu chí"), _("Điểm năm nay"), _("Điểm năm trước"), _("Thay đổi")),
        table_summary=_("Bảng số liệu"))


def quota_progress(rows) -> str:
    """Monitor: responses received per unit against the unit's quota."""
    if not rows:
        return ""
    bars = [Row(f"{r.unit.name}", r.responses, maximum=r.target,
                reference=r.share * 100 if r.share is not None else None) for r in rows]
    return bars_against_maximum(
        bars, chart_id="chart-quota", locale=current_lang(), kind="count",
        share_of=_("của chỉ tiêu"),
        title=_("Phiếu đã nhận của từng đơn vị so với chỉ tiêu"),
        caption=_("Thanh đậm: phiếu đã nhận; thanh nhạt: chỉ tiêu của đơn vị."),
        headers=(_("Đơn vị"), _("Đã nhận"), _("Chỉ tiêu"), _("Đạt")),
        table_summary=_("Bảng số liệu"))


def _day(day: dt.date, short: bool) -> str:
    language = current_lang()
    if short:
        return format_skeleton("dM", day, locale=language)
    return format_date(day, "dd/MM/yyyy" if language == "vi" else "medium", locale=language)


def responses_per_day(days) -> str:
    """Monitor: responses received on each day (``days``: ``(date, count)`` in date order)."""
    if not days:
        return ""
    return daily_columns(
        [Row(_day(day, short=True), count) for day, count in days],
        table_labels=[_day(day, short=False) for day, _count in days],
        chart_id="chart-days", locale=current_lang(),
        title=_("Phiếu nhận được mỗi ngày"),
        caption=_("Mỗi cột là số phiếu nhận được trong một ngày."),
        headers=(_("Ngày"), _("Phiếu")), table_summary=_("Bảng số liệu"))


def _flag_names() -> dict[str, str]:
    return {"speeder": _("Trả lời quá nhanh"),
            "straight_lining": _("Chọn cùng một mức cho mọi câu"),
            "burst_duplicate": _("Phiếu giống nhau gửi dồn dập"),
            "duplicate_device": _("Nhiều phiếu từ một thiết bị"),
            "quarantined": _("Bị cách ly")}


def quality_flags(flags) -> str:
    """Monitor: the share of responses carrying each quality flag (``flags`` from
    :func:`survey_app.operations.monitor_series.quality_flag_counts`)."""
    if flags is None or not flags.responses:
        return ""
    names = _flag_names()
    rows = [Row(names.get(name, name), share * 100, reference=count)
            for name, count, share in flags.rows()]
    return share_bars(
        rows, chart_id="chart-flags", locale=current_lang(),
        title=_("Tỷ lệ phiếu bị gắn cờ chất lượng"),
        caption=_("Tỷ lệ trong %(n)s phiếu đã nhận; cờ được gắn khi quản trị viên chạy kiểm tra "
                  "chất lượng.", n=number(flags.responses, current_lang(), 0)),
        headers=(_("Cờ chất lượng"), _("Số phiếu"), _("Tỷ lệ")), table_summary=_("Bảng số liệu"))
