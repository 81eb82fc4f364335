"""Sampling frames: declared columns, row-by-row checks, content hash, CSV reading.

A frame is checked as a whole: every error is reported with its spreadsheet row (the header
is row 1, the first data row is row 2) and column, in Vietnamese and English, and a frame
with any error yields no rows.  Columns flagged ``personal`` (names, phones, e-mails) are
kept only so that the round can contact people; :meth:`FrameCheck.analysis_rows` drops them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

__all__ = [
    "COLUMN_TYPES", "Column", "FrameSpec", "FrameError", "FrameCheck", "validate_frame",
    "read_csv_rows", "SIPAS_DOSSIERS", "OFFICIALS", "COMMUNES",
]

COLUMN_TYPES = ("str", "int", "float", "date")

_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?")
_DMY_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
MAX_ERRORS = 100          # errors kept and shown; the rest are counted
SHOWN_CHARS = 60          # characters of a cell value quoted in an error message


def _normal_text(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _header_key(text: str) -> str:
    return " ".join(_normal_text(text).casefold().split())


@dataclass(frozen=True)
class Column:
    """One declared column of a frame.

    Attributes
    ----------
    name : str
        Canonical name (the key in parsed rows).
    type : {"str", "int", "float", "date"}
    required : bool
        The column must be present and every row must have a value.
    personal : bool
        Holds personal data (name, phone, e-mail); never passed to analysis or exports.
    unit_code : bool
        Values must be known administrative unit codes.
    unique : bool
        No two rows may share a value.
    minimum : float, optional
        Smallest allowed value of a number column.
    aliases : tuple of str
        Other accepted header names (e.g. Vietnamese headings); case and spacing are ignored.
    """

    name: str
    type: str = "str"
    required: bool = True
    personal: bool = False
    unit_code: bool = False
    unique: bool = False
    minimum: float | None = None
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in COLUMN_TYPES:
            raise ValueError(
                f"Column {self.name!r} has type {self.type!r}; use one of {COLUMN_TYPES}."
            )


@dataclass(frozen=True)
class FrameSpec:
    """The declared columns of a kind of frame.

    ``unit_codes`` optionally lists the allowed unit codes; ``validate_frame`` can be given
    the current list instead.
    """

    name: str
    columns: tuple[Column, ...]
    title_vi: str = ""
    title_en: str = ""
    unit_codes: frozenset[str] | None = None

    def __post_init__(self) -> None:
        keys = [_header_key(name) for column in self.columns
                for name in (column.name, *column.aliases)]
        if len(keys) != len(set(keys)):
            raise ValueError(f"Frame spec {self.name!r} declares a column name twice.")

    @property
    def personal_columns(self) -> tuple[str, ...]:
        """Names of the columns holding personal data."""
        return tuple(column.name for column in self.columns if column.personal)

    def drop_personal(self, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Copies of ``rows`` without the personal columns."""
        personal = set(self.personal_columns)
        return [{k: v for k, v in row.items() if k not in personal} for row in rows]


@dataclass(frozen=True)
class FrameError:
    """One problem in a frame: spreadsheet row (header = 1), column and a message."""

    row: int
    column: str | None
    message_vi: str
    message_en: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message_en}"


@dataclass(frozen=True)
class FrameCheck:
    """The outcome of :func:`validate_frame`.

    Attributes
    ----------
    spec_name : str
    rows : tuple of dict
        Parsed rows keyed by canonical column name; empty when there is any error.
    errors : tuple of FrameError
        Every problem found, in row order (header problems first).
    row_count : int
        Data rows read (blank rows are skipped).
    content_hash : str or None
        SHA-256 (hex) of the parsed content in row order; None when there are errors.
    ignored_columns : tuple of str
        Header names that the spec does not declare; their values are not kept.
    error_count : int
        Every error found; ``errors`` keeps only the first ``max_errors`` of them.
    """

    spec_name: str
    rows: tuple[dict[str, Any], ...]
    errors: tuple[FrameError, ...]
    row_count: int
    content_hash: str | None
    ignored_columns: tuple[str, ...] = ()
    personal_columns: tuple[str, ...] = field(default=())
    error_count: int = 0

    def __post_init__(self) -> None:
        if self.error_count < len(self.errors):
            object.__setattr__(self, "error_count", len(self.errors))

    @property
    def more_errors(self) -> int:
        """Errors found beyond those kept in ``errors``."""
        return self.error_count - len(self.errors)

    @property
    def ok(self) -> bool:
        """True when the frame has no error."""
        return not self.errors

    def analysis_rows(self) -> list[dict[str, Any]]:
        """The parsed rows without personal columns."""
        personal = set(self.personal_columns)
        return [{k: v for k, v in row.items() if k not in personal} for row in self.rows]


