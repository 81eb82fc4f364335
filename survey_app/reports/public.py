"""The public results page of a published round, without login, in Vietnamese or English
(``?lang=en``): each unit's SIPAS index with its 95 % interval (bar and table), its number of
responses, the method in plain words and the results report as a PDF.

It shows no individual answer, no free text and no cell under the small-cell threshold: only
contract figures, with small cells blanked. Pages and PDFs are cached per round, language and
contract hash (a published contract never changes), and sent with ``Cache-Control: public`` and
an ETag, so a reload costs one lookup of the round."""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import force_locale

from survey_app.downloads import content_disposition
from survey_app.operations.analysis_run import DEFAULT_MIN_N
from survey_app.operations.exports import published_at
from survey_app.operations.reports import published_round, report_sources
from survey_app.reports.render import LANGUAGES, report_file

bp = Blueprint("public", __name__, url_prefix="/cong-khai")

MAX_AGE = 600
CACHE_SIZE = 64
_lock = threading.Lock()


def _cached(key, build):
    """``build()`` once per key and app (a published round's documents never change; the key
    holds the round's publication time); least recently used out."""
    cache = current_app.extensions.setdefault("public_results_cache", OrderedDict())
    with _lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    value = build()
    with _lock:
        cache[key] = value
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return value


def _key(kind: str, survey_round, lang: str) -> tuple:
    return (kind, survey_round.id, survey_round.code, str(published_at(survey_round)), lang,
            _min_n())


def _min_n() -> int:
    """The public small-cell threshold: ``PUBLIC_MIN_N`` (default: the analysis default)."""
    return int(current_app.config.get("PUBLIC_MIN_N", DEFAULT_MIN_N))


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


@bp.get("/<code>")
def round_page(code: str):
    survey_round = published_round(code) or abort(404)
    lang = _language()
    body, etag = _cached(_key("page", survey_round, lang), lambda: _page(survey_round, lang))
    return _reply(body, "text/html", etag)


@bp.get("/<code>/bao-cao.pdf")
def round_report(code: str):
    survey_round = published_round(code) or abort(404)
    lang = _language()
    body, filename, etag = _cached(_key("pdf", survey_round, lang),
                                   lambda: _pdf(survey_round, lang))
    reply = _reply(body, "application/pdf", etag)
    reply.headers["Content-Disposition"] = content_disposition(filename)
    return reply
