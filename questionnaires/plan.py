"""The answer plan of a questionnaire: what checking answers looks up, worked out once.

A :class:`~questionnaires.model.Questionnaire` never changes once built, so everything
:mod:`questionnaires.answers` asks of its structure on every submission — the flattened
questions, the keys an answer set may hold, the questions answered at the top level, the
computed ones with their parsed calculation, each question's group, page and parsed
``relevant``, each page's parsed ``relevant``, each question's ``constraint`` and the option
names of each choice question — is gathered here once and kept on the questionnaire
(:func:`answer_plan`). It holds only what the questionnaire already says: the rules of
:mod:`questionnaires.answers` are unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from questionnaires.checks import ANSWER_TYPES, VALUED_TYPES
from questionnaires.field_types import COMPUTED_TYPES
from questionnaires.repeats import inside_repeats

if TYPE_CHECKING:
    from questionnaires.expressions import Expression
    from questionnaires.model import Question, Questionnaire

_ATTRIBUTE = "_answer_plan"


@dataclass(frozen=True)
class AnswerPlan:
    """The lookups of one questionnaire's answer checks (see the module)."""

    questions: tuple["Question", ...]
    allowed: frozenset[str]  # keys an answer set may hold (valued questions, "other" texts)
    inside: frozenset[str]  # questions answered per repeat row
    answered: tuple["Question", ...]  # answer types outside repeats, in document order
    computed: tuple[tuple["Question", "Expression | None"], ...]  # and their calculation
    parents: dict[str, str | None]
    page_of: dict[str, str]
    relevant: dict[str, "Expression"]  # question name → its parsed ``relevant``
    page_relevant: dict[str, "Expression | None"]  # page name → its parsed ``relevant``
    constraint: dict[str, "Expression"]  # question name → its parsed ``constraint``
    page_names: tuple[str, ...]


def answer_plan(q: "Questionnaire") -> AnswerPlan:
    """The plan of ``q``, made on first use and kept on ``q`` (a frozen, immutable object;
    two threads making it at once make the same plan)."""
    plan = q.__dict__.get(_ATTRIBUTE)
    if plan is None:
        plan = _make_plan(q)
        object.__setattr__(q, _ATTRIBUTE, plan)
    return plan


def _make_plan(q: "Questionnaire") -> AnswerPlan:
    questions = tuple(q.questions)
    inside = frozenset(inside_repeats(list(questions)))
    allowed = {x.name for x in questions if x.type in VALUED_TYPES + ("repeat",)} - inside
    allowed |= {x.other_name for x in questions if x.other_specify}
    relevant: dict[str, Any] = {}
    constraint: dict[str, Any] = {}
    for question in questions:
        expression = q.expression(question.name, "relevant")
        if expression is not None:
            relevant[question.name] = expression
        expression = q.expression(question.name, "constraint")
        if expression is not None:
            constraint[question.name] = expression
    return AnswerPlan(
        questions=questions,
        allowed=frozenset(allowed),
        inside=inside,
        answered=tuple(x for x in questions if x.type in ANSWER_TYPES and x.name not in inside),
        computed=tuple((x, q.expression(x.name, "calculation")) for x in questions
                       if x.type in COMPUTED_TYPES),
        parents={x.name: q.parent(x.name) for x in questions},
        page_of={x.name: q.page_of(x.name) for x in questions},
        relevant=relevant,
        page_relevant={page.name: q.page_expression(page.name) for page in q.pages},
        constraint=constraint,
        page_names=tuple(page.name for page in q.pages),
    )
