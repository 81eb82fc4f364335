"""What the public page of a published round shows, from its contract: per unit group, each unit's
SIPAS index and 95 % interval (blank under the small-cell threshold), its responses, and the
method in plain words. Call inside ``flask_babel.force_locale(lang)``."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from analysis.points import is_small_cell

from survey_app.labels import unit_type_label
from survey_app.reports.content import overall, unit_types
from survey_app.reports.document import count, interval, number
from survey_app.reports.method import method_section, sipas_measure


@dataclass(frozen=True)
class PublicRow:
    name: str
    index: str
    interval: str
    responses: str
    bar: int | None  # the index rounded to a whole percent for the bar; None for a small cell
    small: bool


def public_rows(sources, unit_type: str, lang: str) -> list[PublicRow]:
    measure = sipas_measure(sources.pack)
    responses: dict[str, int] = {}
    for c in sources.contract["response_counts"]:
        if c["unit"] is not None:
            responses[c["unit"]] = responses.get(c["unit"], 0) + c["completed"]
    rows = []
    for unit in sources.contract["units"]:
        estimate = overall(unit["sipas"], measure) if unit["unit_type"] == unit_type else None
        if estimate is None:
            continue
        small = is_small_cell(estimate["n"], sources.min_n)
        rows.append(
            (
                (small, -estimate["value"] if not small else 0, unit["name"]),
                PublicRow(
                    unit["name"],
                    "" if small else number(estimate["value"], lang),
                    "" if small else interval(estimate["ci_low"], estimate["ci_high"], lang),
                    count(responses.get(unit["code"], 0), lang),
                    None if small else max(0, min(100, round(estimate["value"]))),
                    small,
                ),
            )
        )
    return [row for _key, row in sorted(rows, key=lambda pair: pair[0])]


def public_view(sources, lang: str) -> dict:
    contract = sources.contract
    method = [b for b in method_section(sources, lang).blocks if isinstance(b, str)]
    return {
        "round": contract["round"],
        "sha256": sources.sha256,
        "min_n": sources.min_n,
        "method": method,
        "groups": [
            (unit_type_label(t), public_rows(sources, t, lang)) for t in unit_types(contract)
        ],
        "title": _("Kết quả khảo sát sự hài lòng"),
    }
