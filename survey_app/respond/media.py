"""The image and audio files of a published questionnaire version, served to the respondent
pages (``/media/<form>/<version>/<name>``) with their checked type, ``nosniff`` and a policy
that lets nothing run; ``media_views`` gives the pages what to draw (an ``<img>`` with the
question's or option's label as ``alt``, ``<audio controls>``). Video is not shown."""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, g, make_response, url_for

from survey_app.operations.questionnaire_library import media_file
from survey_app.respond import bp

SHOWN_KINDS = ("image", "big-image", "audio")


@dataclass(frozen=True)
class MediaView:
    kind: str  # "image" or "audio"
    url: str
    alt: str


def media_views(questionnaire, pairs, language: str, alt: str) -> list[MediaView]:
    """What the page shows of a question's or a choice's ``media`` in ``language`` (the
    big image stands in when there is no image)."""
    files = {kind: label.get(language) for kind, label in pairs if kind in SHOWN_KINDS}
    views = []
    image = files.get("image") or files.get("big-image")
    if image:
        views.append(MediaView("image", _url(questionnaire, image), alt))
    if files.get("audio"):
        views.append(MediaView("audio", _url(questionnaire, files["audio"]), alt))
    return views


def _url(questionnaire, name: str) -> str:
    return url_for("respond.questionnaire_media", form=questionnaire.id,
                   version=questionnaire.version, name=name)


@bp.get("/media/<form>/<version>/<name>")
def questionnaire_media(form: str, version: str, name: str):
    user = g.get("user")  # staff previewing a draft see its files too
    found = media_file(form, version, name, drafts=user is not None and user.role == "admin")
    if found is None:
        abort(404)
    stored, published = found
    response = make_response(stored.content)
    response.headers["Content-Type"] = stored.mimetype
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Cache-Control"] = ("public, max-age=86400" if published  # fixed
                                         else "private, no-store")
    return response
