"""The list of published rounds (``/cong-khai/``) and the public results page of a published
round, without login, in Vietnamese or English
(``?lang=en``): each unit's SIPAS index with its 95 % interval (bar and table), its number of
responses, the method in plain words and the results report as a PDF.

It shows no individual answer, no free text and no cell under the small-cell threshold: only
contract figures, with small cells blanked. Pages and PDFs are cached per round, language and
publication (a published contract never changes), and sent with ``Cache-Control: public`` and
an ETag; a cached page is served without the database for a minute at a time."""
from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import force_locale

from survey_app.downloads import content_disposition
from survey_app.operations.analysis_run import DEFAULT_MIN_N
from survey_app.operations.exports import published_at
from survey_app.operations.reports import published_round, report_sources
from survey_app.reports.render import LANGUAGES, report_file

bp = Blueprint("public", __name__, url_prefix="/cong-khai")

MAX_AGE = 600
CHECK_SECONDS = 60  # a cached document is served this long before its round is looked up again
CACHE_SIZE = 64
_lock = threading.Lock()


@dataclass
class _Entry:
    value: tuple
    stamp: tuple
    checked: float


def _document(kind: str, code: str, lang: str, build) -> tuple:
    """``build(round)`` once per document, language and publication of a published round, per app.

    Within ``CHECK_SECONDS`` of its last check a cached document is served without the database
    (publication is final); then the round is looked up again and the document rebuilt if the
    round is not the one it was built from. A round that is not published is a 404.
    """
    key = (kind, code, lang, _min_n())
    cache = current_app.extensions.setdefault("public_results_cache", OrderedDict())
    now = time.monotonic()
    with _lock:
        entry = cache.get(key)
        if entry is not None and now - entry.checked < CHECK_SECONDS:
            cache.move_to_end(key)
            return entry.value
    survey_round = published_round(code) or abort(404)
    stamp = (survey_round.id, str(published_at(survey_round)))
    value = entry.value if entry is not None and entry.stamp == stamp else build(survey_round)
    with _lock:
        cache[key] = _Entry(value, stamp, now)
        cache.move_to_end(key)
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return value


def _min_n() -> int:
    """The small-cell threshold of the configuration (``SMALL_CELL_N``, default 30)."""
    return int(current_app.config.get("SMALL_CELL_N", DEFAULT_MIN_N))


def _sources(survey_round):
    return report_sources(survey_round, min_n=_min_n())


def _language() -> str:
    asked = request.args.get("lang")
    return asked if asked in LANGUAGES else "vi"


def _reply(body: bytes, mimetype: str, etag: str) -> Response:
    if request.if_none_match.contains(etag):
        reply = Response(status=304)
    else:
        reply = Response(body, mimetype=mimetype)
    reply.set_etag(etag)
    reply.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return reply


def _page(survey_round, lang: str) -> tuple[bytes, str]:
    from survey_app.reports.public_content import public_view

    sources = _sources(survey_round)
    with force_locale(lang):
        html = render_template("reports/public.html", view=public_view(sources, lang), lang=lang)
    body = html.encode("utf-8")
    return body, hashlib.sha256(body).hexdigest()[:32]


def _pdf(survey_round, lang: str) -> tuple[bytes, str, str]:
    result = report_file(_sources(survey_round), "pdf", lang)
    return result.content, result.filename, hashlib.sha256(result.content).hexdigest()[:32]


@bp.get("/")
def rounds():
    """The published rounds, each linking to its page (no figures, nothing cached per round)."""
    from survey_app.operations.reports import published_rounds

    lang = _language()
    with force_locale(lang):
        html = render_template("reports/public_rounds.html", rounds=published_rounds(), lang=lang)
    body = html.encode("utf-8")
    reply = _reply(body, "text/html", hashlib.sha256(body).hexdigest()[:32])
    reply.headers["Cache-Control"] = f"public, max-age={CHECK_SECONDS}"
    return reply


@bp.get("/<code>")
def round_page(code: str):
    lang = _language()
    body, etag = _document("page", code, lang, lambda survey_round: _page(survey_round, lang))
    return _reply(body, "text/html", etag)


@bp.get("/<code>/bao-cao.pdf")
def round_report(code: str):
    lang = _language()
    body, filename, etag = _document("pdf", code, lang,
                                     lambda survey_round: _pdf(survey_round, lang))
    reply = _reply(body, "application/pdf", etag)
    reply.headers["Content-Disposition"] = content_disposition(filename)
    return reply
