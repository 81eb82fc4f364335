"""Sample plans as data: the options that decide a draw, their checks against a frame's columns,
and the sizes a draw will take (per stratum, or per stage of a two-stage plan).

Frame rows come in as plain dicts (the design columns of each row, in frame order). Results are
typed values (:class:`PlanPreview`); a plan that cannot be drawn raises :class:`PlanProblem`, a
``ValueError`` carrying a stable ``code`` and the ``arguments`` of the sentence, so that a caller
can say it in any language (``str()`` gives an English sentence for a notebook).

>>> options = PlanOptions(size_mode="fixed", n=2, strata_column="unit_code")
>>> rows = [{"unit_code": "A"}] * 6 + [{"unit_code": "B"}] * 4
>>> [(s.label, s.population, s.n) for s in preview_plan(options, rows).strata]
[('A', 6, 1), ('B', 4, 1)]
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .allocation import allocate
from .probabilities import inclusion_probabilities
from .size import sample_size, slovin_size

SIZE_MODES = ("cochran", "slovin", "fixed")
METHODS = ("srs", "systematic", "pps_systematic", "two_stage")
# A two-stage plan may take its primary units' sizes from another frame (a communes frame of
# the round): ``psu_size_column = "communes:<frame id>"``, keyed by ``unit_code``.
COMMUNES_SIZE_PREFIX = "communes:"
# Seeds stay JSON-safe integers (below 2**53), exact in JSON and in JavaScript.
MAX_SEED = 2**53 - 1
_SD_ITEM = re.compile(r"\s*([^=;]+?)\s*=\s*([0-9]+(?:[.,][0-9]+)?)\s*")

# English sentences of the problems, for ``str()``; callers translate ``code`` themselves.
ENGLISH = {
    "sds_unreadable": "cannot read “{item}”: write stratum=sd separated by semicolons",
    "unknown_method": "unknown selection method {method!r}",
    "unknown_size_mode": "unknown size mode {size_mode!r}",
    "no_such_column": "the frame has no column “{column}”",
    "pps_needs_size": "PPS selection needs a numeric size column (e.g. population)",
    "n_missing": "enter the sample size n",
    "two_stage_no_strata": "two-stage selection takes no stratum column: leave it empty",
    "psu_column_missing": "choose the primary-unit column (e.g. the commune code)",
    "n_psu_invalid": "enter the number of primary units (a whole number from 1)",
    "per_psu_invalid": "enter the number per primary unit (a whole number from 1)",
    "replacements_invalid": "replacements per primary unit must be a whole number ≥ 0",
    "psu_replacements_invalid": "replacement primary units must be a whole number ≥ 0",
    "communes_need_unit_code": (
        "population from a communes frame needs unit_code as the primary-unit column"
    ),
    "size_column_not_numeric": "the size column “{column}” is not a numeric column of the frame",
    "stratum_missing": "frame row {row} has no value in the stratum column “{column}”",
    "psu_missing": "frame row {row} has no value in the primary-unit column “{column}”",
    "n_over_population": "n = {n} is larger than the {population} rows of the frame",
    "minimum_over_n": (
        "a minimum of {minimum} per stratum needs {floor} units, more than n = {n}"
    ),
    "sd_missing": "no standard deviation for stratum “{stratum}”",
    "psu_size_differs": (
        "row {row}: the size “{column}” of primary unit “{psu}” differs from its earlier rows"
    ),
    "psu_not_in_sizes": "primary unit “{psu}” has no size in frame {source}",
    "n_psu_over_available": (
        "n_psu = {n_psu} is larger than the {available} primary units of the frame "
        "(distinct values of “{column}”)"
    ),
    "cannot_draw": "the plan cannot be drawn: {reason}",
}


class PlanProblem(ValueError):
    """Why a plan cannot be previewed or drawn: ``code`` (a key of :data:`ENGLISH`) and the
    ``arguments`` of its sentence."""

    def __init__(self, code: str, **arguments: Any) -> None:
        self.code = code
        self.arguments = arguments
        super().__init__(ENGLISH[code].format(**arguments) + ".")


@dataclass(frozen=True)
class PlanOptions:
    """Everything that decides a draw; stored with the plan so anyone can redraw it."""

    method: str = "srs"
    size_mode: str = "cochran"
    n: int | None = None
    margin: float = 0.05
    confidence: float = 0.95
    p: float = 0.5
    deff: float = 1.0
    response_rate: float = 1.0
    strata_column: str | None = None
    per_stratum: bool = False
    allocation: str = "proportional"
    sds: dict[str, float] = field(default_factory=dict)
    minimum: int = 0
    size_column: str | None = None
    replacements: int = 0
    psu_column: str | None = None
    n_psu: int | None = None
    per_psu: int | None = None
    psu_size_column: str | None = None
    psu_replacements: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlanOptions:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)

    @property
    def communes_sizes(self) -> str | None:
        """The frame id after ``communes:`` when the PSU sizes come from a communes frame."""
        size = self.psu_size_column or ""
        return size.removeprefix(COMMUNES_SIZE_PREFIX) if size.startswith(
            COMMUNES_SIZE_PREFIX) else None


@dataclass(frozen=True)
class StratumSize:
    label: str | None
    population: int
    n: int


@dataclass(frozen=True)
class TwoStagePreview:
    """What a two-stage draw will take: primary units (PSUs), then respondents in each."""

    psu_count: int
    n_psu: int
    per_psu: int
    small_psus: int  # PSUs with fewer rows than ``per_psu``: taken whole if selected
    certainty_psus: int  # PSUs whose first-stage probability is 1


@dataclass(frozen=True)
class PlanPreview:
    """The n the plan will draw, per stratum, before drawing.

    For a two-stage plan ``n`` is the planned total ``n_psu × per_psu`` (lower when a selected
    PSU has fewer rows) and ``two_stage`` holds the stage sizes.
    """

    population: int
    n: int
    strata: list[StratumSize]
    two_stage: TwoStagePreview | None = None


def parse_sds(text: str | None) -> dict[str, float]:
    """``"A=5; B=10"`` → ``{"A": 5.0, "B": 10.0}``."""
    result: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in (text or "").split(";"))):
        match = _SD_ITEM.fullmatch(item)
        if match is None:
            raise PlanProblem("sds_unreadable", item=item)
        result[match[1]] = float(match[2].replace(",", "."))
    return result


def check_options(options: PlanOptions, columns: Sequence[str], numeric: Sequence[str]) -> None:
    """Check ``options`` against a frame's design ``columns`` and its ``numeric`` columns.

    A communes frame named by ``psu_size_column`` is not looked up here: the caller knows the
    other frames.
    """
    if options.method not in METHODS:
        raise PlanProblem("unknown_method", method=options.method)
    if options.size_mode not in SIZE_MODES:
        raise PlanProblem("unknown_size_mode", size_mode=options.size_mode)
    if options.strata_column is not None and options.strata_column not in columns:
        raise PlanProblem("no_such_column", column=options.strata_column)
    if options.method == "pps_systematic" and options.size_column not in numeric:
        raise PlanProblem("pps_needs_size")
    if options.method == "two_stage":
        _check_two_stage(options, columns, numeric)
    elif options.size_mode == "fixed" and not options.n:
        raise PlanProblem("n_missing")


def _whole(value: Any, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _check_two_stage(options: PlanOptions, columns: Sequence[str], numeric: Sequence[str]) -> None:
    if options.strata_column is not None:
        raise PlanProblem("two_stage_no_strata")
    if not options.psu_column:
        raise PlanProblem("psu_column_missing")
    if options.psu_column not in columns:
        raise PlanProblem("no_such_column", column=options.psu_column)
    if not _whole(options.n_psu, 1):
        raise PlanProblem("n_psu_invalid")
    if not _whole(options.per_psu, 1):
        raise PlanProblem("per_psu_invalid")
    if not _whole(options.replacements, 0):
        raise PlanProblem("replacements_invalid")
    if not _whole(options.psu_replacements, 0):
        raise PlanProblem("psu_replacements_invalid")
    size = options.psu_size_column
    if options.communes_sizes is not None:
        if options.psu_column != "unit_code":
            raise PlanProblem("communes_need_unit_code")
    elif size and size not in numeric:
        raise PlanProblem("size_column_not_numeric", column=size)


def size_for(population: int, options: PlanOptions) -> int:
    """The n of a population of ``population`` by the options' size mode (not ``fixed``)."""
    if options.size_mode == "slovin":
        return slovin_size(population, margin=options.margin)
    return sample_size(
        margin=options.margin,
        confidence=options.confidence,
        p=options.p,
        population=population,
        deff=options.deff,
        response_rate=options.response_rate,
    )


