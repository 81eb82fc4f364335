"""Methodology packs: the criteria tree, its points, which criteria the survey assesses.

A pack is data that an official loads or corrects (YAML, see the README). Loading checks that
codes are unique and nested (``3`` → ``3.2`` → ``3.2.1``), that children's maximum points add
up to their parent's and the top level to the declared ``total_points`` (and, when declared,
the survey-assessed points to ``survey_points``), that applicability narrows down the tree,
and that the group rule is valid; every problem is reported at once.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from questionnaires.building import Path as KeyPath
from questionnaires.building import label_to_dict
from questionnaires.model import Label, Questionnaire
from questionnaires.problems import Problem, QuestionnaireError

__all__ = ["ASSESSMENTS", "Criterion", "MethodologyPack", "check_against_pack", "load_pack"]

ASSESSMENTS = ("survey", "self")
SIPAS_MEASURES = ("share", "score")  # % Hài lòng + Rất hài lòng; mean rating on 0–100
GROUP_RULES = ("mean_of_group_means",)
PACK_KEYS = ("id", "version", "title", "description", "unit_types", "total_points",
             "survey_points", "group_rule", "criteria")
CRITERION_KEYS = ("code", "title", "max_points", "assessment", "applies_to", "valid_from",
                  "valid_to", "sipas", "children")
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Criterion:
    """A field, criterion or sub-criterion of the PAR Index.

    ``assessment`` is ``"survey"`` (points from the sociological survey) or ``"self"``
    (self-assessment and appraisal); ``applies_to`` lists unit types; ``valid_from`` and
    ``valid_to`` are the first and last data years it applies to (``None``: open). ``sipas``
    ("share" or "score") marks the SIPAS criterion: its points are ``max_points`` × the unit's
    overall SIPAS index in that measure ÷ 100, the same number the SIPAS page shows.
    """

    code: str
    title: Label
    max_points: float
    assessment: str
    applies_to: tuple[str, ...]
    valid_from: int | None = None
    valid_to: int | None = None
    children: tuple["Criterion", ...] = ()
    sipas: str | None = None

    def applies(self, unit_type: str, year: int | None = None) -> bool:
        """Whether the criterion counts for a unit of ``unit_type`` in data year ``year``."""
        if unit_type not in self.applies_to:
            return False
        if year is None:
            return True
        return (self.valid_from is None or year >= self.valid_from) and (
            self.valid_to is None or year <= self.valid_to)

    def walk(self) -> Iterator["Criterion"]:
        """This criterion and all below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class MethodologyPack:
    """A versioned criteria tree with points and the rule combining respondent groups.

    ``group_rule`` is ``"mean_of_group_means"`` or ``{"weights": {group: weight}}`` with
    weights summing to 1.
    """

    id: str
    version: str
    title: Label
    unit_types: tuple[str, ...]
    total_points: float
    criteria: tuple[Criterion, ...]
    group_rule: Any = "mean_of_group_means"
    survey_points: float | None = None
    description: Label | None = None

    def __hash__(self) -> int:
        return hash(self.content_hash)

    def all_criteria(self) -> list[Criterion]:
        """Every node of the tree in document order."""
        return [node for top in self.criteria for node in top.walk()]

    def criterion(self, code: str) -> Criterion:
        """The criterion with ``code``; raises ``KeyError``."""
        for node in self.all_criteria():
            if node.code == code:
                return node
        raise KeyError(f"pack {self.id!r} has no criterion {code!r}")

    def leaves(self) -> list[Criterion]:
        """The criteria without children, in document order."""
        return [node for node in self.all_criteria() if not node.children]

    def sipas_criteria(self) -> list[Criterion]:
        """The criteria scored from the SIPAS index (``sipas`` set), in document order."""
        return [node for node in self.all_criteria() if node.sipas is not None]

    def survey_criteria(self) -> list[Criterion]:
        """Criteria assessed by the survey, in document order (any level)."""
        return [node for node in self.all_criteria() if node.assessment == "survey"]

    def survey_points_total(self) -> float:
        """Points from the survey: the sum over the top-most survey-assessed criteria."""
        total = 0.0

        def visit(node: Criterion) -> None:
            nonlocal total
            if node.assessment == "survey":
                total += node.max_points
            else:
                for child in node.children:
                    visit(child)

        for top in self.criteria:
            visit(top)
        return total

    def to_dict(self) -> dict[str, Any]:
        """The YAML/JSON model of the pack."""

        def node_dict(node: Criterion, parent: Criterion | None) -> dict[str, Any]:
            out: dict[str, Any] = {"code": node.code, "title": label_to_dict(node.title),
                                   "max_points": node.max_points}
            if parent is None or node.assessment != parent.assessment:
                out["assessment"] = node.assessment
            if (parent.applies_to if parent else self.unit_types) != node.applies_to:
                out["applies_to"] = list(node.applies_to)
            for key in ("valid_from", "valid_to"):
                if getattr(node, key) is not None and (
                        parent is None or getattr(parent, key) != getattr(node, key)):
                    out[key] = getattr(node, key)
            if node.sipas is not None:
                out["sipas"] = node.sipas
            if node.children:
                out["children"] = [node_dict(child, node) for child in node.children]
            return out

        data: dict[str, Any] = {"id": self.id, "version": self.version,
                                "title": label_to_dict(self.title)}
        if self.description is not None:
            data["description"] = label_to_dict(self.description)
        data["unit_types"] = list(self.unit_types)
        data["total_points"] = self.total_points
        if self.survey_points is not None:
            data["survey_points"] = self.survey_points
        data["group_rule"] = self.group_rule
        data["criteria"] = [node_dict(top, None) for top in self.criteria]
        return data

    @property
    def content_hash(self) -> str:
        """SHA-256 (hex) of the canonical JSON of :meth:`to_dict`."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False,
                               separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def load_pack(source: str | Path | Mapping[str, Any]) -> MethodologyPack:
    """Load a methodology pack from a YAML path, YAML text or a dict.

    Raises
    ------
    QuestionnaireError
        Listing every problem (file, line, key path, Vietnamese and English sentence).
    """
    from questionnaires.yaml_format import read_source

    data, file, locate = read_source(source)
    problems: list[Problem] = []

    def problem(path: KeyPath, vi: str, en: str) -> None:
        sheet, row, column = locate(path)
        problems.append(Problem(file, sheet, row, column, vi, en))

    def label(value: Any, path: KeyPath, required: bool = True) -> Label | None:
        if value is None:
            if required:
                problem(path, "Thiếu tiêu đề.", "The title is missing.")
            return None
        if isinstance(value, str):
            return Label(vi=value)
        if isinstance(value, Mapping) and set(value) <= {"vi", "en"} and all(
                isinstance(v, str) for v in value.values()):
            return Label(vi=value.get("vi"), en=value.get("en"))
        problem(path, "Tiêu đề phải có dạng {vi: ..., en: ...}.",
                "A title must look like {vi: ..., en: ...}.")
        return None

    if not isinstance(data, Mapping):
        problem((), "Gói phương pháp phải là một bảng khóa: giá trị.",
                "A methodology pack must be a mapping of keys to values.")
        raise QuestionnaireError(problems)
    for key in data:
        if key not in PACK_KEYS:
            problem((key,), f"Khóa '{key}' không được hỗ trợ.", f"The key '{key}' is not allowed.")
    pack_id = data.get("id")
    if not isinstance(pack_id, str) or not pack_id.strip():
        problem(("id",), "Thiếu mã gói (id).", "The pack id is missing.")
    version = data.get("version")
    if not isinstance(version, (str, int, float)) or isinstance(version, bool) or not str(version):
        problem(("version",), "Thiếu phiên bản (version).", "The version is missing.")
    unit_types = data.get("unit_types")
    if not isinstance(unit_types, list) or not unit_types or not all(
            isinstance(u, str) for u in unit_types):
        problem(("unit_types",), "'unit_types' phải là danh sách loại đơn vị.",
                "'unit_types' must be a list of unit types.")
        unit_types = []
    total = _number(data.get("total_points"))
    if total is None or total <= 0:
        problem(("total_points",), "Phải khai báo tổng điểm (total_points) là số dương.",
                "The total points (total_points) must be declared as a positive number.")
    survey_points = data.get("survey_points")
    if survey_points is not None:
        survey_points = _number(survey_points)
        if survey_points is None or survey_points < 0:
            problem(("survey_points",), "'survey_points' phải là số không âm.",
                    "'survey_points' must be a non-negative number.")
    group_rule = data.get("group_rule", "mean_of_group_means")
    if isinstance(group_rule, Mapping):
        weights = group_rule.get("weights")
        if set(group_rule) != {"weights"} or not isinstance(weights, Mapping) or not weights or any(
                _number(w) is None or w < 0 for w in weights.values()) or abs(
                sum(float(w) for w in weights.values()) - 1) > _TOLERANCE:
            problem(("group_rule",), "Trọng số nhóm phải là các số không âm có tổng bằng 1.",
                    "Group weights must be non-negative numbers that sum to 1.")
        else:
            group_rule = {"weights": {str(k): float(v) for k, v in weights.items()}}
    elif group_rule not in GROUP_RULES:
        problem(("group_rule",), "Quy tắc gộp nhóm phải là 'mean_of_group_means' hoặc {weights: ...}.",
                "The group rule must be 'mean_of_group_means' or {weights: ...}.")
    seen: set[str] = set()

    def criterion(value: Any, path: KeyPath, parent: Criterion | None,
                  parent_assessment: str, parent_applies: tuple[str, ...],
                  parent_years: tuple[int | None, int | None]) -> Criterion | None:
        if not isinstance(value, Mapping):
            problem(path, "Tiêu chí phải là một bảng khóa: giá trị.",
                    "A criterion must be a mapping of keys to values.")
            return None
        for key in value:
            if key not in CRITERION_KEYS:
                problem(path + (key,), f"Khóa '{key}' không được hỗ trợ trong tiêu chí.",
                        f"The key '{key}' is not allowed in a criterion.")
        code = value.get("code")
        code = str(code) if isinstance(code, (str, int)) and not isinstance(code, bool) else ""
        if not code:
            problem(path + ("code",), "Thiếu mã tiêu chí.", "The criterion code is missing.")
        elif code in seen:
            problem(path + ("code",), f"Mã tiêu chí '{code}' bị trùng.",
                    f"The criterion code '{code}' is used twice.")
        elif parent is not None and not code.startswith(parent.code + "."):
            problem(path + ("code",), f"Mã '{code}' phải bắt đầu bằng '{parent.code}.'.",
                    f"The code '{code}' must start with '{parent.code}.'.")
        seen.add(code)
        points = _number(value.get("max_points"))
        if points is None or points < 0:
            problem(path + ("max_points",), f"Điểm tối đa của tiêu chí '{code}' phải là số không âm.",
                    f"The maximum points of criterion '{code}' must be a non-negative number.")
            points = 0.0
        assessment = value.get("assessment", parent_assessment)
        if assessment not in ASSESSMENTS:
            problem(path + ("assessment",), "Cách đánh giá phải là 'survey' hoặc 'self'.",
                    "The assessment must be 'survey' or 'self'.")
            assessment = parent_assessment
        if parent_assessment == "survey" and assessment != "survey":
            problem(path + ("assessment",), "Tiêu chí con của tiêu chí điều tra XHH cũng phải là 'survey'.",
                    "A child of a survey-assessed criterion must be survey-assessed too.")
        applies = value.get("applies_to", list(parent_applies))
        if not isinstance(applies, list) or not all(isinstance(u, str) for u in applies):
            problem(path + ("applies_to",), "'applies_to' phải là danh sách loại đơn vị.",
                    "'applies_to' must be a list of unit types.")
            applies = list(parent_applies)
        outside = [u for u in applies if u not in parent_applies]
        if outside:
            problem(path + ("applies_to",),
                    f"Loại đơn vị {', '.join(outside)} không có ở cấp trên hoặc trong unit_types.",
                    f"Unit type(s) {', '.join(outside)} are not in the parent or in unit_types.")
        years: list[int | None] = []
        for key, inherited in zip(("valid_from", "valid_to"), parent_years):
            year = value.get(key, inherited)
            if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
                problem(path + (key,), f"'{key}' phải là một năm.", f"'{key}' must be a year.")
                year = inherited
            years.append(year)
        if years[0] is not None and years[1] is not None and years[0] > years[1]:
            problem(path + ("valid_to",), "'valid_to' sớm hơn 'valid_from'.",
                    "'valid_to' is earlier than 'valid_from'.")
        sipas = value.get("sipas")
        if sipas is not None and (sipas not in SIPAS_MEASURES or assessment != "survey"):
            problem(path + ("sipas",),
                    f"'sipas' của tiêu chí '{code}' phải là 'share' hoặc 'score', và tiêu chí phải "
                    "đánh giá bằng điều tra XHH.",
                    f"'sipas' of criterion '{code}' must be 'share' or 'score' on a "
                    "survey-assessed criterion.")
            sipas = None
        node = Criterion(code, label(value.get("title"), path + ("title",)) or Label(), points,
                         assessment, tuple(applies), years[0], years[1])
        raw_children = value.get("children") or []
        if not isinstance(raw_children, list):
            problem(path + ("children",), "'children' phải là một danh sách.",
                    "'children' must be a list.")
            raw_children = []
        children = []
        for index, raw in enumerate(raw_children):
            child = criterion(raw, path + ("children", index), node, assessment, tuple(applies),
                              (years[0], years[1]))
            if child is not None:
                children.append(child)
        if children:
            child_sum = sum(child.max_points for child in children)
            if abs(child_sum - points) > _TOLERANCE:
                problem(path + ("max_points",),
                        f"Tổng điểm các tiêu chí con của '{code}' là {child_sum:g}, khác {points:g}.",
                        f"The children of '{code}' add up to {child_sum:g} points, not {points:g}.")
        if sipas is not None and children:
            problem(path + ("sipas",), f"Tiêu chí SIPAS '{code}' không được có tiêu chí con.",
                    f"The SIPAS criterion '{code}' may not have sub-criteria.")
        return Criterion(code, node.title, points, assessment, tuple(applies), years[0],
                         years[1], tuple(children), sipas)

    raw_criteria = data.get("criteria")
    if not isinstance(raw_criteria, list) or not raw_criteria:
        problem(("criteria",), "Thiếu danh sách tiêu chí.", "The list of criteria is missing.")
        raw_criteria = []
    criteria = []
    for index, raw in enumerate(raw_criteria):
        built = criterion(raw, ("criteria", index), None, "self", tuple(unit_types), (None, None))
        if built is not None:
            criteria.append(built)
    top_sum = sum(node.max_points for node in criteria)
    if total is not None and criteria and abs(top_sum - total) > _TOLERANCE:
        problem(("total_points",), f"Tổng điểm các lĩnh vực là {top_sum:g}, khác tổng khai báo {total:g}.",
                f"The fields add up to {top_sum:g} points, not the declared {total:g}.")
    title = label(data.get("title"), ("title",))
    description = label(data.get("description"), ("description",), required=False)
    if problems:
        raise QuestionnaireError(problems)
    pack = MethodologyPack(str(pack_id), str(version), title or Label(), tuple(unit_types),
                           float(total or 0), tuple(criteria), group_rule,
                           survey_points, description)
    if survey_points is not None and abs(pack.survey_points_total() - survey_points) > _TOLERANCE:
        sheet, row, column = locate(("survey_points",))
        raise QuestionnaireError([Problem(
            file, sheet, row, column,
            f"Các tiêu chí điều tra XHH cộng lại {pack.survey_points_total():g} điểm, "
            f"khác {survey_points:g} đã khai báo.",
            f"The survey-assessed criteria add up to {pack.survey_points_total():g} points, "
            f"not the declared {survey_points:g}.")])
    return pack


def check_against_pack(q: Questionnaire, pack: MethodologyPack) -> list[Problem]:
    """Problems between a questionnaire and a pack: each scoring question must map to a
    criterion of the pack that the survey assesses."""
    problems: list[Problem] = []
    codes = {node.code: node for node in pack.all_criteria()}
    for question in q.questions:
        if question.criterion is None:
            continue
        column = f"{question.name}.criterion"
        node = codes.get(question.criterion)
        if node is None:
            problems.append(Problem(None, None, None, column,
                                    f"Câu '{question.name}' chấm điểm cho tiêu chí '{question.criterion}' "
                                    f"không có trong gói '{pack.id}'.",
                                    f"Question '{question.name}' scores criterion "
                                    f"'{question.criterion}', which pack '{pack.id}' does not have."))
        elif node.assessment != "survey":
            problems.append(Problem(None, None, None, column,
                                    f"Tiêu chí '{node.code}' không đánh giá bằng điều tra XHH.",
                                    f"Criterion '{node.code}' is not assessed by the survey."))
    return problems

