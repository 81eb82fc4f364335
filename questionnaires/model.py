"""The questionnaire model: frozen dataclasses, checked when constructed.

A :class:`Questionnaire` that exists is valid: its constructor runs every check in
:mod:`questionnaires.checks` and raises :class:`~questionnaires.problems.QuestionnaireError`
listing all problems. Sequences are tuples so that a published version cannot change.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import InitVar, dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from questionnaires.problems import ValidationError
from questionnaires.types import (LANGUAGES, QUESTION_TYPES, SIPAS_LEVELS, SIPAS_PARTS,
                                  is_language)

if TYPE_CHECKING:
    from questionnaires.checks import Checked
    from questionnaires.expressions import Expression

__all__ = ["QUESTION_TYPES", "SIPAS_LEVELS", "SIPAS_PARTS", "Choice", "Label", "Page", "Question",
           "Questionnaire"]



@dataclass(frozen=True)
class Label:
    """Text in Vietnamese (``vi``), English (``en``) and any other language (``other``: pairs
    of language, as written in an XLSForm column such as ``Français (fr)``, or ``default`` for
    an untagged column, and text); any may be missing."""

    vi: str | None = None
    en: str | None = None
    other: tuple[tuple[str, str], ...] = ()

    def text(self, language: str) -> str | None:
        """The text in exactly ``language``, or ``None``."""
        if language in LANGUAGES:
            return getattr(self, language)
        return dict(self.other).get(language)

    def get(self, language: str = "vi") -> str:
        """The text in ``language``, falling back to Vietnamese or English (the other one first
        when ``language`` is one of them), then to the other languages in order, else ``""``."""
        if not isinstance(language, str) or not is_language(language):
            raise ValueError(f"not a language: {language!r}")
        first, second = (self.en, self.vi) if language == "en" else (self.vi, self.en)
        for text in (self.text(language), first, second, *(text for _, text in self.other)):
            if text is not None:
                return text
        return ""

    def missing(self, languages: tuple[str, ...]) -> list[str]:
        """The languages among ``languages`` that have no (non-blank) text."""
        return [lang for lang in languages if not (self.text(lang) or "").strip()]


@dataclass(frozen=True)
class Choice:
    """An answer option. ``coefficient`` in [0, 1] scores it; ``excluded`` options
    (e.g. "Không biết / không trả lời") are left out of scores, not counted as zero."""

    name: str
    label: Label
    coefficient: float | None = None
    excluded: bool = False
    properties: tuple[tuple[str, str], ...] = ()  # extra choices-sheet columns (choice_filter)
    media: tuple[tuple[str, Label], ...] = ()  # (image|big-image|audio|video, file per language)

    def column(self, name: str) -> str | None:
        """The value of choices-sheet column ``name`` (``name`` itself, else a property)."""
        return self.name if name == "name" else dict(self.properties).get(name)


@dataclass(frozen=True)
class Question:
    """A question, a note or a group of questions (``type == "group"``, with ``children``).

    ``list_name`` names the choice list (shared between questions that use the same one);
    ``other_specify`` adds a free-text answer ``<name>_other``, required when the choice
    ``other`` is selected; ``criterion`` is the methodology-pack code the question scores;
    ``max_length`` bounds a text answer (and the ``other`` text) in characters, defaulting to
    :data:`questionnaires.answers.TEXT_MAX_LENGTH`. The extra types and columns
    (``calculation``, ``default``, ``read_only``, ``range`` …) are described in
    :mod:`questionnaires.field_types`.
    """

    name: str
    type: str
    label: Label
    hint: Label | None = None
    required: bool = False
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: Label | None = None
    choices: tuple[Choice, ...] = ()
    list_name: str | None = None
    max_choices: int | None = None
    randomize: bool = False
    seed: int | None = None
    other_specify: bool = False
    criterion: str | None = None
    children: tuple["Question", ...] = ()
    appearance: str | None = None
    max_length: int | None = None  # characters of a text answer (or of the "other" text)
    calculation: str | None = None  # calculate / hidden: worked out on the server, stored
    default: str | None = None  # a fixed answer shown until answered (always, if read_only)
    read_only: bool = False
    required_message: Label | None = None
    guidance_hint: Label | None = None  # for interviewers; kept and exported, not shown
    range: tuple[int | float, int | float, int | float] | None = None  # start, end, step
    choice_filter: str | None = None  # options shown/accepted: those for which it is true
    repeat_count: str | None = None  # repeat: a fixed number of rows or a ${…} expression
    trigger: str | None = None  # "${a}, ${b}": ODK recalculates when they change (kept only)
    media: tuple[tuple[str, Label], ...] = ()  # (image|big-image|audio|video, file per language)

    def __post_init__(self) -> None:
        if self.list_name is None and self.choices and self.type in ("single", "multiple"):
            object.__setattr__(self, "list_name", self.name)  # an inline list takes its question's name

    @property
    def other_name(self) -> str:
        """The answer key of the "please specify" text."""
        return f"{self.name}_other"

    @cached_property
    def choice_names(self) -> tuple[str, ...]:
        """The names of the options, in order (worked out once: a question never changes)."""
        return tuple(choice.name for choice in self.choices)

    @cached_property
    def choice_name_set(self) -> frozenset[str]:
        """The names of the options, for membership tests."""
        return frozenset(self.choice_names)

    def choice(self, name: str) -> Choice:
        """The choice called ``name``; raises ``KeyError``."""
        for choice in self.choices:
            if choice.name == name:
                return choice
        raise KeyError(f"question {self.name!r} has no choice {name!r}")


@dataclass(frozen=True)
class Page:
    """A page of a multi-page form.

    ``relevant`` is the page's skip logic (an XLSForm ``begin_group`` row's ``relevant``): when
    it is false, every question on the page is irrelevant, groups and their children included.
    A page with ``group`` false gathers an XLSForm's top-level rows outside any field-list
    group: it has no group in the XForm, so its questions keep their data paths (``/data/q``).
    """

    name: str
    title: Label
    questions: tuple[Question, ...]
    relevant: str | None = None
    group: bool = True  # False: no group in the XForm (an XLSForm's rows outside any field-list)


def _flatten(questions: tuple[Question, ...]) -> Iterator[Question]:
    for question in questions:
        yield question
        if question.children:
            yield from _flatten(question.children)


@dataclass(frozen=True)
class Questionnaire:
    """A versioned questionnaire for one respondent group.

    ``sipas_service`` and ``sipas_policy`` name the groups that are SIPAS elements (Câu 9 part
    II, the five service elements averaged into the SIPAS index; part I, satisfaction with
    policies): each holds single-choice items on the five-level satisfaction scale, rated 1..5
    by the position of the chosen option, whatever its coefficient.

    Construction checks everything (names, references, cycles, labels, coefficients) and
    raises ``QuestionnaireError`` with all problems found. ``checked`` (the proof from
    :func:`questionnaires.checks.check_once`, as ``build_questionnaire`` passes it) spares a
    second check when it covers these very parts; otherwise it is ignored.
    """

    id: str
    version: str
    title: Label
    languages: tuple[str, ...]
    respondent_group: str
    pages: tuple[Page, ...]
    description: Label | None = None
    sipas_service: tuple[str, ...] = ()
    sipas_policy: tuple[str, ...] = ()
    checked: InitVar["Checked | None"] = None
    _index: dict = field(init=False, repr=False, compare=False, hash=False)
    _compiled: dict = field(init=False, repr=False, compare=False, hash=False)
    _parents: dict = field(init=False, repr=False, compare=False, hash=False)
    _page_of: dict = field(init=False, repr=False, compare=False, hash=False)
    _flat: tuple = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self, checked: "Checked | None") -> None:
        from questionnaires.checks import check_once
        from questionnaires.problems import Problem, QuestionnaireError

        if checked is None or not checked.covers(self):
            found, checked = check_once(self)
            if checked is None:
                raise QuestionnaireError(
                    [
                        Problem(None, None, None, ".".join(str(part) for part in key), vi, en)
                        for key, vi, en in found
                    ]
                )
        compiled = checked.compiled
        flat = tuple(q for page in self.pages for q in _flatten(page.questions))
        object.__setattr__(self, "_flat", flat)
        parents: dict[str, str | None] = {}
        page_of: dict[str, str] = {}
        for page in self.pages:
            for question in page.questions:
                parents[question.name] = None
            for question in _flatten(page.questions):
                page_of[question.name] = page.name
                for child in question.children:
                    parents[child.name] = question.name
        object.__setattr__(self, "_index", {q.name: q for q in flat})
        object.__setattr__(self, "_compiled", compiled)
        object.__setattr__(self, "_parents", parents)
        object.__setattr__(self, "_page_of", page_of)

    # ------------------------------------------------------------------ structure

    @property
    def questions(self) -> list[Question]:
        """Every question in document order, groups and their children included."""
        return list(self._flat)

    def question(self, name: str) -> Question:
        """The question called ``name``; raises ``KeyError``."""
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(f"questionnaire {self.id!r} has no question {name!r}") from None

    def page(self, name: str) -> Page:
        """The page called ``name``; raises ``KeyError``."""
        for page in self.pages:
            if page.name == name:
                return page
        raise KeyError(f"questionnaire {self.id!r} has no page {name!r}")

    def parent(self, name: str) -> str | None:
        """The name of the group holding question ``name``, or ``None`` at page level."""
        self.question(name)
        return self._parents[name]

    def page_of(self, name: str) -> str:
        """The name of the page holding question ``name`` (at any depth)."""
        self.question(name)
        return self._page_of[name]

    def page_expression(self, page_name: str) -> "Expression | None":
        """The parsed ``relevant`` expression of page ``page_name``, or ``None``."""
        self.page(page_name)
        return self._compiled.get((page_name, "relevant"))

    def expression(self, name: str, kind: str) -> "Expression | None":
        """The parsed ``relevant``, ``constraint`` or ``calculation`` of question ``name``."""
        if kind not in ("relevant", "constraint", "calculation", "choice_filter"):
            raise ValueError("kind must be 'relevant', 'constraint', 'calculation' or "
                             f"'choice_filter', not {kind!r}")
        self.question(name)
        return self._compiled.get((name, kind))

    def sipas_elements(self, part: str = "service") -> tuple[str, ...]:
        """The element groups of SIPAS ``part`` ("service" or "policy"), in order."""
        if part not in SIPAS_PARTS:
            raise ValueError(f"part must be one of {SIPAS_PARTS}, not {part!r}")
        return self.sipas_service if part == "service" else self.sipas_policy

    def sipas_items(self, part: str = "service") -> list[tuple[str, str]]:
        """``(item name, element group name)`` of every SIPAS item of ``part``, in order."""
        return [(child.name, group) for group in self.sipas_elements(part)
                for child in self.question(group).children]

    def satisfaction_scale(self, name: str) -> dict[str, int]:
        """Option name → rating 1..5 of SIPAS item ``name``: the option's position among the
        scale's options (excluded options such as "không biết" have no rating)."""
        scale = (choice.name for choice in self.question(name).choices if not choice.excluded)
        return {choice: position for position, choice in enumerate(scale, start=1)}

    def satisfaction_rating(self, name: str, answer: Any) -> int | None:
        """The 1..5 rating of ``answer`` to SIPAS item ``name`` (see :meth:`satisfaction_scale`);
        ``None`` for no answer or an excluded option."""
        return self.satisfaction_scale(name).get(answer) if isinstance(answer, str) else None

    @property
    def choice_lists(self) -> dict[str, tuple[Choice, ...]]:
        """Choice lists by list name, in order of first use."""
        lists: dict[str, tuple[Choice, ...]] = {}
        for question in self.questions:
            if question.list_name and question.list_name not in lists:
                lists[question.list_name] = question.choices
        return lists

    # ------------------------------------------------------------------ serialisation

    def to_dict(self) -> dict[str, Any]:
        """The JSON/YAML model (see the package README); ``from_dict`` reverses it."""
        from questionnaires.building import questionnaire_to_dict

        return questionnaire_to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Questionnaire":
        """Build from the JSON/YAML model; raises ``QuestionnaireError`` listing all problems."""
        from questionnaires.building import build_questionnaire

        return build_questionnaire(data)

    @property
    def content_hash(self) -> str:
        """SHA-256 (hex) of the canonical JSON of :meth:`to_dict`: the version's identity."""
        canonical = json.dumps(
            self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    # ------------------------------------------------------------------ answers

    def relevant_names(self, answers: Mapping[str, Any]) -> set[str]:
        """Names of the questions that are relevant given ``answers`` (skip logic)."""
        from questionnaires.answers import relevant_names

        return relevant_names(self, answers)

    def relevant_pages(self, answers: Mapping[str, Any]) -> list[str]:
        """Names of the pages whose own ``relevant`` holds given ``answers``, in order.

        A relevant page may still show nothing when all its questions are hidden.
        """
        from questionnaires.answers import relevant_pages

        return relevant_pages(self, answers)

    def validate(self, answers: Mapping[str, Any]) -> list[ValidationError]:
        """Every error in ``answers`` (types, choices, required, constraints, skip logic)."""
        from questionnaires.answers import validate

        return validate(self, answers)

    def page_validate(self, page_name: str, answers: Mapping[str, Any]) -> list[ValidationError]:
        """Errors in the questions of page ``page_name`` only; other keys are ignored."""
        from questionnaires.answers import validate

        return validate(self, answers, page=self.page(page_name))

    def clean(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """Coerced answers of relevant questions; raises ``AnswersInvalid`` on any error."""
        from questionnaires.answers import clean

        return clean(self, answers)

    def choice_order(self, question_name: str, seed: int | str | None = None) -> list[Choice]:
        """The order in which to show the choices of ``question_name`` (randomised by seed)."""
        from questionnaires.answers import choice_order

        return choice_order(self, question_name, seed)

    def filtered_choices(self, question_name: str, answers: Mapping[str, Any],
                         seed: int | str | None = None) -> list[Choice]:
        """:meth:`choice_order` without the options its ``choice_filter`` leaves out given
        ``answers`` (raw answers, as the respondent page holds them)."""
        from questionnaires.field_types import allowed_choices, filtered_values

        order = self.choice_order(question_name, seed)
        question = self.question(question_name)
        if question.choice_filter is None:
            return order
        allowed = allowed_choices(self, question, filtered_values(self, answers))
        return [choice for choice in order if choice.name in allowed]

    def scores(self, answers: Mapping[str, Any]) -> dict[str, list[float]]:
        """Criterion code → coefficients of the scoring answers (excluded options omitted)."""
        from questionnaires.answers import scores

        return scores(self, answers)

    def stored_scores(self, cleaned: Mapping[str, Any]) -> dict[str, list[float]]:
        """``scores`` of answers this questionnaire already cleaned (stored responses)."""
        from questionnaires.answers import stored_scores

        return stored_scores(self, cleaned)