def _labels(design: Sequence[Mapping[str, Any]], column: str, problem: str) -> list[str]:
    labels = []
    for position, row in enumerate(design, start=1):
        value = row.get(column)
        if value is None or value == "":
            raise PlanProblem(problem, row=position, column=column)
        labels.append(str(value))
    return labels


def strata_labels(design: Sequence[Mapping[str, Any]], column: str) -> list[str]:
    """The stratum of each row (every row must have one)."""
    return _labels(design, column, "stratum_missing")


def psu_labels(design: Sequence[Mapping[str, Any]], column: str) -> list[str]:
    """The primary unit of each row (every row must have one)."""
    return _labels(design, column, "psu_missing")


def _counts(labels: Sequence[str]) -> dict[str, int]:
    """Rows per label, in order of first appearance."""
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    return counts


def preview_plan(
    options: PlanOptions,
    design: Sequence[Mapping[str, Any]],
    psu_sizes: Mapping[str, float] | None = None,
) -> PlanPreview:
    """The total n and the n of each stratum (or the stage sizes) a draw would take.

    ``design`` are the frame's rows; ``psu_sizes`` the measure of size of each primary unit of
    a two-stage plan (None: row counts). ``options`` must have passed :func:`check_options`.
    """
    if options.method == "two_stage":
        return _preview_two_stage(options, psu_labels(design, options.psu_column), psu_sizes)
    population = len(design)
    try:
        if options.strata_column is None:
            n = options.n if options.size_mode == "fixed" else size_for(population, options)
            if n > population:
                raise PlanProblem("n_over_population", n=n, population=population)
            return PlanPreview(population, n, [StratumSize(None, population, n)])
        order = _counts(strata_labels(design, options.strata_column))
        names, counts = list(order), list(order.values())
        if options.per_stratum and options.size_mode != "fixed":
            sizes = [max(size_for(count, options), min(options.minimum, count))
                     for count in counts]
        else:
            sizes = _allocated(options, population, names, counts)
    except PlanProblem:
        raise
    except ValueError as exc:
        raise PlanProblem("cannot_draw", reason=str(exc)) from None
    strata = [StratumSize(name, count, size) for name, count, size in zip(names, counts, sizes)]
    return PlanPreview(population, sum(sizes), strata)


