"""Purpose, scope and method of a round in plain words, and the response tables, from its contract.

Call inside ``flask_babel.force_locale(lang)``: every sentence goes through gettext."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from survey_app.labels import group_label, unit_type_label
from survey_app.reports.document import Section, Table, count, percent


def date_text(iso: str | None, lang: str) -> str:
    if not iso:
        return "—"
    day = dt.date.fromisoformat(iso)
    return day.strftime("%d/%m/%Y") if lang == "vi" else day.isoformat()


def sipas_measure(pack) -> str:
    """``share`` or ``score``: the measure of the pack's SIPAS criterion (default share)."""
    criteria = pack.sipas_criteria()
    return criteria[0].sipas if criteria else "share"


def _units_by_type(contract: dict, lang: str) -> str:
    counts: dict[str, int] = {}
    for unit in contract["units"]:
        counts[unit["unit_type"]] = counts.get(unit["unit_type"], 0) + 1
    return "; ".join(f"{unit_type_label(t)}: {count(n, lang)}" for t, n in counts.items())


def weighting_text(method: str) -> str:
    """The contract's weighting method in the report's language: the paragraph that says in plain
    words what this software's ``WEIGHTING_METHOD`` says, when the contract's is that one; else a
    sentence pointing to the contract's own (English) description, never quoted in the report."""
    from survey_app.operations.analysis_run import WEIGHTING_METHOD

    if method != WEIGHTING_METHOD:
        return _(
            "Trọng số và sai số chuẩn: theo phương pháp ghi trong tài liệu kết quả (mục "
            "provenance.weighting_method của tệp JSON), khác với phương pháp của phiên bản phần "
            "mềm đang dùng để lập báo cáo này."
        )
    return _(
        "Trọng số: mỗi phiếu mang trọng số bằng nghịch đảo xác suất được chọn (bằng 1 với "
        "phiếu ngoài mẫu, ví dụ quét mã QR), điều chỉnh cho người không trả lời trong từng "
        "ô nhóm đối tượng × đơn vị × tầng × đơn vị mẫu cấp 1; không hiệu chỉnh hậu phân "
        "tầng. Sai số chuẩn được ước lượng theo thiết kế mẫu (tuyến tính hoá Taylor, tầng "
        "và đơn vị mẫu cấp 1 như khi chọn mẫu); khoảng tin cậy theo phân phối t với số bậc "
        "tự do bằng số đơn vị mẫu cấp 1 trừ số tầng; phiếu bị cách ly không được tính."
    )


