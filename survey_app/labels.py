"""Display names of the codes staff pages show, in the page's language.

One place, so every page says "Đại biểu HĐND tỉnh" rather than ``delegate``. Each table maps a
code to a catalogue id (the Vietnamese name, marked ``N_``); ``gettext`` translates it when the
page is rendered. Unknown codes are shown as they are (a province may add its own groups).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext

from survey_app.i18n import current_lang, format_number, register_format_filters
from survey_app.refusals import N_

GROUP_LABELS = {
    "citizen": N_("Người dân, tổ chức"),
    "delegate": N_("Đại biểu HĐND tỉnh"),
    "agency_leader": N_("Lãnh đạo sở, ban, ngành"),
    "commune_leader": N_("Lãnh đạo UBND cấp xã"),
    "district_leader": N_("Lãnh đạo UBND cấp huyện"),
}
UNIT_TYPE_LABELS = {
    "agency": N_("Sở, ban, ngành"),
    "commune": N_("UBND cấp xã"),
    "district": N_("UBND cấp huyện (đến 2024)"),
}
ROUND_STATUS_LABELS = {
    "draft": N_("Nháp"),
    "open": N_("Đang mở"),
    "closed": N_("Đã đóng"),
    "published": N_("Đã công bố"),
}
INVITATION_STATUS_LABELS = {
    "issued": N_("Chưa dùng"),
    "used": N_("Đã dùng"),
    "revoked": N_("Đã thu hồi"),
}
# How a response arrived (``responses.channel``; ``operations.submissions.CHANNELS``).
CHANNEL_LABELS = {
    "qr": N_("Mã QR tại nơi giao dịch"),
    "invitation": N_("Thư mời cá nhân"),
    "api_entry": N_("API, theo mã điểm khảo sát"),
    "api_token": N_("API, theo thư mời"),
    "demo": N_("Dữ liệu minh hoạ"),
    "odk": N_("ODK Collect (điều tra viên, ngoại tuyến)"),
}
FRAME_KIND_LABELS = {
    "sipas_dossiers": N_("Danh sách hồ sơ TTHC đã trả kết quả (khung mẫu SIPAS)"),
    "officials": N_("Danh sách đại biểu, lãnh đạo, công chức"),
    "communes": N_("Danh sách xã, phường, đặc khu và dân số"),
}
METHOD_LABELS = {
    "srs": N_("Ngẫu nhiên đơn giản"),
    "systematic": N_("Chọn hệ thống"),
    "pps_systematic": N_("PPS hệ thống"),
    "two_stage": N_("Hai giai đoạn"),
}
SIZE_MODE_LABELS = {
    "cochran": N_("Tính theo sai số (Cochran)"),
    "slovin": N_("Công thức Slovin"),
    "fixed": N_("Nhập cỡ mẫu"),
}
ALLOCATION_LABELS = {
    "proportional": N_("Tỷ lệ theo quy mô"),
    "equal": N_("Bằng nhau"),
    "neyman": N_("Neyman"),
}
MEMBER_ROLE_LABELS = {
    "selected": N_("Được chọn"),
    "replacement": N_("Dự phòng"),
}
# SIPAS indices (``analysis.indices``): their levels, and the elements of the bundled SIPAS
# questionnaire named as its groups are (a province's own elements are shown by their codes).
SIPAS_LEVEL_LABELS = {
    "criterion": N_("Câu hỏi"),
    "element": N_("Yếu tố"),
    "overall": N_("Chỉ số chung"),
}
SIPAS_ELEMENT_LABELS = {
    "overall": N_("Chỉ số hài lòng chung"),
    "g_access": N_("Tiếp cận dịch vụ"),
    "g_procedure": N_("Thủ tục hành chính"),
    "g_officials": N_("Công chức trực tiếp giải quyết công việc"),
    "g_results": N_("Kết quả dịch vụ"),
    "g_feedback": N_("Tiếp nhận, giải quyết góp ý, phản ánh, kiến nghị"),
    "g_policy_accountability": N_("Trách nhiệm giải trình của cơ quan"),
    "g_policy_participation": N_("Sự tham gia của người dân"),
    "g_policy_quality": N_("Chất lượng chính sách"),
    "g_policy_results": N_("Kết quả, tác động của chính sách"),
}
# The fixed columns of a plan's member list (``operations.samples.member_rows``); the frame's own
# columns between them keep the names of the uploaded file.
MEMBER_COLUMN_LABELS = {
    "order": N_("Thứ tự"),
    "role": N_("Vai trò"),
    "stratum": N_("Tầng"),
    "frame_row": N_("Dòng trong khung"),
    "unit_code": N_("Mã đơn vị"),
    "unit_name": N_("Tên đơn vị"),
    "name": N_("Họ và tên"),
    "phone": N_("Điện thoại"),
    "email": N_("Thư điện tử"),
    "inclusion_probability": N_("Xác suất chọn"),
    "base_weight": N_("Trọng số gốc"),
    "backcheck": N_("Phúc tra"),
}
# The settings a sample plan stores (``PlanOptions`` and the demo's own keys), in reading order.
PARAMETER_LABELS = {
    "method": N_("Cách chọn"),
    "size_mode": N_("Cách tính cỡ mẫu"),
    "n": N_("Cỡ mẫu n"),
    "margin": N_("Sai số"),
    "confidence": N_("Độ tin cậy"),
    "p": N_("Tỷ lệ kỳ vọng"),
    "deff": N_("Hiệu ứng thiết kế"),
    "response_rate": N_("Tỷ lệ phản hồi dự kiến"),
    "strata_column": N_("Phân tầng theo cột"),
    "strata": N_("Phân tầng theo cột"),
    "per_stratum": N_("Tính cỡ mẫu riêng cho từng tầng"),
    "allocation": N_("Phân bổ"),
    "sds": N_("Độ lệch chuẩn từng tầng"),
    "minimum": N_("Tối thiểu mỗi tầng"),
    "size_column": N_("Cột quy mô (PPS)"),
    "replacements": N_("Số dự phòng mỗi tầng"),
    "replacements_per_stratum": N_("Số dự phòng mỗi tầng"),
    "psu_column": N_("Cột đơn vị cấp 1"),
    "n_psu": N_("Số đơn vị cấp 1 cần chọn"),
    "per_psu": N_("Số người mỗi đơn vị cấp 1"),
    "psu_size_column": N_("Quy mô đơn vị cấp 1"),
    "psu_replacements": N_("Số đơn vị cấp 1 dự phòng"),
}
# Shown elsewhere on the plan page (first stage, back-check), not in the list of settings.
PARAMETERS_SHOWN_APART = ("first_stage", "backcheck")
PARAMETER_VALUE_TABLES = {
    "method": METHOD_LABELS, "size_mode": SIZE_MODE_LABELS, "allocation": ALLOCATION_LABELS,
}


def _label(table: Mapping[str, str], code: str | None) -> str:
    if code is None:
        return ""
    message_id = table.get(code)
    return gettext(message_id) if message_id is not None else str(code)


def group_label(code: str | None) -> str:
    return _label(GROUP_LABELS, code)


def unit_type_label(code: str | None) -> str:
    return _label(UNIT_TYPE_LABELS, code)


def round_status_label(code: str | None) -> str:
    return _label(ROUND_STATUS_LABELS, code)


def invitation_status_label(code: str | None) -> str:
    return _label(INVITATION_STATUS_LABELS, code)


def channel_label(code: str | None) -> str:
    return _label(CHANNEL_LABELS, code)


def frame_kind_label(code: str | None) -> str:
    return _label(FRAME_KIND_LABELS, code)


def method_label(code: str | None) -> str:
    return _label(METHOD_LABELS, code)


def member_role_label(code: str | None) -> str:
    return _label(MEMBER_ROLE_LABELS, code)


def sipas_level_label(code: str | None) -> str:
    return _label(SIPAS_LEVEL_LABELS, code)


def sipas_element_label(code: str | None) -> str:
    return _label(SIPAS_ELEMENT_LABELS, code)


def member_column_label(code: str | None) -> str:
    return _label(MEMBER_COLUMN_LABELS, code)


def questionnaire_title(questionnaire) -> str:
    """A stored questionnaire's own title in the page's language (its content carries both)."""
    if questionnaire is None:
        return ""
    title = (questionnaire.content or {}).get("title")
    if isinstance(title, Mapping):
        lang = current_lang()
        other = "vi" if lang == "en" else "en"
        return title.get(lang) or title.get(other) or questionnaire.title
    return questionnaire.title or questionnaire.form_key


def questionnaire_choice(questionnaire) -> str:
    """A questionnaire as a select option: its title, respondent group and version."""
    return (f"{questionnaire_title(questionnaire)} — {group_label(questionnaire.respondent_group)}"
            f", {gettext('phiên bản')} {questionnaire.version}")


def cell_choice(cell) -> str:
    """A rating-matrix cell as a select option: group × unit type → questionnaire."""
    return (f"{group_label(cell.respondent_group)} × {unit_type_label(cell.unit_type)} → "
            f"{questionnaire_title(cell.questionnaire)}")


def frame_kind_choices() -> list[tuple[str, str]]:
    return [(code, frame_kind_label(code)) for code in FRAME_KIND_LABELS]


def parameter_list(parameters: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """A plan's stored settings as (name, value) pairs to read, never JSON: empty settings are left
    out, codes named, numbers in the page's locale."""
    rows = []
    for key, value in (parameters or {}).items():
        if key in PARAMETERS_SHOWN_APART or value in (None, "", {}, []):
            continue
        if isinstance(value, bool):
            shown = gettext("Có") if value else gettext("Không")
        elif key in PARAMETER_VALUE_TABLES:
            shown = _label(PARAMETER_VALUE_TABLES[key], value)
        elif isinstance(value, (int, float)):
            shown = format_number(value)
        elif isinstance(value, Mapping):
            shown = "; ".join(f"{k} = {format_number(v) if isinstance(v, (int, float)) else v}"
                              for k, v in value.items())
        else:
            shown = str(value)
        rows.append((_label(PARAMETER_LABELS, key), shown))
    order = {gettext(message_id): i for i, message_id in enumerate(PARAMETER_LABELS.values())}
    return sorted(rows, key=lambda row: order.get(row[0], len(order)))


def register_label_filters(app) -> None:
    """The label filters, and the number and date filters of ``survey_app.i18n``."""
    register_format_filters(app)
    app.jinja_env.filters.update(
        group_label=group_label, unit_type_label=unit_type_label,
        round_status_label=round_status_label, invitation_status_label=invitation_status_label,
        frame_kind_label=frame_kind_label, method_label=method_label, channel_label=channel_label,
        member_role_label=member_role_label, member_column_label=member_column_label,
        sipas_level_label=sipas_level_label, sipas_element_label=sipas_element_label,
        questionnaire_title=questionnaire_title,
        parameter_list=parameter_list,
    )
