"""The results report of a round as sections of text and tables, from
:class:`survey_app.operations.reports.ReportSources` (the contract and what names its codes).

Numbers are taken as they are from the contract (SIPAS, criterion points, response counts) and,
with a self-assessment, from ``analysis.combiner`` (index, ranks, fields, below maximum, points
lost); they are only rounded for display. Call inside ``flask_babel.force_locale(lang)``."""

from __future__ import annotations

from flask_babel import gettext as _

from analysis.points import is_small_cell

from survey_app.labels import unit_type_label
from survey_app.refusals import N_
from survey_app.reports.document import (
    Document,
    Section,
    Table,
    count,
    interval,
    number,
)
from survey_app.reports.groups import groups_section
from survey_app.reports.method import method_section, sipas_measure
from survey_app.reports.rates import rates_section
from survey_app.reports.ranking import (  # noqa: F401 (re-exported for the unit sheets and XLSX)
    criterion_name,
    BELOW_HEADERS,
    LOST_HEADERS,
    below_max_rows,
    lost_rows,
    ranked_units,
    ranking_section,
    shortfall_section,
)

FLAG_LABELS = {
    "small_cell": N_("ô nhỏ"),
    "missing_group": N_("thiếu nhóm"),
    "quarantined_excluded": N_("đã loại phiếu cách ly"),
}


def flag_text(flags) -> str:
    return ", ".join(_(FLAG_LABELS.get(f, f)) for f in flags)


def element_name(sources, code: str, lang: str) -> str:
    if code == "overall":
        return _("Chỉ số SIPAS chung")
    label = sources.element_names.get(code)
    return label.get(lang) if label is not None else code


def unit_types(contract: dict) -> list[str]:
    return list(dict.fromkeys(u["unit_type"] for u in contract["units"]))


def overall(unit_or_province: list, measure: str) -> dict | None:
    for index in unit_or_province:
        if index["level"] == "overall":
            return index[measure]
    return None


def sipas_rows(sources, unit_type: str, lang: str, *, public: bool = False) -> list[list[str]]:
    """Unit, SIPAS index, 95 % CI, n, note; highest index first. ``public`` blanks small cells."""
    measure = sipas_measure(sources.pack)
    rows = []
    for unit in sources.contract["units"]:
        estimate = overall(unit["sipas"], measure) if unit["unit_type"] == unit_type else None
        if estimate is None:
            continue
        small = is_small_cell(estimate["n"], sources.min_n)
        hidden = public and small
        rows.append(
            (
                -(estimate["value"] if not hidden else -1),
                unit["name"],
                [
                    unit["name"],
                    number(None if hidden else estimate["value"], lang),
                    interval(None, None, lang)
                    if hidden
                    else interval(estimate["ci_low"], estimate["ci_high"], lang),
                    count(estimate["n"], lang),
                    _("ô nhỏ") if small else "",
                ],
            )
        )
    return [row for _key, _name, row in sorted(rows, key=lambda r: (r[0], r[1]))]


def estimate_text(estimate: dict | None, lang: str) -> str:
    """``75,63 (72,10–79,16)``: a value and its 95 % interval."""
    if estimate is None:
        return "—"
    bounds = interval(estimate["ci_low"], estimate["ci_high"], lang)
    return f"{number(estimate['value'], lang)} ({bounds})"


SIPAS_HEADERS = (N_("Đơn vị"), N_("Chỉ số SIPAS"), N_("KTC 95%"), N_("Số phiếu (n)"), N_("Ghi chú"))


def sipas_section(sources, lang: str) -> Section:
    contract, measure = sources.contract, sipas_measure(sources.pack)
    blocks: list = []
    province = overall(contract["province_sipas"], measure)
    if province is not None:
        blocks.append(
            _(
                "Chỉ số SIPAS toàn tỉnh: %(value)s (KTC 95%%: %(ci)s; %(n)s phiếu).",
                value=number(province["value"], lang),
                ci=interval(province["ci_low"], province["ci_high"], lang),
                n=count(province["n"], lang),
            )
        )
    for unit_type in unit_types(contract):
        rows = sipas_rows(sources, unit_type, lang)
        if rows:
            blocks.append(
                Table(
                    f"sipas-{unit_type}",
                    [_(h) for h in SIPAS_HEADERS],
                    rows,
                    caption=_("Chỉ số SIPAS: %(type)s", type=unit_type_label(unit_type)),
                )
            )
    elements = [i["code"] for i in contract["province_sipas"] if i["level"] == "element"]
    if elements:
        headers = [_("Đơn vị")] + [element_name(sources, e, lang) for e in elements]
        rows = []
        for unit in contract["units"]:
            by_code = {i["code"]: i[measure] for i in unit["sipas"] if i["level"] == "element"}
            if by_code:
                rows.append(
                    [unit["name"]] + [estimate_text(by_code.get(e), lang) for e in elements]
                )
        blocks.append(
            Table(
                "sipas-elements",
                headers,
                rows,
                wide=True,
                caption=_("Chỉ số theo từng yếu tố (KTC 95% trong ngoặc)"),
            )
        )
    return Section(_("Sự hài lòng của người dân, tổ chức (SIPAS)"), blocks)


