"""The combined result as tables (index, fields, criteria, below maximum, points lost), as a
JSON document readable next year, and the points-lost workbook."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..contract.tables import write_xlsx
from .model import (
    RESULT_FORMAT_VERSION,
    RESULT_KIND,
    SCORED,
    CombinedIndex,
    CriterionChange,
    UnitScore,
)
from .ranking import COVARIANCE_ASSUMPTION

INDEX_HEADERS = (
    "rank",
    "unit_code",
    "unit_name",
    "unit_type",
    "points",
    "applicable_max",
    "index",
    "status",
    "reason",
    "survey_se",
    "index_se",
    "rank_low",
    "rank_high",
)
FIELD_HEADERS = ("unit_code", "field", "points", "applicable_max", "index")
CRITERIA_HEADERS = (
    "unit_code",
    "criterion_code",
    "field",
    "points",
    "max_points",
    "status",
    "source",
    "reason",
)
BELOW_MAX_HEADERS = ("unit_code", "criterion_code", "points", "max_points", "shortfall")
POINTS_LOST_HEADERS = (
    "unit_code",
    "criterion_code",
    "points",
    "previous_points",
    "change",
    "points_lost",
)


def _ordered(result: CombinedIndex) -> list[UnitScore]:
    return sorted(
        result.units,
        key=lambda u: (
            u.unit_type,
            u.rank if u.rank is not None else 10**9,
            u.index is None,
            -(u.index or 0),
            u.code,
        ),
    )


def points_lost_table(
    changes: Sequence[CriterionChange], unit: str | None = None
) -> tuple[tuple[str, ...], list[list]]:
    """Rows of criteria that lost points (largest loss first), for one unit or all."""
    rows = [
        [c.unit, c.criterion, c.points, c.previous, c.change, c.lost]
        for c in changes
        if (unit is None or c.unit == unit) and c.lost
    ]
    rows.sort(key=lambda r: (r[0], -r[5], r[1]))
    return POINTS_LOST_HEADERS, rows


def below_max_table(
    result: CombinedIndex, unit: str | None = None
) -> tuple[tuple[str, ...], list[list]]:
    """Rows of scored criteria below their maximum (largest shortfall first), for one unit or all:
    criterion, points, maximum, shortfall."""
    rows = []
    for u in _ordered(result):
        if unit is not None and u.code != unit:
            continue
        cells = [
            c for c in u.details.values() if c.status == SCORED and c.points < c.max_points - 1e-9
        ]
        cells.sort(key=lambda c: (-(c.max_points - c.points), c.code))
        rows += [[u.code, c.code, c.points, c.max_points, c.max_points - c.points] for c in cells]
    return BELOW_MAX_HEADERS, rows


def result_tables(
    result: CombinedIndex, changes: Sequence[CriterionChange] | None = None
) -> dict[str, tuple[tuple[str, ...], list[list]]]:
    """The result as tables: ``index`` (by unit type and rank; status and reason; the SEs of the
    survey part and of the index, and the rank's 90 % interval ``rank_low``–``rank_high``),
    ``fields``, ``criteria`` (every scoring node of every unit with its source or reason: next
    year's ``--previous``), ``below_max`` and, given changes, ``points_lost``."""
    units = _ordered(result)
    tables = {
        "index": (
            INDEX_HEADERS,
            [
                [
                    u.rank,
                    u.code,
                    u.name,
                    u.unit_type,
                    u.points,
                    u.applicable_max,
                    u.index,
                    u.status,
                    u.reason,
                    u.survey_se,
                    u.index_se,
                    *(u.rank_interval or (None, None)),
                ]
                for u in units
            ],
        ),
        "fields": (
            FIELD_HEADERS,
            [
                [u.code, code, f.points, f.applicable_max, f.index]
                for u in units
                for code, f in u.fields.items()
            ],
        ),
        "criteria": (
            CRITERIA_HEADERS,
            [
                [u.code, c.code, c.field, c.points, c.max_points, c.status, c.source, c.reason]
                for u in units
                for c in u.details.values()
            ],
        ),
        "below_max": below_max_table(result),
    }
    if changes is not None:
        tables["points_lost"] = points_lost_table(changes)
    return tables


def result_json(result: CombinedIndex, changes: Sequence[CriterionChange] | None = None) -> dict:
    """The result as a JSON-ready document (kind ``par_index_result``), readable by
    :func:`read_previous` next year."""
    tables = result_tables(result, changes)

    def records(name):
        headers, rows = tables[name]
        return [dict(zip(headers, row)) for row in rows]

    criteria: dict[str, list] = {}
    for record in records("criteria"):
        criteria.setdefault(record["unit_code"], []).append(record)
    fields: dict[str, list] = {}
    for record in records("fields"):
        fields.setdefault(record["unit_code"], []).append(record)
    units = []
    for record in records("index"):
        unit = result.unit(record["unit_code"])
        units.append(
            dict(
                record,
                excluded=unit.excluded,
                no_data=list(unit.no_data),
                fields=fields.get(unit.code, []),
                criteria=criteria.get(unit.code, []),
            )
        )
    doc = {
        "kind": RESULT_KIND,
        "format_version": RESULT_FORMAT_VERSION,
        "round": result.round_code,
        "year": result.year,
        "pack": {"id": result.pack_id, "version": result.pack_version},
        "units": units,
        "below_max": records("below_max"),
        "rank_uncertainty": {
            "seed": result.rank_seed,
            "draws": result.rank_draws,
            "level": result.rank_level,
            "assumption": COVARIANCE_ASSUMPTION,
        },
    }
    if changes is not None:
        doc["points_lost"] = records("points_lost")
    return doc


def write_points_lost_xlsx(
    changes: Sequence[CriterionChange], target, units: Sequence[str] | None = None
) -> None:
    """One sheet per unit listing where points were lost against last year."""
    units = list(dict.fromkeys(c.unit for c in changes)) if units is None else list(units)
    tables = {}
    for unit in units:
        name = re.sub(r"[\[\]:*?/\\]", "_", unit)[:31] or "unit"
        while name in tables:
            name = name[:28] + f"_{len(tables)}"
        headers, rows = points_lost_table(changes, unit)
        tables[name] = (headers, rows)
    write_xlsx(tables, target)
