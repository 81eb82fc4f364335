"""The officials' workbook: one sheet per unit group, units in ranking order (the PAR Index rank
when a self-assessment was combined, else the SIPAS index, highest first), Vietnamese headers,
names beside codes, numbers rounded to the published two decimals; then every survey-assessed
criterion of every unit. The machine-readable contract XLSX stays as it is.

Call inside ``flask_babel.force_locale(lang)``."""
from __future__ import annotations

from flask_babel import gettext as _

from survey_app.labels import unit_type_label
from survey_app.reports.content import criterion_name, overall, ranked_units, unit_types
from survey_app.reports.document import published
from survey_app.reports.method import sipas_measure
from survey_app.reports.rates import rates_sheet
from survey_app.spreadsheets import xlsx_bytes

NUMBER_FORMAT = "0.00"


def _rounded(value):
    rounded = published(value)
    return None if rounded is None else float(rounded)


def _order(sources, unit_type: str) -> list[dict]:
    units = [u for u in sources.contract["units"] if u["unit_type"] == unit_type]
    if sources.combined is not None:
        rank = {u.code: k for k, u in enumerate(ranked_units(sources.combined, unit_type))}
        return sorted(units, key=lambda u: (rank.get(u["code"], len(rank)), u["name"]))
    measure = sipas_measure(sources.pack)

    def sipas(unit):
        estimate = overall(unit["sipas"], measure)
        return -estimate["value"] if estimate is not None else float("inf")

    return sorted(units, key=lambda u: (sipas(u), u["name"]))


def _group_sheet(sources, unit_type: str, lang: str) -> tuple[list, list[list]]:
    pack, measure = sources.pack, sipas_measure(sources.pack)
    units = _order(sources, unit_type)
    criteria = list(dict.fromkeys(c["code"] for u in units for c in u["criteria"]))
    combined = {u.code: u for u in sources.combined.units} if sources.combined is not None else {}
    before = None
    if combined and sources.changes is not None:
        from analysis.combiner import previous_ranks

        before = previous_ranks(sources.combined, sources.changes)
    headers = [_("Mã đơn vị"), _("Tên đơn vị")]
    if combined:
        headers = [_("Hạng")] + headers + [_("Chỉ số CCHC (%)"), _("Tổng điểm"),
                                           _("Điểm tối đa áp dụng")]
    if before is not None:
        headers += [_("Hạng năm trước"), _("Thay đổi hạng")]
    headers += [_("Chỉ số SIPAS"), _("KTC 95% – cận dưới"), _("KTC 95% – cận trên"),
                _("Số phiếu (n)")]
    headers += [f"{code} – {criterion_name(pack, code, lang)}" for code in criteria]
    rows = []
    for unit in units:
        row = [unit["code"], unit["name"]]
        score = combined.get(unit["code"])
        if combined:
            row = [None if score is None else score.rank] + row + (
                [None] * 3 if score is None else
                [_rounded(score.index), _rounded(score.points), _rounded(score.applicable_max)])
        if before is not None:
            previous = before.get(unit["code"])
            rank = None if score is None else score.rank
            row += [previous, None if previous is None or rank is None else previous - rank]
        estimate = overall(unit["sipas"], measure) or {}
        row += [_rounded(estimate.get("value")), _rounded(estimate.get("ci_low")),
                _rounded(estimate.get("ci_high")), estimate.get("n")]
        points = {c["code"]: c["points"] for c in unit["criteria"]}
        row += [_rounded(points.get(code)) for code in criteria]
        rows.append(row)
    return headers, rows


def _criteria_sheet(sources, lang: str) -> tuple[list, list[list]]:
    headers = [_("Mã đơn vị"), _("Tên đơn vị"), _("Mã tiêu chí"), _("Tiêu chí"), _("Điểm"),
               _("Điểm tối đa"), _("KTC 95% – cận dưới"), _("KTC 95% – cận trên"),
               _("Số phiếu (n)"), _("Ghi chú")]
    from survey_app.reports.content import flag_text

    rows = [[u["code"], u["name"], c["code"], criterion_name(sources.pack, c["code"], lang),
             _rounded(c["points"]), _rounded(c["max_points"]), _rounded(c["ci_low"]),
             _rounded(c["ci_high"]), c["n"], flag_text(c["flags"])]
            for u in sources.contract["units"] for c in u["criteria"]]
    return headers, rows


def _groups_sheet(sources, lang: str) -> tuple[list, list[list]]:
    """Every survey-assessed criterion of every unit, one row per respondent group."""
    from analysis.points import is_small_cell

    from survey_app.labels import group_label
    from survey_app.reports.groups import group_cells

    headers = [_("Mã đơn vị"), _("Tên đơn vị"), _("Mã tiêu chí"), _("Tiêu chí"),
               _("Nhóm đối tượng"), _("Điểm của nhóm"), _("Điểm tối đa"), _("Sai số chuẩn"),
               _("Số phiếu (n)"), _("Điểm chung của tiêu chí"), _("Ghi chú")]
    rows = [[u["code"], u["name"], c["code"], criterion_name(sources.pack, c["code"], lang),
             group_label(g["group"]), _rounded(g["points"]), _rounded(c["max_points"]),
             _rounded(g["se"]), g["n"], _rounded(c["points"]),
             _("ô nhỏ") if is_small_cell(g["n"], sources.min_n) else ""]
            for u, c, g in group_cells(sources.contract)]
    return headers, rows


def officials_xlsx(sources, lang: str) -> bytes:
    """The workbook's bytes: a sheet per unit group, then the criteria sheet (through the one
    spreadsheet writer, so every cell is escaped)."""
    tables = {unit_type_label(t): _group_sheet(sources, t, lang)
              for t in unit_types(sources.contract)}
    tables[_("Tiêu chí điều tra XHH")] = _criteria_sheet(sources, lang)
    headers, rows = _groups_sheet(sources, lang)
    if rows:
        tables[_("Theo nhóm đối tượng")] = (headers, rows)
    headers, rows = rates_sheet(sources)
    if rows:
        tables[_("Tỷ lệ AAPOR")] = (headers, rows)
    return xlsx_bytes(tables, bold_header=True, number_format=NUMBER_FORMAT, freeze_header=True)
