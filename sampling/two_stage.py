"""Two-stage selection: primary units (e.g. communes) by PPS systematic, then SRS within them.

This is the PAPI design: communes or villages drawn with probability proportional to size,
certainty units always in, then a fixed number of respondents drawn at random from each
selected unit's list, with an ordered replacement list per unit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .selection import Selection, _count, _draw, _group_strata, _plain, select
from .streams import check_seed, stream

__all__ = ["TwoStageSelection", "select_two_stage"]

# Second-stage streams use the key (_SECOND_STAGE, psu position): two words, so they never
# coincide with the first stage's keys () or (stratum,).
_SECOND_STAGE = 2


@dataclass(frozen=True, eq=False)
class TwoStageSelection:
    """The result of :func:`select_two_stage`.

    Attributes
    ----------
    psus : Selection
        First stage, over primary units numbered by their position in ``psu_labels``.
    psu_labels : tuple
        Label of each primary unit, in the order used by ``psus``.
    units : Selection
        Final units (rows of the unit frame) with their overall inclusion probabilities
        ``pi_psu * m / M``; ``units.strata`` is each row's primary unit and the replacements
        are listed within primary unit.
    conditional_probabilities : numpy.ndarray
        Second-stage probability ``m / M`` of each selected unit given its primary unit.
    """

    psus: Selection
    psu_labels: tuple
    units: Selection
    conditional_probabilities: np.ndarray

    def to_dict(self) -> dict:
        """A JSON-ready description of both stages."""
        return {
            "psu_labels": [_plain(label) for label in self.psu_labels],
            "psus": self.psus.to_dict(),
            "units": self.units.to_dict(),
            "conditional_probabilities": np.asarray(self.conditional_probabilities).tolist(),
        }


def select_two_stage(psu: Sequence[Any], n_psu: Any, n_per_psu: int, *,
                     size: Mapping[Any, float] | None = None, seed: int | None = None,
                     psu_strata: Mapping[Any, Any] | None = None,
                     psu_replacements: int | None = None,
                     replacements: int | None = None) -> TwoStageSelection:
    """Select primary units by PPS systematic, then ``n_per_psu`` units by SRS in each.

    Parameters
    ----------
    psu : sequence
        Primary-unit label (e.g. commune code) of each row of the unit frame.
    n_psu : int, or dict of int per stratum
        Number of primary units to select.
    n_per_psu : int
        Units to select in each selected primary unit; a primary unit with fewer units is
        taken whole.
    size : mapping, optional
        Measure of size of each primary unit (e.g. population from the commune list); by
        default the number of frame rows in it.  Its order fixes the primary units' order.
    seed : int, optional
        Seed of the whole draw (fresh when None).  The first stage equals
        ``select(len(psu_labels), n_psu, "pps_systematic", size=..., seed=seed)``.
    psu_strata : mapping, optional
        Stratum of each primary unit, for a stratified first stage.
    psu_replacements, replacements : int, optional
        Lengths of the replacement lists of primary units and of units per primary unit.

    Returns
    -------
    TwoStageSelection
    """
    seed = check_seed(seed)
    per_psu = _count(n_per_psu, "n_per_psu")
    groups = dict(_group_strata(psu, len(psu)))
    if size is None:
        labels = tuple(groups)
        measures = np.array([len(groups[label]) for label in labels], dtype=float)
    else:
        labels = tuple(size)
        unknown = [label for label in groups if label not in size]
        if unknown:
            raise ValueError(f"Primary unit {unknown[0]!r} of the frame has no size.")
        measures = np.array([size[label] for label in labels], dtype=float)
        empty = [label for label, value in zip(labels, measures)
                 if value > 0 and label not in groups]
        if empty:
            raise ValueError(
                f"Primary unit {empty[0]!r} has a positive size but no units in the frame."
            )
    strata = None
    if psu_strata is not None:
        missing = [label for label in labels if label not in psu_strata]
        if missing:
            raise ValueError(f"Primary unit {missing[0]!r} has no stratum.")
        strata = [psu_strata[label] for label in labels]
    first = select(len(labels), n_psu, "pps_systematic", strata=strata, size=measures,
                   seed=seed, replacements=psu_replacements)

    chosen, overall, conditional, spare, spare_labels, unit_labels = [], [], [], [], [], []
    allocation = {}
    for position, pi_psu in zip(first.indices.tolist(), first.probabilities.tolist()):
        label = labels[position]
        rows = groups[label]
        take = min(per_psu, len(rows))
        rows_chosen, probabilities, rows_spare = _draw(
            "srs", rows, take, None, stream(seed, _SECOND_STAGE, position), replacements)
        chosen.append(rows_chosen)
        conditional.append(probabilities)
        overall.append(pi_psu * probabilities)
        spare.append(rows_spare)
        unit_labels.extend([label] * take)
        spare_labels.extend([label] * len(rows_spare))
        allocation[label] = take
    overall_probabilities = np.concatenate(overall) if overall else np.zeros(0)
    units = Selection(
        np.concatenate(chosen) if chosen else np.zeros(0), overall_probabilities,
        1.0 / overall_probabilities, np.concatenate(spare) if spare else np.zeros(0),
        seed, "two_stage", len(psu), strata=tuple(unit_labels),
        replacement_strata=tuple(spare_labels), allocation=allocation,
    )
    conditional_probabilities = np.concatenate(conditional) if conditional else np.zeros(0)
    conditional_probabilities.setflags(write=False)
    return TwoStageSelection(first, labels, units, conditional_probabilities)
