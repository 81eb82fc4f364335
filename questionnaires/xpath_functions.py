"""The value rules and the function table of the safe expression evaluator
(:mod:`questionnaires.expressions`): the XPath functions ODK forms use every day.

Values follow XPath/ODK rules: an unanswered question is the empty string; dates are ISO text
(``YYYY-MM-DD``) and count as days since 1970-01-01 where a number is needed; ``today()`` and
``now()`` are Vietnam's day and time (UTC+7, no daylight saving). ``regex`` is a complete match
(as in ODK) of a pattern of at most :data:`REGEX_MAX_PATTERN` characters on a text of at most
:data:`REGEX_MAX_TEXT` characters; anything longer is no match, so no pattern runs unbounded.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Callable

__all__ = ["FUNCTIONS", "POSITION", "REGEX_MAX_PATTERN", "REGEX_MAX_TEXT"]

Value = Any
POSITION = "#position"  # the values' key of a repeat row's number (1, 2, …) for position(..)
REGEX_MAX_PATTERN = 200
REGEX_MAX_TEXT = 20_000
VIETNAM = _dt.timezone(_dt.timedelta(hours=7))
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_EPOCH = _dt.date(1970, 1, 1)


def _as_number(value: Value) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, (list, tuple)):
        return math.nan
    text = str(value).strip()
    if _ISO_DATE_RE.match(text):
        try:
            return float((_dt.date.fromisoformat(text) - _EPOCH).days)
        except ValueError:
            return math.nan
    if _ISO_DATETIME_RE.match(text):
        moment = _datetime(text)
        if moment is None:
            return math.nan
        start = _dt.datetime(1970, 1, 1, tzinfo=moment.tzinfo or VIETNAM)
        return (moment.replace(tzinfo=moment.tzinfo or VIETNAM) - start).total_seconds() / 86400
    try:
        return float(text)
    except ValueError:
        return math.nan


def _as_string(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return " ".join(str(item) for item in value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return str(int(value)) if value.is_integer() else repr(value)
    return "" if value is None else str(value)


def _as_bool(value: Value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0 and not math.isnan(value)
    if isinstance(value, (list, tuple)):
        return len(value) > 0
    return value is not None and str(value) != ""


def _selection(value: Value) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return _as_string(value).split()


def _int(value: Value) -> float:
    number = _as_number(value)
    return number if math.isnan(number) or math.isinf(number) else float(math.trunc(number))


def _datetime(text: str) -> _dt.datetime | None:
    try:
        return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _moment(value: Value) -> _dt.datetime | None:
    """A date or date-time value (ISO text, or days since 1970-01-01) as a datetime."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if math.isnan(value) or math.isinf(value) or abs(value) > 3_000_000:
            return None
        return _dt.datetime(1970, 1, 1) + _dt.timedelta(days=float(value))
    text = _as_string(value).strip()
    if _ISO_DATE_RE.match(text):
        try:
            return _dt.datetime.combine(_dt.date.fromisoformat(text), _dt.time())
        except ValueError:
            return None
    return _datetime(text) if _ISO_DATETIME_RE.match(text) else None


def _today() -> str:
    return _dt.datetime.now(VIETNAM).date().isoformat()


def _now() -> str:
    return _dt.datetime.now(VIETNAM).isoformat(timespec="seconds")


def _date(value: Value) -> str:
    moment = _moment(value)
    return moment.date().isoformat() if moment is not None else ""


_FORMATS: dict[str, Callable[[_dt.datetime], str]] = {
    "Y": lambda m: f"{m.year:04d}", "y": lambda m: f"{m.year % 100:02d}",
    "m": lambda m: f"{m.month:02d}", "n": lambda m: str(m.month),
    "b": lambda m: MONTHS[m.month - 1], "d": lambda m: f"{m.day:02d}",
    "e": lambda m: str(m.day), "H": lambda m: f"{m.hour:02d}", "h": lambda m: str(m.hour),
    "M": lambda m: f"{m.minute:02d}", "S": lambda m: f"{m.second:02d}",
    "a": lambda m: DAYS[m.weekday()],
}


def _format_date(value: Value, pattern: Value) -> str:
    """ODK's ``format-date``: ``%Y %y %m %n %b %d %e %H %h %M %S %a``; others kept as written."""
    moment = _moment(value)
    if moment is None:
        return ""
    return re.sub(r"%(.)", lambda found: _FORMATS.get(found.group(1), lambda m: found.group(0))(
        moment), _as_string(pattern))


