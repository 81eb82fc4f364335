"""The database's refusal to change a published record or an audit event, as one clear sentence.

The triggers of revision 0005 (``migrations/record_triggers.py``) raise an error whose message
starts with ``[immutable:<table>]``. The app's engine turns such an error into
:class:`ImmutableRecordError`, a ``ValueError`` carrying the bilingual sentence, so the CLI prints
it; in a request the app-wide handler (``survey_app.errors``) answers with its
:meth:`~ImmutableRecordError.refusal`, a 409 :class:`~survey_app.refusals.Refused` in the page's
language.
"""
from __future__ import annotations

import re

from survey_app.refusals import N_, Refused

_MARKER = re.compile(r"\[immutable:(?P<table>[a-z_]+)\]\s*(?P<sentence>[^\n]*)")

_TABLE_NAMES = {
    "questionnaire_versions": ("phiếu hỏi", "questionnaire"),
    "methodology_packs": ("bộ phương pháp", "methodology pack"),
    "survey_rounds": ("đợt khảo sát", "survey round"),
    "rating_cells": ("ô ma trận đánh giá", "rating-matrix cell"),
    "audit_events": ("nhật ký kiểm toán", "audit log"),
    "disposition_events": ("lịch sử kết quả liên hệ", "disposition history"),
}
# The database's sentence (migrations/record_triggers.py) as a catalogue message, by table.
_MESSAGE_IDS = {
    "questionnaire_versions": N_(
        "Phiếu hỏi đã công bố (hoặc đang dùng trong một đợt đã công bố) không sửa hay xoá được; "
        "hãy công bố phiên bản mới kèm lý do."),
    "methodology_packs": N_(
        "Bộ phương pháp đã công bố (hoặc đang dùng trong một đợt đã công bố) không sửa hay xoá "
        "được; hãy công bố phiên bản mới kèm lý do."),
    "survey_rounds": N_(
        "Đợt khảo sát đã công bố không sửa, xoá hay chuyển trạng thái được; hãy tạo đợt mới kèm "
        "lý do."),
    "rating_cells": N_("Ma trận đánh giá của đợt đã công bố không sửa được."),
    "audit_events": N_("Nhật ký kiểm toán chỉ được ghi thêm, không sửa hay xoá."),
    "disposition_events": N_("Lịch sử kết quả liên hệ chỉ được ghi thêm, không sửa hay xoá."),
}
UNCHANGEABLE = N_("Bản ghi này đã khoá, không sửa được.")


class ImmutableRecordError(ValueError):
    """The database refused to change or delete a published record or an audit event."""

    def __init__(self, table: str, sentence: str) -> None:
        self.table = table
        super().__init__(
            sentence.strip()
            or f"{_TABLE_NAMES.get(table, (table, table))[0]} không sửa được / the "
               f"{_TABLE_NAMES.get(table, (table, table))[1]} cannot be changed."
        )

    def refusal(self) -> Refused:
        """The same refusal in the page's language (409, ``immutable_record``)."""
        return Refused(_MESSAGE_IDS.get(self.table, UNCHANGEABLE), status=409,
                       code="immutable_record")


def immutable_refusal(exc: BaseException) -> ImmutableRecordError | None:
    """The refusal ``exc`` (a DBAPI error or one wrapping it) carries, if it is one."""
    match = _MARKER.search(str(getattr(exc, "orig", None) or exc))
    if match is None:
        return None
    return ImmutableRecordError(match["table"], match["sentence"])


def translate_refusal(context) -> None:
    """``handle_error`` listener (bound to the app's engine by ``survey_app.database``)."""
    refusal = immutable_refusal(context.original_exception)
    if refusal is not None:
        raise refusal from context.sqlalchemy_exception
