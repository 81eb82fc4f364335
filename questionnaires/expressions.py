"""A safe evaluator for the XLSForm expression subset used in ``relevant`` and ``constraint``.

Grammar (XPath 1.0 precedence, lowest first)::

    or  <  and  <  = !=  <  < <= > >=  <  + -  <  * div mod  <  unary -

Operands are ``${name}`` references, ``.`` (the current question's value, in constraints),
numbers, quoted strings, parenthesised expressions and calls of the functions in
:data:`FUNCTIONS`. Text is tokenised and parsed once into a tree of small node objects;
evaluation walks that tree and never calls :func:`eval`.

Values follow XPath/ODK rules (:mod:`questionnaires.xpath_functions`): relational operators
compare numbers (ISO dates count as days); ``=`` compares numbers when either side is a number,
else strings. Curly quotes (‘…’ “…”) delimit strings as the straight quotes the author meant.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from questionnaires.xpath_functions import (
    FUNCTIONS,
    POSITION,
    regex_problem,
    _as_bool,
    _as_number,
    _as_string,
)

__all__ = ["Expression", "ExpressionSyntaxError", "FUNCTIONS", "parse"]

Value = Any


class ExpressionSyntaxError(ValueError):
    """Raised when expression text cannot be parsed; ``position`` is the character offset."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


# --------------------------------------------------------------------------- tokens