class _Problem(Exception):
    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en


def _parse_str(raw: Any) -> str:
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, (dt.date, dt.datetime)):
        return raw.isoformat()
    return _normal_text(str(raw))


def _parse_int(raw: Any, shown: str) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    text = _normal_text(str(raw))
    if _INT.fullmatch(text):
        return int(text)
    raise _Problem(f"“{shown}” không phải là số nguyên.", f"“{shown}” is not a whole number.")


def _parse_float(raw: Any, shown: str) -> float:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and math.isfinite(raw):
        return float(raw)
    text = _normal_text(str(raw))
    if _FLOAT.fullmatch(text):
        return float(text)
    raise _Problem(
        f"“{shown}” không phải là số (phần thập phân dùng dấu chấm, ví dụ 12.5).",
        f"“{shown}” is not a number (use a dot for decimals, e.g. 12.5).",
    )


def _parse_date(raw: Any, shown: str) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = _normal_text(str(raw))
    try:
        if match := _ISO_DATE.fullmatch(text):
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DMY_DATE.fullmatch(text):
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        pass
    raise _Problem(
        f"“{shown}” không phải là ngày hợp lệ (dùng dd/mm/yyyy hoặc yyyy-mm-dd).",
        f"“{shown}” is not a valid date (use dd/mm/yyyy or yyyy-mm-dd).",
    )


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _shown(value: Any) -> str:
    """A cell value as quoted in a message: at most ``SHOWN_CHARS`` characters, no controls."""
    text = re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", str(value))
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."


def _parse(column: Column, raw: Any) -> Any:
    shown = "(giá trị ẩn / hidden value)" if column.personal else _shown(_parse_str(raw))
    if column.type == "str":
        return _parse_str(raw)
    if column.type == "int":
        value: Any = _parse_int(raw, shown)
    elif column.type == "float":
        value = _parse_float(raw, shown)
    else:
        return _parse_date(raw, shown)
    if column.minimum is not None and value < column.minimum:
        raise _Problem(
            f"Giá trị {shown} nhỏ hơn mức tối thiểu {column.minimum:g}.",
            f"Value {shown} is below the minimum {column.minimum:g}.",
        )
    return value


