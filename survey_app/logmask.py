"""What the server's logs may say of a request: URL secrets masked, respondents' addresses dropped.

Invitation tokens (``/i/<token>``), receipts (``/receipt/<code>``), ODK Collect keys
(``/openrosa/key/<key>``) and resume keys (``?resume=``)
are bearer secrets: whoever reads them in a log could answer, read a draft or confirm a response in
someone's name. An address next to a respondent's request could re-identify an anonymous answer.
Both are removed before a line is written; only staff pages keep the client address, for security
reviews of logins. Used by the gunicorn logger class (``survey_app.gunicorn_logging``) and by the
app's own exception log. Pure: no Flask import.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

MASK = "…"
# A path segment after one of these holds a secret: everything up to the next "/" is masked.
SECRET_SEGMENTS = ("i", "receipt", "key")
# Query parameters whose value is a secret.
SECRET_PARAMETERS = ("resume", "token", "receipt", "_rk", "key")
# Paths of staff pages, the only requests whose client address is logged.
STAFF_PREFIXES = ("/auth/", "/admin/", "/results/", "/api/v1/rounds/", "/api/v1/exports/")

_SEGMENT_RE = re.compile(r"(^|/)(" + "|".join(SECRET_SEGMENTS) + r")/[^/?#]*", re.IGNORECASE)
_PARAMETER_RE = re.compile(
    r"(^|[?&;])((?:" + "|".join(re.escape(p) for p in SECRET_PARAMETERS) + r")=)[^&;#]*",
    re.IGNORECASE,
)


_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_ORIGIN_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")


def _canonical_path(path: str) -> str:
    """The path as the router sees it: percent-decoded (twice, for doubly encoded tricks), runs of
    slashes and backslashes as one slash, control characters dropped."""
    if "%" not in path and "\\" not in path and "//" not in path and not _CONTROL_RE.search(path):
        return path  # already canonical (the common case: nothing to decode or join)
    for _ in range(2):
        path = unquote(path)
    path = re.sub(r"[\x00-\x1f\x7f]", "", path)
    return re.sub(r"[/\\]+", "/", path)


def mask_path(path: str) -> str:
    """``path`` (no query) with every secret segment replaced by ``…``."""
    canonical = _canonical_path(path or "")
    if _SEGMENT_RE.search(canonical) is None:
        return path
    return _SEGMENT_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}/{MASK}", canonical)


def mask_query(query: str) -> str:
    """A query string with the values of secret parameters replaced by ``…``."""
    if not query:
        return query
    decoded = unquote(query.replace("+", " "))
    if _PARAMETER_RE.search(decoded) is None and _PARAMETER_RE.search(query) is None:
        return query
    return _PARAMETER_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", decoded)


def mask_target(target: str) -> str:
    """A request target (``path?query``, or a whole URL as in ``Referer``), secrets masked."""
    origin = ""
    match = _ORIGIN_RE.match(target or "")
    if match:
        origin, target = match.group(0), target[match.end():]
    path, sep, query = (target or "").partition("?")
    return origin + mask_path(path) + (sep + mask_query(query) if sep else "")


_TEXT_SEGMENT_RE = re.compile(
    r"/(" + "|".join(SECRET_SEGMENTS) + r")/[^/\s?#\"'<>]+", re.IGNORECASE
)
_TEXT_PARAMETER_RE = re.compile(
    r"\b((?:" + "|".join(re.escape(p) for p in SECRET_PARAMETERS) + r")=)[^&;#\s\"'<>]+",
    re.IGNORECASE,
)
_TEXT_ADDRESS_RE = re.compile(r"\bip=\S+", re.IGNORECASE)


def mask_text(text: str) -> str:
    """Free text (an error message) with secret path segments, parameters and ``ip=`` masked."""
    text = _TEXT_SEGMENT_RE.sub(lambda m: f"/{m.group(1)}/{MASK}", text)
    text = _TEXT_PARAMETER_RE.sub(lambda m: f"{m.group(1)}{MASK}", text)
    return _TEXT_ADDRESS_RE.sub(f"ip={MASK}", text)


def is_staff_path(path: str) -> bool:
    """True for the staff pages whose client address may be logged."""
    canonical = _canonical_path(path or "")
    return any(canonical.startswith(prefix) for prefix in STAFF_PREFIXES)
