"""Display names of the codes staff pages show: respondent groups, unit types, round statuses.

One place, so every page says "Đại biểu HĐND tỉnh" rather than ``delegate``. Unknown codes are shown
as they are (a province may add its own groups).
"""
from __future__ import annotations

from survey_app.i18n import current_lang

GROUP_LABELS = {
    "citizen": ("Người dân, tổ chức", "Citizens and organisations"),
    "delegate": ("Đại biểu HĐND tỉnh", "Provincial People's Council delegates"),
    "agency_leader": ("Lãnh đạo sở, ban, ngành", "Leaders of provincial agencies"),
    "commune_leader": ("Lãnh đạo UBND cấp xã", "Commune leaders"),
    "district_leader": ("Lãnh đạo UBND cấp huyện", "District leaders"),
}
UNIT_TYPE_LABELS = {
    "agency": ("Sở, ban, ngành", "Provincial agency"),
    "commune": ("UBND cấp xã", "Commune"),
    "district": ("UBND cấp huyện (đến 2024)", "District (until 2024)"),
}
ROUND_STATUS_LABELS = {
    "draft": ("Nháp", "Draft"),
    "open": ("Đang mở", "Open"),
    "closed": ("Đã đóng", "Closed"),
    "published": ("Đã công bố", "Published"),
}


def _label(table: dict, code: str | None) -> str:
    if code is None:
        return ""
    vi, en = table.get(code, (code, code))
    return en if current_lang() == "en" else vi


def group_label(code: str | None) -> str:
    return _label(GROUP_LABELS, code)


def unit_type_label(code: str | None) -> str:
    return _label(UNIT_TYPE_LABELS, code)


def round_status_label(code: str | None) -> str:
    return _label(ROUND_STATUS_LABELS, code)


def register_label_filters(app) -> None:
    app.jinja_env.filters.update(group_label=group_label, unit_type_label=unit_type_label,
                                 round_status_label=round_status_label)
