"""The combiner's records (units, criteria, changes, problems), its constants and the pack's
scoring nodes. The rules are described in :mod:`analysis.combiner`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

NOT_APPLICABLE = {"không áp dụng", "khong ap dung", "kad", "n/a", "na", "not applicable"}
COLUMN_ALIASES = {
    "unit_code": ("unit_code", "ma_don_vi", "mã đơn vị", "don_vi"),
    "criterion_code": ("criterion_code", "ma_tieu_chi", "mã tiêu chí", "tieu_chi"),
    "points": ("points", "diem", "điểm"),
    "source": ("source", "nguon", "nguồn", "nguon_diem"),
    "reason": ("reason", "ly_do", "lý do"),
}
REQUIRED_COLUMNS = ("unit_code", "criterion_code", "points")
_TOLERANCE = 1e-9

# Criterion status
SCORED = "scored"
NOT_APPLICABLE_STATUS = "not_applicable"
NO_DATA = "no_data"
# Unit status
RANKED = "ranked"
EXCLUDED = "excluded"
# Where points come from, besides an external source's own name
FROM_CONTRACT = "contract"
FROM_SELF = "self_assessment"
FROM_PACK = "pack"

SELF_FILE, EXCLUSIONS_FILE, PREVIOUS_FILE, CONTRACT_FILE = (
    "self_assessment",
    "exclusions",
    "previous",
    "contract",
)
RESULT_KIND = "par_index_result"
RESULT_FORMAT_VERSION = "1"


@dataclass(frozen=True)
class Problem:
    """One problem of the input: CSV ``row`` (header = 1; None when not from a CSV), ``column``
    and ``file`` (``self_assessment``, ``exclusions``, ``previous``, ``contract`` or None)."""

    row: int | None
    column: str | None
    message_vi: str
    message_en: str
    file: str | None = None


class CombinerError(ValueError):
    """Input the combiner refused; ``problems`` lists every problem found, nothing was combined."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        lines = [
            f"{p.file or '-'} row {p.row if p.row is not None else '-'}, {p.column or '-'}: "
            f"{p.message_vi} / {p.message_en}"
            for p in self.problems
        ]
        super().__init__(
            f"{len(self.problems)} problems; nothing was combined:\n" + "\n".join(lines)
        )


@dataclass(frozen=True)
class FieldScore:
    """Points of one field: achieved, applicable maximum and the sub-index (%)."""

    points: float
    applicable_max: float
    index: float | None


@dataclass(frozen=True)
class CriterionScore:
    """One unit's scoring node: ``status`` is ``scored``, ``not_applicable`` or ``no_data``;
    ``source`` is ``contract``, ``self_assessment``, ``pack`` (not applicable by the pack) or
    the name of an outside source; ``reason`` explains "không áp dụng" or "no data"."""

    code: str
    field: str
    max_points: float
    points: float | None
    status: str
    source: str
    reason: str | None = None


@dataclass(frozen=True)
class UnitScore:
    """A unit's PAR Index: ``criteria`` maps scoring-node code → points (None = not applicable or
    no data); ``details`` the same nodes as :class:`CriterionScore`. ``status`` is ``ranked``,
    ``excluded`` (``excluded`` holds the reason) or ``no_data`` (``no_data`` lists the criteria;
    ``index`` is None and ``points`` / ``applicable_max`` cover the criteria with data only).

    ``survey_se`` is the standard error of the survey-assessed points (conservative: the sum of
    the criteria's SEs), ``index_se`` the index's (``100 × survey_se ÷ applicable_max``), and
    ``rank_interval`` the simulated 90 % interval of the rank (see
    :mod:`analysis.combiner.ranking`); None where unknown or unranked."""

    code: str
    name: str
    unit_type: str
    points: float
    applicable_max: float
    index: float | None
    rank: int | None
    fields: Mapping[str, FieldScore]
    criteria: Mapping[str, float | None]
    details: Mapping[str, CriterionScore] = field(default_factory=dict)
    status: str = RANKED
    excluded: str | None = None
    no_data: tuple[str, ...] = ()
    survey_se: float | None = None
    index_se: float | None = None
    rank_interval: tuple[int, int] | None = None

    @property
    def reason(self) -> str | None:
        """Why the unit has no index or no rank, in Vietnamese (None when ranked)."""
        parts = []
        if self.no_data:
            parts.append("chưa có dữ liệu điều tra cho tiêu chí " + ", ".join(self.no_data))
        if self.excluded:
            parts.append("không xếp hạng: " + self.excluded)
        return "; ".join(parts) or None


@dataclass(frozen=True)
class CombinedIndex:
    """The combined PAR Index of a round; ``rank_seed``, ``rank_draws`` and ``rank_level``
    record how the rank intervals were simulated."""

    round_code: str
    year: int
    pack_id: str
    pack_version: str
    units: tuple[UnitScore, ...]
    rank_seed: int | None = None
    rank_draws: int = 0
    rank_level: float | None = None

    def unit(self, code: str) -> UnitScore:
        """The score of one unit; raises KeyError."""
        for u in self.units:
            if u.code == code:
                return u
        raise KeyError(f"no unit {code!r}")

    def criterion_points(self) -> dict[str, dict[str, float | None]]:
        """unit → scoring node → points (None = not applicable or no data): next year's
        ``previous``."""
        return {u.code: dict(u.criteria) for u in self.units}


@dataclass(frozen=True)
class CriterionChange:
    """One unit's points on one scoring node against last year.

    ``lost`` = max(0, previous − now).
    """

    unit: str
    criterion: str
    points: float | None
    previous: float | None
    change: float | None
    lost: float | None


@dataclass(frozen=True)
class UnitChange:
    """One unit's points against last year, summed over the scoring nodes that have points in
    both years (``criteria`` of them): ``change`` = ``points`` − ``previous``; ``lost`` sums the
    nodes' points lost (a gain elsewhere does not cancel a loss)."""

    unit: str
    points: float
    previous: float
    change: float
    lost: float
    criteria: int


@dataclass(frozen=True)
class SelfAssessmentRow:
    """One data row of the self-assessment CSV (``points`` None = "không áp dụng")."""

    row: int
    unit: str
    criterion: str
    points: float | None
    source: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class _Node:
    code: str
    field: str
    max_points: float
    assessment: str
    source: object = field(repr=False, default=None)

    def applies(self, unit_type: str, year: int | None) -> bool:
        node = self.source
        if hasattr(node, "applies"):
            return bool(node.applies(unit_type, year))
        return unit_type in tuple(getattr(node, "applies_to", ()))


def scoring_nodes(pack) -> list[_Node]:
    """The nodes that carry points: top-most survey-assessed nodes and self-assessed leaves."""
    out: list[_Node] = []

    def visit(node, top: str) -> None:
        if node.assessment == "survey" or not tuple(node.children):
            out.append(
                _Node(str(node.code), top, float(node.max_points), str(node.assessment), node)
            )
            return
        for child in node.children:
            visit(child, top)

    for top in pack.criteria:
        visit(top, str(top.code))
    return out


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)