def method_section(sources, lang: str) -> Section:
    """Purpose, scope, sample, weighting, how to read an index and its margin, versions."""
    contract = sources.contract
    info, prov = contract["round"], contract["provenance"]
    totals = [c for c in contract["response_counts"] if c["unit"] is None]
    invited = sum(c["invited"] or 0 for c in totals)
    completed = sum(c["completed"] for c in totals)
    blocks = [
        _(
            "Báo cáo này trình bày kết quả khảo sát xã hội học đợt %(round)s năm %(year)s của "
            "%(province)s: sự hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành "
            "chính nhà nước (SIPAS) và điểm các tiêu chí của Chỉ số cải cách hành chính được chấm "
            "bằng điều tra xã hội học.",
            round=info["code"],
            year=info["year"],
            province=info["province"],
        ),
        _(
            "Phạm vi: %(n)s đơn vị được đánh giá (%(types)s); thời gian khảo sát từ %(start)s đến "
            "%(end)s.",
            n=count(len(contract["units"]), lang),
            types=_units_by_type(contract, lang),
            start=date_text(info["period_start"], lang),
            end=date_text(info["period_end"], lang),
        ),
    ]
    sampling = prov["sampling"]
    if sampling["seed"] is not None:
        blocks.append(
            _(
                "Chọn mẫu: người trả lời được chọn ngẫu nhiên từ danh sách khung (mã băm của "
                "danh sách %(frame)s), phân bổ theo từng đơn vị; hạt giống ngẫu nhiên %(seed)s "
                "cho phép chọn lại đúng mẫu này.",
                frame=(sampling["frame_hash"] or "—")[:16],
                seed=sampling["seed"],
            )
        )
    blocks.append(
        _(
            "Đã gửi %(invited)s phiếu mời và nhận %(completed)s phiếu trả lời; số phiếu theo "
            "nhóm đối tượng và theo đơn vị ở các bảng dưới đây (tỷ lệ trả lời thô = số phiếu "
            "trả lời ÷ số phiếu mời; các tỷ lệ RR1, RR3, COOP1 và REF1 theo chuẩn AAPOR ở mục "
            "tỷ lệ trả lời, hợp tác và từ chối; phiếu qua mã QR không có thư mời nên không có "
            "tỷ lệ).",
            invited=count(invited, lang),
            completed=count(completed, lang),
        )
    )
    blocks.append(weighting_text(prov["weighting_method"]))
    if sipas_measure(sources.pack) == "score":
        blocks.append(_("Cách đọc: chỉ số SIPAS là điểm hài lòng trung bình quy về thang 0–100."))
    else:
        blocks.append(
            _(
                "Cách đọc: chỉ số SIPAS là tỷ lệ phần trăm người trả lời “hài lòng” "
                "hoặc “rất hài lòng” (thang 0–100)."
            )
        )
    blocks.append(
        _(
            "Khoảng tin cậy 95%% (KTC 95%%) là khoảng chứa giá trị thực của chỉ số với độ tin cậy "
            "95%%; sai số biên là một nửa độ rộng của khoảng. Khi khoảng tin cậy của hai đơn vị "
            "chồng lên nhau, chưa thể khẳng định đơn vị nào tốt hơn. Ô có ít hơn %(min_n)s câu "
            "trả lời hợp lệ được ghi “ô nhỏ”: kết quả của ô đó kém chắc chắn.",
            min_n=sources.min_n,
        )
    )
    forms = ", ".join(f"{q['code']} {q['version']}" for q in prov["questionnaires"]) or "—"
    blocks.append(
        _(
            "Phiên bản: %(pack)s, phiên bản %(version)s; phiếu khảo sát %(forms)s; "
            "phần mềm %(software)s.",
            pack=sources.pack.title.get(lang),
            version=prov["pack"]["version"],
            forms=forms,
            software=prov["software_version"],
        )
    )
    blocks += response_tables(contract, lang)
    return Section(_("Mục đích, phạm vi và phương pháp"), blocks)


def response_tables(contract: dict, lang: str) -> list[Table]:
    """Response rates per respondent group, then invitations and answers per unit."""
    names = {u["code"]: u["name"] for u in contract["units"]}
    headers = [_("Số phiếu mời"), _("Số phiếu trả lời"), _("Bị cách ly"), _("Tỷ lệ trả lời (%)")]

    def cells(c):
        return [
            count(c["invited"], lang),
            count(c["completed"], lang),
            count(c["quarantined"], lang),
            percent(c["response_rate"], lang),
        ]

    totals = [c for c in contract["response_counts"] if c["unit"] is None]
    per_unit = sorted(
        (c for c in contract["response_counts"] if c["unit"] is not None),
        key=lambda c: (names.get(c["unit"], c["unit"]), c["group"] or ""),
    )
    return [
        Table(
            "response-groups",
            [_("Nhóm đối tượng")] + headers,
            [[group_label(c["group"]) or _("Tất cả")] + cells(c) for c in totals],
            caption=_("Tỷ lệ trả lời theo nhóm đối tượng"),
        ),
        Table(
            "response-units",
            [_("Đơn vị"), _("Nhóm đối tượng")] + headers,
            [
                [names.get(c["unit"], c["unit"]), group_label(c["group"]) or _("Tất cả")] + cells(c)
                for c in per_unit
            ],
            caption=_("Phân bổ mẫu và tỷ lệ trả lời theo đơn vị"),
        ),
    ]