CRITERIA_HEADERS = (
    N_("Đơn vị"),
    N_("Tiêu chí"),
    N_("Điểm"),
    N_("Điểm tối đa"),
    N_("KTC 95%"),
    N_("Số phiếu (n)"),
    N_("Ghi chú"),
)


def criteria_rows(sources, units: list[dict], lang: str) -> list[list[str]]:
    return [
        [
            unit["name"],
            criterion_name(sources.pack, c["code"], lang),
            number(c["points"], lang),
            number(c["max_points"], lang),
            interval(c["ci_low"], c["ci_high"], lang),
            count(c["n"], lang),
            flag_text(c["flags"]),
        ]
        for unit in units
        for c in unit["criteria"]
    ]


def criteria_section(sources, lang: str) -> Section:
    blocks: list = [
        _(
            "Điểm mỗi tiêu chí = điểm tối đa × hệ số bình quân (có trọng số) của các câu "
            "trả lời; các nhóm đối tượng được kết hợp theo quy tắc của bộ tiêu chí."
        )
    ]
    for unit_type in unit_types(sources.contract):
        units = [u for u in sources.contract["units"] if u["unit_type"] == unit_type]
        blocks.append(
            Table(
                f"criteria-{unit_type}",
                [_(h) for h in CRITERIA_HEADERS],
                criteria_rows(sources, units, lang),
                caption=_(
                    "Điểm tiêu chí điều tra xã hội học: %(type)s", type=unit_type_label(unit_type)
                ),
            )
        )
    return Section(_("Điểm các tiêu chí chấm bằng điều tra xã hội học"), blocks)


def quality_section(sources, lang: str) -> Section:
    """Small cells and quarantined responses, stated."""
    contract, measure = sources.contract, sipas_measure(sources.pack)
    quarantined = sum(c["quarantined"] for c in contract["response_counts"] if c["unit"] is None)
    rows = []
    for unit in contract["units"]:
        estimate = overall(unit["sipas"], measure)
        if estimate is not None and is_small_cell(estimate["n"], sources.min_n):
            rows.append([unit["name"], _("Chỉ số SIPAS chung"), count(estimate["n"], lang)])
        rows += [
            [unit["name"], criterion_name(sources.pack, c["code"], lang), count(c["n"], lang)]
            for c in unit["criteria"]
            if "small_cell" in c["flags"]
        ]
    blocks: list = [
        _(
            "%(n)s phiếu bị cách ly do dấu hiệu chất lượng (trả lời quá nhanh, chọn cùng "
            "một mức cho mọi câu, gửi trùng lặp); các phiếu này không bị xoá nhưng không "
            "được tính vào kết quả.",
            n=count(quarantined, lang),
        )
    ]
    if rows:
        blocks.append(
            Table(
                "small-cells",
                [_("Đơn vị"), _("Chỉ tiêu"), _("Số phiếu (n)")],
                rows,
                caption=_("Ô nhỏ (ít hơn %(n)s câu trả lời hợp lệ)", n=sources.min_n),
            )
        )
    else:
        blocks.append(
            _("Không có ô nhỏ (mọi ô có ít nhất %(n)s câu trả lời hợp lệ).", n=sources.min_n)
        )
    return Section(_("Ô nhỏ và phiếu bị cách ly"), blocks)


def stamp_text(sources) -> str:
    return _(
        "Số liệu của báo cáo lấy từ tài liệu kết quả khảo sát (phiên bản %(version)s); có thể "
        "kiểm tra bằng cách tính SHA-256 của tệp JSON xuất từ đợt khảo sát, phải bằng:",
        version=sources.contract["contract_version"],
    )


def document_frame(sources, lang: str, title: str, sections: list[Section]) -> Document:
    info = sources.contract["round"]
    return Document(
        lang=lang,
        title=title,
        subtitle=_("Đợt %(round)s, năm %(year)s", round=info["code"], year=info["year"]),
        province=info["province"],
        round_code=info["code"],
        sha256=sources.sha256,
        draft=info["status"] != "published",
        sections=sections,
        signature=[
            (_("NGƯỜI LẬP BÁO CÁO"), _("(Ký, ghi rõ họ tên)")),
            (_("THỦ TRƯỞNG CƠ QUAN"), _("(Ký, ghi rõ họ tên, đóng dấu)")),
        ],
        place_date=_("…………, ngày … tháng … năm ……"),
        stamp=stamp_text(sources),
    )


def build_report(sources, lang: str) -> Document:
    """The survey results report: method, AAPOR rates, SIPAS, criteria, ranking (when
    combined), criteria below their maximum, small cells and quarantined responses."""
    sections = [
        method_section(sources, lang),
        rates_section(sources, lang),
        sipas_section(sources, lang),
        criteria_section(sources, lang),
    ]
    by_group = groups_section(sources, lang, unit_types(sources.contract))
    if by_group is not None:
        sections.append(by_group)
    if sources.combined is not None:
        sections.append(ranking_section(sources, lang))
    sections += [shortfall_section(sources, lang), quality_section(sources, lang)]
    return document_frame(sources, lang, _("BÁO CÁO KẾT QUẢ KHẢO SÁT"), sections)
