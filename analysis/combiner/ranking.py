"""Ranks within each unit type."""

from __future__ import annotations

from .model import RANKED, UnitScore


def _ranks(units: list[UnitScore]) -> dict[str, int]:
    """Competition ranking within each unit type, among ranked units, on the index rounded to two
    decimals."""
    ranked = [u for u in units if u.status == RANKED and u.index is not None]
    ranks = {}
    for u in ranked:
        mine = round(u.index, 2)
        ranks[u.code] = 1 + sum(
            1 for o in ranked if o.unit_type == u.unit_type and round(o.index, 2) > mine
        )
    return ranks