def _canonical(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _match_header(header: Iterable[Any], spec: FrameSpec
                  ) -> tuple[dict[str, Any], list[FrameError], list[str]]:
    """Map canonical column names to the source keys of the header."""
    wanted = {_header_key(name): column.name for column in spec.columns
              for name in (column.name, *column.aliases)}
    found: dict[str, Any] = {}
    errors: list[FrameError] = []
    ignored: list[str] = []
    for key in header:
        if key is None:
            continue
        name = wanted.get(_header_key(str(key)))
        if name is None:
            ignored.append(str(key))
        elif name in found:
            errors.append(FrameError(
                1, name, f"Cột “{name}” xuất hiện hai lần trong dòng tiêu đề.",
                f"Column “{name}” appears twice in the header row."))
        else:
            found[name] = key
    for column in spec.columns:
        if column.required and column.name not in found:
            errors.append(FrameError(
                1, column.name, f"Thiếu cột bắt buộc “{column.name}”.",
                f"The required column “{column.name}” is missing."))
    return found, errors, ignored


class _Errors(list):
    """The first ``limit`` errors, and a count of all."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.count = 0

    def append(self, error: FrameError) -> None:
        self.count += 1
        if len(self) < self.limit:
            super().append(error)


def validate_frame(rows: Iterable[Mapping[Any, Any]], spec: FrameSpec,
                   known_unit_codes: Iterable[str] | None = None, *,
                   max_errors: int = MAX_ERRORS, max_rows: int | None = None) -> FrameCheck:
    """Check every row of a frame against its spec.

    Parameters
    ----------
    rows : iterable of mapping
        Rows keyed by header name, in file order (the first is spreadsheet row 2), as given by
        :func:`read_csv_rows` or by a spreadsheet reader.
    spec : FrameSpec
        Declared columns.
    known_unit_codes : iterable of str, optional
        Allowed unit codes for ``unit_code`` columns; overrides ``spec.unit_codes``.
    max_errors : int
        Errors kept (in row order); further errors are only counted (``error_count``), so a
        file with an error on every row costs no more memory than a correct one.
    max_rows : int, optional
        Rows read at most (blank rows included); a longer file is refused with one error and
        the rest of it is not read.

    Returns
    -------
    FrameCheck
        All errors; the parsed rows and the content hash only when there is none.

    Notes
    -----
    Text is NFC-normalised and stripped; fully blank rows are skipped (their row numbers
    still count).  The hash covers the spec name, the column names and every parsed value in
    row order, so the same content read from CSV or XLSX hashes the same, and reordering
    rows (which changes a systematic draw) changes it.
    """
    if known_unit_codes is not None:
        codes: frozenset[str] | None = frozenset(_normal_text(str(c)) for c in known_unit_codes)
    else:
        codes = spec.unit_codes
    iterator = iter(rows)
    first = next(iterator, None)
    errors = _Errors(max_errors)
    if first is None:
        errors.append(FrameError(1, None, "Danh sách không có dòng dữ liệu nào.",
                                 "The frame has no data rows."))
        return FrameCheck(spec.name, (), tuple(errors), 0, None,
                          personal_columns=spec.personal_columns)
    found, header_errors, ignored = _match_header(first.keys(), spec)
    for error in header_errors:
        errors.append(error)
    digest = hashlib.sha256()
    digest.update(json.dumps([spec.name, [c.name for c in spec.columns]],
                             ensure_ascii=False).encode())
    parsed_rows: list[dict[str, Any]] = []
    seen: dict[str, dict[Any, int]] = {c.name: {} for c in spec.columns if c.unique}
    count = 0
    for number, row in enumerate(itertools.chain([first], iterator), start=2):
        if max_rows is not None and number - 1 > max_rows:
            errors.append(FrameError(
                number, None, f"Tệp có hơn {max_rows:,} dòng dữ liệu; hãy chia nhỏ tệp.",
                f"The file has more than {max_rows:,} data rows; split it into smaller files."))
            break
        if all(_blank(value) for key, value in row.items() if key is not None):
            continue
        count += 1
        if row.get(None):
            errors.append(FrameError(
                number, None, "Dòng này có nhiều giá trị hơn số cột của dòng tiêu đề.",
                "This row has more values than the header has columns."))
        parsed: dict[str, Any] = {}
        for column in spec.columns:
            key = found.get(column.name)
            raw = None if key is None else row.get(key)
            if _blank(raw):
                parsed[column.name] = None
                if column.required and key is not None:
                    errors.append(FrameError(
                        number, column.name, f"Ô “{column.name}” bắt buộc nhưng đang trống.",
                        f"“{column.name}” is required but empty."))
                continue
            try:
                value = _parse(column, raw)
            except _Problem as problem:
                errors.append(FrameError(number, column.name, problem.message_vi,
                                         problem.message_en))
                continue
            if column.type == "str" and not value:
                value = None
            parsed[column.name] = value
            if column.unit_code and codes is not None and value not in codes:
                errors.append(FrameError(
                    number, column.name,
                    f"Mã đơn vị “{_shown(value)}” không có trong danh mục đơn vị.",
                    f"Unit code “{_shown(value)}” is not in the list of units."))
            if column.unique:
                earlier = seen[column.name].setdefault(value, number)
                if earlier != number:
                    shown = "(giá trị ẩn / hidden value)" if column.personal else _shown(value)
                    errors.append(FrameError(
                        number, column.name, f"Giá trị “{shown}” trùng với dòng {earlier}.",
                        f"The value “{shown}” repeats row {earlier}."))
        if not errors.count:
            parsed_rows.append(parsed)
            digest.update(b"\n")
            digest.update(json.dumps([_canonical(parsed[c.name]) for c in spec.columns],
                                     ensure_ascii=False).encode())
        elif parsed_rows:
            parsed_rows = []
    if count == 0:
        errors.append(FrameError(1, None, "Danh sách không có dòng dữ liệu nào.",
                                 "The frame has no data rows."))
    ok = not errors.count
    return FrameCheck(
        spec.name, tuple(parsed_rows) if ok else (), tuple(errors), count,
        digest.hexdigest() if ok else None, tuple(ignored), spec.personal_columns,
        error_count=errors.count,
    )


def _text_lines(source: str | bytes | IO[str] | IO[bytes]) -> Iterator[str]:
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _not_utf8() from None
    if isinstance(source, str):
        return iter(io.StringIO(source.removeprefix("\ufeff"), newline=""))
    if isinstance(source, io.TextIOBase):
        return _strip_bom(iter(source))
    return _strip_bom(iter(io.TextIOWrapper(source, encoding="utf-8-sig", newline="")))


def _not_utf8() -> ValueError:
    return ValueError("Tệp không phải văn bản UTF-8; hãy lưu dưới dạng CSV UTF-8. "
                      "(The file is not UTF-8 text; save it as CSV UTF-8.)")


def _strip_bom(lines: Iterator[str]) -> Iterator[str]:
    try:
        first = next(lines, None)
        if first is None:
            return
        yield first.removeprefix("\ufeff")
        yield from lines
    except UnicodeDecodeError:
        raise _not_utf8() from None


def read_csv_rows(source: str | bytes | IO[str] | IO[bytes]) -> Iterator[dict[Any, Any]]:
    """Rows of a CSV file as dicts keyed by the header, for :func:`validate_frame`.

    Parameters
    ----------
    source : str, bytes or file object
        CSV text, UTF-8 with or without a byte-order mark.  The delimiter (comma, semicolon or
        tab) is the most frequent of the three in the header line.

    Returns
    -------
    iterator of dict
        One dict per data row; values of extra cells are listed under the key None, missing
        cells are None.
    """
    lines = _text_lines(source)
    header = next(lines, None)
    if header is None:
        return iter(())
    delimiter = max((",", ";", "\t"), key=header.count)
    return _csv_errors_as_value_errors(
        csv.DictReader(itertools.chain([header], lines), delimiter=delimiter))


def _csv_errors_as_value_errors(reader: csv.DictReader) -> Iterator[dict[Any, Any]]:
    """The rows of ``reader``; a malformed file (e.g. a cell over the csv module's 128 KiB
    field limit) raises ``ValueError`` with a sentence instead of ``csv.Error``."""
    try:
        yield from reader
    except csv.Error as exc:
        raise ValueError(
            f"Tệp CSV bị lỗi định dạng ở dòng {reader.line_num}: {exc}. "
            f"(The CSV file is malformed at line {reader.line_num}: {exc}.)") from None


SIPAS_DOSSIERS = FrameSpec(
    name="sipas_dossiers",
    title_vi="Danh sách hồ sơ TTHC đã trả kết quả (khung mẫu SIPAS)",
    title_en="Completed administrative-procedure dossiers (SIPAS frame)",
    columns=(
        Column("dossier_id", unique=True,
               aliases=("ma_ho_so", "mã hồ sơ", "số hồ sơ", "mã số hồ sơ")),
        Column("unit_code", unit_code=True, aliases=("ma_don_vi", "mã đơn vị")),
        Column("procedure", aliases=("thu_tuc", "thủ tục", "tên thủ tục", "tên thủ tục hành chính",
                                      "tên tthc")),
        Column("completed_date", type="date",
               aliases=("ngay_tra_ket_qua", "ngày trả kết quả", "ngày trả kq")),
        Column("name", required=False, personal=True, aliases=("ho_ten", "họ và tên", "họ tên")),
        Column("phone", required=False, personal=True,
               aliases=("so_dien_thoai", "số điện thoại", "điện thoại", "sđt")),
        # for invitations and reminders by e-mail (survey_app/operations/mail.py)
        Column("email", required=False, personal=True, aliases=("thư điện tử",)),
    ),
)

OFFICIALS = FrameSpec(
    name="officials",
    title_vi="Danh sách đại biểu, lãnh đạo, công chức",
    title_en="Delegates, leaders and officials",
    columns=(
        Column("person_id", unique=True, aliases=("ma_nguoi", "mã người", "mã cán bộ")),
        Column("unit_code", unit_code=True, aliases=("ma_don_vi", "mã đơn vị")),
        Column("group", aliases=("nhom", "nhóm", "nhóm đối tượng", "đối tượng")),
        Column("name", required=False, personal=True, aliases=("ho_ten", "họ và tên", "họ tên")),
        Column("phone", required=False, personal=True,
               aliases=("so_dien_thoai", "số điện thoại", "điện thoại", "sđt")),
        Column("email", required=False, personal=True, aliases=("thư điện tử", "e-mail")),
    ),
)

COMMUNES = FrameSpec(
    name="communes",
    title_vi="Danh sách xã, phường, đặc khu và dân số",
    title_en="Communes with population",
    columns=(
        Column("unit_code", unit_code=True, unique=True, aliases=("ma_don_vi", "mã đơn vị")),
        Column("name", aliases=("ten", "tên", "tên đơn vị", "tên xã, phường, đặc khu")),
        Column("population", type="int", minimum=0, aliases=("dan_so", "dân số")),
    ),
)
