"""Per-unit result sheets: one page per unit (its SIPAS index and elements, its survey-assessed
criteria, its PAR Index rank when combined, what lost points), for sending to each Sở and commune.

Call inside ``flask_babel.force_locale(lang)``."""

from __future__ import annotations

from flask_babel import gettext as _

from survey_app.reports.content import (
    BELOW_HEADERS,
    CRITERIA_HEADERS,
    LOST_HEADERS,
    below_max_rows,
    criteria_rows,
    document_frame,
    element_name,
    estimate_text,
    lost_rows,
    overall,
)
from survey_app.reports.document import Section, Table, count, interval, number
from survey_app.reports.method import sipas_measure
from survey_app.reports.ranking import rank_change


def _rank_text(sources, code: str, lang: str) -> str | None:
    if sources.combined is None:
        return None
    try:
        unit = sources.combined.unit(code)
    except KeyError:
        return None
    if unit.rank is None:
        return _(
            "Chỉ số CCHC: %(index)s; không xếp hạng (%(reason)s).",
            index=number(unit.index, lang),
            reason=unit.reason or "—",
        )
    peers = sum(
        1 for u in sources.combined.units if u.unit_type == unit.unit_type and u.rank is not None
    )
    text = _(
        "Chỉ số CCHC: %(index)s (%(points)s / %(max)s điểm); xếp hạng %(rank)s / %(of)s.",
        index=number(unit.index, lang),
        points=number(unit.points, lang),
        max=number(unit.applicable_max, lang),
        rank=unit.rank,
        of=peers,
    )
    if sources.changes is not None:
        from analysis.combiner import previous_ranks

        previous = previous_ranks(sources.combined, sources.changes).get(code)
        if previous is not None:
            _previous, change = rank_change(unit.rank, previous)
            text += " " + _("Hạng năm trước: %(previous)s (thay đổi: %(change)s).",
                            previous=previous, change=change)
    return text


def unit_section(sources, unit: dict, lang: str) -> Section:
    measure = sipas_measure(sources.pack)
    blocks: list = []
    rank = _rank_text(sources, unit["code"], lang)
    if rank:
        blocks.append(rank)
    estimate = overall(unit["sipas"], measure)
    if estimate is not None:
        blocks.append(
            _(
                "Chỉ số SIPAS: %(value)s (KTC 95%%: %(ci)s; %(n)s phiếu).",
                value=number(estimate["value"], lang),
                ci=interval(estimate["ci_low"], estimate["ci_high"], lang),
                n=count(estimate["n"], lang),
            )
        )
        elements = [i for i in unit["sipas"] if i["level"] == "element"]
        blocks.append(
            Table(
                "unit-elements",
                [_("Yếu tố"), _("Chỉ số (KTC 95%)")],
                [
                    [element_name(sources, i["code"], lang), estimate_text(i[measure], lang)]
                    for i in elements
                ],
            )
        )
    blocks.append(
        Table(
            "unit-criteria",
            [_(h) for h in CRITERIA_HEADERS[1:]],
            [row[1:] for row in criteria_rows(sources, [unit], lang)],
            caption=_("Điểm các tiêu chí chấm bằng điều tra xã hội học"),
        )
    )
    below = below_max_rows(sources, lang, unit["code"])
    if below:
        blocks.append(
            Table(
                "unit-below-max",
                [_(h) for h in BELOW_HEADERS[1:]],
                [row[1:] for row in below],
                caption=_("Tiêu chí chưa đạt điểm tối đa"),
            )
        )
    if sources.changes is not None:
        lost = lost_rows(sources, lang, unit["code"])
        if lost:
            blocks.append(
                Table(
                    "unit-lost",
                    [_(h) for h in LOST_HEADERS[1:]],
                    [row[1:] for row in lost],
                    caption=_("Điểm bị mất so với năm trước"),
                )
            )
    return Section(unit["name"], blocks, page_break=True)


def build_unit_sheets(sources, lang: str):
    """A document of one section (one page or more) per unit of the contract."""
    sections = [unit_section(sources, unit, lang) for unit in sources.contract["units"]]
    if sections:
        sections[0].page_break = False
    doc = document_frame(sources, lang, _("PHIẾU KẾT QUẢ TỪNG ĐƠN VỊ"), sections)
    doc.signature, doc.compact = [], True
    return doc
