"""The expression evaluator: hand-worked values, XPath rules, syntax errors, no code execution."""

from __future__ import annotations

import math

import pytest

from questionnaires import ExpressionSyntaxError, parse_expression as parse


@pytest.mark.parametrize(
    ("text", "values", "current", "expected"),
    [
        ("1 + 2 * 3", {}, None, 7.0),              # * binds tighter than +
        ("(1 + 2) * 3", {}, None, 9.0),
        ("10 - 4 - 3", {}, None, 3.0),             # left associative
        ("7 div 2", {}, None, 3.5),
        ("7 mod 3", {}, None, 1.0),
        ("-7 mod 3", {}, None, -1.0),              # XPath mod keeps the dividend's sign
        ("- 2 * 3", {}, None, -6.0),
        ("1 div 0", {}, None, math.inf),
        ("${a} + 1", {"a": 4}, None, 5.0),
        ("${a} + 1", {"a": "4"}, None, 5.0),       # strings from forms become numbers
        ("${a} > 3 and ${b} = 'x'", {"a": 4, "b": "x"}, None, True),
        ("${a} > 3 and ${b} = 'x'", {"a": 4, "b": "y"}, None, False),
        ("${a} > 3 or ${b} = 'x'", {"a": 1, "b": "x"}, None, True),
        ("1 = 1 or 1 = 2 and 1 = 2", {}, None, True),   # and binds tighter than or
        ("not(${a} = 'x')", {"a": "y"}, None, True),
        ("${missing} = ''", {}, None, True),       # unanswered is the empty string
        ("${missing} > 0", {}, None, False),       # NaN comparisons are false
        ("${missing} < 0", {}, None, False),
        ("${n} = 5", {"n": "5.0"}, None, True),    # number on one side: numeric equality
        ("${s} = '5.0'", {"s": "5"}, None, False), # strings on both sides: string equality
        ("selected(${m}, 'b')", {"m": ["a", "b"]}, None, True),
        ("selected(${m}, 'c')", {"m": "a b"}, None, False),
        ("count-selected(${m})", {"m": ["a", "b", "c"]}, None, 3.0),
        ("count-selected(.) <= 3", {}, ["a", "b", "c", "d"], False),
        ("string-length(.)", {}, "Hà Nội", 6.0),
        ("if(${a} > 1, 'big', 'small')", {"a": 2}, None, "big"),
        ("if(${a} > 1, 'big', 'small')", {"a": 0}, None, "small"),
        (". >= '2025-01-01'", {}, "2025-03-01", True),     # ISO dates compare as days
        (". >= '2025-01-01'", {}, "2024-12-31", False),
        ("regex(., '^[0-9]{10}$')", {}, "0912345678", True),
        ("int(7.9) + number('2')", {}, None, 9.0),
        ("concat('a', 1, 'b')", {}, None, "a1b"),
        ("true() and not(false())", {}, None, True),
        ('"double" = \'double\'', {}, None, True),
    ],
)
def test_evaluates(text, values, current, expected):
    assert parse(text).evaluate(values, current) == expected


def test_references_and_current_are_collected():
    expression = parse("${a} > 1 and selected(${b}, 'x') and . != ${a}")
    assert expression.references == {"a", "b"}
    assert expression.uses_current


@pytest.mark.parametrize(
    "text",
    ["", "1 +", "(1 + 2", "${a} ==  2", "foo(1)", "__import__('os')", "${a b}", "1 2",
     "selected(${a})", "if(1, 2)", "${a} @ 2", "'unterminated"],
)
def test_syntax_errors_are_value_errors(text):
    with pytest.raises(ExpressionSyntaxError) as caught:
        parse(text)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value)


def test_if_is_lazy():
    # the branch not taken is never evaluated: 1 div 0 would give inf, not an error, so use
    # a reference that would compare as NaN to show only the chosen branch's value matters
    assert parse("if(true(), 'yes', ${x} + 1)").evaluate({}) == "yes"
