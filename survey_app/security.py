"""Response headers, the proxy in front, and what the app's own error log may say.

- Every response carries a content security policy without inline scripts or styles, frame
  denial, ``nosniff`` and ``Referrer-Policy: same-origin`` (an invitation token in a URL never
  leaves the site in a ``Referer``); production adds HSTS.
- ``PROXY_FIX_X_*`` settings trust that many proxies' ``X-Forwarded-*`` headers (a TLS proxy).
- "Exception on <path>" lines of the app's log have invitation tokens and receipts masked.
"""

from __future__ import annotations

import re
import types
from urllib.parse import unquote, urlsplit

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from survey_app.logmask import mask_target

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def init_app(app: Flask) -> None:
    if app.config.get("PRODUCTION"):
        app.config["SESSION_COOKIE_SECURE"] = True  # production is served over TLS only
    proxies = {
        name: int(app.config.get(f"PROXY_FIX_X_{name.upper()}", 0) or 0)
        for name in ("for", "proto", "host", "port", "prefix")
    }
    if any(proxies.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **{f"x_{name}": n for name, n in proxies.items()})

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("PRODUCTION") and app.config.get("HSTS_SECONDS"):
            response.headers.setdefault(
                "Strict-Transport-Security",
                f"max-age={int(app.config['HSTS_SECONDS'])}; includeSubDomains",
            )
        return response

    app.log_exception = types.MethodType(_log_exception_masked, app)


def _log_exception_masked(app: Flask, exc_info) -> None:
    """Flask's ``log_exception`` with the path's secrets masked."""
    path = mask_target(request.full_path if request.query_string else request.path)
    app.logger.error(f"Exception on {path} [{request.method}]", exc_info=exc_info)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path of this site, else ``None``.

    Browsers drop tabs and newlines from URLs and read ``\\`` as ``/``, so ``/\\t/evil.example``
    and ``/\\evil.example`` lead to another host: control characters are removed (before and after
    percent-decoding) and the result must start with one ``/``, hold no ``\\`` and name no scheme
    or host.
    """
    if not target:
        return None
    cleaned = _CONTROL.sub("", target).strip()
    decoded = _CONTROL.sub("", unquote(cleaned)).strip()
    for candidate in (cleaned, decoded):
        if not candidate.startswith("/") or candidate.startswith("//") or "\\" in candidate:
            return None
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return None
    return cleaned
