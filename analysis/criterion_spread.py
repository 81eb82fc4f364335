"""How the units of a round did on each survey-assessed criterion, for the province's overview:
the mean of the units' points (each unit counts once, as each unit is ranked once) and the lowest
and highest unit, per unit type (agencies and communes are rated by different groups and are not
pooled), against the criterion's maximum."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class CriterionSpread:
    """One criterion over the units of one type: ``mean`` of their points, ``low`` and ``high``
    the lowest and highest unit's points, ``units`` how many units have points."""

    unit_type: str
    criterion: str
    max_points: float
    mean: float
    low: float
    high: float
    units: int


def criterion_spread(points: Sequence, unit_types: Mapping[str, str]) -> list[CriterionSpread]:
    """Per unit type and criterion, the units' mean, lowest and highest points.

    Parameters
    ----------
    points : sequence of :class:`analysis.points.CriterionPoints`
        A round's criterion points (one per unit and criterion).
    unit_types : mapping of str to str
        Unit code → unit type; points of a unit not named here are left out.

    Returns
    -------
    list of CriterionSpread
        By unit type (in order of first appearance in ``points``), then criterion in the order
        the criteria first appear.

    Notes
    -----
    The mean is unweighted across units: it describes the average unit of that type, not the
    province's respondents (units differ in size and in the number of answers).
    """
    by_cell: dict[tuple[str, str], list] = {}
    for cp in points:
        unit_type = unit_types.get(cp.unit)
        if unit_type is None:
            continue
        by_cell.setdefault((unit_type, cp.criterion), []).append(cp)
    types = list(dict.fromkeys(unit_type for unit_type, _ in by_cell))
    out = []
    for unit_type in types:
        for (kind, criterion), cells in by_cell.items():
            if kind != unit_type:
                continue
            values = [float(cp.points) for cp in cells]
            out.append(CriterionSpread(unit_type, criterion, float(cells[0].max_points),
                                       sum(values) / len(values), min(values), max(values),
                                       len(values)))
    return out
