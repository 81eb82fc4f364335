"""Repeat groups on the respondent pages: one block of the repeat's questions per row.

A repeat's answer is a list of row dicts (``questionnaires.repeats``). On the page each row's
controls are named ``name[n].child`` (1-based, the key validation names a row's errors with) and
the number of blocks drawn is posted as ``_rows.name``. With ``repeat_count`` the number of rows
follows the earlier answers; without it "Thêm một dòng" / "Xóa dòng n" buttons post the page with
an ``_action`` (``add:name``, ``remove:name:n``), so it works without JavaScript, up to
:data:`~questionnaires.repeats.REPEAT_MAX_ROWS` rows. Inside a row, ``${x}`` names the same
row's ``x`` (as in ODK): relevance and labels are worked out per row.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from questionnaires.answers import coerce
from questionnaires.checks import ANSWER_TYPES
from questionnaires.field_types import FieldInvalid, filtered_values, given
from questionnaires.repeats import REPEAT_MAX_ROWS, row_count

try:  # the values' key position(..) reads (the branch adding XPath functions defines it)
    from questionnaires.xpath_functions import POSITION
except ImportError:  # pragma: no cover - before that branch is merged
    POSITION = "#position"

ROW_KEY_RE = re.compile(r"^([A-Za-z_][\w.-]*)\[(\d+)\]\.(.+)$")


def row_key(name: str, number: int, child: str) -> str:
    """The form key of ``child`` in row ``number`` (1-based) of repeat ``name``."""
    return f"{name}[{number}].{child}"


def repeat_of(key: str) -> str:
    """The repeat a row key belongs to (``members[2].age`` → ``members``); other keys unchanged."""
    match = ROW_KEY_RE.match(key)
    return match.group(1) if match else key


def row_message(key: str, message: str) -> str:
    """A row's error message naming its row ("Dòng 2: …"); other messages unchanged."""
    match = ROW_KEY_RE.match(key)
    return _("Dòng %(n)s: %(message)s", n=match.group(2), message=message) if match else message


def page_repeats(page) -> list:
    """The repeats of ``page`` (top level or inside its groups), in document order."""
    found: list = []

    def walk(questions) -> None:
        for question in questions:
            if question.type == "repeat":
                found.append(question)
            else:
                walk(question.children)

    walk(page.questions)
    return found


def stored_rows(answers: Mapping[str, Any], repeat) -> list[dict]:
    value = answers.get(repeat.name)
    if not isinstance(value, list):
        return []
    return [dict(row) for row in value if isinstance(row, Mapping)]


def fitted_rows(questionnaire, repeat, answers: Mapping[str, Any],
                values: Mapping[str, Any] | None = None) -> list[dict]:
    """The rows to draw: ``repeat_count`` rows when it is set (stored rows padded or cut),
    else the stored rows (one empty row for a repeat never answered), at most the maximum."""
    rows = stored_rows(answers, repeat)
    if repeat.repeat_count is not None:
        values = filtered_values(questionnaire, answers) if values is None else values
        wanted = min(row_count(repeat, values) or 0, REPEAT_MAX_ROWS)
    elif answers.get(repeat.name) is None:
        wanted = 1
    else:
        wanted = min(len(rows), REPEAT_MAX_ROWS)
    return (rows + [{} for _ in range(wanted - len(rows))])[:wanted]


def row_scope(questionnaire, repeat, row: Mapping[str, Any], values: Mapping[str, Any],
              number: int = 1) -> dict[str, Any]:
    """The values a row's expressions read: the answers outside the repeat, the row's own and
    its number (``position(..)``)."""
    scope = {**values, POSITION: number}
    for child in repeat.children:
        if child.type not in ANSWER_TYPES:
            continue
        try:
            value = coerce(child, given(child, row))
        except FieldInvalid:
            continue
        if value is not None:
            scope[child.name] = value
    return scope


def row_relevant(questionnaire, repeat, scope: Mapping[str, Any]) -> set[str]:
    """The children of ``repeat`` relevant in the row whose values are ``scope``."""
    names: set[str] = set()
    for child in repeat.children:
        expression = questionnaire.expression(child.name, "relevant")
        if expression is None or expression.is_true(scope):
            names.add(child.name)
    return names


def shown_row_keys(questionnaire, page, answers: Mapping[str, Any],
                   relevant: set[str]) -> list[str]:
    """The row keys a page draws given the answers (posted back in ``_shown``)."""
    keys: list[str] = []
    values = filtered_values(questionnaire, answers)
    for repeat in page_repeats(page):
        if repeat.name not in relevant:
            continue
        for number, row in enumerate(fitted_rows(questionnaire, repeat, answers, values), 1):
            scope = row_scope(questionnaire, repeat, row, values, number)
            inside = row_relevant(questionnaire, repeat, scope)
            keys += [row_key(repeat.name, number, child.name) for child in repeat.children
                     if child.type in ANSWER_TYPES and child.name in inside]
    return keys


def read_rows(repeat, form, shown: set[str], answers: Mapping[str, Any], read_value) -> list[dict]:
    """The rows a POST gives for ``repeat``: the blocks drawn (``_rows.name``), each child that
    was shown read with ``read_value(question, form, key)``; a child not shown keeps its draft."""
    try:
        drawn = int(form.get(f"_rows.{repeat.name}", "0"))
    except ValueError:
        drawn = 0
    before = stored_rows(answers, repeat)
    rows: list[dict] = []
    for number in range(1, min(max(drawn, 0), REPEAT_MAX_ROWS) + 1):
        row = dict(before[number - 1]) if number <= len(before) else {}
        for child in repeat.children:
            key = row_key(repeat.name, number, child.name)
            if child.type not in ANSWER_TYPES or child.read_only or key not in shown:
                continue
            value = read_value(child, form, key)
            if value is None:
                row.pop(child.name, None)
            else:
                row[child.name] = value
        rows.append(row)
    return rows


def change_rows(questionnaire, page, answers: dict, action: str) -> dict[str, list[str]]:
    """Add or remove a row as ``action`` asks (``add:name``, ``remove:name:n``); the errors to
    show (a sentence on the repeat when the maximum is reached), none when done."""
    kind, _sep, rest = action.partition(":")
    name, _sep, number = rest.partition(":")
    repeat = next((r for r in page_repeats(page) if r.name == name), None)
    if repeat is None or repeat.repeat_count is not None:
        return {}
    rows = fitted_rows(questionnaire, repeat, answers)
    if kind == "add":
        if len(rows) >= REPEAT_MAX_ROWS:
            return {name: [_("Chỉ nhập được tối đa %(n)s dòng.", n=REPEAT_MAX_ROWS)]}
        rows.append({})
    elif kind == "remove" and number.isdigit() and 1 <= int(number) <= len(rows):
        del rows[int(number) - 1]
    answers[name] = rows
    return {}


def fit_counted_rows(questionnaire, page, answers: dict) -> None:
    """Rows of the page's counted repeats cut or padded to what ``repeat_count`` now asks."""
    for repeat in page_repeats(page):
        if repeat.repeat_count is not None and repeat.name in answers:
            answers[repeat.name] = fitted_rows(questionnaire, repeat, answers)
