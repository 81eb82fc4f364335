"""Form fields built from a questionnaire page: what a template needs to render each question."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from questionnaires.answers import TEXT_MAX_LENGTH, text_limit
from questionnaires.checks import ANSWER_TYPES  # calculate / hidden are worked out, never shown
from questionnaires.field_types import COMPUTED_TYPES, fill_references, filtered_values
from survey_app.respond.repeat_rows import (
    fitted_rows,
    read_rows,
    row_key,
    row_relevant,
    row_scope,
    shown_row_keys,
)
from survey_app.respond.media import media_views


@dataclass
class ChoiceView:
    name: str
    label: str
    checked: bool
    media: list = field(default_factory=list)  # respond/media.py MediaView


@dataclass
class LevelView:
    """One level of a compact scale: ``mark`` is shown in its cell, ``label`` read to everyone
    else (screen readers get the full text; ``mark_in_label`` when the label already starts with
    the mark, as in "A. Rất tốt")."""

    name: str
    mark: str
    label: str
    checked: bool
    mark_in_label: bool = False


@dataclass
class ScaleView:
    """A single choice shown as one row of large cells: its ordered levels, the two ends'
    labels under the row (every label when there are three levels or fewer), and the choices
    left out of the scale ("Không biết / không trả lời") as cells of their own after it."""

    levels: list[LevelView]
    extra: list[ChoiceView]
    low: str
    high: str
    all_labels: bool


@dataclass
class FieldView:
    """One question as the template renders it (groups hold their children in ``children``)."""

    name: str
    type: str
    label: str
    hint: str = ""
    required: bool = False
    value: Any = None
    choices: list[ChoiceView] = field(default_factory=list)
    max_choices: int | None = None
    other_name: str | None = None
    other_value: str = ""
    multiline: bool = False
    max_length: int = TEXT_MAX_LENGTH
    read_only: bool = False
    range: tuple | None = None  # start, end, step of a range question
    rows: int = 0  # a repeat: the number of row blocks drawn (each a child of type "row")
    addable: bool = False  # a repeat without repeat_count: rows are added and removed by buttons
    errors: list[str] = field(default_factory=list)
    children: list["FieldView"] = field(default_factory=list)
    scale: ScaleView | None = None
    inline: bool = False
    media: list = field(default_factory=list)  # respond/media.py MediaView: image, audio
    guidance: str = ""  # the interviewer's instruction (guidance_hint), shown in interviewer mode


def page_questions(page) -> list:
    """Every question of ``page``, groups' children included, in document order (a repeat's
    children are answered per row, ``repeat_rows``)."""
    out: list = []

    def walk(questions) -> None:
        for question in questions:
            out.append(question)
            if question.type != "repeat":
                walk(question.children)

    walk(page.questions)
    return out


def answer_names(page) -> list[str]:
    """The answer keys a page posts: its answerable questions and their "other" texts."""
    names: list[str] = []
    for question in page_questions(page):
        if question.type in ANSWER_TYPES + ("repeat",):
            names.append(question.name)
            if question.other_specify:
                names.append(question.other_name)
    return names


def shown_names(page, relevant: set[str], questionnaire=None, answers=None) -> list[str]:
    """The answer keys a page renders given the relevant questions (posted back as ``_shown``);
    with ``questionnaire`` and ``answers``, the keys of its repeats' rows too."""
    names: list[str] = []
    for question in page_questions(page):
        if question.type in ANSWER_TYPES + ("repeat",) and question.name in relevant:
            names.append(question.name)
            if question.other_specify:
                names.append(question.other_name)
    if questionnaire is not None:
        names += shown_row_keys(questionnaire, page, answers or {}, relevant)
    return names


def read_value(question, form: MultiDict, key: str) -> Any:
    """The posted answer to ``question`` under the form key ``key``; ``None`` when empty."""
    if question.type == "multiple":
        return [value for value in form.getlist(key) if value] or None
    if question.type == "date":
        typed = form.get(key, "").strip()
        return (parse_typed_date(typed) or typed) or None
    return form.get(key, "").strip() or None


