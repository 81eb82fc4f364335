"""The report's ranking and shortfall sections: the PAR Index ranking by unit group, criteria
below their maximum and points lost against last year, from ``analysis.combiner``'s results
(rounded for display only). Call inside ``flask_babel.force_locale(lang)``."""

from __future__ import annotations

from flask_babel import gettext as _

from survey_app.labels import unit_type_label
from survey_app.refusals import N_
from survey_app.reports.document import Section, Table, count, number


def criterion_name(pack, code: str, lang: str) -> str:
    """The criterion's title in ``lang``; its code when the pack does not know it."""
    try:
        return pack.criterion(code).title.get(lang)
    except KeyError:
        return code


def _points_by_assessment(pack, unit) -> tuple[float, float]:
    """(self-assessed, survey) points of a combined unit, by the pack's assessment of each node."""
    self_points = survey = 0.0
    for code, detail in unit.details.items():
        if detail.points is None:
            continue
        if pack.criterion(code).assessment == "survey":
            survey += detail.points
        else:
            self_points += detail.points
    return self_points, survey


RANK_HEADERS = (
    N_("Hạng"),
    N_("Đơn vị"),
    N_("Điểm tự đánh giá"),
    N_("Điểm điều tra XHH"),
    N_("Tổng điểm"),
    N_("Điểm tối đa áp dụng"),
    N_("Chỉ số CCHC (%)"),
    N_("Sai số chuẩn"),
    N_("Khoảng hạng 90%"),
    N_("Ghi chú"),
)


def ranked_units(combined, unit_type: str) -> list:
    """The combiner's units of one type in ranking order (units without a rank last)."""
    units = [u for u in combined.units if u.unit_type == unit_type]
    return sorted(
        units, key=lambda u: (u.rank is None, u.rank or 0, u.index is None, -(u.index or 0), u.name)
    )


def _rank_interval_text(interval) -> str:
    """``"2–4"`` for a rank interval, the rank alone when both ends agree, ``—`` without one."""
    if interval is None:
        return "—"
    low, high = interval
    return str(low) if low == high else f"{low}–{high}"


def rank_change(rank: int | None, previous: int | None) -> list[str]:
    """Last year's rank and the change (``+2`` up, ``−1`` down, ``0``); dashes where unknown."""
    if previous is None:
        return ["—", "—"]
    if rank is None:
        return [str(previous), "—"]
    moved = previous - rank
    return [str(previous), f"+{moved}" if moved > 0 else ("0" if moved == 0 else f"−{-moved}")]


def ranking_section(sources, lang: str) -> Section:
    combined, pack = sources.combined, sources.pack
    blocks: list = [
        _(
            "Chỉ số CCHC = tổng điểm đạt được ÷ tổng điểm tối đa của các tiêu chí áp dụng "
            "× 100; điểm tự đánh giá đã thẩm định và điểm điều tra xã hội học ghi riêng."
        ),
        _(
            "Sai số chuẩn của chỉ số chỉ đến từ phần điểm điều tra xã hội học (điểm tự đánh giá "
            "không có sai số chọn mẫu). Khoảng hạng 90%% lấy từ %(draws)s lần mô phỏng chỉ số "
            "của các đơn vị theo sai số đó (hạt giống %(seed)s): hai đơn vị có khoảng hạng chồng "
            "lên nhau thì chưa phân biệt được thứ hạng.",
            draws=count(combined.rank_draws, lang),
            seed=combined.rank_seed,
        ),
    ]
    before = None
    if sources.changes is not None:
        from analysis.combiner import previous_ranks

        before = previous_ranks(combined, sources.changes)
        blocks.append(
            _(
                "Hạng năm trước: xếp theo chỉ số năm trước của các đơn vị có kết quả năm trước "
                "(điểm năm trước ÷ điểm tối đa của các tiêu chí có điểm năm trước × 100); thay "
                "đổi hạng = hạng năm trước − hạng năm nay (số dương: tăng hạng)."
            )
        )
    headers = [_(h) for h in RANK_HEADERS]
    if before is not None:
        headers[2:2] = [_("Hạng năm trước"), _("Thay đổi hạng")]
    fields = [c.code for c in pack.criteria]
    for unit_type in dict.fromkeys(u.unit_type for u in combined.units):
        units = ranked_units(combined, unit_type)
        rows = []
        for u in units:
            self_points, survey = _points_by_assessment(pack, u)
            rows.append(
                [
                    "" if u.rank is None else str(u.rank),
                    u.name,
                    *([] if before is None else rank_change(u.rank, before.get(u.code))),
                    number(self_points, lang),
                    number(survey, lang),
                    number(u.points, lang),
                    number(u.applicable_max, lang),
                    number(u.index, lang),
                    "—" if u.index_se is None else number(u.index_se, lang),
                    _rank_interval_text(u.rank_interval),
                    u.reason or "",
                ]
            )
        blocks.append(
            Table(
                f"ranking-{unit_type}",
                headers,
                rows,
                caption=_("Xếp hạng Chỉ số CCHC: %(type)s", type=unit_type_label(unit_type)),
            )
        )
        field_rows = [
            [u.name] + [number(u.fields[f].index, lang) if f in u.fields else "—" for f in fields]
            for u in units
        ]
        blocks.append(
            Table(
                f"fields-{unit_type}",
                [_("Đơn vị")] + [criterion_name(pack, f, lang) for f in fields],
                field_rows,
                wide=True,
                caption=_(
                    "Chỉ số thành phần theo lĩnh vực (%%): %(type)s",
                    type=unit_type_label(unit_type),
                ),
            )
        )
    return Section(_("Xếp hạng Chỉ số cải cách hành chính"), blocks)