def _round(value: Value, places: Value = 0.0) -> float:
    """Half away from zero (as JavaRosa), to ``places`` decimals."""
    number, digits = _as_number(value), _as_number(places)
    if math.isnan(number) or math.isinf(number) or math.isnan(digits):
        return number if not math.isnan(digits) else math.nan
    try:
        exponent = Decimal(1).scaleb(-int(digits))
        return float(Decimal(repr(number)).quantize(exponent, rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError, OverflowError):
        return math.nan


def _items(values: tuple[Value, ...]) -> list[Value]:
    """The nodes of ``sum``/``min``/``max``: a list (a multiple choice or a repeat's column)
    gives its items, anything else itself."""
    out: list[Value] = []
    for value in values:
        out.extend(value if isinstance(value, (list, tuple)) else [value])
    return out


def _extreme(pick: Callable[..., float]) -> Callable[..., float]:
    def function(*values: Value) -> float:
        numbers = [_as_number(item) for item in _items(values)]
        if not numbers or any(math.isnan(number) for number in numbers):
            return math.nan
        return pick(numbers)
    return function


def _substr(value: Value, start: Value, end: Value = None) -> str:
    text = _as_string(value)
    first = _as_number(start)
    last = len(text) if end is None else _as_number(end)
    if math.isnan(first) or math.isnan(last):
        return ""
    first, last = max(0, int(first)), min(len(text), int(last))
    return text[first:last] if first < last else ""


def _selected_at(value: Value, index: Value) -> str:
    items, number = _selection(value), _as_number(index)
    if math.isnan(number) or not 0 <= int(number) < len(items):
        return ""
    return items[int(number)]


@functools.lru_cache(maxsize=256)
def _pattern(pattern: str) -> re.Pattern | None:
    if len(pattern) > REGEX_MAX_PATTERN:
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return None


def regex_problem(pattern: str) -> str | None:
    """Why a literal ``regex`` pattern is refused when the form is loaded, or ``None``."""
    if len(pattern) > REGEX_MAX_PATTERN:
        return f"the regex pattern is longer than {REGEX_MAX_PATTERN} characters"
    try:
        re.compile(pattern)
    except re.error as error:
        return f"the regex pattern is not valid: {error}"
    return None


def _regex(value: Value, pattern: Value) -> bool:
    text, compiled = _as_string(value), _pattern(_as_string(pattern))
    if compiled is None or len(text) > REGEX_MAX_TEXT:
        return False
    return compiled.fullmatch(text) is not None


def _coalesce(first: Value, second: Value) -> Value:
    return first if _as_string(first) != "" else second


# name -> (minimum arity, maximum arity, implementation); `if` and `position` are evaluated by
# the syntax tree itself (`if` lazily; `position(..)` reads the row number, POSITION).
FUNCTIONS: dict[str, tuple[int, int, Callable[..., Value]]] = {
    "selected": (2, 2, lambda value, choice: _as_string(choice) in _selection(value)),
    "count-selected": (1, 1, lambda value: float(len(_selection(value)))),
    "selected-at": (2, 2, _selected_at),
    "string-length": (1, 1, lambda value: float(len(_as_string(value)))),
    "if": (3, 3, lambda condition, then, otherwise: then if _as_bool(condition) else otherwise),
    "not": (1, 1, lambda value: not _as_bool(value)),
    "number": (1, 1, _as_number),
    "int": (1, 1, _int),
    "round": (1, 2, _round),
    "string": (1, 1, _as_string),
    "boolean": (1, 1, _as_bool),
    "boolean-from-string": (1, 1, lambda value: _as_string(value).strip() in ("true", "1")),
    "true": (0, 0, lambda: True),
    "false": (0, 0, lambda: False),
    "regex": (2, 2, _regex),
    "contains": (2, 2, lambda value, part: _as_string(part) in _as_string(value)),
    "concat": (1, 99, lambda *parts: "".join(_as_string(part) for part in parts)),
    "substr": (2, 3, _substr),
    "coalesce": (2, 2, _coalesce),
    "today": (0, 0, _today),
    "now": (0, 0, _now),
    "date": (1, 1, _date),
    "format-date": (2, 2, _format_date),
    "sum": (1, 1, lambda *values: float(math.fsum(_as_number(v) for v in _items(values)))),
    "count": (1, 1, lambda value: float(len(value)) if isinstance(value, (list, tuple)) else 1.0),
    "min": (1, 99, _extreme(min)),
    "max": (1, 99, _extreme(max)),
    "position": (1, 1, lambda _: math.nan),  # replaced by the tree (the row number)
}
