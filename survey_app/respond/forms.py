"""Form fields built from a questionnaire page: what a template needs to render each question."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from werkzeug.datastructures import MultiDict

from questionnaires.answers import TEXT_MAX_LENGTH, text_limit
from questionnaires.checks import ANSWER_TYPES  # calculate / hidden are worked out, never shown
from questionnaires.field_types import COMPUTED_TYPES


@dataclass
class ChoiceView:
    name: str
    label: str
    checked: bool


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
    errors: list[str] = field(default_factory=list)
    children: list["FieldView"] = field(default_factory=list)


def page_questions(page) -> list:
    """Every question of ``page``, groups' children included, in document order."""
    out: list = []

    def walk(questions) -> None:
        for question in questions:
            out.append(question)
            walk(question.children)

    walk(page.questions)
    return out


def answer_names(page) -> list[str]:
    """The answer keys a page posts: its answerable questions and their "other" texts."""
    names: list[str] = []
    for question in page_questions(page):
        if question.type in ANSWER_TYPES:
            names.append(question.name)
            if question.other_specify:
                names.append(question.other_name)
    return names


def shown_names(page, relevant: set[str]) -> list[str]:
    """The answer keys a page renders given the relevant questions (posted back as ``_shown``)."""
    names: list[str] = []
    for question in page_questions(page):
        if question.type in ANSWER_TYPES and question.name in relevant:
            names.append(question.name)
            if question.other_specify:
                names.append(question.other_name)
    return names


def read_page_answers(page, form: MultiDict, shown: set[str]) -> dict[str, Any]:
    """The answers a POST gives for the questions that were shown on ``page``.

    A shown question left empty maps to ``None`` (the caller removes it from the draft), so
    clearing an answer or unticking every box is kept.
    """
    answers: dict[str, Any] = {}
    for question in page_questions(page):
        if question.type not in ANSWER_TYPES or question.name not in shown or question.read_only:
            continue  # a read-only answer is its default, whatever is posted
        if question.type == "multiple":
            values = [value for value in form.getlist(question.name) if value]
            answers[question.name] = values or None
        else:
            value = form.get(question.name, "").strip()
            answers[question.name] = value or None
        if question.other_specify:
            other = form.get(question.other_name, "").strip()
            answers[question.other_name] = other or None
    return answers


def build_fields(questionnaire, page, answers: Mapping[str, Any], relevant: set[str], errors: Mapping[str, list[str]],
                 language: str, seed: str) -> list[FieldView]:
    """Field views for the relevant questions of ``page``; choices in their (seeded) display order."""

    def view(question) -> FieldView:
        item = FieldView(
            name=question.name, type=question.type, label=question.label.get(language),
            hint=question.hint.get(language) if question.hint else "", required=question.required,
            value=(question.default if question.read_only or answers.get(question.name) is None
                   else answers.get(question.name)),
            max_choices=question.max_choices, read_only=question.read_only, range=question.range,
            multiline=(question.appearance or "").startswith("multiline"),
            max_length=text_limit(question),
            errors=list(errors.get(question.name, ())),
        )
        if question.type in ("single", "multiple"):
            given = item.value
            chosen = set(given if isinstance(given, list) else ([given] if given else []))
            if isinstance(given, str) and question.type == "multiple":
                chosen = set(given.split())
            item.choices = [ChoiceView(choice.name, choice.label.get(language), choice.name in chosen)
                            for choice in questionnaire.choice_order(question.name, seed)]
        if question.other_specify:
            item.other_name = question.other_name
            item.other_value = answers.get(question.other_name) or ""
            item.errors += list(errors.get(question.other_name, ()))
        item.children = [view(child) for child in question.children
                         if child.name in relevant and child.type not in COMPUTED_TYPES]
        return item

    return [view(question) for question in page.questions
            if question.name in relevant and question.type not in COMPUTED_TYPES]
