"""Importing sample frames: read CSV/XLSX, check every row with ``sampling.frames``, bulk-store.

A frame with any error is not stored. Personal columns (names, phones, e-mails) go only to
``FrameRow.personal`` and can be purged once the round no longer needs them.

Uploads are bounded before they are parsed: an XLSX whose parts unpack to more than
``UPLOAD_MAX_UNPACKED_BYTES``, or to more than ``MAX_RATIO`` times its own size (read from the
zip directory, which also caps what decompression may produce) is refused, the sheet is
streamed (openpyxl ``read_only``) over the header's columns only, and reading stops after
``UPLOAD_MAX_ROWS`` rows. At most ``sampling.frames.MAX_ERRORS``
errors are kept and shown, with a count of the rest.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

from flask import current_app
from sqlalchemy import delete, insert, update

from sampling.frames import (
    COMMUNES,
    OFFICIALS,
    SIPAS_DOSSIERS,
    FrameCheck,
    FrameSpec,
    read_csv_rows,
    validate_frame,
)
from survey_app.extensions import db
from survey_app.models import FrameRow, SampleFrame, SurveyRound, User
from survey_app.models.base import utcnow
from survey_app.operations.rounds import record_audit, round_units
from survey_app.refusals import N_, Refused

FRAME_SPECS: dict[str, FrameSpec] = {
    spec.name: spec for spec in (SIPAS_DOSSIERS, OFFICIALS, COMMUNES)
}
FRAME_KIND_LABELS = {
    name: f"{spec.title_vi} / {spec.title_en}" for name, spec in FRAME_SPECS.items()
}
_INSERT_BATCH = 5000
MAX_COLUMNS = 200  # header cells read from an XLSX sheet
DEFAULT_MAX_UNPACKED = 100 * 1024 * 1024
# Spreadsheets compress some 5-20 times; a zip unpacking to more than this many times its size
# (and to more than RATIO_FLOOR bytes) is a decompression bomb, not a frame.
MAX_RATIO = 100
RATIO_FLOOR = 16 * 1024 * 1024
DEFAULT_MAX_ROWS = 500_000


def frame_spec(kind: str) -> FrameSpec:
    try:
        return FRAME_SPECS[kind]
    except KeyError:
        raise Refused(N_("Loại khung mẫu “%(kind)s” không hợp lệ."), code="unknown_frame_kind",
                      arguments={"kind": kind}) from None


def upload_limits() -> tuple[int, int]:
    """``(unpacked bytes, rows)`` an upload may hold, from the app's configuration."""
    config = current_app.config
    return (config.get("UPLOAD_MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED),
            config.get("UPLOAD_MAX_ROWS", DEFAULT_MAX_ROWS))


def read_upload(filename: str, data: bytes,
                max_unpacked: int = DEFAULT_MAX_UNPACKED) -> Iterator[dict[Any, Any]]:
    """Rows of an uploaded CSV or XLSX file as dicts keyed by the header row."""
    name = filename.lower()
    if name.endswith((".csv", ".txt")):
        return read_csv_rows(data)
    if name.endswith(".xlsx"):
        return _read_xlsx_rows(data, max_unpacked)
    raise Refused(N_("Chỉ nhận tệp .csv hoặc .xlsx."), code="unsupported_file")


def _not_xlsx() -> Refused:
    return Refused(N_("Tệp không phải bảng tính Excel .xlsx hợp lệ."), code="not_xlsx")


def check_unpacked_size(data: bytes, max_unpacked: int) -> None:
    """Refuse a zip (XLSX) whose parts unpack to more than ``max_unpacked`` bytes or than
    ``MAX_RATIO`` times the file (above ``RATIO_FLOOR``), before any part is decompressed: a
    file of under a megabyte can unpack to hundreds of megabytes."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _not_xlsx() from None
    max_unpacked = min(max_unpacked, max(RATIO_FLOOR, MAX_RATIO * len(data)))
    if unpacked > max_unpacked:
        mb, limit = unpacked / 1024**2, max_unpacked / 1024**2
        raise Refused(N_("Tệp .xlsx giải nén ra %(size)s MB, vượt giới hạn %(limit)s MB; hãy lưu "
                         "thành CSV hoặc chia nhỏ tệp."), code="upload_too_large",
                      arguments={"size": f"{mb:,.0f}", "limit": f"{limit:,.0f}"})


def _read_xlsx_rows(
    data: bytes, max_unpacked: int = DEFAULT_MAX_UNPACKED
) -> Iterator[dict[Any, Any]]:
    from openpyxl import load_workbook

    check_unpacked_size(data, max_unpacked)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise _not_xlsx() from None
    sheet = workbook.worksheets[0]
    header = next(sheet.iter_rows(max_row=1, max_col=MAX_COLUMNS, values_only=True), None)
    if header is None:
        workbook.close()
        return iter(())
    keys = [None if cell is None else str(cell) for cell in header]
    while keys and keys[-1] is None:
        keys.pop()
    # One column beyond the header tells a row with extra values; a sheet declaring thousands
    # of columns costs no more than its header.
    rows = sheet.iter_rows(min_row=2, max_col=len(keys) + 1, values_only=True)

    def generate() -> Iterator[dict[Any, Any]]:
        try:
            for values in rows:
                row: dict[Any, Any] = {}
                extra = []
                for position, value in enumerate(values):
                    if position < len(keys) and keys[position] is not None:
                        row[keys[position]] = value
                    elif value is not None:
                        extra.append(value)
                for key in keys[len(values) :]:
                    if key is not None:
                        row[key] = None
                if extra:
                    row[None] = extra
                yield row
        finally:
            workbook.close()

    return generate()


def import_frame(
    survey_round: SurveyRound, kind: str, filename: str, data: bytes, user: User | None = None
) -> SampleFrame:
    """Check an uploaded frame and store it when it has no error; store nothing otherwise.

    Refused for an unreadable file (wrong format, not UTF-8) and for a frame with errors: that
    refusal (code ``frame_invalid``) carries the check's first errors as ``arguments["errors"]``
    and the count of the others as ``arguments["more"]``, for the page to list them.
    """
    spec = frame_spec(kind)
    if not survey_round.accepts_frames:
        raise Refused(N_("Đợt đã công bố, không nhận thêm khung mẫu."), status=409,
                      code="round_published")
    filename = re.sub(r"[\x00-\x1f\x7f]", "", filename).strip() or "frame"
    units = {unit.code: unit.id for unit in round_units(survey_round)}
    max_unpacked, max_rows = upload_limits()
    try:
        check = validate_frame(read_upload(filename, data, max_unpacked), spec,
                               known_unit_codes=units, max_rows=max_rows)
    except ValueError as exc:  # ``sampling.frames``: not UTF-8, malformed CSV
        raise Refused(N_("Không đọc được tệp: %(reason)s"), code="unreadable_file",
                      arguments={"reason": str(exc)}) from None
    if not check.ok:
        raise Refused(
            N_("Khung mẫu có %(count)s lỗi nên chưa được nhập; hãy sửa và tải lại."),
            code="frame_invalid",
            arguments={"count": f"{check.error_count:,}", "errors": check.errors,
                       "more": check.more_errors},
        )
    frame = SampleFrame(
        round_id=survey_round.id,
        kind=kind,
        filename=filename[:300],
        content_hash=check.content_hash,
        row_count=len(check.rows),
        uploaded_by_id=user.id if user is not None else None,
    )
    db.session.add(frame)
    db.session.flush()
    _store_rows(frame, spec, check, units)
    record_audit(
        user,
        "frame.import",
        frame,
        {"kind": kind, "rows": frame.row_count, "hash": frame.content_hash},
    )
    return frame


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _store_rows(
    frame: SampleFrame, spec: FrameSpec, check: FrameCheck, units: dict[str, int]
) -> None:
    personal = set(spec.personal_columns)
    size_column = next(
        (c.name for c in spec.columns if c.type in ("int", "float") and not c.personal), None
    )
    batch: list[dict[str, Any]] = []
    for number, row in enumerate(check.rows, start=1):
        code = row.get("unit_code")
        private = {k: v for k, v in row.items() if k in personal and v is not None}
        batch.append(
            {
                "frame_id": frame.id,
                "row_number": number,
                "unit_id": units.get(code) if code is not None else None,
                "stratum": code,
                "size": float(row[size_column])
                if size_column and row.get(size_column) is not None
                else None,
                "design": {k: _plain(v) for k, v in row.items() if k not in personal},
                "personal": private or None,
            }
        )
        if len(batch) >= _INSERT_BATCH:
            db.session.execute(insert(FrameRow), batch)
            batch = []
    if batch:
        db.session.execute(insert(FrameRow), batch)


def frame_columns(frame: SampleFrame) -> list[str]:
    """Design (non-personal) column names of a stored frame, in the spec's order."""
    spec = frame_spec(frame.kind)
    return [c.name for c in spec.columns if not c.personal]


def numeric_columns(frame: SampleFrame) -> list[str]:
    spec = frame_spec(frame.kind)
    return [c.name for c in spec.columns if c.type in ("int", "float") and not c.personal]


def preview_rows(frame: SampleFrame, limit: int) -> list[FrameRow]:
    """The first ``limit`` rows of a frame, in frame order."""
    return list(db.session.scalars(
        db.select(FrameRow).filter_by(frame_id=frame.id).order_by(FrameRow.row_number).limit(limit)
    ))


def purge_personal_data(frame: SampleFrame, user: User | None = None) -> int:
    """Erase names, phones and e-mails of a frame; returns the rows touched."""
    result = db.session.execute(
        update(FrameRow)
        .where(FrameRow.frame_id == frame.id)
        .values(personal=None)
        .execution_options(synchronize_session=False)
    )
    frame.personal_data_purged_at = utcnow()
    record_audit(user, "frame.purge_personal", frame, {"rows": result.rowcount})
    db.session.flush()
    return result.rowcount


def delete_frame(frame: SampleFrame, user: User | None = None) -> int:
    """Delete a frame and its rows; returns the rows deleted. Refused once a sample was drawn from
    it (the plan's redraw check needs the frame) or when the round no longer takes frames."""
    from survey_app.models import SamplePlan

    survey_round = db.session.get(SurveyRound, frame.round_id)
    if not survey_round.accepts_frames:
        raise Refused(N_("Đợt không còn nhận khung mẫu, không xoá được khung."), status=409,
                      code="round_closed")
    plans = db.session.scalar(
        db.select(db.func.count(SamplePlan.id)).where(SamplePlan.frame_id == frame.id))
    if plans:
        raise Refused(N_("Đã rút %(n)s mẫu từ khung này, không xoá được khung."), status=409,
                      code="frame_has_plans", arguments={"n": plans})
    result = db.session.execute(
        delete(FrameRow).where(FrameRow.frame_id == frame.id)
        .execution_options(synchronize_session=False)
    )
    record_audit(user, "frame.delete", frame, {"rows": result.rowcount, "file": frame.filename,
                                               "content_hash": frame.content_hash})
    db.session.expire(frame, ["rows"])
    db.session.delete(frame)
    db.session.flush()
    return result.rowcount
