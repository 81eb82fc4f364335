"""The field types beyond text, numbers, dates and choices (ODK's names, our rules).

- ``calculate`` and ``hidden`` are *computed*: never shown nor typed; their value is worked out
  on the server with the safe evaluator (``calculation``) or is their ``default``, and is stored
  with the answers. A posted value for them is ignored.
- ``acknowledge`` is one checkbox, stored ``"OK"`` as ODK stores it.
- ``time`` is stored ``HH:MM``; ``datetime`` ISO ``YYYY-MM-DDTHH:MM`` (no time zone).
- ``range`` is a number from ``start`` to ``end`` in steps of ``step`` (``range`` mapping in
  YAML, ``parameters`` in XLSForm), checked on the server.
- ``choice_filter`` keeps the options for which it is true (bare names are the choices
  sheet's columns, ``${…}`` earlier answers); a posted option it leaves out is refused.
- ``default`` is a literal answer shown until the respondent answers; a ``read_only`` question
  always takes its ``default`` (what is posted is ignored).
"""

from __future__ import annotations

import datetime as _dt
import math
import random
import re
from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:
    from questionnaires.model import Choice, Question, Questionnaire

__all__ = ["allowed_choices", "choice_order", "fill_references", "filtered_values", "outside_filter", "COMPUTED_TYPES", "EXTRA_TYPES", "FieldInvalid", "check_calculation_order", "check_field", "coerce_extra",
           "computed_value", "extras_to_dict", "format_number", "given", "parse_range"]

COMPUTED_TYPES = ("calculate", "hidden")
EXTRA_TYPES = ("acknowledge", "time", "datetime", "range")
ACKNOWLEDGED = "OK"
_TIME_RE = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")
_DATETIME_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$")
_NUMBER_RE = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


class FieldInvalid(Exception):
    """An answer that cannot be an answer to its question: ``error`` is (code, vi, en)."""

    def __init__(self, code: str, vi: str, en: str) -> None:
        super().__init__(en)
        self.error = (code, vi, en)


def format_number(number: float) -> int | float:
    """``number`` as an ``int`` when it is whole, so that ``1.0`` is written ``1``."""
    return int(number) if float(number).is_integer() else float(number)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str) and len(value) <= 60 and _NUMBER_RE.match(value.strip()):
        return float(value.strip().replace(",", "."))
    return None


