"""Safe names for what staff type and for the files the product sends.

Round codes (and other identifiers that end up in file names and headers) use a safe alphabet:
ASCII letters, digits, ``-`` and ``_``. ``content_disposition`` builds an attachment header from
any file name: an ASCII fallback with every other character replaced, and the exact name in
RFC 5987 ``filename*`` form, so no name can break the header or the downloaded file's path.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

IDENTIFIER = re.compile(r"[A-Za-z0-9_-]{1,40}")
IDENTIFIER_MESSAGE_VI = (
    "Mã chỉ được gồm chữ cái không dấu, chữ số, dấu gạch ngang (-) và gạch dưới "
    "(_), tối đa 40 ký tự, ví dụ CCHC-2025."
)
IDENTIFIER_MESSAGE_EN = (
    "A code may hold only letters without accents, digits, - and _, at most 40 "
    "characters, e.g. CCHC-2025."
)
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def ascii_filename(name: str) -> str:
    """``name`` in ASCII letters, digits, ``.``, ``-`` and ``_`` (Vietnamese letters lose their
    accents, đ becomes d, anything else becomes ``_``); never empty, never starting with a dot."""
    plain = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    safe = re.sub(r"\.{2,}", ".", _UNSAFE_NAME.sub("_", plain)).strip("._") or "download"
    return safe[:150]


def content_disposition(filename: str) -> str:
    """An ``attachment`` Content-Disposition header value for ``filename``."""
    fallback = ascii_filename(filename)
    exact = quote(filename.replace("/", "_").replace("\\", "_"), safe="")
    if exact == fallback:
        return f'attachment; filename="{fallback}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}"
