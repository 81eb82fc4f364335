"""The contract as tables: pure ``(headers, rows)`` builders and thin CSV / XLSX writers.

Text cells beginning with ``=``, ``+``, ``-`` or ``@`` (and tab or carriage return) are prefixed
with
an apostrophe so that spreadsheets show them as text instead of running them as formulas;
numbers stay numbers. Control characters that XML (hence XLSX) cannot hold, and lone surrogates
that UTF-8 cannot encode, are replaced by U+FFFD (a visible "�") in every writer, so any text
ever stored can be written; tab and line breaks are kept. An XLSX cell holds at most 32,767
characters (Excel's limit): longer text is cut there and ends with a visible marker, while CSV
keeps it whole.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence

from openpyxl import Workbook

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# C0 controls other than tab, line feed and carriage return, and lone surrogates.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
REPLACEMENT = "\ufffd"
XLSX_MAX_CELL_CHARS = 32767
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
TRUNCATED_MARK = " [...cắt bớt / truncated]"

CRITERIA_HEADERS = (
    "round_code", "unit_code", "unit_name", "unit_type", "criterion_code", "points", "max_points",
    "n", "effective_n", "se", "ci_low", "ci_high", "flags",
)
SIPAS_HEADERS = (
    "round_code", "unit_code", "level", "code", "share", "share_se", "share_ci_low",
    "share_ci_high",
    "score", "score_se", "score_ci_low", "score_ci_high", "n",
)
RESPONSE_HEADERS = (
    "round_code", "group", "unit_code", "invited", "completed", "quarantined", "response_rate",
)


def clean_text(text: str) -> str:
    """``text`` with characters no file format can hold (NUL and other C0 controls except tab and
    line breaks, lone surrogates) replaced by U+FFFD."""
    return _UNWRITABLE.sub(REPLACEMENT, text)


def truncate_text(text: str, max_chars: int | None = None, max_bytes: int | None = None) -> str:
    """``text`` cut to ``max_chars`` characters and/or ``max_bytes`` UTF-8 bytes, ending with
    :data:`TRUNCATED_MARK` when anything was cut; shorter text is returned unchanged."""
    cut = False
    mark_bytes = len(TRUNCATED_MARK.encode("utf-8"))
    if max_chars is not None and len(text) > max_chars:
        text, cut = text[: max_chars - len(TRUNCATED_MARK)], True
    too_long = max_bytes is not None and len(text) * 4 > max_bytes
    if too_long and len(text.encode("utf-8")) > max_bytes:
        raw = text.encode("utf-8")[: max_bytes - mark_bytes]
        text, cut = raw.decode("utf-8", errors="ignore"), True
    return text + TRUNCATED_MARK if cut else text


def escape_cell(value):
    """Text a spreadsheet can hold and show as text: unwritable characters replaced
    (:func:`clean_text`) and an apostrophe prefixed to text a spreadsheet would run as a formula."""
    if isinstance(value, str):
        value = clean_text(value)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


def xlsx_cell(value):
    """:func:`escape_cell`, and text cut at Excel's 32,767 characters with a visible marker."""
    value = escape_cell(value)
    if isinstance(value, str) and len(value) > XLSX_MAX_CELL_CHARS:
        return truncate_text(value, max_chars=XLSX_MAX_CELL_CHARS)
    return value


def criteria_table(doc: Mapping) -> tuple[tuple[str, ...], list[list]]:
    """One row per unit and survey-assessed criterion."""
    code = doc["round"]["code"]
    rows = [
        [code, u["code"], u["name"], u["unit_type"], c["code"], c["points"], c["max_points"],
         c["n"],
         c["effective_n"], c["se"], c["ci_low"], c["ci_high"], ";".join(c["flags"])]
        for u in doc["units"] for c in u["criteria"]
    ]
    return CRITERIA_HEADERS, rows


def sipas_table(doc: Mapping) -> tuple[tuple[str, ...], list[list]]:
    """One row per SIPAS element/overall index; unit_code is empty for the province."""
    code = doc["round"]["code"]
    scoped = [("", i) for i in doc["province_sipas"]]
    scoped += [(u["code"], i) for u in doc["units"] for i in u["sipas"]]
    rows = []
    for unit, i in scoped:
        s, m = i["share"], i["score"]
        rows.append([code, unit, i["level"], i["code"], s["value"], s["se"], s["ci_low"],
                     s["ci_high"],
                     m["value"], m["se"], m["ci_low"], m["ci_high"], m["n"]])
    return SIPAS_HEADERS, rows


def response_table(doc: Mapping) -> tuple[tuple[str, ...], list[list]]:
    """Response counts and rates; empty group or unit means all."""
    code = doc["round"]["code"]
    rows = [[code, r["group"] or "", r["unit"] or "", r["invited"], r["completed"],
             r["quarantined"],
             r["response_rate"]] for r in doc["response_counts"]]
    return RESPONSE_HEADERS, rows


def contract_tables(doc: Mapping) -> dict[str, tuple[tuple[str, ...], list[list]]]:
    """All tables of a contract, keyed by sheet name."""
    return {"criteria": criteria_table(doc), "sipas": sipas_table(doc),
            "responses": response_table(doc)}


def _csv_cell(value):
    """:func:`escape_cell`, with carriage returns turned into line feeds: the csv module quotes a
    cell holding ``\n`` but not one holding a lone ``\r``, which readers take as a row break."""
    value = escape_cell(value)
    if isinstance(value, str) and "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def write_csv(headers: Sequence[str], rows: Iterable[Sequence], stream) -> None:
    """Write one table as CSV to a text stream (None becomes an empty cell)."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([_csv_cell(h) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else _csv_cell(v) for v in row])


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """One table as UTF-8 CSV with a byte-order mark, so spreadsheet programs read Vietnamese."""
    buffer = io.StringIO()
    write_csv(headers, rows, buffer)
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(tables: Mapping[str, tuple[Sequence[str], Iterable[Sequence]]], target) -> None:
    """Write tables as sheets of one workbook to a path or binary stream (streamed, write-only)."""
    workbook = Workbook(write_only=True)
    for name, (headers, rows) in tables.items():
        sheet = workbook.create_sheet(title=_SHEET_UNSAFE.sub("_", str(name))[:31] or "sheet")
        sheet.append([xlsx_cell(h) for h in headers])
        for row in rows:
            sheet.append([xlsx_cell(v) for v in row])
    workbook.save(target)