def read_page_answers(page, form: MultiDict, shown: set[str],
                      before: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The answers a POST gives for the questions that were shown on ``page``.

    A shown question left empty maps to ``None`` (the caller removes it from the draft), so
    clearing an answer or unticking every box is kept. A repeat gives its list of rows (its
    children not shown keep their answers in ``before``, the draft).
    """
    answers: dict[str, Any] = {}
    for question in page_questions(page):
        if question.type == "repeat" and question.name in shown:
            answers[question.name] = read_rows(question, form, shown, before or {}, read_value)
        if question.type not in ANSWER_TYPES or question.name not in shown or question.read_only:
            continue  # a read-only answer is its default, whatever is posted
        answers[question.name] = read_value(question, form, question.name)
        if question.other_specify:
            other = form.get(question.other_name, "").strip()
            answers[question.other_name] = other or None
    return answers


def build_fields(questionnaire, page, answers: Mapping[str, Any], relevant: set[str], errors: Mapping[str, list[str]],
                 language: str, seed: str, preview: bool = False) -> list[FieldView]:
    """Field views for the relevant questions of ``page``; choices in their (seeded) display order,
    ``${…}`` in labels and hints replaced by the answers they name. A repeat holds one block
    (type ``row``) per row, whose ``${…}`` name the row's own answers first."""
    values = filtered_values(questionnaire, answers)

    def text(label, scope=values) -> str:
        if label is None:
            return ""
        return fill_references(questionnaire, label.get(language), scope, language)

    def view(question, got=answers, key=None, scope=values) -> FieldView:
        key = key or question.name
        item = FieldView(
            name=key, type=question.type, label=text(question.label, scope),
            hint=text(question.hint, scope), required=question.required,
            guidance=question.guidance_hint.get(language) if question.guidance_hint else "",
            value=(question.default if question.read_only or got.get(question.name) is None
                   else got.get(question.name)),
            max_choices=question.max_choices, read_only=question.read_only, range=question.range,
            multiline=(question.appearance or "").startswith("multiline"),
            max_length=text_limit(question),
            errors=list(errors.get(key, ())),
        )
        item.media = media_views(questionnaire, question.media, language, item.label)
        if question.type in ("single", "multiple"):
            given = item.value
            chosen = set(given if isinstance(given, list) else ([given] if given else []))
            if isinstance(given, str) and question.type == "multiple":
                chosen = set(given.split())
            item.choices = [ChoiceView(choice.name, choice.label.get(language), choice.name in chosen,
                                       media_views(questionnaire, choice.media, language,
                                                   choice.label.get(language) or choice.name))
                            for choice in questionnaire.filtered_choices(question.name, answers, seed)]
            if is_scale(question):
                item.scale = scale_view(question, item.choices)
            item.inline = not question.other_specify and is_short(item.choices)
        if question.type == "date":
            item.value = shown_date(item.value)
            if item.errors and item.value and parse_typed_date(item.value) is None:
                item.errors = [_("Ngày không hợp lệ. Vui lòng nhập ngày theo dạng ngày/tháng/năm, "
                                 "ví dụ 15/06/2025.")]
        if question.other_specify:
            item.other_name = question.other_name
            item.other_value = answers.get(question.other_name) or ""
            item.errors += list(errors.get(question.other_name, ()))
        if question.type == "repeat":
            return repeat_view(question, item)
        item.children = [view(child) for child in question.children
                         if child.name in relevant and child.type not in COMPUTED_TYPES]
        return item

    def repeat_view(repeat, item: FieldView) -> FieldView:
        rows = fitted_rows(questionnaire, repeat, answers, values) or ([{}] if preview else [])
        item.rows, item.addable, item.value = len(rows), repeat.repeat_count is None, None
        for number, row in enumerate(rows, start=1):
            scope = row_scope(questionnaire, repeat, row, values, number)
            inside = ({child.name for child in repeat.children} if preview  # every question
                      else row_relevant(questionnaire, repeat, scope))
            item.children.append(FieldView(
                name=f"{repeat.name}[{number}]", type="row", label=f"{item.label} ({number})",
                children=[view(child, row, row_key(repeat.name, number, child.name), scope)
                          for child in repeat.children
                          if child.name in inside and child.type not in COMPUTED_TYPES]))
        return item

    return [view(question) for question in page.questions
            if question.name in relevant and question.type not in COMPUTED_TYPES]


# ------------------------------------------------------------------ dates typed as dd/mm/yyyy

_TYPED_DATE = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_typed_date(text: str) -> str | None:
    """The ISO date of a date typed day first (15/06/2025, 15.6.2025, 15-06-2025, 15062025) or
    already ISO (2025-06-15); ``None`` when it is not a real date, whatever the browser's locale."""
    text = (text or "").strip()
    if _ISO_DATE.fullmatch(text):
        day, month, year = text[8:10], text[5:7], text[0:4]
    elif text.isdigit() and len(text) == 8:
        day, month, year = text[0:2], text[2:4], text[4:8]
    elif match := _TYPED_DATE.fullmatch(text):
        day, month, year = match.groups()
    else:
        return None
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def shown_date(value) -> str:
    """A stored ISO date as the respondent types it (dd/mm/yyyy); anything else unchanged."""
    if isinstance(value, dt.date):
        value = value.isoformat()
    if isinstance(value, str) and _ISO_DATE.fullmatch(value) and parse_typed_date(value):
        return f"{value[8:10]}/{value[5:7]}/{value[0:4]}"
    return value or ""


# ------------------------------------------------------------------ compact choices

INLINE_CHOICES = 3
INLINE_LABEL_LENGTH = 22


def is_short(choices: list[ChoiceView]) -> bool:
    """Few short options (yes / no), shown side by side instead of stacked."""
    return len(choices) <= INLINE_CHOICES and all(len(c.label) <= INLINE_LABEL_LENGTH for c in choices)



_MARK = re.compile(r"([A-ZĐ]|\d{1,2})[.)]\s")
SCALE_LEVELS = range(3, 8)


def is_scale(question) -> bool:
    """A single choice read as an ordered scale: marked ``likert``, or every option that is not
    left out of scores carries a coefficient; 3 to 7 levels, not shuffled, no "other" text."""
    if question.type != "single" or question.other_specify or question.randomize:
        return False
    levels = [choice for choice in question.choices if not choice.excluded]
    if len(levels) not in SCALE_LEVELS:
        return False
    likert = "likert" in (question.appearance or "").split()
    return likert or all(choice.coefficient is not None for choice in levels)


def scale_view(question, choices: list[ChoiceView]) -> ScaleView:
    """The row of cells for a scale question, from its choice views in display order."""
    excluded = {choice.name for choice in question.choices if choice.excluded}
    levels = []
    for position, choice in enumerate((c for c in choices if c.name not in excluded), start=1):
        match = _MARK.match(choice.label)
        mark = match.group(1) if match else str(position)
        levels.append(LevelView(choice.name, mark, choice.label, choice.checked, bool(match)))
    return ScaleView(levels=levels, extra=[c for c in choices if c.name in excluded],
                     low=levels[0].label, high=levels[-1].label, all_labels=len(levels) <= 3)


# ------------------------------------------------------------------ titles

_ACRONYM = re.compile(r"\(([A-Z][A-Z0-9-]{1,11})\)\s*$")
SHORT_TITLE_MAX = 48


def short_title(title: str) -> str:
    """The title later pages carry: the form's name before a colon ("Phiếu 03"), the acronym a
    long title ends with ("Phiếu SIPAS"), else the title itself (never cut)."""
    head, colon, _rest = title.partition(":")
    if colon and len(head.strip()) <= SHORT_TITLE_MAX:
        return head.strip()
    match = _ACRONYM.search(title)
    if match and len(title) > SHORT_TITLE_MAX:
        return _("Phiếu %(name)s", name=match.group(1))
    return title


def error_links(fields: list[FieldView]) -> list[tuple[str, str, str]]:
    """``(control id, question, message)`` for every field in error, in page order: the error
    summary's links (a choice question's first option, another question's own control)."""
    links: list[tuple[str, str, str]] = []

    def walk(items) -> None:
        for item in items:
            if item.errors:
                target = f"{item.name}-1" if item.type in ("single", "multiple") else item.name
                links.append((target, item.label, " ".join(item.errors)))
            walk(item.children)

    walk(fields)
    return links
