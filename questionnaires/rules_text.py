"""Skip rules in words: a ``relevant`` expression read out in Vietnamese or English, questions by
their labels and options by their labels, for staff previewing a questionnaire.

    describe_rule(questionnaire, "${exp_petition} = 'yes'", "vi")
    → 'chỉ hiện khi câu “Ông/Bà đã từng gửi phản ánh…” được trả lời “Có”'

An expression the reader does not know how to say (arithmetic, most functions) is quoted as it is
inside the sentence, so nothing is hidden.
"""

from __future__ import annotations

from questionnaires.expressions import (
    ExpressionSyntaxError,
    _Binary,
    _Call,
    _Literal,
    _Node,
    _Reference,
)
from questionnaires.expressions import parse as parse_expression
from questionnaires.model import Questionnaire

__all__ = ["describe_rule"]

_WORDS = {
    "vi": {
        "shown_when": "chỉ hiện khi {}",
        "and": "{} và {}",
        "or": "{} hoặc {}",
        "=": "câu {} được trả lời {}",
        "!=": "câu {} không được trả lời {}",
        "<": "câu {} nhỏ hơn {}",
        "<=": "câu {} không lớn hơn {}",
        ">": "câu {} lớn hơn {}",
        ">=": "câu {} không nhỏ hơn {}",
        "selected": "câu {} có chọn {}",
        "not_selected": "câu {} không chọn {}",
        "answered": "câu {} đã được trả lời",
        "unanswered": "câu {} chưa được trả lời",
        "not": "không phải ({})",
        "expression": "biểu thức {}",
    },
    "en": {
        "shown_when": "shown only when {}",
        "and": "{} and {}",
        "or": "{} or {}",
        "=": "question {} is answered {}",
        "!=": "question {} is not answered {}",
        "<": "question {} is less than {}",
        "<=": "question {} is at most {}",
        ">": "question {} is greater than {}",
        ">=": "question {} is at least {}",
        "selected": "question {} has {} ticked",
        "not_selected": "question {} does not have {} ticked",
        "answered": "question {} is answered",
        "unanswered": "question {} is not answered",
        "not": "not ({})",
        "expression": "the expression {}",
    },
}


def _quote(text: str) -> str:
    return f"“{text}”"


class _Reader:
    def __init__(self, questionnaire: Questionnaire, language: str, source: str) -> None:
        self.q, self.language, self.source = questionnaire, language, source
        self.words = _WORDS[language]

    def label(self, name: str) -> str:
        try:
            return _quote(self.q.question(name).label.get(self.language) or name)
        except KeyError:
            return _quote(name)

    def option(self, question: str, value: object) -> str:
        if isinstance(value, float):
            return f"{value:g}"
        try:
            choice = self.q.question(question).choice(str(value))
        except (KeyError, ValueError):
            return _quote(str(value))
        return _quote(choice.label.get(self.language) or str(value))

    def raw(self) -> str:
        return self.words["expression"].format(_quote(self.source))

    def say(self, node: _Node) -> str | None:
        """The node in words, or None when it has no plain reading."""
        w = self.words
        if isinstance(node, _Binary) and node.operator in ("and", "or"):
            left, right = self.say(node.left), self.say(node.right)
            return None if left is None or right is None else w[node.operator].format(left, right)
        if isinstance(node, _Binary) and node.operator in ("=", "!=", "<", "<=", ">", ">="):
            ref, lit = node.left, node.right
            if isinstance(ref, _Literal) and isinstance(lit, _Reference):
                ref, lit = lit, ref
            if not (isinstance(ref, _Reference) and isinstance(lit, _Literal)):
                return None
            if node.operator in ("=", "!=") and lit.value == "":
                key = "unanswered" if node.operator == "=" else "answered"
                return w[key].format(self.label(ref.name))
            return w[node.operator].format(self.label(ref.name), self.option(ref.name, lit.value))
        if isinstance(node, _Call) and node.function == "selected" and len(node.arguments) == 2:
            ref, lit = node.arguments
            if isinstance(ref, _Reference) and isinstance(lit, _Literal):
                return w["selected"].format(self.label(ref.name), self.option(ref.name, lit.value))
        if isinstance(node, _Call) and node.function == "not" and len(node.arguments) == 1:
            inner = node.arguments[0]
            if (isinstance(inner, _Call) and inner.function == "selected"
                    and len(inner.arguments) == 2
                    and isinstance(inner.arguments[0], _Reference)
                    and isinstance(inner.arguments[1], _Literal)):
                ref, lit = inner.arguments
                return w["not_selected"].format(self.label(ref.name),
                                                self.option(ref.name, lit.value))
            said = self.say(inner)
            return None if said is None else w["not"].format(said)
        return None  # arithmetic, ``.``, other functions: quoted as written


def describe_rule(questionnaire: Questionnaire, expression: str | None,
                  language: str = "vi") -> str:
    """``expression`` (a ``relevant`` rule of ``questionnaire``) as a sentence in ``language``
    ("vi" or "en"); an empty string when there is no rule."""
    if not expression:
        return ""
    reader = _Reader(questionnaire, "en" if language == "en" else "vi", expression)
    try:
        tree = parse_expression(expression)._tree
    except ExpressionSyntaxError:
        return reader.words["shown_when"].format(reader.raw())
    said = reader.say(tree)
    return reader.words["shown_when"].format(said if said is not None else reader.raw())
