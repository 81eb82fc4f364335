"""The XPath functions ODK forms use every day, evaluated on the server by the safe evaluator;
each value below was worked out by hand."""

from __future__ import annotations

import datetime as dt
import math

import pytest

import questionnaires as qn
from questionnaires.expressions import ExpressionSyntaxError, parse
from questionnaires.xpath_functions import REGEX_MAX_PATTERN, REGEX_MAX_TEXT

VALUES = {"a": 5, "b": "", "d": "2024-03-07", "t": "xin chào", "m": ["x", "y", "z"],
          "n": "12.5", "s": "true", "dt": "2024-03-07T08:05:09+07:00"}


def ev(text: str, values=VALUES, current=None):
    return parse(text).evaluate(values, current)


@pytest.mark.parametrize(("text", "expected"), [
    ("if(${a} > 3, 'big', 'small')", "big"),
    ("if(${b} = '', 1, 1 div 0)", 1.0),            # lazy: the other branch is not evaluated
    ("coalesce(${b}, 'none')", "none"),
    ("coalesce(${a}, 'none')", 5),
    ("concat('a', ${a}, '-', ${t})", "a5-xin chào"),
    ("substr('abcdef', 1, 3)", "bc"),              # zero-based, end excluded
    ("substr('abcdef', 4)", "ef"),
    ("substr('abc', 5, 9)", ""),
    ("round(2.5)", 3.0), ("round(-2.5)", -3.0),    # half away from zero
    ("round(3.14159, 2)", 3.14), ("round(1.005, 2)", 1.01), ("round(1234.5, -2)", 1200.0),
    ("int(-3.7)", -3.0), ("int('7.9')", 7.0),
    ("number(${n}) * 2", 25.0), ("number('abc') = number('abc')", False),
    ("sum(${m})", math.nan), ("sum(${a})", 5.0),
    ("count(${m})", 3.0), ("count(${a})", 1.0),
    ("min(3, ${a}, 4)", 3.0), ("max(3, ${a}, 4)", 5.0), ("max(1, 'x')", math.nan),
    ("selected-at(${m}, 1)", "y"), ("selected-at(${m}, 3)", ""), ("selected-at('p q', 0)", "p"),
    ("string-length(${t})", 8.0), ("string-length(${b})", 0.0),
    ("format-date(${d}, '%Y-%m-%d')", "2024-03-07"),
    ("format-date(${d}, '%e %b %Y')", "7 Mar 2024"),
    ("format-date(${d}, 'ngày %d/%m/%y')", "ngày 07/03/24"),
    ("format-date(${dt}, '%H:%M:%S')", "08:05:09"),
    ("format-date('x', '%Y')", ""),
    ("date(19789)", "2024-03-07"),                # days since 1970-01-01
    ("date(${d}) = ${d}", True),
    ("${d} - date('2024-03-01')", 6.0),
    ("boolean-from-string(${s})", True), ("boolean-from-string('1')", True),
    ("boolean-from-string('yes')", False),
    ("regex('0912345678', '0[0-9]{9}')", True),
    ("regex('x0912345678', '0[0-9]{9}')", False),  # a complete match, as in ODK
    ("regex(${t}, 'xin.*')", True),
    ("‘a’ = 'a'", True), ("“a b” = concat('a', ' b')", True),
    ("selected(${m}, ’y’)", True),               # a quote typed as ’…’ by a spreadsheet
    ("'it’s' = concat('it', '’s')", True),        # a curly quote inside a straight string
])
def test_each_function_gives_the_value_worked_out_by_hand(text, expected):
    value = ev(text)
    if isinstance(expected, float) and math.isnan(expected):
        assert isinstance(value, float) and math.isnan(value)
    else:
        assert value == expected, text


def test_today_and_now_are_vietnams_day_and_time():
    vietnam = dt.timezone(dt.timedelta(hours=7))
    before = dt.datetime.now(vietnam).date()
    today = ev("today()")
    assert today in {before.isoformat(), dt.datetime.now(vietnam).date().isoformat()}
    now = ev("now()")
    assert now.endswith("+07:00") and now[:10] in {today, dt.datetime.now(vietnam).date()
                                                   .isoformat()}
    assert ev("today() - ${d}", VALUES) == (dt.date.fromisoformat(today)
                                             - dt.date(2024, 3, 7)).days
    assert abs(ev("now() - today()") - (dt.datetime.fromisoformat(now) - dt.datetime.combine(
        dt.date.fromisoformat(today), dt.time(), dt.timezone(dt.timedelta(hours=7))))
        .total_seconds() / 86400) < 1e-9
    assert parse("${age} <= format-date(today(), '%Y') - 1900").references == {"age"}


def test_regex_is_bounded_and_a_bad_pattern_is_a_load_time_problem():
    long = "a" * (REGEX_MAX_PATTERN + 1)
    with pytest.raises(ExpressionSyntaxError, match="longer than"):
        parse(f"regex(., '{long}')")
    with pytest.raises(ExpressionSyntaxError, match="not valid"):
        parse("regex(., '(')")
    assert parse("regex(., '(a|b)+')").evaluate({}, "ab" * 10) is True
    assert parse("regex(., '.*')").evaluate({}, "x" * (REGEX_MAX_TEXT + 1)) is False
    # a pattern that is not written out (a reference) is bounded when evaluated
    assert ev("regex('aaa', ${p})", {"p": long}) is False
    assert ev("regex('aaa', ${p})", {"p": "("}) is False


def test_position_gives_the_repeat_row_number():
    assert parse("position(..)").evaluate({}) != parse("position(..)").evaluate({})  # NaN
    with pytest.raises(ExpressionSyntaxError):
        parse("position(.)")
    with pytest.raises(ExpressionSyntaxError):
        parse("..")
    q = qn.load("""
id: r
version: "1"
title: {vi: R}
languages: [vi]
respondent_group: citizen
pages:
- name: p
  title: {vi: P}
  questions:
  - name: people
    type: repeat
    label: {vi: Người}
    questions:
    - {name: who, type: text, label: {vi: Ai}, constraint: "position(..) = 1 or . != 'chủ hộ'"}
""")
    assert q.validate({"people": [{"who": "chủ hộ"}, {"who": "con"}]}) == []
    [error] = q.validate({"people": [{"who": "con"}, {"who": "chủ hộ"}]})
    assert (error.question, error.code) == ("people[2].who", "constraint")


def test_unknown_functions_and_wrong_arity_are_still_syntax_errors():
    for text in ("eval('1')", "substr('a')", "coalesce(1)", "today(1)", "round()"):
        with pytest.raises(ExpressionSyntaxError):
            parse(text)
