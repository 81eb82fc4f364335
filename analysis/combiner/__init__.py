"""The PAR Index combiner: survey points + self-assessment points → index, ranks, changes.

Rules (DOMAIN.md; each documented here because officials will ask):

* **Scoring nodes.** Walking the pack's tree from each field, a survey-assessed node takes its
  points from the contract as a whole (its sub-criteria are not scored separately); otherwise a
  leaf takes its points from the self-assessment CSV.
* **Self-assessment CSV.** Columns (any order, extra columns ignored): ``unit_code``
  (``ma_don_vi``), ``criterion_code`` (``ma_tieu_chi``), ``points`` (``diem``), and optionally
  ``source`` (``nguon``) and ``reason`` (``ly_do``). ``points`` is a number (decimal point or
  comma) or "không áp dụng" / "KAD" / "N/A".
* **Not applicable.** A node whose ``applies_to`` excludes the unit's type (or the data year), or
  a self-assessment row reading "không áp dụng", leaves both the points achieved and the points
  applicable. A "không áp dụng" row **must give its reason** (``reason`` / ``ly_do``); the reason
  is carried into the result. Index (%) = achieved ÷ applicable × 100. Thanh Hóa 2023: 68.32
  points of an applicable 84 → 81.33 %.
* **Survey points given from outside.** A self-assessment row may give points (or "không áp
  dụng" with a reason) for a *survey-assessed* criterion when it names where they come from in
  ``source`` / ``nguon`` (e.g. "SIPAS 2025 – Bộ Nội vụ", "PAPI 2025"), and only when the contract
  has no points for that unit and criterion: the contract's points are never overwritten (the
  published survey is the province's own measurement; to use other points for a unit, the
  round must not have scored it). The source is carried into the result and its tables; points
  from the contract have source ``contract``, self-assessed ones ``self_assessment``.
* **No survey data.** A unit for which an applicable survey-assessed criterion has points neither
  in the contract nor from a named source (e.g. no SIPAS answers for it) gets that criterion as
  *chưa có dữ liệu* (no data), its index is ``None`` with status ``no_data`` and a reason naming
  the criteria, and it has no rank; every other unit is combined and ranked as usual. A unit
  nobody answered about is missing from the contract altogether: pass the round's units to
  :func:`combine` (``units=``) and it is scored the same way.
* **Missing self-assessment rows stay refused.** Self-assessment is the unit's own duty, checked
  by the appraisal council, and one file holds every unit's points: a missing row is a clerical
  slip that the Department of Home Affairs can put right the same day (enter the points, or
  "không áp dụng" with a reason), whereas quietly giving such a unit "no data" would hide the
  slip until the index is published. Survey data, by contrast, cannot be made up after the
  fieldwork, so only survey gaps become "no data".
* **Left out of the ranking.** An exclusions CSV (``unit_code`` / ``ma_don_vi``, ``reason`` /
  ``ly_do``; e.g. Tuyên Quang's rule for units found to report dishonestly) keeps the unit's
  index but gives it no rank and status ``excluded`` with the reason; the ranks of the others
  close up.
* **Field sub-index**: the same ratio over the scoring nodes below each top-level field
  (``None`` when nothing in the field applies or a criterion of it has no data).
* **Rank** within each unit type among the ranked units, highest index first; the index is
  compared rounded to two decimals (as published) and ties share a rank, the next rank skipping
  ("1, 2, 2, 4").
* **Change against last year** per scoring node, after mapping last year's unit codes through
  the successor mapping (old → new). When several old units merged into one, last year's points
  of a criterion are the **mean of the old units' points** over the old units to which it
  applied; a criterion that applied to none of them has no previous value. Last year's points
  are read by :func:`read_previous` from last year's contract (survey criteria only), the
  combiner's own XLSX or JSON output, or a CSV ``unit_code, criterion_code, points``.
* **Criteria below their maximum**: every scored criterion whose points are below its maximum,
  with the shortfall (:func:`below_max_table`); it needs no previous year.
* **Bad input** is never half-combined: every problem (unknown unit or criterion, points above
  the maximum, unreadable numbers, duplicate or missing rows, "không áp dụng" without a reason,
  survey points without a source or clashing with the contract, a contract of another version or
  not matching the schema) is collected with its file, CSV row and column and raised together in
  a :class:`CombinerError`.
"""

from .inputs import read_exclusions, read_self_assessment
from .model import (
    EXCLUDED,
    NO_DATA,
    NOT_APPLICABLE_STATUS,
    RANKED,
    SCORED,
    CombinedIndex,
    CombinerError,
    CriterionChange,
    CriterionScore,
    FieldScore,
    Problem,
    SelfAssessmentRow,
    UnitChange,
    UnitScore,
    scoring_nodes,
)
from .previous import compare, previous_ranks, read_previous, unit_changes
from .scoring import combine
from .tables import (
    below_max_table,
    points_lost_table,
    result_json,
    result_tables,
    write_points_lost_xlsx,
)

__all__ = [
    "EXCLUDED",
    "NOT_APPLICABLE_STATUS",
    "NO_DATA",
    "RANKED",
    "SCORED",
    "CombinedIndex",
    "CombinerError",
    "CriterionChange",
    "CriterionScore",
    "FieldScore",
    "Problem",
    "SelfAssessmentRow",
    "UnitChange",
    "UnitScore",
    "below_max_table",
    "combine",
    "compare",
    "points_lost_table",
    "previous_ranks",
    "read_exclusions",
    "read_previous",
    "read_self_assessment",
    "result_json",
    "result_tables",
    "scoring_nodes",
    "unit_changes",
    "write_points_lost_xlsx",
]
