"""The database's refusal to change a published record or an audit event, as one clear sentence.

The triggers of revision 0005 (``migrations/record_triggers.py``) raise an error whose message
starts with ``[immutable:<table>]``. Every engine turns such an error into
:class:`ImmutableRecordError`, a ``ValueError`` carrying the bilingual sentence, so a staff page
flashes it (``commit_or_flash``), the CLI prints it, and other pages answer 409 with it.
"""
from __future__ import annotations

import re

from sqlalchemy import event
from sqlalchemy.engine import Engine

_MARKER = re.compile(r"\[immutable:(?P<table>[a-z_]+)\]\s*(?P<sentence>[^\n]*)")

_TABLE_NAMES = {
    "questionnaire_versions": ("phiếu hỏi", "questionnaire"),
    "methodology_packs": ("bộ phương pháp", "methodology pack"),
    "survey_rounds": ("đợt khảo sát", "survey round"),
    "rating_cells": ("ô ma trận đánh giá", "rating-matrix cell"),
    "audit_events": ("nhật ký kiểm toán", "audit log"),
}


class ImmutableRecordError(ValueError):
    """The database refused to change or delete a published record or an audit event."""

    def __init__(self, table: str, sentence: str) -> None:
        self.table = table
        super().__init__(
            sentence.strip()
            or f"{_TABLE_NAMES.get(table, (table, table))[0]} không sửa được / the "
               f"{_TABLE_NAMES.get(table, (table, table))[1]} cannot be changed."
        )


def immutable_refusal(exc: BaseException) -> ImmutableRecordError | None:
    """The refusal ``exc`` (a DBAPI error or one wrapping it) carries, if it is one."""
    match = _MARKER.search(str(getattr(exc, "orig", None) or exc))
    if match is None:
        return None
    return ImmutableRecordError(match["table"], match["sentence"])


@event.listens_for(Engine, "handle_error")
def _translate_refusal(context) -> None:
    refusal = immutable_refusal(context.original_exception)
    if refusal is not None:
        raise refusal from context.sqlalchemy_exception
