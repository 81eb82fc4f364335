"""The one writer of the spreadsheets the product sends: CSV and XLSX bytes, and the download
response that carries any file.

Every cell goes through the export contract's rule (``analysis.contract.tables``: ``escape_cell``
and ``xlsx_cell``): text a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return) gets an apostrophe, characters a file cannot hold become "�", an
XLSX cell is cut at Excel's limit. CSV is UTF-8 with a byte-order mark, so spreadsheet programs
read Vietnamese. The pattern is Indico's ``indico/util/spreadsheets.py`` (``send_csv``,
``send_xlsx``).

    return send_csv("mau.csv", headers, rows)
    return send_xlsx("mau.xlsx", {"mau": (headers, rows)}, bold_header=True)
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask import Response, stream_with_context

from survey_app.downloads import content_disposition

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Table = tuple[Sequence[str], Iterable[Sequence[Any]]]
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
CHUNK = 64 * 1024


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """One table as CSV (the export contract's writer: formula-like text escaped)."""
    from analysis.contract import csv_bytes as contract_csv_bytes  # analysis loads in ~2 s

    return contract_csv_bytes(headers, rows)


def sheet_title(name: str) -> str:
    """A sheet name Excel accepts: no ``[]:*?/\\``, at most 31 characters, never empty."""
    return _SHEET_UNSAFE.sub("_", str(name))[:31] or "sheet"


def xlsx_bytes(tables: Mapping[str, Table], *, bold_header: bool = False,
               number_format: str | None = None, freeze_header: bool = False) -> bytes:
    """Tables as the sheets of one workbook (streamed, write-only), every cell escaped.

    ``number_format`` (e.g. ``"0.00"``) is applied to every float cell; ``freeze_header`` keeps
    the header row in view while scrolling (the officials' workbook uses both).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from analysis.contract.tables import xlsx_cell

    workbook = Workbook(write_only=True)
    for name, (headers, rows) in tables.items():
        sheet = workbook.create_sheet(sheet_title(name))
        if freeze_header:
            sheet.freeze_panes = "A2"
        header = [xlsx_cell(h) for h in headers]
        if bold_header:
            header = [WriteOnlyCell(sheet, value=value) for value in header]
            for cell in header:
                cell.font = Font(bold=True)
        sheet.append(header)
        for row in rows:
            values = [xlsx_cell(value) for value in row]
            if number_format is not None:
                values = [_formatted(sheet, v, number_format) if isinstance(v, float) else v
                          for v in values]
            sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _formatted(sheet, value: float, number_format: str):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def send_file(content: bytes, filename: str, mimetype: str, *, no_store: bool = False,
              headers: Mapping[str, str] | None = None, chunked: bool = False) -> Response:
    """A download: ``content`` as an attachment named ``filename`` (any characters, see
    ``content_disposition``); ``no_store`` for files that must not stay in a cache (links shown
    once), ``chunked`` to stream a large body in 64 KiB pieces."""
    sent = {"Content-Disposition": content_disposition(filename), **(headers or {})}
    if no_store:
        sent["Cache-Control"] = "no-store"
    if not chunked:
        return Response(content, content_type=mimetype, headers=sent)

    def chunks():
        for start in range(0, len(content), CHUNK):
            yield content[start:start + CHUNK]

    sent["Content-Length"] = str(len(content))
    return Response(stream_with_context(chunks()), content_type=mimetype, headers=sent)


def send_csv(filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]],
             **options) -> Response:
    """One table as a CSV download (options as :func:`send_file`)."""
    return send_file(csv_bytes(headers, rows), filename, CSV_MIMETYPE, **options)


def send_xlsx(filename: str, tables: Mapping[str, Table], *, bold_header: bool = False,
              **options) -> Response:
    """Tables as an XLSX download, one sheet each (options as :func:`send_file`)."""
    return send_file(xlsx_bytes(tables, bold_header=bold_header), filename, XLSX_MIMETYPE,
                     **options)
