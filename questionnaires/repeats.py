"""Repeats (XLSForm ``begin_repeat`` … ``end_repeat`` with ``repeat_count``).

A ``repeat`` question holds questions asked once per row; its answer is a list of rows (a dict
of child name → answer per row) stored under the repeat's name. ``repeat_count`` is a fixed
number or an expression over earlier answers (``${n}``); without it any number of rows up to
:data:`REPEAT_MAX_ROWS` is taken. Each row is validated as a small form: types, ``required``,
``relevant`` and ``constraint`` of the children, which may use their row's answers and the
answers outside the repeat. Not yet supported, and refused by name: groups, repeats and
computed rows inside a repeat, and expressions outside a repeat naming a question inside it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Mapping

from questionnaires.expressions import ExpressionSyntaxError, parse
from questionnaires.xpath_functions import POSITION
from questionnaires.field_types import FieldInvalid, given
from questionnaires.problems import ValidationError

if TYPE_CHECKING:
    from questionnaires.model import Question, Questionnaire

__all__ = ["REPEAT_MAX_ROWS", "check_repeats", "check_rows", "inside_repeats", "row_count"]

REPEAT_MAX_ROWS = 50
ROW_TYPES = ("single", "multiple", "integer", "decimal", "text", "date", "note", "acknowledge",
             "time", "datetime", "range")


def inside_repeats(questions: list["Question"]) -> set[str]:
    """Names of the questions asked inside a repeat (answered per row, not at the top level)."""
    return {child.name for question in questions if question.type == "repeat"
            for child in question.children}


def check_repeats(found: list, flat: list["Question"], parents: dict[int, int | None],
                  compiled: dict) -> None:
    """The rules of repeats, added to ``found`` as ``(key, vi, en)``."""
    inside = inside_repeats(flat)
    for index, question in enumerate(flat):
        key = ("question", index)
        parent = parents.get(index)
        in_repeat = parent is not None and flat[parent].type == "repeat"
        if in_repeat and question.type not in ROW_TYPES:
            found.append((key + ("type",),
                          f"Loại '{question.type}' bên trong phần lặp lại chưa được hỗ trợ.",
                          f"A '{question.type}' row inside a repeat is not supported yet."))
        if question.type == "repeat" and question.repeat_count is not None:
            count = question.repeat_count.strip()
            if not re.fullmatch(r"\d{1,3}", count):
                try:
                    expression = parse(count)
                except ExpressionSyntaxError as error:
                    found.append((key + ("repeat_count",),
                                  f"'repeat_count' sai cú pháp: {error}.",
                                  f"'repeat_count' has a syntax error: {error}."))
                    continue
                names = {q.name for q in flat} - inside
                for name in sorted(expression.references - names):
                    found.append((key + ("repeat_count",),
                                  f"'repeat_count' phải dùng câu hỏi ngoài phần lặp lại: "
                                  f"${{{name}}}.",
                                  f"'repeat_count' must use a question outside the repeat: "
                                  f"${{{name}}}."))
        if in_repeat:
            continue
        for kind in ("relevant", "constraint", "calculation", "choice_filter"):
            expression = compiled.get((question.name, kind))
            for name in sorted(expression.references & inside) if expression else ():
                found.append((key + (kind,),
                              f"Biểu thức ngoài phần lặp lại không dùng được câu hỏi bên trong "
                              f"nó: ${{{name}}}.",
                              f"An expression outside a repeat cannot use a question inside it: "
                              f"${{{name}}}."))


def row_count(question: "Question", values: Mapping[str, Any]) -> int | None:
    """The number of rows ``repeat_count`` asks for given ``values``; ``None`` when any."""
    if question.repeat_count is None:
        return None
    count = question.repeat_count.strip()
    if count.isdigit():
        return int(count)
    result = parse(count).evaluate(values)
    try:
        number = float(result)
    except (TypeError, ValueError):
        return 0
    return int(number) if number == number and number > 0 else 0  # NaN and below 1: none


def check_rows(q: "Questionnaire", repeat: "Question", value: Any, values: Mapping[str, Any],
               limits: bool = True) -> tuple[list[ValidationError], list[dict] | None]:
    """``(errors, cleaned rows)`` of the answer to ``repeat`` given the answers outside it."""
    from questionnaires.answers import coerce

    name = repeat.name
    count = row_count(repeat, values)
    rows = [] if value is None else value
    if not isinstance(rows, list) or not all(isinstance(row, Mapping) for row in rows):
        return [ValidationError(name, "type", "Phần lặp lại cần một danh sách các dòng.",
                                "A repeat takes a list of rows.")], None
    if len(rows) != (count if count is not None else len(rows)) or len(rows) > REPEAT_MAX_ROWS:
        wanted = count if count is not None else REPEAT_MAX_ROWS
        return [ValidationError(name, "repeat_count",
                                f"Cần {wanted} dòng, có {len(rows)} dòng.",
                                f"{wanted} rows are needed, {len(rows)} were given.")], None
    errors: list[ValidationError] = []
    cleaned: list[dict] = []
    children = {child.name: child for child in repeat.children}
    for number, row in enumerate(rows, start=1):
        where = f"{name}[{number}]"
        for key in row:
            if key not in children:
                errors.append(ValidationError(f"{where}.{key}"[:80], "unknown_question",
                                              f"Phần lặp lại không có câu '{key}'."[:120],
                                              f"The repeat has no question '{key}'."[:120]))
        row_values: dict[str, Any] = {}
        for child in repeat.children:
            try:
                row_values[child.name] = coerce(child, given(child, row), limits=limits)
            except FieldInvalid as invalid:
                errors.append(ValidationError(f"{where}.{child.name}", *invalid.error))
        scope = {**values, **{k: v for k, v in row_values.items() if v is not None},
                 POSITION: number}  # position(..)
        kept: dict[str, Any] = {}
        for child in repeat.children:
            relevant = q.expression(child.name, "relevant")
            if child.name not in row_values or (relevant and not relevant.is_true(scope)):
                continue
            answer = row_values[child.name]
            if answer is None:
                if child.required:
                    errors.append(ValidationError(f"{where}.{child.name}", "required",
                                                  "Câu hỏi này bắt buộc trả lời.",
                                                  "This question is required."))
                continue
            constraint = q.expression(child.name, "constraint")
            if constraint is not None and not constraint.is_true(scope, answer):
                errors.append(ValidationError(f"{where}.{child.name}", "constraint",
                                              "Câu trả lời không thỏa điều kiện.",
                                              "The answer does not meet the condition."))
                continue
            kept[child.name] = answer
        cleaned.append(kept)
    return errors, (None if errors else cleaned)
