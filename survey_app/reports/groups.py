"""Survey-assessed criteria by respondent group: for each unit and criterion, the points each
group gave alone (the contract's ``criteria[].groups``: that group's weighted mean coefficient
× the maximum) beside the cell's combined points and its maximum. Numbers are the contract's,
rounded for display only; a group's cell under the small-cell threshold is marked, never hidden.

Call inside ``flask_babel.force_locale(lang)``."""

from __future__ import annotations

from flask_babel import gettext as _

from analysis.points import is_small_cell

from survey_app.labels import group_label, unit_type_label
from survey_app.refusals import N_
from survey_app.reports.document import Section, Table, count, number
from survey_app.reports.ranking import criterion_name

GROUP_HEADERS = (
    N_("Đơn vị"),
    N_("Tiêu chí"),
    N_("Nhóm đối tượng"),
    N_("Điểm của nhóm"),
    N_("Điểm tối đa"),
    N_("Số phiếu (n)"),
    N_("Điểm chung của tiêu chí"),
    N_("Ghi chú"),
)


def group_cells(contract: dict, unit_type: str | None = None):
    """(unit, criterion, group part) of every cell the contract breaks down by group."""
    for unit in contract["units"]:
        if unit_type not in (None, unit["unit_type"]):
            continue
        for criterion in unit["criteria"]:
            for part in criterion.get("groups") or ():
                yield unit, criterion, part


def group_rows(sources, unit_type: str, lang: str) -> list[list[str]]:
    return [
        [
            unit["name"],
            criterion_name(sources.pack, criterion["code"], lang),
            group_label(part["group"]),
            number(part["points"], lang),
            number(criterion["max_points"], lang),
            count(part["n"], lang),
            number(criterion["points"], lang),
            _("ô nhỏ") if is_small_cell(part["n"], sources.min_n) else "",
        ]
        for unit, criterion, part in group_cells(sources.contract, unit_type)
    ]


def groups_section(sources, lang: str, unit_types: list[str]) -> Section | None:
    """One table per unit group; None when the contract carries no group breakdown (an export
    made before contracts held it)."""
    blocks: list = [
        _(
            "Điểm của nhóm = điểm tối đa × hệ số bình quân (có trọng số) của các câu trả lời của "
            "riêng nhóm đối tượng đó; điểm chung của tiêu chí kết hợp các nhóm theo quy tắc của "
            "bộ tiêu chí."
        )
    ]
    for unit_type in unit_types:
        rows = group_rows(sources, unit_type, lang)
        if rows:
            blocks.append(
                Table(
                    f"groups-{unit_type}",
                    [_(h) for h in GROUP_HEADERS],
                    rows,
                    caption=_(
                        "Điểm tiêu chí theo nhóm đối tượng: %(type)s",
                        type=unit_type_label(unit_type),
                    ),
                )
            )
    if len(blocks) == 1:
        return None
    return Section(_("Điểm các tiêu chí theo nhóm đối tượng khảo sát"), blocks)
