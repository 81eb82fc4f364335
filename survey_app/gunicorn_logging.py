"""The gunicorn logger of ``par-survey serve``: no respondent's secrets or address in its lines.

Every access-log atom is rebuilt from the request: the request line, path, query, referrer and the
``Location`` of a redirect have invitation tokens, receipts and resume keys masked
(:mod:`survey_app.logmask`); the client address and user agent are kept for staff pages only; the
WSGI environment, cookies, ``Set-Cookie`` and forwarding headers are never offered to a log format.
Error-log messages are masked the same way.
"""

from __future__ import annotations

from functools import lru_cache

from gunicorn.glogging import Logger

from survey_app.logmask import is_staff_path, mask_target, mask_text

# Request and response headers never offered to an access-log format.
HIDDEN_HEADERS = frozenset(
    {
        "cookie",
        "set-cookie",
        "authorization",
        "proxy-authorization",
        "forwarded",
        "x-forwarded-for",
        "x-real-ip",
        "true-client-ip",
        "cf-connecting-ip",
    }
)
MASKED_HEADERS = frozenset({"referer", "location", "content-location"})


class PrivateLogger(Logger):
    """gunicorn's logger with masked access atoms and error messages."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = environ.get("PATH_INFO") or ""
        raw = environ.get("RAW_URI") or path
        staff = is_staff_path(path)
        safe = {}
        for key, value in atoms.items():  # one pass: no environment atom, no hidden header
            if key.endswith("}e"):
                continue
            header = _header(key)
            if header in HIDDEN_HEADERS:
                continue
            safe[key] = (mask_target(value) if header in MASKED_HEADERS and isinstance(value, str)
                         else value)
        safe.update(
            {
                "r": f"{environ.get('REQUEST_METHOD', '-')} {mask_target(raw)} "
                f"{environ.get('SERVER_PROTOCOL', '-')}",
                "U": mask_target(path),
                "q": mask_target("?" + (environ.get("QUERY_STRING") or ""))[1:],
                "f": mask_target(environ.get("HTTP_REFERER", "-")),
            }
        )
        if not staff:
            safe["h"] = "-"
            safe["a"] = "-"
            safe.pop("{user-agent}i", None)
        return safe

    def error(self, msg, *args, **kwargs):
        super().error(*_masked(msg, args), **kwargs)

    def warning(self, msg, *args, **kwargs):
        super().warning(*_masked(msg, args), **kwargs)

    def exception(self, msg, *args, **kwargs):
        super().exception(*_masked(msg, args), **kwargs)

    def critical(self, msg, *args, **kwargs):
        super().critical(*_masked(msg, args), **kwargs)

    def info(self, msg, *args, **kwargs):
        super().info(*_masked(msg, args), **kwargs)


@lru_cache(maxsize=512)  # atom names repeat from request to request (header names, no values)
def _header(atom: str) -> str:
    return atom[1:-2] if atom.startswith("{") and atom[-2:] in ("}i", "}o") else ""


def _hidden(atom: str) -> bool:
    return _header(atom) in HIDDEN_HEADERS


def _masked(msg, args: tuple) -> tuple:
    """The message formatted and masked (so a secret in an argument is masked too)."""
    if not isinstance(msg, str):
        return (mask_text(str(msg)),) if not isinstance(msg, BaseException) else (msg,)
    try:
        text = msg % args if args else msg
    except (TypeError, ValueError):
        text = " ".join([msg, *map(str, args)])
    return (mask_text(text),)
