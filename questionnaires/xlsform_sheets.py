"""Where things are in an XLSForm as pyxform reads it: rows and original column headers.

pyxform's dict has no row numbers and uses canonical keys (``bind``/``relevant`` for a column
written ``relevance``); :class:`Sheets` maps back, with pyxform's own header rules
(:func:`pyxform.parsing.sheet_headers.process_header` and its alias tables), so a problem names
the column as the author wrote it.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

__all__ = ["LANGUAGE_NAMES", "Sheets", "describe_file", "language_code"]

LANGUAGE_NAMES = {"vi": ("vi", "vietnamese", "tiếng việt"), "en": ("en", "english")}


def language_code(name: str) -> str | None:
    """``"Vietnamese (vi)"``, ``"vi"``, ``"English"`` → ``vi``/``en``; other languages → None."""
    text = name.strip()
    match = re.search(r"\(([A-Za-z-]+)\)\s*$", text)
    if match:
        text = match.group(1)
    text = text.lower()
    for code, names in LANGUAGE_NAMES.items():
        if text in names:
            return code
    return None


def _headers(header_rows: Any, aliases_table: dict, columns: set[str]) -> dict[str, tuple]:
    """Original header → pyxform's tokens (``"bind:relevant"`` → ``("bind", "relevant")``)."""
    from pyxform.parsing.sheet_headers import process_header

    headers = list(header_rows[0]) if header_rows else []
    double = any("::" in header for header in headers)
    return {header: process_header(header, double, aliases_table, columns)[1]
            for header in headers if header}


class Sheets:
    """Rows and headers of the ``survey``, ``choices`` and ``settings`` sheets."""

    def __init__(self, definition: Any) -> None:
        from pyxform import aliases  # imported when a form is read: pyxform is slow to import
        from pyxform.question import MultipleChoiceQuestion, Option
        from pyxform.survey import Survey

        self.survey_headers = _headers(definition.survey_header, aliases.survey_header,
                                       set(MultipleChoiceQuestion.get_slot_names()))
        self.choice_headers = _headers(definition.choices_header, aliases.list_header,
                                       set(Option.get_slot_names()))
        self.settings_headers = _headers(definition.settings_header, aliases.settings_header,
                                         set(Survey.get_slot_names()))
        self.survey_rows = list(definition.survey or [])
        self.has_settings = bool(definition.settings)
        self.settings = {self.settings_headers.get(k, (k,))[0]: v
                         for k, v in (definition.settings or [{}])[0].items()}
        name = self._original(self.survey_headers, ("name",))
        self._rows: dict[Any, deque[int]] = defaultdict(deque)
        for number, row in enumerate(definition.survey or [], start=2):
            if row.get(name):
                self._rows[str(row[name]).strip()].append(number)
        self._seen: dict[int, int | None] = {}
        list_column = (self._original(self.choice_headers, ("list name",))  # pyxform's key
                       or self._original(self.choice_headers, ("list_name",)))
        choice_name = self._original(self.choice_headers, ("name",))
        self._choice_rows: dict[tuple[str, str], int] = {}
        for number, row in enumerate(definition.choices or [], start=2):
            key = (str(row.get(list_column, "")).strip(), str(row.get(choice_name, "")).strip())
            self._choice_rows.setdefault(key, number)

    @staticmethod
    def _original(headers: dict[str, tuple], tokens: tuple) -> str | None:
        for header, found in headers.items():
            if found[: len(tokens)] == tokens:
                return header
        return None

    def language_names(self) -> set[str]:
        """Language names of the text columns of survey and choices (``"default"`` untagged)."""
        names = set()
        for headers in (self.survey_headers, self.choice_headers):
            for tokens in headers.values():
                if tokens[0] in ("label", "hint", "guidance_hint"):
                    names.add(tokens[1] if len(tokens) > 1 else "default")
                elif tokens[:2] in (("bind", "jr:constraintMsg"), ("bind", "jr:requiredMsg")):
                    names.add(tokens[2] if len(tokens) > 2 else "default")
        return names

    def column_holding(self, row: int, text: str) -> str | None:
        """The survey column whose cell in ``row`` contains ``text`` (for pyxform's messages)."""
        if not 2 <= row < len(self.survey_rows) + 2:
            return None
        for header, value in self.survey_rows[row - 2].items():
            if text in str(value):
                return header
        return None

    def row_of(self, child: dict[str, Any]) -> int | None:
        """The survey row of a pyxform element (rows with one name are taken in order)."""
        key = id(child)
        if key not in self._seen:
            queue = self._rows.get(str(child.get("name")))
            self._seen[key] = queue.popleft() if queue else None
        return self._seen[key]

    def column(self, *tokens: str) -> str:
        """The survey column as written for pyxform's key (``"bind", "relevant"``)."""
        return self._original(self.survey_headers, tokens) or "::".join(tokens)

    def choice_column(self, *tokens: str) -> str:
        return self._original(self.choice_headers, tokens) or "::".join(tokens)

    def settings_header(self, key: str) -> str:
        return self._original(self.settings_headers, (key,)) or key

    def choice_row(self, list_name: str, name: str) -> int | None:
        return self._choice_rows.get((list_name, name))


def describe_file(path: Path) -> tuple[str, str]:
    """What a file that is not an XLSForm is, in Vietnamese and English."""
    try:
        head = path.read_bytes()[:2048]
    except OSError:
        return "một tệp không đọc được", "a file that cannot be read"
    if not head:
        return "một tệp rỗng", "an empty file"
    if head.startswith(b"%PDF"):
        return "một tài liệu PDF", "a PDF document"
    if head.startswith(b"PK\x03\x04"):
        return ("một tệp nén zip (không phải bảng tính Excel)",
                "a zip archive (not an Excel workbook)")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return ("một tệp Office cũ không phải bảng tính XLSForm",
                "an old Office file that is not an XLSForm workbook")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "dữ liệu nhị phân không rõ loại", "binary data of an unknown kind"
    return ("một tệp văn bản không có bảng XLSForm", "a text file without XLSForm tables")