_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<ref>\$\{(?P<refname>[^}]*)\})
  | (?P<number>\d+(?:\.\d*)?|\.\d+)
  | (?P<string>'[^']*'|"[^"]*"|[‘’][^‘’]*[‘’]|[“”][^“”]*[“”])  # curly quotes: straight ones
  | (?P<parent>\.\.)
  | (?P<op><=|>=|!=|[=<>+\-*(),])
  | (?P<dot>\.)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z_][A-Za-z0-9_]*)*)
    """,
    re.VERBOSE,
)
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class _Token:
    kind: str  # ref, number, string, op, dot, name, end
    text: str
    position: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if match is None:
            raise ExpressionSyntaxError(
                f"unexpected character {text[position]!r} at position {position + 1}", position
            )
        kind = match.lastgroup
        if match.group("ref") is not None:
            name = match.group("refname").strip()
            if not _NAME_RE.match(name):
                raise ExpressionSyntaxError(f"invalid reference ${{{name}}}", position)
            tokens.append(_Token("ref", name, position))
        elif kind == "string":
            tokens.append(_Token("string", match.group()[1:-1], position))
        elif kind != "space":
            tokens.append(_Token(kind or "", match.group(), position))
        position = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


# --------------------------------------------------------------------------- operators


def _equal(left: Value, right: Value) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return _as_bool(left) == _as_bool(right)
    numeric = (int, float)
    if isinstance(left, numeric) or isinstance(right, numeric):
        return _as_number(left) == _as_number(right)
    return _as_string(left) == _as_string(right)


def _divide(left: float, right: float) -> float:
    if right == 0:
        if left == 0 or math.isnan(left):
            return math.nan
        return math.copysign(math.inf, left)
    return left / right


def _modulo(left: float, right: float) -> float:
    if right == 0 or math.isnan(left) or math.isnan(right):
        return math.nan
    return math.fmod(left, right)


_BINARY: dict[str, Callable[[Value, Value], Value]] = {
    "=": _equal,
    "!=": lambda a, b: not _equal(a, b),
    "<": lambda a, b: _as_number(a) < _as_number(b),
    "<=": lambda a, b: _as_number(a) <= _as_number(b),
    ">": lambda a, b: _as_number(a) > _as_number(b),
    ">=": lambda a, b: _as_number(a) >= _as_number(b),
    "+": lambda a, b: _as_number(a) + _as_number(b),
    "-": lambda a, b: _as_number(a) - _as_number(b),
    "*": lambda a, b: _as_number(a) * _as_number(b),
    "div": lambda a, b: _divide(_as_number(a), _as_number(b)),
    "mod": lambda a, b: _modulo(_as_number(a), _as_number(b)),
}

_BINDING_POWER = {
    "or": 10, "and": 20,
    "=": 30, "!=": 30,
    "<": 40, "<=": 40, ">": 40, ">=": 40,
    "+": 50, "-": 50,
    "*": 60, "div": 60, "mod": 60,
}
_UNARY_POWER = 70


# --------------------------------------------------------------------------- syntax tree


class _Node:
    def evaluate(self, values: Mapping[str, Value], current: Value) -> Value:
        raise NotImplementedError


@dataclass(frozen=True)
class _Literal(_Node):
    value: Value

    def evaluate(self, values: Mapping[str, Value], current: Value) -> Value:
        return self.value


@dataclass(frozen=True)
class _Reference(_Node):
    name: str

    def evaluate(self, values: Mapping[str, Value], current: Value) -> Value:
        value = values.get(self.name)
        return "" if value is None else value


@dataclass(frozen=True)
class _Column(_Node):
    """A bare name in a ``choice_filter``: the column of the choice being filtered."""

    name: str

    def evaluate(self, values: Mapping[str, Value], current: Value) -> Value:
        value = current.get(self.name) if isinstance(current, Mapping) else None
        return "" if value is None else value


@dataclass(frozen=True)
class _Current(_Node):
    def evaluate(self, values: Mapping[str, Value], current: Value) -> Value:
        return "" if current is None else current


@dataclass(frozen=True)
class _Position(_Node):
    """``position(..)``: the number (1, 2, …) of the repeat row being evaluated."""

    def evaluate(self, values: Mapping[str, Value], current: Value) -> Value:
        return float(values.get(POSITION, math.nan))


@dataclass(frozen=True)
class _Negate(_Node):
    operand: _Node

    def evaluate(self, values: Mapping[str, Value], current: Value) -> Value:
        return -_as_number(self.operand.evaluate(values, current))


@dataclass(frozen=True)
class _Binary(_Node):
    operator: str
    left: _Node
    right: _Node

    def evaluate(self, values: Mapping[str, Value], current: Value) -> Value:
        if self.operator == "and":
            return _as_bool(self.left.evaluate(values, current)) and _as_bool(
                self.right.evaluate(values, current)
            )
        if self.operator == "or":
            return _as_bool(self.left.evaluate(values, current)) or _as_bool(
                self.right.evaluate(values, current)
            )
        return _BINARY[self.operator](
            self.left.evaluate(values, current), self.right.evaluate(values, current)
        )


@dataclass(frozen=True)
class _Call(_Node):
    function: str
    arguments: tuple[_Node, ...]

    def evaluate(self, values: Mapping[str, Value], current: Value) -> Value:
        if self.function == "if":
            condition, then, otherwise = self.arguments
            chosen = then if _as_bool(condition.evaluate(values, current)) else otherwise
            return chosen.evaluate(values, current)
        implementation = FUNCTIONS[self.function][2]
        return implementation(*(argument.evaluate(values, current) for argument in self.arguments))


# --------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, text: str, columns: bool = False) -> None:
        self.columns = columns
        self.tokens = _tokenize(text)
        self.index = 0

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, text: str) -> None:
        token = self.advance()
        if token.text != text or token.kind not in ("op",):
            raise ExpressionSyntaxError(
                f"expected {text!r} at position {token.position + 1}", token.position
            )

    def infix_operator(self) -> str | None:
        token = self.peek()
        if token.kind == "op" and token.text in _BINDING_POWER:
            return token.text
        if token.kind == "name" and token.text in ("and", "or", "div", "mod"):
            return token.text
        return None

    def expression(self, minimum_power: int = 0) -> _Node:
        left = self.prefix()
        while True:
            operator = self.infix_operator()
            if operator is None or _BINDING_POWER[operator] <= minimum_power:
                return left
            self.advance()
            left = _Binary(operator, left, self.expression(_BINDING_POWER[operator]))

    def prefix(self) -> _Node:
        token = self.advance()
        if token.kind == "number":
            return _Literal(float(token.text))
        if token.kind == "string":
            return _Literal(token.text)
        if token.kind == "ref":
            return _Reference(token.text)
        if token.kind == "dot":
            return _Current()
        if token.kind == "op" and token.text == "-":
            return _Negate(self.expression(_UNARY_POWER))
        if token.kind == "op" and token.text == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        if token.kind == "name" and self.peek().text == "(":
            return self.call(token)
        if token.kind == "name" and self.columns:
            return _Column(token.text)
        if token.kind == "end":
            raise ExpressionSyntaxError("the expression ends too early", token.position)
        raise ExpressionSyntaxError(
            f"unexpected {token.text!r} at position {token.position + 1}", token.position
        )

    def call(self, name: _Token) -> _Node:
        if name.text not in FUNCTIONS:
            raise ExpressionSyntaxError(f"unknown function {name.text}()", name.position)
        self.expect("(")
        if name.text == "position":
            if self.advance().kind != "parent":
                raise ExpressionSyntaxError("position() takes '..' (the repeat row)",
                                            name.position)
            self.expect(")")
            return _Position()
        arguments: list[_Node] = []
        if not (self.peek().kind == "op" and self.peek().text == ")"):
            arguments.append(self.expression())
            while self.peek().kind == "op" and self.peek().text == ",":
                self.advance()
                arguments.append(self.expression())
        self.expect(")")
        low, high, _ = FUNCTIONS[name.text]
        if not low <= len(arguments) <= high:
            raise ExpressionSyntaxError(
                f"{name.text}() takes {low if low == high else f'{low} to {high}'} "
                f"argument(s), not {len(arguments)}",
                name.position,
            )
        if name.text == "regex" and isinstance(arguments[1], _Literal):
            problem = regex_problem(_as_string(arguments[1].value))
            if problem:
                raise ExpressionSyntaxError(problem, name.position)
        return _Call(name.text, tuple(arguments))


def _walk_references(node: _Node, found: set[str]) -> bool:
    """Collect ``${name}`` references into ``found``; return True when ``.`` occurs."""
    if isinstance(node, _Reference):
        found.add(node.name)
        return False
    if isinstance(node, _Column):
        found.add("@" + node.name)  # split off by parse() into Expression.columns
        return False
    if isinstance(node, _Current):
        return True
    if isinstance(node, _Negate):
        return _walk_references(node.operand, found)
    if isinstance(node, _Binary):
        left = _walk_references(node.left, found)
        right = _walk_references(node.right, found)
        return left or right
    if isinstance(node, _Call):
        uses = [_walk_references(argument, found) for argument in node.arguments]
        return any(uses)
    return False


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its source ``text``, the names it ``references`` and whether it
    uses ``.`` (``uses_current``)."""

    text: str
    references: frozenset[str]
    uses_current: bool
    _tree: _Node
    columns: frozenset[str] = frozenset()  # bare names of a choice_filter (choice columns)

    def evaluate(self, values: Mapping[str, Value], current: Value = None) -> Value:
        """Evaluate with ``values`` (question name → answer) and ``current`` bound to ``.``."""
        return self._tree.evaluate(values, current)

    def is_true(self, values: Mapping[str, Value], current: Value = None) -> bool:
        """Evaluate and convert the result to a boolean with XPath rules."""
        return _as_bool(self.evaluate(values, current))


def parse(text: str, columns: bool = False) -> Expression:
    """Parse expression ``text``; with ``columns`` (a ``choice_filter``) a bare name is a
    column of the choice being filtered, read from the mapping given as ``current``.

    Raises
    ------
    ExpressionSyntaxError
        With a sentence naming the position of the first problem.
    """
    if not isinstance(text, str) or not text.strip():
        raise ExpressionSyntaxError("the expression is empty", 0)
    parser = _Parser(text, columns)
    tree = parser.expression()
    trailing = parser.peek()
    if trailing.kind != "end":
        raise ExpressionSyntaxError(
            f"unexpected {trailing.text!r} at position {trailing.position + 1}", trailing.position
        )
    found: set[str] = set()
    uses_current = _walk_references(tree, found)
    names = frozenset(name[1:] for name in found if name.startswith("@"))
    found = {name for name in found if not name.startswith("@")}
    return Expression(text, frozenset(found), uses_current, tree, names)