def below_max_rows(sources, lang: str, unit_code: str | None = None) -> list[list[str]]:
    """Unit, criterion, points, maximum, shortfall: from the combiner when there is one (every
    criterion), else from the contract's survey-assessed criteria."""
    names = {u["code"]: u["name"] for u in sources.contract["units"]}
    if sources.combined is not None:
        from analysis.combiner import below_max_table

        _headers, rows = below_max_table(sources.combined, unit_code)
        return [
            [
                names.get(u, u),
                criterion_name(sources.pack, c, lang),
                number(p, lang),
                number(m, lang),
                number(s, lang),
            ]
            for u, c, p, m, s in rows
        ]
    return [
        [
            unit["name"],
            criterion_name(sources.pack, c["code"], lang),
            number(c["points"], lang),
            number(c["max_points"], lang),
            number(c["max_points"] - c["points"], lang),
        ]
        for unit in sources.contract["units"]
        if unit_code in (None, unit["code"])
        for c in unit["criteria"]
        if c["points"] < c["max_points"]
    ]


def lost_rows(sources, lang: str, unit_code: str | None = None) -> list[list[str]]:
    from analysis.combiner import points_lost_table

    names = {u["code"]: u["name"] for u in sources.contract["units"]}
    _headers, rows = points_lost_table(sources.changes, unit_code)
    return [
        [
            names.get(u, u),
            criterion_name(sources.pack, c, lang),
            number(now, lang),
            number(before, lang),
            number(lost, lang),
        ]
        for u, c, now, before, _change, lost in rows
    ]


BELOW_HEADERS = (N_("Đơn vị"), N_("Tiêu chí"), N_("Điểm"), N_("Điểm tối đa"), N_("Điểm bị trừ"))
LOST_HEADERS = (
    N_("Đơn vị"),
    N_("Tiêu chí"),
    N_("Điểm năm nay"),
    N_("Điểm năm trước"),
    N_("Điểm bị mất"),
)


def shortfall_section(sources, lang: str) -> Section:
    blocks: list = [
        Table(
            "below-max",
            [_(h) for h in BELOW_HEADERS],
            below_max_rows(sources, lang),
            caption=_("Tiêu chí chưa đạt điểm tối đa"),
        )
    ]
    if sources.changes is not None:
        blocks.append(
            Table(
                "points-lost",
                [_(h) for h in LOST_HEADERS],
                lost_rows(sources, lang),
                caption=_("Điểm bị mất so với năm trước"),
            )
        )
    return Section(_("Tiêu chí chưa đạt điểm tối đa"), blocks)
