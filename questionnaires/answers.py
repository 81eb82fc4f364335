"""Answers: coercion, skip logic, validation, cleaning, choice order and scores.

Rules (one rule for the web form, the JSON API and analysis):

- An answer is "given" unless it is ``None``, ``""`` (after stripping) or an empty list.
- Numbers may arrive as strings from HTML forms: integers as ``"12"``; decimals as ``"1.5"`` or
  ``"1,5"`` (Vietnamese decimal comma). A multiple-choice answer is a list of choice codes or a
  space-separated string. Dates are ISO ``YYYY-MM-DD`` strings or ``datetime.date``.
- A question is relevant when its page's ``relevant`` (if any) is true, its group is relevant and
  its own ``relevant`` expression is true; inside these expressions, answers to questions that are
  not relevant count as unanswered (ODK). So every question on an irrelevant page is irrelevant,
  and its answers are dropped like any hidden answer.
- **Answers to questions that are not relevant are dropped, not rejected**: a respondent who
  changes an earlier answer may leave a now-hidden answer behind, and it carries no meaning.
  ``validate`` ignores them (even badly typed ones) and ``clean`` leaves them out.
- Keys that are not an answerable question (nor the ``<name>_other`` text of a question with
  ``other_specify``) are errors (``unknown_question``); ``page_validate`` ignores them.
- Constraints are checked only on given answers; ``required`` only on relevant questions.
- Text (answers to ``text`` questions and "other" texts) is cleaned on the way in: control
  characters (C0 and C1, DEL), lone surrogates and non-characters are removed; line breaks become
  ``\n`` and, with tab, are kept only in multiline text (``appearance: multiline``); elsewhere they
  become a space. The cleaned text may hold at most the question's ``max_length`` characters
  (default :data:`TEXT_MAX_LENGTH`), else a ``max_length`` error. Integers must lie within ±(2**53
  − 1), exact in JSON and in floating point.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import TYPE_CHECKING, Any, Mapping

from questionnaires.checks import ANSWER_TYPES
from questionnaires.field_types import COMPUTED_TYPES, EXTRA_TYPES, coerce_extra, computed_value
from questionnaires.field_types import FieldInvalid as _Invalid, given, outside_filter
from questionnaires.field_types import choice_order  # noqa: F401 - where callers import it
from questionnaires.problems import AnswersInvalid, ValidationError
from questionnaires.plan import answer_plan
from questionnaires.repeats import check_rows, inside_repeats

if TYPE_CHECKING:
    from questionnaires.expressions import Expression
    from questionnaires.model import Page, Question, Questionnaire

_INTEGER_RE = re.compile(r"^[+-]?\d+$")
TEXT_MAX_LENGTH = 2000          # characters of a text answer unless the question says otherwise
TEXT_MAX_LENGTH_CEILING = 20000  # the largest max_length a questionnaire may declare
INTEGER_LIMIT = 2**53 - 1
# Removed from text answers: C0 controls but tab and line feed (CR is turned into LF first),
# DEL and C1 controls, lone surrogates, and the non-characters U+FFFE and U+FFFF.
_TEXT_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_DECIMAL_RE = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, (list, tuple)):
        return len(value) == 0
    return False


def _shown(text: Any) -> str:
    """A value as quoted in an error message: at most 60 characters of it."""
    text = clean_text(str(text), multiline=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_error(vi: str, en: str) -> _Invalid:
    return _Invalid("type", vi, en)


def clean_text(value: str, *, multiline: bool = True) -> str:
    """A text answer without control characters (see the module rules); line breaks are ``\n``,
    and tab and line breaks become spaces unless ``multiline``."""
    text = _TEXT_UNWANTED.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    if not multiline:
        text = text.replace("\n", " ").replace("\t", " ")
    return text


def text_limit(question: "Question") -> int:
    """The most characters a text answer (or the "other" text) of ``question`` may hold."""
    return question.max_length if question.max_length is not None else TEXT_MAX_LENGTH


def _checked_text(question: "Question", value: str) -> str | None:
    text = clean_text(value, multiline=(question.appearance or "").startswith("multiline"))
    if not text.strip():
        return None
    limit = text_limit(question)
    if len(text) > limit:
        raise _Invalid("max_length", f"Câu trả lời dài {len(text)} ký tự, tối đa {limit} ký tự.",
                       f"The answer is {len(text)} characters long; at most {limit} are allowed.")
    return text


def _whole_number(value: int, limits: bool = True) -> int:
    if limits and abs(value) > INTEGER_LIMIT:
        raise _type_error("Số quá lớn.", "The number is too large.")
    return value


def coerce(question: "Question", value: Any, *, limits: bool = True) -> Any:
    """The answer to ``question`` in its canonical Python type, or ``None`` if not given.

    ``limits=False`` skips the rules for input (text cleaning and length, integer range), to read
    answers stored before those rules existed (scoring does).

    Raises ``_Invalid`` (internal) when the value cannot be an answer to this question.
    """
    if _is_empty(value):
        return None
    kind = question.type
    if kind == "integer":
        if isinstance(value, bool):
            raise _type_error("Cần nhập một số nguyên.", "Enter a whole number.")
        if isinstance(value, int):
            return _whole_number(value, limits)
        if isinstance(value, float) and value.is_integer():
            return _whole_number(int(value), limits)
        if isinstance(value, str) and _INTEGER_RE.match(value.strip()):
            if len(value.strip().lstrip("+-").lstrip("0")) > 16:
                raise _type_error("Số quá lớn.", "The number is too large.")
            return _whole_number(int(value.strip()), limits)
        raise _type_error("Cần nhập một số nguyên.", "Enter a whole number.")
    if kind == "decimal":
        number: float | None = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        elif isinstance(value, str) and len(value) <= 400 and _DECIMAL_RE.match(value.strip()):
            number = float(value.strip().replace(",", "."))
        if number is None or not math.isfinite(number):
            raise _type_error("Cần nhập một số.", "Enter a number.")
        return number
    if kind == "text":
        if not isinstance(value, str):
            raise _type_error("Cần nhập chữ.", "Enter text.")
        return _checked_text(question, value) if limits else value
    if kind == "date":
        if isinstance(value, _dt.datetime):
            raise _type_error("Cần nhập ngày dạng YYYY-MM-DD.", "Enter a date as YYYY-MM-DD.")
        if isinstance(value, _dt.date):
            return value.isoformat()
        if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", value.strip()):
            try:
                return _dt.date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                pass
        raise _type_error("Cần nhập ngày hợp lệ dạng YYYY-MM-DD.", "Enter a valid date as YYYY-MM-DD.")
    if kind == "single":
        if not isinstance(value, str):
            raise _type_error("Cần chọn một phương án.", "Choose one option.")
        code = value.strip()
        if code not in question.choice_name_set:
            raise _Invalid("choice", f"Phương án '{_shown(code)}' không có trong danh sách.",
                           f"The option '{_shown(code)}' is not in the list.")
        return code
    if kind == "multiple":
        if isinstance(value, str):
            codes = value.split()
        elif isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
            codes = [item.strip() for item in value]
        else:
            raise _type_error("Cần chọn các phương án.", "Choose options.")
        known = question.choice_names
        names = question.choice_name_set
        unknown = [code for code in codes if code not in names]
        if unknown:
            raise _Invalid("choice", f"Phương án '{_shown(unknown[0])}' không có trong danh sách.",
                           f"The option '{_shown(unknown[0])}' is not in the list.")
        if len(set(codes)) != len(codes):
            raise _type_error("Một phương án được chọn hai lần.", "An option is chosen twice.")
        if question.max_choices is not None and len(codes) > question.max_choices:
            raise _Invalid("max_choices", f"Chỉ chọn tối đa {question.max_choices} phương án.",
                           f"Choose at most {question.max_choices} options.")
        return [code for code in known if code in codes]
    if kind in EXTRA_TYPES:
        return coerce_extra(question, value)
    raise _type_error("Mục này không nhận câu trả lời.", "This item takes no answer.")


def _coerced_values(q: "Questionnaire", answers: Mapping[str, Any],
                    refused: dict[str, _Invalid] | None = None) -> dict[str, Any]:
    """Best-effort coerced values for evaluating skip logic (invalid values count as empty),
    then the computed values (``calculate``, ``hidden``) in document order. ``refused``, when
    given, receives the error of each answer that could not be coerced."""
    values: dict[str, Any] = {}
    plan = answer_plan(q)
    for question in plan.answered:  # answer types outside repeats (answered per row)
        try:
            value = coerce(question, given(question, answers))
        except _Invalid as invalid:
            if refused is not None:
                refused[question.name] = invalid
            continue
        if value is not None:
            values[question.name] = value
    for question, expression in plan.computed:
        value = (computed_value(expression.evaluate(values)) if expression is not None
                 else question.default)
        if value is not None:
            values[question.name] = value
    return values


def _relevance(q: "Questionnaire",
               values: Mapping[str, Any]) -> tuple[dict[str, bool], dict[str, bool]]:
    """``(question name → relevant, page name → own condition holds)``."""
    memo: dict[str, bool] = {}
    page_memo: dict[str, bool] = {}
    plan = answer_plan(q)
    parents, page_of, conditions = plan.parents, plan.page_of, plan.relevant

    def holds(expression: "Expression") -> bool:
        visible = {ref: values[ref] for ref in expression.references
                   if ref in values and relevant(ref)}
        return expression.is_true(visible)

    def page_relevant(page_name: str) -> bool:
        if page_name not in page_memo:
            expression = plan.page_relevant[page_name]
            page_memo[page_name] = expression is None or holds(expression)
        return page_memo[page_name]

    def relevant(name: str) -> bool:
        if name in memo:
            return memo[name]
        parent = parents[name]
        result = page_relevant(page_of[name]) if parent is None else relevant(parent)
        expression = conditions.get(name)
        if result and expression is not None:
            result = holds(expression)
        memo[name] = result
        return result

    for question in plan.questions:
        relevant(question.name)
    for page_name in plan.page_names:
        page_relevant(page_name)
    return memo, page_memo


def relevant_names(q: "Questionnaire", answers: Mapping[str, Any]) -> set[str]:
    """Names of the questions (groups and notes included) relevant given ``answers``."""
    relevance, _ = _relevance(q, _coerced_values(q, answers))
    return {name for name, is_relevant in relevance.items() if is_relevant}


def relevant_pages(q: "Questionnaire", answers: Mapping[str, Any]) -> list[str]:
    """Names of the pages whose own ``relevant`` holds (or that have none), in page order."""
    _, pages = _relevance(q, _coerced_values(q, answers))
    return [page.name for page in q.pages if pages[page.name]]


def _check(q: "Questionnaire", answers: Mapping[str, Any], page: "Page | None",
           limits: bool = True) -> tuple[list[ValidationError], dict[str, Any]]:
    if not isinstance(answers, Mapping):
        raise ValueError("answers must be a mapping of question name to value")
    errors: list[ValidationError] = []
    plan = answer_plan(q)
    questions = plan.questions if page is None else [  # the page's, at any depth, in order
        x for x in plan.questions if plan.page_of[x.name] == page.name]
    if page is None:
        allowed = plan.allowed
        for key in answers:
            if key not in allowed:
                errors.append(ValidationError(
                    _shown(key), "unknown_question",
                    f"Không có câu hỏi '{_shown(key)}' trong phiếu.",
                    f"The form has no question '{_shown(key)}'."))
    uncoerced: dict[str, _Invalid] = {}
    values = _coerced_values(q, answers, uncoerced)
    relevance, _ = _relevance(q, values)
    visible = {name: value for name, value in values.items() if relevance[name]}
    cleaned: dict[str, Any] = {}
    inside = plan.inside if page is None else inside_repeats(questions)
    constraints = plan.constraint
    for question in questions:
        if question.type == "repeat" and relevance[question.name]:
            found, rows = check_rows(q, question, answers.get(question.name), visible, limits)
            errors += found
            if rows:
                cleaned[question.name] = rows
        if question.type == "repeat" or question.name in inside:
            continue
        if question.type in COMPUTED_TYPES and relevance[question.name]:
            if question.name in values:  # worked out on the server; what was posted is ignored
                cleaned[question.name] = values[question.name]
            continue
        if question.type not in ANSWER_TYPES or not relevance[question.name]:
            continue
        name = question.name
        if limits and name in uncoerced:  # coerced above, with the same rules
            errors.append(ValidationError(name, *uncoerced[name].error))
            continue
        if limits:
            value = values.get(name)
        else:
            try:
                value = coerce(question, given(question, answers), limits=limits)
            except _Invalid as invalid:
                errors.append(ValidationError(name, *invalid.error))
                continue
        if value is None:
            if question.required:
                said = question.required_message
                errors.append(ValidationError(
                    name, "required", said.get("vi") if said else "Câu hỏi này bắt buộc trả lời.",
                    said.get("en") if said else "This question is required."))
            continue
        refused = outside_filter(q, question, value, visible)
        if refused:
            errors.append(ValidationError(name, *refused))
            continue
        constraint = constraints.get(name)
        if constraint is not None and not constraint.is_true(visible, value):
            message = question.constraint_message
            errors.append(ValidationError(
                name, "constraint",
                message.get("vi") if message else "Câu trả lời không thỏa điều kiện.",
                message.get("en") if message else "The answer does not meet the condition."))
            continue
        cleaned[name] = value
        if question.other_specify:
            chosen = value if isinstance(value, list) else [value]
            other_text = answers.get(question.other_name)
            if "other" in chosen:
                try:
                    if not isinstance(other_text, str):
                        other_text = None
                    elif limits:
                        other_text = _checked_text(question, other_text)
                    elif _is_empty(other_text):
                        other_text = None
                except _Invalid as invalid:
                    errors.append(ValidationError(question.other_name, *invalid.error))
                    continue
                if other_text is None:
                    errors.append(ValidationError(
                        question.other_name, "other_required", "Vui lòng ghi rõ phương án khác.",
                        "Please specify the other option."))
                else:
                    cleaned[question.other_name] = other_text
    return errors, cleaned


def validate(q: "Questionnaire", answers: Mapping[str, Any],
             page: "Page | None" = None) -> list[ValidationError]:
    """Every error in ``answers``; with ``page``, only that page's questions (see module rules)."""
    return _check(q, answers, page)[0]