def _allocated(options: PlanOptions, population: int, names: list[str],
               counts: list[int]) -> list[int]:
    total = options.n if options.size_mode == "fixed" else size_for(population, options)
    floor = sum(min(options.minimum, count) for count in counts)
    if floor > total:
        raise PlanProblem("minimum_over_n", minimum=options.minimum, floor=floor, n=total)
    sds = None
    if options.allocation == "neyman":
        missing = [name for name in names if name not in options.sds]
        if missing:
            raise PlanProblem("sd_missing", stratum=missing[0])
        sds = [options.sds[name] for name in names]
    return list(allocate(total, counts, sds=sds, method=options.allocation,
                         minimum=options.minimum))


def psu_sizes_from_column(
    design: Sequence[Mapping[str, Any]], labels: Sequence[str], column: str
) -> dict[str, float]:
    """Each primary unit's size read from ``column``, which must be equal on all its rows."""
    sizes: dict[str, float] = {}
    for position, (label, row) in enumerate(zip(labels, design), start=1):
        value = float(row.get(column) or 0.0)
        if sizes.setdefault(label, value) != value:
            raise PlanProblem("psu_size_differs", row=position, column=column, psu=label)
    return sizes


def psu_sizes_from(
    labels: Sequence[str], population: Mapping[str, float], source: str
) -> dict[str, float]:
    """Each primary unit's size looked up in ``population`` (another frame, named ``source``)."""
    present = dict.fromkeys(labels)
    missing = [label for label in present if label not in population]
    if missing:
        raise PlanProblem("psu_not_in_sizes", psu=missing[0], source=source)
    return {label: population[label] for label in present}


def _preview_two_stage(
    options: PlanOptions, labels: list[str], sizes: Mapping[str, float] | None
) -> PlanPreview:
    counts = _counts(labels)
    measures = np.array(list((sizes or counts).values()), dtype=float)
    available = int(np.count_nonzero(measures > 0))
    if options.n_psu > available:
        raise PlanProblem("n_psu_over_available", n_psu=options.n_psu, available=available,
                          column=options.psu_column)
    try:
        probabilities = inclusion_probabilities(measures, options.n_psu)
    except ValueError as exc:
        raise PlanProblem("cannot_draw", reason=str(exc)) from None
    stages = TwoStagePreview(
        psu_count=len(counts),
        n_psu=options.n_psu,
        per_psu=options.per_psu,
        small_psus=sum(1 for count in counts.values() if count < options.per_psu),
        certainty_psus=int(np.count_nonzero(probabilities >= 1.0)),
    )
    return PlanPreview(len(labels), options.n_psu * options.per_psu, [], stages)
