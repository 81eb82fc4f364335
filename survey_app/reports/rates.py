"""AAPOR outcome rates in the report: RR1, RR3, COOP1 and REF1 of the whole round, then per unit,
stratum and respondent group, each formula cited, from the contract's ``outcome_rates`` block
(computed by :func:`analysis.response_rates.outcome_rates`, never recomputed here: only rounded for
display). Call inside ``flask_babel.force_locale(lang)``."""

from __future__ import annotations

from flask_babel import gettext as _

from survey_app.labels import group_label
from survey_app.refusals import N_
from survey_app.reports.document import Section, Table, count, percent

RATES = ("rr1", "rr3", "coop1", "ref1")
RATE_HEADERS = (
    N_("Cấp"),
    N_("Đơn vị, tầng hoặc nhóm"),
    N_("Số trường hợp"),
    "RR1 (%)",
    "RR3 (%)",
    "COOP1 (%)",
    "REF1 (%)",
)
LEVELS = {"round": N_("Cả đợt"), "unit": N_("Đơn vị"), "stratum": N_("Tầng"),
          "group": N_("Nhóm người trả lời")}


def formula_lines() -> list[str]:
    """The reference, each rate's formula and how ``e`` is estimated, in the report's language."""
    return [
        _("Các tỷ lệ theo AAPOR, Standard Definitions, bản 10, 2023 (Hiệp hội Nghiên cứu Dư "
          "luận Hoa Kỳ). Ký hiệu: I hoàn thành, P trả lời dở, R từ chối, NC không liên hệ được, "
          "O không thể trả lời, UH+UO chưa rõ thuộc đối tượng; người không thuộc đối tượng nằm "
          "ngoài mọi mẫu số; thư mời đã thu hồi không tính."),
        _("Tỷ lệ trả lời RR1 = I / ((I+P) + (R+NC+O) + (UH+UO))."),
        _("Tỷ lệ trả lời RR3 = I / ((I+P) + (R+NC+O) + e(UH+UO)), trong đó e là tỷ lệ thuộc "
          "đối tượng ước lượng theo tỷ lệ trong các trường hợp đã rõ: e = số thuộc đối tượng ÷ "
          "(số thuộc đối tượng + số không thuộc đối tượng); khi chưa có trường hợp nào rõ, e = 1 "
          "và RR3 bằng RR1."),
        _("Tỷ lệ hợp tác COOP1 = I / ((I+P) + R + O)."),
        _("Tỷ lệ từ chối REF1 = R / ((I+P) + (R+NC+O) + (UH+UO))."),
    ]


def _label(row: dict, names: dict[str, str]) -> str:
    if row["level"] == "round":
        return _("Tất cả")
    if row["level"] == "unit":
        return names.get(row["key"], row["key"])
    # a group, or a stratum: named after a unit or a respondent group, else as the plan names it
    return names.get(row["key"]) or group_label(row["key"])


def rate_rows(contract: dict, lang: str) -> list[list[str]]:
    """One row per row of the contract's ``outcome_rates``, in its order."""
    block = contract.get("outcome_rates")
    if not block:
        return []
    names = {u["code"]: u["name"] for u in contract["units"]}
    return [
        [_(LEVELS[row["level"]]), _label(row, names), count(sum(row["counts"].values()), lang)]
        + [percent(row[rate], lang) for rate in RATES]
        for row in block["rows"]
    ]


def rates_section(sources, lang: str) -> Section:
    """The formulas, then the table (or a sentence when the round sent no invitation)."""
    blocks: list = formula_lines()
    rows = rate_rows(sources.contract, lang)
    if rows:
        blocks.append(Table("aapor-rates", [_(h) for h in RATE_HEADERS], rows,
                            caption=_("Tỷ lệ trả lời, hợp tác và từ chối theo chuẩn AAPOR")))
    else:
        blocks.append(_("Đợt khảo sát không có thư mời nên không có tỷ lệ theo chuẩn AAPOR."))
    return Section(_("Tỷ lệ trả lời, hợp tác và từ chối (AAPOR)"), blocks)


def rates_sheet(sources) -> tuple[list, list[list]]:
    """The officials' workbook sheet: the same rows, percentages at the published rounding."""
    from survey_app.reports.document import published

    block = sources.contract.get("outcome_rates") or {"rows": []}
    names = {u["code"]: u["name"] for u in sources.contract["units"]}
    headers = [_(h) for h in RATE_HEADERS[:2]] + [_("Mã"), _("Số trường hợp"), "e"] + list(
        RATE_HEADERS[3:])
    rows = []
    for row in block["rows"]:
        values = [published(None if row[r] is None else row[r] * 100) for r in RATES]
        e = published(row["e"])
        rows.append([_(LEVELS[row["level"]]), _label(row, names), row["key"] or "",
                     sum(row["counts"].values()), None if e is None else float(e)]
                    + [None if v is None else float(v) for v in values])
    return headers, rows