def _time(text: str) -> str | None:
    found = _TIME_RE.match(text)
    if not found:
        return None
    hours, minutes = int(found.group(1)), int(found.group(2))
    seconds = int(found.group(3) or 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        return None
    return f"{hours:02d}:{minutes:02d}"


def coerce_extra(question: "Question", value: Any) -> Any:
    """The canonical answer to an ``acknowledge``, ``time``, ``datetime`` or ``range``
    question (``value`` is given); raises :class:`FieldInvalid` with a sentence."""
    kind = question.type
    text = value.strip() if isinstance(value, str) else None
    if kind == "acknowledge":
        if value is True or (text is not None and text.upper() == ACKNOWLEDGED):
            return ACKNOWLEDGED
        raise FieldInvalid("type", "Chỉ có thể đánh dấu ô xác nhận.", "Only tick the box.")
    if kind == "time":
        if isinstance(value, _dt.time):
            return value.strftime("%H:%M")
        if text is not None and (shown := _time(text)):
            return shown
        raise FieldInvalid("type", "Cần nhập giờ hợp lệ dạng HH:MM (00:00 đến 23:59).",
                           "Enter a valid time as HH:MM (00:00 to 23:59).")
    if kind == "datetime":
        if isinstance(value, _dt.datetime) and value.tzinfo is None:
            return value.isoformat(timespec="minutes")
        found = _DATETIME_RE.match(text or "")
        if found and (clock := _time(found.group(2))):
            try:
                return f"{_dt.date.fromisoformat(found.group(1)).isoformat()}T{clock}"
            except ValueError:
                pass
        raise FieldInvalid("type", "Cần nhập ngày giờ hợp lệ dạng YYYY-MM-DD HH:MM.",
                           "Enter a valid date and time as YYYY-MM-DD HH:MM.")
    if kind == "range":
        return _in_range(question, _number(value))
    raise FieldInvalid("type", "Mục này không nhận câu trả lời.", "This item takes no answer.")


def _in_range(question: "Question", number: float | None) -> int | float:
    start, end, step = question.range or (0, 10, 1)
    low, high = min(start, end), max(start, end)
    start_vi, end_vi, step_vi = (str(format_number(x)).replace(".", ",") for x in (start, end, step))
    shown = f"{start_vi} và {end_vi}, bước {step_vi}"  # Vietnamese decimal comma
    if number is None:
        raise FieldInvalid("type", "Cần nhập một số.", "Enter a number.")
    steps = (number - start) / step
    if not low <= number <= high or abs(steps - round(steps)) > 1e-9:
        raise FieldInvalid(
            "range", f"Giá trị phải nằm giữa {shown}.",
            f"The value must lie between {format_number(start)} and {format_number(end)} in "
            f"steps of {format_number(step)}.")
    return format_number(start + round(steps) * step)


def given(question: "Question", answers: Mapping[str, Any]) -> Any:
    """What counts as the answer to ``question``: its ``default`` when it is read-only."""
    return question.default if question.read_only else answers.get(question.name)


def computed_value(result: Any) -> Any:
    """A calculation's result as stored: whole numbers as ``int``, booleans as ``"true"`` /
    ``"false"`` (XPath's strings), nothing for NaN or an empty string."""
    if isinstance(result, bool):
        return "true" if result else "false"
    if isinstance(result, float):
        return None if not math.isfinite(result) else format_number(result)
    if isinstance(result, str):
        return result if result != "" else None
    return result


def parse_range(value: Any) -> tuple[tuple[int | float, int | float, int | float] | None,
                                     tuple[str, str] | None]:
    """``({start, end, step} mapping → (start, end, step), None)`` or ``(None, (problem in
    Vietnamese, in English))`` (``None`` for no range); ``step`` defaults to 1, ``start``/``end`` to 1 and 10 (ODK)."""
    if value is None:
        return None, None
    if not isinstance(value, Mapping) or set(value) - {"start", "end", "step"}:
        return None, ("chỉ gồm start, end và step", "it takes start, end and step only")
    numbers = [_number(value.get(key, default))
               for key, default in (("start", 1), ("end", 10), ("step", 1))]
    if any(number is None for number in numbers):
        return None, ("start, end và step phải là số", "start, end and step must be numbers")
    start, end, step = (format_number(number) for number in numbers)  # type: ignore[arg-type]
    if step <= 0 or start == end:
        return None, ("step phải lớn hơn 0 và start khác end",
                      "step must be above 0 and start differ from end")
    return (start, end, step), None


def extras_to_dict(question: "Question") -> dict[str, Any]:
    """The dict model (YAML, JSON) of the extra columns ``question`` has; none for the others,
    so that forms without them keep their content hash."""
    from questionnaires.building import label_to_dict

    out: dict[str, Any] = {}
    for key in ("required_message", "guidance_hint"):
        label = getattr(question, key)
        if label is not None:
            out[key] = label_to_dict(label)
    if question.range is not None:
        out["range"] = dict(zip(("start", "end", "step"), question.range))
    for key in ("calculation", "default"):
        if getattr(question, key) is not None:
            out[key] = getattr(question, key)
    if question.read_only:
        out["read_only"] = True
    return out


def check_calculation_order(found: list, index: int, name: str, expression: Any,
                            computed_order: list[str]) -> bool:
    """A calculation uses computed values of rows above it only (so none goes round in a
    circle); adds a problem to ``found`` for each one below, and says whether all are fine."""
    if name not in computed_order:
        return True
    later = sorted(expression.references & set(computed_order[computed_order.index(name):]))
    for reference in later:
        found.append((("question", index, "calculation"),
                      f"Phép tính chỉ được dùng giá trị tính ở dòng trên: ${{{reference}}}.",
                      f"A calculation may only use computed values of rows above it: "
                      f"${{{reference}}}."))
    return not later


def check_field(add: Callable[[str, str, str], None], question: "Question",
                answer_types: tuple[str, ...]) -> None:
    """The rules of the extra types and columns for ``question``; ``add(field, vi, en)``."""
    kind = question.type
    if kind == "calculate" and not question.calculation:
        add("calculation", "Câu 'calculate' cần một biểu thức 'calculation'.",
            "A 'calculate' row needs a 'calculation' expression.")
    if question.calculation is not None and kind not in COMPUTED_TYPES:
        add("calculation", "'calculation' chỉ dùng cho loại calculate hoặc hidden.",
            "'calculation' applies to calculate and hidden rows only.")
    if kind in COMPUTED_TYPES and question.required:
        add("required", "Giá trị tính toán không thể bắt buộc trả lời.",
            "A computed value cannot be required.")
    if (kind == "range") != (question.range is not None):
        add("range", "Câu 'range' cần start, end, step (và chỉ nó dùng chúng).",
            "A 'range' question needs start, end and step (and only it takes them).")
    if question.read_only and question.required and question.default is None:
        add("read_only", "Câu chỉ đọc và bắt buộc cần một giá trị mặc định.",
            "A read-only required question needs a default.")
    if question.required_message is not None and not question.required:
        add("required_message", "Có thông báo bắt buộc nhưng câu hỏi không bắt buộc.",
            "There is a required message but the question is not required.")
    if question.default is None:
        return
    if kind not in answer_types + ("hidden",) or kind == "acknowledge":
        add("default", f"Loại '{kind}' không nhận giá trị mặc định.",
            f"A '{kind}' row takes no default.")
    elif "${" in question.default or "(" in question.default:
        add("default", "Giá trị mặc định phải là một giá trị cố định, không phải biểu thức.",
            "The default must be a fixed value, not an expression.")
    elif kind != "hidden":
        from questionnaires.answers import coerce

        try:
            coerce(question, question.default)
        except FieldInvalid as invalid:
            add("default", f"Giá trị mặc định không hợp lệ: {invalid.error[1]}",
                f"The default is not a valid answer: {invalid.error[2]}")


def allowed_choices(q: "Questionnaire", question: "Question",
                    values: Mapping[str, Any]) -> set[str]:
    """Names of the options of ``question`` its ``choice_filter`` keeps given ``values``
    (coerced answers); every option without a filter."""
    expression = q.expression(question.name, "choice_filter")
    if expression is None:
        return {choice.name for choice in question.choices}
    return {choice.name for choice in question.choices
            if expression.is_true(values, {"name": choice.name, **dict(choice.properties)})}


def outside_filter(q: "Questionnaire", question: "Question", value: Any,
                   values: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """``(code, vi, en)`` refusing the first chosen option the ``choice_filter`` leaves out."""
    if question.choice_filter is None:
        return None
    allowed = allowed_choices(q, question, values)
    chosen = value if isinstance(value, list) else [value]
    name = next((str(name)[:40] for name in chosen if name not in allowed), None)
    if name is None:
        return None
    return ("choice_filter",
            f"Phương án '{name}' không có trong các phương án được đưa ra theo câu trả lời trước.",
            f"The option '{name}' is not among those offered given the earlier answers.")


def filtered_values(q: "Questionnaire", answers: Mapping[str, Any]) -> dict[str, Any]:
    """The values a ``choice_filter`` reads given raw ``answers`` (coerced, computed, relevant)."""
    from questionnaires.answers import _coerced_values, _relevance

    values = _coerced_values(q, answers)
    relevance, _ = _relevance(q, values)
    return {name: value for name, value in values.items() if relevance[name]}


def choice_order(q: "Questionnaire", question_name: str,
                 seed: int | str | None = None) -> list["Choice"]:
    """The display order of the choices of ``question_name``.

    Without ``randomize`` the order is the list order. With it, the options are shuffled by a
    generator seeded with ``seed`` (or the question's own ``seed``) and the question name, so
    the same seed always gives the same order; excluded options and ``other`` stay last, in
    list order.
    """
    question = q.question(question_name)
    if question.type not in ("single", "multiple"):
        raise ValueError(f"question {question_name!r} is not a choice question")
    if not question.randomize:
        return list(question.choices)
    effective = seed if seed is not None else question.seed
    if effective is None:
        raise ValueError(f"question {question_name!r} is randomised: give a seed")
    if isinstance(effective, bool) or not isinstance(effective, (int, str)):
        raise ValueError("the seed must be an integer or a string")
    anchored = [c for c in question.choices if c.excluded or c.name == "other"]
    movable = [c for c in question.choices if not (c.excluded or c.name == "other")]
    random.Random(f"{effective}:{question.name}").shuffle(movable)
    return movable + anchored


_LABEL_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}")


def fill_references(q: "Questionnaire", text: str, values: Mapping[str, Any],
                    language: str = "vi") -> str:
    """``text`` (a label or hint) with each ``${name}`` replaced by the answer's value as shown
    to the respondent: a choice by its label, a number with the language's decimal mark, an
    unanswered or unknown question by nothing (as ODK shows it)."""

    def shown(match: re.Match) -> str:
        name = match.group(1)
        value = values.get(name)
        if value is None:
            return ""
        try:
            question = q.question(name)
        except KeyError:
            return ""
        if question.type in ("single", "multiple"):
            chosen = value if isinstance(value, list) else str(value).split()
            labels = {choice.name: choice.label.get(language) for choice in question.choices}
            return ", ".join(labels.get(code, code) for code in chosen)
        if isinstance(value, float):
            value = format_number(value)
        text = str(value)
        return text.replace(".", ",") if language == "vi" and isinstance(value, float) else text

    return _LABEL_REFERENCE.sub(shown, text) if "${" in text else text
