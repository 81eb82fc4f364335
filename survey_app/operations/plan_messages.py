"""The sentences of ``sampling.plan``'s problems: each ``PlanProblem.code`` has a message id (the
Vietnamese sentence, English in the catalogue), so a plan that cannot be drawn is refused in the
user's language."""

from __future__ import annotations

from sampling.plan import PlanProblem
from survey_app.refusals import N_, Refused

PLAN_MESSAGES = {
    "sds_unreadable": N_("Không đọc được “%(item)s”; hãy viết tầng=độ lệch chuẩn, cách nhau bởi "
                         "dấu chấm phẩy."),
    "unknown_method": N_("Cách chọn mẫu “%(method)s” không hợp lệ."),
    "unknown_size_mode": N_("Cách tính cỡ mẫu “%(size_mode)s” không hợp lệ."),
    "no_such_column": N_("Khung mẫu không có cột “%(column)s”."),
    "pps_needs_size": N_("Chọn PPS cần một cột quy mô bằng số (ví dụ dân số)."),
    "n_missing": N_("Hãy nhập cỡ mẫu n."),
    "two_stage_no_strata": N_("Chọn hai giai đoạn không dùng cột phân tầng; để trống ô phân "
                              "tầng."),
    "psu_column_missing": N_("Hãy chọn cột đơn vị cấp 1 (ví dụ mã xã)."),
    "n_psu_invalid": N_("Hãy nhập số đơn vị cấp 1 (số nguyên từ 1)."),
    "per_psu_invalid": N_("Hãy nhập số người mỗi đơn vị cấp 1 (số nguyên từ 1)."),
    "replacements_invalid": N_("Số dự phòng mỗi đơn vị cấp 1 phải là số nguyên không âm."),
    "psu_replacements_invalid": N_("Số đơn vị cấp 1 dự phòng phải là số nguyên không âm."),
    "communes_need_unit_code": N_("Dân số lấy từ khung xã chỉ dùng khi đơn vị cấp 1 là cột "
                                  "unit_code."),
    "size_column_not_numeric": N_("Cột quy mô “%(column)s” không phải cột số của khung."),
    "stratum_missing": N_("Dòng %(row)s của khung mẫu không có giá trị tầng “%(column)s”."),
    "psu_missing": N_("Dòng %(row)s của khung mẫu không có giá trị đơn vị cấp 1 “%(column)s”."),
    "n_over_population": N_("Cỡ mẫu %(n)s lớn hơn %(population)s dòng của khung."),
    "minimum_over_n": N_("Mức tối thiểu %(minimum)s mỗi tầng cần %(floor)s đơn vị, nhiều hơn cỡ "
                         "mẫu %(n)s."),
    "sd_missing": N_("Thiếu độ lệch chuẩn cho tầng “%(stratum)s”."),
    "psu_size_differs": N_("Dòng %(row)s: quy mô “%(column)s” của đơn vị cấp 1 “%(psu)s” khác "
                           "với các dòng trước."),
    "psu_not_in_sizes": N_("Đơn vị cấp 1 “%(psu)s” không có trong khung xã #%(source)s."),
    "n_psu_over_available": N_("Số đơn vị cấp 1 cần chọn (%(n_psu)s) lớn hơn số đơn vị cấp 1 có "
                               "trong khung (%(available)s, các giá trị khác nhau của cột "
                               "“%(column)s”)."),
    "cannot_draw": N_("Không lập được mẫu với các tham số này: %(reason)s"),
}


def refusal(problem: PlanProblem) -> Refused:
    """``problem`` as a refusal (422) whose ``code`` is the problem's."""
    return Refused(PLAN_MESSAGES[problem.code], code=problem.code, arguments=problem.arguments)