def clean(q: "Questionnaire", answers: Mapping[str, Any]) -> dict[str, Any]:
    """Coerced answers of the relevant questions, in document order.

    Raises
    ------
    AnswersInvalid
        If ``validate`` finds any error; ``errors`` holds them.
    """
    errors, cleaned = _check(q, answers, None)
    if errors:
        raise AnswersInvalid(errors)
    return cleaned


def scores(q: "Questionnaire", answers: Mapping[str, Any]) -> dict[str, list[float]]:
    """Criterion code → the coefficients of the answers that score it, in document order.

    Every criterion the questionnaire scores is a key; answers with an excluded option, and
    unanswered or irrelevant questions, add nothing. Raises ``AnswersInvalid`` for invalid answers.
    """
    errors, cleaned = _check(q, answers, None, limits=False)  # stored answers: no input limits
    if errors:
        raise AnswersInvalid(errors)
    return stored_scores(q, cleaned)


def stored_scores(q: "Questionnaire", cleaned: Mapping[str, Any]) -> dict[str, list[float]]:
    """``scores`` of answers ``clean`` already returned (stored responses: every write cleans),
    not checked again: that took four fifths of a big round's analysis. For every valid ``a``,
    ``scores(q, a) == stored_scores(q, clean(q, a))`` (tested)."""
    result: dict[str, list[float]] = {}
    for question in q.questions:
        if question.criterion is None:
            continue
        values = result.setdefault(question.criterion, [])
        code = cleaned.get(question.name)
        if code is None:
            continue
        choice = question.choice(code)
        if not choice.excluded and choice.coefficient is not None:
            values.append(float(choice.coefficient))
    return result
